// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty extents and put-back: GET_DIRTY_EXTENTS reads runs of dirty pages
 * instead of a bitmap, SET_DIRTY marks pages dirty again (a migration pass
 * that failed after its harvest). The core runs under its lock without
 * touching user memory: GET_DIRTY_EXTENTS writes into the caller's array
 * pinned and mapped beforehand (an error after the read would come when
 * what it cleared may already be unmapped, its dirty state lost), and
 * SET_DIRTY reads a kernel copy of its input.
 */
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "priv.h"

static_assert(IOD_READ_UADDR == 1u << 2);
static_assert(sizeof(struct iod_dirty_run) ==
	      sizeof(struct iodirty_dirty_extent));
static_assert(offsetof(struct iod_dirty_run, count) ==
	      offsetof(struct iodirty_dirty_extent, length));

#define IODIRTY_ALLOC_GFP (GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

/* The core's flags of a GET_DIRTY_EXTENTS. */
static u32 iodirty_extents_flags(u32 flags)
{
	return (flags & IODIRTY_DIRTY_NO_CLEAR ? IOD_READ_NO_CLEAR : 0) |
	       (flags & IODIRTY_DIRTY_UADDR ? IOD_READ_UADDR : 0);
}

int iodirty_ioctl_get_dirty_extents(struct iodirty_ucmd *ucmd)
{
	const u32 known = IODIRTY_DIRTY_NO_CLEAR | IODIRTY_DIRTY_UADDR;
	struct iodirty_get_dirty_extents *cmd = ucmd->cmd;
	u32 flags = iodirty_extents_flags(cmd->flags);
	struct iod_dirty_run *ext;
	struct iodirty_ioas *ioas;
	struct iodirty_ubuf b;
	u64 next = 0, bytes = 0;
	size_t nr, i;
	s64 n;
	int ret;

	if ((cmd->flags & ~known))
		return -EOPNOTSUPP;
	if (!cmd->extents || (cmd->extents & 7) || !cmd->nr_extents)
		return -EINVAL;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* The core's checks come first, as for GET_DIRTY_BITMAP. */
	ret = iod_iopt_check_report(&ioas->iopt, cmd->iova, cmd->length,
				    cmd->page_size, flags & IOD_READ_UADDR);
	if (ret)
		goto out;
	nr = min_t(u32, cmd->nr_extents, IODIRTY_EXTENTS_MAX);
	ret = iodirty_ubuf_map(&b, cmd->extents, nr * sizeof(*ext));
	if (ret)
		goto out;
	ext = (struct iod_dirty_run *)b.words;
	n = iod_iopt_read_extents(&ioas->iopt, cmd->iova, cmd->length,
				  cmd->page_size, ext, nr, &next, flags);
	for (i = 0; n > 0 && i < n; i++)
		bytes += ext[i].count;
	iodirty_ubuf_unmap(&b);
	if (n < 0) {
		ret = n;
		goto out;
	}
	if (!(flags & IOD_READ_NO_CLEAR))
		atomic64_add(bytes, &ioas->cnt.dirty_reported_bytes);
	cmd->out_nr = n;
	cmd->out_next = next;
	ret = iodirty_respond(ucmd, sizeof(*cmd));
out:
	iodirty_ioas_put(ioas);
	return ret;
}

/* The caller's input, copied in whole: @bytes at @uptr. */
static void *iodirty_copy_in(u64 uptr, u64 bytes)
{
	void *p;

	if (!uptr || (uptr & 7))
		return ERR_PTR(-EINVAL);
	if (bytes > IODIRTY_SET_DIRTY_MAX_BYTES)
		return ERR_PTR(-ENOMEM);
	p = kvmalloc(max_t(u64, bytes, 1), IODIRTY_ALLOC_GFP);
	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, u64_to_user_ptr(uptr), bytes)) {
		kvfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

int iodirty_ioctl_set_dirty(struct iodirty_ucmd *ucmd)
{
	const u32 known = IODIRTY_SET_DIRTY_UADDR | IODIRTY_SET_DIRTY_EXTENTS;
	struct iodirty_set_dirty *cmd = ucmd->cmd;
	u32 flags = cmd->flags & IODIRTY_SET_DIRTY_UADDR ? IOD_READ_UADDR : 0;
	bool extents = cmd->flags & IODIRTY_SET_DIRTY_EXTENTS;
	struct iodirty_ioas *ioas;
	u64 bytes;
	void *buf;
	int ret;

	if ((cmd->flags & ~known) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (extents ? cmd->iova || cmd->length || cmd->page_size :
	    cmd->nr_extents)
		return -EINVAL;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (extents) {
		bytes = cmd->nr_extents > U64_MAX / 16 ? U64_MAX :
			cmd->nr_extents * 16;
	} else {
		/* The core's checks: the size to copy needs them. */
		ret = iod_iopt_check_report(&ioas->iopt, cmd->iova,
					    cmd->length, cmd->page_size, flags);
		if (ret)
			goto out;
		bytes = DIV_ROUND_UP_ULL(cmd->length >> ilog2(cmd->page_size),
					 64) * 8;
	}
	if (extents && !cmd->nr_extents) {
		/* Nothing to copy: the core still checks tracking. */
		ret = iod_iopt_set_dirty_extents(&ioas->iopt, NULL, 0, flags);
		goto out;
	}
	buf = iodirty_copy_in(cmd->data, bytes);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		goto out;
	}
	if (extents)
		ret = iod_iopt_set_dirty_extents(&ioas->iopt, buf,
						 cmd->nr_extents, flags);
	else
		ret = iod_iopt_set_dirty(&ioas->iopt, cmd->iova, cmd->length,
					 cmd->page_size, buf, flags);
	kvfree(buf);
out:
	iodirty_ioas_put(ioas);
	return ret;
}
