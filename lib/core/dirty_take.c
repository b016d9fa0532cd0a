// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Sparse hierarchical dirty bitmap, the take walk: iod_dirty_take(), a
 * harvest that may end anywhere, for reads whose output is bounded
 * (extents). The harvest walks (dirty_harvest.c) clear summary bits
 * before visiting what lies below them, which is only right when all of
 * it will be taken. This one clears nothing ahead: it takes words one at a time
 * and hands each to the caller, who may leave bits of it (they are put
 * back at once, under the stripe lock, so no other clearing harvest sees
 * them gone) and end the walk there; then everything past them is as it
 * was. Summary bits are cleared behind the walk instead, by
 * dirty_tidy(), for the spans it emptied.
 */
#include "dirty_walk.h"

/**
 * struct dirty_take - state of iod_dirty_take()
 * @first: first granule of the range
 * @last: last granule of the range (inclusive)
 * @clear: take what is reported
 * @fn: caller's callback
 * @arg: its argument
 * @stopped: @fn left bits: the walk ends
 */
struct dirty_take {
	uint64_t first;
	uint64_t last;
	bool clear;
	iod_dirty_take_fn fn;
	void *arg;
	bool stopped;
};

/**
 * dirty_tidy() - clear summary bits whose spans were emptied
 * @sum: the summary word
 * @bits: bits whose spans were visited whole
 * @empty: callback: does the span of bit @i hold nothing now?
 * @p: argument of @empty
 *
 * A summary bit is cleared, then what lies below is looked at again and
 * the bit set back if it is not empty. A mark sets its word and then the
 * summary bits above it (see dirty_set_bits()): if its word (or a lower
 * summary) is set before we look again, we see it and set the bit back;
 * if after, the mark comes after our clear and sets the bit itself.
 */
static __always_inline void
dirty_tidy(iod_atomic64_t *sum, uint64_t bits,
	   bool (*empty)(const void *p, unsigned int i), const void *p)
{
	uint64_t zero = 0, b;
	unsigned int i;

	for (b = bits; b; b &= b - 1) {
		i = iod_ctz64(b);
		if (empty(p, i))
			zero |= 1ULL << i;
	}
	if (!zero)
		return;
	iod_atomic_fetch_and(sum, ~zero);
	for (b = zero; b; b &= b - 1) {
		i = iod_ctz64(b);
		if (!empty(p, i))
			iod_atomic_fetch_or(sum, 1ULL << i);
	}
}

/* @p: the words of one leaf summary word. */
static bool dirty_word_empty(const void *p, unsigned int i)
{
	return !iod_atomic_load(&((iod_atomic64_t *)p)[i]);
}

static bool dirty_leaf_empty(struct iod_dirty_leaf *leaf)
{
	unsigned int s;

	for (s = 0; s < IOD_DIRTY_LEAF_SUMS; s++)
		if (iod_atomic_load(&leaf->summary[s]))
			return false;
	return true;
}

/* @p: an interior node; child @i a leaf. */
static bool dirty_child_leaf_empty(const void *p, unsigned int i)
{
	struct iod_dirty_node *node = (struct iod_dirty_node *)p;
	struct iod_dirty_leaf *leaf = iod_ptr_load_acquire(&node->child[i]);

	return !leaf || dirty_leaf_empty(leaf);
}

/* @p: an interior node; child @i a node. */
static bool dirty_child_node_empty(const void *p, unsigned int i)
{
	struct iod_dirty_node *node = (struct iod_dirty_node *)p;
	struct iod_dirty_node *child = iod_ptr_load_acquire(&node->child[i]);

	return !child || !iod_atomic_load(&child->summary);
}

/*
 * Mask of the summary bits of a node (children of 2^@shift granules from
 * @base) whose spans meet the range, and in *@full of those inside it.
 */
static uint64_t dirty_take_span(const struct dirty_take *t, uint64_t base,
				unsigned int shift, unsigned int fanout,
				uint64_t *full)
{
	uint64_t lo_off = t->first > base ? t->first - base : 0;
	uint64_t hi_off = t->last - base, smask = (1ULL << shift) - 1, range;
	unsigned int lo = (unsigned int)(lo_off >> shift), hi;
	bool hi_full;

	if ((hi_off >> shift) >= fanout) {
		hi = fanout - 1;
		hi_full = true;
	} else {
		hi = (unsigned int)(hi_off >> shift);
		hi_full = (hi_off & smask) == smask;
	}
	range = iod_mask_range(lo, hi + 1);
	*full = range;
	if (lo_off & smask)
		*full &= ~(1ULL << lo);
	if (!hi_full)
		*full &= ~(1ULL << hi);
	return range;
}

/* One leaf; the caller holds its stripe lock when clearing. */
static void dirty_take_leaf(struct dirty_take *t, struct iod_dirty_leaf *leaf,
			    uint64_t base)
{
	uint64_t range, full, bits, v, rest, mask, g;
	unsigned int s, b, wi;

	/* Summary words of 64 words, each 4096 granules (whole or not). */
	range = dirty_take_span(t, base, 12, IOD_DIRTY_LEAF_SUMS, &full);
	for (; range; range &= range - 1) {
		uint64_t wrange, wfull;

		s = iod_ctz64(range);
		bits = iod_atomic_load(&leaf->summary[s]);
		wrange = dirty_take_span(t, base + s * 4096ULL, 6, 64, &wfull);
		bits &= wrange;
		for (uint64_t bb = bits; bb; bb &= bb - 1) {
			b = iod_ctz64(bb);
			wi = s * 64 + b;
			g = base + (uint64_t)wi * 64;
			mask = ~0ULL;
			if (g < t->first)
				mask &= ~0ULL << (t->first - g);
			if (t->last - g < 63)
				mask &= ~0ULL >> (63 - (t->last - g));
			v = dirty_take_word(&leaf->words[wi], mask, t->clear);
			if (!v)
				continue;
			rest = t->fn(t->arg, g, v);
			if (!rest)
				continue;
			if (t->clear)
				iod_atomic_fetch_or(&leaf->words[wi], rest);
			t->stopped = true;
			return;
		}
		if (t->clear)
			dirty_tidy(&leaf->summary[s], bits & wfull,
				   dirty_word_empty, &leaf->words[s * 64]);
	}
}

/* The leaves below a node of the last interior level. */
static void dirty_take_leaves(struct dirty_take *t,
			      struct iod_dirty_node *node, uint64_t base)
{
	iod_spinlock_t *stripe = NULL;
	struct iod_dirty_leaf *leaf;
	uint64_t full, bits, visited = 0, ahead_summary, ahead_words;
	unsigned int i, k;

	bits = iod_atomic_load(&node->summary) &
	       dirty_take_span(t, base, IOD_DIRTY_LEAF_SHIFT, IOD_DIRTY_FANOUT,
			       &full);
	if (!bits)
		return;
	if (t->clear) {
		stripe = dirty_stripe(node);
		dirty_lock(stripe);
	}
	/* The look-ahead of dirty_harvest_leaves(). */
	ahead_summary = bits;
	ahead_words = bits;
	for (k = 0; k < IOD_DIRTY_AHEAD_SUMMARY; k++)
		dirty_ahead_summary(node, &ahead_summary);
	for (k = 0; k < IOD_DIRTY_AHEAD_WORDS; k++)
		dirty_ahead_words(node, base, &ahead_words, NULL, false);
	for (; bits && !t->stopped; bits &= bits - 1) {
		i = iod_ctz64(bits);
		dirty_ahead_summary(node, &ahead_summary);
		dirty_ahead_words(node, base, &ahead_words, NULL, false);
		leaf = iod_ptr_load_acquire(&node->child[i]);
		if (!leaf)
			continue;
		dirty_take_leaf(t, leaf, base +
				((uint64_t)i << IOD_DIRTY_LEAF_SHIFT));
		if (!t->stopped)
			visited |= 1ULL << i;
	}
	if (stripe)
		dirty_unlock(stripe);
	if (t->clear)
		dirty_tidy(&node->summary, visited & full,
			   dirty_child_leaf_empty, node);
}

bool iod_dirty_take(struct iod_dirty *d, uint64_t first, uint64_t end,
		    bool clear, iod_dirty_take_fn fn, void *arg)
{
	struct {
		struct iod_dirty_node *node;
		uint64_t base;
		uint64_t bits;		/* children still to visit */
		uint64_t full;		/* children with spans in range */
		uint64_t visited;	/* children visited whole */
	} st[IOD_DIRTY_MAX_LEVELS - 1];	/* interior levels above the last */
	struct dirty_take t = { .clear = clear, .fn = fn, .arg = arg };
	unsigned int level = 0, shift, i, last = d->levels - 1;
	void *child;

	if (!dirty_clamp(d, first, &end))
		return false;
	t.first = first;
	t.last = end - 1;
	if (!last) {
		dirty_take_leaves(&t, d->root, 0);
		return t.stopped;
	}
	st[0].node = d->root;
	st[0].base = 0;
	st[0].bits = iod_atomic_load(&d->root->summary) &
		     dirty_take_span(&t, 0, dirty_level_shift(d, 0),
				     IOD_DIRTY_FANOUT, &st[0].full);
	st[0].visited = 0;
	for (;;) {
		if (t.stopped)
			break;
		if (!st[level].bits) {
			/* Done with this node: tidy its summary. */
			if (clear)
				dirty_tidy(&st[level].node->summary,
					   st[level].visited & st[level].full,
					   dirty_child_node_empty,
					   st[level].node);
			if (!level)
				break;
			level--;
			/* The child just done, from its base. */
			st[level].visited |= 1ULL <<
				((st[level + 1].base - st[level].base) >>
				 dirty_level_shift(d, level));
			continue;
		}
		i = iod_ctz64(st[level].bits);
		st[level].bits &= st[level].bits - 1;
		child = iod_ptr_load_acquire(&st[level].node->child[i]);
		if (!child)
			continue;
		shift = dirty_level_shift(d, level);
		if (level + 1 == last) {
			if (st[level].bits) {
				void *next = iod_ptr_load_acquire(
					&st[level].node->child[
						iod_ctz64(st[level].bits)]);

				if (next)
					dirty_prefetch_node(next);
			}
			dirty_take_leaves(&t, child, st[level].base +
					  ((uint64_t)i << shift));
			if (!t.stopped)
				st[level].visited |= 1ULL << i;
			continue;
		}
		level++;
		st[level].node = child;
		st[level].base = st[level - 1].base + ((uint64_t)i << shift);
		st[level].bits = iod_atomic_load(&st[level].node->summary) &
				 dirty_take_span(&t, st[level].base,
						 dirty_level_shift(d, level),
						 IOD_DIRTY_FANOUT,
						 &st[level].full);
		st[level].visited = 0;
	}
	return t.stopped;
}
