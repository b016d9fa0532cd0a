// SPDX-License-Identifier: MIT
/*
 * Reference model of the property test (test_property.c): the header's
 * semantics of map, unmap, DMA dirtying and dirty reports over a window
 * of IOVA pages, as per-page arrays plus the list of linear runs (areas).
 */
#ifndef IODIRTY_TESTS_API_PROPERTY_MODEL_H
#define IODIRTY_TESTS_API_PROPERTY_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define W 4096			/* window of IOVA pages */
#define MAXBITS (W + 256)	/* bits of a report, at most */
#define BMW (MAXBITS / 64 + 4)	/* words of a report bitmap */

struct area {
	int first, end;		/* window pages, extent with holes */
	int delta;		/* RAM page = IOVA page + delta */
	uint32_t prot;
};

struct model {
	int gp;			/* pages per granule */
	int na;
	struct area a[W];
	uint8_t mapped[W];
	uint8_t prot[W];
	int tgt[W];
	uint8_t dirty[W];	/* per granule */
	bool tracking;
	uint8_t *shadow;	/* expected RAM content */
	/* Reserved regions (iodirty_reserve()), pages and list. */
	uint8_t resv[W];
	int nrv;
	int rv[64][3];		/* first, end, type */
	/*
	 * Hardware model: huge leaves of @leaf pages (0: none) widen what a
	 * write dirties; with @eager they are split while tracking.
	 */
	int leaf;
	bool eager;
};

static inline bool m_in_win(int64_t page)
{
	return page >= 0 && page < W;
}

/* Mapped pages among window pages [a, a + n) (may reach outside). */
int64_t m_count_mapped(const struct model *m, int64_t a, int64_t n);
/* The domain counters: holes, and granules dirty. */
uint64_t m_holes(const struct model *m);
uint64_t m_dirty_pending(const struct model *m);

/* Whether window pages [a, a + n) may be mapped: 0, -EADDRNOTAVAIL
 * (a reserved page) or -EEXIST (a mapped page), in that order. */
int m_map_check(const struct model *m, int64_t a, int64_t n);
/* Maps window pages [a, a + n) to RAM pages from @t; 0 or the errno of
 * m_map_check(). */
int m_map(struct model *m, int a, int n, int t, uint32_t prot);
/* Reserves window pages [a, a + n) as @type: 0, -EEXIST or -EBUSY. */
int m_reserve(struct model *m, int a, int n, int type);
/* Removes the reserved region [a, a + n): 0 or -ENOENT. */
int m_unreserve(struct model *m, int a, int n);

/* The granules a write to window pages [p0, p1] dirties (while tracking). */
void m_mark(struct model *m, int64_t p0, int64_t p1);
/* Huge leaves of the hardware model now (unsplit). */
uint64_t m_huge_leaves(const struct model *m);

/*
 * Dirty report of IOVA pages [s, s + n) at psp pages a bit, OR-ed into
 * @rep; returns the number of bits changed from 0 to 1.
 */
uint64_t m_report(struct model *m, int64_t s, int64_t n, int64_t psp,
		  bool clear, uint64_t *rep);
/*
 * Dirty report of an unmap of IOVA pages [a, a + n), which need not be
 * multiples of psp: bit 0 is the report page holding @a. OR-s into @rep,
 * clears the granules wholly inside the range (the unmap drops the others
 * it empties) and returns the bits found dirty; *@cleared tells whether
 * it cleared a dirty granule.
 */
uint64_t m_report_cut(struct model *m, int64_t a, int64_t n, int64_t psp,
		      uint64_t *rep, bool *cleared);
/* Dirty report of RAM pages [q0, q0 + nq) at psp pages a bit, in @rep. */
uint64_t m_report_uaddr(struct model *m, int64_t q0, int64_t nq,
			int64_t psp, bool clear, uint64_t *rep);

/*
 * Clears what a user-address read of extents clears: each dirty granule
 * all of whose mapped pages map into the RAM page runs [first, first +
 * count) of @run (@nr of them), if one does.
 */
void m_clear_uaddr_runs(struct model *m, const int64_t (*run)[2], int nr);
/*
 * Put-back of window pages [s, s + n) (may reach outside the window):
 * with @uaddr, of RAM pages [s, s + n), every window page mapping them.
 * Marks the granules of their mapped pages dirty.
 */
void m_set_dirty(struct model *m, int64_t s, int64_t n, bool uaddr);

/*
 * Unmaps [a, a + n) (window pages; may reach outside the window) with the
 * hole-punch outcome; returns the index of the area that strictly
 * contained the range (a split candidate) or -1 through *@container.
 */
void m_unmap(struct model *m, int64_t a, int64_t n, int *container,
	     struct area *cont_copy);
/* Turns the hole-punch outcome for container @k into a split. */
void m_split(struct model *m, int k, int64_t a, int64_t n);

#endif /* IODIRTY_TESTS_API_PROPERTY_MODEL_H */
