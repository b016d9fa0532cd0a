// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Hole set, one chunk container: the pages of a chunk of 2^16 held either
 * as a sorted array of 16-bit offsets (at most HS_ARRAY_MAX of them, so
 * never larger than a bitmap) or as a 65536-bit bitmap. Insert, remove,
 * count and search within the chunk, array growth and shrinking, array <->
 * bitmap conversion, allocation sizing. The chunk tree and page ranges
 * spanning chunks are holeset.c's.
 */
#include "holeset_priv.h"

/* An array this long is as large as a bitmap: beyond it, use a bitmap. */
#define HS_ARRAY_MAX	((uint32_t)(HS_BITMAP_BYTES / sizeof(uint16_t)))
/*
 * A bitmap goes back to an array only well below HS_ARRAY_MAX, so that a
 * count hovering around the limit does not convert back and forth.
 */
#define HS_ARRAY_LOW	(HS_ARRAY_MAX / 2)
#define HS_ARRAY_MIN	4u

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

void hs_chunk_free(struct hs_chunk *c)
{
	if (hs_is_bitmap(c))
		iod_free(c->bits);
	else
		iod_free(c->arr);
	iod_free(c);
}

uint32_t hs_chunk_count(const struct hs_chunk *c, uint32_t lo, uint32_t hi)
{
	if (!c->card)
		return 0;
	if (!lo && hi == HS_CHUNK_PAGES)
		return c->card;
	if (hi - lo == 1)	/* a 4 KiB conversion: one search, not two */
		return hs_chunk_test(c, lo);
	if (hs_is_bitmap(c))
		return bm_count(c->bits, lo, hi);
	return arr_lower(c, hi) - arr_lower(c, lo);
}

bool hs_chunk_test(const struct hs_chunk *c, uint32_t off)
{
	uint32_t i;

	if (hs_is_bitmap(c))
		return c->bits[off / 64] >> (off % 64) & 1;
	i = arr_lower(c, off);
	return i < c->card && c->arr[i] == off;
}

/* First offset in [lo, hi) in the set, or HS_NONE. */
uint32_t hs_chunk_next_set(const struct hs_chunk *c, uint32_t lo,
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
uint32_t hs_chunk_next_clear(const struct hs_chunk *c, uint32_t lo,
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
uint32_t hs_chunk_prev_clear(const struct hs_chunk *c, uint32_t lo,
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
uint32_t hs_chunk_fill(struct hs_chunk *c, uint32_t lo, uint32_t hi)
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
uint32_t hs_chunk_clear(struct hs_chunk *c, uint32_t lo, uint32_t hi)
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
void hs_chunk_shrink(struct iod_holeset *hs, struct hs_chunk *c)
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
int hs_chunk_prepare(struct iod_holeset *hs, struct hs_chunk *c,
		     uint32_t lo, uint32_t hi)
{
	if (hs_is_bitmap(c))
		return 0;
	return hs_chunk_reserve(hs, c,
				c->card - hs_chunk_count(c, lo, hi) + (hi - lo));
}

int hs_chunk_reserve(struct iod_holeset *hs, struct hs_chunk *c,
		     uint32_t need)
{
	if (hs_is_bitmap(c) || need <= c->cap)
		return 0;
	if (need > HS_ARRAY_MAX)
		return chunk_to_bitmap(hs, c);
	return chunk_resize(hs, c, hs_roundup_cap(need));
}

/* Allocates an empty container sized for adding [lo, hi); key is unset. */
struct hs_chunk *hs_chunk_alloc(uint32_t lo, uint32_t hi)
{
	struct hs_chunk *c = iod_zalloc(sizeof(*c));
	void *data;

	if (!c)
		return NULL;
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
	return c;
}

/* Sorted distinct array of sane capacity, or bitmap; card matches. */
bool hs_chunk_check(const struct hs_chunk *c)
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
