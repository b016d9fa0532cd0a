// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: options and the order of the demo's steps.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "parse.h"

#define DEFAULT_RAM		DEMO_GIB
#define DEFAULT_THREADS		2
#define DEFAULT_RATE		200	/* MiB/s */
#define DEFAULT_BANDWIDTH	1024	/* MiB/s, about a 10 Gb/s link */
#define DEFAULT_HOT_BP		500	/* 5% */
#define DEFAULT_HOT_SHARE_BP	9000	/* 90% */
#define DEFAULT_DOWNTIME_MS	30
#define DEFAULT_MAX_PASSES	30
/* Upper limits that keep the arithmetic far from overflowing. */
#define MAX_MIB_S		((uint64_t)1 << 20)
#define MAX_DOWNTIME_MS		3600000u

enum {
	OPT_RATE = CTL_OPT_CMD_BASE,
	OPT_BANDWIDTH,
	OPT_HOT,
	OPT_HOT_SHARE,
	OPT_DOWNTIME,
	OPT_MAX_PASSES,
	OPT_INJECT_LOSS,
	OPT_INJECT_FAILURE,
	OPT_DEVICE_PROCESS,
};

static void demo_usage(FILE *f)
{
	fputs("Usage: iodirty-ctl [--backend NAME] demo [--ram SIZE] "
	      "[--threads N]\n"
	      "           [--rate MIB/S] [--bandwidth MIB/S] [--hot PCT]\n"
	      "           [--hot-share PCT] [--downtime-ms MS] "
	      "[--max-passes N]\n"
	      "           [--seed N] [--device-process] [--json]\n"
	      "\n"
	      "Live-migrate guest RAM while an emulated device writes into it\n"
	      "by DMA. The RAM is mapped into a new IO address space in two\n"
	      "halves far apart, plus an alias of its middle, with a 4K hole.\n"
	      "Device threads write random data through all of these with\n"
	      "iodirty_dma_write(). Pass 0 copies all RAM to a destination;\n"
	      "each later pass harvests the pages dirtied meanwhile with\n"
	      "iodirty_read_dirty_uaddr() and copies them again. Once the\n"
	      "estimated stop-and-copy time meets the target, the device is\n"
	      "stopped, the rest is copied and the destination is compared\n"
	      "with the source byte for byte.\n"
	      "\n"
	      "Options:\n"
	      "  -r, --ram SIZE         RAM to migrate, at least 2M; K, M, G, T\n"
	      "                         suffixes (default: 1G)\n"
	      "  -t, --threads N        device threads, 1 to 64 (default: 2,\n"
	      "                         or 1 on a single CPU)\n"
	      "      --rate MIB/S       device writes in all threads, MiB/s;\n"
	      "                         0: as fast as they can (default: 200)\n"
	      "      --bandwidth MIB/S  migration link, MiB/s; 0: memory speed\n"
	      "                         (default: 1024)\n"
	      "      --hot PCT          share of the pages in the hot set\n"
	      "                         (default: 5%)\n"
	      "      --hot-share PCT    share of the writes that go to the hot\n"
	      "                         set (default: 90%)\n"
	      "      --downtime-ms MS   stop-and-copy once it is estimated to\n"
	      "                         take at most MS ms (default: 30)\n"
	      "      --max-passes N     or after N pre-copy passes, pass 0\n"
	      "                         included, 1 to 1000 (default: 30)\n"
	      "  -s, --seed N           seed of the random choices (default:\n"
	      "                         from the clock)\n"
	      "      --device-process   run the device threads in a child\n"
	      "                         process: they write the shared RAM\n"
	      "                         through their own pointer and mark\n"
	      "                         through dirty logs the demo exports\n"
	      "                         (needs shared-log)\n"
	      "  -j, --json             print one JSON object\n"
	      "  -b, --backend NAME     backend to open (default: $"
	      IODIRTY_BACKEND_ENV ",\n"
	      "                         else kmod if /dev/iodirty exists,\n"
	      "                         else soft)\n"
	      "  -h, --help             show this help and exit\n"
	      "\n"
	      "Exit status: 0 when the destination matched and every check\n"
	      "passed, 1 when a check or a library call failed, 2 on a usage\n"
	      "error.\n", f);
}

void demo_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};

	nanosleep(&ts, NULL);
}

bool demo_check(struct demo *d, bool ok, const char *fmt, ...)
{
	char what[sizeof(d->checks[0].what)];
	struct demo_check *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!ok)
		ctl_msg("demo: check failed: %s", what);

	if (d->n_checks < DEMO_MAX_CHECKS) {
		c = &d->checks[d->n_checks++];
		memcpy(c->what, what, sizeof(what));
		c->ok = ok;
		c->setup = !d->setup_done;
	} else if (!ok) {
		/* Not expected: keep the verdict in the last slot. */
		d->checks[DEMO_MAX_CHECKS - 1].ok = false;
	}
	return ok;
}

bool demo_passed(const struct demo *d)
{
	for (unsigned int i = 0; i < d->n_checks; i++)
		if (!d->checks[i].ok)
			return false;
	return true;
}

/* Parses an unsigned number in [min, max] into *out. */
static bool get_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!parse_u64(s, &v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static unsigned int default_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	/* The main thread copies: leave it a CPU where there are two. */
	return cpus == 1 ? 1 : DEFAULT_THREADS;
}

/* Handles one demo option; returns -1 to go on, else an exit code. */
static int demo_opt(const struct ctl_cmd *cmd, struct ctl_global *g, int c,
		    const char *arg, struct demo_opts *o, bool *seeded)
{
	uint64_t v;

	switch (c) {
	case 'r':
		if (!parse_size(arg, &o->ram_size))
			return ctl_usage_err(cmd, "invalid size '%s'", arg);
		return -1;
	case 't':
		if (!get_u64(arg, 1, DEMO_MAX_THREADS, &v))
			return ctl_usage_err(cmd, "--threads must be 1 to %d, "
					     "not '%s'", DEMO_MAX_THREADS, arg);
		o->threads = (unsigned int)v;
		return -1;
	case OPT_RATE:
	case OPT_BANDWIDTH:
		if (!get_u64(arg, 0, MAX_MIB_S, &v))
			return ctl_usage_err(cmd, "--%s must be 0 to %" PRIu64
					     " MiB/s, not '%s'", c == OPT_RATE ?
					     "rate" : "bandwidth", MAX_MIB_S,
					     arg);
		*(c == OPT_RATE ? &o->rate : &o->bandwidth) = v;
		return -1;
	case OPT_HOT:
		if (!parse_percent(arg, &o->hot_bp) || !o->hot_bp)
			return ctl_usage_err(cmd, "--hot must be a percentage "
					     "above 0 and at most 100, not '%s'",
					     arg);
		return -1;
	case OPT_HOT_SHARE:
		if (!parse_percent(arg, &o->hot_share_bp))
			return ctl_usage_err(cmd, "--hot-share must be a "
					     "percentage up to 100, not '%s'",
					     arg);
		return -1;
	case OPT_DOWNTIME:
		if (!get_u64(arg, 0, MAX_DOWNTIME_MS, &o->downtime_ms))
			return ctl_usage_err(cmd, "--downtime-ms must be 0 to "
					     "%u, not '%s'", MAX_DOWNTIME_MS,
					     arg);
		return -1;
	case OPT_MAX_PASSES:
		if (!get_u64(arg, 1, DEMO_MAX_PASSES_LIMIT, &v))
			return ctl_usage_err(cmd, "--max-passes must be 1 to %d, "
					     "not '%s'", DEMO_MAX_PASSES_LIMIT,
					     arg);
		o->max_passes = (unsigned int)v;
		return -1;
	case 's':
		if (!parse_u64(arg, &o->seed))
			return ctl_usage_err(cmd, "invalid seed '%s'", arg);
		*seeded = true;
		return -1;
	case 'j':
		o->json = true;
		return -1;
	case OPT_INJECT_LOSS:
		o->inject_loss = true;
		return -1;
	case OPT_INJECT_FAILURE:
		o->inject_failure = true;
		return -1;
	case OPT_DEVICE_PROCESS:
		o->device_process = true;
		return -1;
	default:
		return ctl_common_opt(cmd, g, c, arg);
	}
}

static int parse_args(const struct ctl_cmd *cmd, struct ctl_global *g,
		      int argc, char **argv, struct demo_opts *o)
{
	static const struct option longopts[] = {
		{ "ram", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "bandwidth", required_argument, NULL, OPT_BANDWIDTH },
		{ "hot", required_argument, NULL, OPT_HOT },
		{ "hot-share", required_argument, NULL, OPT_HOT_SHARE },
		{ "downtime-ms", required_argument, NULL, OPT_DOWNTIME },
		{ "max-passes", required_argument, NULL, OPT_MAX_PASSES },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "device-process", no_argument, NULL, OPT_DEVICE_PROCESS },
		/* For tests, not in --help: see demo_migrate.c. */
		{ "inject-loss", no_argument, NULL, OPT_INJECT_LOSS },
		{ "inject-failure", no_argument, NULL, OPT_INJECT_FAILURE },
		CTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool seeded = false;
	int c, ret;

	*o = (struct demo_opts){
		.ram_size = DEFAULT_RAM,
		.threads = default_threads(),
		.rate = DEFAULT_RATE,
		.bandwidth = DEFAULT_BANDWIDTH,
		.hot_bp = DEFAULT_HOT_BP,
		.hot_share_bp = DEFAULT_HOT_SHARE_BP,
		.downtime_ms = DEFAULT_DOWNTIME_MS,
		.max_passes = DEFAULT_MAX_PASSES,
	};
	while ((c = ctl_getopt(cmd, argc, argv, ":r:t:s:j" CTL_COMMON_SHORTOPTS,
			       longopts)) != -1) {
		ret = demo_opt(cmd, g, c, optarg, o, &seeded);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return ctl_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind]);
	if (o->ram_size < DEMO_MIN_RAM || o->ram_size % IODIRTY_PAGE_SIZE ||
	    o->ram_size > SIZE_MAX / 2)
		return ctl_usage_err(cmd, "--ram must be a multiple of %u "
				     "bytes and at least 2M", IODIRTY_PAGE_SIZE);
	if (!seeded)
		o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return -1;
}

/* Runs the steps; returns 0 or a negative errno (already reported). */
static int demo_run(struct demo *d)
{
	int err = demo_setup(d);

	/* The guest, and so its device, runs before the migration starts. */
	if (!err)
		err = demo_device_start(d);
	d->setup_ns = demo_now_ns() - d->t_start;
	d->setup_done = true;
	if (err)
		return err;
	demo_progress_init(d);
	if (!d->opts->json)
		demo_report_intro(d);
	err = demo_migrate(d);
	if (!err)
		demo_verify(d);
	if (!err)
		err = demo_read_stats(d);
	return err;
}

static int demo_cmd(const struct ctl_cmd *cmd, struct ctl_global *g,
		    int argc, char **argv)
{
	struct demo_opts opts;
	struct demo d;
	int ret;

	ret = parse_args(cmd, g, argc, argv, &opts);
	if (ret >= 0)
		return ret;

	memset(&d, 0, sizeof(d));
	d.opts = &opts;
	d.g = g;
	d.t_start = demo_now_ns();
	if (demo_run(&d)) {
		ret = CTL_EXIT_FAIL;
	} else {
		d.total_ns = demo_now_ns() - d.t_start;
		if (opts.json)
			demo_report_json(&d);
		else
			demo_report_text(&d);
		ret = demo_passed(&d) ? CTL_EXIT_OK : CTL_EXIT_FAIL;
		if (ret != CTL_EXIT_OK)
			ctl_msg("demo: failed (seed %" PRIu64 ")", opts.seed);
	}
	demo_teardown(&d);
	return ret;
}

const struct ctl_cmd ctl_cmd_demo = {
	.name = "demo",
	.summary = "live-migrate RAM while a device writes it by DMA; verify",
	.run = demo_cmd,
	.usage = demo_usage,
};
