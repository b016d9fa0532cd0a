// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Least-significant-digit radix sort of (key, index) pairs, 11 bits a
 * pass. All histograms are taken in one read of the input, and a pass
 * whose digit is the same for every key (the high bits of page numbers,
 * usually) is skipped, so a vector within 1 TiB of IOVA takes three.
 */
#include "segsort.h"

#define DIGIT_BITS	11u
#define DIGITS		((64u + DIGIT_BITS - 1) / DIGIT_BITS)
#define BUCKETS		(1u << DIGIT_BITS)

static unsigned int digit(uint64_t key, unsigned int d)
{
	return (unsigned int)(key >> (d * DIGIT_BITS)) & (BUCKETS - 1);
}

_Static_assert(IOD_SEG_SORT_COUNTS == DIGITS * BUCKETS,
	       "IOD_SEG_SORT_COUNTS");

struct iod_seg_key *iod_seg_sort(struct iod_seg_key *v,
				 struct iod_seg_key *tmp, size_t n,
				 size_t *counts)
{
	size_t (*count)[BUCKETS] = (size_t (*)[BUCKETS])counts;
	struct iod_seg_key *src = v, *dst = tmp, *t;
	unsigned int d, b;
	size_t i, sum;

	iod_memset(counts, 0, IOD_SEG_SORT_COUNTS * sizeof(size_t));
	for (i = 0; i < n; i++)
		for (d = 0; d < DIGITS; d++)
			count[d][digit(v[i].key, d)]++;
	for (d = 0; d < DIGITS; d++) {
		if (n && count[d][digit(v[0].key, d)] == n)
			continue;	/* one bucket: this pass moves nothing */
		for (b = 0, sum = 0; b < BUCKETS; b++) {
			size_t c = count[d][b];

			count[d][b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[d][digit(src[i].key, d)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	return src;
}

struct iod_seg_key *iod_seg_keys_alloc(size_t n)
{
	size_t cnt = IOD_SEG_SORT_COUNTS * sizeof(size_t);

	if (n > (SIZE_MAX - cnt) / (2 * sizeof(struct iod_seg_key)))
		return NULL;
	return iod_alloc(2 * n * sizeof(struct iod_seg_key) + cnt);
}
