// SPDX-License-Identifier: MIT
/*
 * Case "extents": iodirty_read_extents() of a whole 1 TiB mapping at a
 * 4 KiB page size, against iodirty_read_dirty() of the same state in the
 * same run (interleaved repetitions, caches flushed before each), at
 * 0.01 % dirty pages in clustered runs of 64 pages and at random. The
 * extents read gets an array that holds every run; a second row reads
 * through a 256-entry array, resuming until the range is done, for
 * information.
 *
 * Targets: clustered at most 1.2x the bitmap read, random at most 2x.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct ext_bench {
	struct bench_dom bd;
	uint64_t size;		/* bytes of IOVA read */
	uint64_t npages;
	size_t bytes;		/* bytes of the bitmap */
	uint64_t *out;		/* the bitmap read's output */
	struct iodirty_extent *ext;
	size_t nr;		/* entries of @ext the extents read may use */
	const uint64_t *list;	/* first pages of the dirty runs */
	uint64_t nlist;
	uint64_t run;		/* pages per run */
	uint64_t ndirty;	/* dirty pages, from the first bitmap read */
	uint64_t nruns;		/* runs, from the first extents read */
};

static void ext_mark(struct ext_bench *eb)
{
	uint64_t i;

	for (i = 0; i < eb->nlist; i++)
		check(iodirty_mark_dirty(eb->bd.dom, eb->list[i] * PAGE,
					 eb->run * PAGE), "mark_dirty");
}

static void bitmap_setup(void *arg)
{
	struct ext_bench *eb = arg;

	ext_mark(eb);
	memset(eb->out, 0, eb->bytes);
	cache_evict();
}

static uint64_t bitmap_run(void *arg)
{
	struct ext_bench *eb = arg;
	uint64_t t0, t1;
	int64_t n;

	t0 = now_ns();
	n = iodirty_read_dirty(eb->bd.dom, 0, eb->size, PAGE, eb->out, 0);
	t1 = now_ns();
	check(n, "read_dirty");
	if (eb->ndirty && (uint64_t)n != eb->ndirty)
		die("read_dirty: %lld pages, expected %llu", (long long)n,
		    (unsigned long long)eb->ndirty);
	eb->ndirty = (uint64_t)n;
	return t1 - t0;
}

static void extents_setup(void *arg)
{
	ext_mark(arg);
	cache_evict();
}

static uint64_t extents_run(void *arg)
{
	struct ext_bench *eb = arg;
	uint64_t ns, pages, runs;

	ns = dom_read_extents(eb->bd.dom, eb->size, eb->ext, eb->nr, &pages,
			      &runs);
	if (pages != eb->ndirty)
		die("read_extents: %llu pages, expected %llu",
		    (unsigned long long)pages,
		    (unsigned long long)eb->ndirty);
	eb->nruns = runs;
	return ns;
}

/* Rows for one dirty pattern; returns extents / bitmap (full array). */
static double ext_variant(struct ext_bench *eb, const char *variant,
			  double limit)
{
	struct row r = { .bcase = "extents", .variant = variant,
			 .per = "read" };
	struct row r2 = { .bcase = "extents", .per = "read" };
	struct timed t[3] = {
		{ bitmap_setup, bitmap_run, eb, 0, 0, 0 },
		{ extents_setup, extents_run, eb, 0, 0, 0 },
	};
	char v2[96];
	size_t full = eb->nr;

	eb->ndirty = 0;
	/* The bitmap read first: it learns the number of dirty pages. */
	bitmap_setup(eb);
	bitmap_run(eb);
	time_interleaved(t, 2);

	r.ns = t[1].median;
	row_base(&r, "bitmap read of the same state", t[0].median);
	row_extra(&r, "dirty pages", (double)eb->ndirty);
	row_extra(&r, "runs", (double)eb->nruns);
	row_extra(&r, "ns per run", t[1].median / (double)eb->nruns);
	row_target(&r, "ratio to the bitmap read", t[1].median / t[0].median,
		   false, limit, "x");
	report_row(&r);

	/* A small array: resumed until done. */
	eb->nr = 256;
	t[2] = t[1];
	t[2].median = 0;
	time_interleaved(&t[2], 1);
	eb->nr = full;
	snprintf(v2, sizeof(v2), "%s, 256-entry array", variant);
	r2.variant = v2;
	r2.ns = t[2].median;
	row_base(&r2, "bitmap read of the same state", t[0].median);
	row_extra(&r2, "calls", (double)((eb->nruns + 255) / 256));
	report_row(&r2);
	return t[1].median / t[0].median;
}

void case_extents(void)
{
	struct ext_bench eb;
	uint64_t seed = 0x65787473;	/* "exts" */
	uint64_t *list, i;
	char label[64];
	double ratio;

	memset(&eb, 0, sizeof(eb));
	eb.size = bench.quick ? 16 * GiB : 1 * TiB;
	eb.npages = eb.size / PAGE;
	eb.bytes = eb.npages / 8;
	eb.out = mem_alloc(eb.bytes);
	eb.nr = eb.npages / 10000 + 64;
	eb.ext = mem_alloc(eb.nr * sizeof(*eb.ext));
	list = malloc((eb.npages / 10000 + 1) * sizeof(*list));
	if (!list)
		die("out of memory");
	eb.list = list;
	cache_evict();	/* allocate the eviction buffer now */
	dom_open(&eb.bd, 0, eb.size, true);

	snprintf(label, sizeof(label), "extents read of %llu GiB, 4 KiB "
		 "pages, cold caches", (unsigned long long)(eb.size / GiB));
	report_case("extents", label);

	/* 0.01 % in runs of 64 pages, at random (unaligned) offsets. */
	eb.run = 64;
	eb.nlist = (eb.npages / 10000 + 32) / 64;
	for (i = 0; i < eb.nlist; i++)
		list[i] = rng_below(&seed, eb.npages - eb.run + 1);
	ratio = ext_variant(&eb, "0.01 % dirty, clustered (runs of 64)", 1.2);
	report_note("0.01 %% clustered: extents %.2fx the bitmap read -> %s",
		    ratio, ratio <= 1.2 ? "met" : "MISSED");

	/* 0.01 % random pages. */
	eb.run = 1;
	eb.nlist = eb.npages / 10000;
	for (i = 0; i < eb.nlist; i++)
		list[i] = rng_below(&seed, eb.npages);
	ratio = ext_variant(&eb, "0.01 % dirty, random pages", 2.0);
	report_note("0.01 %% random: extents %.2fx the bitmap read -> %s",
		    ratio, ratio <= 2.0 ? "met" : "MISSED");

	free(list);
	dom_close(&eb.bd);
	mem_free(eb.out, eb.bytes);
	mem_free(eb.ext, eb.nr * sizeof(*eb.ext));
}
