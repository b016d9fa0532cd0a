/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * What the two walks of the sparse dirty bitmap share: the harvest
 * (dirty_harvest.c), which clears summary bits ahead of what it visits,
 * and the take (dirty_take.c), which may stop anywhere and tidies behind
 * it. Private to those two files.
 */
#ifndef IODIRTY_CORE_DIRTY_WALK_H
#define IODIRTY_CORE_DIRTY_WALK_H

#include "dirty_priv.h"
#include "dirty_bitmap.h"

/*
 * Software prefetch: a hint, with no effect on results. __builtin_prefetch
 * exists in GCC and clang, in userspace and in the kernel, on every target
 * (a no-op where there is no instruction for it).
 */
#define dirty_prefetch(p) __builtin_prefetch((p), 1)
/* Branch hint: lay the common path out straight. */
#define dirty_likely(x) __builtin_expect(!!(x), 1)

/*
 * Harvester exclusion. A clearing harvest holds the stripe lock of a
 * leaves' parent node while it takes words from those leaves (at most 64
 * leaves, tens of microseconds when dense). Marks never take it; it only
 * keeps two harvests from taking the same word at once, which is what
 * makes the plain-store clear of dirty_take_word() exact. Locks are
 * striped over a static table by node address: nodes of any bitmap may
 * share a stripe, which costs waiting, never correctness, because a
 * harvester holds one stripe at a time and calls out to emit callbacks
 * only with it released, so there is no lock order to respect. (The
 * callbacks of iod_dirty_take() run under it: they only record runs into
 * the caller's array, take no lock and never sleep.)
 *
 * The stripes are the port layer's (iod_stripe_lock(): a spinlock_t in
 * the kernel, where lockdep checks that rule, and a test-and-set word in
 * userspace).
 */
_Static_assert(IOD_STRIPE_LOCKS == 64u, "dirty_stripe() picks 6 hash bits");

/* The stripe lock of the leaves below @node. */
static inline iod_spinlock_t *dirty_stripe(const struct iod_dirty_node *node)
{
	uint64_t h = (uint64_t)(uintptr_t)node * 0x9e3779b97f4a7c15ULL;

	return iod_stripe_lock((unsigned int)(h >> 58));
}

static inline void dirty_lock(iod_spinlock_t *lock)
{
	iod_spin_lock(lock);
}

static inline void dirty_unlock(iod_spinlock_t *lock)
{
	iod_spin_unlock(lock);
}

/**
 * struct dirty_walk - parameters of a harvest walk
 * @first: first granule of the range
 * @last: last granule of the range (inclusive)
 * @clear: clear what is reported
 * @emit: caller's callback (harvest), may be NULL
 * @arg: argument of @emit
 * @bm: bitmap state (harvest_bitmap)
 */
struct dirty_walk {
	uint64_t first;
	uint64_t last;
	bool clear;
	iod_dirty_emit_fn emit;
	void *arg;
	struct dirty_bitmap *bm;
};

/**
 * dirty_take_summary() - read (and maybe clear) a summary word
 * @p: the summary word
 * @range: bits whose span meets the harvested range
 * @full: bits whose span lies inside the harvested range
 * @clear: clear the @full bits
 *
 * Clearing happens before the caller visits what lies below the bits. A
 * mark racing with it has set its word before it loads or sets this
 * summary bit: if that comes before our clear, the word exchange that
 * follows our clear sees the mark; if after, the mark finds the bit clear
 * and sets it again for the next harvest. Bits only partly inside the
 * range stay set.
 *
 * Return: the bits of @range to visit.
 */
static inline uint64_t dirty_take_summary(iod_atomic64_t *p, uint64_t range,
					  uint64_t full, bool clear)
{
	uint64_t v = iod_atomic_load(p);

	if (clear && (v & full))
		v = iod_atomic_fetch_and(p, ~full);
	return v & range;
}

/**
 * dirty_take_node() - summary bits of an interior node to visit
 * @node: the node
 * @base: first granule under the node
 * @shift: log2 of the granules under one child
 * @w: walk parameters; [first, last] meets the node's span
 */
static inline uint64_t dirty_take_node(struct iod_dirty_node *node,
				       uint64_t base, unsigned int shift,
				       const struct dirty_walk *w)
{
	uint64_t lo_off = w->first > base ? w->first - base : 0;
	uint64_t hi_off = w->last - base;
	uint64_t smask = (1ULL << shift) - 1;
	unsigned int lo = (unsigned int)(lo_off >> shift), hi;
	uint64_t range, full;
	bool hi_full;

	if ((hi_off >> shift) >= IOD_DIRTY_FANOUT) {
		hi = IOD_DIRTY_FANOUT - 1;
		hi_full = true;
	} else {
		hi = (unsigned int)(hi_off >> shift);
		hi_full = (hi_off & smask) == smask;
	}
	range = iod_mask_range(lo, hi + 1);
	full = range;
	if (lo_off & smask)
		full &= ~(1ULL << lo);
	if (!hi_full)
		full &= ~(1ULL << hi);
	return dirty_take_summary(&node->summary, range, full, w->clear);
}

/**
 * dirty_take_word() - read (and maybe clear) the bits of a word in range
 * @p: the word
 * @mask: bits of the word inside the range
 * @clear: clear them; the caller then holds the stripe lock of the word's
 *         leaf (see dirty_harvest_leaves())
 *
 * A load comes first, so a word with nothing in range (a stale summary
 * bit) costs no atomic write. Skipping it is safe: a mark whose OR that
 * load did not see comes after the load in the single total order, so its
 * summary update comes after our summary clear, and it sets the summary
 * bit again for the next harvest (see dirty_take_summary()).
 *
 * A word read as all ones is cleared with a plain store. That is exactly
 * an exchange: from the load to the store no other harvester can touch
 * the word (they need the same stripe lock), and a mark cannot change it,
 * since marks only set bits and all are set; the exchange would return
 * what the load did. A mark that finds its bit set before the store is
 * reported now, with all 64 bits; a mark whose OR comes after the store
 * sets its bit afresh, and as the load is coherence-ordered before that
 * OR, the mark's summary update again comes after our summary clear. Other
 * non-zero words are exchanged (or AND-ed, at the range edges) as before.
 */
static __always_inline uint64_t dirty_take_word(iod_atomic64_t *p,
						uint64_t mask, bool clear)
{
	uint64_t v = iod_atomic_load(p);

	if (!clear || !(v & mask))
		return v & mask;
	if (v == ~0ULL) {
		iod_atomic_store_relaxed(p, ~mask);
		return mask;
	}
	if (mask == ~0ULL)
		return iod_atomic_xchg(p, 0);
	return iod_atomic_fetch_and(p, ~mask) & mask;
}

/*
 * Look-ahead of dirty_harvest_leaves(), in leaves: the summary line of the
 * leaf this far ahead is prefetched, and the words (and output words) that
 * the summary of the leaf IOD_DIRTY_AHEAD_WORDS ahead flags. Measured on a
 * 1 TiB bitmap with cold caches: flat from 4/2 to 32/12.
 */
#define IOD_DIRTY_AHEAD_SUMMARY	8u
#define IOD_DIRTY_AHEAD_WORDS	3u

/* Prefetches the lines of an interior node (summary and child slots). */
static __always_inline void dirty_prefetch_node(struct iod_dirty_node *node)
{
	const char *p = (const char *)node;
	size_t off;

	for (off = 0; off < sizeof(*node); off += 64)
		dirty_prefetch(p + off);
	dirty_prefetch(p + sizeof(*node) - 1);
}

/* Pops the next child of @ahead and prefetches its leaf summary. */
static __always_inline void dirty_ahead_summary(struct iod_dirty_node *node,
						uint64_t *ahead)
{
	const char *leaf;

	if (!*ahead)
		return;
	leaf = iod_ptr_load_acquire(&node->child[iod_ctz64(*ahead)]);
	*ahead &= *ahead - 1;
	if (!leaf)
		return;
	dirty_prefetch(leaf);
	dirty_prefetch(leaf + sizeof(iod_atomic64_t) * IOD_DIRTY_LEAF_SUMS - 1);
}

/**
 * dirty_ahead_words() - prefetch what harvesting a coming leaf touches
 * @node: the leaves' parent
 * @base: its first granule
 * @ahead: children still to prefetch; the next one is popped
 * @w: walk parameters
 * @bitmap: bitmap walk: prefetch the output words too
 *
 * Peeks at the leaf's summary (its line was prefetched earlier) and
 * prefetches each word it flags, and that word's output word. One
 * prefetch per word, not per line: leaves are only 16-byte aligned, so
 * words i and i + 1 of a group of eight may lie in different lines. For a
 * fully flagged summary word only the first word: the hardware prefetcher
 * follows a sequential walk. The summary is only a hint here; the harvest
 * takes it again, atomically.
 */
static __always_inline void dirty_ahead_words(struct iod_dirty_node *node,
					      uint64_t base, uint64_t *ahead,
					      const struct dirty_walk *w,
					      bool bitmap)
{
	struct iod_dirty_leaf *leaf;
	unsigned int s, i, wi;
	uint64_t bits, g;

	if (!*ahead)
		return;
	i = iod_ctz64(*ahead);
	*ahead &= *ahead - 1;
	leaf = iod_ptr_load_acquire(&node->child[i]);
	if (!leaf)
		return;
	base += (uint64_t)i << IOD_DIRTY_LEAF_SHIFT;
	for (s = 0; s < IOD_DIRTY_LEAF_SUMS; s++) {
		bits = iod_atomic_load_relaxed(&leaf->summary[s]);
		if (bits == ~0ULL) {
			dirty_prefetch(&leaf->words[s * 64]);
			continue;
		}
		while (bits) {
			wi = s * 64 + iod_ctz64(bits);
			bits &= bits - 1;
			dirty_prefetch(&leaf->words[wi]);
			g = base + (uint64_t)wi * 64;
			if (bitmap && g >= w->first && g <= w->last)
				dirty_prefetch(&w->bm->out[((g - w->bm->first) >>
							    w->bm->shift) / 64]);
		}
	}
}

#endif /* IODIRTY_CORE_DIRTY_WALK_H */
