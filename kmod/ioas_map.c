// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS_MAP and IOAS_UNMAP: the calls that change what is mapped, both
 * under the IOAS's map_lock, so that the table of pinned pages and the
 * core's mappings change together.
 */
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/math.h>

#include "nl-gen.h"
#include "priv.h"

static_assert(IOD_PROT_READ == IODIRTY_IOAS_MAP_READ);
static_assert(IOD_PROT_WRITE == IODIRTY_IOAS_MAP_WRITE);

static int iodirty_map_locked(struct iodirty_ioas *ioas,
			      const struct iodirty_ioas_map *cmd)
{
	bool write = cmd->flags & IODIRTY_IOAS_MAP_WRITE;
	int ret;

	/*
	 * Ask the core first, so that a map it would refuse pins nothing and
	 * fails with the core's errno, as on the soft backend. map_lock keeps
	 * the answer true until the core maps.
	 */
	ret = iod_iopt_map_check(&ioas->iopt, cmd->iova, cmd->user_va,
				 cmd->length, cmd->flags);
	if (ret)
		return ret;
	ret = iodirty_pages_pin(ioas, cmd->iova, cmd->user_va, cmd->length,
				write);
	if (ret)
		return ret;
	/* Only out-of-memory is left for the core to report. */
	ret = iod_iopt_map(&ioas->iopt, cmd->iova, cmd->user_va, cmd->length,
			   cmd->flags);
	if (ret)
		iodirty_pages_release(ioas, cmd->iova, cmd->length);
	return ret;
}

int iodirty_ioctl_ioas_map(struct iodirty_ucmd *ucmd)
{
	const u32 known = IODIRTY_IOAS_MAP_READ | IODIRTY_IOAS_MAP_WRITE;
	struct iodirty_ioas_map *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	int ret;

	if ((cmd->flags & ~known) || cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	mutex_lock(&ioas->map_lock);
	iodirty_ioas_changed(ioas);
	ret = iodirty_map_locked(ioas, cmd);
	iodirty_ioas_changed(ioas);
	mutex_unlock(&ioas->map_lock);
	if (ret == -EDQUOT) {
		iodirty_nl_event(ioas, IODIRTY_NL_EVENT_MAP_REFUSED, cmd->iova,
				 cmd->length, 0);
		ret = -ENOMEM;
	}
	iodirty_ioas_put(ioas);
	return ret;
}

/* ENOENT unless every page of [iova, iova + length) is mapped. */
static int iodirty_check_exact(struct iodirty_ioas *ioas, u64 iova,
			       u64 length)
{
	u64 done = 0, uaddr, contig;
	int ret;

	/* One translation per linear run: runs end at holes and mapping ends. */
	for (;;) {
		ret = iod_iopt_translate(&ioas->iopt, iova + done, &uaddr,
					 &contig);
		if (ret)
			return ret;
		if (contig >= length - done)
			return 0;
		done += contig;
	}
}

static int iodirty_unmap_locked(struct iodirty_ioas *ioas,
				const struct iodirty_ioas_unmap *cmd,
				u64 *unmapped, struct iod_read_count *cnt)
{
	bool with_bitmap = cmd->flags & IODIRTY_UNMAP_DIRTY_BITMAP;
	struct iodirty_ubuf b;
	u64 nbits;
	int ret;

	if (cmd->flags & IODIRTY_UNMAP_EXACT) {
		ret = iodirty_check_exact(ioas, cmd->iova, cmd->length);
		if (ret)
			return ret;
	}
	if (!with_bitmap)
		return iod_iopt_unmap(&ioas->iopt, cmd->iova, cmd->length, 0,
				      NULL, unmapped);

	/*
	 * Pin and map the whole bitmap first: the core harvests into it under
	 * the same write lock that unmaps, where a fault cannot be taken and
	 * an error would come after the pages are gone.
	 */
	nbits = iod_report_bits(cmd->iova, cmd->length, cmd->page_size);
	ret = iodirty_ubuf_map(&b, cmd->dirty_bitmap,
			       DIV_ROUND_UP_ULL(nbits, 64) * sizeof(u64));
	if (ret)
		return ret;
	/* The report's count feeds the counters and the event. */
	ret = iod_iopt_unmap_counted(&ioas->iopt, cmd->iova, cmd->length,
				     cmd->page_size, b.words, unmapped, cnt);
	iodirty_ubuf_unmap(&b);
	return ret;
}

int iodirty_ioctl_ioas_unmap(struct iodirty_ucmd *ucmd)
{
	const u32 known = IODIRTY_UNMAP_EXACT | IODIRTY_UNMAP_DIRTY_BITMAP;
	struct iodirty_ioas_unmap *cmd = ucmd->cmd;
	struct iod_read_count cnt = { 0, 0, false };
	struct iodirty_ioas *ioas;
	u64 unmapped = 0;
	int ret;

	if ((cmd->flags & ~known) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (!(cmd->flags & IODIRTY_UNMAP_DIRTY_BITMAP) &&
	    (cmd->page_size || cmd->dirty_bitmap))
		return -EINVAL;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* The core's checks ahead of EXACT and pinning, then the bitmap's. */
	ret = iod_iopt_unmap_check_args(&ioas->iopt, cmd->iova, cmd->length,
					cmd->page_size,
					cmd->flags & IODIRTY_UNMAP_DIRTY_BITMAP);
	if (!ret && (cmd->flags & IODIRTY_UNMAP_DIRTY_BITMAP) &&
	    (!cmd->dirty_bitmap || (cmd->dirty_bitmap & 7)))
		ret = -EINVAL;
	if (!ret) {
		mutex_lock(&ioas->map_lock);
		iodirty_ioas_changed(ioas);
		ret = iodirty_unmap_locked(ioas, cmd, &unmapped, &cnt);
		iodirty_ioas_changed(ioas);
		mutex_unlock(&ioas->map_lock);
	}
	if (!ret && (cmd->flags & IODIRTY_UNMAP_DIRTY_BITMAP)) {
		atomic64_inc(&ioas->cnt.unmaps_reported);
		atomic64_add(cnt.found * cmd->page_size,
			     &ioas->cnt.dirty_reported_bytes);
		iodirty_nl_event(ioas, IODIRTY_NL_EVENT_UNMAP_DIRTY, cmd->iova,
				 cmd->length, cnt.found);
	}
	iodirty_ioas_put(ioas);
	if (ret)
		return ret;
	cmd->out_unmapped = unmapped;
	cmd->out_nr_dirty = cnt.found;
	return iodirty_respond(ucmd, sizeof(*cmd));
}
