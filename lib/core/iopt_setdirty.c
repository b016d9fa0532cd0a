// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * io-pagetable put-back: mark pages dirty again that a read reported but
 * the caller could not use (a migration pass that failed after its
 * harvest), from a bitmap or from extents, in IOVA or user-address space.
 *
 * One call is one step under the write lock, so a read sees all of it or
 * none. The dirty state is allocated in a first pass, so that the marking
 * pass cannot fail: on -ENOMEM nothing is marked. Only mapped pages hold
 * dirty state: pages with nothing mapped are skipped (the caller keeps
 * them in its own log, as it keeps what an unmap reported).
 *
 * The time under the lock grows with the pages put back and the mapped
 * runs they cover, not with how the caller spelled them: extents that
 * overlap or come out of order are sorted and merged first, outside the
 * lock (a million copies of one huge extent would otherwise walk the
 * same runs a million times while every map, unmap and read waits).
 */
#include "iopt_priv.h"
#include "segsort.h"

/**
 * struct setdirty - state of one put-back
 * @iopt: the io-pagetable
 * @mark: false in the pass that allocates, true in the one that marks
 * @ret: first error of the allocating pass
 */
struct setdirty {
	struct iod_iopt *iopt;
	bool mark;
	int ret;
};

/* Granules of the mapped run of IOVA pages [page, page + n). */
static void setdirty_run(void *arg, uint64_t page, uint64_t upage, uint64_t n)
{
	struct setdirty *s = arg;
	unsigned int gp = s->iopt->p.granule_shift - IOD_PAGE_SHIFT;
	uint64_t g0 = page >> gp, g1 = ((page + n - 1) >> gp) + 1;

	(void)upage;
	if (s->mark)
		iod_dirty_mark(&s->iopt->dirty, g0, g1);
	else if (!s->ret)
		s->ret = iod_dirty_prepare(&s->iopt->dirty, g0, g1);
}

/* Pages [p0, p1) of the space: IOVA pages, or user pages (every alias). */
static void setdirty_pages(struct setdirty *s, uint64_t p0, uint64_t p1,
			   bool uaddr)
{
	struct iod_area *a;

	if (!uaddr) {
		iopt_present_runs(s->iopt, p0, p1, setdirty_run, s);
		return;
	}
	for (a = iopt_uarea_first(s->iopt, p0, p1); a;
	     a = iopt_uarea_next(a, p0, p1)) {
		uint64_t u0 = iod_max_u64(a->ufirst, p0);
		uint64_t u1 = iod_min_u64(area_uend(a), p1);
		uint64_t i0 = a->first + (u0 - a->ufirst);

		iopt_present_runs(s->iopt, i0, i0 + (u1 - u0), setdirty_run,
				  s);
	}
}

/* Pages [p0, p1): extents merged, in address order. */
struct page_run {
	uint64_t p0, p1;
};

/**
 * struct setdirty_src - what to put back: a bitmap or extents
 * @bitmap: the bitmap, or NULL for extents
 * @page0: page of bit 0 of @bitmap
 * @oshift: log2(pages per bit)
 * @nbits: bits of @bitmap
 * @ext: extents in bytes, in order and disjoint (when @bitmap and @runs
 *       are NULL)
 * @runs: the extents merged, when they were not in order and disjoint
 * @nr: number of @ext or @runs
 */
struct setdirty_src {
	const uint64_t *bitmap;
	uint64_t page0;
	unsigned int oshift;
	uint64_t nbits;
	const struct iod_dirty_run *ext;
	struct page_run *runs;
	size_t nr;
};

static uint64_t ext_p0(const struct iod_dirty_run *e)
{
	return e->first >> IOD_PAGE_SHIFT;
}

/* In pages, so that an extent ending at 2^64 does not wrap. */
static uint64_t ext_p1(const struct iod_dirty_run *e)
{
	return ext_p0(e) + (e->count >> IOD_PAGE_SHIFT);
}

/*
 * Leaves @src->ext as it is if its extents are in order and disjoint (as
 * a read returns them), else sets @src->runs to them sorted and merged.
 */
static int setdirty_order(struct setdirty_src *src)
{
	struct iod_seg_key *k, *o;
	struct page_run *r;
	size_t i, n = 0;

	for (i = 1; i < src->nr; i++)
		if (ext_p0(&src->ext[i]) < ext_p1(&src->ext[i - 1]))
			break;
	if (i >= src->nr)
		return 0;
	k = iod_seg_keys_alloc(src->nr);
	r = src->nr <= SIZE_MAX / sizeof(*r) ?
		    iod_alloc(src->nr * sizeof(*r)) : NULL;
	if (!k || !r) {
		iod_free(k);
		iod_free(r);
		return -ENOMEM;
	}
	for (i = 0; i < src->nr; i++) {
		k[i].key = ext_p0(&src->ext[i]);
		k[i].val = i;
	}
	o = iod_seg_sort(k, k + src->nr, src->nr, (size_t *)(k + 2 * src->nr));
	for (i = 0; i < src->nr; i++) {
		const struct iod_dirty_run *e = &src->ext[o[i].val];

		if (n && ext_p0(e) <= r[n - 1].p1)
			r[n - 1].p1 = iod_max_u64(r[n - 1].p1, ext_p1(e));
		else
			r[n++] = (struct page_run){ ext_p0(e), ext_p1(e) };
	}
	iod_free(k);
	src->runs = r;
	src->nr = n;
	return 0;
}

/* One pass over the source: each run of set bits, or each extent. */
static void setdirty_pass(struct setdirty *s, const struct setdirty_src *src,
			  bool uaddr)
{
	uint64_t b, e;
	size_t i;

	if (src->runs) {
		for (i = 0; i < src->nr; i++)
			setdirty_pages(s, src->runs[i].p0, src->runs[i].p1,
				       uaddr);
		return;
	}
	if (!src->bitmap) {
		for (i = 0; i < src->nr; i++)
			setdirty_pages(s, ext_p0(&src->ext[i]),
				       ext_p1(&src->ext[i]), uaddr);
		return;
	}
	for (b = 0; b < src->nbits; b = e) {
		uint64_t w = src->bitmap[b / 64] >> (b % 64);

		if (!w) {
			e = (b | 63) + 1;
			continue;
		}
		b += iod_ctz64(w);
		if (b >= src->nbits)
			break;
		/* End of the run of ones from b, within b's word. */
		w = ~(src->bitmap[b / 64] >> (b % 64));
		e = w ? b + iod_ctz64(w) : (b | 63) + 1;
		e = iod_min_u64(e, src->nbits);
		setdirty_pages(s, src->page0 + (b << src->oshift),
			       src->page0 + (e << src->oshift), uaddr);
	}
}

/* The two passes, under the write lock. */
static int setdirty(struct iod_iopt *iopt, const struct setdirty_src *src,
		    bool uaddr)
{
	struct setdirty s = { .iopt = iopt };

	iod_write_lock(&iopt->lock);
	if (!iopt->tracking) {
		s.ret = -ENODATA;
		goto out;
	}
	setdirty_pass(&s, src, uaddr);
	if (s.ret)
		goto out;
	s.mark = true;
	setdirty_pass(&s, src, uaddr);
out:
	iod_write_unlock(&iopt->lock);
	return s.ret;
}

int iod_iopt_set_dirty(struct iod_iopt *iopt, uint64_t addr, uint64_t length,
		       uint64_t page_size, const uint64_t *bitmap,
		       uint32_t flags)
{
	bool uaddr = flags & IOD_READ_UADDR;
	struct setdirty_src src = { .bitmap = bitmap };
	int ret;

	if (flags & ~IOD_READ_UADDR)
		return -EOPNOTSUPP;
	if (!bitmap)
		return -EINVAL;
	ret = iod_iopt_check_report(iopt, addr, length, page_size, uaddr);
	if (ret)
		return ret;
	src.page0 = addr >> IOD_PAGE_SHIFT;
	src.oshift = iod_fls64(page_size) - IOD_PAGE_SHIFT;
	src.nbits = length / page_size;
	return setdirty(iopt, &src, uaddr);
}

int iod_iopt_set_dirty_extents(struct iod_iopt *iopt,
			       const struct iod_dirty_run *ext, size_t nr,
			       uint32_t flags)
{
	bool uaddr = flags & IOD_READ_UADDR;
	struct setdirty_src src = { .ext = ext, .nr = nr };
	size_t i;
	int ret;

	if (flags & ~IOD_READ_UADDR)
		return -EOPNOTSUPP;
	if (!ext && nr)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		ret = iod_check_range(ext[i].first, ext[i].count,
				      IOD_PAGE_SIZE,
				      uaddr ? 64 : iopt->p.iova_bits);
		if (ret)
			return ret;
	}
	ret = setdirty_order(&src);
	if (ret)
		return ret;
	ret = setdirty(iopt, &src, uaddr);
	iod_free(src.runs);
	return ret;
}
