// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Sparse hierarchical dirty bitmap, the harvest walk: iod_dirty_harvest()
 * and iod_dirty_harvest_bitmap() (and iod_dirty_take(), at the end)
 * follow summary bits top-down with an
 * explicit stack (no recursion), take (and maybe clear) the words they
 * flag, and report them to a callback or into a caller bitmap
 * (dirty_bitmap.h). The protocol is in dirty.h; its harvest side is argued
 * at dirty_take_summary() and dirty_take_word(), its mark side at
 * dirty_set_bits() in dirty.c.
 *
 * Speed (docs/performance.md): a harvest is bound by cache misses, one or
 * more per dirty word, so the walk prefetches a few leaves ahead
 * (dirty_harvest_leaves()). Clearing harvests of the leaves under one node
 * exclude each other with a striped lock, which lets a word read as all
 * ones be cleared by a plain store instead of an exchange (see
 * dirty_take_word()); marks never take that lock.
 */
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

/*
 * iod_dirty_take(): a harvest that may end anywhere, for reads whose
 * output is bounded (extents). The walks above clear summary bits before
 * visiting what lies below them, which is only right when all of it will
 * be taken. This one clears nothing ahead: it takes words one at a time
 * and hands each to the caller, who may leave bits of it (they are put
 * back at once, under the stripe lock, so no other clearing harvest sees
 * them gone) and end the walk there; then everything past them is as it
 * was. Summary bits are cleared behind the walk instead, by
 * dirty_tidy(), for the spans it emptied.
 */

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
