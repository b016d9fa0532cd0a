// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Sparse set of page numbers (holes), roaring style, set level: one
 * container per chunk of 2^16 pages that holds any, in an AVL tree keyed
 * by chunk number. Splits page ranges across chunks, creates and frees
 * containers, keeps the set's counters. What happens inside one container
 * (array or bitmap) is holeset_container.c's. See holeset.h for the
 * contract.
 */
#include "holeset_priv.h"

static inline struct hs_chunk *hs_entry(struct iod_avl_node *n)
{
	return n ? iod_container_of(n, struct hs_chunk, node) : NULL;
}

static inline struct hs_chunk *hs_next(const struct hs_chunk *c)
{
	return hs_entry(iod_avl_next(&c->node));
}

static inline struct hs_chunk *hs_prev(const struct hs_chunk *c)
{
	return hs_entry(iod_avl_prev(&c->node));
}

/* First container whose key is >= @key, or NULL. */
static struct hs_chunk *hs_ceil(const struct iod_holeset *hs, uint64_t key)
{
	struct iod_avl_node *n = hs->chunks.node, *best = NULL;

	while (n) {
		if (hs_entry(n)->key >= key) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return hs_entry(best);
}

/* Last container whose key is <= @key, or NULL. */
static struct hs_chunk *hs_floor(const struct iod_holeset *hs, uint64_t key)
{
	struct iod_avl_node *n = hs->chunks.node, *best = NULL;

	while (n) {
		if (hs_entry(n)->key <= key) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return hs_entry(best);
}

/*
 * Offsets [lo, hi) of chunk @key that the page range [first, end) covers
 * (first < end, and the range must reach the chunk).
 */
static void hs_clip(uint64_t key, uint64_t first, uint64_t end,
		    uint32_t *lo, uint32_t *hi)
{
	uint64_t base = key << HS_CHUNK_SHIFT;

	*lo = first > base ? (uint32_t)(first - base) : 0;
	*hi = end - 1 - base < HS_CHUNK_MASK ? (uint32_t)(end - base) :
					       HS_CHUNK_PAGES;
}

/* Allocates an empty container for chunk @key sized for adding [lo, hi). */
static struct hs_chunk *chunk_create(struct iod_holeset *hs, uint64_t key,
				     uint32_t lo, uint32_t hi)
{
	struct iod_avl_node **link = &hs->chunks.node, *parent = NULL;
	struct hs_chunk *c = hs_chunk_alloc(lo, hi);

	if (!c)
		return NULL;
	c->key = key;
	while (*link) {
		parent = *link;
		if (key < hs_entry(parent)->key)
			link = &parent->left;
		else
			link = &parent->right;
	}
	iod_avl_insert(&hs->chunks, &c->node, parent, link, NULL);
	hs->mem_bytes += sizeof(*c) + hs_data_bytes(c);
	hs->empties++;
	return c;
}

/* Unlinks and frees an empty container. */
static void chunk_drop(struct iod_holeset *hs, struct hs_chunk *c)
{
	iod_avl_erase(&hs->chunks, &c->node, NULL);
	hs->mem_bytes -= sizeof(*c) + hs_data_bytes(c);
	hs->empties--;
	hs_chunk_free(c);
}

/* Frees the empty containers with keys in [kfirst, kend). */
static void hs_drop_empties(struct iod_holeset *hs, uint64_t kfirst,
			    uint64_t kend)
{
	struct hs_chunk *c = hs_ceil(hs, kfirst), *next;

	for (; c && c->key < kend && hs->empties; c = next) {
		next = hs_next(c);
		if (!c->card)
			chunk_drop(hs, c);
	}
}

/**
 * iod_holeset_init() - set up an empty hole set
 * @hs: set to initialise; allocates nothing
 */
void iod_holeset_init(struct iod_holeset *hs)
{
	hs->chunks.node = NULL;
	hs->count = 0;
	hs->mem_bytes = 0;
	hs->empties = 0;
	hs->batch = false;
}

/**
 * iod_holeset_fini() - free every container, pending reservations included
 * @hs: set; left empty and reusable
 */
void iod_holeset_fini(struct iod_holeset *hs)
{
	struct iod_avl_node *n = hs->chunks.node;

	/* Post-order walk through parent pointers: no recursion, no erase. */
	while (n) {
		struct iod_avl_node *parent;

		if (n->left) {
			n = n->left;
			continue;
		}
		if (n->right) {
			n = n->right;
			continue;
		}
		parent = n->parent;
		if (parent) {
			if (parent->left == n)
				parent->left = NULL;
			else
				parent->right = NULL;
		}
		hs_chunk_free(hs_entry(n));
		n = parent;
	}
	iod_holeset_init(hs);
}

/**
 * iod_holeset_reserve() - allocate what adding [@first, @end) will need
 * @hs: set
 * @first: first page
 * @end: page after the last one
 *
 * Walks the chunks of the range one by one, creating or preparing each
 * one's container. A range covering many chunks costs O(chunks), an array
 * container O(log) to size its growth: no page-by-page work. Containers
 * created here stay empty until the add.
 *
 * Return: 0, or -ENOMEM with the contents unchanged.
 */
int iod_holeset_reserve(struct iod_holeset *hs, uint64_t first, uint64_t end)
{
	uint64_t k, kfirst, klast;
	struct hs_chunk *c;
	uint32_t lo, hi;

	if (first >= end)
		return 0;
	kfirst = first >> HS_CHUNK_SHIFT;
	klast = (end - 1) >> HS_CHUNK_SHIFT;
	c = hs_ceil(hs, kfirst);
	for (k = kfirst;; k++) {
		hs_clip(k, first, end, &lo, &hi);
		if (c && c->key == k) {
			if (hs_chunk_prepare(hs, c, lo, hi))
				goto fail;
		} else {
			c = chunk_create(hs, k, lo, hi);
			if (!c)
				goto fail;
		}
		if (k == klast)
			break;
		c = hs_next(c);
	}
	return 0;
fail:
	/*
	 * Contents are untouched; hand back the containers that are still
	 * empty so a failed call leaves no clutter. Grown arrays stay: they
	 * hold data and are accounted.
	 */
	hs_drop_empties(hs, kfirst, k + 1);
	return -ENOMEM;
}

/*
 * Reserves chunk @k for the pieces of ranges r[*i]... (from page *@pos)
 * that fall in it, and moves *@i and *@pos past them.
 */
static int reserve_chunk(struct iod_holeset *hs, uint64_t k,
			 const struct iod_holeset_range *r, size_t nr,
			 size_t *i, uint64_t *pos)
{
	struct hs_chunk *c = hs_floor(hs, k);
	uint64_t base = k << HS_CHUNK_SHIFT, sum = 0, had = 0;
	uint32_t lo, hi, need;

	if (c && c->key != k)
		c = NULL;
	for (;;) {
		hs_clip(k, *pos, r[*i].end, &lo, &hi);
		sum += hi - lo;
		if (c)
			had += hs_chunk_count(c, lo, hi);
		if (r[*i].end - 1 - base > HS_CHUNK_MASK) {
			/* The range goes on in the next chunk. */
			*pos = base + HS_CHUNK_PAGES;
			break;
		}
		if (++*i == nr)
			break;
		*pos = r[*i].first;
		if (*pos >> HS_CHUNK_SHIFT != k)
			break;
	}
	/* Disjoint ranges: what the chunk holds plus what they add. */
	need = (uint32_t)((c ? c->card : 0) - had + sum);
	if (c)
		return hs_chunk_reserve(hs, c, need);
	return chunk_create(hs, k, 0, need) ? 0 : -ENOMEM;
}

/**
 * iod_holeset_reserve_many() - reserve for adding many ranges in any order
 * @hs: set, not in batch mode
 * @r: @nr sorted, disjoint, non-empty ranges
 * @nr: number of ranges
 *
 * Every add of (part of) a range then finds its container with room for
 * all the pages the container could hold by the end of the batch: those
 * it holds now and those the ranges add. Removes only lower that, and in
 * batch mode they neither free containers nor shrink arrays. O(chunks
 * touched + ranges).
 *
 * Return: 0 (the set is in batch mode), or -ENOMEM with the contents
 * unchanged and no empty container left.
 */
int iod_holeset_reserve_many(struct iod_holeset *hs,
			     const struct iod_holeset_range *r, size_t nr)
{
	uint64_t pos, kfirst, k = 0;
	size_t i = 0;

	if (nr) {
		kfirst = r[0].first >> HS_CHUNK_SHIFT;
		pos = r[0].first;
		while (i < nr) {
			k = pos >> HS_CHUNK_SHIFT;
			if (reserve_chunk(hs, k, r, nr, &i, &pos)) {
				hs_drop_empties(hs, kfirst, k + 1);
				return -ENOMEM;
			}
		}
	}
	hs->batch = true;
	return 0;
}

/**
 * iod_holeset_batch_end() - leave batch mode
 * @hs: set
 *
 * Frees the containers that stayed or became empty during the batch.
 * Arrays keep the capacity they had: shrinking is optional anyway.
 */
void iod_holeset_batch_end(struct iod_holeset *hs)
{
	hs->batch = false;
	if (hs->empties)
		iod_holeset_unreserve(hs);
}

/**
 * iod_holeset_add() - add pages [@first, @end) after reserving them
 * @hs: set
 * @first: first page
 * @end: page after the last one
 *
 * O(chunks of the range + size of the arrays touched); allocates nothing
 * after a successful iod_holeset_reserve() of the same range.
 */
void iod_holeset_add(struct iod_holeset *hs, uint64_t first, uint64_t end)
{
	uint64_t k, kfirst, klast;
	struct hs_chunk *c, *next;
	uint32_t lo, hi, was;

	if (first >= end)
		return;
	kfirst = first >> HS_CHUNK_SHIFT;
	klast = (end - 1) >> HS_CHUNK_SHIFT;
	c = hs_ceil(hs, kfirst);
	for (k = kfirst;; k++) {
		hs_clip(k, first, end, &lo, &hi);
		/*
		 * After a reserve, the container is there and roomy enough,
		 * so this allocates nothing. Without one (a caller bug), try
		 * anyway rather than lose pages silently when memory is there.
		 */
		if (!c || c->key != k) {
			next = c;
			c = chunk_create(hs, k, lo, hi);
		} else {
			next = hs_next(c);
			if (hs_chunk_prepare(hs, c, lo, hi))
				c = NULL;
		}
		if (c) {
			was = c->card;
			hs->count += hs_chunk_fill(c, lo, hi);
			if (!was)
				hs->empties--;
		}
		if (k == klast)
			break;
		c = next;
	}
	/* Reservations are good for one add: drop the unused ones. */
	if (hs->empties && !hs->batch)
		iod_holeset_unreserve(hs);
}

/**
 * iod_holeset_remove() - remove pages [@first, @end); never fails
 * @hs: set
 * @first: first page
 * @end: page after the last one
 *
 * Frees the containers left empty (pending reservations in the range
 * too). May try to shrink the others, giving up quietly without memory.
 */
void iod_holeset_remove(struct iod_holeset *hs, uint64_t first, uint64_t end)
{
	struct hs_chunk *c, *next;
	uint64_t klast;
	uint32_t lo, hi;

	if (first >= end)
		return;
	klast = (end - 1) >> HS_CHUNK_SHIFT;
	/* Only the containers in the range are visited: O(containers). */
	for (c = hs_ceil(hs, first >> HS_CHUNK_SHIFT); c && c->key <= klast;
	     c = next) {
		next = hs_next(c);
		if (!c->card) {
			if (!hs->batch)
				chunk_drop(hs, c);
			continue;
		}
		hs_clip(c->key, first, end, &lo, &hi);
		hs->count -= hs_chunk_clear(c, lo, hi);
		if (!c->card) {
			hs->empties++;	/* it is one now, for chunk_drop() */
			if (!hs->batch)
				chunk_drop(hs, c);
		} else if (!hs->batch) {
			hs_chunk_shrink(hs, c);
		}
	}
}

/**
 * iod_holeset_unreserve() - free the containers no add filled
 * @hs: set
 *
 * O(containers) when there are any such, O(1) otherwise.
 */
void iod_holeset_unreserve(struct iod_holeset *hs)
{
	struct hs_chunk *c, *next;

	for (c = hs_entry(iod_avl_first(&hs->chunks)); c && hs->empties;
	     c = next) {
		next = hs_next(c);
		if (!c->card)
			chunk_drop(hs, c);
	}
}

/**
 * iod_holeset_count() - number of pages of [@first, @end) in the set
 * @hs: set
 * @first: first page
 * @end: page after the last one
 *
 * Whole chunks are counted from the cached count of their container.
 */
uint64_t iod_holeset_count(const struct iod_holeset *hs, uint64_t first,
			   uint64_t end)
{
	const struct hs_chunk *c;
	uint64_t klast, n = 0;
	uint32_t lo, hi;

	if (first >= end)
		return 0;
	klast = (end - 1) >> HS_CHUNK_SHIFT;
	for (c = hs_ceil(hs, first >> HS_CHUNK_SHIFT); c && c->key <= klast;
	     c = hs_next(c)) {
		hs_clip(c->key, first, end, &lo, &hi);
		n += hs_chunk_count(c, lo, hi);
	}
	return n;
}

/**
 * iod_holeset_test() - is @page in the set?
 * @hs: set
 * @page: page number
 */
bool iod_holeset_test(const struct iod_holeset *hs, uint64_t page)
{
	const struct hs_chunk *c = hs_floor(hs, page >> HS_CHUNK_SHIFT);

	return c && c->key == page >> HS_CHUNK_SHIFT && c->card &&
	       hs_chunk_test(c, (uint32_t)(page & HS_CHUNK_MASK));
}

/**
 * iod_holeset_next_hole() - smallest page of [@first, @end) in the set
 * @hs: set
 * @first: first page
 * @end: page after the last one
 *
 * Only visits containers, so empty stretches cost nothing.
 *
 * Return: the page, or @end if none.
 */
uint64_t iod_holeset_next_hole(const struct iod_holeset *hs, uint64_t first,
			       uint64_t end)
{
	const struct hs_chunk *c;
	uint64_t klast;
	uint32_t lo, hi, off;

	if (first >= end)
		return end;
	klast = (end - 1) >> HS_CHUNK_SHIFT;
	for (c = hs_ceil(hs, first >> HS_CHUNK_SHIFT); c && c->key <= klast;
	     c = hs_next(c)) {
		hs_clip(c->key, first, end, &lo, &hi);
		off = hs_chunk_next_set(c, lo, hi);
		if (off != HS_NONE)
			return (c->key << HS_CHUNK_SHIFT) + off;
	}
	return end;
}

/**
 * iod_holeset_next_present() - smallest page of [@first, @end) not in it
 * @hs: set
 * @first: first page
 * @end: page after the last one
 *
 * A chunk without a container is all present, so the walk stops at the
 * first chunk that has none; it only goes on through containers of
 * consecutive chunks that are full (O(1) each) over the searched part.
 *
 * Return: the page, or @end if none.
 */
uint64_t iod_holeset_next_present(const struct iod_holeset *hs,
				  uint64_t first, uint64_t end)
{
	const struct hs_chunk *c;
	uint64_t x = first, base;
	uint32_t lo, hi, off;

	if (first >= end)
		return end;
	c = hs_ceil(hs, x >> HS_CHUNK_SHIFT);
	for (;;) {
		if (!c || c->key != x >> HS_CHUNK_SHIFT)
			return x;
		hs_clip(c->key, x, end, &lo, &hi);
		off = hs_chunk_next_clear(c, lo, hi);
		base = c->key << HS_CHUNK_SHIFT;
		if (off != HS_NONE)
			return base + off;
		/* No overflow: end - 1 lies beyond this chunk. */
		if (end - 1 - base <= HS_CHUNK_MASK)
			return end;
		x = base + HS_CHUNK_PAGES;
		c = hs_next(c);
	}
}

/**
 * iod_holeset_prev_present() - largest page of [@first, @end) not in it
 * @hs: set
 * @first: first page
 * @end: page after the last one
 *
 * The mirror image of iod_holeset_next_present(), walking down.
 *
 * Return: the page, or @end if none.
 */
uint64_t iod_holeset_prev_present(const struct iod_holeset *hs,
				  uint64_t first, uint64_t end)
{
	const struct hs_chunk *c;
	uint64_t x, base;
	uint32_t lo, hi, off;

	if (first >= end)
		return end;
	x = end - 1;
	c = hs_floor(hs, x >> HS_CHUNK_SHIFT);
	for (;;) {
		if (!c || c->key != x >> HS_CHUNK_SHIFT)
			return x;
		hs_clip(c->key, first, x + 1, &lo, &hi);
		off = hs_chunk_prev_clear(c, lo, hi);
		base = c->key << HS_CHUNK_SHIFT;
		if (off != HS_NONE)
			return base + off;
		if (first >= base)
			return end;
		x = base - 1;
		c = hs_prev(c);
	}
}

/**
 * iod_holeset_check() - verify the invariants, for tests
 * @hs: set
 * @info: receives the shape of the set when not NULL
 *
 * Return: 0, or -EUCLEAN if anything is inconsistent.
 */
int iod_holeset_check(const struct iod_holeset *hs,
		      struct iod_holeset_info *info)
{
	const struct hs_chunk *c, *prev = NULL;
	struct iod_holeset_info in = { 0 };
	uint64_t count = 0, mem = 0;

	for (c = hs_entry(iod_avl_first(&hs->chunks)); c;
	     prev = c, c = hs_next(c)) {
		if ((prev && prev->key >= c->key) || !hs_chunk_check(c))
			return -EUCLEAN;
		count += c->card;
		mem += sizeof(*c) + hs_data_bytes(c);
		if (hs_is_bitmap(c))
			in.bitmaps++;
		else
			in.arrays++;
		if (!c->card)
			in.empty++;
	}
	if (count != hs->count || mem != hs->mem_bytes ||
	    in.empty != hs->empties)
		return -EUCLEAN;
	if (info)
		*info = in;
	return 0;
}
