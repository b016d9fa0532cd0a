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
 */
#include "iopt_priv.h"

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

/**
 * struct setdirty_src - what to put back: a bitmap or extents
 * @bitmap: the bitmap, or NULL for extents
 * @page0: page of bit 0 of @bitmap
 * @oshift: log2(pages per bit)
 * @nbits: bits of @bitmap
 * @ext: extents in bytes (when @bitmap is NULL)
 * @nr: number of them
 */
struct setdirty_src {
	const uint64_t *bitmap;
	uint64_t page0;
	unsigned int oshift;
	uint64_t nbits;
	const struct iod_dirty_run *ext;
	size_t nr;
};

/* One pass over the source: each run of set bits, or each extent. */
static void setdirty_pass(struct setdirty *s, const struct setdirty_src *src,
			  bool uaddr)
{
	uint64_t b, e;
	size_t i;

	if (!src->bitmap) {
		for (i = 0; i < src->nr; i++) {
			b = src->ext[i].first >> IOD_PAGE_SHIFT;
			setdirty_pages(s, b, b + (src->ext[i].count >>
						  IOD_PAGE_SHIFT), uaddr);
		}
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
	return setdirty(iopt, &src, uaddr);
}
