// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Sparse hierarchical dirty bitmap, the harvest walk: iod_dirty_harvest()
 * and iod_dirty_harvest_bitmap() follow summary bits top-down with an
 * explicit stack (no recursion), take (and maybe clear) the words they
 * flag, and report them to a callback or into a caller bitmap
 * (dirty_bitmap.h). The protocol is in dirty.h; its harvest side is argued
 * at dirty_take_summary() and dirty_take_word() (dirty_walk.h), its mark
 * side at dirty_set_bits() in dirty.c. iod_dirty_take() is in
 * dirty_take.c.
 *
 * Speed (docs/performance.md): a harvest is bound by cache misses, one or
 * more per dirty word, so the walk prefetches a few leaves ahead
 * (dirty_harvest_leaves()). Clearing harvests of the leaves under one node
 * exclude each other with a striped lock, which lets a word read as all
 * ones be cleared by a plain store instead of an exchange (see
 * dirty_take_word()); marks never take that lock.
 */
#include "dirty_walk.h"

static __always_inline void dirty_emit(const struct dirty_walk *w,
				       bool bitmap, uint64_t base,
				       uint64_t mask)
{
	if (bitmap)
		dirty_bitmap_emit(w->bm, base, mask);
	else if (w->emit)
		w->emit(w->arg, base, mask);
}

/*
 * One word of dirty_harvest_group(): take it, OR it into *@out, count the
 * bits it turned on and (in *@found) the bits it found.
 */
static __always_inline uint64_t dirty_group_word(iod_atomic64_t *word,
						 uint64_t *out, bool clear,
						 uint64_t *found)
{
	uint64_t v = dirty_take_word(word, ~0ULL, clear), old;

	if (!v)
		return 0;
	*found += dirty_popcount(v);
	old = *out;
	*out = old | v;
	return dirty_popcount(v & ~old);
}

/**
 * dirty_harvest_group() - harvest the words of one leaf summary word into
 * a bitmap of one bit per granule, 64-aligned
 * @words: the 64 words of the group
 * @bits: the summary bits taken: the words to visit, all wholly in range
 * @out: the output word of @words[0]; word k goes to @out[k]
 * @bm: bitmap state (for the counts)
 * @clear: clear what is reported (stripe lock held)
 *
 * The dense case of iod_dirty_harvest_bitmap() at a 4 KiB page size: no
 * folding, no shifting, and a plain loop when every word is flagged.
 */
static __always_inline void dirty_harvest_group(iod_atomic64_t *words,
						uint64_t bits, uint64_t *out,
						struct dirty_bitmap *bm,
						bool clear)
{
	uint64_t count = 0, found = 0;
	unsigned int k;

	if (bits == ~0ULL) {
		for (k = 0; k < 64; k++) {
			uint64_t v = iod_atomic_load(&words[k]), old = out[k];

			/*
			 * Dense: all ones, cleared by a plain store (see
			 * dirty_take_word()). Kept straight-line: with taken
			 * branches in it, this loop ran 1.5x slower or not
			 * depending on code alignment.
			 */
			if (dirty_likely(clear && v == ~0ULL)) {
				iod_atomic_store_relaxed(&words[k], 0);
				out[k] = ~0ULL;
				count += dirty_likely(!old) ? 64 :
					 dirty_popcount(~old);
				found += 64;
				continue;
			}
			count += dirty_group_word(&words[k], &out[k], clear,
						  &found);
		}
	} else {
		while (bits) {
			k = iod_ctz64(bits);
			bits &= bits - 1;
			count += dirty_group_word(&words[k], &out[k], clear,
						  &found);
		}
	}
	bm->count += count;
	bm->found += found;
}

/* Words a per-word stripe holder takes before it emits them (see below). */
#define DIRTY_EMIT_BATCH	16u
_Static_assert(64u % DIRTY_EMIT_BATCH == 0, "parts tile a summary word");

/**
 * dirty_harvest_leaf() - harvest the part of a leaf inside the range
 * @leaf: the leaf
 * @base: its first granule
 * @w: walk parameters; [first, last] meets the leaf
 * @bitmap: report to w->bm instead of w->emit (compile-time constant)
 * @stripe: NULL if the caller holds the stripe lock (or does not clear);
 *          else the lock to take around each summary word's words, so
 *          that w->emit is called with it released
 *
 * Return: number of dirty granules reported (0 for @bitmap walks, which
 * count in w->bm).
 */
static __always_inline uint64_t
dirty_harvest_leaf(struct iod_dirty_leaf *leaf, uint64_t base,
		   const struct dirty_walk *w, bool bitmap,
		   iod_spinlock_t *stripe)
{
	unsigned int lo = w->first > base ?
			  (unsigned int)(w->first - base) : 0;
	unsigned int hi = (unsigned int)iod_min_u64(w->last - base,
						   IOD_DIRTY_LEAF_MASK);
	unsigned int wlo = lo / 64, whi = hi / 64, s, b, wi, n, k;
	uint64_t lo_mask = ~0ULL << (lo % 64);
	uint64_t hi_mask = ~0ULL >> (63 - hi % 64);
	uint64_t range, full, part, bits, v, mask, count = 0;
	/* Words taken under @stripe, emitted once it is released. */
	uint64_t vals[DIRTY_EMIT_BATCH];
	unsigned char idx[DIRTY_EMIT_BATCH];

	for (s = wlo / 64; s <= whi / 64; s++) {
		range = iod_mask_range(s == wlo / 64 ? wlo % 64 : 0,
				       s == whi / 64 ? whi % 64 + 1 : 64);
		full = range;
		if (s == wlo / 64 && lo_mask != ~0ULL)
			full &= ~(1ULL << (wlo % 64));
		if (s == whi / 64 && hi_mask != ~0ULL)
			full &= ~(1ULL << (whi % 64));
		if (bitmap && !stripe && full == ~0ULL && !w->bm->shift &&
		    !(w->bm->first % 64)) {
			/* Every word wholly in range, one output word each. */
			bits = dirty_take_summary(&leaf->summary[s], range,
						  full, w->clear);
			if (bits)
				dirty_harvest_group(&leaf->words[s * 64], bits,
					&w->bm->out[(base + s * 4096ULL -
						     w->bm->first) / 64],
					w->bm, w->clear);
			continue;
		}
		/*
		 * Under a per-word stripe, the summary word is taken in parts
		 * of DIRTY_EMIT_BATCH bits, each with its words in one lock
		 * hold (the unit of exclusion stays "summary bits and their
		 * words"), so that what is held for emitting fits a small
		 * stack buffer.
		 */
		for (part = stripe ? iod_mask_range(0, DIRTY_EMIT_BATCH) :
			     ~0ULL; part;
		     part = stripe ? part << DIRTY_EMIT_BATCH : 0) {
			if (!(range & part))
				continue;
			if (stripe)
				dirty_lock(stripe);
			bits = dirty_take_summary(&leaf->summary[s],
						  range & part, full & part,
						  w->clear);
			n = 0;
			while (bits) {
				b = iod_ctz64(bits);
				bits &= bits - 1;
				wi = s * 64 + b;
				mask = ~0ULL;
				if (wi == wlo)
					mask &= lo_mask;
				if (wi == whi)
					mask &= hi_mask;
				v = dirty_take_word(&leaf->words[wi], mask,
						    w->clear);
				if (!v)
					continue;
				if (stripe) {
					vals[n] = v;
					idx[n++] = (unsigned char)b;
					continue;
				}
				if (!bitmap)
					count += dirty_popcount(v);
				dirty_emit(w, bitmap,
					   base + (uint64_t)wi * 64, v);
			}
			if (!stripe)
				continue;
			dirty_unlock(stripe);
			for (k = 0; k < n; k++) {
				if (!bitmap)
					count += dirty_popcount(vals[k]);
				dirty_emit(w, bitmap,
					   base + (uint64_t)(s * 64 + idx[k]) *
						  64,
					   vals[k]);
			}
		}
	}
	return count;
}

/*
 * The emitting walk's leaf in a frame of its own, so that the walk's frame
 * does not also hold the words a per-word stripe holder keeps for
 * emitting (kernel frames stay small: see dirty_harvest_bitmap_walk()).
 */
static __attribute__((__noinline__)) uint64_t
dirty_harvest_leaf_emit(struct iod_dirty_leaf *leaf, uint64_t base,
			const struct dirty_walk *w, iod_spinlock_t *stripe)
{
	return dirty_harvest_leaf(leaf, base, w, false, stripe);
}

/**
 * dirty_harvest_leaves() - harvest the leaves below a node of the last
 * interior level
 * @node: the leaves' parent
 * @base: its first granule
 * @w: walk parameters; [first, last] meets the node's span
 * @bitmap: report to w->bm instead of w->emit (compile-time constant)
 *
 * Takes the node's summary bits, then visits the flagged leaves in order
 * with the look-ahead prefetches above, so that the cache misses of
 * several leaves overlap. A clearing harvest holds the node's stripe lock
 * meanwhile, or, when it calls w->emit, per summary word of a leaf.
 *
 * Return: number of dirty granules reported (0 for @bitmap walks).
 */
static __always_inline uint64_t
dirty_harvest_leaves(struct iod_dirty_node *node, uint64_t base,
		     const struct dirty_walk *w, bool bitmap)
{
	uint64_t bits, ahead_summary, ahead_words, count = 0;
	iod_spinlock_t *stripe = NULL, *per_word = NULL;
	struct iod_dirty_leaf *leaf;
	unsigned int i, k;

	bits = dirty_take_node(node, base, IOD_DIRTY_LEAF_SHIFT, w);
	if (!bits)
		return 0;
	if (w->clear) {
		stripe = dirty_stripe(node);
		if (!bitmap && w->emit)
			per_word = stripe;
		else
			dirty_lock(stripe);
	}
	ahead_summary = bits;
	ahead_words = bits;
	for (k = 0; k < IOD_DIRTY_AHEAD_SUMMARY; k++)
		dirty_ahead_summary(node, &ahead_summary);
	for (k = 0; k < IOD_DIRTY_AHEAD_WORDS; k++)
		dirty_ahead_words(node, base, &ahead_words, w, bitmap);
	while (bits) {
		i = iod_ctz64(bits);
		bits &= bits - 1;
		dirty_ahead_summary(node, &ahead_summary);
		dirty_ahead_words(node, base, &ahead_words, w, bitmap);
		leaf = iod_ptr_load_acquire(&node->child[i]);
		if (!leaf)
			continue;
		if (bitmap)
			count += dirty_harvest_leaf(leaf, base +
					((uint64_t)i << IOD_DIRTY_LEAF_SHIFT),
					w, true, per_word);
		else
			count += dirty_harvest_leaf_emit(leaf, base +
					((uint64_t)i << IOD_DIRTY_LEAF_SHIFT),
					w, per_word);
	}
	if (stripe && !per_word)
		dirty_unlock(stripe);
	return count;
}

/**
 * dirty_harvest_walk() - walk the tree top-down along summary bits
 * @d: the bitmap
 * @w: walk parameters (a non-empty range of held granules)
 * @bitmap: report to w->bm instead of w->emit (compile-time constant)
 *
 * Visits children in increasing order with an explicit stack of at most
 * d->levels - 1 frames; the leaves' parents are handed to
 * dirty_harvest_leaves(), with the next one's lines prefetched meanwhile.
 *
 * Return: number of dirty granules reported (0 for @bitmap walks).
 */
static __always_inline uint64_t dirty_harvest_walk(struct iod_dirty *d,
						   const struct dirty_walk *w,
						   bool bitmap)
{
	struct {
		struct iod_dirty_node *node;
		uint64_t base;
		uint64_t bits;
	} st[IOD_DIRTY_MAX_LEVELS - 1];	/* interior levels above the last */
	unsigned int level = 0, shift, i, last = d->levels - 1;
	uint64_t base, count = 0;
	void *child, *next;

	if (!last)
		return dirty_harvest_leaves(d->root, 0, w, bitmap);
	st[0].node = d->root;
	st[0].base = 0;
	st[0].bits = dirty_take_node(d->root, 0, dirty_level_shift(d, 0), w);
	for (;;) {
		if (!st[level].bits) {
			if (!level)
				break;
			level--;
			continue;
		}
		i = iod_ctz64(st[level].bits);
		st[level].bits &= st[level].bits - 1;
		child = iod_ptr_load_acquire(&st[level].node->child[i]);
		if (!child)
			continue;
		shift = dirty_level_shift(d, level);
		base = st[level].base + ((uint64_t)i << shift);
		if (level + 1 == last) {
			if (st[level].bits) {
				next = iod_ptr_load_acquire(
					&st[level].node->child[
						iod_ctz64(st[level].bits)]);
				if (next)
					dirty_prefetch_node(next);
			}
			count += dirty_harvest_leaves(child, base, w, bitmap);
			continue;
		}
		level++;
		st[level].node = child;
		st[level].base = base;
		st[level].bits = dirty_take_node(child, base,
						 dirty_level_shift(d, level),
						 w);
	}
	return count;
}

uint64_t iod_dirty_harvest(struct iod_dirty *d, uint64_t first, uint64_t end,
			   bool clear, iod_dirty_emit_fn emit, void *arg)
{
	struct dirty_walk w;

	if (!dirty_clamp(d, first, &end))
		return 0;
	w.first = first;
	w.last = end - 1;
	w.clear = clear;
	w.emit = emit;
	w.arg = arg;
	w.bm = NULL;
	return dirty_harvest_walk(d, &w, false);
}

/*
 * The bitmap walk in a frame of its own: inlined into its caller with the
 * bitmap state, the frame passes the kernel's 1 KiB warning limit.
 */
static __attribute__((__noinline__)) void
dirty_harvest_bitmap_walk(struct iod_dirty *d, const struct dirty_walk *w)
{
	dirty_harvest_walk(d, w, true);
}

void iod_dirty_harvest_count(struct iod_dirty *d, uint64_t first,
			     uint64_t end, unsigned int shift, uint64_t *out,
			     bool clear, struct iod_dirty_count *cnt)
{
	struct dirty_bitmap bm;
	struct dirty_walk w;
	uint64_t nbits;

	if (shift >= 64 || (first & ((1ULL << shift) - 1)) || end <= first)
		return;
	/*
	 * Only whole output bits: granules of a trailing partial group
	 * would land past the caller's last bit, so they are left alone
	 * (not reported, not cleared).
	 */
	nbits = (end - first) >> shift;
	if (!nbits)
		return;
	end = first + (nbits << shift);
	if (!dirty_clamp(d, first, &end))
		return;
	bm.out = out;
	bm.first = first;
	bm.shift = shift;
	bm.count = 0;
	bm.found = 0;
	bm.last = ~0ULL;
	w.first = first;
	w.last = end - 1;
	w.clear = clear;
	w.emit = NULL;
	w.arg = NULL;
	w.bm = &bm;
	dirty_harvest_bitmap_walk(d, &w);
	cnt->set += bm.count;
	cnt->found += bm.found;
}

uint64_t iod_dirty_harvest_bitmap(struct iod_dirty *d, uint64_t first,
				  uint64_t end, unsigned int shift,
				  uint64_t *out, bool clear)
{
	struct iod_dirty_count cnt = { 0, 0 };

	iod_dirty_harvest_count(d, first, end, shift, out, clear, &cnt);
	return cnt.set;
}
