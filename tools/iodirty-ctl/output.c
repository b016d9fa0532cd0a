// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: output helpers.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"

static const char size_units[] = "KMGTPE";

const char *fmt_size_exact(char buf[SIZE_STR_MAX], uint64_t bytes)
{
	int u = -1;

	while (bytes && !(bytes & 1023) && u + 1 < (int)sizeof(size_units) - 1) {
		bytes >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, SIZE_STR_MAX, "%" PRIu64, bytes);
	else
		snprintf(buf, SIZE_STR_MAX, "%" PRIu64 "%c", bytes,
			 size_units[u]);
	return buf;
}

const char *fmt_size_human(char buf[SIZE_STR_MAX], uint64_t bytes)
{
	uint64_t unit = 1024;
	int u = 0;

	if (bytes < 1024) {
		snprintf(buf, SIZE_STR_MAX, "%" PRIu64, bytes);
		return buf;
	}
	while (u + 1 < (int)sizeof(size_units) - 1 && bytes / unit >= 1024) {
		unit <<= 10;
		u++;
	}
	if (bytes % unit == 0) {
		snprintf(buf, SIZE_STR_MAX, "%" PRIu64 "%c", bytes / unit,
			 size_units[u]);
	} else {
		/* One decimal, rounded down, in integer arithmetic. */
		uint64_t whole = bytes / unit;
		uint64_t tenth = (bytes % unit) / (unit / 10 + (unit % 10 != 0));

		if (tenth > 9)
			tenth = 9;
		snprintf(buf, SIZE_STR_MAX, "%" PRIu64 ".%" PRIu64 "%c", whole,
			 tenth, size_units[u]);
	}
	return buf;
}

void style_init(struct style *s, FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	bool on = isatty(fileno(f)) && !(nc && nc[0]) &&
		  !(term && !strcmp(term, "dumb"));

	s->bold = on ? "\033[1m" : "";
	s->good = on ? "\033[1;32m" : "";
	s->bad = on ? "\033[1;31m" : "";
	s->reset = on ? "\033[0m" : "";
}

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->compact = false;
}

static void json_indent(struct json *j)
{
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void json_write_string(struct json *j, const char *s)
{
	fputc('"', j->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", j->f);
			break;
		case '\\':
			fputs("\\\\", j->f);
			break;
		case '\n':
			fputs("\\n", j->f);
			break;
		case '\t':
			fputs("\\t", j->f);
			break;
		default:
			if (*p < 0x20)
				fprintf(j->f, "\\u%04x", *p);
			else
				fputc(*p, j->f);
		}
	}
	fputc('"', j->f);
}

/* Starts a value: separator, newline, indent and "key": when in an object. */
static void json_member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputs(j->compact ? ", " : ",", j->f);
		if (!j->compact) {
			fputc('\n', j->f);
			json_indent(j);
		}
	}
	j->first[j->depth] = false;
	if (key) {
		json_write_string(j, key);
		fputs(": ", j->f);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	else
		abort();	/* a programming error in the caller */
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty && !j->compact) {
		fputc('\n', j->f);
		json_indent(j);
	}
	fputc(c, j->f);
}

void json_obj_begin(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_arr_end(struct json *j)
{
	json_close(j, ']');
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_member(j, key);
	json_write_string(j, val);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
	json_member(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	json_member(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_member(j, key);
	fputs("null", j->f);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
}
