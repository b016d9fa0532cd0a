// SPDX-License-Identifier: MIT
/*
 * Dirty reports in user-address space (iodirty_read_dirty_uaddr): IOVA
 * aliases of one RAM page, partly mapped RAM blocks, OR-ing, and granules
 * whose memory straddles or lies wholly inside the read range.
 */
#include "dirty_fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define MiB (1ULL << 20)

/* Two IOVAs alias one RAM page: one bit in the RAM-space report. */
static void test_uaddr_alias(void **state)
{
	struct dfx f;
	const uint64_t x = 4 * MiB, y = 8 * MiB;

	(void)state;
	dfx_setup_ram(&f, IODIRTY_CAP_UADDR_REPORT, 0, 16, 1 << 20);
	assert_int_equal(iodirty_map(f.dom, x, f.ram, 16 * P, RW), 0);
	assert_int_equal(iodirty_map(f.dom, y, f.ram + 4 * P, 4 * P, RW), 0);
	wr(f.dom, y + P, 1);		/* RAM page 5 */
	wr(f.dom, x + 5 * P + 9, 1);	/* RAM page 5 again */
	wr(f.dom, x, 1);		/* RAM page 0 */
	EXPECT_RDU(f.dom, f.ram, 16 * P, P, IODIRTY_READ_NO_CLEAR, 0, 5);
	/* only via the alias */
	EXPECT_RDU(f.dom, f.ram, 16 * P, P, 0, 0, 5);
	/* the clear cleared both IOVAs */
	T_EQ(t_dirty_count(f.dom, x, 16 * P), 0);
	T_EQ(t_dirty_count(f.dom, y, 4 * P), 0);
	wr(f.dom, y + 3 * P, 1);	/* RAM page 7 */
	EXPECT_RDU(f.dom, f.ram, 16 * P, 2 * P, 0, 3);
	/* a sub-range of the RAM block */
	wr(f.dom, x + 9 * P, 1);
	wr(f.dom, y, 1);		/* RAM page 4 */
	EXPECT_RDU(f.dom, f.ram + 8 * P, 8 * P, P, 0, 1);
	T_EQ(t_dirty_count(f.dom, y, P), 1);	/* page 4 not in that range */
	dfx_teardown(&f);
}

/* A RAM block of which only a part is mapped. */
static void test_uaddr_partial_block(void **state)
{
	struct dfx f;

	(void)state;
	dfx_setup_ram(&f, IODIRTY_CAP_UADDR_REPORT, 0, 64, 1 << 20);
	assert_int_equal(iodirty_map(f.dom, MiB, f.ram + 8 * P, 8 * P, RW), 0);
	assert_int_equal(iodirty_map(f.dom, 3 * MiB, f.ram + 40 * P, 4 * P,
				     RW), 0);
	wr(f.dom, MiB, 1);			/* RAM 8 */
	wr(f.dom, MiB + 7 * P, 1);		/* RAM 15 */
	wr(f.dom, 3 * MiB + 2 * P, 1);		/* RAM 42 */
	EXPECT_RDU(f.dom, f.ram, 64 * P, P, IODIRTY_READ_NO_CLEAR, 8, 15, 42);
	EXPECT_RDU(f.dom, f.ram, 64 * P, 16 * P, IODIRTY_READ_NO_CLEAR, 0, 2);
	EXPECT_RDU(f.dom, f.ram, 64 * P, 64 * P, 0, 0);
	EXPECT_RDU_NONE(f.dom, f.ram, 64 * P, P, 0);
	dfx_teardown(&f);
}

/* The return value counts the bits changed from 0 to 1, as for IOVA. */
static void test_uaddr_or_into(void **state)
{
	struct dfx f;
	uint64_t bm[2];
	int64_t rc;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_UADDR_REPORT);
	dfx_setup(&f, 0, MiB, 100);
	wr(f.dom, MiB + 3 * P, 1);
	wr(f.dom, MiB + 70 * P, 1);
	bm[0] = (1ULL << 3) | (1ULL << 10);	/* 3 dirty, 10 not */
	bm[1] = 0;
	rc = iodirty_read_dirty_uaddr(f.dom, f.ram, 100 * P, P, bm,
				      IODIRTY_READ_NO_CLEAR);
	T_EQ(rc, 1);
	assert_int_equal(bm[0], (1ULL << 3) | (1ULL << 10));
	assert_int_equal(bm[1], 1ULL << 6);
	/* the IOVA read agrees */
	bm[0] = (1ULL << 3) | (1ULL << 10);
	bm[1] = 0;
	rc = iodirty_read_dirty(f.dom, MiB, 100 * P, P, bm,
				IODIRTY_READ_NO_CLEAR);
	T_EQ(rc, 1);
	/* a zeroed bitmap: the number of dirty pages */
	bm[0] = bm[1] = 0;
	T_EQ(iodirty_read_dirty_uaddr(f.dom, f.ram, 100 * P, P, bm, 0), 2);
	bm[0] = bm[1] = 0;
	T_EQ(iodirty_read_dirty_uaddr(f.dom, f.ram, 100 * P, P, bm, 0), 0);
	dfx_teardown(&f);
}

/*
 * 16 KiB granule whose memory straddles the read range (the IOVA granule
 * maps RAM pages 1..4 of a 16 KiB-aligned block): reported by reads of
 * either side, cleared only by a read that covers all of it.
 */
static void test_uaddr_cut_granule(void **state)
{
	const uint64_t G = 4 * P;
	struct dfx f;

	(void)state;
	dfx_setup_ram(&f, IODIRTY_CAP_UADDR_REPORT, G, 16, G);
	/* IOVA granule 0 -> RAM pages 1..4 */
	assert_int_equal(iodirty_map(f.dom, 0, f.ram + P, 8 * P, RW), 0);
	wr(f.dom, 0, 1);			/* RAM page 1 */
	EXPECT_RDU(f.dom, f.ram, G, G, 0, 0);
	/* RAM page 4 is in granule 0 */
	EXPECT_RDU(f.dom, f.ram + G, G, G, 0, 0);
	T_EQ(t_dirty_count(f.dom, 0, 2 * G), 1);
	EXPECT_RDU(f.dom, f.ram, 2 * G, G, 0, 0, 1);
	T_EQ(t_dirty_count(f.dom, 0, 2 * G), 0);
	EXPECT_RDU_NONE(f.dom, f.ram, 4 * G, G, 0);
	dfx_teardown(&f);
}

/* @pages IOVA pages from page @iova_pg mapped to RAM from page @ram_pg. */
struct piece {
	uint64_t iova_pg, ram_pg, pages;
};

/*
 * A 16 KiB granule 0 made of the mappings @pc[], written at IOVA 0. Its
 * memory is wholly inside the read of the 16 RAM pages: that read at the
 * granule size reports exactly @set[] and clears it, the next reports
 * nothing.
 */
static void check_granule_inside(const struct piece *pc, size_t npc,
				 const uint64_t *set, size_t nset)
{
	const uint64_t G = 4 * P;
	struct dfx f;

	dfx_setup_ram(&f, IODIRTY_CAP_UADDR_REPORT, G, 16, G);
	for (size_t i = 0; i < npc; i++)
		assert_int_equal(iodirty_map(f.dom, pc[i].iova_pg * P,
					     f.ram + pc[i].ram_pg * P,
					     pc[i].pages * P, RW), 0);
	wr(f.dom, 0, 1);
	expect_rd(f.dom, 0, f.ram, 16 * P, G, 0, set, nset);
	T_EQ(t_dirty_count(f.dom, 0, G), 0);
	EXPECT_RDU_NONE(f.dom, f.ram, 16 * P, G, 0);
	dfx_teardown(&f);
}

/* A 16 KiB granule made of two mappings to different RAM places. */
static void test_uaddr_granule_two_areas(void **state)
{
	/* IOVA pages 0,1 -> RAM 0,1; IOVA pages 2,3 -> RAM 8,9 */
	static const struct piece pc[] = { { 0, 0, 2 }, { 2, 8, 2 } };
	static const uint64_t set[] = { 0, 2 };	/* granule-wide: both */

	(void)state;
	check_granule_inside(pc, sizeof(pc) / sizeof(pc[0]), set,
			     sizeof(set) / sizeof(set[0]));
}

/*
 * A 16 KiB granule with a hole: the hole maps no memory, so a write to the
 * granule reports only the pages the granule really maps.
 */
static void test_uaddr_granule_hole(void **state)
{
	const uint64_t G = 4 * P;
	struct dfx f;

	(void)state;
	dfx_setup_ram(&f, IODIRTY_CAP_UADDR_REPORT | IODIRTY_CAP_PARTIAL_UNMAP,
		      G, 16, G);
	/* IOVA [0, 8 pages) -> RAM pages 3..10; page 1 (RAM 4) a hole */
	assert_int_equal(iodirty_map(f.dom, 0, f.ram + 3 * P, 8 * P, RW), 0);
	assert_int_equal(iodirty_unmap(f.dom, P, 3 * P, NULL), 0);
	/* granule 0 now maps only RAM page 3 (block 0) */
	wr(f.dom, 0, 1);
	EXPECT_RDU(f.dom, f.ram, 16 * P, G, IODIRTY_READ_NO_CLEAR, 0);
	dfx_teardown(&f);
}

/*
 * A 16 KiB granule of which only two pages are mapped (the mapping ends
 * inside the granule).
 */
static void test_uaddr_granule_partly_mapped(void **state)
{
	static const struct piece pc[] = { { 0, 0, 2 } };
	static const uint64_t set[] = { 0 };

	(void)state;
	check_granule_inside(pc, sizeof(pc) / sizeof(pc[0]), set,
			     sizeof(set) / sizeof(set[0]));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uaddr_alias),
		cmocka_unit_test(test_uaddr_partial_block),
		cmocka_unit_test(test_uaddr_or_into),
		cmocka_unit_test(test_uaddr_cut_granule),
		cmocka_unit_test(test_uaddr_granule_two_areas),
		cmocka_unit_test(test_uaddr_granule_hole),
		cmocka_unit_test(test_uaddr_granule_partly_mapped),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_dirty_uaddr", tests, NULL, NULL);
	t_fini();
	return rc;
}
