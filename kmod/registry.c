// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry of every IOAS in the system, by handle: what the
 * inspection family (nl.c) lists. An ID in a file names an IOAS only to
 * that file's users; a handle names it to the whole system.
 *
 * Creation reserves a handle (a NULL entry) with the rest of the IOAS and
 * publishes the IOAS once it can no longer fail. An inspector takes a
 * reference to one IOAS under the registry's rw_semaphore and reads it
 * after dropping the semaphore, so that an IOAS whose core lock is busy
 * (a DMA copy faulting on user memory, a map waiting behind it) delays
 * only the inspection of that IOAS and the destruction of that IOAS, never
 * the registry. Removal takes the IOAS out of the registry, then waits for
 * the inspectors that hold it, who hold it for one message or one batch of
 * a dump.
 */
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/wait_bit.h>
#include <linux/xarray.h>

#include "priv.h"

static DEFINE_XARRAY_ALLOC1(iodirty_registry);
static DECLARE_RWSEM(iodirty_registry_sem);
static u32 iodirty_next_handle;

int iodirty_registry_add(struct iodirty_ioas *ioas)
{
	struct iodirty_owner *o = &ioas->owner;
	int ret;

	o->tgid = task_tgid_nr(current);
	o->euid = current_euid();
	get_task_comm(o->comm, current);
	o->created_ns = ktime_get_real_ns();
	atomic_set(&ioas->cnt.generation, 1);
	atomic_set(&ioas->inspectors, 0);
	/* Cyclic, as per-file IDs: a stale handle finds nothing. */
	ret = xa_alloc_cyclic(&iodirty_registry, &ioas->handle, NULL,
			      xa_limit_31b, &iodirty_next_handle,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		/* The allocator may have written a candidate: not ours. */
		ioas->handle = 0;
		return ret;
	}
	return 0;
}

void iodirty_registry_publish(struct iodirty_ioas *ioas)
{
	/* Replaces the reserved NULL entry: no allocation. */
	WARN_ON(xa_store(&iodirty_registry, ioas->handle, ioas, GFP_KERNEL));
}

void iodirty_registry_remove(struct iodirty_ioas *ioas)
{
	if (!ioas->handle)
		return;
	down_write(&iodirty_registry_sem);
	xa_erase(&iodirty_registry, ioas->handle);
	up_write(&iodirty_registry_sem);
	/* No new inspector can find it: wait for those reading it. */
	wait_var_event(&ioas->inspectors, !atomic_read(&ioas->inspectors));
}

struct iodirty_ioas *iodirty_registry_get(u32 *handle)
{
	unsigned long index = *handle;
	struct iodirty_ioas *ioas;

	down_read(&iodirty_registry_sem);
	ioas = xa_find(&iodirty_registry, &index, U32_MAX, XA_PRESENT);
	if (ioas) {
		*handle = index;
		atomic_inc(&ioas->inspectors);
	}
	up_read(&iodirty_registry_sem);
	return ioas;
}

void iodirty_registry_put(struct iodirty_ioas *ioas)
{
	if (atomic_dec_and_test(&ioas->inspectors))
		wake_up_var(&ioas->inspectors);
}
