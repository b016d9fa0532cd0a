/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Private to the walks (dirty_walk.h): the output side of
 * iod_dirty_harvest_bitmap(), folding harvested words of granule bits into
 * the caller's bitmap of one bit per 2^shift granules and counting the bits
 * that turn on. All static inline: these run once per dirty word.
 */
#ifndef IODIRTY_CORE_DIRTY_BITMAP_H
#define IODIRTY_CORE_DIRTY_BITMAP_H

#include "port.h"

/**
 * dirty_popcount() - number of set bits of a word
 * @x: the word
 *
 * Without CPU-specific flags (-mpopcnt), __builtin_popcountll is a call
 * into libgcc; this inline version is several times faster in the harvest
 * loops, and all-ones words, the dense case, cost a compare.
 */
static inline unsigned int dirty_popcount(uint64_t x)
{
	if (x == ~0ULL)
		return 64;
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned int)((x * 0x0101010101010101ULL) >> 56);
}

/**
 * struct dirty_bitmap - state of iod_dirty_harvest_bitmap()
 * @out: caller bitmap
 * @first: granule of bit 0 of @out
 * @shift: log2 of the granules per output bit
 * @count: output bits this harvest changed from 0 to 1
 * @found: output bits this harvest found dirty, whether set before or not
 * @last: the output bit counted last in @found (words arrive in increasing
 *        order, so with 64 or more granules per bit, the words of one bit
 *        come one after the other)
 */
struct dirty_bitmap {
	uint64_t *out;
	uint64_t first;
	unsigned int shift;
	uint64_t count;
	uint64_t found;
	uint64_t last;
};

/**
 * dirty_fold() - one bit per group of 2^@shift bits of a word
 * @x: a word of granule bits
 * @shift: 0 to 5
 *
 * OR-folds every group into its lowest bit and masks the others off, then
 * packs those bits at the bottom: each step turns chunks of c bits every t
 * bits into chunks of 2c bits every 2t bits (shift t - c, keep 2c bits of
 * every 2t), until the 64 >> @shift bits are contiguous.
 *
 * Return: bit k set iff some bit of [k << shift, (k + 1) << shift) of @x is.
 */
static inline uint64_t dirty_fold(uint64_t x, unsigned int shift)
{
	switch (shift) {
	case 1:
		x |= x >> 1;
		x &= 0x5555555555555555ULL;
		x = (x | x >> 1) & 0x3333333333333333ULL;
		x = (x | x >> 2) & 0x0f0f0f0f0f0f0f0fULL;
		x = (x | x >> 4) & 0x00ff00ff00ff00ffULL;
		x = (x | x >> 8) & 0x0000ffff0000ffffULL;
		x = (x | x >> 16) & 0x00000000ffffffffULL;
		return x;
	case 2:
		x |= x >> 1;
		x |= x >> 2;
		x &= 0x1111111111111111ULL;
		x = (x | x >> 3) & 0x0303030303030303ULL;
		x = (x | x >> 6) & 0x000f000f000f000fULL;
		x = (x | x >> 12) & 0x000000ff000000ffULL;
		x = (x | x >> 24) & 0x000000000000ffffULL;
		return x;
	case 3:
		x |= x >> 1;
		x |= x >> 2;
		x |= x >> 4;
		x &= 0x0101010101010101ULL;
		x = (x | x >> 7) & 0x0003000300030003ULL;
		x = (x | x >> 14) & 0x0000000f0000000fULL;
		x = (x | x >> 28) & 0x00000000000000ffULL;
		return x;
	case 4:
		x |= x >> 1;
		x |= x >> 2;
		x |= x >> 4;
		x |= x >> 8;
		x &= 0x0001000100010001ULL;
		x = (x | x >> 15) & 0x0000000300000003ULL;
		x = (x | x >> 30) & 0x000000000000000fULL;
		return x;
	case 5:
		x |= x >> 1;
		x |= x >> 2;
		x |= x >> 4;
		x |= x >> 8;
		x |= x >> 16;
		x &= 0x0000000100000001ULL;
		x = (x | x >> 31) & 0x0000000000000003ULL;
		return x;
	default:
		return x;
	}
}

/* ORs @bits into @w, counting the bits that were clear. */
static inline void dirty_bitmap_or(struct dirty_bitmap *bm, uint64_t *w,
				   uint64_t bits)
{
	bm->count += dirty_popcount(bits & ~*w);
	*w |= bits;
}

/**
 * dirty_bitmap_emit() - fold one harvested word into the caller's bitmap
 * @bm: bitmap state
 * @base: granule of bit 0 of @mask (multiple of 64)
 * @mask: dirty granules, non-zero, already limited to the range
 *
 * The range was cut to whole output bits, so no bit at or past
 * (end - first) >> shift can be set.
 */
static inline void dirty_bitmap_emit(struct dirty_bitmap *bm, uint64_t base,
				     uint64_t mask)
{
	uint64_t pos, x = mask;
	unsigned int off;

	if (bm->shift >= 6) {
		/* first is 64-aligned here, so base >= first. */
		pos = (base - bm->first) >> bm->shift;
		dirty_bitmap_or(bm, &bm->out[pos / 64], 1ULL << (pos % 64));
		if (pos != bm->last) {
			bm->found++;
			bm->last = pos;
		}
		return;
	}
	x = dirty_fold(x, bm->shift);
	/* A bit of 2^shift < 64 granules lies in one word: no repeats. */
	bm->found += dirty_popcount(x);
	if (base < bm->first) {
		/* First word of an unaligned range: lower bits are clear. */
		x >>= (bm->first - base) >> bm->shift;
		pos = 0;
	} else {
		pos = (base - bm->first) >> bm->shift;
	}
	off = pos % 64;
	dirty_bitmap_or(bm, &bm->out[pos / 64], x << off);
	if (off && (x >> (64 - off)))
		dirty_bitmap_or(bm, &bm->out[pos / 64 + 1], x >> (64 - off));
}

#endif /* IODIRTY_CORE_DIRTY_BITMAP_H */
