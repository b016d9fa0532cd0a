// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * io-pagetable dirty reads as extents: runs of dirty pages (start, length)
 * instead of a bitmap, in IOVA space or in user-address space, with a
 * resume point when the caller's array is full.
 *
 * In IOVA space one walk takes the dirty granules run by run while they
 * fit and stops at the first run that does not (iod_dirty_take()), so that
 * nothing past the resume point is read or cleared. In user-address space
 * the runs are found without clearing, through a bitmap (aliases merge by
 * OR-ing), as many as fit, then exactly the granules inside them are
 * cleared: one marked in between inside a run is cleared and reported (its
 * run is returned whole); one marked outside every run stays dirty.
 */
#include "iopt_priv.h"

/*
 * Bits per chunk of the user-address scan, which reads the range through
 * a bitmap (aliases are merged by OR-ing): 32 KiB of memory.
 */
#define EXT_CHUNK_BITS	(1ULL << 18)

/**
 * struct ext_collect - runs found so far
 * @ext: the caller's array, in units of pages of the report (first page
 *       relative to the start of the range, count) until the end
 * @nr: its capacity
 * @n: runs begun; ext[n - 1] is the one that may still grow
 * @cut: with @full: the page where the next run begins
 * @full: a run that did not fit was found
 */
struct ext_collect {
	struct iod_dirty_run *ext;
	size_t nr;
	size_t n;
	uint64_t cut;
	bool full;
};

/* Adds report pages [p0, p1); returns true when they do not fit. */
static bool ext_add(struct ext_collect *c, uint64_t p0, uint64_t p1)
{
	struct iod_dirty_run *last = c->n ? &c->ext[c->n - 1] : NULL;

	if (last && p0 <= last->first + last->count) {
		if (p1 > last->first + last->count)
			last->count = p1 - last->first;
		return false;
	}
	if (c->n == c->nr) {
		c->cut = p0;
		c->full = true;
		return true;
	}
	c->ext[c->n].first = p0;
	c->ext[c->n].count = p1 - p0;
	c->n++;
	return false;
}

/*
 * Calls @fn(@arg, start, end) for each run of set bits of @mask, until it
 * returns true. Returns the bits of @mask from the run it stopped at on
 * (0 if it did not stop).
 */
static uint64_t ext_bit_runs(uint64_t mask,
			     bool (*fn)(void *arg, unsigned int s,
					unsigned int e),
			     void *arg)
{
	uint64_t m = mask;

	while (m) {
		unsigned int s = iod_ctz64(m);
		uint64_t rest = m >> s;
		unsigned int e = ~rest ? s + iod_ctz64(~rest) : 64;

		if (fn(arg, s, e))
			return mask & ~((1ULL << s) - 1);
		m = e < 64 ? m & ~iod_mask_range(s, e) : 0;
	}
	return 0;
}

/* IOVA space: the walk's state. */
struct ext_iova {
	struct ext_collect c;
	uint64_t g0;		/* first granule of the range */
	unsigned int pshift;	/* log2(granules per report page) */
	uint64_t base;		/* granule of bit 0 of the word at hand */
};

static bool ext_iova_bits(void *arg, unsigned int s, unsigned int e)
{
	struct ext_iova *x = arg;
	uint64_t g = x->base + s - x->g0;

	return ext_add(&x->c, g >> x->pshift,
		       ((g + (e - s) - 1) >> x->pshift) + 1);
}

/* Takes a word's runs while they fit; leaves the rest dirty. */
static uint64_t ext_iova_take(void *arg, uint64_t base, uint64_t mask)
{
	struct ext_iova *x = arg;

	x->base = base;
	return ext_bit_runs(mask, ext_iova_bits, x);
}

/*
 * The IOVA read: one walk that takes runs while they fit and stops at
 * the first that does not, leaving it and all after it as they were.
 * Returns the granules cleared.
 */
static uint64_t ext_read_iova(struct iod_iopt *iopt, uint64_t addr,
			      uint64_t length, unsigned int pshift,
			      struct ext_collect *c, bool clear)
{
	unsigned int gs = iopt->p.granule_shift;
	struct ext_iova x = { .c = *c, .g0 = addr >> gs, .pshift = pshift };
	uint64_t cleared = 0;
	size_t i;

	iod_dirty_take(&iopt->dirty, x.g0, x.g0 + (length >> gs), clear,
		       ext_iova_take, &x);
	*c = x.c;
	for (i = 0; clear && i < c->n; i++)
		cleared += c->ext[i].count << pshift;
	return cleared;
}

/* User-address space: the scan's state, for one chunk's bitmap. */
struct ext_uaddr {
	struct ext_collect *c;
	uint64_t wbase;		/* report page of bit 0 of the word */
};

static bool ext_uaddr_bits(void *arg, unsigned int s, unsigned int e)
{
	struct ext_uaddr *x = arg;

	return ext_add(x->c, x->wbase + s, x->wbase + e);
}

/*
 * The user-address read: the range in chunks, each read through a bitmap
 * without clearing, then each run found cleared on its own, a granule cut
 * by a run's edges only if all its mapped pages lie in returned runs.
 * @oshift: log2(pages per report page). Returns granules cleared.
 */
static uint64_t ext_read_uaddr(struct iod_iopt *iopt, uint64_t addr,
			       uint64_t length, unsigned int oshift,
			       uint64_t *chunk, struct ext_collect *c,
			       bool clear)
{
	uint64_t npages = length >> (IOD_PAGE_SHIFT + oshift), p, w;
	uint64_t q0 = addr >> IOD_PAGE_SHIFT, cleared = 0;
	struct iopt_uquery q = { .oshift = oshift };
	struct ext_uaddr x = { .c = c };
	size_t i;

	for (p = 0; p < npages && !c->full; p += EXT_CHUNK_BITS) {
		struct iod_area *a = iopt_uarea_first(iopt, q0 + (p << oshift),
						      q0 + (npages << oshift));
		uint64_t nbits, nwords;

		/*
		 * The range may span most of the 64-bit address space, and
		 * the read lock is held throughout: go from one mapped user
		 * page to the next, never through the unmapped space chunk
		 * by chunk.
		 */
		if (!a)
			break;
		if (a->ufirst > q0 + (p << oshift))
			p = ((a->ufirst - q0) >> oshift) & ~63ULL;
		nbits = iod_min_u64(npages - p, EXT_CHUNK_BITS);
		nwords = (nbits + 63) / 64;

		iod_memset(chunk, 0, nwords * sizeof(*chunk));
		q.q0 = q0 + (p << oshift);
		q.q1 = q.q0 + (nbits << oshift);
		q.bitmap = chunk;
		iopt_dirty_uaddr(iopt, &q, false);
		for (w = 0; w < nwords; w++) {
			if (!chunk[w])
				continue;
			x.wbase = p + w * 64;
			if (ext_bit_runs(chunk[w], ext_uaddr_bits, &x))
				break;
		}
	}
	if (!clear || !c->n)
		return 0;
	/* To user pages for the clear (and its cover check), and back. */
	for (i = 0; i < c->n; i++) {
		c->ext[i].first = q0 + (c->ext[i].first << oshift);
		c->ext[i].count <<= oshift;
	}
	q.bitmap = NULL;
	q.cover = c->ext;
	q.ncover = c->n;
	for (i = 0; i < c->n; i++) {
		q.q0 = c->ext[i].first;
		q.q1 = q.q0 + c->ext[i].count;
		cleared += iopt_dirty_uaddr(iopt, &q, true);
	}
	for (i = 0; i < c->n; i++) {
		c->ext[i].first = (c->ext[i].first - q0) >> oshift;
		c->ext[i].count >>= oshift;
	}
	return cleared;
}

int64_t iod_iopt_read_extents(struct iod_iopt *iopt, uint64_t addr,
			      uint64_t length, uint64_t page_size,
			      struct iod_dirty_run *ext, size_t nr,
			      uint64_t *next, uint32_t flags)
{
	bool clear = !(flags & IOD_READ_NO_CLEAR);
	bool uaddr = flags & IOD_READ_UADDR;
	struct ext_collect c = { .ext = ext, .nr = nr };
	struct iod_read_count cnt = { 0, 0, false };
	unsigned int ps, gs = iopt->p.granule_shift;
	uint64_t *chunk = NULL, cleared;
	int64_t ret;
	size_t i;

	if (flags & ~(IOD_READ_NO_CLEAR | IOD_READ_UADDR))
		return -EOPNOTSUPP;
	if (!ext || !nr || !next)
		return -EINVAL;
	ret = iod_iopt_check_report(iopt, addr, length, page_size, uaddr);
	if (ret)
		return ret;
	ps = iod_fls64(page_size);
	if (uaddr) {
		chunk = iod_alloc(EXT_CHUNK_BITS / 8);
		if (!chunk)
			return -ENOMEM;
	}

	iod_read_lock(&iopt->lock);
	if (!iopt->tracking) {
		ret = -ENODATA;
		goto out;
	}
	if (uaddr)
		cleared = ext_read_uaddr(iopt, addr, length,
					 ps - IOD_PAGE_SHIFT, chunk, &c, clear);
	else
		cleared = ext_read_iova(iopt, addr, length, ps - gs, &c,
					clear);
	cnt.cleared = clear && cleared;
	iod_iopt_count_read(iopt, &cnt);
	for (i = 0; i < c.n; i++) {
		ext[i].first = addr + (ext[i].first << ps);
		ext[i].count <<= ps;
	}
	*next = c.full ? addr + (c.cut << ps) : addr + length;
	ret = (int64_t)c.n;
out:
	iod_read_unlock(&iopt->lock);
	iod_free(chunk);
	return ret;
}
