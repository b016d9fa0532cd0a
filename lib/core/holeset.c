// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Sparse set of page numbers (holes), roaring style: one container per
 * chunk of 2^16 pages that holds any, either a sorted array of 16-bit
 * offsets (at most 4096 of them, so never larger than a bitmap) or a
 * 65536-bit bitmap. Containers sit in an AVL tree keyed by chunk number.
 * See holeset.h for the contract.
 */
#include "holeset.h"

#define HS_CHUNK_SHIFT	16u
#define HS_CHUNK_PAGES	(1u << HS_CHUNK_SHIFT)
#define HS_CHUNK_MASK	((uint64_t)HS_CHUNK_PAGES - 1)
#define HS_BITMAP_WORDS	(HS_CHUNK_PAGES / 64u)
#define HS_BITMAP_BYTES	(HS_BITMAP_WORDS * sizeof(uint64_t))
/* An array this long is as large as a bitmap: beyond it, use a bitmap. */
#define HS_ARRAY_MAX	((uint32_t)(HS_BITMAP_BYTES / sizeof(uint16_t)))
/*
 * A bitmap goes back to an array only well below HS_ARRAY_MAX, so that a
 * count hovering around the limit does not convert back and forth.
 */
#define HS_ARRAY_LOW	(HS_ARRAY_MAX / 2)
#define HS_ARRAY_MIN	4u
/* "No such offset" from the in-chunk searches. */
#define HS_NONE		0xffffffffu

struct hs_chunk {
	struct iod_avl_node node;	/* in hs->chunks, by key */
	uint64_t key;			/* page >> HS_CHUNK_SHIFT */
	uint32_t card;			/* pages in the set, 0..65536 */
	uint32_t cap;			/* array capacity (2^n); 0: bitmap */
	union {
		uint16_t *arr;		/* card sorted distinct offsets */
		uint64_t *bits;		/* HS_BITMAP_WORDS words */
	};
};

static inline struct hs_chunk *hs_entry(struct iod_avl_node *n)
{
	return n ? iod_container_of(n, struct hs_chunk, node) : NULL;
}

static inline bool hs_is_bitmap(const struct hs_chunk *c)
{
	return !c->cap;
}

static inline uint64_t hs_data_bytes(const struct hs_chunk *c)
{
	return hs_is_bitmap(c) ? HS_BITMAP_BYTES :
				 (uint64_t)c->cap * sizeof(uint16_t);
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

/* Smallest power of two >= @n, at least HS_ARRAY_MIN (n <= 2^31). */
static uint32_t hs_roundup_cap(uint32_t n)
{
	if (n <= HS_ARRAY_MIN)
		return HS_ARRAY_MIN;
	return 1u << (iod_fls64(n - 1) + 1);
}

/* ---- bitmap helpers: offsets [lo, hi), 0 <= lo < hi <= 65536 ---- */

/* Bits of word @i that fall in [lo, hi); word @i must meet the range. */
static inline uint64_t bm_mask(uint32_t i, uint32_t lo, uint32_t hi)
{
	uint32_t a = i * 64;

	return iod_mask_range(lo > a ? lo - a : 0, hi - a < 64 ? hi - a : 64);
}

static uint32_t bm_count(const uint64_t *w, uint32_t lo, uint32_t hi)
{
	uint32_t i, n = 0;

	for (i = lo / 64; i <= (hi - 1) / 64; i++)
		n += iod_popcount64(w[i] & bm_mask(i, lo, hi));
	return n;
}

/* Sets [lo, hi); returns how many bits were clear. */
static uint32_t bm_set(uint64_t *w, uint32_t lo, uint32_t hi)
{
	uint32_t i, n = 0;

	for (i = lo / 64; i <= (hi - 1) / 64; i++) {
		uint64_t m = bm_mask(i, lo, hi);

		n += iod_popcount64(m & ~w[i]);
		w[i] |= m;
	}
	return n;
}

/* Clears [lo, hi); returns how many bits were set. */
static uint32_t bm_clear(uint64_t *w, uint32_t lo, uint32_t hi)
{
	uint32_t i, n = 0;

	for (i = lo / 64; i <= (hi - 1) / 64; i++) {
		uint64_t m = bm_mask(i, lo, hi);

		n += iod_popcount64(m & w[i]);
		w[i] &= ~m;
	}
	return n;
}

/* First offset in [lo, hi) whose bit equals @set, or HS_NONE. */
static uint32_t bm_next(const uint64_t *w, uint32_t lo, uint32_t hi, bool set)
{
	uint32_t i;

	for (i = lo / 64; i <= (hi - 1) / 64; i++) {
		uint64_t v = (set ? w[i] : ~w[i]) & bm_mask(i, lo, hi);

		if (v)
			return i * 64 + iod_ctz64(v);
	}
	return HS_NONE;
}

/* Last clear offset in [lo, hi), or HS_NONE. */
static uint32_t bm_prev_clear(const uint64_t *w, uint32_t lo, uint32_t hi)
{
	uint32_t i = (hi - 1) / 64;

	for (;;) {
		uint64_t v = ~w[i] & bm_mask(i, lo, hi);

		if (v)
			return i * 64 + iod_fls64(v);
		if (i == lo / 64)
			return HS_NONE;
		i--;
	}
}

/* ---- array helpers ---- */

/* Index of the first offset >= @x (x may be 65536). */
static uint32_t arr_lower(const struct hs_chunk *c, uint32_t x)
{
	uint32_t lo = 0, hi = c->card;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->arr[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Offsets are sorted and distinct, so arr[j] - j never decreases, and it
 * stays constant exactly along a run of consecutive offsets. That turns
 * "end of the run starting at index i" into a binary search: the first
 * j > i with arr[j] - j > arr[i] - i.
 */
static uint32_t arr_run_end(const struct hs_chunk *c, uint32_t i)
{
	uint32_t d = c->arr[i] - i, lo = i + 1, hi = c->card;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->arr[mid] - mid > d)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Same for the start of the run ending at index j: first i <= j in it. */
static uint32_t arr_run_start(const struct hs_chunk *c, uint32_t j)
{
	uint32_t d = c->arr[j] - j, lo = 0, hi = j;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->arr[mid] - mid < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- container level: offsets [lo, hi), 0 <= lo < hi <= 65536 ---- */

static void chunk_free(struct hs_chunk *c)
{
	if (hs_is_bitmap(c))
		iod_free(c->bits);
	else
		iod_free(c->arr);
	iod_free(c);
}

static uint32_t chunk_count(const struct hs_chunk *c, uint32_t lo, uint32_t hi)
{
	if (!c->card)
		return 0;
	if (!lo && hi == HS_CHUNK_PAGES)
		return c->card;
	if (hs_is_bitmap(c))
		return bm_count(c->bits, lo, hi);
	return arr_lower(c, hi) - arr_lower(c, lo);
}

static bool chunk_test(const struct hs_chunk *c, uint32_t off)
{
	uint32_t i;

	if (hs_is_bitmap(c))
		return c->bits[off / 64] >> (off % 64) & 1;
	i = arr_lower(c, off);
	return i < c->card && c->arr[i] == off;
}

/* First offset in [lo, hi) in the set, or HS_NONE. */
static uint32_t chunk_next_set(const struct hs_chunk *c, uint32_t lo,
			       uint32_t hi)
{
	uint32_t i;

	if (!c->card)
		return HS_NONE;
	if (hs_is_bitmap(c))
		return bm_next(c->bits, lo, hi, true);
	i = arr_lower(c, lo);
	return i < c->card && c->arr[i] < hi ? c->arr[i] : HS_NONE;
}

/* First offset in [lo, hi) NOT in the set, or HS_NONE. */
static uint32_t chunk_next_clear(const struct hs_chunk *c, uint32_t lo,
				 uint32_t hi)
{
	uint32_t i, x;

	if (c->card == HS_CHUNK_PAGES)
		return HS_NONE;
	if (!c->card)
		return lo;
	if (hs_is_bitmap(c))
		return bm_next(c->bits, lo, hi, false);
	i = arr_lower(c, lo);
	if (i == c->card || c->arr[i] != lo)
		return lo;
	x = lo + (arr_run_end(c, i) - i);
	return x < hi ? x : HS_NONE;
}

/* Last offset in [lo, hi) NOT in the set, or HS_NONE. */
static uint32_t chunk_prev_clear(const struct hs_chunk *c, uint32_t lo,
				 uint32_t hi)
{
	uint32_t j, x;

	if (c->card == HS_CHUNK_PAGES)
		return HS_NONE;
	if (!c->card)
		return hi - 1;
	if (hs_is_bitmap(c))
		return bm_prev_clear(c->bits, lo, hi);
	j = arr_lower(c, hi);
	if (!j || c->arr[j - 1] != hi - 1)
		return hi - 1;
	j--;
	/* arr[i..j] is the run ending at hi - 1; the answer is just below. */
	x = c->arr[j] - (j - arr_run_start(c, j));
	return x > lo ? x - 1 : HS_NONE;
}

/* Adds [lo, hi); the capacity must be there. Returns pages added. */
static uint32_t chunk_fill(struct hs_chunk *c, uint32_t lo, uint32_t hi)
{
	uint32_t a, b, i, len = hi - lo;

	if (hs_is_bitmap(c)) {
		if (!lo && hi == HS_CHUNK_PAGES) {
			a = HS_CHUNK_PAGES - c->card;
			iod_memset(c->bits, 0xff, HS_BITMAP_BYTES);
		} else {
			a = bm_set(c->bits, lo, hi);
		}
		c->card += a;
		return a;
	}
	a = arr_lower(c, lo);
	b = arr_lower(c, hi);
	/* Offsets [a, b) are replaced by the len offsets lo..hi-1. */
	iod_memmove(c->arr + a + len, c->arr + b,
		    (c->card - b) * sizeof(uint16_t));
	for (i = 0; i < len; i++)
		c->arr[a + i] = (uint16_t)(lo + i);
	c->card += len - (b - a);
	return len - (b - a);
}

/* Removes [lo, hi); returns pages removed. */
static uint32_t chunk_clear(struct hs_chunk *c, uint32_t lo, uint32_t hi)
{
	uint32_t a, b;

	if (!lo && hi == HS_CHUNK_PAGES) {
		a = c->card;
		c->card = 0;
		return a;
	}
	if (hs_is_bitmap(c)) {
		a = bm_clear(c->bits, lo, hi);
		c->card -= a;
		return a;
	}
	a = arr_lower(c, lo);
	b = arr_lower(c, hi);
	iod_memmove(c->arr + a, c->arr + b, (c->card - b) * sizeof(uint16_t));
	c->card -= b - a;
	return b - a;
}

/* Replaces @c's array by a bitmap holding the same offsets. */
static int chunk_to_bitmap(struct iod_holeset *hs, struct hs_chunk *c)
{
	uint64_t *bits = iod_zalloc(HS_BITMAP_BYTES);
	uint32_t i;

	if (!bits)
		return -ENOMEM;
	for (i = 0; i < c->card; i++)
		bits[c->arr[i] / 64] |= 1ULL << (c->arr[i] % 64);
	hs->mem_bytes -= hs_data_bytes(c);
	iod_free(c->arr);
	c->bits = bits;
	c->cap = 0;
	hs->mem_bytes += HS_BITMAP_BYTES;
	return 0;
}

/* Moves @c's array to one of @cap entries (cap >= card). */
static int chunk_resize(struct iod_holeset *hs, struct hs_chunk *c,
			uint32_t cap)
{
	uint16_t *arr = iod_alloc((size_t)cap * sizeof(uint16_t));

	if (!arr)
		return -ENOMEM;
	iod_memcpy(arr, c->arr, c->card * sizeof(uint16_t));
	hs->mem_bytes -= hs_data_bytes(c);
	iod_free(c->arr);
	c->arr = arr;
	c->cap = cap;
	hs->mem_bytes += hs_data_bytes(c);
	return 0;
}

/*
 * Gives back memory after a removal, when that is cheap to do: a bitmap
 * well below the array limit becomes an array, an array much larger than
 * its content shrinks. Both are optional, so a failed allocation is fine.
 */
static void chunk_shrink(struct iod_holeset *hs, struct hs_chunk *c)
{
	uint32_t i, n = 0, cap;
	uint16_t *arr;

	if (!hs_is_bitmap(c)) {
		/* Keep room to double, so add/remove cycles do not thrash. */
		if (c->cap > HS_ARRAY_MIN && c->card <= c->cap / 4)
			chunk_resize(hs, c, hs_roundup_cap(c->card * 2));
		return;
	}
	if (c->card >= HS_ARRAY_LOW)
		return;
	cap = hs_roundup_cap(c->card);
	arr = iod_alloc((size_t)cap * sizeof(uint16_t));
	if (!arr)
		return;
	for (i = 0; i < HS_BITMAP_WORDS; i++) {
		uint64_t w = c->bits[i];

		while (w) {
			arr[n++] = (uint16_t)(i * 64 + iod_ctz64(w));
			w &= w - 1;
		}
	}
	hs->mem_bytes -= HS_BITMAP_BYTES;
	iod_free(c->bits);
	c->arr = arr;
	c->cap = cap;
	hs->mem_bytes += hs_data_bytes(c);
}

/*
 * Makes room in @c for adding [lo, hi): grows the array to the next power
 * of two (so n single-page adds cost O(n) copies overall), or converts it
 * to a bitmap when the result would exceed HS_ARRAY_MAX.
 */
static int chunk_prepare(struct iod_holeset *hs, struct hs_chunk *c,
			 uint32_t lo, uint32_t hi)
{
	uint32_t need;

	if (hs_is_bitmap(c))
		return 0;
	need = c->card - chunk_count(c, lo, hi) + (hi - lo);
	if (need <= c->cap)
		return 0;
	if (need > HS_ARRAY_MAX)
		return chunk_to_bitmap(hs, c);
	return chunk_resize(hs, c, hs_roundup_cap(need));
}

/* Allocates an empty container for chunk @key sized for adding [lo, hi). */
static struct hs_chunk *chunk_create(struct iod_holeset *hs, uint64_t key,
				     uint32_t lo, uint32_t hi)
{
	struct iod_avl_node **link = &hs->chunks.node, *parent = NULL;
	struct hs_chunk *c = iod_zalloc(sizeof(*c));
	void *data;

	if (!c)
		return NULL;
	c->key = key;
	if (hi - lo > HS_ARRAY_MAX) {
		c->bits = iod_zalloc(HS_BITMAP_BYTES);
		data = c->bits;
	} else {
		c->cap = hs_roundup_cap(hi - lo);
		c->arr = iod_alloc((size_t)c->cap * sizeof(uint16_t));
		data = c->arr;
	}
	if (!data) {
		iod_free(c);
		return NULL;
	}
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
	chunk_free(c);
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
		chunk_free(hs_entry(n));
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
			if (chunk_prepare(hs, c, lo, hi))
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
			if (chunk_prepare(hs, c, lo, hi))
				c = NULL;
		}
		if (c) {
			was = c->card;
			hs->count += chunk_fill(c, lo, hi);
			if (!was)
				hs->empties--;
		}
		if (k == klast)
			break;
		c = next;
	}
	/* Reservations are good for one add: drop the unused ones. */
	if (hs->empties)
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
			chunk_drop(hs, c);
			continue;
		}
		hs_clip(c->key, first, end, &lo, &hi);
		hs->count -= chunk_clear(c, lo, hi);
		if (!c->card) {
			hs->empties++;	/* it is one now, for chunk_drop() */
			chunk_drop(hs, c);
		} else {
			chunk_shrink(hs, c);
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
		n += chunk_count(c, lo, hi);
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
	       chunk_test(c, (uint32_t)(page & HS_CHUNK_MASK));
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
		off = chunk_next_set(c, lo, hi);
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
		off = chunk_next_clear(c, lo, hi);
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
		off = chunk_prev_clear(c, lo, hi);
		base = c->key << HS_CHUNK_SHIFT;
		if (off != HS_NONE)
			return base + off;
		if (first >= base)
			return end;
		x = base - 1;
		c = hs_prev(c);
	}
}

static bool chunk_check(const struct hs_chunk *c)
{
	uint32_t i;

	if (hs_is_bitmap(c))
		return c->card <= HS_CHUNK_PAGES &&
		       bm_count(c->bits, 0, HS_CHUNK_PAGES) == c->card;
	if (!iod_is_pow2(c->cap) || c->cap < HS_ARRAY_MIN ||
	    c->cap > HS_ARRAY_MAX || c->card > c->cap)
		return false;
	for (i = 1; i < c->card; i++)
		if (c->arr[i - 1] >= c->arr[i])
			return false;
	return true;
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
		if ((prev && prev->key >= c->key) || !chunk_check(c))
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
