/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Private to the dirty bitmap files: the node and leaf layout and the
 * level arithmetic that dirty.c (lifetime, growth, marking) and the walks
 * (dirty_walk.h, dirty_harvest.c, dirty_take.c) share. Everything here is static
 * inline, so that nothing on the mark or harvest paths becomes a call.
 */
#ifndef IODIRTY_CORE_DIRTY_PRIV_H
#define IODIRTY_CORE_DIRTY_PRIV_H

#include "dirty.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif

#define IOD_DIRTY_FANOUT	(1u << IOD_DIRTY_NODE_SHIFT)
#define IOD_DIRTY_LEAF_SUMS	(IOD_DIRTY_LEAF_WORDS / 64u)
#define IOD_DIRTY_LEAF_SPAN	(1ULL << IOD_DIRTY_LEAF_SHIFT)
#define IOD_DIRTY_LEAF_MASK	(IOD_DIRTY_LEAF_SPAN - 1)
/* Smallest number of interior levels with 15 + 6 * levels >= 64. */
#define IOD_DIRTY_MAX_LEVELS	9u

_Static_assert(IOD_DIRTY_MAX_LEVELS ==
	       sizeof(((struct iod_dirty_cursor *)0)->path) /
	       sizeof(((struct iod_dirty_cursor *)0)->path[0]),
	       "a cursor holds a full path");
_Static_assert(IOD_DIRTY_LEAF_WORDS * 64u == 1u << IOD_DIRTY_LEAF_SHIFT,
	       "a leaf holds 2^IOD_DIRTY_LEAF_SHIFT granules");
_Static_assert(IOD_DIRTY_LEAF_SHIFT +
	       IOD_DIRTY_NODE_SHIFT * IOD_DIRTY_MAX_LEVELS >= 64 &&
	       IOD_DIRTY_LEAF_SHIFT +
	       IOD_DIRTY_NODE_SHIFT * (IOD_DIRTY_MAX_LEVELS - 1) < 64,
	       "IOD_DIRTY_MAX_LEVELS covers 64-bit granule numbers exactly");

/*
 * Interior node: bit i of @summary set = child i may hold dirty bits.
 * @child[i] points to a node one level down, or to a leaf on the last
 * interior level.
 */
struct iod_dirty_node {
	iod_atomic64_t summary;
	iod_atomic_ptr_t child[IOD_DIRTY_FANOUT];
};

/* Leaf: bit j of summary[i] set = words[i * 64 + j] may be non-zero. */
struct iod_dirty_leaf {
	iod_atomic64_t summary[IOD_DIRTY_LEAF_SUMS];
	iod_atomic64_t words[IOD_DIRTY_LEAF_WORDS];
};

/**
 * dirty_level_shift() - log2 of the granules under one child of a node
 * @d: the bitmap
 * @level: interior level of the node, 0 for the root
 *
 * Always below 64: the root's is at most 63 (see IOD_DIRTY_MAX_LEVELS).
 */
static inline unsigned int dirty_level_shift(const struct iod_dirty *d,
					     unsigned int level)
{
	return IOD_DIRTY_LEAF_SHIFT +
	       IOD_DIRTY_NODE_SHIFT * (d->levels - 1 - level);
}

/**
 * dirty_clamp() - clip a granule range to the granules the bitmap holds
 * @d: the bitmap
 * @first: first granule
 * @end: in: exclusive end; out: clipped exclusive end
 *
 * For index_bits == 64 the bound saturates at UINT64_MAX, so granule
 * 2^64 - 1 cannot be named by an exclusive end and is never reached.
 *
 * Return: true if the clipped range is not empty.
 */
static inline bool dirty_clamp(const struct iod_dirty *d, uint64_t first,
			       uint64_t *end)
{
	uint64_t limit = d->index_bits >= 64 ? UINT64_MAX :
			 1ULL << d->index_bits;

	if (*end > limit)
		*end = limit;
	return first < *end;
}

/**
 * dirty_set_bits() - OR @mask into a word or summary word
 * @p: the word
 * @mask: bits to set
 *
 * Skips the read-modify-write when every bit is set already, so that
 * re-marking hot granules does not bounce the cache line. Both accesses are
 * sequentially consistent: a mark's word update precedes (in the single
 * total order) its load or OR of the summary bits above, which is what
 * makes clearing a summary bit before exchanging the words below it safe
 * (see dirty_take_summary()).
 *
 * Return: the bits of @mask that this call changed from 0 to 1 (the
 * granules it made dirty, for a word).
 */
static __always_inline uint64_t dirty_set_bits(iod_atomic64_t *p,
					       uint64_t mask)
{
	if ((iod_atomic_load(p) & mask) == mask)
		return 0;
	return mask & ~iod_atomic_fetch_or(p, mask);
}

#endif /* IODIRTY_CORE_DIRTY_PRIV_H */
