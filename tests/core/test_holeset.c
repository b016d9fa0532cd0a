// SPDX-License-Identifier: MIT
/*
 * Tests of the hole set (lib/core/holeset.c): fixed cases for each
 * container kind and edge, and fail-nth sweeps over reserve and remove.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <stdio.h>
#include <stdlib.h>

#include "holeset_test_util.h"

/* ---- fixed cases ---- */

static void test_empty_ranges(void **state)
{
	struct iod_holeset hs;

	(void)state;
	iod_holeset_init(&hs);
	assert_int_equal(iod_holeset_count(&hs, 0, UINT64_MAX), 0);
	assert_false(iod_holeset_test(&hs, 0));
	assert_int_equal(iod_holeset_next_hole(&hs, 0, UINT64_MAX), UINT64_MAX);
	assert_int_equal(iod_holeset_next_present(&hs, 7, 100), 7);
	assert_int_equal(iod_holeset_prev_present(&hs, 7, 100), 99);

	add(&hs, 10, 20);
	/* first >= end: the empty range, whatever is in the set. */
	assert_int_equal(iod_holeset_count(&hs, 15, 15), 0);
	assert_int_equal(iod_holeset_count(&hs, 18, 12), 0);
	assert_int_equal(iod_holeset_next_hole(&hs, 15, 15), 15);
	assert_int_equal(iod_holeset_next_hole(&hs, 18, 12), 12);
	assert_int_equal(iod_holeset_next_present(&hs, 18, 12), 12);
	assert_int_equal(iod_holeset_prev_present(&hs, 18, 12), 12);
	assert_int_equal(iod_holeset_prev_present(&hs, 0, 0), 0);

	/* Empty reserve allocates nothing; empty add/remove change nothing. */
	iod_fault_fail_nth(1);
	assert_int_equal(iod_holeset_reserve(&hs, 30, 30), 0);
	assert_int_equal(iod_holeset_reserve(&hs, 30, 25), 0);
	assert_false(iod_fault_fired());
	iod_fault_fail_nth(0);
	iod_holeset_add(&hs, 30, 25);
	iod_holeset_remove(&hs, 19, 11);
	iod_holeset_remove(&hs, 15, 15);
	assert_int_equal(hs.count, 10);
	check(&hs);
	iod_holeset_fini(&hs);
	assert_int_equal(hs.count, 0);
	assert_int_equal(hs.mem_bytes, 0);
}

static void test_basic(void **state)
{
	struct iod_holeset hs;
	uint64_t b = 42 * C;

	(void)state;
	iod_holeset_init(&hs);
	add(&hs, b + 5, b + 6);
	add(&hs, b + 7, b + 10);
	add(&hs, b + 8, b + 12);	/* overlaps */
	add(&hs, b + 5, b + 6);		/* already there */
	assert_int_equal(hs.count, 6);
	assert_true(iod_holeset_test(&hs, b + 5));
	assert_false(iod_holeset_test(&hs, b + 6));
	assert_true(iod_holeset_test(&hs, b + 11));
	assert_false(iod_holeset_test(&hs, b + 12));
	assert_int_equal(iod_holeset_count(&hs, b + 6, b + 9), 2);
	assert_int_equal(iod_holeset_next_hole(&hs, b + 6, b + 100), b + 7);
	assert_int_equal(iod_holeset_next_hole(&hs, b + 12, b + 100), b + 100);
	assert_int_equal(iod_holeset_next_present(&hs, b + 7, b + 100),
			 b + 12);
	assert_int_equal(iod_holeset_next_present(&hs, b + 7, b + 12), b + 12);
	assert_int_equal(iod_holeset_next_present(&hs, b + 5, b + 12), b + 6);
	assert_int_equal(iod_holeset_prev_present(&hs, b, b + 12), b + 6);
	assert_int_equal(iod_holeset_prev_present(&hs, b + 7, b + 12), b + 12);
	assert_int_equal(iod_holeset_prev_present(&hs, b + 7, b + 13), b + 12);
	assert_int_equal(iod_holeset_prev_present(&hs, b, b + 6), b + 4);

	iod_holeset_remove(&hs, b + 9, b + 11);
	assert_int_equal(hs.count, 4);
	assert_false(iod_holeset_test(&hs, b + 9));
	assert_true(iod_holeset_test(&hs, b + 11));
	check(&hs);

	/* Removing the last page frees the container. */
	iod_holeset_remove(&hs, 0, UINT64_MAX);
	assert_int_equal(hs.count, 0);
	assert_int_equal(hs.mem_bytes, 0);
	assert_null(hs.chunks.node);
	iod_holeset_fini(&hs);
}

static void test_array_growth_is_geometric(void **state)
{
	struct iod_holeset hs;
	uint64_t b = 3 * C, last = 0, i;
	unsigned int reallocs = 0;

	(void)state;
	iod_holeset_init(&hs);
	for (i = 0; i < 4096; i++) {
		add(&hs, b + i * 16, b + i * 16 + 1);
		if (hs.mem_bytes != last)
			reallocs++;
		last = hs.mem_bytes;
	}
	/* 4, 8, ..., 4096 entries: creation plus 10 doublings. */
	assert_true(reallocs <= 12);
	assert_int_equal(info_of(&hs).arrays, 1);
	assert_int_equal(info_of(&hs).bitmaps, 0);
	iod_holeset_fini(&hs);
}

static void test_array_bitmap_conversion(void **state)
{
	struct iod_holeset hs;
	struct ref r;
	uint64_t b = 5 * C, i, mem_array_max, mem_bitmap;

	(void)state;
	iod_holeset_init(&hs);
	ref_init(&r, b - 10, C + 20);

	/* 4096 pages, every other one: the largest array. */
	for (i = 0; i < 4096; i++)
		ref_add(&hs, &r, b + 2 * i, b + 2 * i + 1);
	assert_int_equal(info_of(&hs).arrays, 1);
	assert_int_equal(info_of(&hs).bitmaps, 0);
	mem_array_max = hs.mem_bytes;
	verify(&hs, &r);

	/* One more converts it to a bitmap; an existing page does not. */
	ref_add(&hs, &r, b + 2, b + 3);
	assert_int_equal(info_of(&hs).bitmaps, 0);
	ref_add(&hs, &r, b + 60001, b + 60002);
	assert_int_equal(info_of(&hs).arrays, 0);
	assert_int_equal(info_of(&hs).bitmaps, 1);
	mem_bitmap = hs.mem_bytes;
	/* Both are 8 KiB of data: the array limit is the bitmap size. */
	assert_int_equal(mem_bitmap, mem_array_max);
	verify(&hs, &r);
	assert_int_equal(iod_holeset_next_present(&hs, b, b + C), b + 1);
	assert_int_equal(iod_holeset_prev_present(&hs, b, b + 8192), b + 8191);
	assert_int_equal(iod_holeset_next_hole(&hs, b + 8191, b + C),
			 b + 60001);

	/* Shrinking: still a bitmap at 2048 pages (hysteresis)... */
	ref_remove(&hs, &r, b, b + 2 * 2048 + 1);
	assert_int_equal(hs.count, 2048);
	assert_int_equal(info_of(&hs).bitmaps, 1);
	/* ...an array below, smaller than the bitmap. */
	ref_remove(&hs, &r, b + 60001, b + 60002);
	assert_int_equal(info_of(&hs).arrays, 1);
	assert_int_equal(info_of(&hs).bitmaps, 0);
	assert_true(hs.mem_bytes < mem_bitmap);
	verify(&hs, &r);

	/* A big range into an empty chunk goes straight to a bitmap. */
	ref_remove(&hs, &r, b, b + C);
	assert_int_equal(hs.mem_bytes, 0);
	ref_add(&hs, &r, b + 100, b + 100 + 5000);
	assert_int_equal(info_of(&hs).bitmaps, 1);
	verify(&hs, &r);
	/* A big range into an array converts it too. */
	ref_remove(&hs, &r, b + 100, b + 5100);
	ref_add(&hs, &r, b + 7, b + 9);
	assert_int_equal(info_of(&hs).arrays, 1);
	ref_add(&hs, &r, b + 1000, b + 6000);
	assert_int_equal(info_of(&hs).bitmaps, 1);
	verify(&hs, &r);

	/* Arrays hand back spare capacity after big removals. */
	ref_remove(&hs, &r, b, b + C);
	for (i = 0; i < 1000; i++)
		ref_add(&hs, &r, b + 3 * i, b + 3 * i + 1);
	mem_array_max = hs.mem_bytes;
	ref_remove(&hs, &r, b + 30, b + C);
	assert_true(hs.mem_bytes < mem_array_max);
	verify(&hs, &r);

	ref_fini(&r);
	iod_holeset_fini(&hs);
}

static void test_whole_chunks(void **state)
{
	struct iod_holeset hs;
	struct iod_holeset_info info;

	(void)state;
	iod_holeset_init(&hs);
	add(&hs, 3 * C, 7 * C);
	assert_int_equal(hs.count, 4 * C);
	info = info_of(&hs);
	assert_int_equal(info.bitmaps, 4);
	assert_int_equal(info.arrays, 0);
	assert_int_equal(iod_holeset_count(&hs, 0, UINT64_MAX), 4 * C);
	assert_int_equal(iod_holeset_count(&hs, 3 * C + 1, 7 * C - 1),
			 4 * C - 2);
	assert_int_equal(iod_holeset_next_present(&hs, 3 * C, 7 * C), 7 * C);
	assert_int_equal(iod_holeset_next_present(&hs, 3 * C, 9 * C), 7 * C);
	assert_int_equal(iod_holeset_prev_present(&hs, 3 * C, 7 * C), 7 * C);
	assert_int_equal(iod_holeset_prev_present(&hs, C, 7 * C), 3 * C - 1);
	assert_int_equal(iod_holeset_next_hole(&hs, 0, UINT64_MAX), 3 * C);
	assert_int_equal(iod_holeset_next_hole(&hs, 7 * C, UINT64_MAX),
			 UINT64_MAX);

	iod_holeset_remove(&hs, 5 * C + 77, 5 * C + 78);
	assert_int_equal(hs.count, 4 * C - 1);
	assert_int_equal(iod_holeset_next_present(&hs, 3 * C, 7 * C),
			 5 * C + 77);
	assert_int_equal(iod_holeset_prev_present(&hs, 3 * C, 7 * C),
			 5 * C + 77);
	assert_int_equal(iod_holeset_next_present(&hs, 5 * C + 78, 7 * C),
			 7 * C);

	/* Re-adding whole chunks over partial and full ones. */
	add(&hs, 2 * C + 5, 8 * C - 5);
	assert_int_equal(hs.count, 6 * C - 10);
	assert_int_equal(iod_holeset_next_present(&hs, 2 * C, 9 * C), 2 * C);
	assert_int_equal(iod_holeset_next_present(&hs, 2 * C + 5, 9 * C),
			 8 * C - 5);
	assert_int_equal(iod_holeset_prev_present(&hs, 2 * C + 5, 8 * C - 5),
			 8 * C - 5);
	assert_int_equal(iod_holeset_prev_present(&hs, 0, 8 * C - 5),
			 2 * C + 4);
	check(&hs);

	/* Whole-chunk removal frees the containers. */
	iod_holeset_remove(&hs, 3 * C, 7 * C);
	info = info_of(&hs);
	assert_int_equal(info.arrays + info.bitmaps, 2);
	assert_int_equal(hs.count, 2 * C - 10);
	iod_holeset_remove(&hs, 0, 1ULL << 52);
	assert_int_equal(hs.count, 0);
	assert_int_equal(hs.mem_bytes, 0);
	iod_holeset_fini(&hs);
}

static void test_huge_ranges(void **state)
{
	struct iod_holeset hs;
	uint64_t b = 1ULL << 40, e = b + (1ULL << 28), mid = b + 123456789;

	(void)state;
	iod_holeset_init(&hs);
	/* 4096 full chunks (1 TiB of IOVA): O(chunks), 32 MiB. */
	add(&hs, b, e);
	assert_int_equal(hs.count, 1ULL << 28);
	assert_int_equal(info_of(&hs).bitmaps, 4096);
	assert_int_equal(iod_holeset_count(&hs, 0, UINT64_MAX), 1ULL << 28);
	assert_int_equal(iod_holeset_next_present(&hs, b, e), e);
	assert_int_equal(iod_holeset_next_present(&hs, b + 5, UINT64_MAX), e);
	assert_int_equal(iod_holeset_prev_present(&hs, b, e), e);
	assert_int_equal(iod_holeset_prev_present(&hs, 0, e), b - 1);
	assert_int_equal(iod_holeset_next_hole(&hs, 0, UINT64_MAX), b);

	iod_holeset_remove(&hs, mid, mid + 1);
	assert_int_equal(iod_holeset_next_present(&hs, b, e), mid);
	assert_int_equal(iod_holeset_prev_present(&hs, b, e), mid);
	assert_int_equal(iod_holeset_count(&hs, b, e), (1ULL << 28) - 1);
	iod_holeset_remove(&hs, 0, 1ULL << 52);
	assert_int_equal(hs.mem_bytes, 0);

	/* Few holes in a vast space: queries do not walk empty chunks. */
	add(&hs, (1ULL << 51) + 5, (1ULL << 51) + 6);
	add(&hs, 3, 4);
	assert_int_equal(iod_holeset_next_hole(&hs, 4, 1ULL << 52),
			 (1ULL << 51) + 5);
	assert_int_equal(iod_holeset_next_present(&hs, 3, 1ULL << 52), 4);
	assert_int_equal(iod_holeset_prev_present(&hs, 0, 1ULL << 52),
			 (1ULL << 52) - 1);
	assert_int_equal(iod_holeset_count(&hs, 0, UINT64_MAX), 2);
	assert_int_equal(iod_holeset_count(&hs, 4, UINT64_MAX), 1);
	check(&hs);
	iod_holeset_fini(&hs);
}

/* The API takes any 64-bit page number: no overflow at the very top. */
static void test_top_of_range(void **state)
{
	struct iod_holeset hs;
	uint64_t f = UINT64_MAX - 70000, m = UINT64_MAX;

	(void)state;
	iod_holeset_init(&hs);
	add(&hs, f, m);
	assert_int_equal(hs.count, 70000);
	assert_true(iod_holeset_test(&hs, m - 1));
	assert_false(iod_holeset_test(&hs, m));
	assert_false(iod_holeset_test(&hs, f - 1));
	assert_int_equal(iod_holeset_next_present(&hs, f, m), m);
	assert_int_equal(iod_holeset_next_present(&hs, f - 1, m), f - 1);
	assert_int_equal(iod_holeset_prev_present(&hs, f, m), m);
	assert_int_equal(iod_holeset_prev_present(&hs, 0, m), f - 1);
	assert_int_equal(iod_holeset_next_hole(&hs, 0, m), f);
	assert_int_equal(iod_holeset_count(&hs, 0, m), 70000);
	iod_holeset_remove(&hs, m - 1, m);
	assert_int_equal(iod_holeset_next_present(&hs, f, m), m - 1);
	assert_int_equal(iod_holeset_prev_present(&hs, f, m), m - 1);
	iod_holeset_remove(&hs, f, m);
	assert_int_equal(hs.mem_bytes, 0);
	iod_holeset_fini(&hs);
}

static void test_reservations(void **state)
{
	struct iod_holeset hs;
	uint64_t f = 3 * C + 5, e = 6 * C + 5;

	(void)state;
	iod_holeset_init(&hs);

	/* Empty containers left by a reserve read as empty. */
	assert_int_equal(iod_holeset_reserve(&hs, f, e), 0);
	assert_int_equal(info_of(&hs).empty, 4);
	assert_int_equal(hs.count, 0);
	assert_true(hs.mem_bytes > 0);
	assert_int_equal(iod_holeset_count(&hs, 0, UINT64_MAX), 0);
	assert_false(iod_holeset_test(&hs, f));
	assert_int_equal(iod_holeset_next_hole(&hs, 0, UINT64_MAX), UINT64_MAX);
	assert_int_equal(iod_holeset_next_present(&hs, f, e), f);
	assert_int_equal(iod_holeset_prev_present(&hs, f, e), e - 1);
	/* Reserving again needs nothing more. */
	iod_fault_fail_nth(1);
	assert_int_equal(iod_holeset_reserve(&hs, f, e), 0);
	assert_int_equal(iod_holeset_reserve(&hs, f + 9, e - 9), 0);
	assert_false(iod_fault_fired());
	iod_fault_fail_nth(0);

	/* A later add elsewhere drops the unused reservation. */
	add(&hs, 10 * C, 10 * C + 1);
	assert_int_equal(info_of(&hs).empty, 0);
	assert_int_equal(info_of(&hs).arrays, 1);

	/* A remove over them drops them. */
	assert_int_equal(iod_holeset_reserve(&hs, f, e), 0);
	iod_holeset_remove(&hs, 4 * C, 5 * C);
	assert_int_equal(info_of(&hs).empty, 3);
	iod_holeset_remove(&hs, 0, 9 * C);
	assert_int_equal(info_of(&hs).empty, 0);

	/* Unreserve drops them explicitly, keeping the pages. */
	assert_int_equal(iod_holeset_reserve(&hs, f, e), 0);
	iod_holeset_unreserve(&hs);
	assert_int_equal(info_of(&hs).empty, 0);
	assert_int_equal(hs.count, 1);

	/* Add without reserve is a caller bug; it still works if it can. */
	iod_holeset_add(&hs, 20 * C + 1, 20 * C + 3);
	assert_int_equal(hs.count, 3);
	check(&hs);

	/* fini frees pending reservations (ASan would report a leak). */
	assert_int_equal(iod_holeset_reserve(&hs, f, e), 0);
	iod_holeset_fini(&hs);
	assert_int_equal(hs.mem_bytes, 0);
}

/* ---- fail-nth sweeps ---- */

/*
 * Starting state for the reserve sweep over [first, end): an array that
 * must grow (first chunk), an array and a bitmap that become full bitmaps,
 * chunks without a container (a full one and a partial one at the end),
 * and an array pushed past the array limit by a range in its own chunk.
 */
#define SW_BASE (100 * C)

static void sweep_setup(struct iod_holeset *hs, struct ref *r)
{
	uint64_t i;

	for (i = 0; i < 30; i++)	/* chunk 0: 30 pages, cap 32 */
		ref_add(hs, r, SW_BASE + C - 100 + 3 * i,
			SW_BASE + C - 99 + 3 * i);
	for (i = 0; i < 100; i++)	/* chunk 1: array of 100 */
		ref_add(hs, r, SW_BASE + C + 7 * i, SW_BASE + C + 7 * i + 1);
	ref_add(hs, r, SW_BASE + 3 * C + 10, SW_BASE + 3 * C + 9000);
	for (i = 0; i < 4000; i++)	/* chunk 6: array of 4000 */
		ref_add(hs, r, SW_BASE + 6 * C + 2 * i,
			SW_BASE + 6 * C + 2 * i + 1);
}

static void sweep_reserve(uint64_t first, uint64_t end)
{
	unsigned long n;
	unsigned int failures = 0;

	for (n = 1;; n++) {
		struct iod_holeset hs;
		struct ref r;
		int ret;

		iod_holeset_init(&hs);
		ref_init(&r, SW_BASE, 8 * C);
		sweep_setup(&hs, &r);
		verify(&hs, &r);

		iod_fault_fail_nth(n);
		ret = iod_holeset_reserve(&hs, first, end);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_true(iod_fault_fired());
			iod_fault_fail_nth(0);
			failures++;
			/* Contents unchanged, no empty container left. */
			verify(&hs, &r);
			assert_int_equal(info_of(&hs).empty, 0);
			/* And whatever was reserved, a retry completes it. */
			ref_add(&hs, &r, first, end);
			verify(&hs, &r);
		} else {
			assert_false(iod_fault_fired());
			iod_fault_fail_nth(1);
			iod_holeset_add(&hs, first, end);
			assert_false(iod_fault_fired());
			iod_fault_fail_nth(0);
			ref_set(&r, first, end, true);
			verify(&hs, &r);
		}
		ref_fini(&r);
		iod_holeset_fini(&hs);
		if (!ret)
			break;
	}
	/* Every allocation of the reserve was made to fail once. */
	assert_true(failures >= 1);
	assert_int_equal(failures, n - 1);
}

static void test_fault_reserve(void **state)
{
	(void)state;
	/* grow chunk 0, convert chunk 1, fill 2 and 3, create 4 and 5 */
	sweep_reserve(SW_BASE + C - 50, SW_BASE + 5 * C + 100);
	/* array -> bitmap in its own chunk */
	sweep_reserve(SW_BASE + 6 * C + 10000, SW_BASE + 6 * C + 10200);
	/* new containers only */
	sweep_reserve(SW_BASE + 7 * C - 5, SW_BASE + 8 * C);
}

/* Removal allocates only optionally (shrinking): it must never fail. */
static void test_fault_remove(void **state)
{
	uint64_t first = SW_BASE + C - 90, end = SW_BASE + 3 * C + 8000;
	unsigned long n;

	(void)state;
	for (n = 1;; n++) {
		struct iod_holeset hs;
		struct ref r;
		bool fired;

		iod_holeset_init(&hs);
		ref_init(&r, SW_BASE, 8 * C);
		sweep_setup(&hs, &r);
		iod_fault_fail_nth(n);
		iod_holeset_remove(&hs, first, end);
		fired = iod_fault_fired();
		iod_fault_fail_nth(0);
		ref_set(&r, first, end, false);
		verify(&hs, &r);
		ref_fini(&r);
		iod_holeset_fini(&hs);
		if (!fired)
			break;
	}
	assert_true(n > 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_ranges),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_array_growth_is_geometric),
		cmocka_unit_test(test_array_bitmap_conversion),
		cmocka_unit_test(test_whole_chunks),
		cmocka_unit_test(test_huge_ranges),
		cmocka_unit_test(test_top_of_range),
		cmocka_unit_test(test_reservations),
		cmocka_unit_test(test_fault_reserve),
		cmocka_unit_test(test_fault_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
