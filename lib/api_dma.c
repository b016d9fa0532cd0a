// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Dirty reads and software DMA. */
#include "internal.h"

IODIRTY_EXPORT int64_t iodirty_read_dirty(struct iodirty_domain *dom,
					  uint64_t iova, uint64_t length,
					  uint64_t page_size, uint64_t *bitmap,
					  uint32_t flags)
{
	int ret;

	if (!dom || !bitmap)
		return -EINVAL;
	ret = iodirty_logs_take(dom);
	if (ret)
		return ret;
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
	int ret;

	if (!dom || !bitmap)
		return -EINVAL;
	ret = iodirty_logs_take(dom);
	if (ret)
		return ret;
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

/* Checks shared by both directions; *done is 0 from here on. */
static int dmav(struct iodirty_domain *dom, const struct iodirty_dma_seg *segs,
		size_t nr_segs, uint64_t *done, bool write)
{
	uint64_t scratch;
	size_t i;

	if (!done)
		done = &scratch;
	*done = 0;
	if (!dom || (!segs && nr_segs))
		return -EINVAL;
	for (i = 0; i < nr_segs; i++)
		if (!segs[i].buf)
			return -EINVAL;
	if (!dom->ops->dmav)
		return -EOPNOTSUPP;
	if (!nr_segs)
		return 0;
	return dom->ops->dmav(dom, segs, nr_segs, write, done);
}

IODIRTY_EXPORT int iodirty_dma_writev(struct iodirty_domain *dom,
				      const struct iodirty_dma_seg *segs,
				      size_t nr_segs, uint64_t *done)
{
	return dmav(dom, segs, nr_segs, done, true);
}

IODIRTY_EXPORT int iodirty_dma_readv(struct iodirty_domain *dom,
				     const struct iodirty_dma_seg *segs,
				     size_t nr_segs, uint64_t *done)
{
	return dmav(dom, segs, nr_segs, done, false);
}

IODIRTY_EXPORT int iodirty_sg_get(struct iodirty_domain *dom, uint64_t iova,
				  uint64_t length, uint32_t flags,
				  struct iodirty_sg *sg, size_t *nr_sg,
				  struct iodirty_sg_hold **hold)
{
	if (!dom || !nr_sg || !hold || (!sg && *nr_sg))
		return -EINVAL;
	if (flags & ~IODIRTY_SG_WRITE)
		return -EOPNOTSUPP;
	if (!dom->ops->sg_get)
		return -EOPNOTSUPP;
	return dom->ops->sg_get(dom, iova, length, flags, sg, nr_sg, hold);
}

IODIRTY_EXPORT int iodirty_sg_put(struct iodirty_domain *dom,
				  struct iodirty_sg_hold *hold,
				  uint64_t written)
{
	if (!dom || !hold || hold->dom != dom)
		return -EINVAL;
	if (!dom->ops->sg_put)
		return -EOPNOTSUPP;
	return dom->ops->sg_put(dom, hold, written);
}
