// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: output helpers: sizes, terminal styles and a JSON writer.
 */
#ifndef IODIRTY_CTL_OUTPUT_H
#define IODIRTY_CTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Room for any size string, e.g. "18446744073709551615" or "1023.9G". */
#define SIZE_STR_MAX 32

/*
 * Formats @bytes with the largest unit (K, M, G, T, P, E; powers of 1024)
 * that divides it exactly: 4096 -> "4K", 3 << 30 -> "3G", 1000 -> "1000".
 */
const char *fmt_size_exact(char buf[SIZE_STR_MAX], uint64_t bytes);
/* Formats @bytes for a person: "512", "1.5K", "64M" (one decimal). */
const char *fmt_size_human(char buf[SIZE_STR_MAX], uint64_t bytes);

/*
 * Terminal styles. They are empty strings unless @f is a terminal and
 * NO_COLOR is unset, so redirected output carries no control codes.
 */
struct style {
	const char *bold;
	const char *good;
	const char *bad;
	const char *reset;
};

void style_init(struct style *s, FILE *f);

/*
 * A small JSON writer for one document: objects, arrays, strings,
 * unsigned and boolean values, indented two spaces. @key is the member
 * name inside an object and must be NULL inside an array.
 */
#define JSON_MAX_DEPTH 8

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* no member written yet at a level */
	bool compact;			/* one line: for JSON lines */
};

void json_init(struct json *j, FILE *f);
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* Ends the document with a newline. */
void json_finish(struct json *j);

#endif /* IODIRTY_CTL_OUTPUT_H */
