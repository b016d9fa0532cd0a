// SPDX-License-Identifier: MIT
/*
 * iod_dirty_take(): a harvest that the caller ends anywhere. What it
 * reports is exactly the dirty granules in order up to where the caller
 * stopped; what the caller left, and everything after it, stays dirty;
 * and a take that empties spans clears their summary bits behind it (no
 * stale bits pile up for later walks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"
#include <stdlib.h>
#include <string.h>

#include "dirty_priv.h"
#include "dirty_test_util.h"

#define SPAN (1ULL << 30)	/* granules under test */
#define MAXG 4096

/* Takes granules until @budget of them were taken. */
struct taker {
	uint64_t *got;
	uint64_t n;
	uint64_t budget;
	uint64_t prev;
};

static uint64_t take_some(void *arg, uint64_t base, uint64_t mask)
{
	struct taker *t = arg;
	uint64_t m;

	for (m = mask; m; m &= m - 1) {
		uint64_t g = base + (uint64_t)__builtin_ctzll(m);

		assert_true(t->n == 0 || g > t->prev);
		if (t->n == t->budget)
			return m;	/* this bit and those above */
		t->got[t->n++] = g;
		t->prev = g;
	}
	return 0;
}

static uint64_t count_emit_n;

static void count_emit(void *arg, uint64_t base, uint64_t mask)
{
	(void)arg;
	(void)base;
	count_emit_n += (uint64_t)__builtin_popcountll(mask);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Random marks, clustered and sparse; returns them sorted, unique. */
static uint64_t mark_random(struct iod_dirty *d, uint64_t *g, uint64_t seed)
{
	uint64_t n = 0, i, k;

	for (i = 0; i < MAXG / 2; i++) {
		uint64_t x = rnd_below(&seed, SPAN - 200);
		uint64_t len = i % 8 ? 1 : 1 + rnd_below(&seed, 150);

		for (k = 0; k < len && n < MAXG; k++)
			g[n++] = x + k;
	}
	qsort(g, n, sizeof(*g), cmp_u64);
	for (i = k = 0; i < n; i++)
		if (!k || g[i] != g[k - 1])
			g[k++] = g[i];
	for (i = 0; i < k; i++) {
		assert_int_equal(iod_dirty_prepare(d, g[i], g[i] + 1), 0);
		iod_dirty_mark(d, g[i], g[i] + 1);
	}
	return k;
}

static void test_take_budgets(void **state)
{
	struct iod_dirty d;
	uint64_t *g = calloc(MAXG, sizeof(*g)), *got = calloc(MAXG, 8);
	uint64_t n, done, pos, lo = 1000, hi = SPAN - 1000;
	uint64_t below = 0, in_hi;
	uint64_t budgets[] = { 1, 7, 64, 300, MAXG };
	struct taker t;
	unsigned int round = 0;

	(void)state;
	assert_non_null(g);
	assert_non_null(got);
	assert_int_equal(iod_dirty_init(&d, 32), 0);
	n = mark_random(&d, g, 0xabcdef);
	/* only [lo, hi) is read: granules g[below .. in_hi) */
	while (below < n && g[below] < lo)
		below++;
	in_hi = below;
	while (in_hi < n && g[in_hi] < hi)
		in_hi++;
	done = below;
	pos = lo;
	for (;;) {
		bool stopped;

		memset(&t, 0, sizeof(t));
		t.got = got;
		t.budget = budgets[round++ % 5];
		stopped = iod_dirty_take(&d, pos, hi, true, take_some, &t);
		/* exactly the next dirty granules, in order */
		for (uint64_t i = 0; i < t.n; i++)
			assert_int_equal(got[i], g[done + i]);
		done += t.n;
		if (!stopped)
			break;
		assert_int_equal(t.n, t.budget);
		pos = g[done];
		/* the rest is still there, untouched */
		count_emit_n = 0;
		iod_dirty_harvest(&d, pos, hi, false, count_emit, NULL);
		assert_int_equal(count_emit_n, in_hi - done);
	}
	assert_int_equal(done, in_hi);
	/* what is outside [lo, hi) is still dirty, the rest is not */
	count_emit_n = 0;
	iod_dirty_harvest(&d, 0, SPAN, false, count_emit, NULL);
	assert_int_equal(count_emit_n, n - (in_hi - below));
	count_emit_n = 0;
	iod_dirty_harvest(&d, lo, hi, false, count_emit, NULL);
	assert_int_equal(count_emit_n, 0);
	/* a full take empties every summary on its way */
	memset(&t, 0, sizeof(t));
	t.got = got;
	t.budget = MAXG;
	assert_false(iod_dirty_take(&d, 0, SPAN, true, take_some, &t));
	assert_int_equal(iod_atomic_load(&d.root->summary), 0);
	iod_dirty_fini(&d);
	free(g);
	free(got);
}

/* Without clearing: the same reports, nothing taken. */
static void test_take_no_clear(void **state)
{
	struct iod_dirty d;
	uint64_t *g = calloc(MAXG, sizeof(*g)), *got = calloc(MAXG, 8), n;
	struct taker t = { .got = got, .budget = 10 };

	(void)state;
	assert_int_equal(iod_dirty_init(&d, 32), 0);
	n = mark_random(&d, g, 0x1234);
	assert_true(iod_dirty_take(&d, 0, SPAN, false, take_some, &t));
	for (uint64_t i = 0; i < 10; i++)
		assert_int_equal(got[i], g[i]);
	count_emit_n = 0;
	iod_dirty_harvest(&d, 0, SPAN, false, count_emit, NULL);
	assert_int_equal(count_emit_n, n);
	iod_dirty_fini(&d);
	free(g);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_budgets),
		cmocka_unit_test(test_take_no_clear),
	};

	return cmocka_run_group_tests_name("core_dirty_take", tests, NULL,
					   NULL);
}
