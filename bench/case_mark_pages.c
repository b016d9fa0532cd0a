// SPDX-License-Identifier: MIT
/*
 * Case "mark-pages": iodirty_mark_dirty() of single 4 KiB pages in one
 * mapping of 1 GiB, 64 GiB and 1 TiB (untouched PROT_NONE address space
 * mapped at IOVA 1 TiB; marks never touch it), against the two hot-path
 * baselines of baseline.c, in ns per page (wall time of all threads / pages
 * marked by all of them).
 *
 * Per mapping size, rows for:
 *  - random pages: N distinct pages in random order (N = 1,000,000, or
 *    every page of a 1 GiB mapping, 262,144), N/2 from each half;
 *  - sequential pages: N/2 consecutive pages in the middle of each half;
 *  - 1 thread (the first half's list, then the second's) and 2 threads
 *    (one half each: disjoint halves, the same pages in all);
 *  - "clean": every repetition marks clean pages. Before each timed run
 *    (untimed) the library's pages are read-and-cleared with
 *    iodirty_read_dirty() over the whole mapping (which also checks that
 *    the previous run marked exactly N pages), and the baselines' maps are
 *    zeroed. Every leaf of the library's bitmap was allocated beforehand
 *    (the whole mapping marked once), as the baselines' maps are;
 *  - "re-mark": the random rows again with nothing cleared, so every page
 *    is already dirty (a migration's hot pages between two passes).
 *
 * The library and both baselines alternate within each row's repetitions
 * (time_interleaved()). Ratios are library / baseline; the targets are
 * against baseline 1, the byte map: <= 1.5x at 1 GiB and 64 GiB, <= 1.2x
 * at 1 TiB random (clean and re-mark; 1 TiB sequential has no stated
 * target), and a 2-thread throughput of the library >= 1.7x its 1-thread
 * throughput.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define MP_IOVA (1 * TiB)

enum mp_kind { MP_LIB, MP_BYTE, MP_FLAT, MP_KINDS };

static const char *const mp_kind_name[MP_KINDS] = {
	"iodirty_mark_dirty", "byte map", "flat bitmap",
};

struct mp_bench;

struct mp_var {
	struct mp_bench *m;
	enum mp_kind kind;
	_Atomic unsigned int arrived;	/* spin_start() */
	uint64_t t0[2], t1[2];
	bool ran;		/* a run since the last check */
	uint64_t overlap[80];	/* per run, in millionths (overlap_of()) */
	unsigned int runs;
};

struct mp_bench {
	struct bench_dom bd;
	struct bytemap bm;
	struct flatmap fm;
	uint64_t size, npages;
	uint64_t *scratch;	/* read-and-clear target */
	size_t scratch_bytes;
	uint64_t *rnd[2], *seq[2];	/* per half */
	uint64_t nhalf;			/* pages per half list */
	/* row */
	const uint64_t *list[2];
	unsigned int nthreads;
	bool clean;
	struct mp_var var[MP_KINDS];
	_Atomic uint64_t errors;
};

struct mp_worker {
	struct mp_var *v;
	unsigned int id;
};

static uint64_t mark_list(struct mp_var *v, const uint64_t *p, uint64_t n)
{
	struct mp_bench *m = v->m;
	uint64_t i, err = 0;

	switch (v->kind) {
	case MP_LIB:
		for (i = 0; i < n; i++)
			err += iodirty_mark_dirty(m->bd.dom,
						  MP_IOVA + p[i] * PAGE,
						  PAGE) != 0;
		break;
	case MP_BYTE:
		for (i = 0; i < n; i++)
			err += bytemap_mark(&m->bm, MP_IOVA + p[i] * PAGE,
					    PAGE) != 0;
		break;
	case MP_FLAT:
		for (i = 0; i < n; i++)
			flatmap_mark(&m->fm, MP_IOVA + p[i] * PAGE);
		break;
	case MP_KINDS:
		break;
	}
	return err;
}

static void *mp_thread(void *arg)
{
	struct mp_worker *w = arg;
	struct mp_var *v = w->v;
	struct mp_bench *m = v->m;
	uint64_t err;

	spin_start(&v->arrived, m->nthreads);
	v->t0[w->id] = now_ns();
	if (m->nthreads == 1)
		err = mark_list(v, m->list[0], m->nhalf) +
		      mark_list(v, m->list[1], m->nhalf);
	else
		err = mark_list(v, m->list[w->id], m->nhalf);
	v->t1[w->id] = now_ns();
	atomic_fetch_add(&m->errors, err);
	return NULL;
}

/* Checks that the last run marked 2 * nhalf pages, then clears them. */
/* Median overlap of the timed runs (the warm-up ones excluded). */
static double median_overlap(struct mp_var *v)
{
	unsigned int n = v->runs < bench.reps ? v->runs : bench.reps;

	if (!n)
		return 0;
	return median_u64(v->overlap + (v->runs - n), n) / 1e6;
}

static void mp_setup(void *arg)
{
	struct mp_var *v = arg;
	struct mp_bench *m = v->m;
	uint64_t want = 2 * m->nhalf, got;

	if (!m->clean)
		return;
	switch (v->kind) {
	case MP_LIB:
		memset(m->scratch, 0, m->scratch_bytes);
		got = (uint64_t)check(iodirty_read_dirty(m->bd.dom, MP_IOVA,
							 m->size, PAGE,
							 m->scratch, 0),
				      "read_dirty");
		break;
	case MP_BYTE:
		got = bytemap_weight(&m->bm);
		bytemap_clear(&m->bm);
		break;
	default:
		got = bitmap_weight(m->fm.words, m->fm.bytes / 8);
		flatmap_clear(&m->fm);
		break;
	}
	if (v->ran && got != want)
		die("mark-pages: %s: %llu dirty pages after a run, want %llu",
		    mp_kind_name[v->kind], (unsigned long long)got,
		    (unsigned long long)want);
	v->ran = false;
}

static uint64_t mp_run(void *arg)
{
	struct mp_var *v = arg;
	struct mp_bench *m = v->m;
	struct mp_worker w[2];
	pthread_t th[2];
	uint64_t start = UINT64_MAX, end = 0;
	unsigned int i;

	atomic_store(&v->arrived, 0);
	for (i = 0; i < m->nthreads; i++) {
		w[i].v = v;
		w[i].id = i;
		if (pthread_create(&th[i], NULL, mp_thread, &w[i]))
			die("pthread_create");
	}
	for (i = 0; i < m->nthreads; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < m->nthreads; i++) {
		if (v->t0[i] < start)
			start = v->t0[i];
		if (v->t1[i] > end)
			end = v->t1[i];
	}
	if (v->runs < 80)
		v->overlap[v->runs++] =
			(uint64_t)(1e6 * overlap_of(v->t0, v->t1, m->nthreads));
	v->ran = true;
	return end - start;
}

/* ns per page of each kind, interleaved. */
static void mp_measure(struct mp_bench *m, const uint64_t *const *list,
		       unsigned int nthreads, bool clean,
		       double ns[MP_KINDS], double overlap[MP_KINDS])
{
	struct timed t[MP_KINDS];
	unsigned int k;

	m->list[0] = list[0];
	m->list[1] = list[1];
	m->nthreads = nthreads;
	m->clean = clean;
	for (k = 0; k < MP_KINDS; k++) {
		struct mp_var *v = &m->var[k];

		v->m = m;
		v->kind = (enum mp_kind)k;
		v->ran = false;
		v->runs = 0;
		t[k] = (struct timed){ .setup = mp_setup, .run = mp_run,
				       .arg = v };
	}
	time_interleaved(t, MP_KINDS);
	for (k = 0; k < MP_KINDS; k++) {
		/* The last run's count too. */
		mp_setup(&m->var[k]);
		ns[k] = t[k].median / (double)(2 * m->nhalf);
		overlap[k] = median_overlap(&m->var[k]);
	}
	if (atomic_load(&m->errors))
		die("mark-pages: %llu failed calls",
		    (unsigned long long)atomic_load(&m->errors));
}

/* @n distinct random pages of [first, first + span), in random order. */
static void random_pages(uint64_t *out, uint64_t n, uint64_t first,
			 uint64_t span, uint64_t *seed)
{
	uint64_t i;

	if (n * 4 > span) {
		/* Dense: a shuffle of the whole span, the first n kept. */
		uint64_t *all = malloc(span * sizeof(*all));

		if (!all)
			die("out of memory");
		for (i = 0; i < span; i++)
			all[i] = first + i;
		for (i = span - 1; i > 0; i--) {
			uint64_t j = rng_below(seed, i + 1), x = all[i];

			all[i] = all[j];
			all[j] = x;
		}
		memcpy(out, all, n * sizeof(*out));
		free(all);
		return;
	}
	{
		uint64_t *seen = calloc((span + 63) / 64, 8);

		if (!seen)
			die("out of memory");
		for (i = 0; i < n;) {
			uint64_t p = rng_below(seed, span);

			if (seen[p / 64] & (1ULL << (p % 64)))
				continue;
			seen[p / 64] |= 1ULL << (p % 64);
			out[i++] = first + p;
		}
		free(seen);
	}
}

static const char *size_name(uint64_t size)
{
	return size >= TiB ? "1 TiB" : size >= 64 * GiB ? "64 GiB" : "1 GiB";
}

static void mp_rows(struct mp_bench *m, bool random, bool clean)
{
	static char label[4][96];
	const uint64_t *const *list = (const uint64_t *const *)(random ?
						m->rnd : m->seq);
	double ns[2][MP_KINDS], ov[2][MP_KINDS];
	double limit = 1.5;
	bool has_target = true;
	unsigned int t;

	if (m->size >= TiB) {
		limit = 1.2;
		has_target = random;
	}
	for (t = 1; t <= 2; t++)
		mp_measure(m, list, t, clean, ns[t - 1], ov[t - 1]);
	for (t = 1; t <= 2; t++) {
		struct row r = { .bcase = "mark-pages", .per = "page" };
		char *l = label[(random ? 0 : 2) + t - 1];

		snprintf(l, sizeof(label[0]), "%s %s, %u thread%s, %s",
			 size_name(m->size), random ? "random" : "seq",
			 t, t > 1 ? "s" : "", clean ? "clean" : "re-mark");
		r.variant = l;
		r.ns = ns[t - 1][MP_LIB];
		row_base(&r, "byte map (baseline 1)", ns[t - 1][MP_BYTE]);
		row_base(&r, "flat bitmap (baseline 2)", ns[t - 1][MP_FLAT]);
		row_extra(&r, "pages marked", (double)(2 * m->nhalf));
		row_extra(&r, "mapping GiB", (double)(m->size / GiB));
		if (t == 2) {
			row_extra(&r, "lib 2t/1t throughput",
				  ns[0][MP_LIB] / ns[1][MP_LIB]);
			row_extra(&r, "byte map 2t/1t throughput",
				  ns[0][MP_BYTE] / ns[1][MP_BYTE]);
			row_extra(&r, "overlap lib", ov[1][MP_LIB]);
			row_extra(&r, "overlap byte map", ov[1][MP_BYTE]);
		}
		if (has_target)
			row_target(&r, "ratio to byte map",
				   ns[t - 1][MP_LIB] / ns[t - 1][MP_BYTE],
				   false, limit, "x");
		if (t == 2)
			row_target(&r, "lib 2-thread/1-thread throughput",
				   ns[0][MP_LIB] / ns[1][MP_LIB], true, 1.7,
				   "x");
		report_row(&r);
	}
}

static void mp_size(uint64_t size, uint64_t *seed)
{
	struct mp_bench *m = calloc(1, sizeof(*m));
	struct bm_region reg;
	uint64_t n, half, h;

	if (!m)
		die("out of memory");
	m->size = size;
	m->npages = size / PAGE;
	half = m->npages / 2;
	n = bench.quick ? 20000 : 1000000;
	if (n > m->npages)
		n = m->npages;
	m->nhalf = n / 2;
	for (h = 0; h < 2; h++) {
		m->rnd[h] = malloc(m->nhalf * sizeof(uint64_t));
		m->seq[h] = malloc(m->nhalf * sizeof(uint64_t));
		if (!m->rnd[h] || !m->seq[h])
			die("out of memory");
		random_pages(m->rnd[h], m->nhalf, h * half, half, seed);
		for (n = 0; n < m->nhalf; n++)
			m->seq[h][n] = h * half + (half - m->nhalf) / 2 + n;
	}
	m->scratch_bytes = m->npages / 8;
	m->scratch = mem_alloc(m->scratch_bytes);

	dom_open(&m->bd, MP_IOVA, size, true);
	/* Every leaf allocated once, as the baselines' maps are. */
	check(iodirty_mark_dirty(m->bd.dom, MP_IOVA, size), "mark_dirty");
	memset(m->scratch, 0, m->scratch_bytes);
	check(iodirty_read_dirty(m->bd.dom, MP_IOVA, size, PAGE, m->scratch,
				 0), "read_dirty");
	reg = (struct bm_region){ .iova = MP_IOVA, .length = size,
				  .uaddr = (uint64_t)(uintptr_t)m->bd.va };
	bytemap_init(&m->bm, &reg, 1);
	flatmap_init(&m->fm, MP_IOVA, size);

	mp_rows(m, true, true);
	mp_rows(m, false, true);
	mp_rows(m, true, false);

	flatmap_fini(&m->fm);
	bytemap_fini(&m->bm);
	dom_close(&m->bd);
	mem_free(m->scratch, m->scratch_bytes);
	for (h = 0; h < 2; h++) {
		free(m->rnd[h]);
		free(m->seq[h]);
	}
	free(m);
}

void case_mark_pages(void)
{
	uint64_t seed = 0x70616765;	/* "page" */

	report_case("mark-pages", "iodirty_mark_dirty of 4 KiB pages vs byte "
		    "map and flat bitmap; clean = read-and-clear between reps");
	mp_size(1 * GiB, &seed);
	mp_size(64 * GiB, &seed);
	mp_size(1 * TiB, &seed);
}
