// SPDX-License-Identifier: MIT
/*
 * Concurrent no-lost-write oracle of the sparse hierarchical dirty bitmap
 * (lib/core/dirty.c): writers mark while a harvester clears.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "dirty.h"
#include "dirty_test_util.h"

/*
 * Concurrency oracle. Writers own disjoint 8-granule blocks (block b
 * belongs to writer b % CONC_WRITERS, so they share words and leaves) and
 * mark sub-ranges of their blocks, calling prepare first (racing
 * allocations). One harvester loops harvesting with clear, over the whole
 * window or (partial variant) mostly over random unaligned sub-ranges.
 *
 * A global counter seq orders events. Around each mark a writer takes
 * tickets t = fetch_add(seq) before and c = fetch_add(seq) after. The
 * harvester reads seq at the start (hs) and end (he) of each harvest, and
 * inside the emit callback (r), i.e. after the word exchange that found
 * the granule; if that exchange saw a mark's bit (or the mark found the bit
 * already set and skipped its OR), r > t. Checks, for every granule g of
 * every mark (t, c):
 *  - if a harvest covering g started after the mark completed (hs > c),
 *    the first such one, H, ended with some report of g in (t, he(H)]:
 *    either H found the bit or an earlier harvest took it after the mark;
 *  - otherwise the final harvest (after the writers stopped, r = infinity)
 *    or an earlier report has r > t.
 * Also: reports <= marks per granule (each report consumes a bit a mark
 * set), no report of a granule before its first mark, none outside the
 * harvested range.
 *
 * (Checking only "some harvest that started after the last mark completed
 * reported g" would be unsound: a harvest running concurrently with the
 * mark may legitimately take the bit, and then no later one reports it.)
 */
#define CONC_WRITERS	4
#define CONC_BITS	36
/* Around 2^21: a leaf edge and a level-2 node edge at CONC_BITS. */
#define CONC_EDGE	(1ULL << 21)
#define CONC_MAX_N	(1ULL << 14)
#define CONC_MARKS	100000
#define CONC_MAX_HARVESTS (1u << 20)
#define CONC_MAX_REPORTS (CONC_WRITERS * CONC_MARKS * 8u + CONC_MAX_N)

struct conc_mark {
	uint32_t lo, hi;	/* granules [lo, hi), relative to base */
	uint64_t t, c;
};

struct conc_harvest {
	uint32_t first, end;
	uint64_t hs, he;
};

struct conc_report {
	uint32_t g;
	uint64_t r;
};

struct conc {
	struct iod_dirty d;
	uint64_t base;		/* first granule of the window */
	uint64_t n;		/* granules in the window */
	bool partial;
	_Atomic uint64_t seq;
	_Atomic unsigned int writers_left;
	_Atomic unsigned int prepare_errors;
	pthread_barrier_t start;
	_Atomic unsigned int harvests_done;
	/* each writer's own slice */
	struct conc_mark marks[CONC_WRITERS][CONC_MARKS];
	/* harvester only */
	struct conc_harvest *harvests;
	unsigned int nharvests;
	struct conc_report *reports;
	unsigned int nreports;
	unsigned int errors;
	bool final;
};

struct conc_writer {
	struct conc *c;
	unsigned int id;
	pthread_t thread;
};

static void *conc_writer(void *arg)
{
	struct conc_writer *w = arg;
	struct conc *c = w->c;
	uint64_t seed = 0x1234567ULL * (w->id + 1), blocks = c->n / 8;
	unsigned int i;

	pthread_barrier_wait(&c->start);
	for (i = 0; i < CONC_MARKS; i++) {
		struct conc_mark *m = &c->marks[w->id][i];

		/* Make sure marks and harvests overlap, however scheduled. */
		if (i == CONC_MARKS / 4)
			while (!atomic_load(&c->harvests_done))
				sched_yield();
		uint64_t blk = rnd_below(&seed, blocks / CONC_WRITERS) *
			       CONC_WRITERS + w->id;
		uint64_t lo = blk * 8 + rnd_below(&seed, 8);
		uint64_t hi = lo + 1 + rnd_below(&seed, blk * 8 + 8 - lo);

		if (iod_dirty_prepare(&c->d, c->base + lo, c->base + hi))
			atomic_fetch_add(&c->prepare_errors, 1);
		m->lo = (uint32_t)lo;
		m->hi = (uint32_t)hi;
		m->t = atomic_fetch_add(&c->seq, 1);
		iod_dirty_mark(&c->d, c->base + lo, c->base + hi);
		m->c = atomic_fetch_add(&c->seq, 1);
	}
	atomic_fetch_sub(&c->writers_left, 1);
	return NULL;
}

struct conc_emit {
	struct conc *c;
	uint64_t first, end;
};

static void conc_emit(void *arg, uint64_t base, uint64_t mask)
{
	struct conc_emit *e = arg;
	struct conc *c = e->c;
	uint64_t r = c->final ? UINT64_MAX : atomic_load(&c->seq);

	while (mask) {
		uint64_t g = base + (uint64_t)__builtin_ctzll(mask);

		mask &= mask - 1;
		if (g < e->first || g >= e->end ||
		    c->nreports == CONC_MAX_REPORTS) {
			c->errors++;
			continue;
		}
		c->reports[c->nreports].g = (uint32_t)(g - c->base);
		c->reports[c->nreports].r = r;
		c->nreports++;
	}
}

static void *conc_harvester(void *arg)
{
	struct conc *c = arg;
	struct conc_emit e = { .c = c };
	uint64_t seed = 777;

	pthread_barrier_wait(&c->start);
	while (atomic_load(&c->writers_left) &&
	       c->nharvests < CONC_MAX_HARVESTS) {
		struct conc_harvest *h = &c->harvests[c->nharvests++];
		uint64_t a = 0, b = c->n;

		if (c->partial && rnd_below(&seed, 4)) {
			a = rnd_below(&seed, c->n);
			b = a + 1 + rnd_below(&seed, c->n - a);
		}
		e.first = c->base + a;
		e.end = c->base + b;
		h->first = (uint32_t)a;
		h->end = (uint32_t)b;
		h->hs = atomic_load(&c->seq);
		iod_dirty_harvest(&c->d, e.first, e.end, true, conc_emit, &e);
		h->he = atomic_load(&c->seq);
		atomic_fetch_add(&c->harvests_done, 1);
	}
	return NULL;
}

/* First harvest at or after index k that covers granule g, or n. */
static unsigned int conc_covering(const struct conc *c, unsigned int k,
				  uint32_t g)
{
	while (k < c->nharvests &&
	       (g < c->harvests[k].first || g >= c->harvests[k].end))
		k++;
	return k;
}

/* First harvest with hs > c, by binary search (hs is non-decreasing). */
static unsigned int conc_after(const struct conc *c, uint64_t seq)
{
	unsigned int lo = 0, hi = c->nharvests;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (c->harvests[mid].hs > seq)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void conc_check(struct conc *c)
{
	uint32_t *start = calloc(c->n + 1, sizeof(*start));
	uint32_t *nmarks = calloc(c->n, sizeof(*nmarks));
	uint64_t *first_t = malloc(c->n * sizeof(*first_t));
	uint64_t *rs = malloc((c->nreports + 1) * sizeof(*rs));
	uint32_t *fill = calloc(c->n, sizeof(*fill));
	unsigned int i, w, k, marked = 0;
	uint32_t g;

	assert_non_null(start);
	assert_non_null(nmarks);
	assert_non_null(first_t);
	assert_non_null(rs);
	assert_non_null(fill);
	/* Reports of each granule, in order: rs[start[g] .. start[g + 1]). */
	for (i = 0; i < c->nreports; i++)
		start[c->reports[i].g + 1]++;
	for (g = 0; g < c->n; g++)
		start[g + 1] += start[g];
	for (i = 0; i < c->nreports; i++) {
		g = c->reports[i].g;
		rs[start[g] + fill[g]++] = c->reports[i].r;
	}
	for (g = 0; g < c->n; g++)
		first_t[g] = UINT64_MAX;

	for (w = 0; w < CONC_WRITERS; w++) {
		for (i = 0; i < CONC_MARKS; i++) {
			const struct conc_mark *m = &c->marks[w][i];
			unsigned int h0 = conc_after(c, m->c);

			for (g = m->lo; g < m->hi; g++) {
				uint64_t limit = UINT64_MAX;
				uint32_t lo = start[g], hi = start[g + 1];

				nmarks[g]++;
				if (first_t[g] == UINT64_MAX)
					first_t[g] = m->t;
				k = conc_covering(c, h0, g);
				if (k < c->nharvests)
					limit = c->harvests[k].he;
				/* first report of g with r > t */
				while (lo < hi) {
					uint32_t mid = lo + (hi - lo) / 2;

					if (rs[mid] > m->t)
						hi = mid;
					else
						lo = mid + 1;
				}
				if (lo == start[g + 1] || rs[lo] > limit)
					fail_msg("granule %u: mark t=%" PRIu64
						 " c=%" PRIu64 " lost (next "
						 "report %" PRIu64 ", harvest "
						 "%u ended %" PRIu64 ")", g,
						 m->t, m->c,
						 lo == start[g + 1] ? 0 :
						 rs[lo], k, limit);
			}
		}
	}
	for (g = 0; g < c->n; g++) {
		uint32_t n = start[g + 1] - start[g];

		marked += nmarks[g] > 0;
		if (n > nmarks[g])
			fail_msg("granule %u: %u reports > %u marks", g, n,
				 nmarks[g]);
		if (n && rs[start[g]] <= first_t[g])
			fail_msg("granule %u reported before its first mark",
				 g);
	}
	assert_true(marked > c->n / 2);
	free(start);
	free(nmarks);
	free(first_t);
	free(rs);
	free(fill);
}

static void run_concurrent(uint64_t n, bool partial)
{
	struct conc_writer w[CONC_WRITERS];
	struct conc_emit e;
	pthread_t harvester;
	struct conc *c;
	unsigned int i;

	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->harvests = calloc(CONC_MAX_HARVESTS, sizeof(*c->harvests));
	c->reports = calloc(CONC_MAX_REPORTS, sizeof(*c->reports));
	assert_non_null(c->harvests);
	assert_non_null(c->reports);
	c->base = CONC_EDGE - n / 2;
	c->n = n;
	c->partial = partial;
	atomic_store(&c->writers_left, CONC_WRITERS);
	assert_int_equal(iod_dirty_init(&c->d, CONC_BITS), 0);
	assert_int_equal(pthread_barrier_init(&c->start, NULL,
					      CONC_WRITERS + 1), 0);

	assert_int_equal(pthread_create(&harvester, NULL, conc_harvester, c),
			 0);
	for (i = 0; i < CONC_WRITERS; i++) {
		w[i].c = c;
		w[i].id = i;
		assert_int_equal(pthread_create(&w[i].thread, NULL,
						conc_writer, &w[i]), 0);
	}
	for (i = 0; i < CONC_WRITERS; i++)
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
	assert_int_equal(pthread_join(harvester, NULL), 0);
	pthread_barrier_destroy(&c->start);

	/* Final harvest, writers stopped. */
	c->final = true;
	e.c = c;
	e.first = c->base;
	e.end = c->base + c->n;
	iod_dirty_harvest(&c->d, 0, 1ULL << CONC_BITS, true, conc_emit, &e);
	assert_int_equal(iod_dirty_harvest(&c->d, 0, 1ULL << CONC_BITS, false,
					   NULL, NULL), 0);

	assert_int_equal(c->errors, 0);
	assert_int_equal(atomic_load(&c->prepare_errors), 0);
	assert_true(c->nharvests > 0);
	conc_check(c);
	iod_dirty_fini(&c->d);
	free(c->harvests);
	free(c->reports);
	free(c);
}

static void test_concurrent_full(void **state)
{
	(void)state;
	run_concurrent(CONC_MAX_N, false);
}

static void test_concurrent_partial(void **state)
{
	(void)state;
	run_concurrent(CONC_MAX_N, true);
}

/* Four words (two on each side of the edge), maximal contention. */
static void test_concurrent_hot(void **state)
{
	(void)state;
	run_concurrent(256, true);
}
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_full),
		cmocka_unit_test(test_concurrent_partial),
		cmocka_unit_test(test_concurrent_hot),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
