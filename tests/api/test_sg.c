// SPDX-License-Identifier: MIT
/*
 * Zero-copy holds (since 0.4): iodirty_sg_get() and iodirty_sg_put().
 *
 * Covered: the pieces (one per run contiguous in user address, in IOVA
 * order, each byte where iodirty_translate() says it is, and exactly the
 * expected pieces of a fixture with IOVA-contiguous mappings that are and
 * are not contiguous in user address); -EMSGSIZE with the count needed and
 * entries past the ones used untouched; the data (a read hold sees what
 * DMA wrote, a DMA read sees what was written through a write hold); a
 * write hold marks at the put exactly the pages of the written prefix,
 * and nothing while held; -EINVAL from a put (written beyond the range,
 * non-zero for a read hold) keeps the hold; every errno of sg_get with the
 * domain unchanged and nothing held; an unmap while held makes the put
 * return -ESTALE and mark only pages still mapped; an unmap with a dirty
 * report reports the held pages of a write hold it removes even if
 * nothing was written, and no page of a read hold; tracking started or
 * stopped while held; a put from another thread; overlapping holds.
 */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define BITS 48u
#define RAM_PAGES 64u
#define NSG 8

/*
 * The fixture domain (48-bit IOVA, tracking on unless asked otherwise):
 *   A  = [1 MiB, +8 pages)            RW -> ram[0..8)
 *   A2 = [1 MiB + 8 pages, +4 pages)  RW -> ram[16..20)
 *   A3 = [1 MiB + 12 pages, +4 pages) RW -> ram[20..24)
 *        (A, A2, A3 contiguous in IOVA; A2 and A3 in user address too)
 *   R  = [2 MiB, +4 pages)            R  -> ram[32..36)
 *   W  = [2 MiB + 4 pages, +4 pages)  W  -> ram[36..40)
 *        (contiguous with R in IOVA and user address)
 *   nothing at 3 MiB.
 */
#define A_IOVA (1ULL << 20)
#define A2_IOVA (A_IOVA + 8 * P)
#define A3_IOVA (A_IOVA + 12 * P)
#define R_IOVA (2ULL << 20)
#define W_IOVA (R_IOVA + 4 * P)
#define GAP_IOVA (3ULL << 20)

struct fx {
	struct iodirty_domain *dom;
	uint8_t *ram;
	struct t_snap_spec spec;
};

static void fx_setup(struct fx *f, bool tracking)
{
	static const uint64_t probes[] = {
		A_IOVA, A2_IOVA, A3_IOVA, A3_IOVA + 4 * P, R_IOVA, W_IOVA,
		W_IOVA + 4 * P, GAP_IOVA,
	};

	T_REQUIRE_CAPS(IODIRTY_CAP_SG | IODIRTY_CAP_DIRTY_TRACKING);
	memset(f, 0, sizeof(*f));
	f->dom = t_domain(BITS, 0);
	f->ram = t_ram(RAM_PAGES * P, 0);
	for (size_t i = 0; i < RAM_PAGES * P; i++)
		f->ram[i] = (uint8_t)(i * 11 + 3);
	assert_int_equal(iodirty_map(f->dom, A_IOVA, f->ram, 8 * P, RW), 0);
	assert_int_equal(iodirty_map(f->dom, A2_IOVA, f->ram + 16 * P, 4 * P,
				     RW), 0);
	assert_int_equal(iodirty_map(f->dom, A3_IOVA, f->ram + 20 * P, 4 * P,
				     RW), 0);
	assert_int_equal(iodirty_map(f->dom, R_IOVA, f->ram + 32 * P, 4 * P,
				     IODIRTY_MAP_READ), 0);
	assert_int_equal(iodirty_map(f->dom, W_IOVA, f->ram + 36 * P, 4 * P,
				     IODIRTY_MAP_WRITE), 0);
	if (tracking) {
		assert_int_equal(iodirty_set_dirty_tracking(f->dom, true), 0);
		f->spec.win_iova = 0;
		f->spec.win_len = 4ULL << 20;
	}
	f->spec.nprobes = sizeof(probes) / sizeof(probes[0]);
	memcpy(f->spec.probe, probes, sizeof(probes));
}

static void fx_teardown(struct fx *f)
{
	iodirty_domain_destroy(f->dom);
	t_ram_free(f->ram, RAM_PAGES * P);
}

/*
 * The pieces of a hold of [iova, iova + length): they add up to length,
 * each byte at a page start, at the piece's start and at its end is where
 * iodirty_translate() says, and neighbouring pieces are not contiguous in
 * user address (one piece per contiguous run).
 */
static void check_pieces(struct iodirty_domain *dom, uint64_t iova,
			 uint64_t length, const struct iodirty_sg *sg,
			 size_t n)
{
	uint64_t cur = iova, sum = 0;

	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t *base = sg[i].addr;

		assert_non_null(base);
		assert_true(sg[i].length > 0);
		for (uint64_t off = 0; off < sg[i].length;) {
			void *a;
			uint64_t contig;

			assert_int_equal(iodirty_translate(dom, cur + off, &a,
							   &contig), 0);
			if (a != (void *)(base + off))
				print_error("piece %zu: iova 0x%" PRIx64
					    " translates to %p, the piece "
					    "says %p\n", i, cur + off, a,
					    (void *)(base + off));
			assert_ptr_equal(a, base + off);
			/* next page start, or the piece's last byte */
			if (off == sg[i].length - 1)
				break;
			off = ((cur + off) / P + 1) * P - cur;
			if (off >= sg[i].length)
				off = sg[i].length - 1;
		}
		if (i + 1 < n)
			assert_ptr_not_equal(base + sg[i].length, sg[i + 1].addr);
		cur += sg[i].length;
		sum += sg[i].length;
	}
	T_EQ(sum, length);
}

/* Gets a hold and checks its pieces; returns the number of pieces. */
static size_t get_ok(struct fx *f, uint64_t iova, uint64_t length,
		     uint32_t flags, struct iodirty_sg *sg,
		     struct iodirty_sg_hold **hold)
{
	size_t n = NSG;
	int rc;

	*hold = NULL;
	rc = iodirty_sg_get(f->dom, iova, length, flags, sg, &n, hold);
	if (rc)
		print_error("sg_get(0x%" PRIx64 ", %" PRIu64 ", %u): %d (%s)\n",
			    iova, length, flags, rc, iodirty_strerror(rc));
	assert_int_equal(rc, 0);
	assert_non_null(*hold);
	assert_true(n >= 1 && n <= NSG);
	check_pieces(f->dom, iova, length, sg, n);
	return n;
}

/* Writes @v to @len bytes of the held range from its start on. */
static void write_through(const struct iodirty_sg *sg, size_t n, uint64_t len,
			  uint8_t v)
{
	for (size_t i = 0; i < n && len; i++) {
		uint64_t k = sg[i].length < len ? sg[i].length : len;

		memset(sg[i].addr, v, k);
		len -= k;
	}
}

/* Pages [0, 16) of A..A3 dirty (read without clearing). */
static uint64_t dirty_a(struct fx *f, uint32_t flags)
{
	uint64_t bm[1] = { 0 };

	assert_true(iodirty_read_dirty(f->dom, A_IOVA, 16 * P, P, bm, flags)
		    >= 0);
	return bm[0];
}

/* Bits [lo, hi) of a word. */
static uint64_t bits(unsigned int lo, unsigned int hi)
{
	return (hi >= 64 ? ~0ULL : (1ULL << hi) - 1) & ~((1ULL << lo) - 1);
}

/* ------------------------------------------------------------------ */

static void test_sg_pieces(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h;
	size_t n;

	(void)state;
	fx_setup(&f, true);
	/* A, then A2 and A3 as one piece (contiguous in user address) */
	n = get_ok(&f, A_IOVA + 100, 16 * P - 150, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(n, 2);
	assert_ptr_equal(sg[0].addr, f.ram + 100);
	T_EQ(sg[0].length, 8 * P - 100);
	assert_ptr_equal(sg[1].addr, f.ram + 16 * P);
	T_EQ(sg[1].length, 8 * P - 50);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	/* the same range to read */
	n = get_ok(&f, A_IOVA + 100, 16 * P - 150, 0, sg, &h);
	assert_int_equal(n, 2);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	/* inside one page */
	n = get_ok(&f, A2_IOVA + 5, 10, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(n, 1);
	assert_ptr_equal(sg[0].addr, f.ram + 16 * P + 5);
	T_EQ(sg[0].length, 10);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	/* across A2 and A3 (two mappings, one piece) */
	n = get_ok(&f, A2_IOVA + 3 * P, 2 * P, 0, sg, &h);
	assert_int_equal(n, 1);
	assert_ptr_equal(sg[0].addr, f.ram + 19 * P);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	/* read-only R and write-only W, each with its permission */
	n = get_ok(&f, R_IOVA, 4 * P, 0, sg, &h);
	assert_int_equal(n, 1);
	assert_ptr_equal(sg[0].addr, f.ram + 32 * P);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	n = get_ok(&f, W_IOVA + 1, 4 * P - 1, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(n, 1);
	assert_ptr_equal(sg[0].addr, f.ram + 36 * P + 1);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	/* none of it marked anything */
	T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);
	fx_teardown(&f);
}

static void test_sg_emsgsize(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h = NULL;
	size_t n;

	(void)state;
	fx_setup(&f, true);
	for (uint32_t fl = 0; fl <= IODIRTY_SG_WRITE; fl += IODIRTY_SG_WRITE) {
		n = 1;
		T_EXPECT_ERR(f.dom, &f.spec,
			     iodirty_sg_get(f.dom, A_IOVA, 16 * P, fl, sg, &n,
					    &h), -EMSGSIZE);
		assert_int_equal(n, 2);
		n = 0;
		T_EXPECT_ERR(f.dom, &f.spec,
			     iodirty_sg_get(f.dom, A_IOVA, 16 * P, fl, NULL,
					    &n, &h), -EMSGSIZE);
		assert_int_equal(n, 2);
		/* exactly enough; entries past the ones used untouched */
		memset(sg, 0xa5, sizeof(sg));
		n = NSG;
		assert_int_equal(iodirty_sg_get(f.dom, A_IOVA, 16 * P, fl, sg,
						&n, &h), 0);
		assert_int_equal(n, 2);
		check_pieces(f.dom, A_IOVA, 16 * P, sg, n);
		for (size_t i = 2; i < NSG; i++) {
			struct iodirty_sg canary;

			memset(&canary, 0xa5, sizeof(canary));
			assert_memory_equal(&sg[i], &canary, sizeof(canary));
		}
		assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
		n = 2;
		assert_int_equal(iodirty_sg_get(f.dom, A_IOVA, 16 * P, fl, sg,
						&n, &h), 0);
		assert_int_equal(n, 2);
		assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	}
	/*
	 * The failed write holds hold nothing: an unmap with a dirty report
	 * reports none of their pages.
	 */
	{
		uint64_t bm[1] = { 0 };
		struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts,
							   .page_size = P,
							   .dirty_bitmap = bm);

		n = 1;
		assert_int_equal(iodirty_sg_get(f.dom, A_IOVA, 16 * P,
						IODIRTY_SG_WRITE, sg, &n, &h),
				 -EMSGSIZE);
		assert_int_equal(iodirty_unmap(f.dom, A_IOVA, 16 * P, &o), 0);
		T_EQ(o.unmapped, 16 * P);
		assert_int_equal(bm[0], 0);
	}
	fx_teardown(&f);
}

static void test_sg_data(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h;
	uint8_t buf[64], back[64];
	size_t n;

	(void)state;
	fx_setup(&f, true);
	/* a read hold sees what DMA wrote, while held */
	n = get_ok(&f, A_IOVA + 8 * P - 32, 64, 0, sg, &h);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0x40 + i);
	assert_int_equal(iodirty_dma_write(f.dom, A_IOVA + 8 * P - 32, buf,
					   sizeof(buf)), 0);
	assert_memory_equal(sg[0].addr, buf, 32);
	assert_memory_equal(sg[1].addr, buf + 32, 32);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	/* DMA reads what was written through a write hold */
	n = get_ok(&f, A_IOVA + 8 * P - 32, 64, IODIRTY_SG_WRITE, sg, &h);
	write_through(sg, n, 64, 0x7e);
	assert_int_equal(iodirty_sg_put(f.dom, h, 64), 0);
	assert_int_equal(iodirty_dma_read(f.dom, A_IOVA + 8 * P - 32, back,
					  sizeof(back)), 0);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0x7e);
	fx_teardown(&f);
}

static void test_sg_write_marks_prefix(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h;
	uint64_t len = 16 * P - 150;
	size_t n;

	(void)state;
	fx_setup(&f, true);
	/* held and written: not reported while held */
	n = get_ok(&f, A_IOVA + 100, len, IODIRTY_SG_WRITE, sg, &h);
	write_through(sg, n, len, 0x11);
	assert_int_equal(dirty_a(&f, IODIRTY_READ_NO_CLEAR), 0);
	assert_int_equal(dirty_a(&f, 0), 0);
	/* written beyond the range: -EINVAL, the hold is kept, nothing
	 * marked */
	assert_int_equal(iodirty_sg_put(f.dom, h, len + 1), -EINVAL);
	assert_int_equal(iodirty_sg_put(f.dom, h, UINT64_MAX), -EINVAL);
	assert_int_equal(dirty_a(&f, IODIRTY_READ_NO_CLEAR), 0);
	/* 5 pages from byte 100 of page 0: pages 0 to 5 */
	assert_int_equal(iodirty_sg_put(f.dom, h, 5 * P), 0);
	assert_int_equal(dirty_a(&f, 0), bits(0, 6));
	/* one byte: page 0; the last byte of page 0: page 0 */
	get_ok(&f, A_IOVA + 100, len, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_sg_put(f.dom, h, 1), 0);
	assert_int_equal(dirty_a(&f, 0), bits(0, 1));
	get_ok(&f, A_IOVA + 100, len, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_sg_put(f.dom, h, P - 100), 0);
	assert_int_equal(dirty_a(&f, 0), bits(0, 1));
	get_ok(&f, A_IOVA + 100, len, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_sg_put(f.dom, h, P - 99), 0);
	assert_int_equal(dirty_a(&f, 0), bits(0, 2));
	/* nothing written: nothing marked */
	get_ok(&f, A_IOVA + 100, len, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	assert_int_equal(dirty_a(&f, 0), 0);
	/* all of it (the device does not know how much): every page */
	get_ok(&f, A_IOVA + 100, len, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_sg_put(f.dom, h, len), 0);
	assert_int_equal(dirty_a(&f, 0), bits(0, 16));
	/* nothing outside the range */
	T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);

	/* a read hold: written != 0 is -EINVAL, the hold is kept */
	get_ok(&f, A_IOVA, 4 * P, 0, sg, &h);
	assert_int_equal(iodirty_sg_put(f.dom, h, 1), -EINVAL);
	assert_int_equal(iodirty_sg_put(f.dom, h, 4 * P), -EINVAL);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), 0);
	T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);
	/* the kept write hold of before still marks on its second put */
	get_ok(&f, A2_IOVA, 2 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_sg_put(f.dom, h, 2 * P + 1), -EINVAL);
	assert_int_equal(iodirty_sg_put(f.dom, h, P + 1), 0);
	assert_int_equal(dirty_a(&f, 0), bits(8, 10));
	fx_teardown(&f);
}

/* Marks at a granule bigger than a page: the granules of the prefix. */
static void test_sg_granule(void **state)
{
	struct iodirty_domain *d;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h;
	uint8_t *ram;
	uint64_t bm[1];
	size_t n = NSG;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SG | IODIRTY_CAP_DIRTY_TRACKING);
	if (!(t_caps.granules & 16384)) {
		TC_SKIP("granule 16384 not supported\n");
	}
	d = t_domain(BITS, 16384);
	ram = t_ram(16 * P, 16384);
	assert_int_equal(iodirty_map(d, A_IOVA, ram, 16 * P, RW), 0);
	assert_int_equal(iodirty_set_dirty_tracking(d, true), 0);
	assert_int_equal(iodirty_sg_get(d, A_IOVA + 3 * P, 8 * P,
					IODIRTY_SG_WRITE, sg, &n, &h), 0);
	/* pages 3 and 4: granules 0 and 1 */
	assert_int_equal(iodirty_sg_put(d, h, P + 1), 0);
	bm[0] = 0;
	T_EQ(iodirty_read_dirty(d, A_IOVA, 16 * P, 16384, bm, 0), 2);
	assert_int_equal(bm[0], 3);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 16 * P);
}

static void test_sg_errors(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h = NULL;
	struct iodirty_domain *d;
	size_t n = NSG;

	(void)state;
	fx_setup(&f, true);
	/* some dirty state for the snapshots to compare */
	assert_int_equal(iodirty_mark_dirty(f.dom, A_IOVA + 2 * P, 1), 0);
#define GETERR(iova, len, fl, s, np, hp, err)				\
	do {								\
		n = NSG;						\
		T_EXPECT_ERR(f.dom, &f.spec,				\
			     iodirty_sg_get(f.dom, iova, len, fl, s, np, hp), \
			     err);					\
	} while (0)
	assert_int_equal(iodirty_sg_get(NULL, A_IOVA, P, 0, sg, &n, &h),
			 -EINVAL);
	GETERR(A_IOVA, P, 0, sg, NULL, &h, -EINVAL);
	GETERR(A_IOVA, P, 0, sg, &n, NULL, -EINVAL);
	GETERR(A_IOVA, 0, 0, sg, &n, &h, -EINVAL);
	GETERR(A_IOVA, 0, IODIRTY_SG_WRITE, sg, &n, &h, -EINVAL);
	GETERR(A_IOVA, P, 0, NULL, &n, &h, -EINVAL);	/* NULL sg, *n 8 */
	GETERR(A_IOVA, P, 1u << 1, sg, &n, &h, -EOPNOTSUPP);
	GETERR(A_IOVA, P, 1u << 31, sg, &n, &h, -EOPNOTSUPP);
	GETERR(A_IOVA, P, IODIRTY_SG_WRITE | (1u << 7), sg, &n, &h,
	       -EOPNOTSUPP);
	for (uint32_t fl = 0; fl <= IODIRTY_SG_WRITE; fl += IODIRTY_SG_WRITE) {
		GETERR(GAP_IOVA, 8, fl, sg, &n, &h, -ENOENT);
		GETERR(A_IOVA - 4, 8, fl, sg, &n, &h, -ENOENT);
		GETERR(A3_IOVA + 4 * P - 4, 8, fl, sg, &n, &h, -ENOENT);
		GETERR(A_IOVA, 17 * P, fl, sg, &n, &h, -ENOENT);
		GETERR(1ULL << BITS, 8, fl, sg, &n, &h, -ERANGE);
		GETERR((1ULL << BITS) - 4, 8, fl, sg, &n, &h, -ERANGE);
	}
	/* permissions */
	GETERR(R_IOVA, 8, IODIRTY_SG_WRITE, sg, &n, &h, -EACCES);
	GETERR(R_IOVA + 4 * P - 4, 8, IODIRTY_SG_WRITE, sg, &n, &h, -EACCES);
	GETERR(W_IOVA, 8, 0, sg, &n, &h, -EACCES);
	GETERR(R_IOVA, 8 * P, 0, sg, &n, &h, -EACCES);
	GETERR(R_IOVA, 8 * P, IODIRTY_SG_WRITE, sg, &n, &h, -EACCES);
	GETERR(W_IOVA + 4 * P - 1, 2, IODIRTY_SG_WRITE, sg, &n, &h, -ENOENT);
#undef GETERR
	/* put */
	assert_int_equal(iodirty_sg_put(f.dom, NULL, 0), -EINVAL);
	n = NSG;
	assert_int_equal(iodirty_sg_get(f.dom, A_IOVA, P, IODIRTY_SG_WRITE, sg,
					&n, &h), 0);
	assert_int_equal(iodirty_sg_put(NULL, h, P), -EINVAL);
	assert_int_equal(iodirty_sg_put(f.dom, h, P), 0);
	fx_teardown(&f);

	/* -EOVERFLOW, where nothing else can apply */
	if (t_caps.max_iova_bits < 64) {
		print_message("backend has no 64-bit IOVA domains\n");
		return;
	}
	d = t_domain(64, 0);
	{
		struct t_snap_spec sp = { .nprobes = 1, .probe = { 0 } };

		n = NSG;
		T_EXPECT_ERR(d, &sp, iodirty_sg_get(d, UINT64_MAX - 15, 32, 0,
						    sg, &n, &h), -EOVERFLOW);
		n = NSG;
		T_EXPECT_ERR(d, &sp, iodirty_sg_get(d, UINT64_MAX - 15, 32,
						    IODIRTY_SG_WRITE, sg, &n,
						    &h), -EOVERFLOW);
	}
	iodirty_domain_destroy(d);
}

/* A backend without IODIRTY_CAP_SG refuses both calls. */
static void test_sg_nocap(void **state)
{
	struct iodirty_domain *d;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h = NULL;
	uint8_t *ram;
	size_t n = NSG;

	(void)state;
	if (t_caps.flags & IODIRTY_CAP_SG) {
		TC_SKIP("backend has IODIRTY_CAP_SG\n");
	}
	d = t_domain(0, 0);
	ram = t_ram(P, 0);
	assert_int_equal(iodirty_map(d, A_IOVA, ram, P, RW), 0);
	assert_int_equal(iodirty_sg_get(d, A_IOVA, P, 0, sg, &n, &h),
			 -EOPNOTSUPP);
	assert_int_equal(iodirty_sg_get(d, A_IOVA, P, IODIRTY_SG_WRITE, sg, &n,
					&h), -EOPNOTSUPP);
	iodirty_domain_destroy(d);
	t_ram_free(ram, P);
}

/* Unmaps [iova, +len) with a dirty report at P; returns its first word. */
static uint64_t unmap_report(struct fx *f, uint64_t iova, uint64_t len)
{
	uint64_t bm[2] = { 0, 0 };
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts,
						   .page_size = P,
						   .dirty_bitmap = bm);

	assert_true(len <= 64 * P);
	assert_int_equal(iodirty_unmap(f->dom, iova, len, &o), 0);
	T_EQ(o.unmapped, len);
	assert_int_equal(bm[1], 0);
	return bm[0];
}

static void test_sg_unmap_stale(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h;
	size_t n;

	(void)state;

	/*
	 * A write hold of A..A3, nothing written yet: unmapping A2 with a
	 * report reports its 4 held pages. The put is -ESTALE and marks the
	 * written pages still mapped (A and A3), not A2's.
	 */
	fx_setup(&f, true);
	n = get_ok(&f, A_IOVA, 16 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(unmap_report(&f, A2_IOVA, 4 * P), bits(0, 4));
	write_through(sg, n, 16 * P, 0x22);
	assert_int_equal(iodirty_sg_put(f.dom, h, 16 * P), -ESTALE);
	assert_int_equal(dirty_a(&f, 0), bits(0, 8) | bits(12, 16));
	assert_int_equal(dirty_a(&f, 0), 0);
	fx_teardown(&f);

	/* the same with a prefix written: only its pages, still mapped */
	fx_setup(&f, true);
	get_ok(&f, A_IOVA, 16 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(unmap_report(&f, A2_IOVA, 4 * P), bits(0, 4));
	assert_int_equal(iodirty_sg_put(f.dom, h, 13 * P - 1), -ESTALE);
	assert_int_equal(dirty_a(&f, 0), bits(0, 8) | bits(12, 13));
	fx_teardown(&f);

	/* a report of a partly held mapping: only the held pages */
	fx_setup(&f, true);
	get_ok(&f, A_IOVA + 2 * P + 7, 2 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(unmap_report(&f, A_IOVA, 8 * P), bits(2, 5));
	assert_int_equal(iodirty_sg_put(f.dom, h, 2 * P), -ESTALE);
	T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);
	fx_teardown(&f);

	/* an unmap without a report: -ESTALE all the same */
	fx_setup(&f, true);
	get_ok(&f, A_IOVA, 16 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_unmap(f.dom, A3_IOVA, 4 * P, NULL), 0);
	assert_int_equal(iodirty_sg_put(f.dom, h, 16 * P), -ESTALE);
	assert_int_equal(dirty_a(&f, 0), bits(0, 12));
	fx_teardown(&f);

	/* a read hold: the report has none of its pages; the put is
	 * -ESTALE */
	fx_setup(&f, true);
	get_ok(&f, A_IOVA, 16 * P, 0, sg, &h);
	assert_int_equal(unmap_report(&f, A2_IOVA, 4 * P), 0);
	assert_int_equal(iodirty_sg_put(f.dom, h, 0), -ESTALE);
	T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);
	fx_teardown(&f);

	/* written and reported by the unmap: not reported again */
	fx_setup(&f, true);
	n = get_ok(&f, A2_IOVA, 8 * P, IODIRTY_SG_WRITE, sg, &h);
	write_through(sg, n, 8 * P, 0x33);
	assert_int_equal(unmap_report(&f, A2_IOVA, 8 * P), bits(0, 8));
	assert_int_equal(iodirty_sg_put(f.dom, h, 8 * P), -ESTALE);
	T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);
	fx_teardown(&f);

	/* an unmap next to the hold leaves it alone */
	fx_setup(&f, true);
	get_ok(&f, A_IOVA, 8 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(unmap_report(&f, A2_IOVA, 8 * P), 0);
	assert_int_equal(iodirty_sg_put(f.dom, h, 8 * P), 0);
	assert_int_equal(dirty_a(&f, 0), bits(0, 8));
	fx_teardown(&f);

	/* several holds of one page: reported once, every put -ESTALE */
	fx_setup(&f, true);
	{
		struct iodirty_sg_hold *hs[16];

		for (int i = 0; i < 16; i++)
			get_ok(&f, A2_IOVA + (uint64_t)i * 8, 8,
			       i % 2 ? IODIRTY_SG_WRITE : 0, sg, &hs[i]);
		assert_int_equal(unmap_report(&f, A2_IOVA, 4 * P), bits(0, 1));
		for (int i = 0; i < 16; i++)
			assert_int_equal(iodirty_sg_put(f.dom, hs[i],
							i % 2 ? 8 : 0),
					 -ESTALE);
	}
	T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);
	fx_teardown(&f);
}

/* Partial unmap of a held mapping (where the backend can cut one). */
static void test_sg_unmap_partial(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_PARTIAL_UNMAP);
	fx_setup(&f, true);
	get_ok(&f, A_IOVA + P, 6 * P, IODIRTY_SG_WRITE, sg, &h);
	/* a hole at page 3 of A, a page before the hold, one after */
	assert_int_equal(unmap_report(&f, A_IOVA + 3 * P, P), 1);
	assert_int_equal(unmap_report(&f, A_IOVA, P), 0);
	assert_int_equal(unmap_report(&f, A_IOVA + 7 * P, P), 0);
	assert_int_equal(iodirty_sg_put(f.dom, h, 6 * P), -ESTALE);
	assert_int_equal(dirty_a(&f, 0), bits(1, 3) | bits(4, 7));
	fx_teardown(&f);
}

static void test_sg_tracking(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h;

	(void)state;
	/* got while off, put while on: marked */
	fx_setup(&f, false);
	get_ok(&f, A_IOVA, 4 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	assert_int_equal(iodirty_sg_put(f.dom, h, 2 * P), 0);
	assert_int_equal(dirty_a(&f, 0), bits(0, 2));
	/* got while on, put while off: nothing, then or later */
	get_ok(&f, A_IOVA, 4 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	assert_int_equal(iodirty_sg_put(f.dom, h, 4 * P), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	assert_int_equal(dirty_a(&f, 0), 0);
	/* stopped and started while held: marked */
	get_ok(&f, A_IOVA, 4 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	assert_int_equal(iodirty_sg_put(f.dom, h, 3 * P), 0);
	assert_int_equal(dirty_a(&f, 0), bits(0, 3));
	/* got while off, tracking started, then an unmap with a report:
	 * the held pages are in it */
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	get_ok(&f, A2_IOVA + P, 2 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	assert_int_equal(unmap_report(&f, A2_IOVA, 4 * P), bits(1, 3));
	assert_int_equal(iodirty_sg_put(f.dom, h, 2 * P), -ESTALE);
	T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);
	fx_teardown(&f);
}

/*
 * Holds whose pages were all or partly unmapped, on a domain with the
 * hardware model, whose leaf lookup needs a mapped page: tracking started
 * over a hold that lost all its pages, and an unmap with a report over a
 * hold that lost its last pages, prepare the dirty state of the pages
 * still mapped and nothing else (both once dereferenced a missing area).
 */
static void test_sg_stale_hw_model(void **state)
{
	struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts,
		.flags = IODIRTY_DOMAIN_HW_MODEL);
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h;
	struct fx f;
	size_t n;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SG | IODIRTY_CAP_DIRTY_TRACKING |
		       IODIRTY_CAP_HW_MODEL);
	memset(&f, 0, sizeof(f));
	f.ram = t_ram(RAM_PAGES * P, 0);
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &f.dom), 0);

	/* every page of the hold unmapped, then tracking on */
	assert_int_equal(iodirty_map(f.dom, A_IOVA, f.ram, 8 * P, RW), 0);
	get_ok(&f, A_IOVA, 8 * P, IODIRTY_SG_WRITE, sg, &h);
	assert_int_equal(iodirty_unmap(f.dom, A_IOVA, 8 * P, NULL), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	assert_int_equal(iodirty_sg_put(f.dom, h, 8 * P), -ESTALE);
	T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);

	/* the hold's last pages unmapped, then a report over all of it */
	if (t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP) {
		assert_int_equal(iodirty_map(f.dom, A_IOVA, f.ram, 8 * P, RW),
				 0);
		n = get_ok(&f, A_IOVA, 8 * P, IODIRTY_SG_WRITE, sg, &h);
		assert_int_equal(iodirty_unmap(f.dom, A_IOVA + 6 * P, 2 * P,
					       NULL), 0);
		{
			uint64_t bm[1] = { 0 };
			struct iodirty_unmap_opts u = IODIRTY_OPTS(
				iodirty_unmap_opts, .page_size = P,
				.dirty_bitmap = bm);

			assert_int_equal(iodirty_unmap(f.dom, A_IOVA, 8 * P,
						       &u), 0);
			T_EQ(u.unmapped, 6 * P);
			T_EQ(bm[0], bits(0, 6));
		}
		write_through(sg, n, 8 * P, 0x55);
		assert_int_equal(iodirty_sg_put(f.dom, h, 8 * P), -ESTALE);
		T_EQ(t_dirty_count(f.dom, 0, 4ULL << 20), 0);
	}
	fx_teardown(&f);
}

struct put_arg {
	struct iodirty_domain *dom;
	struct iodirty_sg_hold *h;
	struct iodirty_sg *sg;
	size_t n;
	int rc;
};

static void *put_thread(void *p)
{
	struct put_arg *a = p;

	write_through(a->sg, a->n, 3 * P, 0x44);
	a->rc = iodirty_sg_put(a->dom, a->h, 3 * P);
	return NULL;
}

/* A hold put by another thread than the one that got it. */
static void test_sg_put_other_thread(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct put_arg a;
	pthread_t t;

	(void)state;
	fx_setup(&f, true);
	a.dom = f.dom;
	a.sg = sg;
	a.n = get_ok(&f, A_IOVA + 6 * P, 4 * P, IODIRTY_SG_WRITE, sg, &a.h);
	a.rc = -1;
	assert_int_equal(pthread_create(&t, NULL, put_thread, &a), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(a.rc, 0);
	assert_int_equal(dirty_a(&f, 0), bits(6, 9));
	for (size_t i = 0; i < 2 * P; i++)
		assert_int_equal(f.ram[6 * P + i], 0x44);
	assert_int_equal(f.ram[16 * P], 0x44);
	fx_teardown(&f);
}

/* Overlapping holds mark independently. */
static void test_sg_overlap(void **state)
{
	struct fx f;
	struct iodirty_sg sg[NSG];
	struct iodirty_sg_hold *h1, *h2, *h3;

	(void)state;
	fx_setup(&f, true);
	get_ok(&f, A_IOVA, 8 * P, IODIRTY_SG_WRITE, sg, &h1);
	get_ok(&f, A_IOVA + 4 * P, 8 * P, IODIRTY_SG_WRITE, sg, &h2);
	get_ok(&f, A_IOVA + 2 * P, 4 * P, 0, sg, &h3);
	assert_int_equal(iodirty_sg_put(f.dom, h2, 2 * P), 0);
	assert_int_equal(dirty_a(&f, 0), bits(4, 6));
	assert_int_equal(iodirty_sg_put(f.dom, h3, 0), 0);
	assert_int_equal(dirty_a(&f, 0), 0);
	assert_int_equal(iodirty_sg_put(f.dom, h1, P), 0);
	assert_int_equal(dirty_a(&f, 0), bits(0, 1));
	fx_teardown(&f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sg_pieces),
		cmocka_unit_test(test_sg_emsgsize),
		cmocka_unit_test(test_sg_data),
		cmocka_unit_test(test_sg_write_marks_prefix),
		cmocka_unit_test(test_sg_granule),
		cmocka_unit_test(test_sg_errors),
		cmocka_unit_test(test_sg_nocap),
		cmocka_unit_test(test_sg_unmap_stale),
		cmocka_unit_test(test_sg_unmap_partial),
		cmocka_unit_test(test_sg_tracking),
		cmocka_unit_test(test_sg_stale_hw_model),
		cmocka_unit_test(test_sg_put_other_thread),
		cmocka_unit_test(test_sg_overlap),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_sg", tests, NULL, NULL);
	t_fini();
	return rc;
}
