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
 *
 * The writers use every way of writing (since 0.4): iodirty_dma_write(),
 * iodirty_dma_writev() of two segments on two pages (a segment is one
 * transfer: those counted in *done are successful writes, the others
 * were not written; after the unmap returned, none is), and zero-copy
 * holds (iodirty_sg_get() with IODIRTY_SG_WRITE over two pages, a write
 * through the pieces, iodirty_sg_put()). A put that returns 0 marked the
 * written pages: it is a write whose S is taken just before the put (held
 * pages are not reported by read-and-clear; they are marked at the put)
 * and L after it. A put that returns -ESTALE had its pages removed by the
 * unmap, whose report must then hold every held page, written or not. An
 * unmap bit is justified by a write that returned after the last harvest
 * before the unmap began, or by a write hold the unmap overlapped.
 *
 * Every other round unmaps with iodirty_unmap_vec() (since 0.5), one
 * segment per reported group of pages, in shuffled order: the same
 * oracle then checks the vector's per-segment report.
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
#define SLOT (P / NW)			/* bytes of a page each writer owns */

enum { W_DMA, W_VEC, W_SG };

/* One write hold of pages [pg, pg + 2): got at g, put from p to l. */
struct hold_rec {
	uint32_t pg, g, p, l;
	int rc;
	bool all;			/* both pages written (else the first) */
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
	bool vec;			/* unmap with iodirty_unmap_vec() */
	uint64_t post_enoent;
	/* write holds, per writer */
	bool sg;			/* the backend has IODIRTY_CAP_SG */
	struct hold_rec *holds[NW];
	uint32_t nholds[NW];
	_Atomic uint32_t nvec, nstale;
};

#define TERR(r, ...) T_RACE_ERR(&(r)->race, __VA_ARGS__)

/* Records a successful write of page @pg that started at @s, returned @l. */
static void wrote(struct round *r, uint64_t pg, uint32_t s, uint32_t l)
{
	uint64_t v = ((uint64_t)s << 32) | l;
	uint64_t old = atomic_load(&r->last[pg]);
	uint32_t lr = atomic_load(&r->last_return[pg]);

	while ((old >> 32) < s &&
	       !atomic_compare_exchange_weak(&r->last[pg], &old, v))
		;
	while (lr < l &&
	       !atomic_compare_exchange_weak(&r->last_return[pg], &lr, l))
		;
	atomic_fetch_add(&r->nsucc, 1);
}

static void started(struct round *r, uint64_t pg, uint32_t s)
{
	uint32_t zero = 0;

	atomic_compare_exchange_strong(&r->first_start[pg], &zero, s);
}

/* A writer's own bytes in page @pg: only the dirty state is shared. */
static uint64_t own(int id, uint64_t pg, uint64_t *seed)
{
	return IOVA + pg * P + (uint64_t)id * SLOT +
	       t_rand_below(seed, SLOT - 8);
}

/* iodirty_dma_writev() of 8 bytes in page @pg and 8 in page @pg2. */
static int write_vec(struct round *r, int id, uint64_t pg, uint64_t pg2,
		     uint64_t *seed, uint8_t *buf, int unmapped)
{
	struct iodirty_dma_seg seg[2] = {
		{ own(id, pg, seed), 8, buf }, { own(id, pg2, seed), 8, buf },
	};
	uint64_t done = 99;
	uint32_t s, l;
	int rc;

	s = t_ticket(&r->race);
	started(r, pg, s);
	started(r, pg2, s);
	rc = iodirty_dma_writev(r->dom, seg, 2, &done);
	l = t_ticket(&r->race);
	if ((rc == 0 && done != 16) || (rc == -ENOENT && done != 0 &&
					done != 8)) {
		TERR(r, "writer %d: writev: %d, done %" PRIu64 "\n", id, rc,
		     done);
		return -EIO;
	}
	if (rc && rc != -ENOENT) {
		TERR(r, "writer %d: writev: %d\n", id, rc);
		return rc;
	}
	if (unmapped && done)
		TERR(r, "writer %d: writev after the unmap returned wrote "
		     "%" PRIu64 " bytes\n", id, done);
	/* the segments in *done were written */
	if (done >= 8)
		wrote(r, pg, s, l);
	if (done == 16)
		wrote(r, pg2, s, l);
	atomic_fetch_add(&r->nvec, 1);
	return rc;
}

/* Writes @v at byte @b of a held range through its pieces. */
static void sg_poke(const struct iodirty_sg *sg, uint64_t b, uint8_t v)
{
	size_t k = 0;

	while (b >= sg[k].length)
		b -= sg[k++].length;
	((uint8_t *)sg[k].addr)[b] = v;
}

/*
 * A write hold of pages [pg, pg + 2), from the writer's slot in @pg to its
 * slot in @pg + 1: writes its first 8 bytes and, when @all, its last 8
 * (the writer's own bytes both), and puts with written = the whole range
 * or 8 bytes.
 */
static int write_sg(struct round *r, int id, uint64_t pg, uint64_t *seed,
		    uint8_t v, int unmapped)
{
	uint64_t off = (uint64_t)id * SLOT + t_rand_below(seed, SLOT - 8);
	uint64_t len = P + 8;
	struct iodirty_sg sg[4];
	struct iodirty_sg_hold *h = NULL;
	struct hold_rec *hr = &r->holds[id][r->nholds[id]];
	bool all = t_rand_below(seed, 2);
	size_t n = 4, k;
	uint64_t left;
	uint32_t g;
	int rc;

	g = t_ticket(&r->race);
	started(r, pg, g);
	if (all)
		started(r, pg + 1, g);
	rc = iodirty_sg_get(r->dom, IOVA + pg * P + off, len, IODIRTY_SG_WRITE,
			    sg, &n, &h);
	if (rc == -ENOENT)
		return rc;
	if (rc) {
		TERR(r, "writer %d: sg_get: %d\n", id, rc);
		return rc;
	}
	if (unmapped)
		TERR(r, "writer %d: sg_get after the unmap returned 0\n", id);
	/* the first 8 and the last 8 bytes, through the pieces */
	left = len;
	for (k = 0; k < n; k++)
		left -= sg[k].length;
	if (left || n < 1) {
		TERR(r, "writer %d: sg pieces do not add up\n", id);
		iodirty_sg_put(r->dom, h, 0);
		return -EIO;
	}
	for (uint64_t b = 0; b < len; b++)
		if (b < 8 || (all && b >= len - 8))
			sg_poke(sg, b, v);
	hr->pg = (uint32_t)pg;
	hr->all = all;
	hr->g = g;
	hr->p = t_ticket(&r->race);
	hr->rc = iodirty_sg_put(r->dom, h, all ? len : 8);
	hr->l = t_ticket(&r->race);
	r->nholds[id]++;
	if (hr->rc == 0) {
		wrote(r, pg, hr->p, hr->l);
		if (all)
			wrote(r, pg + 1, hr->p, hr->l);
	} else if (hr->rc == -ESTALE) {
		atomic_fetch_add(&r->nstale, 1);
		atomic_fetch_add(&r->nsucc, 1);
	} else {
		TERR(r, "writer %d: sg_put: %d\n", id, hr->rc);
		return hr->rc;
	}
	return 0;
}

static void writer(void *ctx, int id, uint64_t seed)
{
	struct round *r = ctx;
	int after = 0;
	uint8_t buf[8];

	for (int i = 0; i < WR_ITERS && after < AFTER_ENOENT; i++) {
		uint64_t pg = t_rand_below(&seed, NPAGES - 1);
		uint64_t iova = own(id, pg, &seed);
		int done = atomic_load(&r->unmapped);
		int kind = (int)t_rand_below(&seed, r->sg ? 3 : 2);
		uint32_t s, l;
		int rc;

		memset(buf, i & 0xff, sizeof(buf));
		if (kind == W_VEC) {
			rc = write_vec(r, id, pg,
				       t_rand_below(&seed, NPAGES), &seed,
				       buf, done);
		} else if (kind == W_SG) {
			rc = write_sg(r, id, pg, &seed, (uint8_t)i, done);
		} else {
			s = t_ticket(&r->race);
			started(r, pg, s);
			rc = iodirty_dma_write(r->dom, iova, buf, sizeof(buf));
			l = t_ticket(&r->race);
			if (rc == 0) {
				if (done)
					TERR(r, "writer %d: write after the "
					     "unmap returned 0\n", id);
				wrote(r, pg, s, l);
			} else if (rc != -ENOENT) {
				TERR(r, "writer %d: dma_write: %d\n", id, rc);
			}
		}
		if (rc == -ENOENT)
			after += done;
		else if (rc)
			break;
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

/*
 * The unmap as iodirty_unmap_vec() (since 0.5): one segment per group of
 * r->ups pages, in a rotated order, so that segment i reports group
 * (i + rot) % groups; its bitmap is turned into the page-size layout of
 * r->ubm after the call, which the checks then read as for iodirty_unmap().
 */
static int unmap_as_vec(struct round *r)
{
	size_t groups = NPAGES / r->ups, rot = r->threshold % groups, failed;
	struct iodirty_unmap_seg segs[NPAGES] = { { 0, 0 } };
	uint64_t vbm[NPAGES / 64 + 1] = { 0 };
	int rc;

	for (size_t i = 0; i < groups; i++)
		segs[i] = (struct iodirty_unmap_seg){
			IOVA + ((i + rot) % groups) * r->ups * P, r->ups * P };
	rc = iodirty_unmap_vec(r->dom, segs, groups, vbm, &failed);
	for (size_t i = 0; i < groups; i++)
		if (t_bit(vbm, i))
			t_set_bit(r->ubm, (i + rot) % groups);
	if (!rc && failed != groups)
		TERR(r, "unmap_vec: failed %zu on success\n", failed);
	return rc;
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
	if (r->vec) {
		rc = unmap_as_vec(r);
		o.unmapped = NPAGES * P;
	} else {
		rc = iodirty_unmap(r->dom, IOVA, NPAGES * P, &o);
	}
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
	r->sg = t_caps.flags & IODIRTY_CAP_SG;
	for (int i = 0; i < NW; i++) {
		r->holds[i] = calloc(WR_ITERS, sizeof(struct hold_rec));
		assert_non_null(r->holds[i]);
	}
	r->ups = round % 3 == 2 ? 4 : 1;
	r->vec = round % 2 && (t_caps.flags & IODIRTY_CAP_MAP_VEC);
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
	/*
	 * Holds: a put that returned -ESTALE ran after the unmap began and
	 * its pages are in the unmap's report; one that returned 0 began
	 * before the unmap ended (else the hold was stale) and is checked
	 * with the writes above.
	 */
	for (int t = 0; t < NW; t++)
		for (uint32_t k = 0; k < r->nholds[t]; k++) {
			const struct hold_rec *hr = &r->holds[t][k];

			if (hr->rc == -ESTALE &&
			    (hr->l < r->u0 ||
			     !t_bit(r->ubm, hr->pg / r->ups) ||
			     !t_bit(r->ubm, (hr->pg + 1) / r->ups))) {
				print_error("round %d: hold of pages %u, %u "
					    "[G %u, P %u, L %u] put -ESTALE, "
					    "unmap [%u, %u] reported %d, "
					    "%d\n", round, hr->pg, hr->pg + 1,
					    hr->g, hr->p, hr->l, r->u0, r->u1,
					    t_bit(r->ubm, hr->pg / r->ups),
					    t_bit(r->ubm,
						  (hr->pg + 1) / r->ups));
				nlost++;
			}
			if (hr->rc == 0 && hr->p > r->u1) {
				print_error("round %d: hold of page %u put "
					    "[P %u] after the unmap [%u, %u] "
					    "returned 0\n", round, hr->pg,
					    hr->p, r->u0, r->u1);
				nlost++;
			}
		}
	/*
	 * Each unmap bit needs a write that returned after klast began, or a
	 * write hold of one of its pages that the unmap overlapped (got
	 * before the unmap ended, put after it began).
	 */
	for (uint64_t b = 0; b < NPAGES / r->ups; b++) {
		bool just = false;

		if (!t_bit(r->ubm, b))
			continue;
		for (uint64_t pg = b * r->ups; pg < (b + 1) * r->ups; pg++)
			if (atomic_load(&r->last_return[pg]) > klast_h)
				just = true;
		for (int t = 0; t < NW && !just; t++)
			for (uint32_t k = 0; k < r->nholds[t]; k++) {
				const struct hold_rec *hr = &r->holds[t][k];

				if (hr->g < r->u1 && hr->l > r->u0 &&
				    (hr->pg / r->ups == b ||
				     (hr->pg + 1) / r->ups == b)) {
					just = true;
					break;
				}
			}
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
	stats[3] += atomic_load(&r->nvec);
	for (int i = 0; i < NW; i++) {
		stats[4] += r->nholds[i];
		free(r->holds[i]);
	}
	stats[5] += atomic_load(&r->nstale);
	free(r->hv);
	free(r);
}

static void test_unmap_atomic(void **state)
{
	struct iodirty_domain *dom;
	uint8_t *ram;
	uint64_t seed, stats[6] = { 0, 0, 0, 0, 0, 0 };

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW |
		       IODIRTY_CAP_UNMAP_DIRTY_ATOMIC);
	if (!(t_caps.flags & IODIRTY_CAP_SG))
		print_message("backend lacks IODIRTY_CAP_SG: no holds\n");
	seed = t_seed("unmap_atomic", 0xa70a1c);
	dom = t_domain(40, 0);
	ram = t_ram(NPAGES * P, 0);
	assert_int_equal(iodirty_set_dirty_tracking(dom, true), 0);
	for (int round = 0; round < ROUNDS; round++)
		one_round(dom, ram, round, &seed, stats);
	printf("# %d rounds: %" PRIu64 " successful writes, %" PRIu64
	       " harvests, %" PRIu64 " bits in unmap reports; %" PRIu64
	       " writev calls, %" PRIu64 " holds put, %" PRIu64 " of them "
	       "stale\n", ROUNDS, stats[0], stats[1], stats[2], stats[3],
	       stats[4], stats[5]);
	/* some writes of each kind ran (how many holds went stale depends
	 * on the scheduling: printed, not checked) */
	assert_true(stats[3] > 0);
	if (t_caps.flags & IODIRTY_CAP_SG)
		assert_true(stats[4] > 0);
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
