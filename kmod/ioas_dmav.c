// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA_RWV: DMA_RW of a list of segments in one call, for a device's
 * descriptor chain.
 *
 * The list has no length limit. It is read in batches into one buffer
 * whose size does not depend on it, twice: a first pass checks the whole
 * list (so that a NULL buffer or an overflowing total anywhere fails the
 * call before anything moves, as the library's iodirty_dma_writev()
 * promises), a second transfers it. The segments' buffers are pinned
 * before the lock is taken (see dma_pin.c): the second pass hands the
 * core's iod_iopt_dmav() runs of consecutive segments whose buffers fit
 * in one chunk's pages, each run under one hold of the read lock, and a
 * segment too long for that alone is moved as DMA_RW moves its range, a
 * chunk per hold. So an unmap never waits for more than one chunk's copy,
 * and never for a fault on a buffer.
 */
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dma_pin.h"
#include "priv.h"

/* Segments per batch: the buffer below then fits in 8 KiB. */
#define IODIRTY_DMAV_BATCH 96

struct iodirty_dmav {
	struct iodirty_ioas *ioas;
	/* The batch: the caller's entries and the core's view of them. */
	struct iodirty_dma_vec vec[IODIRTY_DMAV_BATCH];
	struct iod_dma_seg seg[IODIRTY_DMAV_BATCH];
	struct iodirty_dma_span span[IODIRTY_DMAV_BATCH];
	unsigned int n;
	/* The run handed to the core: segments [@first, @end). */
	unsigned int first, end;
	/* Copy cursor: segment @cur starts at offset @cur_off of the run. */
	unsigned int cur;
	u64 cur_off;
	struct iodirty_dma_pin pin;
};

static_assert(sizeof(struct iodirty_dmav) <= SZ_8K);

/* Reads entries [@first, @first + @n) of the caller's list into @v. */
static int iodirty_dmav_read(struct iodirty_dmav *v, u64 segs, u64 first,
			     unsigned int n)
{
	const size_t esz = sizeof(struct iodirty_dma_vec);

	v->n = n;
	/* first < 2^32 and esz is 24: the offset fits. */
	if (copy_from_user(v->vec, u64_to_user_ptr(segs + first * esz),
			   n * esz))
		return -EFAULT;
	return 0;
}

/*
 * The first pass, in the order the library checks a list: a buffer that
 * is 0 anywhere (EINVAL), then lengths that add up past 2^64 (EOVERFLOW).
 * A zero length is the segment's own error, as for DMA_RW: the core
 * reports it when the transfer reaches it. *@checked tells whether the
 * list could be read, for the rule on writing out_done back.
 */
static int iodirty_dmav_check(struct iodirty_dmav *v,
			      const struct iodirty_dma_rwv *cmd, bool *checked)
{
	bool overflow = false;
	u64 total = 0, i = 0;
	unsigned int k, n;
	int ret;

	while (i < cmd->num_segs) {
		n = min_t(u64, cmd->num_segs - i, IODIRTY_DMAV_BATCH);
		ret = iodirty_dmav_read(v, cmd->segs, i, n);
		if (ret)
			return ret;
		for (k = 0; k < n; k++) {
			if (!v->vec[k].data) {
				*checked = true;
				return -EINVAL;
			}
			overflow |= check_add_overflow(total, v->vec[k].length,
						       &total);
		}
		i += n;
		if (i < cmd->num_segs && fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	*checked = true;
	return overflow ? -EOVERFLOW : 0;
}

/*
 * The core's copy callback. @offset is the position in the run; the core
 * calls in ascending order and a piece never spans two segments, so a
 * cursor finds the segment without a search.
 */
static int iodirty_dmav_copy(void *arg, u64 iova, u64 uaddr, u64 offset,
			     u64 length, bool write)
{
	struct iodirty_dmav *v = arg;
	u64 in_seg;

	if (offset < v->cur_off) {
		v->cur = v->first;
		v->cur_off = 0;
	}
	while (v->cur < v->end &&
	       offset - v->cur_off >= v->seg[v->cur].length) {
		v->cur_off += v->seg[v->cur].length;
		v->cur++;
	}
	in_seg = offset - v->cur_off;
	if (WARN_ON_ONCE(v->cur == v->end ||
			 length > v->seg[v->cur].length - in_seg))
		return -EFAULT;
	return iodirty_dma_pin_copy(v->ioas, &v->pin, &v->span[v->cur], in_seg,
				    iova, length, write);
}

/*
 * Pins the buffers of segments @k on, as many as fit in one chunk's pages
 * (stopping after one that could not be pinned whole: the run stops
 * there), and returns how many. 0: segment @k does not fit alone.
 */
static unsigned int iodirty_dmav_pin_run(struct iodirty_dmav *v,
					 unsigned int k)
{
	unsigned int m = 0;

	while (k + m < v->n) {
		struct iodirty_dma_span *s = &v->span[k + m];

		s->uaddr = v->vec[k + m].data;
		s->length = v->vec[k + m].length;
		if (s->length > IODIRTY_DMA_CHUNK ||
		    iodirty_dma_span_pages(s->uaddr, s->length) >
		    IODIRTY_DMA_PIN_PAGES - v->pin.used)
			break;
		iodirty_dma_pin_span(&v->pin, s);
		m++;
		if (s->err)
			break;
	}
	return m;
}

/*
 * The second pass: each batch read again and transferred. The list may
 * have changed since the first pass (another thread of the caller); the
 * core checks every segment again, so the result is that of the list as
 * read now, segment by segment.
 */
static int iodirty_dmav_transfer(struct iodirty_dmav *v,
				 const struct iodirty_dma_rwv *cmd, u64 *done)
{
	bool write = cmd->flags & IODIRTY_DMA_WRITE;
	unsigned int k, n, m;
	u64 i = 0, part;
	int ret;

	while (i < cmd->num_segs) {
		n = min_t(u64, cmd->num_segs - i, IODIRTY_DMAV_BATCH);
		ret = iodirty_dmav_read(v, cmd->segs, i, n);
		if (ret)
			return ret;
		for (k = 0; k < n; k++) {
			v->seg[k].iova = v->vec[k].iova;
			v->seg[k].length = v->vec[k].length;
		}
		for (k = 0; k < n; k += m) {
			m = iodirty_dmav_pin_run(v, k);
			if (!m) {
				/* Long: its range checked whole, then chunks. */
				ret = iodirty_dma_transfer(v->ioas, &v->pin,
							   v->seg[k].iova,
							   v->seg[k].length,
							   v->vec[k].data,
							   write);
				if (ret)
					return ret;
				*done += v->seg[k].length;
				m = 1;
			} else {
				v->first = k;
				v->cur = k;
				v->end = k + m;
				v->cur_off = 0;
				part = 0;
				ret = iod_iopt_dmav(&v->ioas->iopt, &v->seg[k],
						    m, write, iodirty_dmav_copy,
						    v, &part);
				iodirty_dma_unpin(&v->pin);
				/* Bytes really moved: the sum cannot wrap. */
				*done += part;
				if (ret)
					return ret;
			}
			if (i + k + m < cmd->num_segs &&
			    fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		i += n;
	}
	return 0;
}

int iodirty_ioctl_dma_rwv(struct iodirty_ucmd *ucmd)
{
	struct iodirty_dma_rwv *cmd = ucmd->cmd;
	bool write = cmd->flags & IODIRTY_DMA_WRITE;
	struct iodirty_ioas_counters *c;
	struct iodirty_ioas *ioas;
	struct iodirty_dmav *v;
	bool checked = false;
	u64 done = 0;
	int ret, rret;

	if (cmd->flags & ~IODIRTY_DMA_WRITE)
		return -EOPNOTSUPP;
	ioas = iodirty_ioas_get(ucmd, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* Values after the ID, in the uAPI's order of checks. */
	if (cmd->num_segs && !cmd->segs) {
		ret = -EINVAL;
		goto out_put;
	}
	v = kmalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v) {
		ret = -ENOMEM;
		goto out_put;
	}
	v->ioas = ioas;
	ret = iodirty_dma_pin_init(&v->pin, !write);
	if (ret) {
		kfree(v);
		goto out_put;
	}
	ret = iodirty_dmav_check(v, cmd, &checked);
	if (!ret)
		ret = iodirty_dmav_transfer(v, cmd, &done);
	iodirty_dma_pin_fini(&v->pin);
	kfree(v);

	c = &ioas->cnt;
	if (done) {
		atomic64_inc(write ? &c->dma_writes : &c->dma_reads);
		atomic64_add(done, write ? &c->dma_write_bytes :
					   &c->dma_read_bytes);
	}
	/* Once the list was read, the caller learns how far it got. */
	if (checked) {
		cmd->out_done = done;
		rret = iodirty_respond(ucmd, sizeof(*cmd));
		if (rret)
			ret = rret;
	}
out_put:
	iodirty_ioas_put(ioas);
	return ret;
}
