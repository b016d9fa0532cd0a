/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Library internals shared by the API layer and the backends.
 *
 * The API layer (api*.c) checks what does not depend on a backend: NULL
 * handles, options structs (sz, unknown tails, reserved fields, flags) and
 * then calls the backend through struct iodirty_backend_ops. Value checks
 * of addresses and lengths live in the core (lib/core/iopt*.c) or, for the
 * kernel backends, in the kernel, so each check exists once.
 */
#ifndef IODIRTY_INTERNAL_H
#define IODIRTY_INTERNAL_H

#include <libiodirty/iodirty.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Marks a definition as part of the ABI (see libiodirty.sym). */
#define IODIRTY_EXPORT __attribute__((visibility("default")))

struct iodirty_domain;

/* Normalised domain parameters, after defaults are applied. */
struct iodirty_domain_params {
	uint32_t iova_bits;
	uint32_t granule_shift;
	bool hw_model;		/* IODIRTY_DOMAIN_HW_MODEL */
	uint32_t hw_split;	/* enum iodirty_hw_split */
};

struct iodirty_backend_ops {
	const char *name;
	/* Sets ctx->priv. May fail with -ENODEV when its device is missing. */
	int (*open)(struct iodirty_ctx *ctx);
	void (*close)(struct iodirty_ctx *ctx);
	/* Fills a full-size caps struct (sz already set). */
	void (*caps)(struct iodirty_ctx *ctx, struct iodirty_caps *caps);

	/* Sets dom->priv. */
	int (*domain_create)(struct iodirty_domain *dom,
			     const struct iodirty_domain_params *p);
	void (*domain_destroy)(struct iodirty_domain *dom);

	int (*map)(struct iodirty_domain *dom, uint64_t iova, uint64_t uaddr,
		   uint64_t length, uint32_t prot);
	/* With @bitmap, *@dirty receives the report pages found dirty. */
	int (*unmap)(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		     uint64_t page_size, uint64_t *bitmap, uint64_t *unmapped,
		     uint64_t *dirty);
	int (*translate)(struct iodirty_domain *dom, uint64_t iova,
			 uint64_t *uaddr, uint64_t *contig);
	/*
	 * Optional (NULL: -EOPNOTSUPP). Up to @nr runs of mapped pages from
	 * @iova's page up, in IOVA order, the first clipped to that page;
	 * runs need not be maximal (iodirty_mappings() merges them). Returns
	 * how many, fewer than @nr only when no more is mapped. Called with
	 * @iova inside the IOVA width and @nr > 0.
	 */
	int64_t (*mappings)(struct iodirty_domain *dom, uint64_t iova,
			    struct iodirty_mapping *out, size_t nr);

	int (*reserve)(struct iodirty_domain *dom, uint64_t iova,
		       uint64_t length, uint32_t type);
	int (*unreserve)(struct iodirty_domain *dom, uint64_t iova,
			 uint64_t length);
	/* Same contract as iodirty_reserved_regions()/iodirty_iova_ranges(). */
	int (*reserved)(struct iodirty_domain *dom, struct iodirty_range *out,
			size_t *count);
	int (*iova_ranges)(struct iodirty_domain *dom,
			   struct iodirty_range *out, size_t *count);

	int (*set_tracking)(struct iodirty_domain *dom, bool enable);
	int64_t (*read_dirty)(struct iodirty_domain *dom, uint64_t iova,
			      uint64_t length, uint64_t page_size,
			      uint64_t *bitmap, uint32_t flags);
	int64_t (*read_dirty_uaddr)(struct iodirty_domain *dom, uint64_t uaddr,
				    uint64_t length, uint64_t page_size,
				    uint64_t *bitmap, uint32_t flags);

	int (*dma)(struct iodirty_domain *dom, uint64_t iova, void *buf,
		   uint64_t length, bool write);
	int (*mark_dirty)(struct iodirty_domain *dom, uint64_t iova,
			  uint64_t length);

	/*
	 * Optional (NULL: -EOPNOTSUPP). Called with validated pointers
	 * (@segs non-NULL, every buf non-NULL, nr_segs > 0; @done non-NULL
	 * and zeroed; @nr_sg and @hold non-NULL; @flags known).
	 */
	int (*dmav)(struct iodirty_domain *dom,
		    const struct iodirty_dma_seg *segs, size_t nr_segs,
		    bool write, uint64_t *done);
	int (*sg_get)(struct iodirty_domain *dom, uint64_t iova,
		      uint64_t length, uint32_t flags, struct iodirty_sg *sg,
		      size_t *nr_sg, struct iodirty_sg_hold **hold);
	int (*sg_put)(struct iodirty_domain *dom, struct iodirty_sg_hold *hold,
		      uint64_t written);

	/*
	 * Optional (NULL: -EOPNOTSUPP). Called with @ext and @next non-NULL
	 * and @nr > 0 (read_extents), @bitmap non-NULL (set_dirty), @ext
	 * non-NULL when @nr > 0 (set_dirty_extents).
	 */
	int64_t (*read_extents)(struct iodirty_domain *dom, uint64_t addr,
				uint64_t length, uint64_t page_size,
				struct iodirty_extent *ext, size_t nr,
				uint64_t *next, uint32_t flags);
	int (*set_dirty)(struct iodirty_domain *dom, uint64_t addr,
			 uint64_t length, uint64_t page_size,
			 const uint64_t *bitmap, uint32_t flags);
	int (*set_dirty_extents)(struct iodirty_domain *dom,
				 const struct iodirty_extent *ext, size_t nr,
				 uint32_t flags);

	/*
	 * Optional (NULL: -EOPNOTSUPP). Called with @segs non-NULL, @nr > 0
	 * and @failed non-NULL, set to @nr.
	 */
	int (*map_vec)(struct iodirty_domain *dom,
		       const struct iodirty_map_seg *segs, size_t nr,
		       size_t *failed);
	int (*unmap_vec)(struct iodirty_domain *dom,
			 const struct iodirty_unmap_seg *segs, size_t nr,
			 uint64_t *dirty, size_t *failed);

	/* Fills a full-size stats struct (sz already set). */
	void (*stats)(struct iodirty_domain *dom, struct iodirty_stats *st);

	/* Optional (NULL: -EOPNOTSUPP). */
	int (*domain_id)(struct iodirty_domain *dom, uint32_t *id);
	/* @max_iopte: 0, a power of two from 4 KiB or IODIRTY_IOPTE_ANY. */
	int (*attach)(struct iodirty_domain *dom, uint32_t dev_id,
		      uint64_t max_iopte, uint32_t *hwpt_id);
	int (*detach)(struct iodirty_domain *dom, uint32_t dev_id);

	/* open() accepts IODIRTY_CTX_ADOPT_FD (ctx->adopt_fd). */
	bool adopts_fd;
};

/*
 * What iodirty_sg_get() returns. A backend may allocate it inside a larger
 * struct of its own (the local backends keep the core's hold after it).
 */
struct iodirty_sg_hold {
	struct iodirty_domain *dom;	/* iodirty_sg_put() checks it */
	uint64_t id;			/* kmod: the module's hold id */
};

struct iodirty_ctx {
	const struct iodirty_backend_ops *ops;
	void *priv;
	/* The caller's fd to duplicate, or -1: open the device. */
	int adopt_fd;
};

struct iodirty_domain {
	struct iodirty_ctx *ctx;	/* NULL for an imported log */
	const struct iodirty_backend_ops *ops;
	struct iodirty_domain_params params;
	void *priv;
	/* Logs exported for device processes (api_log.c). */
	pthread_mutex_t log_lock;	/* the list, and taking the logs */
	struct iodirty_log *logs;
	atomic_uint nlogs;		/* read without the lock: any logs? */
};

/* Imported logs: iodirty_mark_dirty() and destroy; the rest -EPERM. */
extern const struct iodirty_backend_ops iodirty_log_ops;

/*
 * Takes what the domain's exported logs hold into the domain, before a
 * dirty read or an unmap with a report. One load when there are none.
 * Returns 0 or the negative errno of a mark (the marks not taken stay in
 * their logs).
 */
int iodirty_logs_take_slow(struct iodirty_domain *dom);
static inline int iodirty_logs_take(struct iodirty_domain *dom)
{
	if (!atomic_load_explicit(&dom->nlogs, memory_order_acquire))
		return 0;
	return iodirty_logs_take_slow(dom);
}
/*
 * iodirty_set_dirty_tracking(): the logs are taken under the state they
 * were marked in, and no take runs between that and the change.
 */
int iodirty_logs_set_tracking(struct iodirty_domain *dom, bool enable);
/*
 * Runs of IOVA bytes taken from the logs: what a read-and-clear of
 * extents reports without marking it into the domain first
 * (api_log_extents.c).
 */
struct iod_runs {
	struct iodirty_extent *v;
	size_t n, cap;
};
/*
 * With dom->log_lock held: takes every log into @r, ascending by start,
 * exact (granules that hold a mapped byte); what @r cannot hold (ENOMEM)
 * goes into the domain. Returns 0 or the negative errno of a mark into
 * the domain (the marks not taken stay in their logs).
 */
int iodirty_logs_collect(struct iodirty_domain *dom, struct iod_runs *r);
/*
 * With dom->log_lock held: marks a run taken from a log into the domain,
 * its mapped part; when that fails, puts it back into the logs. Returns 0
 * or the negative errno of the mark.
 */
int iodirty_logs_mark(struct iodirty_domain *dom, uint64_t iova,
		      uint64_t len);
int64_t iodirty_logs_read_extents(struct iodirty_domain *dom, uint64_t addr,
				  uint64_t length, uint64_t page_size,
				  struct iodirty_extent *ext, size_t nr,
				  uint64_t *next);
/*
 * After a map or unmap of any kind: the mapping tables shared beside the
 * logs (IODIRTY_LOG_MAPPINGS) are written again. One load when there are
 * no logs.
 */
void iodirty_logs_publish_slow(struct iodirty_domain *dom);
static inline void iodirty_logs_publish(struct iodirty_domain *dom)
{
	if (atomic_load_explicit(&dom->nlogs, memory_order_acquire))
		iodirty_logs_publish_slow(dom);
}
/* Revokes every log of a domain being destroyed. */
void iodirty_logs_fini(struct iodirty_domain *dom);

/*
 * Kernel backends (devfd.c): opens @path read-write, close-on-exec; returns
 * the fd, -ENODEV when the device node or its driver is missing, or
 * another negative errno.
 */
int iodirty_dev_open(const char *path);
/* ioctl(@fd, @cmd, @arg): 0, or the negative errno of the failure. */
int iodirty_dev_ioctl(int fd, unsigned long cmd, void *arg);

extern const struct iodirty_backend_ops iodirty_soft_ops;
extern const struct iodirty_backend_ops iodirty_kmod_ops;
extern const struct iodirty_backend_ops iodirty_iommufd_ops;

/* The kernel module's device, driven by the kmod backend. */
#define IODIRTY_KMOD_DEVICE "/dev/iodirty"

/*
 * Options struct checks (opts.c). An input struct of @user_sz bytes is
 * acceptable when user_sz >= sizeof(size_t) and every byte past @known_sz
 * is zero. Returns 0, -EINVAL or -E2BIG.
 */
int iodirty_opts_check(const void *opts, size_t user_sz, size_t known_sz);

/*
 * Copies an input options struct into @dst (known_sz bytes, zero-filled
 * first) after iodirty_opts_check(); fields past the caller's sz read as 0.
 * A NULL @opts gives all zeroes. Returns 0, -EINVAL or -E2BIG.
 */
int iodirty_opts_copy_in(void *dst, size_t known_sz, const void *opts);

/*
 * Copies a library-filled output struct @src (known_sz bytes) to the
 * caller's @dst, whose sz field says how large it is: fields that fit are
 * written, bytes past known_sz are zeroed, sz is left as the caller set it.
 * Returns 0 or -EINVAL (NULL, or sz < sizeof(size_t)).
 */
int iodirty_opts_copy_out(void *dst, const void *src, size_t known_sz);

#endif /* IODIRTY_INTERNAL_H */
