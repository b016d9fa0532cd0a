// SPDX-License-Identifier: MIT
/*
 * Operations of the property test and the API fuzzer: the op log, the
 * whole-domain checks, the choices, and map, unmap, DMA, mark-dirty and
 * the bitmap reads.
 */
#include "property_ops.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run *cur;

/* ------------------------------------------------------------------ */
/* op log and failure reporting                                       */

void logop(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->log[r->op % 32], sizeof(r->log[0]), fmt, ap);
	va_end(ap);
}

void dump_log(const struct run *r)
{
	long first = r->op >= 31 ? r->op - 31 : 0;

	print_error("property: granule %" PRIu64 ", seed 0x%" PRIx64
		    ", failure at op %ld; last ops (pages relative to IOVA "
		    "0x%llx, RAM pages relative to the RAM block):\n",
		    r->granule, r->seed0, r->op, (unsigned long long)BASE);
	for (long i = first; i <= r->op; i++)
		print_error("  op %ld: %s\n", i, r->log[i % 32]);
}

/* ------------------------------------------------------------------ */
/* checks                                                             */

void check_stats(struct run *r)
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
	if (m->leaf)
		CHECK_EQ(st.hw_huge_leaves, m_huge_leaves(m));
}

void check_translate(struct run *r, int64_t page, uint64_t off)
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

void full_sweep(struct run *r)
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

uint64_t rnd(struct run *r, uint64_t n)
{
	return r->draw ? r->draw(r, n) : t_rand_below(&r->seed, n);
}

/* A length in pages: mostly small, sometimes large. */
int rnd_len(struct run *r, int max)
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

uint32_t rnd_prot(struct run *r)
{
	uint64_t k = rnd(r, 10);

	return k < 6 ? IODIRTY_MAP_READ | IODIRTY_MAP_WRITE :
	       k < 8 ? IODIRTY_MAP_READ : IODIRTY_MAP_WRITE;
}

void op_map(struct run *r)
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

int64_t floor_to(int64_t x, int64_t m)
{
	return x >= 0 ? x / m * m : -((-x + m - 1) / m) * m;
}

int64_t rnd_ps_pages(struct run *r)
{
	return (int64_t)r->m->gp << rnd(r, 5);
}

void op_unmap(struct run *r)
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

void op_dma(struct run *r, bool write)
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
			m_mark(m, p, p1);
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

void op_mark(struct run *r)
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
		m_mark(m, p, p1);
}

void op_read(struct run *r)
{
	struct model *m = r->m;
	int64_t psp = rnd_ps_pages(r);
	int64_t s = ((int64_t)rnd(r, W + 128) - 64) / psp * psp;
	int64_t nb = 1 + (int64_t)rnd(r, rnd(r, 2) ? 70 :
					 (W + 127 + psp) / psp);
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

void op_read_uaddr(struct run *r)
{
	struct model *m = r->m;
	int64_t psp = rnd_ps_pages(r);
	int64_t q0 = (int64_t)rnd(r, R + 64) / psp * psp;
	int64_t nb = 1 + (int64_t)rnd(r, rnd(r, 2) ? 8 : (R + 63 + psp) / psp);
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
			prop_failed();
		}
	}
}
