// SPDX-License-Identifier: MIT
/*
 * What the module counts (uAPI version 3): IOAS_STATS' reads and clears
 * once per GET_DIRTY_BITMAP however many pieces it takes, a clear under a
 * bit the bitmap already had, IODIRTY_DIRTY_COUNT_ALL, IOAS_UNMAP's
 * out_nr_dirty (and its old size), and unmap reports that cut their
 * pages.
 */
#include "uapi_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define P U_PAGE
#define BASE (1ULL << 32)

static void dirty_pages(uint32_t ioas, uint64_t iova, const uint64_t *pages,
			size_t n)
{
	uint8_t b = 0x3c;

	for (size_t i = 0; i < n; i++)
		u_dma_ok(u_fd, ioas, iova + pages[i] * P, &b, 1,
			 IODIRTY_DMA_WRITE);
}

static void need_v3(void)
{
	U_REQUIRE(IODIRTY_INFO_CAP_DIRTY_TRACKING | IODIRTY_INFO_CAP_DMA_RW |
		  IODIRTY_INFO_CAP_UNMAP_DIRTY);
	U_EQ(u_info.out_uapi_version >= 3, 1);
}

/* A bitmap of two 2 MiB pieces is one read and at most one clear. */
static void test_pieces_count_once(void **state)
{
	const uint64_t bits = 1ULL << 25, edge = 1ULL << 24;
	struct iodirty_ioas_stats a, b;
	uint64_t *bm;
	uint8_t *ram;
	uint32_t ioas;

	(void)state;
	need_v3();
	ram = u_ram(2 * P);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, (edge - 1) * P, ram, 2 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	dirty_pages(ioas, 0, (const uint64_t[]){ edge - 1, edge }, 2);
	bm = calloc(bits / 64, sizeof(*bm));
	assert_non_null(bm);
	u_stats_ok(u_fd, ioas, &a);
	U_EQ(u_dirty(u_fd, ioas, 0, bits * P, P, bm, 0), 2);
	u_stats_ok(u_fd, ioas, &b);
	U_EQ(b.out_reads, a.out_reads + 1);
	U_EQ(b.out_clears, a.out_clears + 1);
	/* Found again under set bits: no new bit, but a clear. */
	dirty_pages(ioas, 0, (const uint64_t[]){ edge - 1, edge }, 2);
	U_EQ(u_dirty(u_fd, ioas, 0, bits * P, P, bm, 0), 0);
	u_stats_ok(u_fd, ioas, &a);
	U_EQ(a.out_reads, b.out_reads + 1);
	U_EQ(a.out_clears, b.out_clears + 1);
	U_EQ(a.out_dirty_pending, 0);
	/* COUNT_ALL across the pieces. */
	dirty_pages(ioas, 0, (const uint64_t[]){ edge - 1, edge }, 2);
	U_EQ(u_dirty(u_fd, ioas, 0, bits * P, P, bm,
		     IODIRTY_DIRTY_COUNT_ALL), 2);
	free(bm);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 2 * P);
}

/* COUNT_ALL counts found bits, set before or not, in both modes. */
static void test_count_all(void **state)
{
	uint64_t bm[1];
	uint8_t *ram;
	uint32_t ioas;

	(void)state;
	need_v3();
	ram = u_ram(8 * P);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 8 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	dirty_pages(ioas, BASE, (const uint64_t[]){ 1, 2, 6 }, 3);
	bm[0] = 2;
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, bm,
		     IODIRTY_DIRTY_COUNT_ALL | IODIRTY_DIRTY_NO_CLEAR), 3);
	bm[0] = 2;
	U_EQ(u_dirty(u_fd, ioas, BASE, 8 * P, P, bm, IODIRTY_DIRTY_NO_CLEAR),
	     2);
	if (u_has(IODIRTY_INFO_CAP_UADDR_REPORT)) {
		/* an alias of page 2 */
		u_map_ok(u_fd, ioas, 2 * BASE, ram + 2 * P, P, U_RW);
		dirty_pages(ioas, 2 * BASE, (const uint64_t[]){ 0 }, 1);
		U_EQ(u_dirty(u_fd, ioas, (uintptr_t)ram, 8 * P, P, bm,
			     IODIRTY_DIRTY_UADDR | IODIRTY_DIRTY_COUNT_ALL),
		     3);
		U_EQ(bm[0], 0x46);
	}
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 8 * P);
}

static int unmap_v3(uint32_t ioas, uint64_t iova, uint64_t len,
		    uint64_t page_size, uint64_t *bm, uint32_t size,
		    struct iodirty_ioas_unmap *u)
{
	memset(u, 0, sizeof(*u));
	u->size = size;
	u->flags = IODIRTY_UNMAP_DIRTY_BITMAP;
	u->ioas_id = ioas;
	u->iova = iova;
	u->length = len;
	u->page_size = page_size;
	u->dirty_bitmap = (uintptr_t)bm;
	u->out_nr_dirty = 0xabab;
	return u_ioctl(u_fd, IODIRTY_IOAS_UNMAP, u);
}

/*
 * out_nr_dirty, its absence from the old size, and a report cutting its
 * 16 KiB pages: pages 1..9 make bits 0..2, pages 0, 10 and 11 stay dirty.
 */
static void test_unmap_nr_dirty_cut(void **state)
{
	struct iodirty_ioas_unmap u;
	struct iodirty_ioas_stats a, b;
	uint64_t bm[2] = { 0, 0 };
	uint8_t *ram;
	uint32_t ioas;

	(void)state;
	need_v3();
	ram = u_ram(12 * P);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 12 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	dirty_pages(ioas, BASE, (const uint64_t[]){ 0, 1, 5, 9, 10, 11 }, 6);
	bm[0] = 1;
	u_stats_ok(u_fd, ioas, &a);
	U_EQ(unmap_v3(ioas, BASE + P, 9 * P, 4 * P, bm, sizeof(u), &u), 0);
	U_EQ(u.out_unmapped, 9 * P);
	U_EQ(u.out_nr_dirty, 3);
	U_EQ(bm[0], 7);
	U_EQ(bm[1], 0);
	u_stats_ok(u_fd, ioas, &b);
	U_EQ(b.out_reads, a.out_reads + 1);
	U_EQ(b.out_clears, a.out_clears + 1);
	U_EQ(b.out_dirty_pending, 3);
	/* The size of version 2: out_nr_dirty is not written. */
	bm[0] = 0;
	U_EQ(unmap_v3(ioas, BASE + 10 * P, P, 4 * P, bm,
		      offsetof(struct iodirty_ioas_unmap, out_nr_dirty), &u),
	     0);
	U_EQ(u.out_nr_dirty, 0xabab);
	U_EQ(bm[0], 1);
	/* Not 4 KiB-aligned: still EINVAL. */
	U_EQ(unmap_v3(ioas, BASE + 11 * P + 8, P, 4 * P, bm, sizeof(u), &u),
	     -EINVAL);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 12 * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_count_once),
		cmocka_unit_test(test_count_all),
		cmocka_unit_test(test_unmap_nr_dirty_cut),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_counts", tests, u_group_open,
					   u_group_close);
}
