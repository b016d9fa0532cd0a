// SPDX-License-Identifier: MIT
/* iodirty-bench: output, as a table (default) or as JSON (--json). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "bench_config.h"

#define MAX_NOTES 32

static bool first_row = true;
static const char *cur_case = "";
static char notes[MAX_NOTES][160];
static const char *note_case[MAX_NOTES];
static unsigned int nnotes;

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* 1234.5 ns -> "1.23 us". */
/* Name of the backend iodirty_ctx_open(NULL) picks here, or "none". */
static const char *default_backend(void)
{
	static char name[16] = "none";
	struct iodirty_ctx *ctx;

	if (!iodirty_ctx_open(NULL, NULL, &ctx)) {
		snprintf(name, sizeof(name), "%s", iodirty_ctx_backend(ctx));
		iodirty_ctx_close(ctx);
	}
	return name;
}

static const char *fmt_time(char *buf, size_t n, double ns)
{
	if (ns < 1e3)
		snprintf(buf, n, "%.1f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, n, "%.2f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, n, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, n, "%.3f s", ns / 1e9);
	return buf;
}

static void fmt_value(char *buf, size_t n, double v)
{
	if (v > -1e15 && v < 1e15 && (double)(int64_t)v == v)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.4g", v);
}

void row_base(struct row *r, const char *name, double ns)
{
	unsigned int i;

	for (i = 0; i < ROW_BASES; i++) {
		if (!r->base[i].name) {
			r->base[i].name = name;
			r->base[i].ns = ns;
			return;
		}
	}
}

void row_extra(struct row *r, const char *key, double value)
{
	unsigned int i;

	for (i = 0; i < ROW_EXTRAS; i++) {
		if (!r->extra[i].key) {
			r->extra[i].key = key;
			r->extra[i].value = value;
			return;
		}
	}
}

void row_target(struct row *r, const char *what, double value,
		bool at_least, double limit, const char *unit)
{
	unsigned int i;

	for (i = 0; i < ROW_TARGETS; i++) {
		if (!r->target[i].what) {
			r->target[i].what = what;
			r->target[i].value = value;
			r->target[i].limit = limit;
			r->target[i].at_least = at_least;
			r->target[i].unit = unit;
			return;
		}
	}
}

static bool target_pass(const struct row *r, unsigned int i)
{
	return r->target[i].at_least ? r->target[i].value >= r->target[i].limit
				     : r->target[i].value <= r->target[i].limit;
}

void report_begin(const struct machine *m)
{
	if (bench.json) {
		printf("{\n  \"tool\": \"iodirty-bench\",\n");
		printf("  \"library\": \"%s\",\n", BENCH_LIB_VERSION);
		printf("  \"header_version\": \"%d.%d\",\n",
		       IODIRTY_VERSION_MAJOR, IODIRTY_VERSION_MINOR);
		printf("  \"machine\": { \"nproc\": %ld, \"cpu\": ", m->nproc);
		json_str(m->cpu);
		printf(", \"llc_bytes\": %zu },\n", m->llc);
		printf("  \"build\": { \"compiler\": ");
		json_str(BENCH_CC " (" __VERSION__ ")");
		printf(", \"buildtype\": \"%s\", \"optimization\": \"%s\", "
		       "\"debug\": %s, \"b_ndebug\": \"%s\", "
		       "\"b_sanitize\": \"%s\", \"c_args\": ",
		       BENCH_BUILDTYPE, BENCH_OPTIMIZATION,
		       BENCH_DEBUG ? "true" : "false", BENCH_NDEBUG,
		       BENCH_SANITIZE);
		json_str(BENCH_C_ARGS);
		printf(" },\n");
		printf("  \"method\": { \"quick\": %s, \"reps\": %u, "
		       "\"warmup\": %u, \"statistic\": \"median\", "
		       "\"clock\": \"CLOCK_MONOTONIC\" },\n",
		       bench.quick ? "true" : "false", bench.reps,
		       bench.warmup);
		printf("  \"results\": [");
		return;
	}
	printf("iodirty-bench: libiodirty %s (header API %d.%d), backend "
	       "soft; the conversions case on the default backend (%s)\n",
	       BENCH_LIB_VERSION, IODIRTY_VERSION_MAJOR,
	       IODIRTY_VERSION_MINOR, default_backend());
	printf("machine: nproc %ld, CPU \"%s\", last-level cache %zu KiB\n",
	       m->nproc, m->cpu, m->llc / 1024);
	printf("build:   %s (%s); buildtype %s (-O%s%s), b_ndebug %s, "
	       "b_sanitize %s, c_args [%s]\n", BENCH_CC, __VERSION__,
	       BENCH_BUILDTYPE, BENCH_OPTIMIZATION,
	       BENCH_DEBUG ? " -g" : "", BENCH_NDEBUG, BENCH_SANITIZE,
	       BENCH_C_ARGS);
	printf("method:  median of %u timed repetitions after %u warm-up, "
	       "CLOCK_MONOTONIC; hot-path cases alternate library and "
	       "baselines within each repetition%s\n", bench.reps,
	       bench.warmup,
	       bench.quick ? "; --quick sizes (smoke run, not figures)" :
	       "");
}

void report_case(const char *bcase, const char *title)
{
	cur_case = bcase;
	if (bench.json)
		return;
	printf("\n== %s: %s ==\n", bcase, title);
	printf("  %-44s %-18s %-40s %s\n", "variant", "median",
	       "baseline (same run)", "ratio");
	fflush(stdout);
}

static void row_json(const struct row *r)
{
	unsigned int i;
	bool first = true;

	printf("%s\n    { \"case\": ", first_row ? "" : ",");
	first_row = false;
	json_str(r->bcase);
	printf(", \"variant\": ");
	json_str(r->variant);
	printf(", \"per\": ");
	json_str(r->per);
	printf(", \"ns\": %.1f, \"baselines\": [", r->ns);
	for (i = 0; i < ROW_BASES && r->base[i].name; i++) {
		printf("%s{ \"name\": ", i ? ", " : "");
		json_str(r->base[i].name);
		printf(", \"ns\": %.1f, \"ratio\": %.6g }", r->base[i].ns,
		       r->base[i].ns > 0 ? r->ns / r->base[i].ns : 0);
	}
	printf("], \"extra\": {");
	for (i = 0; i < ROW_EXTRAS && r->extra[i].key; i++) {
		printf("%s ", first ? "" : ",");
		first = false;
		json_str(r->extra[i].key);
		printf(": %.10g", r->extra[i].value);
	}
	printf(" }");
	if (r->target[0].what) {
		printf(", \"targets\": [");
		for (i = 0; i < ROW_TARGETS && r->target[i].what; i++) {
			printf("%s{ \"what\": ", i ? ", " : "");
			json_str(r->target[i].what);
			printf(", \"value\": %.6g, \"limit\": %.6g, "
			       "\"unit\": ", r->target[i].value,
			       r->target[i].limit);
			json_str(r->target[i].unit);
			printf(", \"at_least\": %s, \"pass\": %s }",
			       r->target[i].at_least ? "true" : "false",
			       target_pass(r, i) ? "true" : "false");
		}
		printf("]");
	}
	printf(" }");
}

void report_row(const struct row *r)
{
	char t[32], b[32], v[32], col[64];
	unsigned int i;

	if (bench.json) {
		row_json(r);
		return;
	}
	snprintf(col, sizeof(col), "%s/%s", fmt_time(t, sizeof(t), r->ns),
		 r->per);
	printf("  %-44s %-18s", r->variant, col);
	if (!r->base[0].name)
		printf("\n");
	for (i = 0; i < ROW_BASES && r->base[i].name; i++) {
		snprintf(col, sizeof(col), "%s: %s", r->base[i].name,
			 fmt_time(b, sizeof(b), r->base[i].ns));
		if (i)
			printf("  %-44s %-18s", "", "");
		printf(" %-40s %.3gx\n", col, r->ns / r->base[i].ns);
	}
	for (i = 0; i < ROW_EXTRAS && r->extra[i].key; i++) {
		fmt_value(v, sizeof(v), r->extra[i].value);
		printf("%s%s %s", i ? ", " : "      ", r->extra[i].key, v);
	}
	if (i)
		printf("\n");
	for (i = 0; i < ROW_TARGETS && r->target[i].what; i++) {
		const char *u = r->target[i].unit;
		double x = r->target[i].value;

		printf("      target: %s %.*f%s %s %.3g%s -> %s\n",
		       r->target[i].what, x >= 100 ? 0 : x >= 10 ? 1 : 2, x,
		       u, r->target[i].at_least ? ">=" : "<=",
		       r->target[i].limit, u,
		       target_pass(r, i) ? "PASS" : "MISS");
	}
	fflush(stdout);
}

void report_note(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!bench.json) {
		printf("  %s\n", buf);
		fflush(stdout);
		return;
	}
	if (nnotes < MAX_NOTES) {
		memcpy(notes[nnotes], buf, sizeof(buf));
		note_case[nnotes++] = cur_case;
	}
}

void report_end(void)
{
	unsigned int i;

	if (!bench.json)
		return;
	printf("\n  ],\n  \"notes\": [");
	for (i = 0; i < nnotes; i++) {
		printf("%s\n    { \"case\": ", i ? "," : "");
		json_str(note_case[i]);
		printf(", \"text\": ");
		json_str(notes[i]);
		printf(" }");
	}
	printf("\n  ]\n}\n");
}
