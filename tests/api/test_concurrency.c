// SPDX-License-Identifier: MIT
/*
 * The concurrency oracle: no DMA write or mark-dirty is ever lost by
 * concurrent read-and-clear harvests, and nothing is reported that was not
 * written (or was already reported).
 *
 * Four writers DMA-write (and sometimes write through a translated pointer
 * and then mark-dirty) random units (granules), some their own, some
 * shared. Since 0.4 they also write two units at once with
 * iodirty_dma_writev() (two segments), and through zero-copy holds
 * (iodirty_sg_get() with IODIRTY_SG_WRITE over two units, a write through
 * the pieces, iodirty_sg_put() of the first unit's bytes or of the whole
 * range): the put marks, so its write starts (S) just before the put and
 * has returned (L) after it; a harvest that reported a held unit before
 * the put would be unjustified. One harvester reads-and-clears in a loop, alternating the full
 * range with random partial ranges (some of them read through the RAM
 * behind the range with iodirty_read_dirty_uaddr()); since 0.5 every third
 * harvest reads extents through a 3-entry array, resuming until the range
 * is done (iodirty_read_extents()). Optionally another
 * thread maps, writes, reads and unmaps a separate range next to it all
 * the while, checking that range exactly.
 *
 * Every event takes a ticket from one global counter: a write takes one
 * when it starts (S) and one after it has returned (L); a harvest one when
 * it starts (H) and one after it has returned (E). Tickets are totally
 * ordered: "harvest ended before the write started" is E < S, "harvest
 * started after the write returned" is H > L. Every write and every
 * reported bit is logged, and afterwards:
 *  - every write (u, S, L) is reported by a harvest with E > S, and the
 *    first such report comes no later than the first full-range harvest
 *    with H > L (which had to report it: no write is lost);
 *  - every report of unit u by harvest k is justified by a write with
 *    S < E(k) that had not returned before the previous harvest covering
 *    u started (nothing is invented or reported twice).
 * All loops are bounded by iteration counts, not by time.
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
#define NW 4			/* writer threads */
#define NUNITS 1024		/* report units (granules) in range 1 */
#define WRITES 100000		/* per writer */
#define MAX_HARVESTS 200000
#define MAX_REPORTS (4u << 20)
#define BASE1 (1ULL << 32)
#define R2_PAGES 64
#define MAPPER_ROUNDS 400
#define WREC_MAX (2 * WRITES)	/* records per writer: up to 2 per write */

struct wrec {
	uint32_t u, s, l;
};

struct harvest {
	uint32_t h, e;
	uint32_t lo, hi;		/* units [lo, hi) */
	uint32_t rep0, nrep;		/* reports[rep0 .. rep0 + nrep) */
};

struct conc {
	struct iodirty_domain *dom;
	uint64_t granule;
	int gp;				/* pages per unit */
	uint8_t *ram1, *ram2;
	uint64_t base2;
	bool uaddr;			/* some partial harvests by RAM */
	struct t_race race;
	struct wrec *wlog[NW];
	uint32_t nwlog[NW];
	uint32_t iters[NW];		/* writes completed per writer */
	bool sg;			/* the backend has IODIRTY_CAP_SG */
	bool extents;			/* ... IODIRTY_CAP_EXTENTS */
	bool final;			/* the last harvest: its own room */
	_Atomic uint32_t nkind[4];	/* writes of each kind */
	/* harvester-only */
	struct harvest *hv;
	uint32_t nhv;
	uint16_t *reports;
	uint32_t nreports;
	uint32_t productive;
};

#define TERR(c, ...) T_RACE_ERR(&(c)->race, __VA_ARGS__)

enum { K_DMA, K_MARK, K_VEC, K_SG };

/* A writer's own bytes in unit @u. */
static uint64_t own(const struct conc *c, int id, uint64_t u, uint64_t *seed)
{
	return BASE1 + u * c->granule + (uint64_t)id * (P / NW) +
	       t_rand_below(seed, P / NW - 16);
}

static void logw(struct conc *c, int id, uint64_t u, uint32_t s, uint32_t l)
{
	struct wrec *w = &c->wlog[id][c->nwlog[id]++];

	w->u = (uint32_t)u;
	w->s = s;
	w->l = l;
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
 * A write hold from the writer's bytes in unit @u to its bytes in unit
 * @u + 1: writes the first 16 bytes and, when @all, the last 16, and puts
 * with written = 16 (unit @u) or the whole range (both units).
 */
static int write_sg(struct conc *c, int id, uint64_t u, uint64_t *seed,
		    uint8_t v)
{
	uint64_t iova = own(c, id, u, seed), len = c->granule + 16;
	bool all = t_rand_below(seed, 2);
	struct iodirty_sg sg[4];
	struct iodirty_sg_hold *h = NULL;
	size_t n = 4;
	uint64_t sum = 0;
	uint32_t s, l;
	int rc;

	rc = iodirty_sg_get(c->dom, iova, len, IODIRTY_SG_WRITE, sg, &n, &h);
	if (rc)
		return rc;
	for (size_t k = 0; k < n; k++)
		sum += sg[k].length;
	if (sum != len) {
		TERR(c, "writer %d: sg pieces add up to %" PRIu64 "\n", id,
		     sum);
		iodirty_sg_put(c->dom, h, 0);
		return -EIO;
	}
	for (uint64_t b = 0; b < len; b++)
		if (b < 16 || (all && b >= len - 16))
			sg_poke(sg, b, v);
	s = t_ticket(&c->race);
	rc = iodirty_sg_put(c->dom, h, all ? len : 16);
	l = t_ticket(&c->race);
	if (rc)
		return rc;
	logw(c, id, u, s, l);
	if (all)
		logw(c, id, u + 1, s, l);
	return 0;
}

static void writer(void *ctx, int id, uint64_t seed)
{
	struct conc *c = ctx;
	uint8_t buf[16];

	for (int i = 0; i < WRITES; i++) {
		uint64_t u, u2, iova;
		int kind = (int)t_rand_below(&seed, 8);
		uint32_t s, l;
		int rc;

		if (t_rand_below(&seed, 2))
			u = (uint64_t)id + NW * t_rand_below(&seed,
							      NUNITS / NW);
		else
			u = t_rand_below(&seed, NUNITS);
		/* each writer has its own bytes in a unit: the races are on
		 * the dirty state, not on the data */
		iova = own(c, id, u, &seed);
		memset(buf, (int)(i & 0xff), sizeof(buf));
		/* 1/8 translate and mark, 2/8 writev, 2/8 holds, else DMA */
		kind = kind == 0 ? K_MARK : kind <= 2 ? K_VEC :
		       kind <= 4 && c->sg && u + 1 < NUNITS ? K_SG : K_DMA;
		if (kind == K_SG) {
			rc = write_sg(c, id, u, &seed, (uint8_t)i);
		} else if (kind == K_VEC) {
			struct iodirty_dma_seg seg[2];
			uint64_t done = 0;

			u2 = t_rand_below(&seed, NUNITS);
			seg[0] = (struct iodirty_dma_seg){ iova, 16, buf };
			seg[1] = (struct iodirty_dma_seg){
				own(c, id, u2, &seed), 16, buf };
			s = t_ticket(&c->race);
			rc = iodirty_dma_writev(c->dom, seg, 2, &done);
			l = t_ticket(&c->race);
			if (!rc && done != 32) {
				TERR(c, "writer %d: writev done %" PRIu64
				     "\n", id, done);
				rc = -EIO;
			}
			if (!rc) {
				logw(c, id, u, s, l);
				logw(c, id, u2, s, l);
			}
		} else {
			s = t_ticket(&c->race);
			if (kind == K_MARK) {
				void *p;

				rc = iodirty_translate(c->dom, iova, &p, NULL);
				if (!rc) {
					memcpy(p, buf, sizeof(buf));
					rc = iodirty_mark_dirty(c->dom, iova,
								sizeof(buf));
				}
			} else {
				rc = iodirty_dma_write(c->dom, iova, buf,
						       sizeof(buf));
			}
			l = t_ticket(&c->race);
			if (!rc)
				logw(c, id, u, s, l);
		}
		if (rc) {
			TERR(c, "writer %d: write (kind %d) at 0x%" PRIx64
			     ": %d\n", id, kind, iova, rc);
			break;
		}
		atomic_fetch_add(&c->nkind[kind], 1);
		c->iters[id] = (uint32_t)i + 1;
		/* let the harvester in on 2 cores */
		if (i % 128 == 127)
			sched_yield();
	}
}

/*
 * A harvest of [addr, addr + len) as extents, a few at a time, into @bm
 * (one bit per granule): returns the bits set, or a negative errno.
 */
static int64_t read_by_extents(struct conc *c, uint64_t addr, uint64_t len,
			       bool uaddr, uint64_t *bm)
{
	struct iodirty_extent ext[3];
	uint64_t pos = addr, next;
	int64_t n, total = 0;

	while (pos != addr + len) {
		n = iodirty_read_extents(c->dom, pos, addr + len - pos,
					 c->granule, ext, 3, &next,
					 uaddr ? IODIRTY_READ_UADDR : 0);
		if (n < 0)
			return n;
		for (int64_t i = 0; i < n; i++) {
			uint64_t b = (ext[i].start - addr) / c->granule;
			uint64_t e = b + ext[i].length / c->granule;

			for (; b < e; b++)
				t_set_bit(bm, b);
			total += (int64_t)(ext[i].length / c->granule);
		}
		pos = next;
	}
	return total;
}

/*
 * One harvest of units [lo, hi), in IOVA space or (@uaddr) through the RAM
 * behind them; logs it. False when the log is full; the final harvest
 * has room of its own (c->final).
 */
static bool harvest(struct conc *c, uint32_t lo, uint32_t hi, bool uaddr)
{
	uint64_t bm[NUNITS / 64 + 1];
	struct harvest *h = &c->hv[c->nhv];
	int64_t rc;
	uint32_t n = 0;

	if (!c->final && (c->nhv >= MAX_HARVESTS ||
			  c->nreports + NUNITS > MAX_REPORTS))
		return false;
	memset(bm, 0, sizeof(bm));
	h->lo = lo;
	h->hi = hi;
	h->rep0 = c->nreports;
	h->h = t_ticket(&c->race);
	if (c->extents && c->nhv % 3 == 1)
		rc = read_by_extents(c, uaddr ? (uint64_t)(uintptr_t)c->ram1 +
				     lo * c->granule : BASE1 + lo * c->granule,
				     (hi - lo) * c->granule, uaddr, bm);
	else if (uaddr)
		rc = iodirty_read_dirty_uaddr(c->dom,
					      c->ram1 + lo * c->granule,
					      (hi - lo) * c->granule,
					      c->granule, bm, 0);
	else
		rc = iodirty_read_dirty(c->dom, BASE1 + lo * c->granule,
					(hi - lo) * c->granule, c->granule, bm,
					0);
	h->e = t_ticket(&c->race);
	if (rc < 0) {
		TERR(c, "harvest [%u, %u): %lld\n", lo, hi, (long long)rc);
		return false;
	}
	for (uint32_t i = 0; i < hi - lo; i++) {
		if (!t_bit(bm, i))
			continue;
		c->reports[c->nreports++] = (uint16_t)(lo + i);
		n++;
	}
	if (n != (uint64_t)rc)
		TERR(c, "harvest returned %lld, bitmap has %u bits\n",
		     (long long)rc, n);
	h->nrep = n;
	c->productive += n != 0;
	c->nhv++;
	return true;
}

static void *harvester(void *arg)
{
	struct conc *c = arg;
	uint64_t seed = 0x4a7e57;
	bool ok = true;

	while (ok && atomic_load(&c->race.writers_done) < NW) {
		if (c->nhv % 2 == 0) {
			ok = harvest(c, 0, NUNITS, false);
		} else {
			uint32_t lo = (uint32_t)t_rand_below(&seed, NUNITS);
			uint32_t hi = lo + 1 + (uint32_t)t_rand_below(&seed,
								NUNITS - lo);

			ok = harvest(c, lo, hi, c->uaddr && c->nhv % 4 == 3);
		}
		if (c->nhv % 16 == 0) {
			/* stats and lists run in parallel with DMA too */
			struct iodirty_stats st = IODIRTY_OPTS(iodirty_stats);
			struct iodirty_range rg[4];
			size_t n = 4;

			if (iodirty_domain_stats(c->dom, &st) ||
			    st.tracking != 1 ||
			    iodirty_iova_ranges(c->dom, rg, &n))
				TERR(c, "harvester: stats or ranges failed\n");
			sched_yield();
		}
	}
	return NULL;
}

/* Maps, writes, reads and unmaps range 2; checks it exactly. */
static void *mapper(void *arg)
{
	struct conc *c = arg;
	uint64_t seed = 0x3a99e7;
	uint8_t v = 0x11;

	for (int round = 0; round < MAPPER_ROUNDS; round++) {
		uint64_t bm[2] = { 0, 0 }, exp[2] = { 0, 0 };
		struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
		int rc;

		rc = iodirty_map(c->dom, c->base2, c->ram2, R2_PAGES * P, RW);
		if (rc) {
			TERR(c, "mapper: map: %d\n", rc);
			break;
		}
		for (int i = 0; i < 8; i++) {
			uint64_t pg = t_rand_below(&seed, R2_PAGES);

			if (iodirty_dma_write(c->dom, c->base2 + pg * P, &v, 1))
				TERR(c, "mapper: dma_write failed\n");
			t_set_bit(exp, pg / (uint64_t)c->gp);
		}
		if (round % 3 == 0) {
			/* a NO_CLEAR read must see exactly these */
			int64_t n = iodirty_read_dirty(c->dom, c->base2,
						       R2_PAGES * P, c->granule,
						       bm,
						       IODIRTY_READ_NO_CLEAR);

			if (n < 0 || memcmp(bm, exp, sizeof(bm)))
				TERR(c, "mapper: read %lld: 0x%" PRIx64
				     " expected 0x%" PRIx64 "\n",
				     (long long)n, bm[0], exp[0]);
			memset(bm, 0, sizeof(bm));
		}
		if (round % 2 == 0) {
			o.page_size = c->granule;
			o.dirty_bitmap = bm;
		}
		rc = iodirty_unmap(c->dom, c->base2, R2_PAGES * P, &o);
		if (rc || o.unmapped != R2_PAGES * P)
			TERR(c, "mapper: unmap: %d, %" PRIu64 " bytes\n", rc,
			     o.unmapped);
		if (o.dirty_bitmap && memcmp(bm, exp, sizeof(bm)))
			TERR(c, "mapper: unmap report 0x%" PRIx64 " expected "
			     "0x%" PRIx64 "\n", bm[0], exp[0]);
		if (atomic_load(&c->race.errors))
			break;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the oracle                                                         */

static int cmp_wrec(const void *a, const void *b)
{
	const struct wrec *x = a, *y = b;

	if (x->u != y->u)
		return x->u < y->u ? -1 : 1;
	return x->s < y->s ? -1 : x->s > y->s;
}

/* First harvest index k in [0, n) with hv[k].e > s (n if none). */
static uint32_t first_ending_after(const struct conc *c, uint32_t s)
{
	uint32_t lo = 0, hi = c->nhv;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->hv[mid].e > s)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* First full harvest starting after @l (index into c->hv). */
static uint32_t first_full_after(const struct conc *c, const uint32_t *full,
				 uint32_t nfull, uint32_t l)
{
	uint32_t lo = 0, hi = nfull;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->hv[full[mid]].h > l)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < nfull ? full[lo] : UINT32_MAX;
}

static void check_oracle(struct conc *c, uint64_t *lost_out,
			 uint64_t *unjust_out, uint64_t *nwrites_out)
{
	uint32_t *full = calloc(c->nhv + 1, sizeof(*full));
	uint32_t *rstart = calloc(NUNITS + 1, sizeof(*rstart));
	uint32_t *rk = calloc(c->nreports + 1, sizeof(*rk));
	uint32_t *fill = calloc(NUNITS, sizeof(*fill));
	uint32_t *wstart = calloc(NUNITS + 1, sizeof(*wstart));
	uint32_t *wmaxl;
	struct wrec *w;
	uint64_t nw = 0, lost = 0, unjust = 0;
	uint32_t nfull = 0, i;

	assert_true(full && rstart && rk && fill && wstart);
	for (uint32_t k = 0; k < c->nhv; k++)
		if (c->hv[k].lo == 0 && c->hv[k].hi == NUNITS)
			full[nfull++] = k;
	/* reports by unit, in harvest order */
	for (uint32_t k = 0; k < c->nhv; k++)
		for (uint32_t j = 0; j < c->hv[k].nrep; j++)
			rstart[c->reports[c->hv[k].rep0 + j] + 1]++;
	for (i = 0; i < NUNITS; i++)
		rstart[i + 1] += rstart[i];
	for (uint32_t k = 0; k < c->nhv; k++)
		for (uint32_t j = 0; j < c->hv[k].nrep; j++) {
			uint16_t u = c->reports[c->hv[k].rep0 + j];

			rk[rstart[u] + fill[u]++] = k;
		}
	/* writes by unit, ordered by S, with a running max of L */
	for (int t = 0; t < NW; t++)
		nw += c->nwlog[t];
	w = calloc(nw + 1, sizeof(*w));
	wmaxl = calloc(nw + 1, sizeof(*wmaxl));
	assert_true(w && wmaxl);
	nw = 0;
	for (int t = 0; t < NW; t++) {
		memcpy(w + nw, c->wlog[t], c->nwlog[t] * sizeof(*w));
		nw += c->nwlog[t];
	}
	qsort(w, nw, sizeof(*w), cmp_wrec);
	for (uint64_t j = 0; j < nw; j++)
		wstart[w[j].u + 1]++;
	for (i = 0; i < NUNITS; i++)
		wstart[i + 1] += wstart[i];
	for (uint64_t j = 0; j < nw; j++)
		wmaxl[j] = j > wstart[w[j].u] && wmaxl[j - 1] > w[j].l ?
			   wmaxl[j - 1] : w[j].l;

	/* 1. no write lost */
	for (uint64_t j = 0; j < nw; j++) {
		uint32_t u = w[j].u;
		uint32_t ke = first_ending_after(c, w[j].s);
		uint32_t ks = first_full_after(c, full, nfull, w[j].l);
		uint32_t lo = rstart[u], hi = rstart[u + 1];

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (rk[mid] >= ke)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (lo == rstart[u + 1] || rk[lo] > ks) {
			if (lost < 10)
				print_error("unit %u: write [S %u, L %u] not "
					    "reported by full harvest %u "
					    "[H %u, E %u] nor before it "
					    "(first report after S: %d)\n", u,
					    w[j].s, w[j].l, ks,
					    ks < c->nhv ? c->hv[ks].h : 0,
					    ks < c->nhv ? c->hv[ks].e : 0,
					    lo < rstart[u + 1] ?
					    (int)rk[lo] : -1);
			lost++;
		}
	}
	/* 2. every report justified */
	for (i = 0; i < NUNITS; i++) {
		for (uint32_t r = rstart[i]; r < rstart[i + 1]; r++) {
			uint32_t k = rk[r], e = c->hv[k].e, hprev = 0;
			uint32_t lo = wstart[i], hi = wstart[i + 1];
			int64_t kp;

			/* previous harvest that covered unit i */
			for (kp = (int64_t)k - 1; kp >= 0; kp--)
				if (c->hv[kp].lo <= i && i < c->hv[kp].hi)
					break;
			if (kp >= 0)
				hprev = c->hv[kp].h;
			/* writes of unit i with S < e: [wstart[i], lo) */
			while (lo < hi) {
				uint32_t mid = lo + (hi - lo) / 2;

				if (w[mid].s < e)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo == wstart[i] || wmaxl[lo - 1] <= hprev) {
				if (unjust < 10)
					print_error("unit %u reported by harvest"
						    " %u [H %u, E %u] without a "
						    "write since harvest %lld "
						    "[H %u]\n", i, k,
						    c->hv[k].h, e,
						    (long long)kp, hprev);
				unjust++;
			}
		}
	}
	*lost_out = lost;
	*unjust_out = unjust;
	*nwrites_out = nw;
	free(full);
	free(rstart);
	free(rk);
	free(fill);
	free(wstart);
	free(w);
	free(wmaxl);
}

static void run(uint64_t granule, bool with_mapper)
{
	struct conc *c = calloc(1, sizeof(*c));
	const t_thread_fn others[] = { harvester, mapper };
	uint64_t seeds[NW], lost, unjust, nw;

	assert_non_null(c);
	c->granule = granule;
	c->gp = (int)(granule / P);
	c->hv = calloc(MAX_HARVESTS + 1, sizeof(*c->hv));
	c->reports = calloc(MAX_REPORTS + NUNITS, sizeof(*c->reports));
	assert_non_null(c->hv);
	assert_non_null(c->reports);
	for (int i = 0; i < NW; i++) {
		c->wlog[i] = calloc(WREC_MAX, sizeof(struct wrec));
		assert_non_null(c->wlog[i]);
	}
	c->sg = t_caps.flags & IODIRTY_CAP_SG;
	c->extents = t_caps.flags & IODIRTY_CAP_EXTENTS;
	if (!c->sg)
		print_message("backend lacks IODIRTY_CAP_SG: no holds\n");
	c->dom = t_domain(40, granule);
	c->uaddr = t_caps.flags & IODIRTY_CAP_UADDR_REPORT;
	c->ram1 = t_ram(NUNITS * granule, granule);
	c->ram2 = t_ram(R2_PAGES * P, 0);
	/* range 2 just after range 1: shares dirty-bitmap structures */
	c->base2 = BASE1 + NUNITS * granule + 4 * granule;
	assert_int_equal(iodirty_map(c->dom, BASE1, c->ram1, NUNITS * granule,
				     RW), 0);
	assert_int_equal(iodirty_set_dirty_tracking(c->dom, true), 0);

	for (int i = 0; i < NW; i++)
		seeds[i] = 0xc0ffee00 + (uint64_t)i + granule;
	t_race_run(&c->race, c, others, 1 + with_mapper, writer, NW, seeds);
	/*
	 * The final harvest, after every writer has returned, in room kept
	 * for it: overwriting the last record would orphan its reports.
	 */
	c->final = true;
	assert_true(harvest(c, 0, NUNITS, false));
	assert_int_equal(atomic_load(&c->race.errors), 0);

	check_oracle(c, &lost, &unjust, &nw);
	printf("# granule %" PRIu64 "%s: %" PRIu64 " unit writes (%u DMA, %u "
	       "mark, %u writev, %u holds), %u harvests (%u non-empty), %u "
	       "bits reported; lost %" PRIu64 ", unjustified %" PRIu64 "\n",
	       granule, with_mapper ? " with mapper" : "", nw,
	       atomic_load(&c->nkind[K_DMA]), atomic_load(&c->nkind[K_MARK]),
	       atomic_load(&c->nkind[K_VEC]), atomic_load(&c->nkind[K_SG]),
	       c->nhv, c->productive, c->nreports, lost, unjust);
	fflush(stdout);
	/* every writer made all its writes, each kind some */
	for (int i = 0; i < NW; i++)
		assert_int_equal(c->iters[i], WRITES);
	assert_true(nw >= (uint64_t)NW * WRITES);
	assert_true(atomic_load(&c->nkind[K_VEC]) > 0);
	assert_true(atomic_load(&c->nkind[K_MARK]) > 0);
	if (c->sg)
		assert_true(atomic_load(&c->nkind[K_SG]) > 0);
	assert_int_equal(lost, 0);
	assert_int_equal(unjust, 0);
	T_EQ(t_dirty_count(c->dom, BASE1, NUNITS * granule), 0);

	iodirty_domain_destroy(c->dom);
	t_ram_free(c->ram1, NUNITS * granule);
	t_ram_free(c->ram2, R2_PAGES * P);
	for (int i = 0; i < NW; i++)
		free(c->wlog[i]);
	free(c->hv);
	free(c->reports);
	free(c);
}

static void test_writers_harvester(void **state)
{
	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW);
	run(4096, false);
}

static void test_writers_harvester_mapper(void **state)
{
	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW);
	run(4096, true);
}

static void test_writers_harvester_16k(void **state)
{
	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW);
	if (!(t_caps.granules & 16384))
		TC_SKIP("granule 16384 not supported\n");
	run(16384, true);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writers_harvester),
		cmocka_unit_test(test_writers_harvester_mapper),
		cmocka_unit_test(test_writers_harvester_16k),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_concurrency", tests, NULL, NULL);
	t_fini();
	return rc;
}
