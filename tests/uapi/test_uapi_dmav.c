// SPDX-License-Identifier: MIT
/*
 * DMA_RWV: DMA_RW of a list of segments in one call. NULL buffers and an
 * overflowing total are checked on the whole list before anything moves;
 * a failing segment stops the call after
 * the ones before it, and out_done, written back on failure too, says how
 * many bytes those were. Lists longer than the module's batch of segments
 * behave as short ones.
 */
#include "uapi_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define P U_PAGE
#define BASE (1ULL << 32)
/* out_done before the call: a value the module must overwrite. */
#define GARBAGE 0xdeadbeefcafef00dULL

static int dmav(int fd, uint32_t ioas, struct iodirty_dma_vec *v, uint32_t n,
		uint32_t flags, uint64_t *done)
{
	struct iodirty_dma_rwv a = {
		.size = sizeof(a),
		.flags = flags,
		.ioas_id = ioas,
		.num_segs = n,
		.segs = (uintptr_t)v,
		.out_done = GARBAGE,
	};
	int rc = u_ioctl(fd, IODIRTY_DMA_RWV, &a);

	*done = a.out_done;
	return rc;
}

static struct iodirty_dma_vec seg(uint64_t iova, uint64_t len, void *buf)
{
	struct iodirty_dma_vec v = {
		.iova = iova, .length = len, .data = (uintptr_t)buf,
	};

	return v;
}

/* 16 pages at BASE, tracking on. */
static uint32_t setup(uint8_t **ram)
{
	uint32_t ioas;

	U_REQUIRE(IODIRTY_INFO_CAP_DMA_RW | IODIRTY_INFO_CAP_DIRTY_TRACKING);
	*ram = u_ram(16 * P);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, *ram, 16 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	return ioas;
}

static void teardown(uint32_t ioas, uint8_t *ram)
{
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 16 * P);
}

static uint64_t dirty_bits(uint32_t ioas)
{
	uint64_t bm = 0;

	U_EQ(u_dirty(u_fd, ioas, BASE, 16 * P, P, &bm, 0) >= 0, 1);
	return bm;
}

static void test_write_read_back(void **state)
{
	uint8_t src[3][200], dst[3][200], *ram;
	struct iodirty_dma_vec v[3];
	uint32_t ioas = setup(&ram);
	uint64_t done;

	(void)state;
	for (int i = 0; i < 3; i++)
		memset(src[i], 0x30 + i, sizeof(src[i]));
	/* Out of IOVA order, one across a page boundary. */
	v[0] = seg(BASE + 9 * P, 200, src[0]);
	v[1] = seg(BASE + 2 * P - 100, 200, src[1]);
	v[2] = seg(BASE + 5 * P + 7, 200, src[2]);
	U_EQ(dmav(u_fd, ioas, v, 3, IODIRTY_DMA_WRITE, &done), 0);
	U_EQ(done, 600);
	assert_memory_equal(ram + 9 * P, src[0], 200);
	assert_memory_equal(ram + 2 * P - 100, src[1], 200);
	assert_memory_equal(ram + 5 * P + 7, src[2], 200);
	U_EQ(dirty_bits(ioas), (1u << 9) | (1u << 1) | (1u << 2) | (1u << 5));

	/* Read back; a read marks nothing. */
	for (int i = 0; i < 3; i++)
		v[i].data = (uintptr_t)dst[i];
	U_EQ(dmav(u_fd, ioas, v, 3, 0, &done), 0);
	U_EQ(done, 600);
	assert_memory_equal(dst, src, sizeof(src));
	U_EQ(dirty_bits(ioas), 0);
	teardown(ioas, ram);
}

static void test_empty_and_bad_list(void **state)
{
	uint8_t buf[64], *ram;
	uint32_t ioas = setup(&ram);
	struct iodirty_dma_vec v[3];
	uint64_t done;

	(void)state;
	memset(buf, 0x77, sizeof(buf));
	/* Nothing to do: success, even without a list. */
	U_EQ(dmav(u_fd, ioas, NULL, 0, IODIRTY_DMA_WRITE, &done), 0);
	U_EQ(done, 0);
	/* A count without a list: the argument itself, nothing written back. */
	U_EQ(dmav(u_fd, ioas, NULL, 2, IODIRTY_DMA_WRITE, &done), -EINVAL);
	U_EQ(done, GARBAGE);
	/* A list that cannot be read. */
	U_EQ(dmav(u_fd, ioas, (void *)(uintptr_t)8, 1, IODIRTY_DMA_WRITE,
		  &done), -EFAULT);
	U_EQ(done, GARBAGE);
	/* MARK_ONLY is DMA_RW's alone. */
	v[0] = seg(BASE, 8, buf);
	U_EQ(dmav(u_fd, ioas, v, 1, IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY,
		  &done), -EOPNOTSUPP);

	/* Checks of the whole list first: nothing moves, done is 0. */
	v[0] = seg(BASE, 8, buf);
	v[1] = seg(BASE + P, 8, buf);
	v[2] = seg(BASE + 2 * P, 8, NULL);
	U_EQ(dmav(u_fd, ioas, v, 3, IODIRTY_DMA_WRITE, &done), -EINVAL);
	U_EQ(done, 0);
	v[2] = seg(BASE + 2 * P, ~0ULL - 4, buf);
	U_EQ(dmav(u_fd, ioas, v, 3, IODIRTY_DMA_WRITE, &done), -EOVERFLOW);
	U_EQ(done, 0);
	/* A NULL buffer is checked before the total. */
	v[0].data = 0;
	U_EQ(dmav(u_fd, ioas, v, 3, IODIRTY_DMA_WRITE, &done), -EINVAL);
	U_EQ(done, 0);
	U_EQ(ram[0], 0);
	U_EQ(ram[P], 0);
	U_EQ(dirty_bits(ioas), 0);

	/* A zero length is the segment's own error, as for DMA_RW: the
	 * segments before it are transferred. */
	v[0] = seg(BASE, 8, buf);
	v[1] = seg(BASE + P, 0, buf);
	v[2] = seg(BASE + 2 * P, 8, buf);
	U_EQ(dmav(u_fd, ioas, v, 3, IODIRTY_DMA_WRITE, &done), -EINVAL);
	U_EQ(done, 8);
	U_EQ(ram[0], 0x77);
	U_EQ(ram[2 * P], 0);
	U_EQ(dirty_bits(ioas), 1);
	teardown(ioas, ram);
}

static void test_stops_at_failing_segment(void **state)
{
	uint8_t buf[3][64], *ram, *ro, *none;
	struct iodirty_dma_vec v[3];
	uint32_t ioas = setup(&ram);
	uint64_t done;

	(void)state;
	for (int i = 0; i < 3; i++)
		memset(buf[i], 0x41 + i, sizeof(buf[i]));
	ro = u_ram(P);
	u_map_ok(u_fd, ioas, BASE + 32 * P, ro, P, IODIRTY_IOAS_MAP_READ);
	v[0] = seg(BASE + 1 * P, 64, buf[0]);
	v[2] = seg(BASE + 3 * P, 64, buf[2]);

	/* Unmapped, past the space, read-only: segment 1 fails before a byte. */
	v[1] = seg(BASE + 20 * P, 64, buf[1]);
	U_EQ(dmav(u_fd, ioas, v, 3, IODIRTY_DMA_WRITE, &done), -ENOENT);
	U_EQ(done, 64);
	v[1] = seg(1ULL << 40, 64, buf[1]);
	U_EQ(dmav(u_fd, ioas, v, 3, IODIRTY_DMA_WRITE, &done), -ERANGE);
	U_EQ(done, 64);
	v[1] = seg(BASE + 32 * P, 64, buf[1]);
	U_EQ(dmav(u_fd, ioas, v, 3, IODIRTY_DMA_WRITE, &done), -EACCES);
	U_EQ(done, 64);
	assert_memory_equal(ram + P, buf[0], 64);
	U_EQ(ro[0], 0);
	U_EQ(ram[3 * P], 0);
	U_EQ(dirty_bits(ioas), 1u << 1);

	/* A buffer that faults: the segments before landed, the failing one
	 * is marked dirty whole (part of it may have landed). */
	none = mmap(NULL, P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(none != MAP_FAILED);
	v[1] = seg(BASE + 6 * P, 64, none);
	memset(ram + 6 * P, 0x99, 64);
	U_EQ(dmav(u_fd, ioas, v, 3, IODIRTY_DMA_WRITE, &done), -EFAULT);
	U_EQ(done, 64);
	U_EQ(ram[3 * P], 0);
	/* Bytes that could not be read are not written (not zeroed). */
	for (int i = 0; i < 64; i++)
		U_EQ(ram[6 * P + i], 0x99);
	U_EQ(dirty_bits(ioas), (1u << 1) | (1u << 6));
	/* Reading into it faults the same way; nothing is marked. */
	U_EQ(dmav(u_fd, ioas, v, 3, 0, &done), -EFAULT);
	U_EQ(done, 64);
	U_EQ(dirty_bits(ioas), 0);
	munmap(none, P);
	u_ram_free(ro, P);
	teardown(ioas, ram);
}

/* Longer than the module's batch: the list is read in pieces. */
static void test_long_list(void **state)
{
	const uint32_t n = 1000;
	struct iodirty_dma_vec *v = calloc(n, sizeof(*v));
	uint8_t *src = malloc(n), *ram;
	uint32_t ioas = setup(&ram);
	uint64_t done;

	(void)state;
	assert_non_null(v);
	assert_non_null(src);
	for (uint32_t i = 0; i < n; i++) {
		src[i] = (uint8_t)(i * 13 + 1);
		/* One byte every 61 bytes: 1000 segments over 15 pages. */
		v[i] = seg(BASE + i * 61ULL, 1, &src[i]);
	}
	U_EQ(dmav(u_fd, ioas, v, n, IODIRTY_DMA_WRITE, &done), 0);
	U_EQ(done, n);
	for (uint32_t i = 0; i < n; i++)
		U_EQ(ram[i * 61ULL], src[i]);

	/* A bad buffer in the last batch stops the call before the first. */
	memset(ram, 0, 16 * P);
	v[n - 1].data = 0;
	U_EQ(dmav(u_fd, ioas, v, n, IODIRTY_DMA_WRITE, &done), -EINVAL);
	U_EQ(done, 0);
	U_EQ(ram[0], 0);
	v[n - 1].data = (uintptr_t)&src[n - 1];

	/* Failing in a later batch: done counts every batch before. */
	v[500].iova = BASE + 40 * P;
	U_EQ(dmav(u_fd, ioas, v, n, IODIRTY_DMA_WRITE, &done), -ENOENT);
	U_EQ(done, 500);
	U_EQ(ram[499 * 61ULL], src[499]);
	U_EQ(ram[501 * 61ULL], 0);
	free(src);
	free(v);
	teardown(ioas, ram);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_back),
		cmocka_unit_test(test_empty_and_bad_list),
		cmocka_unit_test(test_stops_at_failing_segment),
		cmocka_unit_test(test_long_list),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_dmav", tests, u_group_open,
					   u_group_close);
}
