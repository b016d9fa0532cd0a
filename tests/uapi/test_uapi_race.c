// SPDX-License-Identifier: MIT
/*
 * No write is lost between DMA_RW and a concurrent GET_DIRTY_BITMAP or
 * IOAS_UNMAP with a dirty bitmap.
 *
 * Writer threads DMA-write every page of a range exactly once, in a
 * shuffled order, while the main thread reads-and-clears the whole range
 * in a loop (and, in the unmap test, unmaps it with a dirty bitmap
 * halfway). Because each page is written once, the oracle is exact:
 *  - every page whose write returned 0 is reported exactly once, by a
 *    harvest that ended after the write started, and no later than the
 *    first harvest that started after the write returned;
 *  - a page is never reported twice, nor before its write started;
 *  - after the unmap, writes fail with ENOENT and are never reported.
 * Events are ordered by one atomic ticket counter. Loops are bounded by
 * counts, not time.
 */
#include "uapi_util.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define P U_PAGE
#define BASE (1ULL << 32)
#define NPAGES 8192u
#define NW 2
#define MAX_HARVESTS 100000u

struct race {
	int fd;
	uint32_t ioas;
	_Atomic uint32_t ticket;
	_Atomic int writers_done;
	_Atomic int errors;
	_Atomic uint32_t started[NPAGES];	/* ticket before the write */
	_Atomic uint32_t done[NPAGES];		/* ticket after it returned */
	_Atomic int result[NPAGES];		/* its return value */
	uint32_t reported_by[NPAGES];		/* harvest index + 1, or 0 */
	uint32_t h_start[MAX_HARVESTS + 1];
	uint32_t h_end[MAX_HARVESTS + 1];
	uint32_t nh;
	pthread_barrier_t go;
	int id;					/* next writer id */
	pthread_mutex_t id_lock;
};


static uint32_t take(struct race *r)
{
	return atomic_fetch_add(&r->ticket, 1) + 1;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void *writer(void *arg)
{
	struct race *r = arg;
	uint32_t mine[NPAGES / NW], n = 0;
	uint64_t seed;
	int id;

	pthread_mutex_lock(&r->id_lock);
	id = r->id++;
	pthread_mutex_unlock(&r->id_lock);
	seed = 0x1234 + (uint64_t)id;
	for (uint32_t p = (uint32_t)id; p < NPAGES; p += NW)
		mine[n++] = p;
	/* Shuffle, so that reads see dirt scattered over the range. */
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rnd(&seed) % (i + 1)), t = mine[i];

		mine[i] = mine[j];
		mine[j] = t;
	}
	pthread_barrier_wait(&r->go);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = mine[i];
		uint64_t v = p;
		int rc;

		atomic_store(&r->started[p], take(r));
		rc = u_dma(r->fd, r->ioas, BASE + (uint64_t)p * P + 8, &v,
			   sizeof(v), IODIRTY_DMA_WRITE);
		atomic_store(&r->result[p], rc);
		atomic_store(&r->done[p], take(r));
		if (rc && rc != -ENOENT) {
			fprintf(stderr, "DMA_RW page %u: %s\n", p,
				strerror(-rc));
			atomic_fetch_add(&r->errors, 1);
		}
	}
	atomic_fetch_add(&r->writers_done, 1);
	return NULL;
}

/* Records the bits of one harvest (index r->nh) and checks them. */
static void record(struct race *r, const uint64_t *bm)
{
	uint32_t k = r->nh;

	for (uint32_t p = 0; p < NPAGES; p++) {
		uint32_t s;

		/* Skip clean words: most harvests find little. */
		if (p % 64 == 0 && !bm[p / 64]) {
			p += 63;
			continue;
		}
		if (!u_bit(bm, p))
			continue;
		s = atomic_load(&r->started[p]);
		if (r->reported_by[p])
			fail_msg("page %u reported by harvests %u and %u", p,
				 r->reported_by[p] - 1, k);
		if (!s || s > r->h_end[k])
			fail_msg("page %u reported by harvest %u before its "
				 "write started", p, k);
		r->reported_by[p] = k + 1;
	}
	r->nh++;
}

static void harvest(struct race *r, uint64_t *bm, bool unmap)
{
	assert_true(r->nh < MAX_HARVESTS);
	memset(bm, 0, NPAGES / 8);
	r->h_start[r->nh] = take(r);
	if (unmap)
		U_EQ(u_unmap_dirty(r->fd, r->ioas, BASE, NPAGES * P, 0, P, bm,
				   NULL), 0);
	else
		U_EQ(u_dirty(r->fd, r->ioas, BASE, NPAGES * P, P, bm, 0) >= 0,
		     1);
	r->h_end[r->nh] = take(r);
	record(r, bm);
}

/* The final checks over all pages (see the file comment). */
static void verify(struct race *r, bool unmapped)
{
	uint32_t lost_ok = 0, failed = 0;

	for (uint32_t p = 0; p < NPAGES; p++) {
		uint32_t s = atomic_load(&r->started[p]);
		uint32_t d = atomic_load(&r->done[p]);
		int rc = atomic_load(&r->result[p]);
		uint32_t by = r->reported_by[p];

		assert_true(s && d);
		if (rc) {
			/* Only after the unmap; nothing was written. */
			assert_true(unmapped);
			if (by)
				fail_msg("page %u: failed write reported", p);
			failed++;
			continue;
		}
		if (!by)
			fail_msg("page %u: write [%u, %u] never reported", p,
				 s, d);
		/* The first harvest starting after the write returned
		 * (start tickets increase: binary search). */
		{
			uint32_t lo = 0, hi = r->nh;

			while (lo < hi) {
				uint32_t mid = lo + (hi - lo) / 2;

				if (r->h_start[mid] > d)
					hi = mid;
				else
					lo = mid + 1;
			}
			if (lo < r->nh && by - 1 > lo)
				fail_msg("page %u: write done at %u, harvest "
					 "%u (start %u) missed it", p, d, lo,
					 r->h_start[lo]);
		}
		if (r->h_end[by - 1] < s)
			fail_msg("page %u: reported before written", p);
		lost_ok++;
	}
	print_message("%u harvests, %u writes reported, %u after unmap\n",
		      r->nh, lost_ok, failed);
}

static void run(bool with_unmap)
{
	struct race *r = calloc(1, sizeof(*r));
	uint64_t *bm = malloc(NPAGES / 8);
	pthread_t th[NW];
	uint8_t *ram;
	bool unmapped = false;

	assert_non_null(r);
	assert_non_null(bm);
	r->fd = u_fd;
	ram = u_ram(NPAGES * P);
	r->ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, r->ioas, BASE, ram, NPAGES * P, U_RW);
	u_tracking_ok(u_fd, r->ioas, true);
	pthread_mutex_init(&r->id_lock, NULL);
	assert_int_equal(pthread_barrier_init(&r->go, NULL, NW + 1), 0);
	for (int i = 0; i < NW; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer, r), 0);
	pthread_barrier_wait(&r->go);
	/* Harvest until the writers are done (or the log is full). */
	while (atomic_load(&r->writers_done) < NW &&
	       r->nh < MAX_HARVESTS - 2) {
		/* Each write takes two tickets: half of them are written. */
		bool half = atomic_load(&r->ticket) > NPAGES;

		if (with_unmap && !unmapped && half) {
			harvest(r, bm, true);
			unmapped = true;
		} else {
			harvest(r, bm, false);
		}
	}
	for (int i = 0; i < NW; i++)
		pthread_join(th[i], NULL);
	/* The last one, after every write returned. */
	if (!unmapped)
		harvest(r, bm, false);
	else
		U_EQ(u_dirty(u_fd, r->ioas, BASE, NPAGES * P, P, bm, 0), 0);
	U_EQ(atomic_load(&r->errors), 0);
	verify(r, unmapped);
	U_EQ(u_destroy(u_fd, r->ioas), 0);
	pthread_barrier_destroy(&r->go);
	pthread_mutex_destroy(&r->id_lock);
	u_ram_free(ram, NPAGES * P);
	free(bm);
	free(r);
}

static void test_dma_vs_read(void **state)
{
	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_DIRTY_TRACKING | IODIRTY_INFO_CAP_DMA_RW);
	for (int round = 0; round < 3; round++)
		run(false);
}

static void test_dma_vs_unmap(void **state)
{
	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_DIRTY_TRACKING | IODIRTY_INFO_CAP_DMA_RW |
		  IODIRTY_INFO_CAP_UNMAP_DIRTY);
	for (int round = 0; round < 3; round++)
		run(true);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_vs_read),
		cmocka_unit_test(test_dma_vs_unmap),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_race", tests, u_group_open,
					   u_group_close);
}
