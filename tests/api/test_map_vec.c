// SPDX-License-Identifier: MIT
/*
 * iodirty_map_vec() and iodirty_unmap_vec() (since 0.5): many ranges in
 * one call, all or nothing. A failing vector leaves the whole state as it
 * was (the translation of every page of the window, the dirty report, the
 * counters), and names the segment at fault: the lowest index that breaks
 * a rule in the first round that finds one (arguments, overlaps, state).
 * The unmap's report has one bit per segment. A vector of random punches
 * and refills leaves a domain exactly as the single calls do.
 */
#include "helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define BASE (1ULL << 30)
#define WIN 64				/* pages of the window */

static char *mem;			/* WIN pages mapped by the tests */

static struct iodirty_map_seg mseg(uint64_t pg, uint64_t npg, uint64_t upg)
{
	return (struct iodirty_map_seg){ .iova = BASE + pg * P,
					 .addr = mem + upg * P,
					 .length = npg * P, .flags = RW };
}

static struct iodirty_unmap_seg useg(uint64_t pg, uint64_t npg)
{
	return (struct iodirty_unmap_seg){ BASE + pg * P, npg * P };
}

/* Every page of the window translated, and its dirty bits. */
static void spec_window(struct t_snap_spec *sp, bool dirty)
{
	memset(sp, 0, sizeof(*sp));
	sp->nprobes = WIN;
	for (size_t i = 0; i < WIN; i++)
		sp->probe[i] = BASE + i * P;
	if (dirty) {
		sp->win_iova = BASE;
		sp->win_len = WIN * P;
	}
}

static void test_nocap(void **state)
{
	struct iodirty_domain *dom;
	struct iodirty_unmap_seg u = { BASE, P };
	struct iodirty_map_seg m;
	size_t failed = 7;

	(void)state;
	if (t_caps.flags & IODIRTY_CAP_MAP_VEC)
		TC_SKIP("backend has IODIRTY_CAP_MAP_VEC\n");
	dom = t_domain(0, 0);
	m = mseg(0, 1, 0);
	T_EQ(iodirty_map_vec(dom, &m, 1, &failed), -EOPNOTSUPP);
	T_EQ(failed, 1);
	T_EQ(iodirty_map_vec(dom, NULL, 0, NULL), -EOPNOTSUPP);
	T_EQ(iodirty_unmap_vec(dom, &u, 1, NULL, NULL), -EOPNOTSUPP);
	iodirty_domain_destroy(dom);
}

static void test_basic(void **state)
{
	struct iodirty_map_seg m[3];
	struct iodirty_unmap_seg u[3];
	struct iodirty_stats st;
	struct iodirty_domain *dom;
	size_t failed = 99;
	void *addr;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAP_VEC);
	dom = t_domain(0, 0);
	T_EQ(iodirty_map_vec(dom, NULL, 0, &failed), 0);
	T_EQ(failed, 0);
	T_EQ(iodirty_map_vec(dom, NULL, 1, &failed), -EINVAL);
	T_EQ(failed, 1);
	T_EQ(iodirty_unmap_vec(dom, NULL, 2, NULL, &failed), -EINVAL);
	T_EQ(failed, 2);
	T_EQ(iodirty_map_vec(NULL, m, 0, NULL), -EINVAL);
	T_EQ(iodirty_unmap_vec(NULL, u, 0, NULL, NULL), -EINVAL);

	/* Out of order, one adjacent pair that is not linear. */
	m[0] = mseg(20, 4, 40);
	m[1] = mseg(2, 3, 10);
	m[2] = mseg(5, 1, 30);
	T_EQ(iodirty_map_vec(dom, m, 3, &failed), 0);
	T_EQ(failed, 3);
	for (size_t i = 0; i < 3; i++)
		for (uint64_t b = 0; b < m[i].length; b += P) {
			T_EQ(iodirty_translate(dom, m[i].iova + b, &addr,
					       NULL), 0);
			assert_ptr_equal(addr, (char *)m[i].addr + b);
		}
	t_stats(dom, &st);
	T_EQ(st.mappings, 3);
	T_EQ(st.mapped_bytes, 8 * P);

	u[0] = useg(3, 1);	/* a hole */
	u[1] = useg(21, 3);	/* a trim */
	u[2] = useg(0, 3);	/* a trim, and unmapped space */
	T_EQ(iodirty_unmap_vec(dom, u, 3, NULL, &failed), 0);
	T_EQ(failed, 3);
	t_stats(dom, &st);
	T_EQ(st.mapped_bytes, 3 * P);
	T_EQ(iodirty_translate(dom, BASE + 3 * P, &addr, NULL), -ENOENT);
	T_EQ(iodirty_translate(dom, BASE + 4 * P, &addr, NULL), 0);
	assert_ptr_equal(addr, mem + 12 * P);
	T_EQ(iodirty_translate(dom, BASE + 20 * P, &addr, NULL), 0);
	T_EQ(iodirty_translate(dom, BASE + 21 * P, &addr, NULL), -ENOENT);
	iodirty_domain_destroy(dom);
}

/* map_vec of @m (4 segments) fails with @err at @idx, changing nothing. */
static void map_fails(struct iodirty_domain *dom, struct iodirty_map_seg *m,
		      int err, size_t idx)
{
	struct t_snap_spec sp;
	size_t failed = 99;

	spec_window(&sp, false);
	T_EXPECT_ERR(dom, &sp, iodirty_map_vec(dom, m, 4, &failed), err);
	T_EQ(failed, idx);
}

static void four(struct iodirty_map_seg *m)
{
	m[0] = mseg(0, 2, 0);
	m[1] = mseg(30, 1, 31);
	m[2] = mseg(12, 4, 40);
	m[3] = mseg(50, 2, 5);
}

static void test_map_all_or_nothing(void **state)
{
	struct iodirty_map_seg m[4];
	struct iodirty_domain *dom;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAP_VEC);
	dom = t_domain(40, 0);
	/* Mapped: pages 10 and 20..23; holes at 21, 22. */
	assert_int_equal(iodirty_map(dom, BASE + 10 * P, mem + 10 * P, P, RW),
			 0);
	assert_int_equal(iodirty_map(dom, BASE + 20 * P, mem + 20 * P, 4 * P,
				     RW), 0);
	assert_int_equal(iodirty_unmap(dom, BASE + 21 * P, 2 * P, NULL), 0);

	four(m);
	m[2].length = P + 1;
	map_fails(dom, m, -EINVAL, 2);
	four(m);
	m[2].flags |= 1u << 7;
	map_fails(dom, m, -EOPNOTSUPP, 2);
	four(m);
	m[1].__reserved = 1;
	map_fails(dom, m, -EOPNOTSUPP, 1);
	four(m);
	m[3].flags = 0;
	map_fails(dom, m, -EINVAL, 3);
	four(m);
	m[2].iova = 1ULL << 40;
	map_fails(dom, m, -ERANGE, 2);
	four(m);
	m[1].iova = ~0ULL - P + 1;
	m[1].length = 2 * P;
	map_fails(dom, m, -EOVERFLOW, 1);
	/* Overlaps: the later segment is at fault. */
	four(m);
	m[3] = mseg(13, 1, 60);
	map_fails(dom, m, -EINVAL, 3);
	four(m);
	m[1] = mseg(1, 1, 60);
	map_fails(dom, m, -EINVAL, 1);
	/* Arguments before overlaps, wherever they are. */
	four(m);
	m[1] = mseg(1, 1, 60);
	m[3].flags |= 1u << 7;
	map_fails(dom, m, -EOPNOTSUPP, 3);
	/* State: the lowest index at fault, overlaps before state. */
	four(m);
	m[3] = mseg(9, 2, 60);
	map_fails(dom, m, -EEXIST, 3);
	four(m);
	m[1] = mseg(20, 2, 60);
	m[3] = mseg(9, 2, 61);
	map_fails(dom, m, -EEXIST, 1);
	four(m);
	m[0] = mseg(9, 2, 61);
	m[3] = mseg(10, 1, 60);
	map_fails(dom, m, -EINVAL, 3);
	if (t_caps.flags & IODIRTY_CAP_USER_RESERVE) {
		assert_int_equal(iodirty_reserve(dom, BASE + 40 * P, P,
						 IODIRTY_RESV_MSI), 0);
		four(m);
		m[3] = mseg(39, 2, 60);
		map_fails(dom, m, -EADDRNOTAVAIL, 3);
	}
	/* A vector that fills the holes with other pages applies whole. */
	four(m);
	m[1] = mseg(21, 1, 50);
	T_EQ(iodirty_map_vec(dom, m, 4, NULL), 0);
	iodirty_domain_destroy(dom);
}

/* unmap_vec of @nr segments fails with @err at @idx, changing nothing. */
static void unmap_fails(struct iodirty_domain *dom,
			const struct iodirty_unmap_seg *u, size_t nr,
			uint64_t *bm, int err, size_t idx)
{
	struct t_snap_spec sp;
	uint64_t before = bm ? bm[0] : 0;
	size_t failed = 99;

	spec_window(&sp, t_caps.flags & IODIRTY_CAP_DIRTY_TRACKING);
	T_EXPECT_ERR(dom, &sp, iodirty_unmap_vec(dom, u, nr, bm, &failed),
		     err);
	T_EQ(failed, idx);
	if (bm)
		T_EQ(bm[0], before);
}

static void test_unmap_all_or_nothing(void **state)
{
	struct iodirty_unmap_seg u[4];
	struct iodirty_domain *dom;
	uint64_t bm[1] = { 0x10 };

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAP_VEC | IODIRTY_CAP_DIRTY_TRACKING);
	dom = t_domain(40, 0);
	assert_int_equal(iodirty_map(dom, BASE, mem, WIN * P, RW), 0);
	assert_int_equal(iodirty_unmap(dom, BASE + 30 * P, 4 * P, NULL), 0);

	/* Tracking off: a report is -ENODATA, blamed on no segment. */
	u[0] = useg(0, 1);
	u[1] = useg(8, 2);
	u[2] = useg(40, 1);
	u[3] = useg(60, 4);
	unmap_fails(dom, u, 4, bm, -ENODATA, 4);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	assert_int_equal(iodirty_mark_dirty(dom, BASE, 30 * P), 0);
	assert_int_equal(iodirty_mark_dirty(dom, BASE + 34 * P, 30 * P), 0);

	u[2] = useg(30, 4);	/* nothing mapped there */
	unmap_fails(dom, u, 4, bm, -ENOENT, 2);
	unmap_fails(dom, u, 4, NULL, -ENOENT, 2);
	u[2] = useg(9, 1);	/* overlaps segment 1 */
	unmap_fails(dom, u, 4, bm, -EINVAL, 2);
	u[2] = useg(40, 1);
	u[1].length = 0;
	unmap_fails(dom, u, 4, bm, -EINVAL, 1);
	u[1] = useg(8, 2);
	u[3].iova = 1ULL << 40;
	unmap_fails(dom, u, 4, bm, -ERANGE, 3);
	iodirty_domain_destroy(dom);

	/* With a report, segments must be aligned to the dirty granule. */
	if (t_caps.granules & (8 * 1024)) {
		dom = t_domain(40, 8 * 1024);
		assert_int_equal(iodirty_map(dom, BASE, mem, WIN * P, RW), 0);
		assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
		u[0] = useg(0, 2);
		u[1] = useg(9, 1);
		unmap_fails(dom, u, 2, bm, -EINVAL, 1);
		/* Without one, any page will do. */
		T_EQ(iodirty_unmap_vec(dom, u, 2, NULL, NULL), 0);
		iodirty_domain_destroy(dom);
	}
}

static void test_unmap_report(void **state)
{
	static const uint64_t dirty_pg[] = { 3, 17, 40, 60, 5 };
	struct iodirty_unmap_seg u[6];
	struct iodirty_domain *dom;
	uint64_t bm[2] = { 1ULL << 9, 0 }, rd[1] = { 0 };
	struct iodirty_map_seg m;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAP_VEC | IODIRTY_CAP_DIRTY_TRACKING);
	dom = t_domain(0, 0);
	assert_int_equal(iodirty_map(dom, BASE, mem, WIN * P, RW), 0);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(iodirty_mark_dirty(dom, BASE +
						    dirty_pg[i] * P, 1), 0);
	u[0] = useg(16, 2);	/* 17: dirty */
	u[1] = useg(4, 12);	/* clean */
	u[2] = useg(0, 4);	/* 3: dirty */
	u[3] = useg(50, 2);	/* clean */
	u[4] = useg(40, 1);	/* dirty */
	u[5] = useg(30, 4);	/* clean; 60 stays mapped and dirty */
	T_EQ(iodirty_unmap_vec(dom, u, 6, bm, NULL), 0);
	/* OR-ed in: bit 9 (the caller's) stays. */
	T_EQ(bm[0], (1ULL << 0) | (1ULL << 2) | (1ULL << 4) | (1ULL << 9));
	T_EQ(bm[1], 0);
	/* Only page 60 is still dirty; the unmapped pages were cleared. */
	for (size_t i = 0; i < 6; i++) {
		m = mseg((u[i].iova - BASE) / P, u[i].length / P,
			 (u[i].iova - BASE) / P);
		assert_int_equal(iodirty_map(dom, m.iova, m.addr, m.length,
					     RW), 0);
	}
	T_EQ(iodirty_read_dirty(dom, BASE, WIN * P, P, rd, 0), 1);
	T_EQ(rd[0], 1ULL << 60);

	/* Without a report the dirty bits of the unmapped pages go. */
	assert_int_equal(iodirty_mark_dirty(dom, BASE + 5 * P, 1), 0);
	u[0] = useg(5, 1);
	T_EQ(iodirty_unmap_vec(dom, u, 1, NULL, NULL), 0);
	assert_int_equal(iodirty_map(dom, BASE + 5 * P, mem + 5 * P, P, RW),
			 0);
	T_EQ(t_dirty_count(dom, BASE, WIN * P), 0);
	iodirty_domain_destroy(dom);
}

/* Both domains translate every page of [BASE, BASE + n pages) alike. */
static void assert_same(struct iodirty_domain *a, struct iodirty_domain *b,
			uint64_t n)
{
	struct iodirty_stats sa, sb;

	for (uint64_t pg = 0; pg < n; pg++) {
		void *xa = NULL, *xb = NULL;
		uint64_t ca = 0, cb = 0;
		int ra = iodirty_translate(a, BASE + pg * P, &xa, &ca);
		int rb = iodirty_translate(b, BASE + pg * P, &xb, &cb);

		if (ra != rb || xa != xb || ca != cb)
			print_error("page %llu: %d %p %llu vs %d %p %llu\n",
				    (unsigned long long)pg, ra, xa,
				    (unsigned long long)ca, rb, xb,
				    (unsigned long long)cb);
		assert_true(ra == rb && xa == xb && ca == cb);
	}
	t_stats(a, &sa);
	t_stats(b, &sb);
	T_EQ(sa.mappings, sb.mappings);
	T_EQ(sa.holes, sb.holes);
	T_EQ(sa.mapped_bytes, sb.mapped_bytes);
}

#define NPG 2048

static void test_same_as_single_calls(void **state)
{
	struct iodirty_unmap_seg *u = calloc(NPG, sizeof(*u));
	struct iodirty_map_seg *m = calloc(NPG, sizeof(*m));
	struct iodirty_domain *one, *vec;
	uint64_t seed = t_seed("map_vec", 0x766563), *used;
	char *big = t_mapmem(2 * NPG * P, 0);
	size_t n = 0, k = 0;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAP_VEC | IODIRTY_CAP_PARTIAL_UNMAP);
	assert_non_null(u);
	assert_non_null(m);
	used = calloc(NPG, sizeof(*used));
	assert_non_null(used);
	one = t_domain(0, 0);
	vec = t_domain(0, 0);
	assert_int_equal(iodirty_map(one, BASE, big, NPG * P, RW), 0);
	assert_int_equal(iodirty_map(vec, BASE, big, NPG * P, RW), 0);
	/* Distinct random runs of 1 to 3 pages, in random order. */
	for (int tries = 0; tries < NPG; tries++) {
		uint64_t pg = t_rand_below(&seed, NPG - 3);
		uint64_t len = 1 + t_rand_below(&seed, 3);

		if (used[pg] || used[pg + 1] || used[pg + 2] ||
		    (pg && used[pg - 1]))
			continue;
		for (uint64_t j = 0; j < len; j++)
			used[pg + j] = 1;
		u[n++] = useg(pg, len);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(iodirty_unmap(one, u[i].iova, u[i].length,
					       NULL), 0);
	T_EQ(iodirty_unmap_vec(vec, u, n, NULL, NULL), 0);
	assert_same(one, vec, NPG);
	/* Refill two thirds: some with their own pages, some with others. */
	for (size_t i = 0; i < n; i++) {
		uint64_t pg = (u[i].iova - BASE) / P;

		if (i % 3 == 2)
			continue;
		m[k] = (struct iodirty_map_seg){
			.iova = u[i].iova, .length = u[i].length,
			.addr = big + (i % 3 ? NPG + pg : pg) * P,
			.flags = RW };
		assert_int_equal(iodirty_map(one, m[k].iova, m[k].addr,
					     m[k].length, RW), 0);
		k++;
	}
	T_EQ(iodirty_map_vec(vec, m, k, NULL), 0);
	assert_same(one, vec, NPG);
	iodirty_domain_destroy(one);
	iodirty_domain_destroy(vec);
	t_ram_free(big, 2 * NPG * P);
	free(used);
	free(u);
	free(m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nocap),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_map_all_or_nothing),
		cmocka_unit_test(test_unmap_all_or_nothing),
		cmocka_unit_test(test_unmap_report),
		cmocka_unit_test(test_same_as_single_calls),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	mem = t_mapmem(WIN * P, 0);
	rc = cmocka_run_group_tests_name("api_map_vec", tests, NULL, NULL);
	t_ram_free(mem, WIN * P);
	t_fini();
	return rc;
}
