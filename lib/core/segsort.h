/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Sorting the segments of a vector call by address: a radix sort of
 * (key, index) pairs, O(n) with a handful of passes, for vectors of up to
 * millions of segments where a comparison sort would cost more than the
 * mapping changes themselves.
 */
#ifndef IODIRTY_CORE_SEGSORT_H
#define IODIRTY_CORE_SEGSORT_H

#include "port.h"

struct iod_seg_key {
	uint64_t key;
	uintptr_t val;	/* carried along: an index, or a pointer */
};

/* Counters a sort needs (size_t each; 96 KiB, too much for a stack). */
#define IOD_SEG_SORT_COUNTS	(6u << 11)

/*
 * One allocation for a sort of @n keys: the input (the first @n), the
 * scratch (the next @n) and the counters after them; NULL if it fails or
 * its size would overflow. Freed with iod_free().
 */
struct iod_seg_key *iod_seg_keys_alloc(size_t n);

/*
 * Sorts @v (@n entries) by key, equal keys keeping their order, using @tmp
 * (@n entries) and @count (IOD_SEG_SORT_COUNTS entries, any content) as
 * scratch. Returns the array that holds the result, @v or @tmp. Allocates
 * nothing, so a change that must not fail half way can sort.
 */
struct iod_seg_key *iod_seg_sort(struct iod_seg_key *v,
				 struct iod_seg_key *tmp, size_t n,
				 size_t *count);

#endif /* IODIRTY_CORE_SEGSORT_H */
