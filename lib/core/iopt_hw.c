// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Hardware model: the io-pagetable seen as an IOMMU page table, so that
 * VMM code can be tested against the granularity real IOMMUs report.
 *
 * Leaves are not stored: a block of 2 MiB or 1 GiB is a huge leaf when it
 * lies inside one area, holds no hole, and its IOVA and user address are
 * both aligned to its size, which is what a driver mapping with the largest
 * page size would have built (and, after a hole punch, split). While the
 * model's leaves are split (eager split policy, tracking on), every leaf is
 * 4 KiB. Dirty state stays per granule: a write marks every granule of its
 * leaf, and reads and clears work on the granules of the range asked for,
 * so the part of a dirty huge leaf outside a read stays dirty.
 */
#include "iopt_priv.h"

#define HW_2M_PAGES (1ULL << (21 - IOD_PAGE_SHIFT))
#define HW_1G_PAGES (1ULL << (30 - IOD_PAGE_SHIFT))

/* Is the @blk-page block at @b (aligned) a huge leaf of area @a? */
static bool huge_leaf(struct iod_iopt *iopt, const struct iod_area *a,
		      uint64_t b, uint64_t blk)
{
	return b >= a->first && b + blk <= area_end(a) &&
	       !((a->ufirst - a->first) & (blk - 1)) &&
	       iod_holeset_next_hole(&iopt->holes, b, b + blk) == b + blk;
}

/*
 * Expands page @p to the pages [*s, *e) of its leaf; @a is the first area
 * that ends after @p (NULL if none: @p is not mapped, its own leaf).
 */
static void leaf_of(struct iod_iopt *iopt, const struct iod_area *a,
		    uint64_t p, uint64_t *s, uint64_t *e)
{
	uint64_t blk;

	*s = p;
	*e = p + 1;
	if (!iopt->p.hw_model || iopt->hw_split || !a)
		return;
	for (blk = HW_1G_PAGES; blk >= HW_2M_PAGES; blk >>= 9) {
		uint64_t b = p & ~(blk - 1);

		if (huge_leaf(iopt, a, b, blk)) {
			*s = b;
			*e = b + blk;
			return;
		}
	}
}

void iopt_hw_write_span(struct iod_iopt *iopt, uint64_t *first,
			uint64_t *last)
{
	uint64_t s, e;

	if (!iopt->p.hw_model || iopt->hw_split)
		return;
	/*
	 * Leaves nest (1 GiB blocks hold 2 MiB blocks), so every leaf met by
	 * the range lies between the leaf of its first page and that of its
	 * last one.
	 */
	leaf_of(iopt, iopt_area_from(iopt, *first), *first, &s, &e);
	*first = s;
	leaf_of(iopt, iopt_area_from(iopt, *last), *last, &s, &e);
	*last = e - 1;
}

/* Number of huge leaves of area @a. */
static uint64_t area_huge_leaves(struct iod_iopt *iopt,
				 const struct iod_area *a)
{
	uint64_t b = (a->first + HW_2M_PAGES - 1) & ~(HW_2M_PAGES - 1);
	uint64_t n = 0;

	while (b + HW_2M_PAGES <= area_end(a)) {
		if (!(b & (HW_1G_PAGES - 1)) &&
		    huge_leaf(iopt, a, b, HW_1G_PAGES)) {
			n++;
			b += HW_1G_PAGES;
			continue;
		}
		if (huge_leaf(iopt, a, b, HW_2M_PAGES))
			n++;
		b += HW_2M_PAGES;
	}
	return n;
}

uint64_t iopt_hw_huge_leaves(struct iod_iopt *iopt)
{
	struct iod_area *a;
	uint64_t n = 0;

	if (!iopt->p.hw_model || iopt->hw_split)
		return 0;
	for (a = area_of(iod_avl_first(&iopt->areas)); a; a = area_next(a))
		n += area_huge_leaves(iopt, a);
	return n;
}

void iopt_hw_tracking(struct iod_iopt *iopt, bool enable)
{
	if (!iopt->p.hw_model || !iopt->p.hw_split_eager)
		return;
	if (enable) {
		iopt->hw_splits += iopt_hw_huge_leaves(iopt);
		iopt->hw_split = true;
	} else {
		iopt->hw_split = false;
		iopt->hw_collapses += iopt_hw_huge_leaves(iopt);
	}
}
