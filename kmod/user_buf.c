// SPDX-License-Identifier: GPL-2.0-only
/*
 * A caller's output buffer (a dirty bitmap) pinned and mapped into the
 * kernel for the length of one call, so that the core can write it under
 * its locks, where a fault must not be taken and an error would come too
 * late (after an unmap, say).
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "priv.h"

/*
 * Pins the @bytes of user memory at @uaddr for write (short term: for the
 * length of one call) and maps them contiguously into the kernel.
 */
int iodirty_ubuf_map(struct iodirty_ubuf *b, u64 uaddr, u64 bytes)
{
	unsigned long start = ALIGN_DOWN(uaddr, PAGE_SIZE), npages, done = 0;
	int ret;

	memset(b, 0, sizeof(*b));
	if (!bytes || !access_ok(u64_to_user_ptr(uaddr), bytes))
		return -EFAULT;
	/* access_ok() bounds uaddr + bytes well below 2^64. */
	npages = (PAGE_ALIGN(uaddr + bytes) - start) >> PAGE_SHIFT;
	/* vmap() counts pages in an unsigned int. */
	if (npages > UINT_MAX)
		return -ENOMEM;
	b->pages = kvmalloc_array(npages, sizeof(*b->pages),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!b->pages)
		return -ENOMEM;
	while (done < npages) {
		int want = min_t(unsigned long, npages - done, INT_MAX);
		int got;

		got = pin_user_pages_fast(start + (done << PAGE_SHIFT), want,
					  FOLL_WRITE, b->pages + done);
		if (got <= 0) {
			ret = got == -ENOMEM || got == -EINTR ? got : -EFAULT;
			goto err_unpin;
		}
		done += got;
	}
	b->npages = npages;
	if (npages == 1) {
		b->vaddr = kmap_local_page(b->pages[0]);
	} else {
		b->vaddr = vmap(b->pages, npages, VM_MAP, PAGE_KERNEL);
		if (!b->vaddr) {
			ret = -ENOMEM;
			goto err_unpin;
		}
		b->vmapped = true;
	}
	b->words = b->vaddr + offset_in_page(uaddr);
	return 0;

err_unpin:
	unpin_user_pages(b->pages, done);
	kvfree(b->pages);
	b->pages = NULL;
	return ret;
}

void iodirty_ubuf_unmap(struct iodirty_ubuf *b)
{
	if (b->vmapped)
		vunmap(b->vaddr);
	else
		kunmap_local(b->vaddr);
	/* The core may have set bits anywhere in the buffer. */
	unpin_user_pages_dirty_lock(b->pages, b->npages, true);
	kvfree(b->pages);
}
