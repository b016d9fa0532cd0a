// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: bitmaps in the layout libiodirty reports dirty pages in:
 * bit i is bit (i % 64) of uint64_t word i / 64.
 */
#ifndef IODIRTY_CTL_BITMAP_H
#define IODIRTY_CTL_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Number of uint64_t words that hold @bits bits. */
uint64_t bm_words(uint64_t bits);

/* A zeroed bitmap of @bits bits, or NULL when out of memory. */
uint64_t *bm_alloc(uint64_t bits);
void bm_free(uint64_t *bm);
void bm_clear(uint64_t *bm, uint64_t bits);
void bm_set(uint64_t *bm, uint64_t bit);
void bm_unset(uint64_t *bm, uint64_t bit);
bool bm_test(const uint64_t *bm, uint64_t bit);
uint64_t bm_count(const uint64_t *bm, uint64_t bits);
/* Number of bits set in @a and clear in @b. */
uint64_t bm_count_andnot(const uint64_t *a, const uint64_t *b, uint64_t bits);
/* Next set bit at or after @from, or @bits when there is none. */
uint64_t bm_next(const uint64_t *bm, uint64_t bits, uint64_t from);
/* Next bit set in @a and clear in @b at or after @from, or @bits. */
uint64_t bm_next_andnot(const uint64_t *a, const uint64_t *b, uint64_t bits,
			uint64_t from);

#endif /* IODIRTY_CTL_BITMAP_H */
