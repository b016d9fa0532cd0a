// SPDX-License-Identifier: MIT
/*
 * Unmap with a dirty report is atomic against concurrent writers: every
 * write that returned 0 is in the unmap's bitmap or was reported by an
 * earlier harvest, nothing is reported that was not written, and every
 * write that starts after the unmap returned fails with -ENOENT.
 *
 * Each round maps a range, starts writers (DMA writes to random pages,
 * logging a ticket when each write starts (S) and after it returned (L))
 * and a harvester (read-and-clear of the range), and after a random
 * number of successful writes unmaps the range with a dirty report from a
 * fourth thread. Loops are bounded by iteration counts, not by time.
 */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define NW 3
#define NPAGES 256
#define ROUNDS 40
#define WR_ITERS 20000		/* per writer and round, at most */
#define AFTER_ENOENT 32		/* writes after the unmap, per writer */
#define MAX_HARVESTS 4096
#define IOVA (1ULL << 30)

struct rec {
	uint32_t s, l;
};

struct harvest {
	uint32_t h, e;
	uint64_t bm[NPAGES / 64];
};

struct round {
	struct iodirty_domain *dom;
	uint8_t *ram;
	uint64_t ups;			/* unmap page size, in pages */
	uint32_t threshold;		/* successful writes before unmap */
	struct t_race race;
	_Atomic uint32_t nsucc;
	_Atomic int unmapped;		/* set after the unmap returned */
	/* per page, the last successful write (max S) and any start */
	_Atomic uint64_t last[NPAGES];	/* (S << 32) | L */
	_Atomic uint32_t first_start[NPAGES];
	/*
	 * per page, the latest return of any successful write: overlapping
	 * writes can return in another order than they started, and any of
	 * them may have marked the page after a harvest began
	 */
	_Atomic uint32_t last_return[NPAGES];
	/* harvester */
	struct harvest *hv;
	uint32_t nhv;
	/* unmapper */
	uint32_t u0, u1;
	uint64_t ubm[NPAGES / 64 + 1];
	uint64_t post_enoent;
};

#define TERR(r, ...) T_RACE_ERR(&(r)->race, __VA_ARGS__)

static void writer(void *ctx, int id, uint64_t seed)
{
	struct round *r = ctx;
	int after = 0;
	uint8_t buf[8];

	for (int i = 0; i < WR_ITERS && after < AFTER_ENOENT; i++) {
		uint64_t pg = t_rand_below(&seed, NPAGES);
		/* own bytes per writer: only the dirty state is shared */
		uint64_t iova = IOVA + pg * P + (uint64_t)id * (P / NW) +
				t_rand_below(&seed, P / NW - 8);
		int done = atomic_load(&r->unmapped);
		uint32_t s, l, zero = 0;
		int rc;

		memset(buf, i & 0xff, sizeof(buf));
		s = t_ticket(&r->race);
		atomic_compare_exchange_strong(&r->first_start[pg], &zero, s);
		rc = iodirty_dma_write(r->dom, iova, buf, sizeof(buf));
		l = t_ticket(&r->race);
		if (rc == 0) {
			uint64_t v = ((uint64_t)s << 32) | l;
			uint64_t old = atomic_load(&r->last[pg]);

			if (done)
				TERR(r, "writer %d: write after the unmap "
				     "returned 0\n", id);
			uint32_t lr = atomic_load(&r->last_return[pg]);

			while ((old >> 32) < s &&
			       !atomic_compare_exchange_weak(&r->last[pg],
							     &old, v))
				;
			while (lr < l &&
			       !atomic_compare_exchange_weak(&r->last_return[pg],
							     &lr, l))
				;
			atomic_fetch_add(&r->nsucc, 1);
		} else if (rc == -ENOENT) {
			after += done;
		} else {
			TERR(r, "writer %d: dma_write: %d\n", id, rc);
			break;
		}
		if (i % 64 == 63)
			sched_yield();
	}
}

static void *harvester(void *arg)
{
	struct round *r = arg;

	while (!atomic_load(&r->unmapped) && r->nhv < MAX_HARVESTS &&
	       atomic_load(&r->race.writers_done) < NW) {
		struct harvest *h = &r->hv[r->nhv];
		int64_t rc;

		memset(h->bm, 0, sizeof(h->bm));
		h->h = t_ticket(&r->race);
		rc = iodirty_read_dirty(r->dom, IOVA, NPAGES * P, P, h->bm, 0);
		h->e = t_ticket(&r->race);
		if (rc < 0 && rc != -ENOENT)
			TERR(r, "harvest: %lld\n", (long long)rc);
		if (rc < 0)
			break;
		r->nhv++;
		sched_yield();
	}
	return NULL;
}

static void *unmapper(void *arg)
{
	struct round *r = arg;
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	int rc;

	while (atomic_load(&r->nsucc) < r->threshold &&
	       atomic_load(&r->race.writers_done) < NW)
		sched_yield();
	o.page_size = r->ups * P;
	o.dirty_bitmap = r->ubm;
	r->u0 = t_ticket(&r->race);
	rc = iodirty_unmap(r->dom, IOVA, NPAGES * P, &o);
	r->u1 = t_ticket(&r->race);
	atomic_store(&r->unmapped, 1);
	if (rc || o.unmapped != NPAGES * P)
		TERR(r, "unmap: %d, %" PRIu64 " bytes\n", rc, o.unmapped);
	return NULL;
}

static void one_round(struct iodirty_domain *dom, uint8_t *ram, int round,
		      uint64_t *seed, uint64_t *stats)
{
	struct round *r = calloc(1, sizeof(*r));
	const t_thread_fn others[] = { harvester, unmapper };
	uint64_t seeds[NW], klast_h = 0, nlost = 0, nspur = 0, bad_after;
	uint64_t bm[NPAGES / 64];

	assert_non_null(r);
	r->hv = calloc(MAX_HARVESTS, sizeof(*r->hv));
	assert_non_null(r->hv);
	r->dom = dom;
	r->ram = ram;
	r->ups = round % 3 == 2 ? 4 : 1;
	r->threshold = 50 + (uint32_t)t_rand_below(seed, 3000);
	assert_int_equal(iodirty_map(dom, IOVA, ram, NPAGES * P, RW), 0);
	for (int i = 0; i < NW; i++)
		seeds[i] = t_rand(seed);
	t_race_run(&r->race, r, others, 2, writer, NW, seeds);
	assert_int_equal(atomic_load(&r->race.errors), 0);

	/* the last harvest that ended before the unmap started */
	for (uint32_t k = 0; k < r->nhv; k++)
		if (r->hv[k].e < r->u0)
			klast_h = r->hv[k].h;
	for (uint64_t pg = 0; pg < NPAGES; pg++) {
		uint64_t v = atomic_load(&r->last[pg]);
		uint32_t s = (uint32_t)(v >> 32), l = (uint32_t)v;
		bool in_unmap = t_bit(r->ubm, pg / r->ups);
		bool reported = false;

		if (v) {
			for (uint32_t k = 0; k < r->nhv; k++)
				if (t_bit(r->hv[k].bm, pg) && r->hv[k].e > s)
					reported = true;
			if (!in_unmap && !reported) {
				print_error("round %d: page %" PRIu64 ": write "
					    "[S %u, L %u] returned 0 but is "
					    "in no report (unmap [%u, %u])\n",
					    round, pg, s, l, r->u0, r->u1);
				nlost++;
			}
		}
		/* reports only of written pages */
		for (uint32_t k = 0; k < r->nhv; k++)
			if (t_bit(r->hv[k].bm, pg) &&
			    (!atomic_load(&r->first_start[pg]) ||
			     atomic_load(&r->first_start[pg]) > r->hv[k].e)) {
				print_error("round %d: page %" PRIu64 " reported"
					    " by harvest %u, never written\n",
					    round, pg, k);
				nspur++;
			}
	}
	/* each unmap bit needs a write that returned after klast began */
	for (uint64_t b = 0; b < NPAGES / r->ups; b++) {
		bool just = false;

		if (!t_bit(r->ubm, b))
			continue;
		for (uint64_t pg = b * r->ups; pg < (b + 1) * r->ups; pg++)
			if (atomic_load(&r->last_return[pg]) > klast_h)
				just = true;
		if (!just) {
			print_error("round %d: unmap reported bit %" PRIu64
				    " without a write since harvest [H %" PRIu64
				    "]\n", round, b, klast_h);
			nspur++;
		}
	}
	/* nothing past the report bits was written */
	bad_after = 0;
	for (uint64_t b = NPAGES / r->ups; b < 64 * (NPAGES / 64 + 1); b++)
		bad_after += t_bit(r->ubm, b);
	assert_int_equal(bad_after, 0);
	assert_int_equal(nlost, 0);
	assert_int_equal(nspur, 0);

	/* the range is gone, and so is its dirty state */
	memset(bm, 0, sizeof(bm));
	T_EQ(iodirty_read_dirty(dom, IOVA, NPAGES * P, P, bm,
				IODIRTY_READ_NO_CLEAR), 0);
	{
		void *a;

		assert_int_equal(iodirty_translate(dom, IOVA, &a, NULL),
				 -ENOENT);
		assert_int_equal(iodirty_dma_write(dom, IOVA, bm, 8), -ENOENT);
	}
	stats[0] += atomic_load(&r->nsucc);
	stats[1] += r->nhv;
	stats[2] += t_popcount(r->ubm, NPAGES / 64);
	free(r->hv);
	free(r);
}

static void test_unmap_atomic(void **state)
{
	struct iodirty_domain *dom;
	uint8_t *ram;
	uint64_t seed, stats[3] = { 0, 0, 0 };

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW |
		       IODIRTY_CAP_UNMAP_DIRTY_ATOMIC);
	seed = t_seed("unmap_atomic", 0xa70a1c);
	dom = t_domain(40, 0);
	ram = t_ram(NPAGES * P, 0);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	for (int round = 0; round < ROUNDS; round++)
		one_round(dom, ram, round, &seed, stats);
	printf("# %d rounds: %" PRIu64 " successful writes, %" PRIu64
	       " harvests, %" PRIu64 " bits in unmap reports\n", ROUNDS,
	       stats[0], stats[1], stats[2]);
	iodirty_domain_destroy(dom);
	t_ram_free(ram, NPAGES * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unmap_atomic),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_unmap_atomic", tests, NULL,
					 NULL);
	t_fini();
	return rc;
}
