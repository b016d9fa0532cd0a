/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Userspace flavour of the core portability layer: libc allocation with a
 * fault-injection hook, C11 atomics, pthread reader/writer lock.
 */
#ifndef IODIRTY_CORE_PORT_USER_H
#define IODIRTY_CORE_PORT_USER_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Allocation. iod_zalloc() returns zeroed memory or NULL. The fault hook
 * lets tests make the n-th allocation from now fail (fail-nth sweeps).
 */
void *iod_zalloc(size_t size);
void *iod_alloc(size_t size);
void iod_free(void *ptr);
/* Make the @nth (1-based) allocation from now on fail; 0 disables. */
void iod_fault_fail_nth(unsigned long nth);
/* True if an injected failure happened since the last iod_fault_fail_nth. */
bool iod_fault_fired(void);

#define iod_memcpy memcpy
#define iod_memmove memmove
#define iod_memset memset

/* Atomic 64-bit words, sequentially consistent unless named otherwise. */
typedef _Atomic uint64_t iod_atomic64_t;

static inline uint64_t iod_atomic_load(iod_atomic64_t *p)
{
	return atomic_load(p);
}

static inline uint64_t iod_atomic_load_relaxed(iod_atomic64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

static inline void iod_atomic_store_relaxed(iod_atomic64_t *p, uint64_t v)
{
	atomic_store_explicit(p, v, memory_order_relaxed);
}

static inline uint64_t iod_atomic_fetch_or(iod_atomic64_t *p, uint64_t v)
{
	return atomic_fetch_or(p, v);
}

static inline uint64_t iod_atomic_fetch_and(iod_atomic64_t *p, uint64_t v)
{
	return atomic_fetch_and(p, v);
}

static inline uint64_t iod_atomic_xchg(iod_atomic64_t *p, uint64_t v)
{
	return atomic_exchange(p, v);
}

static inline uint64_t iod_atomic_add(iod_atomic64_t *p, uint64_t v)
{
	return atomic_fetch_add_explicit(p, v, memory_order_relaxed) + v;
}

/* Atomic pointer slots, for structures grown lock-free under a read lock. */
typedef void *_Atomic iod_atomic_ptr_t;

static inline void *iod_ptr_load_acquire(iod_atomic_ptr_t *p)
{
	return atomic_load_explicit(p, memory_order_acquire);
}

/* Installs @new if the slot is NULL; returns the pointer now in the slot. */
static inline void *iod_ptr_install(iod_atomic_ptr_t *p, void *new)
{
	void *expected = NULL;

	if (atomic_compare_exchange_strong_explicit(p, &expected, new,
						    memory_order_acq_rel,
						    memory_order_acquire))
		return new;
	return expected;
}

/*
 * Bits set in a word. A port primitive because the builtin becomes a libgcc
 * call on CPUs without POPCNT, which the kernel does not link.
 */
static inline unsigned int iod_popcount64(uint64_t x)
{
	return (unsigned int)__builtin_popcountll(x);
}

static inline void iod_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Spinlock for short critical sections that never sleep: a test-and-set
 * word (sequentially consistent RMWs: acquire on lock, release on unlock),
 * waiters spinning on plain loads. Threads in userspace cannot disable
 * preemption, so a waiter may spin on a holder that was scheduled out: the
 * sections it guards are a few microseconds.
 */
typedef struct {
	iod_atomic64_t v;
} iod_spinlock_t;

static inline void iod_spin_lock(iod_spinlock_t *l)
{
	while (iod_atomic_fetch_or(&l->v, 1)) {
		while (iod_atomic_load_relaxed(&l->v))
			iod_cpu_relax();
	}
}

static inline void iod_spin_unlock(iod_spinlock_t *l)
{
	iod_atomic_xchg(&l->v, 0);
}

/*
 * IOD_STRIPE_LOCKS spinlocks shared by everything in the process (each in
 * its own cache line), for callers that pick one by a hash of an address:
 * iod_stripe_lock(i), i < IOD_STRIPE_LOCKS (port_user.c).
 */
#define IOD_STRIPE_LOCKS 64u
iod_spinlock_t *iod_stripe_lock(unsigned int i);

/*
 * Reader/writer lock whose read side writes nothing shared. Readers enter
 * a userspace RCU read-side section (liburcu's membarrier flavour; the
 * library registers each thread on its first read section and
 * unregisters it when the thread exits) and check @passing; a writer sets
 * @passing, waits one grace period, after which every reader either has
 * left or has seen @passing and queued on @rw, and then owns the
 * protected data alone. @passing stays set for a while after the writer
 * leaves, so that a burst of writers pays for one grace period; the first
 * reader to find it stale clears it. The kernel flavour is a
 * percpu_rw_semaphore, the same design. Writers are preferred on @rw so
 * map/unmap cannot starve. All of it is in port_user_rwlock.c.
 */
typedef struct {
	pthread_rwlock_t rw;
	_Atomic int passing;
	uint64_t quiet_from;	/* CLOCK_MONOTONIC ns of the last write unlock */
} iod_rwlock_t;

int iod_rwlock_init(iod_rwlock_t *l);
void iod_rwlock_destroy(iod_rwlock_t *l);
void iod_write_lock(iod_rwlock_t *l);
void iod_write_unlock(iod_rwlock_t *l);
/* iod_read_lock() and iod_read_unlock(): port_user_rwlock.h, inline. */

/* A plain mutex, for short sections that may run inside a read section. */
typedef struct {
	pthread_mutex_t m;
} iod_mutex_t;

static inline void iod_mutex_init(iod_mutex_t *m)
{
	pthread_mutex_init(&m->m, NULL);
}

static inline void iod_mutex_destroy(iod_mutex_t *m)
{
	pthread_mutex_destroy(&m->m);
}

static inline void iod_mutex_lock(iod_mutex_t *m)
{
	pthread_mutex_lock(&m->m);
}

static inline void iod_mutex_unlock(iod_mutex_t *m)
{
	pthread_mutex_unlock(&m->m);
}

/*
 * Per-thread storage for the core's translation hints (iopt_dma.c):
 * iod_thread_data() returns this thread's zeroed block of @size bytes
 * (the same size on every call), allocated on first use and freed when the
 * thread exits, or NULL if memory is short. Only a pointer is
 * thread-local, so a dlopen()ed library does not strain the static TLS
 * block. The kernel flavour returns NULL (the core then walks every time).
 */
extern __thread void *iod_thread_block __attribute__((tls_model("initial-exec")));
void *iod_thread_data_alloc(size_t size);

static inline void *iod_thread_data(size_t size)
{
	void *p = iod_thread_block;

	return __builtin_expect(p != NULL, 1) ? p : iod_thread_data_alloc(size);
}

/*
 * A small number for the calling thread, unique among the threads alive:
 * 0 to IOD_THREAD_SLOTS - 1, or -1 when that many threads hold one (or the
 * thread-exit hook that gives it back cannot be set up). Lets counters
 * live in the object they count, one slot per thread, each written by its
 * thread only (iopt_count()). The kernel flavour has none.
 */
#define IOD_THREAD_SLOTS 64
extern __thread int iod_thread_slot_plus1
	__attribute__((tls_model("initial-exec")));
int iod_thread_slot_get(void);

static inline int iod_thread_slot(void)
{
	int s = iod_thread_slot_plus1;

	if (__builtin_expect(s > 0, 1))
		return s - 1;
	return s < 0 ? -1 : iod_thread_slot_get();
}

#define iod_likely(x) __builtin_expect(!!(x), 1)
#define iod_unlikely(x) __builtin_expect(!!(x), 0)

#include "port_user_rwlock.h"

#endif /* IODIRTY_CORE_PORT_USER_H */
