// SPDX-License-Identifier: MIT
/*
 * iodirty-bench: the hot-path baselines, written for this bench.
 *
 * Baseline 1, "lean flat byte map": a lower bound of the libvfio-user
 * design. Per region (mapping) one byte per 8 pages, the page's bit found
 * by shifts ((iova - region) >> 12, then >> 3 for the byte, & 7 for the
 * bit); a mark is one unconditional __atomic_fetch_or on that byte. A range
 * mark ORs one mask per byte it covers (16 pages aligned to 8: 2 ORs), the
 * leanest a byte map can do. Translation is the region lookup: a
 * thread-local hint (the last region this thread used, and its map),
 * falling back to a binary search of the regions sorted by IOVA.
 *
 * Baseline 2, "flat bitmap": one bit per page of one contiguous range, a
 * mark is one atomic OR of a 64-bit word (no lookup at all).
 *
 * Every entry point is a real call into this file (the bench is built
 * without LTO, and each is marked noinline), as a library call would be:
 * the loops that call them and iodirty_mark_dirty() are the same.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BM_PAGE_SHIFT 12

static _Thread_local struct {
	const struct bytemap *map;
	const struct bm_region *r;
} bm_hint;

static int cmp_region(const void *a, const void *b)
{
	const struct bm_region *x = a, *y = b;

	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

void bytemap_init(struct bytemap *m, const struct bm_region *regions,
		  size_t n)
{
	size_t i;

	m->r = calloc(n ? n : 1, sizeof(*m->r));
	if (!m->r)
		die("out of memory");
	memcpy(m->r, regions, n * sizeof(*m->r));
	qsort(m->r, n, sizeof(*m->r), cmp_region);
	m->n = n;
	for (i = 0; i < n; i++) {
		struct bm_region *r = &m->r[i];

		if ((r->iova | r->length | r->uaddr) & (PAGE - 1) ||
		    !r->length)
			die("bytemap: unaligned region");
		if (i && r->iova < m->r[i - 1].iova + m->r[i - 1].length)
			die("bytemap: overlapping regions");
		r->bytes = ((r->length >> BM_PAGE_SHIFT) + 7) / 8;
		/* Faulted in now, not in a timed run. */
		r->bits = mem_reserve_rw(r->bytes);
		memset(r->bits, 0, r->bytes);
	}
	bm_hint.map = NULL;
}

void bytemap_fini(struct bytemap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		mem_free(m->r[i].bits, m->r[i].bytes);
	free(m->r);
	m->r = NULL;
	m->n = 0;
	bm_hint.map = NULL;
}

void bytemap_clear(struct bytemap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		memset(m->r[i].bits, 0, m->r[i].bytes);
}

uint64_t bytemap_weight(const struct bytemap *m)
{
	uint64_t n = 0;
	size_t i, j;

	for (i = 0; i < m->n; i++)
		for (j = 0; j < m->r[i].bytes; j++)
			n += popcount64(m->r[i].bits[j]);
	return n;
}

/* The region holding @iova, or NULL: the hint, then a binary search. */
static inline const struct bm_region *bm_lookup(const struct bytemap *m,
						uint64_t iova)
{
	const struct bm_region *r = bm_hint.r;
	size_t lo = 0, hi = m->n;

	if (__builtin_expect(bm_hint.map == m && iova - r->iova < r->length,
			     1))
		return r;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		r = &m->r[mid];
		if (iova < r->iova)
			hi = mid;
		else if (iova - r->iova >= r->length)
			lo = mid + 1;
		else {
			bm_hint.map = m;
			bm_hint.r = r;
			return r;
		}
	}
	return NULL;
}

/* Pages [p0, p1] of @r, one OR per byte. */
static inline void bm_mark_pages(const struct bm_region *r, uint64_t p0,
				 uint64_t p1)
{
	uint8_t *bits = r->bits;

	if (__builtin_expect(p0 == p1, 1)) {
		__atomic_fetch_or(&bits[p0 >> 3], (uint8_t)(1u << (p0 & 7)),
				  __ATOMIC_RELAXED);
		return;
	}
	while (p0 <= p1) {
		uint64_t last = p0 | 7;
		unsigned int lo = (unsigned int)(p0 & 7);
		unsigned int hi = (unsigned int)((last < p1 ? last : p1) & 7);
		uint8_t mask = (uint8_t)((0xffu >> (7 - hi)) & (0xffu << lo));

		__atomic_fetch_or(&bits[p0 >> 3], mask, __ATOMIC_RELAXED);
		p0 = last + 1;
	}
}

__attribute__((noinline))
int bytemap_mark(const struct bytemap *m, uint64_t iova, uint64_t length)
{
	const struct bm_region *r = bm_lookup(m, iova);
	uint64_t off;

	if (__builtin_expect(!r, 0))
		return -2;	/* -ENOENT */
	off = iova - r->iova;
	if (__builtin_expect(!length || length > r->length - off, 0))
		return -22;	/* -EINVAL: one region per call, enough here */
	bm_mark_pages(r, off >> BM_PAGE_SHIFT,
		      (off + length - 1) >> BM_PAGE_SHIFT);
	return 0;
}

__attribute__((noinline))
int bytemap_translate(const struct bytemap *m, uint64_t iova,
		      uint64_t length, void **addr)
{
	const struct bm_region *r = bm_lookup(m, iova);
	uint64_t off;

	if (__builtin_expect(!r, 0))
		return -2;
	off = iova - r->iova;
	if (__builtin_expect(!length || length > r->length - off, 0))
		return -22;
	*addr = (void *)(uintptr_t)(r->uaddr + off);
	return 0;
}

__attribute__((noinline))
int bytemap_dma_write(const struct bytemap *m, uint64_t iova,
		      const void *buf, uint64_t length)
{
	const struct bm_region *r = bm_lookup(m, iova);
	void *dst;
	uint64_t off;

	if (__builtin_expect(!r, 0))
		return -2;
	off = iova - r->iova;
	if (__builtin_expect(!length || length > r->length - off, 0))
		return -22;
	dst = (void *)(uintptr_t)(r->uaddr + off);
	if (length == 8)
		memcpy(dst, buf, 8);	/* one 8-byte store */
	else
		memcpy(dst, buf, length);
	bm_mark_pages(r, off >> BM_PAGE_SHIFT,
		      (off + length - 1) >> BM_PAGE_SHIFT);
	return 0;
}

__attribute__((noinline))
int bytemap_write_gather_page(const struct bytemap *m,
			      const struct iodirty_dma_seg *segs,
			      size_t nr_segs)
{
	const struct bm_region *r = bm_lookup(m, segs[0].iova);
	uint64_t off;
	char *dst;
	size_t i;

	/* One translate + 8-byte store + mark, as bytemap_dma_write()... */
	if (__builtin_expect(!r, 0))
		return -2;
	off = segs[0].iova - r->iova;
	if (__builtin_expect(8 > r->length - off, 0))
		return -22;
	dst = (char *)(uintptr_t)(r->uaddr + off);
	memcpy(dst, segs[0].buf, 8);
	/*
	 * ...plus the other segments' 8-byte copies into the page translated
	 * above (the caller guarantees that they all lie in it).
	 */
	for (i = 1; i < nr_segs; i++)
		memcpy(dst + (segs[i].iova - segs[0].iova), segs[i].buf, 8);
	bm_mark_pages(r, off >> BM_PAGE_SHIFT, off >> BM_PAGE_SHIFT);
	return 0;
}

__attribute__((noinline))
void flatmap_mark(const struct flatmap *f, uint64_t iova)
{
	uint64_t p = (iova - f->iova) >> BM_PAGE_SHIFT;

	__atomic_fetch_or(&f->words[p >> 6], 1ULL << (p & 63),
			  __ATOMIC_RELAXED);
}

void flatmap_init(struct flatmap *f, uint64_t iova, uint64_t length)
{
	f->iova = iova;
	f->bytes = ((length >> BM_PAGE_SHIFT) + 63) / 64 * 8;
	f->words = mem_reserve_rw(f->bytes);
	memset(f->words, 0, f->bytes);
}

void flatmap_fini(struct flatmap *f)
{
	mem_free(f->words, f->bytes);
	f->words = NULL;
}

void flatmap_clear(struct flatmap *f)
{
	memset(f->words, 0, f->bytes);
}
