// SPDX-License-Identifier: MIT
/*
 * uAPI fuzzer: random raw ioctls of every command of /dev/iodirty, with
 * valid-ish arguments most of the time and corrupted ones otherwise
 * (fuzz_cmds.c), from several threads on shared object IDs and two fds,
 * from forked children that keep using the inherited fds, while one
 * thread closes and dup2()s the fds under the calls and another unmaps,
 * remaps and re-protects the memory they use (fuzz_chaos.c). Objects are
 * destroyed while others use them; output arrays sometimes point to
 * read-only memory.
 *
 * Nothing is asserted about the results: the kernel must survive, and the
 * VM tier fails on any oops, warning, KASAN, lockdep or hung-task report
 * in the kernel log, and on pinned pages left after the module is
 * unloaded. Calls and their errnos are counted and printed.
 *
 * Environment:
 *   IODIRTY_UAPI_FUZZ_SECONDS  how long to run (default 60)
 *   IODIRTY_UAPI_FUZZ_CALLS    stop after this many calls (default 0: no
 *                              limit but the time)
 *   IODIRTY_UAPI_FUZZ_THREADS  worker threads (default 4)
 *   IODIRTY_UAPI_FUZZ_SEED     the seed (default: from the clock); printed
 *                              first, so that a run can be repeated (as
 *                              far as thread timing allows)
 *
 * Exit status: 0 when the run ended, 77 without /dev/iodirty, 1 when it
 * could not be set up.
 */
#include "fuzz_uapi.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FZ_MAX_THREADS 64
/* PROT_NONE guards around the arena and the read-only pages, larger than
 * any IOVA window a call can copy, so that an overrun faults there. */
#define FZ_GUARD (4UL << 20)
/* Forked children alive at once, and how long each one runs. */
#define FZ_CHILDREN 2
#define FZ_CHILD_NS 1000000000ULL
#define FZ_FORK_EVERY_NS 1500000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

void fz_work(struct fz_worker *w)
{
	struct fz *fz = w->fz;

	for (unsigned int i = 0;; i++) {
		if (atomic_load_explicit(&fz->stop, memory_order_relaxed))
			return;
		if (fz->max_calls &&
		    atomic_load_explicit(&fz->stats->total, memory_order_relaxed) >=
		    fz->max_calls)
			return;
		if (i % 64 == 0 && now_ns() >= w->until)
			return;
		fz_call(w);
	}
}

static void free_worker(struct fz_worker *w)
{
	if (!w)
		return;
	munmap(w->argpage, 2 * FZ_PAGE);
	free(w);
}

static void *worker(void *arg)
{
	fz_work(arg);
	return NULL;
}

static struct fz_worker *new_worker(struct fz *fz, uint64_t seed, uint64_t until)
{
	struct fz_worker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fz = fz;
	w->rng = seed;
	w->until = until;
	/* One read-write page, then one that is never accessible. */
	w->argpage = mmap(NULL, 2 * FZ_PAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->argpage == MAP_FAILED ||
	    mprotect(w->argpage, FZ_PAGE, PROT_READ | PROT_WRITE)) {
		free(w);
		return NULL;
	}
	return w;
}

/*
 * The user memory: the arena and the read-only pages, each between
 * guards, at addresses that stay fixed for the whole run.
 */
static int setup_memory(struct fz *fz)
{
	size_t total = 3 * FZ_GUARD + FZ_ARENA_BYTES + FZ_RO_PAGES * FZ_PAGE;
	uint8_t *base = mmap(NULL, total, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (base == MAP_FAILED)
		return -errno;
	fz->arena = base + FZ_GUARD;
	fz->ro = fz->arena + FZ_ARENA_BYTES + FZ_GUARD;
	if (mprotect(fz->arena, FZ_ARENA_BYTES, PROT_READ | PROT_WRITE) ||
	    mprotect(fz->ro, FZ_RO_PAGES * FZ_PAGE, PROT_READ))
		return -errno;
	fz->memfd = memfd_create("fuzz_uapi", MFD_CLOEXEC);
	if (fz->memfd < 0 || ftruncate(fz->memfd, (off_t)FZ_ARENA_BYTES))
		return -errno;
	fz->stats = mmap(NULL, sizeof(*fz->stats), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return fz->stats == MAP_FAILED ? -errno : 0;
}

/*
 * Forks a child that goes on calling with the fds and IDs it inherited
 * for a while; it counts into the shared counters. Only the forking
 * thread exists in the child, so it must not take locks the others may
 * have held: the call loop allocates nothing.
 */
static pid_t fork_child(struct fz *fz, struct fz_worker *tmpl, uint64_t seed,
			uint64_t until)
{
	pid_t pid = fork();

	if (pid == 0) {
		tmpl->rng = seed;
		tmpl->until = until;
		fz_work(tmpl);
		_exit(0);
	}
	if (pid > 0)
		atomic_fetch_add_explicit(&fz->stats->forks, 1, memory_order_relaxed);
	return pid;
}

static void print_errnos(const _Atomic uint64_t *err, uint64_t calls)
{
	uint64_t left[FZ_NERRNO];

	for (int e = 0; e < FZ_NERRNO; e++)
		left[e] = atomic_load(&err[e]);
	printf(" ok %" PRIu64, left[0]);
	left[0] = 0;
	/* Largest first. */
	for (;;) {
		int best = 0;

		for (int e = 1; e < FZ_NERRNO; e++)
			if (left[e] > left[best])
				best = e;
		if (!left[best])
			break;
		printf(" %s %" PRIu64, best == FZ_NERRNO - 1 ? "(other)" :
		       strerrorname_np(best) ? strerrorname_np(best) : "?",
		       left[best]);
		left[best] = 0;
	}
	printf(" (of %" PRIu64 ")\n", calls);
}

static void summary(const struct fz *fz, double secs, unsigned int nthreads)
{
	const struct fz_stats *st = fz->stats;
	uint64_t total = atomic_load(&st->total);
	_Atomic uint64_t all[FZ_NERRNO];

	printf("fuzz_uapi: %" PRIu64 " calls in %.1f s (%.0f calls/s) by %u threads"
	       " and %" PRIu64 " forked children; %" PRIu64 " fd swaps, %" PRIu64
	       " memory changes\n", total, secs, secs > 0 ? (double)total / secs : 0.0,
	       nthreads, atomic_load(&st->forks), atomic_load(&st->fd_swaps),
	       atomic_load(&st->mem_ops));
	for (int e = 0; e < FZ_NERRNO; e++)
		atomic_init(&all[e], 0);
	for (unsigned int c = 0; c <= FZ_NCMDS; c++) {
		printf("  %-18s", fz_cmd_name(c));
		print_errnos(st->err[c], atomic_load(&st->calls[c]));
		for (int e = 0; e < FZ_NERRNO; e++)
			atomic_fetch_add(&all[e], atomic_load(&st->err[c][e]));
	}
	printf("  %-18s", "all");
	print_errnos(all, total);
}

int main(void)
{
	struct fz fz = { .fds = { -1, -1 }, .memfd = -1 };
	uint64_t secs = env_u64("IODIRTY_UAPI_FUZZ_SECONDS", 60);
	unsigned int nthreads = (unsigned int)env_u64("IODIRTY_UAPI_FUZZ_THREADS", 4);
	uint64_t seed = env_u64("IODIRTY_UAPI_FUZZ_SEED", now_ns() ^ (uint64_t)getpid());
	uint64_t start, end, next_fork;
	struct fz_worker *w[FZ_MAX_THREADS + 2], *child;
	pthread_t tid[FZ_MAX_THREADS + 2];
	pid_t kids[FZ_CHILDREN] = { 0 };
	unsigned int n, nkids = 0;
	int rc;

	if (access(FZ_DEV, F_OK)) {
		printf("fuzz_uapi: %s does not exist: skipped\n", FZ_DEV);
		return 77;
	}
	if (nthreads < 1 || nthreads > FZ_MAX_THREADS) {
		fprintf(stderr, "fuzz_uapi: IODIRTY_UAPI_FUZZ_THREADS must be 1..%d\n",
			FZ_MAX_THREADS);
		return 1;
	}
	fz.max_calls = env_u64("IODIRTY_UAPI_FUZZ_CALLS", 0);
	printf("fuzz_uapi: seed 0x%016" PRIx64 " (IODIRTY_UAPI_FUZZ_SEED), %u threads,"
	       " %" PRIu64 " s, call limit %" PRIu64 "\n", seed, nthreads, secs,
	       fz.max_calls);
	fflush(stdout);
	rc = setup_memory(&fz);
	for (int k = 0; k < 2 && !rc; k++) {
		fz.fds[k] = open(FZ_DEV, O_RDWR | O_CLOEXEC);
		if (fz.fds[k] < 0)
			rc = -errno;
	}
	if (rc) {
		fprintf(stderr, "fuzz_uapi: setup: %s\n", strerror(-rc));
		return 1;
	}

	start = now_ns();
	end = start + secs * 1000000000ULL;
	/* Workers, then the memory and the fd thread, each with its seed. */
	for (n = 0; n < nthreads + 2; n++) {
		w[n] = new_worker(&fz, seed + n + 1, end);
		if (!w[n] || pthread_create(&tid[n], NULL,
					    n < nthreads ? worker :
					    n == nthreads ? fz_mem_chaos : fz_fd_chaos,
					    w[n])) {
			fprintf(stderr, "fuzz_uapi: cannot start thread %u\n", n);
			atomic_store(&fz.stop, true);
			break;
		}
	}
	child = new_worker(&fz, 0, 0);
	next_fork = start + FZ_FORK_EVERY_NS / 2;
	while (child && !atomic_load(&fz.stop) && now_ns() < end &&
	       (!fz.max_calls || atomic_load(&fz.stats->total) < fz.max_calls)) {
		uint64_t t = now_ns();

		for (unsigned int k = nkids; k-- > 0;) {
			if (waitpid(kids[k], NULL, WNOHANG) == kids[k])
				kids[k] = kids[--nkids];
		}
		if (t >= next_fork && nkids < FZ_CHILDREN) {
			pid_t pid = fork_child(&fz, child, seed ^ t,
					       t + FZ_CHILD_NS < end ? t + FZ_CHILD_NS : end);

			if (pid > 0)
				kids[nkids++] = pid;
			next_fork = t + FZ_FORK_EVERY_NS;
		}
		usleep(100000);
	}
	atomic_store(&fz.stop, true);
	for (unsigned int k = 0; k < n; k++) {
		pthread_join(tid[k], NULL);
		free_worker(w[k]);
	}
	/* Children stop by their own clock; one still running 10 s later is
	 * killed (if it is stuck in the kernel, the test times out). */
	for (unsigned int k = 0; k < nkids; k++) {
		while (waitpid(kids[k], NULL, WNOHANG) == 0) {
			if (now_ns() > end + 10 * FZ_CHILD_NS)
				kill(kids[k], SIGKILL);
			usleep(100000);
		}
	}
	summary(&fz, (double)(now_ns() - start) / 1e9, nthreads);
	close(fz.fds[0]);
	close(fz.fds[1]);
	rc = n == nthreads + 2 && child ? 0 : 1;
	free_worker(child);
	return rc;
}
