// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The kmod backend's vector map and unmap: one IOAS_MAP_VEC or
 * IOAS_UNMAP_VEC each, the caller's segments passed to the module as they
 * are (same layout as the uAPI's).
 */
#include "kmod.h"

_Static_assert(IODIRTY_VEC_MAX_KMOD == IODIRTY_VEC_MAX_SEGS, "vec limit");
_Static_assert(sizeof(struct iodirty_map_seg) ==
	       sizeof(struct iodirty_map_vec_seg) &&
	       offsetof(struct iodirty_map_seg, iova) ==
	       offsetof(struct iodirty_map_vec_seg, iova) &&
	       offsetof(struct iodirty_map_seg, addr) ==
	       offsetof(struct iodirty_map_vec_seg, user_va) &&
	       sizeof(void *) == sizeof(uint64_t) &&
	       offsetof(struct iodirty_map_seg, length) ==
	       offsetof(struct iodirty_map_vec_seg, length) &&
	       offsetof(struct iodirty_map_seg, flags) ==
	       offsetof(struct iodirty_map_vec_seg, flags) &&
	       offsetof(struct iodirty_map_seg, __reserved) ==
	       offsetof(struct iodirty_map_vec_seg, __reserved),
	       "map segment layout");
_Static_assert(sizeof(struct iodirty_unmap_seg) ==
	       sizeof(struct iodirty_unmap_vec_seg) &&
	       offsetof(struct iodirty_unmap_seg, iova) ==
	       offsetof(struct iodirty_unmap_vec_seg, iova) &&
	       offsetof(struct iodirty_unmap_seg, length) ==
	       offsetof(struct iodirty_unmap_vec_seg, length),
	       "unmap segment layout");

/*
 * out_failed is written back on success and on every error of a segment;
 * when it was not (an error of the call itself), *@failed stays @nr.
 */
static void vec_failed(uint64_t out, size_t nr, size_t *failed)
{
	*failed = out < nr ? (size_t)out : nr;
}

int kmod_map_vec(struct iodirty_domain *dom,
		 const struct iodirty_map_seg *segs, size_t nr,
		 size_t *failed)
{
	struct iodirty_ioas_map_vec cmd = {
		.size = sizeof(cmd),
		.ioas_id = kmod_id(dom),
		.num_segs = nr,
		.segs = (uintptr_t)segs,
		.out_failed = nr,
	};
	int ret;

	if (!kmod_has(dom, IODIRTY_CAP_MAP_VEC))
		return -EOPNOTSUPP;
	if (nr > IODIRTY_VEC_MAX_SEGS)
		return -E2BIG;
	ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_IOAS_MAP_VEC, &cmd);
	vec_failed(cmd.out_failed, nr, failed);
	return ret;
}

int kmod_unmap_vec(struct iodirty_domain *dom,
		   const struct iodirty_unmap_seg *segs, size_t nr,
		   uint64_t *dirty, size_t *failed)
{
	struct iodirty_ioas_unmap_vec cmd = {
		.size = sizeof(cmd),
		.ioas_id = kmod_id(dom),
		.num_segs = nr,
		.segs = (uintptr_t)segs,
		.out_failed = nr,
	};
	int ret;

	if (!kmod_has(dom, IODIRTY_CAP_MAP_VEC))
		return -EOPNOTSUPP;
	if (nr > IODIRTY_VEC_MAX_SEGS)
		return -E2BIG;
	if (dirty) {
		cmd.flags = IODIRTY_UNMAP_VEC_DIRTY_BITMAP;
		cmd.dirty_bitmap = (uintptr_t)dirty;
	}
	ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_IOAS_UNMAP_VEC, &cmd);
	vec_failed(cmd.out_failed, nr, failed);
	return ret;
}
