// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * io-pagetable access paths that run under the read lock, in parallel with
 * each other: translation, software DMA and mark-dirty.
 */
#include "iopt_priv.h"

/*
 * Checks that pages [first, end) are all mapped, and (when @need is not 0)
 * with the @need permission bits. Returns 0, -ENOENT or -EACCES; a missing
 * page wins over a missing permission.
 */
static int check_mapped(struct iod_iopt *iopt, uint64_t first, uint64_t end,
			uint32_t need)
{
	struct iod_area *a = iopt_area_from(iopt, first);
	uint64_t p = first;
	int ret = 0;

	while (p < end) {
		uint64_t e;

		if (!a || a->first > p)
			return -ENOENT;
		e = iod_min_u64(area_end(a), end);
		if (iod_holeset_next_hole(&iopt->holes, p, e) != e)
			return -ENOENT;
		if ((a->prot & need) != need)
			ret = -EACCES;
		p = e;
		a = area_next(a);
	}
	return ret;
}

/*
 * Granules [*g0, *g1) that a write of bytes [iova, iova + length) dirties:
 * those holding the bytes or, under the hardware model, their leaves.
 */
static void write_granules(struct iod_iopt *iopt, uint64_t iova,
			   uint64_t length, uint64_t *g0, uint64_t *g1)
{
	unsigned int gp = iopt->p.granule_shift - IOD_PAGE_SHIFT;
	uint64_t first = iova >> IOD_PAGE_SHIFT;
	uint64_t last = (iova + (length - 1)) >> IOD_PAGE_SHIFT;

	iopt_hw_write_span(iopt, &first, &last);
	*g0 = first >> gp;
	*g1 = (last >> gp) + 1;
}

int iod_iopt_dma(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		 bool write, iod_copy_fn copy, void *arg)
{
	uint64_t first, end, off = 0, g0 = 0, g1 = 0;
	bool mark;
	struct iod_area *a;
	int ret;

	ret = iod_check_range(iova, length, 1, iopt->p.iova_bits);
	if (ret)
		return ret;
	first = iova >> IOD_PAGE_SHIFT;
	end = ((iova + (length - 1)) >> IOD_PAGE_SHIFT) + 1;

	iod_read_lock(&iopt->lock);
	ret = check_mapped(iopt, first, end,
			   write ? IOD_PROT_WRITE : IOD_PROT_READ);
	if (ret)
		goto out;
	mark = write && iopt->tracking;
	if (mark) {
		/* Allocate before copying: a write must never go unlogged. */
		write_granules(iopt, iova, length, &g0, &g1);
		ret = iod_dirty_prepare(&iopt->dirty, g0, g1);
		if (ret)
			goto out;
	}
	a = iopt_area_from(iopt, first);
	while (off < length) {
		uint64_t pos = iova + off;
		uint64_t page = pos >> IOD_PAGE_SHIFT;
		uint64_t in_page = pos & (IOD_PAGE_SIZE - 1);
		uint64_t room = ((area_end(a) - page) << IOD_PAGE_SHIFT) - in_page;
		uint64_t chunk = iod_min_u64(length - off, room);
		uint64_t uaddr = ((a->ufirst + (page - a->first))
				  << IOD_PAGE_SHIFT) | in_page;

		ret = copy(arg, pos, uaddr, off, chunk, write);
		if (ret)
			break;
		off += chunk;
		a = area_next(a);
	}
	/* Mark even after a failed copy: part of the range may be written. */
	if (mark)
		iod_dirty_mark(&iopt->dirty, g0, g1);
out:
	iod_read_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_mark_dirty(struct iod_iopt *iopt, uint64_t iova, uint64_t length)
{
	uint64_t g0, g1;
	int ret;

	ret = iod_check_range(iova, length, 1, iopt->p.iova_bits);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	ret = check_mapped(iopt, iova >> IOD_PAGE_SHIFT,
			   ((iova + (length - 1)) >> IOD_PAGE_SHIFT) + 1, 0);
	if (ret || !iopt->tracking)
		goto out;
	write_granules(iopt, iova, length, &g0, &g1);
	ret = iod_dirty_prepare(&iopt->dirty, g0, g1);
	if (!ret)
		iod_dirty_mark(&iopt->dirty, g0, g1);
out:
	iod_read_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_translate(struct iod_iopt *iopt, uint64_t iova, uint64_t *uaddr,
		       uint64_t *contig)
{
	uint64_t page = iova >> IOD_PAGE_SHIFT, in_page, run_end;
	struct iod_area *a;
	int ret = 0;

	if (!uaddr)
		return -EINVAL;
	if (iopt->p.iova_bits < 64 && (iova >> iopt->p.iova_bits))
		return -ERANGE;
	in_page = iova & (IOD_PAGE_SIZE - 1);

	iod_read_lock(&iopt->lock);
	a = iopt_area_from(iopt, page);
	if (!a || a->first > page || iod_holeset_test(&iopt->holes, page)) {
		ret = -ENOENT;
		goto out;
	}
	*uaddr = ((a->ufirst + (page - a->first)) << IOD_PAGE_SHIFT) | in_page;
	if (contig) {
		/* Areas are maximal: the run ends at a hole or the area end. */
		run_end = iod_holeset_next_hole(&iopt->holes, page, area_end(a));
		/* Unless kept apart (and then without holes): walk on. */
		while (iopt->p.keep_areas && run_end == area_end(a)) {
			struct iod_area *n = area_next(a);

			if (!n || n->first != area_end(a) ||
			    n->ufirst != area_uend(a) || n->prot != a->prot)
				break;
			a = n;
			run_end = area_end(a);
		}
		*contig = ((run_end - page) << IOD_PAGE_SHIFT) - in_page;
	}
out:
	iod_read_unlock(&iopt->lock);
	return ret;
}
