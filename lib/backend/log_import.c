// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * An imported dirty log (since 0.6): the device process's mark-only domain
 * handle. Its mark sets bits in the shared memory and nothing else; with a
 * mapping table (log_dma.c) it also translates and does DMA. Every other
 * call fails with -EPERM, so a device that calls one by mistake learns why
 * rather than that the call "is not supported".
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "log_import.h"

int log_fd_sealed(int fd)
{
	int seals;

	if (fd < 0)
		return -EBADF;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 && errno == EBADF)
		return -EBADF;
	return seals < 0 || !(seals & F_SEAL_SHRINK) ? -EINVAL : 0;
}

int log_mark(struct iodirty_domain *dom, uint64_t iova, uint64_t length)
{
	const struct log_import *imp = dom->priv;
	const struct iod_shlog_geo *g = &imp->geo;
	uint64_t last, wlast;

	if (!length)
		return -EINVAL;
	last = iova + length - 1;
	if (last < iova)
		return -EOVERFLOW;
	wlast = g->iova + (g->granules << g->granule_shift) - 1;
	if (iova < g->iova || last > wlast)
		return -ERANGE;
	iod_shlog_mark(imp->base, g, (iova - g->iova) >> g->granule_shift,
		       ((last - g->iova) >> g->granule_shift) + 1);
	return 0;
}

static void log_destroy(struct iodirty_domain *dom)
{
	struct log_import *imp = dom->priv;

	log_tab_fini(imp);
	munmap(imp->base, (size_t)imp->geo.size);
	free(imp);
}

IODIRTY_EXPORT int iodirty_log_import(int fd, uint32_t flags,
				      struct iodirty_domain **out)
{
	struct iodirty_domain *dom;
	struct log_import *imp;
	struct stat st;
	void *base;
	int ret;

	if (!out)
		return -EINVAL;
	if (flags)
		return -EOPNOTSUPP;
	/*
	 * Unsealed, the VMM's side could shrink the file under our stores.
	 * The seals first: once F_SEAL_SHRINK is seen the size cannot drop
	 * below what fstat() says next.
	 */
	ret = log_fd_sealed(fd);
	if (ret)
		return ret;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < IOD_SHLOG_HDR_SIZE ||
	    (uint64_t)st.st_size > SIZE_MAX)
		return -EINVAL;
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	imp = calloc(1, sizeof(*imp));
	dom = calloc(1, sizeof(*dom));
	if (!imp || !dom ||
	    iod_shlog_geo_from_hdr(&imp->geo, base, (uint64_t)st.st_size)) {
		ret = imp && dom ? -EINVAL : -ENOMEM;
		munmap(base, (size_t)st.st_size);
		free(imp);
		free(dom);
		return ret;
	}
	imp->base = base;
	imp->tab_fd = -1;
	pthread_mutex_init(&imp->lock, NULL);
	dom->ops = &iodirty_log_ops;
	dom->priv = imp;
	dom->params.granule_shift = imp->geo.granule_shift;
	dom->params.iova_bits = 64;
	pthread_mutex_init(&dom->log_lock, NULL);
	*out = dom;
	return 0;
}

/* ---- every other call: -EPERM ---- */

static int no_map(struct iodirty_domain *d, uint64_t a, uint64_t u,
		  uint64_t l, uint32_t p)
{
	(void)d, (void)a, (void)u, (void)l, (void)p;
	return -EPERM;
}

static int no_unmap(struct iodirty_domain *d, uint64_t a, uint64_t l,
		    uint64_t ps, uint64_t *bm, uint64_t *un, uint64_t *dirty)
{
	(void)d, (void)a, (void)l, (void)ps, (void)bm, (void)un, (void)dirty;
	return -EPERM;
}

static int64_t no_mappings(struct iodirty_domain *d, uint64_t a,
			   struct iodirty_mapping *o, size_t n)
{
	(void)d, (void)a, (void)o, (void)n;
	return -EPERM;
}

static int no_reserve(struct iodirty_domain *d, uint64_t a, uint64_t l,
		      uint32_t t)
{
	(void)d, (void)a, (void)l, (void)t;
	return -EPERM;
}

static int no_unreserve(struct iodirty_domain *d, uint64_t a, uint64_t l)
{
	(void)d, (void)a, (void)l;
	return -EPERM;
}

static int no_ranges(struct iodirty_domain *d, struct iodirty_range *o,
		     size_t *n)
{
	(void)d, (void)o, (void)n;
	return -EPERM;
}

static int no_tracking(struct iodirty_domain *d, bool on)
{
	(void)d, (void)on;
	return -EPERM;
}

static int64_t no_read(struct iodirty_domain *d, uint64_t a, uint64_t l,
		       uint64_t ps, uint64_t *bm, uint32_t f)
{
	(void)d, (void)a, (void)l, (void)ps, (void)bm, (void)f;
	return -EPERM;
}

static int no_dmav(struct iodirty_domain *d, const struct iodirty_dma_seg *s,
		   size_t n, bool w, uint64_t *done)
{
	(void)d, (void)s, (void)n, (void)w, (void)done;
	return -EPERM;
}

static int no_sg_get(struct iodirty_domain *d, uint64_t a, uint64_t l,
		     uint32_t f, struct iodirty_sg *sg, size_t *n,
		     struct iodirty_sg_hold **h)
{
	(void)d, (void)a, (void)l, (void)f, (void)sg, (void)n, (void)h;
	return -EPERM;
}

static int64_t no_read_extents(struct iodirty_domain *d, uint64_t a,
			       uint64_t l, uint64_t ps,
			       struct iodirty_extent *e, size_t n,
			       uint64_t *next, uint32_t f)
{
	(void)d, (void)a, (void)l, (void)ps, (void)e, (void)n, (void)next;
	(void)f;
	return -EPERM;
}

static int no_set_dirty(struct iodirty_domain *d, uint64_t a, uint64_t l,
			uint64_t ps, const uint64_t *bm, uint32_t f)
{
	(void)d, (void)a, (void)l, (void)ps, (void)bm, (void)f;
	return -EPERM;
}

static int no_set_dirty_extents(struct iodirty_domain *d,
				const struct iodirty_extent *e, size_t n,
				uint32_t f)
{
	(void)d, (void)e, (void)n, (void)f;
	return -EPERM;
}

static int no_map_vec(struct iodirty_domain *d,
		      const struct iodirty_map_seg *s, size_t n,
		      size_t *failed)
{
	(void)d, (void)s, (void)n, (void)failed;
	return -EPERM;
}

static int no_unmap_vec(struct iodirty_domain *d,
			const struct iodirty_unmap_seg *s, size_t n,
			uint64_t *dirty, size_t *failed)
{
	(void)d, (void)s, (void)n, (void)dirty, (void)failed;
	return -EPERM;
}

static int no_domain_id(struct iodirty_domain *d, uint32_t *id)
{
	(void)d, (void)id;
	return -EPERM;
}

static int no_attach(struct iodirty_domain *d, uint32_t dev, uint64_t m,
		     uint32_t *hwpt)
{
	(void)d, (void)dev, (void)m, (void)hwpt;
	return -EPERM;
}

static int no_detach(struct iodirty_domain *d, uint32_t dev)
{
	(void)d, (void)dev;
	return -EPERM;
}

/*
 * No sg_put (a hold of this handle cannot exist, so the API's own check
 * refuses it) and no stats (iodirty_domain_stats() gives -EPERM).
 */
const struct iodirty_backend_ops iodirty_log_ops = {
	.name = "log",
	.domain_destroy = log_destroy,
	.map = no_map,
	.unmap = no_unmap,
	.translate = log_translate,
	.mappings = no_mappings,
	.reserve = no_reserve,
	.unreserve = no_unreserve,
	.reserved = no_ranges,
	.iova_ranges = no_ranges,
	.set_tracking = no_tracking,
	.read_dirty = no_read,
	.read_dirty_uaddr = no_read,
	.dma = log_dma,
	.mark_dirty = log_mark,
	.dmav = no_dmav,
	.sg_get = no_sg_get,
	.read_extents = no_read_extents,
	.set_dirty = no_set_dirty,
	.set_dirty_extents = no_set_dirty_extents,
	.map_vec = no_map_vec,
	.unmap_vec = no_unmap_vec,
	.domain_id = no_domain_id,
	.attach = no_attach,
	.detach = no_detach,
};
