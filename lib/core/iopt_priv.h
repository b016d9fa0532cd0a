/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Private to the io-pagetable files (lib/core/iopt*.c).
 * Everything inside is counted in pages (address >> IOD_PAGE_SHIFT), which
 * keeps "first + npages" free of overflow even for a 64-bit IOVA space.
 */
#ifndef IODIRTY_CORE_IOPT_PRIV_H
#define IODIRTY_CORE_IOPT_PRIV_H

#include "iopt.h"

/* A linear run: IOVA pages [first, first + npages) -> user pages from ufirst. */
struct iod_area {
	struct iod_avl_node node;	/* in iopt->areas, by first */
	struct iod_avl_node unode;	/* in iopt->uareas, by ufirst */
	uint64_t first;
	uint64_t npages;		/* extent, holes included */
	uint64_t ufirst;
	uint64_t umax_end;		/* max ufirst + npages in unode's subtree */
	uint32_t prot;
};

static inline uint64_t area_end(const struct iod_area *a)
{
	return a->first + a->npages;
}

static inline uint64_t area_uend(const struct iod_area *a)
{
	return a->ufirst + a->npages;
}

/* @l and @r would form one linear run (adjacent, linear, same prot). */
static inline bool iopt_areas_linear(const struct iod_area *l,
				     const struct iod_area *r)
{
	return area_end(l) == r->first && area_uend(l) == r->ufirst &&
	       l->prot == r->prot;
}

static inline struct iod_area *area_of(struct iod_avl_node *n)
{
	return n ? iod_container_of(n, struct iod_area, node) : NULL;
}

static inline struct iod_area *uarea_of(struct iod_avl_node *n)
{
	return n ? iod_container_of(n, struct iod_area, unode) : NULL;
}

static inline struct iod_area *area_next(struct iod_area *a)
{
	return area_of(iod_avl_next(&a->node));
}

/*
 * Takes the write lock and changes iopt->gen, so that no per-thread hint
 * made before survives (iopt.c).
 */
void iopt_write_lock(struct iod_iopt *iopt);

/* Sums every slot of @iopt's counters into out[IOD_CNT_NR]. */
void iopt_counts_sum(struct iod_iopt *iopt, uint64_t *out);

/*
 * Adds @n to counter @idx of @iopt: a plain add to the calling thread's
 * own slot (no other thread writes it, so no atomic read-modify-write and
 * no shared cache line on the DMA path), or an atomic add to the shared
 * slot for a thread without one.
 */
static inline void iopt_count(struct iod_iopt *iopt, unsigned int idx,
			      uint64_t n)
{
	int s = iod_thread_slot();
	iod_atomic64_t *p;

	if (iod_likely(s >= 0)) {
		p = &iopt->counts[s].v[idx];
		iod_atomic_store_relaxed(p, iod_atomic_load_relaxed(p) + n);
	} else {
		iod_atomic_add(&iopt->counts[IOD_THREAD_SLOTS].v[idx], n);
	}
}

/* Tree maintenance (iopt.c). */
void iopt_uaug(struct iod_avl_node *n);
void iopt_area_link(struct iod_iopt *iopt, struct iod_area *a);
/*
 * The two halves of iopt_area_link(), for a vector map that files its new
 * areas by user address in user-address order, after all are in place.
 */
void iopt_area_link_iova(struct iod_iopt *iopt, struct iod_area *a);
void iopt_area_link_uaddr(struct iod_iopt *iopt, struct iod_area *a);
void iopt_area_unlink(struct iod_iopt *iopt, struct iod_area *a);
void iopt_area_urekey(struct iod_iopt *iopt, struct iod_area *a,
		      bool ufirst_changed);
/* Calls the unmap hook for each mapped run of pages [first, end) in @a. */
void iopt_area_unmapped_runs(struct iod_iopt *iopt, struct iod_area *a,
			     uint64_t first, uint64_t end);

/* First area whose extent ends after @page (it contains @page or follows). */
struct iod_area *iopt_area_from(struct iod_iopt *iopt, uint64_t page);

/* Number of mapped (non-hole) pages in [first, end). */
uint64_t iopt_present_pages(struct iod_iopt *iopt, uint64_t first,
			    uint64_t end);

/* Areas overlapping user pages [q0, q1), in user-address order. */
struct iod_area *iopt_uarea_first(struct iod_iopt *iopt, uint64_t q0,
				  uint64_t q1);
struct iod_area *iopt_uarea_next(struct iod_area *a, uint64_t q0, uint64_t q1);


/*
 * Access paths (iopt_dma.c). Checks that pages [first, end) are all
 * mapped, and with the @need permission bits: 0, -ENOENT or -EACCES (a
 * missing page wins over a missing permission).
 */
int iopt_check_mapped(struct iod_iopt *iopt, uint64_t first, uint64_t end,
		      uint32_t need);
/*
 * Granules [*g0, *g1) that a write of bytes [iova, iova + length) dirties:
 * those holding the bytes or, under the hardware model, their leaves.
 */
void iopt_write_granules(struct iod_iopt *iopt, uint64_t iova,
			 uint64_t length, uint64_t *g0, uint64_t *g1);

/*
 * Calls @piece for each run of bytes [iova, iova + length) (all mapped)
 * that is linear in user address, in IOVA order; stops at and returns a
 * non-zero return of @piece.
 */
int iopt_for_each_piece(struct iod_iopt *iopt, uint64_t iova,
			uint64_t length, iod_piece_fn piece, void *arg);

/* Mapping changes (iopt_map.c), shared with the vector calls (iopt_vec.c). */
/*
 * Unmapping this many pages or more from the middle of an area splits it in
 * two (one more area object, ~100 bytes) instead of recording the pages as
 * holes (2 bytes a page in a sparse chunk, at most 8 KiB per 256 MiB).
 */
#define IOPT_SPLIT_PAGES 512u

/* A map's argument checks, in the order the errnos take precedence. */
int iopt_map_check_args(const struct iod_iopt *iopt, uint64_t iova,
			uint64_t uaddr, uint64_t length, uint32_t prot);
/* A map's state checks for pages [first, end); lock held. */
int iopt_map_check_state(struct iod_iopt *iopt, uint64_t first,
			 uint64_t end);
/* An unmap's state checks; *@present receives the mapped pages. */
int iopt_unmap_check_state(struct iod_iopt *iopt, uint64_t first,
			   uint64_t end, bool bitmap, uint64_t *present);
/*
 * Takes pages [first, end) out of every area. An area that strictly
 * contains the range gets holes when @punch (the hole set was reserved for
 * the range) or is split using *@spare (then set to NULL) otherwise.
 * Calls the unmap hook for the mapped runs removed. Never allocates.
 */
void iopt_carve(struct iod_iopt *iopt, uint64_t first, uint64_t end,
		struct iod_area **spare, bool punch);
/* Merges @a with mergeable neighbours; never allocates. */
void iopt_merge_neighbours(struct iod_iopt *iopt, struct iod_area *a);

/* Reserved regions (iopt_resv.c). True if [first, end) pages hit one. */
bool iopt_resv_overlaps(const struct iod_iopt *iopt, uint64_t first,
			uint64_t end);
void iopt_resv_fini(struct iod_iopt *iopt);

/* Dirty state (iopt_dirty.c); each says which lock its caller holds. */
/*
 * Clears the dirty granules of pages [first, end) that no longer hold a
 * mapped page; under the write lock (an unmap).
 */
void iopt_dirty_forget(struct iod_iopt *iopt, uint64_t first, uint64_t end);
/*
 * Reports [iova, iova + length) (validated by the caller; 4 KiB multiples,
 * page_size multiples except for an unmap's report, see iod_iopt_unmap())
 * into @bitmap, adding what it found to @cnt; counts no read. Under the
 * read lock (a read) or the write lock (an unmap's report).
 */
void iopt_dirty_report(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		       uint64_t page_size, uint64_t *bitmap, bool clear,
		       struct iod_read_count *cnt);
/* Does the range cut a granule (granule larger than a page)? */
bool iopt_report_cuts_granule(const struct iod_iopt *iopt, uint64_t iova,
			      uint64_t length);
int iopt_dirty_check(struct iod_iopt *iopt);

/* Called for each mapped run: IOVA page, user page, number of pages. */
typedef void (*iopt_run_fn)(void *arg, uint64_t page, uint64_t upage,
			    uint64_t n);
/* Calls @fn for each mapped run of IOVA pages [p0, p1), in IOVA order. */
void iopt_present_runs(struct iod_iopt *iopt, uint64_t p0, uint64_t p1,
		       iopt_run_fn fn, void *arg);

/*
 * A user-address report (iod_iopt_read_dirty_uaddr()) of user pages
 * [q0, q1) into @bitmap, one bit per 2^@oshift pages, or into nothing
 * (@bitmap NULL) for a clear alone. A dirty granule cut by the query's
 * edges is cleared only if all its mapped pages map into @cover (sorted
 * disjoint runs of user pages) or, when @cover is NULL, into [q0, q1).
 * @newly receives the bits set from 0 to 1.
 */
struct iopt_uquery {
	uint64_t q0, q1;
	unsigned int oshift;
	uint64_t *bitmap;
	const struct iod_dirty_run *cover;
	size_t ncover;
	uint64_t newly;
};

/* Runs @q under the read lock, tracking on; returns granules cleared. */
uint64_t iopt_dirty_uaddr(struct iod_iopt *iopt, struct iopt_uquery *q,
			  bool clear);
/* Number of dirty granules (read lock is enough). */
uint64_t iopt_dirty_pending(struct iod_iopt *iopt);

/* Holds (iopt_hold.c), under the write lock. */
/*
 * Before an unmap of pages [first, end) changes anything: allocates the
 * dirty state of the held writable pages it will report (-ENOMEM).
 */
int iopt_holds_unmap_prepare(struct iod_iopt *iopt, uint64_t first,
			     uint64_t end, bool report);
/*
 * Makes the holds that overlap [first, end) stale and, with @report,
 * marks their mapped pages there dirty for the unmap's harvest.
 */
void iopt_holds_unmap(struct iod_iopt *iopt, uint64_t first, uint64_t end,
		      bool report);
/* Allocates the dirty state of every writable hold (tracking start). */
int iopt_holds_prepare_all(struct iod_iopt *iopt);

/* Hardware model (iopt_hw.c). */
/*
 * Widens the written pages [*first, *last] to whole leaves of the model;
 * does nothing without the model or while its leaves are split.
 */
void iopt_hw_write_span(struct iod_iopt *iopt, uint64_t *first,
			uint64_t *last);
/* Huge leaves in the table now (0 without the model or while split). */
uint64_t iopt_hw_huge_leaves(struct iod_iopt *iopt);
/* Splits (enable) or collapses (disable) leaves per the split policy. */
void iopt_hw_tracking(struct iod_iopt *iopt, bool enable);

#endif /* IODIRTY_CORE_IOPT_PRIV_H */
