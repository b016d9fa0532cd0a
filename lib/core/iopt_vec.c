// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Vector map and unmap (iod_iopt_map_vec(), iod_iopt_unmap_vec()): many
 * ranges in one write-lock section, all or nothing. The steps of a single
 * change, each over the whole vector: check every segment, allocate all
 * that any segment may need (areas, hole-set room for every punch), then
 * apply each segment with the operations of iopt_map.c, which cannot fail.
 *
 * Checks come in rounds, and the first round that finds a fault decides
 * the error and the segment reported (the lowest index at fault in it):
 * each segment's arguments, then overlaps between segments, then, under
 * the lock, the state. Segments must not overlap, so each one's state
 * checks against the table before the call hold in whatever order they
 * are applied, and what a segment needs can only shrink while the others
 * are applied: an unmap only takes pages away from areas, and a map's
 * merges and splits keep every page's user address.
 *
 * Order does not matter, so segments are checked and applied in IOVA
 * order: consecutive segments then touch the same hole-set containers and
 * tree paths, which stay in cache. A map files its new areas by user
 * address afterwards, in user-address order, for the same reason (random
 * insertions into an interval tree of a million areas miss the cache on
 * nearly every level), and merges neighbours last.
 */
#include "iopt_priv.h"
#include "segsort.h"

/*
 * Software prefetch, a hint with no effect on results, this many items
 * ahead in passes that visit areas in an order unrelated to their place
 * in memory. __builtin_prefetch exists in GCC and Clang, user and kernel.
 */
#define VEC_PREFETCH	16u
#define vec_prefetch(p)	__builtin_prefetch((p), 1)

/* Segment @i's pages [*first, *end). */
typedef void (*span_fn)(const void *segs, size_t i, uint64_t *first,
			uint64_t *end);

static void map_span(const void *segs, size_t i, uint64_t *first,
		     uint64_t *end)
{
	const struct iod_map_seg *s = (const struct iod_map_seg *)segs + i;

	*first = s->iova >> IOD_PAGE_SHIFT;
	*end = *first + (s->length >> IOD_PAGE_SHIFT);
}

static void unmap_span(const void *segs, size_t i, uint64_t *first,
		       uint64_t *end)
{
	const struct iod_unmap_seg *s = (const struct iod_unmap_seg *)segs + i;

	*first = s->iova >> IOD_PAGE_SHIFT;
	*end = *first + (s->length >> IOD_PAGE_SHIFT);
}

static void set_failed(size_t *failed, size_t i)
{
	if (failed)
		*failed = i;
}

/*
 * The segments in IOVA order: the caller's vector if it already is,
 * else a sorted copy, so that every pass reads them in sequence (reading
 * a million segments in random order costs a cache miss each).
 */
struct vec_order {
	const void *segs;		/* in IOVA order */
	size_t size;			/* of a segment */
	span_fn span;
	size_t nr;
	struct iod_seg_key *key;	/* key[k].val: index of segs[k] */
	void *mem[2];
};

/* The caller's index of the segment at position @k. */
static size_t order_idx(const struct vec_order *o, size_t k)
{
	return o->key ? o->key[k].val : k;
}

static const void *order_seg(const struct vec_order *o, size_t k)
{
	return (const char *)o->segs + k * o->size;
}

static void order_fini(struct vec_order *o)
{
	iod_free(o->mem[0]);
	iod_free(o->mem[1]);
}

/* Orders segments with valid arguments; only sorts when they are not. */
static int order_init(struct vec_order *o, const void *segs, size_t nr,
		      size_t size, span_fn span)
{
	uint64_t f, e, prev = 0;
	struct iod_seg_key *v;
	bool sorted = true;
	char *copy;
	size_t i;

	o->segs = segs;
	o->size = size;
	o->span = span;
	o->nr = nr;
	o->key = NULL;
	o->mem[0] = o->mem[1] = NULL;
	for (i = 0; i < nr && sorted; i++) {
		span(segs, i, &f, &e);
		sorted = !i || f >= prev;
		prev = f;
	}
	if (sorted)
		return 0;
	v = iod_seg_keys_alloc(nr);
	copy = nr <= SIZE_MAX / size ? iod_alloc(nr * size) : NULL;
	o->mem[0] = v;
	o->mem[1] = copy;
	if (!v || !copy) {
		order_fini(o);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		span(segs, i, &v[i].key, &e);
		v[i].val = i;
	}
	o->key = iod_seg_sort(v, v + nr, nr, (size_t *)(v + 2 * nr));
	/* Random reads of the caller's vector: prefetched ahead. */
	for (i = 0; i < nr; i++) {
		if (i + VEC_PREFETCH < nr)
			__builtin_prefetch((const char *)segs +
					   o->key[i + VEC_PREFETCH].val * size);
		iod_memcpy(copy + i * size,
			   (const char *)segs + o->key[i].val * size, size);
	}
	o->segs = copy;
	return 0;
}

/* Do two of the segments with an index below @limit overlap? O(nr). */
static bool overlap_below(const struct vec_order *o, size_t limit)
{
	uint64_t f, e, prev_end = 0;
	bool any = false;
	size_t k, i;

	for (k = 0; k < o->nr; k++) {
		i = order_idx(o, k);
		if (i >= limit)
			continue;
		o->span(o->segs, k, &f, &e);
		/* In order of first page: only the previous one can reach. */
		if (any && f < prev_end)
			return true;
		prev_end = e;
		any = true;
	}
	return false;
}

/*
 * The lowest index of a segment that overlaps one of lower index, or nr.
 * Overlap among the first m segments only grows with m, so a failing
 * vector is bisected: O(nr log nr), and O(nr) for one that passes.
 */
static size_t first_overlap(const struct vec_order *o)
{
	size_t lo = 1, hi, mid;

	if (!overlap_below(o, o->nr))
		return o->nr;
	hi = o->nr - 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (overlap_below(o, mid + 1))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Areas allocated before a vector is applied, taken as it needs them. */
struct area_pool {
	struct iod_area **v;
	size_t n;
};

static int pool_fill(struct area_pool *p, uint64_t n)
{
	if (!n)
		return 0;
	if (n > SIZE_MAX / sizeof(*p->v))
		return -ENOMEM;
	p->v = iod_alloc((size_t)n * sizeof(*p->v));
	if (!p->v)
		return -ENOMEM;
	for (; p->n < n; p->n++) {
		p->v[p->n] = iod_zalloc(sizeof(struct iod_area));
		if (!p->v[p->n])
			return -ENOMEM;
	}
	return 0;
}

static struct iod_area *pool_take(struct area_pool *p)
{
	return p->v[--p->n];
}

static void pool_free(struct area_pool *p)
{
	while (p->n)
		iod_free(p->v[--p->n]);
	iod_free(p->v);
}

/* ---- map ---- */

static size_t map_args(const struct iod_iopt *iopt,
		       const struct iod_map_seg *segs, size_t nr, int *err)
{
	const struct iod_map_seg *s;
	size_t i;
	int ret;

	for (i = 0; i < nr; i++) {
		s = &segs[i];
		ret = s->reserved ? -EOPNOTSUPP :
				    iopt_map_check_args(iopt, s->iova, s->uaddr,
							s->length, s->prot);
		if (ret) {
			*err = ret;
			return i;
		}
	}
	return nr;
}

/* The area strictly containing pages [first, end), or NULL. */
static struct iod_area *area_around(struct iod_iopt *iopt, uint64_t first,
				    uint64_t end)
{
	struct iod_area *a = iopt_area_from(iopt, first);

	return a && a->first < first && area_end(a) > end ? a : NULL;
}

/*
 * The state check of a map of [first, end), and the area strictly around
 * it in @*near. Segments come in IOVA order, so the area around the last
 * one is tried first: a vector of refills in one area costs a hole-set
 * count each, not an area lookup and a walk as well.
 */
static int map_check_near(struct iod_iopt *iopt, uint64_t first,
			  uint64_t end, struct iod_area **near)
{
	struct iod_area *a = *near;
	int ret;

	if (a && a->first < first && area_end(a) > end) {
		if (iopt_resv_overlaps(iopt, first, end))
			return -EADDRNOTAVAIL;
		/* Inside one area, only holes are not present. */
		if (iod_holeset_count(&iopt->holes, first, end) != end - first)
			return -EEXIST;
		return 0;
	}
	ret = iopt_map_check_state(iopt, first, end);
	if (!ret)
		*near = area_around(iopt, first, end);
	return ret;
}

/* Does @s only fill holes of @a with the pages they stand for? */
static bool map_refills(const struct iod_area *a, const struct iod_map_seg *s)
{
	uint64_t first = s->iova >> IOD_PAGE_SHIFT;

	return a->ufirst + (first - a->first) == s->uaddr >> IOD_PAGE_SHIFT &&
	       a->prot == s->prot;
}

/* What the maps of a vector allocate. */
struct map_plan {
	size_t fresh;		/* new areas: one a segment, but for refills */
	size_t spares;		/* areas split by a fill with other pages */
};

/*
 * State checks of every segment, counting what the maps need. Returns the
 * lowest failing index, or nr.
 */
static size_t map_state(struct iod_iopt *iopt, const struct vec_order *o,
			int *err, struct map_plan *plan)
{
	const struct iod_map_seg *segs = o->segs;
	size_t k, bad = o->nr;
	uint64_t first, end;
	struct iod_area *a;
	int ret;

	struct iod_area *grp = NULL, *near = NULL;
	size_t grp_refills = 0;
	bool grp_split = false;

	for (k = 0; k < o->nr; k++) {
		map_span(segs, k, &first, &end);
		ret = map_check_near(iopt, first, end, &near);
		if (ret) {
			if (order_idx(o, k) < bad) {
				bad = order_idx(o, k);
				*err = ret;
			}
			continue;
		}
		a = near && near->first < first && area_end(near) > end ?
		    near : NULL;
		if (a != grp) {
			if (grp_split)
				plan->fresh += grp_refills;
			grp = a;
			grp_refills = 0;
			grp_split = false;
		}
		if (!a) {
			plan->fresh++;
		} else if (map_refills(a, &segs[k])) {
			grp_refills++;
		} else {
			plan->fresh++;
			plan->spares++;
			grp_split = true;
		}
	}
	/*
	 * A split trims the holes next to its pieces: a refill of those is
	 * then a map into free space, with an area of its own. The segments
	 * in one area come one after the other in IOVA order.
	 */
	if (grp_split)
		plan->fresh += grp_refills;
	return bad;
}

/*
 * iod_iopt_map() of one checked segment, from the pool, but for filing
 * the new area by user address and merging it: returns it, or NULL when
 * the segment refilled holes. @*near is the area around the last refill:
 * refills change no area, so it is still whole for the next segment.
 */
static struct iod_area *map_apply(struct iod_iopt *iopt,
				  const struct iod_map_seg *s,
				  struct area_pool *pool, struct iod_area **near)
{
	uint64_t first, end;
	struct iod_area *a = *near, *spare = NULL, *new;

	map_span(s, 0, &first, &end);
	iopt->mapped_pages += end - first;
	if (!a || a->first >= first || area_end(a) <= end)
		a = area_around(iopt, first, end);
	*near = NULL;
	if (a) {
		if (map_refills(a, s)) {
			iod_holeset_remove(&iopt->holes, first, end);
			*near = a;
			return NULL;
		}
		spare = pool_take(pool);
	}
	new = pool_take(pool);
	/* Only the area around is cut: new areas of the vector lie apart. */
	iopt_carve(iopt, first, end, &spare, false);
	new->first = first;
	new->npages = end - first;
	new->ufirst = s->uaddr >> IOD_PAGE_SHIFT;
	new->prot = s->prot;
	iopt_area_link_iova(iopt, new);
	return new;
}

/* Pre-allocated room for filing the new areas: their keys, sorted. */
struct fresh_areas {
	struct iod_area **v;	/* in IOVA order */
	size_t n;
	struct iod_seg_key *key;	/* 2 * n keys and a sort's counters */
};

static int fresh_alloc(struct fresh_areas *f, size_t n)
{
	if (!n)
		return 0;
	f->v = n <= SIZE_MAX / sizeof(*f->v) ?
	       iod_alloc(n * sizeof(*f->v)) : NULL;
	f->key = iod_seg_keys_alloc(n);
	return f->v && f->key ? 0 : -ENOMEM;
}

static void fresh_free(struct fresh_areas *f)
{
	iod_free(f->v);
	iod_free(f->key);
}

/*
 * Files the new areas in the user-address tree in user-address order,
 * then merges each with its neighbours, from the highest IOVA down: a
 * merge frees the higher area of a pair, which has then been visited.
 */
static void fresh_finish(struct iod_iopt *iopt, struct fresh_areas *f)
{
	struct iod_seg_key *k = f->key;
	bool sorted = true;
	size_t i;

	for (i = 0; i < f->n; i++) {
		k[i].key = f->v[i]->ufirst;
		k[i].val = (uintptr_t)f->v[i];
		sorted = sorted && (!i || k[i].key >= k[i - 1].key);
	}
	if (!sorted)
		k = iod_seg_sort(k, k + f->n, f->n, (size_t *)(k + 2 * f->n));
	for (i = 0; i < f->n; i++) {
		/*
		 * The areas lie in memory in IOVA order: in this order each
		 * is a cache miss of its own, which prefetching overlaps.
		 */
		if (i + VEC_PREFETCH < f->n) {
			struct iod_area *ahead =
				(struct iod_area *)k[i + VEC_PREFETCH].val;

			/* Its tree node and its keys: two cache lines. */
			vec_prefetch(&ahead->unode);
			vec_prefetch(&ahead->umax_end);
		}
		iopt_area_link_uaddr(iopt, (struct iod_area *)k[i].val);
	}
	for (i = f->n; i--;)
		iopt_merge_neighbours(iopt, f->v[i]);
}

/* The rounds before the lock: arguments, then overlaps. */
static int map_vec_begin(const struct iod_iopt *iopt,
			 const struct iod_map_seg *segs, size_t nr,
			 struct vec_order *o, size_t *failed)
{
	size_t bad;
	int ret = 0;

	bad = map_args(iopt, segs, nr, &ret);
	if (bad < nr) {
		set_failed(failed, bad);
		return ret;
	}
	ret = order_init(o, segs, nr, sizeof(*segs), map_span);
	if (ret)
		return ret;
	bad = first_overlap(o);
	if (bad < nr) {
		order_fini(o);
		set_failed(failed, bad);
		return -EINVAL;
	}
	return 0;
}

int iod_iopt_map_vec_check(struct iod_iopt *iopt,
			   const struct iod_map_seg *segs, size_t nr,
			   size_t *failed)
{
	struct map_plan plan = { 0, 0 };
	struct vec_order o;
	size_t bad;
	int ret;

	set_failed(failed, nr);
	if (!nr)
		return 0;
	ret = map_vec_begin(iopt, segs, nr, &o, failed);
	if (ret)
		return ret;
	iod_read_lock(&iopt->lock);
	bad = map_state(iopt, &o, &ret, &plan);
	iod_read_unlock(&iopt->lock);
	order_fini(&o);
	if (bad < nr) {
		set_failed(failed, bad);
		return ret;
	}
	return 0;
}

int iod_iopt_map_vec(struct iod_iopt *iopt, const struct iod_map_seg *segs,
		     size_t nr, size_t *failed)
{
	struct fresh_areas fresh = { NULL, 0, NULL };
	struct area_pool pool = { NULL, 0 };
	struct map_plan plan = { 0, 0 };
	struct iod_area *a, *near = NULL;
	struct vec_order o;
	size_t bad, k;
	int ret;

	set_failed(failed, nr);
	if (!nr)
		return 0;
	ret = map_vec_begin(iopt, segs, nr, &o, failed);
	if (ret)
		return ret;
	iopt_write_lock(iopt);
	bad = map_state(iopt, &o, &ret, &plan);
	if (bad < nr) {
		set_failed(failed, bad);
		goto out;
	}
	ret = pool_fill(&pool, plan.fresh + plan.spares);
	if (!ret)
		ret = fresh_alloc(&fresh, plan.fresh);
	if (ret)
		goto out;
	/* Nothing below can fail. */
	for (k = 0; k < nr; k++) {
		a = map_apply(iopt, order_seg(&o, k), &pool, &near);
		if (a)
			fresh.v[fresh.n++] = a;
	}
	fresh_finish(iopt, &fresh);
out:
	iod_write_unlock(&iopt->lock);
	pool_free(&pool);
	fresh_free(&fresh);
	order_fini(&o);
	return ret;
}

/* ---- unmap ---- */

/* How a segment comes out of the area around it, as iod_iopt_unmap(). */
enum seg_kind {
	SEG_PLAIN,	/* no area strictly contains it */
	SEG_PUNCH,	/* holes in the area around it */
	SEG_SPLIT,	/* splits the area around it (needs a spare) */
};

struct unmap_plan {
	uint8_t *kind;		/* enum seg_kind of each, in IOVA order */
	uint64_t present;	/* mapped pages of all segments */
	size_t punches;
	size_t splits;
};

static size_t unmap_args(const struct iod_iopt *iopt,
			 const struct iod_unmap_seg *segs, size_t nr,
			 const uint64_t *dirty, int *err)
{
	uint64_t ps = 1ULL << iopt->p.granule_shift;
	size_t i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = iod_iopt_unmap_check_args(iopt, segs[i].iova,
						segs[i].length, ps, dirty);
		/*
		 * A single unmap's report may cut its granules; a segment's
		 * one bit may not: it must say the whole granules are gone.
		 */
		if (!ret && dirty &&
		    ((segs[i].iova | segs[i].length) & (ps - 1)))
			ret = -EINVAL;
		if (ret) {
			*err = ret;
			return i;
		}
	}
	return nr;
}

static size_t unmap_state(struct iod_iopt *iopt, const struct vec_order *o,
			  bool report, struct unmap_plan *plan, int *err)
{
	uint64_t first, end, present;
	size_t k, bad = o->nr;
	int ret;

	for (k = 0; k < o->nr; k++) {
		unmap_span(o->segs, k, &first, &end);
		ret = iopt_unmap_check_state(iopt, first, end, report,
					     &present);
		if (ret) {
			if (order_idx(o, k) < bad) {
				bad = order_idx(o, k);
				*err = ret;
			}
			continue;
		}
		plan->present += present;
		plan->kind[k] = SEG_PLAIN;
		if (area_around(iopt, first, end)) {
			if (end - first < IOPT_SPLIT_PAGES) {
				plan->kind[k] = SEG_PUNCH;
				plan->punches++;
			} else {
				plan->kind[k] = SEG_SPLIT;
				plan->splits++;
			}
		}
	}
	return bad;
}

/*
 * Everything the apply step may allocate: spares for the splits, the
 * dirty state of held pages the report marks, room in the hole set for
 * every punch (last, as it leaves the set in batch mode).
 */
static int unmap_alloc(struct iod_iopt *iopt, const struct vec_order *o,
		       const struct unmap_plan *plan, bool report,
		       struct area_pool *pool)
{
	struct iod_holeset_range *r = NULL;
	uint64_t first, end;
	size_t k, n = 0;
	int ret;

	ret = pool_fill(pool, plan->splits);
	for (k = 0; !ret && iopt->holds && k < o->nr; k++) {
		unmap_span(o->segs, k, &first, &end);
		ret = iopt_holds_unmap_prepare(iopt, first, end, report);
	}
	if (ret)
		return ret;
	if (plan->punches) {
		if (plan->punches > SIZE_MAX / sizeof(*r))
			return -ENOMEM;
		r = iod_alloc(plan->punches * sizeof(*r));
		if (!r)
			return -ENOMEM;
		for (k = 0; k < o->nr; k++) {
			if (plan->kind[k] == SEG_PUNCH) {
				unmap_span(o->segs, k, &r[n].first, &r[n].end);
				n++;
			}
		}
	}
	ret = iod_holeset_reserve_many(&iopt->holes, r, n);
	iod_free(r);
	return ret;
}

/* iod_iopt_unmap() of one checked segment; true if it had dirty granules. */
static bool unmap_apply(struct iod_iopt *iopt, const struct iod_unmap_seg *s,
			enum seg_kind kind, struct area_pool *pool,
			bool report)
{
	unsigned int gp = iopt->p.granule_shift - IOD_PAGE_SHIFT;
	struct iod_area *spare = kind == SEG_SPLIT ? pool_take(pool) : NULL;
	uint64_t first, end;
	bool dirty = false;

	unmap_span(s, 0, &first, &end);
	if (iopt->holds)
		iopt_holds_unmap(iopt, first, end, report);
	/* Granule-aligned: the harvest clears exactly the segment's. */
	if (report)
		dirty = iod_dirty_harvest(&iopt->dirty, first >> gp,
					  end >> gp, true, NULL, NULL);
	iopt_carve(iopt, first, end, &spare, kind == SEG_PUNCH);
	/* An earlier segment trimmed the area: the spare went unused. */
	if (spare)
		pool->v[pool->n++] = spare;
	if (iopt->tracking && !report)
		iopt_dirty_forget(iopt, first, end);
	return dirty;
}

int iod_iopt_unmap_vec(struct iod_iopt *iopt,
		       const struct iod_unmap_seg *segs, size_t nr,
		       uint64_t *dirty, size_t *failed,
		       struct iod_vec_found *found)
{
	struct unmap_plan plan = { NULL, 0, 0, 0 };
	struct area_pool pool = { NULL, 0 };
	struct iod_vec_found f = { 0, 0 };
	struct vec_order o;
	size_t bad, i, k;
	int ret = 0;

	set_failed(failed, nr);
	if (!nr)
		return 0;
	bad = unmap_args(iopt, segs, nr, dirty, &ret);
	if (bad < nr) {
		set_failed(failed, bad);
		return ret;
	}
	ret = order_init(&o, segs, nr, sizeof(*segs), unmap_span);
	if (ret)
		return ret;
	bad = first_overlap(&o);
	if (bad < nr) {
		set_failed(failed, bad);
		ret = -EINVAL;
		goto out_order;
	}
	plan.kind = iod_alloc(nr);
	if (!plan.kind) {
		ret = -ENOMEM;
		goto out_order;
	}

	iopt_write_lock(iopt);
	if (dirty && !iopt->tracking) {
		ret = -ENODATA;
		goto out;
	}
	bad = unmap_state(iopt, &o, dirty != NULL, &plan, &ret);
	if (bad < nr) {
		set_failed(failed, bad);
		goto out;
	}
	ret = unmap_alloc(iopt, &o, &plan, dirty != NULL, &pool);
	if (ret)
		goto out;
	/* Nothing below can fail: harvest and removal are one step. */
	for (k = 0; k < nr; k++) {
		i = order_idx(&o, k);
		if (unmap_apply(iopt, order_seg(&o, k), plan.kind[k], &pool,
				dirty != NULL)) {
			dirty[i / 64] |= 1ULL << (i % 64);
			f.segs++;
			f.bytes += segs[i].length;
		}
	}
	iod_holeset_batch_end(&iopt->holes);
	iopt->mapped_pages -= plan.present;
	if (dirty) {
		/* One report: one read, one IOTLB flush if it cleared. */
		iod_atomic_add(&iopt->reads, 1);
		if (f.segs)
			iod_atomic_add(&iopt->clears, 1);
		if (found)
			*found = f;
	}
out:
	iod_write_unlock(&iopt->lock);
	pool_free(&pool);
	iod_free(plan.kind);
out_order:
	order_fini(&o);
	return ret;
}
