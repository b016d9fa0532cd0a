// SPDX-License-Identifier: MIT
/*
 * Put-back (iodirty_set_dirty, iodirty_set_dirty_extents): what is put
 * back is read back exactly (mapped pages only), in IOVA and in
 * user-address space with every alias marked; a concurrent reader sees a
 * whole put-back call or nothing of it; argument errors change nothing.
 */
#include "extents_fixture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define MiB (1ULL << 20)

/* The bits of @m that are mapped (@mapped), into @exp. */
static void and_bits(uint64_t *exp, const uint64_t *a, const uint64_t *b,
		     uint64_t bits)
{
	for (uint64_t i = 0; i < t_words(bits); i++)
		exp[i] = a[i] & b[i];
}

/*
 * Random bitmap of @bits bits: sparse singles and a few runs, half of them
 * in the first 1/64 of the range (where the fixture maps most in IOVA).
 */
static uint64_t *random_bits(uint64_t bits, uint64_t *seed)
{
	uint64_t *bm = calloc(t_words(bits) + 1, sizeof(*bm));

	assert_non_null(bm);
	for (int i = 0; i < 200; i++) {
		uint64_t b = t_rand_below(seed, i % 2 ? bits : bits / 64);
		uint64_t n = i % 10 ? 1 : 1 + t_rand_below(seed, 100);

		for (; n-- && b < bits; b++)
			t_set_bit(bm, b);
	}
	return bm;
}

/*
 * Puts back a random bitmap at the granule, in IOVA or user space, into a
 * clean domain and reads it back: exactly the mapped part of it.
 */
static void roundtrip_bitmap(uint64_t granule, bool uaddr)
{
	struct xfx f;
	uint64_t base, len, bits, *mapped, *want, *exp, *got, seed = granule;
	uint32_t fl = uaddr ? IODIRTY_READ_UADDR : 0;

	xfx_setup(&f, IODIRTY_CAP_SET_DIRTY |
		  (uaddr ? IODIRTY_CAP_UADDR_REPORT : 0), granule, false);
	base = xfx_base(&f, uaddr);
	len = xfx_len(uaddr);
	bits = len / granule;
	xfx_mark_all(f.dom);
	mapped = xfx_bitmap(f.dom, uaddr, base, len, granule, 0);
	free(xfx_bitmap(f.dom, false, XFX_IOVA, XFX_IOVA_LEN, granule, 0));

	want = random_bits(bits, &seed);
	/* bits past the range are not read */
	want[t_words(bits)] = ~0ULL;
	assert_int_equal(iodirty_set_dirty(f.dom, base, len, granule, want,
					   fl), 0);
	exp = calloc(t_words(bits) + 1, sizeof(*exp));
	assert_non_null(exp);
	and_bits(exp, want, mapped, bits);
	assert_true(t_popcount(exp, t_words(bits)) > 0);
	got = xfx_bitmap(f.dom, uaddr, base, len, granule, 0);
	xfx_assert_bits(got, exp, bits, "put back, read back");
	free(got);
	/* and nothing else anywhere in IOVA space */
	if (!uaddr) {
		got = xfx_bitmap(f.dom, false, XFX_IOVA, XFX_IOVA_LEN, granule,
				 0);
		assert_int_equal(t_popcount(got, t_words(XFX_IOVA_LEN /
							 granule)), 0);
		free(got);
	}
	free(exp);
	free(want);
	free(mapped);
	xfx_teardown(&f);
}

static void test_set_dirty_bitmap(void **state)
{
	(void)state;
	roundtrip_bitmap(P, false);
	roundtrip_bitmap(P, true);
	/*
	 * Not in user space: a larger granule holds pages of distant RAM
	 * (the IOVA-adjacent pieces), which then read as dirty too.
	 */
	if (t_caps.granules & (64 * 1024))
		roundtrip_bitmap(64 * 1024, false);
}

/* Extents in any order, overlapping, cut to the granule. */
static void roundtrip_extents(uint64_t granule, bool uaddr)
{
	struct xfx f;
	struct iodirty_extent ext[64];
	uint64_t base, len, bits, *mapped, *want, *exp, *got, seed = 7;
	uint32_t fl = uaddr ? IODIRTY_READ_UADDR : 0;

	xfx_setup(&f, IODIRTY_CAP_SET_DIRTY |
		  (uaddr ? IODIRTY_CAP_UADDR_REPORT : 0), granule, false);
	base = xfx_base(&f, uaddr);
	len = xfx_len(uaddr);
	bits = len / granule;
	xfx_mark_all(f.dom);
	mapped = xfx_bitmap(f.dom, uaddr, base, len, granule, 0);
	free(xfx_bitmap(f.dom, false, XFX_IOVA, XFX_IOVA_LEN, granule, 0));

	want = calloc(t_words(bits) + 1, sizeof(*want));
	assert_non_null(want);
	for (size_t i = 0; i < 64; i++) {
		uint64_t b = t_rand_below(&seed, bits);
		uint64_t n = 1 + t_rand_below(&seed, i % 4 ? 2 : 50);

		if (b + n > bits)
			n = bits - b;
		ext[i].start = base + b * granule;
		ext[i].length = n * granule;
		while (n--)
			t_set_bit(want, b++);
	}
	assert_int_equal(iodirty_set_dirty_extents(f.dom, ext, 64, fl), 0);
	exp = calloc(t_words(bits) + 1, sizeof(*exp));
	assert_non_null(exp);
	and_bits(exp, want, mapped, bits);
	got = xfx_bitmap(f.dom, uaddr, base, len, granule, 0);
	xfx_assert_bits(got, exp, bits, "extents put back, read back");
	free(got);
	/* as extents too: the same pages */
	assert_int_equal(iodirty_set_dirty_extents(f.dom, ext, 64, fl), 0);
	got = xfx_extents(f.dom, uaddr, base, len, granule, 3, 0);
	xfx_assert_bits(got, exp, bits, "extents put back, read as extents");
	free(got);
	free(exp);
	free(want);
	free(mapped);
	xfx_teardown(&f);
}

static void test_set_dirty_extents(void **state)
{
	(void)state;
	roundtrip_extents(P, false);
	roundtrip_extents(P, true);
	if (t_caps.granules & (2 * MiB))
		roundtrip_extents(2 * MiB, false);
}

/*
 * User-address put-back marks every alias; unmapped pages are skipped;
 * IOVA put-back marks that IOVA only.
 */
static void test_set_dirty_aliases(void **state)
{
	struct xfx f;
	struct iodirty_extent e;
	uint64_t ram = 0;

	(void)state;
	xfx_setup(&f, IODIRTY_CAP_SET_DIRTY | IODIRTY_CAP_UADDR_REPORT, P,
		  false);
	ram = (uint64_t)(uintptr_t)f.ram;
	/* RAM page 800: at XFX_IOVA + 800 pages and at alias + 32 pages */
	e.start = ram + 800 * P;
	e.length = P;
	assert_int_equal(iodirty_set_dirty_extents(f.dom, &e, 1,
						   IODIRTY_READ_UADDR), 0);
	T_EQ(t_dirty_count(f.dom, XFX_IOVA + 800 * P, P), 1);
	T_EQ(t_dirty_count(f.dom, XFX_IOVA + (1ULL << 30) + 32 * P, P), 1);
	T_EQ(t_dirty_count(f.dom, XFX_IOVA, XFX_IOVA_LEN), 2);
	free(xfx_bitmap(f.dom, false, XFX_IOVA, XFX_IOVA_LEN, P, 0));
	/* IOVA put-back: one alias only */
	e.start = XFX_IOVA + (1ULL << 30) + 32 * P;
	assert_int_equal(iodirty_set_dirty_extents(f.dom, &e, 1, 0), 0);
	T_EQ(t_dirty_count(f.dom, XFX_IOVA, XFX_IOVA_LEN), 1);
	free(xfx_bitmap(f.dom, false, XFX_IOVA, XFX_IOVA_LEN, P, 0));
	/* unmapped IOVA and unmapped RAM: skipped, not an error */
	e.start = XFX_IOVA + 100 * MiB;
	e.length = 4 * P;
	assert_int_equal(iodirty_set_dirty_extents(f.dom, &e, 1, 0), 0);
	if (t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP) {
		e.start = ram + 700 * P;	/* the hole, not aliased */
		assert_int_equal(iodirty_set_dirty_extents(
					 f.dom, &e, 1, IODIRTY_READ_UADDR), 0);
	}
	T_EQ(t_dirty_count(f.dom, XFX_IOVA, XFX_IOVA_LEN), 0);
	xfx_teardown(&f);
}

static void test_set_dirty_errors(void **state)
{
	struct xfx f;
	struct iodirty_extent e = { XFX_IOVA, P };
	uint64_t bm[1] = { 1 };

	(void)state;
	xfx_setup(&f, IODIRTY_CAP_SET_DIRTY, P, false);
	T_EQ(iodirty_set_dirty(NULL, XFX_IOVA, 64 * P, P, bm, 0), -EINVAL);
	T_EQ(iodirty_set_dirty(f.dom, XFX_IOVA, 64 * P, P, NULL, 0), -EINVAL);
	T_EQ(iodirty_set_dirty(f.dom, XFX_IOVA, 64 * P, 3 * P, bm, 0),
	     -EINVAL);
	T_EQ(iodirty_set_dirty(f.dom, XFX_IOVA + 1, 64 * P, P, bm, 0),
	     -EINVAL);
	T_EQ(iodirty_set_dirty(f.dom, XFX_IOVA, 64 * P, P, bm,
			       IODIRTY_READ_NO_CLEAR), -EOPNOTSUPP);
	T_EQ(iodirty_set_dirty(f.dom, 1ULL << 40, P, P, bm, 0), -ERANGE);
	T_EQ(iodirty_set_dirty_extents(f.dom, NULL, 1, 0), -EINVAL);
	T_EQ(iodirty_set_dirty_extents(f.dom, &e, 1, 1u << 30), -EOPNOTSUPP);
	e.length = 0;
	T_EQ(iodirty_set_dirty_extents(f.dom, &e, 1, 0), -EINVAL);
	e.length = P + 1;
	T_EQ(iodirty_set_dirty_extents(f.dom, &e, 1, 0), -EINVAL);
	e.start = ~0ULL - P + 1;
	e.length = 2 * P;
	T_EQ(iodirty_set_dirty_extents(f.dom, &e, 1, 0), -EOVERFLOW);
	T_EQ(t_dirty_count(f.dom, XFX_IOVA, XFX_IOVA_LEN), 0);
	assert_int_equal(iodirty_set_dirty_extents(f.dom, NULL, 0, 0), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	T_EQ(iodirty_set_dirty(f.dom, XFX_IOVA, 64 * P, P, bm, 0), -ENODATA);
	e.start = XFX_IOVA;
	e.length = P;
	T_EQ(iodirty_set_dirty_extents(f.dom, &e, 1, 0), -ENODATA);
	xfx_teardown(&f);
}

/* Backends without the cap refuse both calls. */
static void test_set_dirty_cap(void **state)
{
	struct iodirty_domain *dom;
	struct iodirty_extent e = { 0, P };
	uint64_t bm[1] = { 0 };

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING);
	if (t_caps.flags & IODIRTY_CAP_SET_DIRTY)
		TC_SKIP("backend has IODIRTY_CAP_SET_DIRTY\n");
	dom = t_domain(40, 0);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	T_EQ(iodirty_set_dirty(dom, 0, 64 * P, P, bm, 0), -EOPNOTSUPP);
	T_EQ(iodirty_set_dirty_extents(dom, &e, 1, 0), -EOPNOTSUPP);
	iodirty_domain_destroy(dom);
}

/*
 * Atomicity: one thread puts back the same set of pages, spread over many
 * leaves of the dirty bitmap, again and again; another reads and clears.
 * Each read must see all of the set or none of it.
 */
#define ATOM_PAGES 48
#define ATOM_ROUNDS 2000

struct atom {
	struct iodirty_domain *dom;
	struct iodirty_extent ext[ATOM_PAGES];
	_Atomic bool done;
	_Atomic unsigned int torn, full;
};

static void *atom_putter(void *arg)
{
	struct atom *a = arg;

	while (!atomic_load(&a->done))
		if (iodirty_set_dirty_extents(a->dom, a->ext, ATOM_PAGES, 0))
			atomic_fetch_add(&a->torn, 1000);
	return NULL;
}

static void *atom_reader(void *arg)
{
	struct atom *a = arg;
	const uint64_t len = 1ULL << 32;
	struct iodirty_extent ext[ATOM_PAGES + 1];
	uint64_t next;

	/* until enough reads saw a put-back, or a few seconds */
	for (int i = 0; i < ATOM_ROUNDS * 1000 &&
	     atomic_load(&a->full) < ATOM_ROUNDS; i++) {
		int64_t n = iodirty_read_extents(a->dom, 0, len, P, ext,
						 ATOM_PAGES + 1, &next, 0);

		if (n == ATOM_PAGES)
			atomic_fetch_add(&a->full, 1);
		else if (n != 0)
			atomic_fetch_add(&a->torn, 1);
	}
	atomic_store(&a->done, true);
	return NULL;
}

static void test_set_dirty_atomic(void **state)
{
	struct atom a = { 0 };
	pthread_t t[2];
	uint8_t *ram;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SET_DIRTY | IODIRTY_CAP_EXTENTS);
	a.dom = t_domain(40, 0);
	/* 48 pages 64 MiB apart: 48 leaves of the dirty bitmap */
	ram = t_mapmem(ATOM_PAGES * P, 0);
	for (int i = 0; i < ATOM_PAGES; i++) {
		a.ext[i].start = (uint64_t)i << 26;
		a.ext[i].length = P;
		assert_int_equal(iodirty_map(a.dom, a.ext[i].start,
					     ram + i * P, P,
					     IODIRTY_MAP_READ |
					     IODIRTY_MAP_WRITE), 0);
	}
	assert_int_equal(iodirty_set_dirty_tracking(a.dom, true), 0);
	assert_int_equal(pthread_create(&t[0], NULL, atom_putter, &a), 0);
	assert_int_equal(pthread_create(&t[1], NULL, atom_reader, &a), 0);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	print_message("%u whole reads, %u torn\n", atomic_load(&a.full),
		      atomic_load(&a.torn));
	assert_int_equal(atomic_load(&a.torn), 0);
	iodirty_domain_destroy(a.dom);
	t_ram_free(ram, ATOM_PAGES * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_dirty_bitmap),
		cmocka_unit_test(test_set_dirty_extents),
		cmocka_unit_test(test_set_dirty_aliases),
		cmocka_unit_test(test_set_dirty_errors),
		cmocka_unit_test(test_set_dirty_cap),
		cmocka_unit_test(test_set_dirty_atomic),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_set_dirty", tests, NULL, NULL);
	t_fini();
	return rc;
}
