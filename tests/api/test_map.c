// SPDX-License-Identifier: MIT
/*
 * Map, unmap and translate semantics: exact unmaps, holes punched into big
 * mappings and filled again, unmaps across several mappings and gaps,
 * trimming, the counters, translate's contig, usable IOVA ranges, and the
 * memory cost of a million holes.
 */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

static void expect_translate(struct iodirty_domain *d, uint64_t iova,
			     const void *addr, uint64_t contig)
{
	void *a = NULL;
	uint64_t c = 0;
	int rc = iodirty_translate(d, iova, &a, &c);

	if (rc != 0 || a != addr || c != contig)
		print_error("translate(0x%" PRIx64 ") = %d, %p, contig 0x%"
			    PRIx64 "; expected 0, %p, 0x%" PRIx64 "\n", iova,
			    rc, a, c, addr, contig);
	assert_int_equal(rc, 0);
	assert_ptr_equal(a, addr);
	assert_int_equal(c, contig);
}

static void expect_unmapped(struct iodirty_domain *d, uint64_t iova)
{
	void *a;
	uint64_t c;

	assert_int_equal(iodirty_translate(d, iova, &a, &c), -ENOENT);
}

static void expect_stats(struct iodirty_domain *d, uint64_t mapped_bytes,
			 uint64_t mappings, uint64_t holes)
{
	struct iodirty_stats st;

	t_stats(d, &st);
	if (st.mapped_bytes != mapped_bytes || st.mappings != mappings ||
	    st.holes != holes)
		print_error("stats: mapped_bytes 0x%" PRIx64 " mappings %"
			    PRIu64 " holes %" PRIu64 "; expected 0x%" PRIx64
			    " %" PRIu64 " %" PRIu64 "\n", st.mapped_bytes,
			    st.mappings, st.holes, mapped_bytes, mappings,
			    holes);
	assert_int_equal(st.mapped_bytes, mapped_bytes);
	assert_int_equal(st.mappings, mappings);
	assert_int_equal(st.holes, holes);
}

/* Maps [iova, +len) to @addr with @prot; asserts success. */
static void map_ok(struct iodirty_domain *d, uint64_t iova, void *addr,
		   uint64_t len, uint32_t prot)
{
	int rc = iodirty_map(d, iova, addr, len, prot);

	if (rc)
		print_error("map(0x%" PRIx64 ", %p, 0x%" PRIx64 ", %u) = %d "
			    "(%s)\n", iova, addr, len, prot, rc,
			    iodirty_strerror(rc));
	assert_int_equal(rc, 0);
}

static uint64_t unmap_bytes(struct iodirty_domain *d, uint64_t iova,
			    uint64_t len)
{
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);

	o.unmapped = 0xdead;
	assert_int_equal(iodirty_unmap(d, iova, len, &o), 0);
	return o.unmapped;
}

/*
 * Skips the test unless the backend has @caps; a 40-bit domain with
 * @pages of fresh RAM (returned in @ram) mapped read-write at @iova.
 */
static struct iodirty_domain *mapped_domain(uint64_t caps, uint64_t iova,
					    size_t pages, uint8_t **ram)
{
	struct iodirty_domain *d;

	T_REQUIRE_CAPS(caps);
	d = t_domain(40, 0);
	*ram = t_ram(pages * P, 0);
	map_ok(d, iova, *ram, pages * P, RW);
	return d;
}

static void test_exact_unmap(void **state)
{
	struct iodirty_domain *d = t_domain(40, 0);
	uint8_t *ram = t_ram(8 * P, 0);
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);

	(void)state;
	expect_stats(d, 0, 0, 0);
	map_ok(d, MiB, ram, 8 * P, RW);
	expect_stats(d, 8 * P, 1, 0);
	expect_translate(d, MiB, ram, 8 * P);
	expect_translate(d, MiB + 7 * P + 17, ram + 7 * P + 17, P - 17);
	expect_unmapped(d, MiB - P);
	expect_unmapped(d, MiB + 8 * P);
	T_EQ(unmap_bytes(d, MiB, 8 * P), 8 * P);
	expect_stats(d, 0, 0, 0);
	expect_unmapped(d, MiB);
	expect_unmapped(d, MiB + 7 * P);
	assert_int_equal(iodirty_unmap(d, MiB, 8 * P, &o), -ENOENT);
	assert_int_equal(iodirty_unmap(d, MiB, 8 * P, NULL), -ENOENT);
	/* and it can be mapped again, elsewhere in RAM */
	map_ok(d, MiB, ram + 4 * P, 4 * P, IODIRTY_MAP_READ);
	expect_translate(d, MiB + P, ram + 5 * P, 3 * P);
	assert_int_equal(iodirty_unmap(d, MiB, 4 * P, NULL), 0);
	expect_stats(d, 0, 0, 0);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 8 * P);
}

/*
 * A 4 KiB hole in a 1 GiB mapping, filled with the same and another target.
 * On a kernel backend the mapping pins 1 GiB of RAM for the test's time.
 */
static void test_hole_in_gib(void **state)
{
	const uint64_t iova = 4 * GiB, hole = iova + 512 * MiB;
	struct iodirty_domain *d;
	uint8_t *va, *other;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_PARTIAL_UNMAP);
	d = t_domain(48, 0);
	va = t_mapmem(GiB, 0);
	other = t_mapmem(16 * P, 0);

	map_ok(d, iova, va, GiB, RW);
	expect_stats(d, GiB, 1, 0);
	expect_translate(d, iova, va, GiB);
	T_EQ(unmap_bytes(d, hole, P), P);
	expect_stats(d, GiB - P, 1, 1);
	expect_unmapped(d, hole);
	expect_unmapped(d, hole + P - 1);
	expect_translate(d, iova, va, 512 * MiB);
	expect_translate(d, hole - P, va + 512 * MiB - P, P);
	expect_translate(d, hole - 1, va + 512 * MiB - 1, 1);
	expect_translate(d, hole + P, va + 512 * MiB + P, 512 * MiB - P);
	expect_translate(d, iova + GiB - P, va + GiB - P, P);
	/* unmapping the hole again finds nothing */
	assert_int_equal(iodirty_unmap(d, hole, P, NULL), -ENOENT);

	/* Same linear target: the hole is filled, one mapping again. */
	map_ok(d, hole, va + 512 * MiB, P, RW);
	expect_stats(d, GiB, 1, 0);
	expect_translate(d, iova, va, GiB);

	/* Same target, other permissions: a run of its own. */
	T_EQ(unmap_bytes(d, hole, P), P);
	map_ok(d, hole, va + 512 * MiB, P, IODIRTY_MAP_READ);
	expect_stats(d, GiB, 3, 0);
	expect_translate(d, iova, va, 512 * MiB);
	expect_translate(d, hole, va + 512 * MiB, P);

	/* Another address: three linear runs. */
	T_EQ(unmap_bytes(d, hole, P), P);
	expect_stats(d, GiB - P, 3 - 1, 0);
	map_ok(d, hole, other, P, RW);
	expect_stats(d, GiB, 3, 0);
	expect_translate(d, hole, other, P);
	expect_translate(d, hole + 5, other + 5, P - 5);
	expect_translate(d, iova, va, 512 * MiB);
	expect_translate(d, hole + P, va + 512 * MiB + P, 512 * MiB - P);

	/* Unmapping everything at once reports every mapped byte. */
	T_EQ(unmap_bytes(d, iova, GiB), GiB);
	expect_stats(d, 0, 0, 0);
	iodirty_domain_destroy(d);
	t_ram_free(va, GiB);
	t_ram_free(other, 16 * P);
}

/* The two-step variant: the hole stays one mapping with one hole. */
static void test_hole_then_stats(void **state)
{
	struct iodirty_domain *d;
	uint8_t *ram;

	(void)state;
	d = mapped_domain(IODIRTY_CAP_PARTIAL_UNMAP, 0, 32, &ram);
	T_EQ(unmap_bytes(d, 4 * P, P), P);
	T_EQ(unmap_bytes(d, 10 * P, 3 * P), 3 * P);
	expect_stats(d, 28 * P, 1, 4);
	/* A partial fill of a 3-page hole leaves 2 holes. */
	map_ok(d, 11 * P, ram + 11 * P, P, RW);
	expect_stats(d, 29 * P, 1, 3);
	expect_translate(d, 11 * P, ram + 11 * P, P);
	expect_unmapped(d, 10 * P);
	expect_unmapped(d, 12 * P);
	/* Overlapping unmap across holes and pages counts only pages. */
	T_EQ(unmap_bytes(d, 3 * P, 11 * P), 8 * P);	/* 3,5-9,11,13 */
	expect_stats(d, 21 * P, 1, 11);
	expect_translate(d, 2 * P, ram + 2 * P, P);
	expect_translate(d, 14 * P, ram + 14 * P, 18 * P);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 32 * P);
}

static void test_unmap_across(void **state)
{
	const uint64_t base = 16 * MiB;
	struct iodirty_domain *d;
	uint8_t *r1, *r2, *r3;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_PARTIAL_UNMAP);
	d = t_domain(40, 0);
	r1 = t_ram(16 * P, 0);
	r2 = t_ram(8 * P, 0);
	r3 = t_ram(16 * P, 0);
	map_ok(d, base, r1, 16 * P, RW);
	map_ok(d, base + 32 * P, r2, 8 * P, IODIRTY_MAP_READ);
	map_ok(d, base + 48 * P, r3, 16 * P, RW);
	expect_stats(d, 40 * P, 3, 0);
	/* end of the first, all of the second, start of the third */
	T_EQ(unmap_bytes(d, base + 8 * P, 44 * P), 8 * P + 8 * P + 4 * P);
	expect_stats(d, 20 * P, 2, 0);
	expect_translate(d, base, r1, 8 * P);
	expect_translate(d, base + 7 * P, r1 + 7 * P, P);
	expect_unmapped(d, base + 8 * P);
	expect_unmapped(d, base + 32 * P);
	expect_unmapped(d, base + 51 * P);
	expect_translate(d, base + 52 * P, r3 + 4 * P, 12 * P);
	/* a range covering both remaining mappings and gaps on both sides */
	T_EQ(unmap_bytes(d, base - 64 * P, 256 * P), 20 * P);
	expect_stats(d, 0, 0, 0);
	iodirty_domain_destroy(d);
	t_ram_free(r1, 16 * P);
	t_ram_free(r2, 8 * P);
	t_ram_free(r3, 16 * P);
}

static void test_trim(void **state)
{
	const uint64_t base = 64 * MiB;
	struct iodirty_domain *d;
	uint8_t *ram;

	(void)state;
	d = mapped_domain(IODIRTY_CAP_PARTIAL_UNMAP, base, 16, &ram);
	/* the first two pages */
	T_EQ(unmap_bytes(d, base, 2 * P), 2 * P);
	expect_stats(d, 14 * P, 1, 0);
	expect_unmapped(d, base + P);
	expect_translate(d, base + 2 * P, ram + 2 * P, 14 * P);
	/* the last two, with a range reaching past the end */
	T_EQ(unmap_bytes(d, base + 14 * P, 8 * P), 2 * P);
	expect_stats(d, 12 * P, 1, 0);
	expect_translate(d, base + 2 * P, ram + 2 * P, 12 * P);
	expect_unmapped(d, base + 14 * P);
	/* a hole next to the new first page, then trim up to it: the hole
	 * is no longer inside the mapping */
	T_EQ(unmap_bytes(d, base + 5 * P, P), P);
	expect_stats(d, 11 * P, 1, 1);
	T_EQ(unmap_bytes(d, base, 5 * P), 3 * P);
	expect_stats(d, 8 * P, 1, 0);
	expect_translate(d, base + 6 * P, ram + 6 * P, 8 * P);
	/* the same at the end: holes at 12, trim 13 */
	T_EQ(unmap_bytes(d, base + 12 * P, P), P);
	expect_stats(d, 7 * P, 1, 1);
	T_EQ(unmap_bytes(d, base + 13 * P, P), P);
	expect_stats(d, 6 * P, 1, 0);
	expect_translate(d, base + 6 * P, ram + 6 * P, 6 * P);
	/* mapping outside the trimmed area with the old target re-grows it */
	map_ok(d, base + 12 * P, ram + 12 * P, 4 * P, RW);
	expect_stats(d, 10 * P, 1, 0);
	expect_translate(d, base + 6 * P, ram + 6 * P, 10 * P);
	map_ok(d, base, ram, 6 * P, RW);
	expect_stats(d, 16 * P, 1, 0);
	expect_translate(d, base, ram, 16 * P);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 16 * P);
}

static void test_contig(void **state)
{
	const uint64_t base = 128 * MiB;
	struct iodirty_domain *d = t_domain(40, 0);
	uint8_t *ram = t_ram(64 * P, 0);

	(void)state;
	/* adjacent in IOVA and linear in address, same permissions */
	map_ok(d, base, ram, 4 * P, RW);
	map_ok(d, base + 4 * P, ram + 4 * P, 4 * P, RW);
	expect_stats(d, 8 * P, 1, 0);
	expect_translate(d, base, ram, 8 * P);
	expect_translate(d, base + 100, ram + 100, 8 * P - 100);
	expect_translate(d, base + 8 * P - 1, ram + 8 * P - 1, 1);
	/* the same, mapped in the other order */
	map_ok(d, base + 20 * P, ram + 20 * P, 4 * P, IODIRTY_MAP_READ);
	map_ok(d, base + 16 * P, ram + 16 * P, 4 * P, IODIRTY_MAP_READ);
	expect_stats(d, 16 * P, 2, 0);
	expect_translate(d, base + 16 * P, ram + 16 * P, 8 * P);
	/* adjacent, linear, other permissions: contig stops */
	map_ok(d, base + 24 * P, ram + 24 * P, 4 * P, RW);
	expect_stats(d, 20 * P, 3, 0);
	expect_translate(d, base + 16 * P, ram + 16 * P, 8 * P);
	expect_translate(d, base + 24 * P, ram + 24 * P, 4 * P);
	/* adjacent in IOVA, not linear in address: contig stops */
	map_ok(d, base + 28 * P, ram + 40 * P, 4 * P, RW);
	expect_stats(d, 24 * P, 4, 0);
	expect_translate(d, base + 24 * P, ram + 24 * P, 4 * P);
	expect_translate(d, base + 28 * P, ram + 40 * P, 4 * P);
	/* a hole stops it too */
	if (t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP) {
		T_EQ(unmap_bytes(d, base + 2 * P, P), P);
		expect_translate(d, base, ram, 2 * P);
		expect_translate(d, base + 3 * P, ram + 3 * P, 5 * P);
	}
	/* write-only */
	map_ok(d, base + 40 * P, ram + 60 * P, P, IODIRTY_MAP_WRITE);
	expect_translate(d, base + 40 * P + 1, ram + 60 * P + 1, P - 1);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 64 * P);
}

/* Compares iodirty_iova_ranges() with the complement of the reserved list. */
static void check_ranges_complement(struct iodirty_domain *d, uint32_t bits)
{
	struct iodirty_range resv[64], rng[64];
	size_t nresv = 64, nrng = 64, k = 0;
	uint64_t last = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
	uint64_t next = 0;
	bool done = false;

	assert_int_equal(iodirty_reserved_regions(d, resv, &nresv), 0);
	assert_int_equal(iodirty_iova_ranges(d, rng, &nrng), 0);
	for (size_t i = 0; i < nresv; i++) {
		assert_true(resv[i].start <= resv[i].last);
		assert_true(resv[i].last <= last);
		assert_true(resv[i].type == IODIRTY_RESV_MSI ||
			    resv[i].type == IODIRTY_RESV_DIRECT);
		if (i)
			assert_true(resv[i].start > resv[i - 1].last);
		assert_true(!done);
		if (resv[i].start > next) {
			assert_true(k < nrng);
			assert_int_equal(rng[k].start, next);
			assert_int_equal(rng[k].last, resv[i].start - 1);
			assert_int_equal(rng[k].type, 0);
			k++;
		}
		if (resv[i].last == last)
			done = true;
		else
			next = resv[i].last + 1;
	}
	if (!done) {
		assert_true(k < nrng);
		assert_int_equal(rng[k].start, next);
		assert_int_equal(rng[k].last, last);
		assert_int_equal(rng[k].type, 0);
		k++;
	}
	assert_int_equal(k, nrng);
}

static bool has_resv(struct iodirty_domain *d, uint64_t start, uint64_t len,
		     uint32_t type)
{
	struct iodirty_range r[64];
	size_t n = 64;

	assert_int_equal(iodirty_reserved_regions(d, r, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (r[i].start == start && r[i].last == start + len - 1 &&
		    r[i].type == type)
			return true;
	return false;
}

static void test_iova_ranges(void **state)
{
	static const uint32_t widths[] = { 32, 40, 48, 64 };

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_USER_RESERVE);
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		uint32_t bits = widths[w];
		uint64_t top = bits == 64 ? 0 : 1ULL << bits;
		struct iodirty_domain *d;
		struct iodirty_stats st;

		if (bits > t_caps.max_iova_bits)
			continue;
		d = t_domain(bits, 0);
		t_stats(d, &st);
		assert_int_equal(st.iova_bits, bits);
		check_ranges_complement(d, bits);
		/* at the start, adjacent pairs, in the middle, at the end */
		assert_int_equal(iodirty_reserve(d, 0, P, IODIRTY_RESV_DIRECT),
				 0);
		check_ranges_complement(d, bits);
		assert_int_equal(iodirty_reserve(d, P, 2 * P,
						 IODIRTY_RESV_MSI), 0);
		assert_int_equal(iodirty_reserve(d, 16 * MiB, MiB,
						 IODIRTY_RESV_MSI), 0);
		assert_int_equal(iodirty_reserve(d, top - 2 * P, 2 * P,
						 IODIRTY_RESV_DIRECT), 0);
		assert_true(has_resv(d, 0, P, IODIRTY_RESV_DIRECT));
		assert_true(has_resv(d, P, 2 * P, IODIRTY_RESV_MSI));
		assert_true(has_resv(d, 16 * MiB, MiB, IODIRTY_RESV_MSI));
		assert_true(has_resv(d, top - 2 * P, 2 * P,
				     IODIRTY_RESV_DIRECT));
		check_ranges_complement(d, bits);
		assert_int_equal(iodirty_unreserve(d, P, 2 * P), 0);
		assert_false(has_resv(d, P, 2 * P, IODIRTY_RESV_MSI));
		check_ranges_complement(d, bits);
		assert_int_equal(iodirty_unreserve(d, top - 2 * P, 2 * P), 0);
		check_ranges_complement(d, bits);
		assert_int_equal(iodirty_unreserve(d, 0, P), 0);
		assert_int_equal(iodirty_unreserve(d, 16 * MiB, MiB), 0);
		check_ranges_complement(d, bits);
		iodirty_domain_destroy(d);
	}
}

/* A reserved region may sit in a hole of a mapping; map into it fails. */
static void test_reserve_in_hole(void **state)
{
	struct iodirty_domain *d;
	uint8_t *ram;

	(void)state;
	d = mapped_domain(IODIRTY_CAP_USER_RESERVE | IODIRTY_CAP_PARTIAL_UNMAP,
			  0, 16, &ram);
	T_EQ(unmap_bytes(d, 5 * P, 2 * P), 2 * P);
	assert_int_equal(iodirty_reserve(d, 5 * P, 2 * P, IODIRTY_RESV_MSI),
			 0);
	expect_stats(d, 14 * P, 1, 2);
	assert_int_equal(iodirty_map(d, 5 * P, ram + 5 * P, P, RW),
			 -EADDRNOTAVAIL);
	expect_unmapped(d, 5 * P);
	/* unmapping across it is fine and leaves it reserved */
	T_EQ(unmap_bytes(d, 4 * P, 4 * P), 2 * P);
	assert_true(has_resv(d, 5 * P, 2 * P, IODIRTY_RESV_MSI));
	assert_int_equal(iodirty_unreserve(d, 5 * P, 2 * P), 0);
	map_ok(d, 4 * P, ram + 4 * P, 4 * P, RW);
	expect_stats(d, 16 * P, 1, 0);
	expect_translate(d, 0, ram, 16 * P);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 16 * P);
}

/* The very top of a 64-bit IOVA space: nothing may wrap. */
static void test_top_of_64bit(void **state)
{
	const uint64_t top = UINT64_MAX & ~(P - 1), half = 1ULL << 63;
	struct iodirty_domain *d;
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	struct iodirty_range r[4];
	uint8_t *ram, v = 0x5c;
	uint64_t bm[2];
	size_t n;

	(void)state;
	if (t_caps.max_iova_bits < 64)
		TC_SKIP("no 64-bit IO address space\n");
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW |
		       IODIRTY_CAP_USER_RESERVE);
	d = t_domain(64, 0);
	ram = t_ram(4 * P, 0);
	assert_int_equal(iodirty_set_dirty_tracking(d, true), 0);
	map_ok(d, top, ram, P, RW);
	map_ok(d, top - P, ram + 2 * P, P, RW);
	expect_stats(d, 2 * P, 2, 0);
	assert_int_equal(iodirty_dma_write(d, UINT64_MAX, &v, 1), 0);
	assert_int_equal(ram[P - 1], 0x5c);
	expect_translate(d, UINT64_MAX, ram + P - 1, 1);
	expect_translate(d, top - P, ram + 2 * P, P);
	assert_int_equal(iodirty_mark_dirty(d, top - 1, 1), 0);
	/* one bit for each half of the space */
	memset(bm, 0, sizeof(bm));
	T_EQ(iodirty_read_dirty(d, 0, half, half, bm, IODIRTY_READ_NO_CLEAR),
	     0);
	T_EQ(iodirty_read_dirty(d, half, half, half, bm,
				IODIRTY_READ_NO_CLEAR), 1);
	assert_int_equal(bm[0], 1);
	memset(bm, 0, sizeof(bm));
	T_EQ(iodirty_read_dirty(d, top - P, 2 * P, P, bm,
				IODIRTY_READ_NO_CLEAR), 2);
	assert_int_equal(bm[0], 3);
	/* a reserved page just below, and the usable ranges around it */
	assert_int_equal(iodirty_reserve(d, top - 3 * P, P, IODIRTY_RESV_MSI),
			 0);
	n = 4;
	assert_int_equal(iodirty_iova_ranges(d, r, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].last, top - 3 * P - 1);
	assert_int_equal(r[1].start, top - 2 * P);
	assert_int_equal(r[1].last, UINT64_MAX);
	/* unmap the whole upper half with a 2^63-byte report page */
	memset(bm, 0, sizeof(bm));
	o.page_size = half;
	o.dirty_bitmap = bm;
	assert_int_equal(iodirty_unmap(d, half, half, &o), 0);
	assert_int_equal(o.unmapped, 2 * P);
	assert_int_equal(bm[0], 1);
	assert_int_equal(bm[1], 0);
	expect_stats(d, 0, 0, 0);
	/* the whole space reserved: no usable range at all */
	assert_int_equal(iodirty_unreserve(d, top - 3 * P, P), 0);
	assert_int_equal(iodirty_reserve(d, half, half, IODIRTY_RESV_DIRECT),
			 0);
	assert_int_equal(iodirty_reserve(d, 0, half, IODIRTY_RESV_DIRECT), 0);
	n = 0;
	assert_int_equal(iodirty_iova_ranges(d, NULL, &n), 0);
	assert_int_equal(n, 0);
	n = 4;
	assert_int_equal(iodirty_reserved_regions(d, r, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[1].last, UINT64_MAX);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 4 * P);
}

/* 1 TiB mapping, 1,000,000 random 4 KiB holes: < 64 bytes per hole. */
static void test_million_holes(void **state)
{
	const uint64_t tib = 1ULL << 40, npages = tib / P;
	const uint64_t nholes = 1000000;
	struct iodirty_domain *d;
	struct iodirty_stats st, st0;
	uint8_t *va;
	uint64_t *is_hole, *list, seed, n = 0, dups = 0;

	(void)state;
	T_REQUIRE_SOFT();
	T_REQUIRE_CAPS(IODIRTY_CAP_PARTIAL_UNMAP);
	va = t_vspace_try(tib);
	if (!va) {
		TC_SKIP("cannot reserve 1 TiB of address space here\n");
	}
	seed = t_seed("million_holes", 0x1e5f00d);
	d = t_domain(48, 0);
	is_hole = calloc(t_words(npages), sizeof(uint64_t));
	list = malloc(nholes * sizeof(uint64_t));
	assert_non_null(is_hole);
	assert_non_null(list);

	map_ok(d, 0, va, tib, RW);
	t_stats(d, &st0);
	while (n < nholes) {
		uint64_t pg = 1 + t_rand_below(&seed, npages - 2);
		int rc = iodirty_unmap(d, pg * P, P, NULL);

		if (t_bit(is_hole, pg)) {
			assert_int_equal(rc, -ENOENT);
			dups++;
			continue;
		}
		assert_int_equal(rc, 0);
		t_set_bit(is_hole, pg);
		list[n++] = pg;
	}
	t_stats(d, &st);
	assert_int_equal(st.holes, nholes);
	assert_int_equal(st.mappings, 1);
	assert_int_equal(st.mapped_bytes, tib - nholes * P);
	printf("# holes=%" PRIu64 " mem_bytes=%" PRIu64 " bytes/hole=%.2f "
	       "(mapping alone: %" PRIu64 " bytes; %" PRIu64 " repeats)\n",
	       st.holes, st.mem_bytes, (double)st.mem_bytes / (double)st.holes,
	       st0.mem_bytes, dups);
	fflush(stdout);
	assert_true(st.mem_bytes < 64 * st.holes);
	assert_true(st.mem_bytes >= st0.mem_bytes);

	/* spot checks of translate */
	for (int i = 0; i < 20000; i++) {
		uint64_t pg = t_rand_below(&seed, npages);
		void *a;
		uint64_t c;
		int rc = iodirty_translate(d, pg * P, &a, &c);

		if (t_bit(is_hole, pg)) {
			assert_int_equal(rc, -ENOENT);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_ptr_equal(a, va + pg * P);
		/* contig ends at the next hole (or the end) */
		for (uint64_t q = pg + 1; q <= pg + c / P; q++) {
			if (q == pg + c / P) {
				assert_true(q == npages || t_bit(is_hole, q));
				break;
			}
			assert_false(t_bit(is_hole, q));
		}
	}

	/* fill every hole again with the same target: back to 1 run */
	for (uint64_t i = 0; i < nholes; i++)
		map_ok(d, list[i] * P, va + list[i] * P, P, RW);
	t_stats(d, &st);
	assert_int_equal(st.holes, 0);
	assert_int_equal(st.mappings, 1);
	assert_int_equal(st.mapped_bytes, tib);
	expect_translate(d, 0, va, tib);
	printf("# refilled: mem_bytes=%" PRIu64 "\n", st.mem_bytes);
	assert_true(st.mem_bytes <= st0.mem_bytes + 4096);
	T_EQ(unmap_bytes(d, 0, tib), tib);
	iodirty_domain_destroy(d);
	t_ram_free(va, tib);
	free(is_hole);
	free(list);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_unmap),
		cmocka_unit_test(test_hole_in_gib),
		cmocka_unit_test(test_hole_then_stats),
		cmocka_unit_test(test_unmap_across),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_contig),
		cmocka_unit_test(test_iova_ranges),
		cmocka_unit_test(test_reserve_in_hole),
		cmocka_unit_test(test_top_of_64bit),
		cmocka_unit_test(test_million_holes),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_map", tests, NULL, NULL);
	t_fini();
	return rc;
}
