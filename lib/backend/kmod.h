/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The kmod backend (kmod*.c): every operation is an ioctl on
 * /dev/iodirty, described by include/uapi/linux/iodirty.h. The kernel
 * serialises what must be serialised, so the backend keeps no locks: each
 * call fills its own argument struct on the stack.
 */
#ifndef IODIRTY_BACKEND_KMOD_H
#define IODIRTY_BACKEND_KMOD_H

/*
 * The public header (through internal.h) and the uAPI header together:
 * neither declares an identifier the other does (a struct tag of one may
 * equal a function name of the other, which C keeps apart), and every
 * file of the backend compiles both, which keeps it so. Where the two
 * name the same value (map permissions, split policy, range types and
 * layout), kmod.c and kmod_map.c assert that they agree.
 */
#include "internal.h"
#include <linux/iodirty.h>

/* ctx->priv */
struct kmod_ctx {
	int fd;
	struct iodirty_caps caps;	/* from GET_INFO, read once at open */
	uint32_t uapi_version;		/* 2: DMA_RWV; 3: COUNT_ALL, out_nr_dirty */
};

/* dom->priv */
struct kmod_dom {
	uint32_t id;		/* the io-pagetable's object ID */
};

static inline int kmod_fd(const struct iodirty_domain *dom)
{
	return ((const struct kmod_ctx *)dom->ctx->priv)->fd;
}

static inline uint32_t kmod_id(const struct iodirty_domain *dom)
{
	return ((const struct kmod_dom *)dom->priv)->id;
}

static inline uint32_t kmod_uapi_version(const struct iodirty_domain *dom)
{
	return ((const struct kmod_ctx *)dom->ctx->priv)->uapi_version;
}

static inline bool kmod_has(const struct iodirty_domain *dom, uint64_t cap)
{
	return ((const struct kmod_ctx *)dom->ctx->priv)->caps.flags & cap;
}


/* kmod_map.c */
int kmod_map(struct iodirty_domain *dom, uint64_t iova, uint64_t uaddr,
	     uint64_t length, uint32_t prot);
/* -EOPNOTSUPP on a module without IODIRTY_INFO_CAP_MAP_VEC. */
int kmod_map_vec(struct iodirty_domain *dom,
		 const struct iodirty_map_seg *segs, size_t nr,
		 size_t *failed);
int kmod_unmap_vec(struct iodirty_domain *dom,
		   const struct iodirty_unmap_seg *segs, size_t nr,
		   uint64_t *dirty, size_t *failed);
int kmod_unmap(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
	       uint64_t page_size, uint64_t *bitmap, uint64_t *unmapped,
	       uint64_t *dirty);
int kmod_translate(struct iodirty_domain *dom, uint64_t iova,
		   uint64_t *uaddr, uint64_t *contig);
int64_t kmod_mappings(struct iodirty_domain *dom, uint64_t iova,
		      struct iodirty_mapping *out, size_t nr);
int kmod_reserve(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		 uint32_t type);
int kmod_unreserve(struct iodirty_domain *dom, uint64_t iova,
		   uint64_t length);
int kmod_reserved(struct iodirty_domain *dom, struct iodirty_range *out,
		  size_t *count);
int kmod_iova_ranges(struct iodirty_domain *dom, struct iodirty_range *out,
		     size_t *count);

/* kmod_dirty.c */
int kmod_set_tracking(struct iodirty_domain *dom, bool enable);
int64_t kmod_read_dirty(struct iodirty_domain *dom, uint64_t iova,
			uint64_t length, uint64_t page_size, uint64_t *bitmap,
			uint32_t flags);
int64_t kmod_read_dirty_uaddr(struct iodirty_domain *dom, uint64_t uaddr,
			      uint64_t length, uint64_t page_size,
			      uint64_t *bitmap, uint32_t flags);
/* kmod_extents.c */
int64_t kmod_read_extents(struct iodirty_domain *dom, uint64_t addr,
			  uint64_t length, uint64_t page_size,
			  struct iodirty_extent *ext, size_t nr,
			  uint64_t *next, uint32_t flags);
int kmod_set_dirty(struct iodirty_domain *dom, uint64_t addr,
		   uint64_t length, uint64_t page_size, const uint64_t *bitmap,
		   uint32_t flags);
int kmod_set_dirty_extents(struct iodirty_domain *dom,
			   const struct iodirty_extent *ext, size_t nr,
			   uint32_t flags);
int kmod_dma(struct iodirty_domain *dom, uint64_t iova, void *buf,
	     uint64_t length, bool write);
int kmod_mark_dirty(struct iodirty_domain *dom, uint64_t iova,
		    uint64_t length);
int kmod_dmav(struct iodirty_domain *dom, const struct iodirty_dma_seg *segs,
	      size_t nr_segs, bool write, uint64_t *done);
int kmod_sg_get(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		uint32_t flags, struct iodirty_sg *sg, size_t *nr_sg,
		struct iodirty_sg_hold **hold);
int kmod_sg_put(struct iodirty_domain *dom, struct iodirty_sg_hold *hold,
		uint64_t written);

#endif /* IODIRTY_BACKEND_KMOD_H */
