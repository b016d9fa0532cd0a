// SPDX-License-Identifier: MIT
/*
 * GET_DIRTY_EXTENTS by user address over a range as large as the 64-bit
 * address space allows: the read walks from one mapped user page to the
 * next, so it returns at once, with the one page written, instead of
 * holding the io-pagetable's lock while it steps through the unmapped
 * space (a hang that blocked every other call on the io-pagetable). And
 * an array the kernel cannot write: the call fails before it clears.
 */
#include "uapi_util.h"

#include <errno.h>
#include <sys/mman.h>
#include <time.h>

#define P U_PAGE
#define BASE (1ULL << 32)

static void test_uaddr_whole_space(void **state)
{
	struct iodirty_dirty_extent ext[4] = { { 0, 0 } };
	struct iodirty_get_dirty_extents e;
	uint8_t b = 0x5a;
	uint32_t ioas;
	time_t t0;
	uint8_t *ram;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_EXTENTS | IODIRTY_INFO_CAP_DMA_RW |
		  IODIRTY_INFO_CAP_DIRTY_TRACKING);
	ram = u_ram(16 * P);
	ioas = u_ioas_ok(u_fd, 0, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 16 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	u_dma_ok(u_fd, ioas, BASE + 3 * P, &b, 1, IODIRTY_DMA_WRITE);

	e = (struct iodirty_get_dirty_extents){
		.size = sizeof(e),
		.flags = IODIRTY_DIRTY_UADDR,
		.ioas_id = ioas,
		.nr_extents = 4,
		.iova = P,
		/* Up to the last page of the 64-bit space. */
		.length = 0 - 2 * P,
		.page_size = P,
		.extents = (uintptr_t)ext,
	};
	t0 = time(NULL);
	U_EQ(u_ioctl(u_fd, IODIRTY_GET_DIRTY_EXTENTS, &e), 0);
	/* Minutes would be the old walk; emulation and KASAN need seconds. */
	U_EQ(time(NULL) - t0 < 30, 1);
	U_EQ(e.out_nr, 1);
	U_EQ(ext[0].start, (uintptr_t)ram + 3 * P);
	U_EQ(ext[0].length, P);
	U_EQ(e.out_next, P + e.length);
	u_expect_stats(u_fd, ioas, 16 * P, 1, 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 16 * P);
}

/*
 * An extents array in read-only memory: EFAULT, and the dirty pages are
 * still there for the next read (nothing was cleared, nothing needs to be
 * put back after the lock is dropped, when an unmap may have come first).
 */
static void test_unwritable_array_clears_nothing(void **state)
{
	struct iodirty_get_dirty_extents e;
	uint64_t bm[1] = { 0 };
	uint8_t b = 0xa5;
	void *ro;
	uint32_t ioas;
	uint8_t *ram;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_EXTENTS | IODIRTY_INFO_CAP_DMA_RW |
		  IODIRTY_INFO_CAP_DIRTY_TRACKING);
	ram = u_ram(16 * P);
	ro = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	U_EQ(ro != MAP_FAILED, 1);
	ioas = u_ioas_ok(u_fd, 0, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 16 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	u_dma_ok(u_fd, ioas, BASE + 3 * P, &b, 1, IODIRTY_DMA_WRITE);
	u_dma_ok(u_fd, ioas, BASE + 9 * P, &b, 1, IODIRTY_DMA_WRITE);

	e = (struct iodirty_get_dirty_extents){
		.size = sizeof(e),
		.ioas_id = ioas,
		.nr_extents = 4,
		.iova = BASE,
		.length = 16 * P,
		.page_size = P,
		.extents = (uintptr_t)ro,
	};
	U_EQ(u_ioctl(u_fd, IODIRTY_GET_DIRTY_EXTENTS, &e), -EFAULT);
	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P, bm, 0), 2);
	U_EQ(bm[0], (1ULL << 3) | (1ULL << 9));
	U_EQ(u_destroy(u_fd, ioas), 0);
	munmap(ro, P);
	u_ram_free(ram, 16 * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uaddr_whole_space),
		cmocka_unit_test(test_unwritable_array_clears_nothing),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_extents", tests, u_group_open,
					   u_group_close);
}
