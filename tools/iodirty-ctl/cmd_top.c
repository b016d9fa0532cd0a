// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl top: how fast devices dirty memory and do DMA in each IO
 * address space of iodirty.ko, refreshed every --interval.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inspect.h"
#include "parse.h"

static volatile sig_atomic_t top_stop;

static void top_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void top_usage(FILE *f)
{
	fputs("Usage: iodirty-ctl top [--json] [--interval SECONDS] "
	      "[--iterations N]\n"
	      "\n"
	      "Show, per IO address space of the iodirty kernel module, the\n"
	      "rate at which pages become dirty and the DMA write and read\n"
	      "rates, over each interval. Full screen on a terminal, one block\n"
	      "of plain lines per interval otherwise.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json              one JSON object per interval and line\n"
	      "  -i, --interval SECONDS  time between samples (default 1;\n"
	      "                          0.1 to 3600, up to 3 decimals)\n"
	      "  -n, --iterations N      stop after N samples (default: until\n"
	      "                          interrupted)\n"
	      "  -h, --help              show this help and exit\n"
	      "\n"
	      "Exit status: 0, 1 failure, 2 usage, 3 module not loaded.\n", f);
}

/* A sample of one IOAS. */
struct top_sample {
	struct ctl_ioas o;
	bool seen;		/* in the latest dump */
};

struct top_state {
	const struct ctl_cmd *cmd;
	uint64_t interval_ms;
	uint64_t iterations;	/* 0: no limit */
	bool json;
	struct top_sample *prev, *cur;
	size_t nprev, ncur;
	size_t cap, cap_prev;	/* of cur and prev */
};

static int top_opt(void *arg, int c, const char *optarg)
{
	struct top_state *t = arg;
	uint64_t v = 0, scale = 1000;
	const char *p = optarg;

	if (c == 'n') {
		if (!parse_u64(optarg, &t->iterations) || !t->iterations)
			return ctl_usage_err(t->cmd, "--iterations needs a "
					     "number above 0, not '%s'", optarg);
		return -1;
	}
	if (c != 'i')
		return ctl_usage_err(t->cmd, "unexpected option");
	/* Seconds with up to three decimals, in milliseconds. */
	for (; *p >= '0' && *p <= '9' && v < 10000000; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	v *= 1000;
	if (*p == '.' && p != optarg) {
		for (p++; *p >= '0' && *p <= '9' && scale > 1; p++) {
			scale /= 10;
			v += (uint64_t)(*p - '0') * scale;
		}
	}
	if (*p || p == optarg || v < 100 || v > 3600000)
		return ctl_usage_err(t->cmd, "--interval needs seconds from 0.1 "
				     "to 3600, not '%s'", optarg);
	t->interval_ms = v;
	return -1;
}

static int top_collect(void *arg, const struct ctl_ioas *o)
{
	struct top_state *t = arg;

	if (t->ncur == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct top_sample *v = realloc(t->cur, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->cur = v;
		t->cap = cap;
	}
	t->cur[t->ncur].o = *o;
	t->cur[t->ncur].seen = true;
	t->ncur++;
	return 0;
}

static const struct ctl_ioas *top_find(const struct top_state *t,
				       uint32_t handle)
{
	for (size_t i = 0; i < t->nprev; i++)
		if (t->prev[i].o.handle == handle)
			return &t->prev[i].o;
	return NULL;
}

/* Bytes that became dirty: now pending or reported since. */
static uint64_t dirtied(const struct ctl_ioas *o)
{
	return o->dirty_pending * o->granule + o->dirty_reported_bytes;
}

static void top_json(const struct top_state *t, double secs)
{
	struct json j;

	json_init(&j, stdout);
	j.compact = true;
	json_obj_begin(&j, NULL);
	json_u64(&j, "interval_us", (uint64_t)(secs * 1e6));
	json_arr_begin(&j, "ioas");
	for (size_t i = 0; i < t->ncur; i++) {
		const struct ctl_ioas *o = &t->cur[i].o, *p;
		uint64_t d;

		p = top_find(t, o->handle);
		if (!p)
			continue;
		d = dirtied(o) > dirtied(p) ? dirtied(o) - dirtied(p) : 0;
		json_obj_begin(&j, NULL);
		json_u64(&j, "handle", o->handle);
		json_u64(&j, "dirty_pages_per_s",
			 (uint64_t)((double)d / 4096.0 / secs));
		json_u64(&j, "dirty_bytes_per_s", (uint64_t)((double)d / secs));
		json_u64(&j, "dma_write_bytes_per_s",
			 (uint64_t)((double)(o->dma_write_bytes -
					     p->dma_write_bytes) / secs));
		json_u64(&j, "dma_read_bytes_per_s",
			 (uint64_t)((double)(o->dma_read_bytes -
					     p->dma_read_bytes) / secs));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
	fflush(stdout);
}

static void top_print(const struct top_state *t, double secs, bool tty)
{
	char dp[SIZE_STR_MAX], dw[SIZE_STR_MAX], dr[SIZE_STR_MAX];
	char owner[48];

	if (tty)
		fputs("\033[H\033[2J", stdout);
	printf("iodirty-ctl top: %zu IO address space(s), interval %.3f s\n",
	       t->ncur, secs);
	printf("%-8s %-22s %12s %10s %10s %10s\n", "HANDLE", "OWNER",
	       "DIRTY-PG/S", "DIRTY-B/S", "DMA-WR/S", "DMA-RD/S");
	for (size_t i = 0; i < t->ncur; i++) {
		const struct ctl_ioas *o = &t->cur[i].o, *p;
		uint64_t d, w, r;

		p = top_find(t, o->handle);
		snprintf(owner, sizeof(owner), "%u/%s", o->owner_tgid,
			 o->owner_comm);
		if (!p) {
			printf("%-8u %-22s %12s %10s %10s %10s\n", o->handle,
			       owner, "-", "-", "-", "-");
			continue;
		}
		/* A counter that went down (pending harvested faster than
		 * reported) counts as no change. */
		d = dirtied(o) > dirtied(p) ? dirtied(o) - dirtied(p) : 0;
		w = o->dma_write_bytes - p->dma_write_bytes;
		r = o->dma_read_bytes - p->dma_read_bytes;
		printf("%-8u %-22s %12.0f %9s/s %9s/s %9s/s\n", o->handle,
		       owner, (double)d / 4096.0 / secs,
		       fmt_size_human(dp, (uint64_t)((double)d / secs)),
		       fmt_size_human(dw, (uint64_t)((double)w / secs)),
		       fmt_size_human(dr, (uint64_t)((double)r / secs)));
	}
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int top_run(const struct ctl_cmd *cmd, struct ctl_global *g,
		   int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		CTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct top_state t = { .cmd = cmd, .interval_ms = 1000 };
	bool tty;
	struct top_sample *swap;
	struct sigaction sa;
	struct ctl_nl nl;
	double t0, t1;
	uint64_t n = 0;
	int ret;

	ret = inspect_getopt(cmd, g, argc, argv, ":ji:n:" CTL_COMMON_SHORTOPTS,
			     longopts, &t.json, top_opt, &t);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return ctl_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind]);
	tty = !t.json && isatty(STDOUT_FILENO);
	ret = inspect_open(&nl, "top");
	if (ret)
		return ret;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* The first sample is only the base of the first rates. */
	ret = ctl_nl_ioas_dump(&nl, -1, top_collect, &t);
	t0 = now_s();
	while (!ret && !top_stop && (!t.iterations || n < t.iterations)) {
		struct timespec ts = {
			.tv_sec = (time_t)(t.interval_ms / 1000),
			.tv_nsec = (long)(t.interval_ms % 1000) * 1000000L,
		};

		size_t cap = t.cap_prev;

		swap = t.prev;
		t.prev = t.cur;
		t.nprev = t.ncur;
		t.cap_prev = t.cap;
		t.cur = swap;
		t.cap = cap;
		t.ncur = 0;
		if (nanosleep(&ts, NULL) && top_stop)
			break;
		ret = ctl_nl_ioas_dump(&nl, -1, top_collect, &t);
		t1 = now_s();
		if (!ret && t.json)
			top_json(&t, t1 - t0);
		else if (!ret)
			top_print(&t, t1 - t0, tty);
		t0 = t1;
		n++;
	}
	ret = ret ? ctl_nl_fail(&nl, ret, "top") : CTL_EXIT_OK;
	free(t.prev);
	free(t.cur);
	ctl_nl_close(&nl);
	return ret;
}

const struct ctl_cmd ctl_cmd_top = {
	.name = "top",
	.summary = "show dirty and DMA rates per IO address space",
	.run = top_run,
	.usage = top_usage,
};
