// SPDX-License-Identifier: MIT
/*
 * Property test: long random sequences of map / unmap / DMA / mark-dirty /
 * dirty reads (bitmaps and, since 0.5, extents) / put-back / tracking
 * on-off / listing the mappings / vector map and unmap, checked after every
 * step against a plain reference model of the header's semantics (per-page
 * arrays plus the list of linear runs). Every return code, every output bit, translations and
 * the counters are compared.
 *
 * The one thing the header leaves to the library is whether an unmap
 * strictly inside a mapping punches holes or splits the mapping in two;
 * the model follows whichever the counters say happened and checks
 * everything else against it.
 */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "property_model.h"

#define P T_PAGE
#define R 1024			/* RAM pages */
#define BASE (1ULL << 32)	/* IOVA of window page 0 */
#define NOPS 20000
#define CANARY 0xa5a5a5a5a5a5a5a5ULL

struct run {
	struct iodirty_domain *dom;
	uint8_t *ram;
	struct model *m;
	uint64_t seed, seed0;
	long op;
	char log[32][200];
	uint64_t granule;
};

static struct run *cur;

/* ------------------------------------------------------------------ */
/* op log and failure reporting                                       */

static void logop(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logop(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->log[r->op % 32], sizeof(r->log[0]), fmt, ap);
	va_end(ap);
}

static void dump_log(const struct run *r)
{
	long first = r->op >= 31 ? r->op - 31 : 0;

	print_error("property: granule %" PRIu64 ", seed 0x%" PRIx64
		    ", failure at op %ld; last ops (pages relative to IOVA "
		    "0x%llx, RAM pages relative to the RAM block):\n",
		    r->granule, r->seed0, r->op, (unsigned long long)BASE);
	for (long i = first; i <= r->op; i++)
		print_error("  op %ld: %s\n", i, r->log[i % 32]);
}

#define CHECK_EQ(got, exp)						\
	do {								\
		int64_t g_ = (int64_t)(got), x_ = (int64_t)(exp);	\
		if (g_ != x_) {						\
			dump_log(cur);					\
			print_error("%s:%d: %s = %lld, model says %s = "\
				    "%lld\n", __FILE__, __LINE__, #got,	\
				    (long long)g_, #exp, (long long)x_);\
			fail();						\
		}							\
	} while (0)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			dump_log(cur);					\
			print_error("%s:%d: %s\n", __FILE__, __LINE__,	\
				    #cond);				\
			fail();						\
		}							\
	} while (0)

/* ------------------------------------------------------------------ */
/* checks                                                             */

static void check_stats(struct run *r)
{
	struct iodirty_stats st;
	const struct model *m = r->m;

	t_stats(r->dom, &st);
	CHECK_EQ(st.mapped_bytes, (uint64_t)m_count_mapped(m, 0, W) * P);
	CHECK_EQ(st.mappings, m->na);
	CHECK_EQ(st.holes, m_holes(m));
	CHECK_EQ(st.tracking, m->tracking);
	CHECK_EQ(st.dirty_pending, m_dirty_pending(m));
	CHECK_EQ(st.granule, r->granule);
}

static void check_translate(struct run *r, int64_t page, uint64_t off)
{
	const struct model *m = r->m;
	void *addr = NULL;
	uint64_t contig = 0;
	int rc = iodirty_translate(r->dom, BASE + (uint64_t)page * P + off,
				   &addr, &contig);

	if (!m_in_win(page) || !m->mapped[page]) {
		CHECK_EQ(rc, -ENOENT);
		return;
	}
	CHECK_EQ(rc, 0);
	CHECK(addr == r->ram + (uint64_t)m->tgt[page] * P + off);
	{
		int64_t j = page;

		while (j < W && m->mapped[j] &&
		       m->tgt[j] - j == m->tgt[page] - page &&
		       m->prot[j] == m->prot[page])
			j++;
		CHECK_EQ(contig, (uint64_t)(j - page) * P - off);
	}
}

static void full_sweep(struct run *r)
{
	struct model *m = r->m;
	uint64_t bm[BMW], rep[BMW];

	for (int64_t p = -1; p <= W; p++)
		check_translate(r, p, 0);
	CHECK(memcmp(r->ram, m->shadow, R * P) == 0);
	if (m->tracking) {
		int64_t rc;

		memset(bm, 0, sizeof(bm));
		memset(rep, 0, sizeof(rep));
		rc = iodirty_read_dirty(r->dom, BASE, W * P, r->granule, bm,
					IODIRTY_READ_NO_CLEAR);
		CHECK_EQ(rc, m_report(m, 0, W, m->gp, false, rep));
		CHECK(memcmp(bm, rep, sizeof(bm)) == 0);
	}
}

/* ------------------------------------------------------------------ */
/* operations                                                         */

static uint64_t rnd(struct run *r, uint64_t n)
{
	return t_rand_below(&r->seed, n);
}

/* A length in pages: mostly small, sometimes large. */
static int rnd_len(struct run *r, int max)
{
	uint64_t k = rnd(r, 100);
	int n;

	if (k < 60)
		n = 1 + (int)rnd(r, 8);
	else if (k < 90)
		n = 1 + (int)rnd(r, 64);
	else
		n = 1 + (int)rnd(r, 1024);
	return n > max ? max : n;
}

static uint32_t rnd_prot(struct run *r)
{
	uint64_t k = rnd(r, 10);

	return k < 6 ? IODIRTY_MAP_READ | IODIRTY_MAP_WRITE :
	       k < 8 ? IODIRTY_MAP_READ : IODIRTY_MAP_WRITE;
}

static void op_map(struct run *r)
{
	struct model *m = r->m;
	int a, n, t;
	uint32_t prot = rnd_prot(r);
	uint64_t k = rnd(r, 100);
	int rc, exp;

	if (k < 30 && m->na) {
		/* into a hole of a mapping, or next to a mapping */
		struct area *ar = &m->a[rnd(r, (uint64_t)m->na)];
		int h = ar->first + (int)rnd(r, (uint64_t)(ar->end -
							   ar->first));

		if (k < 20 && !m->mapped[h]) {
			int e = h + 1;

			while (e < ar->end && !m->mapped[e] && rnd(r, 4))
				e++;
			a = h;
			n = e - h;
		} else {
			a = ar->end;
			n = rnd_len(r, 64);
			if (a + n > W)
				n = W - a;
			if (n <= 0) {
				a = 0;
				n = 1;
			}
		}
		if (rnd(r, 10) < 6) {
			t = a + ar->delta;
			if (rnd(r, 10) < 8)
				prot = ar->prot;
		} else {
			t = (int)rnd(r, (uint64_t)(R - n + 1));
		}
		if (t < 0 || t + n > R)
			t = (int)rnd(r, (uint64_t)(R - n + 1));
	} else {
		a = (int)rnd(r, W);
		n = rnd_len(r, R);
		if (a + n > W)
			n = W - a;
		t = (int)rnd(r, (uint64_t)(R - n + 1));
	}
	logop(r, "map pages [%d, +%d) -> RAM %d prot %u", a, n, t, prot);
	rc = iodirty_map(r->dom, BASE + (uint64_t)a * P, r->ram + (uint64_t)t * P,
			 (uint64_t)n * P, prot);
	exp = m_map(m, a, n, t, prot);
	CHECK_EQ(rc, exp);
}

/* Largest multiple of @m (> 0) that is <= @x. */
static int64_t floor_to(int64_t x, int64_t m)
{
	return x >= 0 ? x / m * m : -((-x + m - 1) / m) * m;
}

static int64_t rnd_ps_pages(struct run *r)
{
	return (int64_t)r->m->gp << rnd(r, 5);
}

static void op_unmap(struct run *r)
{
	struct model *m = r->m;
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	uint64_t bm[BMW], rep[BMW];
	int64_t a, n, psp = 0;
	uint64_t k = rnd(r, 100);
	bool report = rnd(r, 100) < 35;
	int rc, container;
	struct area cont;
	const char *mode;

	if (m->na && k < 20) {
		struct area *ar = &m->a[rnd(r, (uint64_t)m->na)];

		mode = "exact";
		a = ar->first;
		n = ar->end - ar->first;
	} else if (m->na && k < 40) {
		struct area *ar = &m->a[rnd(r, (uint64_t)m->na)];
		int64_t len = ar->end - ar->first;

		mode = "partial";
		a = ar->first + (int64_t)rnd(r, (uint64_t)len);
		n = 1 + (int64_t)rnd(r, (uint64_t)(ar->end - a));
	} else if (m->na && k < 60) {
		struct area *ar = &m->a[rnd(r, (uint64_t)m->na)];

		mode = "punch";
		a = ar->first + (int64_t)rnd(r, (uint64_t)(ar->end -
							   ar->first));
		n = 1;
	} else if (m->na && k < 70) {
		struct area *ar = &m->a[rnd(r, (uint64_t)m->na)];
		int64_t len = ar->end - ar->first;

		mode = "middle";
		a = ar->first + 1 + (int64_t)rnd(r, (uint64_t)len);
		n = 1 + (int64_t)rnd(r, (uint64_t)len);
	} else {
		mode = "span";
		a = (int64_t)rnd(r, W + 64) - 32;
		n = rnd_len(r, 2048);
	}
	if (report) {
		psp = rnd_ps_pages(r);
		/* widen to page_size alignment */
		int64_t s = floor_to(a, psp), e = -floor_to(-(a + n), psp);

		a = s;
		n = e - s;
		if (n / psp > MAXBITS) {
			n = psp;
		}
	}
	logop(r, "unmap %s pages [%lld, +%lld)%s page_size %lld pages",
	      mode, (long long)a, (long long)n, report ? " with report," : "",
	      (long long)psp);
	memset(bm, 0, sizeof(bm));
	for (size_t i = 0; i < BMW; i++)
		bm[i] = rnd(r, 2) ? t_rand(&r->seed) : 0;
	memcpy(rep, bm, sizeof(bm));
	if (report) {
		size_t w = t_words((uint64_t)(n / psp));

		/* bits past the range keep their value; words past it are
		 * canaries */
		for (size_t i = w; i < BMW; i++)
			bm[i] = rep[i] = CANARY;
		o.page_size = (uint64_t)psp * P;
		o.dirty_bitmap = bm;
	}
	o.unmapped = 0xdeadbeef;
	rc = iodirty_unmap(r->dom, BASE + (uint64_t)a * P, (uint64_t)n * P, &o);

	{
		int64_t present = m_count_mapped(m, a, n);

		if (report && !m->tracking && !present) {
			CHECK(rc == -ENODATA || rc == -ENOENT);
		} else if (report && !m->tracking) {
			CHECK_EQ(rc, -ENODATA);
		} else if (!present) {
			CHECK_EQ(rc, -ENOENT);
		} else {
			uint64_t st_map;
			struct iodirty_stats st;

			CHECK_EQ(rc, 0);
			CHECK_EQ(o.unmapped, (uint64_t)present * P);
			if (report)
				m_report(m, a, n, psp, true, rep);
			m_unmap(m, a, n, &container, &cont);
			t_stats(r->dom, &st);
			st_map = st.mappings;
			if (container >= 0 && st_map == (uint64_t)m->na + 1) {
				/* the library split instead of punching */
				m_split(m, container, a, n);
			}
		}
	}
	CHECK(memcmp(bm, rep, sizeof(bm)) == 0);
}

static void op_dma(struct run *r, bool write)
{
	struct model *m = r->m;
	int64_t p = (int64_t)rnd(r, W + 4) - 2;
	uint64_t off = rnd(r, P);
	uint64_t len = rnd(r, 4) ? 1 + rnd(r, 64) : 1 + rnd(r, 3 * P);
	uint64_t iova = BASE + (uint64_t)p * P + off;
	static uint8_t buf[3 * 4096 + 64], copy[3 * 4096 + 64];
	int64_t p1 = p + (int64_t)((off + len - 1) / P);
	bool noent = false, acces = false;
	uint32_t need = write ? IODIRTY_MAP_WRITE : IODIRTY_MAP_READ;
	int rc;

	for (uint64_t i = 0; i < len; i++)
		buf[i] = (uint8_t)t_rand(&r->seed);
	memcpy(copy, buf, len);
	logop(r, "dma_%s iova page %lld + %llu, %llu bytes",
	      write ? "write" : "read", (long long)p,
	      (unsigned long long)off, (unsigned long long)len);
	rc = write ? iodirty_dma_write(r->dom, iova, buf, len) :
		     iodirty_dma_read(r->dom, iova, buf, len);
	for (int64_t q = p; q <= p1; q++) {
		if (!m_in_win(q) || !m->mapped[q])
			noent = true;
		else if (!(m->prot[q] & need))
			acces = true;
	}
	if (noent && acces) {
		CHECK(rc == -ENOENT || rc == -EACCES);
	} else if (noent) {
		CHECK_EQ(rc, -ENOENT);
	} else if (acces) {
		CHECK_EQ(rc, -EACCES);
	} else {
		CHECK_EQ(rc, 0);
		for (uint64_t i = 0; i < len; i++) {
			uint64_t b = off + i;
			int64_t q = p + (int64_t)(b / P);
			uint64_t u = (uint64_t)m->tgt[q] * P + b % P;

			if (write)
				m->shadow[u] = copy[i];
			else
				CHECK_EQ(buf[i], m->shadow[u]);
		}
		if (write && m->tracking)
			for (int64_t q = p; q <= p1; q++)
				m->dirty[q / m->gp] = 1;
	}
	if (write) {
		/* the RAM behind the touched pages (unchanged on failure) */
		for (int64_t q = p; q <= p1; q++)
			if (m_in_win(q) && m->mapped[q])
				CHECK(memcmp(r->ram + (uint64_t)m->tgt[q] * P,
					     m->shadow + (uint64_t)m->tgt[q] * P,
					     P) == 0);
	}
}

static void op_mark(struct run *r)
{
	struct model *m = r->m;
	int64_t p = (int64_t)rnd(r, W + 4) - 2;
	uint64_t off = rnd(r, P);
	uint64_t len = 1 + rnd(r, rnd(r, 4) ? 64 : 4 * P);
	int64_t p1 = p + (int64_t)((off + len - 1) / P);
	bool noent = false;
	int rc;

	logop(r, "mark_dirty iova page %lld + %llu, %llu bytes", (long long)p,
	      (unsigned long long)off, (unsigned long long)len);
	rc = iodirty_mark_dirty(r->dom, BASE + (uint64_t)p * P + off, len);
	for (int64_t q = p; q <= p1; q++)
		if (!m_in_win(q) || !m->mapped[q])
			noent = true;
	if (noent) {
		CHECK_EQ(rc, -ENOENT);
		return;
	}
	CHECK_EQ(rc, 0);
	if (m->tracking)
		for (int64_t q = p; q <= p1; q++)
			m->dirty[q / m->gp] = 1;
}

static void op_read(struct run *r)
{
	struct model *m = r->m;
	int64_t psp = rnd_ps_pages(r);
	int64_t s = ((int64_t)rnd(r, W + 128) - 64) / psp * psp;
	int64_t nb = 1 + (int64_t)rnd(r, rnd(r, 2) ? 70 : (W + 128) / psp);
	bool clear = rnd(r, 2);
	uint64_t bm[BMW], rep[BMW];
	size_t w = t_words((uint64_t)nb);
	int64_t rc;

	if (nb > MAXBITS)
		nb = MAXBITS;
	w = t_words((uint64_t)nb);
	for (size_t i = 0; i < BMW; i++)
		bm[i] = i < w && rnd(r, 3) == 0 ? t_rand(&r->seed) :
			i < w ? 0 : CANARY;
	if (nb % 64)
		bm[w - 1] |= rnd(r, 2) ? CANARY << (nb % 64) : 0;
	memcpy(rep, bm, sizeof(bm));
	logop(r, "read_dirty pages [%lld, +%lld) page_size %lld pages%s",
	      (long long)s, (long long)(nb * psp), (long long)psp,
	      clear ? "" : " NO_CLEAR");
	rc = iodirty_read_dirty(r->dom, BASE + (uint64_t)s * P,
				(uint64_t)(nb * psp) * P, (uint64_t)psp * P,
				bm, clear ? 0 : IODIRTY_READ_NO_CLEAR);
	if (!m->tracking) {
		CHECK_EQ(rc, -ENODATA);
	} else {
		CHECK_EQ(rc, m_report(m, s, nb * psp, psp, clear, rep));
	}
	CHECK(memcmp(bm, rep, sizeof(bm)) == 0);
}

static void op_read_uaddr(struct run *r)
{
	struct model *m = r->m;
	int64_t psp = rnd_ps_pages(r);
	int64_t q0 = (int64_t)rnd(r, R + 64) / psp * psp;
	int64_t nb = 1 + (int64_t)rnd(r, rnd(r, 2) ? 8 : (R + 64) / psp);
	bool clear = rnd(r, 2);
	uint64_t bm[BMW], pre[BMW], rep[BMW];
	size_t w = t_words((uint64_t)nb);
	int64_t rc;
	uint64_t n;

	for (size_t i = 0; i < BMW; i++)
		bm[i] = i < w && rnd(r, 3) == 0 ? t_rand(&r->seed) :
			i < w ? 0 : CANARY;
	if (nb % 64)
		bm[w - 1] &= ~0ULL >> (64 - nb % 64);
	memcpy(pre, bm, sizeof(bm));
	logop(r, "read_dirty_uaddr RAM pages [%lld, +%lld) page_size %lld "
	      "pages%s", (long long)q0, (long long)(nb * psp), (long long)psp,
	      clear ? "" : " NO_CLEAR");
	rc = iodirty_read_dirty_uaddr(r->dom, r->ram + (uint64_t)q0 * P,
				      (uint64_t)(nb * psp) * P,
				      (uint64_t)psp * P, bm,
				      clear ? 0 : IODIRTY_READ_NO_CLEAR);
	if (!m->tracking) {
		CHECK_EQ(rc, -ENODATA);
		CHECK(memcmp(bm, pre, sizeof(bm)) == 0);
		return;
	}
	m_report_uaddr(m, q0, nb * psp, psp, clear, rep);
	n = 0;
	for (size_t i = 0; i < BMW; i++)
		n += (uint64_t)__builtin_popcountll(rep[i] & ~pre[i]);
	CHECK_EQ(rc, n);
	for (size_t i = 0; i < BMW; i++) {
		uint64_t exp = pre[i] | rep[i];

		if (exp != bm[i]) {
			dump_log(cur);
			print_error("word %zu: got 0x%" PRIx64 ", before 0x%"
				    PRIx64 ", model report 0x%" PRIx64 "\n",
				    i, bm[i], pre[i], rep[i]);
			fail();
		}
	}
}

/*
 * A read with IODIRTY_READ_COUNT_ALL into a bitmap with bits set before:
 * it returns the bits found dirty, and counts a clear exactly when it
 * cleared a dirty granule.
 */
static void op_read_count_all(struct run *r)
{
	struct model *m = r->m;
	int64_t psp = rnd_ps_pages(r);
	int64_t s = ((int64_t)rnd(r, W + 128) - 64) / psp * psp;
	int64_t nb = 1 + (int64_t)rnd(r, 70);
	bool clear = rnd(r, 2);
	uint64_t bm[BMW], exp[BMW], found[BMW];
	struct iodirty_stats st0, st;
	int64_t rc;
	uint64_t n;

	for (size_t i = 0; i < BMW; i++)
		bm[i] = rnd(r, 2) ? t_rand(&r->seed) : 0;
	memcpy(exp, bm, sizeof(bm));
	memset(found, 0, sizeof(found));
	logop(r, "read_dirty COUNT_ALL pages [%lld, +%lld) page_size %lld "
	      "pages%s", (long long)s, (long long)(nb * psp), (long long)psp,
	      clear ? "" : " NO_CLEAR");
	t_stats(r->dom, &st0);
	rc = iodirty_read_dirty(r->dom, BASE + (uint64_t)s * P,
				(uint64_t)(nb * psp) * P, (uint64_t)psp * P,
				bm, IODIRTY_READ_COUNT_ALL |
				(clear ? 0 : IODIRTY_READ_NO_CLEAR));
	t_stats(r->dom, &st);
	if (!m->tracking) {
		CHECK_EQ(rc, -ENODATA);
		CHECK(memcmp(bm, exp, sizeof(bm)) == 0);
		return;
	}
	n = m_report(m, s, nb * psp, psp, clear, found);
	for (size_t i = 0; i < BMW; i++)
		exp[i] |= found[i];
	CHECK_EQ(rc, n);
	CHECK(memcmp(bm, exp, sizeof(bm)) == 0);
	CHECK_EQ(st.reads, st0.reads + 1);
	CHECK_EQ(st.clears, st0.clears + (clear && n));
}

/*
 * Unmap with a report whose range cuts its report pages; dirty_pages and
 * the clear count must match the model's.
 */
static void op_unmap_cut(struct run *r)
{
	struct model *m = r->m;
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	int64_t a = (int64_t)rnd(r, W + 64) - 32, n = rnd_len(r, 512);
	int64_t psp = rnd_ps_pages(r), present = m_count_mapped(m, a, n);
	uint64_t bm[BMW], exp[BMW], found;
	struct iodirty_stats st0, st;
	struct area cont;
	bool cleared;
	int rc, container;

	for (size_t i = 0; i < BMW; i++)
		bm[i] = rnd(r, 2) ? t_rand(&r->seed) : 0;
	memcpy(exp, bm, sizeof(bm));
	o.page_size = (uint64_t)psp * P;
	o.dirty_bitmap = bm;
	logop(r, "unmap pages [%lld, +%lld) with a cut report, page_size %lld "
	      "pages", (long long)a, (long long)n, (long long)psp);
	t_stats(r->dom, &st0);
	rc = iodirty_unmap(r->dom, BASE + (uint64_t)a * P, (uint64_t)n * P,
			   &o);
	if (!m->tracking) {
		CHECK_EQ(rc, -ENODATA);
	} else if (!present) {
		CHECK_EQ(rc, -ENOENT);
	} else {
		CHECK_EQ(rc, 0);
		found = m_report_cut(m, a, n, psp, exp, &cleared);
		CHECK_EQ(o.dirty_pages, found);
		CHECK_EQ(o.unmapped, (uint64_t)present * P);
		m_unmap(m, a, n, &container, &cont);
		t_stats(r->dom, &st);
		CHECK_EQ(st.reads, st0.reads + 1);
		CHECK_EQ(st.clears, st0.clears + cleared);
		if (container >= 0 && st.mappings == (uint64_t)m->na + 1)
			m_split(m, container, a, n);
	}
	CHECK(memcmp(bm, exp, sizeof(bm)) == 0);
}

/*
 * iodirty_read_extents() of a random range in IOVA or (@uaddr) RAM space
 * with a small array: the model's report as runs, the first @nr of them,
 * the resume point after them, and exactly those cleared.
 */
static void op_read_extents(struct run *r, bool uaddr)
{
	struct model *m = r->m;
	int64_t psp = rnd_ps_pages(r), lim = uaddr ? R + 64 : W + 128;
	int64_t s = ((int64_t)rnd(r, (uint64_t)lim) - (uaddr ? 0 : 64)) /
		    psp * psp;
	int64_t nb = 1 + (int64_t)rnd(r, (uint64_t)(lim / psp));
	size_t nr = 1 + rnd(r, 6), n = 0;
	bool clear = rnd(r, 2);
	struct iodirty_extent ext[8];
	int64_t run[8][2], rc, b;
	uint64_t rep[BMW], base, next = 0, exp_next;

	if (nb > MAXBITS)
		nb = MAXBITS;
	base = uaddr ? (uint64_t)(uintptr_t)r->ram + (uint64_t)s * P :
	       BASE + (uint64_t)s * P;
	logop(r, "read_extents %s pages [%lld, +%lld) page_size %lld pages, "
	      "%zu entries%s", uaddr ? "RAM" : "IOVA", (long long)s,
	      (long long)(nb * psp), (long long)psp, nr,
	      clear ? "" : " NO_CLEAR");
	rc = iodirty_read_extents(r->dom, base, (uint64_t)(nb * psp) * P,
				  (uint64_t)psp * P, ext, nr, &next,
				  (clear ? 0 : IODIRTY_READ_NO_CLEAR) |
				  (uaddr ? IODIRTY_READ_UADDR : 0));
	if (!m->tracking) {
		CHECK_EQ(rc, -ENODATA);
		return;
	}
	memset(rep, 0, sizeof(rep));
	if (uaddr)
		m_report_uaddr(m, s, nb * psp, psp, false, rep);
	else
		m_report(m, s, nb * psp, psp, false, rep);
	exp_next = base + (uint64_t)(nb * psp) * P;
	for (b = 0; b < nb; b++) {
		if (!t_bit(rep, (uint64_t)b) || (b && t_bit(rep, b - 1)))
			continue;
		if (n == nr) {
			exp_next = base + (uint64_t)(b * psp) * P;
			break;
		}
		run[n][0] = b;
		while (b < nb && t_bit(rep, (uint64_t)b))
			b++;
		run[n][1] = b - run[n][0];
		n++;
	}
	CHECK_EQ(rc, n);
	CHECK_EQ(next, exp_next);
	for (size_t i = 0; i < n && i < (size_t)rc; i++) {
		CHECK_EQ(ext[i].start, base + (uint64_t)(run[i][0] * psp) * P);
		CHECK_EQ(ext[i].length, (uint64_t)(run[i][1] * psp) * P);
		/* in model pages from here on */
		run[i][0] = s + run[i][0] * psp;
		run[i][1] *= psp;
	}
	if (!clear)
		return;
	if (uaddr) {
		m_clear_uaddr_runs(m, (const int64_t (*)[2])run, (int)n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		m_report(m, run[i][0], run[i][1], psp, true, rep);
}

/*
 * iodirty_set_dirty() or _extents() of random pages in IOVA or (@uaddr)
 * RAM space: every mapped page of them (each alias in RAM space) dirty.
 */
static void op_set_dirty(struct run *r, bool uaddr)
{
	struct model *m = r->m;
	int64_t psp = rnd_ps_pages(r), lim = uaddr ? R + 64 : W + 128;
	int64_t s = ((int64_t)rnd(r, (uint64_t)lim) - (uaddr ? 0 : 64)) /
		    psp * psp;
	int64_t nb = 1 + (int64_t)rnd(r, 70);
	bool extents = rnd(r, 2);
	uint64_t bm[BMW], base;
	struct iodirty_extent ext[4];
	uint32_t fl = uaddr ? IODIRTY_READ_UADDR : 0;
	int rc;

	base = uaddr ? (uint64_t)(uintptr_t)r->ram : BASE;
	if (extents) {
		for (int i = 0; i < 4; i++) {
			int64_t a = s + (int64_t)rnd(r, 64);

			ext[i].start = base + (uint64_t)a * P;
			ext[i].length = (1 + rnd(r, 8)) * P;
		}
		logop(r, "set_dirty_extents %s, 4 runs from page %lld",
		      uaddr ? "RAM" : "IOVA", (long long)s);
		rc = iodirty_set_dirty_extents(r->dom, ext, 4, fl);
	} else {
		memset(bm, 0, sizeof(bm));
		for (int64_t b = 0; b < nb; b++)
			if (rnd(r, 3) == 0)
				t_set_bit(bm, (uint64_t)b);
		logop(r, "set_dirty %s pages [%lld, +%lld) page_size %lld "
		      "pages", uaddr ? "RAM" : "IOVA", (long long)s,
		      (long long)(nb * psp), (long long)psp);
		rc = iodirty_set_dirty(r->dom, base + (uint64_t)s * P,
				       (uint64_t)(nb * psp) * P,
				       (uint64_t)psp * P, bm, fl);
	}
	if (!m->tracking) {
		CHECK_EQ(rc, -ENODATA);
		return;
	}
	CHECK_EQ(rc, 0);
	for (int i = 0; extents && i < 4; i++)
		m_set_dirty(m, (int64_t)((ext[i].start - base) / P),
			    (int64_t)(ext[i].length / P), uaddr);
	for (int64_t b = 0; !extents && b < nb; b++)
		if (t_bit(bm, (uint64_t)b))
			m_set_dirty(m, s + b * psp, psp, uaddr);
}

/* Since 0.5: extents and put-back, where the backend has them. */
static void op_extents(struct run *r, bool uaddr)
{
	uaddr = uaddr && rnd(r, 2);
	if (rnd(r, 3) && (t_caps.flags & IODIRTY_CAP_EXTENTS))
		op_read_extents(r, uaddr);
	else if (t_caps.flags & IODIRTY_CAP_SET_DIRTY)
		op_set_dirty(r, uaddr);
}

static void op_tracking(struct run *r)
{
	struct model *m = r->m;
	bool on = rnd(r, 4) != 0;

	logop(r, "set_dirty_tracking(%d)", on);
	CHECK_EQ(iodirty_set_dirty_tracking(r->dom, on), 0);
	if (!on)
		memset(m->dirty, 0, sizeof(m->dirty));
	m->tracking = on;
}

static void op_translate(struct run *r)
{
	int64_t p = (int64_t)rnd(r, W + 2) - 1;
	uint64_t off = rnd(r, 2) ? 0 : rnd(r, P);

	logop(r, "translate page %lld + %llu", (long long)p,
	      (unsigned long long)off);
	check_translate(r, p, off);
}

/*
 * The model's maximal runs from window page @s up (clipped to start at
 * @s), at most @cap of them into @out; returns how many exist up to @cap.
 */
static int model_runs(const struct run *r, int64_t s,
		      struct iodirty_mapping *out, int cap)
{
	const struct model *m = r->m;
	int64_t p = s < 0 ? 0 : s;
	int n = 0;

	while (p < W && n < cap) {
		int64_t q = p + 1;

		if (!m->mapped[p]) {
			p++;
			continue;
		}
		while (q < W && m->mapped[q] &&
		       m->tgt[q] - q == m->tgt[p] - p &&
		       m->prot[q] == m->prot[p])
			q++;
		out[n++] = (struct iodirty_mapping){
			.iova = BASE + (uint64_t)p * P,
			.length = (uint64_t)(q - p) * P,
			.addr = r->ram + (uint64_t)m->tgt[p] * P,
			.flags = m->prot[p],
		};
		p = q;
	}
	return n;
}

static void check_mappings(struct run *r, int64_t s, uint64_t off, int cap)
{
	struct iodirty_mapping got[8], exp[8];
	int64_t rc;
	int n, i;

	memset(got, 0, sizeof(got));
	rc = iodirty_mappings(r->dom, BASE + (uint64_t)s * P + off, got,
			      (size_t)cap);
	n = model_runs(r, s, exp, cap);
	CHECK_EQ(rc, n);
	for (i = 0; i < n && i < rc; i++) {
		CHECK_EQ(got[i].iova, exp[i].iova);
		CHECK_EQ(got[i].length, exp[i].length);
		CHECK(got[i].addr == exp[i].addr);
		CHECK_EQ(got[i].flags, exp[i].flags);
	}
}

static void op_mappings(struct run *r)
{
	int64_t s = (int64_t)rnd(r, W + 2) - 1;
	uint64_t off = rnd(r, 2) ? 0 : rnd(r, P);
	int cap = 1 + (int)rnd(r, 8);

	logop(r, "mappings from page %lld + %llu, %d entries", (long long)s,
	      (unsigned long long)off, cap);
	check_mappings(r, s, off, cap);
}

/* ------------------------------------------------------------------ */
/* vector map and unmap (since 0.5)                                   */

#define VEC_MAX 8

/*
 * The lowest index of a segment of window pages [a[i], a[i] + n[i]) that
 * overlaps one of lower index, or @nr.
 */
static size_t vec_first_overlap(const int64_t *a, const int64_t *n,
				size_t nr)
{
	for (size_t i = 1; i < nr; i++)
		for (size_t j = 0; j < i; j++)
			if (a[i] < a[j] + n[j] && a[j] < a[i] + n[i])
				return i;
	return nr;
}

/*
 * Random runs of @align pages to 4 times that: mostly apart, sometimes
 * overlapping (-EINVAL). With @in_areas, each starts in a mapping nine
 * times out of ten (an unmap of random pages finds nothing mostly).
 */
static size_t vec_segments(struct run *r, int64_t *a, int64_t *n,
			   int64_t align, bool in_areas)
{
	struct model *m = r->m;
	size_t nr = 1 + rnd(r, rnd(r, 2) ? 4 : VEC_MAX);

	for (size_t i = 0; i < nr; i++) {
		n[i] = align * (1 + (int64_t)rnd(r, 4));
		if (in_areas && m->na && rnd(r, 10)) {
			struct area *ar = &m->a[rnd(r, (uint64_t)m->na)];

			a[i] = ar->first + (int64_t)rnd(r, (uint64_t)
						  (ar->end - ar->first));
		} else {
			a[i] = (int64_t)rnd(r, W);
		}
		a[i] = floor_to(a[i], align);
		if (a[i] + n[i] > W)
			a[i] = floor_to(W - n[i], align);
	}
	return nr;
}

static void op_map_vec(struct run *r)
{
	struct iodirty_map_seg segs[VEC_MAX];
	int64_t a[VEC_MAX], n[VEC_MAX], t[VEC_MAX];
	size_t nr = vec_segments(r, a, n, 1, false), failed = 99, bad;
	int rc, exp = 0;

	/* Only the first nr are used; gcc -O3 cannot see that nr <= VEC_MAX. */
	memset(segs, 0, sizeof(segs));
	for (size_t i = 0; i < nr; i++) {
		uint32_t prot = rnd_prot(r);

		t[i] = (int64_t)rnd(r, (uint64_t)(R - n[i] + 1));
		segs[i] = (struct iodirty_map_seg){
			.iova = BASE + (uint64_t)a[i] * P,
			.addr = r->ram + (uint64_t)t[i] * P,
			.length = (uint64_t)n[i] * P, .flags = prot };
		logop(r, "map_vec[%zu] pages [%lld, +%lld) -> RAM %lld "
		      "prot %u", i, (long long)a[i], (long long)n[i],
		      (long long)t[i], prot);
	}
	rc = iodirty_map_vec(r->dom, segs, nr, &failed);
	bad = vec_first_overlap(a, n, nr);
	if (bad < nr) {
		exp = -EINVAL;
	} else {
		for (bad = 0; bad < nr; bad++)
			if (m_count_mapped(r->m, a[bad], n[bad]))
				break;
		if (bad < nr)
			exp = -EEXIST;
	}
	CHECK_EQ(rc, exp);
	CHECK_EQ(failed, bad);
	for (size_t i = 0; !exp && i < nr; i++)
		CHECK_EQ(m_map(r->m, (int)a[i], (int)n[i], (int)t[i],
			       segs[i].flags), 0);
}

static void op_unmap_vec(struct run *r)
{
	struct model *m = r->m;
	struct iodirty_unmap_seg segs[VEC_MAX];
	int64_t a[VEC_MAX], n[VEC_MAX];
	bool report = rnd(r, 100) < 50;
	uint64_t bm[BMW], rep[BMW];
	size_t nr, failed = 99, bad;
	int rc, exp = 0;

	/* With a report, segments are whole granules. */
	nr = vec_segments(r, a, n, report ? m->gp : 1, true);
	for (size_t i = 0; i < nr; i++) {
		segs[i] = (struct iodirty_unmap_seg){
			BASE + (uint64_t)a[i] * P, (uint64_t)n[i] * P };
		logop(r, "unmap_vec[%zu] pages [%lld, +%lld)%s", i,
		      (long long)a[i], (long long)n[i],
		      report ? " with report" : "");
	}
	bm[0] = rep[0] = rnd(r, 2) ? t_rand(&r->seed) : 0;
	for (size_t i = 1; i < BMW; i++)
		bm[i] = rep[i] = CANARY;
	rc = iodirty_unmap_vec(r->dom, segs, nr, report ? bm : NULL, &failed);
	bad = vec_first_overlap(a, n, nr);
	if (bad < nr) {
		exp = -EINVAL;
	} else if (report && !m->tracking) {
		exp = -ENODATA;
	} else {
		for (bad = 0; bad < nr; bad++)
			if (!m_count_mapped(m, a[bad], n[bad]))
				break;
		if (bad < nr)
			exp = -ENOENT;
	}
	CHECK_EQ(rc, exp);
	CHECK_EQ(failed, bad);
	for (size_t i = 0; !exp && i < nr; i++) {
		uint64_t one[BMW] = { 0 };
		int container;
		struct area cont;

		/* One bit for the whole segment: a page size of its length. */
		if (report && m_report(m, a[i], n[i], n[i], true, one))
			t_set_bit(rep, i);
		/* At most 4 granules: the library punches, never splits. */
		m_unmap(m, a[i], n[i], &container, &cont);
	}
	CHECK(memcmp(bm, rep, sizeof(bm)) == 0);
}

static void run_property(uint64_t granule, uint64_t seed)
{
	struct run *r = calloc(1, sizeof(*r));
	struct model *m = calloc(1, sizeof(*m));
	bool uaddr = t_caps.flags & IODIRTY_CAP_UADDR_REPORT;
	bool partial = t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP;
	bool mappings = t_caps.flags & IODIRTY_CAP_MAPPINGS;
	bool vec = t_caps.flags & IODIRTY_CAP_MAP_VEC;

	assert_non_null(r);
	assert_non_null(m);
	r->m = m;
	r->granule = granule;
	r->seed = r->seed0 = seed;
	cur = r;
	m->gp = (int)(granule / P);
	m->shadow = calloc(R, P);
	assert_non_null(m->shadow);
	r->dom = t_domain(40, granule);
	r->ram = t_ram(R * P, 1 << 20);

	for (r->op = 0; r->op < NOPS; r->op++) {
		uint64_t k = rnd(r, 100);

		if (k < 20)
			op_map(r);
		else if (k < 38 && partial)
			op_unmap(r);
		else if (k < 58)
			op_dma(r, true);
		else if (k < 62)
			op_dma(r, false);
		else if (k < 70)
			op_mark(r);
		else if (k < 82)
			op_read(r);
		else if (k < 90 && uaddr)
			op_read_uaddr(r);
		else if (k < 91)
			op_read_count_all(r);
		else if (k < 92 && partial)
			op_unmap_cut(r);
		else if (k < 93 || (k < 94 && !mappings))
			op_translate(r);
		else if (k < 94)
			op_mappings(r);
		else if (k < 96)
			op_extents(r, uaddr);
		else if (k < 97)
			op_tracking(r);
		else if (k < 98 && vec)
			op_map_vec(r);
		else if (k < 99 && vec)
			op_unmap_vec(r);
		else if (k < 98 && vec)
			op_map_vec(r);
		else if (k < 99 && vec)
			op_unmap_vec(r);
		else
			op_dma(r, true);
		check_stats(r);
		if (r->op % 500 == 499)
			full_sweep(r);
	}
	full_sweep(r);
	printf("# granule %" PRIu64 ": %d ops, final mappings %d, holes %"
	       PRIu64 ", mapped pages %lld\n", granule, NOPS, m->na,
	       m_holes(m), (long long)m_count_mapped(m, 0, W));
	iodirty_domain_destroy(r->dom);
	t_ram_free(r->ram, R * P);
	free(m->shadow);
	free(m);
	free(r);
	cur = NULL;
}

/* Three fixed seeds per granule (or the one in IODIRTY_TEST_SEED). */
static void run_seeds(uint64_t granule, uint64_t seed0)
{
	char what[64];

	for (uint64_t i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "property granule %" PRIu64
			 " run %" PRIu64, granule, i);
		run_property(granule, t_seed(what, seed0 + i));
		if (getenv("IODIRTY_TEST_SEED"))
			break;
	}
}

static void test_property_4k(void **state)
{
	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW);
	run_seeds(4096, 0x5eed0001);
}

static void test_property_16k(void **state)
{
	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW);
	if (!(t_caps.granules & 16384))
		skip();
	run_seeds(16384, 0x5eed1001);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_property_4k),
		cmocka_unit_test(test_property_16k),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_property", tests, NULL, NULL);
	t_fini();
	return rc;
}
