// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * io-pagetable dirty state: tracking start/stop, read-and-clear in IOVA
 * space and in user-address space, and dropping the dirty bits of pages
 * that stop being mapped.
 */
#include "iopt_priv.h"

/* Pages per granule, as a shift. */
static unsigned int gpshift(const struct iod_iopt *iopt)
{
	return iopt->p.granule_shift - IOD_PAGE_SHIFT;
}

/* One past the last granule number of the IOVA space. */
static uint64_t granule_end(const struct iod_iopt *iopt)
{
	return 1ULL << (iopt->p.iova_bits - iopt->p.granule_shift);
}

uint64_t iopt_dirty_pending(struct iod_iopt *iopt)
{
	return iod_dirty_harvest(&iopt->dirty, 0, granule_end(iopt), false,
				 NULL, NULL);
}

int iod_iopt_set_tracking(struct iod_iopt *iopt, bool enable)
{
	int ret = 0;

	iopt_write_lock(iopt);
	if (enable && !iopt->tracking) {
		ret = iod_dirty_init(&iopt->dirty,
				     iopt->p.iova_bits - iopt->p.granule_shift);
		if (!ret) {
			/* Held writable ranges must be markable at their put. */
			iopt->tracking = true;
			ret = iopt_holds_prepare_all(iopt);
			if (ret) {
				iod_dirty_fini(&iopt->dirty);
				iopt->tracking = false;
			}
		}
		if (!ret)
			iopt_hw_tracking(iopt, true);
	} else if (!enable && iopt->tracking) {
		iod_dirty_fini(&iopt->dirty);
		iopt->tracking = false;
		iopt_hw_tracking(iopt, false);
	}
	iod_write_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_dirty_prepare(struct iod_iopt *iopt, uint64_t iova,
			   uint64_t length)
{
	unsigned int gs = iopt->p.granule_shift;
	int ret;

	ret = iod_check_range(iova, length, IOD_PAGE_SIZE, iopt->p.iova_bits);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	if (!iopt->tracking)
		ret = -ENODATA;
	else
		ret = iod_dirty_prepare(&iopt->dirty, iova >> gs,
					((iova + (length - 1)) >> gs) + 1);
	iod_read_unlock(&iopt->lock);
	return ret;
}

/* Argument checks shared by both bitmap reads. */
static int check_read(const struct iod_iopt *iopt, uint64_t addr,
		      uint64_t length, uint64_t page_size,
		      const uint64_t *bitmap, uint32_t flags, bool uaddr)
{
	if (flags & ~(IOD_READ_NO_CLEAR | IOD_READ_COUNT_ALL))
		return -EOPNOTSUPP;
	if (!bitmap)
		return -EINVAL;
	return iod_iopt_check_report(iopt, addr, length, page_size, uaddr);
}

int iod_iopt_check_report(const struct iod_iopt *iopt, uint64_t addr,
			  uint64_t length, uint64_t page_size, bool uaddr)
{
	if (!iod_is_pow2(page_size) ||
	    page_size < (1ULL << iopt->p.granule_shift))
		return -EINVAL;
	return iod_check_range(addr, length, page_size,
			       uaddr ? 64 : iopt->p.iova_bits);
}

void iod_iopt_count_read(struct iod_iopt *iopt,
			 const struct iod_read_count *cnt)
{
	iod_atomic_add(&iopt->reads, 1);
	/* A hardware backend flushes the IOTLB once per clearing read. */
	if (cnt->cleared)
		iod_atomic_add(&iopt->clears, 1);
}

/* What a whole read returns: the count its flags ask for. */
static int64_t read_result(const struct iod_read_count *cnt, uint32_t flags)
{
	/* At most length / page_size <= 2^52 bits: fits. */
	return (int64_t)((flags & IOD_READ_COUNT_ALL) ? cnt->found : cnt->set);
}

/* State of an IOVA report whose range is cut from its report pages. */
struct ireport {
	uint64_t *out;
	uint64_t gbase;		/* first granule of bit 0's report page */
	unsigned int oshift;	/* log2(granules per bitmap bit) */
	uint64_t last;		/* bit counted last in cnt->found */
	struct iod_read_count *cnt;
};

/* Granules arrive in increasing order, so a bit's come one after another. */
static void ireport_emit(void *arg, uint64_t base, uint64_t mask)
{
	struct ireport *r = arg;

	for (; mask; mask &= mask - 1) {
		uint64_t b = (base + iod_ctz64(mask) - r->gbase) >> r->oshift;
		uint64_t bit = 1ULL << (b & 63);

		if (b == r->last)
			continue;
		r->last = b;
		r->cnt->found++;
		if (!(r->out[b >> 6] & bit)) {
			r->out[b >> 6] |= bit;
			r->cnt->set++;
		}
	}
}

/*
 * Unmap report of a range that is not a multiple of @page_size: bit 0 is
 * the report page holding @iova. Granules wholly inside the range are
 * cleared; one cut by an edge also holds pages outside it, whose dirty
 * state must survive, so it is reported (its pages in the range may be
 * the dirty ones) and left for iopt_dirty_forget() once the unmap is done.
 */
static void report_cut(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		       uint64_t page_size, uint64_t *bitmap, bool clear,
		       struct iod_read_count *cnt)
{
	unsigned int gs = iopt->p.granule_shift;
	uint64_t gmask = (1ULL << gs) - 1, last = iova + (length - 1);
	uint64_t g0 = iova >> gs, g1 = (last >> gs) + 1;
	uint64_t c0 = g0 + ((iova & gmask) != 0);
	uint64_t c1 = g1 - (((last + 1) & gmask) != 0);
	struct iod_dirty *d = &iopt->dirty;
	struct ireport r;

	r.out = bitmap;
	r.gbase = (iova & ~(page_size - 1)) >> gs;
	r.oshift = iod_fls64(page_size) - gs;
	r.last = ~0ULL;
	r.cnt = cnt;
	if (c0 >= c1) {
		iod_dirty_harvest(d, g0, g1, false, ireport_emit, &r);
		return;
	}
	if (g0 < c0)
		iod_dirty_harvest(d, g0, c0, false, ireport_emit, &r);
	if (iod_dirty_harvest(d, c0, c1, clear, ireport_emit, &r) && clear)
		cnt->cleared = true;
	if (c1 < g1)
		iod_dirty_harvest(d, c1, g1, false, ireport_emit, &r);
}

bool iopt_report_cuts_granule(const struct iod_iopt *iopt, uint64_t iova,
			      uint64_t length)
{
	return ((iova | length) & ((1ULL << iopt->p.granule_shift) - 1)) != 0;
}

void iopt_dirty_report(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		       uint64_t page_size, uint64_t *bitmap, bool clear,
		       struct iod_read_count *cnt)
{
	unsigned int gs = iopt->p.granule_shift;
	uint64_t g0 = iova >> gs;
	struct iod_dirty_count dc = { 0, 0 };

	if ((iova | length) & (page_size - 1)) {
		report_cut(iopt, iova, length, page_size, bitmap, clear, cnt);
		return;
	}
	iod_dirty_harvest_count(&iopt->dirty, g0, g0 + (length >> gs),
				iod_fls64(page_size) - gs, bitmap, clear, &dc);
	cnt->set += dc.set;
	cnt->found += dc.found;
	/* A clearing harvest clears exactly what it finds. */
	if (clear && dc.found)
		cnt->cleared = true;
}

int iod_iopt_read_dirty_acc(struct iod_iopt *iopt, uint64_t iova,
			    uint64_t length, uint64_t page_size,
			    uint64_t *bitmap, uint32_t flags,
			    struct iod_read_count *cnt)
{
	int ret;

	ret = check_read(iopt, iova, length, page_size, bitmap, flags, false);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	if (!iopt->tracking)
		ret = -ENODATA;
	else
		iopt_dirty_report(iopt, iova, length, page_size, bitmap,
				  !(flags & IOD_READ_NO_CLEAR), cnt);
	iod_read_unlock(&iopt->lock);
	return ret;
}

int64_t iod_iopt_read_dirty(struct iod_iopt *iopt, uint64_t iova,
			    uint64_t length, uint64_t page_size,
			    uint64_t *bitmap, uint32_t flags)
{
	struct iod_read_count cnt = { 0, 0, false };
	int ret;

	ret = iod_iopt_read_dirty_acc(iopt, iova, length, page_size, bitmap,
				      flags, &cnt);
	if (ret)
		return ret;
	iod_iopt_count_read(iopt, &cnt);
	return read_result(&cnt, flags);
}

void iopt_present_runs(struct iod_iopt *iopt, uint64_t p0, uint64_t p1,
		       iopt_run_fn fn, void *arg)
{
	struct iod_area *a;

	for (a = iopt_area_from(iopt, p0); a && a->first < p1;
	     a = area_next(a)) {
		uint64_t s = iod_max_u64(a->first, p0);
		uint64_t e = iod_min_u64(area_end(a), p1);

		while (s < e) {
			uint64_t x;

			s = iod_holeset_next_present(&iopt->holes, s, e);
			if (s >= e)
				break;
			x = iod_holeset_next_hole(&iopt->holes, s, e);
			fn(arg, s, a->ufirst + (s - a->first), x - s);
			s = x;
		}
	}
}

/* State of a user-address report. */
struct ureport {
	struct iod_iopt *iopt;
	uint64_t *out;		/* NULL: clear only, report nothing */
	uint64_t q0, q1;	/* user pages queried; bit 0 is at q0 */
	unsigned int oshift;	/* log2(pages per bitmap bit) */
	unsigned int gp;	/* log2(pages per granule) */
	const struct iod_area *a;	/* area being harvested (gp == 0) */
	const struct iod_dirty_run *cover;	/* see struct iopt_uquery */
	size_t ncover;
	bool covered;		/* granule_covered() result */
	uint64_t newly;		/* bits turned from 0 to 1 */
};

/* Sets the bits of user pages [u, u + n) that lie inside the query. */
static void report_upages(void *arg, uint64_t page, uint64_t u, uint64_t n)
{
	struct ureport *r = arg;
	uint64_t b0, b1;

	(void)page;
	if (!r->out || u + n <= r->q0 || u >= r->q1)
		return;
	b0 = (iod_max_u64(u, r->q0) - r->q0) >> r->oshift;
	b1 = (iod_min_u64(u + n, r->q1) - 1 - r->q0) >> r->oshift;
	for (; b0 <= b1; b0++) {
		uint64_t bit = 1ULL << (b0 & 63);

		if (!(r->out[b0 >> 6] & bit)) {
			r->out[b0 >> 6] |= bit;
			r->newly++;
		}
	}
}

/*
 * Emits dirty granules. A granule of one page lies in the area being
 * harvested and is mapped (dirty bits only sit on mapped pages); a larger
 * one may hold holes and pages of other areas, so its mapped runs are
 * looked up and each reported where it lies in user memory.
 */
static void ureport_emit(void *arg, uint64_t base, uint64_t mask)
{
	struct ureport *r = arg;

	for (; mask; mask &= mask - 1) {
		uint64_t g = base + iod_ctz64(mask);

		if (!r->gp)
			report_upages(r, g, r->a->ufirst + (g - r->a->first),
				      1);
		else
			iopt_present_runs(r->iopt, g << r->gp,
					  (g + 1) << r->gp, report_upages, r);
	}
}

/* Do user pages [u, u + n) lie inside one of the sorted runs @c? */
static bool runs_cover(const struct iod_dirty_run *c, size_t nr, uint64_t u,
		       uint64_t n)
{
	size_t lo = 0, hi = nr;

	/* The last run that starts at or below u. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (c[mid].first <= u)
			lo = mid;
		else
			hi = mid;
	}
	return nr && c[lo].first <= u &&
	       u + n <= c[lo].first + c[lo].count;
}

static void check_covered(void *arg, uint64_t page, uint64_t u, uint64_t n)
{
	struct ureport *r = arg;

	(void)page;
	if (r->cover ? !runs_cover(r->cover, r->ncover, u, n) :
	    u < r->q0 || u + n > r->q1)
		r->covered = false;
}

/* Does every mapped page of granule @g map into the queried user range? */
static bool granule_covered(struct ureport *r, uint64_t g)
{
	r->covered = true;
	iopt_present_runs(r->iopt, g << r->gp, (g + 1) << r->gp, check_covered,
			  r);
	return r->covered;
}

/* Harvests granules [g, e) for the report; returns how many it cleared. */
static uint64_t ureport_harvest(struct ureport *r, uint64_t g, uint64_t e,
				bool clear)
{
	uint64_t n = iod_dirty_harvest(&r->iopt->dirty, g, e, clear,
				       ureport_emit, r);

	return clear ? n : 0;
}

/*
 * Harvests the granules of IOVA pages [i0, i1) of area @a, whose user
 * pages lie inside the query. Granules wholly inside [i0, i1) map only
 * into the query and may be cleared; one cut by an edge is cleared only if
 * all its mapped pages, whatever area holds them, map into the query.
 * Returns the number of granules cleared (not those only reported).
 */
static uint64_t ureport_area(struct ureport *r, const struct iod_area *a,
			     uint64_t i0, uint64_t i1, bool clear)
{
	uint64_t g0 = i0 >> r->gp, g1 = ((i1 - 1) >> r->gp) + 1;
	uint64_t c0 = (i0 + (1ULL << r->gp) - 1) >> r->gp;
	uint64_t c1 = i1 >> r->gp, n = 0;

	r->a = a;
	if (c0 >= c1) {
		/* No whole granule: one or two cut by the edges. */
		c0 = c1 = g1;
		if (g0 + 1 < g1) {
			n += ureport_harvest(r, g0, g0 + 1, clear &&
					     granule_covered(r, g0));
			g0++;
		}
	}
	if (g0 < c0)
		n += ureport_harvest(r, g0, c0, clear &&
				     granule_covered(r, g0));
	if (c0 < c1)
		n += ureport_harvest(r, c0, c1, clear);
	if (c1 < g1)
		n += ureport_harvest(r, c1, g1, clear &&
				     granule_covered(r, c1));
	return n;
}

/*
 * Moves a COUNT_ALL report from the scratch bitmap into the caller's,
 * counting the bits found and the bits turned on.
 */
static void ureport_merge(const uint64_t *scratch, uint64_t *out,
			  uint64_t words, struct iod_read_count *cnt)
{
	uint64_t i;

	for (i = 0; i < words; i++) {
		if (!scratch[i])
			continue;
		cnt->found += iod_popcount64(scratch[i]);
		cnt->set += iod_popcount64(scratch[i] & ~out[i]);
		out[i] |= scratch[i];
	}
}

uint64_t iopt_dirty_uaddr(struct iod_iopt *iopt, struct iopt_uquery *q,
			  bool clear)
{
	struct ureport r;
	struct iod_area *a;
	uint64_t cleared = 0;

	r.iopt = iopt;
	r.out = q->bitmap;
	r.q0 = q->q0;
	r.q1 = q->q1;
	r.oshift = q->oshift;
	r.gp = gpshift(iopt);
	r.cover = q->cover;
	r.ncover = q->ncover;
	r.newly = 0;
	for (a = iopt_uarea_first(iopt, r.q0, r.q1); a;
	     a = iopt_uarea_next(a, r.q0, r.q1)) {
		uint64_t u0 = iod_max_u64(a->ufirst, r.q0);
		uint64_t u1 = iod_min_u64(area_uend(a), r.q1);
		uint64_t i0 = a->first + (u0 - a->ufirst);

		cleared += ureport_area(&r, a, i0, i0 + (u1 - u0), clear);
	}
	q->newly = r.newly;
	return cleared;
}

int iod_iopt_read_dirty_uaddr_acc(struct iod_iopt *iopt, uint64_t uaddr,
				  uint64_t length, uint64_t page_size,
				  uint64_t *bitmap, uint32_t flags,
				  struct iod_read_count *cnt)
{
	bool clear = !(flags & IOD_READ_NO_CLEAR);
	struct iopt_uquery q = { .bitmap = bitmap };
	uint64_t *scratch = NULL, words = 0, cleared = 0;
	int ret;

	ret = check_read(iopt, uaddr, length, page_size, bitmap, flags, true);
	if (ret)
		return ret;
	q.q0 = uaddr >> IOD_PAGE_SHIFT;
	q.q1 = q.q0 + (length >> IOD_PAGE_SHIFT);
	q.oshift = iod_fls64(page_size) - IOD_PAGE_SHIFT;
	if (flags & IOD_READ_COUNT_ALL) {
		/*
		 * Aliases and large granules reach one bit several times, in
		 * no order: the bits found are told apart from the caller's
		 * in a bitmap of this call's own.
		 */
		words = ((length >> (q.oshift + IOD_PAGE_SHIFT)) + 63) / 64;
		scratch = iod_zalloc((size_t)words * sizeof(uint64_t));
		if (!scratch)
			return -ENOMEM;
		q.bitmap = scratch;
	}

	iod_read_lock(&iopt->lock);
	if (!iopt->tracking) {
		ret = -ENODATA;
		goto out;
	}
	cleared = iopt_dirty_uaddr(iopt, &q, clear);
out:
	iod_read_unlock(&iopt->lock);
	if (!ret) {
		if (scratch)
			ureport_merge(scratch, bitmap, words, cnt);
		else
			cnt->set += q.newly;
		if (cleared)
			cnt->cleared = true;
	}
	iod_free(scratch);
	return ret;
}

int64_t iod_iopt_read_dirty_uaddr(struct iod_iopt *iopt, uint64_t uaddr,
				  uint64_t length, uint64_t page_size,
				  uint64_t *bitmap, uint32_t flags)
{
	struct iod_read_count cnt = { 0, 0, false };
	int ret;

	ret = iod_iopt_read_dirty_uaddr_acc(iopt, uaddr, length, page_size,
					    bitmap, flags, &cnt);
	if (ret)
		return ret;
	iod_iopt_count_read(iopt, &cnt);
	return read_result(&cnt, flags);
}

/* Clears granule @g if none of its pages is mapped any more. */
static void forget_if_empty(struct iod_iopt *iopt, uint64_t g)
{
	unsigned int gp = gpshift(iopt);

	if (!iopt_present_pages(iopt, g << gp, (g + 1) << gp))
		iod_dirty_harvest(&iopt->dirty, g, g + 1, true, NULL, NULL);
}

void iopt_dirty_forget(struct iod_iopt *iopt, uint64_t first, uint64_t end)
{
	unsigned int gp = gpshift(iopt);
	uint64_t g0 = first >> gp, g1 = ((end - 1) >> gp) + 1;
	uint64_t c0 = (first + (1ULL << gp) - 1) >> gp, c1 = end >> gp;

	if (c0 < c1) {
		iod_dirty_harvest(&iopt->dirty, c0, c1, true, NULL, NULL);
		if (g0 < c0)
			forget_if_empty(iopt, g0);
		if (c1 < g1)
			forget_if_empty(iopt, c1);
		return;
	}
	/* No granule wholly inside: one or two partly covered ones. */
	forget_if_empty(iopt, g0);
	if (g1 - 1 != g0)
		forget_if_empty(iopt, g1 - 1);
}

struct dirty_check {
	struct iod_iopt *iopt;
	bool bad;
};

static void check_emit(void *arg, uint64_t base, uint64_t mask)
{
	struct dirty_check *c = arg;
	unsigned int gp = gpshift(c->iopt);

	for (; mask; mask &= mask - 1) {
		uint64_t g = base + iod_ctz64(mask);

		if (!iopt_present_pages(c->iopt, g << gp, (g + 1) << gp))
			c->bad = true;
	}
}

int iopt_dirty_check(struct iod_iopt *iopt)
{
	struct dirty_check c = { .iopt = iopt, .bad = false };

	iod_dirty_harvest(&iopt->dirty, 0, granule_end(iopt), false, check_emit,
			  &c);
	return c.bad ? -EUCLEAN : 0;
}
