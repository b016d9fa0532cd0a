// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The kmod backend's dirty state: tracking on and off, dirty reports (by
 * IOVA and by user address) and the software DMA that marks pages dirty:
 * single, vectored (DMA_RWV) and zero-copy through held ranges (SG_GET,
 * SG_PUT). The report of an unmap is in kmod_map.c.
 */
#include <stdlib.h>

#include "kmod.h"

/*
 * Where the public arrays have the uAPI's layout (64-bit pointers), the
 * caller's array goes to the module as it is: no copy on the DMA path.
 * Elsewhere it is converted through a temporary array.
 */
#define KMOD_SEG_LAYOUT_SAME						\
	(sizeof(void *) == sizeof(uint64_t) &&				\
	 sizeof(struct iodirty_dma_seg) == sizeof(struct iodirty_dma_vec) && \
	 offsetof(struct iodirty_dma_seg, iova) ==			\
	 offsetof(struct iodirty_dma_vec, iova) &&			\
	 offsetof(struct iodirty_dma_seg, length) ==			\
	 offsetof(struct iodirty_dma_vec, length) &&			\
	 offsetof(struct iodirty_dma_seg, buf) ==			\
	 offsetof(struct iodirty_dma_vec, data))
#define KMOD_SG_LAYOUT_SAME						\
	(sizeof(void *) == sizeof(uint64_t) &&				\
	 sizeof(struct iodirty_sg) == sizeof(struct iodirty_sg_piece) &&	\
	 offsetof(struct iodirty_sg, addr) ==				\
	 offsetof(struct iodirty_sg_piece, uaddr) &&			\
	 offsetof(struct iodirty_sg, length) ==				\
	 offsetof(struct iodirty_sg_piece, length))

_Static_assert(IODIRTY_SG_WRITE == (unsigned int)IODIRTY_SG_GET_WRITE,
	       "sg flags");

/* Public read flags are translated, not passed through: the uAPI's bit 1
 * (IODIRTY_DIRTY_UADDR) is no public read flag. */
#define KMOD_READ_FLAGS (IODIRTY_READ_NO_CLEAR | IODIRTY_READ_COUNT_ALL)

int kmod_set_tracking(struct iodirty_domain *dom, bool enable)
{
	struct iodirty_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = enable ? IODIRTY_TRACKING_ENABLE : 0,
		.ioas_id = kmod_id(dom),
	};

	return iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_SET_DIRTY_TRACKING, &cmd);
}

/* GET_DIRTY_BITMAP; @uflags adds uAPI flags the public ones cannot name. */
static int64_t get_dirty_bitmap(struct iodirty_domain *dom, uint64_t addr,
				uint64_t length, uint64_t page_size,
				uint64_t *bitmap, uint32_t flags,
				uint32_t uflags)
{
	struct iodirty_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.flags = uflags,
		.ioas_id = kmod_id(dom),
		.iova = addr,
		.length = length,
		.page_size = page_size,
		.data = (uintptr_t)bitmap,
	};
	int ret;

	/* First, as in the core, so that errors come in the same order. */
	if (flags & ~KMOD_READ_FLAGS)
		return -EOPNOTSUPP;
	if (flags & IODIRTY_READ_NO_CLEAR)
		cmd.flags |= IODIRTY_DIRTY_NO_CLEAR;
	if (flags & IODIRTY_READ_COUNT_ALL) {
		/* A module before uAPI 3 would refuse the flag: ask it not. */
		if (kmod_uapi_version(dom) < 3)
			return -EOPNOTSUPP;
		cmd.flags |= IODIRTY_DIRTY_COUNT_ALL;
	}
	ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_GET_DIRTY_BITMAP, &cmd);
	if (ret)
		return ret;
	/* At most length / page_size <= 2^52 bits: fits. */
	return (int64_t)cmd.out_nr_set;
}

int64_t kmod_read_dirty(struct iodirty_domain *dom, uint64_t iova,
			uint64_t length, uint64_t page_size, uint64_t *bitmap,
			uint32_t flags)
{
	return get_dirty_bitmap(dom, iova, length, page_size, bitmap, flags,
				0);
}

int64_t kmod_read_dirty_uaddr(struct iodirty_domain *dom, uint64_t uaddr,
			      uint64_t length, uint64_t page_size,
			      uint64_t *bitmap, uint32_t flags)
{
	return get_dirty_bitmap(dom, uaddr, length, page_size, bitmap, flags,
				IODIRTY_DIRTY_UADDR);
}

/* DMA_RW with @flags; @buf may be NULL for IODIRTY_DMA_MARK_ONLY. */
static int dma_rw(struct iodirty_domain *dom, uint32_t flags, uint64_t iova,
		  void *buf, uint64_t length)
{
	struct iodirty_dma_rw cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = kmod_id(dom),
		.iova = iova,
		.length = length,
		.data = (uintptr_t)buf,
	};

	return iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_DMA_RW, &cmd);
}

int kmod_dma(struct iodirty_domain *dom, uint64_t iova, void *buf,
	     uint64_t length, bool write)
{
	return dma_rw(dom, write ? IODIRTY_DMA_WRITE : 0, iova, buf, length);
}

int kmod_mark_dirty(struct iodirty_domain *dom, uint64_t iova,
		    uint64_t length)
{
	/* The kernel marks the range as a DMA write would, copying nothing. */
	return dma_rw(dom, IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY, iova,
		      NULL, length);
}

/*
 * A module of uAPI version 1 has no DMA_RWV: one DMA_RW per segment, after
 * the check the module would make of the whole list first (a zero length
 * is the failing segment's own EINVAL, from DMA_RW).
 */
static int dmav_loop(struct iodirty_domain *dom,
		     const struct iodirty_dma_seg *segs, size_t nr_segs,
		     bool write, uint64_t *done)
{
	uint64_t total = 0;
	size_t i;
	int ret;

	for (i = 0; i < nr_segs; i++) {
		if (total + segs[i].length < total)
			return -EOVERFLOW;
		total += segs[i].length;
	}
	for (i = 0; i < nr_segs; i++) {
		ret = kmod_dma(dom, segs[i].iova, segs[i].buf, segs[i].length,
			       write);
		if (ret)
			return ret;
		*done += segs[i].length;
	}
	return 0;
}

int kmod_dmav(struct iodirty_domain *dom, const struct iodirty_dma_seg *segs,
	      size_t nr_segs, bool write, uint64_t *done)
{
	struct iodirty_dma_rwv cmd = {
		.size = sizeof(cmd),
		.flags = write ? IODIRTY_DMA_WRITE : 0,
		.ioas_id = kmod_id(dom),
		.num_segs = (uint32_t)nr_segs,
		.segs = (uintptr_t)segs,
	};
	struct iodirty_dma_vec *tmp = NULL;
	size_t i;
	int ret;

	if (kmod_uapi_version(dom) < 2)
		return dmav_loop(dom, segs, nr_segs, write, done);
	/* One call per list, as the module takes any length of list. */
	if (nr_segs > UINT32_MAX)
		return -EINVAL;
	if (!KMOD_SEG_LAYOUT_SAME) {
		tmp = calloc(nr_segs, sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		for (i = 0; i < nr_segs; i++) {
			tmp[i].iova = segs[i].iova;
			tmp[i].length = segs[i].length;
			tmp[i].data = (uintptr_t)segs[i].buf;
		}
		cmd.segs = (uintptr_t)tmp;
	}
	ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_DMA_RWV, &cmd);
	/* Written back on failure too, once the module read the list. */
	*done = cmd.out_done;
	free(tmp);
	return ret;
}

int kmod_sg_get(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		uint32_t flags, struct iodirty_sg *sg, size_t *nr_sg,
		struct iodirty_sg_hold **hold)
{
	/* An array beyond the u32 count is offered as its first 2^32 - 1. */
	uint32_t cap = *nr_sg > UINT32_MAX ? UINT32_MAX : (uint32_t)*nr_sg;
	struct iodirty_sg_get cmd = {
		.size = sizeof(cmd),
		.flags = (flags & IODIRTY_SG_WRITE) ? IODIRTY_SG_GET_WRITE : 0,
		.ioas_id = kmod_id(dom),
		.num_pieces = cap,
		.iova = iova,
		.length = length,
		.pieces = (uintptr_t)sg,
	};
	struct iodirty_sg_piece *tmp = NULL;
	struct iodirty_sg_hold *h;
	size_t i, n;
	int ret;

	/* A module without holds would say ENOTTY; the API says this. */
	if (!kmod_has(dom, IODIRTY_CAP_SG))
		return -EOPNOTSUPP;
	/* Allocated first: once the module holds, nothing may fail. */
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	if (!KMOD_SG_LAYOUT_SAME && cap) {
		tmp = calloc(cap, sizeof(*tmp));
		if (!tmp) {
			free(h);
			return -ENOMEM;
		}
		cmd.pieces = (uintptr_t)tmp;
	}
	ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_SG_GET, &cmd);
	if (!ret || ret == -EMSGSIZE) {
		if (tmp) {
			n = cmd.num_pieces < cap ? cmd.num_pieces : cap;
			for (i = 0; i < n; i++) {
				sg[i].addr = (void *)(uintptr_t)tmp[i].uaddr;
				sg[i].length = tmp[i].length;
			}
		}
		*nr_sg = cmd.num_pieces;
	}
	free(tmp);
	if (ret) {
		free(h);
		return ret;
	}
	h->dom = dom;
	h->id = cmd.out_hold_id;
	*hold = h;
	return 0;
}

int kmod_sg_put(struct iodirty_domain *dom, struct iodirty_sg_hold *hold,
		uint64_t written)
{
	struct iodirty_sg_put cmd = {
		.size = sizeof(cmd),
		.ioas_id = kmod_id(dom),
		.hold_id = (uint32_t)hold->id,
		.written = written,
	};
	int ret;

	if (!kmod_has(dom, IODIRTY_CAP_SG))
		return -EOPNOTSUPP;
	ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_SG_PUT, &cmd);
	/* EINVAL keeps the hold, to be put again; else the module let go. */
	if (ret != -EINVAL)
		free(hold);
	return ret;
}
