// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * io-pagetable: the area trees, lookups, lifetime, counters and the
 * invariant checker. Mapping changes are in iopt_map.c, DMA in iopt_dma.c,
 * dirty reads in iopt_dirty.c, reserved regions in iopt_resv.c.
 */
#include "iopt_priv.h"

/* Interval-tree augmentation: the largest user end page in the subtree. */
void iopt_uaug(struct iod_avl_node *n)
{
	struct iod_area *a = uarea_of(n);
	uint64_t m = area_uend(a);

	if (n->left)
		m = iod_max_u64(m, uarea_of(n->left)->umax_end);
	if (n->right)
		m = iod_max_u64(m, uarea_of(n->right)->umax_end);
	a->umax_end = m;
}

/*
 * keep_areas: the number of neighbour pairs that would have been merged,
 * so that the area count can still report linear runs. A new area sits
 * where nothing was, so its neighbours were not a pair before, and are
 * not one after it goes.
 */
static uint64_t joins_of(struct iod_iopt *iopt, struct iod_area *a)
{
	struct iod_area *prev = area_of(iod_avl_prev(&a->node));
	struct iod_area *next = area_next(a);

	if (!iopt->p.keep_areas)
		return 0;
	return (uint64_t)(prev && iopt_areas_linear(prev, a)) +
	       (uint64_t)(next && iopt_areas_linear(a, next));
}

void iopt_area_link_iova(struct iod_iopt *iopt, struct iod_area *a)
{
	struct iod_avl_node **link = &iopt->areas.node, *parent = NULL;

	while (*link) {
		parent = *link;
		link = a->first < area_of(parent)->first ? &parent->left :
							   &parent->right;
	}
	iod_avl_insert(&iopt->areas, &a->node, parent, link, NULL);
	iopt->nr_areas++;
	iopt->nr_joins += joins_of(iopt, a);
}

void iopt_area_link_uaddr(struct iod_iopt *iopt, struct iod_area *a)
{
	struct iod_avl_node **link = &iopt->uareas.node, *parent = NULL;

	while (*link) {
		parent = *link;
		link = a->ufirst < uarea_of(parent)->ufirst ? &parent->left :
							      &parent->right;
	}
	a->umax_end = area_uend(a);
	iod_avl_insert(&iopt->uareas, &a->unode, parent, link, iopt_uaug);
}

void iopt_area_link(struct iod_iopt *iopt, struct iod_area *a)
{
	iopt_area_link_iova(iopt, a);
	iopt_area_link_uaddr(iopt, a);
}

void iopt_area_unlink(struct iod_iopt *iopt, struct iod_area *a)
{
	iopt->nr_joins -= joins_of(iopt, a);
	iod_avl_erase(&iopt->areas, &a->node, NULL);
	iod_avl_erase(&iopt->uareas, &a->unode, iopt_uaug);
	iopt->nr_areas--;
}

/*
 * Re-files @a in the user-address tree after its ufirst or npages changed.
 * Its IOVA position never changes: areas do not overlap, so shrinking or
 * growing one in place keeps the IOVA order.
 */
void iopt_area_urekey(struct iod_iopt *iopt, struct iod_area *a,
		      bool ufirst_changed)
{
	struct iod_avl_node **link, *parent = NULL;

	if (!ufirst_changed) {
		iod_avl_propagate(&a->unode, iopt_uaug);
		return;
	}
	iod_avl_erase(&iopt->uareas, &a->unode, iopt_uaug);
	link = &iopt->uareas.node;
	while (*link) {
		parent = *link;
		link = a->ufirst < uarea_of(parent)->ufirst ? &parent->left :
							      &parent->right;
	}
	a->umax_end = area_uend(a);
	iod_avl_insert(&iopt->uareas, &a->unode, parent, link, iopt_uaug);
}

struct iod_area *iopt_area_from(struct iod_iopt *iopt, uint64_t page)
{
	struct iod_avl_node *n = iopt->areas.node;
	struct iod_area *best = NULL;

	while (n) {
		struct iod_area *a = area_of(n);

		if (area_end(a) > page) {
			best = a;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

uint64_t iopt_present_pages(struct iod_iopt *iopt, uint64_t first,
			    uint64_t end)
{
	struct iod_area *a;
	uint64_t n = 0;

	for (a = iopt_area_from(iopt, first); a && a->first < end;
	     a = area_next(a)) {
		uint64_t s = iod_max_u64(a->first, first);
		uint64_t e = iod_min_u64(area_end(a), end);

		n += (e - s) - iod_holeset_count(&iopt->holes, s, e);
	}
	return n;
}

int iod_iopt_next_area(struct iod_iopt *iopt, uint64_t iova, uint64_t *start,
		       uint64_t *uaddr, uint64_t *length)
{
	struct iod_area *a;
	int ret = 0;

	iod_read_lock(&iopt->lock);
	a = iopt_area_from(iopt, iova >> IOD_PAGE_SHIFT);
	if (a) {
		*start = a->first << IOD_PAGE_SHIFT;
		*uaddr = a->ufirst << IOD_PAGE_SHIFT;
		*length = a->npages << IOD_PAGE_SHIFT;
	} else {
		ret = -ENOENT;
	}
	iod_read_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_for_each_run(struct iod_iopt *iopt, uint64_t iova,
			  int (*fn)(void *arg, const struct iod_run *run),
			  void *arg)
{
	uint64_t page = iova >> IOD_PAGE_SHIFT, first, end;
	struct iod_run r;
	struct iod_area *a;
	int ret = 0;

	iod_read_lock(&iopt->lock);
	for (a = iopt_area_from(iopt, page); a && !ret; a = area_next(a)) {
		first = page > a->first ? page : a->first;
		while (first < area_end(a) && !ret) {
			first = iod_holeset_next_present(&iopt->holes, first,
							 area_end(a));
			if (first == area_end(a))
				break;
			end = iod_holeset_next_hole(&iopt->holes, first,
						    area_end(a));
			r.iova = first << IOD_PAGE_SHIFT;
			r.length = (end - first) << IOD_PAGE_SHIFT;
			r.uaddr = (a->ufirst + (first - a->first))
				  << IOD_PAGE_SHIFT;
			r.prot = a->prot;
			r.area_iova = a->first << IOD_PAGE_SHIFT;
			r.area_length = a->npages << IOD_PAGE_SHIFT;
			ret = fn(arg, &r);
			first = end;
		}
	}
	iod_read_unlock(&iopt->lock);
	return ret;
}

/* Leftmost area in @n's subtree overlapping user pages [q0, q1). */
static struct iod_area *usub_first(struct iod_avl_node *n, uint64_t q0,
				   uint64_t q1)
{
	while (n) {
		struct iod_area *a = uarea_of(n);

		if (n->left && uarea_of(n->left)->umax_end > q0) {
			n = n->left;
			continue;
		}
		if (a->ufirst >= q1)
			return NULL;
		if (area_uend(a) > q0)
			return a;
		n = n->right;
		if (!n || uarea_of(n)->umax_end <= q0)
			return NULL;
	}
	return NULL;
}

struct iod_area *iopt_uarea_first(struct iod_iopt *iopt, uint64_t q0,
				  uint64_t q1)
{
	struct iod_avl_node *n = iopt->uareas.node;

	if (!n || uarea_of(n)->umax_end <= q0)
		return NULL;
	return usub_first(n, q0, q1);
}

struct iod_area *iopt_uarea_next(struct iod_area *a, uint64_t q0, uint64_t q1)
{
	struct iod_avl_node *n = &a->unode, *prev;

	for (;;) {
		if (n->right && uarea_of(n->right)->umax_end > q0)
			return usub_first(n->right, q0, q1);
		/* Climb until we arrive from a left child. */
		do {
			prev = n;
			n = n->parent;
			if (!n)
				return NULL;
		} while (prev == n->right);
		a = uarea_of(n);
		if (a->ufirst >= q1)
			return NULL;
		if (area_uend(a) > q0)
			return a;
	}
}

/* Source of iod_iopt.gen values: never the same twice in one process. */
static iod_atomic64_t iopt_gen_source;

void iopt_write_lock(struct iod_iopt *iopt)
{
	iod_write_lock(&iopt->lock);
	iopt->gen = iod_atomic_add(&iopt_gen_source, 1);
}

int iod_iopt_check_shape(unsigned int iova_bits, unsigned int granule_shift)
{
	if (iova_bits < IOD_MIN_IOVA_BITS || iova_bits > 64 ||
	    granule_shift < IOD_PAGE_SHIFT ||
	    granule_shift > IOD_MAX_GRANULE_SHIFT ||
	    granule_shift >= iova_bits)
		return -EINVAL;
	return 0;
}

int iod_iopt_init(struct iod_iopt *iopt, const struct iod_iopt_params *p)
{
	int ret;

	ret = iod_iopt_check_shape(p->iova_bits, p->granule_shift);
	if (ret)
		return ret;
	iod_memset(iopt, 0, sizeof(*iopt));
	/* Cache-line aligned by hand: iod_zalloc() promises 8 or 16 bytes. */
	iopt->counts_mem = iod_zalloc((IOD_THREAD_SLOTS + 2) *
				      sizeof(struct iod_iopt_counts));
	if (!iopt->counts_mem)
		return -ENOMEM;
	iopt->counts = (void *)(((uintptr_t)iopt->counts_mem +
				 sizeof(struct iod_iopt_counts) - 1) &
				~(uintptr_t)(sizeof(struct iod_iopt_counts) - 1));
	ret = iod_rwlock_init(&iopt->lock);
	if (ret) {
		iod_free(iopt->counts_mem);
		return ret;
	}
	iopt->p = *p;
	iod_holeset_init(&iopt->holes);
	iod_mutex_init(&iopt->holds_lock);
	iopt->gen = iod_atomic_add(&iopt_gen_source, 1);
	return 0;
}

void iopt_area_unmapped_runs(struct iod_iopt *iopt, struct iod_area *a,
			     uint64_t first, uint64_t end)
{
	uint64_t p = first;

	if (!iopt->p.unmap_hook)
		return;
	while (p < end) {
		uint64_t s = iod_holeset_next_present(&iopt->holes, p, end);
		uint64_t e;

		if (s >= end)
			break;
		e = iod_holeset_next_hole(&iopt->holes, s, end);
		iopt->p.unmap_hook(iopt->p.hook_arg, s << IOD_PAGE_SHIFT,
				   (a->ufirst + (s - a->first)) << IOD_PAGE_SHIFT,
				   (e - s) << IOD_PAGE_SHIFT);
		p = e;
	}
}

void iod_iopt_fini(struct iod_iopt *iopt)
{
	struct iod_avl_node *n;

	while ((n = iod_avl_first(&iopt->areas))) {
		struct iod_area *a = area_of(n);

		iopt_area_unmapped_runs(iopt, a, a->first, area_end(a));
		iopt_area_unlink(iopt, a);
		iod_free(a);
	}
	iod_holeset_fini(&iopt->holes);
	if (iopt->tracking)
		iod_dirty_fini(&iopt->dirty);
	iopt_resv_fini(iopt);
	iod_mutex_destroy(&iopt->holds_lock);
	iod_rwlock_destroy(&iopt->lock);
	iod_free(iopt->counts_mem);
}

void iod_iopt_stats(struct iod_iopt *iopt, struct iod_iopt_stats *st)
{
	iod_read_lock(&iopt->lock);
	st->mapped_bytes = iopt->mapped_pages << IOD_PAGE_SHIFT;
	st->areas = iopt->nr_areas - iopt->nr_joins;
	st->holes = iopt->holes.count;
	st->dirty_pending = 0;
	st->mem_bytes = sizeof(*iopt) +
			(IOD_THREAD_SLOTS + 2) * sizeof(struct iod_iopt_counts) +
			iopt->nr_areas * sizeof(struct iod_area) +
			iopt->holes.mem_bytes +
			iopt->resv.cap * sizeof(struct iod_range);
	st->tracking = iopt->tracking;
	if (iopt->tracking) {
		st->dirty_pending = iopt_dirty_pending(iopt);
		st->mem_bytes += iod_atomic_load_relaxed(&iopt->dirty.mem_bytes);
	}
	st->hw_huge_leaves = iopt_hw_huge_leaves(iopt);
	st->hw_splits = iopt->hw_splits;
	st->hw_collapses = iopt->hw_collapses;
	st->reads = iod_atomic_load_relaxed(&iopt->reads);
	st->clears = iod_atomic_load_relaxed(&iopt->clears);
	iod_read_unlock(&iopt->lock);
	iopt_counts_sum(iopt, st->counts);
}

void iopt_counts_sum(struct iod_iopt *iopt, uint64_t *out)
{
	unsigned int i, k;

	for (k = 0; k < IOD_CNT_NR; k++)
		out[k] = 0;
	for (i = 0; i <= IOD_THREAD_SLOTS; i++)
		for (k = 0; k < IOD_CNT_NR; k++)
			out[k] += iod_atomic_load_relaxed(&iopt->counts[i].v[k]);
}

/* Counts uareas nodes and verifies their augmentation, iteratively. */
static int check_utree(struct iod_iopt *iopt, uint64_t *count)
{
	struct iod_avl_node *n = iod_avl_first(&iopt->uareas);
	uint64_t prev_ufirst = 0;

	*count = 0;
	for (; n; n = iod_avl_next(n)) {
		struct iod_area *a = uarea_of(n);
		uint64_t m = area_uend(a);

		if (a->ufirst < prev_ufirst)
			return -EUCLEAN;
		prev_ufirst = a->ufirst;
		if (n->left)
			m = iod_max_u64(m, uarea_of(n->left)->umax_end);
		if (n->right)
			m = iod_max_u64(m, uarea_of(n->right)->umax_end);
		if (m != a->umax_end)
			return -EUCLEAN;
		(*count)++;
	}
	return 0;
}

int iod_iopt_check(struct iod_iopt *iopt)
{
	struct iod_area *a, *prev = NULL;
	uint64_t nr = 0, pages = 0, holes = 0, joins = 0, ucount;
	int ret = 0;

	iod_read_lock(&iopt->lock);
	for (a = area_of(iod_avl_first(&iopt->areas)); a; a = area_next(a)) {
		uint64_t h = iod_holeset_count(&iopt->holes, a->first,
					       area_end(a));

		if (!a->npages || !a->prot || h >= a->npages ||
		    iod_holeset_test(&iopt->holes, a->first) ||
		    iod_holeset_test(&iopt->holes, area_end(a) - 1))
			ret = -EUCLEAN;
		if (prev && area_end(prev) > a->first)
			ret = -EUCLEAN;
		/* Mergeable neighbours must have been merged. */
		if (prev && iopt_areas_linear(prev, a)) {
			if (!iopt->p.keep_areas)
				ret = -EUCLEAN;
			joins++;
		}
		if (iopt->p.iova_bits < 64 &&
		    (area_end(a) - 1) >> (iopt->p.iova_bits - IOD_PAGE_SHIFT))
			ret = -EUCLEAN;
		holes += h;
		pages += a->npages - h;
		nr++;
		prev = a;
	}
	if (iopt->p.keep_areas && holes)
		ret = -EUCLEAN;
	if (nr != iopt->nr_areas || joins != iopt->nr_joins || pages != iopt->mapped_pages ||
	    holes != iopt->holes.count)
		ret = -EUCLEAN;
	if (check_utree(iopt, &ucount) || ucount != nr)
		ret = -EUCLEAN;
	if (!ret && iopt->tracking)
		ret = iopt_dirty_check(iopt);
	iod_read_unlock(&iopt->lock);
	return ret;
}
