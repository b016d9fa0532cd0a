/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Read side of the userspace core lock (iod_rwlock_t, port_user.h), inline
 * because it runs on every mark and DMA; the slow paths and the writer
 * side are in port_user_rwlock.c, which also says why it is safe.
 */
#ifndef IODIRTY_CORE_PORT_USER_RWLOCK_H
#define IODIRTY_CORE_PORT_USER_RWLOCK_H

/*
 * liburcu's inline read-side fast paths (_LGPL_SOURCE), except in builds
 * with UndefinedBehaviorSanitizer (meson defines IOD_URCU_CALLS then):
 * liburcu-bp places its per-thread reader structs in its registry at
 * addresses that are not multiples of their declared 128-byte alignment
 * (their members are naturally aligned, so the hardware does not care),
 * and the sanitizer's alignment check would flag every access compiled
 * here. Those builds call the same operations in liburcu-bp.so instead,
 * where they run uninstrumented; the accesses are the same either way.
 */
#ifndef IOD_URCU_CALLS
#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#endif
#include <urcu-bp.h>

/*
 * liburcu-bp's per-thread reader pointer lives in liburcu-bp.so; by default
 * each access to it from here is a __tls_get_addr() call, two per read
 * section, more than the rest of a mark. liburcu-bp is a load-time
 * dependency of this library, so its TLS is in the static block and
 * initial-exec access (a load off the thread pointer) is valid.
 */
#ifndef IOD_URCU_CALLS
extern __thread struct urcu_bp_reader *urcu_bp_reader
	__attribute__((tls_model("initial-exec")));
#endif

/* Per thread: bit i set = read section i (nesting depth) is on @rw. */
extern __thread uint64_t iod_rw_slow_bits
	__attribute__((tls_model("initial-exec")));
extern __thread unsigned int iod_rw_depth
	__attribute__((tls_model("initial-exec")));

void iod_read_lock_slow(iod_rwlock_t *l);
void iod_read_unlock_slow(iod_rwlock_t *l);

#if defined(__SANITIZE_THREAD__)
#define IOD_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IOD_TSAN 1
#endif
#endif

#ifdef IOD_TSAN
/*
 * ThreadSanitizer cannot see the ordering liburcu makes (membarrier and
 * an uninstrumented library): tell it that every fast reader's exit
 * happens before a writer's return from the grace period, which is what
 * synchronize_rcu() guarantees.
 */
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define iod_tsan_acquire(a) __tsan_acquire(a)
#define iod_tsan_release(a) __tsan_release(a)
#else
#define iod_tsan_acquire(a) ((void)(a))
#define iod_tsan_release(a) ((void)(a))
#endif

static inline void iod_read_lock(iod_rwlock_t *l)
{
	urcu_bp_read_lock();
	if (__builtin_expect(!atomic_load_explicit(&l->passing,
						   memory_order_acquire), 1)) {
		iod_rw_depth++;
		return;
	}
	urcu_bp_read_unlock();
	iod_read_lock_slow(l);
}

static inline void iod_read_unlock(iod_rwlock_t *l)
{
	uint64_t bit = 1ULL << --iod_rw_depth;

	if (__builtin_expect(!(iod_rw_slow_bits & bit), 1)) {
		iod_tsan_release(l);
		urcu_bp_read_unlock();
		return;
	}
	iod_rw_slow_bits &= ~bit;
	iod_read_unlock_slow(l);
}

#endif /* IODIRTY_CORE_PORT_USER_RWLOCK_H */
