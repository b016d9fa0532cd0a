// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The kmod backend: io-pagetables of the libiodirty kernel module, driven
 * through /dev/iodirty. The module compiles the same core as the soft
 * backend and checks every argument itself, so the backend only translates
 * between the public types and the uAPI structs. This file: the device,
 * its capabilities, domain lifetime and counters; kmod_map.c: mappings and
 * reserved regions; kmod_dirty.c: dirty tracking and DMA, vectored and
 * zero-copy (held ranges) included.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iopt.h"
#include "kmod.h"

/* Passed through unchanged (compared as ints: enumerators of two enums). */
_Static_assert((int)IODIRTY_HW_SPLIT_NONE ==
	       (int)IODIRTY_IOAS_HW_SPLIT_NONE &&
	       (int)IODIRTY_HW_SPLIT_EAGER ==
	       (int)IODIRTY_IOAS_HW_SPLIT_EAGER, "hw_split");

/* How long domain_destroy waits out a transient EBUSY: 1000 x 100 us. */
#define KMOD_DESTROY_TRIES	1000
#define KMOD_DESTROY_WAIT_NS	100000

static const struct {
	uint64_t info;
	uint64_t cap;
} cap_map[] = {
	{ IODIRTY_INFO_CAP_DIRTY_TRACKING, IODIRTY_CAP_DIRTY_TRACKING },
	{ IODIRTY_INFO_CAP_UNMAP_DIRTY, IODIRTY_CAP_UNMAP_DIRTY_ATOMIC },
	{ IODIRTY_INFO_CAP_PARTIAL_UNMAP, IODIRTY_CAP_PARTIAL_UNMAP },
	{ IODIRTY_INFO_CAP_DMA_RW, IODIRTY_CAP_DMA_RW },
	{ IODIRTY_INFO_CAP_UADDR_REPORT, IODIRTY_CAP_UADDR_REPORT },
	{ IODIRTY_INFO_CAP_RESERVE, IODIRTY_CAP_USER_RESERVE },
	{ IODIRTY_INFO_CAP_HW_MODEL, IODIRTY_CAP_HW_MODEL },
	{ IODIRTY_INFO_CAP_SG, IODIRTY_CAP_SG },
	{ IODIRTY_INFO_CAP_MAP_VEC, IODIRTY_CAP_MAP_VEC },
	{ IODIRTY_INFO_CAP_MAPPINGS, IODIRTY_CAP_MAPPINGS },
	{ IODIRTY_INFO_CAP_EXTENTS, IODIRTY_CAP_EXTENTS },
	{ IODIRTY_INFO_CAP_SET_DIRTY, IODIRTY_CAP_SET_DIRTY },
};

static void caps_from_info(struct iodirty_caps *caps,
			   const struct iodirty_info *info)
{
	size_t i;

	memset(caps, 0, sizeof(*caps));
	caps->sz = sizeof(*caps);
	/* Capabilities of a newer module that the library cannot name are
	 * left out: nothing here could use them. */
	for (i = 0; i < sizeof(cap_map) / sizeof(cap_map[0]); i++)
		if (info->out_capabilities & cap_map[i].info)
			caps->flags |= cap_map[i].cap;
	caps->page_sizes = info->out_page_sizes;
	caps->granules = info->out_granules;
	caps->max_iova_bits = info->out_max_iova_bits;
	caps->default_iova_bits = info->out_default_iova_bits;
	caps->max_mappings = info->out_max_mappings;
}

static int kmod_open(struct iodirty_ctx *ctx)
{
	struct iodirty_info info = { .size = sizeof(info) };
	struct kmod_ctx *kc;
	int fd, ret;

	fd = iodirty_dev_open(IODIRTY_KMOD_DEVICE);
	if (fd < 0)
		return fd;
	ret = iodirty_dev_ioctl(fd, IODIRTY_GET_INFO, &info);
	/*
	 * A node that does not know GET_INFO is not the iodirty module, and
	 * a version below 1 is no uAPI this library knows: either way there
	 * is no device it can drive, which callers already handle as -ENODEV
	 * (fall back to another backend, skip a test). Later versions only
	 * add commands, so any version from 1 on works.
	 */
	if (ret == -ENOTTY || (!ret && info.out_uapi_version < 1))
		ret = -ENODEV;
	if (ret)
		goto fail;
	kc = malloc(sizeof(*kc));
	if (!kc) {
		ret = -ENOMEM;
		goto fail;
	}
	kc->fd = fd;
	kc->uapi_version = info.out_uapi_version;
	caps_from_info(&kc->caps, &info);
	ctx->priv = kc;
	return 0;
fail:
	close(fd);
	return ret;
}

static void kmod_close(struct iodirty_ctx *ctx)
{
	struct kmod_ctx *kc = ctx->priv;

	/* Closing the fd also destroys any io-pagetable left behind. */
	close(kc->fd);
	free(kc);
}

static void kmod_caps(struct iodirty_ctx *ctx, struct iodirty_caps *caps)
{
	const struct kmod_ctx *kc = ctx->priv;

	*caps = kc->caps;
}

static void ioas_destroy(int fd, uint32_t id)
{
	struct iodirty_destroy cmd = { .size = sizeof(cmd), .id = id };
	const struct timespec wait = { .tv_nsec = KMOD_DESTROY_WAIT_NS };
	int tries = 0;

	/*
	 * EBUSY means a kernel-side user (not a call of this library: destroy
	 * is the domain's last call) holds the io-pagetable for a moment, and
	 * the module asks to try again. Should it last, the io-pagetable is
	 * freed when the context's fd is closed.
	 */
	while (iodirty_dev_ioctl(fd, IODIRTY_DESTROY, &cmd) == -EBUSY &&
	       ++tries < KMOD_DESTROY_TRIES)
		nanosleep(&wait, NULL);
}

static int kmod_domain_create(struct iodirty_domain *dom,
			      const struct iodirty_domain_params *p)
{
	struct iodirty_ioas_alloc alloc = {
		.size = sizeof(alloc),
		.flags = p->hw_model ? IODIRTY_IOAS_HW_MODEL : 0,
		.iova_bits = p->iova_bits,
		.granule_shift = p->granule_shift,
		.hw_split = p->hw_split,
	};
	int fd = kmod_fd(dom);		/* needs only dom->ctx */
	struct kmod_dom *kd;
	int ret;

	kd = malloc(sizeof(*kd));
	if (!kd)
		return -ENOMEM;
	ret = iodirty_dev_ioctl(fd, IODIRTY_IOAS_ALLOC, &alloc);
	if (ret) {
		free(kd);
		return ret;
	}
	kd->id = alloc.out_ioas_id;
	dom->priv = kd;
	return 0;
}

static void kmod_domain_destroy(struct iodirty_domain *dom)
{
	ioas_destroy(kmod_fd(dom), kmod_id(dom));
	free(dom->priv);
}

static void kmod_stats(struct iodirty_domain *dom, struct iodirty_stats *st)
{
	struct iodirty_ioas_stats cmd = {
		.size = sizeof(cmd),
		.ioas_id = kmod_id(dom),
	};

	/*
	 * The op cannot fail: the ID is the domain's own and the struct is
	 * well-formed, so only a module bug could make it. The counters are
	 * then left zero (the caller zero-fills *st) rather than invented.
	 */
	if (iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_IOAS_STATS, &cmd))
		return;
	/* A module of uAPI version 2 leaves dirtied, dma_*: 0, unknown. */
#define KMOD_STAT_IN(name, core) st->name = cmd.out_##name;
	IOD_IOPT_STATS_FIELDS(KMOD_STAT_IN)
#undef KMOD_STAT_IN
	st->granule = cmd.out_granule;
	st->iova_bits = cmd.out_iova_bits;
	st->handle = cmd.out_handle;
}

static int kmod_domain_id(struct iodirty_domain *dom, uint32_t *id)
{
	*id = kmod_id(dom);
	return 0;
}

const struct iodirty_backend_ops iodirty_kmod_ops = {
	.name = "kmod",
	.open = kmod_open,
	.close = kmod_close,
	.caps = kmod_caps,
	.domain_create = kmod_domain_create,
	.domain_destroy = kmod_domain_destroy,
	.map = kmod_map,
	.unmap = kmod_unmap,
	.map_vec = kmod_map_vec,
	.unmap_vec = kmod_unmap_vec,
	.translate = kmod_translate,
	.mappings = kmod_mappings,
	.reserve = kmod_reserve,
	.unreserve = kmod_unreserve,
	.reserved = kmod_reserved,
	.iova_ranges = kmod_iova_ranges,
	.set_tracking = kmod_set_tracking,
	.read_dirty = kmod_read_dirty,
	.read_dirty_uaddr = kmod_read_dirty_uaddr,
	.read_extents = kmod_read_extents,
	.set_dirty = kmod_set_dirty,
	.set_dirty_extents = kmod_set_dirty_extents,
	.dma = kmod_dma,
	.mark_dirty = kmod_mark_dirty,
	.dmav = kmod_dmav,
	.sg_get = kmod_sg_get,
	.sg_put = kmod_sg_put,
	.stats = kmod_stats,
	.domain_id = kmod_domain_id,
};

