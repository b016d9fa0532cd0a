// SPDX-License-Identifier: MIT
/*
 * io-pagetable core: structural invariants after random operation mixes,
 * and a fail-nth sweep showing that every allocation failure leaves the
 * table exactly as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopt.h"

#define PG IOD_PAGE_SIZE
#define WINDOW 2048u		/* pages of IOVA exercised */
#define IOVA_BASE (1ULL << 32)
#define UBASE (1ULL << 40)	/* fake user addresses: never touched */
#define BIG (1ULL << 36)	/* a 512 MiB area spanning two hole chunks */
#define BIG_PAGES (1ULL << 17)

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static void init_iopt_hw(struct iod_iopt *iopt, unsigned int granule_shift,
			 bool hw_model, bool eager)
{
	struct iod_iopt_params p = { .iova_bits = 48,
				     .granule_shift = granule_shift,
				     .hw_model = hw_model,
				     .hw_split_eager = eager };

	assert_int_equal(iod_iopt_init(iopt, &p), 0);
}

static void init_iopt(struct iod_iopt *iopt, unsigned int granule_shift)
{
	struct iod_iopt_params p = { .iova_bits = 48,
				     .granule_shift = granule_shift };

	assert_int_equal(iod_iopt_init(iopt, &p), 0);
}

/* Everything observable about the window, for before/after comparisons. */
struct snap {
	struct iod_iopt_stats st;
	uint64_t uaddr[WINDOW];
	int tr[WINDOW];
	uint64_t dirty[WINDOW / 64];
	int64_t ndirty;
	size_t nresv;
};

static void take_snap(struct iod_iopt *iopt, struct snap *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	iod_iopt_stats(iopt, &s->st);
	for (i = 0; i < WINDOW; i++)
		s->tr[i] = iod_iopt_translate(iopt, IOVA_BASE + i * PG,
					      &s->uaddr[i], NULL);
	s->ndirty = iopt->tracking ?
		iod_iopt_read_dirty(iopt, IOVA_BASE, WINDOW * PG, PG,
				    s->dirty, IOD_READ_NO_CLEAR) : -ENODATA;
	s->nresv = 0;
	iod_iopt_reserved(iopt, NULL, &s->nresv);
}

static void assert_same(const struct snap *a, const struct snap *b)
{
	assert_int_equal(a->st.mapped_bytes, b->st.mapped_bytes);
	assert_int_equal(a->st.areas, b->st.areas);
	assert_int_equal(a->st.holes, b->st.holes);
	assert_int_equal(a->st.dirty_pending, b->st.dirty_pending);
	assert_int_equal(a->st.tracking, b->st.tracking);
	assert_memory_equal(a->tr, b->tr, sizeof(a->tr));
	assert_memory_equal(a->uaddr, b->uaddr, sizeof(a->uaddr));
	assert_memory_equal(a->dirty, b->dirty, sizeof(a->dirty));
	assert_int_equal(a->ndirty, b->ndirty);
	assert_int_equal(a->nresv, b->nresv);
}

static int nocopy(void *arg, uint64_t iova, uint64_t uaddr, uint64_t off,
		  uint64_t len, bool write)
{
	(void)arg;
	(void)iova;
	(void)uaddr;
	(void)off;
	(void)len;
	(void)write;
	return 0;
}

/* One random operation on the window; returns its result. */
static int random_op(struct iod_iopt *iopt)
{
	uint64_t first = rnd_below(WINDOW);
	uint64_t n = 1 + rnd_below(rnd_below(4) ? 8 : WINDOW / 4);
	uint64_t iova, bm[WINDOW / 64 + 1];

	if (first + n > WINDOW)
		n = WINDOW - first;
	iova = IOVA_BASE + first * PG;
	memset(bm, 0, sizeof(bm));
	switch (rnd_below(9)) {
	case 0:
		/* A whole 2 MiB block, linear: a huge leaf for the model. */
		first &= ~511ULL;
		if (first + 512 > WINDOW)
			first = WINDOW - 512;
		return iod_iopt_map(iopt, IOVA_BASE + first * PG,
				    UBASE + first * PG, 512 * PG, 3);
	case 1:
		/* Linear target half the time, so holes get refilled. */
		return iod_iopt_map(iopt, iova,
				    UBASE + (rnd_below(2) ? first :
					     rnd_below(1 << 20)) * PG,
				    n * PG, 1 + (uint32_t)rnd_below(3));
	case 2:
	case 3:
		return iod_iopt_unmap(iopt, iova, n * PG, 0, NULL, NULL);
	case 4:
		if (!iopt->tracking)
			return iod_iopt_set_tracking(iopt, true);
		return iod_iopt_unmap(iopt, iova & ~((PG << 2) - 1),
				      n * (PG << 2), PG << 2, bm, NULL);
	case 5:
		return iod_iopt_dma(iopt, iova + rnd_below(PG),
				    1 + rnd_below(3 * PG), true, nocopy, NULL);
	case 6:
		return iod_iopt_mark_dirty(iopt, iova, 1 + rnd_below(2 * PG));
	case 7:
		if (!iopt->tracking)
			return -ENODATA;
		return (int)iod_iopt_read_dirty(iopt, iova, n * PG, PG, bm,
						(uint32_t)rnd_below(2));
	default:
		if (rnd_below(8) == 0)
			return iod_iopt_set_tracking(iopt, !iopt->tracking);
		return (int)iod_iopt_read_dirty_uaddr(iopt, UBASE + first * PG,
						      n * PG, PG, bm, 0);
	}
}

static void invariants_after_random_ops(unsigned int granule_shift,
					bool hw_model, bool eager)
{
	struct iod_iopt iopt;
	int i, huge_tracked = 0;

	rng_state = 0x9e3779b97f4a7c15ULL ^ granule_shift ^ hw_model;
	init_iopt_hw(&iopt, granule_shift, hw_model, eager);
	for (i = 0; i < 20000; i++) {
		struct iod_iopt_stats st;

		random_op(&iopt);
		if (iod_iopt_check(&iopt)) {
			fprintf(stderr, "invariant broken after op %d\n", i);
			fail();
		}
		iod_iopt_stats(&iopt, &st);
		if (st.hw_huge_leaves && st.tracking)
			huge_tracked++;
	}
	/* The model's runs must really have met dirty-able huge leaves. */
	if (hw_model && !eager) {
		printf("hw model: %d ops with huge leaves under tracking\n",
		       huge_tracked);
		assert_true(huge_tracked > 100);
	}
	iod_iopt_fini(&iopt);
}

/* Collects the runs iod_iopt_for_each_run() reports, up to @stop_after. */
struct runs {
	struct iod_run v[WINDOW];
	size_t n;
	size_t stop_after;
};

static int collect_run(void *arg, const struct iod_run *r)
{
	struct runs *rs = arg;

	assert_true(rs->n < WINDOW);
	rs->v[rs->n++] = *r;
	return rs->n == rs->stop_after ? 7 : 0;
}

/*
 * The runs match translate() page by page: every mapped page of the window
 * is in exactly one run at the right user address, runs are sorted,
 * disjoint, maximal within their area and inside it; a walk from inside a
 * run starts there; a non-zero return stops the walk and is passed on.
 */
static void check_runs(struct iod_iopt *iopt)
{
	static struct runs rs;
	uint64_t uaddr, page, i;
	int tr;

	memset(&rs, 0, sizeof(rs));
	assert_int_equal(iod_iopt_for_each_run(iopt, IOVA_BASE, collect_run,
					       &rs), 0);
	i = 0;
	for (page = 0; page < WINDOW; page++) {
		uint64_t iova = IOVA_BASE + page * PG;

		tr = iod_iopt_translate(iopt, iova, &uaddr, NULL);
		while (i < rs.n && rs.v[i].iova + rs.v[i].length <= iova)
			i++;
		if (tr) {
			assert_true(i == rs.n || rs.v[i].iova > iova);
			continue;
		}
		assert_true(i < rs.n && rs.v[i].iova <= iova);
		assert_int_equal(rs.v[i].uaddr + (iova - rs.v[i].iova), uaddr);
		assert_true(rs.v[i].area_iova <= rs.v[i].iova);
		assert_true(rs.v[i].iova + rs.v[i].length <=
			    rs.v[i].area_iova + rs.v[i].area_length);
	}
	for (i = 1; i < rs.n; i++) {
		const struct iod_run *a = &rs.v[i - 1], *b = &rs.v[i];

		assert_true(a->iova + a->length <= b->iova);
		/* Maximal: touching runs of one area do not exist. */
		if (a->area_iova == b->area_iova)
			assert_true(a->iova + a->length < b->iova);
	}
	if (rs.n) {
		const struct iod_run first = rs.v[rs.n / 2];
		uint64_t mid = first.iova + (first.length / PG / 2) * PG;

		memset(&rs, 0, sizeof(rs));
		rs.stop_after = 2;
		tr = iod_iopt_for_each_run(iopt, mid, collect_run, &rs);
		assert_int_equal(rs.v[0].iova, mid);
		assert_int_equal(rs.v[0].uaddr, first.uaddr + (mid - first.iova));
		assert_int_equal(rs.v[0].iova + rs.v[0].length,
				 first.iova + first.length);
		assert_int_equal(tr, rs.n == 2 ? 7 : 0);
	}
}

static void test_runs(void **state)
{
	struct iod_iopt iopt;

	(void)state;
	rng_state = 0x2545f4914f6cdd1dULL;
	init_iopt(&iopt, 12);
	check_runs(&iopt);
	for (int i = 0; i < 3000; i++) {
		random_op(&iopt);
		if (i % 10 == 0)
			check_runs(&iopt);
	}
	iod_iopt_fini(&iopt);
}

static void test_invariants_4k(void **state)
{
	(void)state;
	invariants_after_random_ops(12, false, false);
}

static void test_invariants_16k(void **state)
{
	(void)state;
	invariants_after_random_ops(14, false, false);
}

/* Whole-leaf marking must keep dirty bits on mapped pages only. */
static void test_invariants_hw_model(void **state)
{
	(void)state;
	invariants_after_random_ops(12, true, false);
	invariants_after_random_ops(12, true, true);
}

/* A table with areas, holes, a reserved region and dirty pages. */
static void populate(struct iod_iopt *iopt)
{
	init_iopt(iopt, 12);
	assert_int_equal(iod_iopt_map(iopt, IOVA_BASE, UBASE, 1024 * PG, 3), 0);
	assert_int_equal(iod_iopt_unmap(iopt, IOVA_BASE + 10 * PG, PG, 0,
					NULL, NULL), 0);
	assert_int_equal(iod_iopt_map(iopt, IOVA_BASE + 1500 * PG,
				      UBASE + 9000 * PG, 100 * PG, 1), 0);
	assert_int_equal(iod_iopt_map(iopt, BIG, UBASE << 1, BIG_PAGES * PG, 3),
			 0);
	assert_int_equal(iod_iopt_reserve(iopt, IOVA_BASE + 1800 * PG,
					  16 * PG, IOD_RESV_MSI), 0);
	/* Fill the reserved array to capacity (8) so the next one grows it. */
	for (int i = 0; i < 7; i++)
		assert_int_equal(iod_iopt_reserve(iopt, IOVA_BASE +
						  (3000 + 2 * i) * PG, PG,
						  IOD_RESV_DIRECT), 0);
	assert_int_equal(iod_iopt_set_tracking(iopt, true), 0);
	assert_int_equal(iod_iopt_mark_dirty(iopt, IOVA_BASE + 5 * PG, PG), 0);
}

/*
 * Runs @op with the n-th allocation failing, for n = 1, 2, ... until it
 * succeeds with no injected failure. Each -ENOMEM must leave the table as
 * it was; any other result must be the op's normal one.
 */
static void sweep(const char *name, int (*op)(struct iod_iopt *))
{
	unsigned long n;

	for (n = 1; n < 1000; n++) {
		struct iod_iopt iopt;
		static struct snap before, after;
		bool fired;
		int ret;

		populate(&iopt);
		take_snap(&iopt, &before);
		iod_fault_fail_nth(n);
		ret = op(&iopt);
		fired = iod_fault_fired();
		iod_fault_fail_nth(0);
		if (!fired) {
			assert_int_equal(ret, 0);
			assert_int_equal(iod_iopt_check(&iopt), 0);
			iod_iopt_fini(&iopt);
			printf("%s: %lu allocation(s) swept\n", name, n - 1);
			return;
		}
		if (ret == 0) {
			/* The failed allocation was optional (e.g. a cache). */
			assert_int_equal(iod_iopt_check(&iopt), 0);
		} else {
			assert_int_equal(ret, -ENOMEM);
			take_snap(&iopt, &after);
			assert_same(&before, &after);
			assert_int_equal(iod_iopt_check(&iopt), 0);
		}
		iod_iopt_fini(&iopt);
	}
	fail_msg("%s never succeeded", name);
}

static int op_map_split(struct iod_iopt *iopt)
{
	/* Different target inside the hole: needs a split. */
	return iod_iopt_map(iopt, IOVA_BASE + 10 * PG, UBASE + 77777 * PG, PG,
			    3);
}

static int op_map_new(struct iod_iopt *iopt)
{
	return iod_iopt_map(iopt, IOVA_BASE + 1200 * PG, UBASE, 8 * PG, 3);
}

static int op_punch(struct iod_iopt *iopt)
{
	uint64_t bm[1] = { 0 };

	/* Hole punch in a chunk without holes yet, with a dirty report. */
	return iod_iopt_unmap(iopt, BIG + 70000 * PG, 4 * PG, PG, bm, NULL);
}

static int op_split_unmap(struct iod_iopt *iopt)
{
	return iod_iopt_unmap(iopt, IOVA_BASE + 100 * PG, 600 * PG, 0, NULL,
			      NULL);
}

static int op_mark_far(struct iod_iopt *iopt)
{
	/* Far from the marked page: needs new dirty nodes. */
	return iod_iopt_mark_dirty(iopt, BIG + 100000 * PG, 3 * PG);
}

static int op_dma_far(struct iod_iopt *iopt)
{
	return iod_iopt_dma(iopt, BIG + 90000 * PG + 17, 5000, true, nocopy,
			    NULL);
}

static int op_reserve(struct iod_iopt *iopt)
{
	return iod_iopt_reserve(iopt, IOVA_BASE + 3100 * PG, PG,
				IOD_RESV_DIRECT);
}

static int op_tracking(struct iod_iopt *iopt)
{
	int ret = iod_iopt_set_tracking(iopt, false);

	if (ret)
		return ret;
	return iod_iopt_set_tracking(iopt, true);
}

/* Two new maps and a fill of the hole with other pages (a split). */
static int op_map_vec(struct iod_iopt *iopt)
{
	const struct iod_map_seg v[3] = {
		{ IOVA_BASE + 1200 * PG, UBASE, 8 * PG, 3, 0 },
		{ IOVA_BASE + 10 * PG, UBASE + 77777 * PG, PG, 3, 0 },
		{ IOVA_BASE + 2000 * PG, UBASE + 5000 * PG, 2 * PG, 1, 0 },
	};

	return iod_iopt_map_vec(iopt, v, 3, NULL);
}

/* Punches in two chunks, a split and a trim, with a report. */
static int op_unmap_vec(struct iod_iopt *iopt)
{
	const struct iod_unmap_seg v[4] = {
		{ BIG + 70000 * PG, 4 * PG },
		{ IOVA_BASE + 100 * PG, 600 * PG },
		{ BIG + 100000 * PG, PG },
		{ IOVA_BASE + 1020 * PG, 4 * PG },
	};
	uint64_t bm[1] = { 0 };

	return iod_iopt_unmap_vec(iopt, v, 4, bm, NULL, NULL);
}

static void test_fail_nth(void **state)
{
	(void)state;
	sweep("map-vec", op_map_vec);
	sweep("unmap-vec", op_unmap_vec);
	sweep("map-split", op_map_split);
	sweep("map-new", op_map_new);
	sweep("punch", op_punch);
	sweep("split-unmap", op_split_unmap);
	sweep("reserve", op_reserve);
	sweep("mark-far", op_mark_far);
	sweep("dma-far", op_dma_far);
}

/* Stopping drops the dirty state by design, so check enable on its own. */
static void test_fail_nth_tracking(void **state)
{
	struct iod_iopt iopt;
	int ret;

	(void)state;
	populate(&iopt);
	iod_fault_fail_nth(1);
	ret = op_tracking(&iopt);
	assert_true(iod_fault_fired());
	iod_fault_fail_nth(0);
	assert_int_equal(ret, -ENOMEM);
	assert_false(iopt.tracking);
	iod_iopt_fini(&iopt);
}

/* 1 TiB area, 1,000,000 random single-page holes: bytes per hole. */
static void test_hole_memory(void **state)
{
	const uint64_t pages = 1ULL << 28;
	struct iod_iopt iopt;
	struct iod_iopt_stats before, after;
	uint64_t holes = 0;

	(void)state;
	rng_state = 42;
	init_iopt(&iopt, 12);
	assert_int_equal(iod_iopt_map(&iopt, 0, UBASE, pages * PG, 3), 0);
	iod_iopt_stats(&iopt, &before);
	while (holes < 1000000) {
		uint64_t p = 1 + rnd_below(pages - 2);
		int ret = iod_iopt_unmap(&iopt, p * PG, PG, 0, NULL, NULL);

		if (ret == -ENOENT)
			continue;
		assert_int_equal(ret, 0);
		holes++;
	}
	iod_iopt_stats(&iopt, &after);
	assert_int_equal(after.holes, 1000000);
	assert_int_equal(after.areas, 1);
	printf("1 TiB area, %llu holes: %llu bytes, %.2f bytes/hole\n",
	       (unsigned long long)after.holes,
	       (unsigned long long)(after.mem_bytes - before.mem_bytes),
	       (double)(after.mem_bytes - before.mem_bytes) / 1e6);
	/* The design's promise (docs/design.md): under 4 bytes a hole. */
	assert_true(after.mem_bytes - before.mem_bytes < 4 * 1000000ULL);
	assert_int_equal(iod_iopt_check(&iopt), 0);
	iod_iopt_fini(&iopt);
}

/*
 * The same holes punched by one iod_iopt_unmap_vec() of 1,000,000
 * segments in random order: the batch reservation sizes each container
 * as the single adds grow it, so the memory stays under 4 bytes a hole.
 */
static void test_hole_memory_vec(void **state)
{
	const uint64_t pages = 1ULL << 28;
	const size_t n = 1000000;
	struct iod_unmap_seg *v = calloc(n, sizeof(*v));
	uint8_t *seen = calloc(pages / 8, 1);
	struct iod_iopt_stats before, after;
	struct iod_iopt iopt;
	size_t i = 0;

	(void)state;
	assert_non_null(v);
	assert_non_null(seen);
	rng_state = 42;
	init_iopt(&iopt, 12);
	assert_int_equal(iod_iopt_map(&iopt, 0, UBASE, pages * PG, 3), 0);
	iod_iopt_stats(&iopt, &before);
	while (i < n) {
		uint64_t p = 1 + rnd_below(pages - 2);

		if (seen[p / 8] & (1u << (p % 8)))
			continue;
		seen[p / 8] |= (uint8_t)(1u << (p % 8));
		v[i].iova = p * PG;
		v[i++].length = PG;
	}
	assert_int_equal(iod_iopt_unmap_vec(&iopt, v, n, NULL, NULL, NULL), 0);
	iod_iopt_stats(&iopt, &after);
	assert_int_equal(after.holes, n);
	assert_int_equal(after.areas, 1);
	printf("1 TiB area, %llu holes in one vector: %.2f bytes/hole\n",
	       (unsigned long long)after.holes,
	       (double)(after.mem_bytes - before.mem_bytes) / (double)n);
	assert_true(after.mem_bytes - before.mem_bytes < 4 * (uint64_t)n);
	assert_int_equal(iod_iopt_check(&iopt), 0);
	iod_iopt_fini(&iopt);
	free(seen);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_invariants_4k),
		cmocka_unit_test(test_invariants_16k),
		cmocka_unit_test(test_invariants_hw_model),
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_fail_nth_tracking),
		cmocka_unit_test(test_hole_memory),
		cmocka_unit_test(test_hole_memory_vec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
