// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Dirty reads as extents, and put-back (since 0.5). */
#include "internal.h"

/*
 * Can the logs' runs go straight into the output (api_log_extents.c)? A
 * read-and-clear by IOVA, valid on its face, with room for two extents,
 * on a domain with logs and without the hardware model (whose marks widen
 * to their leaf). Anything else takes the logs into the domain first, and
 * the backend sorts out the errors.
 */
static bool direct_ok(struct iodirty_domain *dom, uint64_t addr,
		      uint64_t length, uint64_t page_size, size_t nr,
		      uint32_t flags)
{
	uint64_t granule = 1ULL << dom->params.granule_shift;

	return !flags && nr >= 2 && length && !dom->params.hw_model &&
	       atomic_load_explicit(&dom->nlogs, memory_order_acquire) &&
	       page_size >= granule && !(page_size & (page_size - 1)) &&
	       !((addr | length) & (page_size - 1)) &&
	       addr + length > addr;
}

IODIRTY_EXPORT int64_t iodirty_read_extents(struct iodirty_domain *dom,
					    uint64_t addr, uint64_t length,
					    uint64_t page_size,
					    struct iodirty_extent *ext,
					    size_t nr, uint64_t *next,
					    uint32_t flags)
{
	int ret;

	if (!dom || !ext || !nr || !next)
		return -EINVAL;
	if (!dom->ops->read_extents)
		return -EOPNOTSUPP;
	if (direct_ok(dom, addr, length, page_size, nr, flags))
		return iodirty_logs_read_extents(dom, addr, length, page_size,
						 ext, nr, next);
	ret = iodirty_logs_take(dom);
	if (ret)
		return ret;
	return dom->ops->read_extents(dom, addr, length, page_size, ext, nr,
				      next, flags);
}

IODIRTY_EXPORT int iodirty_set_dirty(struct iodirty_domain *dom,
				     uint64_t addr, uint64_t length,
				     uint64_t page_size,
				     const uint64_t *bitmap, uint32_t flags)
{
	if (!dom || !bitmap)
		return -EINVAL;
	if (!dom->ops->set_dirty)
		return -EOPNOTSUPP;
	return dom->ops->set_dirty(dom, addr, length, page_size, bitmap,
				   flags);
}

IODIRTY_EXPORT int iodirty_set_dirty_extents(struct iodirty_domain *dom,
					     const struct iodirty_extent *ext,
					     size_t nr, uint32_t flags)
{
	if (!dom || (!ext && nr))
		return -EINVAL;
	if (!dom->ops->set_dirty_extents)
		return -EOPNOTSUPP;
	return dom->ops->set_dirty_extents(dom, ext, nr, flags);
}
