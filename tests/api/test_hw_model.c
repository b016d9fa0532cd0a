// SPDX-License-Identifier: MIT
/*
 * Hardware model domains: leaf sizes chosen from alignment, whole-leaf
 * dirtying, eager split and collapse, IOTLB flush counting, and reads that
 * never report outside their range when a dirty huge leaf crosses it.
 */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K4 4096ULL
#define M2 (2ULL << 20)
#define G1 (1ULL << 30)
#define IOVA_BASE (16 * G1)	/* 1 GiB aligned */
#define SPACE (2 * G1)
#define RAM (6 * M2)
#define CANARY 0x5a5a5a5a5a5a5a5aULL

static char *space;		/* 2 GiB to map, 1 GiB aligned (t_mapmem) */
static char *ram;		/* 6 MiB of RAM, 2 MiB aligned */

static int setup(void **state)
{
	(void)state;
	ram = t_ram(RAM, M2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	t_ram_free(ram, RAM);
	return 0;
}

/*
 * A fresh space for each test: on a kernel backend the RAM behind it is
 * allocated when a test maps it (up to 1 GiB + 8 MiB), and given back here.
 */
static int space_get(void **state)
{
	(void)state;
	space = t_mapmem(SPACE, G1);
	return 0;
}

static int space_put(void **state)
{
	(void)state;
	t_ram_free(space, SPACE);
	space = NULL;
	return 0;
}

static struct iodirty_domain *hw_domain(enum iodirty_hw_split split)
{
	struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts,
		.flags = IODIRTY_DOMAIN_HW_MODEL, .hw_split = split);
	struct iodirty_domain *dom = NULL;

	assert_int_equal(iodirty_domain_create(t_ctx, &o, &dom), 0);
	return dom;
}

static struct iodirty_stats stats(struct iodirty_domain *dom)
{
	struct iodirty_stats st = IODIRTY_OPTS(iodirty_stats);

	assert_int_equal(iodirty_domain_stats(dom, &st), 0);
	return st;
}

/* Reads [iova, +len) at 4 KiB; checks canaries; returns the bits set. */
static int64_t read4k(struct iodirty_domain *dom, uint64_t iova, uint64_t len,
		      uint64_t *bm, uint32_t flags)
{
	uint64_t words = (len / K4 + 63) / 64;
	int64_t n;

	memset(bm, 0, words * 8);
	bm[words] = CANARY;
	n = iodirty_read_dirty(dom, iova, len, K4, bm, flags);
	assert_int_equal(bm[words], CANARY);
	return n;
}

static uint64_t bm[(G1 / K4) / 64 + 1];

static bool bit(const uint64_t *b, uint64_t i)
{
	return b[i / 64] >> (i % 64) & 1;
}

/* Bits [lo, hi) of @b set, and no other bit below @n. */
static void assert_bits(const uint64_t *b, uint64_t n, uint64_t lo,
			uint64_t hi)
{
	for (uint64_t i = 0; i < n; i++)
		if (bit(b, i) != (i >= lo && i < hi))
			fail_msg("bit %llu is %d", (unsigned long long)i,
				 bit(b, i));
}

static void test_2m_leaves_dirty_whole(void **state)
{
	struct iodirty_domain *dom = hw_domain(IODIRTY_HW_SPLIT_NONE);
	uint8_t byte = 0xab;

	(void)state;
	assert_int_equal(iodirty_map(dom, IOVA_BASE, ram, 4 * M2,
				     IODIRTY_MAP_READ | IODIRTY_MAP_WRITE), 0);
	assert_int_equal(stats(dom).hw_huge_leaves, 4);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	/* One byte in the second 2 MiB leaf dirties all of it. */
	assert_int_equal(iodirty_dma_write(dom, IOVA_BASE + M2 + 5, &byte, 1),
			 0);
	assert_int_equal(ram[M2 + 5], (char)0xab);
	assert_int_equal(read4k(dom, IOVA_BASE, 4 * M2, bm, 0), 512);
	assert_bits(bm, 4 * M2 / K4, 512, 1024);
	assert_int_equal(read4k(dom, IOVA_BASE, 4 * M2, bm, 0), 0);
	iodirty_domain_destroy(dom);
}

static void test_1g_leaf(void **state)
{
	struct iodirty_domain *dom = hw_domain(IODIRTY_HW_SPLIT_NONE);
	uint64_t b2m[8];

	(void)state;
	assert_int_equal(iodirty_map(dom, IOVA_BASE, space, G1,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(stats(dom).hw_huge_leaves, 1);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	assert_int_equal(iodirty_mark_dirty(dom, IOVA_BASE + 12345, 1), 0);
	memset(b2m, 0, sizeof(b2m));
	assert_int_equal(iodirty_read_dirty(dom, IOVA_BASE, G1, M2, b2m, 0),
			 512);
	for (int i = 0; i < 8; i++)
		assert_int_equal(b2m[i], ~0ULL);
	iodirty_domain_destroy(dom);
}

static void test_unaligned_address_gives_4k_leaves(void **state)
{
	struct iodirty_domain *dom = hw_domain(IODIRTY_HW_SPLIT_NONE);

	(void)state;
	/* IOVA 2 MiB aligned, user address only 4 KiB aligned. */
	assert_int_equal(iodirty_map(dom, IOVA_BASE, space + K4, 2 * M2,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(stats(dom).hw_huge_leaves, 0);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	assert_int_equal(iodirty_mark_dirty(dom, IOVA_BASE + 3 * K4, 1), 0);
	assert_int_equal(read4k(dom, IOVA_BASE, 2 * M2, bm, 0), 1);
	assert_bits(bm, 2 * M2 / K4, 3, 4);
	iodirty_domain_destroy(dom);
}

static void test_hole_splits_leaf(void **state)
{
	struct iodirty_domain *dom = hw_domain(IODIRTY_HW_SPLIT_NONE);

	(void)state;
	assert_int_equal(iodirty_map(dom, IOVA_BASE, space, 4 * M2,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(iodirty_unmap(dom, IOVA_BASE + M2 + 7 * K4, K4, NULL),
			 0);
	assert_int_equal(stats(dom).hw_huge_leaves, 3);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	assert_int_equal(iodirty_mark_dirty(dom, IOVA_BASE + M2 + 9 * K4, 1),
			 0);
	assert_int_equal(iodirty_mark_dirty(dom, IOVA_BASE, 1), 0);
	assert_int_equal(read4k(dom, IOVA_BASE, 4 * M2, bm, 0), 513);
	for (uint64_t i = 0; i < 4 * M2 / K4; i++)
		assert_int_equal(bit(bm, i), i < 512 || i == 512 + 9);
	/* Refilling the hole makes the block a huge leaf again. */
	assert_int_equal(iodirty_map(dom, IOVA_BASE + M2 + 7 * K4,
				     space + M2 + 7 * K4, K4,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(stats(dom).hw_huge_leaves, 4);
	iodirty_domain_destroy(dom);
}

static void test_eager_split_and_collapse(void **state)
{
	struct iodirty_domain *dom = hw_domain(IODIRTY_HW_SPLIT_EAGER);
	struct iodirty_stats st;

	(void)state;
	assert_int_equal(iodirty_map(dom, IOVA_BASE, space, G1 + 4 * M2,
				     IODIRTY_MAP_WRITE), 0);
	/* One 1 GiB leaf and four 2 MiB leaves. */
	assert_int_equal(stats(dom).hw_huge_leaves, 5);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	st = stats(dom);
	assert_int_equal(st.hw_splits, 5);
	assert_int_equal(st.hw_huge_leaves, 0);
	assert_int_equal(iodirty_mark_dirty(dom, IOVA_BASE + G1 + 5 * K4, 1),
			 0);
	assert_int_equal(iodirty_mark_dirty(dom, IOVA_BASE + 64 * K4, 1), 0);
	assert_int_equal(read4k(dom, IOVA_BASE + G1, 4 * M2, bm, 0), 1);
	assert_bits(bm, 4 * M2 / K4, 5, 6);
	assert_int_equal(read4k(dom, IOVA_BASE, 4 * M2, bm, 0), 1);
	assert_bits(bm, 4 * M2 / K4, 64, 65);
	assert_int_equal(iodirty_set_dirty_tracking(dom, false), 0);
	st = stats(dom);
	assert_int_equal(st.hw_collapses, 5);
	assert_int_equal(st.hw_huge_leaves, 5);
	/* A second cycle counts again. */
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	assert_int_equal(stats(dom).hw_splits, 10);
	iodirty_domain_destroy(dom);
}

/*
 * The upstream defects this guards against: a read starting inside a dirty
 * huge leaf wrote bits past the bitmap, shifted them, and cleared the leaf
 * as a whole. Here bits stay inside the range, in place, and the rest of
 * the leaf stays dirty for the next read.
 */
static void test_read_inside_dirty_huge_leaf(void **state)
{
	struct iodirty_domain *dom = hw_domain(IODIRTY_HW_SPLIT_NONE);
	uint64_t leaf = IOVA_BASE + M2;

	(void)state;
	assert_int_equal(iodirty_map(dom, IOVA_BASE, space, 4 * M2,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	assert_int_equal(iodirty_mark_dirty(dom, leaf + M2 - 1, 1), 0);

	/* Two pages inside the leaf: exactly two bits, canary intact. */
	assert_int_equal(read4k(dom, leaf + K4, 2 * K4, bm, 0), 2);
	assert_int_equal(bm[0], 3);
	/*
	 * A range straddling the leaf start: bits only for leaf pages, in
	 * place, without the two pages the first read cleared.
	 */
	assert_int_equal(read4k(dom, leaf - 8 * K4, 16 * K4, bm, 0), 6);
	for (uint64_t i = 0; i < 16; i++)
		assert_int_equal(bit(bm, i), i == 8 || i >= 11);
	/* A range straddling the leaf end. */
	assert_int_equal(read4k(dom, leaf + M2 - 4 * K4, 8 * K4, bm,
				IODIRTY_READ_NO_CLEAR), 4);
	assert_bits(bm, 8, 0, 4);
	/* The rest of the leaf is still dirty: 512 - 8 pages. */
	assert_int_equal(read4k(dom, IOVA_BASE, 4 * M2, bm, 0), 504);
	assert_bits(bm, 4 * M2 / K4, 512 + 8, 1024);
	iodirty_domain_destroy(dom);
}

static void test_iotlb_flushes(void **state)
{
	struct iodirty_domain *dom = hw_domain(IODIRTY_HW_SPLIT_NONE);
	uint64_t before;

	(void)state;
	assert_int_equal(iodirty_map(dom, IOVA_BASE, space, 4 * M2,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	assert_int_equal(iodirty_mark_dirty(dom, IOVA_BASE, 1), 0);
	before = stats(dom).clears;
	assert_int_equal(read4k(dom, IOVA_BASE, 4 * M2, bm,
				IODIRTY_READ_NO_CLEAR), 512);
	assert_int_equal(stats(dom).clears, before);
	/* One batch, however many leaves it clears: one flush. */
	assert_int_equal(iodirty_mark_dirty(dom, IOVA_BASE + 3 * M2, 1), 0);
	assert_int_equal(read4k(dom, IOVA_BASE, 4 * M2, bm, 0), 1024);
	assert_int_equal(stats(dom).clears, before + 1);
	/* Nothing to clear: no flush. */
	assert_int_equal(read4k(dom, IOVA_BASE, 4 * M2, bm, 0), 0);
	assert_int_equal(stats(dom).clears, before + 1);
	iodirty_domain_destroy(dom);
}

static void test_uaddr_report_of_huge_leaf(void **state)
{
	struct iodirty_domain *dom = hw_domain(IODIRTY_HW_SPLIT_NONE);
	uint8_t byte = 1;

	(void)state;
	assert_int_equal(iodirty_map(dom, IOVA_BASE, ram, 4 * M2,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	assert_int_equal(iodirty_dma_write(dom, IOVA_BASE + 100, &byte, 1), 0);
	memset(bm, 0, 6 * M2 / K4 / 8);
	assert_int_equal(iodirty_read_dirty_uaddr(dom, ram, 6 * M2, K4, bm, 0),
			 512);
	assert_bits(bm, 6 * M2 / K4, 0, 512);
	iodirty_domain_destroy(dom);
}

static void test_options_errno(void **state)
{
	struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts);
	struct iodirty_domain *dom = NULL;

	(void)state;
	o.hw_split = IODIRTY_HW_SPLIT_EAGER;	/* without the model */
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &dom), -EINVAL);
	o.flags = IODIRTY_DOMAIN_HW_MODEL;
	o.hw_split = 2;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &dom), -EINVAL);
	o.hw_split = 0;
	o.__reserved = 1;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &dom), -EOPNOTSUPP);
	assert_null(dom);
	/* Without the model, stats report no leaves. */
	o.flags = 0;
	o.__reserved = 0;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &dom), 0);
	assert_int_equal(iodirty_map(dom, IOVA_BASE, space, 4 * M2,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(stats(dom).hw_huge_leaves, 0);
	iodirty_domain_destroy(dom);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, space_get, space_put)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_2m_leaves_dirty_whole),
		T(test_1g_leaf),
		T(test_unaligned_address_gives_4k_leaves),
		T(test_hole_splits_leaf),
		T(test_eager_split_and_collapse),
		T(test_read_inside_dirty_huge_leaf),
		T(test_iotlb_flushes),
		T(test_uaddr_report_of_huge_leaf),
		T(test_options_errno),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	if (!(t_caps.flags & IODIRTY_CAP_HW_MODEL)) {
		printf("# backend %s has no hardware model\n",
		       iodirty_ctx_backend(t_ctx));
		t_fini();
		return T_SKIP;
	}
	rc = cmocka_run_group_tests_name("api_hw_model", tests, setup,
					 teardown);
	t_fini();
	return rc;
}
