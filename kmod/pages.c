// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory behind mappings: pinning user pages, the IOVA-indexed table
 * of pinned pages that DMA goes through, and RLIMIT_MEMLOCK accounting.
 * (A user bitmap pinned for one call is user_buf.c's.)
 *
 * The core knows mappings only as IOVA -> user address runs; the pages
 * are the module's. They enter the table before the core maps them (MAP)
 * and leave it when the core reports them unmapped (the unmap hook, under
 * the core's write lock), so every page the core has mapped is in the
 * table whenever DMA, which runs under the core's read lock, looks.
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "priv.h"

/* Pages per pin_user_pages_fast() call: one page of page pointers. */
#define IODIRTY_PIN_BATCH (PAGE_SIZE / sizeof(struct page *))
/* Pages per unpin call; on the stack. */
#define IODIRTY_UNPIN_BATCH 64
/* Table entries of pages pinned for write carry this tag. */
#define IODIRTY_TAG_WRITE 1

/*
 * Charges @npages to the IOAS creator's locked_vm, refusing to go past the
 * caller's RLIMIT_MEMLOCK unless it has CAP_IPC_LOCK (-EDQUOT, which MAP
 * reports as -ENOMEM after telling the inspection family). Privileged pins
 * are counted too, so that the account always matches what is pinned; the
 * IOAS's own count is what inspection shows.
 */
static int iodirty_account(struct iodirty_ioas *ioas, unsigned long npages)
{
	atomic_long_t *locked = &ioas->user->locked_vm;
	unsigned long limit;
	long cur, new;

	if (npages > LONG_MAX)
		return -EDQUOT;
	if (capable(CAP_IPC_LOCK)) {
		atomic_long_add(npages, locked);
		goto counted;
	}
	limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	cur = atomic_long_read(locked);
	do {
		if (check_add_overflow(cur, (long)npages, &new) ||
		    (unsigned long)new > limit)
			return -EDQUOT;
	} while (!atomic_long_try_cmpxchg(locked, &cur, new));
counted:
	atomic64_add(npages, &ioas->cnt.pinned_pages);
	return 0;
}

static void iodirty_unaccount(struct iodirty_ioas *ioas, unsigned long npages)
{
	atomic_long_sub(npages, &ioas->user->locked_vm);
	atomic64_sub(npages, &ioas->cnt.pinned_pages);
}

/*
 * Stores @n pinned pages at table index @index on. Returns 0 or -ENOMEM;
 * *@stored says how many went in either way.
 */
static int iodirty_pages_store(struct iodirty_ioas *ioas, unsigned long index,
			       struct page **pages, unsigned long n, bool write,
			       unsigned long *stored)
{
	XA_STATE(xas, &ioas->pages, index);
	unsigned long i = 0;
	unsigned long tag = write ? IODIRTY_TAG_WRITE : 0;
	void *old;

	do {
		xas_lock(&xas);
		while (i < n) {
			old = xas_store(&xas, xa_tag_pointer(pages[i], tag));
			if (xas_error(&xas))
				break;
			/* MAP checked the range was empty under map_lock. */
			WARN_ON_ONCE(old);
			i++;
			xas_next(&xas);
		}
		xas_unlock(&xas);
	} while (xas_nomem(&xas, GFP_KERNEL_ACCOUNT));
	*stored = i;
	return xas_error(&xas);
}

static void iodirty_unpin_batch(struct page **pages, unsigned long n,
				bool dirty)
{
	if (dirty)
		unpin_user_pages_dirty_lock(pages, n, true);
	else
		unpin_user_pages(pages, n);
}

/*
 * Takes the pages of table indexes [first, first + n) out of the table
 * and unpins them, marking those pinned for write dirty if @dirty (the
 * device may have written them). Returns how many there were.
 */
static unsigned long iodirty_pages_take(struct iodirty_ioas *ioas,
					unsigned long first, unsigned long n,
					bool dirty)
{
	XA_STATE(xas, &ioas->pages, first);
	struct page *batch[IODIRTY_UNPIN_BATCH];
	unsigned long nb = 0, total = 0;
	bool batch_write = false;
	void *entry;

	if (!n)
		return 0;
	xas_lock(&xas);
	xas_for_each(&xas, entry, first + n - 1) {
		bool write = xa_pointer_tag(entry) == IODIRTY_TAG_WRITE;
		unsigned long next = xas.xa_index + 1;

		xas_store(&xas, NULL);
		/*
		 * Unpinning sleeps: drop the table lock for each batch. The
		 * walk resumes at an explicit index: the store may have
		 * freed the node the state points into, and xas_pause()
		 * then steps by the parent's span, skipping entries.
		 */
		if (nb == IODIRTY_UNPIN_BATCH || (nb && write != batch_write)) {
			xas_unlock(&xas);
			iodirty_unpin_batch(batch, nb, dirty && batch_write);
			nb = 0;
			cond_resched();
			xas_lock(&xas);
			xas_set(&xas, next);
		}
		batch[nb++] = xa_untag_pointer(entry);
		batch_write = write;
		total++;
	}
	xas_unlock(&xas);
	if (nb)
		iodirty_unpin_batch(batch, nb, dirty && batch_write);
	return total;
}

/*
 * Pins [uaddr, uaddr + length) (page-aligned, checked by the caller) and
 * enters the pages into the table at @iova, charging them to the memlock
 * account first. On failure nothing stays pinned, entered or charged:
 * -ENOMEM (limit or memory), -EFAULT (memory that cannot be pinned).
 */
int iodirty_pages_pin(struct iodirty_ioas *ioas, u64 iova, u64 uaddr,
		      u64 length, bool write)
{
	unsigned long first = iova >> PAGE_SHIFT, npages = length >> PAGE_SHIFT;
	unsigned int gup = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	unsigned long done = 0, stored;
	struct page **batch;
	int ret;

	ret = iodirty_account(ioas, npages);
	if (ret)
		return ret;
	batch = kmalloc_array(IODIRTY_PIN_BATCH, sizeof(*batch),
			      GFP_KERNEL_ACCOUNT);
	if (!batch) {
		ret = -ENOMEM;
		goto err;
	}
	while (done < npages) {
		int want = min_t(unsigned long, npages - done,
				 IODIRTY_PIN_BATCH);
		int got;

		got = pin_user_pages_fast(uaddr + (done << PAGE_SHIFT), want,
					  gup, batch);
		if (got <= 0) {
			/* Whatever GUP refused, the memory is not pinnable. */
			ret = got == -ENOMEM || got == -EINTR ? got : -EFAULT;
			break;
		}
		ret = iodirty_pages_store(ioas, first + done, batch, got, write,
					  &stored);
		done += stored;
		if (ret) {
			unpin_user_pages(batch + stored, got - stored);
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(batch);
	if (!ret)
		return 0;
err:
	/* Nothing reached the core, so no device wrote these pages. */
	iodirty_pages_take(ioas, first, done, false);
	iodirty_unaccount(ioas, npages);
	return ret;
}

/* Undoes iodirty_pages_pin() of a range the core did not map. */
void iodirty_pages_release(struct iodirty_ioas *ioas, u64 iova, u64 length)
{
	unsigned long n = length >> PAGE_SHIFT;

	WARN_ON(iodirty_pages_take(ioas, iova >> PAGE_SHIFT, n, false) != n);
	iodirty_unaccount(ioas, n);
}

/*
 * The core's unmap hook: [iova, iova + length) stopped being mapped (unmap,
 * hole punch, destroy). Runs under the core's write lock, so no DMA is
 * using the pages.
 */
void iodirty_unmap_hook(void *arg, u64 iova, u64 uaddr, u64 length)
{
	struct iodirty_ioas *ioas = arg;
	unsigned long n = length >> PAGE_SHIFT;

	WARN_ON(iodirty_pages_take(ioas, iova >> PAGE_SHIFT, n, true) != n);
	iodirty_unaccount(ioas, n);
}

/* The page mapped at @iova, for DMA under the core's read lock. */
struct page *iodirty_pages_lookup(struct iodirty_ioas *ioas, u64 iova)
{
	return xa_untag_pointer(xa_load(&ioas->pages, iova >> PAGE_SHIFT));
}
