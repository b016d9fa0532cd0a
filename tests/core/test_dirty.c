// SPDX-License-Identifier: MIT
/*
 * Tests of the sparse hierarchical dirty bitmap (lib/core/dirty.c):
 * layout and edge cases, a differential test against a flat bitmap, the
 * sparse harvest and allocation-failure sweeps (the concurrent oracle is
 * in test_dirty_concurrency.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirty.h"
#include "dirty_test_util.h"

#define NODE_BYTES	(8 + 64 * sizeof(void *))
#define LEAF_BYTES	((8 + IOD_DIRTY_LEAF_WORDS) * 8)
#define CANARY		0xa5c3e1f00f1e3c5aULL

static uint64_t mem_bytes(struct iod_dirty *d)
{
	return iod_atomic_load(&d->mem_bytes);
}

/* Flat reference bitmap. */
static bool ref_get(const uint64_t *ref, uint64_t i)
{
	return ref[i / 64] >> (i % 64) & 1;
}

static void ref_set(uint64_t *ref, uint64_t i, bool v)
{
	if (v)
		ref[i / 64] |= 1ULL << (i % 64);
	else
		ref[i / 64] &= ~(1ULL << (i % 64));
}

/*
 * Emit collector: checks the callback contract (increasing, 64-aligned,
 * non-zero masks inside [first, end)) and records granules relative to
 * @origin into @seen (if any) or a small list.
 */
struct collect {
	uint64_t first, end;
	uint64_t origin;
	uint64_t *seen;		/* bitmap relative to origin, or NULL */
	uint64_t list[256];
	unsigned int nlist;
	uint64_t prev_base;
	bool any;
	uint64_t granules;
	unsigned int errors;
};

static void collect_init(struct collect *c, uint64_t first, uint64_t end,
			 uint64_t origin, uint64_t *seen)
{
	memset(c, 0, sizeof(*c));
	c->first = first;
	c->end = end;
	c->origin = origin;
	c->seen = seen;
}

static void collect_emit(void *arg, uint64_t base, uint64_t mask)
{
	struct collect *c = arg;
	uint64_t m = mask;

	if (base % 64 || !mask || (c->any && base <= c->prev_base))
		c->errors++;
	c->any = true;
	c->prev_base = base;
	while (m) {
		uint64_t g = base + (uint64_t)__builtin_ctzll(m);

		m &= m - 1;
		if (g < c->first || g >= c->end) {
			c->errors++;
			continue;
		}
		c->granules++;
		if (c->seen) {
			if (ref_get(c->seen, g - c->origin))
				c->errors++;
			ref_set(c->seen, g - c->origin, true);
		} else if (c->nlist < IOD_ARRAY_SIZE(c->list)) {
			c->list[c->nlist++] = g;
		} else {
			c->errors++;
		}
	}
}

static void test_init_layout(void **state)
{
	struct iod_dirty d;

	(void)state;
	assert_int_equal(iod_dirty_init(&d, 0), -EINVAL);
	assert_int_equal(iod_dirty_init(&d, 65), -EINVAL);

	/* index_bits 36: 15 + 6 * 4 >= 36, four interior levels. */
	assert_int_equal(iod_dirty_init(&d, 36), 0);
	assert_int_equal(d.levels, 4);
	assert_int_equal(mem_bytes(&d), NODE_BYTES);
	assert_int_equal(iod_dirty_prepare(&d, 5, 6), 0);
	assert_int_equal(mem_bytes(&d), 4 * NODE_BYTES + LEAF_BYTES);
	/* Same leaf again: nothing new. Empty range: nothing. */
	assert_int_equal(iod_dirty_prepare(&d, 0, 32768), 0);
	assert_int_equal(iod_dirty_prepare(&d, 100, 100), 0);
	assert_int_equal(mem_bytes(&d), 4 * NODE_BYTES + LEAF_BYTES);
	/* Next leaf, same parent. */
	assert_int_equal(iod_dirty_prepare(&d, 32767, 32769), 0);
	assert_int_equal(mem_bytes(&d), 4 * NODE_BYTES + 2 * LEAF_BYTES);
	/*
	 * Across a 2^27 boundary: below it a new level-3 node and leaf,
	 * above it a new level-2 node, level-3 node and leaf.
	 */
	assert_int_equal(iod_dirty_prepare(&d, (1ULL << 27) - 1,
					   (1ULL << 27) + 1), 0);
	assert_int_equal(mem_bytes(&d), 7 * NODE_BYTES + 4 * LEAF_BYTES);
	iod_dirty_fini(&d);
	assert_null(d.root);

	assert_int_equal(iod_dirty_init(&d, 1), 0);
	assert_int_equal(d.levels, 1);
	iod_dirty_fini(&d);
	assert_int_equal(iod_dirty_init(&d, 21), 0);
	assert_int_equal(d.levels, 1);
	iod_dirty_fini(&d);
	assert_int_equal(iod_dirty_init(&d, 22), 0);
	assert_int_equal(d.levels, 2);
	iod_dirty_fini(&d);
	assert_int_equal(iod_dirty_init(&d, 64), 0);
	assert_int_equal(d.levels, 9);
	iod_dirty_fini(&d);
	/* fini twice is harmless. */
	iod_dirty_fini(&d);
}

/* Marks single granules @g[0..n) and checks a full harvest finds them. */
static void check_index_bits(unsigned int bits)
{
	uint64_t limit = bits == 64 ? UINT64_MAX : 1ULL << bits;
	uint64_t g[4], out[3], got;
	struct collect c;
	struct iod_dirty d;
	unsigned int n = 0, i;

	assert_int_equal(iod_dirty_init(&d, bits), 0);
	g[n++] = 0;
	if (limit > 4)
		g[n++] = limit / 2 + 1;
	g[n++] = limit - 1;
	for (i = 0; i < n; i++) {
		assert_int_equal(iod_dirty_prepare(&d, g[i], g[i] + 1), 0);
		iod_dirty_mark(&d, g[i], g[i] + 1);
	}
	/* Beyond the limit: clipped, no effect, no crash. */
	assert_int_equal(iod_dirty_prepare(&d, limit - 1, UINT64_MAX), 0);
	iod_dirty_mark(&d, limit - 1, UINT64_MAX);
	if (bits < 64) {
		assert_int_equal(iod_dirty_prepare(&d, limit, UINT64_MAX), 0);
		iod_dirty_mark(&d, limit, UINT64_MAX);
		assert_int_equal(iod_dirty_harvest(&d, limit, UINT64_MAX,
						   true, NULL, NULL), 0);
	}

	collect_init(&c, 0, UINT64_MAX, 0, NULL);
	got = iod_dirty_harvest(&d, 0, UINT64_MAX, false, collect_emit, &c);
	assert_int_equal(c.errors, 0);
	assert_int_equal(got, n);
	assert_int_equal(c.nlist, n);
	for (i = 0; i < n; i++)
		assert_int_equal(c.list[i], g[i]);

	/* The top granules into a bitmap, shift 0 and 1: only g[n - 1]. */
	if (limit >= 1024) {
		uint64_t first = limit - 64;

		memset(out, 0, sizeof(out));
		out[1] = CANARY;
		got = iod_dirty_harvest_bitmap(&d, first, limit, 0, out,
					       false);
		assert_int_equal(got, 1);
		assert_int_equal(out[0], 1ULL << (limit - 1 - first));
		assert_int_equal(out[1], CANARY);

		first = (limit - 128) & ~1ULL;
		memset(out, 0, sizeof(out));
		out[1] = CANARY;
		got = iod_dirty_harvest_bitmap(&d, first, limit, 1, out,
					       false);
		if (bits < 64) {
			assert_int_equal(got, 1);
			assert_int_equal(out[0],
					 1ULL << ((limit - 1 - first) >> 1));
		} else {
			/*
			 * 2^64 - 2 shares its output bit with 2^64 - 1,
			 * which no exclusive end can include: never a
			 * whole group, so not reported at shift >= 1.
			 */
			assert_int_equal(got, 0);
			assert_int_equal(out[0], 0);
		}
		assert_int_equal(out[1], CANARY);
	}

	assert_int_equal(iod_dirty_harvest(&d, 0, UINT64_MAX, true, NULL,
					   NULL), n);
	assert_int_equal(iod_dirty_harvest(&d, 0, UINT64_MAX, true, NULL,
					   NULL), 0);
	iod_dirty_fini(&d);
}

static void test_index_bits(void **state)
{
	static const unsigned int bits[] = {
		1, 2, 6, 7, 14, 15, 16, 20, 21, 22, 27, 28, 33, 39, 40, 45,
		46, 57, 58, 63, 64,
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < IOD_ARRAY_SIZE(bits); i++)
		check_index_bits(bits[i]);
}

static void test_bitmap_args(void **state)
{
	struct iod_dirty d;
	uint64_t out[4] = { 0 };
	uint64_t base = 1ULL << 20;

	(void)state;
	assert_int_equal(iod_dirty_init(&d, 30), 0);
	assert_int_equal(iod_dirty_prepare(&d, base, base + 256), 0);
	iod_dirty_mark(&d, base, base + 256);

	/* Rejected: shift >= 64, unaligned first, empty range. */
	assert_int_equal(iod_dirty_harvest_bitmap(&d, base, base + 256, 64,
						  out, true), 0);
	assert_int_equal(iod_dirty_harvest_bitmap(&d, base + 2, base + 256, 2,
						  out, true), 0);
	assert_int_equal(iod_dirty_harvest_bitmap(&d, base + 8, base + 8, 0,
						  out, true), 0);
	/* Less than one whole output bit: nothing reported or cleared. */
	assert_int_equal(iod_dirty_harvest_bitmap(&d, base, base + 255, 8,
						  out, true), 0);
	assert_int_equal(out[0] | out[1] | out[2] | out[3], 0);

	/*
	 * [base, base + 200) at shift 3: 25 whole output bits; granules
	 * base + 200 .. 255 are past them and must stay dirty.
	 */
	out[0] = 0;
	assert_int_equal(iod_dirty_harvest_bitmap(&d, base, base + 203, 3,
						  out, true), 25);
	assert_int_equal(out[0], (1ULL << 25) - 1);
	assert_int_equal(iod_dirty_harvest(&d, 0, 1ULL << 30, false, NULL,
					   NULL), 56);

	/* Bits of @out set elsewhere are left alone and not counted. */
	out[0] = 0xf0;
	assert_int_equal(iod_dirty_harvest_bitmap(&d, base + 192, base + 256,
						  0, out, true), 56);
	assert_int_equal(out[0], 0xffffffffffffff00ULL | 0xf0);
	assert_int_equal(iod_dirty_harvest(&d, 0, 1ULL << 30, false, NULL,
					   NULL), 0);

	/* shift >= 6: several words fold into one bit, counted once. */
	iod_dirty_mark(&d, base, base + 256);
	memset(out, 0, sizeof(out));
	assert_int_equal(iod_dirty_harvest_bitmap(&d, base, base + 256, 7,
						  out, false), 2);
	assert_int_equal(out[0], 3);
	out[0] = 0;
	assert_int_equal(iod_dirty_harvest_bitmap(&d, base - 256, base + 256,
						  8, out, false), 1);
	assert_int_equal(out[0], 2);
	iod_dirty_fini(&d);
}

/* Differential test against a flat bitmap. */
#define DIFF_BITS	40
#define DIFF_BASE	((1ULL << 33) - (1ULL << 19))
#define DIFF_WIN	(1ULL << 20)
#define DIFF_OPS	1500

struct diff {
	struct iod_dirty d;
	uint64_t *ref;
	uint64_t *seen;
	uint64_t *buf;
	uint64_t *expect;
	uint64_t seed;
};

static void diff_mark(struct diff *t)
{
	uint64_t a = rnd_below(&t->seed, DIFF_WIN), len, b, i;

	if (rnd_below(&t->seed, 8) == 0)
		len = 1 + rnd_below(&t->seed, DIFF_WIN / 4);
	else
		len = 1 + rnd_below(&t->seed, 300);
	b = iod_min_u64(a + len, DIFF_WIN);
	assert_int_equal(iod_dirty_prepare(&t->d, DIFF_BASE + a,
					   DIFF_BASE + b), 0);
	iod_dirty_mark(&t->d, DIFF_BASE + a, DIFF_BASE + b);
	for (i = a; i < b; i++)
		ref_set(t->ref, i, true);
}

/* Random [a, b) inside the window. */
static void diff_range(struct diff *t, uint64_t *a, uint64_t *b)
{
	uint64_t len;

	*a = rnd_below(&t->seed, DIFF_WIN);
	if (rnd_below(&t->seed, 8) == 0)
		len = rnd_below(&t->seed, DIFF_WIN + 1);
	else
		len = rnd_below(&t->seed, 20000);
	*b = iod_min_u64(*a + len, DIFF_WIN);
}

static void diff_harvest_bitmap(struct diff *t)
{
	unsigned int shift = (unsigned int)rnd_below(&t->seed, 8);
	bool clear = rnd(&t->seed) & 1;
	bool prefill = rnd_below(&t->seed, 4) == 0;
	uint64_t a, b, nbits, nwords, i, exp_count = 0, got;

	diff_range(t, &a, &b);
	a &= ~((1ULL << shift) - 1);
	nbits = (b - a) >> shift;
	nwords = (nbits + 63) / 64;
	t->buf[0] = CANARY;
	t->buf[nwords + 1] = CANARY;
	for (i = 0; i < nwords; i++) {
		t->buf[1 + i] = prefill ? rnd(&t->seed) : 0;
		t->expect[i] = t->buf[1 + i];
	}
	/* Output bit i: any dirty granule in a + [i << shift, i+1 << shift). */
	for (i = 0; i < nbits; i++) {
		uint64_t k, lo = i << shift, hi = (i + 1) << shift;

		for (k = lo; k < hi; k++) {
			if (ref_get(t->ref, a + k)) {
				/* Only bits turned from 0 to 1 count. */
				if (!ref_get(t->expect, i))
					exp_count++;
				ref_set(t->expect, i, true);
				break;
			}
		}
	}

	got = iod_dirty_harvest_bitmap(&t->d, DIFF_BASE + a, DIFF_BASE + b,
				       shift, t->buf + 1, clear);
	assert_int_equal(t->buf[0], CANARY);
	assert_int_equal(t->buf[nwords + 1], CANARY);
	assert_int_equal(got, exp_count);
	for (i = 0; i < nwords; i++)
		assert_int_equal(t->buf[1 + i], t->expect[i]);
	if (!prefill && nbits % 64)
		assert_int_equal(t->buf[nwords] >> (nbits % 64), 0);
	if (clear)
		for (i = 0; i < nbits << shift; i++)
			ref_set(t->ref, a + i, false);
}

static void diff_harvest_emit(struct diff *t)
{
	bool clear = rnd(&t->seed) & 1;
	bool use_emit = rnd_below(&t->seed, 4) != 0;
	uint64_t a, b, i, exp_count = 0, got;
	struct collect c;

	diff_range(t, &a, &b);
	memset(t->seen, 0, DIFF_WIN / 8);
	collect_init(&c, DIFF_BASE + a, DIFF_BASE + b, DIFF_BASE, t->seen);
	got = iod_dirty_harvest(&t->d, DIFF_BASE + a, DIFF_BASE + b, clear,
				use_emit ? collect_emit : NULL, &c);
	assert_int_equal(c.errors, 0);
	for (i = a; i < b; i++) {
		bool r = ref_get(t->ref, i);

		exp_count += r;
		if (use_emit && r != ref_get(t->seen, i))
			fail_msg("granule %" PRIu64 ": ref %d emitted %d", i,
				 r, !r);
		if (clear)
			ref_set(t->ref, i, false);
	}
	assert_int_equal(got, exp_count);
	if (use_emit)
		assert_int_equal(c.granules, exp_count);
}

static void test_differential(void **state)
{
	struct diff t;
	uint64_t i, n = 0, op;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.seed = 0x9e3779b97f4a7c15ULL;
	t.ref = calloc(DIFF_WIN / 64, 8);
	t.seen = calloc(DIFF_WIN / 64, 8);
	t.buf = calloc(DIFF_WIN / 64 + 2, 8);
	t.expect = calloc(DIFF_WIN / 64, 8);
	assert_non_null(t.ref);
	assert_non_null(t.seen);
	assert_non_null(t.buf);
	assert_non_null(t.expect);
	assert_int_equal(iod_dirty_init(&t.d, DIFF_BITS), 0);

	for (op = 0; op < DIFF_OPS; op++) {
		switch (rnd_below(&t.seed, 5)) {
		case 0:
		case 1:
			diff_mark(&t);
			break;
		case 2:
		case 3:
			diff_harvest_bitmap(&t);
			break;
		default:
			diff_harvest_emit(&t);
			break;
		}
	}

	/* Everything out, then everything clean. */
	for (i = 0; i < DIFF_WIN; i++)
		n += ref_get(t.ref, i);
	assert_true(n > 0);
	memset(t.buf, 0, (DIFF_WIN / 64 + 2) * 8);
	assert_int_equal(iod_dirty_harvest_bitmap(&t.d, DIFF_BASE,
						  DIFF_BASE + DIFF_WIN, 0,
						  t.buf, true), n);
	assert_memory_equal(t.buf, t.ref, DIFF_WIN / 8);
	assert_int_equal(iod_dirty_harvest(&t.d, 0, 1ULL << DIFF_BITS, true,
					   NULL, NULL), 0);
	assert_int_equal(iod_dirty_harvest(&t.d, 0, 1ULL << DIFF_BITS, false,
					   NULL, NULL), 0);

	iod_dirty_fini(&t.d);
	free(t.ref);
	free(t.seen);
	free(t.buf);
	free(t.expect);
}

/* Every word of a large range dirty, across many leaves. */
static void test_dense(void **state)
{
	struct iod_dirty d;
	uint64_t first = (1ULL << 27) - 3 * 32768 + 17;
	uint64_t end = first + 8 * 32768 + 100;
	uint64_t *out, nwords, i;

	(void)state;
	assert_int_equal(iod_dirty_init(&d, 36), 0);
	assert_int_equal(iod_dirty_prepare(&d, first, end), 0);
	iod_dirty_mark(&d, first, end);
	iod_dirty_mark(&d, first + 5, end - 5);	/* all set already */
	assert_int_equal(iod_dirty_harvest(&d, 0, 1ULL << 36, false, NULL,
					   NULL), end - first);

	nwords = ((end - first) + 63) / 64;
	out = calloc(nwords + 1, 8);
	assert_non_null(out);
	out[nwords] = CANARY;
	assert_int_equal(iod_dirty_harvest_bitmap(&d, first, end, 0, out,
						  true), end - first);
	for (i = 0; i + 1 < nwords; i++)
		assert_int_equal(out[i], ~0ULL);
	assert_int_equal(out[nwords - 1],
			 (end - first) % 64 ?
			 (1ULL << ((end - first) % 64)) - 1 : ~0ULL);
	assert_int_equal(out[nwords], CANARY);
	assert_int_equal(iod_dirty_harvest(&d, 0, 1ULL << 36, true, NULL,
					   NULL), 0);
	free(out);
	iod_dirty_fini(&d);
}

/* 100 granules over 2^28: found exactly, memory follows them. */
static void test_sparse(void **state)
{
	struct iod_dirty d;
	uint64_t g[100], seed = 12345, span = 1ULL << 28, got;
	struct collect c;
	unsigned int i, j, n = 0;

	(void)state;
	assert_int_equal(iod_dirty_init(&d, 36), 0);
	while (n < IOD_ARRAY_SIZE(g)) {
		uint64_t x = rnd_below(&seed, span), tmp;
		bool dup = false;

		for (i = 0; i < n; i++)
			dup |= g[i] == x;
		if (dup)
			continue;
		/* insertion sort */
		for (i = n++; i && g[i - 1] > x; i--) {
			tmp = g[i - 1];
			g[i] = tmp;
		}
		g[i] = x;
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(iod_dirty_prepare(&d, g[i], g[i] + 1), 0);
		iod_dirty_mark(&d, g[i], g[i] + 1);
	}
	/* At most a leaf and three nodes per granule, plus the root. */
	assert_true(mem_bytes(&d) <= NODE_BYTES +
				     n * (LEAF_BYTES + 3 * NODE_BYTES));

	collect_init(&c, 0, span, 0, NULL);
	got = iod_dirty_harvest(&d, 0, span, false, collect_emit, &c);
	assert_int_equal(got, n);
	collect_init(&c, 0, span, 0, NULL);
	got = iod_dirty_harvest(&d, 0, span, true, collect_emit, &c);
	assert_int_equal(c.errors, 0);
	assert_int_equal(got, n);
	assert_int_equal(c.nlist, n);
	for (j = 0; j < n; j++)
		assert_int_equal(c.list[j], g[j]);
	assert_int_equal(iod_dirty_harvest(&d, 0, span, true, collect_emit,
					   &c), 0);
	assert_int_equal(iod_dirty_harvest(&d, 0, 1ULL << 36, false, NULL,
					   NULL), 0);
	iod_dirty_fini(&d);
}

/* Allocation failures: -ENOMEM leaves the bitmap readable and intact. */
#define FAULT_BITS	40
#define FAULT_LO	((1ULL << 33) - 2 * 32768 - 7)
#define FAULT_HI	((1ULL << 33) + 2 * 32768 + 9)

static const uint64_t fault_pre[] = {
	(1ULL << 33) - 3 * 32768 + 5,	/* leaf outside the range */
	(1ULL << 33) - 32768 + 100,	/* leaf inside, already there */
	(1ULL << 35) + 77,		/* elsewhere */
};

/* Harvests [lo, hi) and checks it holds exactly @n granules, @g first. */
static void fault_expect(struct iod_dirty *d, uint64_t lo, uint64_t hi,
			 bool clear, uint64_t n, const uint64_t *g)
{
	struct collect c;
	uint64_t got, i;

	/* Large counts: no list, count only. */
	collect_init(&c, lo, hi, 0, NULL);
	got = iod_dirty_harvest(d, lo, hi, clear, g ? collect_emit : NULL,
				&c);
	assert_int_equal(c.errors, 0);
	assert_int_equal(got, n);
	for (i = 0; g && i < n; i++)
		assert_int_equal(c.list[i], g[i]);
}

/* The pre-marked granules, plus [FAULT_LO, FAULT_HI) if @with_range. */
static void fault_check(struct iod_dirty *d, bool with_range, bool clear)
{
	uint64_t top = 1ULL << FAULT_BITS;

	if (!with_range) {
		fault_expect(d, 0, top, clear, IOD_ARRAY_SIZE(fault_pre),
			     fault_pre);
		return;
	}
	fault_expect(d, 0, FAULT_LO, clear, 1, &fault_pre[0]);
	fault_expect(d, FAULT_LO, FAULT_HI, clear, FAULT_HI - FAULT_LO, NULL);
	fault_expect(d, FAULT_HI, top, clear, 1, &fault_pre[2]);
}

static void test_fault_prepare(void **state)
{
	struct iod_dirty d;
	unsigned long n, failures = 0;
	unsigned int i;
	bool done = false;
	int ret;

	(void)state;
	iod_fault_fail_nth(1);
	assert_int_equal(iod_dirty_init(&d, FAULT_BITS), -ENOMEM);
	assert_true(iod_fault_fired());
	iod_fault_fail_nth(0);
	iod_dirty_fini(&d);	/* safe after a failed init */

	for (n = 1; !done; n++) {
		uint64_t before;

		assert_true(n < 100);
		assert_int_equal(iod_dirty_init(&d, FAULT_BITS), 0);
		for (i = 0; i < IOD_ARRAY_SIZE(fault_pre); i++) {
			assert_int_equal(iod_dirty_prepare(&d, fault_pre[i],
							   fault_pre[i] + 1),
					 0);
			iod_dirty_mark(&d, fault_pre[i], fault_pre[i] + 1);
		}
		before = mem_bytes(&d);

		iod_fault_fail_nth(n);
		ret = iod_dirty_prepare(&d, FAULT_LO, FAULT_HI);
		if (ret == 0) {
			assert_false(iod_fault_fired());
			done = true;
		} else {
			assert_int_equal(ret, -ENOMEM);
			assert_true(iod_fault_fired());
			failures++;
			assert_true(mem_bytes(&d) >= before);
			assert_true(mem_bytes(&d) < before +
				    6 * LEAF_BYTES + 4 * NODE_BYTES);
			/* Readable and unchanged; prepare can be retried. */
			fault_check(&d, false, false);
		}
		iod_fault_fail_nth(0);
		if (!done)
			assert_int_equal(iod_dirty_prepare(&d, FAULT_LO,
							   FAULT_HI), 0);
		iod_dirty_mark(&d, FAULT_LO, FAULT_HI);
		fault_check(&d, true, true);
		assert_int_equal(iod_dirty_harvest(&d, 0, 1ULL << FAULT_BITS,
						   false, NULL, NULL), 0);
		iod_dirty_fini(&d);
	}
	/*
	 * The range needs four new leaves (two of its seven exist) and three
	 * new nodes above 2^33: one failure per allocation.
	 */
	assert_int_equal(failures, 7);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_layout),
		cmocka_unit_test(test_index_bits),
		cmocka_unit_test(test_bitmap_args),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_dense),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_fault_prepare),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
