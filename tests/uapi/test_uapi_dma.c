// SPDX-License-Identifier: MIT
/*
 * DMA_RW: a software device's reads and writes through the io-pagetable.
 * The bytes must land in the very pages pinned at MAP time (the caller's
 * pages, seen through its own mappings), whole-range checks come before
 * any copy, and a write is marked dirty.
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


static void fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void need_dma(void)
{
	U_REQUIRE(IODIRTY_INFO_CAP_DMA_RW);
}

static void test_write_and_read_user_pages(void **state)
{
	uint8_t src[300], dst[300];
	uint8_t *a, *b;
	uint32_t ioas;
	int memfd;

	(void)state;
	need_dma();
	/* One memfd seen at two addresses: the device writes through a. */
	a = u_ram_memfd(8 * P, &memfd);
	b = mmap(NULL, 8 * P, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	assert_true(b != MAP_FAILED);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, a, 8 * P, U_RW);

	/* A write across a page boundary lands in the user's pages. */
	fill_pattern(src, sizeof(src), 3);
	u_dma_ok(u_fd, ioas, BASE + 2 * P - 100, src, sizeof(src),
		 IODIRTY_DMA_WRITE);
	assert_memory_equal(a + 2 * P - 100, src, sizeof(src));
	assert_memory_equal(b + 2 * P - 100, src, sizeof(src));
	/* Bytes next to it are untouched. */
	U_EQ(a[2 * P - 101], 0);
	U_EQ(a[2 * P + 200], 0);

	/* A device read sees what the CPU wrote. */
	fill_pattern(b + 5 * P, 300, 99);
	memset(dst, 0, sizeof(dst));
	u_dma_ok(u_fd, ioas, BASE + 5 * P, dst, sizeof(dst), 0);
	assert_memory_equal(dst, b + 5 * P, sizeof(dst));

	/* A whole-buffer round trip. */
	{
		uint8_t *big = malloc(8 * P), *back = malloc(8 * P);

		assert_non_null(big);
		assert_non_null(back);
		fill_pattern(big, 8 * P, 42);
		u_dma_ok(u_fd, ioas, BASE, big, 8 * P, IODIRTY_DMA_WRITE);
		assert_memory_equal(b, big, 8 * P);
		u_dma_ok(u_fd, ioas, BASE, back, 8 * P, 0);
		assert_memory_equal(back, big, 8 * P);
		free(big);
		free(back);
	}
	U_EQ(u_destroy(u_fd, ioas), 0);
	munmap(b, 8 * P);
	u_ram_free(a, 8 * P);
	close(memfd);
}

/* Remapping the user range after MAP does not redirect the device. */
static void test_pinned_pages_survive_remap(void **state)
{
	uint8_t src[64];
	uint8_t *a, *b, *fresh;
	uint64_t va = 0;
	uint32_t ioas;
	int memfd;

	(void)state;
	need_dma();
	a = u_ram_memfd(4 * P, &memfd);
	b = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	assert_true(b != MAP_FAILED);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, a, 4 * P, U_RW);
	/* New anonymous memory at the same address. */
	fresh = mmap(a, 4 * P, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	assert_true(fresh == a);
	fill_pattern(src, sizeof(src), 7);
	u_dma_ok(u_fd, ioas, BASE + P, src, sizeof(src), IODIRTY_DMA_WRITE);
	/* Into the pinned memfd page, seen at b, not into the new memory. */
	assert_memory_equal(b + P, src, sizeof(src));
	U_EQ(a[P], 0);
	/* TRANSLATE still reports the address given at MAP time. */
	U_EQ(u_translate(u_fd, ioas, BASE + P, &va, NULL), 0);
	U_EQ(va, (uintptr_t)a + P);
	U_EQ(u_destroy(u_fd, ioas), 0);
	munmap(b, 4 * P);
	u_ram_free(a, 4 * P);
	close(memfd);
}

static void test_unmapped_and_permissions(void **state)
{
	uint8_t *ram, *other, buf[3 * 4096];
	uint32_t ioas;

	(void)state;
	need_dma();
	ram = u_ram(8 * P);
	other = u_ram(8 * P);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	/* Contiguous in IOVA, other memory: one DMA crosses both. */
	u_map_ok(u_fd, ioas, BASE + 4 * P, other, 2 * P, U_RW);
	u_map_ok(u_fd, ioas, BASE + 6 * P, ram + 6 * P, P,
		 IODIRTY_IOAS_MAP_READ);
	u_map_ok(u_fd, ioas, BASE + 7 * P, ram + 7 * P, P,
		 IODIRTY_IOAS_MAP_WRITE);
	memset(buf, 0xab, sizeof(buf));

	/* Crossing mappings. */
	u_dma_ok(u_fd, ioas, BASE + 4 * P - 8, buf, 16, IODIRTY_DMA_WRITE);
	U_EQ(ram[4 * P - 1], 0xab);
	U_EQ(other[7], 0xab);
	U_EQ(other[8], 0);

	/* Past the end of what is mapped: ENOENT, nothing copied. */
	U_EQ(u_dma(u_fd, ioas, BASE + 8 * P - 4, buf, 8, IODIRTY_DMA_WRITE),
	     -ENOENT);
	U_EQ(ram[8 * P - 4], 0);
	U_EQ(u_dma(u_fd, ioas, BASE - 4, buf, 8, IODIRTY_DMA_WRITE), -ENOENT);
	U_EQ(ram[0], 0);
	U_EQ(u_dma(u_fd, ioas, BASE + 64 * P, buf, 8, 0), -ENOENT);

	/* Write through a read-only mapping: EACCES, nothing copied. */
	U_EQ(u_dma(u_fd, ioas, BASE + 6 * P - 4, buf, 8, IODIRTY_DMA_WRITE),
	     -EACCES);
	U_EQ(other[2 * P - 4], 0);
	U_EQ(ram[6 * P], 0);
	/* Read through a write-only one: EACCES. */
	U_EQ(u_dma(u_fd, ioas, BASE + 7 * P, buf, 8, 0), -EACCES);
	u_dma_ok(u_fd, ioas, BASE + 6 * P, buf, 8, 0);
	u_dma_ok(u_fd, ioas, BASE + 7 * P, buf, 8, IODIRTY_DMA_WRITE);

	/* A hole punched in the middle: ENOENT across it. */
	if (u_has(IODIRTY_INFO_CAP_PARTIAL_UNMAP)) {
		U_EQ(u_unmap(u_fd, ioas, BASE + 2 * P, P, 0, NULL), 0);
		U_EQ(u_dma(u_fd, ioas, BASE + P, buf, 3 * P, 0), -ENOENT);
		U_EQ(u_dma(u_fd, ioas, BASE + 2 * P + 5, buf, 1, 0), -ENOENT);
	}
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 8 * P);
	u_ram_free(other, 8 * P);
}

static void test_dma_errors(void **state)
{
	uint8_t *ram, *ro, buf[16];
	uint32_t ioas;

	(void)state;
	need_dma();
	ram = u_ram(4 * P);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	ro = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);
	U_EQ(u_dma(u_fd, ioas, BASE, buf, 0, IODIRTY_DMA_WRITE), -EINVAL);
	U_EQ(u_dma(u_fd, ioas, BASE, NULL, 8, IODIRTY_DMA_WRITE), -EINVAL);
	U_EQ(u_dma(u_fd, ioas, BASE, NULL, 8, 0), -EINVAL);
	/* A buffer the kernel cannot read or write. */
	U_EQ(u_dma(u_fd, ioas, BASE, (void *)(uintptr_t)8, 8,
		   IODIRTY_DMA_WRITE), -EFAULT);
	U_EQ(u_dma(u_fd, ioas, BASE, ro, 8, 0), -EFAULT);
	/*
	 * The order of checks: what MARK_ONLY rules out comes before the
	 * object ID, a missing buffer (a value) after it.
	 */
	U_EQ(u_dma(u_fd, 0x7fffffffu, BASE, buf, 8,
		   IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY), -EINVAL);
	U_EQ(u_dma(u_fd, 0x7fffffffu, BASE, NULL, 8, IODIRTY_DMA_WRITE),
	     -ENOENT);
	U_EQ(u_destroy(u_fd, ioas), 0);
	munmap(ro, P);
	u_ram_free(ram, 4 * P);
}

/*
 * EFAULT from the source buffer halfway through a write: part of it may
 * have landed, so the whole range is marked dirty (reporting too much is
 * safe, missing a write is not).
 */
static void test_partial_write_is_dirty(void **state)
{
	uint8_t *ram, *src;
	uint64_t bm = 0;
	uint32_t ioas;
	int rc;

	(void)state;
	need_dma();
	U_REQUIRE(IODIRTY_INFO_CAP_DIRTY_TRACKING);
	ram = u_ram(4 * P);
	src = u_ram(2 * P);
	memset(src, 0xee, P);
	assert_int_equal(mprotect(src + P, P, PROT_NONE), 0);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	rc = u_dma(u_fd, ioas, BASE, src, 2 * P, IODIRTY_DMA_WRITE);
	U_EQ(rc, -EFAULT);
	U_EQ(u_dirty(u_fd, ioas, BASE, 4 * P, P, &bm, 0), 2);
	U_EQ(bm, 3);
	/* Page 1's source was unreadable: it cannot have changed. */
	U_EQ(ram[P], 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(src, 2 * P);
	u_ram_free(ram, 4 * P);
}

static void test_read_is_not_dirty(void **state)
{
	uint8_t *ram, buf[64];
	uint64_t bm = 0;
	uint32_t ioas;

	(void)state;
	need_dma();
	U_REQUIRE(IODIRTY_INFO_CAP_DIRTY_TRACKING);
	ram = u_ram(4 * P);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	u_dma_ok(u_fd, ioas, BASE + P, buf, sizeof(buf), 0);
	U_EQ(u_dirty(u_fd, ioas, BASE, 4 * P, P, &bm, 0), 0);
	u_dma_ok(u_fd, ioas, BASE + P, buf, sizeof(buf), IODIRTY_DMA_WRITE);
	U_EQ(u_dirty(u_fd, ioas, BASE, 4 * P, P, &bm, 0), 1);
	U_EQ(bm, 2);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 4 * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_and_read_user_pages),
		cmocka_unit_test(test_pinned_pages_survive_remap),
		cmocka_unit_test(test_unmapped_and_permissions),
		cmocka_unit_test(test_dma_errors),
		cmocka_unit_test(test_partial_write_is_dirty),
		cmocka_unit_test(test_read_is_not_dirty),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_dma", tests, u_group_open,
					   u_group_close);
}
