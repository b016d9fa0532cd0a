// SPDX-License-Identifier: MIT
/*
 * Randomized tests of the hole set (lib/core/holeset.c): a differential
 * test against the reference model, and the memory cost of a million
 * single-page holes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <stdio.h>
#include <stdlib.h>

#include "holeset_test_util.h"

/* ---- deterministic PRNG (splitmix64), so failures replay ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* ---- randomized differential test ---- */

static void pick(const struct ref *r, bool query, uint64_t *first,
		 uint64_t *end)
{
	uint64_t lo = r->base, hi = r->base + r->n, k = rnd_below(100), len;

	if (query) {		/* queries also look around the window */
		lo -= 100;
		hi += 100;
	}
	if (k < 35)
		len = 1;
	else if (k < 60)
		len = 1 + rnd_below(64);
	else if (k < 85)
		len = 1 + rnd_below(6000);
	else if (k < 95)
		len = 1 + rnd_below(150000);
	else
		len = 0;	/* whole chunks */
	if (!len) {
		uint64_t c0 = (lo + C - 1) / C, c1 = hi / C;

		if (c1 > c0) {
			*first = (c0 + rnd_below(c1 - c0)) * C;
			*end = *first + C * (1 + rnd_below(2));
			if (*end > hi)
				*end = *first + C;
			return;
		}
		len = C;
	}
	*first = lo + rnd_below(hi - lo);
	*end = *first + len;
	if (*end > hi)
		*end = hi;
	if (query && rnd_below(2)) {
		/*
		 * Start or end the range right around the first page of a
		 * run of holes, where the off-by-ones live.
		 */
		uint64_t a = ref_next_hole(r, *first, r->base + r->n);

		if (a < r->base + r->n) {
			a = a + rnd_below(4) - 1;
			if (rnd_below(2)) {
				*first = a;
				*end = a + len;
			} else {
				*end = a;
				*first = a > len ? a - len : 0;
			}
		}
	}
	if (query && !rnd_below(50))	/* an empty or reversed range */
		*end = *first - rnd_below(3);
}

static void differential(uint64_t base, uint64_t seed, unsigned int ops)
{
	struct iod_holeset hs;
	struct ref r;
	unsigned int i, failed_reserves = 0;
	uint64_t max_arrays = 0, max_bitmaps = 0;

	rng = seed;
	iod_holeset_init(&hs);
	ref_init(&r, base, 300000);
	for (i = 0; i < ops; i++) {
		/* Alternate filling and draining phases. */
		unsigned int add_pct = (i / 700) % 2 ? 25 : 55;
		unsigned int k = (unsigned int)rnd_below(100);
		uint64_t f, e, p;

		if (k < add_pct) {
			pick(&r, false, &f, &e);
			if (!rnd_below(8)) {
				int ret;

				iod_fault_fail_nth(1 + rnd_below(3));
				ret = iod_holeset_reserve(&hs, f, e);
				iod_fault_fail_nth(0);
				if (ret) {
					assert_int_equal(ret, -ENOMEM);
					failed_reserves++;
					assert_int_equal(hs.count, r.count);
					check(&hs);
					continue;
				}
			}
			ref_add(&hs, &r, f, e);
		} else if (k < add_pct + 20) {
			pick(&r, false, &f, &e);
			ref_remove(&hs, &r, f, e);
		} else {
			pick(&r, true, &f, &e);
			p = f;
			switch (k % 5) {
			case 0:
				assert_int_equal(iod_holeset_count(&hs, f, e),
						 ref_count(&r, f, e));
				break;
			case 1:
				assert_int_equal(iod_holeset_test(&hs, p),
						 ref_test(&r, p));
				break;
			case 2:
				assert_int_equal(
					iod_holeset_next_hole(&hs, f, e),
					ref_next_hole(&r, f, e));
				break;
			case 3:
				assert_int_equal(
					iod_holeset_next_present(&hs, f, e),
					ref_next_present(&r, f, e));
				break;
			default:
				assert_int_equal(
					iod_holeset_prev_present(&hs, f, e),
					ref_prev_present(&r, f, e));
				break;
			}
		}
		assert_int_equal(hs.count, r.count);
		if (i % 100 == 0) {
			struct iod_holeset_info info = info_of(&hs);

			if (info.arrays > max_arrays)
				max_arrays = info.arrays;
			if (info.bitmaps > max_bitmaps)
				max_bitmaps = info.bitmaps;
		}
		if (i % 1000 == 999)
			verify(&hs, &r);
	}
	verify(&hs, &r);
	/* The run did exercise both kinds and failing reserves. */
	assert_true(max_arrays >= 2);
	assert_true(max_bitmaps >= 2);
	assert_true(failed_reserves > 0);
	ref_fini(&r);
	iod_holeset_fini(&hs);
	assert_int_equal(hs.mem_bytes, 0);
}

static void test_differential_high(void **state)
{
	(void)state;
	/* Straddles chunk boundaries around 2^40. */
	differential((1ULL << 40) - 100000, 1, 6000);
}

static void test_differential_low(void **state)
{
	(void)state;
	differential(7 * C + 12345, 2, 6000);
}

static void test_differential_top(void **state)
{
	(void)state;
	/* The end of the 52-bit page space (64-bit IOVA, 4 KiB pages). */
	differential((1ULL << 52) - 300000 - 7, 3, 6000);
}

/* ---- memory ---- */

static void test_memory_per_hole(void **state)
{
	struct iod_holeset hs;
	uint64_t base = 1ULL << 36, span = 1ULL << 28, n = 1000000;
	double per_hole;

	(void)state;
	rng = 42;
	iod_holeset_init(&hs);
	/* 1,000,000 distinct random single pages in a 1 TiB mapping. */
	while (hs.count < n) {
		uint64_t p = base + rnd_below(span);

		assert_int_equal(iod_holeset_reserve(&hs, p, p + 1), 0);
		iod_holeset_add(&hs, p, p + 1);
	}
	per_hole = (double)hs.mem_bytes / (double)n;
	printf("holeset: %llu holes in 2^28 pages: %llu bytes, "
	       "%.2f bytes/hole\n", (unsigned long long)n,
	       (unsigned long long)hs.mem_bytes, per_hole);
	assert_true(per_hole < 8.0);
	assert_int_equal(info_of(&hs).arrays, 4096);
	assert_int_equal(iod_holeset_count(&hs, base, base + span), n);

	iod_holeset_remove(&hs, base, base + span);
	assert_int_equal(hs.count, 0);
	assert_int_equal(hs.mem_bytes, 0);
	iod_holeset_fini(&hs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential_high),
		cmocka_unit_test(test_differential_low),
		cmocka_unit_test(test_differential_top),
		cmocka_unit_test(test_memory_per_hole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
