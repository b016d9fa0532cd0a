// SPDX-License-Identifier: GPL-2.0-only
/*
 * The caller's buffers of DMA_RW and DMA_RWV, pinned a chunk at a time.
 *
 * A software DMA copies between the caller's buffer and the pages the
 * IOAS pinned at map time, under the core's read lock, for which every
 * map and unmap of the IOAS waits (and every reader queued behind them).
 * A fault on the caller's buffer may take any time: a userfaultfd range
 * nobody serves, a FUSE file whose daemon stopped answering, both within
 * any user's reach. So the buffer is never touched under the lock: its
 * pages are pinned before the lock is taken, at most a chunk at a time,
 * and copied page to page under it, where nothing can fault. The lock is
 * dropped between chunks, so that a map or an unmap waits for the copy of
 * one chunk at most, however long the transfer.
 */
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dma_pin.h"
#include "priv.h"

int iodirty_dma_pin_init(struct iodirty_dma_pin *p, bool to_user)
{
	p->pages = kmalloc_array(IODIRTY_DMA_PIN_PAGES, sizeof(*p->pages),
				 GFP_KERNEL_ACCOUNT);
	p->used = 0;
	p->to_user = to_user;
	return p->pages ? 0 : -ENOMEM;
}

void iodirty_dma_pin_fini(struct iodirty_dma_pin *p)
{
	iodirty_dma_unpin(p);
	kfree(p->pages);
}

unsigned int iodirty_dma_span_pages(u64 uaddr, u64 length)
{
	if (!length)
		return 0;
	return DIV_ROUND_UP(offset_in_page(uaddr) + length, PAGE_SIZE);
}

/*
 * Pins the pages of @s after those @p holds. A page that cannot be pinned
 * ends the span's pinned part: the copy stops there with @s->err, as a
 * copy from the buffer would have stopped at its first bad byte. The
 * caller checked that the pages fit.
 */
void iodirty_dma_pin_span(struct iodirty_dma_pin *p,
			  struct iodirty_dma_span *s)
{
	unsigned long start = ALIGN_DOWN(s->uaddr, PAGE_SIZE);
	unsigned int want = iodirty_dma_span_pages(s->uaddr, s->length);
	unsigned int done = 0;
	long got;

	s->first = p->used;
	s->pinned = 0;
	s->err = -EFAULT;
	if (WARN_ON_ONCE(want > IODIRTY_DMA_PIN_PAGES - p->used))
		return;
	if (!access_ok(u64_to_user_ptr(s->uaddr), s->length))
		return;
	while (done < want) {
		/* Not FOLL_LONGTERM: the pages are unpinned within the call. */
		got = pin_user_pages_fast(start + (unsigned long)done *
					  PAGE_SIZE, want - done,
					  p->to_user ? FOLL_WRITE : 0,
					  p->pages + p->used);
		if (got <= 0) {
			/* A fault stopped by a fatal signal stays EINTR. */
			if (got == -EINTR)
				s->err = -EINTR;
			break;
		}
		p->used += got;
		done += got;
	}
	if (done == want)
		s->err = 0;
	if (done)
		s->pinned = min_t(u64, s->length, (u64)done * PAGE_SIZE -
						  offset_in_page(s->uaddr));
}

void iodirty_dma_unpin(struct iodirty_dma_pin *p)
{
	/* A device read wrote into them: the owner must see it. */
	unpin_user_pages_dirty_lock(p->pages, p->used, p->to_user);
	p->used = 0;
}

/*
 * Copies @length bytes between the span's buffer at @offset and the
 * IOAS's pages from @iova on, under the core's read lock, which keeps the
 * IOAS's pages pinned. Nothing here can fault.
 */
int iodirty_dma_pin_copy(struct iodirty_ioas *ioas,
			 const struct iodirty_dma_pin *p,
			 const struct iodirty_dma_span *s, u64 offset,
			 u64 iova, u64 length, bool write)
{
	while (length) {
		u64 uaddr = s->uaddr + offset;
		unsigned int in_dev = offset_in_page(iova);
		unsigned int in_user = offset_in_page(uaddr);
		size_t n = min_t(u64, PAGE_SIZE - max(in_dev, in_user), length);
		struct page *dev = iodirty_pages_lookup(ioas, iova), *user;
		void *d, *u;

		/* Pinned parts end at a page end, or at the span's end. */
		if (offset >= s->pinned)
			return s->err ?: -EFAULT;
		/* The core maps nothing that is not in the table. */
		if (WARN_ON_ONCE(!dev))
			return -EFAULT;
		user = p->pages[s->first + (uaddr >> PAGE_SHIFT) -
				(s->uaddr >> PAGE_SHIFT)];
		d = kmap_local_page(dev);
		u = kmap_local_page(user);
		if (write) {
			memcpy(d + in_dev, u + in_user, n);
			/* The owner reads the page through a user mapping. */
			flush_dcache_page(dev);
		} else {
			memcpy(u + in_user, d + in_dev, n);
			flush_dcache_page(user);
		}
		kunmap_local(u);
		kunmap_local(d);
		iova += n;
		offset += n;
		length -= n;
	}
	return 0;
}

struct iodirty_dma_chunk {
	struct iodirty_ioas *ioas;
	const struct iodirty_dma_pin *pin;
	const struct iodirty_dma_span *span;
};

/* The core's copy callback: @offset is into the chunk, the span's too. */
static int iodirty_dma_chunk_copy(void *arg, u64 iova, u64 uaddr, u64 offset,
				  u64 length, bool write)
{
	struct iodirty_dma_chunk *c = arg;

	return iodirty_dma_pin_copy(c->ioas, c->pin, c->span, offset, iova,
				    length, write);
}

/*
 * DMA_RW of [@iova, @iova + @length) with the caller's buffer at @uaddr,
 * a chunk per hold of the read lock. The whole range is checked first, so
 * that its errors come before a byte moves, as when the transfer was one
 * hold; only a map, unmap or tracking change between two chunks can fail
 * a later chunk. A write that stops on the buffer (EFAULT) or a fatal
 * signal (EINTR) leaves the rest of the range marked, as documented: the
 * chunk that failed is marked by the core, the chunks after it here.
 */
int iodirty_dma_transfer(struct iodirty_ioas *ioas, struct iodirty_dma_pin *p,
			 u64 iova, u64 length, u64 uaddr, bool write)
{
	struct iodirty_dma_span s = { 0 };
	struct iodirty_dma_chunk c = { .ioas = ioas, .pin = p, .span = &s };
	u64 off = 0, end;
	int ret;

	ret = iod_iopt_dma_check(&ioas->iopt, iova, length, write);
	if (ret)
		return ret;
	while (off < length) {
		s.uaddr = uaddr + off;
		/* A chunk's pages fit in @p: it ends at a page end. */
		s.length = min_t(u64, length - off,
				 IODIRTY_DMA_CHUNK - offset_in_page(s.uaddr));
		iodirty_dma_pin_span(p, &s);
		ret = iod_iopt_dma(&ioas->iopt, iova + off, s.length, write,
				   iodirty_dma_chunk_copy, &c);
		iodirty_dma_unpin(p);
		if (ret)
			break;
		off += s.length;
		if (off < length && fatal_signal_pending(current)) {
			ret = -EINTR;
			s.length = 0;
			break;
		}
		cond_resched();
	}
	end = off + s.length;
	if (write && (ret == -EFAULT || ret == -EINTR) && end < length)
		/* Mapped a moment ago; an unmap since leaves less to mark. */
		iod_iopt_mark_dirty(&ioas->iopt, iova + end, length - end);
	return ret;
}
