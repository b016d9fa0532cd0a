// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: options and the order of the demo's steps.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "parse.h"

#define DEFAULT_RAM	((uint64_t)64 << 20)
#define DEFAULT_PAGES	64

/* How each round harvests; a round's device writes come first. */
static const enum demo_harvest round_plan[] = {
	DEMO_HARVEST_UADDR,
	DEMO_HARVEST_IOVA,
};

static void demo_usage(FILE *f)
{
	fputs("Usage: iodirty-ctl [--backend NAME] demo [--ram SIZE] "
	      "[--pages N]\n"
	      "                   [--seed N] [--json]\n"
	      "\n"
	      "Map RAM into a new IO address space twice (the second time only\n"
	      "its first 1M, an alias), punch a 4K hole, start dirty tracking,\n"
	      "let an emulated device write N random pages through\n"
	      "iodirty_dma_write() and check that exactly those pages are\n"
	      "reported: first in RAM space, then again over IOVA.\n"
	      "\n"
	      "Options:\n"
	      "  -r, --ram SIZE      RAM to allocate, at least 2M; K, M, G, T\n"
	      "                      suffixes (default: 64M)\n"
	      "  -n, --pages N       pages the device writes per round "
	      "(default: 64)\n"
	      "  -s, --seed N        seed of the random choices (default: "
	      "from the clock)\n"
	      "  -j, --json          print one JSON object\n"
	      "  -b, --backend NAME  backend to open (default: $"
	      IODIRTY_BACKEND_ENV ", else soft)\n"
	      "  -h, --help          show this help and exit\n"
	      "\n"
	      "Exit status: 0 when every check passed, 1 when a check or a\n"
	      "library call failed, 2 on a usage error.\n", f);
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

static int parse_args(const struct ctl_cmd *cmd, struct ctl_global *g,
		      int argc, char **argv, struct demo_opts *o)
{
	static const struct option longopts[] = {
		{ "ram", required_argument, NULL, 'r' },
		{ "pages", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		CTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool seeded = false;
	int c, ret;

	o->ram_size = DEFAULT_RAM;
	o->pages = DEFAULT_PAGES;
	while ((c = ctl_getopt(cmd, argc, argv, ":r:n:s:j" CTL_COMMON_SHORTOPTS,
			       longopts)) != -1) {
		switch (c) {
		case 'r':
			if (!parse_size(optarg, &o->ram_size))
				return ctl_usage_err(cmd, "invalid size '%s'",
						     optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, &o->pages) || !o->pages)
				return ctl_usage_err(cmd, "invalid page count "
						     "'%s'", optarg);
			break;
		case 's':
			if (!parse_u64(optarg, &o->seed))
				return ctl_usage_err(cmd, "invalid seed '%s'",
						     optarg);
			seeded = true;
			break;
		case 'j':
			o->json = true;
			break;
		default:
			ret = ctl_common_opt(cmd, g, c, optarg);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind < argc)
		return ctl_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind]);
	if (o->ram_size < DEMO_MIN_RAM || o->ram_size % IODIRTY_PAGE_SIZE ||
	    o->ram_size > SIZE_MAX)
		return ctl_usage_err(cmd, "--ram must be a multiple of %u "
				     "bytes and at least 2M", IODIRTY_PAGE_SIZE);
	/* Every page but the hole can be written. */
	if (o->pages > o->ram_size / IODIRTY_PAGE_SIZE - 1)
		return ctl_usage_err(cmd, "--pages %" PRIu64 " is more than "
				     "the %" PRIu64 " writable pages of the RAM",
				     o->pages,
				     o->ram_size / IODIRTY_PAGE_SIZE - 1);
	if (!seeded)
		o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return -1;
}

/* Runs the steps; returns 0 or a negative errno (already reported). */
static int demo_run(struct demo *d)
{
	int err = demo_setup(d);

	for (size_t i = 0; !err && i < sizeof(round_plan) / sizeof(round_plan[0]);
	     i++) {
		struct demo_round *r = &d->rounds[d->n_rounds++];

		r->harvest = round_plan[i];
		err = demo_device_round(d, r);
		if (!err)
			err = demo_harvest_round(d, r);
	}
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

	memset(&opts, 0, sizeof(opts));
	ret = parse_args(cmd, g, argc, argv, &opts);
	if (ret >= 0)
		return ret;

	memset(&d, 0, sizeof(d));
	d.opts = &opts;
	d.g = g;
	if (demo_run(&d)) {
		ret = CTL_EXIT_FAIL;
	} else {
		if (opts.json)
			demo_report_json(&d);
		else
			demo_report_text(&d);
		ret = demo_passed(&d) ? CTL_EXIT_OK : CTL_EXIT_FAIL;
		if (ret != CTL_EXIT_OK)
			ctl_msg("demo: verification failed (seed %" PRIu64 ")",
				opts.seed);
	}
	demo_teardown(&d);
	return ret;
}

const struct ctl_cmd ctl_cmd_demo = {
	.name = "demo",
	.summary = "map RAM, emulate device DMA, harvest and verify dirty pages",
	.run = demo_cmd,
	.usage = demo_usage,
};
