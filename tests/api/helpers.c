// SPDX-License-Identifier: MIT
/* Shared helpers of the public-API tests. */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct iodirty_ctx *t_ctx;
struct iodirty_caps t_caps;

void t_init(const char *prog)
{
	struct iodirty_caps caps = IODIRTY_OPTS(iodirty_caps);
	const char *env = getenv(IODIRTY_BACKEND_ENV);
	/* Without the variable the library picks the backend itself. */
	const char *name = env && *env ? env : "(default)";
	int rc;

	rc = iodirty_ctx_open(NULL, NULL, &t_ctx);
	if (rc == -ENODEV || rc == -EOPNOTSUPP) {
		fprintf(stderr, "%s: SKIP: backend \"%s\" not available: %s\n",
			prog, name, iodirty_strerror(rc));
		exit(T_SKIP);
	}
	if (rc) {
		fprintf(stderr, "%s: iodirty_ctx_open(\"%s\"): %d (%s)\n",
			prog, name, rc, iodirty_strerror(rc));
		exit(1);
	}
	rc = iodirty_ctx_caps(t_ctx, &caps);
	if (rc) {
		fprintf(stderr, "%s: iodirty_ctx_caps: %d (%s)\n", prog, rc,
			iodirty_strerror(rc));
		exit(1);
	}
	t_caps = caps;
	printf("# %s: backend %s, caps 0x%" PRIx64 ", granules 0x%" PRIx64
	       ", iova_bits default %u max %u\n", prog,
	       iodirty_ctx_backend(t_ctx), caps.flags, caps.granules,
	       caps.default_iova_bits, caps.max_iova_bits);
	fflush(stdout);
}

void t_fini(void)
{
	iodirty_ctx_close(t_ctx);
	t_ctx = NULL;
}

bool t_backend_is(const char *name)
{
	const char *b = iodirty_ctx_backend(t_ctx);

	return b && strcmp(b, name) == 0;
}

struct iodirty_domain *t_domain(uint32_t iova_bits, uint64_t granule)
{
	struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts,
						    .iova_bits = iova_bits,
						    .granule = granule);
	struct iodirty_domain *dom = NULL;
	int rc = iodirty_domain_create(t_ctx, &o, &dom);

	if (rc)
		print_error("iodirty_domain_create(bits %u, granule %" PRIu64
			    "): %d (%s)\n", iova_bits, granule, rc,
			    iodirty_strerror(rc));
	assert_int_equal(rc, 0);
	assert_non_null(dom);
	return dom;
}

static void *map_aligned(size_t len, size_t align, int prot, int flags)
{
	size_t a = align > T_PAGE ? align : T_PAGE;
	size_t total = len + a;
	char *p, *q;

	assert_true(len > 0 && len % T_PAGE == 0);
	p = mmap(NULL, total, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	assert_true(p != MAP_FAILED);
	q = (char *)(((uintptr_t)p + a - 1) & ~(uintptr_t)(a - 1));
	/* Trim the slack so that t_ram_free() needs only (q, len). */
	if (q > p)
		munmap(p, (size_t)(q - p));
	if (q + len < p + total)
		munmap(q + len, (size_t)(p + total - (q + len)));
	return q;
}

void *t_ram(size_t len, size_t align)
{
	return map_aligned(len, align, PROT_READ | PROT_WRITE, 0);
}

void *t_vspace(size_t len, size_t align)
{
	return map_aligned(len, align, PROT_NONE, MAP_NORESERVE);
}

void *t_mapmem(size_t len, size_t align)
{
	if (t_backend_is("soft"))
		return t_vspace(len, align);
	/* MAP_NORESERVE: only the pinned part is ever allocated. */
	return map_aligned(len, align, PROT_READ | PROT_WRITE, MAP_NORESERVE);
}

void *t_vspace_try(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void t_ram_free(void *p, size_t len)
{
	if (p)
		assert_int_equal(munmap(p, len), 0);
}

uint64_t t_popcount(const uint64_t *bm, size_t words)
{
	uint64_t n = 0;

	for (size_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bm[i]);
	return n;
}

void t_stats(struct iodirty_domain *dom, struct iodirty_stats *st)
{
	struct iodirty_stats s = IODIRTY_OPTS(iodirty_stats);

	assert_int_equal(iodirty_domain_stats(dom, &s), 0);
	assert_int_equal(s.sz, sizeof(s));
	*st = s;
}

int64_t t_dirty_count(struct iodirty_domain *dom, uint64_t iova,
		      uint64_t length)
{
	struct iodirty_stats st;
	uint64_t *bm;
	int64_t rc;

	t_stats(dom, &st);
	bm = calloc(t_words(length / st.granule) + 1, sizeof(*bm));
	assert_non_null(bm);
	rc = iodirty_read_dirty(dom, iova, length, st.granule, bm,
				IODIRTY_READ_NO_CLEAR);
	if (rc >= 0)
		assert_int_equal((uint64_t)rc,
				 t_popcount(bm, t_words(length / st.granule)));
	free(bm);
	return rc;
}


/* ------------------------------------------------------------------ */

void t_snap_take(struct iodirty_domain *dom, const struct t_snap_spec *spec,
		 struct t_snap *s)
{
	memset(s, 0, sizeof(*s));
	t_stats(dom, &s->st);

	s->nresv = T_SNAP_MAX_RANGES;
	s->resv_rc = iodirty_reserved_regions(dom, s->resv, &s->nresv);
	s->nranges = T_SNAP_MAX_RANGES;
	s->ranges_rc = iodirty_iova_ranges(dom, s->ranges, &s->nranges);

	s->nprobes = spec->nprobes;
	for (size_t i = 0; i < spec->nprobes; i++) {
		s->probe[i] = spec->probe[i];
		s->probe_rc[i] = iodirty_translate(dom, spec->probe[i],
						   &s->probe_addr[i],
						   &s->probe_contig[i]);
	}

	s->win_iova = spec->win_iova;
	s->win_len = spec->win_len;
	if (spec->win_len) {
		uint64_t bits = spec->win_len / s->st.granule;

		s->dirty = calloc(t_words(bits) + 1, sizeof(uint64_t));
		assert_non_null(s->dirty);
		s->dirty_rc = iodirty_read_dirty(dom, spec->win_iova,
						 spec->win_len, s->st.granule,
						 s->dirty,
						 IODIRTY_READ_NO_CLEAR);
	}
}

void t_snap_assert_equal(const struct t_snap *b, const struct t_snap *a)
{
	/* Counters. The NO_CLEAR read of the "before" snapshot counts. */
	assert_int_equal(a->st.mapped_bytes, b->st.mapped_bytes);
	assert_int_equal(a->st.mappings, b->st.mappings);
	assert_int_equal(a->st.holes, b->st.holes);
	assert_int_equal(a->st.dirty_pending, b->st.dirty_pending);
	assert_int_equal(a->st.reads,
			 b->st.reads + (b->win_len && b->dirty_rc >= 0));
	assert_int_equal(a->st.clears, b->st.clears);
	assert_int_equal(a->st.granule, b->st.granule);
	assert_int_equal(a->st.iova_bits, b->st.iova_bits);
	assert_int_equal(a->st.tracking, b->st.tracking);

	assert_int_equal(a->resv_rc, b->resv_rc);
	assert_int_equal(a->nresv, b->nresv);
	if (a->resv_rc == 0)
		assert_memory_equal(a->resv, b->resv,
				    a->nresv * sizeof(a->resv[0]));
	assert_int_equal(a->ranges_rc, b->ranges_rc);
	assert_int_equal(a->nranges, b->nranges);
	if (a->ranges_rc == 0)
		assert_memory_equal(a->ranges, b->ranges,
				    a->nranges * sizeof(a->ranges[0]));

	assert_int_equal(a->nprobes, b->nprobes);
	for (size_t i = 0; i < a->nprobes; i++) {
		if (a->probe_rc[i] != b->probe_rc[i])
			print_error("probe iova 0x%" PRIx64 ": translate %d "
				    "before, %d after\n", a->probe[i],
				    b->probe_rc[i], a->probe_rc[i]);
		assert_int_equal(a->probe_rc[i], b->probe_rc[i]);
		if (a->probe_rc[i] == 0) {
			assert_ptr_equal(a->probe_addr[i], b->probe_addr[i]);
			assert_int_equal(a->probe_contig[i],
					 b->probe_contig[i]);
		}
	}

	assert_int_equal(a->dirty_rc, b->dirty_rc);
	if (a->win_len && a->dirty_rc >= 0)
		assert_memory_equal(a->dirty, b->dirty,
				    t_words(a->win_len / a->st.granule) *
				    sizeof(uint64_t));
}

void t_snap_free(struct t_snap *s)
{
	free(s->dirty);
	s->dirty = NULL;
}

/* ------------------------------------------------------------------ */

struct race_thread {
	pthread_t tid;
	struct t_race *race;
	void *ctx;
	t_thread_fn fn;		/* or, when NULL, a writer: */
	t_writer_fn *writer;
	int id;
	uint64_t seed;
};

static void *race_entry(void *arg)
{
	struct race_thread *t = arg;

	pthread_barrier_wait(&t->race->start);
	if (t->fn)
		return t->fn(t->ctx);
	t->writer(t->ctx, t->id, t->seed);
	atomic_fetch_add(&t->race->writers_done, 1);
	return NULL;
}

void t_race_run(struct t_race *race, void *ctx, const t_thread_fn *others,
		int nothers, t_writer_fn *writer, int nw,
		const uint64_t *seeds)
{
	int n = nothers + nw;
	struct race_thread *th = calloc((size_t)n, sizeof(*th));

	assert_non_null(th);
	assert_int_equal(pthread_barrier_init(&race->start, NULL,
					      (unsigned int)n), 0);
	for (int i = 0; i < n; i++) {
		th[i].race = race;
		th[i].ctx = ctx;
		if (i < nothers) {
			th[i].fn = others[i];
		} else {
			th[i].writer = writer;
			th[i].id = i - nothers;
			th[i].seed = seeds[i - nothers];
		}
		assert_int_equal(pthread_create(&th[i].tid, NULL, race_entry,
						&th[i]), 0);
	}
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_join(th[i].tid, NULL), 0);
	pthread_barrier_destroy(&race->start);
	free(th);
}
