/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * What the backends that keep an io-pagetable in this process share: the
 * soft backend (its whole domain) and the iommufd backend (its mirror).
 * Both copy DMA through the caller's own memory and report the core's
 * counters as the domain's.
 */
#ifndef IODIRTY_BACKEND_LOCAL_IOPT_H
#define IODIRTY_BACKEND_LOCAL_IOPT_H

#include "internal.h"
#include "iopt.h"

/* Dirty granules the core supports: any power of two, a page to 1 GiB. */
#define IODIRTY_LOCAL_GRANULES \
	(((2ULL << IOD_MAX_GRANULE_SHIFT) - 1) & ~(IOD_PAGE_SIZE - 1))

/* Software DMA through the caller's address space, marking @iopt. */
int iodirty_local_dma(struct iod_iopt *iopt, uint64_t iova, void *buf,
		      uint64_t length, bool write);

/* The vectored, held and released variants, with the same copy. */
int iodirty_local_dmav(struct iod_iopt *iopt,
		       const struct iodirty_dma_seg *segs, size_t nr_segs,
		       bool write, uint64_t *done);
int iodirty_local_sg_get(struct iod_iopt *iopt, struct iodirty_domain *dom,
			 uint64_t iova, uint64_t length, uint32_t flags,
			 struct iodirty_sg *sg, size_t *nr_sg,
			 struct iodirty_sg_hold **hold);
int iodirty_local_sg_put(struct iod_iopt *iopt, struct iodirty_sg_hold *hold,
			 uint64_t written);

/* The mappings op: up to @nr runs of @iopt from @iova up. */
int64_t iodirty_local_mappings(struct iod_iopt *iopt, uint64_t iova,
			       struct iodirty_mapping *out, size_t nr);

/*
 * The vector calls on @iopt: the segments converted to the core's
 * (-ENOMEM if that copy cannot be made; *@failed is then @nr).
 */
int iodirty_local_map_vec(struct iod_iopt *iopt,
			  const struct iodirty_map_seg *segs, size_t nr,
			  size_t *failed);
int iodirty_local_unmap_vec(struct iod_iopt *iopt,
			    const struct iodirty_unmap_seg *segs, size_t nr,
			    uint64_t *dirty, size_t *failed);

/* Fills @st from @iopt's counters and @dom's parameters. */
void iodirty_local_stats(struct iod_iopt *iopt,
			 const struct iodirty_domain *dom,
			 struct iodirty_stats *st);

#endif /* IODIRTY_BACKEND_LOCAL_IOPT_H */
