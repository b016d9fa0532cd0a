// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommufd backend: dirty tracking and reads.
 *
 * Every read first harvests: it moves what the HWPTs recorded into the
 * mirror's bitmap, then reads the mirror, which reports exactly the range
 * asked for, in IOVA or user-address space, merged with software DMA. The
 * harvest never lets the kernel write to the caller's bitmap and only asks
 * it for ranges whose edges no IOPTE crosses, since GET_DIRTY_BITMAP
 * handles an IOPTE across an edge badly (docs/backends.md has the list, by
 * kernel version):
 * - it reads mapped IOVA only, one area at a time: IOPTEs never cross an
 *   area, and 6.12.117 and older ignore errors over holes;
 * - within an area a read is widened to the device's span alignment (the
 *   largest IOPTE its IOMMU may use: 1 GiB, or the whole area where that
 *   is not known), where the kernel would otherwise shift the bits of an
 *   IOPTE across the start, record one across the end past the range
 *   (6.12.117: written past the bitmap; 6.12.118: -EPROTO) and, on a
 *   clearing read, clear all of such an IOPTE, reporting part or none;
 * - it reads into a private zeroed buffer with slack.
 * Bits harvested for pages outside the range asked for are not lost: they
 * wait in the mirror for the read that covers them.
 *
 * Should an IOPTE be larger than the span all the same (max_iopte set too
 * small, a driver that breaks alignment), the kernel shows it when the
 * IOPTE crosses a read's end: -EPROTO, or bits in the slack. The dirty
 * IOPTE was then cleared without being recorded (if the read cleared), and
 * which pages it covered is unknown: the library marks the whole area
 * dirty (should memory run out, before any later harvest: settle_owed()),
 * reads the device's whole areas from then on, and counts the event
 * (stats.hw_read_overflows). Over-reporting costs a migration a re-copy;
 * losing a page corrupts the guest. A NO_CLEAR probe before each clearing
 * read could not prevent the loss: an IOPTE still clean at the probe may
 * be written before the clear.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommufd.h"
#include "iommufd_uapi.h"

/* One GET_DIRTY_BITMAP covers at most this much (a 512 KiB bitmap)... */
#define CHUNK_SHIFT	34u
/* ...unless the span is larger: a read never ends inside a span. */

/*
 * Hardware bitmaps are read into a buffer aligned to the kernel's page
 * size P, one word in, with 2 P of slack after the bitmap. 6.12.117
 * records an IOPTE across a read's end into the pages of the bitmap it
 * pinned: the bitmap's pages plus one, since it never starts on a page
 * boundary, so the bits land in the slack (never past it) and always
 * show: at least the word after the bitmap is pinned.
 */
struct hbuf {
	uint64_t *base;		/* page-aligned allocation */
	size_t bytes;		/* its size */
	size_t page;		/* P */
};

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

/* True if any of bits [@from, @words * 64) of @bm is set. */
static bool bits_from(const uint64_t *bm, uint64_t from, size_t words)
{
	size_t i = from / 64;

	if (i >= words)
		return false;
	if (bm[i] >> (from % 64))
		return true;
	while (++i < words)
		if (bm[i])
			return true;
	return false;
}

/* Words of bitmap a read of @len bytes needs. */
static size_t bitmap_words(uint64_t len)
{
	return (size_t)(((len >> IOD_PAGE_SHIFT) + 63) / 64);
}

/* Makes room for @words of bitmap and the slack; returns the bitmap. */
static uint64_t *buf_get(struct hbuf *b, size_t words, size_t *slack_words)
{
	size_t need = (1 + words) * 8 + 2 * b->page;
	void *p;

	if (words > (SIZE_MAX - 2 * b->page) / 8 - 1)
		return NULL;
	if (b->bytes < need) {
		if (posix_memalign(&p, b->page, need))
			return NULL;
		free(b->base);
		b->base = p;
		b->bytes = need;
	}
	*slack_words = 2 * b->page / 8;
	memset(b->base, 0, need);
	return b->base + 1;
}

/* The largest read: a CHUNK, or one whole span if spans are larger. */
static uint64_t chunk_of(uint32_t span_shift)
{
	return 1ULL << (span_shift > CHUNK_SHIFT ? span_shift : CHUNK_SHIFT);
}

/*
 * Reads HWPT @hwpt_id over [first, last], whose edges are area edges or
 * span boundaries, in reads that end at multiples of @chunk (0: one read).
 * Stops at the first read that shows an IOPTE crossing its end, and sets
 * *overflow: the bits such a read did record are kept if it cleared (they
 * are gone from the HWPT), not if it did not (they may be shifted, and
 * are still in the HWPT).
 */
static int harvest_span(struct iodirty_domain *dom, uint32_t hwpt_id,
			uint64_t first, uint64_t last, uint64_t chunk,
			bool no_clear, struct hbuf *b, bool *overflow)
{
	struct iofd_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.flags = no_clear ? IOFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0,
		.page_size = IOD_PAGE_SIZE,
	};
	struct iod_iopt *mirror = &iofd_dom(dom)->mirror;
	uint64_t pos = first, end, npages, *bm;
	size_t words, slack;
	int ret;

	for (;;) {
		end = chunk ? (pos & ~(chunk - 1)) + (chunk - 1) : last;
		if (end < pos || end > last)	/* wrapped, or past @last */
			end = last;
		cmd.iova = pos;
		cmd.length = end - pos + 1;
		npages = cmd.length >> IOD_PAGE_SHIFT;
		words = bitmap_words(cmd.length);
		bm = buf_get(b, words, &slack);
		if (!bm)
			return -ENOMEM;
		cmd.data = (uint64_t)(uintptr_t)bm;
		/*
		 * A clearing read takes the bits out of the hardware: make
		 * room for them in the mirror first, so that keeping them
		 * cannot fail afterwards.
		 */
		ret = no_clear ? 0 : iod_iopt_dirty_prepare(mirror, pos,
							    cmd.length);
		if (!ret)
			ret = iodirty_dev_ioctl(iofd_fd(dom),
					 IOFD_HWPT_GET_DIRTY_BITMAP, &cmd);
		if (ret == -EPROTO ||
		    (!ret && bits_from(bm, npages, words + slack))) {
			*overflow = true;
			return no_clear ? 0 : mark_runs(mirror, pos, bm,
							npages);
		}
		if (!ret)
			ret = mark_runs(mirror, pos, bm, npages);
		if (ret || end == last)
			return ret;
		pos = end + 1;
	}
}

/* [first, last] widened to 2^@shift boundaries, then clipped to the area. */
static void span_of(uint32_t shift, uint64_t a_first, uint64_t a_last,
		    uint64_t first, uint64_t last, uint64_t *s, uint64_t *l)
{
	uint64_t mask = shift >= 64 ? ~0ULL : (1ULL << shift) - 1;
	uint64_t ws = first & ~mask;
	uint64_t wl = last | mask;

	*s = ws > a_first ? ws : a_first;
	*l = wl < a_last ? wl : a_last;
}

/*
 * Marks what an overflow may have cleared unrecorded: the mapped part of
 * the domain's owed range (the area it happened in; the area may have been
 * unmapped or replaced since). Until that succeeds every harvest fails
 * with -ENOMEM and keeps the debt, so nothing is lost for lack of memory.
 */
static int settle_owed(struct iofd_dom *d)
{
	uint64_t pos = d->owed_first, last, a_first, a_u, a_len, s, l;
	int ret;

	if (!d->owed_len)
		return 0;
	last = d->owed_first + (d->owed_len - 1);
	while (!iod_iopt_next_area(&d->mirror, pos, &a_first, &a_u, &a_len) &&
	       a_first <= last) {
		s = a_first > pos ? a_first : pos;
		l = a_first + (a_len - 1) < last ? a_first + (a_len - 1) : last;
		ret = iod_iopt_dirty_prepare(&d->mirror, s, l - s + 1);
		if (!ret)
			ret = iod_iopt_mark_dirty(&d->mirror, s, l - s + 1);
		if (ret)
			return ret;
		if (l == last)
			break;
		pos = l + 1;
	}
	d->owed_len = 0;
	return 0;
}

/*
 * Harvests device @dev's HWPT over the part of [first, last] in area
 * [a_first, a_last], widened to its span; on an overflow, recovers as the
 * comment at the top says. The mirror keeps areas whole (keep_areas: no
 * holes), so a whole area can be marked.
 */
static int harvest_area(struct iodirty_domain *dom, struct iofd_dev *dev,
			uint64_t a_first, uint64_t a_last, uint64_t first,
			uint64_t last, bool no_clear, struct hbuf *b)
{
	struct iofd_dom *d = iofd_dom(dom);
	bool overflow, whole = dev->span_shift >= IOFD_SPAN_AREA;
	/* A granule is read whole too: a user-address read reports it. */
	uint32_t shift = dev->span_shift > dom->params.granule_shift ?
			 dev->span_shift : dom->params.granule_shift;
	uint64_t s, l;
	int ret;

	span_of(whole ? IOFD_SPAN_AREA : shift, a_first, a_last, first, last,
		&s, &l);
	for (;;) {
		overflow = false;
		ret = harvest_span(dom, dev->hwpt_id, s, l,
				   whole ? 0 : chunk_of(shift), no_clear, b,
				   &overflow);
		if (ret || !overflow)
			return ret;
		__atomic_fetch_add(&d->hw_read_overflows, 1, __ATOMIC_RELAXED);
		/*
		 * A clearing read lost a dirty IOPTE somewhere in the area.
		 * A whole-area read cannot overflow unless the driver
		 * records past the IOPTEs of a mapping: then too the area,
		 * all marked, is the best there is.
		 */
		if (!no_clear || whole) {
			d->owed_first = a_first;
			d->owed_len = a_last - a_first + 1;
			ret = settle_owed(d);
			if (ret || whole)
				return ret;
		}
		dev->span_shift = IOFD_SPAN_AREA;
		whole = true;
		s = a_first;
		l = a_last;
	}
}

int iofd_harvest_locked(struct iodirty_domain *dom, const struct iofd_dev *one,
			uint64_t first, uint64_t last, bool no_clear)
{
	struct iofd_dom *d = iofd_dom(dom);
	uint64_t pos = first, a_first, a_uaddr, a_len, a_last;
	struct hbuf b = { NULL, 0, 0 };
	long page;
	size_t i;
	int ret;

	if (!iod_iopt_tracking(&d->mirror) || !d->nr_devs)
		return 0;
	ret = settle_owed(d);
	if (ret)
		return ret;
	page = sysconf(_SC_PAGESIZE);
	b.page = page >= 4096 ? (size_t)page : 4096;
	while (!iod_iopt_next_area(&d->mirror, pos, &a_first, &a_uaddr,
				   &a_len) && a_first <= last) {
		a_last = a_first + a_len - 1;
		for (i = 0; i < d->nr_devs && !ret; i++) {
			if (one && d->devs[i].dev_id != one->dev_id)
				continue;
			ret = harvest_area(dom, &d->devs[i], a_first, a_last,
					   first > a_first ? first : a_first,
					   last < a_last ? last : a_last,
					   no_clear, &b);
		}
		if (ret || a_last >= last)
			break;
		pos = a_last + 1;
	}
	free(b.base);
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
	if (enable == iod_iopt_tracking(&d->mirror))
		return 0;
	ret = iod_iopt_set_tracking(&d->mirror, enable);
	if (ret)
		return ret;
	for (i = 0; i < d->nr_devs; i++) {
		ret = iofd_hwpt_tracking(fd, d->devs[i].hwpt_id, enable);
		if (ret && enable)
			break;
	}
	if (!enable) {
		d->owed_len = 0;
		return 0;	/* stopping discards all: errors change nothing */
	}
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
	 * not clear it; each harvest is widened to the granule at least (see
	 * harvest_area()), so its bits are all in the mirror.
	 */
	if (iod_iopt_tracking(&d->mirror) && d->nr_devs && length &&
	    uaddr + (length - 1) >= uaddr)
		ret = harvest_uaddr_locked(dom, uaddr, uaddr + (length - 1),
					   flags & IODIRTY_READ_NO_CLEAR);
	if (!ret)
		ret = iod_iopt_read_dirty_uaddr(&d->mirror, uaddr, length,
						page_size, bitmap, flags);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/*
 * Extents: the devices' dirty bits of the range are moved into the mirror
 * first, as for the bitmap reads (a clearing hardware read keeps what it
 * cleared there), and the mirror is read as extents. What lies past the
 * resume point stays dirty in the mirror, so nothing is lost that was not
 * returned.
 */
int64_t iofd_read_extents(struct iodirty_domain *dom, uint64_t addr,
			  uint64_t length, uint64_t page_size,
			  struct iodirty_extent *ext, size_t nr,
			  uint64_t *next, uint32_t flags)
{
	struct iofd_dom *d = iofd_dom(dom);
	bool no_clear = flags & IODIRTY_READ_NO_CLEAR;
	int64_t ret = 0;

	pthread_mutex_lock(&d->lock);
	/* A malformed range or flag is left to the mirror read to refuse. */
	if (!(flags & ~(IODIRTY_READ_NO_CLEAR | IODIRTY_READ_UADDR)) &&
	    length && addr + (length - 1) >= addr) {
		if (!(flags & IODIRTY_READ_UADDR))
			ret = iofd_harvest_locked(dom, NULL, addr,
						  addr + (length - 1),
						  no_clear);
		else if (iod_iopt_tracking(&d->mirror) && d->nr_devs)
			ret = harvest_uaddr_locked(dom, addr,
						   addr + (length - 1),
						   no_clear);
	}
	if (!ret)
		ret = iod_iopt_read_extents(&d->mirror, addr, length,
					    page_size,
					    (struct iod_dirty_run *)ext, nr,
					    next, flags);
	pthread_mutex_unlock(&d->lock);
	return ret;
}
