/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Sparse set of page numbers: the holes punched into mappings.
 *
 * Pages are grouped in chunks of 2^16 consecutive page numbers (256 MiB of
 * IOVA at 4 KiB pages). A chunk that holds holes has a container: a sorted
 * array of 16-bit offsets while it holds few (2 bytes a hole), a 8 KiB
 * bitmap once an array would be larger than that. Chunks without holes cost
 * nothing. Containers sit in an AVL tree ordered by chunk number, so every
 * operation is O(log chunks + work inside the chunks touched).
 *
 * Page numbers are absolute (iova >> page shift), not relative to a
 * mapping, so that splitting or trimming a mapping never moves a bit.
 *
 * Adding can need memory. To let callers make a multi-step change all or
 * nothing, adding is split in two: iod_holeset_reserve() allocates whatever
 * iod_holeset_add() of the same range will need and may fail with -ENOMEM
 * without changing the set; iod_holeset_add() then cannot fail. Removing
 * never allocates and never fails.
 *
 * Not thread-safe: the owner serialises all calls (readers may share).
 */
#ifndef IODIRTY_CORE_HOLESET_H
#define IODIRTY_CORE_HOLESET_H

#include "avl.h"

struct iod_holeset {
	struct iod_avl_root chunks;
	uint64_t count;		/* pages in the set */
	uint64_t mem_bytes;	/* bytes allocated for containers */
	uint64_t empties;	/* containers holding no page (reserved) */
	/*
	 * Between iod_holeset_reserve_many() and iod_holeset_batch_end():
	 * removes keep emptied containers and array capacity, and adds keep
	 * the other reservations, so that every reserved add stays free of
	 * allocation whatever runs in between.
	 */
	bool batch;
};

/* Shape of a set, filled by iod_holeset_check(). */
struct iod_holeset_info {
	uint64_t arrays;	/* array containers (empty ones included) */
	uint64_t bitmaps;	/* bitmap containers */
	uint64_t empty;		/* containers left empty by a reservation */
};

void iod_holeset_init(struct iod_holeset *hs);
/* Frees every container. */
void iod_holeset_fini(struct iod_holeset *hs);

/*
 * Makes sure a following iod_holeset_add(hs, first, end) with no other
 * change to the set in between cannot fail. Returns 0 or -ENOMEM; on
 * failure the set's contents are unchanged (memory reserved by an earlier
 * successful call may stay allocated, it is still accounted in mem_bytes).
 */
int iod_holeset_reserve(struct iod_holeset *hs, uint64_t first, uint64_t end);

/* A range of pages [first, end), for iod_holeset_reserve_many(). */
struct iod_holeset_range {
	uint64_t first;
	uint64_t end;
};

/*
 * Reserves for adding all of @nr ranges (sorted, disjoint, non-empty),
 * in any order and mixed with any removes, until iod_holeset_batch_end():
 * each container gets room for its present pages plus every reserved page
 * it lacks, so no add in between can need memory. On success the set is
 * in batch mode (see @batch); on -ENOMEM nothing was kept and it is not.
 * A vector unmap punches many holes in one step this way.
 */
int iod_holeset_reserve_many(struct iod_holeset *hs,
			     const struct iod_holeset_range *r, size_t nr);

/* Leaves batch mode and frees the containers no add filled. */
void iod_holeset_batch_end(struct iod_holeset *hs);

/* Adds pages [first, end). Must follow a successful reserve of the range. */
void iod_holeset_add(struct iod_holeset *hs, uint64_t first, uint64_t end);

/* Removes pages [first, end); frees containers that become empty. */
void iod_holeset_remove(struct iod_holeset *hs, uint64_t first, uint64_t end);

/* Number of pages of [first, end) in the set. */
uint64_t iod_holeset_count(const struct iod_holeset *hs, uint64_t first,
			   uint64_t end);

/* Is @page in the set? */
bool iod_holeset_test(const struct iod_holeset *hs, uint64_t page);

/* Smallest page in [first, end) that is in the set, or @end if none. */
uint64_t iod_holeset_next_hole(const struct iod_holeset *hs, uint64_t first,
			       uint64_t end);

/* Smallest page in [first, end) that is NOT in the set, or @end if none. */
uint64_t iod_holeset_next_present(const struct iod_holeset *hs,
				  uint64_t first, uint64_t end);

/* Largest page in [first, end) that is NOT in the set, or @end if none. */
uint64_t iod_holeset_prev_present(const struct iod_holeset *hs,
				  uint64_t first, uint64_t end);

/*
 * Frees the containers that reservations created and no add filled, e.g.
 * after the caller gave up a change it had reserved for. The next add, a
 * remove over them, and fini free them anyway: this only gives the memory
 * back sooner. Voids every pending reservation.
 */
void iod_holeset_unreserve(struct iod_holeset *hs);

/*
 * Verifies the internal invariants (tree order, sorted arrays, cached
 * counts, memory accounting) and fills @info if not NULL. O(memory), for
 * tests. Returns 0 or -EUCLEAN.
 */
int iod_holeset_check(const struct iod_holeset *hs,
		      struct iod_holeset_info *info);

#endif /* IODIRTY_CORE_HOLESET_H */
