// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommufd backend: mappings, reserved regions, IOVA ranges and software
 * DMA. The mirror checks every argument first, so the kernel only sees
 * calls that the library's rules allow, and the errnos are the same as
 * on the other backends.
 */
#include <stdlib.h>
#include <string.h>

#include "iommufd.h"
#include "iommufd_uapi.h"

_Static_assert(IODIRTY_MAP_READ == IOD_PROT_READ &&
	       IODIRTY_MAP_WRITE == IOD_PROT_WRITE, "map flags");

static int ioas_map(struct iodirty_domain *dom, uint64_t iova, uint64_t uaddr,
		    uint64_t length, uint32_t prot)
{
	struct iofd_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOFD_IOAS_MAP_FIXED_IOVA,
		.ioas_id = iofd_dom(dom)->ioas_id,
		.user_va = uaddr,
		.length = length,
		.iova = iova,
	};

	if (prot & IOD_PROT_WRITE)
		cmd.flags |= IOFD_IOAS_MAP_WRITEABLE;
	if (prot & IOD_PROT_READ)
		cmd.flags |= IOFD_IOAS_MAP_READABLE;
	return iodirty_dev_ioctl(iofd_fd(dom), IOFD_IOAS_MAP, &cmd);
}

int iofd_map(struct iodirty_domain *dom, uint64_t iova, uint64_t uaddr,
	     uint64_t length, uint32_t prot)
{
	struct iofd_dom *d = iofd_dom(dom);
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = iod_iopt_map(&d->mirror, iova, uaddr, length, prot);
	if (!ret) {
		/* Pins the pages: -ENOMEM also for RLIMIT_MEMLOCK. */
		ret = ioas_map(dom, iova, uaddr, length, prot);
		/*
		 * keep_areas made the new mapping an area of its own, so this
		 * removes exactly it, without allocating: it cannot fail.
		 */
		if (ret)
			iod_iopt_unmap(&d->mirror, iova, length, 0, NULL, NULL);
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/*
 * Order: check with the mirror, harvest the HWPTs into the mirror, unmap
 * the IOAS, unmap the mirror last. The mirror's unmap was checked to cut
 * no area, so it removes whole areas and cannot fail; an IOAS_UNMAP that
 * fails leaves both as they were, with the harvested bits kept in the
 * mirror for the next read. Mirror first would need a re-map, which can
 * run out of memory, to undo a failed IOAS_UNMAP. Device writes between
 * the harvest and IOAS_UNMAP are lost: hence no UNMAP_DIRTY_ATOMIC.
 */
int iofd_unmap(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
	       uint64_t page_size, uint64_t *bitmap, uint64_t *unmapped,
	       uint64_t *dirty)
{
	struct iod_read_count cnt = { 0, 0, false };
	struct iofd_dom *d = iofd_dom(dom);
	struct iofd_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = d->ioas_id,
		.iova = iova,
		.length = length,
	};
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = iod_iopt_unmap_check(&d->mirror, iova, length, page_size,
				   bitmap);
	if (!ret && bitmap)
		ret = iofd_harvest_locked(dom, NULL, iova, iova + length - 1,
					  false);
	if (!ret)
		ret = iodirty_dev_ioctl(iofd_fd(dom), IOFD_IOAS_UNMAP, &cmd);
	if (!ret)
		ret = iod_iopt_unmap_counted(&d->mirror, iova, length,
					     page_size, bitmap, unmapped, &cnt);
	pthread_mutex_unlock(&d->lock);
	*dirty = cnt.found;
	return ret;
}

int iofd_translate(struct iodirty_domain *dom, uint64_t iova,
		   uint64_t *uaddr, uint64_t *contig)
{
	return iod_iopt_translate(&iofd_dom(dom)->mirror, iova, uaddr, contig);
}

int64_t iofd_mappings(struct iodirty_domain *dom, uint64_t iova,
		      struct iodirty_mapping *out, size_t nr)
{
	return iodirty_local_mappings(&iofd_dom(dom)->mirror, iova, out, nr);
}

/*
 * Reserved regions live in the mirror only: it refuses maps into them,
 * so the IOAS never gets one.
 */
int iofd_reserve(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		 uint32_t type)
{
	struct iofd_dom *d = iofd_dom(dom);
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = iod_iopt_reserve(&d->mirror, iova, length, type);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int iofd_unreserve(struct iodirty_domain *dom, uint64_t iova,
		   uint64_t length)
{
	struct iofd_dom *d = iofd_dom(dom);
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = iod_iopt_unreserve(&d->mirror, iova, length);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int iofd_reserved(struct iodirty_domain *dom, struct iodirty_range *out,
		  size_t *count)
{
	return iod_iopt_reserved(&iofd_dom(dom)->mirror,
				 (struct iod_range *)out, count);
}

/* Usable ranges of the mirror, in a new array: 0 or a negative errno. */
static int mirror_ranges(struct iofd_dom *d, struct iod_range **out,
			 size_t *nr)
{
	size_t n = 0;
	int ret;

	iod_iopt_iova_ranges(&d->mirror, NULL, &n);	/* -EMSGSIZE or 0 */
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*nr = n;
	/* Cannot grow meanwhile: reserve takes d->lock, held here. */
	ret = iod_iopt_iova_ranges(&d->mirror, *out, nr);
	if (ret)
		free(*out);
	return ret;
}

/* Ranges the kernel allows in the IOAS (the attached devices' apertures). */
static int kernel_ranges(struct iodirty_domain *dom,
			 struct iofd_iova_range **out, size_t *nr)
{
	struct iofd_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = iofd_dom(dom)->ioas_id,
	};
	struct iofd_iova_range *v = NULL;
	int ret;

	/* The count first; attach and detach are held off by d->lock. */
	ret = iodirty_dev_ioctl(iofd_fd(dom), IOFD_IOAS_IOVA_RANGES, &cmd);
	if (ret && ret != -EMSGSIZE)
		return ret;
	v = calloc(cmd.num_iovas ? cmd.num_iovas : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	cmd.allowed_iovas = (uint64_t)(uintptr_t)v;
	ret = iodirty_dev_ioctl(iofd_fd(dom), IOFD_IOAS_IOVA_RANGES, &cmd);
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	*nr = cmd.num_iovas;
	return 0;
}

/* Writes the intersection of two sorted lists; returns how many exist. */
static size_t intersect(const struct iod_range *a, size_t na,
			const struct iofd_iova_range *b, size_t nb,
			struct iodirty_range *out, size_t cap)
{
	size_t i = 0, j = 0, n = 0;

	while (i < na && j < nb) {
		uint64_t s = a[i].start > b[j].start ? a[i].start : b[j].start;
		uint64_t l = a[i].last < b[j].last ? a[i].last : b[j].last;

		if (s <= l) {
			if (n < cap) {
				memset(&out[n], 0, sizeof(out[n]));
				out[n].start = s;
				out[n].last = l;
			}
			n++;
		}
		if (a[i].last < b[j].last)
			i++;
		else
			j++;
	}
	return n;
}

int iofd_iova_ranges(struct iodirty_domain *dom, struct iodirty_range *out,
		     size_t *count)
{
	struct iofd_dom *d = iofd_dom(dom);
	struct iofd_iova_range *kr = NULL;
	struct iod_range *mr = NULL;
	size_t nm = 0, nk = 0, n;
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = mirror_ranges(d, &mr, &nm);
	if (!ret)
		ret = kernel_ranges(dom, &kr, &nk);
	pthread_mutex_unlock(&d->lock);
	if (!ret) {
		n = intersect(mr, nm, kr, nk, out, *count);
		ret = n > *count ? -EMSGSIZE : 0;
		*count = n;
	}
	free(mr);
	free(kr);
	return ret;
}

int iofd_dma(struct iodirty_domain *dom, uint64_t iova, void *buf,
	     uint64_t length, bool write)
{
	return iodirty_local_dma(&iofd_dom(dom)->mirror, iova, buf, length,
				 write);
}

int iofd_dmav(struct iodirty_domain *dom, const struct iodirty_dma_seg *segs,
	      size_t nr_segs, bool write, uint64_t *done)
{
	return iodirty_local_dmav(&iofd_dom(dom)->mirror, segs, nr_segs, write,
				  done);
}

int iofd_sg_get(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		uint32_t flags, struct iodirty_sg *sg, size_t *nr_sg,
		struct iodirty_sg_hold **hold)
{
	return iodirty_local_sg_get(&iofd_dom(dom)->mirror, dom, iova, length,
				    flags, sg, nr_sg, hold);
}

int iofd_sg_put(struct iodirty_domain *dom, struct iodirty_sg_hold *hold,
		uint64_t written)
{
	return iodirty_local_sg_put(&iofd_dom(dom)->mirror, hold, written);
}

int iofd_mark_dirty(struct iodirty_domain *dom, uint64_t iova,
		    uint64_t length)
{
	return iod_iopt_mark_dirty(&iofd_dom(dom)->mirror, iova, length);
}
