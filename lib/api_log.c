// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Dirty logs shared with device processes (since 0.6): the VMM's side.
 * Export makes the memory file, revoke and the dirty reads take what the
 * device marked into the domain. The device's side is
 * backend/log_import.c; the layout is shlog.c.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api_log.h"

/*
 * The mapped granules [first, end) of the window at or after where a
 * stream of the take is; first == granules when nothing more is.
 */
struct mapped_cursor {
	uint64_t first, end;
};

/* Runs of granules taken from one log, merged, marked in batches. */
#define TAKE_BATCH	64

struct taken {
	struct iodirty_log *log;
	uint64_t first[TAKE_BATCH];
	uint64_t n[TAKE_BATCH];
	size_t nr;
	int err;
	/*
	 * Two cursors over the mapped granules, one for each stream the take
	 * asks in (see shlog.h): the ranges below summaries, and the level-0
	 * words with their runs. Each moves only up: one lookup a mapped run
	 * the take reaches, one in all for a window mapped whole.
	 */
	struct mapped_cursor range, word;
	/*
	 * Where the runs go instead of the domain: iodirty_logs_collect().
	 * Set back to NULL when it cannot grow; the domain takes the rest.
	 */
	struct iod_runs *into;
};

/*
 * Marks [iova, iova + len) where it is mapped: the plain mark fails on a
 * range with an unmapped page (-ENOENT), and a device may mark anything in
 * its window. The walk costs the mapped runs in the range.
 */
static int mark_mapped(struct iodirty_domain *dom, uint64_t iova,
		       uint64_t len)
{
	uint64_t cur = iova, last = iova + len - 1, s, e;
	struct iodirty_mapping m[16];
	int64_t n, i;
	int ret;

	if (!dom->ops->mappings)
		return 0;	/* every backend lists its mappings */
	for (;;) {
		n = dom->ops->mappings(dom, cur, m, 16);
		if (n < 0)
			return (int)n;
		for (i = 0; i < n; i++) {
			s = m[i].iova > cur ? m[i].iova : cur;
			if (s > last)
				return 0;
			e = m[i].iova + m[i].length - 1;
			if (e > last)
				e = last;
			ret = dom->ops->mark_dirty(dom, s, e - s + 1);
			/* -ENOENT: unmapped since it was listed. */
			if (ret && ret != -ENOENT)
				return ret;
			if (e == last)
				return 0;
			cur = e + 1;
		}
		if (n < 16)
			return 0;
	}
}

static int mark_run(struct iodirty_log *log, uint64_t first, uint64_t n)
{
	const struct iod_shlog_geo *g = &log->geo;
	uint64_t iova = g->iova + (first << g->granule_shift);
	uint64_t len = n << g->granule_shift;
	int ret = log->dom->ops->mark_dirty(log->dom, iova, len);

	return ret == -ENOENT ? mark_mapped(log->dom, iova, len) : ret;
}

/* After a failed mark, the rest goes back into the log: nothing is lost. */
static void flush(struct taken *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		if (!t->err)
			t->err = mark_run(t->log, t->first[i], t->n[i]);
		if (t->err)
			iod_shlog_mark(t->log->base, &t->log->geo, t->first[i],
				       t->first[i] + t->n[i]);
	}
	t->nr = 0;
}

/* Brings @c to the mapped run at or after granule @g. */
static void mapped_from(struct taken *t, struct mapped_cursor *c, uint64_t g)
{
	const struct iod_shlog_geo *geo = &t->log->geo;
	struct iodirty_domain *dom = t->log->dom;
	uint64_t gsize = 1ULL << geo->granule_shift, wlast, s, e;
	struct iodirty_mapping m;
	int64_t n;

	if (g < c->end || c->first == geo->granules)
		return;
	n = dom->ops->mappings ?
	    dom->ops->mappings(dom, geo->iova + (g << geo->granule_shift), &m,
			       1) : -EOPNOTSUPP;
	if (n < 0) {
		/* Cannot tell: everything from @g on counts as mapped. */
		c->first = g;
		c->end = geo->granules;
		return;
	}
	wlast = geo->iova + (geo->granules << geo->granule_shift) - 1;
	if (!n || m.iova > wlast) {
		c->first = c->end = geo->granules;
		return;
	}
	s = m.iova - geo->iova;
	e = m.iova + m.length - 1 > wlast ? wlast - geo->iova + 1 :
	    m.iova + m.length - geo->iova;
	/* Granules that hold a mapped byte; the mark sorts out the rest. */
	c->first = s >> geo->granule_shift;
	c->end = (e + gsize - 1) >> geo->granule_shift;
	if (c->first < g)
		c->first = g;
}

/* Only ranges that hold mapped pages are read below a summary bit. */
static bool on_want_range(void *arg, uint64_t first, uint64_t end)
{
	struct taken *t = arg;

	mapped_from(t, &t->range, first);
	return t->range.first < end;
}

static bool on_want_word(void *arg, uint64_t first, uint64_t end)
{
	struct taken *t = arg;

	mapped_from(t, &t->word, first);
	return t->word.first < end;
}

/* Appends a run of IOVA bytes, merged with the last one; false: ENOMEM. */
static bool runs_add(struct iod_runs *r, uint64_t iova, uint64_t len)
{
	struct iodirty_extent *v;
	size_t cap;

	if (r->n && r->v[r->n - 1].start + r->v[r->n - 1].length == iova) {
		r->v[r->n - 1].length += len;
		return true;
	}
	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 256;
		if (cap > SIZE_MAX / sizeof(*v))
			return false;
		v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return false;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n].start = iova;
	r->v[r->n++].length = len;
	return true;
}

static void push(struct taken *t, uint64_t first, uint64_t n)
{
	const struct iod_shlog_geo *g = &t->log->geo;

	if (t->into && runs_add(t->into, g->iova + (first << g->granule_shift),
				n << g->granule_shift))
		return;
	t->into = NULL;
	if (t->nr && t->first[t->nr - 1] + t->n[t->nr - 1] == first) {
		t->n[t->nr - 1] += n;
		return;
	}
	if (t->nr == TAKE_BATCH)
		flush(t);
	t->first[t->nr] = first;
	t->n[t->nr++] = n;
}

/* A run taken: its mapped parts are marked, the rest dropped here. */
static void on_run(void *arg, uint64_t first, uint64_t n)
{
	uint64_t end = first + n, s, e;
	struct taken *t = arg;

	while (first < end) {
		mapped_from(t, &t->word, first);
		if (t->word.first >= end)
			return;
		s = first > t->word.first ? first : t->word.first;
		e = end < t->word.end ? end : t->word.end;
		push(t, s, e - s);
		first = e;
	}
}

static const struct iod_shlog_take_ops take_ops = {
	.want_range = on_want_range,
	.want_word = on_want_word,
	.run = on_run,
};

/*
 * Called with dom->log_lock held. The runs go into @into if it is not
 * NULL and can grow, else into the domain.
 */
static int take_into(struct iodirty_log *log, struct iod_runs *into)
{
	struct taken t;

	t.log = log;
	t.nr = 0;
	t.err = 0;
	t.range.first = t.range.end = 0;
	t.word = t.range;
	t.into = into;
	iod_shlog_take(log->base, &log->geo, &take_ops, &t);
	flush(&t);
	return t.err;
}

static int take_one(struct iodirty_log *log)
{
	return take_into(log, NULL);
}

static int take_all(struct iodirty_domain *dom);

static int by_window(const void *a, const void *b)
{
	const struct iodirty_log *x = *(struct iodirty_log *const *)a;
	const struct iodirty_log *y = *(struct iodirty_log *const *)b;

	return x->geo.iova < y->geo.iova ? -1 : x->geo.iova > y->geo.iova;
}

static int by_start(const void *a, const void *b)
{
	const struct iodirty_extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int iodirty_logs_collect(struct iodirty_domain *dom, struct iod_runs *r)
{
	unsigned int n = atomic_load_explicit(&dom->nlogs,
					      memory_order_relaxed), i, k = 0;
	struct iodirty_log *few[16], **sorted = few, *log;
	int ret = 0, err;

	if (n > 16 && !(sorted = calloc(n, sizeof(*sorted))))
		return take_all(dom);	/* all into the domain */
	for (log = dom->logs; log && k < n; log = log->next)
		sorted[k++] = log;
	/* Windows apart, each log's runs ascending: no sort of the runs. */
	qsort(sorted, k, sizeof(*sorted), by_window);
	for (i = 0; i < k; i++) {
		err = take_into(sorted[i], r);
		if (err && !ret)
			ret = err;
	}
	if (sorted != few)
		free(sorted);
	for (i = 1; i < r->n; i++)
		if (r->v[i].start < r->v[i - 1].start) {
			/* Windows that overlap. */
			qsort(r->v, r->n, sizeof(*r->v), by_start);
			break;
		}
	return ret;
}

int iodirty_logs_mark(struct iodirty_domain *dom, uint64_t iova,
		      uint64_t len)
{
	int ret = dom->ops->mark_dirty(dom, iova, len);
	uint64_t s, last, wlast, gs;
	struct iodirty_log *log;

	if (ret == -ENOENT)
		ret = mark_mapped(dom, iova, len);
	if (!ret)
		return 0;
	/* Back into every log whose window holds some of it: none is lost. */
	for (log = dom->logs; log; log = log->next) {
		gs = log->geo.granule_shift;
		wlast = log->geo.iova + (log->geo.granules << gs) - 1;
		s = iova > log->geo.iova ? iova : log->geo.iova;
		last = iova + len - 1 < wlast ? iova + len - 1 : wlast;
		if (s <= last)
			iod_shlog_mark(log->base, &log->geo,
				       (s - log->geo.iova) >> gs,
				       ((last - log->geo.iova) >> gs) + 1);
	}
	return ret;
}

/* Called with dom->log_lock held. */
static int take_all(struct iodirty_domain *dom)
{
	struct iodirty_log *log;
	int ret = 0, r;

	for (log = dom->logs; log; log = log->next) {
		r = take_one(log);
		if (r && !ret)
			ret = r;
	}
	return ret;
}

int iodirty_logs_take_slow(struct iodirty_domain *dom)
{
	int ret;

	pthread_mutex_lock(&dom->log_lock);
	ret = take_all(dom);
	pthread_mutex_unlock(&dom->log_lock);
	return ret;
}

int iodirty_logs_set_tracking(struct iodirty_domain *dom, bool enable)
{
	int ret;

	if (!atomic_load_explicit(&dom->nlogs, memory_order_acquire))
		return dom->ops->set_tracking(dom, enable);
	/* Held across both: no take judges a mark by the new state early. */
	pthread_mutex_lock(&dom->log_lock);
	ret = take_all(dom);
	if (!ret)
		ret = dom->ops->set_tracking(dom, enable);
	pthread_mutex_unlock(&dom->log_lock);
	return ret;
}

static void log_free(struct iodirty_log *log)
{
	log_maps_free(log->maps);
	if (log->base)
		munmap(log->base, (size_t)log->geo.size);
	if (log->fd >= 0)
		close(log->fd);
	free(log);
}

void iodirty_logs_fini(struct iodirty_domain *dom)
{
	struct iodirty_log *log, *next;

	for (log = dom->logs; log; log = next) {
		next = log->next;
		log_free(log);
	}
	dom->logs = NULL;
}

static int export_check(struct iodirty_domain *dom, uint64_t iova,
			uint64_t length, uint32_t flags)
{
	uint64_t gmask = (1ULL << dom->params.granule_shift) - 1;
	uint32_t bits = dom->params.iova_bits;

	if (dom->ops == &iodirty_log_ops)
		return -EPERM;
	if ((flags & ~IODIRTY_LOG_MAPPINGS) || !dom->ops->set_dirty ||
	    ((flags & IODIRTY_LOG_MAPPINGS) && !dom->ops->mappings))
		return -EOPNOTSUPP;
	if (!length || ((iova | length) & gmask))
		return -EINVAL;
	if (iova + length - 1 < iova)
		return -EOVERFLOW;
	if (bits < 64 && (iova + length - 1) >> bits)
		return -ERANGE;
	return 0;
}

/* The sealed memory file and its mapping; 0 or a negative errno. */
static int log_memory(struct iodirty_log *log)
{
	const unsigned int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

	if (log->geo.size > SIZE_MAX || log->geo.size > INT64_MAX)
		return -ENOMEM;
	log->fd = memfd_create("iodirty-log", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (log->fd < 0)
		return -errno;
	if (ftruncate(log->fd, (off_t)log->geo.size) ||
	    fcntl(log->fd, F_ADD_SEALS, seals))
		return -errno;
	log->base = mmap(NULL, (size_t)log->geo.size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, log->fd, 0);
	if (log->base == MAP_FAILED) {
		log->base = NULL;
		return -errno;
	}
	iod_shlog_hdr_fill(log->base, &log->geo);
	return 0;
}

IODIRTY_EXPORT int iodirty_log_export(struct iodirty_domain *dom,
				      uint64_t iova, uint64_t length,
				      uint32_t flags, struct iodirty_log **out)
{
	struct iodirty_log *log;
	int ret;

	if (!dom || !out)
		return -EINVAL;
	ret = export_check(dom, iova, length, flags);
	if (ret)
		return ret;
	log = calloc(1, sizeof(*log));
	if (!log)
		return -ENOMEM;
	log->fd = -1;
	log->dom = dom;
	ret = iod_shlog_geo_init(&log->geo, iova, length,
				 dom->params.granule_shift);
	if (!ret)
		ret = log_memory(log);
	if (!ret && (flags & IODIRTY_LOG_MAPPINGS))
		ret = log_maps_create(log);
	if (ret) {
		log_free(log);
		return ret;
	}
	pthread_mutex_lock(&dom->log_lock);
	log->next = dom->logs;
	dom->logs = log;
	atomic_fetch_add_explicit(&dom->nlogs, 1, memory_order_release);
	/* Under the lock, on the list: no map or unmap can slip between. */
	if (log->maps)
		log_maps_publish(log);
	pthread_mutex_unlock(&dom->log_lock);
	*out = log;
	return 0;
}

IODIRTY_EXPORT int iodirty_log_fd(const struct iodirty_log *log)
{
	return log ? log->fd : -EINVAL;
}

IODIRTY_EXPORT int iodirty_log_revoke(struct iodirty_log *log)
{
	struct iodirty_domain *dom;
	struct iodirty_log **p;
	int ret;

	if (!log)
		return -EINVAL;
	dom = log->dom;
	pthread_mutex_lock(&dom->log_lock);
	ret = take_one(log);
	if (!ret) {
		for (p = &dom->logs; *p != log; p = &(*p)->next)
			;
		*p = log->next;
		atomic_fetch_sub_explicit(&dom->nlogs, 1, memory_order_relaxed);
	}
	pthread_mutex_unlock(&dom->log_lock);
	if (!ret)
		log_free(log);
	return ret;
}
