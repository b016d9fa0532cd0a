// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* The shared mapping table: writer and reader (see maptab.h). */
#include "maptab.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>

typedef _Atomic uint64_t tword;

static tword *word(const void *base, uint64_t byte)
{
	return (tword *)((char *)(uintptr_t)base + byte);
}

static uint64_t seq_off(void)
{
	return offsetof(struct iod_maptab_hdr, seq);
}

static uint64_t n_off(void)
{
	return offsetof(struct iod_maptab_hdr, n);
}

static uint64_t ent_off(uint64_t i)
{
	return IOD_MAPTAB_HDR_SIZE + i * sizeof(struct iod_maptab_ent);
}

uint64_t iod_maptab_bytes(uint64_t n)
{
	if (n > (UINT64_MAX - IOD_MAPTAB_HDR_SIZE - 4095) /
		sizeof(struct iod_maptab_ent))
		return 0;
	return (ent_off(n) + 4095) & ~4095ULL;
}

void iod_maptab_write(void *base, uint64_t *seq,
		      const struct iod_maptab_ent *e, uint64_t n)
{
	tword *sq = word(base, seq_off());
	uint64_t i, at;

	atomic_store_explicit(sq, ++*seq, memory_order_relaxed);
	/* The odd count is seen before any entry changes. */
	atomic_thread_fence(memory_order_release);
	for (i = 0; i < n; i++) {
		at = ent_off(i);
		atomic_store_explicit(word(base, at), e[i].iova,
				      memory_order_relaxed);
		atomic_store_explicit(word(base, at + 8), e[i].length,
				      memory_order_relaxed);
		atomic_store_explicit(word(base, at + 16), e[i].uaddr,
				      memory_order_relaxed);
		atomic_store_explicit(word(base, at + 24), e[i].flags,
				      memory_order_relaxed);
	}
	atomic_store_explicit(word(base, n_off()), n, memory_order_relaxed);
	atomic_store_explicit(sq, ++*seq, memory_order_release);
}

static void get(const void *base, uint64_t i, struct iod_maptab_ent *e)
{
	uint64_t at = ent_off(i);

	e->iova = atomic_load_explicit(word(base, at), memory_order_relaxed);
	e->length = atomic_load_explicit(word(base, at + 8),
					 memory_order_relaxed);
	e->uaddr = atomic_load_explicit(word(base, at + 16),
					memory_order_relaxed);
	e->flags = atomic_load_explicit(word(base, at + 24),
					memory_order_relaxed);
}

/*
 * A writer's copy is short (the table is built beforehand), so a reader
 * spins a little, then yields; a writer that never stops costs it this
 * many tries.
 */
#define FIND_SPINS	64
#define FIND_TRIES	100000

int iod_maptab_find(const void *base, uint64_t size, uint64_t iova,
		    struct iod_maptab_ent *e, uint64_t *need)
{
	uint64_t s1, n, lo, hi, mid;
	struct iod_maptab_ent m;
	int tries, ret;

	for (tries = 0; tries < FIND_TRIES; tries++) {
		if (tries >= FIND_SPINS)
			sched_yield();
		s1 = atomic_load_explicit(word(base, seq_off()),
					  memory_order_acquire);
		if (s1 & 1)
			continue;
		n = atomic_load_explicit(word(base, n_off()),
					 memory_order_relaxed);
		if (!iod_maptab_bytes(n) || iod_maptab_bytes(n) > size) {
			ret = -ENOSPC;
			*need = iod_maptab_bytes(n);
		} else {
			/* The last entry that starts at or below @iova. */
			ret = -ENOENT;
			for (lo = 0, hi = n; lo < hi;) {
				mid = lo + (hi - lo) / 2;
				get(base, mid, &m);
				if (m.iova <= iova)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo) {
				get(base, lo - 1, e);
				if (iova - e->iova < e->length)
					ret = 0;
			}
		}
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(word(base, seq_off()),
					 memory_order_relaxed) == s1)
			return ret;
	}
	return -EAGAIN;
}
