// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The userspace core lock (see iod_rwlock_t in port_user.h): readers in a
 * liburcu-bp read-side section while no writer is near, on a writer-
 * preferring pthread rwlock while one is.
 *
 * Why it is safe. A reader enters its RCU section, then loads @passing.
 * A writer takes @rw, stores @passing = 1, then waits a grace period. A
 * reader whose section the grace period does not wait for began after it
 * started, so it sees @passing = 1 (RCU's guarantee) and queues on @rw;
 * one that saw 0 is waited for. So when synchronize returns, the writer
 * is alone. @passing is cleared only by a reader holding @rw for reading,
 * with release order: no writer is inside then, and a reader that loads 0
 * (acquire) sees everything the last writer did.
 *
 * Which reader owns which side is kept per thread, as a stack of bits
 * (read sections nest only across different locks, in LIFO order).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pthread_rwlockattr_setkind_np */
#endif
#include <time.h>

#include "port.h"

/*
 * How long @passing outlives the last writer: map/unmap bursts (a vIOMMU
 * replaying a table) pay one grace period, readers return to the fast
 * path soon after.
 */
#define PASSING_NS	(1000 * 1000ULL)

__thread uint64_t iod_rw_slow_bits __attribute__((tls_model("initial-exec")));
__thread unsigned int iod_rw_depth __attribute__((tls_model("initial-exec")));

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * A fork() while another thread is inside liburcu's grace-period code
 * would leave the child with its locks held; liburcu-bp asks its users to
 * call these around fork, which a library can only do through
 * pthread_atfork() (glibc drops the handlers if the library is unloaded).
 */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_register(void)
{
	pthread_atfork(urcu_bp_before_fork, urcu_bp_after_fork_parent,
		       urcu_bp_after_fork_child);
}

int iod_rwlock_init(iod_rwlock_t *l)
{
	pthread_rwlockattr_t attr;
	int ret;

	pthread_once(&atfork_once, atfork_register);
	ret = pthread_rwlockattr_init(&attr);
	if (ret)
		return -ret;
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	ret = pthread_rwlock_init(&l->rw, &attr);
	pthread_rwlockattr_destroy(&attr);
	atomic_init(&l->passing, 0);
	l->quiet_from = 0;
	return -ret;
}

void iod_rwlock_destroy(iod_rwlock_t *l)
{
	pthread_rwlock_destroy(&l->rw);
}

void iod_read_lock_slow(iod_rwlock_t *l)
{
	pthread_rwlock_rdlock(&l->rw);
	iod_rw_slow_bits |= 1ULL << iod_rw_depth++;
}

void iod_read_unlock_slow(iod_rwlock_t *l)
{
	/* Under @rw: no writer inside, quiet_from is the last one's. */
	if (mono_ns() - l->quiet_from > PASSING_NS)
		atomic_store_explicit(&l->passing, 0, memory_order_release);
	pthread_rwlock_unlock(&l->rw);
}

void iod_write_lock(iod_rwlock_t *l)
{
	pthread_rwlock_wrlock(&l->rw);
	if (atomic_load_explicit(&l->passing, memory_order_relaxed))
		return;
	atomic_store(&l->passing, 1);
	urcu_bp_synchronize_rcu();
	iod_tsan_acquire(l);
}

void iod_write_unlock(iod_rwlock_t *l)
{
	l->quiet_from = mono_ns();
	pthread_rwlock_unlock(&l->rw);
}
