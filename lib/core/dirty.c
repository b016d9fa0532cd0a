// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Sparse hierarchical dirty bitmap, lifetime and growth: init and fini,
 * allocating leaves and nodes on first use (iod_dirty_prepare()) and
 * marking (iod_dirty_mark()). See dirty.h for the layout and the
 * concurrency protocol; the mark side of the ordering argument is at
 * dirty_set_bits(), the harvest side at dirty_take_summary() in
 * dirty_walk.h.
 *
 * No recursion: the tree is at most IOD_DIRTY_MAX_LEVELS interior levels
 * deep and is walked with a small explicit stack.
 *
 * Speed (docs/performance.md): marks never take the harvesters' stripe
 * locks, and a single-granule mark has its own short path
 * (dirty_mark_one()).
 */
#include "dirty_priv.h"

int iod_dirty_init(struct iod_dirty *d, unsigned int index_bits)
{
	unsigned int levels = 1;

	d->root = NULL;
	d->index_bits = 0;
	d->levels = 0;
	iod_atomic_store_relaxed(&d->mem_bytes, 0);
	if (index_bits < 1 || index_bits > 64)
		return -EINVAL;
	while (IOD_DIRTY_LEAF_SHIFT + IOD_DIRTY_NODE_SHIFT * levels <
	       index_bits)
		levels++;
	d->root = iod_zalloc(sizeof(*d->root));
	if (!d->root)
		return -ENOMEM;
	d->index_bits = index_bits;
	d->levels = levels;
	iod_atomic_store_relaxed(&d->mem_bytes, sizeof(*d->root));
	return 0;
}

void iod_dirty_fini(struct iod_dirty *d)
{
	struct {
		struct iod_dirty_node *node;
		unsigned int next;
	} st[IOD_DIRTY_MAX_LEVELS];
	unsigned int level = 0;
	void *child;

	if (!d->root)
		return;
	st[0].node = d->root;
	st[0].next = 0;
	for (;;) {
		if (st[level].next == IOD_DIRTY_FANOUT) {
			iod_free(st[level].node);
			if (!level)
				break;
			level--;
			continue;
		}
		child = iod_ptr_load_acquire(
				&st[level].node->child[st[level].next++]);
		if (!child)
			continue;
		if (level + 1 == d->levels) {
			iod_free(child);
			continue;
		}
		level++;
		st[level].node = child;
		st[level].next = 0;
	}
	d->root = NULL;
	iod_atomic_store_relaxed(&d->mem_bytes, 0);
}

/**
 * dirty_install() - allocate a zeroed child and publish it in @slot
 * @d: the bitmap (for memory accounting)
 * @slot: empty child slot
 * @size: size of the child
 *
 * If another thread installed a child first, ours is freed and theirs is
 * returned.
 *
 * Return: the child now in @slot, or NULL if out of memory.
 */
static void *dirty_install(struct iod_dirty *d, iod_atomic_ptr_t *slot,
			   size_t size)
{
	void *new = iod_zalloc(size);
	void *cur;

	if (!new)
		return NULL;
	cur = iod_ptr_install(slot, new);
	if (cur != new) {
		iod_free(new);
		return cur;
	}
	iod_atomic_add(&d->mem_bytes, size);
	return new;
}

/**
 * dirty_descend() - find the leaf of a granule, optionally creating it
 * @d: the bitmap
 * @g: granule number (below the clamp limit)
 * @path: if not NULL, holds the nodes of levels 0 to @level on the way to
 *        @g, and receives those of the levels below
 * @level: where to start (0 without @path)
 * @alloc: allocate missing nodes and leaves
 *
 * Return: the leaf, or NULL if it is missing (or out of memory if @alloc).
 */
static struct iod_dirty_leaf *dirty_descend(struct iod_dirty *d, uint64_t g,
					    struct iod_dirty_node **path,
					    unsigned int level, bool alloc)
{
	struct iod_dirty_node *node = path ? path[level] : d->root;
	unsigned int last = d->levels - 1;
	iod_atomic_ptr_t *slot;
	void *child;

	for (;; level++) {
		if (path)
			path[level] = node;
		slot = &node->child[(g >> dirty_level_shift(d, level)) &
				    (IOD_DIRTY_FANOUT - 1)];
		child = iod_ptr_load_acquire(slot);
		if (!child) {
			if (!alloc)
				return NULL;
			child = dirty_install(d, slot, level == last ?
					      sizeof(struct iod_dirty_leaf) :
					      sizeof(struct iod_dirty_node));
			if (!child)
				return NULL;
		}
		if (level == last)
			return child;
		node = child;
	}
}

/* dirty_descend() from the root. */
static struct iod_dirty_leaf *dirty_lookup(struct iod_dirty *d, uint64_t g,
					   struct iod_dirty_node **path,
					   bool alloc)
{
	if (path)
		path[0] = d->root;
	return dirty_descend(d, g, path, 0, alloc);
}

int iod_dirty_prepare(struct iod_dirty *d, uint64_t first, uint64_t end)
{
	uint64_t g, last;

	if (!dirty_clamp(d, first, &end))
		return 0;
	last = end - 1;
	for (g = first;; g = (g | IOD_DIRTY_LEAF_MASK) + 1) {
		if (!dirty_lookup(d, g, NULL, true))
			return -ENOMEM;
		if ((g | IOD_DIRTY_LEAF_MASK) >= last)
			return 0;
	}
}

/**
 * dirty_mark_leaf() - mark granules [lo, hi] of a leaf and its summary
 * @leaf: the leaf
 * @lo: first granule offset inside the leaf
 * @hi: last granule offset inside the leaf (inclusive, >= @lo)
 */
static uint64_t dirty_mark_leaf(struct iod_dirty_leaf *leaf, unsigned int lo,
				unsigned int hi)
{
	unsigned int wlo = lo / 64, whi = hi / 64, w, s;
	uint64_t lo_mask = ~0ULL << (lo % 64);
	uint64_t hi_mask = ~0ULL >> (63 - hi % 64);
	uint64_t newly;

	if (wlo == whi) {
		newly = iod_popcount64(dirty_set_bits(&leaf->words[wlo],
						      lo_mask & hi_mask));
	} else {
		newly = iod_popcount64(dirty_set_bits(&leaf->words[wlo],
						      lo_mask));
		for (w = wlo + 1; w < whi; w++)
			newly += iod_popcount64(dirty_set_bits(&leaf->words[w],
							       ~0ULL));
		newly += iod_popcount64(dirty_set_bits(&leaf->words[whi],
						       hi_mask));
	}
	for (s = wlo / 64; s <= whi / 64; s++)
		dirty_set_bits(&leaf->summary[s],
			       iod_mask_range(s == wlo / 64 ? wlo % 64 : 0,
					      s == whi / 64 ? whi % 64 + 1 :
							      64));
	return newly;
}

/**
 * dirty_mark_one() - iod_dirty_mark() of a single granule
 * @d: the bitmap
 * @g: granule number (below the clamp limit)
 *
 * The common case (a 4 KiB write at a 4 KiB granule) in the same steps as
 * the general path (the word, the leaf summary, then each ancestor's bit,
 * bottom-up), in far fewer instructions: marks of random pages miss the
 * cache, and consecutive marks overlap their misses only if each is short.
 */
static uint64_t dirty_mark_one(struct iod_dirty *d, uint64_t g)
{
	struct iod_dirty_node *path[IOD_DIRTY_MAX_LEVELS];
	struct iod_dirty_node *node = d->root;
	struct iod_dirty_leaf *leaf;
	unsigned int level, shift = dirty_level_shift(d, 0), off, wi;
	uint64_t newly;
	void *child;

	for (level = 0;; level++, shift -= IOD_DIRTY_NODE_SHIFT) {
		path[level] = node;
		child = iod_ptr_load_acquire(&node->child[(g >> shift) &
						       (IOD_DIRTY_FANOUT - 1)]);
		/* A missing leaf means the caller did not prepare: skip. */
		if (!child)
			return 0;
		if (level + 1 == d->levels)
			break;
		node = child;
	}
	leaf = child;
	off = (unsigned int)(g & IOD_DIRTY_LEAF_MASK);
	wi = off / 64;
	newly = dirty_set_bits(&leaf->words[wi], 1ULL << (off % 64)) != 0;
	dirty_set_bits(&leaf->summary[wi / 64], 1ULL << (wi % 64));
	/* Bottom-up, after the word and the leaf summary; shift is 15 here. */
	for (;; level--, shift += IOD_DIRTY_NODE_SHIFT) {
		dirty_set_bits(&path[level]->summary,
			       1ULL << ((g >> shift) & (IOD_DIRTY_FANOUT - 1)));
		if (!level)
			return newly;
	}
}

int iod_dirty_cursor_move(struct iod_dirty *d, uint64_t g,
			  struct iod_dirty_cursor *c)
{
	uint64_t leaf_no = g >> IOD_DIRTY_LEAF_SHIFT, x = leaf_no ^ c->leaf_no;
	struct iod_dirty_leaf *leaf;
	unsigned int from = 0, up;

	/*
	 * path[l] depends only on the granule bits above the child index of
	 * level l - 1: keep the levels the two leaves share, and descend
	 * from the deepest of them. A reset cursor (~0) shares nothing.
	 */
	if (x < IOD_DIRTY_FANOUT) {
		/* A sibling leaf (the usual move): one load from the parent. */
		leaf = iod_ptr_load_acquire(&c->path[d->levels - 1]->child[
					leaf_no & (IOD_DIRTY_FANOUT - 1)]);
		if (leaf) {
			c->leaf = leaf;
			c->leaf_no = leaf_no;
			return 0;
		}
	}
	if (c->leaf_no != ~0ULL) {
		up = (iod_fls64(x) + IOD_DIRTY_NODE_SHIFT) /
		     IOD_DIRTY_NODE_SHIFT;
		if (up < d->levels)
			from = d->levels - up;
	} else {
		c->path[0] = d->root;
	}
	leaf = dirty_descend(d, g, c->path, from, true);
	if (!leaf) {
		/* The path may be half rewritten: start afresh next time. */
		iod_dirty_cursor_reset(c);
		return -ENOMEM;
	}
	c->leaf = leaf;
	c->leaf_no = leaf_no;
	return 0;
}

uint64_t iod_dirty_mark(struct iod_dirty *d, uint64_t first, uint64_t end)
{
	struct iod_dirty_node *path[IOD_DIRTY_MAX_LEVELS];
	struct iod_dirty_leaf *leaf;
	uint64_t g, last, seg_last, newly = 0;
	unsigned int level, idx;

	if (!dirty_clamp(d, first, &end))
		return 0;
	if (end - first == 1)
		return dirty_mark_one(d, first);
	last = end - 1;
	for (g = first;; g = seg_last + 1) {
		seg_last = iod_min_u64(g | IOD_DIRTY_LEAF_MASK, last);
		/* A missing leaf means the caller did not prepare: skip. */
		leaf = dirty_lookup(d, g, path, false);
		if (leaf) {
			newly += dirty_mark_leaf(leaf, g & IOD_DIRTY_LEAF_MASK,
						 seg_last & IOD_DIRTY_LEAF_MASK);
			/* Bottom-up, after the words and the leaf summary. */
			for (level = d->levels; level--;) {
				idx = (g >> dirty_level_shift(d, level)) &
				      (IOD_DIRTY_FANOUT - 1);
				dirty_set_bits(&path[level]->summary,
					       1ULL << idx);
			}
		}
		if (seg_last == last)
			return newly;
	}
}
