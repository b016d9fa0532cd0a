// SPDX-License-Identifier: MIT
/*
 * Case "unmap-dirty": iodirty_unmap() of a 1 GiB mapping (--quick:
 * 64 MiB) with an atomic dirty report at a 4 KiB page size, fully dirty
 * and 1 % dirty (random pages). Untimed before each run: map the range,
 * mark it, zero the 32 KiB report bitmap (caches stay warm: this is the
 * "mark, then tear down" flow).
 *
 * Baseline: the non-atomic sequence a backend without
 * IODIRTY_CAP_UNMAP_DIRTY_ATOMIC uses, iodirty_read_dirty() then a plain
 * iodirty_unmap(), on the same state.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define IOVA0 (1 * GiB)

struct ud_bench {
	struct bench_dom bd;
	char *va;
	size_t size;
	uint64_t npages;
	uint64_t *bm;		/* report */
	uint64_t *ref;		/* expected report */
	size_t bytes;
	bool dense;
	uint64_t *list;		/* dirty pages (1 %) */
	uint64_t nlist;
	uint64_t ndirty;
};

static void ud_setup(void *arg)
{
	struct ud_bench *u = arg;
	uint64_t i;

	check(iodirty_map(u->bd.dom, IOVA0, u->va, u->size,
			  IODIRTY_MAP_READ | IODIRTY_MAP_WRITE), "map");
	if (u->dense)
		check(iodirty_mark_dirty(u->bd.dom, IOVA0, u->size),
		      "mark_dirty");
	else
		for (i = 0; i < u->nlist; i++)
			check(iodirty_mark_dirty(u->bd.dom,
						 IOVA0 + u->list[i] * PAGE,
						 PAGE), "mark_dirty");
	memset(u->bm, 0, u->bytes);
}

static void ud_verify(struct ud_bench *u)
{
	if (memcmp(u->bm, u->ref, u->bytes))
		die("unmap-dirty: wrong report");
}

static uint64_t ud_atomic(void *arg)
{
	struct ud_bench *u = arg;
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts,
						   .page_size = PAGE,
						   .dirty_bitmap = u->bm);
	uint64_t t0, t1;

	t0 = now_ns();
	check(iodirty_unmap(u->bd.dom, IOVA0, u->size, &o), "unmap+report");
	t1 = now_ns();
	if (o.unmapped != u->size)
		die("unmap-dirty: unmapped %llu bytes",
		    (unsigned long long)o.unmapped);
	ud_verify(u);
	return t1 - t0;
}

static uint64_t ud_twostep(void *arg)
{
	struct ud_bench *u = arg;
	uint64_t t0, t1;
	int64_t n;

	t0 = now_ns();
	n = iodirty_read_dirty(u->bd.dom, IOVA0, u->size, PAGE, u->bm, 0);
	check(iodirty_unmap(u->bd.dom, IOVA0, u->size, NULL), "unmap");
	t1 = now_ns();
	check(n, "read_dirty");
	if ((uint64_t)n != u->ndirty)
		die("unmap-dirty: read %lld pages", (long long)n);
	ud_verify(u);
	return t1 - t0;
}

static void ud_variant(struct ud_bench *u, const char *variant)
{
	struct row r = { .bcase = "unmap-dirty", .variant = variant,
			 .per = "call" };
	uint64_t i;

	memset(u->ref, 0, u->bytes);
	if (u->dense)
		memset(u->ref, 0xff, u->bytes);
	for (i = 0; !u->dense && i < u->nlist; i++)
		u->ref[u->list[i] / 64] |= 1ULL << (u->list[i] % 64);
	u->ndirty = bitmap_weight(u->ref, u->bytes / 8);

	r.ns = time_median(ud_setup, ud_atomic, u);
	row_base(&r, "read_dirty + unmap", time_median(ud_setup, ud_twostep,
							u));
	row_extra(&r, "MiB", (double)(u->size / MiB));
	row_extra(&r, "dirty pages", (double)u->ndirty);
	row_extra(&r, "ns per 4 KiB page", r.ns / (double)u->npages);
	report_row(&r);
}

void case_unmap_dirty(void)
{
	struct ud_bench u;
	uint64_t seed = 0x756e6d6170, i;

	memset(&u, 0, sizeof(u));
	u.size = bench.quick ? 64 * MiB : 1 * GiB;
	u.npages = u.size / PAGE;
	u.bytes = u.npages / 8;
	u.bm = mem_alloc(u.bytes);
	u.ref = mem_alloc(u.bytes);
	u.va = mem_reserve(u.size);
	u.nlist = u.npages / 100;
	u.list = malloc(u.nlist * sizeof(*u.list));
	if (!u.list)
		die("out of memory");
	for (i = 0; i < u.nlist; i++)
		u.list[i] = rng_below(&seed, u.npages);
	dom_open(&u.bd, 0, 0, true);

	report_case("unmap-dirty", bench.quick ?
		    "unmap 64 MiB with an atomic dirty report" :
		    "unmap 1 GiB with an atomic dirty report");
	u.dense = true;
	ud_variant(&u, "100 % dirty");
	u.dense = false;
	ud_variant(&u, "1 % dirty, random pages");

	dom_close(&u.bd);
	free(u.list);
	mem_free(u.va, u.size);
	mem_free(u.bm, u.bytes);
	mem_free(u.ref, u.bytes);
}
