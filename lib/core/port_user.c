// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Userspace implementation of the core portability layer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pthread_rwlockattr_setkind_np */
#endif
#include <stdlib.h>

#include "port.h"

/* Remaining allocations before an injected failure; 0 = never fail. */
static _Atomic unsigned long fault_countdown;
static _Atomic bool fault_fired;

void iod_fault_fail_nth(unsigned long nth)
{
	atomic_store(&fault_fired, false);
	atomic_store(&fault_countdown, nth);
}

bool iod_fault_fired(void)
{
	return atomic_load(&fault_fired);
}

static bool fault_should_fail(void)
{
	unsigned long n = atomic_load_explicit(&fault_countdown,
					       memory_order_relaxed);

	while (n) {
		if (atomic_compare_exchange_weak(&fault_countdown, &n, n - 1)) {
			if (n == 1) {
				atomic_store(&fault_fired, true);
				return true;
			}
			return false;
		}
	}
	return false;
}

void *iod_alloc(size_t size)
{
	if (fault_should_fail())
		return NULL;
	return malloc(size);
}

void *iod_zalloc(size_t size)
{
	if (fault_should_fail())
		return NULL;
	return calloc(1, size);
}

void iod_free(void *ptr)
{
	free(ptr);
}

int iod_rwlock_init(iod_rwlock_t *l)
{
	pthread_rwlockattr_t attr;
	int ret;

	ret = pthread_rwlockattr_init(&attr);
	if (ret)
		return -ret;
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	ret = pthread_rwlock_init(&l->rw, &attr);
	pthread_rwlockattr_destroy(&attr);
	return -ret;
}

void iod_rwlock_destroy(iod_rwlock_t *l)
{
	pthread_rwlock_destroy(&l->rw);
}

void iod_read_lock(iod_rwlock_t *l)
{
	pthread_rwlock_rdlock(&l->rw);
}

void iod_read_unlock(iod_rwlock_t *l)
{
	pthread_rwlock_unlock(&l->rw);
}

void iod_write_lock(iod_rwlock_t *l)
{
	pthread_rwlock_wrlock(&l->rw);
}

void iod_write_unlock(iod_rwlock_t *l)
{
	pthread_rwlock_unlock(&l->rw);
}
