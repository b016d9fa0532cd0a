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

	iod_write_lock(&iopt->lock);
	if (enable && !iopt->tracking) {
		ret = iod_dirty_init(&iopt->dirty,
				     iopt->p.iova_bits - iopt->p.granule_shift);
		iopt->tracking = !ret;
	} else if (!enable && iopt->tracking) {
		iod_dirty_fini(&iopt->dirty);
		iopt->tracking = false;
	}
	iod_write_unlock(&iopt->lock);
	return ret;
}

/* Argument checks shared by both reads; @bits is the address width. */
static int check_report(const struct iod_iopt *iopt, uint64_t addr,
			uint64_t length, uint64_t page_size,
			const uint64_t *bitmap, uint32_t flags,
			unsigned int bits)
{
	if (flags & ~IOD_READ_NO_CLEAR)
		return -EOPNOTSUPP;
	if (!bitmap || !iod_is_pow2(page_size) ||
	    page_size < (1ULL << iopt->p.granule_shift))
		return -EINVAL;
	return iopt_check_range(addr, length, page_size, bits);
}

static void count_read(struct iod_iopt *iopt, bool clear, uint64_t cleared)
{
	iod_atomic_add(&iopt->reads, 1);
	/* A hardware backend flushes the IOTLB once per clearing read. */
	if (clear && cleared)
		iod_atomic_add(&iopt->clears, 1);
}

int64_t iopt_dirty_harvest_iova(struct iod_iopt *iopt, uint64_t iova,
				uint64_t length, uint64_t page_size,
				uint64_t *bitmap, bool clear)
{
	unsigned int gs = iopt->p.granule_shift;
	uint64_t g0 = iova >> gs, n;

	n = iod_dirty_harvest_bitmap(&iopt->dirty, g0, g0 + (length >> gs),
				     iod_fls64(page_size) - gs, bitmap, clear);
	count_read(iopt, clear, n);
	return (int64_t)n;
}

int64_t iod_iopt_read_dirty(struct iod_iopt *iopt, uint64_t iova,
			    uint64_t length, uint64_t page_size,
			    uint64_t *bitmap, uint32_t flags)
{
	int64_t ret;

	ret = check_report(iopt, iova, length, page_size, bitmap, flags,
			   iopt->p.iova_bits);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	if (!iopt->tracking)
		ret = -ENODATA;
	else
		ret = iopt_dirty_harvest_iova(iopt, iova, length, page_size,
					      bitmap,
					      !(flags & IOD_READ_NO_CLEAR));
	iod_read_unlock(&iopt->lock);
	return ret;
}

/* Translates dirty granules of one area into user-address bitmap bits. */
struct uemit {
	uint64_t *out;
	uint64_t q0;		/* user page of bit 0 */
	unsigned int oshift;	/* log2(pages per bitmap bit) */
	unsigned int gp;	/* log2(pages per granule) */
	const struct iod_area *a;
	uint64_t i0, i1;	/* IOVA pages of the area inside the query */
	uint64_t newly;		/* bits turned from 0 to 1 */
};

static void uemit_fn(void *arg, uint64_t base, uint64_t mask)
{
	struct uemit *u = arg;

	while (mask) {
		uint64_t g = base + iod_ctz64(mask);
		uint64_t p0 = iod_max_u64(g << u->gp, u->i0);
		uint64_t p1 = iod_min_u64((g + 1) << u->gp, u->i1);
		uint64_t b0 = (u->a->ufirst + (p0 - u->a->first) - u->q0)
			      >> u->oshift;
		uint64_t b1 = (u->a->ufirst + (p1 - 1 - u->a->first) - u->q0)
			      >> u->oshift;

		mask &= mask - 1;
		for (; b0 <= b1; b0++) {
			uint64_t bit = 1ULL << (b0 & 63);

			if (!(u->out[b0 >> 6] & bit)) {
				u->out[b0 >> 6] |= bit;
				u->newly++;
			}
		}
	}
}

int64_t iod_iopt_read_dirty_uaddr(struct iod_iopt *iopt, uint64_t uaddr,
				  uint64_t length, uint64_t page_size,
				  uint64_t *bitmap, uint32_t flags)
{
	bool clear = !(flags & IOD_READ_NO_CLEAR);
	uint64_t q0, q1, cleared = 0;
	struct uemit u;
	struct iod_area *a;
	int64_t ret;

	ret = check_report(iopt, uaddr, length, page_size, bitmap, flags, 64);
	if (ret)
		return ret;
	q0 = uaddr >> IOD_PAGE_SHIFT;
	q1 = q0 + (length >> IOD_PAGE_SHIFT);
	u.out = bitmap;
	u.q0 = q0;
	u.oshift = iod_fls64(page_size) - IOD_PAGE_SHIFT;
	u.gp = gpshift(iopt);
	u.newly = 0;

	iod_read_lock(&iopt->lock);
	if (!iopt->tracking) {
		ret = -ENODATA;
		goto out;
	}
	for (a = iopt_uarea_first(iopt, q0, q1); a;
	     a = iopt_uarea_next(a, q0, q1)) {
		uint64_t u0 = iod_max_u64(a->ufirst, q0);
		uint64_t u1 = iod_min_u64(area_uend(a), q1);
		uint64_t g0, g1, c0, c1;

		u.a = a;
		u.i0 = a->first + (u0 - a->ufirst);
		u.i1 = u.i0 + (u1 - u0);
		g0 = u.i0 >> u.gp;
		g1 = ((u.i1 - 1) >> u.gp) + 1;
		/* Only granules wholly inside the query may be cleared. */
		c0 = (u.i0 + (1ULL << u.gp) - 1) >> u.gp;
		c1 = u.i1 >> u.gp;
		if (!clear || c0 >= c1) {
			iod_dirty_harvest(&iopt->dirty, g0, g1, false,
					  uemit_fn, &u);
			continue;
		}
		iod_dirty_harvest(&iopt->dirty, g0, c0, false, uemit_fn, &u);
		cleared += iod_dirty_harvest(&iopt->dirty, c0, c1, true,
					     uemit_fn, &u);
		iod_dirty_harvest(&iopt->dirty, c1, g1, false, uemit_fn, &u);
	}
	count_read(iopt, clear, cleared);
	ret = (int64_t)u.newly;
out:
	iod_read_unlock(&iopt->lock);
	return ret;
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
