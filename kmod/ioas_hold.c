// SPDX-License-Identifier: GPL-2.0-only
/*
 * SG_GET and SG_PUT: ranges of an IOAS held for zero-copy access by a
 * device emulator, which reads or writes the caller's memory through the
 * pieces it was given and reports at the put what it wrote.
 *
 * The core keeps the holds (struct iod_hold, linked into the io-pagetable
 * so that an unmap can make them stale and report their pages); this file
 * gives them IDs. The IDs live in the IOAS, not in the file's object
 * table: a hold is not an object that DESTROY could name, and an ID of one
 * IOAS must mean nothing to another. Creation is two-phase like objects'
 * (object.c): the ID is reserved with a NULL entry, the hold taken and the
 * reply written, and only then is the hold published for SG_PUT.
 */
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "priv.h"

void iodirty_holds_init(struct iodirty_ioas *ioas)
{
	/* IDs start at 1, like object IDs, so 0 never names a hold. */
	xa_init_flags(&ioas->holds, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
}

/*
 * The IOAS is going away and no ioctl holds it: releases what userspace
 * did not put, marking nothing (the dirty state goes with the IOAS).
 */
void iodirty_holds_fini(struct iodirty_ioas *ioas)
{
	struct iod_hold *h;
	unsigned long id;

	xa_for_each(&ioas->holds, id, h) {
		xa_erase(&ioas->holds, id);
		/* written 0 is valid for any hold; a stale one says so. */
		WARN_ON(iod_iopt_release(&ioas->iopt, h, 0) == -EINVAL);
		kfree(h);
		atomic64_dec(&ioas->cnt.holds);
	}
	xa_destroy(&ioas->holds);
}

/* Where iod_iopt_hold()'s pieces go: the caller's array, as they come. */
struct iodirty_sg_fill {
	struct iodirty_sg_piece __user *pieces;
	u64 cap;			/* entries of @pieces */
	u64 count;			/* pieces seen */
	u64 last;			/* last byte of the range */
};

/*
 * Runs under the core's read lock, like the DMA copy: faulting on the
 * caller's array here is in the lock order (iopt->lock, then mmap_lock).
 * Pieces past the array are only counted; the last one, which ends the
 * range, aborts the hold with EMSGSIZE once the count is known, so that a
 * short array never holds anything, even for a moment.
 */
static int iodirty_sg_piece(void *arg, u64 iova, u64 uaddr, u64 length)
{
	struct iodirty_sg_fill *f = arg;
	struct iodirty_sg_piece p = { .uaddr = uaddr, .length = length };

	if (f->count < f->cap &&
	    copy_to_user(&f->pieces[f->count], &p, sizeof(p)))
		return -EFAULT;
	f->count++;
	if (f->count > f->cap && iova + (length - 1) == f->last)
		return -EMSGSIZE;
	return 0;
}

/*
 * Takes the hold into @h. Returns 0, a negative errno from the core or
 * the array, or -EMSGSIZE with the count needed in *@count.
 */
static int iodirty_hold(struct iodirty_ioas *ioas, struct iod_hold *h,
			const struct iodirty_sg_get *cmd, u64 *count)
{
	struct iodirty_sg_fill f = {
		.pieces = u64_to_user_ptr(cmd->pieces),
		.cap = cmd->num_pieces,
		/* Only used once the core has checked the range. */
		.last = cmd->iova + (cmd->length - 1),
	};
	int ret;

	/* copy_to_user() checks the array, piece by piece. */
	ret = iod_iopt_hold(&ioas->iopt, h, cmd->iova, cmd->length,
			    cmd->flags & IODIRTY_SG_GET_WRITE,
			    iodirty_sg_piece, &f);
	*count = f.count;
	/* The last piece always ends the range; be safe if it did not. */
	if (!ret && WARN_ON_ONCE(f.count > f.cap)) {
		iod_iopt_release(&ioas->iopt, h, 0);
		ret = -EMSGSIZE;
	}
	return ret;
}

int iodirty_ioctl_sg_get(struct iodirty_ucmd *ucmd)
{
	struct iodirty_sg_get *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	struct iod_hold *h;
	u64 count = 0;
	u32 id;
	int ret;

	if ((cmd->flags & ~IODIRTY_SG_GET_WRITE) || cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* Values after the ID, in the uAPI's order of checks. */
	if (cmd->num_pieces && !cmd->pieces) {
		ret = -EINVAL;
		goto out;
	}
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h) {
		ret = -ENOMEM;
		goto out;
	}
	/* Reserved, not yet visible: SG_PUT finds NULL there (ENOENT). */
	ret = xa_alloc_cyclic(&ioas->holds, &id, NULL, xa_limit_31b,
			      &ioas->next_hold_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto out_free;

	ret = iodirty_hold(ioas, h, cmd, &count);
	if (ret && ret != -EMSGSIZE)
		goto out_erase;
	/* A count past the u32 is past any array userspace can pass. */
	cmd->num_pieces = min_t(u64, count, U32_MAX);
	cmd->out_hold_id = ret ? 0 : id;
	if (iodirty_respond(ucmd, sizeof(*cmd))) {
		/* Userspace would never learn the ID: nothing stays held. */
		if (!ret)
			iod_iopt_release(&ioas->iopt, h, 0);
		ret = -EFAULT;
	}
	if (ret)
		goto out_erase;
	/* Replaces the reserved entry in place: cannot fail. */
	WARN_ON(xa_store(&ioas->holds, id, h, GFP_KERNEL));
	atomic64_inc(&ioas->cnt.holds);
	iodirty_ioas_put(ioas);
	return 0;

out_erase:
	xa_erase(&ioas->holds, id);
out_free:
	kfree(h);
out:
	iodirty_ioas_put(ioas);
	return ret;
}

int iodirty_ioctl_sg_put(struct iodirty_ucmd *ucmd)
{
	struct iodirty_sg_put *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	struct iod_hold *h;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/*
	 * Checked and taken out of the table in one step, so that two puts
	 * of one ID release it once, and a put the core would refuse keeps
	 * the hold where userspace can put it again.
	 */
	xa_lock(&ioas->holds);
	h = xa_load(&ioas->holds, cmd->hold_id);
	if (!h)
		ret = -ENOENT;
	else if (cmd->written > h->length || (cmd->written && !h->write))
		ret = -EINVAL;
	else
		ret = 0;
	if (!ret)
		__xa_erase(&ioas->holds, cmd->hold_id);
	xa_unlock(&ioas->holds);
	if (!ret) {
		/* 0 or -ESTALE; the hold is released either way. */
		ret = iod_iopt_release(&ioas->iopt, h, cmd->written);
		WARN_ON_ONCE(ret == -EINVAL);
		kfree(h);
		atomic64_dec(&ioas->cnt.holds);
	}
	iodirty_ioas_put(ioas);
	return ret;
}
