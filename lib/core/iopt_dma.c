// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * io-pagetable access paths that run under the read lock, in parallel with
 * each other: translation, software DMA (single and vectored) and
 * mark-dirty.
 *
 * These are a device emulator's hot path, so each thread keeps a hint
 * (userspace only; the kernel flavour has no thread-local storage and
 * walks every time): the last run of mapped pages it touched, with its
 * user address and permissions, and the dirty leaf it last marked with
 * the nodes above it. A hint is valid while the io-pagetable's gen is the
 * one it was made under; every write lock changes gen, and gen values are
 * never reused, so a hint cannot outlive what it describes (areas and
 * dirty leaves are freed only under the write lock). A hit costs no tree
 * walk: the mark is a compare, then a load of the word (and an atomic OR
 * only if the bit is clear) and loads of the summaries above it.
 */
#include "dirty_mark.h"
#include "iopt_priv.h"

/*
 * Dirty cursors per hint: one per leaf of the last few a thread marked,
 * by leaf number, so that random marks over 1 GiB (8 leaves at 4 KiB
 * granules) never descend. A hint on the kernel stack has one.
 */
#define HINT_SLOTS	16

struct dma_hint {
	const struct iod_iopt *iopt;
	uint64_t gen;
	uint64_t first, end;	/* pages of one mapped run without holes */
	uint64_t ufirst;	/* user page of @first */
	uint32_t prot;
	unsigned int slots;	/* HINT_SLOTS, or 1 */
	struct iod_dirty_cursor *cur;
};

/* What iod_thread_data() holds. */
struct dma_hint_thread {
	struct dma_hint h;
	struct iod_dirty_cursor cur[HINT_SLOTS];
};

/* A hint of one slot, when there is no per-thread one. */
struct dma_hint_local {
	struct dma_hint h;
	struct iod_dirty_cursor cur[1];
};

static struct dma_hint *hint_get(struct dma_hint_local *local)
{
	struct dma_hint_thread *t = iod_thread_data(sizeof(*t));

	if (iod_likely(t != NULL)) {
		if (iod_unlikely(!t->h.cur)) {
			/* Fresh, zeroed block: iopt NULL makes it miss. */
			t->h.cur = t->cur;
			t->h.slots = HINT_SLOTS;
		}
		return &t->h;
	}
	local->h.iopt = NULL;
	local->h.cur = local->cur;
	local->h.slots = 1;
	return &local->h;
}

static struct iod_dirty_cursor *hint_cursor(struct dma_hint *h, uint64_t g)
{
	return &h->cur[(g >> IOD_DIRTY_LEAF_SHIFT) & (h->slots - 1)];
}

int iopt_check_mapped(struct iod_iopt *iopt, uint64_t first, uint64_t end,
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

void iopt_write_granules(struct iod_iopt *iopt, uint64_t iova,
			 uint64_t length, uint64_t *g0, uint64_t *g1)
{
	unsigned int gp = iopt->p.granule_shift - IOD_PAGE_SHIFT;
	uint64_t first = iova >> IOD_PAGE_SHIFT;
	uint64_t last = (iova + (length - 1)) >> IOD_PAGE_SHIFT;

	if (iopt->p.hw_model)
		iopt_hw_write_span(iopt, &first, &last);
	*g0 = first >> gp;
	*g1 = (last >> gp) + 1;
}

/* Points @h at the run of mapped pages that holds @page (mapped). */
static void hint_fill(struct iod_iopt *iopt, struct dma_hint *h,
		      uint64_t page)
{
	struct iod_area *a = iopt_area_from(iopt, page);

	/* Without a "previous hole" query the run may start at @page. */
	h->first = iod_holeset_next_hole(&iopt->holes, a->first, page) == page ?
		   a->first : page;
	h->end = iod_holeset_next_hole(&iopt->holes, page, area_end(a));
	h->ufirst = a->ufirst + (h->first - a->first);
	h->prot = a->prot;
}

/*
 * Checks that pages [first, end) are mapped with @need, as
 * iopt_check_mapped() does, through the hint when it holds them. Returns
 * true in *@linear when they lie in the hint's run (one user piece).
 */
static int resolve(struct iod_iopt *iopt, struct dma_hint *h, uint64_t first,
		   uint64_t end, uint32_t need, bool *linear)
{
	int ret;

	if (iod_likely(h->iopt == iopt && h->gen == iopt->gen)) {
		if (iod_likely(first >= h->first && end <= h->end)) {
			*linear = true;
			return (h->prot & need) == need ? 0 : -EACCES;
		}
	} else {
		unsigned int i;

		h->iopt = iopt;
		h->gen = iopt->gen;
		h->first = h->end = 0;
		for (i = 0; i < h->slots; i++)
			iod_dirty_cursor_reset(&h->cur[i]);
	}
	*linear = false;
	ret = iopt_check_mapped(iopt, first, end, need);
	if (ret == -ENOENT)
		return ret;
	hint_fill(iopt, h, first);
	*linear = end <= h->end;
	return ret;
}

/* Allocates the dirty state of granules [g0, g1) before a write. */
static int dirty_ready(struct iod_iopt *iopt, struct dma_hint *h,
		       uint64_t g0, uint64_t g1)
{
	if (g1 - g0 == 1)
		return iod_dirty_cursor_prepare(&iopt->dirty, g0,
						hint_cursor(h, g0));
	return iod_dirty_prepare(&iopt->dirty, g0, g1);
}

/* Marks granules [g0, g1), made ready by dirty_ready(), and counts them. */
static void dirty_set(struct iod_iopt *iopt, struct dma_hint *h,
		      uint64_t g0, uint64_t g1)
{
	uint64_t newly;

	if (g1 - g0 == 1)
		/* Ready: it cannot fail (-ENOMEM), so 0 or 1. */
		newly = (uint64_t)iod_dirty_mark_one(&iopt->dirty, g0,
						     hint_cursor(h, g0));
	else
		newly = iod_dirty_mark(&iopt->dirty, g0, g1);
	if (newly)
		iopt_count(iopt, IOD_CNT_DIRTIED, newly);
}

int iopt_for_each_piece(struct iod_iopt *iopt, uint64_t iova,
			uint64_t length, iod_piece_fn piece, void *arg)
{
	struct iod_area *a = iopt_area_from(iopt, iova >> IOD_PAGE_SHIFT);
	uint64_t off = 0, cur_iova = iova, cur_u = 0, cur_len = 0;
	int ret;

	while (off < length) {
		uint64_t pos = iova + off;
		uint64_t page = pos >> IOD_PAGE_SHIFT;
		uint64_t in_page = pos & (IOD_PAGE_SIZE - 1);
		uint64_t room = ((area_end(a) - page) << IOD_PAGE_SHIFT) -
				in_page;
		uint64_t chunk = iod_min_u64(length - off, room);
		uint64_t u = ((a->ufirst + (page - a->first)) <<
			      IOD_PAGE_SHIFT) | in_page;

		/* Areas kept apart (keep_areas) may still be linear. */
		if (cur_len && cur_u + cur_len == u) {
			cur_len += chunk;
		} else {
			if (cur_len) {
				ret = piece(arg, cur_iova, cur_u, cur_len);
				if (ret)
					return ret;
			}
			cur_iova = pos;
			cur_u = u;
			cur_len = chunk;
		}
		off += chunk;
		a = area_next(a);
	}
	return piece(arg, cur_iova, cur_u, cur_len);
}

/* A transfer that crosses areas: @copy for each piece. */
struct piece_copy {
	iod_copy_fn copy;
	void *arg;
	uint64_t iova;		/* start of the transfer */
	uint64_t base;		/* its offset in the whole transfer */
	bool write;
};

static int copy_piece(void *arg, uint64_t iova, uint64_t uaddr,
		      uint64_t length)
{
	struct piece_copy *pc = arg;

	return pc->copy(pc->arg, iova, uaddr, pc->base + (iova - pc->iova),
			length, pc->write);
}

/*
 * Granules written but not yet marked, within one read section: a
 * vectored transfer marks a run once after its last copy rather than once
 * per segment (a virtio chain often writes one page in several pieces).
 */
struct dirty_run {
	uint64_t g0, g1;	/* empty when equal */
};

static void run_flush(struct iod_iopt *iopt, struct dma_hint *h,
		      struct dirty_run *r)
{
	if (r->g0 != r->g1)
		dirty_set(iopt, h, r->g0, r->g1);
	r->g0 = r->g1 = 0;
}

/* Adds [g0, g1) to @r, marking what @r held first unless they touch. */
static void run_add(struct iod_iopt *iopt, struct dma_hint *h,
		    struct dirty_run *r, uint64_t g0, uint64_t g1)
{
	if (r->g0 != r->g1 && g0 <= r->g1 && g1 >= r->g0) {
		r->g0 = iod_min_u64(r->g0, g0);
		r->g1 = r->g1 > g1 ? r->g1 : g1;
		return;
	}
	run_flush(iopt, h, r);
	r->g0 = g0;
	r->g1 = g1;
}

/*
 * One transfer, under the read lock: @base is its offset in the whole
 * (vectored) transfer, passed on to @copy. The granules it wrote are
 * marked now, or, with @r, added to @r, whose caller marks them before
 * leaving the read section.
 */
static int dma_one(struct iod_iopt *iopt, struct dma_hint *h, uint64_t iova,
		   uint64_t length, bool write, iod_copy_fn copy, void *arg,
		   uint64_t base, struct dirty_run *r)
{
	uint64_t first = iova >> IOD_PAGE_SHIFT, g0 = 0, g1 = 0;
	uint64_t end = ((iova + (length - 1)) >> IOD_PAGE_SHIFT) + 1;
	struct piece_copy pc;
	bool mark, linear;
	int ret;

	ret = resolve(iopt, h, first, end,
		      write ? IOD_PROT_WRITE : IOD_PROT_READ, &linear);
	if (ret)
		return ret;
	mark = write && iopt->tracking;
	if (mark) {
		/* Allocate before copying: a write must never go unlogged. */
		iopt_write_granules(iopt, iova, length, &g0, &g1);
		ret = dirty_ready(iopt, h, g0, g1);
		if (ret)
			return ret;
	}
	if (linear) {
		ret = copy(arg, iova, ((h->ufirst + (first - h->first)) <<
				       IOD_PAGE_SHIFT) |
				      (iova & (IOD_PAGE_SIZE - 1)),
			   base, length, write);
		goto done;
	}
	pc.copy = copy;
	pc.arg = arg;
	pc.iova = iova;
	pc.base = base;
	pc.write = write;
	ret = iopt_for_each_piece(iopt, iova, length, copy_piece, &pc);
done:
	/* Mark even after a failed copy: part of the range may be written. */
	if (mark && r)
		run_add(iopt, h, r, g0, g1);
	else if (mark)
		dirty_set(iopt, h, g0, g1);
	return ret;
}

int iod_iopt_dma(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		 bool write, iod_copy_fn copy, void *arg)
{
	struct dma_hint_local local;
	struct dma_hint *h = hint_get(&local);
	int ret;

	ret = iod_check_range(iova, length, 1, iopt->p.iova_bits);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	ret = dma_one(iopt, h, iova, length, write, copy, arg, 0, NULL);
	if (!ret)
		iopt_count(iopt, write ? IOD_CNT_DMA_WRITTEN : IOD_CNT_DMA_READ,
			   length);
	iod_read_unlock(&iopt->lock);
	return ret;
}

/*
 * What a DMA or mark of [iova, iova + length) needs before it writes, for
 * the whole range, under the read lock: every page mapped with @need, and,
 * if @mark and tracking is on, the dirty state of its granules [*g0, *g1)
 * allocated (an empty span when there is nothing to mark).
 */
static int range_ready(struct iod_iopt *iopt, struct dma_hint *h,
		       uint64_t iova, uint64_t length, uint32_t need, bool mark,
		       uint64_t *g0, uint64_t *g1)
{
	uint64_t first = iova >> IOD_PAGE_SHIFT;
	uint64_t end = ((iova + (length - 1)) >> IOD_PAGE_SHIFT) + 1;
	bool linear;
	int ret;

	*g0 = *g1 = 0;
	ret = resolve(iopt, h, first, end, need, &linear);
	if (ret || !mark || !iopt->tracking)
		return ret;
	/* dma_one()'s first step, for the whole range at once. */
	iopt_write_granules(iopt, iova, length, g0, g1);
	return dirty_ready(iopt, h, *g0, *g1);
}

int iod_iopt_dma_check(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		       bool write)
{
	struct dma_hint_local local;
	struct dma_hint *h = hint_get(&local);
	uint64_t g0, g1;
	int ret;

	ret = iod_check_range(iova, length, 1, iopt->p.iova_bits);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	ret = range_ready(iopt, h, iova, length,
			  write ? IOD_PROT_WRITE : IOD_PROT_READ, write, &g0,
			  &g1);
	iod_read_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_dmav(struct iod_iopt *iopt, const struct iod_dma_seg *segs,
		  size_t nr_segs, bool write, iod_copy_fn copy, void *arg,
		  uint64_t *done)
{
	struct dma_hint_local local;
	struct dma_hint *h = hint_get(&local);
	struct dirty_run run = { 0, 0 };
	uint64_t total = 0;
	size_t i;
	int ret = 0;

	*done = 0;
	for (i = 0; i < nr_segs; i++) {
		if (total + segs[i].length < total)
			return -EOVERFLOW;
		total += segs[i].length;
	}
	/* One read section for the list: unmaps wait for the whole chain. */
	iod_read_lock(&iopt->lock);
	for (i = 0; i < nr_segs; i++) {
		ret = iod_check_range(segs[i].iova, segs[i].length, 1,
				      iopt->p.iova_bits);
		if (!ret)
			ret = dma_one(iopt, h, segs[i].iova, segs[i].length,
				      write, copy, arg, *done, &run);
		if (ret)
			break;
		*done += segs[i].length;
	}
	run_flush(iopt, h, &run);
	if (*done)
		iopt_count(iopt, write ? IOD_CNT_DMA_WRITTEN : IOD_CNT_DMA_READ,
			   *done);
	iod_read_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_mark_dirty(struct iod_iopt *iopt, uint64_t iova, uint64_t length)
{
	struct dma_hint_local local;
	struct dma_hint *h = hint_get(&local);
	uint64_t g0, g1;
	int ret;

	ret = iod_check_range(iova, length, 1, iopt->p.iova_bits);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	/* The same two steps as a DMA write's, without the copy between. */
	ret = range_ready(iopt, h, iova, length, 0, true, &g0, &g1);
	if (!ret && g0 < g1)
		dirty_set(iopt, h, g0, g1);
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
