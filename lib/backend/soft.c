// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The soft backend: an in-process io-pagetable. DMA is a memcpy through
 * the caller's own address space; nothing is pinned or touched otherwise,
 * so domains may map address space reserved with PROT_NONE.
 */
#include <stdlib.h>

#include "local_iopt.h"

static struct iod_iopt *iopt_of(struct iodirty_domain *dom)
{
	return dom->priv;
}

static int soft_open(struct iodirty_ctx *ctx)
{
	ctx->priv = NULL;
	return 0;
}

static void soft_close(struct iodirty_ctx *ctx)
{
	(void)ctx;
}

static void soft_caps(struct iodirty_ctx *ctx, struct iodirty_caps *caps)
{
	(void)ctx;
	caps->flags = IODIRTY_CAP_DIRTY_TRACKING |
		      IODIRTY_CAP_UNMAP_DIRTY_ATOMIC |
		      IODIRTY_CAP_PARTIAL_UNMAP | IODIRTY_CAP_DMA_RW |
		      IODIRTY_CAP_SG | IODIRTY_CAP_MAP_VEC |
		      IODIRTY_CAP_MAPPINGS | IODIRTY_CAP_EXTENTS |
		      IODIRTY_CAP_SET_DIRTY |
		      IODIRTY_CAP_UADDR_REPORT | IODIRTY_CAP_USER_RESERVE |
		      IODIRTY_CAP_HW_MODEL;
	caps->page_sizes = IOD_PAGE_SIZE;
	caps->granules = IODIRTY_LOCAL_GRANULES;
	caps->max_iova_bits = 64;
	caps->default_iova_bits = 48;
	caps->max_mappings = 0;
}

static int soft_domain_create(struct iodirty_domain *dom,
			      const struct iodirty_domain_params *p)
{
	struct iod_iopt_params ip = {
		.iova_bits = p->iova_bits,
		.granule_shift = p->granule_shift,
		.hw_model = p->hw_model,
		.hw_split_eager = p->hw_split == IODIRTY_HW_SPLIT_EAGER,
	};
	struct iod_iopt *iopt;
	int ret;

	iopt = malloc(sizeof(*iopt));
	if (!iopt)
		return -ENOMEM;
	ret = iod_iopt_init(iopt, &ip);
	if (ret) {
		free(iopt);
		return ret;
	}
	dom->priv = iopt;
	return 0;
}

static void soft_domain_destroy(struct iodirty_domain *dom)
{
	iod_iopt_fini(iopt_of(dom));
	free(dom->priv);
}

static int soft_map(struct iodirty_domain *dom, uint64_t iova, uint64_t uaddr,
		    uint64_t length, uint32_t prot)
{
	return iod_iopt_map(iopt_of(dom), iova, uaddr, length, prot);
}

static int soft_map_vec(struct iodirty_domain *dom,
			const struct iodirty_map_seg *segs, size_t nr,
			size_t *failed)
{
	return iodirty_local_map_vec(iopt_of(dom), segs, nr, failed);
}

static int soft_unmap_vec(struct iodirty_domain *dom,
			  const struct iodirty_unmap_seg *segs, size_t nr,
			  uint64_t *dirty, size_t *failed)
{
	return iodirty_local_unmap_vec(iopt_of(dom), segs, nr, dirty, failed);
}

static int soft_unmap(struct iodirty_domain *dom, uint64_t iova,
		      uint64_t length, uint64_t page_size, uint64_t *bitmap,
		      uint64_t *unmapped, uint64_t *dirty)
{
	struct iod_read_count cnt = { 0, 0, false };
	int ret;

	ret = iod_iopt_unmap_counted(iopt_of(dom), iova, length, page_size,
				     bitmap, unmapped, &cnt);
	*dirty = cnt.found;
	return ret;
}

static int soft_translate(struct iodirty_domain *dom, uint64_t iova,
			  uint64_t *uaddr, uint64_t *contig)
{
	return iod_iopt_translate(iopt_of(dom), iova, uaddr, contig);
}

static int64_t soft_mappings(struct iodirty_domain *dom, uint64_t iova,
			     struct iodirty_mapping *out, size_t nr)
{
	return iodirty_local_mappings(iopt_of(dom), iova, out, nr);
}

static int soft_reserve(struct iodirty_domain *dom, uint64_t iova,
			uint64_t length, uint32_t type)
{
	return iod_iopt_reserve(iopt_of(dom), iova, length, type);
}

static int soft_unreserve(struct iodirty_domain *dom, uint64_t iova,
			  uint64_t length)
{
	return iod_iopt_unreserve(iopt_of(dom), iova, length);
}

/* Read flags go to the core as they are. */
_Static_assert(IODIRTY_READ_NO_CLEAR == IOD_READ_NO_CLEAR &&
	       IODIRTY_READ_COUNT_ALL == IOD_READ_COUNT_ALL, "read flags");

/* struct iod_range and struct iodirty_range share one layout. */
_Static_assert(sizeof(struct iod_range) == sizeof(struct iodirty_range),
	       "range layout");
_Static_assert(offsetof(struct iod_range, type) ==
	       offsetof(struct iodirty_range, type), "range layout");

static int soft_reserved(struct iodirty_domain *dom,
			 struct iodirty_range *out, size_t *count)
{
	return iod_iopt_reserved(iopt_of(dom), (struct iod_range *)out, count);
}

static int soft_iova_ranges(struct iodirty_domain *dom,
			    struct iodirty_range *out, size_t *count)
{
	return iod_iopt_iova_ranges(iopt_of(dom), (struct iod_range *)out,
				    count);
}

static int soft_set_tracking(struct iodirty_domain *dom, bool enable)
{
	return iod_iopt_set_tracking(iopt_of(dom), enable);
}

static int64_t soft_read_dirty(struct iodirty_domain *dom, uint64_t iova,
			       uint64_t length, uint64_t page_size,
			       uint64_t *bitmap, uint32_t flags)
{
	return iod_iopt_read_dirty(iopt_of(dom), iova, length, page_size,
				   bitmap, flags);
}

static int64_t soft_read_dirty_uaddr(struct iodirty_domain *dom,
				     uint64_t uaddr, uint64_t length,
				     uint64_t page_size, uint64_t *bitmap,
				     uint32_t flags)
{
	return iod_iopt_read_dirty_uaddr(iopt_of(dom), uaddr, length,
					 page_size, bitmap, flags);
}

/* struct iod_dirty_run and struct iodirty_extent share one layout. */
_Static_assert(sizeof(struct iod_dirty_run) == sizeof(struct iodirty_extent),
	       "extent layout");
_Static_assert(offsetof(struct iod_dirty_run, count) ==
	       offsetof(struct iodirty_extent, length), "extent layout");
_Static_assert(IOD_READ_UADDR == IODIRTY_READ_UADDR, "read flags");

static int64_t soft_read_extents(struct iodirty_domain *dom, uint64_t addr,
				 uint64_t length, uint64_t page_size,
				 struct iodirty_extent *ext, size_t nr,
				 uint64_t *next, uint32_t flags)
{
	return iod_iopt_read_extents(iopt_of(dom), addr, length, page_size,
				     (struct iod_dirty_run *)ext, nr, next,
				     flags);
}

static int soft_set_dirty(struct iodirty_domain *dom, uint64_t addr,
			  uint64_t length, uint64_t page_size,
			  const uint64_t *bitmap, uint32_t flags)
{
	return iod_iopt_set_dirty(iopt_of(dom), addr, length, page_size,
				  bitmap, flags);
}

static int soft_set_dirty_extents(struct iodirty_domain *dom,
				  const struct iodirty_extent *ext, size_t nr,
				  uint32_t flags)
{
	return iod_iopt_set_dirty_extents(iopt_of(dom),
					  (const struct iod_dirty_run *)ext,
					  nr, flags);
}

static int soft_dma(struct iodirty_domain *dom, uint64_t iova, void *buf,
		    uint64_t length, bool write)
{
	return iodirty_local_dma(iopt_of(dom), iova, buf, length, write);
}

static int soft_mark_dirty(struct iodirty_domain *dom, uint64_t iova,
			   uint64_t length)
{
	return iod_iopt_mark_dirty(iopt_of(dom), iova, length);
}

static int soft_dmav(struct iodirty_domain *dom,
		     const struct iodirty_dma_seg *segs, size_t nr_segs,
		     bool write, uint64_t *done)
{
	return iodirty_local_dmav(iopt_of(dom), segs, nr_segs, write, done);
}

static int soft_sg_get(struct iodirty_domain *dom, uint64_t iova,
		       uint64_t length, uint32_t flags, struct iodirty_sg *sg,
		       size_t *nr_sg, struct iodirty_sg_hold **hold)
{
	return iodirty_local_sg_get(iopt_of(dom), dom, iova, length, flags, sg,
				    nr_sg, hold);
}

static int soft_sg_put(struct iodirty_domain *dom,
		       struct iodirty_sg_hold *hold, uint64_t written)
{
	return iodirty_local_sg_put(iopt_of(dom), hold, written);
}

static void soft_stats(struct iodirty_domain *dom, struct iodirty_stats *st)
{
	iodirty_local_stats(iopt_of(dom), dom, st);
}

const struct iodirty_backend_ops iodirty_soft_ops = {
	.name = "soft",
	.open = soft_open,
	.close = soft_close,
	.caps = soft_caps,
	.domain_create = soft_domain_create,
	.domain_destroy = soft_domain_destroy,
	.map = soft_map,
	.unmap = soft_unmap,
	.translate = soft_translate,
	.mappings = soft_mappings,
	.reserve = soft_reserve,
	.unreserve = soft_unreserve,
	.reserved = soft_reserved,
	.iova_ranges = soft_iova_ranges,
	.set_tracking = soft_set_tracking,
	.read_dirty = soft_read_dirty,
	.read_dirty_uaddr = soft_read_dirty_uaddr,
	.dma = soft_dma,
	.mark_dirty = soft_mark_dirty,
	.dmav = soft_dmav,
	.sg_get = soft_sg_get,
	.sg_put = soft_sg_put,
	.read_extents = soft_read_extents,
	.set_dirty = soft_set_dirty,
	.set_dirty_extents = soft_set_dirty_extents,
	.map_vec = soft_map_vec,
	.unmap_vec = soft_unmap_vec,
	.stats = soft_stats,
};
