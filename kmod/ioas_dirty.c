// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty tracking: SET_DIRTY_TRACKING, GET_DIRTY_BITMAP and the software
 * DMA of DMA_RW, which is what makes pages dirty in the first place. The
 * vectored DMA_RWV is in ioas_dmav.c, holds for zero-copy in ioas_hold.c.
 */
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include "dma_pin.h"
#include "nl-gen.h"
#include "priv.h"

/*
 * Largest piece of a caller's bitmap pinned at once: 512 pages of bitmap,
 * 64 GiB of IOVA at a 4 KiB page size, as iommufd does. Each piece is one
 * atomic read-and-clear.
 */
#define IODIRTY_PIECE_BYTES SZ_2M

static_assert(IOD_READ_NO_CLEAR == IODIRTY_DIRTY_NO_CLEAR);

int iodirty_ioctl_set_dirty_tracking(struct iodirty_ucmd *ucmd)
{
	struct iodirty_set_dirty_tracking *cmd = ucmd->cmd;
	struct iodirty_ioas *ioas;
	bool was, now;
	int ret;

	if ((cmd->flags & ~IODIRTY_TRACKING_ENABLE) || cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* Tracking start and stop serialise with map and unmap. */
	mutex_lock(&ioas->map_lock);
	was = iod_iopt_tracking(&ioas->iopt);
	ret = iod_iopt_set_tracking(&ioas->iopt,
				    cmd->flags & IODIRTY_TRACKING_ENABLE);
	now = iod_iopt_tracking(&ioas->iopt);
	mutex_unlock(&ioas->map_lock);
	if (!ret && was != now)
		iodirty_nl_event(ioas, now ? IODIRTY_NL_EVENT_TRACKING_ON :
				 IODIRTY_NL_EVENT_TRACKING_OFF, 0, 0, 0);
	iodirty_ioas_put(ioas);
	return ret;
}

/* The core's checks of a dirty read, plus the bitmap's alignment. */
static int iodirty_check_read(struct iodirty_ioas *ioas,
			      const struct iodirty_get_dirty_bitmap *cmd)
{
	int ret;

	if (!cmd->data)
		return -EINVAL;
	ret = iod_iopt_check_report(&ioas->iopt, cmd->iova, cmd->length,
				    cmd->page_size,
				    cmd->flags & IODIRTY_DIRTY_UADDR);
	if (ret)
		return ret;
	/* The core writes the bitmap in 64-bit words. */
	if (cmd->data & 7)
		return -EINVAL;
	return 0;
}

/*
 * Reads the range piece by piece into the caller's bitmap, each piece
 * pinned and mapped so that the core writes it directly, under its lock.
 * A piece starts on a 64-bit word of the bitmap, so its first address is
 * a multiple of page_size, and ends on a page of the bitmap (or with it).
 */
static int iodirty_read_pieces(struct iodirty_ioas *ioas,
			       const struct iodirty_get_dirty_bitmap *cmd,
			       struct iod_read_count *cnt)
{
	unsigned int shift = ilog2(cmd->page_size);
	u64 nbits = cmd->length >> shift, done = 0;
	u64 bytes = DIV_ROUND_UP_ULL(nbits, 64) * sizeof(u64);
	u32 flags = (cmd->flags & IODIRTY_DIRTY_NO_CLEAR ? IOD_READ_NO_CLEAR :
		     0) |
		    (cmd->flags & IODIRTY_DIRTY_COUNT_ALL ? IOD_READ_COUNT_ALL :
		     0);
	u64 uptr = cmd->data, end;
	struct iodirty_ubuf b;
	int ret;

	if (!access_ok(u64_to_user_ptr(uptr), bytes))
		return -EFAULT;
	end = uptr + bytes;
	while (done < nbits) {
		u64 piece_end = min(end, ALIGN_DOWN(uptr + IODIRTY_PIECE_BYTES,
						    PAGE_SIZE));
		u64 bits = min((piece_end - uptr) * 8, nbits - done);
		u64 start = cmd->iova + (done << shift);

		ret = iodirty_ubuf_map(&b, uptr, piece_end - uptr);
		if (ret)
			return ret;
		/* Pieces add up in @cnt: the call is one read. */
		if (cmd->flags & IODIRTY_DIRTY_UADDR)
			ret = iod_iopt_read_dirty_uaddr_acc(&ioas->iopt, start,
							    bits << shift,
							    cmd->page_size,
							    b.words, flags,
							    cnt);
		else
			ret = iod_iopt_read_dirty_acc(&ioas->iopt, start,
						      bits << shift,
						      cmd->page_size, b.words,
						      flags, cnt);
		iodirty_ubuf_unmap(&b);
		if (ret)
			return ret;
		done += bits;
		uptr = piece_end;
		if (done < nbits && fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

int iodirty_ioctl_get_dirty_bitmap(struct iodirty_ucmd *ucmd)
{
	const u32 known = IODIRTY_DIRTY_NO_CLEAR | IODIRTY_DIRTY_UADDR |
			  IODIRTY_DIRTY_COUNT_ALL;
	struct iodirty_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iod_read_count cnt = { 0, 0, false };
	struct iodirty_ioas *ioas;
	int ret;

	if ((cmd->flags & ~known) || cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	ret = iodirty_check_read(ioas, cmd);
	if (!ret)
		ret = iodirty_read_pieces(ioas, cmd, &cnt);
	/*
	 * Bits a clearing read reported before an error count too: they
	 * were cleared, and so was the read (one IOTLB flush, whatever the
	 * pieces). A NO_CLEAR read reports them again later.
	 */
	if (!ret || cnt.cleared)
		iod_iopt_count_read(&ioas->iopt, &cnt);
	if (!(cmd->flags & IODIRTY_DIRTY_NO_CLEAR))
		atomic64_add(cnt.found * cmd->page_size,
			     &ioas->cnt.dirty_reported_bytes);
	iodirty_ioas_put(ioas);
	if (ret)
		return ret;
	cmd->out_nr_set = (cmd->flags & IODIRTY_DIRTY_COUNT_ALL) ? cnt.found :
								   cnt.set;
	return iodirty_respond(ucmd, sizeof(*cmd));
}

int iodirty_ioctl_dma_rw(struct iodirty_ucmd *ucmd)
{
	const u32 known = IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY;
	struct iodirty_dma_rw *cmd = ucmd->cmd;
	bool write = cmd->flags & IODIRTY_DMA_WRITE;
	struct iodirty_ioas *ioas;
	struct iodirty_dma_pin pin;
	int ret;

	if ((cmd->flags & ~known) || cmd->__reserved)
		return -EOPNOTSUPP;
	/*
	 * In the uAPI's order of checks: what MARK_ONLY rules out (a mode's
	 * fields) before the ID, a missing buffer (a value) after it.
	 */
	if ((cmd->flags & IODIRTY_DMA_MARK_ONLY) && (!write || cmd->data))
		return -EINVAL;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (cmd->flags & IODIRTY_DMA_MARK_ONLY) {
		ret = iod_iopt_mark_dirty(&ioas->iopt, cmd->iova, cmd->length);
	} else if (!cmd->data) {
		ret = -EINVAL;
	} else {
		/* The buffer is pinned chunk by chunk, outside the lock. */
		ret = iodirty_dma_pin_init(&pin, !write);
		if (!ret) {
			ret = iodirty_dma_transfer(ioas, &pin, cmd->iova,
						   cmd->length, cmd->data,
						   write);
			iodirty_dma_pin_fini(&pin);
		}
	}
	if (!ret && !(cmd->flags & IODIRTY_DMA_MARK_ONLY)) {
		struct iodirty_ioas_counters *c = &ioas->cnt;

		atomic64_inc(write ? &c->dma_writes : &c->dma_reads);
		atomic64_add(cmd->length, write ? &c->dma_write_bytes :
						  &c->dma_read_bytes);
	}
	iodirty_ioas_put(ioas);
	return ret;
}
