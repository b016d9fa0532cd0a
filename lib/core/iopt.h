/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The io-pagetable: one IO address space with its areas (linear runs
 * IOVA -> user address), holes, reserved regions and dirty state.
 *
 * Every function validates its arguments itself and returns the errno the
 * public API documents, so that the kernel module, which receives raw
 * uAPI input, gets the same checks as the library. A failing call changes
 * nothing.
 *
 * Invariants (checked by iod_iopt_check() in tests):
 * - areas do not overlap in IOVA and are ordered by IOVA;
 * - an area's first and last pages are mapped (holes are strictly inside);
 * - the hole set holds only pages inside some area;
 * - dirty bits are only set on granules that contain a mapped page;
 * - two areas adjacent in IOVA, linear in address and equal in
 *   permissions are merged into one (unless keep_areas is set).
 */
#ifndef IODIRTY_CORE_IOPT_H
#define IODIRTY_CORE_IOPT_H

#include "avl.h"
#include "dirty.h"
#include "holeset.h"

#define IOD_PAGE_SHIFT	12u
#define IOD_PAGE_SIZE	(1ULL << IOD_PAGE_SHIFT)

#define IOD_PROT_READ	(1u << 0)
#define IOD_PROT_WRITE	(1u << 1)

#define IOD_RESV_MSI	1u
#define IOD_RESV_DIRECT	2u

#define IOD_READ_NO_CLEAR (1u << 0)	/* == IODIRTY_READ_NO_CLEAR */
#define IOD_READ_COUNT_ALL (1u << 1)	/* == IODIRTY_READ_COUNT_ALL */
#define IOD_READ_UADDR	(1u << 2)	/* == IODIRTY_READ_UADDR */

/*
 * What a dirty report found: the bits it turned on in the caller's bitmap,
 * the bits it found dirty (set before or not), and whether it cleared a
 * dirty granule (the IOTLB flush a hardware IOMMU would need).
 */
struct iod_read_count {
	uint64_t set;
	uint64_t found;
	bool cleared;
};

struct iod_range {
	uint64_t start;
	uint64_t last;		/* inclusive */
	uint32_t type;
	uint32_t reserved;
};

/* Called for each run of pages that stops being mapped (to unpin it). */
typedef void (*iod_unmap_hook_fn)(void *arg, uint64_t iova, uint64_t uaddr,
				  uint64_t length);

/*
 * Called by iod_iopt_dma() for each piece of the transfer that is linear
 * in user address, under the read lock: copy @length bytes between the
 * caller's buffer at @offset and IOVA @iova, which maps to user address
 * @uaddr (the soft backend copies through @uaddr; the kernel module looks
 * up the pages it pinned for @iova). Returns 0 or a negative errno, which
 * aborts the rest of the transfer; what was written is still marked dirty.
 */
typedef int (*iod_copy_fn)(void *arg, uint64_t iova, uint64_t uaddr,
			   uint64_t offset, uint64_t length, bool write);

/*
 * The limits of an io-pagetable's shape, the same on every backend: an IO
 * address space of IOD_MIN_IOVA_BITS to 64 bits, a dirty granule of a page
 * to 2^IOD_MAX_GRANULE_SHIFT bytes, narrower than the space.
 */
#define IOD_MIN_IOVA_BITS	20u
#define IOD_MAX_GRANULE_SHIFT	30u

struct iod_iopt_params {
	unsigned int iova_bits;		/* see iod_iopt_check_shape() */
	unsigned int granule_shift;
	iod_unmap_hook_fn unmap_hook;	/* may be NULL */
	void *hook_arg;
	/*
	 * Hardware model: writes dirty whole IOMMU leaves (4 KiB, 2 MiB or
	 * 1 GiB, the largest whose block is fully mapped with IOVA and user
	 * address aligned to it); with hw_split_eager, tracking start splits
	 * every huge leaf to 4 KiB and tracking stop collapses them.
	 */
	bool hw_model;
	bool hw_split_eager;
	/*
	 * Every map stays an area of its own: neighbours are not merged, and
	 * an unmap that would leave part of an area mapped (a hole or a trim)
	 * fails with -EOPNOTSUPP. For mirroring a page table that cannot
	 * split its mappings (iommufd), whose areas must stay the same as the
	 * mirror's. Such an io-pagetable never has holes.
	 */
	bool keep_areas;
};

/* What iopt_count() counts, for convergence estimates. */
enum {
	IOD_CNT_DIRTIED,	/* granules changed from clean to dirty */
	IOD_CNT_DMA_WRITTEN,	/* bytes written by software DMA */
	IOD_CNT_DMA_READ,	/* bytes read by software DMA */
	IOD_CNT_NR
};

struct iod_iopt_stats {
	uint64_t mapped_bytes;
	uint64_t areas;		/* linear runs: kept areas count as merged */
	uint64_t holes;
	uint64_t dirty_pending;
	uint64_t reads;
	uint64_t clears;
	uint64_t mem_bytes;
	bool tracking;
	uint64_t hw_huge_leaves;
	uint64_t hw_splits;
	uint64_t hw_collapses;
	uint64_t counts[IOD_CNT_NR];	/* since the io-pagetable was made */
};

/*
 * The counters of struct iod_iopt_stats that every backend reports, listed
 * once for the three copies between its forms (core -> struct
 * iodirty_stats on soft and iommufd, core -> IOAS_STATS in the module,
 * IOAS_STATS -> struct iodirty_stats in the library): X(name, core), with
 * @name the field of struct iodirty_stats (out_<name> of struct
 * iodirty_ioas_stats) and @core where struct iod_iopt_stats holds it.
 */
#define IOD_IOPT_STATS_FIELDS(X)			\
	X(mapped_bytes, mapped_bytes)			\
	X(mappings, areas)				\
	X(holes, holes)					\
	X(dirty_pending, dirty_pending)			\
	X(reads, reads)					\
	X(clears, clears)				\
	X(mem_bytes, mem_bytes)				\
	X(tracking, tracking)				\
	X(hw_huge_leaves, hw_huge_leaves)		\
	X(hw_splits, hw_splits)				\
	X(hw_collapses, hw_collapses)			\
	X(dirtied, counts[IOD_CNT_DIRTIED])		\
	X(dma_written, counts[IOD_CNT_DMA_WRITTEN])	\
	X(dma_read, counts[IOD_CNT_DMA_READ])

/* Field @core of the struct iod_iopt_stats at @st, for the X() above. */
#define IOD_STAT(st, core) ((st)->core)

struct iod_resv_array {
	struct iod_range *v;
	size_t nr;
	size_t cap;
};

struct iod_hold;

/* One slot of counters: a cache line, written by one thread (or shared). */
struct iod_iopt_counts {
	iod_atomic64_t v[8];
};

struct iod_iopt {
	iod_rwlock_t lock;
	/*
	 * Changes (to a value no io-pagetable had before) with every write
	 * lock: per-thread translation hints are valid while it is the same.
	 */
	uint64_t gen;
	iod_mutex_t holds_lock;		/* @holds; inside @lock */
	struct iod_hold *holds;		/* held ranges (iod_iopt_hold()) */
	struct iod_avl_root areas;	/* by IOVA */
	struct iod_avl_root uareas;	/* interval tree by user address */
	struct iod_holeset holes;	/* page numbers iova >> IOD_PAGE_SHIFT */
	struct iod_dirty dirty;		/* granule numbers; valid if tracking */
	bool tracking;
	struct iod_resv_array resv;	/* sorted, disjoint */
	struct iod_iopt_params p;
	uint64_t nr_areas;
	uint64_t nr_joins;		/* keep_areas: linear neighbour pairs */
	uint64_t mapped_pages;
	iod_atomic64_t reads;
	iod_atomic64_t clears;
	bool hw_split;			/* huge leaves are split now */
	uint64_t hw_splits;
	uint64_t hw_collapses;
	/*
	 * IOD_THREAD_SLOTS + 1 slots, cache-line aligned: slot i is written
	 * only by the thread that holds thread slot i, the last one by any
	 * thread with atomic adds (iopt_count()); @counts_mem is the
	 * allocation they lie in.
	 */
	struct iod_iopt_counts *counts;
	void *counts_mem;
};

/*
 * The range rules every call applies: -EINVAL for a zero @length or an
 * @addr or @length not a multiple of @align, -EOVERFLOW if the range wraps
 * around 2^64, -ERANGE if it reaches past 2^@bits; else 0. Public so that
 * the kernel module sizes and pins only ranges the core would accept.
 */
static inline int iod_check_range(uint64_t addr, uint64_t length,
				  uint64_t align, unsigned int bits)
{
	if (!length || ((addr | length) & (align - 1)))
		return -EINVAL;
	if (addr + (length - 1) < addr)
		return -EOVERFLOW;
	if (bits < 64 && ((addr + (length - 1)) >> bits))
		return -ERANGE;
	return 0;
}

/* Returns 0, -EINVAL (bad params) or -ENOMEM. */
/*
 * Accessors for the backends, which keep out of the struct: the shape is
 * fixed at init; tracking changes under the write lock, so a caller that
 * serialises with tracking changes (the module's map_lock, iommufd's
 * domain lock) reads a stable value.
 */
static inline unsigned int iod_iopt_iova_bits(const struct iod_iopt *iopt)
{
	return iopt->p.iova_bits;
}

static inline unsigned int iod_iopt_granule_shift(const struct iod_iopt *iopt)
{
	return iopt->p.granule_shift;
}

static inline bool iod_iopt_tracking(const struct iod_iopt *iopt)
{
	return iopt->tracking;
}

/* -EINVAL unless the widths are within the limits above. */
int iod_iopt_check_shape(unsigned int iova_bits, unsigned int granule_shift);
/* -EINVAL (iod_iopt_check_shape()), -ENOMEM. */
int iod_iopt_init(struct iod_iopt *iopt, const struct iod_iopt_params *p);
/* Unmaps everything (calling the unmap hook) and frees all memory. */
void iod_iopt_fini(struct iod_iopt *iopt);

int iod_iopt_map(struct iod_iopt *iopt, uint64_t iova, uint64_t uaddr,
		 uint64_t length, uint32_t prot);
/*
 * Returns what iod_iopt_map() would return with the same arguments now,
 * short of running out of memory, and changes nothing. The kernel module
 * asks before pinning, so that its errors for a bad map are the same as
 * the soft backend's and it never pins pages for a map that must fail.
 */
int iod_iopt_map_check(struct iod_iopt *iopt, uint64_t iova, uint64_t uaddr,
		       uint64_t length, uint32_t prot);

/*
 * Unmaps every mapped page of [iova, iova + length). If @bitmap is not
 * NULL, the range's dirty state is harvested into it first (see
 * iod_iopt_read_dirty()), atomically with the unmap. *@unmapped (may be
 * NULL) receives the number of bytes unmapped.
 *
 * The range need not be a multiple of @page_size (only of IOD_PAGE_SIZE):
 * bit 0 of @bitmap stands for the report page that holds @iova, and the
 * report has iod_report_bits(iova, length, page_size) bits, partial pages
 * at either end included. A granule cut by the range's edges (granule
 * larger than a page) is reported if dirty and stays dirty while a page
 * of it stays mapped.
 */
int iod_iopt_unmap(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		   uint64_t page_size, uint64_t *bitmap, uint64_t *unmapped);
/* iod_iopt_unmap() that also tells what the report found (@cnt may be
 * NULL; left alone without a bitmap). */
int iod_iopt_unmap_counted(struct iod_iopt *iopt, uint64_t iova,
			   uint64_t length, uint64_t page_size,
			   uint64_t *bitmap, uint64_t *unmapped,
			   struct iod_read_count *cnt);

/*
 * Bits of an unmap report of [iova, iova + length) at @page_size (a power
 * of two): one per report page the range touches. The range must be
 * valid (non-empty, not wrapping).
 */
static inline uint64_t iod_report_bits(uint64_t iova, uint64_t length,
				       uint64_t page_size)
{
	uint64_t mask = ~(page_size - 1);

	return (((iova + (length - 1)) & mask) - (iova & mask)) /
	       page_size + 1;
}

/*
 * The argument checks of an unmap, in the order their errnos take
 * precedence: the range (iod_check_range() in pages against the IOVA
 * width), then, with a report (@report), its page size (-EINVAL: not a
 * power of two, or below the granule; the range may cut report pages).
 * The one home of these rules: the module checks with it before pinning.
 */
int iod_iopt_unmap_check_args(const struct iod_iopt *iopt, uint64_t iova,
			      uint64_t length, uint64_t page_size,
			      bool report);

/*
 * The argument checks of a dirty report over [addr, addr + length) with
 * one bit (or run unit) per @page_size bytes: reads, extents and put-back
 * from a bitmap. In the order their errnos take precedence: the page size
 * (-EINVAL: not a power of two, or below the granule), then the range
 * (iod_check_range() against the IOVA width, or 64 bits for a user
 * address, @uaddr).
 */
int iod_iopt_check_report(const struct iod_iopt *iopt, uint64_t addr,
			  uint64_t length, uint64_t page_size, bool uaddr);

/*
 * Returns what iod_iopt_unmap() would return with the same arguments now,
 * short of running out of memory, and changes nothing. With keep_areas an
 * unmap that passes this check cannot fail: it only removes whole areas.
 */
int iod_iopt_unmap_check(struct iod_iopt *iopt, uint64_t iova,
			 uint64_t length, uint64_t page_size,
			 const uint64_t *bitmap);

/* One segment of iod_iopt_map_vec(): the arguments of one iod_iopt_map(). */
struct iod_map_seg {
	uint64_t iova;
	uint64_t uaddr;
	uint64_t length;
	uint32_t prot;
	uint32_t reserved;	/* must be 0 (-EOPNOTSUPP) */
};

/* One segment of iod_iopt_unmap_vec(). */
struct iod_unmap_seg {
	uint64_t iova;
	uint64_t length;
};

/*
 * Maps every segment, or none: in one write-lock section, checks every
 * segment as iod_iopt_map() would (arguments first, then that no two
 * segments overlap, -EINVAL, then the state), allocates all that the maps
 * need, then maps with operations that cannot fail. On a segment's error,
 * *@failed (may be NULL) receives its index: the lowest index that breaks
 * a rule, a segment that overlaps one of lower index counting as breaking
 * one. Otherwise (success, -ENOMEM) it receives @nr. @nr 0 returns 0.
 */
int iod_iopt_map_vec(struct iod_iopt *iopt, const struct iod_map_seg *segs,
		     size_t nr, size_t *failed);
/*
 * What iod_iopt_map_vec() would return now (and *@failed), short of
 * running out of memory; changes nothing. The kernel module asks before
 * pinning, as for iod_iopt_map_check().
 */
int iod_iopt_map_vec_check(struct iod_iopt *iopt,
			   const struct iod_map_seg *segs, size_t nr,
			   size_t *failed);
/* What the report of an iod_iopt_unmap_vec() found dirty. */
struct iod_vec_found {
	size_t segs;		/* segments with a dirty granule */
	uint64_t bytes;		/* their lengths, summed */
};

/*
 * Unmaps every segment as iod_iopt_unmap() would, or none; errors and
 * *@failed as for iod_iopt_map_vec(). With @dirty, tracking must be on
 * (-ENODATA, *@failed = @nr), every segment must be aligned to the dirty
 * granule (-EINVAL), and bit i of @dirty is OR-ed in when a granule of
 * segment i was dirty; those granules are read and cleared in the same
 * lock section as the unmap, and *@found (may be NULL) receives what the
 * report found, on success. Without @dirty, the dirty bits of the
 * unmapped pages are dropped.
 */
int iod_iopt_unmap_vec(struct iod_iopt *iopt,
		       const struct iod_unmap_seg *segs, size_t nr,
		       uint64_t *dirty, size_t *failed,
		       struct iod_vec_found *found);

/*
 * The first area that ends after @iova (it contains @iova or lies above
 * it): its extent, holes included, in *@start, *@uaddr and *@length.
 * Returns 0, or -ENOENT when there is none. Lets a mirror walk its areas.
 */
int iod_iopt_next_area(struct iod_iopt *iopt, uint64_t iova, uint64_t *start,
		       uint64_t *uaddr, uint64_t *length);

/* A run of mapped pages: a part of an area between holes. */
struct iod_run {
	uint64_t iova;
	uint64_t length;
	uint64_t uaddr;
	uint32_t prot;
	uint64_t area_iova;	/* the area the run is part of */
	uint64_t area_length;	/* its extent, holes included */
};

/*
 * Calls @fn for each run of mapped pages that ends after @iova, in IOVA
 * order (a run that contains @iova starts at @iova), under one hold of the
 * read lock, so the runs seen are one consistent state; @fn must not call
 * back into @iopt. Stops when @fn returns non-zero and returns that, else
 * returns 0 after the last run. Lets an inspector page through mappings.
 */
int iod_iopt_for_each_run(struct iod_iopt *iopt, uint64_t iova,
			  int (*fn)(void *arg, const struct iod_run *run),
			  void *arg);

int iod_iopt_reserve(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		     uint32_t type);
int iod_iopt_unreserve(struct iod_iopt *iopt, uint64_t iova, uint64_t length);
/* *count in: capacity of @out; out: entries needed. -EMSGSIZE if short. */
int iod_iopt_reserved(struct iod_iopt *iopt, struct iod_range *out,
		      size_t *count);
int iod_iopt_iova_ranges(struct iod_iopt *iopt, struct iod_range *out,
			 size_t *count);

int iod_iopt_set_tracking(struct iod_iopt *iopt, bool enable);

/*
 * Dirty reads. Return the number of bits of @bitmap changed from 0 to 1,
 * or with IOD_READ_COUNT_ALL the number of bits found dirty, or a negative
 * errno; each successful call counts one read, and one clear if it
 * cleared a dirty granule. The _acc variants add what they found to @cnt
 * and count nothing, for a caller that reads one request in several
 * pieces (the kernel module) and counts it once with iod_iopt_count_read().
 * By user address, IOD_READ_COUNT_ALL needs a scratch bitmap of the
 * report's size (-ENOMEM).
 */
int64_t iod_iopt_read_dirty(struct iod_iopt *iopt, uint64_t iova,
			    uint64_t length, uint64_t page_size,
			    uint64_t *bitmap, uint32_t flags);
int64_t iod_iopt_read_dirty_uaddr(struct iod_iopt *iopt, uint64_t uaddr,
				  uint64_t length, uint64_t page_size,
				  uint64_t *bitmap, uint32_t flags);
int iod_iopt_read_dirty_acc(struct iod_iopt *iopt, uint64_t iova,
			    uint64_t length, uint64_t page_size,
			    uint64_t *bitmap, uint32_t flags,
			    struct iod_read_count *cnt);
int iod_iopt_read_dirty_uaddr_acc(struct iod_iopt *iopt, uint64_t uaddr,
				  uint64_t length, uint64_t page_size,
				  uint64_t *bitmap, uint32_t flags,
				  struct iod_read_count *cnt);
void iod_iopt_count_read(struct iod_iopt *iopt,
			 const struct iod_read_count *cnt);

/*
 * Dirty runs of [addr, addr + length) as extents (iodirty_read_extents()):
 * @ext receives up to @nr runs in bytes (first = start, count = length),
 * *@next where to resume. Flags IOD_READ_NO_CLEAR, IOD_READ_UADDR.
 * Returns the number of runs or a negative errno.
 */
int64_t iod_iopt_read_extents(struct iod_iopt *iopt, uint64_t addr,
			      uint64_t length, uint64_t page_size,
			      struct iod_dirty_run *ext, size_t nr,
			      uint64_t *next, uint32_t flags);

/*
 * Put-back (iodirty_set_dirty(), iodirty_set_dirty_extents()): marks the
 * mapped pages of a bitmap laid out as iod_iopt_read_dirty()'s, or of
 * extents in bytes (multiples of IOD_PAGE_SIZE), dirty in one step under
 * the write lock. Flag IOD_READ_UADDR: user addresses, every alias marked.
 * Unmapped pages are skipped. Returns 0, -ENODATA, -ENOMEM (nothing
 * marked) or an argument errno.
 */
int iod_iopt_set_dirty(struct iod_iopt *iopt, uint64_t addr, uint64_t length,
		       uint64_t page_size, const uint64_t *bitmap,
		       uint32_t flags);
int iod_iopt_set_dirty_extents(struct iod_iopt *iopt,
			       const struct iod_dirty_run *ext, size_t nr,
			       uint32_t flags);

int iod_iopt_mark_dirty(struct iod_iopt *iopt, uint64_t iova,
			uint64_t length);
/*
 * Allocates the dirty state of [iova, iova + length) now, so that marking
 * pages of it cannot fail for lack of memory until the io-pagetable is
 * destroyed or tracking stops. The iommufd backend calls it before a
 * clearing hardware read, whose bits it must then be able to keep.
 * Returns 0, -ENODATA (tracking off), a range errno or -ENOMEM.
 */
int iod_iopt_dirty_prepare(struct iod_iopt *iopt, uint64_t iova,
			   uint64_t length);
/* Software DMA: translates, calls @copy per piece, marks dirty on write. */
int iod_iopt_dma(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		 bool write, iod_copy_fn copy, void *arg);
/*
 * The checks iod_iopt_dma() makes before it copies (range, mapping,
 * permission, and for a write while tracking, the dirty state allocated),
 * without copying. A caller that moves a long range in several
 * iod_iopt_dma() calls, dropping the lock between them, makes them first,
 * so that an error of the range comes before anything moved.
 */
int iod_iopt_dma_check(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		       bool write);
/* One segment of a vectored transfer (iod_iopt_dmav()). */
struct iod_dma_seg {
	uint64_t iova;
	uint64_t length;
};

/*
 * iod_iopt_dma() of each segment in turn, stopping at the first that fails
 * (its error is returned). @copy receives as @offset the position in the
 * whole transfer: the lengths of the segments before plus the offset in
 * this one. *@done receives the bytes of the segments completed before the
 * failing one (all on success). Checks first that the lengths add up below
 * 2^64 (-EOVERFLOW, and then transfers nothing); each segment's range,
 * mapping and permission are then checked before it is copied, as
 * iod_iopt_dma() checks them. One lookup per segment at most.
 */
int iod_iopt_dmav(struct iod_iopt *iopt, const struct iod_dma_seg *segs,
		  size_t nr_segs, bool write, iod_copy_fn copy, void *arg,
		  uint64_t *done);

/*
 * A range held for direct access (iodirty_sg_get()). The caller owns the
 * memory; the io-pagetable links it while held.
 */
struct iod_hold {
	struct iod_hold *prev, *next;	/* in iopt->holds */
	uint64_t iova;
	uint64_t length;
	bool write;
	bool stale;	/* an unmap removed pages of it while held */
};

/* Called by iod_iopt_hold() for each piece linear in user address. */
typedef int (*iod_piece_fn)(void *arg, uint64_t iova, uint64_t uaddr,
			    uint64_t length);

/*
 * Holds [iova, iova + length): checks that every page is mapped with the
 * permission (-ENOENT before -EACCES), for a write hold allocates the
 * dirty state the release will mark (-ENOMEM), calls @piece for each piece
 * in IOVA order (a non-zero return aborts: nothing is held and that value
 * is returned) and links @h. Range errors as for iod_iopt_dma().
 */
int iod_iopt_hold(struct iod_iopt *iopt, struct iod_hold *h, uint64_t iova,
		  uint64_t length, bool write, iod_piece_fn piece, void *arg);

/*
 * Releases @h: marks the pages of [iova, iova + written) that are still
 * mapped dirty (if tracking is on) and unlinks it. Returns 0, -ESTALE (it
 * was stale; released all the same) or -EINVAL (@written beyond the
 * length, or non-zero for a read hold; @h stays held).
 */
int iod_iopt_release(struct iod_iopt *iopt, struct iod_hold *h,
		     uint64_t written);

int iod_iopt_translate(struct iod_iopt *iopt, uint64_t iova, uint64_t *uaddr,
		       uint64_t *contig);

void iod_iopt_stats(struct iod_iopt *iopt, struct iod_iopt_stats *st);

/* Verifies the invariants above; returns 0 or -EUCLEAN. For tests. */
int iod_iopt_check(struct iod_iopt *iopt);

#endif /* IODIRTY_CORE_IOPT_H */
