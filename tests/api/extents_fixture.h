// SPDX-License-Identifier: MIT
/*
 * Fixture of the extents and put-back tests (test_extents.c,
 * test_set_dirty.c): a domain with RAM mapped through several IOVAs
 * (aliases, IOVA-adjacent pieces of distant RAM, a hole), random and
 * clustered marks, and conversions between extents and bitmaps.
 */
#ifndef IODIRTY_TESTS_API_EXTENTS_FIXTURE_H
#define IODIRTY_TESTS_API_EXTENTS_FIXTURE_H

#include "helpers.h"

/* RAM of the fixture and the IOVA range that covers every mapping. */
#define XFX_RAM_PAGES	2048u			/* 8 MiB */
#define XFX_IOVA	(1ULL << 30)
#define XFX_IOVA_LEN	(2ULL << 30)

struct xfx {
	struct iodirty_domain *dom;
	uint8_t *ram;
	uint64_t granule;
};

/*
 * Skips unless the backend has @caps, tracking, the granule and (with
 * @hw) IODIRTY_CAP_HW_MODEL. Maps the RAM: all of it at XFX_IOVA, 2 MiB of
 * it again at XFX_IOVA + 1 GiB, two 8-page pieces of distant RAM next to
 * each other in IOVA at XFX_IOVA + 16 MiB and (with partial unmap) a
 * 4-page hole at page 700. Tracking is on.
 */
void xfx_setup(struct xfx *f, uint64_t caps, uint64_t granule, bool hw);
/* The same mappings on @f's RAM in a second domain @g. */
void xfx_twin(const struct xfx *f, struct xfx *g, bool hw);
void xfx_teardown(struct xfx *f);
/* Frees @g's domain only (the RAM is @f's). */
void xfx_twin_teardown(struct xfx *g);

/* Marks random pages and runs (seeded); the same calls on every @dom. */
void xfx_mark_random(struct iodirty_domain **dom, size_t ndom,
		     uint64_t seed, unsigned int npages, unsigned int nruns);
/* Marks every mapped page. */
void xfx_mark_all(struct iodirty_domain *dom);

/* The range a test reads: IOVA, or the RAM (user address). */
uint64_t xfx_base(const struct xfx *f, bool uaddr);
uint64_t xfx_len(bool uaddr);

/*
 * Bitmap read of [base, base + len) at @ps (IOVA, or user address with
 * @uaddr), into a calloc'ed bitmap. Asserts success.
 */
uint64_t *xfx_bitmap(struct iodirty_domain *dom, bool uaddr, uint64_t base,
		     uint64_t len, uint64_t ps, uint32_t flags);

/*
 * Reads [base, base + len) as extents with an array of @nr entries,
 * resuming from *next until the range is done, and returns them as a
 * bitmap at @ps. Asserts that every extent is @ps-aligned, inside the
 * range, after the previous one and not adjacent to it within one call,
 * and that *next moves forward.
 */
uint64_t *xfx_extents(struct iodirty_domain *dom, bool uaddr, uint64_t base,
		      uint64_t len, uint64_t ps, size_t nr, uint32_t flags);

/* Asserts that two bitmaps of @bits bits are equal, naming the first
 * difference. */
void xfx_assert_bits(const uint64_t *got, const uint64_t *exp, uint64_t bits,
		     const char *what);

#endif /* IODIRTY_TESTS_API_EXTENTS_FIXTURE_H */
