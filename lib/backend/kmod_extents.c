// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The kmod backend's extents and put-back: GET_DIRTY_EXTENTS and
 * SET_DIRTY (uAPI version 3). The public struct iodirty_extent has the
 * uAPI's layout, so the caller's array goes to the module as it is.
 */
#include "kmod.h"

_Static_assert(sizeof(struct iodirty_extent) ==
	       sizeof(struct iodirty_dirty_extent) &&
	       offsetof(struct iodirty_extent, start) ==
	       offsetof(struct iodirty_dirty_extent, start) &&
	       offsetof(struct iodirty_extent, length) ==
	       offsetof(struct iodirty_dirty_extent, length),
	       "extent layout");

int64_t kmod_read_extents(struct iodirty_domain *dom, uint64_t addr,
			  uint64_t length, uint64_t page_size,
			  struct iodirty_extent *ext, size_t nr,
			  uint64_t *next, uint32_t flags)
{
	struct iodirty_get_dirty_extents cmd = {
		.size = sizeof(cmd),
		.ioas_id = kmod_id(dom),
		/* The module returns at most IODIRTY_EXTENTS_MAX anyway. */
		.nr_extents = nr > UINT32_MAX ? UINT32_MAX : (uint32_t)nr,
		.iova = addr,
		.length = length,
		.page_size = page_size,
		.extents = (uintptr_t)ext,
	};
	int ret;

	if (flags & ~(IODIRTY_READ_NO_CLEAR | IODIRTY_READ_UADDR))
		return -EOPNOTSUPP;
	if (!kmod_has(dom, IODIRTY_CAP_EXTENTS) ||
	    ((flags & IODIRTY_READ_UADDR) &&
	     !kmod_has(dom, IODIRTY_CAP_UADDR_REPORT)))
		return -EOPNOTSUPP;
	if (flags & IODIRTY_READ_NO_CLEAR)
		cmd.flags |= IODIRTY_DIRTY_NO_CLEAR;
	if (flags & IODIRTY_READ_UADDR)
		cmd.flags |= IODIRTY_DIRTY_UADDR;
	ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_GET_DIRTY_EXTENTS, &cmd);
	if (ret)
		return ret;
	*next = cmd.out_next;
	return (int64_t)cmd.out_nr;
}

/* SET_DIRTY of a bitmap or (@ext) extents. */
static int set_dirty(struct iodirty_domain *dom, struct iodirty_set_dirty *cmd,
		     uint32_t flags)
{
	if (flags & ~IODIRTY_READ_UADDR)
		return -EOPNOTSUPP;
	if (!kmod_has(dom, IODIRTY_CAP_SET_DIRTY))
		return -EOPNOTSUPP;
	cmd->size = sizeof(*cmd);
	cmd->ioas_id = kmod_id(dom);
	if (flags & IODIRTY_READ_UADDR)
		cmd->flags |= IODIRTY_SET_DIRTY_UADDR;
	return iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_SET_DIRTY, cmd);
}

int kmod_set_dirty(struct iodirty_domain *dom, uint64_t addr,
		   uint64_t length, uint64_t page_size, const uint64_t *bitmap,
		   uint32_t flags)
{
	struct iodirty_set_dirty cmd = {
		.iova = addr,
		.length = length,
		.page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return set_dirty(dom, &cmd, flags);
}

int kmod_set_dirty_extents(struct iodirty_domain *dom,
			   const struct iodirty_extent *ext, size_t nr,
			   uint32_t flags)
{
	struct iodirty_set_dirty cmd = {
		.flags = IODIRTY_SET_DIRTY_EXTENTS,
		.data = (uintptr_t)ext,
		.nr_extents = nr,
	};

	return set_dirty(dom, &cmd, flags);
}
