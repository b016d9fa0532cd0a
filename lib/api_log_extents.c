// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * A read-and-clear of extents by IOVA on a domain with exported logs: the
 * logs' runs go straight into the caller's extents, merged with what the
 * domain's own read returns, instead of being marked into the domain and
 * read back. Marking a sparse page into the domain costs a cold leaf of
 * its bitmap, and reading it back another; this way a page a device
 * marked costs its word in the log and a slot in the output.
 *
 * The output must hold what the domain returns and the log's runs, and
 * neither may be dropped once read. So the runs decide first how much of
 * the range this call covers: the domain is read over [addr, c), where c
 * leaves the log's runs at most nr - 1 extents, into at most nr minus
 * that many. Runs outside what the call reports go into the domain, where
 * the call that resumes (or the next read) finds them.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * Marks [s, last] of the runs into the domain; the first error is kept.
 * Ends are inclusive throughout: a run may end at 2^64.
 */
static void to_domain(struct iodirty_domain *dom, uint64_t s, uint64_t last,
		      int *err)
{
	int ret;

	if (s > last)
		return;
	ret = iodirty_logs_mark(dom, s, last - s + 1);
	if (ret && !*err)
		*err = ret;
}

/*
 * Where the domain's read must stop: the start of the run extent number
 * @keep (page-rounded, merged), or @end when there are no more; *@k gets
 * the number of extents before it.
 */
static uint64_t cut(const struct iod_runs *r, uint64_t addr, uint64_t end,
		    uint64_t pm, size_t keep, size_t *k)
{
	uint64_t s, e, rs, re, cur = 0;
	size_t i;

	*k = 0;
	for (i = 0; i < r->n; i++) {
		s = max64(r->v[i].start, addr);
		if (s >= end)
			continue;
		/* end > addr >= 0, so end - 1 does not wrap. */
		e = min64(r->v[i].start + (r->v[i].length - 1), end - 1) + 1;
		if (s >= e)
			continue;
		rs = s & ~pm;
		re = (e + pm) & ~pm;	/* <= end: end is page aligned */
		if (*k && rs <= cur) {
			cur = max64(cur, re);
			continue;
		}
		if (*k == keep)
			return rs;
		++*k;
		cur = re;
	}
	return end;
}

/* Every run of @r into the domain: a call that reports none of them. */
static void all_to_domain(struct iodirty_domain *dom,
			  const struct iod_runs *r, int *err)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		to_domain(dom, r->v[i].start,
			  r->v[i].start + (r->v[i].length - 1), err);
}

/* Adds [s, e) to the output, merged with its last extent when they meet. */
static void emit(struct iodirty_extent *ext, size_t *m, uint64_t s,
		 uint64_t e)
{
	struct iodirty_extent *last = *m ? &ext[*m - 1] : NULL;

	if (last && s <= last->start + last->length) {
		if (e > last->start + last->length)
			last->length = e - last->start;
		return;
	}
	ext[*m].start = s;
	ext[(*m)++].length = e - s;
}

/*
 * Merges the domain's @got extents, moved to the end of @ext, with the
 * runs below @lim; the runs at or past it go into the domain. Never
 * writes an entry it has not read: the runs add at most nr - got entries.
 */
static size_t merge(struct iodirty_domain *dom, struct iodirty_extent *ext,
		    size_t nr, size_t got, const struct iod_runs *r,
		    uint64_t lim, uint64_t pm, int *err)
{
	struct iodirty_extent *d = ext + nr - got, x;
	size_t m = 0, di = 0, j = 0;
	uint64_t s, last;

	memmove(d, ext, got * sizeof(*ext));
	while (di < got || j < r->n) {
		if (j == r->n || (di < got && d[di].start <=
				  (r->v[j].start & ~pm))) {
			x = d[di++];
			emit(ext, &m, x.start, x.start + x.length);
			continue;
		}
		s = r->v[j].start;
		last = s + (r->v[j++].length - 1);
		to_domain(dom, max64(s, lim), last, err);
		/* lim <= end < 2^64: lim - 1 and the rounding do not wrap. */
		if (s < lim)
			emit(ext, &m, s & ~pm,
			     (min64(last, lim - 1) + 1 + pm) & ~pm);
	}
	return m;
}

int64_t iodirty_logs_read_extents(struct iodirty_domain *dom, uint64_t addr,
				  uint64_t length, uint64_t page_size,
				  struct iodirty_extent *ext, size_t nr,
				  uint64_t *next)
{
	uint64_t end = addr + length, pm = page_size - 1, c, s, last, dnext;
	struct iod_runs r = { NULL, 0, 0 };
	int err = 0;
	int64_t got;
	size_t i, k = 0, n;

	pthread_mutex_lock(&dom->log_lock);
	err = iodirty_logs_collect(dom, &r);
	if (err) {
		/* As a take that failed: nothing is read, nothing lost. */
		all_to_domain(dom, &r, &err);
		got = err;
		goto out;
	}
	c = cut(&r, addr, end, pm, nr - 1, &k);
	/* What this call does not cover goes into the domain first. */
	for (i = n = 0; i < r.n; i++) {
		s = r.v[i].start;
		last = s + (r.v[i].length - 1);
		if (addr)
			to_domain(dom, s, min64(last, addr - 1), &err);
		to_domain(dom, max64(s, c), last, &err);
		/* c > addr, so c - 1 does not wrap. */
		s = max64(s, addr);
		last = min64(last, c - 1);
		if (s <= last) {
			r.v[n].start = s;
			r.v[n++].length = last - s + 1;
		}
	}
	r.n = n;
	if (err) {
		/* A mark failed and went back into the logs: read nothing. */
		all_to_domain(dom, &r, &err);
		got = err;
		goto out;
	}
	got = dom->ops->read_extents(dom, addr, c - addr, page_size, ext,
				     nr - k, &dnext, 0);
	if (got < 0) {
		all_to_domain(dom, &r, &err);
		goto out;
	}
	got = (int64_t)merge(dom, ext, nr, (size_t)got, &r, dnext, pm, &err);
	*next = dnext;
out:
	pthread_mutex_unlock(&dom->log_lock);
	free(r.v);
	return got;
}
