/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Sparse hierarchical dirty bitmap, indexed by granule number.
 *
 * Layout: a radix tree of interior nodes (64 child slots and a 64-bit
 * summary: bit i set = child i may hold dirty bits) above leaves of 512
 * words (32768 granules, 128 MiB of IOVA at a 4 KiB granule) that carry
 * their own 8-word summary (bit i = word i may be non-zero). Nodes and
 * leaves are allocated on first use, so memory follows the range that was
 * ever dirtied, not the range that is mapped.
 *
 * Marking sets the word bits, then the summary bits bottom-up (each one a
 * single atomic OR, skipped when already set). Harvesting walks top-down
 * following summary bits only, so it costs O(dirty words + nodes on their
 * paths), not O(range). When clearing, a summary bit is cleared before the
 * words below it are exchanged with zero; a mark racing with that either
 * lands before the exchange (and is harvested now) or sets the summary bit
 * again after it was cleared (and is harvested next time). A summary bit
 * whose span is only partly inside the harvested range is left set: stale
 * summary bits cost a visit, never a lost bit.
 *
 * Concurrency: iod_dirty_prepare(), iod_dirty_mark() and iod_dirty_harvest()
 * may run concurrently with each other from any number of threads. Nodes
 * are never freed except by iod_dirty_fini(), which needs exclusive access.
 */
#ifndef IODIRTY_CORE_DIRTY_H
#define IODIRTY_CORE_DIRTY_H

#include "port.h"

#define IOD_DIRTY_LEAF_WORDS	512u
#define IOD_DIRTY_LEAF_SHIFT	15u	/* granules per leaf = 2^15 */
#define IOD_DIRTY_NODE_SHIFT	6u	/* children per interior node = 2^6 */

struct iod_dirty_node;

struct iod_dirty {
	struct iod_dirty_node *root;
	unsigned int index_bits;	/* granule numbers are < 2^index_bits */
	unsigned int levels;		/* interior levels above the leaves */
	iod_atomic64_t mem_bytes;	/* bytes of nodes and leaves */
};

/*
 * Sets up an empty bitmap for granule numbers below 2^@index_bits
 * (1 <= index_bits <= 64). Returns 0, -EINVAL or -ENOMEM.
 */
int iod_dirty_init(struct iod_dirty *d, unsigned int index_bits);

/* Frees all memory. Needs exclusive access. */
void iod_dirty_fini(struct iod_dirty *d);

/*
 * Allocates the leaves (and nodes above them) that granules [first, end)
 * live in, so that iod_dirty_mark() on them cannot fail. Safe against
 * concurrent prepare/mark/harvest (racing allocations are resolved by
 * compare-and-swap). Returns 0 or -ENOMEM (nothing is marked either way).
 */
int iod_dirty_prepare(struct iod_dirty *d, uint64_t first, uint64_t end);

/*
 * A leaf and the interior nodes above it, kept by a caller that marks the
 * same region again and again (a per-thread hint): the next mark in that
 * leaf skips the descent. Valid until iod_dirty_fini(); start with
 * iod_dirty_cursor_reset().
 */
struct iod_dirty_cursor {
	uint64_t leaf_no;	/* granule >> IOD_DIRTY_LEAF_SHIFT, or ~0 */
	void *leaf;
	struct iod_dirty_node *path[9];	/* IOD_DIRTY_MAX_LEVELS */
};

static inline void iod_dirty_cursor_reset(struct iod_dirty_cursor *c)
{
	c->leaf_no = ~0ULL;
}

/* Slow path of iod_dirty_cursor_prepare(): the descent. */
int iod_dirty_cursor_move(struct iod_dirty *d, uint64_t g,
			  struct iod_dirty_cursor *c);

/*
 * Makes @c hold the leaf of granule @g (below the bitmap's limit),
 * allocating it if needed, so that iod_dirty_mark_one() of @g cannot fail
 * (that one is in dirty_mark.h, inline for the access paths). Returns 0
 * or -ENOMEM.
 */
static inline int iod_dirty_cursor_prepare(struct iod_dirty *d, uint64_t g,
					   struct iod_dirty_cursor *c)
{
	if (iod_likely(c->leaf_no == g >> IOD_DIRTY_LEAF_SHIFT))
		return 0;
	return iod_dirty_cursor_move(d, g, c);
}

/*
 * Marks granules [first, end) dirty. The range must have been prepared.
 * Returns how many of them this call changed from clean to dirty.
 */
uint64_t iod_dirty_mark(struct iod_dirty *d, uint64_t first, uint64_t end);

/*
 * Called by harvest for each non-zero word found: granules base + i are
 * dirty for every bit i set in @mask. @base is a multiple of 64; bits for
 * granules outside the harvested range are already masked off.
 */
typedef void (*iod_dirty_emit_fn)(void *arg, uint64_t base, uint64_t mask);

/*
 * Reports the dirty granules of [first, end) through @emit (may be NULL),
 * in increasing order, and clears them if @clear. Returns the number of
 * dirty granules reported.
 */
uint64_t iod_dirty_harvest(struct iod_dirty *d, uint64_t first, uint64_t end,
			   bool clear, iod_dirty_emit_fn emit, void *arg);

/* What a harvest into a caller bitmap found. */
struct iod_dirty_count {
	uint64_t set;	/* bits of the caller's bitmap changed from 0 to 1 */
	uint64_t found;	/* bits with a dirty granule, set before or not */
};

/* A run of granules, pages or bytes: [first, first + count). */
struct iod_dirty_run {
	uint64_t first;
	uint64_t count;
};

/*
 * Called by iod_dirty_take() for each non-zero word found, as
 * iod_dirty_emit_fn is by harvest; returns the bits of @mask it does not
 * take (0: all). Non-zero ends the walk: those bits stay dirty.
 */
typedef uint64_t (*iod_dirty_take_fn)(void *arg, uint64_t base,
				      uint64_t mask);

/*
 * Reports the dirty granules of [first, end) through @fn in increasing
 * order, and clears them if @clear, until @fn leaves bits: those and
 * everything after them are left as they were (not read, not cleared).
 * Costs what a harvest of the part walked costs; clears no summary bit
 * ahead of the walk, so that it may end anywhere. Returns true if @fn
 * ended it.
 */
bool iod_dirty_take(struct iod_dirty *d, uint64_t first, uint64_t end,
		    bool clear, iod_dirty_take_fn fn, void *arg);

/*
 * Reads [first, end) into a caller bitmap: granule g sets bit
 * (g - first) >> @shift of @out (OR-ed in, little-endian u64 words).
 * @first must be a multiple of 2^@shift. Adds to @cnt (not zeroed here)
 * what the harvest found; with @clear, the granules found are the ones it
 * cleared, so cnt->found grows exactly when something was cleared.
 * @out has (end - first) >> @shift bits: only whole groups of 2^@shift
 * granules are read, a trailing partial group is neither reported nor
 * cleared. Does nothing if @shift >= 64 or @first is not aligned.
 */
void iod_dirty_harvest_count(struct iod_dirty *d, uint64_t first,
			     uint64_t end, unsigned int shift, uint64_t *out,
			     bool clear, struct iod_dirty_count *cnt);

/* iod_dirty_harvest_count() that returns the count of bits set. */
uint64_t iod_dirty_harvest_bitmap(struct iod_dirty *d, uint64_t first,
				  uint64_t end, unsigned int shift,
				  uint64_t *out, bool clear);

#endif /* IODIRTY_CORE_DIRTY_H */
