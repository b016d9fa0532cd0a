// SPDX-License-Identifier: MIT
/*
 * iodirty-bench: performance figures of libiodirty (docs/performance.md).
 *
 *   iodirty-bench [--quick] [--case NAME] [--json] [--reps N]
 *
 * Every case prints the median time per operation and its ratio to a
 * baseline measured in the same run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct bench_opts bench;

static const struct {
	const char *name;
	void (*fn)(void);
	const char *what;
	bool hot;	/* in the "hot-path" group */
} cases[] = {
	{ "mark", case_mark,
	  "iodirty_mark_dirty of random 4 KiB pages, 1 and 2 threads",
	  false },
	{ "read", case_read,
	  "read-and-clear of a 1 TiB domain at 100 %, 1 %, 0.01 % dirty",
	  false },
	{ "extents", case_extents,
	  "extents read of a 1 TiB domain at 0.01 % dirty vs the bitmap read",
	  false },
	{ "map", case_map,
	  "1,000,000 4 KiB map/unmap calls and hole punches; memory",
	  false },
	{ "unmap-dirty", case_unmap_dirty,
	  "unmap of 1 GiB with an atomic dirty report",
	  false },
	{ "mark-pages", case_mark_pages,
	  "mark of 4 KiB pages, 1 GiB to 1 TiB, vs byte map and bitmap",
	  true },
	{ "hot-set", case_hot_set,
	  "1,000 hot pages marked by 2 threads, vs byte map",
	  true },
	{ "dma", case_dma,
	  "8-byte and 4 KiB iodirty_dma_write vs translate+copy+mark",
	  true },
	{ "writev", case_writev,
	  "16-segment iodirty_dma_writev vs 1 write + 15 copies",
	  true },
	{ "sg", case_sg,
	  "iodirty_sg_get + iodirty_sg_put of 64 KiB",
	  true },
	{ "conversions", case_conversions,
	  "1,000,000 4 KiB punches, refills and maps: vector vs single calls",
	  false },
	{ "map-latency", case_map_latency,
	  "paced map+unmap latency under 2 DMA writers",
	  true },
	{ "shared-log", case_shared_log,
	  "device-process log: mark vs in-process, harvest vs flat bitmap, "
	  "8 logs",
	  false },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* --case NAME: a case's name, or "hot-path" for the hot-path group. */
static bool selected(size_t i)
{
	if (!bench.only)
		return true;
	if (!strcmp(bench.only, "hot-path"))
		return cases[i].hot;
	return !strcmp(bench.only, cases[i].name);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: iodirty-bench [--quick] [--case NAME] [--json] "
		"[--reps N]\n"
		"  --quick      small sizes, for a smoke run\n"
		"  --case NAME  run one case only\n"
		"  --json       JSON on stdout instead of a table\n"
		"  --reps N     timed repetitions per figure (median; "
		"default 7, quick 3)\n"
		"cases:\n");
	for (i = 0; i < NCASES; i++)
		fprintf(f, "  %-12s %s\n", cases[i].name, cases[i].what);
	fprintf(f, "  %-12s %s\n", "hot-path", "mark-pages, hot-set, dma, "
		"writev, sg and map-latency");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "case", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "reps", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct machine m;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "qc:jr:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'q':
			bench.quick = true;
			break;
		case 'c':
			bench.only = optarg;
			break;
		case 'j':
			bench.json = true;
			break;
		case 'r':
			bench.reps = (unsigned int)strtoul(optarg, NULL, 10);
			if (bench.reps < 1 || bench.reps > 64)
				die("--reps: 1 to 64");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (bench.only) {
		for (i = 0; i < NCASES; i++)
			if (selected(i))
				break;
		if (i == NCASES) {
			fprintf(stderr, "iodirty-bench: unknown case '%s'\n",
				bench.only);
			usage(stderr);
			return 2;
		}
	}
	if (!bench.reps)
		bench.reps = bench.quick ? 3 : 7;
	bench.warmup = 1;

	machine_probe(&m);
	report_begin(&m);
	for (i = 0; i < NCASES; i++) {
		if (!selected(i))
			continue;
		note("[%s] running...", cases[i].name);
		cases[i].fn();
	}
	report_end();
	return 0;
}
