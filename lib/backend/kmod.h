/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The kmod backend (kmod*.c): every operation is an ioctl on
 * /dev/iodirty, described by include/uapi/linux/iodirty.h. The kernel
 * serialises what must be serialised, so the backend keeps no locks: each
 * call fills its own argument struct on the stack.
 */
#ifndef IODIRTY_BACKEND_KMOD_H
#define IODIRTY_BACKEND_KMOD_H

#include "internal.h"

/*
 * The uAPI header and the public header both name the map permission bits
 * (IODIRTY_MAP_READ/WRITE: macros in one, enumerators in the other) and
 * the hardware-model split policy (enum iodirty_hw_split), so they cannot
 * be included together as they are. The uAPI's copies are renamed
 * IODIRTY_UAPI_* while it is included; everything else keeps its name.
 * kmod.c and kmod_map.c assert that the values agree.
 */
#pragma push_macro("IODIRTY_MAP_READ")
#pragma push_macro("IODIRTY_MAP_WRITE")
#undef IODIRTY_MAP_READ
#undef IODIRTY_MAP_WRITE
#define IODIRTY_MAP_READ	IODIRTY_UAPI_MAP_READ
#define IODIRTY_MAP_WRITE	IODIRTY_UAPI_MAP_WRITE
#define iodirty_hw_split	iodirty_uapi_hw_split
#define IODIRTY_HW_SPLIT_NONE	IODIRTY_UAPI_HW_SPLIT_NONE
#define IODIRTY_HW_SPLIT_EAGER	IODIRTY_UAPI_HW_SPLIT_EAGER
#include <linux/iodirty.h>
#undef IODIRTY_HW_SPLIT_EAGER
#undef IODIRTY_HW_SPLIT_NONE
#undef iodirty_hw_split
#undef IODIRTY_MAP_WRITE
#undef IODIRTY_MAP_READ
#pragma pop_macro("IODIRTY_MAP_WRITE")
#pragma pop_macro("IODIRTY_MAP_READ")

/* ctx->priv */
struct kmod_ctx {
	int fd;
	struct iodirty_caps caps;	/* from GET_INFO, read once at open */
};

/* dom->priv */
struct kmod_dom {
	uint32_t id;		/* the io-pagetable's object ID */
	/* sizeof(struct iodirty_iova_range) of the module, learnt when the
	 * domain is created (a newer module may have grown the entry) */
	uint32_t range_entry_size;
};

static inline int kmod_fd(const struct iodirty_domain *dom)
{
	return ((const struct kmod_ctx *)dom->ctx->priv)->fd;
}

static inline uint32_t kmod_id(const struct iodirty_domain *dom)
{
	return ((const struct kmod_dom *)dom->priv)->id;
}

/* ioctl(@fd, @cmd, @arg): 0, or the negative errno of the failure. */
int kmod_ioctl(int fd, unsigned long cmd, void *arg);

/* kmod_map.c */
int kmod_map(struct iodirty_domain *dom, uint64_t iova, uint64_t uaddr,
	     uint64_t length, uint32_t prot);
int kmod_unmap(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
	       uint64_t page_size, uint64_t *bitmap, uint64_t *unmapped);
int kmod_translate(struct iodirty_domain *dom, uint64_t iova,
		   uint64_t *uaddr, uint64_t *contig);
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
int kmod_dma(struct iodirty_domain *dom, uint64_t iova, void *buf,
	     uint64_t length, bool write);
int kmod_mark_dirty(struct iodirty_domain *dom, uint64_t iova,
		    uint64_t length);

#endif /* IODIRTY_BACKEND_KMOD_H */
