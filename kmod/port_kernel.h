/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel flavour of the io-pagetable core's portability layer (see
 * lib/core/port.h; the userspace flavour is lib/core/port_user.h, and the
 * two must provide the same names with the same semantics).
 *
 * Allocation is kvmalloc-based and charged to the caller's memory cgroup,
 * atomics are atomic64_t, the reader/writer lock is a sleeping rw_semaphore
 * because the core allocates under its read lock and the module's DMA copy
 * callback faults on user memory under it.
 */
#ifndef IODIRTY_KMOD_PORT_KERNEL_H
#define IODIRTY_KMOD_PORT_KERNEL_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/preempt.h>
#include <linux/processor.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/percpu-rwsem.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

/* The kernel spells it U64_MAX; the core uses the C library name. */
#ifndef UINT64_MAX
#define UINT64_MAX U64_MAX
#endif

/*
 * Allocation (port_kernel.c). iod_zalloc() returns zeroed memory or NULL.
 * FAILSLAB injects failures here; there is no fail-nth hook in the kernel.
 */
void *iod_zalloc(size_t size);
void *iod_alloc(size_t size);
void iod_free(void *ptr);

#define iod_memcpy memcpy
#define iod_memmove memmove
#define iod_memset memset

/*
 * Atomic 64-bit words. The core asks for sequentially consistent
 * operations unless a name says relaxed. Value-returning read-modify-write
 * atomics are fully ordered in the kernel. A load gets acquire ordering:
 * on x86 and arm64 that is what a sequentially consistent load compiles to
 * (MOV, LDAR), and the loads the core's ordering argument relies on (see
 * lib/core/dirty.h) race only with fully ordered read-modify-writes.
 */
typedef atomic64_t iod_atomic64_t;

static inline uint64_t iod_atomic_load(iod_atomic64_t *p)
{
	return (uint64_t)atomic64_read_acquire(p);
}

static inline uint64_t iod_atomic_load_relaxed(iod_atomic64_t *p)
{
	return (uint64_t)atomic64_read(p);
}

static inline void iod_atomic_store_relaxed(iod_atomic64_t *p, uint64_t v)
{
	atomic64_set(p, (s64)v);
}

static inline uint64_t iod_atomic_fetch_or(iod_atomic64_t *p, uint64_t v)
{
	return (uint64_t)atomic64_fetch_or((s64)v, p);
}

static inline uint64_t iod_atomic_fetch_and(iod_atomic64_t *p, uint64_t v)
{
	return (uint64_t)atomic64_fetch_and((s64)v, p);
}

static inline uint64_t iod_atomic_xchg(iod_atomic64_t *p, uint64_t v)
{
	return (uint64_t)atomic64_xchg(p, (s64)v);
}

/* Relaxed add, returns the new value (counters only). */
static inline uint64_t iod_atomic_add(iod_atomic64_t *p, uint64_t v)
{
	return (uint64_t)atomic64_add_return_relaxed((s64)v, p);
}

/* Atomic pointer slots, for structures grown lock-free under a read lock. */
typedef void *iod_atomic_ptr_t;

static inline void *iod_ptr_load_acquire(iod_atomic_ptr_t *p)
{
	/* Pairs with the cmpxchg() that published the slot's content. */
	return smp_load_acquire(p);
}

/* Installs @new if the slot is NULL; returns the pointer now in the slot. */
static inline void *iod_ptr_install(iod_atomic_ptr_t *p, void *new)
{
	void *old = cmpxchg(p, NULL, new);

	return old ? old : new;
}

/* A spinlock_t: lockdep sees it, and its holder keeps its CPU. */
typedef spinlock_t iod_spinlock_t;

static inline void iod_spin_lock(iod_spinlock_t *l)
{
	spin_lock(l);
}

static inline void iod_spin_unlock(iod_spinlock_t *l)
{
	spin_unlock(l);
}

/* Striped spinlocks shared by the whole module (port_kernel.c). */
#define IOD_STRIPE_LOCKS 64u
iod_spinlock_t *iod_stripe_lock(unsigned int i);

static inline void iod_cpu_relax(void)
{
	cpu_relax();
}

/* hweight64 uses POPCNT when the CPU has it, never a libgcc call. */
static inline unsigned int iod_popcount64(u64 x)
{
	return hweight64(x);
}

/*
 * Reader/writer lock (port_kernel.c): a percpu_rw_semaphore, the kernel's
 * form of the userspace flavour's design (readers touch only per-CPU
 * state while no writer is near; a writer waits one RCU grace period, and
 * a burst of writers one in all). Readers may sleep: the core allocates
 * under its read lock and the module's DMA copy faults on user memory
 * under it. A waiting writer holds back new readers, so map and unmap
 * cannot be starved by DMA.
 */
typedef struct percpu_rw_semaphore iod_rwlock_t;

int iod_rwlock_init(iod_rwlock_t *l);
void iod_rwlock_destroy(iod_rwlock_t *l);
void iod_read_lock(iod_rwlock_t *l);
void iod_read_unlock(iod_rwlock_t *l);
void iod_write_lock(iod_rwlock_t *l);
void iod_write_unlock(iod_rwlock_t *l);

/* A sleeping mutex, for short sections inside a read section. */
typedef struct mutex iod_mutex_t;

#define iod_mutex_init(m) mutex_init(m)
#define iod_mutex_destroy(m) mutex_destroy(m)
#define iod_mutex_lock(m) mutex_lock(m)
#define iod_mutex_unlock(m) mutex_unlock(m)

/* No per-thread storage here: the core walks without per-thread hints. */
static inline void *iod_thread_data(size_t size)
{
	return NULL;
}

/* No thread slots: counters are shared, added atomically (iopt_count()). */
#define IOD_THREAD_SLOTS 0

static inline int iod_thread_slot(void)
{
	return -1;
}

#define iod_likely(x) likely(x)
#define iod_unlikely(x) unlikely(x)

#endif /* IODIRTY_KMOD_PORT_KERNEL_H */
