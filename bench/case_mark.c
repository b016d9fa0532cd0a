// SPDX-License-Identifier: MIT
/*
 * Case "mark": iodirty_mark_dirty() of random 4 KiB pages of a 1 TiB
 * mapping, by 1 and 2 threads, in ns per page (wall time / pages marked by
 * all threads). Baseline: the same threads doing an atomic OR of the same
 * pages into a flat bitmap of the same size (32 MiB), the cost floor.
 *
 * Breakdown rows locate the cost: the core bitmap alone (iod_dirty_prepare
 * + iod_dirty_mark, no domain lock, no mapping lookup), the same inside a
 * read lock + unlock of one shared pthread rwlock of the domain lock's kind
 * (as iodirty_mark_dirty() does), and that lock alone in a tight loop.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "dirty.h"

#define MAX_THREADS 2

enum mark_kind {
	MK_LIB,		/* iodirty_mark_dirty() */
	MK_FLAT,	/* atomic OR into a flat bitmap */
	MK_CORE,	/* lib/core dirty bitmap only */
	MK_CORE_LOCK,	/* the same inside the shared rwlock */
	MK_LOCK,	/* rwlock read lock + unlock only */
};

struct mark_bench {
	enum mark_kind kind;
	unsigned int nthreads;
	uint64_t npages;	/* pages of the domain */
	uint64_t nmarks;	/* marks per thread */
	uint64_t *pages[MAX_THREADS];	/* random page numbers */
	struct bench_dom bd;
	uint64_t *scratch;	/* read-and-clear target between reps */
	_Atomic uint64_t *flat;
	struct iod_dirty core;
	pthread_rwlock_t lock;
	pthread_barrier_t bar;
	uint64_t t0[MAX_THREADS], t1[MAX_THREADS];
	_Atomic uint64_t errors;
};

struct mark_worker {
	struct mark_bench *m;
	unsigned int id;
};

static void *mark_thread(void *arg)
{
	struct mark_worker *w = arg;
	struct mark_bench *m = w->m;
	const uint64_t *p = m->pages[w->id];
	uint64_t i, n = m->nmarks, err = 0;

	pthread_barrier_wait(&m->bar);
	m->t0[w->id] = now_ns();
	switch (m->kind) {
	case MK_LIB:
		for (i = 0; i < n; i++)
			err += iodirty_mark_dirty(m->bd.dom, p[i] * PAGE,
						  PAGE) != 0;
		break;
	case MK_FLAT:
		for (i = 0; i < n; i++)
			atomic_fetch_or_explicit(&m->flat[p[i] / 64],
						 1ULL << (p[i] % 64),
						 memory_order_relaxed);
		break;
	case MK_CORE:
		for (i = 0; i < n; i++) {
			err += iod_dirty_prepare(&m->core, p[i],
						 p[i] + 1) != 0;
			iod_dirty_mark(&m->core, p[i], p[i] + 1);
		}
		break;
	case MK_CORE_LOCK:
		for (i = 0; i < n; i++) {
			pthread_rwlock_rdlock(&m->lock);
			err += iod_dirty_prepare(&m->core, p[i],
						 p[i] + 1) != 0;
			iod_dirty_mark(&m->core, p[i], p[i] + 1);
			pthread_rwlock_unlock(&m->lock);
		}
		break;
	case MK_LOCK:
		for (i = 0; i < n; i++) {
			pthread_rwlock_rdlock(&m->lock);
			pthread_rwlock_unlock(&m->lock);
		}
		break;
	}
	m->t1[w->id] = now_ns();
	atomic_fetch_add(&m->errors, err);
	return NULL;
}

/* Untimed: back to all-clean, so that every repetition does the same. */
static void mark_setup(void *arg)
{
	struct mark_bench *m = arg;

	switch (m->kind) {
	case MK_LIB:
		check(iodirty_read_dirty(m->bd.dom, 0, m->npages * PAGE, PAGE,
					 m->scratch, 0), "read_dirty");
		break;
	case MK_FLAT:
		memset((void *)m->flat, 0, m->npages / 8);
		break;
	case MK_CORE:
	case MK_CORE_LOCK:
		iod_dirty_harvest(&m->core, 0, m->npages, true, NULL, NULL);
		break;
	case MK_LOCK:
		break;
	}
}

static uint64_t mark_run(void *arg)
{
	struct mark_bench *m = arg;
	struct mark_worker w[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	uint64_t start = UINT64_MAX, end = 0;
	unsigned int i;

	for (i = 0; i < m->nthreads; i++) {
		w[i].m = m;
		w[i].id = i;
		if (pthread_create(&th[i], NULL, mark_thread, &w[i]))
			die("pthread_create");
	}
	for (i = 0; i < m->nthreads; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < m->nthreads; i++) {
		if (m->t0[i] < start)
			start = m->t0[i];
		if (m->t1[i] > end)
			end = m->t1[i];
	}
	return end - start;
}

/* Median ns per page of @kind with @nthreads threads. */
static double mark_measure(struct mark_bench *m, enum mark_kind kind,
			   unsigned int nthreads)
{
	double ns;

	m->kind = kind;
	m->nthreads = nthreads;
	if (pthread_barrier_init(&m->bar, NULL, nthreads))
		die("pthread_barrier_init");
	ns = time_median(mark_setup, mark_run, m);
	pthread_barrier_destroy(&m->bar);
	if (atomic_load(&m->errors))
		die("mark: %llu failed calls",
		    (unsigned long long)atomic_load(&m->errors));
	return ns / (double)(nthreads * m->nmarks);
}

void case_mark(void)
{
	static const char *const label[] = {
		"random 4 KiB pages, 1 thread",
		"random 4 KiB pages, 2 threads",
	};
	static const char *const core_label[] = {
		"breakdown: core bitmap only, 1 thread",
		"breakdown: core bitmap only, 2 threads",
	};
	static const char *const core_lock_label[] = {
		"breakdown: core bitmap in rwlock, 1 thread",
		"breakdown: core bitmap in rwlock, 2 threads",
	};
	static const char *const lock_label[] = {
		"breakdown: rwlock rd+unlock, 1 thread",
		"breakdown: rwlock rd+unlock, 2 threads",
	};
	size_t size = bench.quick ? 16 * GiB : 1 * TiB;
	struct mark_bench *m = calloc(1, sizeof(*m));
	pthread_rwlockattr_t attr;
	double lib[MAX_THREADS], flat[MAX_THREADS], core, lock;
	double core_locked[MAX_THREADS], core1 = 0;
	uint64_t seed = 0x6d61726b;	/* "mark" */
	unsigned int t, i;

	if (!m)
		die("out of memory");
	m->npages = size / PAGE;
	m->nmarks = bench.quick ? 50000 : 1000000;
	for (t = 0; t < MAX_THREADS; t++) {
		m->pages[t] = malloc(m->nmarks * sizeof(uint64_t));
		if (!m->pages[t])
			die("out of memory");
		for (i = 0; i < m->nmarks; i++)
			m->pages[t][i] = rng_below(&seed, m->npages);
	}
	m->scratch = mem_alloc(m->npages / 8);
	m->flat = mem_alloc(m->npages / 8);

	/* Dirty everything once, so no timed mark allocates a leaf. */
	dom_open(&m->bd, 0, size, true);
	check(iodirty_mark_dirty(m->bd.dom, 0, size), "mark_dirty");
	if (iod_dirty_init(&m->core, 48 - 12) ||
	    iod_dirty_prepare(&m->core, 0, m->npages))
		die("core dirty bitmap: out of memory");
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&m->lock, &attr);
	pthread_rwlockattr_destroy(&attr);

	report_case("mark", bench.quick ?
		    "iodirty_mark_dirty, random 4 KiB pages of 16 GiB" :
		    "iodirty_mark_dirty, random 4 KiB pages of 1 TiB");
	for (t = 1; t <= MAX_THREADS; t++) {
		struct row r = { .bcase = "mark", .variant = label[t - 1],
				 .per = "page" };

		lib[t - 1] = mark_measure(m, MK_LIB, t);
		flat[t - 1] = mark_measure(m, MK_FLAT, t);
		r.ns = lib[t - 1];
		row_base(&r, "flat bitmap atomic OR", flat[t - 1]);
		row_extra(&r, "threads", t);
		row_extra(&r, "pages marked per thread", (double)m->nmarks);
		row_extra(&r, "domain GiB", (double)(size / GiB));
		if (t > 1)
			row_extra(&r, "speed-up over 1 thread",
				  lib[0] / lib[t - 1]);
		report_row(&r);
	}
	for (t = 1; t <= MAX_THREADS; t++) {
		struct row r = { .bcase = "mark", .variant = core_label[t - 1],
				 .per = "page" };

		core = mark_measure(m, MK_CORE, t);
		r.ns = core;
		row_base(&r, "flat bitmap atomic OR", flat[t - 1]);
		row_extra(&r, "share of iodirty_mark_dirty",
			  core / lib[t - 1]);
		if (t == 1)
			core1 = core;
		else
			row_extra(&r, "speed-up over 1 thread", core1 / core);
		report_row(&r);
	}
	for (t = 1; t <= MAX_THREADS; t++) {
		struct row r = { .bcase = "mark",
				 .variant = core_lock_label[t - 1],
				 .per = "page" };

		core_locked[t - 1] = mark_measure(m, MK_CORE_LOCK, t);
		r.ns = core_locked[t - 1];
		row_base(&r, "flat bitmap atomic OR", flat[t - 1]);
		row_extra(&r, "share of iodirty_mark_dirty",
			  core_locked[t - 1] / lib[t - 1]);
		if (t > 1)
			row_extra(&r, "speed-up over 1 thread",
				  core_locked[0] / core_locked[t - 1]);
		report_row(&r);
	}
	for (t = 1; t <= MAX_THREADS; t++) {
		struct row r = { .bcase = "mark", .variant = lock_label[t - 1],
				 .per = "call" };

		lock = mark_measure(m, MK_LOCK, t);
		r.ns = lock;
		row_base(&r, "flat bitmap atomic OR", flat[t - 1]);
		row_extra(&r, "share of iodirty_mark_dirty",
			  lock / lib[t - 1]);
		report_row(&r);
	}

	pthread_rwlock_destroy(&m->lock);
	iod_dirty_fini(&m->core);
	dom_close(&m->bd);
	mem_free((void *)m->flat, m->npages / 8);
	mem_free(m->scratch, m->npages / 8);
	for (t = 0; t < MAX_THREADS; t++)
		free(m->pages[t]);
	free(m);
}
