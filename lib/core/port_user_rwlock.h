/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Read side of the userspace core lock (iod_rwlock_t, port_user.h), inline
 * because it runs on every mark and DMA; the slow paths and the writer
 * side are in port_user_rwlock.c, which also says why it is safe.
 */
#ifndef IODIRTY_CORE_PORT_USER_RWLOCK_H
#define IODIRTY_CORE_PORT_USER_RWLOCK_H

#if defined(__SANITIZE_THREAD__)
#define IOD_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IOD_TSAN 1
#endif
#endif

/*
 * liburcu's inline read-side fast paths (_LGPL_SOURCE), except under
 * ThreadSanitizer: liburcu's inline unlock reads its grace-period futex
 * word with a plain volatile load, which a writer's wake-up stores to,
 * and it relies on its own barriers for that; TSan would report every such
 * pair as a race. Those builds call the same operations in
 * liburcu-memb.so, which is not instrumented, and tell TSan the ordering a
 * grace period gives (iod_tsan_acquire/release below).
 */
#ifndef IOD_TSAN
#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#endif
#include <urcu/urcu-memb.h>

#ifndef IOD_TSAN
/*
 * liburcu-memb's per-thread reader state lives in liburcu-memb.so; by
 * default each access to it from here is a __tls_get_addr() call, two per
 * read section, more than the rest of a mark. liburcu-memb is a load-time
 * dependency of this library, so its TLS is in the static block and
 * initial-exec access (a load off the thread pointer) is valid.
 */
extern __thread struct urcu_reader urcu_memb_reader
	__attribute__((tls_model("initial-exec")));
#endif

/* Per thread: bit i set = read section i (nesting depth) is on @rw. */
extern __thread uint64_t iod_rw_slow_bits
	__attribute__((tls_model("initial-exec")));
extern __thread unsigned int iod_rw_depth
	__attribute__((tls_model("initial-exec")));
/* Per thread: registered with liburcu-memb (port_user_rwlock.c). */
extern __thread bool iod_rcu_registered
	__attribute__((tls_model("initial-exec")));

bool iod_rcu_register(void);
void iod_read_lock_slow(iod_rwlock_t *l);
void iod_read_unlock_slow(iod_rwlock_t *l);

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
	if (__builtin_expect(!iod_rcu_registered, 0) && !iod_rcu_register()) {
		iod_read_lock_slow(l);
		return;
	}
	urcu_memb_read_lock();
	if (__builtin_expect(!atomic_load_explicit(&l->passing,
						   memory_order_acquire), 1)) {
		iod_rw_depth++;
		return;
	}
	urcu_memb_read_unlock();
	iod_read_lock_slow(l);
}

static inline void iod_read_unlock(iod_rwlock_t *l)
{
	uint64_t bit = 1ULL << --iod_rw_depth;

	if (__builtin_expect(!(iod_rw_slow_bits & bit), 1)) {
		iod_tsan_release(l);
		urcu_memb_read_unlock();
		return;
	}
	iod_rw_slow_bits &= ~bit;
	iod_read_unlock_slow(l);
}

#endif /* IODIRTY_CORE_PORT_USER_RWLOCK_H */
