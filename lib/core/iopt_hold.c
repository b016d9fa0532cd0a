// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Held ranges: zero-copy DMA for device emulators (iodirty_sg_get() and
 * iodirty_sg_put()). A hold is taken under the read lock like any DMA, but
 * the device writes through its pointers after the lock is dropped, so the
 * pages are marked only at the release. What an unmap does to a held range
 * is therefore this file's business: it must not lose a write the device
 * made before the unmap returned. The unmap makes the hold stale and, when
 * it reports dirty pages, reports the held writable pages it removes,
 * written or not; the release then marks only pages still mapped and says
 * -ESTALE. Holds are few and short-lived: a list under a mutex is enough.
 */
#include "iopt_priv.h"

static uint64_t hold_first(const struct iod_hold *h)
{
	return h->iova >> IOD_PAGE_SHIFT;
}

static uint64_t hold_end(const struct iod_hold *h)
{
	return ((h->iova + (h->length - 1)) >> IOD_PAGE_SHIFT) + 1;
}

/* Bytes of the hold that lie in pages [first, end), as an IOVA range. */
static bool hold_overlap(const struct iod_hold *h, uint64_t first,
			 uint64_t end, uint64_t *iova, uint64_t *length)
{
	uint64_t lo, hi;

	if (hold_end(h) <= first || hold_first(h) >= end)
		return false;
	lo = iod_max_u64(h->iova, first << IOD_PAGE_SHIFT);
	/* Last byte: the hold's, or the last of page end - 1. */
	hi = iod_min_u64(h->iova + (h->length - 1),
			 (end << IOD_PAGE_SHIFT) - 1);
	*iova = lo;
	*length = hi - lo + 1;
	return true;
}

/*
 * Allocates the dirty state of the granules of the mapped pages of bytes
 * [iova, iova + length) and, with @mark, marks them; stops at the first
 * allocation failure. Only mapped pages: a stale hold's range may have
 * lost some (or all) of its pages, which have no dirty state and no leaf.
 */
static int present_granules(struct iod_iopt *iopt, uint64_t iova,
			    uint64_t length, bool mark)
{
	uint64_t p0 = iova >> IOD_PAGE_SHIFT;
	uint64_t p1 = ((iova + (length - 1)) >> IOD_PAGE_SHIFT) + 1;
	struct iod_area *a;
	int ret;

	for (a = iopt_area_from(iopt, p0); a && a->first < p1;
	     a = area_next(a)) {
		uint64_t s = iod_max_u64(a->first, p0);
		uint64_t e = iod_min_u64(area_end(a), p1);

		while (s < e) {
			uint64_t x, g0, g1;

			s = iod_holeset_next_present(&iopt->holes, s, e);
			if (s >= e)
				break;
			x = iod_holeset_next_hole(&iopt->holes, s, e);
			iopt_write_granules(iopt, s << IOD_PAGE_SHIFT,
					    (x - s) << IOD_PAGE_SHIFT, &g0,
					    &g1);
			ret = iod_dirty_prepare(&iopt->dirty, g0, g1);
			if (ret)
				return ret;
			if (mark)
				iopt_count(iopt, IOD_CNT_DIRTIED,
					   iod_dirty_mark(&iopt->dirty, g0,
							  g1));
			s = x;
		}
	}
	return 0;
}

static int mark_present(struct iod_iopt *iopt, uint64_t iova,
			uint64_t length)
{
	return present_granules(iopt, iova, length, true);
}

/* Allocates the dirty state a later mark of the bytes will need. */
static int prepare_bytes(struct iod_iopt *iopt, uint64_t iova,
			 uint64_t length)
{
	return present_granules(iopt, iova, length, false);
}

int iod_iopt_hold(struct iod_iopt *iopt, struct iod_hold *h, uint64_t iova,
		  uint64_t length, bool write, iod_piece_fn piece, void *arg)
{
	int ret;

	ret = iod_check_range(iova, length, 1, iopt->p.iova_bits);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	ret = iopt_check_mapped(iopt, iova >> IOD_PAGE_SHIFT,
				((iova + (length - 1)) >> IOD_PAGE_SHIFT) + 1,
				write ? IOD_PROT_WRITE : IOD_PROT_READ);
	if (!ret && write && iopt->tracking) {
		uint64_t g0, g1;

		/* Every page was just found mapped: no walk of the runs. */
		iopt_write_granules(iopt, iova, length, &g0, &g1);
		ret = iod_dirty_prepare(&iopt->dirty, g0, g1);
	}
	if (!ret)
		ret = iopt_for_each_piece(iopt, iova, length, piece, arg);
	if (!ret) {
		h->iova = iova;
		h->length = length;
		h->write = write;
		h->stale = false;
		h->prev = NULL;
		iod_mutex_lock(&iopt->holds_lock);
		h->next = iopt->holds;
		if (h->next)
			h->next->prev = h;
		iopt->holds = h;
		iod_mutex_unlock(&iopt->holds_lock);
	}
	iod_read_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_release(struct iod_iopt *iopt, struct iod_hold *h,
		     uint64_t written)
{
	bool stale;

	if (written > h->length || (written && !h->write))
		return -EINVAL;
	iod_read_lock(&iopt->lock);
	iod_mutex_lock(&iopt->holds_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		iopt->holds = h->next;
	if (h->next)
		h->next->prev = h->prev;
	stale = h->stale;
	iod_mutex_unlock(&iopt->holds_lock);
	/*
	 * Not stale: every page is still mapped and its dirty state was
	 * allocated when the hold was taken or tracking started, so this
	 * cannot fail. Stale: what was unmapped was reported by the unmap
	 * (see iopt_holds_unmap()); pages mapped since cost a spurious bit.
	 */
	if (written && iopt->tracking)
		(void)mark_present(iopt, h->iova, written);
	if (written)
		iopt_count(iopt, IOD_CNT_DMA_WRITTEN, written);
	iod_read_unlock(&iopt->lock);
	return stale ? -ESTALE : 0;
}

int iopt_holds_unmap_prepare(struct iod_iopt *iopt, uint64_t first,
			     uint64_t end, bool report)
{
	struct iod_hold *h;
	uint64_t iova, length;
	int ret = 0;

	if (!report || !iopt->tracking)
		return 0;
	iod_mutex_lock(&iopt->holds_lock);
	for (h = iopt->holds; h && !ret; h = h->next)
		if (h->write && hold_overlap(h, first, end, &iova, &length))
			ret = prepare_bytes(iopt, iova, length);
	iod_mutex_unlock(&iopt->holds_lock);
	return ret;
}

void iopt_holds_unmap(struct iod_iopt *iopt, uint64_t first, uint64_t end,
		      bool report)
{
	struct iod_hold *h;
	uint64_t iova, length;

	iod_mutex_lock(&iopt->holds_lock);
	for (h = iopt->holds; h; h = h->next) {
		if (!hold_overlap(h, first, end, &iova, &length))
			continue;
		h->stale = true;
		/* Allocated by iopt_holds_unmap_prepare(): cannot fail. */
		if (report && h->write && iopt->tracking)
			(void)mark_present(iopt, iova, length);
	}
	iod_mutex_unlock(&iopt->holds_lock);
}

int iopt_holds_prepare_all(struct iod_iopt *iopt)
{
	struct iod_hold *h;
	int ret = 0;

	iod_mutex_lock(&iopt->holds_lock);
	for (h = iopt->holds; h && !ret; h = h->next)
		if (h->write)
			ret = prepare_bytes(iopt, h->iova, h->length);
	iod_mutex_unlock(&iopt->holds_lock);
	return ret;
}
