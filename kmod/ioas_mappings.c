// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS_MAPPINGS: the runs of mapped pages of an IOAS, for a VMM that
 * would otherwise keep its own copy of the table.
 *
 * The core walks the runs under the io-pagetable's read lock; the copy to
 * userspace must not happen there (a fault on the caller's array would
 * hold every map and unmap of the IOAS), so the runs go through a kernel
 * buffer of a fixed number of entries, filled under the lock and copied
 * out after it, step by step. The caller's count bounds the work, not the
 * kernel memory.
 */
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "priv.h"

/* Runs per step: one lock hold, one copy. */
#define IODIRTY_MAPPINGS_STEP 64

struct iodirty_mappings_fill {
	struct iodirty_mapping_entry *buf;
	u32 n, max;
};

static_assert((int)IOD_PROT_READ == (int)IODIRTY_IOAS_MAP_READ);
static_assert((int)IOD_PROT_WRITE == (int)IODIRTY_IOAS_MAP_WRITE);

static int iodirty_mappings_run(void *arg, const struct iod_run *r)
{
	struct iodirty_mappings_fill *f = arg;

	f->buf[f->n++] = (struct iodirty_mapping_entry){
		.iova = r->iova,
		.length = r->length,
		.user_va = r->uaddr,
		.flags = r->prot,
	};
	return f->n == f->max;
}

/* Steps through the runs from @iova, @num at most; *@done were written. */
static int iodirty_mappings_copy(struct iodirty_ioas *ioas, u64 iova,
				 u64 uptr, u32 num, u32 *done)
{
	struct iodirty_mappings_fill f = {};
	const size_t esz = sizeof(*f.buf);
	int ret = 0;

	f.buf = kmalloc_array(min_t(u32, num, IODIRTY_MAPPINGS_STEP), esz,
			      GFP_KERNEL_ACCOUNT);
	if (!f.buf)
		return -ENOMEM;
	*done = 0;
	while (*done < num) {
		f.n = 0;
		f.max = min_t(u32, num - *done, IODIRTY_MAPPINGS_STEP);
		iod_iopt_for_each_run(&ioas->iopt, iova,
				      iodirty_mappings_run, &f);
		if (copy_to_user(u64_to_user_ptr(uptr + (u64)*done * esz),
				 f.buf, f.n * esz)) {
			ret = -EFAULT;
			break;
		}
		*done += f.n;
		if (f.n < f.max)
			break;
		iova = f.buf[f.n - 1].iova + f.buf[f.n - 1].length;
		/* The last run reached the top of a 64-bit space. */
		if (!iova)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(f.buf);
	return ret;
}

int iodirty_ioctl_ioas_mappings(struct iodirty_ucmd *ucmd)
{
	struct iodirty_ioas_mappings *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	u32 bits, done = 0;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	bits = iod_iopt_iova_bits(&ioas->iopt);
	if (!cmd->num_entries || !cmd->entries)
		ret = -EINVAL;
	else if (bits < 64 && (cmd->iova >> bits))
		ret = -ERANGE;
	else
		ret = iodirty_mappings_copy(ioas, cmd->iova, cmd->entries,
					    cmd->num_entries, &done);
	iodirty_ioas_put(ioas);
	if (ret)
		return ret;
	cmd->num_entries = done;
	return iodirty_respond(ucmd, sizeof(*cmd));
}
