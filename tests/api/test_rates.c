// SPDX-License-Identifier: MIT
/*
 * The convergence counters of iodirty_stats (since 0.5): time_ns, dirtied,
 * dma_written and dma_read.
 *
 * Covered: a new domain counts nothing; time_ns never goes back; software
 * DMA counts the bytes of successful calls only (single, vectored, a put
 * of a held range) and dirtied counts each granule once per change from
 * clean to dirty (rewriting a dirty page adds nothing, a read-and-clear
 * makes it count again, writes while tracking is off add none); and the
 * counts stay exact with more threads than the library has per-thread
 * slots, including threads that have exited.
 */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define IOVA (1ULL << 30)
#define PAGES 64

struct fx {
	struct iodirty_domain *dom;
	uint8_t *ram;
};

static void fx_setup(struct fx *f)
{
	f->dom = t_domain(48, 0);
	f->ram = t_ram(PAGES * P, 0);
	T_EQ(iodirty_map(f->dom, IOVA, f->ram, PAGES * P, RW), 0);
	T_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
}

static void fx_teardown(struct fx *f)
{
	iodirty_domain_destroy(f->dom);
	t_ram_free(f->ram, PAGES * P);
}

/* The counters now; also checks that time moved forward. */
static struct iodirty_stats now(struct fx *f)
{
	static uint64_t last;
	struct iodirty_stats st;

	t_stats(f->dom, &st);
	/* The guest clock of the VM tier may not tick between two calls. */
	assert_true(st.time_ns >= last && st.time_ns > 0);
	last = st.time_ns;
	return st;
}

static bool hw_counts(void)
{
	/* The IOMMU's bits are counted when a read collects them. */
	return t_backend_is("iommufd");
}

static void expect(struct fx *f, uint64_t dirtied, uint64_t written,
		   uint64_t read)
{
	struct iodirty_stats st = now(f);

	if (st.dirtied != dirtied || st.dma_written != written ||
	    st.dma_read != read)
		print_error("dirtied %" PRIu64 " written %" PRIu64 " read %"
			    PRIu64 "; expected %" PRIu64 " %" PRIu64 " %"
			    PRIu64 "\n", st.dirtied, st.dma_written,
			    st.dma_read, dirtied, written, read);
	if (hw_counts())
		assert_true(st.dirtied >= dirtied);
	else
		T_EQ(st.dirtied, dirtied);
	T_EQ(st.dma_written, written);
	T_EQ(st.dma_read, read);
}

static void read_all(struct fx *f)
{
	uint64_t bm[PAGES / 64];

	memset(bm, 0, sizeof(bm));
	assert_true(iodirty_read_dirty(f->dom, IOVA, PAGES * P, P, bm, 0) >=
		    0);
}

static void test_single(void **state)
{
	uint8_t buf[200];
	struct fx f;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DMA_RW | IODIRTY_CAP_DIRTY_TRACKING);
	fx_setup(&f);
	memset(buf, 7, sizeof(buf));
	expect(&f, 0, 0, 0);
	/* 100 bytes over the boundary of pages 0 and 1. */
	T_EQ(iodirty_dma_write(f.dom, IOVA + P - 50, buf, 100), 0);
	expect(&f, 2, 100, 0);
	/* Dirty already: bytes count, granules do not. */
	T_EQ(iodirty_dma_write(f.dom, IOVA + 10, buf, 8), 0);
	expect(&f, 2, 108, 0);
	T_EQ(iodirty_dma_read(f.dom, IOVA + 5 * P, buf, 50), 0);
	expect(&f, 2, 108, 50);
	/* A failed call counts nothing. */
	T_EQ(iodirty_dma_write(f.dom, IOVA + PAGES * P, buf, 8), -ENOENT);
	T_EQ(iodirty_dma_read(f.dom, IOVA - 8, buf, 16), -ENOENT);
	expect(&f, 2, 108, 50);
	/* Marks dirty granules too, and a read makes them count again. */
	T_EQ(iodirty_mark_dirty(f.dom, IOVA + 2 * P, 3 * P), 0);
	expect(&f, 5, 108, 50);
	read_all(&f);
	T_EQ(iodirty_dma_write(f.dom, IOVA + 10, buf, 8), 0);
	T_EQ(iodirty_mark_dirty(f.dom, IOVA + 2 * P, P), 0);
	expect(&f, 7, 116, 50);
	/* While tracking is off, bytes only. */
	T_EQ(iodirty_set_dirty_tracking(f.dom, false), 0);
	T_EQ(iodirty_dma_write(f.dom, IOVA + 9 * P, buf, 8), 0);
	expect(&f, 7, 124, 50);
	fx_teardown(&f);
}

static void test_vectored_and_held(void **state)
{
	uint8_t a[16], b[16];
	struct iodirty_dma_seg segs[2] = {
		{ IOVA + 20 * P, sizeof(a), a },
		{ IOVA + 22 * P + 8, sizeof(b), b },
	};
	struct iodirty_sg sg[4];
	struct iodirty_sg_hold *hold;
	uint64_t done = 0;
	size_t n = 4;
	struct fx f;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DMA_RW | IODIRTY_CAP_DIRTY_TRACKING);
	fx_setup(&f);
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	T_EQ(iodirty_dma_writev(f.dom, segs, 2, &done), 0);
	T_EQ(done, 32);
	expect(&f, 2, 32, 0);
	T_EQ(iodirty_dma_readv(f.dom, segs, 2, &done), 0);
	expect(&f, 2, 32, 32);
	/* The second segment fails: only the first one's bytes count. */
	segs[1].iova = IOVA + PAGES * P;
	T_EQ(iodirty_dma_writev(f.dom, segs, 2, &done), -ENOENT);
	T_EQ(done, 16);
	expect(&f, 2, 48, 32);
	if (t_caps.flags & IODIRTY_CAP_SG) {
		T_EQ(iodirty_sg_get(f.dom, IOVA + 30 * P, 2 * P,
				    IODIRTY_SG_WRITE, sg, &n, &hold), 0);
		T_EQ(iodirty_sg_put(f.dom, hold, P + 1), 0);
		expect(&f, 4, 48 + P + 1, 32);
	}
	fx_teardown(&f);
}

/*
 * More threads than the library's 64 per-thread slots, all alive at once
 * and then gone: every byte and every granule is counted once.
 */
#define NTHREADS 80

struct worker {
	struct fx *f;
	unsigned int id;
	pthread_barrier_t *bar;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	uint64_t v = w->id;

	pthread_barrier_wait(w->bar);
	T_EQ(iodirty_dma_write(w->f->dom, IOVA + (uint64_t)(w->id % PAGES) * P +
			       64 * (w->id / PAGES), &v, 8), 0);
	/* Everyone keeps its slot until all have written. */
	pthread_barrier_wait(w->bar);
	return NULL;
}

static void test_many_threads(void **state)
{
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	pthread_barrier_t bar;
	unsigned int i;
	struct fx f;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DMA_RW | IODIRTY_CAP_DIRTY_TRACKING);
	fx_setup(&f);
	T_EQ(pthread_barrier_init(&bar, NULL, NTHREADS), 0);
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ &f, i, &bar };
		T_EQ(pthread_create(&th[i], NULL, worker, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		T_EQ(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&bar);
	/* 80 writes over 64 pages: every page once. */
	expect(&f, PAGES, 8 * NTHREADS, 0);
	fx_teardown(&f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_vectored_and_held),
		cmocka_unit_test(test_many_threads),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_rates", tests, NULL, NULL);
	t_fini();
	return rc;
}
