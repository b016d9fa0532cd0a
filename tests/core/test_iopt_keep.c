// SPDX-License-Identifier: MIT
/*
 * io-pagetable core with keep_areas (the iommufd backend's mirror): maps
 * stay areas of their own, whole-area unmaps work, and an unmap that
 * would cut an area fails with -EOPNOTSUPP and changes nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"
#include <string.h>

#include "iopt.h"

#define PG IOD_PAGE_SIZE
#define BASE (1ULL << 32)
#define UBASE (1ULL << 40)	/* fake user addresses: never touched */
#define WIN 64u			/* pages compared before and after */

static void init_keep(struct iod_iopt *iopt)
{
	struct iod_iopt_params p = { .iova_bits = 48, .granule_shift = 12,
				     .keep_areas = true };

	assert_int_equal(iod_iopt_init(iopt, &p), 0);
}

/* Areas [0,8) [8,16) (linear, same prot: would merge) and [20,24). */
static void populate(struct iod_iopt *iopt)
{
	init_keep(iopt);
	assert_int_equal(iod_iopt_map(iopt, BASE, UBASE, 8 * PG, 3), 0);
	assert_int_equal(iod_iopt_map(iopt, BASE + 8 * PG, UBASE + 8 * PG,
				      8 * PG, 3), 0);
	assert_int_equal(iod_iopt_map(iopt, BASE + 20 * PG, UBASE + 20 * PG,
				      4 * PG, 3), 0);
	assert_int_equal(iod_iopt_set_tracking(iopt, true), 0);
	assert_int_equal(iod_iopt_mark_dirty(iopt, BASE + 3 * PG, 10 * PG), 0);
}

struct snap {
	struct iod_iopt_stats st;
	uint64_t uaddr[WIN];
	int tr[WIN];
	uint64_t dirty[WIN / 64];
};

static void take(struct iod_iopt *iopt, struct snap *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	iod_iopt_stats(iopt, &s->st);
	for (i = 0; i < WIN; i++)
		s->tr[i] = iod_iopt_translate(iopt, BASE + i * PG,
					      &s->uaddr[i], NULL);
	assert_true(iod_iopt_read_dirty(iopt, BASE, WIN * PG, PG, s->dirty,
					IOD_READ_NO_CLEAR) >= 0);
}

static void assert_same(const struct snap *a, const struct snap *b)
{
	assert_int_equal(a->st.mapped_bytes, b->st.mapped_bytes);
	assert_int_equal(a->st.areas, b->st.areas);
	assert_int_equal(a->st.holes, b->st.holes);
	assert_int_equal(a->st.dirty_pending, b->st.dirty_pending);
	assert_memory_equal(a->tr, b->tr, sizeof(a->tr));
	assert_memory_equal(a->uaddr, b->uaddr, sizeof(a->uaddr));
	assert_memory_equal(a->dirty, b->dirty, sizeof(a->dirty));
}

static void test_no_merge(void **state)
{
	struct iod_iopt iopt;
	struct iod_iopt_stats st;
	uint64_t u, contig, s, ua, len;

	(void)state;
	populate(&iopt);
	/* Three areas; the counter reports the two linear runs. */
	iod_iopt_stats(&iopt, &st);
	assert_int_equal(iopt.nr_areas, 3);
	assert_int_equal(st.areas, 2);
	assert_int_equal(iod_iopt_check(&iopt), 0);
	/* Translation still sees one linear run across the two areas. */
	assert_int_equal(iod_iopt_translate(&iopt, BASE + PG, &u, &contig), 0);
	assert_int_equal(contig, 15 * PG);
	/* The walk sees each area. */
	assert_int_equal(iod_iopt_next_area(&iopt, BASE + 5 * PG, &s, &ua,
					    &len), 0);
	assert_int_equal(s, BASE);
	assert_int_equal(len, 8 * PG);
	assert_int_equal(iod_iopt_next_area(&iopt, BASE + 16 * PG, &s, &ua,
					    &len), 0);
	assert_int_equal(s, BASE + 20 * PG);
	assert_int_equal(ua, UBASE + 20 * PG);
	assert_int_equal(iod_iopt_next_area(&iopt, BASE + 24 * PG, &s, &ua,
					    &len), -ENOENT);
	iod_iopt_fini(&iopt);
}

static void test_whole_unmaps(void **state)
{
	struct iod_iopt iopt;
	struct iod_iopt_stats st;
	uint64_t bm[1] = { 0 }, unmapped = 0;

	(void)state;
	populate(&iopt);
	/* One area, exactly. */
	assert_int_equal(iod_iopt_unmap_check(&iopt, BASE + 8 * PG, 8 * PG,
					      0, NULL), 0);
	assert_int_equal(iod_iopt_unmap(&iopt, BASE + 8 * PG, 8 * PG, PG, bm,
					&unmapped), 0);
	assert_int_equal(unmapped, 8 * PG);
	assert_int_equal(bm[0], 0x1fULL);	/* pages 8..12 were dirty */
	iod_iopt_stats(&iopt, &st);
	assert_int_equal(st.areas, 2);
	assert_int_equal(iod_iopt_check(&iopt), 0);
	/* Back again: a run with its left neighbour once more. */
	assert_int_equal(iod_iopt_map(&iopt, BASE + 8 * PG, UBASE + 8 * PG,
				      8 * PG, 3), 0);
	iod_iopt_stats(&iopt, &st);
	assert_int_equal(st.areas, 2);
	assert_int_equal(iopt.nr_areas, 3);
	assert_int_equal(iod_iopt_check(&iopt), 0);
	/* Several areas and the gaps around them. */
	assert_int_equal(iod_iopt_unmap(&iopt, BASE - 4 * PG, 40 * PG, 0,
					NULL, &unmapped), 0);
	assert_int_equal(unmapped, 20 * PG);
	iod_iopt_stats(&iopt, &st);
	assert_int_equal(st.areas, 0);
	assert_int_equal(st.mapped_bytes, 0);
	assert_int_equal(st.dirty_pending, 0);
	assert_int_equal(iod_iopt_check(&iopt), 0);
	iod_iopt_fini(&iopt);
}

static void test_cuts_refused(void **state)
{
	static const struct { uint64_t first, n; } cuts[] = {
		{ 2, 2 },	/* hole inside an area */
		{ 0, 4 },	/* head trim */
		{ 12, 4 },	/* tail trim */
		{ 0, 12 },	/* one whole area and part of the next */
		{ 10, 12 },	/* part of one, the gap, part of the last */
		{ 18, 3 },	/* gap and the head of the last */
	};
	struct snap before, after;
	struct iod_iopt iopt;
	uint64_t bm[1];
	unsigned int i;

	(void)state;
	populate(&iopt);
	take(&iopt, &before);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		uint64_t iova = BASE + cuts[i].first * PG;
		uint64_t len = cuts[i].n * PG;

		assert_int_equal(iod_iopt_unmap_check(&iopt, iova, len, 0,
						      NULL), -EOPNOTSUPP);
		assert_int_equal(iod_iopt_unmap(&iopt, iova, len, 0, NULL,
						NULL), -EOPNOTSUPP);
		bm[0] = 0;
		assert_int_equal(iod_iopt_unmap(&iopt, iova, len, PG, bm,
						NULL), -EOPNOTSUPP);
		assert_int_equal(bm[0], 0);
		take(&iopt, &after);
		assert_same(&before, &after);
	}
	/* The usual errnos keep their precedence over the cut. */
	assert_int_equal(iod_iopt_unmap(&iopt, BASE + 16 * PG, 4 * PG, 0, NULL,
					NULL), -ENOENT);
	assert_int_equal(iod_iopt_unmap(&iopt, BASE + PG, 3, 0, NULL, NULL),
			 -EINVAL);
	assert_int_equal(iod_iopt_check(&iopt), 0);
	iod_iopt_fini(&iopt);
}

/*
 * After iod_iopt_dirty_prepare(), marking pages of the range allocates
 * nothing, so it cannot fail (the iommufd backend relies on it after a
 * clearing hardware read); outside the range a mark still may.
 */
static void test_prepare_then_mark(void **state)
{
	const uint64_t far = BASE + (1ULL << 30);	/* other dirty leaves */
	struct iod_iopt iopt;
	uint64_t bm = 0;

	(void)state;
	init_keep(&iopt);
	assert_int_equal(iod_iopt_map(&iopt, BASE, UBASE, 8 * PG, 3), 0);
	assert_int_equal(iod_iopt_map(&iopt, far, UBASE + 8 * PG, 8 * PG, 3),
			 0);
	assert_int_equal(iod_iopt_dirty_prepare(&iopt, BASE, 8 * PG),
			 -ENODATA);
	assert_int_equal(iod_iopt_set_tracking(&iopt, true), 0);
	assert_int_equal(iod_iopt_dirty_prepare(&iopt, BASE, 0), -EINVAL);
	assert_int_equal(iod_iopt_dirty_prepare(&iopt, BASE, 8 * PG), 0);

	iod_fault_fail_nth(1);
	assert_int_equal(iod_iopt_mark_dirty(&iopt, BASE + PG, 6 * PG), 0);
	assert_false(iod_fault_fired());
	assert_int_equal(iod_iopt_mark_dirty(&iopt, far, PG), -ENOMEM);
	assert_true(iod_fault_fired());
	iod_fault_fail_nth(0);

	assert_int_equal(iod_iopt_read_dirty(&iopt, BASE, 8 * PG, PG, &bm, 0),
			 6);
	assert_int_equal(bm, 0x7eULL);
	iod_iopt_fini(&iopt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_merge),
		cmocka_unit_test(test_whole_unmaps),
		cmocka_unit_test(test_cuts_refused),
		cmocka_unit_test(test_prepare_then_mark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
