// SPDX-License-Identifier: MIT
/*
 * The uAPI fuzzer's disturbers: the memory thread changes the arena under
 * the calls that pin, read or write it (munmap and map again, mprotect to
 * read-only or none, replace pages with other anonymous or shared memory,
 * drop them with MADV_DONTNEED, scribble over them), and the fd thread
 * makes the two fd numbers refer to other files (a fresh open, the other
 * fd's file, or nothing for a moment) while calls on them run.
 */
#include "fuzz_uapi.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Pages the memory thread changes at once, at most. */
#define FZ_MEM_RUN 16
/* Every this many changes the whole arena is made read-write again. */
#define FZ_MEM_RESET 64

static void pause_us(uint64_t us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / 1000000),
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	nanosleep(&ts, NULL);
}

/*
 * What the memory thread knows of each arena page: whether it may write
 * it itself, and whether it lost it (another mapping took its place in
 * the moment it was unmapped: never touched again).
 */
enum page_state { PAGE_RW, PAGE_OTHER, PAGE_LOST };

struct mem {
	struct fz_worker *w;
	uint8_t state[FZ_ARENA_PAGES];
};

static void set_state(struct mem *m, size_t first, size_t n, uint8_t st)
{
	for (size_t i = first; i < first + n; i++)
		if (m->state[i] != PAGE_LOST)
			m->state[i] = st;
}

static bool any_lost(const struct mem *m, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		if (m->state[i] == PAGE_LOST)
			return true;
	return false;
}

/* Unmaps, waits a little, maps fresh memory back if nobody took the hole. */
static void unmap_remap(struct mem *m, uint8_t *p, size_t first, size_t n)
{
	void *q;

	munmap(p, n * FZ_PAGE);
	pause_us(fz_below(&m->w->rng, 500));
	q = mmap(p, n * FZ_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (q == p) {
		set_state(m, first, n, PAGE_RW);
		return;
	}
	if (q != MAP_FAILED)
		munmap(q, n * FZ_PAGE);
	set_state(m, first, n, PAGE_LOST);
}

static void scribble(struct mem *m, uint8_t *p, size_t first, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m->state[first + i] != PAGE_RW)
			continue;
		for (size_t j = 0; j < FZ_PAGE; j += 8) {
			uint64_t v = fz_rand(&m->w->rng);

			/* Small values look like counts, IDs and lengths. */
			if (fz_one_in(&m->w->rng, 2))
				v >>= 40;
			memcpy(p + i * FZ_PAGE + j, &v, sizeof(v));
		}
	}
}

static void mem_change(struct mem *m)
{
	uint64_t *s = &m->w->rng;
	size_t n = 1 + fz_below(s, FZ_MEM_RUN);
	size_t first = fz_below(s, FZ_ARENA_PAGES - n + 1);
	uint8_t *p = m->w->fz->arena + first * FZ_PAGE;
	size_t bytes = n * FZ_PAGE;

	if (any_lost(m, first, n))
		return;
	switch (fz_below(s, 8)) {
	case 0:
		unmap_remap(m, p, first, n);
		break;
	case 1:
		mprotect(p, bytes, PROT_READ);
		set_state(m, first, n, PAGE_OTHER);
		break;
	case 2:
		mprotect(p, bytes, PROT_NONE);
		set_state(m, first, n, PAGE_OTHER);
		break;
	case 3:
		/* Other pages at the same address, while the old are pinned. */
		mmap(p, bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		set_state(m, first, n, PAGE_RW);
		break;
	case 4:
		if (m->w->fz->memfd >= 0 &&
		    mmap(p, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 m->w->fz->memfd, (off_t)(first * FZ_PAGE)) == p)
			set_state(m, first, n, PAGE_RW);
		break;
	case 5:
		madvise(p, bytes, MADV_DONTNEED);
		break;
	case 6:
		mprotect(p, bytes, PROT_READ | PROT_WRITE);
		set_state(m, first, n, PAGE_RW);
		break;
	default:
		scribble(m, p, first, n);
		break;
	}
	atomic_fetch_add_explicit(&m->w->fz->stats->mem_ops, 1, memory_order_relaxed);
}

/* Makes every page not lost read-write again, so that calls succeed too. */
static void mem_reset(struct mem *m)
{
	for (size_t i = 0; i < FZ_ARENA_PAGES; i++) {
		if (m->state[i] == PAGE_LOST)
			continue;
		mprotect(m->w->fz->arena + i * FZ_PAGE, FZ_PAGE, PROT_READ | PROT_WRITE);
		m->state[i] = PAGE_RW;
	}
}

void *fz_mem_chaos(void *arg)
{
	struct mem m = { .w = arg };
	unsigned int i = 0;

	memset(m.state, PAGE_RW, sizeof(m.state));
	while (!atomic_load(&m.w->fz->stop)) {
		mem_change(&m);
		if (++i % FZ_MEM_RESET == 0)
			mem_reset(&m);
		pause_us(fz_below(&m.w->rng, 2000));
	}
	mem_reset(&m);
	return NULL;
}

/* Makes fd number @nr refer to a new open file of /dev/iodirty. */
static void fd_reopen(int nr)
{
	int fd = open(FZ_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0 || fd == nr)
		return;
	dup3(fd, nr, O_CLOEXEC);
	close(fd);
}

void *fz_fd_chaos(void *arg)
{
	struct fz_worker *w = arg;
	struct fz *fz = w->fz;

	while (!atomic_load(&fz->stop)) {
		unsigned int k = (unsigned int)fz_below(&w->rng, 2);

		pause_us(100000 + fz_below(&w->rng, 400000));
		switch (fz_below(&w->rng, 4)) {
		case 0:
			/*
			 * Nothing behind the number for a moment: calls on it
			 * fail with EBADF. Only this thread opens files while
			 * the workers run, so the number stays free.
			 */
			close(fz->fds[k]);
			pause_us(fz_below(&w->rng, 1000));
			fd_reopen(fz->fds[k]);
			break;
		case 1:
			/* Both numbers on one file, then apart again later. */
			dup3(fz->fds[!k], fz->fds[k], O_CLOEXEC);
			break;
		default:
			/* The old file is released once calls on it return. */
			fd_reopen(fz->fds[k]);
			break;
		}
		atomic_fetch_add_explicit(&fz->stats->fd_swaps, 1, memory_order_relaxed);
	}
	return NULL;
}
