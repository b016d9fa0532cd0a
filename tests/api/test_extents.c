// SPDX-License-Identifier: MIT
/*
 * Dirty reads as extents (iodirty_read_extents): they equal the bitmap
 * read of the same state in IOVA and in user-address space, at every
 * granule, with and without the hardware model; a resume cursor over a
 * one-entry array walks everything and clears nothing it did not return;
 * and the argument errors.
 */
#include "extents_fixture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE

/* Granules to try: every one the backend has, 4 KiB to 2 MiB. */
static bool next_granule(uint64_t *g)
{
	for (*g = *g ? *g * 2 : P; *g <= (2ULL << 20); *g *= 2)
		if (t_caps.granules & *g)
			return true;
	return false;
}

/*
 * Two domains in one state; extents of the first (with @nr entries) and
 * the bitmap read of the second must report the same pages, without
 * clearing and then clearing, and leave the same state behind.
 */
static void equal_state(uint64_t granule, bool hw, bool uaddr, uint64_t ps,
			size_t nr, uint64_t seed)
{
	struct xfx a, b;
	struct iodirty_domain *both[2];
	uint64_t base, len, bits, *e, *m;

	xfx_setup(&a, IODIRTY_CAP_EXTENTS |
		  (uaddr ? IODIRTY_CAP_UADDR_REPORT : 0), granule, hw);
	xfx_twin(&a, &b, hw);
	both[0] = a.dom;
	both[1] = b.dom;
	xfx_mark_random(both, 2, seed, 60, 12);
	base = xfx_base(&a, uaddr);
	len = xfx_len(uaddr);
	bits = len / ps;

	m = xfx_bitmap(b.dom, uaddr, base, len, ps, IODIRTY_READ_NO_CLEAR);
	e = xfx_extents(a.dom, uaddr, base, len, ps, nr,
			IODIRTY_READ_NO_CLEAR);
	xfx_assert_bits(e, m, bits, "no-clear extents vs bitmap");
	assert_true(t_popcount(m, t_words(bits)) > 0);
	free(e);
	free(m);

	m = xfx_bitmap(b.dom, uaddr, base, len, ps, 0);
	e = xfx_extents(a.dom, uaddr, base, len, ps, nr, 0);
	xfx_assert_bits(e, m, bits, "clearing extents vs bitmap");
	free(e);
	free(m);

	/* What is left, at the granule in both spaces. */
	for (int s = 0; s < 2; s++) {
		uint64_t b0 = xfx_base(&a, s), l = xfx_len(s);
		uint64_t g = granule;

		if (s && !(t_caps.flags & IODIRTY_CAP_UADDR_REPORT))
			continue;
		e = xfx_bitmap(a.dom, s, b0, l, g, IODIRTY_READ_NO_CLEAR);
		m = xfx_bitmap(b.dom, s, b0, l, g, IODIRTY_READ_NO_CLEAR);
		xfx_assert_bits(e, m, l / g, "state left");
		free(e);
		free(m);
	}
	xfx_twin_teardown(&b);
	xfx_teardown(&a);
}

static void test_extents_equal_bitmap(void **state)
{
	uint64_t g = 0, seed = t_seed("extents", 0xe87e47);
	int runs = 0;

	(void)state;
	while (next_granule(&g)) {
		for (int hw = 0; hw < 2; hw++) {
			if (hw && !(t_caps.flags & IODIRTY_CAP_HW_MODEL))
				continue;
			for (int uaddr = 0; uaddr < 2; uaddr++) {
				if (uaddr && !(t_caps.flags &
					       IODIRTY_CAP_UADDR_REPORT))
					continue;
				equal_state(g, hw, uaddr, g, 1024,
					    t_rand(&seed));
				equal_state(g, hw, uaddr, g * 4, 7,
					    t_rand(&seed));
				runs++;
			}
		}
	}
	assert_true(runs > 0);
}

/*
 * A one-entry array: each call returns one run, resumes after it, and
 * leaves everything from *next on exactly as it was.
 */
static void cursor_walk(uint64_t granule, bool uaddr)
{
	struct xfx f;
	struct iodirty_domain *one[1];
	uint64_t base, len, ps = granule, bits, cur, next, *orig, *seen;
	struct iodirty_extent ext[2];
	unsigned int calls = 0;

	xfx_setup(&f, IODIRTY_CAP_EXTENTS |
		  (uaddr ? IODIRTY_CAP_UADDR_REPORT : 0), granule, false);
	one[0] = f.dom;
	xfx_mark_random(one, 1, 0xc0de + granule, 40, 8);
	base = xfx_base(&f, uaddr);
	len = xfx_len(uaddr);
	bits = len / ps;
	orig = xfx_bitmap(f.dom, uaddr, base, len, ps, IODIRTY_READ_NO_CLEAR);
	seen = calloc(t_words(bits) + 1, sizeof(*seen));
	assert_non_null(seen);
	for (cur = base; cur != base + len; cur = next, calls++) {
		uint64_t *tail, i;
		int64_t rc;

		memset(ext, 0xa5, sizeof(ext));
		rc = iodirty_read_extents(f.dom, cur, base + len - cur, ps,
					  ext, 1, &next,
					  uaddr ? IODIRTY_READ_UADDR : 0);
		assert_true(rc == 0 || rc == 1);
		/* one entry: the second is never written */
		assert_int_equal(ext[1].start, 0xa5a5a5a5a5a5a5a5ULL);
		if (rc) {
			assert_true(ext[0].start >= cur);
			assert_true(next >= ext[0].start + ext[0].length);
			for (i = (ext[0].start - base) / ps;
			     i < (ext[0].start + ext[0].length - base) / ps;
			     i++) {
				assert_true(t_bit(orig, i));
				t_set_bit(seen, i);
			}
		}
		if (next == base + len)
			continue;
		/* the rest, untouched: what it was, read again */
		tail = xfx_bitmap(f.dom, uaddr, next, base + len - next, ps,
				  IODIRTY_READ_NO_CLEAR);
		for (i = 0; i < (base + len - next) / ps; i++)
			if (t_bit(tail, i) != t_bit(orig, (next - base) / ps +
						    i)) {
				print_error("page %" PRIu64 " after next "
					    "changed\n", i);
				fail();
			}
		free(tail);
	}
	xfx_assert_bits(seen, orig, bits, "walked");
	/* one call per run */
	for (uint64_t i = 0, runs = 0; i <= bits; i++) {
		if (i < bits && t_bit(orig, i) && (!i || !t_bit(orig, i - 1)))
			runs++;
		if (i == bits)
			T_EQ(calls, runs ? runs : 1);
	}
	free(seen);
	free(orig);
	xfx_teardown(&f);
}

static void test_extents_cursor(void **state)
{
	uint64_t g = 0;

	(void)state;
	while (next_granule(&g)) {
		if (g != P && g != 16 * P && g != (2ULL << 20))
			continue;
		cursor_walk(g, false);
		if (t_caps.flags & IODIRTY_CAP_UADDR_REPORT)
			cursor_walk(g, true);
	}
}

/* A run that crosses mappings contiguous in IOVA is one extent. */
static void test_extents_merge(void **state)
{
	struct xfx f;
	struct iodirty_extent ext[4];
	uint64_t next;
	int64_t rc;

	(void)state;
	xfx_setup(&f, IODIRTY_CAP_EXTENTS, P, false);
	/* the two 8-page pieces at XFX_IOVA + 16 MiB, contiguous in IOVA */
	assert_int_equal(iodirty_mark_dirty(f.dom, XFX_IOVA + (16 << 20) +
					    6 * P, 4 * P), 0);
	assert_int_equal(iodirty_mark_dirty(f.dom, XFX_IOVA, 1), 0);
	rc = iodirty_read_extents(f.dom, XFX_IOVA, XFX_IOVA_LEN, P, ext, 4,
				  &next, 0);
	assert_int_equal(rc, 2);
	assert_int_equal(next, XFX_IOVA + XFX_IOVA_LEN);
	assert_int_equal(ext[0].start, XFX_IOVA);
	assert_int_equal(ext[0].length, P);
	assert_int_equal(ext[1].start, XFX_IOVA + (16 << 20) + 6 * P);
	assert_int_equal(ext[1].length, 4 * P);
	/* read and cleared */
	rc = iodirty_read_extents(f.dom, XFX_IOVA, XFX_IOVA_LEN, P, ext, 4,
				  &next, 0);
	assert_int_equal(rc, 0);
	assert_int_equal(next, XFX_IOVA + XFX_IOVA_LEN);
	xfx_teardown(&f);
}

static void test_extents_errors(void **state)
{
	struct xfx f;
	struct iodirty_extent ext[2];
	uint64_t next = 0;
	const uint64_t len = XFX_IOVA_LEN;

	(void)state;
	xfx_setup(&f, IODIRTY_CAP_EXTENTS, P, false);
	assert_int_equal(iodirty_mark_dirty(f.dom, XFX_IOVA, P), 0);
	T_EQ(iodirty_read_extents(NULL, XFX_IOVA, len, P, ext, 2, &next, 0),
	     -EINVAL);
	T_EQ(iodirty_read_extents(f.dom, XFX_IOVA, len, P, NULL, 2, &next, 0),
	     -EINVAL);
	T_EQ(iodirty_read_extents(f.dom, XFX_IOVA, len, P, ext, 0, &next, 0),
	     -EINVAL);
	T_EQ(iodirty_read_extents(f.dom, XFX_IOVA, len, P, ext, 2, NULL, 0),
	     -EINVAL);
	T_EQ(iodirty_read_extents(f.dom, XFX_IOVA, len, 3 * P, ext, 2, &next,
				  0), -EINVAL);
	T_EQ(iodirty_read_extents(f.dom, XFX_IOVA + 1, len, P, ext, 2, &next,
				  0), -EINVAL);
	T_EQ(iodirty_read_extents(f.dom, XFX_IOVA, 0, P, ext, 2, &next, 0),
	     -EINVAL);
	T_EQ(iodirty_read_extents(f.dom, XFX_IOVA, len, P, ext, 2, &next,
				  1u << 30), -EOPNOTSUPP);
	T_EQ(iodirty_read_extents(f.dom, 1ULL << 40, P, P, ext, 2, &next, 0),
	     -ERANGE);
	T_EQ(iodirty_read_extents(f.dom, ~0ULL - P + 1, 2 * P, P, ext, 2,
				  &next, 0), -EOVERFLOW);
	/* nothing was cleared by the failures */
	T_EQ(t_dirty_count(f.dom, XFX_IOVA, P), 1);
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, false), 0);
	T_EQ(iodirty_read_extents(f.dom, XFX_IOVA, len, P, ext, 2, &next, 0),
	     -ENODATA);
	xfx_teardown(&f);
}

/* Backends without the cap refuse the call. */
static void test_extents_cap(void **state)
{
	struct iodirty_domain *dom;
	struct iodirty_extent ext[1];
	uint64_t next;
	int64_t rc;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING);
	dom = t_domain(40, 0);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	rc = iodirty_read_extents(dom, 0, 1ULL << 20, P, ext, 1, &next, 0);
	if (t_caps.flags & IODIRTY_CAP_EXTENTS) {
		assert_int_equal(rc, 0);
		assert_int_equal(next, 1ULL << 20);
	} else {
		assert_int_equal(rc, -EOPNOTSUPP);
	}
	iodirty_domain_destroy(dom);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extents_equal_bitmap),
		cmocka_unit_test(test_extents_cursor),
		cmocka_unit_test(test_extents_merge),
		cmocka_unit_test(test_extents_errors),
		cmocka_unit_test(test_extents_cap),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	t_fini();
	return rc;
}
