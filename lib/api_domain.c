// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Domains: lifetime, mappings, reserved regions, tracking, counters. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "iopt.h"

IODIRTY_EXPORT int iodirty_domain_create(struct iodirty_ctx *ctx,
					 const struct iodirty_domain_opts *opts,
					 struct iodirty_domain **out)
{
	struct iodirty_domain_params p;
	struct iodirty_domain_opts o;
	struct iodirty_caps caps;
	struct iodirty_domain *dom;
	int ret;

	if (!ctx || !out)
		return -EINVAL;
	ret = iodirty_opts_copy_in(&o, sizeof(o), opts);
	if (ret)
		return ret;
	if ((o.flags & ~IODIRTY_DOMAIN_HW_MODEL) || o.__reserved)
		return -EOPNOTSUPP;
	memset(&caps, 0, sizeof(caps));
	caps.sz = sizeof(caps);
	ctx->ops->caps(ctx, &caps);
	p.hw_model = o.flags & IODIRTY_DOMAIN_HW_MODEL;
	if (p.hw_model && !(caps.flags & IODIRTY_CAP_HW_MODEL))
		return -EOPNOTSUPP;
	if (o.hw_split > IODIRTY_HW_SPLIT_EAGER ||
	    (o.hw_split && !p.hw_model))
		return -EINVAL;
	p.hw_split = o.hw_split;
	p.iova_bits = o.iova_bits ? o.iova_bits : caps.default_iova_bits;
	if (!o.granule)
		o.granule = IODIRTY_PAGE_SIZE;
	/* The backend's limits, then the core's, which every backend has. */
	if (p.iova_bits > caps.max_iova_bits ||
	    (o.granule & (o.granule - 1)) || !(caps.granules & o.granule))
		return -EINVAL;
	p.granule_shift = (uint32_t)__builtin_ctzll(o.granule);
	ret = iod_iopt_check_shape(p.iova_bits, p.granule_shift);
	if (ret)
		return ret;

	dom = calloc(1, sizeof(*dom));
	if (!dom)
		return -ENOMEM;
	dom->ctx = ctx;
	dom->ops = ctx->ops;
	dom->params = p;
	ret = dom->ops->domain_create(dom, &p);
	if (ret) {
		free(dom);
		return ret;
	}
	pthread_mutex_init(&dom->log_lock, NULL);
	*out = dom;
	return 0;
}

IODIRTY_EXPORT void iodirty_domain_destroy(struct iodirty_domain *dom)
{
	if (!dom)
		return;
	iodirty_logs_fini(dom);
	dom->ops->domain_destroy(dom);
	pthread_mutex_destroy(&dom->log_lock);
	free(dom);
}

IODIRTY_EXPORT int iodirty_map(struct iodirty_domain *dom, uint64_t iova,
			       void *addr, uint64_t length, uint32_t flags)
{
	int ret;

	if (!dom)
		return -EINVAL;
	ret = dom->ops->map(dom, iova, (uint64_t)(uintptr_t)addr, length,
			    flags);
	if (!ret)
		iodirty_logs_publish(dom);
	return ret;
}

IODIRTY_EXPORT int iodirty_unmap(struct iodirty_domain *dom, uint64_t iova,
				 uint64_t length,
				 struct iodirty_unmap_opts *opts)
{
	struct iodirty_unmap_opts o;
	uint64_t unmapped = 0, dirty = 0;
	int ret;

	if (!dom)
		return -EINVAL;
	ret = iodirty_opts_copy_in(&o, sizeof(o), opts);
	if (ret)
		return ret;
	if (o.flags || o.__reserved)
		return -EOPNOTSUPP;
	/* A report includes what device processes marked before the call. */
	ret = o.dirty_bitmap ? iodirty_logs_take(dom) : 0;
	if (!ret)
		ret = dom->ops->unmap(dom, iova, length, o.page_size,
				      o.dirty_bitmap, &unmapped, &dirty);
	if (ret)
		return ret;
	iodirty_logs_publish(dom);
	/* Only write the output fields the caller's struct has. */
	if (opts && opts->sz >= offsetof(struct iodirty_unmap_opts,
					  unmapped) + sizeof(uint64_t))
		opts->unmapped = unmapped;
	if (opts && opts->sz >= offsetof(struct iodirty_unmap_opts,
					  dirty_pages) + sizeof(uint64_t))
		opts->dirty_pages = dirty;
	return 0;
}

IODIRTY_EXPORT int iodirty_translate(struct iodirty_domain *dom,
				     uint64_t iova, void **addr,
				     uint64_t *contig)
{
	uint64_t uaddr;
	int ret;

	if (!dom || !addr)
		return -EINVAL;
	ret = dom->ops->translate(dom, iova, &uaddr, contig);
	if (!ret)
		*addr = (void *)(uintptr_t)uaddr;
	return ret;
}

IODIRTY_EXPORT int iodirty_reserve(struct iodirty_domain *dom, uint64_t iova,
				   uint64_t length,
				   enum iodirty_resv_type type)
{
	if (!dom)
		return -EINVAL;
	return dom->ops->reserve(dom, iova, length, (uint32_t)type);
}

IODIRTY_EXPORT int iodirty_unreserve(struct iodirty_domain *dom,
				     uint64_t iova, uint64_t length)
{
	if (!dom)
		return -EINVAL;
	return dom->ops->unreserve(dom, iova, length);
}

IODIRTY_EXPORT int iodirty_reserved_regions(struct iodirty_domain *dom,
					    struct iodirty_range *ranges,
					    size_t *count)
{
	if (!dom || !count || (*count && !ranges))
		return -EINVAL;
	return dom->ops->reserved(dom, ranges, count);
}

IODIRTY_EXPORT int iodirty_iova_ranges(struct iodirty_domain *dom,
				       struct iodirty_range *ranges,
				       size_t *count)
{
	if (!dom || !count || (*count && !ranges))
		return -EINVAL;
	return dom->ops->iova_ranges(dom, ranges, count);
}

IODIRTY_EXPORT int iodirty_set_dirty_tracking(struct iodirty_domain *dom,
					      bool enable)
{
	if (!dom)
		return -EINVAL;
	/*
	 * Device processes' marks are judged by the tracking state they were
	 * made in: those made before the change are taken under the old one.
	 */
	return iodirty_logs_set_tracking(dom, enable);
}

IODIRTY_EXPORT int iodirty_domain_stats(struct iodirty_domain *dom,
					struct iodirty_stats *st)
{
	struct iodirty_stats full;
	struct timespec now;

	if (!dom || !st)
		return -EINVAL;
	if (dom->ops == &iodirty_log_ops)
		return -EPERM;		/* an imported log has no counters */
	memset(&full, 0, sizeof(full));
	full.sz = sizeof(full);
	dom->ops->stats(dom, &full);
	clock_gettime(CLOCK_MONOTONIC, &now);
	full.time_ns = (uint64_t)now.tv_sec * 1000000000ULL +
		       (uint64_t)now.tv_nsec;
	return iodirty_opts_copy_out(st, &full, sizeof(full));
}

IODIRTY_EXPORT int iodirty_domain_id(struct iodirty_domain *dom, uint32_t *id)
{
	if (!dom || !id)
		return -EINVAL;
	if (!dom->ops->domain_id)
		return -EOPNOTSUPP;
	return dom->ops->domain_id(dom, id);
}

IODIRTY_EXPORT int iodirty_domain_attach(struct iodirty_domain *dom,
					 uint32_t dev_id,
					 struct iodirty_attach_opts *opts)
{
	struct iodirty_attach_opts o;
	uint32_t hwpt_id = 0;
	int ret;

	if (!dom)
		return -EINVAL;
	ret = iodirty_opts_copy_in(&o, sizeof(o), opts);
	if (ret)
		return ret;
	/* out_hwpt_id is output only: whatever the caller left there. */
	if (o.flags || o.__reserved || o.__reserved2)
		return -EOPNOTSUPP;
	if (o.max_iopte && o.max_iopte != IODIRTY_IOPTE_ANY &&
	    (o.max_iopte < IODIRTY_PAGE_SIZE ||
	     (o.max_iopte & (o.max_iopte - 1))))
		return -EINVAL;
	if (!dom->ops->attach)
		return -EOPNOTSUPP;
	ret = dom->ops->attach(dom, dev_id, o.max_iopte, &hwpt_id);
	if (!ret && opts && opts->sz >= offsetof(struct iodirty_attach_opts,
						  out_hwpt_id) +
					 sizeof(uint32_t))
		opts->out_hwpt_id = hwpt_id;
	return ret;
}

IODIRTY_EXPORT int iodirty_domain_detach(struct iodirty_domain *dom,
					 uint32_t dev_id)
{
	if (!dom)
		return -EINVAL;
	if (!dom->ops->detach)
		return -EOPNOTSUPP;
	return dom->ops->detach(dom, dev_id);
}

/* Checks shared by both vector calls; *failed is nr from here on. */
static int vec_check(struct iodirty_domain *dom, const void *segs, size_t nr,
		     size_t **failed, size_t *scratch, bool has_op)
{
	if (!*failed)
		*failed = scratch;
	**failed = nr;
	if (!dom || (!segs && nr))
		return -EINVAL;
	if (!has_op)
		return -EOPNOTSUPP;
	return 0;
}

IODIRTY_EXPORT int iodirty_map_vec(struct iodirty_domain *dom,
				   const struct iodirty_map_seg *segs,
				   size_t nr, size_t *failed)
{
	size_t scratch;
	int ret;

	ret = vec_check(dom, segs, nr, &failed, &scratch,
			dom && dom->ops->map_vec);
	if (ret || !nr)
		return ret;
	ret = dom->ops->map_vec(dom, segs, nr, failed);
	iodirty_logs_publish(dom);	/* a failed vector may have mapped some */
	return ret;
}

IODIRTY_EXPORT int iodirty_unmap_vec(struct iodirty_domain *dom,
				     const struct iodirty_unmap_seg *segs,
				     size_t nr, uint64_t *dirty,
				     size_t *failed)
{
	size_t scratch;
	int ret;

	ret = vec_check(dom, segs, nr, &failed, &scratch,
			dom && dom->ops->unmap_vec);
	if (ret || !nr)
		return ret;
	ret = dirty ? iodirty_logs_take(dom) : 0;
	if (ret)
		return ret;
	ret = dom->ops->unmap_vec(dom, segs, nr, dirty, failed);
	iodirty_logs_publish(dom);
	return ret;
}
