// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The userspace core lock (see iod_rwlock_t in port_user.h): readers in a
 * liburcu-memb read-side section while no writer is near, on a writer-
 * preferring pthread rwlock while one is.
 *
 * Why it is safe. A reader enters its RCU section, then loads @passing.
 * A writer takes @rw, stores @passing = 1, then waits a grace period. A
 * reader whose section the grace period does not wait for began after it
 * started, so it sees @passing = 1 (RCU's guarantee) and queues on @rw;
 * one that saw 0 is waited for. So when synchronize returns, the writer
 * is alone. @passing is cleared only by a reader holding @rw for reading,
 * with release order: no writer is inside then, and a reader that loads 0
 * (acquire) sees everything the last writer did. A reader that holds @rw
 * excludes writers whatever @passing says, so a thread that cannot be
 * registered with liburcu simply always reads on @rw.
 *
 * Which reader owns which side is kept per thread, as a stack of bits
 * (read sections nest only across different locks, in LIFO order).
 *
 * Why the membarrier flavour: a writer that finds a reader inside its
 * section sleeps on a futex that the reader's unlock wakes. The
 * bulletproof flavour polls every 10 ms instead, and with as many busy
 * DMA threads as cores the reader a writer waits for is usually one it
 * preempted, so every grace period under load took 10 ms. This flavour
 * needs each reader thread registered: done on its first read section,
 * undone by a thread-specific-data destructor when the thread exits.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pthread_rwlockattr_setkind_np */
#endif
#include <sched.h>
#include <time.h>

#include "port.h"

/*
 * How long @passing outlives the last writer: map/unmap at intervals
 * shorter than this (a vIOMMU replaying a table, 4 KiB conversions, a
 * paced unmap stream) pay one grace period, readers return to the fast
 * path when they stop. Readers on @rw meanwhile cost what a pthread
 * rwlock costs.
 */
#define PASSING_NS	(10 * 1000 * 1000ULL)

/*
 * How long a reader that finds a writer on @rw waits without sleeping,
 * yielding its core between tries. A sleeping reader has to be woken when
 * the writer leaves, and on a machine with no idle core the woken readers
 * preempt the writer, whose map/unmap then waits for a time slice
 * (milliseconds); a writer's turn is a few microseconds. Yielding rather
 * than spinning lets a writer that waits on the same core run.
 */
#define SPIN_NS		(1000 * 1000ULL)

__thread uint64_t iod_rw_slow_bits __attribute__((tls_model("initial-exec")));
__thread unsigned int iod_rw_depth __attribute__((tls_model("initial-exec")));
__thread bool iod_rcu_registered __attribute__((tls_model("initial-exec")));

/*
 * Set in the child of a fork(): liburcu's registry there still lists the
 * parent's threads, one of which may have been inside a section, so a
 * grace period could wait forever. The child's readers all use @rw, and
 * its writers need no grace period.
 */
static bool rcu_off;
static pthread_once_t rcu_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static bool exit_key_ok;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void rcu_thread_exit(void *arg)
{
	(void)arg;
	if (!iod_rcu_registered)
		return;
	iod_rcu_registered = false;
	if (!rcu_off)
		urcu_memb_unregister_thread();
}

static void rcu_fork_child(void)
{
	rcu_off = true;
	iod_rcu_registered = false;
}

static void rcu_setup(void)
{
	exit_key_ok = !pthread_key_create(&exit_key, rcu_thread_exit);
	/* glibc drops the handler if this library is unloaded. */
	pthread_atfork(NULL, NULL, rcu_fork_child);
}

/*
 * Registers the calling thread; false if it cannot be (a fork child, or
 * no memory for the exit hook, without which an exited thread would stay
 * in the registry): the caller then reads on @rw.
 */
bool iod_rcu_register(void)
{
	pthread_once(&rcu_once, rcu_setup);
	if (rcu_off || !exit_key_ok)
		return false;
	if (pthread_setspecific(exit_key, (void *)1))
		return false;
	urcu_memb_register_thread();
	iod_rcu_registered = true;
	return true;
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
	uint64_t until = 0, now;
	unsigned int i;

	/* tryrdlock fails while a writer holds @rw or waits for it. */
	for (i = 1; pthread_rwlock_tryrdlock(&l->rw); i++) {
		iod_cpu_relax();
		if (i % 64)
			continue;
		sched_yield();
		now = mono_ns();
		if (!until) {
			until = now + SPIN_NS;
		} else if (now > until) {
			pthread_rwlock_rdlock(&l->rw);
			break;
		}
	}
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
	/* In a fork child no reader is in an RCU section (rcu_off). */
	if (atomic_load_explicit(&l->passing, memory_order_relaxed) || rcu_off)
		return;
	atomic_store(&l->passing, 1);
	urcu_memb_synchronize_rcu();
	iod_tsan_acquire(l);
}

void iod_write_unlock(iod_rwlock_t *l)
{
	l->quiet_from = mono_ns();
	pthread_rwlock_unlock(&l->rw);
}
