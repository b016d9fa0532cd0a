/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Private to the hole set files: the chunk container that holeset.c
 * (set level) keeps in its tree and holeset_container.c implements.
 * Offsets are relative to a chunk: 0 <= lo < hi <= HS_CHUNK_PAGES.
 */
#ifndef IODIRTY_CORE_HOLESET_PRIV_H
#define IODIRTY_CORE_HOLESET_PRIV_H

#include "holeset.h"

#define HS_CHUNK_SHIFT	16u
#define HS_CHUNK_PAGES	(1u << HS_CHUNK_SHIFT)
#define HS_CHUNK_MASK	((uint64_t)HS_CHUNK_PAGES - 1)
#define HS_BITMAP_WORDS	(HS_CHUNK_PAGES / 64u)
#define HS_BITMAP_BYTES	(HS_BITMAP_WORDS * sizeof(uint64_t))
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

static inline bool hs_is_bitmap(const struct hs_chunk *c)
{
	return !c->cap;
}

static inline uint64_t hs_data_bytes(const struct hs_chunk *c)
{
	return hs_is_bitmap(c) ? HS_BITMAP_BYTES :
				 (uint64_t)c->cap * sizeof(uint16_t);
}

/*
 * Lifetime (holeset_container.c). The set links the container into its
 * tree and accounts sizeof(*c) + hs_data_bytes(c) in hs->mem_bytes.
 */
struct hs_chunk *hs_chunk_alloc(uint32_t lo, uint32_t hi);
void hs_chunk_free(struct hs_chunk *c);

/* Queries on offsets [lo, hi); the searches return HS_NONE if none. */
uint32_t hs_chunk_count(const struct hs_chunk *c, uint32_t lo, uint32_t hi);
bool hs_chunk_test(const struct hs_chunk *c, uint32_t off);
uint32_t hs_chunk_next_set(const struct hs_chunk *c, uint32_t lo,
			   uint32_t hi);
uint32_t hs_chunk_next_clear(const struct hs_chunk *c, uint32_t lo,
			     uint32_t hi);
uint32_t hs_chunk_prev_clear(const struct hs_chunk *c, uint32_t lo,
			     uint32_t hi);

/* Changes; they return the pages added or removed. Never allocate. */
uint32_t hs_chunk_fill(struct hs_chunk *c, uint32_t lo, uint32_t hi);
uint32_t hs_chunk_clear(struct hs_chunk *c, uint32_t lo, uint32_t hi);

/* Resizing and conversion; they keep hs->mem_bytes up to date. */
int hs_chunk_prepare(struct iod_holeset *hs, struct hs_chunk *c,
		     uint32_t lo, uint32_t hi);
/* Makes room in @c for @need pages in all (need <= HS_CHUNK_PAGES). */
int hs_chunk_reserve(struct iod_holeset *hs, struct hs_chunk *c,
		     uint32_t need);
void hs_chunk_shrink(struct iod_holeset *hs, struct hs_chunk *c);

/* Internal invariants of one container, for iod_holeset_check(). */
bool hs_chunk_check(const struct hs_chunk *c);

#endif /* IODIRTY_CORE_HOLESET_PRIV_H */
