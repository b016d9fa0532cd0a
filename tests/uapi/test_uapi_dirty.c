// SPDX-License-Identifier: MIT
/*
 * Dirty tracking through raw ioctls: SET_DIRTY_TRACKING, GET_DIRTY_BITMAP
 * (IOVA and user-address mode) and IOAS_UNMAP with an atomic dirty bitmap.
 *
 * Dirt comes from DMA_RW writes, so every test needs both capabilities.
 * Every bitmap the kernel writes sits between guard words, and bits of the
 * last word past the requested length are pre-set: the kernel only ORs
 * bits in, and never writes outside the bitmap.
 */
#include "uapi_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define P U_PAGE
#define BASE (1ULL << 32)
#define GUARD 0xdeadbeefcafef00dULL
#define NGUARD 4


/* A bitmap of @words words with NGUARD guard words on each side. */
struct gbm {
	uint64_t *raw;
	uint64_t *bm;
	size_t words;
};

static void gbm_init(struct gbm *g, uint64_t bits)
{
	g->words = u_words(bits);
	g->raw = malloc((g->words + 2 * NGUARD) * sizeof(uint64_t));
	assert_non_null(g->raw);
	for (size_t i = 0; i < g->words + 2 * NGUARD; i++)
		g->raw[i] = GUARD;
	g->bm = g->raw + NGUARD;
	memset(g->bm, 0, g->words * sizeof(uint64_t));
	/* Bits past the end of the last word: must be kept as they are. */
	if (bits % 64)
		g->bm[g->words - 1] = ~0ULL << (bits % 64);
}

/* Asserts the guards and the pre-set tail bits are intact. */
static void gbm_check(const struct gbm *g, uint64_t bits)
{
	for (size_t i = 0; i < NGUARD; i++) {
		U_EQ(g->raw[i], GUARD);
		U_EQ(g->raw[NGUARD + g->words + i], GUARD);
	}
	if (bits % 64)
		U_EQ(g->bm[g->words - 1] & (~0ULL << (bits % 64)),
		     ~0ULL << (bits % 64));
}

/* Bits set among the first @bits (the pre-set tail is not counted). */
static uint64_t gbm_count(const struct gbm *g, uint64_t bits)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < bits; i++)
		n += u_bit(g->bm, i);
	return n;
}

static void gbm_free(struct gbm *g)
{
	free(g->raw);
}

/* Dirties the pages @pages[] (relative to @iova) with one-byte writes. */
static void dirty_pages(int fd, uint32_t ioas, uint64_t iova,
			const uint64_t *pages, size_t n)
{
	uint8_t b = 0xd1;

	for (size_t i = 0; i < n; i++)
		u_dma_ok(fd, ioas, iova + pages[i] * P + 17, &b, 1,
			 IODIRTY_DMA_WRITE);
}

/* An io-pagetable with @npages of fresh RAM mapped at BASE, tracking on. */
static uint32_t tracked(uint64_t npages, uint8_t **ram)
{
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);

	*ram = u_ram(npages * P);
	u_map_ok(u_fd, ioas, BASE, *ram, npages * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	return ioas;
}

static void need_caps(void)
{
	U_REQUIRE(IODIRTY_INFO_CAP_DIRTY_TRACKING | IODIRTY_INFO_CAP_DMA_RW);
}

static void test_tracking_off(void **state)
{
	struct iodirty_ioas_stats st;
	uint64_t bm = 0, b = 1;
	uint32_t ioas;
	uint8_t *ram;

	(void)state;
	need_caps();
	ioas = u_ioas_ok(u_fd, 40, 0);
	ram = u_ram(8 * P);
	u_map_ok(u_fd, ioas, BASE, ram, 8 * P, U_RW);
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, &bm, 0), -ENODATA);
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, 8 * P, 0, P, &bm, NULL),
	     -ENODATA);
	u_expect_stats(u_fd, ioas, 8 * P, 1, 0);
	/* Writes while tracking is off are not reported later. */
	u_dma_ok(u_fd, ioas, BASE, &b, 1, IODIRTY_DMA_WRITE);
	u_tracking_ok(u_fd, ioas, true);
	u_stats_ok(u_fd, ioas, &st);
	U_EQ(st.out_tracking, 1);
	U_EQ(st.out_dirty_pending, 0);
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, &bm, 0), 0);
	U_EQ(bm, 0);
	/* Disabling twice is fine too. */
	u_tracking_ok(u_fd, ioas, false);
	u_tracking_ok(u_fd, ioas, false);
	u_stats_ok(u_fd, ioas, &st);
	U_EQ(st.out_tracking, 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 8 * P);
}

static void test_reenable_keeps_bits(void **state)
{
	static const uint64_t pages[] = { 2, 5 };
	uint8_t *ram;
	uint32_t ioas;
	uint64_t bm = 0;

	(void)state;
	need_caps();
	ioas = tracked(8, &ram);
	dirty_pages(u_fd, ioas, BASE, pages, 2);
	/* iommufd clears here; /dev/iodirty keeps what was not read. */
	u_tracking_ok(u_fd, ioas, true);
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, &bm, 0), 2);
	U_EQ(bm, (1ULL << 2) | (1ULL << 5));
	/* Disable drops unread state; a new start is clean. */
	dirty_pages(u_fd, ioas, BASE, pages, 1);
	u_tracking_ok(u_fd, ioas, false);
	u_tracking_ok(u_fd, ioas, true);
	bm = 0;
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, &bm, 0), 0);
	U_EQ(bm, 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 8 * P);
}

static void test_counters(void **state)
{
	static const uint64_t pages[] = { 0, 3, 7 };
	struct iodirty_ioas_stats a, b;
	uint64_t bm = 0;
	uint8_t *ram;
	uint32_t ioas;

	(void)state;
	need_caps();
	ioas = tracked(8, &ram);
	dirty_pages(u_fd, ioas, BASE, pages, 3);
	u_stats_ok(u_fd, ioas, &a);
	U_EQ(a.out_dirty_pending, 3);
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, &bm, IODIRTY_DIRTY_NO_CLEAR),
	     3);
	u_stats_ok(u_fd, ioas, &b);
	U_EQ(b.out_reads, a.out_reads + 1);
	U_EQ(b.out_clears, a.out_clears);
	U_EQ(b.out_dirty_pending, 3);
	bm = 0;
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, &bm, 0), 3);
	u_stats_ok(u_fd, ioas, &b);
	U_EQ(b.out_reads, a.out_reads + 2);
	U_EQ(b.out_clears, a.out_clears + 1);
	U_EQ(b.out_dirty_pending, 0);
	/* A clearing read that found nothing clears nothing. */
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, &bm, 0), 0);
	u_stats_ok(u_fd, ioas, &b);
	U_EQ(b.out_clears, a.out_clears + 1);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 8 * P);
}

static void test_unmap_dirty_bitmap(void **state)
{
	static const uint64_t pages[] = { 0, 5, 63, 64, 98, 99 };
	const uint64_t n = 100;
	uint64_t unmapped = 0, b8[2] = { 0 };
	struct iodirty_ioas_stats st;
	uint8_t *ram, buf[2] = { 1, 2 };
	struct gbm g;
	uint32_t ioas;

	(void)state;
	need_caps();
	U_REQUIRE(IODIRTY_INFO_CAP_UNMAP_DIRTY);
	ioas = tracked(n + 28, &ram);
	dirty_pages(u_fd, ioas, BASE, pages, U_ARRAY_SIZE(pages));
	/* A two-byte write across pages 30/31 dirties both. */
	u_dma_ok(u_fd, ioas, BASE + 31 * P - 1, buf, 2, IODIRTY_DMA_WRITE);
	gbm_init(&g, n);
	/* A bit already set stays set, and is not counted as new. */
	g.bm[0] |= 1ULL << 40;
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, n * P, 0, P, g.bm, &unmapped), 0);
	U_EQ(unmapped, n * P);
	gbm_check(&g, n);
	U_EQ(gbm_count(&g, n), U_ARRAY_SIZE(pages) + 2 + 1);
	for (size_t i = 0; i < U_ARRAY_SIZE(pages); i++)
		assert_true(u_bit(g.bm, pages[i]));
	assert_true(u_bit(g.bm, 30) && u_bit(g.bm, 31) && u_bit(g.bm, 40));
	gbm_free(&g);
	/* The unmapped pages are gone, their dirt with them. */
	U_EQ(u_dma(u_fd, ioas, BASE, buf, 1, IODIRTY_DMA_WRITE), -ENOENT);
	u_stats_ok(u_fd, ioas, &st);
	U_EQ(st.out_mapped_bytes, 28 * P);
	U_EQ(st.out_dirty_pending, 0);
	U_EQ(st.out_reads, 1);

	/* page_size 2 pages: a bit covers two pages. */
	dirty_pages(u_fd, ioas, BASE + n * P, (const uint64_t[]){ 1, 2, 9 }, 3);
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE + n * P, 16 * P, 0, 2 * P, b8,
			   &unmapped), 0);
	U_EQ(unmapped, 16 * P);
	U_EQ(b8[0], (1ULL << 0) | (1ULL << 1) | (1ULL << 4));
	U_EQ(b8[1], 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, (n + 28) * P);
}

/* Punching one page out of a mapping returns that page's dirt only. */
static void test_unmap_dirty_punch(void **state)
{
	static const uint64_t pages[] = { 3, 4, 5 };
	uint64_t bm[1] = { 0 }, unmapped = 0;
	uint8_t *ram;
	uint32_t ioas;

	(void)state;
	need_caps();
	U_REQUIRE(IODIRTY_INFO_CAP_UNMAP_DIRTY | IODIRTY_INFO_CAP_PARTIAL_UNMAP);
	ioas = tracked(16, &ram);
	dirty_pages(u_fd, ioas, BASE, pages, 3);
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE + 4 * P, P, 0, P, bm, &unmapped),
	     0);
	U_EQ(unmapped, P);
	U_EQ(bm[0], 1);
	u_expect_stats(u_fd, ioas, 15 * P, 1, 1);
	/* The neighbours are still dirty; the hole reads clean. */
	bm[0] = 0;
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P, bm, 0), 2);
	U_EQ(bm[0], (1ULL << 3) | (1ULL << 5));
	/* EXACT over the hole with a bitmap: ENOENT, nothing harvested. */
	dirty_pages(u_fd, ioas, BASE, pages, 1);
	bm[0] = 0;
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE + 3 * P, 2 * P,
			   IODIRTY_UNMAP_EXACT, P, bm, NULL), -ENOENT);
	U_EQ(bm[0], 0);
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P, bm, IODIRTY_DIRTY_NO_CLEAR),
	     1);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 16 * P);
}

static void test_unmap_dirty_errors(void **state)
{
	struct u_snap before, after;
	uint64_t bm[2] = { 0 };
	uint64_t *ro;
	uint8_t *ram;
	uint32_t ioas;

	(void)state;
	need_caps();
	U_REQUIRE(IODIRTY_INFO_CAP_UNMAP_DIRTY);
	ioas = tracked(16, &ram);
	dirty_pages(u_fd, ioas, BASE, (const uint64_t[]){ 1 }, 1);
	ro = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);
	u_snap(u_fd, ioas, BASE + P, BASE, &before);
	/* page_size: a power of two, at least the granule. */
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, 12 * P, 0, 3 * P, bm, NULL),
	     -EINVAL);
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, 16 * P, 0, P / 2, bm, NULL),
	     -EINVAL);
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, 16 * P, 0, 0, bm, NULL),
	     -EINVAL);
	/* iova and length page-aligned (since version 3 they need not be
	 * multiples of page_size: test_uapi_counts.c). */
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE + 8, 2 * P, 0, 2 * P, bm, NULL),
	     -EINVAL);
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, 3 * P + 8, 0, 2 * P, bm, NULL),
	     -EINVAL);
	/* No bitmap, or one not 8-byte aligned. */
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, 16 * P, 0, P, NULL, NULL),
	     -EINVAL);
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, 16 * P, 0, P,
			   (uint64_t *)(void *)((char *)bm + 4), NULL),
	     -EINVAL);
	/* A bitmap the kernel cannot write: EFAULT, nothing unmapped. */
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, 16 * P, 0, P, ro, NULL),
	     -EFAULT);
	U_EQ(u_unmap_dirty(u_fd, ioas, BASE, 16 * P, 0, P,
			   (uint64_t *)(uintptr_t)8, NULL), -EFAULT);
	u_snap(u_fd, ioas, BASE + P, BASE, &after);
	u_snap_equal(&before, &after);
	U_EQ(bm[0], 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	munmap(ro, P);
	u_ram_free(ram, 16 * P);
}

static void test_read_over_holes(void **state)
{
	uint64_t bm[2];
	uint32_t ioas;
	uint8_t *ram;

	(void)state;
	need_caps();
	ioas = u_ioas_ok(u_fd, 40, 0);
	ram = u_ram(64 * P);
	/* [0, 16) and [32, 48) mapped, with a hole punched at 40. */
	u_map_ok(u_fd, ioas, BASE, ram, 16 * P, U_RW);
	u_map_ok(u_fd, ioas, BASE + 32 * P, ram + 32 * P, 16 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	dirty_pages(u_fd, ioas, BASE, (const uint64_t[]){ 15, 33, 39, 41 }, 4);
	if (u_has(IODIRTY_INFO_CAP_PARTIAL_UNMAP))
		U_EQ(u_unmap(u_fd, ioas, BASE + 40 * P, P, 0, NULL), 0);

	/* Starting in the gap between the mappings: the rest is reported. */
	memset(bm, 0, sizeof(bm));
	U_EQ(u_dirty(u_fd, ioas, BASE + 20 * P, 64 * P, P, bm,
		     IODIRTY_DIRTY_NO_CLEAR), 3);
	U_EQ(bm[0], (1ULL << 13) | (1ULL << 19) | (1ULL << 21));
	/* Starting in the punched hole. */
	memset(bm, 0, sizeof(bm));
	U_EQ(u_dirty(u_fd, ioas, BASE + 40 * P, 8 * P, P, bm,
		     IODIRTY_DIRTY_NO_CLEAR), 1);
	U_EQ(bm[0], 1ULL << 1);
	/* Entirely unmapped space reads clean, without error. */
	memset(bm, 0, sizeof(bm));
	U_EQ(u_dirty(u_fd, ioas, BASE + 64 * P, 64 * P, P, bm, 0), 0);
	U_EQ(bm[0], 0);
	/* NO_CLEAR kept everything: a clearing read sees it all. */
	memset(bm, 0, sizeof(bm));
	U_EQ(u_dirty(u_fd, ioas, BASE, 64 * P, P, bm, 0), 4);
	U_EQ(bm[0], (1ULL << 15) | (1ULL << 33) | (1ULL << 39) |
		    (1ULL << 41));
	/* And then it is clean. */
	memset(bm, 0, sizeof(bm));
	U_EQ(u_dirty(u_fd, ioas, BASE, 64 * P, P, bm, 0), 0);
	U_EQ(bm[0], 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 64 * P);
}

static void test_read_bounds_and_folding(void **state)
{
	static const uint64_t pages[] = { 0, 1, 6, 63, 64, 69 };
	uint8_t *ram;
	uint32_t ioas;
	struct gbm g;

	(void)state;
	need_caps();
	ioas = tracked(72, &ram);
	dirty_pages(u_fd, ioas, BASE, pages, U_ARRAY_SIZE(pages));
	/* 70 bits: the last word's bits 6..63 are pre-set and kept. */
	gbm_init(&g, 70);
	U_EQ(u_dirty(u_fd, ioas, BASE, 70 * P, P, g.bm,
		     IODIRTY_DIRTY_NO_CLEAR), 6);
	gbm_check(&g, 70);
	U_EQ(g.bm[0], (1ULL << 0) | (1ULL << 1) | (1ULL << 6) | (1ULL << 63));
	U_EQ(g.bm[1] & 0x3f, (1ULL << 0) | (1ULL << 5));
	gbm_free(&g);
	/* 4 pages a bit, 18 bits. */
	gbm_init(&g, 18);
	U_EQ(u_dirty(u_fd, ioas, BASE, 72 * P, 4 * P, g.bm,
		     IODIRTY_DIRTY_NO_CLEAR), 5);
	gbm_check(&g, 18);
	U_EQ(g.bm[0] & 0x3ffff,
	     (1ULL << 0) | (1ULL << 1) | (1ULL << 15) | (1ULL << 16) |
	     (1ULL << 17));
	gbm_free(&g);
	/* One bit only: a single word, 63 bits kept. */
	gbm_init(&g, 1);
	U_EQ(u_dirty(u_fd, ioas, BASE + 69 * P, P, P, g.bm, 0), 1);
	gbm_check(&g, 1);
	U_EQ(g.bm[0] & 1, 1);
	gbm_free(&g);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 72 * P);
}

static void test_read_errors(void **state)
{
	struct u_snap before, after;
	uint64_t bm[4] = { 0 };
	uint64_t *ro;
	uint8_t *ram;
	uint32_t ioas;

	(void)state;
	need_caps();
	ioas = tracked(16, &ram);
	dirty_pages(u_fd, ioas, BASE, (const uint64_t[]){ 2 }, 1);
	ro = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);
	u_snap(u_fd, ioas, BASE, BASE, &before);
	/* page_size: not a power of two (iommufd takes 6144 as 2048). */
	U_EQ(u_dirty(u_fd, ioas, BASE, 12 * P, 3 * P, bm, 0), -EINVAL);
	U_EQ(u_dirty(u_fd, ioas, BASE, 3 * 2048, 6144, bm, 0), -EINVAL);
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P / 2, bm, 0), -EINVAL);
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, 0, bm, 0), -EINVAL);
	/* Alignment to page_size, zero length. */
	U_EQ(u_dirty(u_fd, ioas, BASE + P, 4 * P, 2 * P, bm, 0), -EINVAL);
	U_EQ(u_dirty(u_fd, ioas, BASE, 3 * P, 2 * P, bm, 0), -EINVAL);
	U_EQ(u_dirty(u_fd, ioas, BASE, 0, P, bm, 0), -EINVAL);
	/* data: NULL, not 8-byte aligned, not writable. */
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P, NULL, 0), -EINVAL);
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P,
		     (uint64_t *)(void *)((char *)bm + 4), 0), -EINVAL);
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P, ro, 0), -EFAULT);
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P, (uint64_t *)(uintptr_t)8,
		     0), -EFAULT);
	/* Nothing was cleared by any of them. */
	u_snap(u_fd, ioas, BASE, BASE, &after);
	u_snap_equal(&before, &after);
	U_EQ(bm[0] | bm[1] | bm[2] | bm[3], 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	munmap(ro, P);
	u_ram_free(ram, 16 * P);
}

/* Granule of two pages: a bit per page is finer than the granule. */
static void test_big_granule(void **state)
{
	uint64_t bm = 0;
	uint32_t ioas;
	uint8_t *ram;

	(void)state;
	need_caps();
	if (!(u_info.out_granules & (2 * P)))
		TC_SKIP("no 8 KiB granule\n");
	ram = u_ram(16 * P);
	ioas = u_ioas_ok(u_fd, 40, 13);
	u_map_ok(u_fd, ioas, BASE, ram, 16 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	dirty_pages(u_fd, ioas, BASE, (const uint64_t[]){ 5 }, 1);
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P, &bm, 0), -EINVAL);
	U_EQ(u_dirty(u_fd, ioas, BASE + 2 * P, 2 * P, 2 * P, &bm, 0), 0);
	/* Page 5 is in granule 2. */
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, 2 * P, &bm, 0), 1);
	U_EQ(bm, 1ULL << 2);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 16 * P);
}

/*
 * A 4 MiB bitmap (128 GiB of IOVA at 4 KiB a bit) is read in 2 MiB
 * pieces: dirt on both sides of the piece boundary is reported, in place.
 */
static void test_large_bitmap_pieces(void **state)
{
	const uint64_t bits = 1ULL << 25, edge = 1ULL << 24;
	uint32_t ioas;
	uint8_t *ram;
	struct gbm g;

	(void)state;
	need_caps();
	ram = u_ram(4 * P);
	ioas = u_ioas_ok(u_fd, 40, 0);
	/* Pages edge - 2 .. edge + 1, at the boundary of the pieces. */
	u_map_ok(u_fd, ioas, (edge - 2) * P, ram, 4 * P, U_RW);
	/* And one page near the end of the range. */
	u_map_ok(u_fd, ioas, (bits - 1) * P, ram, P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	dirty_pages(u_fd, ioas, 0, (const uint64_t[]){ edge - 1, edge,
						       bits - 1 }, 3);
	gbm_init(&g, bits);
	U_EQ(u_dirty(u_fd, ioas, 0, bits * P, P, g.bm, 0), 3);
	gbm_check(&g, bits);
	U_EQ(u_popcount(g.bm, g.words), 3);
	assert_true(u_bit(g.bm, edge - 1) && u_bit(g.bm, edge) &&
		    u_bit(g.bm, bits - 1));
	gbm_free(&g);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 4 * P);
}

/* User-address mode: aliases merge, and no ERANGE for user addresses. */
static void test_uaddr_aliases(void **state)
{
	const uint64_t n = 16, a = 1ULL << 20, b = a + 64 * P;
	uint64_t bm[2];
	uint32_t ioas;
	uint8_t *ram;

	(void)state;
	need_caps();
	U_REQUIRE(IODIRTY_INFO_CAP_UADDR_REPORT);
	ram = u_ram(n * P);
	/* A 32-bit IO space; the user addresses lie far above it. */
	ioas = u_ioas_ok(u_fd, 32, 0);
	u_map_ok(u_fd, ioas, a, ram, n * P, U_RW);
	u_map_ok(u_fd, ioas, b, ram, n * P, IODIRTY_IOAS_MAP_WRITE);
	u_tracking_ok(u_fd, ioas, true);
	dirty_pages(u_fd, ioas, a, (const uint64_t[]){ 3, 9 }, 2);
	dirty_pages(u_fd, ioas, b, (const uint64_t[]){ 7, 9 }, 2);

	/* Starting four pages below the memory: bits shifted by four. */
	memset(bm, 0, sizeof(bm));
	U_EQ(u_dirty(u_fd, ioas, (uintptr_t)ram - 4 * P, (n + 8) * P, P, bm,
		     IODIRTY_DIRTY_UADDR | IODIRTY_DIRTY_NO_CLEAR), 3);
	U_EQ(bm[0], (1ULL << 7) | (1ULL << 11) | (1ULL << 13));
	/* A clearing read over the memory clears every alias. */
	memset(bm, 0, sizeof(bm));
	U_EQ(u_dirty(u_fd, ioas, (uintptr_t)ram, n * P, P, bm,
		     IODIRTY_DIRTY_UADDR), 3);
	U_EQ(bm[0], (1ULL << 3) | (1ULL << 7) | (1ULL << 9));
	memset(bm, 0, sizeof(bm));
	U_EQ(u_dirty(u_fd, ioas, a, n * P, P, bm, 0), 0);
	U_EQ(u_dirty(u_fd, ioas, b, n * P, P, bm, 0), 0);
	U_EQ(bm[0], 0);
	/* Alignment still applies. */
	U_EQ(u_dirty(u_fd, ioas, (uintptr_t)ram + 1, P, P, bm,
		     IODIRTY_DIRTY_UADDR), -EINVAL);
	U_EQ(u_dirty(u_fd, ioas, ~0ULL - P + 1, 2 * P, P, bm,
		     IODIRTY_DIRTY_UADDR), -EOVERFLOW);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, n * P);
}

static void test_mark_only(void **state)
{
	uint8_t *ram;
	uint64_t bm = 0;
	uint32_t ioas;

	(void)state;
	need_caps();
	ioas = tracked(8, &ram);
	memset(ram, 0x77, 8 * P);
	/* Bytes 100 of page 1 to page 3: three pages, nothing copied. */
	u_dma_ok(u_fd, ioas, BASE + P + 100, NULL, 2 * P,
		 IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY);
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, &bm, 0), 3);
	U_EQ(bm, 0xe);
	for (uint64_t i = 0; i < 8 * P; i++)
		if (ram[i] != 0x77)
			fail_msg("byte %" PRIu64 " changed", i);
	/* MARK_ONLY needs WRITE and no data. */
	U_EQ(u_dma(u_fd, ioas, BASE, NULL, P, IODIRTY_DMA_MARK_ONLY),
	     -EINVAL);
	U_EQ(u_dma(u_fd, ioas, BASE, ram, P,
		   IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY), -EINVAL);
	/* Unmapped: ENOENT, nothing marked. */
	U_EQ(u_dma(u_fd, ioas, BASE + 7 * P, NULL, 2 * P,
		   IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY), -ENOENT);
	bm = 0;
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, &bm, 0), 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 8 * P);
}

/*
 * MARK_ONLY on a mapping without WRITE: accepted, since it records a
 * write the device made through its own mapping, while a DMA_RW write
 * through that mapping is EACCES.
 */
static void test_mark_only_read_only_mapping(void **state)
{
	uint8_t *ram, b = 0x3c;
	uint64_t bm = 0;
	uint32_t ioas;

	(void)state;
	need_caps();
	ram = u_ram(4 * P);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, IODIRTY_IOAS_MAP_READ);
	u_tracking_ok(u_fd, ioas, true);
	U_EQ(u_dma(u_fd, ioas, BASE + P, &b, 1, IODIRTY_DMA_WRITE), -EACCES);
	U_EQ(u_dirty(u_fd, ioas, BASE, 4 * P, P, &bm, 0), 0);
	u_dma_ok(u_fd, ioas, BASE + 2 * P, NULL, 1,
		 IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY);
	U_EQ(u_dirty(u_fd, ioas, BASE, 4 * P, P, &bm, 0), 1);
	U_EQ(bm, 1ULL << 2);
	U_EQ(ram[2 * P], 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 4 * P);
}

/*
 * User-address mode with a granule of two pages mapped one page off: the
 * granule's memory straddles two 8 KiB blocks of the caller's memory. A
 * read of either block alone reports the granule's page inside it and
 * leaves the granule dirty; a read of both reports both and clears it.
 */
static void test_uaddr_partial_granule(void **state)
{
	uint8_t *raw, *mem, b = 0x5a;
	uint64_t bm, g = 2 * P;
	uint32_t ioas;

	(void)state;
	need_caps();
	U_REQUIRE(IODIRTY_INFO_CAP_UADDR_REPORT);
	if (!(u_info.out_granules & g))
		TC_SKIP("no 8 KiB granule\n");
	/* mem: 8 KiB-aligned, with 8 pages of it usable. */
	raw = u_ram(10 * P);
	mem = raw + ((g - ((uintptr_t)raw & (g - 1))) & (g - 1));
	ioas = u_ioas_ok(u_fd, 40, 13);
	/* IOVA page k maps to user page k + 1 of mem. */
	u_map_ok(u_fd, ioas, BASE, mem + P, 6 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	/* Granule 1 (IOVA pages 2, 3) holds user pages 3 and 4. */
	u_dma_ok(u_fd, ioas, BASE + 2 * P, &b, 1, IODIRTY_DMA_WRITE);

	/* Block [0, 4): page 3 is its bit 1; the granule stays dirty. */
	bm = 0;
	U_EQ(u_dirty(u_fd, ioas, (uintptr_t)mem, 4 * P, g, &bm,
		     IODIRTY_DIRTY_UADDR), 1);
	U_EQ(bm, 1ULL << 1);
	bm = 0;
	U_EQ(u_dirty(u_fd, ioas, (uintptr_t)mem, 4 * P, g, &bm,
		     IODIRTY_DIRTY_UADDR), 1);
	U_EQ(bm, 1ULL << 1);
	/* Block [4, 8): page 4 is its bit 0; still not cleared. */
	bm = 0;
	U_EQ(u_dirty(u_fd, ioas, (uintptr_t)mem + 4 * P, 4 * P, g, &bm,
		     IODIRTY_DIRTY_UADDR), 1);
	U_EQ(bm, 1ULL << 0);
	bm = 0;
	U_EQ(u_dirty(u_fd, ioas, BASE, 6 * P, g, &bm, IODIRTY_DIRTY_NO_CLEAR),
	     1);
	U_EQ(bm, 1ULL << 1);
	/* Both: pages 3 and 4 are bits 1 and 2, and the granule is clear. */
	bm = 0;
	U_EQ(u_dirty(u_fd, ioas, (uintptr_t)mem, 8 * P, g, &bm,
		     IODIRTY_DIRTY_UADDR), 2);
	U_EQ(bm, (1ULL << 1) | (1ULL << 2));
	bm = 0;
	U_EQ(u_dirty(u_fd, ioas, (uintptr_t)mem, 8 * P, g, &bm,
		     IODIRTY_DIRTY_UADDR), 0);
	U_EQ(u_dirty(u_fd, ioas, BASE, 6 * P, g, &bm, 0), 0);
	U_EQ(bm, 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(raw, 10 * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracking_off),
		cmocka_unit_test(test_reenable_keeps_bits),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_unmap_dirty_bitmap),
		cmocka_unit_test(test_unmap_dirty_punch),
		cmocka_unit_test(test_unmap_dirty_errors),
		cmocka_unit_test(test_read_over_holes),
		cmocka_unit_test(test_read_bounds_and_folding),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_big_granule),
		cmocka_unit_test(test_large_bitmap_pieces),
		cmocka_unit_test(test_uaddr_aliases),
		cmocka_unit_test(test_mark_only),
		cmocka_unit_test(test_mark_only_read_only_mapping),
		cmocka_unit_test(test_uaddr_partial_granule),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_dirty", tests, u_group_open,
					   u_group_close);
}
