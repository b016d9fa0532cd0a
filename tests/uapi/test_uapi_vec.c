// SPDX-License-Identifier: MIT
/*
 * IOAS_MAP_VEC and IOAS_UNMAP_VEC (uAPI version 3): the argument rules
 * (empty vector, missing or unreadable vector, IODIRTY_VEC_MAX_SEGS, the
 * bitmap flag and pointer), out_failed, all or nothing (the io-pagetable's
 * counters, translations and dirty state unchanged by a failing vector,
 * nothing left pinned: a failing segment's pin is undone along with those
 * before it), and the per-segment dirty report. Flags, reserved fields and
 * sizes are test_uapi_sizes.c's; pin accounting under a limit is
 * test_uapi_memlock.c's; fail-nth is test_uapi_fail_nth.c's.
 */
#include "uapi_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define P U_PAGE
#define BASE (1ULL << 32)
#define NPAGES 64u

static int map_vec(uint32_t ioas, const struct iodirty_map_vec_seg *v,
		   uint64_t n, uint64_t *failed)
{
	struct iodirty_ioas_map_vec cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_segs = n,
		.segs = (uintptr_t)v, .out_failed = 0xdead,
	};
	int rc = u_ioctl(u_fd, IODIRTY_IOAS_MAP_VEC, &cmd);

	*failed = cmd.out_failed;
	return rc;
}

static int unmap_vec(uint32_t ioas, const struct iodirty_unmap_vec_seg *v,
		     uint64_t n, uint64_t *bm, uint64_t *failed)
{
	struct iodirty_ioas_unmap_vec cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_segs = n,
		.segs = (uintptr_t)v, .out_failed = 0xdead,
	};
	int rc;

	if (bm) {
		cmd.flags = IODIRTY_UNMAP_VEC_DIRTY_BITMAP;
		cmd.dirty_bitmap = (uintptr_t)bm;
	}
	rc = u_ioctl(u_fd, IODIRTY_IOAS_UNMAP_VEC, &cmd);
	*failed = cmd.out_failed;
	return rc;
}

static struct iodirty_map_vec_seg mseg(uint64_t pg, uint64_t n, void *va)
{
	return (struct iodirty_map_vec_seg){ .iova = BASE + pg * P,
					     .user_va = (uintptr_t)va,
					     .length = n * P, .flags = U_RW };
}

static void need_cap(void)
{
	if (!u_has(IODIRTY_INFO_CAP_MAP_VEC)) {
		TC_SKIP("module lacks IODIRTY_INFO_CAP_MAP_VEC\n");
	}
}

static void test_arguments(void **state)
{
	uint32_t ioas;
	uint8_t *ram = u_ram(NPAGES * P);
	struct iodirty_map_vec_seg m = mseg(0, 1, ram);
	struct iodirty_unmap_vec_seg u = { BASE, P };
	struct iodirty_ioas_unmap_vec cmd;
	uint64_t failed, bm[1];
	void *gone;

	(void)state;
	need_cap();
	ioas = u_ioas_ok(u_fd, 48, 0);
	/* Empty: success, out_failed 0, with or without a pointer. */
	U_EQ(map_vec(ioas, NULL, 0, &failed), 0);
	U_EQ(failed, 0);
	U_EQ(unmap_vec(ioas, &u, 0, NULL, &failed), 0);
	U_EQ(failed, 0);
	/* No vector, too long a vector: nothing written back. */
	U_EQ(map_vec(ioas, NULL, 1, &failed), -EINVAL);
	U_EQ(failed, 0xdead);
	U_EQ(map_vec(ioas, &m, IODIRTY_VEC_MAX_SEGS + 1ULL, &failed), -E2BIG);
	U_EQ(failed, 0xdead);
	U_EQ(unmap_vec(ioas, &u, IODIRTY_VEC_MAX_SEGS + 1ULL, NULL, &failed),
	     -E2BIG);
	/* An unreadable vector. */
	gone = mmap(NULL, P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(gone != MAP_FAILED);
	U_EQ(map_vec(ioas, gone, 1, &failed), -EFAULT);
	U_EQ(failed, 0xdead);
	U_EQ(unmap_vec(ioas, gone, 1, NULL, &failed), -EFAULT);
	/* The bitmap: flag and pointer go together, 8-byte aligned. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.ioas_id = ioas;
	cmd.num_segs = 1;
	cmd.segs = (uintptr_t)&u;
	cmd.dirty_bitmap = (uintptr_t)bm;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_UNMAP_VEC, &cmd), -EINVAL);
	cmd.flags = IODIRTY_UNMAP_VEC_DIRTY_BITMAP;
	cmd.dirty_bitmap = 0;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_UNMAP_VEC, &cmd), -EINVAL);
	cmd.dirty_bitmap = (uintptr_t)bm + 4;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_UNMAP_VEC, &cmd), -EINVAL);
	/* An unwritable bitmap: EFAULT, nothing unmapped. */
	u_map_ok(u_fd, ioas, BASE, ram, P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	cmd.dirty_bitmap = (uintptr_t)gone;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_UNMAP_VEC, &cmd), -EFAULT);
	u_expect_stats(u_fd, ioas, P, 1, 0);
	munmap(gone, P);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, NPAGES * P);
}

static void test_map_all_or_nothing(void **state)
{
	uint8_t *ram = u_ram(NPAGES * P);
	struct iodirty_map_vec_seg v[4];
	struct u_snap before, after;
	uint64_t failed, va, contig;
	void *ro;
	uint32_t ioas;

	(void)state;
	need_cap();
	ioas = u_ioas_ok(u_fd, 48, 0);
	u_tracking_ok(u_fd, ioas, true);
	u_map_ok(u_fd, ioas, BASE + 20 * P, ram + 20 * P, 4 * P, U_RW);
	u_dma_ok(u_fd, ioas, BASE + 21 * P, ram, 8, IODIRTY_DMA_WRITE);
	/* Read-only memory: a writable map of it cannot be pinned. */
	ro = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);

	v[0] = mseg(0, 2, ram);
	v[1] = mseg(8, 1, ram + 8 * P);
	v[2] = mseg(10, 3, ram + 10 * P);
	v[3] = mseg(30, 1, ram + 30 * P);
	/* A state error, then a pin error: in both, nothing stays mapped. */
	for (int k = 0; k < 3; k++) {
		int exp;

		if (k == 0) {
			v[2] = mseg(19, 2, ram + 10 * P);
			exp = -EEXIST;
		} else if (k == 1) {
			v[2] = mseg(10, 1, ro);
			exp = -EFAULT;
		} else {
			v[2] = mseg(10, 3, ram + 10 * P);
			v[3] = mseg(11, 1, ram + 40 * P);
			exp = -EINVAL;
		}
		u_snap(u_fd, ioas, BASE, BASE, &before);
		U_EQ(map_vec(ioas, v, 4, &failed), exp);
		U_EQ(failed, k == 2 ? 3 : 2);
		u_snap(u_fd, ioas, BASE, BASE, &after);
		u_snap_equal(&before, &after);
		u_expect_stats(u_fd, ioas, 4 * P, 1, 0);
		for (uint64_t pg = 0; pg < NPAGES; pg++)
			if (pg < 20 || pg >= 24)
				U_EQ(u_translate(u_fd, ioas, BASE + pg * P, &va,
						 &contig), -ENOENT);
	}
	v[3] = mseg(30, 1, ram + 30 * P);
	U_EQ(map_vec(ioas, v, 4, &failed), 0);
	U_EQ(failed, 4);
	u_expect_stats(u_fd, ioas, 11 * P, 5, 0);
	U_EQ(u_translate(u_fd, ioas, BASE + 11 * P, &va, &contig), 0);
	U_EQ(va, (uintptr_t)(ram + 11 * P));
	munmap(ro, P);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, NPAGES * P);
}

static void test_unmap_report(void **state)
{
	uint8_t *ram = u_ram(NPAGES * P);
	struct iodirty_unmap_vec_seg v[4] = {
		{ BASE + 40 * P, 2 * P },	/* dirty */
		{ BASE + 4 * P, 4 * P },	/* clean */
		{ BASE + 30 * P, 4 * P },	/* nothing mapped: ENOENT */
		{ BASE + 0 * P, P },		/* dirty */
	};
	struct u_snap before, after;
	uint64_t failed, bm[2] = { 1ULL << 20, 0 };
	uint64_t *ro_bitmap;
	uint32_t ioas;

	(void)state;
	need_cap();
	if (!u_has(IODIRTY_INFO_CAP_DIRTY_TRACKING | IODIRTY_INFO_CAP_DMA_RW))
		TC_SKIP("module lacks dirty tracking or DMA_RW\n");
	ro_bitmap = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
	U_EQ(ro_bitmap != MAP_FAILED, 1);
	ioas = u_ioas_ok(u_fd, 48, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 30 * P, U_RW);
	u_map_ok(u_fd, ioas, BASE + 34 * P, ram + 34 * P, 30 * P, U_RW);
	U_EQ(unmap_vec(ioas, v, 4, bm, &failed), -ENODATA);
	U_EQ(failed, 4);
	u_tracking_ok(u_fd, ioas, true);
	u_dma_ok(u_fd, ioas, BASE + 41 * P, ram, 8, IODIRTY_DMA_WRITE);
	u_dma_ok(u_fd, ioas, BASE, ram, 8, IODIRTY_DMA_WRITE);
	u_dma_ok(u_fd, ioas, BASE + 50 * P, ram, 8, IODIRTY_DMA_WRITE);

	u_snap(u_fd, ioas, BASE + 41 * P, BASE, &before);
	U_EQ(unmap_vec(ioas, v, 4, bm, &failed), -ENOENT);
	U_EQ(failed, 2);
	U_EQ(bm[0], 1ULL << 20);
	u_snap(u_fd, ioas, BASE + 41 * P, BASE, &after);
	u_snap_equal(&before, &after);

	v[2] = (struct iodirty_unmap_vec_seg){ BASE + 29 * P, 6 * P };
	/* A bitmap that cannot be written: nothing unmapped or cleared. */
	u_snap(u_fd, ioas, BASE + 41 * P, BASE, &before);
	U_EQ(unmap_vec(ioas, v, 4, ro_bitmap, &failed), -EFAULT);
	U_EQ(failed, 4);
	u_snap(u_fd, ioas, BASE + 41 * P, BASE, &after);
	u_snap_equal(&before, &after);
	U_EQ(unmap_vec(ioas, v, 4, bm, &failed), 0);
	U_EQ(failed, 4);
	U_EQ(bm[0], (1ULL << 20) | (1ULL << 0) | (1ULL << 3));
	U_EQ(bm[1], 0);
	/* Page 50 stays mapped and dirty; the others were cleared. */
	memset(bm, 0, sizeof(bm));
	U_EQ(u_dirty(u_fd, ioas, BASE, NPAGES * P, P, bm, 0), 1);
	U_EQ(bm[0], 1ULL << 50);
	U_EQ(u_destroy(u_fd, ioas), 0);
	munmap(ro_bitmap, P);
	u_ram_free(ram, NPAGES * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_map_all_or_nothing),
		cmocka_unit_test(test_unmap_report),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_vec", tests, u_group_open,
					   u_group_close);
}
