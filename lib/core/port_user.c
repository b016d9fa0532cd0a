// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Userspace implementation of the core portability layer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
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

/* Zero is unlocked: the table needs no initialiser. */
static struct {
	_Alignas(64) iod_spinlock_t lock;	/* own cache line each */
} iod_stripes[IOD_STRIPE_LOCKS];

iod_spinlock_t *iod_stripe_lock(unsigned int i)
{
	return &iod_stripes[i % IOD_STRIPE_LOCKS].lock;
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

__thread void *iod_thread_block __attribute__((tls_model("initial-exec")));
static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;
static bool thread_key_ok;

static void thread_key_make(void)
{
	thread_key_ok = !pthread_key_create(&thread_key, free);
}

void *iod_thread_data_alloc(size_t size)
{
	void *p;

	pthread_once(&thread_key_once, thread_key_make);
	if (!thread_key_ok)
		return NULL;
	/* Not iod_zalloc(): no injected failure here, a miss is harmless. */
	p = calloc(1, size);
	if (p && pthread_setspecific(thread_key, p)) {
		free(p);
		return NULL;
	}
	iod_thread_block = p;
	return p;
}

/*
 * Thread slots: a bitmap of the numbers in use; a thread gives its number
 * back when it exits, and the mutex orders its last counter stores before
 * the next owner's first.
 */
__thread int iod_thread_slot_plus1 __attribute__((tls_model("initial-exec")));
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t slot_used;
static pthread_key_t slot_key;
static pthread_once_t slot_key_once = PTHREAD_ONCE_INIT;
static bool slot_key_ok;

_Static_assert(IOD_THREAD_SLOTS <= 64, "one word of slot bits");

static void slot_put(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg - 1;

	pthread_mutex_lock(&slot_lock);
	slot_used &= ~(1ULL << s);
	pthread_mutex_unlock(&slot_lock);
	iod_thread_slot_plus1 = 0;
}

static void slot_key_make(void)
{
	slot_key_ok = !pthread_key_create(&slot_key, slot_put);
}

int iod_thread_slot_get(void)
{
	unsigned int s;

	pthread_once(&slot_key_once, slot_key_make);
	pthread_mutex_lock(&slot_lock);
	if (!slot_key_ok || !~slot_used) {
		pthread_mutex_unlock(&slot_lock);
		/* All taken: this thread counts on the shared slot for good. */
		iod_thread_slot_plus1 = -1;
		return -1;
	}
	s = (unsigned int)__builtin_ctzll(~slot_used);
	if (pthread_setspecific(slot_key, (void *)(uintptr_t)(s + 1))) {
		pthread_mutex_unlock(&slot_lock);
		iod_thread_slot_plus1 = -1;
		return -1;
	}
	slot_used |= 1ULL << s;
	pthread_mutex_unlock(&slot_lock);
	iod_thread_slot_plus1 = (int)s + 1;
	return (int)s;
}
