// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: bitmaps in libiodirty's report layout.
 */
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"

uint64_t bm_words(uint64_t bits)
{
	return bits / 64 + (bits % 64 != 0);
}

uint64_t *bm_alloc(uint64_t bits)
{
	uint64_t words = bm_words(bits);

	if (words > SIZE_MAX / sizeof(uint64_t))
		return NULL;
	return calloc(words ? words : 1, sizeof(uint64_t));
}

void bm_free(uint64_t *bm)
{
	free(bm);
}

void bm_clear(uint64_t *bm, uint64_t bits)
{
	memset(bm, 0, bm_words(bits) * sizeof(uint64_t));
}

void bm_set(uint64_t *bm, uint64_t bit)
{
	bm[bit / 64] |= 1ULL << (bit % 64);
}

void bm_unset(uint64_t *bm, uint64_t bit)
{
	bm[bit / 64] &= ~(1ULL << (bit % 64));
}

bool bm_test(const uint64_t *bm, uint64_t bit)
{
	return bm[bit / 64] & (1ULL << (bit % 64));
}

/* Word @w of @a, masked to the bits below @bits. */
static uint64_t word(const uint64_t *a, uint64_t w, uint64_t bits)
{
	uint64_t v = a[w];

	if (w == bits / 64 && bits % 64)
		v &= (1ULL << (bits % 64)) - 1;
	return v;
}

uint64_t bm_count(const uint64_t *bm, uint64_t bits)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < bm_words(bits); w++)
		n += (uint64_t)__builtin_popcountll(word(bm, w, bits));
	return n;
}

uint64_t bm_count_andnot(const uint64_t *a, const uint64_t *b, uint64_t bits)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < bm_words(bits); w++)
		n += (uint64_t)__builtin_popcountll(word(a, w, bits) & ~b[w]);
	return n;
}

static uint64_t next_in(const uint64_t *a, const uint64_t *b, uint64_t bits,
			uint64_t from)
{
	for (uint64_t w = from / 64; from < bits && w < bm_words(bits); w++) {
		uint64_t v = word(a, w, bits);

		if (b)
			v &= ~b[w];
		if (w == from / 64)
			v &= ~0ULL << (from % 64);
		if (v)
			return w * 64 + (uint64_t)__builtin_ctzll(v);
	}
	return bits;
}

uint64_t bm_next(const uint64_t *bm, uint64_t bits, uint64_t from)
{
	return next_in(bm, NULL, bits, from);
}

uint64_t bm_next_andnot(const uint64_t *a, const uint64_t *b, uint64_t bits,
			uint64_t from)
{
	return next_in(a, b, bits, from);
}
