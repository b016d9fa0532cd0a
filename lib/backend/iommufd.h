/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The iommufd backend (iommufd*.c) drives the upstream /dev/iommu.
 *
 * A domain is an IOAS plus a mirror: an io-pagetable of lib/core holding
 * the same mappings, created with keep_areas so that its areas are exactly
 * the IOAS's (iommufd cannot split a mapping). The mirror does what the
 * kernel does not offer or does not check the way this library documents:
 * argument checks and errnos, translation, reserved regions, software DMA,
 * user-address reports, and a software dirty bitmap that also collects
 * what the devices' page tables (HWPTs, one per attached device) record:
 * every dirty read first moves the HWPTs' bits into the mirror, then reads
 * the mirror. The HWPTs thus never report to the caller directly, which
 * keeps the kernel's read defects (see iommufd_dirty.c) away from it.
 *
 * Locking: dom->lock serialises everything that talks to the kernel about
 * the domain or changes its device list: map, unmap, reserve, tracking,
 * dirty reads (bitmaps and extents), the usable-range list (the devices'
 * apertures come from the kernel), attach, detach. DMA, mark-dirty,
 * translate, stats, the mapping list and the reserved-region list use the
 * mirror only, whose own lock suffices.
 */
#ifndef IODIRTY_BACKEND_IOMMUFD_H
#define IODIRTY_BACKEND_IOMMUFD_H

#include <pthread.h>

#include "local_iopt.h"

#define IOMMUFD_DEVICE "/dev/iommu"

/* ctx->priv */
struct iofd_ctx {
	int fd;
};

/* iofd_dev.span_shift: hardware reads of the device cover whole areas. */
#define IOFD_SPAN_AREA	64u

/* A device attached to a domain and the HWPT made for it. */
struct iofd_dev {
	uint32_t dev_id;
	uint32_t hwpt_id;
	/*
	 * log2 of the largest IOPTE the device's IOMMU may use: each hardware
	 * read is widened to that alignment within an area. IOFD_SPAN_AREA
	 * when unbounded, and from the first read that shows an IOPTE was
	 * larger.
	 */
	uint32_t span_shift;
};

/* dom->priv */
struct iofd_dom {
	pthread_mutex_t lock;
	uint32_t ioas_id;
	struct iod_iopt mirror;
	struct iofd_dev *devs;
	size_t nr_devs;
	size_t cap_devs;
	/* Hardware reads that recorded an IOPTE past their range; written
	 * under lock, read by stats without it (atomic). */
	uint64_t hw_read_overflows;
	/* IOVA an overflow may have cleared unrecorded that is not marked
	 * dirty yet (memory ran out): marked before any other harvest. */
	uint64_t owed_first;
	uint64_t owed_len;
};

static inline struct iofd_dom *iofd_dom(const struct iodirty_domain *dom)
{
	return dom->priv;
}

static inline int iofd_fd(const struct iodirty_domain *dom)
{
	return ((const struct iofd_ctx *)dom->ctx->priv)->fd;
}

/* IOMMU_DESTROY of object @id: 0 or a negative errno. */
int iofd_destroy(int fd, uint32_t id);

/* iommufd_map.c */
int iofd_map(struct iodirty_domain *dom, uint64_t iova, uint64_t uaddr,
	     uint64_t length, uint32_t prot);
int iofd_unmap(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
	       uint64_t page_size, uint64_t *bitmap, uint64_t *unmapped,
	       uint64_t *dirty);
int iofd_translate(struct iodirty_domain *dom, uint64_t iova,
		   uint64_t *uaddr, uint64_t *contig);
/* The mirror's runs: it holds exactly what the IOAS maps. */
int64_t iofd_mappings(struct iodirty_domain *dom, uint64_t iova,
		      struct iodirty_mapping *out, size_t nr);
int iofd_reserve(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		 uint32_t type);
int iofd_unreserve(struct iodirty_domain *dom, uint64_t iova,
		   uint64_t length);
int iofd_reserved(struct iodirty_domain *dom, struct iodirty_range *out,
		  size_t *count);
int iofd_iova_ranges(struct iodirty_domain *dom, struct iodirty_range *out,
		     size_t *count);
int iofd_dma(struct iodirty_domain *dom, uint64_t iova, void *buf,
	     uint64_t length, bool write);
int iofd_dmav(struct iodirty_domain *dom, const struct iodirty_dma_seg *segs,
	      size_t nr_segs, bool write, uint64_t *done);
int iofd_sg_get(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		uint32_t flags, struct iodirty_sg *sg, size_t *nr_sg,
		struct iodirty_sg_hold **hold);
int iofd_sg_put(struct iodirty_domain *dom, struct iodirty_sg_hold *hold,
		uint64_t written);
int iofd_mark_dirty(struct iodirty_domain *dom, uint64_t iova,
		    uint64_t length);

/* iommufd_dirty.c; the *_locked ones need dom->lock held. */
int iofd_set_tracking(struct iodirty_domain *dom, bool enable);
int64_t iofd_read_dirty(struct iodirty_domain *dom, uint64_t iova,
			uint64_t length, uint64_t page_size, uint64_t *bitmap,
			uint32_t flags);
int64_t iofd_read_extents(struct iodirty_domain *dom, uint64_t addr,
			  uint64_t length, uint64_t page_size,
			  struct iodirty_extent *ext, size_t nr,
			  uint64_t *next, uint32_t flags);
int64_t iofd_read_dirty_uaddr(struct iodirty_domain *dom, uint64_t uaddr,
			      uint64_t length, uint64_t page_size,
			      uint64_t *bitmap, uint32_t flags);
/*
 * Moves the dirty bits that the HWPT of @one (NULL: of every device of the
 * domain) records for the mapped part of IOVA [first, last] into the
 * mirror; with @no_clear they stay set in the HWPTs too. Nothing to do
 * while the domain is not tracking. Returns 0 or a negative errno; bits
 * moved before an error stay in the mirror.
 */
int iofd_harvest_locked(struct iodirty_domain *dom, const struct iofd_dev *one,
			uint64_t first, uint64_t last, bool no_clear);
/* Starts or stops tracking on one HWPT. */
int iofd_hwpt_tracking(int fd, uint32_t hwpt_id, bool enable);

#endif /* IODIRTY_BACKEND_IOMMUFD_H */
