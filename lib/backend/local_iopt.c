// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Helpers of the backends built on an in-process io-pagetable
 * (see local_iopt.h).
 */
#include <string.h>

#include "local_iopt.h"

/*
 * The core hands each piece that is linear in user address; the memory is
 * the caller's own, so the copy is a memcpy (the IOVA is not needed).
 */
static int local_copy(void *arg, uint64_t iova, uint64_t uaddr,
		      uint64_t offset, uint64_t length, bool write)
{
	char *buf = arg;
	void *mem = (void *)(uintptr_t)uaddr;

	(void)iova;
	if (write)
		memcpy(mem, buf + offset, length);
	else
		memcpy(buf + offset, mem, length);
	return 0;
}

int iodirty_local_dma(struct iod_iopt *iopt, uint64_t iova, void *buf,
		      uint64_t length, bool write)
{
	return iod_iopt_dma(iopt, iova, length, write, local_copy, buf);
}

void iodirty_local_stats(struct iod_iopt *iopt,
			 const struct iodirty_domain *dom,
			 struct iodirty_stats *st)
{
	struct iod_iopt_stats s;

	iod_iopt_stats(iopt, &s);
	st->mapped_bytes = s.mapped_bytes;
	st->mappings = s.areas;
	st->holes = s.holes;
	st->dirty_pending = s.dirty_pending;
	st->reads = s.reads;
	st->clears = s.clears;
	st->mem_bytes = s.mem_bytes;
	st->granule = 1ULL << dom->params.granule_shift;
	st->iova_bits = dom->params.iova_bits;
	st->tracking = s.tracking;
	st->hw_huge_leaves = s.hw_huge_leaves;
	st->hw_splits = s.hw_splits;
	st->hw_collapses = s.hw_collapses;
}
