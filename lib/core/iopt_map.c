// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * io-pagetable mapping changes: map (including filling holes), unmap
 * (whole areas, trims, hole punching, splits) and the merge of neighbours.
 *
 * Every change first allocates all it may need, then mutates with
 * operations that cannot fail, so an -ENOMEM leaves the table untouched.
 */
#include "iopt_priv.h"

static bool can_merge(const struct iod_area *l, const struct iod_area *r)
{
	return iopt_areas_linear(l, r);
}

/*
 * Restores "first and last page of an area are mapped": trims leading and
 * trailing holes off @a (dropping them from the hole set), frees @a if it
 * has no mapped page left. Never allocates.
 */
static void area_normalize(struct iod_iopt *iopt, struct iod_area *a)
{
	uint64_t end = area_end(a);
	uint64_t s = iod_holeset_next_present(&iopt->holes, a->first, end);
	uint64_t e;

	if (s >= end) {
		iod_holeset_remove(&iopt->holes, a->first, end);
		iopt_area_unlink(iopt, a);
		iod_free(a);
		return;
	}
	e = iod_holeset_prev_present(&iopt->holes, s, end) + 1;
	if (s == a->first && e == end)
		return;
	iod_holeset_remove(&iopt->holes, a->first, s);
	iod_holeset_remove(&iopt->holes, e, end);
	a->ufirst += s - a->first;
	a->npages = e - s;
	iopt_area_urekey(iopt, a, s != a->first);
	a->first = s;
}

/* Trims pages [first, area_end(a)) off the end of @a. */
static void area_cut_tail(struct iod_iopt *iopt, struct iod_area *a,
			  uint64_t first)
{
	iod_holeset_remove(&iopt->holes, first, area_end(a));
	a->npages = first - a->first;
	iopt_area_urekey(iopt, a, false);
	area_normalize(iopt, a);
}

/* Trims pages [a->first, end) off the start of @a. */
static void area_cut_head(struct iod_iopt *iopt, struct iod_area *a,
			  uint64_t end)
{
	uint64_t delta = end - a->first;

	iod_holeset_remove(&iopt->holes, a->first, end);
	a->first = end;
	a->ufirst += delta;
	a->npages -= delta;
	iopt_area_urekey(iopt, a, true);
	area_normalize(iopt, a);
}

/* Removes [first, end) from the middle of @a, the right part going to @r. */
static void area_split(struct iod_iopt *iopt, struct iod_area *a,
		       uint64_t first, uint64_t end, struct iod_area *r)
{
	r->first = end;
	r->npages = area_end(a) - end;
	r->ufirst = a->ufirst + (end - a->first);
	r->prot = a->prot;
	a->npages = first - a->first;
	iod_holeset_remove(&iopt->holes, first, end);
	iopt_area_urekey(iopt, a, false);
	iopt_area_link(iopt, r);
	area_normalize(iopt, a);
	area_normalize(iopt, r);
}

/*
 * Takes pages [first, end) out of every area. An area that strictly
 * contains the range gets holes when @punch (the hole set was reserved for
 * the range) or is split using *@spare otherwise. Calls the unmap hook for
 * the mapped runs removed.
 */
void iopt_carve(struct iod_iopt *iopt, uint64_t first, uint64_t end,
		  struct iod_area **spare, bool punch)
{
	struct iod_area *a = iopt_area_from(iopt, first), *next;

	for (; a && a->first < end; a = next) {
		next = area_next(a);
		iopt_area_unmapped_runs(iopt, a, iod_max_u64(a->first, first),
					iod_min_u64(area_end(a), end));
		if (a->first >= first && area_end(a) <= end) {
			iod_holeset_remove(&iopt->holes, a->first, area_end(a));
			iopt_area_unlink(iopt, a);
			iod_free(a);
		} else if (a->first < first && area_end(a) > end) {
			if (punch) {
				iod_holeset_add(&iopt->holes, first, end);
			} else {
				area_split(iopt, a, first, end, *spare);
				*spare = NULL;
			}
		} else if (a->first < first) {
			area_cut_tail(iopt, a, first);
		} else {
			area_cut_head(iopt, a, end);
		}
	}
}

/* Merges @a with mergeable neighbours; never allocates. */
void iopt_merge_neighbours(struct iod_iopt *iopt, struct iod_area *a)
{
	struct iod_area *prev = area_of(iod_avl_prev(&a->node));
	struct iod_area *next = area_next(a);

	if (iopt->p.keep_areas)
		return;
	if (next && can_merge(a, next)) {
		a->npages += next->npages;
		iopt_area_unlink(iopt, next);
		iod_free(next);
		iopt_area_urekey(iopt, a, false);
	}
	if (prev && can_merge(prev, a)) {
		prev->npages += a->npages;
		iopt_area_unlink(iopt, a);
		iod_free(a);
		iopt_area_urekey(iopt, prev, false);
	}
}

/* The argument checks of a map, in the order the errnos take precedence. */
int iopt_map_check_args(const struct iod_iopt *iopt, uint64_t iova,
			  uint64_t uaddr, uint64_t length, uint32_t prot)
{
	int ret;

	if (prot & ~(IOD_PROT_READ | IOD_PROT_WRITE))
		return -EOPNOTSUPP;
	ret = iod_check_range(iova, length, IOD_PAGE_SIZE, iopt->p.iova_bits);
	if (!ret)
		ret = iod_check_range(uaddr, length, IOD_PAGE_SIZE, 64);
	if (ret)
		return ret;
	if (!prot)
		return -EINVAL;
	/*
	 * Page 0 is never mappable by a process (mmap_min_addr), so a NULL
	 * address is a caller's mistake; the kernel module would fail to pin
	 * it, and so every backend says so, before looking at the state.
	 */
	return uaddr ? 0 : -EFAULT;
}

/* The state checks of a map of pages [first, end); lock held. */
int iopt_map_check_state(struct iod_iopt *iopt, uint64_t first,
			   uint64_t end)
{
	if (iopt_resv_overlaps(iopt, first, end))
		return -EADDRNOTAVAIL;
	if (iopt_present_pages(iopt, first, end))
		return -EEXIST;
	return 0;
}

int iod_iopt_map_check(struct iod_iopt *iopt, uint64_t iova, uint64_t uaddr,
		       uint64_t length, uint32_t prot)
{
	uint64_t first = iova >> IOD_PAGE_SHIFT;
	int ret;

	ret = iopt_map_check_args(iopt, iova, uaddr, length, prot);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	ret = iopt_map_check_state(iopt, first,
				   first + (length >> IOD_PAGE_SHIFT));
	iod_read_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_map(struct iod_iopt *iopt, uint64_t iova, uint64_t uaddr,
		 uint64_t length, uint32_t prot)
{
	struct iod_area *a, *new = NULL, *spare = NULL;
	uint64_t first, end, ufirst;
	int ret;

	ret = iopt_map_check_args(iopt, iova, uaddr, length, prot);
	if (ret)
		return ret;
	first = iova >> IOD_PAGE_SHIFT;
	end = first + (length >> IOD_PAGE_SHIFT);
	ufirst = uaddr >> IOD_PAGE_SHIFT;

	iopt_write_lock(iopt);
	ret = iopt_map_check_state(iopt, first, end);
	if (ret)
		goto out;
	a = iopt_area_from(iopt, first);
	/* Only holes in range, so an area holding it extends past both ends. */
	if (a && a->first < first && area_end(a) > end) {
		if (a->ufirst + (first - a->first) == ufirst &&
		    a->prot == prot) {
			/* Re-mapping holes with the same linear target. */
			iod_holeset_remove(&iopt->holes, first, end);
			iopt->mapped_pages += end - first;
			goto out;
		}
		spare = iod_zalloc(sizeof(*spare));
		if (!spare) {
			ret = -ENOMEM;
			goto out;
		}
	}
	new = iod_zalloc(sizeof(*new));
	if (!new) {
		ret = -ENOMEM;
		goto out;
	}
	iopt_carve(iopt, first, end, &spare, false);
	new->first = first;
	new->npages = end - first;
	new->ufirst = ufirst;
	new->prot = prot;
	iopt_area_link(iopt, new);
	iopt->mapped_pages += end - first;
	iopt_merge_neighbours(iopt, new);
out:
	iod_free(spare);
	iod_write_unlock(&iopt->lock);
	return ret;
}

/* True if unmapping pages [first, end) would leave part of an area mapped. */
static bool cuts_area(struct iod_iopt *iopt, uint64_t first, uint64_t end)
{
	struct iod_area *a = iopt_area_from(iopt, first);

	if (a && a->first < first && a->first < end)
		return true;
	a = iopt_area_from(iopt, end - 1);
	return a && a->first < end && area_end(a) > end;
}

int iod_iopt_unmap_check_args(const struct iod_iopt *iopt, uint64_t iova,
			      uint64_t length, uint64_t page_size,
			      bool report)
{
	int ret;

	ret = iod_check_range(iova, length, IOD_PAGE_SIZE, iopt->p.iova_bits);
	if (ret)
		return ret;
	/* The report may cut report pages (see iod_iopt_unmap()). */
	if (report && (!iod_is_pow2(page_size) ||
		       page_size < (1ULL << iopt->p.granule_shift)))
		return -EINVAL;
	return 0;
}

/* The state checks of an unmap of pages [first, end); lock held. */
int iopt_unmap_check_state(struct iod_iopt *iopt, uint64_t first,
			     uint64_t end, bool bitmap, uint64_t *present)
{
	if (bitmap && !iopt->tracking)
		return -ENODATA;
	*present = iopt_present_pages(iopt, first, end);
	if (!*present)
		return -ENOENT;
	if (iopt->p.keep_areas && cuts_area(iopt, first, end))
		return -EOPNOTSUPP;
	return 0;
}

int iod_iopt_unmap_check(struct iod_iopt *iopt, uint64_t iova,
			 uint64_t length, uint64_t page_size,
			 const uint64_t *bitmap)
{
	uint64_t first = iova >> IOD_PAGE_SHIFT, present;
	int ret;

	ret = iod_iopt_unmap_check_args(iopt, iova, length, page_size, bitmap);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	ret = iopt_unmap_check_state(iopt, first,
				     first + (length >> IOD_PAGE_SHIFT), bitmap,
				     &present);
	iod_read_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_unmap(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		   uint64_t page_size, uint64_t *bitmap, uint64_t *unmapped)
{
	return iod_iopt_unmap_counted(iopt, iova, length, page_size, bitmap,
				      unmapped, NULL);
}

int iod_iopt_unmap_counted(struct iod_iopt *iopt, uint64_t iova,
			   uint64_t length, uint64_t page_size,
			   uint64_t *bitmap, uint64_t *unmapped,
			   struct iod_read_count *cnt)
{
	struct iod_read_count rc = { 0, 0, false };
	struct iod_area *a, *spare = NULL;
	uint64_t first, end, present;
	bool punch = false;
	int ret;

	ret = iod_iopt_unmap_check_args(iopt, iova, length, page_size, bitmap);
	if (ret)
		return ret;
	first = iova >> IOD_PAGE_SHIFT;
	end = first + (length >> IOD_PAGE_SHIFT);

	iopt_write_lock(iopt);
	ret = iopt_unmap_check_state(iopt, first, end, bitmap, &present);
	if (ret)
		goto out;
	a = iopt_area_from(iopt, first);
	if (a->first < first && area_end(a) > end) {
		punch = end - first < IOPT_SPLIT_PAGES;
		if (punch) {
			ret = iod_holeset_reserve(&iopt->holes, first, end);
		} else {
			spare = iod_zalloc(sizeof(*spare));
			ret = spare ? 0 : -ENOMEM;
		}
		if (ret)
			goto out;
	}
	ret = iopt_holds_unmap_prepare(iopt, first, end, bitmap);
	if (ret) {
		if (punch)
			iod_holeset_unreserve(&iopt->holes);
		goto out;
	}
	/* Nothing below can fail: harvest and removal are one step. */
	iopt_holds_unmap(iopt, first, end, bitmap);
	if (bitmap) {
		iopt_dirty_report(iopt, iova, length, page_size, bitmap, true,
				  &rc);
		iod_iopt_count_read(iopt, &rc);
		if (cnt)
			*cnt = rc;
	}
	iopt_carve(iopt, first, end, &spare, punch);
	iopt->mapped_pages -= present;
	/* A report leaves dirty only the granules cut by the edges. */
	if (iopt->tracking &&
	    (!bitmap || iopt_report_cuts_granule(iopt, iova, length)))
		iopt_dirty_forget(iopt, first, end);
	if (unmapped)
		*unmapped = present << IOD_PAGE_SHIFT;
out:
	iod_free(spare);
	iod_write_unlock(&iopt->lock);
	return ret;
}
