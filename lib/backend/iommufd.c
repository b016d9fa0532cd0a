// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The iommufd backend: IOASes and per-device HWPTs of the upstream
 * /dev/iommu, each domain mirrored by a core io-pagetable (iommufd.h).
 * This file: the device, capabilities, domain lifetime, counters, and
 * attaching devices; iommufd_map.c: mappings, reserved regions and DMA;
 * iommufd_dirty.c: dirty tracking and reads.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommufd.h"
#include "iommufd_uapi.h"

int iofd_destroy(int fd, uint32_t id)
{
	struct iofd_destroy cmd = { .size = sizeof(cmd), .id = id };

	return iodirty_dev_ioctl(fd, IOFD_DESTROY, &cmd);
}

/*
 * Whether @fd is an iommufd: object 0 never exists (IDs start at 1), so an
 * iommufd answers DESTROY(0) with ENOENT, anything else differently.
 */
static bool is_iommufd(int fd)
{
	return iofd_destroy(fd, 0) == -ENOENT;
}

static int iofd_open(struct iodirty_ctx *ctx)
{
	struct iofd_ctx *ic;
	int fd;

	if (ctx->adopt_fd >= 0) {
		fd = fcntl(ctx->adopt_fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (!is_iommufd(fd)) {
			close(fd);
			return -ENODEV;
		}
	} else {
		fd = iodirty_dev_open(IOMMUFD_DEVICE);
		if (fd < 0)
			return fd;
	}
	ic = malloc(sizeof(*ic));
	if (!ic) {
		close(fd);
		return -ENOMEM;
	}
	ic->fd = fd;
	ctx->priv = ic;
	return 0;
}

static void iofd_close(struct iodirty_ctx *ctx)
{
	struct iofd_ctx *ic = ctx->priv;

	/* Closing our duplicate frees what the domains left behind; the
	 * caller's adopted fd keeps its own objects. */
	close(ic->fd);
	free(ic);
}

static void iofd_caps(struct iodirty_ctx *ctx, struct iodirty_caps *caps)
{
	(void)ctx;
	/*
	 * No UNMAP_DIRTY_ATOMIC: IOAS_UNMAP cannot report dirty bits, so the
	 * HWPTs are read before the unmap (see iodirty.h). No PARTIAL_UNMAP:
	 * iommufd cannot split a mapping. No HW_MODEL: a modelled domain is
	 * the soft backend's.
	 */
	caps->flags = IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW |
		      IODIRTY_CAP_SG | IODIRTY_CAP_MAPPINGS |
		      IODIRTY_CAP_EXTENTS |
		      IODIRTY_CAP_UADDR_REPORT | IODIRTY_CAP_USER_RESERVE |
		      IODIRTY_CAP_ATTACH;
	caps->page_sizes = IOD_PAGE_SIZE;
	caps->granules = IODIRTY_LOCAL_GRANULES;	/* the mirror's */
	caps->max_iova_bits = 64;
	caps->default_iova_bits = 48;
	caps->max_mappings = 0;
}

static int iofd_domain_create(struct iodirty_domain *dom,
			      const struct iodirty_domain_params *p)
{
	struct iod_iopt_params ip = {
		.iova_bits = p->iova_bits,
		.granule_shift = p->granule_shift,
		.keep_areas = true,
	};
	struct iofd_ioas_alloc alloc = { .size = sizeof(alloc) };
	int fd = iofd_fd(dom);		/* needs only dom->ctx */
	struct iofd_dom *d;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = -pthread_mutex_init(&d->lock, NULL);
	if (ret)
		goto free;
	ret = iod_iopt_init(&d->mirror, &ip);
	if (ret)
		goto mutex;
	ret = iodirty_dev_ioctl(fd, IOFD_IOAS_ALLOC, &alloc);
	if (ret)
		goto mirror;
	d->ioas_id = alloc.out_ioas_id;
	dom->priv = d;
	return 0;
mirror:
	iod_iopt_fini(&d->mirror);
mutex:
	pthread_mutex_destroy(&d->lock);
free:
	free(d);
	return ret;
}

static void iofd_domain_destroy(struct iodirty_domain *dom)
{
	struct iofd_dom *d = iofd_dom(dom);
	int fd = iofd_fd(dom);
	size_t i;

	/*
	 * A HWPT a device still uses stays busy, and so does the IOAS under
	 * it; both are then freed when the context's fd is closed. The caller
	 * was told to detach first, and a void call has no way to say more.
	 */
	for (i = 0; i < d->nr_devs; i++)
		iofd_destroy(fd, d->devs[i].hwpt_id);
	iofd_destroy(fd, d->ioas_id);
	iod_iopt_fini(&d->mirror);
	pthread_mutex_destroy(&d->lock);
	free(d->devs);
	free(d);
}

static void iofd_stats(struct iodirty_domain *dom, struct iodirty_stats *st)
{
	struct iofd_dom *d = iofd_dom(dom);

	iodirty_local_stats(&d->mirror, dom, st);
	st->hw_read_overflows = __atomic_load_n(&d->hw_read_overflows,
						__ATOMIC_RELAXED);
}

static int iofd_domain_id(struct iodirty_domain *dom, uint32_t *id)
{
	*id = iofd_dom(dom)->ioas_id;
	return 0;
}

static struct iofd_dev *find_dev(struct iofd_dom *d, uint32_t dev_id)
{
	size_t i;

	for (i = 0; i < d->nr_devs; i++)
		if (d->devs[i].dev_id == dev_id)
			return &d->devs[i];
	return NULL;
}

/*
 * 0 if device @dev_id's IOMMU tracks dirty pages, else a negative errno.
 * Sets *span_shift from @max_iopte, or when that is 0 from the IOMMU's
 * type: only types whose leaves are known to be at most 1 GiB get 1 GiB
 * spans, every other one (AMD's v1 tables have leaves of any power-of-two
 * size up to 2^51) whole-area reads.
 */
static int dev_can_track(int fd, uint32_t dev_id, uint64_t max_iopte,
			 uint32_t *span_shift)
{
	struct iofd_hw_info info = { .size = sizeof(info), .dev_id = dev_id };
	int ret;

	ret = iodirty_dev_ioctl(fd, IOFD_GET_HW_INFO, &info);
	if (ret)
		return ret;
	if (!(info.out_capabilities & IOFD_HW_CAP_DIRTY_TRACKING))
		return -EOPNOTSUPP;
	if (!max_iopte &&
	    (info.out_data_type == IOFD_HW_INFO_TYPE_INTEL_VTD ||
	     info.out_data_type == IOFD_HW_INFO_TYPE_SELFTEST))
		max_iopte = 1ULL << 30;
	*span_shift = !max_iopte || max_iopte == IODIRTY_IOPTE_ANY ?
		      IOFD_SPAN_AREA : (uint32_t)__builtin_ctzll(max_iopte);
	return 0;
}

static int attach_locked(struct iodirty_domain *dom, uint32_t dev_id,
			 uint64_t max_iopte, uint32_t *hwpt_id)
{
	struct iofd_dom *d = iofd_dom(dom);
	struct iofd_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.flags = IOFD_HWPT_ALLOC_DIRTY_TRACKING,
		.dev_id = dev_id,
		.pt_id = d->ioas_id,
	};
	int fd = iofd_fd(dom);
	uint32_t span_shift;
	int ret;

	if (find_dev(d, dev_id))
		return -EEXIST;
	ret = dev_can_track(fd, dev_id, max_iopte, &span_shift);
	if (ret)
		return ret;
	/* Room first, so that nothing can fail once the HWPT exists. */
	if (d->nr_devs == d->cap_devs) {
		size_t cap = d->cap_devs ? 2 * d->cap_devs : 4;
		struct iofd_dev *v = realloc(d->devs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->devs = v;
		d->cap_devs = cap;
	}
	ret = iodirty_dev_ioctl(fd, IOFD_HWPT_ALLOC, &alloc);
	if (ret)
		return ret;
	if (iod_iopt_tracking(&d->mirror)) {
		ret = iofd_hwpt_tracking(fd, alloc.out_hwpt_id, true);
		if (ret) {
			iofd_destroy(fd, alloc.out_hwpt_id);
			return ret;
		}
	}
	d->devs[d->nr_devs].dev_id = dev_id;
	d->devs[d->nr_devs].hwpt_id = alloc.out_hwpt_id;
	d->devs[d->nr_devs].span_shift = span_shift;
	d->nr_devs++;
	*hwpt_id = alloc.out_hwpt_id;
	return 0;
}

static int iofd_attach(struct iodirty_domain *dom, uint32_t dev_id,
		       uint64_t max_iopte, uint32_t *hwpt_id)
{
	struct iofd_dom *d = iofd_dom(dom);
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = attach_locked(dom, dev_id, max_iopte, hwpt_id);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int detach_locked(struct iodirty_domain *dom, uint32_t dev_id)
{
	struct iofd_dom *d = iofd_dom(dom);
	struct iofd_dev *dev = find_dev(d, dev_id);
	int ret;

	if (!dev)
		return -ENOENT;
	/* Keep what the HWPT recorded: it dies with the HWPT otherwise. */
	ret = iofd_harvest_locked(dom, dev, 0, ~0ULL, false);
	if (ret)
		return ret;
	ret = iofd_destroy(iofd_fd(dom), dev->hwpt_id);
	if (ret)
		return ret;
	*dev = d->devs[--d->nr_devs];
	return 0;
}

static int iofd_detach(struct iodirty_domain *dom, uint32_t dev_id)
{
	struct iofd_dom *d = iofd_dom(dom);
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = detach_locked(dom, dev_id);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

const struct iodirty_backend_ops iodirty_iommufd_ops = {
	.name = "iommufd",
	.open = iofd_open,
	.close = iofd_close,
	.caps = iofd_caps,
	.domain_create = iofd_domain_create,
	.domain_destroy = iofd_domain_destroy,
	.map = iofd_map,
	.unmap = iofd_unmap,
	.translate = iofd_translate,
	.mappings = iofd_mappings,
	.reserve = iofd_reserve,
	.unreserve = iofd_unreserve,
	.reserved = iofd_reserved,
	.iova_ranges = iofd_iova_ranges,
	.set_tracking = iofd_set_tracking,
	.read_dirty = iofd_read_dirty,
	.read_dirty_uaddr = iofd_read_dirty_uaddr,
	.read_extents = iofd_read_extents,
	.dma = iofd_dma,
	.dmav = iofd_dmav,
	.sg_get = iofd_sg_get,
	.sg_put = iofd_sg_put,
	.mark_dirty = iofd_mark_dirty,
	.stats = iofd_stats,
	.domain_id = iofd_domain_id,
	.attach = iofd_attach,
	.detach = iofd_detach,
	.adopts_fd = true,
};
