// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The kmod backend's dirty state: tracking on and off, dirty reports (by
 * IOVA and by user address) and the software DMA that marks pages dirty.
 * The report of an unmap is in kmod_map.c.
 */
#include "kmod.h"

/* Public read flags are translated, not passed through: the uAPI's bit 1
 * (IODIRTY_DIRTY_UADDR) is no public read flag. */
#define KMOD_READ_FLAGS IODIRTY_READ_NO_CLEAR

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
