// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Dirty reads and software DMA. */
#include "internal.h"

IODIRTY_EXPORT int64_t iodirty_read_dirty(struct iodirty_domain *dom,
					  uint64_t iova, uint64_t length,
					  uint64_t page_size, uint64_t *bitmap,
					  uint32_t flags)
{
	if (!dom || !bitmap)
		return -EINVAL;
	return dom->ops->read_dirty(dom, iova, length, page_size, bitmap,
				    flags);
}

IODIRTY_EXPORT int64_t iodirty_read_dirty_uaddr(struct iodirty_domain *dom,
						const void *addr,
						uint64_t length,
						uint64_t page_size,
						uint64_t *bitmap,
						uint32_t flags)
{
	if (!dom || !bitmap)
		return -EINVAL;
	return dom->ops->read_dirty_uaddr(dom, (uint64_t)(uintptr_t)addr,
					  length, page_size, bitmap, flags);
}

IODIRTY_EXPORT int iodirty_dma_write(struct iodirty_domain *dom,
				     uint64_t iova, const void *buf,
				     uint64_t length)
{
	if (!dom || !buf)
		return -EINVAL;
	/* The backend only reads @buf on a write. */
	return dom->ops->dma(dom, iova, (void *)(uintptr_t)buf, length, true);
}

IODIRTY_EXPORT int iodirty_dma_read(struct iodirty_domain *dom, uint64_t iova,
				    void *buf, uint64_t length)
{
	if (!dom || !buf)
		return -EINVAL;
	return dom->ops->dma(dom, iova, buf, length, false);
}

IODIRTY_EXPORT int iodirty_mark_dirty(struct iodirty_domain *dom,
				      uint64_t iova, uint64_t length)
{
	if (!dom)
		return -EINVAL;
	return dom->ops->mark_dirty(dom, iova, length);
}
