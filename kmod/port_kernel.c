// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel implementation of the core portability layer: the out-of-line
 * half of port_kernel.h.
 */
#include <linux/bitops.h>
#include <linux/lockdep.h>
#include <linux/slab.h>

#include "port.h"

/*
 * Core allocations are charged to the caller's memory cgroup like every
 * other allocation userspace causes through this device. A failure is
 * returned to userspace as ENOMEM, so it is not worth a log splat.
 */
#define IOD_GFP (GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

void *iod_zalloc(size_t size)
{
	return kvzalloc(size, IOD_GFP);
}

void *iod_alloc(size_t size)
{
	return kvmalloc(size, IOD_GFP);
}

/*
 * One lock class for all stripes: a holder takes one stripe at a time and
 * calls out only with it released, which lockdep then checks.
 */
static struct {
	iod_spinlock_t lock ____cacheline_aligned;
} iod_stripes[IOD_STRIPE_LOCKS] = {
	[0 ... IOD_STRIPE_LOCKS - 1] = {
		.lock = __SPIN_LOCK_UNLOCKED(iod_stripes),
	},
};

iod_spinlock_t *iod_stripe_lock(unsigned int i)
{
	return &iod_stripes[i % IOD_STRIPE_LOCKS].lock;
}

void iod_free(void *ptr)
{
	kvfree(ptr);
}

/*
 * One lockdep class for the lock of every io-pagetable: they all sit at
 * the same place in the lock order (see priv.h), and no path holds two.
 */
static struct lock_class_key iod_iopt_lock_key;

int iod_rwlock_init(iod_rwlock_t *l)
{
	return __percpu_init_rwsem(l, "iod_iopt_lock", &iod_iopt_lock_key);
}

void iod_rwlock_destroy(iod_rwlock_t *l)
{
	percpu_free_rwsem(l);
}

void iod_read_lock(iod_rwlock_t *l)
{
	percpu_down_read(l);
}

void iod_read_unlock(iod_rwlock_t *l)
{
	percpu_up_read(l);
}

void iod_write_lock(iod_rwlock_t *l)
{
	percpu_down_write(l);
}

void iod_write_unlock(iod_rwlock_t *l)
{
	percpu_up_write(l);
}
