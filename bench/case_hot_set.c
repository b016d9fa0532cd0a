// SPDX-License-Identifier: MIT
/*
 * Case "hot-set": a hot set of 1,000 pages rewritten (marked again and
 * again) by 2 threads concurrently, in a 64 GiB mapping (PROT_NONE address
 * space at IOVA 1 TiB, never touched), in ns per mark (wall time / marks
 * of both threads).
 *
 * Each thread marks all 1,000 pages once per round, for R rounds
 * (R = 500: 1,000,000 marks in all per run); thread 1 starts its rounds at
 * the 500th page, so the threads are not in lockstep. Before each timed
 * run the set is read-and-cleared (library) or zeroed (baselines), so the
 * first round marks clean pages and the other R - 1 re-mark dirty ones.
 *
 * Rows: the hot set as 1,000 consecutive pages (a 4 MB device buffer or
 * ring: its bits share two cache lines of the byte map), the target row;
 * then, for information, 1,000 random pages of the mapping, and the
 * consecutive set by 1 thread. Target: the library >= 2x faster than the
 * byte map (ratio library / byte map <= 0.5) with 2 threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define HS_IOVA (1 * TiB)
#define HS_SIZE (64 * GiB)
#define HS_PAGES 1000

enum hs_kind { HS_LIB, HS_BYTE, HS_FLAT, HS_KINDS };

struct hs_bench;

struct hs_var {
	struct hs_bench *h;
	enum hs_kind kind;
	_Atomic unsigned int arrived;	/* spin_start() */
	uint64_t t0[2], t1[2];
	bool ran;		/* a run since the last check */
	uint64_t overlap[80];	/* per run, in millionths (overlap_of()) */
	unsigned int runs;
};

struct hs_bench {
	struct bench_dom bd;
	struct bytemap bm;
	struct flatmap fm;
	uint64_t *scratch;
	size_t scratch_bytes;
	uint64_t pages[HS_PAGES];	/* IOVAs of the set */
	uint64_t rounds;
	unsigned int nthreads;
	struct hs_var var[HS_KINDS];
	_Atomic uint64_t errors;
};

struct hs_worker {
	struct hs_var *v;
	unsigned int id;
};

static uint64_t hs_loop(struct hs_var *v, unsigned int start)
{
	struct hs_bench *h = v->h;
	uint64_t r, err = 0;
	unsigned int i, j;

	for (r = 0; r < h->rounds; r++) {
		for (i = 0, j = start; i < HS_PAGES; i++) {
			uint64_t iova = h->pages[j];

			switch (v->kind) {
			case HS_LIB:
				err += iodirty_mark_dirty(h->bd.dom, iova,
							  PAGE) != 0;
				break;
			case HS_BYTE:
				err += bytemap_mark(&h->bm, iova, PAGE) != 0;
				break;
			default:
				flatmap_mark(&h->fm, iova);
				break;
			}
			if (++j == HS_PAGES)
				j = 0;
		}
	}
	return err;
}

static void *hs_thread(void *arg)
{
	struct hs_worker *w = arg;
	struct hs_var *v = w->v;
	uint64_t err;

	spin_start(&v->arrived, v->h->nthreads);
	v->t0[w->id] = now_ns();
	err = hs_loop(v, w->id ? HS_PAGES / 2 : 0);
	v->t1[w->id] = now_ns();
	atomic_fetch_add(&v->h->errors, err);
	return NULL;
}

/* Median overlap of the timed runs (the warm-up ones excluded). */
static double median_overlap(struct hs_var *v)
{
	unsigned int n = v->runs < bench.reps ? v->runs : bench.reps;

	if (!n)
		return 0;
	return median_u64(v->overlap + (v->runs - n), n) / 1e6;
}

static void hs_setup(void *arg)
{
	struct hs_var *v = arg;
	struct hs_bench *h = v->h;
	uint64_t got, want = HS_PAGES;

	switch (v->kind) {
	case HS_LIB:
		memset(h->scratch, 0, h->scratch_bytes);
		got = (uint64_t)check(iodirty_read_dirty(h->bd.dom, HS_IOVA,
							 HS_SIZE, PAGE,
							 h->scratch, 0),
				      "read_dirty");
		break;
	case HS_BYTE:
		got = bytemap_weight(&h->bm);
		bytemap_clear(&h->bm);
		break;
	default:
		got = bitmap_weight(h->fm.words, h->fm.bytes / 8);
		flatmap_clear(&h->fm);
		break;
	}
	if (v->ran && got != want)
		die("hot-set: %llu dirty pages after a run, want %llu",
		    (unsigned long long)got, (unsigned long long)want);
	v->ran = false;
}

static uint64_t hs_run(void *arg)
{
	struct hs_var *v = arg;
	struct hs_bench *h = v->h;
	struct hs_worker w[2];
	pthread_t th[2];
	uint64_t start = UINT64_MAX, end = 0;
	unsigned int i;

	atomic_store(&v->arrived, 0);
	for (i = 0; i < h->nthreads; i++) {
		w[i].v = v;
		w[i].id = i;
		if (pthread_create(&th[i], NULL, hs_thread, &w[i]))
			die("pthread_create");
	}
	for (i = 0; i < h->nthreads; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < h->nthreads; i++) {
		if (v->t0[i] < start)
			start = v->t0[i];
		if (v->t1[i] > end)
			end = v->t1[i];
	}
	if (v->runs < 80)
		v->overlap[v->runs++] =
			(uint64_t)(1e6 * overlap_of(v->t0, v->t1, h->nthreads));
	v->ran = true;
	return end - start;
}

static void hs_row(struct hs_bench *h, const char *label,
		   unsigned int nthreads, bool target)
{
	struct timed t[HS_KINDS];
	struct row r = { .bcase = "hot-set", .variant = label,
			 .per = "mark" };
	double marks = (double)(nthreads * h->rounds * HS_PAGES);
	unsigned int k;

	h->nthreads = nthreads;
	for (k = 0; k < HS_KINDS; k++) {
		struct hs_var *v = &h->var[k];

		v->h = h;
		v->kind = (enum hs_kind)k;
		v->ran = false;
		v->runs = 0;
		t[k] = (struct timed){ .setup = hs_setup, .run = hs_run,
				       .arg = v };
	}
	time_interleaved(t, HS_KINDS);
	for (k = 0; k < HS_KINDS; k++) {
		hs_setup(&h->var[k]);	/* checks the last run */
	}
	if (atomic_load(&h->errors))
		die("hot-set: %llu failed calls",
		    (unsigned long long)atomic_load(&h->errors));
	r.ns = t[HS_LIB].median / marks;
	row_base(&r, "byte map (baseline 1)", t[HS_BYTE].median / marks);
	row_base(&r, "flat bitmap (baseline 2)", t[HS_FLAT].median / marks);
	row_extra(&r, "threads", nthreads);
	row_extra(&r, "hot pages", HS_PAGES);
	row_extra(&r, "rounds", (double)h->rounds);
	row_extra(&r, "lib speed-up over byte map",
		  t[HS_BYTE].median / t[HS_LIB].median);
	if (nthreads > 1) {
		/* Share of the wall time both threads ran (median). */
		row_extra(&r, "overlap lib", median_overlap(&h->var[HS_LIB]));
		row_extra(&r, "overlap byte map",
			  median_overlap(&h->var[HS_BYTE]));
	}
	if (target)
		row_target(&r, "ratio to byte map (>= 2x faster)",
			   t[HS_LIB].median / t[HS_BYTE].median, false, 0.5,
			   "x");
	report_row(&r);
}

void case_hot_set(void)
{
	struct hs_bench *h = calloc(1, sizeof(*h));
	struct bm_region reg;
	uint64_t seed = 0x686f74;	/* "hot" */
	uint64_t base = 20 * GiB / PAGE;	/* an arbitrary place */
	unsigned int i;

	if (!h)
		die("out of memory");
	h->rounds = bench.quick ? 20 : 500;
	h->scratch_bytes = HS_SIZE / PAGE / 8;
	h->scratch = mem_alloc(h->scratch_bytes);
	dom_open(&h->bd, HS_IOVA, HS_SIZE, true);
	check(iodirty_mark_dirty(h->bd.dom, HS_IOVA, HS_SIZE), "mark_dirty");
	reg = (struct bm_region){ .iova = HS_IOVA, .length = HS_SIZE,
				  .uaddr = (uint64_t)(uintptr_t)h->bd.va };
	bytemap_init(&h->bm, &reg, 1);
	flatmap_init(&h->fm, HS_IOVA, HS_SIZE);

	report_case("hot-set", "1,000 hot pages marked again and again, "
		    "64 GiB mapping, cleared before each rep");
	for (i = 0; i < HS_PAGES; i++)
		h->pages[i] = HS_IOVA + (base + i) * PAGE;
	hs_row(h, "1,000 consecutive pages, 2 threads", 2, true);
	hs_row(h, "1,000 consecutive pages, 1 thread", 1, false);
	/* Distinct random pages. */
	for (i = 0; i < HS_PAGES;) {
		uint64_t p = HS_IOVA + rng_below(&seed, HS_SIZE / PAGE) * PAGE;
		unsigned int j;

		for (j = 0; j < i && h->pages[j] != p; j++)
			;
		if (j == i)
			h->pages[i++] = p;
	}
	hs_row(h, "1,000 random pages, 2 threads", 2, false);

	flatmap_fini(&h->fm);
	bytemap_fini(&h->bm);
	dom_close(&h->bd);
	mem_free(h->scratch, h->scratch_bytes);
	free(h);
}
