// SPDX-License-Identifier: MIT
/*
 * Case "map": mapping churn at 1,000,000 (--quick: 20,000) 4 KiB pages,
 * dirty tracking off.
 *  (a) map calls of one page each: IOVA page i -> user page 2 * perm(i),
 *      perm a random permutation. The user pages are never adjacent, so
 *      no two mappings can merge: every call creates an area.
 *  (b) unmapping them, one call per page, in IOVA order.
 *  (c) punching random distinct 4 KiB holes into one 1 TiB mapping (one
 *      unmap call per hole; first and last page excluded, so no trims).
 * Memory per mapping and per hole from iodirty_domain_stats() mem_bytes
 * deltas, cross-checked with mallinfo2() deltas (uordblks + hblkhd).
 *
 * A breakdown row repeats (a) with increasing targets (user page 2i, still
 * never adjacent): the difference is the cost of inserting at random places
 * of the user-address tree, as opposed to at its end.
 *
 * Baseline: the same loop over a flat structure with O(1) stores, the
 * cost floor without any lookup structure: a one-level table of 8-byte
 * entries indexed by IOVA page for (a) and (b), a flat 1-bit-per-page
 * hole bitmap (32 MiB for 1 TiB) for (c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define MAX_ROUNDS 65

struct map_bench {
	uint64_t n;
	uint64_t *perm;		/* user page (even) of IOVA page i */
	uint64_t *ord;		/* 2i: increasing targets, for the breakdown */
	char *va;		/* 2n pages reserved */
	volatile uint64_t *table;	/* flat table baseline */
	uint64_t *holes;	/* pages to punch */
	uint64_t *hbits;	/* flat hole bitmap baseline / dedup */
};

static uint64_t mem_of(struct bench_dom *b)
{
	struct iodirty_stats st;

	dom_stats(b, &st);
	return st.mem_bytes;
}

static void map_rows(struct map_bench *m, const uint64_t *target,
		     bool breakdown)
{
	uint64_t map_ns[MAX_ROUNDS], unmap_ns[MAX_ROUNDS];
	uint64_t fmap_ns[MAX_ROUNDS], funmap_ns[MAX_ROUNDS];
	unsigned int r, rounds = bench.warmup + bench.reps;
	int64_t alloc_delta = 0;
	uint64_t mem_delta = 0, i, t0;
	struct bench_dom b;
	struct iodirty_stats st;
	double ns;

	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	dom_open(&b, 0, 0, false);
	for (r = 0; r < rounds; r++) {
		uint64_t m0 = mem_of(&b);
		int64_t a0 = malloc_in_use();

		t0 = now_ns();
		for (i = 0; i < m->n; i++)
			check(iodirty_map(b.dom, i * PAGE,
					  m->va + target[i] * PAGE, PAGE, RW),
			      "map");
		map_ns[r] = now_ns() - t0;
		dom_stats(&b, &st);
		if (st.mappings != m->n)
			die("map: %llu mappings, expected %llu (merged?)",
			    (unsigned long long)st.mappings,
			    (unsigned long long)m->n);
		mem_delta = st.mem_bytes - m0;
		alloc_delta = malloc_in_use() - a0;

		t0 = now_ns();
		for (i = 0; i < m->n; i++)
			check(iodirty_unmap(b.dom, i * PAGE, PAGE, NULL),
			      "unmap");
		unmap_ns[r] = now_ns() - t0;
		dom_stats(&b, &st);
		if (st.mappings)
			die("unmap: %llu mappings left",
			    (unsigned long long)st.mappings);

		t0 = now_ns();
		for (i = 0; i < m->n; i++)
			m->table[i] = ((uint64_t)(uintptr_t)m->va +
				       target[i] * PAGE) | RW;
		fmap_ns[r] = now_ns() - t0;
		t0 = now_ns();
		for (i = 0; i < m->n; i++)
			m->table[i] = 0;
		funmap_ns[r] = now_ns() - t0;
	}
	dom_close(&b);

	{
		struct row row = { .bcase = "map",
				   .variant = breakdown ?
				   "breakdown: (a) w/ increasing targets" :
				   "(a) map 4 KiB, non-linear",
				   .per = "call" };

		ns = median_u64(map_ns + bench.warmup, rounds - bench.warmup) /
		     (double)m->n;
		row.ns = ns;
		row_base(&row, "flat table store",
			 median_u64(fmap_ns + bench.warmup,
				    rounds - bench.warmup) / (double)m->n);
		row_extra(&row, "calls", (double)m->n);
		row_extra(&row, "calls/s", 1e9 / ns);
		row_extra(&row, "stats bytes/mapping",
			  (double)mem_delta / (double)m->n);
		row_extra(&row, "mallinfo2 bytes/mapping",
			  alloc_delta < 0 ? -1 :
			  (double)alloc_delta / (double)m->n);
		row_extra(&row, "flat table bytes/page", 8);
		report_row(&row);
	}
	{
		/* The unmap row; the breakdown run reports it without rates. */
		struct row row = { .bcase = "map",
				   .variant = breakdown ?
					"breakdown: (b) of those" :
					"(b) unmap them, 4 KiB each",
				   .per = "call" };

		ns = median_u64(unmap_ns + bench.warmup,
				rounds - bench.warmup) / (double)m->n;
		row.ns = ns;
		row_base(&row, "flat table store",
			 median_u64(funmap_ns + bench.warmup,
				    rounds - bench.warmup) / (double)m->n);
		if (breakdown) {
			report_row(&row);
			return;
		}
		row_extra(&row, "calls", (double)m->n);
		row_extra(&row, "calls/s", 1e9 / ns);
		report_row(&row);
	}
}

static void hole_rows(struct map_bench *m)
{
	uint64_t ns_lib[MAX_ROUNDS], ns_flat[MAX_ROUNDS];
	unsigned int r, rounds = bench.warmup + bench.reps;
	size_t size = 1 * TiB;
	int64_t alloc_delta = 0;
	uint64_t mem_delta = 0, i, t0;
	struct iodirty_stats st;
	struct bench_dom b;
	struct row row = { .bcase = "map",
			   .variant = "(c) punch 4 KiB holes in 1 TiB",
			   .per = "hole" };
	double ns;

	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	dom_open(&b, 0, size, false);
	for (r = 0; r < rounds; r++) {
		uint64_t m0;
		int64_t a0;

		if (r)
			check(iodirty_map(b.dom, 0, b.va, size, RW), "map");
		m0 = mem_of(&b);
		a0 = malloc_in_use();
		t0 = now_ns();
		for (i = 0; i < m->n; i++)
			check(iodirty_unmap(b.dom, m->holes[i] * PAGE, PAGE,
					    NULL), "unmap (hole)");
		ns_lib[r] = now_ns() - t0;
		dom_stats(&b, &st);
		if (st.holes != m->n || st.mappings != 1)
			die("holes: %llu holes in %llu mappings",
			    (unsigned long long)st.holes,
			    (unsigned long long)st.mappings);
		mem_delta = st.mem_bytes - m0;
		alloc_delta = malloc_in_use() - a0;
		check(iodirty_unmap(b.dom, 0, size, NULL), "unmap");

		memset(m->hbits, 0, size / PAGE / 8);
		t0 = now_ns();
		for (i = 0; i < m->n; i++)
			m->hbits[m->holes[i] / 64] |= 1ULL << (m->holes[i] % 64);
		ns_flat[r] = now_ns() - t0;
	}
	dom_close(&b);

	ns = median_u64(ns_lib + bench.warmup, rounds - bench.warmup) /
	     (double)m->n;
	row.ns = ns;
	row_base(&row, "flat hole bitmap set",
		 median_u64(ns_flat + bench.warmup, rounds - bench.warmup) /
		 (double)m->n);
	row_extra(&row, "holes", (double)m->n);
	row_extra(&row, "holes/s", 1e9 / ns);
	row_extra(&row, "stats bytes/hole", (double)mem_delta / (double)m->n);
	row_extra(&row, "mallinfo2 bytes/hole",
		  alloc_delta < 0 ? -1 : (double)alloc_delta / (double)m->n);
	row_extra(&row, "flat bitmap bytes/hole",
		  (double)(size / PAGE / 8) / (double)m->n);
	report_row(&row);
}

void case_map(void)
{
	struct map_bench m;
	uint64_t seed = 0x6d6170, i, j, tmp, npages = 1 * TiB / PAGE;
	char title[80];

	m.n = bench.quick ? 20000 : 1000000;
	m.perm = malloc(m.n * sizeof(*m.perm));
	m.holes = malloc(m.n * sizeof(*m.holes));
	if (!m.perm || !m.holes)
		die("out of memory");
	/* Fisher-Yates, then doubled: user pages 2 apart at least. */
	for (i = 0; i < m.n; i++)
		m.perm[i] = i;
	for (i = m.n - 1; i > 0; i--) {
		j = rng_below(&seed, i + 1);
		tmp = m.perm[i];
		m.perm[i] = m.perm[j];
		m.perm[j] = tmp;
	}
	for (i = 0; i < m.n; i++)
		m.perm[i] *= 2;
	m.ord = malloc(m.n * sizeof(*m.ord));
	if (!m.ord)
		die("out of memory");
	for (i = 0; i < m.n; i++)
		m.ord[i] = 2 * i;
	m.va = mem_reserve(2 * m.n * PAGE);
	m.table = mem_alloc(m.n * sizeof(uint64_t));

	/* Distinct hole pages, neither the first nor the last page. */
	m.hbits = mem_alloc(npages / 8);
	memset(m.hbits, 0, npages / 8);
	for (i = 0; i < m.n;) {
		uint64_t p = 1 + rng_below(&seed, npages - 2);

		if (m.hbits[p / 64] & (1ULL << (p % 64)))
			continue;
		m.hbits[p / 64] |= 1ULL << (p % 64);
		m.holes[i++] = p;
	}

	snprintf(title, sizeof(title), "%llu single-page calls, tracking off",
		 (unsigned long long)m.n);
	report_case("map", title);
	map_rows(&m, m.perm, false);
	hole_rows(&m);
	map_rows(&m, m.ord, true);

	mem_free(m.hbits, npages / 8);
	mem_free((void *)m.table, m.n * sizeof(uint64_t));
	mem_free(m.va, 2 * m.n * PAGE);
	free(m.perm);
	free(m.ord);
	free(m.holes);
}
