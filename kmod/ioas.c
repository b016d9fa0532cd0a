// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS objects: creation and destruction, and the calls that read or edit
 * an io-pagetable without touching its mappings (translate, range lists,
 * reserved regions, statistics). Map and unmap are in ioas_map.c, dirty
 * tracking and DMA in ioas_dirty.c.
 *
 * The core validates its own arguments and returns the uAPI's errnos, so
 * these handlers check only what the core does not see: flags, reserved
 * fields and the module's own limits.
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include "nl-gen.h"
#include "priv.h"

#define IODIRTY_DEFAULT_IOVA_BITS 48
/*
 * A range entry as uAPI version 1 introduced it, fixed forever: the
 * smallest entry_size IOAS_IOVA_RANGES takes, and what 0 stands for.
 */
#define IODIRTY_RANGE_ENTRY_V1 \
	offsetofend(struct iodirty_iova_range, __reserved)

/* The core's range and type values are the uAPI's. */
static_assert(sizeof(struct iod_range) == sizeof(struct iodirty_iova_range));
static_assert(offsetof(struct iod_range, start) ==
	      offsetof(struct iodirty_iova_range, start));
static_assert(offsetof(struct iod_range, last) ==
	      offsetof(struct iodirty_iova_range, last));
static_assert(offsetof(struct iod_range, type) ==
	      offsetof(struct iodirty_iova_range, type));
static_assert(offsetof(struct iod_range, reserved) ==
	      offsetof(struct iodirty_iova_range, __reserved));
static_assert(IOD_RESV_MSI == IODIRTY_RANGE_RESV_MSI);
static_assert(IOD_RESV_DIRECT == IODIRTY_RANGE_RESV_DIRECT);
/* The header promises 24 for entry_size 0. */
static_assert(IODIRTY_RANGE_ENTRY_V1 == 24);

void iodirty_ioas_destroy(struct iodirty_ioas *ioas)
{
	/* Out of inspection's reach first: it may be reading the IOAS. */
	iodirty_registry_remove(ioas);
	if (ioas->obj.id)
		iodirty_nl_event(ioas, IODIRTY_NL_EVENT_IOAS_DESTROYED, 0, 0, 0);
	/* No ioctl can reach the IOAS now: its holds go before the core. */
	iodirty_holds_fini(ioas);
	/* Unmaps everything; the unmap hook unpins and unaccounts. */
	iod_iopt_fini(&ioas->iopt);
	WARN_ON(!xa_empty(&ioas->pages));
	xa_destroy(&ioas->pages);
	free_uid(ioas->user);
	mutex_destroy(&ioas->map_lock);
	kfree(ioas);
}

struct iodirty_ioas *iodirty_ioas_get(struct iodirty_ucmd *ucmd, u32 id)
{
	struct iodirty_obj *obj;

	obj = iodirty_obj_get(ucmd->ctx, id, IODIRTY_OBJ_IOAS);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iodirty_ioas, obj);
}

void iodirty_ioas_put(struct iodirty_ioas *ioas)
{
	iodirty_obj_put(&ioas->obj);
}

int iodirty_ioctl_ioas_alloc(struct iodirty_ucmd *ucmd)
{
	struct iodirty_ioas_alloc *cmd = ucmd->cmd;
	struct iod_iopt_params p = {};
	struct iodirty_ioas *ioas;
	int ret;

	if (cmd->flags & ~IODIRTY_IOAS_HW_MODEL)
		return -EOPNOTSUPP;
	if (cmd->hw_split > IODIRTY_IOAS_HW_SPLIT_EAGER ||
	    (cmd->hw_split && !(cmd->flags & IODIRTY_IOAS_HW_MODEL)))
		return -EINVAL;

	ioas = kzalloc(sizeof(*ioas), GFP_KERNEL_ACCOUNT);
	if (!ioas)
		return -ENOMEM;
	p.iova_bits = cmd->iova_bits ?: IODIRTY_DEFAULT_IOVA_BITS;
	p.granule_shift = cmd->granule_shift ?: PAGE_SHIFT;
	p.hw_model = cmd->flags & IODIRTY_IOAS_HW_MODEL;
	p.hw_split_eager = cmd->hw_split == IODIRTY_IOAS_HW_SPLIT_EAGER;
	p.unmap_hook = iodirty_unmap_hook;
	p.hook_arg = ioas;
	/* The core checks the widths (EINVAL), as on every backend. */
	ret = iod_iopt_init(&ioas->iopt, &p);
	if (ret) {
		kfree(ioas);
		return ret;
	}
	mutex_init(&ioas->map_lock);
	xa_init_flags(&ioas->pages, XA_FLAGS_ACCOUNT);
	iodirty_holds_init(ioas);
	/*
	 * Pins are charged to whoever created the IOAS: the fd may be
	 * passed on, the account stays.
	 */
	ioas->user = get_uid(current_user());

	ret = iodirty_registry_add(ioas);
	if (ret)
		goto err_free;
	ret = iodirty_obj_reserve(ucmd->ctx, &ioas->obj, IODIRTY_OBJ_IOAS);
	if (ret) {
		/* Not ours, even if the allocator wrote one. */
		ioas->obj.id = 0;
		goto err_free;
	}
	cmd->out_ioas_id = ioas->obj.id;
	cmd->out_handle = ioas->handle;
	ret = iodirty_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_abort;
	/*
	 * The file's table last: once the ID can be found, another thread
	 * of the file may destroy the IOAS, which must be complete by then.
	 */
	iodirty_registry_publish(ioas);
	iodirty_nl_event(ioas, IODIRTY_NL_EVENT_IOAS_CREATED, 0, 0, 0);
	iodirty_obj_publish(ucmd->ctx, &ioas->obj);
	return 0;

err_abort:
	iodirty_obj_abort(ucmd->ctx, &ioas->obj);
	/* Never published: no event for its end either. */
	ioas->obj.id = 0;
err_free:
	iodirty_ioas_destroy(ioas);
	return ret;
}

int iodirty_ioctl_ioas_translate(struct iodirty_ucmd *ucmd)
{
	struct iodirty_ioas_translate *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	u64 uaddr, contig;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	ret = iod_iopt_translate(&ioas->iopt, cmd->iova, &uaddr, &contig);
	iodirty_ioas_put(ioas);
	if (ret)
		return ret;
	cmd->out_user_va = uaddr;
	cmd->out_contig = contig;
	return iodirty_respond(ucmd, sizeof(*cmd));
}

/*
 * Lists every range into a kernel buffer sized from what the core says
 * exists, not from the caller's num_ranges, which could ask for gigabytes
 * of kernel memory. The list can change between sizing and filling
 * (RESERVE does not wait for readers), so both are retried until they
 * agree. Returns 0 with *@count entries in *@out (free with kvfree()), or
 * a negative errno.
 */
int iodirty_list_ranges(struct iodirty_ioas *ioas, bool reserved,
			struct iod_range **out, size_t *count)
{
	struct iod_range *buf = NULL;
	size_t want = 0;
	int ret;

	for (;;) {
		if (want) {
			buf = kvcalloc(want, sizeof(*buf),
				       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
			if (!buf)
				return -ENOMEM;
		}
		*count = want;
		ret = reserved ? iod_iopt_reserved(&ioas->iopt, buf, count) :
				 iod_iopt_iova_ranges(&ioas->iopt, buf, count);
		if (ret != -EMSGSIZE)
			break;
		/* More exist than were sized for: size again. */
		kvfree(buf);
		buf = NULL;
		want = *count;
	}
	if (ret) {
		kvfree(buf);
		return ret;
	}
	*out = buf;
	return 0;
}

/*
 * Writes @n entries into the caller's array of entries of @esz bytes: the
 * first min(@esz, ours) bytes of each, and zeroes in the rest of a larger
 * caller entry, so that fields a later uAPI adds read as 0 and an array
 * sized for an older, smaller entry is never written past.
 */
static int iodirty_put_ranges(u64 uptr, u32 esz, const struct iod_range *buf,
			      size_t n)
{
	const size_t ksz = sizeof(struct iodirty_iova_range);
	size_t i, part = min_t(size_t, esz, ksz);
	u64 bytes;

	/* n and esz are both below 2^32: the product fits. */
	bytes = (u64)n * esz;
	if (!access_ok(u64_to_user_ptr(uptr), bytes))
		return -EFAULT;
	if (esz == ksz)
		return copy_to_user(u64_to_user_ptr(uptr), buf, bytes) ?
		       -EFAULT : 0;
	for (i = 0; i < n; i++) {
		void __user *e = u64_to_user_ptr(uptr + (u64)i * esz);

		if (copy_to_user(e, &buf[i], part) ||
		    (esz > part && clear_user(e + part, esz - part)))
			return -EFAULT;
		/* Entries may be large: let a dying caller go. */
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

int iodirty_ioctl_ioas_iova_ranges(struct iodirty_ucmd *ucmd)
{
	struct iodirty_ioas_iova_ranges *cmd = ucmd->cmd;
	u32 esz = cmd->entry_size ?: IODIRTY_RANGE_ENTRY_V1;
	struct iodirty_ioas *ioas;
	struct iod_range *buf = NULL;
	size_t count, copy;
	int ret;

	if ((cmd->flags & ~IODIRTY_RANGES_RESERVED) || cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* Values after the ID, in the uAPI's order of checks. */
	if ((cmd->num_ranges && !cmd->ranges) || esz < IODIRTY_RANGE_ENTRY_V1)
		ret = -EINVAL;
	else
		ret = iodirty_list_ranges(ioas,
					  cmd->flags & IODIRTY_RANGES_RESERVED,
					  &buf, &count);
	iodirty_ioas_put(ioas);
	if (ret)
		return ret;

	/* As many as fit; entries past them are not written. */
	copy = min_t(size_t, count, cmd->num_ranges);
	if (copy)
		ret = iodirty_put_ranges(cmd->ranges, esz, buf, copy);
	kvfree(buf);
	if (ret)
		return ret;
	/* A count beyond the u32 is beyond any array userspace can pass. */
	cmd->num_ranges = min_t(size_t, count, U32_MAX);
	cmd->entry_size = sizeof(struct iodirty_iova_range);
	ret = iodirty_respond(ucmd, sizeof(*cmd));
	if (ret)
		return ret;
	/* Too small: userspace learns the count and calls again. */
	return count > copy ? -EMSGSIZE : 0;
}

int iodirty_ioctl_ioas_reserve(struct iodirty_ucmd *ucmd)
{
	struct iodirty_ioas_reserve *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	int ret;

	if (cmd->flags & ~IODIRTY_RESERVE_REMOVE)
		return -EOPNOTSUPP;
	if ((cmd->flags & IODIRTY_RESERVE_REMOVE) && cmd->type)
		return -EINVAL;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	mutex_lock(&ioas->map_lock);
	iodirty_ioas_changed(ioas);
	if (cmd->flags & IODIRTY_RESERVE_REMOVE)
		ret = iod_iopt_unreserve(&ioas->iopt, cmd->iova, cmd->length);
	else
		ret = iod_iopt_reserve(&ioas->iopt, cmd->iova, cmd->length,
				       cmd->type);
	iodirty_ioas_changed(ioas);
	mutex_unlock(&ioas->map_lock);
	iodirty_ioas_put(ioas);
	return ret;
}

int iodirty_ioctl_ioas_stats(struct iodirty_ucmd *ucmd)
{
	struct iodirty_ioas_stats *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	struct iod_iopt_stats st;

	/* Here __reserved is an output ("written as 0"), not checked. */
	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	iod_iopt_stats(&ioas->iopt, &st);
	/* Fields not named here, the reserved ones, are written as 0. */
#define IODIRTY_STAT_OUT(name, core) .out_##name = IOD_STAT(&st, core),
	*cmd = (struct iodirty_ioas_stats) {
		.size = cmd->size,
		.ioas_id = cmd->ioas_id,
		.out_granule = 1ULL << iod_iopt_granule_shift(&ioas->iopt),
		.out_iova_bits = iod_iopt_iova_bits(&ioas->iopt),
		.out_handle = ioas->handle,
		.out_holds = atomic64_read(&ioas->cnt.holds),
		IOD_IOPT_STATS_FIELDS(IODIRTY_STAT_OUT)
	};
#undef IODIRTY_STAT_OUT
	iodirty_ioas_put(ioas);
	return iodirty_respond(ucmd, sizeof(*cmd));
}
