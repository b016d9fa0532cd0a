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
