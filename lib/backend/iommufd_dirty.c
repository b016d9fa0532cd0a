// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommufd backend: dirty tracking and reads.
 *
 * Every read first harvests: it moves what the HWPTs recorded into the
 * mirror's bitmap, then reads the mirror, which reports exactly the range
 * asked for, in IOVA or user-address space, merged with software DMA. The
 * harvest never lets the kernel write to the caller's bitmap and only asks
 * it for ranges its GET_DIRTY_BITMAP handles correctly in 6.12:
 * - it reads mapped IOVA only, one area at a time: the kernel ignores
 *   errors over holes and past the end of a mapping, reporting nothing;
 * - a span starts at the area's start or at a 1 GiB boundary and ends at
 *   the area's end or at one: IOPTEs (at most 1 GiB, aligned, never across
 *   an area) then never cross the span's edges, where the kernel would
 *   shift the bits of a huge IOPTE that starts before the span, write bits
 *   past the span for one that ends after it, and clear the whole IOPTE on
 *   a read of part of it;
 * - it reads into a private zeroed buffer with slack, should a driver
 *   still write past the end.
 * Bits harvested for pages outside the range asked for are not lost: they
 * wait in the mirror for the read that covers them.
 */
#include <stdlib.h>
#include <string.h>

#include "iommufd.h"
#include "iommufd_uapi.h"

/* The largest IOPTE handled: spans are aligned to it. */
#define SPAN_SHIFT	30u
#define SPAN		(1ULL << SPAN_SHIFT)
/* One GET_DIRTY_BITMAP covers at most this much (a 512 KiB bitmap). */
#define CHUNK		(16 * SPAN)
/* Room for one 1 GiB IOPTE's bits written past the end. */
#define SLACK_BYTES	((SPAN >> IOD_PAGE_SHIFT) / 8 + 8)
#define BUF_BYTES	((CHUNK >> IOD_PAGE_SHIFT) / 8 + 8 + SLACK_BYTES)

int iofd_hwpt_tracking(int fd, uint32_t hwpt_id, bool enable)
{
	struct iofd_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = enable ? IOFD_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = hwpt_id,
	};

	return iodirty_dev_ioctl(fd, IOFD_HWPT_SET_DIRTY_TRACKING, &cmd);
}

/* Marks each run of set bits among the first @npages of @bm at @iova. */
static int mark_runs(struct iod_iopt *mirror, uint64_t iova,
		     const uint64_t *bm, uint64_t npages)
{
	uint64_t i = 0, run;
	int ret;

	while (i < npages) {
		uint64_t w = bm[i / 64] >> (i % 64);

		if (!w) {
			i = (i | 63) + 1;
			continue;
		}
		i += (uint64_t)__builtin_ctzll(w);
		if (i >= npages)
			break;
		for (run = i; run < npages && (bm[run / 64] >> (run % 64)) & 1;
		     run++)
			;
		ret = iod_iopt_mark_dirty(mirror, iova + (i << IOD_PAGE_SHIFT),
					  (run - i) << IOD_PAGE_SHIFT);
		if (ret)
			return ret;
		i = run;
	}
	return 0;
}

/*
 * Reads HWPT @hwpt_id over [first, last], whose edges are area edges or
 * 1 GiB boundaries, in chunks that end at 1 GiB boundaries.
 */
static int harvest_span(struct iodirty_domain *dom, uint32_t hwpt_id,
			uint64_t first, uint64_t last, bool no_clear,
			uint64_t *buf)
{
	struct iofd_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.flags = no_clear ? IOFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0,
		.page_size = IOD_PAGE_SIZE,
		.data = (uint64_t)(uintptr_t)buf,
	};
	uint64_t pos = first, end;
	int ret;

	for (;;) {
		end = (pos & ~(CHUNK - 1)) + (CHUNK - 1);
		if (end < pos || end > last)	/* wrapped, or past @last */
			end = last;
		cmd.iova = pos;
		cmd.length = end - pos + 1;
		memset(buf, 0, (cmd.length >> IOD_PAGE_SHIFT) / 8 + 8 +
			       SLACK_BYTES);
		/*
		 * A clearing read takes the bits out of the hardware: make
		 * room for them in the mirror first, so that keeping them
		 * cannot fail afterwards.
		 */
		ret = no_clear ? 0 :
		      iod_iopt_dirty_prepare(&iofd_dom(dom)->mirror, pos,
					     cmd.length);
		if (!ret)
			ret = iodirty_dev_ioctl(iofd_fd(dom),
					 IOFD_HWPT_GET_DIRTY_BITMAP, &cmd);
		if (!ret)
			ret = mark_runs(&iofd_dom(dom)->mirror, pos, buf,
					cmd.length >> IOD_PAGE_SHIFT);
		if (ret || end == last)
			return ret;
		pos = end + 1;
	}
}

/* [first, last] widened to SPAN boundaries, then clipped to the area. */
static void span_of(uint64_t a_first, uint64_t a_last, uint64_t first,
		    uint64_t last, uint64_t *s, uint64_t *l)
{
	uint64_t ws = first & ~(SPAN - 1);
	uint64_t wl = last | (SPAN - 1);

	*s = ws > a_first ? ws : a_first;
	*l = wl < a_last ? wl : a_last;
}

int iofd_harvest_locked(struct iodirty_domain *dom, const struct iofd_dev *one,
			uint64_t first, uint64_t last, bool no_clear)
{
	struct iofd_dom *d = iofd_dom(dom);
	uint64_t pos = first, a_first, a_uaddr, a_len, a_last, s, l;
	uint64_t *buf = NULL;
	size_t i;
	int ret = 0;

	if (!d->mirror.tracking || !d->nr_devs)
		return 0;
	while (!iod_iopt_next_area(&d->mirror, pos, &a_first, &a_uaddr,
				   &a_len) && a_first <= last) {
		a_last = a_first + a_len - 1;
		span_of(a_first, a_last, first, last, &s, &l);
		if (!buf) {
			buf = malloc(BUF_BYTES);
			if (!buf)
				return -ENOMEM;
		}
		for (i = 0; i < d->nr_devs && !ret; i++) {
			if (one && d->devs[i].dev_id != one->dev_id)
				continue;
			ret = harvest_span(dom, d->devs[i].hwpt_id, s, l,
					   no_clear, buf);
		}
		if (ret || a_last >= last)
			break;
		pos = a_last + 1;
	}
	free(buf);
	return ret;
}

static int set_tracking_locked(struct iodirty_domain *dom, bool enable)
{
	struct iofd_dom *d = iofd_dom(dom);
	int fd = iofd_fd(dom);
	size_t i;
	int ret;

	/*
	 * Only on a change: iommufd's ENABLE clears the HWPT's bits, so a
	 * second start would lose what was not read yet.
	 */
	if (enable == d->mirror.tracking)
		return 0;
	ret = iod_iopt_set_tracking(&d->mirror, enable);
	if (ret)
		return ret;
	for (i = 0; i < d->nr_devs; i++) {
		ret = iofd_hwpt_tracking(fd, d->devs[i].hwpt_id, enable);
		if (ret && enable)
			break;
	}
	if (!enable)
		return 0;	/* stopping discards all: errors change nothing */
	if (ret) {
		while (i--)
			iofd_hwpt_tracking(fd, d->devs[i].hwpt_id, false);
		iod_iopt_set_tracking(&d->mirror, false);
	}
	return ret;
}

int iofd_set_tracking(struct iodirty_domain *dom, bool enable)
{
	struct iofd_dom *d = iofd_dom(dom);
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = set_tracking_locked(dom, enable);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int64_t iofd_read_dirty(struct iodirty_domain *dom, uint64_t iova,
			uint64_t length, uint64_t page_size, uint64_t *bitmap,
			uint32_t flags)
{
	struct iofd_dom *d = iofd_dom(dom);
	int64_t ret = 0;

	pthread_mutex_lock(&d->lock);
	/* A malformed range is left to the mirror read to refuse. */
	if (length && iova + (length - 1) >= iova)
		ret = iofd_harvest_locked(dom, NULL, iova, iova + (length - 1),
					  flags & IODIRTY_READ_NO_CLEAR);
	if (!ret)
		ret = iod_iopt_read_dirty(&d->mirror, iova, length, page_size,
					  bitmap, flags);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* Harvests the IOVA of every area that maps into user [ufirst, ulast]. */
static int harvest_uaddr_locked(struct iodirty_domain *dom, uint64_t ufirst,
				uint64_t ulast, bool no_clear)
{
	struct iofd_dom *d = iofd_dom(dom);
	uint64_t pos = 0, a_first, a_u, a_len, a_ulast, s, l;
	int ret;

	while (!iod_iopt_next_area(&d->mirror, pos, &a_first, &a_u, &a_len)) {
		a_ulast = a_u + (a_len - 1);
		if (a_u <= ulast && a_ulast >= ufirst) {
			s = a_first + ((a_u > ufirst ? a_u : ufirst) - a_u);
			l = a_first + ((a_ulast < ulast ? a_ulast : ulast) -
				       a_u);
			ret = iofd_harvest_locked(dom, NULL, s, l, no_clear);
			if (ret)
				return ret;
		}
		if (a_first + (a_len - 1) == ~0ULL)
			break;
		pos = a_first + a_len;
	}
	return 0;
}

int64_t iofd_read_dirty_uaddr(struct iodirty_domain *dom, uint64_t uaddr,
			      uint64_t length, uint64_t page_size,
			      uint64_t *bitmap, uint32_t flags)
{
	struct iofd_dom *d = iofd_dom(dom);
	int64_t ret = 0;

	pthread_mutex_lock(&d->lock);
	/*
	 * The mirror reports a granule that sticks out of the range but does
	 * not clear it; the 1 GiB widening of each harvest covers any granule
	 * the caps allow (at most 1 GiB), so its bits are all in the mirror.
	 */
	if (d->mirror.tracking && d->nr_devs && length &&
	    uaddr + (length - 1) >= uaddr)
		ret = harvest_uaddr_locked(dom, uaddr, uaddr + (length - 1),
					   flags & IODIRTY_READ_NO_CLEAR);
	if (!ret)
		ret = iod_iopt_read_dirty_uaddr(&d->mirror, uaddr, length,
						page_size, bitmap, flags);
	pthread_mutex_unlock(&d->lock);
	return ret;
}
