// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS_MAP_VEC and IOAS_UNMAP_VEC: a vector of ranges in one call, all or
 * nothing, under the IOAS's map_lock. The vector is copied in whole (at
 * most IODIRTY_VEC_MAX_SEGS segments), checked by the core, pinned segment
 * by segment outside the core's lock, and applied by the core in one hold
 * of its write lock. A failure after pinning unpins what was pinned.
 */
#include <linux/err.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "nl-gen.h"
#include "priv.h"

/* The uAPI segments are the core's: the vector is copied in unchanged. */
static_assert(sizeof(struct iodirty_map_vec_seg) == sizeof(struct iod_map_seg));
static_assert(offsetof(struct iodirty_map_vec_seg, iova) ==
	      offsetof(struct iod_map_seg, iova));
static_assert(offsetof(struct iodirty_map_vec_seg, user_va) ==
	      offsetof(struct iod_map_seg, uaddr));
static_assert(offsetof(struct iodirty_map_vec_seg, length) ==
	      offsetof(struct iod_map_seg, length));
static_assert(offsetof(struct iodirty_map_vec_seg, flags) ==
	      offsetof(struct iod_map_seg, prot));
static_assert(offsetof(struct iodirty_map_vec_seg, __reserved) ==
	      offsetof(struct iod_map_seg, reserved));
static_assert(sizeof(struct iodirty_unmap_vec_seg) ==
	      sizeof(struct iod_unmap_seg));
static_assert(offsetof(struct iodirty_unmap_vec_seg, iova) ==
	      offsetof(struct iod_unmap_seg, iova));
static_assert(offsetof(struct iodirty_unmap_vec_seg, length) ==
	      offsetof(struct iod_unmap_seg, length));

/* The checks of the argument itself; 1 for an empty vector. */
static int iodirty_vec_args(u64 num_segs, u64 segs)
{
	if (num_segs > IODIRTY_VEC_MAX_SEGS)
		return -E2BIG;
	if (!num_segs)
		return 1;
	return segs ? 0 : -EINVAL;
}

/* The whole vector, in kernel memory charged to the caller. */
static void *iodirty_vec_copy(u64 segs, u64 num_segs, size_t size)
{
	void *v = kvmalloc_array(num_segs, size, GFP_KERNEL_ACCOUNT);

	if (!v)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(v, u64_to_user_ptr(segs), num_segs * size)) {
		kvfree(v);
		return ERR_PTR(-EFAULT);
	}
	return v;
}

/*
 * Writes out_failed at @off of the caller's struct: on success and on
 * every error once the vector was read. EFAULT replaces the call's result
 * if it cannot be written.
 */
static int iodirty_vec_reply(struct iodirty_ucmd *ucmd, size_t off,
			     u64 failed, int ret)
{
	if (copy_to_user((u8 __user *)ucmd->ubuffer + off, &failed,
			 sizeof(failed)))
		return -EFAULT;
	return ret;
}

/*
 * What both vector calls do first: check the vector argument, look up the
 * IOAS and copy the vector in. Returns 1 for an empty vector (*@ioas held,
 * *@segs NULL), 0 with both, or a negative errno with neither.
 */
static int iodirty_vec_begin(struct iodirty_ucmd *ucmd, u32 ioas_id,
			     u64 num_segs, u64 uptr, size_t size,
			     struct iodirty_ioas **ioas, void **segs)
{
	int ret = iodirty_vec_args(num_segs, uptr);

	*segs = NULL;
	if (ret < 0)
		return ret;
	*ioas = iodirty_ioas_get(ucmd, ioas_id);
	if (IS_ERR(*ioas))
		return PTR_ERR(*ioas);
	if (ret)
		return 1;
	*segs = iodirty_vec_copy(uptr, num_segs, size);
	if (IS_ERR(*segs)) {
		ret = PTR_ERR(*segs);
		iodirty_ioas_put(*ioas);
		return ret;
	}
	return 0;
}

/* An empty vector succeeds with out_failed 0. */
static int iodirty_vec_empty(struct iodirty_ucmd *ucmd,
			     struct iodirty_ioas *ioas, size_t off)
{
	iodirty_ioas_put(ioas);
	return iodirty_vec_reply(ucmd, off, 0, 0);
}

static int iodirty_map_vec_locked(struct iodirty_ioas *ioas,
				  const struct iod_map_seg *segs, size_t nr,
				  size_t *failed)
{
	size_t i;
	int ret;

	/* As IOAS_MAP: a vector the core would refuse pins nothing. */
	ret = iod_iopt_map_vec_check(&ioas->iopt, segs, nr, failed);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++) {
		ret = iodirty_pages_pin(ioas, segs[i].iova, segs[i].uaddr,
					segs[i].length,
					segs[i].prot & IOD_PROT_WRITE);
		if (ret) {
			*failed = i;
			if (ret == -EDQUOT)
				iodirty_nl_event(ioas,
						 IODIRTY_NL_EVENT_MAP_REFUSED,
						 segs[i].iova, segs[i].length,
						 0);
			break;
		}
	}
	/* map_lock kept the checks true: only memory can fail the core. */
	if (!ret)
		ret = iod_iopt_map_vec(&ioas->iopt, segs, nr, failed);
	if (ret)
		while (i--)
			iodirty_pages_release(ioas, segs[i].iova,
					      segs[i].length);
	return ret;
}

int iodirty_ioctl_ioas_map_vec(struct iodirty_ucmd *ucmd)
{
	const size_t off = offsetof(struct iodirty_ioas_map_vec, out_failed);
	struct iodirty_ioas_map_vec *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	struct iod_map_seg *segs;
	size_t failed = 0;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	ret = iodirty_vec_begin(ucmd, cmd->ioas_id, cmd->num_segs, cmd->segs,
				sizeof(*segs), &ioas, (void **)&segs);
	if (ret < 0)
		return ret;
	if (ret)
		return iodirty_vec_empty(ucmd, ioas, off);
	mutex_lock(&ioas->map_lock);
	iodirty_ioas_changed(ioas);
	ret = iodirty_map_vec_locked(ioas, segs, cmd->num_segs, &failed);
	iodirty_ioas_changed(ioas);
	mutex_unlock(&ioas->map_lock);
	kvfree(segs);
	iodirty_ioas_put(ioas);
	if (ret == -EDQUOT)
		ret = -ENOMEM;
	return iodirty_vec_reply(ucmd, off, failed, ret);
}

/* The IOVA span of a vector, for the unmap-dirty event. */
static void iodirty_vec_span(const struct iod_unmap_seg *segs, size_t nr,
			     u64 *first, u64 *length)
{
	u64 lo = U64_MAX, last = 0;
	size_t i;

	for (i = 0; i < nr; i++) {
		lo = min(lo, segs[i].iova);
		last = max(last, segs[i].iova + segs[i].length - 1);
	}
	*first = lo;
	*length = last - lo + 1;
}

int iodirty_ioctl_ioas_unmap_vec(struct iodirty_ucmd *ucmd)
{
	const size_t off = offsetof(struct iodirty_ioas_unmap_vec, out_failed);
	struct iodirty_ioas_unmap_vec *cmd = ucmd->cmd;
	bool with_bitmap = cmd->flags & IODIRTY_UNMAP_VEC_DIRTY_BITMAP;
	struct iod_vec_found found = { 0, 0 };
	struct iod_unmap_seg *segs;
	struct iodirty_ioas *ioas;
	struct iodirty_ubuf b;
	size_t failed = 0;
	u64 iova, length;
	int ret;

	if ((cmd->flags & ~IODIRTY_UNMAP_VEC_DIRTY_BITMAP) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (with_bitmap ? !cmd->dirty_bitmap || (cmd->dirty_bitmap & 7) :
			  cmd->dirty_bitmap)
		return -EINVAL;
	ret = iodirty_vec_begin(ucmd, cmd->ioas_id, cmd->num_segs, cmd->segs,
				sizeof(*segs), &ioas, (void **)&segs);
	if (ret < 0)
		return ret;
	if (ret)
		return iodirty_vec_empty(ucmd, ioas, off);
	/*
	 * The bitmap is pinned and mapped before the core runs: it writes
	 * the bits under the write lock that unmaps, where a fault cannot be
	 * taken and an error would come after the pages are gone.
	 */
	if (with_bitmap) {
		ret = iodirty_ubuf_map(&b, cmd->dirty_bitmap,
				       DIV_ROUND_UP_ULL(cmd->num_segs, 64) *
				       sizeof(u64));
		if (ret) {
			/* As any error once the vector was read. */
			failed = cmd->num_segs;
			goto out;
		}
	}
	mutex_lock(&ioas->map_lock);
	iodirty_ioas_changed(ioas);
	ret = iod_iopt_unmap_vec(&ioas->iopt, segs, cmd->num_segs,
				 with_bitmap ? b.words : NULL, &failed, &found);
	iodirty_ioas_changed(ioas);
	mutex_unlock(&ioas->map_lock);
	if (with_bitmap)
		iodirty_ubuf_unmap(&b);
	if (!ret && with_bitmap) {
		atomic64_inc(&ioas->cnt.unmaps_reported);
		atomic64_add(found.bytes, &ioas->cnt.dirty_reported_bytes);
		iodirty_vec_span(segs, cmd->num_segs, &iova, &length);
		iodirty_nl_event(ioas, IODIRTY_NL_EVENT_UNMAP_DIRTY, iova,
				 length, found.segs);
	}
out:
	kvfree(segs);
	iodirty_ioas_put(ioas);
	return iodirty_vec_reply(ucmd, off, failed, ret);
}
