// SPDX-License-Identifier: MIT
/*
 * Dirty tracking semantics in IOVA space: start/stop, exact granules, the
 * bitmap layout, OR-ing, bounds, NO_CLEAR, folding into bigger pages,
 * bigger granules, unmap with a dirty report, and mark_dirty.
 */
#include "dirty_fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define MiB (1ULL << 20)
#define CANARY 0xa5a5a5a5a5a5a5a5ULL

static void test_tracking_start_stop(void **state)
{
	struct dfx f;
	struct iodirty_stats st;
	uint64_t bm[1] = { 0 };

	(void)state;
	dfx_setup(&f, 0, MiB, 16);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	t_stats(f.dom, &st);
	assert_int_equal(st.tracking, 0);
	assert_int_equal(st.dirty_pending, 0);
	T_EQ(iodirty_read_dirty(f.dom, MiB, 16 * P, P, bm, 0), -ENODATA);
	/* written while off: never reported */
	wr(f.dom, MiB, 8);
	assert_int_equal(iodirty_mark_dirty(f.dom, MiB + P, 8), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	t_stats(f.dom, &st);
	assert_int_equal(st.tracking, 1);
	T_EQ(t_dirty_count(f.dom, MiB, 16 * P), 0);
	wr(f.dom, MiB + 2 * P, 8);
	t_stats(f.dom, &st);
	assert_int_equal(st.dirty_pending, 1);
	/* start while started keeps the state */
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	T_EQ(t_dirty_count(f.dom, MiB, 16 * P), 1);
	t_stats(f.dom, &st);
	assert_int_equal(st.dirty_pending, 1);
	/* stop discards */
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	t_stats(f.dom, &st);
	assert_int_equal(st.tracking, 0);
	assert_int_equal(st.dirty_pending, 0);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	T_EQ(t_dirty_count(f.dom, MiB, 16 * P), 0);
	/* stopping frees the dirty state's memory */
	{
		struct iodirty_stats s0, s1, s2;

		assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
		t_stats(f.dom, &s0);
		assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
		wr(f.dom, MiB, 16 * P);
		t_stats(f.dom, &s1);
		assert_int_equal(s1.dirty_pending, 16);
		assert_true(s1.mem_bytes > s0.mem_bytes);
		assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
		t_stats(f.dom, &s2);
		assert_int_equal(s2.mem_bytes, s0.mem_bytes);
		assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	}
	/* and the bitmap of a failed read is untouched */
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	bm[0] = 0x42;
	T_EQ(iodirty_read_dirty(f.dom, MiB, 16 * P, P, bm,
				IODIRTY_READ_NO_CLEAR), -ENODATA);
	assert_int_equal(bm[0], 0x42);
	dfx_teardown(&f);
}

static void test_write_granules(void **state)
{
	struct dfx f;

	(void)state;
	dfx_setup(&f, 0, MiB, 32);
	wr(f.dom, MiB + 3 * P + 100, 1);		/* page 3 */
	wr(f.dom, MiB + 6 * P - 1, 2);			/* pages 5, 6 */
	wr(f.dom, MiB + 10 * P, P);			/* page 10 only */
	wr(f.dom, MiB + 12 * P, 3 * P);			/* 12, 13, 14 */
	wr(f.dom, MiB + 20 * P - 1, P + 2);		/* 19, 20, 21 */
	wr(f.dom, MiB + 31 * P + P - 1, 1);		/* last byte: 31 */
	EXPECT_RD(f.dom, MiB, 32 * P, P, 0, 3, 5, 6, 10, 12, 13, 14, 19, 20, 21,
		  31);
	/* the data went to the right place */
	assert_int_equal(f.ram[3 * P + 100], (uint8_t)((MiB + 3 * P + 100) |
							1));
	assert_int_equal(f.ram[3 * P + 99], 0);
	assert_int_equal(f.ram[3 * P + 101], 0);
	/* cleared */
	T_EQ(t_dirty_count(f.dom, MiB, 32 * P), 0);
	dfx_teardown(&f);
}

static void test_bit_layout(void **state)
{
	static const uint64_t pages[] = { 0, 1, 63, 64, 65, 127, 128, 199 };
	struct dfx f;
	uint64_t *bm;

	(void)state;
	dfx_setup(&f, 0, 16 * MiB, 200);
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		wr(f.dom, 16 * MiB + pages[i] * P + 7, 1);
	bm = rd(f.dom, 16 * MiB, NULL, 200 * P, P, IODIRTY_READ_NO_CLEAR);
	assert_int_equal(bm[0], (1ULL << 0) | (1ULL << 1) | (1ULL << 63));
	assert_int_equal(bm[1], (1ULL << 0) | (1ULL << 1) | (1ULL << 63));
	assert_int_equal(bm[2], 1ULL << 0);
	assert_int_equal(bm[3], 1ULL << (199 - 192));
	free(bm);
	/* a read starting at page 1: bit i is page 1 + i */
	EXPECT_RD(f.dom, 16 * MiB + P, 199 * P, P, IODIRTY_READ_NO_CLEAR, 0, 62,
		  63, 64, 126, 127, 198);
	/* a read of pages [64, 128) */
	EXPECT_RD(f.dom, 16 * MiB + 64 * P, 64 * P, P, 0, 0, 1, 63);
	/* those are cleared, the others not */
	EXPECT_RD(f.dom, 16 * MiB, 200 * P, P, 0, 0, 1, 63, 128, 199);
	T_EQ(t_dirty_count(f.dom, 16 * MiB, 200 * P), 0);
	dfx_teardown(&f);
}

static void test_or_into(void **state)
{
	struct dfx f;
	uint64_t bm[3], pre[3];
	int64_t rc;

	(void)state;
	dfx_setup(&f, 0, MiB, 150);
	wr(f.dom, MiB + 2 * P, 1);
	wr(f.dom, MiB + 70 * P, 1);
	wr(f.dom, MiB + 149 * P, 1);
	pre[0] = 0x8000000000000010ULL;	/* bits 4, 63: not dirty */
	pre[1] = 1ULL << 6;		/* bit 70: dirty too */
	pre[2] = 0;
	memcpy(bm, pre, sizeof(bm));
	rc = iodirty_read_dirty(f.dom, MiB, 150 * P, P, bm,
				IODIRTY_READ_NO_CLEAR);
	/* three dirty bits, one already set: two changed from 0 to 1 */
	T_EQ(rc, 2);
	assert_int_equal(bm[0], pre[0] | (1ULL << 2));
	assert_int_equal(bm[1], pre[1]);
	assert_int_equal(bm[2], 1ULL << (149 - 128));
	/* all bits preset: nothing changes, but the read still clears */
	memset(bm, 0xff, sizeof(bm));
	rc = iodirty_read_dirty(f.dom, MiB, 150 * P, P, bm, 0);
	T_EQ(rc, 0);
	assert_int_equal(bm[0], ~0ULL);
	assert_int_equal(bm[2], ~0ULL);
	T_EQ(t_dirty_count(f.dom, MiB, 150 * P), 0);
	wr(f.dom, MiB + 149 * P, 1);
	memset(bm, 0, sizeof(bm));
	T_EQ(iodirty_read_dirty(f.dom, MiB, 150 * P, P, bm, 0), 1);
	assert_int_equal(bm[2], 1ULL << (149 - 128));
	dfx_teardown(&f);
}

/* Nothing past bit length / page_size - 1 is written, for many lengths. */
static void test_bounds(void **state)
{
	static const uint64_t lens[] = { 1, 2, 31, 63, 64, 65, 100, 127, 128,
					 129, 191, 192, 200 };
	const uint64_t pss[] = { P, 2 * P, 8 * P };
	struct dfx f;

	(void)state;
	dfx_setup(&f, 0, 32 * MiB, 2048);
	for (size_t k = 0; k < sizeof(pss) / sizeof(pss[0]); k++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			uint64_t ps = pss[k], n = lens[i];
			uint64_t start = 32 * MiB + 8 * P;
			size_t w = t_words(n);
			uint64_t *bm = calloc(w + 2, sizeof(*bm));
			uint64_t tailmask = n % 64 ? ~0ULL << (n % 64) : 0;
			int64_t rc;

			/* every page of the mapping dirty */
			wr(f.dom, 32 * MiB, 1 << 16);
			assert_int_equal(iodirty_mark_dirty(f.dom, 32 * MiB,
							    2048 * P), 0);
			assert_non_null(bm);
			bm[w] = CANARY;
			bm[w + 1] = ~CANARY;
			bm[w - 1] = CANARY & tailmask;
			rc = iodirty_read_dirty(f.dom, start, n * ps, ps, bm,
						0);
			T_EQ(rc, n);
			assert_int_equal(bm[w], CANARY);
			assert_int_equal(bm[w + 1], ~CANARY);
			for (size_t j = 0; j + 1 < w; j++)
				assert_int_equal(bm[j], ~0ULL);
			assert_int_equal(bm[w - 1],
					 (CANARY & tailmask) | ~tailmask);
			/* just outside the range: still dirty */
			T_EQ(t_dirty_count(f.dom, start - P, P), 1);
			T_EQ(t_dirty_count(f.dom, start + n * ps, P), 1);
			T_EQ(t_dirty_count(f.dom, start, n * ps), 0);
			free(bm);
		}
	}
	dfx_teardown(&f);
}

static void test_no_clear(void **state)
{
	struct dfx f;
	struct iodirty_stats st0, st;

	(void)state;
	dfx_setup(&f, 0, MiB, 64);
	wr(f.dom, MiB + 5 * P, 1);
	wr(f.dom, MiB + 40 * P, 1);
	t_stats(f.dom, &st0);
	assert_int_equal(st0.dirty_pending, 2);
	for (int i = 0; i < 3; i++)
		EXPECT_RD(f.dom, MiB, 64 * P, P, IODIRTY_READ_NO_CLEAR, 5, 40);
	t_stats(f.dom, &st);
	assert_int_equal(st.dirty_pending, 2);
	assert_int_equal(st.reads, st0.reads + 3);
	assert_int_equal(st.clears, st0.clears);
	EXPECT_RD(f.dom, MiB, 64 * P, P, 0, 5, 40);
	t_stats(f.dom, &st);
	assert_int_equal(st.dirty_pending, 0);
	assert_int_equal(st.reads, st0.reads + 4);
	assert_int_equal(st.clears, st0.clears + 1);
	EXPECT_RD_NONE(f.dom, MiB, 64 * P, P, 0);
	/* written again after the clear: reported again */
	wr(f.dom, MiB + 5 * P, 1);
	EXPECT_RD(f.dom, MiB, 64 * P, P, 0, 5);
	dfx_teardown(&f);
}

static void test_fold(void **state)
{
	struct dfx f;

	(void)state;
	dfx_setup(&f, 0, 64 * MiB, 1024);
	wr(f.dom, 64 * MiB + 0 * P, 1);
	wr(f.dom, 64 * MiB + 17 * P, 1);
	wr(f.dom, 64 * MiB + 18 * P, 1);
	wr(f.dom, 64 * MiB + 40 * P, 1);
	wr(f.dom, 64 * MiB + 1023 * P, 1);
	/* 64 KiB report pages: 16 granules a bit */
	EXPECT_RD(f.dom, 64 * MiB, 1024 * P, 16 * P, IODIRTY_READ_NO_CLEAR,
		  0, 1, 2, 63);
	/* 2 MiB: 512 granules a bit */
	EXPECT_RD(f.dom, 64 * MiB, 4 * MiB, 2 * MiB, IODIRTY_READ_NO_CLEAR,
		  0, 1);
	/* a range that reaches past the mapping reads clean there */
	EXPECT_RD(f.dom, 62 * MiB, 8 * MiB, 2 * MiB, IODIRTY_READ_NO_CLEAR,
		  1, 2);
	/* clearing at 32 KiB clears every granule in the range */
	EXPECT_RD(f.dom, 64 * MiB, 32 * P, 8 * P, 0, 0, 2);
	EXPECT_RD(f.dom, 64 * MiB, 1024 * P, P, 0, 40, 1023);
	dfx_teardown(&f);
}

static void test_granule_64k(void **state)
{
	const uint64_t G = 64 * 1024;
	struct dfx f;
	struct iodirty_stats st;
	uint64_t b[2] = { 0, 0 };

	(void)state;
	dfx_setup(&f, G, 128 * MiB, 256);
	t_stats(f.dom, &st);
	assert_int_equal(st.granule, G);
	/* below the granule: -EINVAL */
	T_EQ(iodirty_read_dirty(f.dom, 128 * MiB, 256 * P, P, b, 0), -EINVAL);
	T_EQ(iodirty_read_dirty(f.dom, 128 * MiB, 256 * P, G / 2, b, 0),
	     -EINVAL);
	wr(f.dom, 128 * MiB + P + 3, 1);		/* granule 0 */
	wr(f.dom, 128 * MiB + 2 * G - 1, 2);		/* granules 1, 2 */
	wr(f.dom, 128 * MiB + 15 * G + 5, 1);		/* granule 15 */
	t_stats(f.dom, &st);
	assert_int_equal(st.dirty_pending, 4);
	EXPECT_RD(f.dom, 128 * MiB, 16 * G, G, IODIRTY_READ_NO_CLEAR, 0, 1, 2,
		  15);
	EXPECT_RD(f.dom, 128 * MiB, 16 * G, 4 * G, IODIRTY_READ_NO_CLEAR, 0, 3);
	/* the iova of a read must be granule (page_size) aligned */
	T_EQ(iodirty_read_dirty(f.dom, 128 * MiB + P, G, G, b, 0), -EINVAL);
	EXPECT_RD(f.dom, 128 * MiB + G, G, G, 0, 0);
	EXPECT_RD(f.dom, 128 * MiB, 16 * G, G, 0, 0, 2, 15);
	t_stats(f.dom, &st);
	assert_int_equal(st.dirty_pending, 0);
	/* mark_dirty is byte granular too */
	assert_int_equal(iodirty_mark_dirty(f.dom, 128 * MiB + 3 * G + 10, 1),
			 0);
	EXPECT_RD(f.dom, 128 * MiB, 16 * G, G, 0, 3);
	dfx_teardown(&f);
}

static void test_across_mappings(void **state)
{
	struct dfx f;
	uint8_t *r2;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_PARTIAL_UNMAP);
	dfx_setup(&f, 0, 0, 16);			/* A: [0, 16) */
	r2 = t_ram(16 * P, 0);
	assert_int_equal(iodirty_map(f.dom, 32 * P, r2, 16 * P, RW), 0);
	wr(f.dom, 0, 1);
	wr(f.dom, 4 * P, 1);
	wr(f.dom, 5 * P, 1);
	wr(f.dom, 15 * P, 1);
	wr(f.dom, 32 * P, 1);
	wr(f.dom, 47 * P, 1);
	/* punch a hole at dirty page 5: its bit is dropped */
	assert_int_equal(iodirty_unmap(f.dom, 5 * P, P, NULL), 0);
	EXPECT_RD(f.dom, 0, 64 * P, P, IODIRTY_READ_NO_CLEAR, 0, 4, 15, 32, 47);
	EXPECT_RD(f.dom, 0, 64 * P, 4 * P, IODIRTY_READ_NO_CLEAR, 0, 1, 3, 8,
		  11);
	/* the hole re-mapped is clean */
	assert_int_equal(iodirty_map(f.dom, 5 * P, f.ram + 5 * P, P, RW), 0);
	EXPECT_RD(f.dom, 0, 64 * P, P, 0, 0, 4, 15, 32, 47);
	T_EQ(t_dirty_count(f.dom, 0, 64 * P), 0);
	t_ram_free(r2, 16 * P);
	dfx_teardown(&f);
}

static void test_unmap_with_dirty(void **state)
{
	struct dfx f;
	uint64_t bm[2];
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	struct iodirty_stats st0, st;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_PARTIAL_UNMAP);
	dfx_setup(&f, 0, MiB, 128);
	wr(f.dom, MiB + 1 * P, 1);
	wr(f.dom, MiB + 33 * P, 1);
	wr(f.dom, MiB + 34 * P, 1);
	wr(f.dom, MiB + 90 * P, 1);
	wr(f.dom, MiB + 127 * P, 1);
	t_stats(f.dom, &st0);
	/* unmap [32, 96) at 4 KiB with a non-zero caller bitmap */
	bm[0] = 1ULL << 63;
	bm[1] = 0xdeadbeef;
	o.page_size = P;
	o.dirty_bitmap = bm;
	assert_int_equal(iodirty_unmap(f.dom, MiB + 32 * P, 64 * P, &o), 0);
	assert_int_equal(o.unmapped, 64 * P);
	assert_int_equal(bm[0], (1ULL << 63) | (1ULL << 1) | (1ULL << 2) |
			 (1ULL << 58));
	assert_int_equal(bm[1], 0xdeadbeef);	/* past 64 bits */
	t_stats(f.dom, &st);
	assert_int_equal(st.reads, st0.reads + 1);
	assert_int_equal(st.dirty_pending, 2);
	/* the others are still there, the unmapped ones gone */
	EXPECT_RD(f.dom, MiB, 128 * P, P, IODIRTY_READ_NO_CLEAR, 1, 127);
	/* re-mapped: clean */
	assert_int_equal(iodirty_map(f.dom, MiB + 32 * P, f.ram + 32 * P,
				     64 * P, RW), 0);
	T_EQ(t_dirty_count(f.dom, MiB + 32 * P, 64 * P), 0);
	/* bigger report pages, over a range with gaps */
	wr(f.dom, MiB + 40 * P, 1);
	memset(bm, 0, sizeof(bm));
	o.page_size = 16 * P;
	o.dirty_bitmap = bm;
	assert_int_equal(iodirty_unmap(f.dom, MiB - 16 * P, 64 * P, &o), 0);
	assert_int_equal(o.unmapped, 48 * P);
	assert_int_equal(bm[0], (1ULL << 1) | (1ULL << 3));
	EXPECT_RD(f.dom, 0, 4 * MiB, P, IODIRTY_READ_NO_CLEAR, 256 + 127);
	/* nothing mapped: -ENOENT and the bitmap is untouched */
	bm[0] = 0x77;
	assert_int_equal(iodirty_unmap(f.dom, MiB, 16 * P, &o), -ENOENT);
	assert_int_equal(bm[0], 0x77);
	dfx_teardown(&f);
}

static void test_mark_dirty(void **state)
{
	struct dfx f;
	void *addr;

	(void)state;
	dfx_setup(&f, 0, MiB, 32);
	/* write through the translated pointer, then mark */
	assert_int_equal(iodirty_translate(f.dom, MiB + 7 * P + 3, &addr,
					   NULL), 0);
	memset(addr, 0x3c, 2);
	assert_int_equal(iodirty_mark_dirty(f.dom, MiB + 7 * P + 3, 2), 0);
	assert_int_equal(iodirty_mark_dirty(f.dom, MiB + 9 * P - 1, 2), 0);
	assert_int_equal(iodirty_mark_dirty(f.dom, MiB + 20 * P, 3 * P), 0);
	EXPECT_RD(f.dom, MiB, 32 * P, P, 0, 7, 8, 9, 20, 21, 22);
	assert_int_equal(f.ram[7 * P + 3], 0x3c);
	/* on a read-only mapping too */
	assert_int_equal(iodirty_map(f.dom, 2 * MiB, f.ram, P,
				     IODIRTY_MAP_READ), 0);
	assert_int_equal(iodirty_mark_dirty(f.dom, 2 * MiB, 1), 0);
	T_EQ(t_dirty_count(f.dom, 2 * MiB, P), 1);
	/* tracking off: does nothing */
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	assert_int_equal(iodirty_mark_dirty(f.dom, MiB, P), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	T_EQ(t_dirty_count(f.dom, MiB, 32 * P), 0);
	dfx_teardown(&f);
}

/* Pages dirtied and then unmapped read clean, also when re-mapped. */
static void test_dirty_then_unmapped(void **state)
{
	struct dfx f;
	uint64_t *bm;
	struct iodirty_stats st;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_PARTIAL_UNMAP);	/* the trim and hole */
	dfx_setup(&f, 0, MiB, 32);
	wr(f.dom, MiB, 32 * P);
	t_stats(f.dom, &st);
	assert_int_equal(st.dirty_pending, 32);
	assert_int_equal(iodirty_unmap(f.dom, MiB, 32 * P, NULL), 0);
	t_stats(f.dom, &st);
	assert_int_equal(st.dirty_pending, 0);
	EXPECT_RD_NONE(f.dom, MiB, 32 * P, P, IODIRTY_READ_NO_CLEAR);
	if (t_caps.flags & IODIRTY_CAP_UADDR_REPORT) {
		EXPECT_RDU_NONE(f.dom, f.ram, 32 * P, P, 0);
	}
	assert_int_equal(iodirty_map(f.dom, MiB, f.ram, 32 * P, RW), 0);
	T_EQ(t_dirty_count(f.dom, MiB, 32 * P), 0);
	/* the same for part of a mapping (a trim and a hole) */
	wr(f.dom, MiB, 32 * P);
	assert_int_equal(iodirty_unmap(f.dom, MiB, 2 * P, NULL), 0);
	assert_int_equal(iodirty_unmap(f.dom, MiB + 10 * P, P, NULL), 0);
	bm = rd(f.dom, MiB, NULL, 32 * P, P, 0);
	for (uint64_t i = 0; i < 32; i++)
		assert_int_equal(t_bit(bm, i), i >= 2 && i != 10);
	free(bm);
	dfx_teardown(&f);
}

/* With a 16 KiB granule, a partly unmapped granule keeps its dirty bit. */
static void test_partial_granule_unmap(void **state)
{
	const uint64_t G = 4 * P;
	struct dfx f;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_PARTIAL_UNMAP);
	dfx_setup(&f, G, MiB, 32);
	wr(f.dom, MiB + P, 1);			/* granule 0 via page 1 */
	wr(f.dom, MiB + 4 * P, 1);		/* granule 1 */
	/* unmap page 1: pages 0, 2, 3 of the granule are still mapped */
	assert_int_equal(iodirty_unmap(f.dom, MiB + P, P, NULL), 0);
	EXPECT_RD(f.dom, MiB, 32 * P, G, IODIRTY_READ_NO_CLEAR, 0, 1);
	/* unmap the rest of granule 0: gone */
	assert_int_equal(iodirty_unmap(f.dom, MiB, G, NULL), 0);
	EXPECT_RD(f.dom, MiB, 32 * P, G, IODIRTY_READ_NO_CLEAR, 1);
	dfx_teardown(&f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracking_start_stop),
		cmocka_unit_test(test_write_granules),
		cmocka_unit_test(test_bit_layout),
		cmocka_unit_test(test_or_into),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_no_clear),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_granule_64k),
		cmocka_unit_test(test_across_mappings),
		cmocka_unit_test(test_unmap_with_dirty),
		cmocka_unit_test(test_mark_dirty),
		cmocka_unit_test(test_dirty_then_unmapped),
		cmocka_unit_test(test_partial_granule_unmap),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_dirty", tests, NULL, NULL);
	t_fini();
	return rc;
}
