// SPDX-License-Identifier: MIT
/*
 * Argument and state errors of map, unmap, reserve, translate, the range
 * lists, dirty reads and DMA: every bad input gets its documented errno
 * and leaves the domain exactly as it was (stats, reserved regions, usable
 * ranges, translations and dirty bits are snapshotted before and compared
 * after each failing call).
 */
#include "helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RAM_PAGES 256u
#define BITS 48u

/*
 * The fixture domain (48-bit IOVA, 4 KiB granule, tracking on):
 *   A = [1 MiB, +64 pages)  RW  -> ram[0..64),  hole at page 10
 *       (a backend without IODIRTY_CAP_PARTIAL_UNMAP cannot punch it, so
 *       there A is two mappings, pages [0, 10) and [11, 64), which leaves
 *       the same pages mapped to the same memory)
 *   B = [4 MiB, +16 pages)  R   -> ram[128..144)
 *   W = [5 MiB, +4 pages)   W   -> ram[160..164)
 *   C = [6 MiB, +2 pages)   RW  -> ram[200..202)
 *   D = [6 MiB + 2 pages, +2 pages) R -> ram[202..204) (IOVA-adjacent to C)
 *   R = [8 MiB, +1 MiB)     reserved (MSI)
 *   dirty: A pages 0, 3, 63; B page 2 (mark_dirty)
 */
#define A_IOVA (1ULL << 20)
#define B_IOVA (4ULL << 20)
#define W_IOVA (5ULL << 20)
#define C_IOVA (6ULL << 20)
#define D_IOVA (C_IOVA + 2 * P)
#define R_IOVA (8ULL << 20)
#define R_LEN (1ULL << 20)
#define GAP_IOVA (2ULL << 20)

struct fx {
	struct iodirty_domain *dom;
	uint8_t *ram;
	uint8_t *ram_copy;
	struct t_snap_spec spec;
};

static void fx_setup(struct fx *f, bool tracking)
{
	static const uint64_t probes[] = {
		A_IOVA, A_IOVA + 9 * P, A_IOVA + 10 * P, A_IOVA + 11 * P,
		A_IOVA + 63 * P, A_IOVA + 64 * P, A_IOVA - P,
		B_IOVA, B_IOVA + 15 * P, B_IOVA + 16 * P,
		W_IOVA, C_IOVA, C_IOVA + P, D_IOVA, D_IOVA + P, D_IOVA + 2 * P,
		R_IOVA, R_IOVA - P, R_IOVA + R_LEN, GAP_IOVA, 0,
		(1ULL << BITS) - P,
	};
	uint8_t v = 0x5a;

	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW |
		       IODIRTY_CAP_USER_RESERVE);
	memset(f, 0, sizeof(*f));
	f->dom = t_domain(BITS, 0);
	f->ram = t_ram(RAM_PAGES * P, 0);
	for (size_t i = 0; i < RAM_PAGES * P; i++)
		f->ram[i] = (uint8_t)(i * 7 + 1);
	if (t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP) {
		assert_int_equal(iodirty_map(f->dom, A_IOVA, f->ram, 64 * P,
					     IODIRTY_MAP_READ |
					     IODIRTY_MAP_WRITE), 0);
		assert_int_equal(iodirty_unmap(f->dom, A_IOVA + 10 * P, P,
					       NULL), 0);
	} else {
		assert_int_equal(iodirty_map(f->dom, A_IOVA, f->ram, 10 * P,
					     IODIRTY_MAP_READ |
					     IODIRTY_MAP_WRITE), 0);
		assert_int_equal(iodirty_map(f->dom, A_IOVA + 11 * P,
					     f->ram + 11 * P, 53 * P,
					     IODIRTY_MAP_READ |
					     IODIRTY_MAP_WRITE), 0);
	}
	assert_int_equal(iodirty_map(f->dom, B_IOVA, f->ram + 128 * P, 16 * P,
				     IODIRTY_MAP_READ), 0);
	assert_int_equal(iodirty_map(f->dom, W_IOVA, f->ram + 160 * P, 4 * P,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(iodirty_map(f->dom, C_IOVA, f->ram + 200 * P, 2 * P,
				     IODIRTY_MAP_READ | IODIRTY_MAP_WRITE), 0);
	assert_int_equal(iodirty_map(f->dom, D_IOVA, f->ram + 202 * P, 2 * P,
				     IODIRTY_MAP_READ), 0);
	assert_int_equal(iodirty_reserve(f->dom, R_IOVA, R_LEN,
					 IODIRTY_RESV_MSI), 0);
	if (tracking) {
		assert_int_equal(iodirty_set_dirty_tracking(f->dom, true), 0);
		assert_int_equal(iodirty_dma_write(f->dom, A_IOVA, &v, 1), 0);
		assert_int_equal(iodirty_dma_write(f->dom, A_IOVA + 3 * P + 5,
						   &v, 1), 0);
		assert_int_equal(iodirty_dma_write(f->dom, A_IOVA + 63 * P,
						   &v, 1), 0);
		assert_int_equal(iodirty_mark_dirty(f->dom, B_IOVA + 2 * P, 8),
				 0);
		T_EQ(t_dirty_count(f->dom, 0, 16ULL << 20), 4);
		f->spec.win_iova = 0;
		f->spec.win_len = 16ULL << 20;
	}
	f->spec.nprobes = sizeof(probes) / sizeof(probes[0]);
	memcpy(f->spec.probe, probes, sizeof(probes));
	f->ram_copy = malloc(RAM_PAGES * P);
	assert_non_null(f->ram_copy);
	memcpy(f->ram_copy, f->ram, RAM_PAGES * P);
}

static void fx_assert_ram_unchanged(const struct fx *f)
{
	assert_memory_equal(f->ram, f->ram_copy, RAM_PAGES * P);
}

static void fx_teardown(struct fx *f)
{
	iodirty_domain_destroy(f->dom);
	t_ram_free(f->ram, RAM_PAGES * P);
	free(f->ram_copy);
}

/* A 64-bit domain for the EOVERFLOW cases (nothing else can apply). */
static struct iodirty_domain *dom64(void)
{
	if (t_caps.max_iova_bits < 64) {
		print_message("backend has no 64-bit IOVA domains\n");
		return NULL;
	}
	return t_domain(64, 0);
}

/* Longest map of test_map_errors(). */
#define MAPERR_LEN (6ULL << 20)

static void test_map_errors(void **state)
{
	struct fx f;
	struct iodirty_domain *d;
	const uint32_t rw = IODIRTY_MAP_READ | IODIRTY_MAP_WRITE;
	uint8_t *r;

	(void)state;
	fx_setup(&f, true);
	/*
	 * Memory no domain maps, valid for the whole length of every map
	 * below: a kernel backend pins it before its core sees an overlap,
	 * so memory that ended early would fail with -EFAULT instead of the
	 * error under test.
	 */
	r = t_mapmem(MAPERR_LEN, 0);
#define MAPERR(iova, addr, len, fl, err) \
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_map(f.dom, iova, addr, len, fl), \
		     err)
	/* alignment, zero length, permissions */
	MAPERR(GAP_IOVA + 1, r, P, rw, -EINVAL);
	MAPERR(GAP_IOVA + 0x800, r, P, rw, -EINVAL);
	MAPERR(GAP_IOVA, r + 1, P, rw, -EINVAL);
	MAPERR(GAP_IOVA, r + 0x800, P, rw, -EINVAL);
	MAPERR(GAP_IOVA, r, P + 1, rw, -EINVAL);
	MAPERR(GAP_IOVA, r, 0x1800, rw, -EINVAL);
	MAPERR(GAP_IOVA, r, 0, rw, -EINVAL);
	MAPERR(GAP_IOVA, r, P, 0, -EINVAL);
	MAPERR(GAP_IOVA, r, P, 1u << 2, -EOPNOTSUPP);
	MAPERR(GAP_IOVA, r, P, rw | (1u << 2), -EOPNOTSUPP);
	MAPERR(GAP_IOVA, r, P, rw | (1u << 31), -EOPNOTSUPP);
	/* addr + length wraps */
	MAPERR(GAP_IOVA, (void *)(UINTPTR_MAX & ~(uintptr_t)(P - 1)), 2 * P,
	       rw, -EOVERFLOW);
	/* beyond the 48-bit IOVA space */
	MAPERR(1ULL << BITS, r, P, rw, -ERANGE);
	MAPERR((1ULL << BITS) - P, r, 2 * P, rw, -ERANGE);
	MAPERR(1ULL << 60, r, P, rw, -ERANGE);
	/* overlap with mapped pages */
	MAPERR(A_IOVA, r, 64 * P, rw, -EEXIST);
	MAPERR(A_IOVA - P, r, 2 * P, rw, -EEXIST);
	MAPERR(A_IOVA + 63 * P, r, 2 * P, rw, -EEXIST);
	MAPERR(A_IOVA - P, r, 66 * P, rw, -EEXIST);
	MAPERR(A_IOVA + P, r, P, rw, -EEXIST);
	MAPERR(A_IOVA + 9 * P, r, 2 * P, rw, -EEXIST);	/* hole + page 9 */
	MAPERR(A_IOVA + 10 * P, r, 2 * P, rw, -EEXIST);	/* hole + page 11 */
	MAPERR(A_IOVA + 9 * P, f.ram + 9 * P, 2 * P, rw, -EEXIST);
	MAPERR(A_IOVA + 10 * P, f.ram + 10 * P, 2 * P, rw, -EEXIST);
	MAPERR(B_IOVA + 15 * P, r, 2 * P, IODIRTY_MAP_READ, -EEXIST);
	MAPERR(C_IOVA + P, r, 2 * P, rw, -EEXIST);	/* C and D */
	MAPERR(A_IOVA, r, MAPERR_LEN, rw, -EEXIST);	/* many */
	/* overlap with the reserved region */
	MAPERR(R_IOVA, r, P, rw, -EADDRNOTAVAIL);
	MAPERR(R_IOVA + R_LEN - P, r, P, rw, -EADDRNOTAVAIL);
	MAPERR(R_IOVA - P, r, 2 * P, rw, -EADDRNOTAVAIL);
	MAPERR(R_IOVA + R_LEN - P, r, 2 * P, rw, -EADDRNOTAVAIL);
	MAPERR(R_IOVA - P, r, R_LEN + 2 * P, rw, -EADDRNOTAVAIL);
#undef MAPERR
	fx_assert_ram_unchanged(&f);
	fx_teardown(&f);
	t_ram_free(r, MAPERR_LEN);

	/* a 32-bit domain: its last page is fine, one more is -ERANGE */
	d = t_domain(32, 0);
	{
		uint8_t *ram = t_ram(2 * P, 0);
		struct t_snap_spec sp = { .nprobes = 2,
			.probe = { 0xfffff000u, 0 } };

		T_EXPECT_ERR(d, &sp, iodirty_map(d, 0xfffff000u, ram, 2 * P,
						 rw), -ERANGE);
		T_EXPECT_ERR(d, &sp, iodirty_map(d, 1ULL << 32, ram, P, rw),
			     -ERANGE);
		T_EXPECT_ERR(d, &sp, iodirty_unmap(d, 0xfffff000u, 2 * P,
						   NULL), -ERANGE);
		T_EXPECT_ERR(d, &sp, iodirty_reserve(d, 0xfffff000u, 2 * P,
						     IODIRTY_RESV_MSI),
			     -ERANGE);
		assert_int_equal(iodirty_map(d, 0xfffff000u, ram, P, rw), 0);
		iodirty_domain_destroy(d);
		t_ram_free(ram, 2 * P);
	}

	/* iova + length wraps: only in a 64-bit domain is nothing else wrong */
	d = dom64();
	if (d) {
		uint8_t *ram = t_ram(2 * P, 0);
		struct t_snap_spec sp = { .nprobes = 2,
			.probe = { UINT64_MAX & ~(P - 1), 0 } };

		T_EXPECT_ERR(d, &sp, iodirty_map(d, UINT64_MAX & ~(P - 1), ram,
						 2 * P, rw), -EOVERFLOW);
		T_EXPECT_ERR(d, &sp, iodirty_map(d, UINT64_MAX & ~(P - 1),
						 ram, UINT64_MAX & ~(P - 1),
						 rw), -EOVERFLOW);
		/* The last page of the 64-bit space is mappable. */
		assert_int_equal(iodirty_map(d, UINT64_MAX & ~(P - 1), ram, P,
					     rw), 0);
		iodirty_domain_destroy(d);
		t_ram_free(ram, 2 * P);
	}
}

static void test_unmap_errors(void **state)
{
	struct fx f;
	struct iodirty_domain *d;
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	uint64_t bm[4];
	struct {
		struct iodirty_unmap_opts o;
		uint64_t extra;
	} big;

	(void)state;
	fx_setup(&f, true);
#define UNMAPERR(iova, len, opts, err) \
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_unmap(f.dom, iova, len, opts), \
		     err)
	UNMAPERR(A_IOVA + 1, P, NULL, -EINVAL);
	UNMAPERR(A_IOVA + 0x800, P, NULL, -EINVAL);
	UNMAPERR(A_IOVA, P + 1, NULL, -EINVAL);
	UNMAPERR(A_IOVA, 0x800, NULL, -EINVAL);
	UNMAPERR(A_IOVA, 0, NULL, -EINVAL);
	UNMAPERR(1ULL << BITS, P, NULL, -ERANGE);
	UNMAPERR((1ULL << BITS) - P, 2 * P, NULL, -ERANGE);
	/* nothing mapped */
	UNMAPERR(GAP_IOVA, 1ULL << 20, NULL, -ENOENT);
	UNMAPERR(A_IOVA + 10 * P, P, NULL, -ENOENT);	/* the hole */
	UNMAPERR(A_IOVA + 64 * P, P, NULL, -ENOENT);	/* just past A */
	UNMAPERR(A_IOVA - P, P, NULL, -ENOENT);		/* just before A */
	UNMAPERR(R_IOVA, R_LEN, NULL, -ENOENT);		/* reserved */
	UNMAPERR(0, A_IOVA, NULL, -ENOENT);
	/* options */
	o.flags = 1;
	UNMAPERR(A_IOVA, P, &o, -EOPNOTSUPP);
	o.flags = 1u << 31;
	UNMAPERR(A_IOVA, P, &o, -EOPNOTSUPP);
	o.flags = 0;
	o.__reserved = 1;
	UNMAPERR(A_IOVA, P, &o, -EOPNOTSUPP);
	o.__reserved = 0;
	if (!(t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP)) {
		/* Unmapping A's first page is a cut there, itself -EOPNOTSUPP:
		 * the options must be refused on a whole mapping (C) too. */
		o.flags = 1;
		UNMAPERR(C_IOVA, 2 * P, &o, -EOPNOTSUPP);
		o.flags = 0;
		o.__reserved = 1;
		UNMAPERR(C_IOVA, 2 * P, &o, -EOPNOTSUPP);
		o.__reserved = 0;
	}
	o.sz = sizeof(size_t) - 1;
	UNMAPERR(A_IOVA, P, &o, -EINVAL);
	o.sz = 0;
	UNMAPERR(A_IOVA, P, &o, -EINVAL);
	o.sz = sizeof(o);
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.extra = 1;
	UNMAPERR(A_IOVA, P, &big.o, -E2BIG);
	big.extra = 1ULL << 40;
	UNMAPERR(A_IOVA, P, &big.o, -E2BIG);
	/* dirty report: page_size checks */
	o.dirty_bitmap = bm;
	o.page_size = 3 * P;
	UNMAPERR(A_IOVA, 3 * P, &o, -EINVAL);
	o.page_size = P / 2;
	UNMAPERR(A_IOVA, P, &o, -EINVAL);
	o.page_size = 0;
	UNMAPERR(A_IOVA, P, &o, -EINVAL);
	/* Since 0.5 a report may cut its pages (test_dirty_counts.c), but
	 * the range still needs 4 KiB alignment. */
	o.page_size = 16 * P;
	UNMAPERR(A_IOVA + P / 2, 16 * P, &o, -EINVAL);
	UNMAPERR(A_IOVA, 16 * P + 1, &o, -EINVAL);
	o.dirty_bitmap = NULL;
#undef UNMAPERR
	fx_assert_ram_unchanged(&f);

	/* The same with valid arguments succeed: the errors were real. */
	memset(bm, 0, sizeof(bm));
	o.dirty_bitmap = bm;
	o.page_size = 16 * P;
	big.extra = 0;
	big.o.unmapped = 7;
	/* [A, A + 16 pages) cuts A's second mapping where there is no hole
	 * punching, so this part needs PARTIAL_UNMAP. */
	if (t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP) {
		assert_int_equal(iodirty_unmap(f.dom, A_IOVA, 16 * P, &o), 0);
		assert_int_equal(o.unmapped, 15 * P);	/* page 10: hole */
		assert_int_equal(bm[0], 1);	/* pages 0 and 3: bit 0 */
		assert_int_equal(bm[1], 0);
		assert_int_equal(iodirty_unmap(f.dom, A_IOVA + 16 * P, 48 * P,
					       &big.o), 0);
		assert_int_equal(big.o.unmapped, 48 * P);
	} else {
		/* The cut is refused whole, dirty bits and bitmap included. */
		T_EXPECT_ERR(f.dom, &f.spec,
			     iodirty_unmap(f.dom, A_IOVA, 16 * P, &o),
			     -EOPNOTSUPP);
		assert_int_equal(bm[0], 0);
		/* The same options on A's two whole mappings work. */
		o.page_size = 2 * P;
		assert_int_equal(iodirty_unmap(f.dom, A_IOVA, 10 * P, &o), 0);
		assert_int_equal(o.unmapped, 10 * P);
		assert_int_equal(bm[0], 3);	/* pages 0 and 3: bits 0, 1 */
		assert_int_equal(bm[1], 0);
		assert_int_equal(iodirty_unmap(f.dom, A_IOVA + 11 * P, 53 * P,
					       &big.o), 0);
		assert_int_equal(big.o.unmapped, 53 * P);
	}
	fx_teardown(&f);

	d = dom64();
	if (d) {
		struct t_snap_spec sp = { .nprobes = 1, .probe = { 0 } };

		T_EXPECT_ERR(d, &sp, iodirty_unmap(d, UINT64_MAX & ~(P - 1),
						   2 * P, NULL), -EOVERFLOW);
		iodirty_domain_destroy(d);
	}
}

static void test_reserve_errors(void **state)
{
	struct fx f;
	struct iodirty_domain *d;

	(void)state;
	fx_setup(&f, true);
#define RESVERR(iova, len, type, err) \
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_reserve(f.dom, iova, len, type), \
		     err)
	RESVERR(GAP_IOVA + 1, P, IODIRTY_RESV_MSI, -EINVAL);
	RESVERR(GAP_IOVA + 0x800, P, IODIRTY_RESV_MSI, -EINVAL);
	RESVERR(GAP_IOVA, P + 1, IODIRTY_RESV_MSI, -EINVAL);
	RESVERR(GAP_IOVA, 0, IODIRTY_RESV_MSI, -EINVAL);
	RESVERR(GAP_IOVA, P, 0, -EINVAL);
	RESVERR(GAP_IOVA, P, 3, -EINVAL);
	RESVERR(GAP_IOVA, P, 0x7fffffff, -EINVAL);
	RESVERR(1ULL << BITS, P, IODIRTY_RESV_MSI, -ERANGE);
	RESVERR((1ULL << BITS) - P, 2 * P, IODIRTY_RESV_DIRECT, -ERANGE);
	/* overlaps another reserved region */
	RESVERR(R_IOVA, R_LEN, IODIRTY_RESV_MSI, -EEXIST);
	RESVERR(R_IOVA, P, IODIRTY_RESV_DIRECT, -EEXIST);
	RESVERR(R_IOVA - P, 2 * P, IODIRTY_RESV_MSI, -EEXIST);
	RESVERR(R_IOVA + R_LEN - P, 2 * P, IODIRTY_RESV_MSI, -EEXIST);
	RESVERR(R_IOVA - P, R_LEN + 2 * P, IODIRTY_RESV_MSI, -EEXIST);
	/* overlaps mapped pages */
	RESVERR(A_IOVA, P, IODIRTY_RESV_MSI, -EBUSY);
	RESVERR(A_IOVA + 63 * P, 2 * P, IODIRTY_RESV_MSI, -EBUSY);
	RESVERR(A_IOVA - P, 2 * P, IODIRTY_RESV_DIRECT, -EBUSY);
	RESVERR(A_IOVA + 9 * P, 2 * P, IODIRTY_RESV_MSI, -EBUSY);
	RESVERR(A_IOVA + 10 * P, 2 * P, IODIRTY_RESV_MSI, -EBUSY);
	RESVERR(B_IOVA, 16 * P, IODIRTY_RESV_MSI, -EBUSY);
	RESVERR(0, R_IOVA, IODIRTY_RESV_MSI, -EBUSY);
	/* unreserve needs the exact range */
#define UNRESVERR(iova, len, err) \
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_unreserve(f.dom, iova, len), err)
	UNRESVERR(R_IOVA + P, R_LEN - P, -ENOENT);
	UNRESVERR(R_IOVA, R_LEN - P, -ENOENT);
	UNRESVERR(R_IOVA, R_LEN + P, -ENOENT);
	UNRESVERR(R_IOVA - P, R_LEN + P, -ENOENT);
	UNRESVERR(GAP_IOVA, P, -ENOENT);
	UNRESVERR(A_IOVA, P, -ENOENT);
	UNRESVERR(R_IOVA + 1, R_LEN, -EINVAL);
	UNRESVERR(R_IOVA, R_LEN + 1, -EINVAL);
	UNRESVERR(R_IOVA, 0, -EINVAL);
	UNRESVERR(1ULL << BITS, P, -ERANGE);
	UNRESVERR((1ULL << BITS) - P, 2 * P, -ERANGE);
#undef RESVERR
#undef UNRESVERR
	fx_assert_ram_unchanged(&f);
	/* The exact range works. */
	assert_int_equal(iodirty_unreserve(f.dom, R_IOVA, R_LEN), 0);
	assert_int_equal(iodirty_unreserve(f.dom, R_IOVA, R_LEN), -ENOENT);
	fx_teardown(&f);

	d = dom64();
	if (d) {
		struct t_snap_spec sp = { .nprobes = 1, .probe = { 0 } };

		T_EXPECT_ERR(d, &sp, iodirty_reserve(d, UINT64_MAX & ~(P - 1),
						     2 * P, IODIRTY_RESV_MSI),
			     -EOVERFLOW);
		T_EXPECT_ERR(d, &sp, iodirty_unreserve(d, UINT64_MAX & ~(P - 1),
						       2 * P), -EOVERFLOW);
		iodirty_domain_destroy(d);
	}
}

static void test_translate_errors(void **state)
{
	struct fx f;
	void *addr = (void *)&f;
	uint64_t contig = 7;

	(void)state;
	fx_setup(&f, true);
#define TRERR(iova, a, c, err) \
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_translate(f.dom, iova, a, c), err)
	TRERR(A_IOVA, NULL, &contig, -EINVAL);
	TRERR(A_IOVA, NULL, NULL, -EINVAL);
	TRERR(GAP_IOVA, &addr, &contig, -ENOENT);
	TRERR(A_IOVA + 10 * P, &addr, &contig, -ENOENT);
	TRERR(A_IOVA + 10 * P + 123, &addr, &contig, -ENOENT);
	TRERR(A_IOVA + 64 * P, &addr, NULL, -ENOENT);
	TRERR(R_IOVA, &addr, NULL, -ENOENT);
	TRERR(1ULL << BITS, &addr, &contig, -ERANGE);
	TRERR(UINT64_MAX, &addr, &contig, -ERANGE);
#undef TRERR
	/* contig is optional */
	assert_int_equal(iodirty_translate(f.dom, A_IOVA + 5, &addr, NULL), 0);
	assert_ptr_equal(addr, f.ram + 5);
	fx_teardown(&f);
}

static void check_list_errors(struct fx *f,
			      int (*fn)(struct iodirty_domain *,
					struct iodirty_range *, size_t *))
{
	struct iodirty_range r[T_SNAP_MAX_RANGES];
	size_t n, need;

	T_EXPECT_ERR(f->dom, &f->spec, fn(f->dom, r, NULL), -EINVAL);
	n = 1;
	T_EXPECT_ERR(f->dom, &f->spec, fn(f->dom, NULL, &n), -EINVAL);

	n = 0;
	T_EXPECT_ERR(f->dom, &f->spec, fn(f->dom, NULL, &n), -EMSGSIZE);
	need = n;
	assert_true(need >= 1);
	assert_true(need < T_SNAP_MAX_RANGES);
	n = need - 1;
	if (n) {
		T_EXPECT_ERR(f->dom, &f->spec, fn(f->dom, r, &n), -EMSGSIZE);
		assert_int_equal(n, need);
	}
	n = need;
	assert_int_equal(fn(f->dom, r, &n), 0);
	assert_int_equal(n, need);
	n = T_SNAP_MAX_RANGES;
	assert_int_equal(fn(f->dom, r, &n), 0);
	assert_int_equal(n, need);
}

static void test_list_errors(void **state)
{
	struct fx f;
	size_t n;
	struct iodirty_range r[T_SNAP_MAX_RANGES];

	(void)state;
	fx_setup(&f, true);
	check_list_errors(&f, iodirty_reserved_regions);
	check_list_errors(&f, iodirty_iova_ranges);
	/* Add regions so that the needed count is at least 3. */
	assert_int_equal(iodirty_reserve(f.dom, 32ULL << 20, P,
					 IODIRTY_RESV_DIRECT), 0);
	assert_int_equal(iodirty_reserve(f.dom, 40ULL << 20, 2 * P,
					 IODIRTY_RESV_MSI), 0);
	check_list_errors(&f, iodirty_reserved_regions);
	check_list_errors(&f, iodirty_iova_ranges);
	n = T_SNAP_MAX_RANGES;
	assert_int_equal(iodirty_reserved_regions(f.dom, r, &n), 0);
	assert_true(n >= 3);
	fx_teardown(&f);
}

static void test_read_errors(void **state)
{
	struct fx f;
	uint64_t bm[8];
	struct iodirty_domain *d;

	(void)state;
	fx_setup(&f, true);
	memset(bm, 0xa5, sizeof(bm));
#define RDERR(iova, len, ps, b, fl, err) \
	T_EXPECT_ERR(f.dom, &f.spec, \
		     iodirty_read_dirty(f.dom, iova, len, ps, b, fl), err)
	RDERR(A_IOVA, 64 * P, P, NULL, 0, -EINVAL);
	RDERR(A_IOVA, 64 * P, P, NULL, IODIRTY_READ_NO_CLEAR, -EINVAL);
	RDERR(A_IOVA, 0, P, bm, 0, -EINVAL);
	RDERR(A_IOVA, 64 * P, 0, bm, 0, -EINVAL);
	RDERR(A_IOVA, 64 * P, 3 * P, bm, 0, -EINVAL);
	RDERR(A_IOVA, 64 * P, P / 2, bm, 0, -EINVAL);
	RDERR(A_IOVA, 64 * P, 1, bm, 0, -EINVAL);
	RDERR(A_IOVA + 1, 64 * P, P, bm, 0, -EINVAL);
	RDERR(A_IOVA + P, 64 * P, 2 * P, bm, 0, -EINVAL);
	RDERR(A_IOVA, 63 * P, 2 * P, bm, 0, -EINVAL);
	RDERR(A_IOVA, 64 * P + 1, P, bm, 0, -EINVAL);
	RDERR(A_IOVA, 64 * P, P, bm, 1u << 3, -EOPNOTSUPP);
	RDERR(A_IOVA, 64 * P, P, bm, 1u << 31, -EOPNOTSUPP);
	RDERR(A_IOVA, 64 * P, P, bm, IODIRTY_READ_NO_CLEAR | 4, -EOPNOTSUPP);
	RDERR(1ULL << BITS, P, P, bm, 0, -ERANGE);
	RDERR((1ULL << BITS) - P, 2 * P, P, bm, 0, -ERANGE);
	RDERR((1ULL << BITS) - (1ULL << 30), 1ULL << 31, 1ULL << 30, bm, 0,
	      -ERANGE);
#define RDUERR(addr, len, ps, b, fl, err) \
	T_EXPECT_ERR(f.dom, &f.spec, \
		     iodirty_read_dirty_uaddr(f.dom, addr, len, ps, b, fl), err)
	if (t_caps.flags & IODIRTY_CAP_UADDR_REPORT) {
		RDUERR(f.ram, 64 * P, P, NULL, 0, -EINVAL);
		RDUERR(f.ram, 0, P, bm, 0, -EINVAL);
		RDUERR(f.ram + 1, 64 * P, P, bm, 0, -EINVAL);
		RDUERR(f.ram, 64 * P + 8, P, bm, 0, -EINVAL);
		RDUERR(f.ram, 64 * P, 3 * P, bm, 0, -EINVAL);
		RDUERR(f.ram, 64 * P, P / 2, bm, 0, -EINVAL);
		RDUERR(f.ram, 64 * P, 0, bm, 0, -EINVAL);
		RDUERR(f.ram, 64 * P, P, bm, 1u << 3, -EOPNOTSUPP);
		RDUERR((void *)(UINTPTR_MAX & ~(uintptr_t)(P - 1)), 2 * P, P,
		       bm, 0, -EOVERFLOW);
	}
	/* bitmap untouched by the failures */
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(bm[i], 0xa5a5a5a5a5a5a5a5ULL);
	fx_teardown(&f);

	d = dom64();
	if (d) {
		struct t_snap_spec sp = { .nprobes = 1, .probe = { 0 } };

		assert_int_equal(iodirty_set_dirty_tracking(d, true), 0);
		T_EXPECT_ERR(d, &sp, iodirty_read_dirty(d, UINT64_MAX & ~(P - 1),
						       2 * P, P, bm, 0),
			     -EOVERFLOW);
		iodirty_domain_destroy(d);
	}
#undef RDERR
#undef RDUERR
}

/* Dirty reports while tracking is off: -ENODATA, nothing touched. */
static void test_nodata(void **state)
{
	struct fx f;
	uint64_t bm[2] = { 0x1111, 0x2222 };
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts,
						   .page_size = P,
						   .dirty_bitmap = bm);
	uint8_t v = 1;

	(void)state;
	fx_setup(&f, false);
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_read_dirty(f.dom, A_IOVA, 64 * P,
							P, bm, 0), -ENODATA);
	T_EXPECT_ERR(f.dom, &f.spec,
		     iodirty_read_dirty(f.dom, A_IOVA, 64 * P, P, bm,
					IODIRTY_READ_NO_CLEAR), -ENODATA);
	if (t_caps.flags & IODIRTY_CAP_UADDR_REPORT)
		T_EXPECT_ERR(f.dom, &f.spec,
			     iodirty_read_dirty_uaddr(f.dom, f.ram, 64 * P, P,
						      bm, 0), -ENODATA);
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_unmap(f.dom, A_IOVA, 64 * P, &o),
		     -ENODATA);
	assert_int_equal(bm[0], 0x1111);
	assert_int_equal(bm[1], 0x2222);

	/* Writes while off are not reported after tracking starts. */
	assert_int_equal(iodirty_dma_write(f.dom, A_IOVA, &v, 1), 0);
	assert_int_equal(iodirty_mark_dirty(f.dom, A_IOVA + P, 1), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	T_EQ(t_dirty_count(f.dom, 0, 16ULL << 20), 0);
	/* and after stopping again it is -ENODATA again */
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_unmap(f.dom, A_IOVA, P, &o),
		     -ENODATA);
	fx_teardown(&f);
}

static void test_dma_errors(void **state)
{
	struct fx f;
	uint8_t buf[3 * 4096], rbuf[64];
	struct iodirty_domain *d;

	(void)state;
	fx_setup(&f, true);
	memset(buf, 0xee, sizeof(buf));
	memset(rbuf, 0x77, sizeof(rbuf));
#define WRERR(iova, b, len, err) \
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_dma_write(f.dom, iova, b, len), \
		     err)
#define RDERR(iova, b, len, err) \
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_dma_read(f.dom, iova, b, len), \
		     err)
	WRERR(A_IOVA, NULL, 8, -EINVAL);
	RDERR(A_IOVA, NULL, 8, -EINVAL);
	WRERR(A_IOVA, buf, 0, -EINVAL);
	RDERR(A_IOVA, rbuf, 0, -EINVAL);
	/* unmapped: nothing written, nothing marked */
	WRERR(GAP_IOVA, buf, 8, -ENOENT);
	WRERR(A_IOVA + 10 * P, buf, 1, -ENOENT);		/* hole */
	WRERR(A_IOVA + 10 * P - 4, buf, 8, -ENOENT);	/* page 9 + hole */
	WRERR(A_IOVA + 9 * P, buf, 3 * P, -ENOENT);	/* 9, hole, 11 */
	WRERR(A_IOVA + 64 * P - 4, buf, 8, -ENOENT);	/* past A's end */
	WRERR(A_IOVA - 4, buf, 8, -ENOENT);		/* before A */
	WRERR(R_IOVA, buf, 8, -ENOENT);
	RDERR(GAP_IOVA, rbuf, 8, -ENOENT);
	RDERR(A_IOVA + 10 * P - 4, rbuf, 8, -ENOENT);
	/* permissions: nothing written, nothing marked */
	WRERR(B_IOVA, buf, 8, -EACCES);
	WRERR(B_IOVA + 3 * P, buf, P, -EACCES);
	WRERR(C_IOVA + 2 * P - 4, buf, 8, -EACCES);	/* C (RW) then D (R) */
	WRERR(C_IOVA, buf, 3 * P, -EACCES);
	RDERR(W_IOVA, rbuf, 8, -EACCES);
	RDERR(W_IOVA + P - 4, rbuf, 8, -EACCES);
	/* IOVA width */
	WRERR(1ULL << BITS, buf, 8, -ERANGE);
	WRERR((1ULL << BITS) - 4, buf, 8, -ERANGE);
	RDERR(1ULL << BITS, rbuf, 8, -ERANGE);
	/* mark_dirty */
#define MKERR(iova, len, err) \
	T_EXPECT_ERR(f.dom, &f.spec, iodirty_mark_dirty(f.dom, iova, len), err)
	MKERR(A_IOVA, 0, -EINVAL);
	MKERR(GAP_IOVA, 1, -ENOENT);
	MKERR(A_IOVA + 10 * P, P, -ENOENT);
	MKERR(A_IOVA + 10 * P - 1, 2, -ENOENT);
	MKERR(A_IOVA + 63 * P, 2 * P, -ENOENT);
	MKERR(R_IOVA, P, -ENOENT);
	MKERR(1ULL << BITS, 1, -ERANGE);
	MKERR((1ULL << BITS) - 1, 2, -ERANGE);
#undef WRERR
#undef RDERR
#undef MKERR
	fx_assert_ram_unchanged(&f);
	for (size_t i = 0; i < sizeof(rbuf); i++)
		assert_int_equal(rbuf[i], 0x77);

	/* Sanity: the same calls at valid places work. */
	assert_int_equal(iodirty_dma_write(f.dom, C_IOVA + P, buf, 8), 0);
	assert_int_equal(iodirty_dma_read(f.dom, D_IOVA, rbuf, 8), 0);
	assert_memory_equal(rbuf, f.ram + 202 * P, 8);
	assert_int_equal(iodirty_mark_dirty(f.dom, D_IOVA, 2 * P), 0);
	fx_teardown(&f);

	d = dom64();
	if (d) {
		struct t_snap_spec sp = { .nprobes = 1, .probe = { 0 } };

		T_EXPECT_ERR(d, &sp, iodirty_dma_write(d, UINT64_MAX - 15, buf,
						       32), -EOVERFLOW);
		T_EXPECT_ERR(d, &sp, iodirty_dma_read(d, UINT64_MAX - 15, rbuf,
						      32), -EOVERFLOW);
		T_EXPECT_ERR(d, &sp, iodirty_mark_dirty(d, UINT64_MAX - 15, 32),
			     -EOVERFLOW);
		iodirty_domain_destroy(d);
	}
}

static void test_tracking_errors(void **state)
{
	struct iodirty_domain *d;
	struct iodirty_stats st;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING);
	d = t_domain(40, 0);
	assert_int_equal(iodirty_set_dirty_tracking(d, false), 0);
	t_stats(d, &st);
	assert_int_equal(st.tracking, 0);
	assert_int_equal(iodirty_set_dirty_tracking(d, true), 0);
	assert_int_equal(iodirty_set_dirty_tracking(d, true), 0);
	t_stats(d, &st);
	assert_int_equal(st.tracking, 1);
	iodirty_domain_destroy(d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_unmap_errors),
		cmocka_unit_test(test_reserve_errors),
		cmocka_unit_test(test_translate_errors),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_dma_errors),
		cmocka_unit_test(test_tracking_errors),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_errno_ranges", tests, NULL, NULL);
	t_fini();
	return rc;
}
