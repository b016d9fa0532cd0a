// SPDX-License-Identifier: MIT
/*
 * IOAS_ALLOC, IOAS_MAP, IOAS_UNMAP, IOAS_TRANSLATE, IOAS_IOVA_RANGES,
 * IOAS_RESERVE and DESTROY through raw ioctls: round trips with hole
 * punching and refilling, EXACT unmaps, the command-specific errors, the
 * object lifetime (destroy, close with live mappings, reopen).
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


static void expect_translate(int fd, uint32_t ioas, uint64_t iova,
			     const void *va, uint64_t contig)
{
	uint64_t got = 0, c = 0;
	int rc = u_translate(fd, ioas, iova, &got, &c);

	if (rc || got != (uintptr_t)va || c != contig)
		print_error("TRANSLATE 0x%" PRIx64 ": %d, va 0x%" PRIx64
			    " contig 0x%" PRIx64 "; expected %p, 0x%" PRIx64
			    "\n", iova, rc, got, c, va, contig);
	assert_int_equal(rc, 0);
	assert_true(got == (uintptr_t)va);
	assert_true(c == contig);
}

static void test_info(void **state)
{
	(void)state;
	U_EQ(u_info.out_uapi_version, 3);
	U_EQ(u_info.__reserved, 0);
	assert_true(u_info.out_page_sizes & P);
	assert_true(u_info.out_granules & P);
	/* Granules are powers of two from a page on. */
	U_EQ(u_info.out_granules & (P - 1), 0);
}

static void test_alloc_params(void **state)
{
	struct iodirty_ioas_alloc a;
	struct iodirty_ioas_stats st;
	uint32_t id, id2;

	(void)state;
	/* 0: the defaults GET_INFO announces. */
	id = u_ioas_ok(u_fd, 0, 0);
	u_stats_ok(u_fd, id, &st);
	U_EQ(st.out_iova_bits, u_info.out_default_iova_bits);
	U_EQ(st.out_granule, P);
	U_EQ(st.out_tracking, 0);
	U_EQ(st.out_mapped_bytes, 0);
	U_EQ(st.__reserved, 0);
	/* The smallest space, with the smallest granule above a page. */
	if (u_info.out_granules & (2 * P)) {
		id2 = u_ioas_ok(u_fd, 20, 13);
		assert_true(id2 != id);
		u_stats_ok(u_fd, id2, &st);
		U_EQ(st.out_iova_bits, 20);
		U_EQ(st.out_granule, 2 * P);
		U_EQ(u_destroy(u_fd, id2), 0);
	}
	U_EQ(u_destroy(u_fd, id), 0);

	/* Out of range widths and granules. */
	U_EQ(u_ioas_alloc(u_fd, 19, 0, &id), -EINVAL);
	U_EQ(u_ioas_alloc(u_fd, 65, 0, &id), -EINVAL);
	U_EQ(u_ioas_alloc(u_fd, u_info.out_max_iova_bits + 1, 0, &id),
	     -EINVAL);
	U_EQ(u_ioas_alloc(u_fd, 0, 11, &id), -EINVAL);
	U_EQ(u_ioas_alloc(u_fd, 0, 31, &id), -EINVAL);
	U_EQ(u_ioas_alloc(u_fd, 0, 64, &id), -EINVAL);
	/* A granule as wide as the whole space is not a granule. */
	U_EQ(u_ioas_alloc(u_fd, 24, 25, &id), -EINVAL);
	U_EQ(u_ioas_alloc(u_fd, 24, 24, &id), -EINVAL);
	/* Half the space is. */
	if (u_info.out_granules & (1ULL << 23)) {
		id = u_ioas_ok(u_fd, 24, 23);
		U_EQ(u_destroy(u_fd, id), 0);
	}

	/* hw_split needs the hardware model, and a known value. */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.hw_split = IODIRTY_IOAS_HW_SPLIT_EAGER;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_ALLOC, &a), -EINVAL);
	a.hw_split = 2;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_ALLOC, &a), -EINVAL);
	a.hw_split = IODIRTY_IOAS_HW_SPLIT_EAGER;
	a.flags = IODIRTY_IOAS_HW_MODEL;
	if (u_has(IODIRTY_INFO_CAP_HW_MODEL)) {
		U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_ALLOC, &a), 0);
		U_EQ(u_destroy(u_fd, a.out_ioas_id), 0);
		a.hw_split = 2;
		U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_ALLOC, &a), -EINVAL);
		a.hw_split = 0xffffffffu;
		U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_ALLOC, &a), -EINVAL);
	} else {
		/* A known flag the module cannot honour. */
		U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_ALLOC, &a), -EOPNOTSUPP);
	}
}

static void test_map_unmap_round_trip(void **state)
{
	const uint64_t n = 64;
	uint64_t unmapped = 0;
	uint32_t ioas;
	uint8_t *ram;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_PARTIAL_UNMAP);
	ioas = u_ioas_ok(u_fd, 40, 0);
	ram = u_ram(n * P);
	u_map_ok(u_fd, ioas, BASE, ram, n * P, U_RW);
	u_expect_stats(u_fd, ioas, n * P, 1, 0);
	expect_translate(u_fd, ioas, BASE, ram, n * P);
	expect_translate(u_fd, ioas, BASE + 10 * P + 7, ram + 10 * P + 7,
			 (n - 10) * P - 7);

	/* Punch page 20: translate stops at the hole, the hole is gone. */
	U_EQ(u_unmap(u_fd, ioas, BASE + 20 * P, P, 0, &unmapped), 0);
	U_EQ(unmapped, P);
	u_expect_stats(u_fd, ioas, (n - 1) * P, 1, 1);
	expect_translate(u_fd, ioas, BASE + 10 * P, ram + 10 * P, 10 * P);
	expect_translate(u_fd, ioas, BASE + 21 * P, ram + 21 * P,
			 (n - 21) * P);
	U_EQ(u_translate(u_fd, ioas, BASE + 20 * P + 1, NULL, NULL), -ENOENT);

	/* A second hole, then a range over both holes and pages between. */
	U_EQ(u_unmap(u_fd, ioas, BASE + 22 * P, P, 0, &unmapped), 0);
	u_expect_stats(u_fd, ioas, (n - 2) * P, 1, 2);
	U_EQ(u_unmap(u_fd, ioas, BASE + 20 * P, 3 * P, 0, &unmapped), 0);
	U_EQ(unmapped, P);
	u_expect_stats(u_fd, ioas, (n - 3) * P, 1, 3);

	/* Refill the holes with the same linear target: one run again. */
	u_map_ok(u_fd, ioas, BASE + 20 * P, ram + 20 * P, 3 * P, U_RW);
	u_expect_stats(u_fd, ioas, n * P, 1, 0);
	expect_translate(u_fd, ioas, BASE, ram, n * P);

	/* A hole refilled with other memory splits the run in three. */
	U_EQ(u_unmap(u_fd, ioas, BASE + 30 * P, P, 0, NULL), 0);
	u_map_ok(u_fd, ioas, BASE + 30 * P, ram, P, U_RW);
	u_expect_stats(u_fd, ioas, n * P, 3, 0);
	expect_translate(u_fd, ioas, BASE + 30 * P, ram, P);

	/* Trim both ends, then unmap the rest with one call. */
	U_EQ(u_unmap(u_fd, ioas, BASE, 2 * P, 0, &unmapped), 0);
	U_EQ(unmapped, 2 * P);
	U_EQ(u_unmap(u_fd, ioas, BASE + (n - 2) * P, 4 * P, 0, &unmapped), 0);
	U_EQ(unmapped, 2 * P);
	U_EQ(u_translate(u_fd, ioas, BASE + P, NULL, NULL), -ENOENT);
	expect_translate(u_fd, ioas, BASE + 2 * P, ram + 2 * P, 28 * P);
	U_EQ(u_unmap(u_fd, ioas, BASE - 16 * P, (n + 32) * P, 0, &unmapped),
	     0);
	U_EQ(unmapped, (n - 4) * P);
	u_expect_stats(u_fd, ioas, 0, 0, 0);
	/* Nothing left to unmap. */
	U_EQ(u_unmap(u_fd, ioas, BASE, n * P, 0, NULL), -ENOENT);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, n * P);
}

static void test_unmap_across_gaps(void **state)
{
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);
	uint8_t *ram = u_ram(32 * P);
	uint64_t unmapped = 0;

	(void)state;
	u_map_ok(u_fd, ioas, BASE, ram, 8 * P, U_RW);
	u_map_ok(u_fd, ioas, BASE + 16 * P, ram + 16 * P, 8 * P,
		 IODIRTY_IOAS_MAP_READ);
	u_expect_stats(u_fd, ioas, 16 * P, 2, 0);
	/* The gap alone: nothing mapped there. */
	U_EQ(u_unmap(u_fd, ioas, BASE + 8 * P, 8 * P, 0, NULL), -ENOENT);
	/* Whole mappings and the gap between them, in one call. */
	U_EQ(u_unmap(u_fd, ioas, BASE, 24 * P, 0, &unmapped), 0);
	U_EQ(unmapped, 16 * P);
	u_expect_stats(u_fd, ioas, 0, 0, 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 32 * P);
}

static void test_unmap_exact(void **state)
{
	struct u_snap before, after;
	uint64_t unmapped = 0;
	uint32_t ioas;
	uint8_t *ram;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_PARTIAL_UNMAP);
	ioas = u_ioas_ok(u_fd, 40, 0);
	ram = u_ram(32 * P);
	u_map_ok(u_fd, ioas, BASE, ram, 16 * P, U_RW);
	U_EQ(u_unmap(u_fd, ioas, BASE + 5 * P, P, 0, NULL), 0);

	/* EXACT over the hole, or over the end of the mapping: nothing. */
	u_snap(u_fd, ioas, BASE + 4 * P, BASE, &before);
	U_EQ(u_unmap(u_fd, ioas, BASE + 4 * P, 3 * P, IODIRTY_UNMAP_EXACT,
		     NULL), -ENOENT);
	U_EQ(u_unmap(u_fd, ioas, BASE + 5 * P, P, IODIRTY_UNMAP_EXACT, NULL),
	     -ENOENT);
	U_EQ(u_unmap(u_fd, ioas, BASE + 14 * P, 4 * P, IODIRTY_UNMAP_EXACT,
		     NULL), -ENOENT);
	u_snap(u_fd, ioas, BASE + 4 * P, BASE, &after);
	u_snap_equal(&before, &after);
	u_expect_stats(u_fd, ioas, 15 * P, 1, 1);

	/* EXACT over mapped pages only: fine, even cutting the mapping. */
	U_EQ(u_unmap(u_fd, ioas, BASE + 6 * P, 2 * P, IODIRTY_UNMAP_EXACT,
		     &unmapped), 0);
	U_EQ(unmapped, 2 * P);
	U_EQ(u_unmap(u_fd, ioas, BASE, 5 * P, IODIRTY_UNMAP_EXACT,
		     &unmapped), 0);
	U_EQ(unmapped, 5 * P);
	u_expect_stats(u_fd, ioas, 8 * P, 1, 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 32 * P);
}

static void test_map_errors(void **state)
{
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);
	uint8_t *ram = u_ram(16 * P);
	uint8_t *ro, *none;

	(void)state;
	/* Alignment, zero length, no permission: EINVAL. */
	U_EQ(u_map(u_fd, ioas, BASE + 1, ram, P, U_RW), -EINVAL);
	U_EQ(u_map(u_fd, ioas, BASE, ram + 1, P, U_RW), -EINVAL);
	U_EQ(u_map(u_fd, ioas, BASE, ram, P + 1, U_RW), -EINVAL);
	U_EQ(u_map(u_fd, ioas, BASE, ram, 0, U_RW), -EINVAL);
	U_EQ(u_map(u_fd, ioas, BASE, ram, P, 0), -EINVAL);
	/* The user range wraps. */
	U_EQ(u_map(u_fd, ioas, BASE, (void *)(uintptr_t)(~0ULL - P + 1),
		   2 * P, U_RW), -EOVERFLOW);
	/* Overlap: EEXIST, whether the first, a middle or the last page. */
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	U_EQ(u_map(u_fd, ioas, BASE + 3 * P, ram + 8 * P, 2 * P, U_RW),
	     -EEXIST);
	U_EQ(u_map(u_fd, ioas, BASE - P, ram + 8 * P, 2 * P, U_RW), -EEXIST);
	U_EQ(u_map(u_fd, ioas, BASE - P, ram + 8 * P, 6 * P, U_RW), -EEXIST);
	U_EQ(u_map(u_fd, ioas, BASE, ram, 4 * P, U_RW), -EEXIST);
	u_expect_stats(u_fd, ioas, 4 * P, 1, 0);

	/* Memory that cannot be pinned: EFAULT, nothing mapped. */
	ro = mmap(NULL, 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none = mmap(NULL, 2 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED && none != MAP_FAILED);
	U_EQ(u_map(u_fd, ioas, BASE + 16 * P, ro, 2 * P, U_RW), -EFAULT);
	U_EQ(u_map(u_fd, ioas, BASE + 16 * P, none, 2 * P,
		   IODIRTY_IOAS_MAP_READ), -EFAULT);
	/* Half pinnable (the second page is PROT_NONE): all or nothing. */
	assert_int_equal(mprotect(ram + 15 * P, P, PROT_NONE), 0);
	U_EQ(u_map(u_fd, ioas, BASE + 16 * P, ram + 14 * P, 2 * P, U_RW),
	     -EFAULT);
	u_expect_stats(u_fd, ioas, 4 * P, 1, 0);
	/* Read-only memory may be mapped for device reads. */
	u_map_ok(u_fd, ioas, BASE + 16 * P, ro, 2 * P, IODIRTY_IOAS_MAP_READ);
	u_expect_stats(u_fd, ioas, 6 * P, 2, 0);

	/* Unmap argument errors. */
	U_EQ(u_unmap(u_fd, ioas, BASE + 1, P, 0, NULL), -EINVAL);
	U_EQ(u_unmap(u_fd, ioas, BASE, P - 1, 0, NULL), -EINVAL);
	U_EQ(u_unmap(u_fd, ioas, BASE, 0, 0, NULL), -EINVAL);
	u_expect_stats(u_fd, ioas, 6 * P, 2, 0);

	U_EQ(u_destroy(u_fd, ioas), 0);
	munmap(ro, 2 * P);
	munmap(none, 2 * P);
	u_ram_free(ram, 16 * P);
}

/* Without a dirty bitmap, page_size and dirty_bitmap must be 0. */
static void test_unmap_bitmap_fields_without_flag(void **state)
{
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);
	uint8_t *ram = u_ram(4 * P);
	struct iodirty_ioas_unmap u;
	uint64_t bm = 0;

	(void)state;
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.ioas_id = ioas;
	u.iova = BASE;
	u.length = P;
	u.page_size = P;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_UNMAP, &u), -EINVAL);
	u.page_size = 0;
	u.dirty_bitmap = (uintptr_t)&bm;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_UNMAP, &u), -EINVAL);
	u_expect_stats(u_fd, ioas, 4 * P, 1, 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 4 * P);
}

static void test_translate(void **state)
{
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);
	uint8_t *ram = u_ram(8 * P);

	(void)state;
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	/* Adjacent in IOVA and in memory: one run, contig spans both. */
	u_map_ok(u_fd, ioas, BASE + 4 * P, ram + 4 * P, 4 * P, U_RW);
	u_expect_stats(u_fd, ioas, 8 * P, 1, 0);
	expect_translate(u_fd, ioas, BASE + P - 1, ram + P - 1, 7 * P + 1);
	expect_translate(u_fd, ioas, BASE + 8 * P - 1, ram + 8 * P - 1, 1);
	U_EQ(u_translate(u_fd, ioas, BASE + 8 * P, NULL, NULL), -ENOENT);
	U_EQ(u_translate(u_fd, ioas, BASE - 1, NULL, NULL), -ENOENT);
	U_EQ(u_translate(u_fd, ioas, 1ULL << 40, NULL, NULL), -ERANGE);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 8 * P);
}

static void test_iova_ranges(void **state)
{
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);
	struct iodirty_iova_range r[5];
	struct iodirty_ioas_iova_ranges q;
	uint32_t num;

	(void)state;
	/* A fresh io-pagetable: its whole space, one entry. */
	memset(r, 0xff, sizeof(r));
	num = 5;
	U_EQ(u_ranges(u_fd, ioas, 0, r, &num), 0);
	U_EQ(num, 1);
	U_EQ(r[0].start, 0);
	U_EQ(r[0].last, (1ULL << 40) - 1);
	U_EQ(r[0].type, IODIRTY_RANGE_USABLE);
	U_EQ(r[0].__reserved, 0);
	/* Entries past num are not written. */
	U_EQ(r[1].start, ~0ULL);
	num = 0;
	U_EQ(u_ranges(u_fd, ioas, IODIRTY_RANGES_RESERVED, NULL, &num), 0);
	U_EQ(num, 0);

	if (!u_has(IODIRTY_INFO_CAP_RESERVE)) {
		U_EQ(u_destroy(u_fd, ioas), 0);
		return;
	}
	U_EQ(u_reserve(u_fd, ioas, BASE, 2 * P, IODIRTY_RANGE_RESV_MSI, 0), 0);
	U_EQ(u_reserve(u_fd, ioas, 0, P, IODIRTY_RANGE_RESV_DIRECT, 0), 0);
	U_EQ(u_reserve(u_fd, ioas, (1ULL << 40) - P, P,
		       IODIRTY_RANGE_RESV_MSI, 0), 0);

	/* Too small: EMSGSIZE, the count, and as many entries as fit. */
	memset(r, 0xff, sizeof(r));
	num = 1;
	U_EQ(u_ranges(u_fd, ioas, 0, r, &num), -EMSGSIZE);
	U_EQ(num, 2);
	U_EQ(r[0].start, P);
	U_EQ(r[0].last, BASE - 1);
	U_EQ(r[1].start, ~0ULL);
	num = 0;
	U_EQ(u_ranges(u_fd, ioas, 0, NULL, &num), -EMSGSIZE);
	U_EQ(num, 2);
	num = 5;
	U_EQ(u_ranges(u_fd, ioas, 0, r, &num), 0);
	U_EQ(num, 2);
	U_EQ(r[1].start, BASE + 2 * P);
	U_EQ(r[1].last, (1ULL << 40) - P - 1);
	U_EQ(r[1].type, IODIRTY_RANGE_USABLE);

	/* The reserved regions themselves, with their types. */
	memset(r, 0xff, sizeof(r));
	num = 2;
	U_EQ(u_ranges(u_fd, ioas, IODIRTY_RANGES_RESERVED, r, &num),
	     -EMSGSIZE);
	U_EQ(num, 3);
	U_EQ(r[1].start, BASE);
	U_EQ(r[2].start, ~0ULL);
	num = 5;
	memset(r, 0xff, sizeof(r));
	U_EQ(u_ranges(u_fd, ioas, IODIRTY_RANGES_RESERVED, r, &num), 0);
	U_EQ(num, 3);
	U_EQ(r[0].start, 0);
	U_EQ(r[0].last, P - 1);
	U_EQ(r[0].type, IODIRTY_RANGE_RESV_DIRECT);
	U_EQ(r[1].start, BASE);
	U_EQ(r[1].last, BASE + 2 * P - 1);
	U_EQ(r[1].type, IODIRTY_RANGE_RESV_MSI);
	U_EQ(r[2].type, IODIRTY_RANGE_RESV_MSI);
	for (int i = 0; i < 3; i++)
		U_EQ(r[i].__reserved, 0);

	/* A non-empty array at a bad address. */
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.ioas_id = ioas;
	q.num_ranges = 5;
	q.ranges = 8;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_IOVA_RANGES, &q), -EFAULT);
	/* None: EINVAL, but the object ID is checked first. */
	q.ranges = 0;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_IOVA_RANGES, &q), -EINVAL);
	q.ioas_id = 0;
	U_EQ(u_ioctl(u_fd, IODIRTY_IOAS_IOVA_RANGES, &q), -ENOENT);
	U_EQ(u_destroy(u_fd, ioas), 0);
}

/* IOAS_IOVA_RANGES of @ioas into @buf with @entry_size; see below. */
static int ranges_esz(uint32_t ioas, uint32_t flags, void *buf,
		      uint32_t *num, uint32_t *entry_size)
{
	struct iodirty_ioas_iova_ranges q;
	int rc;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.flags = flags;
	q.ioas_id = ioas;
	q.num_ranges = *num;
	q.ranges = (uintptr_t)buf;
	q.entry_size = *entry_size;
	rc = u_ioctl(u_fd, IODIRTY_IOAS_IOVA_RANGES, &q);
	*num = q.num_ranges;
	*entry_size = q.entry_size;
	return rc;
}

/*
 * entry_size: the caller's entry, 0 for the v1 one (24 bytes); a larger
 * entry gets the module's fields and zeroes after them, a smaller one is
 * refused. The reply says the module's entry size.
 */
static void test_iova_ranges_entry_size(void **state)
{
	const size_t v1 = sizeof(struct iodirty_iova_range);
	struct iodirty_iova_range r[3];
	_Alignas(8) uint8_t big[3][32];
	uint8_t zero[8] = { 0 };
	uint32_t ioas, num, esz;

	(void)state;
	U_EQ(v1, 24);
	U_REQUIRE(IODIRTY_INFO_CAP_RESERVE);
	ioas = u_ioas_ok(u_fd, 40, 0);
	U_EQ(u_reserve(u_fd, ioas, BASE, P, IODIRTY_RANGE_RESV_MSI, 0), 0);
	U_EQ(u_reserve(u_fd, ioas, BASE + 8 * P, P, IODIRTY_RANGE_RESV_DIRECT,
		       0), 0);

	/* 0 and 24: the same v1 entries; the reply is 24 either way. */
	for (uint32_t in = 0; in <= v1; in += v1) {
		memset(r, 0xff, sizeof(r));
		num = 3;
		esz = in;
		U_EQ(ranges_esz(ioas, IODIRTY_RANGES_RESERVED, r, &num, &esz),
		     0);
		U_EQ(num, 2);
		U_EQ(esz, v1);
		U_EQ(r[0].start, BASE);
		U_EQ(r[0].last, BASE + P - 1);
		U_EQ(r[0].type, IODIRTY_RANGE_RESV_MSI);
		U_EQ(r[0].__reserved, 0);
		U_EQ(r[1].start, BASE + 8 * P);
		U_EQ(r[1].type, IODIRTY_RANGE_RESV_DIRECT);
		U_EQ(r[2].start, ~0ULL);
	}

	/* 32: v1 fields where v1 has them, the 8 bytes after them zeroed. */
	memset(big, 0xff, sizeof(big));
	num = 3;
	esz = 32;
	U_EQ(ranges_esz(ioas, 0, big, &num, &esz), 0);
	U_EQ(num, 3);
	U_EQ(esz, v1);
	for (int i = 0; i < 3; i++) {
		struct iodirty_iova_range e;

		memcpy(&e, big[i], sizeof(e));
		U_EQ(e.type, IODIRTY_RANGE_USABLE);
		U_EQ(e.__reserved, 0);
		assert_memory_equal(big[i] + v1, zero, sizeof(zero));
		if (i == 0) {
			U_EQ(e.start, 0);
			U_EQ(e.last, BASE - 1);
		} else if (i == 1) {
			U_EQ(e.start, BASE + P);
			U_EQ(e.last, BASE + 8 * P - 1);
		} else {
			U_EQ(e.start, BASE + 9 * P);
			U_EQ(e.last, (1ULL << 40) - 1);
		}
	}
	/* Too small an array of 32-byte entries: the rest is untouched. */
	memset(big, 0xff, sizeof(big));
	num = 1;
	esz = 32;
	U_EQ(ranges_esz(ioas, 0, big, &num, &esz), -EMSGSIZE);
	U_EQ(num, 3);
	U_EQ(esz, v1);
	assert_memory_equal(big[0] + v1, zero, sizeof(zero));
	for (size_t b = 0; b < sizeof(big[1]); b++) {
		U_EQ(big[1][b], 0xff);
		U_EQ(big[2][b], 0xff);
	}

	/* Below the v1 entry: EINVAL, nothing written, even with no array. */
	memset(r, 0xff, sizeof(r));
	num = 3;
	esz = 16;
	U_EQ(ranges_esz(ioas, 0, r, &num, &esz), -EINVAL);
	U_EQ(num, 3);
	U_EQ(esz, 16);
	U_EQ(r[0].start, ~0ULL);
	num = 0;
	esz = v1 - 1;
	U_EQ(ranges_esz(ioas, 0, NULL, &num, &esz), -EINVAL);
	U_EQ(u_destroy(u_fd, ioas), 0);
}

static void test_reserve(void **state)
{
	struct u_snap before, after;
	uint32_t ioas;
	uint8_t *ram;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_RESERVE);
	ioas = u_ioas_ok(u_fd, 40, 0);
	ram = u_ram(16 * P);
	U_EQ(u_reserve(u_fd, ioas, BASE + 4 * P, 2 * P,
		       IODIRTY_RANGE_RESV_MSI, 0), 0);
	/* Mapping over any page of it: EADDRNOTAVAIL, nothing mapped. */
	u_snap(u_fd, ioas, BASE, BASE, &before);
	U_EQ(u_map(u_fd, ioas, BASE, ram, 16 * P, U_RW), -EADDRNOTAVAIL);
	U_EQ(u_map(u_fd, ioas, BASE + 5 * P, ram, P, U_RW), -EADDRNOTAVAIL);
	u_snap(u_fd, ioas, BASE, BASE, &after);
	u_snap_equal(&before, &after);
	/* Around it is fine. */
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	u_map_ok(u_fd, ioas, BASE + 6 * P, ram + 6 * P, 2 * P, U_RW);
	/* Overlapping reserves: EEXIST; over a mapped page: EBUSY. */
	U_EQ(u_reserve(u_fd, ioas, BASE + 5 * P, 4 * P,
		       IODIRTY_RANGE_RESV_MSI, 0), -EEXIST);
	U_EQ(u_reserve(u_fd, ioas, BASE + 3 * P, P,
		       IODIRTY_RANGE_RESV_DIRECT, 0), -EBUSY);
	/* Bad types. */
	U_EQ(u_reserve(u_fd, ioas, BASE + 32 * P, P, IODIRTY_RANGE_USABLE, 0),
	     -EINVAL);
	U_EQ(u_reserve(u_fd, ioas, BASE + 32 * P, P, 3, 0), -EINVAL);
	/* Removal needs the exact range, and type 0. */
	U_EQ(u_reserve(u_fd, ioas, BASE + 4 * P, P, 0, IODIRTY_RESERVE_REMOVE),
	     -ENOENT);
	U_EQ(u_reserve(u_fd, ioas, BASE + 4 * P, 2 * P, IODIRTY_RANGE_RESV_MSI,
		       IODIRTY_RESERVE_REMOVE), -EINVAL);
	U_EQ(u_reserve(u_fd, ioas, BASE + 4 * P, 2 * P, 0,
		       IODIRTY_RESERVE_REMOVE), 0);
	U_EQ(u_reserve(u_fd, ioas, BASE + 4 * P, 2 * P, 0,
		       IODIRTY_RESERVE_REMOVE), -ENOENT);
	/* Now the gap maps. */
	u_map_ok(u_fd, ioas, BASE + 4 * P, ram + 4 * P, 2 * P, U_RW);
	u_expect_stats(u_fd, ioas, 8 * P, 1, 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 16 * P);
}

static void test_destroy_then_use(void **state)
{
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0), other;
	uint8_t *ram = u_ram(4 * P);
	struct iodirty_ioas_stats st;

	(void)state;
	other = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	u_map_ok(u_fd, other, BASE, ram, 4 * P, U_RW);
	U_EQ(u_destroy(u_fd, ioas), 0);
	U_EQ(u_stats(u_fd, ioas, &st), -ENOENT);
	U_EQ(u_map(u_fd, ioas, BASE, ram, P, U_RW), -ENOENT);
	U_EQ(u_unmap(u_fd, ioas, BASE, P, 0, NULL), -ENOENT);
	U_EQ(u_translate(u_fd, ioas, BASE, NULL, NULL), -ENOENT);
	U_EQ(u_destroy(u_fd, ioas), -ENOENT);
	/* IDs are handed out cyclically: not the destroyed one again. */
	{
		uint32_t fresh = u_ioas_ok(u_fd, 40, 0);

		assert_true(fresh != ioas && fresh != other);
		U_EQ(u_stats(u_fd, ioas, &st), -ENOENT);
		U_EQ(u_destroy(u_fd, fresh), 0);
	}
	/* The other io-pagetable is untouched. */
	u_expect_stats(u_fd, other, 4 * P, 1, 0);
	expect_translate(u_fd, other, BASE, ram, 4 * P);
	U_EQ(u_destroy(u_fd, other), 0);
	u_ram_free(ram, 4 * P);
}

/* Objects belong to their fd: IDs of one fd mean nothing on another. */
static void test_ids_per_fd(void **state)
{
	int fd2 = u_open_ok();
	uint32_t a = u_ioas_ok(u_fd, 40, 0);
	struct iodirty_ioas_stats st;
	uint32_t b;

	(void)state;
	b = u_ioas_ok(fd2, 40, 0);
	if (a != b)
		U_EQ(u_stats(fd2, a, &st), -ENOENT);
	U_EQ(u_destroy(fd2, b), 0);
	U_EQ(u_destroy(fd2, b), -ENOENT);
	u_stats_ok(u_fd, a, &st);
	U_EQ(u_destroy(u_fd, a), 0);
	close(fd2);
}

static void test_close_with_live_mappings(void **state)
{
	uint8_t *ram = u_ram(64 * P);
	uint32_t ioas[3];
	int fd;

	(void)state;
	for (int round = 0; round < 3; round++) {
		fd = u_open_ok();
		for (int i = 0; i < 3; i++) {
			ioas[i] = u_ioas_ok(fd, 40, 0);
			u_map_ok(fd, ioas[i], BASE, ram, 64 * P, U_RW);
			if (u_has(IODIRTY_INFO_CAP_PARTIAL_UNMAP))
				U_EQ(u_unmap(fd, ioas[i], BASE + 9 * P, P, 0,
					     NULL), 0);
			if (u_has(IODIRTY_INFO_CAP_DIRTY_TRACKING))
				u_tracking_ok(fd, ioas[i], true);
			if (u_has(IODIRTY_INFO_CAP_DMA_RW))
				u_dma_ok(fd, ioas[i], BASE + 3 * P, ram, 100,
					 IODIRTY_DMA_WRITE);
		}
		/* Everything is torn down by close, pins included. */
		close(fd);
	}
	/* The memory is still ours and can be mapped again. */
	fd = u_open_ok();
	ioas[0] = u_ioas_ok(fd, 40, 0);
	u_map_ok(fd, ioas[0], BASE, ram, 64 * P, U_RW);
	u_expect_stats(fd, ioas[0], 64 * P, 1, 0);
	close(fd);
	u_ram_free(ram, 64 * P);
}

/* Memory unmapped from the process after MAP stays pinned and usable. */
static void test_munmap_after_map(void **state)
{
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);
	uint8_t *ram = u_ram(8 * P);
	uint8_t buf[64];

	(void)state;
	memset(ram, 0x5c, 8 * P);
	u_map_ok(u_fd, ioas, BASE, ram, 8 * P, U_RW);
	u_ram_free(ram, 8 * P);
	if (u_has(IODIRTY_INFO_CAP_DMA_RW)) {
		memset(buf, 0, sizeof(buf));
		u_dma_ok(u_fd, ioas, BASE + 4 * P, buf, sizeof(buf), 0);
		for (size_t i = 0; i < sizeof(buf); i++)
			U_EQ(buf[i], 0x5c);
		u_dma_ok(u_fd, ioas, BASE + 4 * P, buf, sizeof(buf),
			 IODIRTY_DMA_WRITE);
	}
	U_EQ(u_unmap_ok(u_fd, ioas, BASE, 8 * P, 0), 8 * P);
	U_EQ(u_destroy(u_fd, ioas), 0);
}

/* Many small mappings and holes, then DESTROY releases them all. */
static void test_many_mappings(void **state)
{
	const uint64_t n = 2048;
	uint32_t ioas = u_ioas_ok(u_fd, 48, 0);
	uint8_t *ram = u_ram(n * P);

	(void)state;
	/* Every other page, in reverse order (no merging). */
	for (uint64_t i = n; i-- > 0;)
		if (i % 2 == 0)
			u_map_ok(u_fd, ioas, BASE + i * P, ram + i * P, P,
				 U_RW);
	u_expect_stats(u_fd, ioas, n / 2 * P, n / 2, 0);
	/* Fill the gaps: everything merges into one run. */
	for (uint64_t i = 1; i < n; i += 2)
		u_map_ok(u_fd, ioas, BASE + i * P, ram + i * P, P, U_RW);
	u_expect_stats(u_fd, ioas, n * P, 1, 0);
	if (u_has(IODIRTY_INFO_CAP_PARTIAL_UNMAP)) {
		for (uint64_t i = 1; i < n - 1; i += 3)
			U_EQ(u_unmap(u_fd, ioas, BASE + i * P, P, 0, NULL), 0);
	}
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, n * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_alloc_params),
		cmocka_unit_test(test_map_unmap_round_trip),
		cmocka_unit_test(test_unmap_across_gaps),
		cmocka_unit_test(test_unmap_exact),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_unmap_bitmap_fields_without_flag),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_iova_ranges),
		cmocka_unit_test(test_iova_ranges_entry_size),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_destroy_then_use),
		cmocka_unit_test(test_ids_per_fd),
		cmocka_unit_test(test_close_with_live_mappings),
		cmocka_unit_test(test_munmap_after_map),
		cmocka_unit_test(test_many_mappings),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_map", tests, u_group_open,
					   u_group_close);
}
