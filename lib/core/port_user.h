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

/*
 * Around a busy-wait critical section: the kernel flavour disables
 * preemption; threads in userspace cannot, so these are no-ops.
 */
static inline void iod_spin_enter(void)
{
}

static inline void iod_spin_exit(void)
{
}

static inline void iod_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Reader/writer lock; writers are preferred so map/unmap cannot starve. */
typedef struct {
	pthread_rwlock_t rw;
} iod_rwlock_t;

int iod_rwlock_init(iod_rwlock_t *l);
void iod_rwlock_destroy(iod_rwlock_t *l);
void iod_read_lock(iod_rwlock_t *l);
void iod_read_unlock(iod_rwlock_t *l);
void iod_write_lock(iod_rwlock_t *l);
void iod_write_unlock(iod_rwlock_t *l);

#endif /* IODIRTY_CORE_PORT_USER_H */
