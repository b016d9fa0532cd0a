/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The caller's buffers of DMA_RW and DMA_RWV, pinned before the core's
 * read lock is taken (dma_pin.c).
 */
#ifndef IODIRTY_KMOD_DMA_PIN_H
#define IODIRTY_KMOD_DMA_PIN_H

#include <asm/page.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct iodirty_ioas;
struct page;

/*
 * The most a transfer moves under one hold of the core's read lock: a
 * map or an unmap of the IOAS waits for one such copy at most (about a
 * millisecond natively, a few under emulation).
 */
#define IODIRTY_DMA_CHUNK	SZ_1M
#define IODIRTY_DMA_PIN_PAGES	(IODIRTY_DMA_CHUNK / PAGE_SIZE)

/* Pages of the caller's buffers, pinned for one chunk's copy. */
struct iodirty_dma_pin {
	struct page **pages;	/* IODIRTY_DMA_PIN_PAGES entries */
	unsigned int used;
	bool to_user;		/* a device read: the copies write them */
};

/* One buffer of a chunk: which of the pinned pages hold it. */
struct iodirty_dma_span {
	u64 uaddr;
	u64 length;
	u64 pinned;		/* bytes from @uaddr on that are pinned */
	unsigned int first;	/* index of the page of @uaddr */
	int err;		/* why not all: -EFAULT or -EINTR */
};

int iodirty_dma_pin_init(struct iodirty_dma_pin *p, bool to_user);
void iodirty_dma_pin_fini(struct iodirty_dma_pin *p);
/* Pages [@uaddr, @uaddr + @length) touches; @length at most a chunk. */
unsigned int iodirty_dma_span_pages(u64 uaddr, u64 length);
void iodirty_dma_pin_span(struct iodirty_dma_pin *p,
			  struct iodirty_dma_span *s);
void iodirty_dma_unpin(struct iodirty_dma_pin *p);
int iodirty_dma_pin_copy(struct iodirty_ioas *ioas,
			 const struct iodirty_dma_pin *p,
			 const struct iodirty_dma_span *s, u64 offset,
			 u64 iova, u64 length, bool write);
int iodirty_dma_transfer(struct iodirty_ioas *ioas, struct iodirty_dma_pin *p,
			 u64 iova, u64 length, u64 uaddr, bool write);

#endif /* IODIRTY_KMOD_DMA_PIN_H */
