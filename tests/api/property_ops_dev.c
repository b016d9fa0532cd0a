// SPDX-License-Identifier: MIT
/*
 * Operations of the API fuzzer (and, where the backend has them, of the
 * property test): reserved regions, scatter-gather holds and vectored DMA,
 * checked against the model like the others.
 */
#include "property_ops.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEG_MAX 4
#define SEG_BYTES (2 * 4096 + 64)
#define SG_MAX 8

/*
 * What a DMA of window pages [p, p1] needing @need finds: -ENOENT for an
 * unmapped page anywhere, then -EACCES for a missing permission, or 0.
 */
static int access_rc(const struct model *m, int64_t p, int64_t p1,
		     uint32_t need)
{
	int rc = 0;

	for (int64_t q = p; q <= p1; q++) {
		if (!m_in_win(q) || !m->mapped[q])
			return -ENOENT;
		if (!(m->prot[q] & need))
			rc = -EACCES;
	}
	return rc;
}

/* A byte address near the window: page @p (may be just outside) + @off. */
static void rnd_span(struct run *r, int64_t *p, uint64_t *off, uint64_t *len,
		     uint64_t max)
{
	*p = (int64_t)rnd(r, W + 4) - 2;
	*off = rnd(r, P);
	*len = 1 + rnd(r, rnd(r, 4) ? 64 : max);
}

/* ------------------------------------------------------------------ */
/* reserved regions                                                   */

/* The listing equals the model's regions in IOVA order; canaries after. */
static void check_reserved(struct run *r)
{
	const struct model *m = r->m;
	struct iodirty_range got[66], pad;
	size_t cap = m->nrv ? (size_t)rnd(r, (uint64_t)m->nrv + 2) : 0;
	size_t count = cap, k = 0;
	int rc;

	memset(got, 0xa5, sizeof(got));
	memset(&pad, 0xa5, sizeof(pad));
	rc = iodirty_reserved_regions(r->dom, cap ? got : NULL, &count);
	CHECK_EQ(count, m->nrv);
	CHECK_EQ(rc, cap < (size_t)m->nrv ? -EMSGSIZE : 0);
	/* What fits is stored, even with -EMSGSIZE; nothing past it. */
	for (size_t i = cap < count ? cap : count; i < 66; i++)
		CHECK(memcmp(&got[i], &pad, sizeof(pad)) == 0);
	for (int p = 0; p < W && k < cap; p++) {
		for (int i = 0; i < m->nrv; i++) {
			if (m->rv[i][0] != p)
				continue;
			CHECK_EQ(got[k].start, BASE + (uint64_t)p * P);
			CHECK_EQ(got[k].last, BASE + (uint64_t)m->rv[i][1] * P
				 - 1);
			CHECK_EQ(got[k].type, m->rv[i][2]);
			k++;
		}
	}
}

void op_reserve(struct run *r)
{
	struct model *m = r->m;
	bool un = m->nrv == 64 || rnd(r, 2);
	int a, n, type = 1 + (int)rnd(r, 2), rc, exp;

	if (un && m->nrv && rnd(r, 4)) {
		int i = (int)rnd(r, (uint64_t)m->nrv);

		a = m->rv[i][0];
		n = m->rv[i][1] - a + (rnd(r, 4) ? 0 : 1);
	} else {
		a = (int)rnd(r, W);
		n = rnd_len(r, W - a);
	}
	if (a + n > W)
		n = W - a;
	logop(r, "%sreserve pages [%d, +%d) type %d", un ? "un" : "", a, n,
	      type);
	if (un) {
		rc = iodirty_unreserve(r->dom, BASE + (uint64_t)a * P,
				       (uint64_t)n * P);
		exp = m_unreserve(m, a, n);
	} else {
		rc = iodirty_reserve(r->dom, BASE + (uint64_t)a * P,
				     (uint64_t)n * P,
				     (enum iodirty_resv_type)type);
		exp = m_reserve(m, a, n, type);
	}
	CHECK_EQ(rc, exp);
	check_reserved(r);
}

/* ------------------------------------------------------------------ */
/* scatter-gather holds                                               */

/*
 * The pieces of user memory behind bytes [off, off + len) of window pages
 * from @p (all mapped): one per run contiguous in RAM. Returns how many,
 * filling at most SG_MAX of @sg.
 */
static size_t sg_pieces(const struct run *r, int64_t p, uint64_t off,
			uint64_t len, struct iodirty_sg *sg)
{
	const struct model *m = r->m;
	size_t n = 0;
	uint64_t b = 0;

	while (b < len) {
		int64_t q = p + (int64_t)((off + b) / P);
		uint64_t in = P - (off + b) % P, take = in < len - b ? in :
			      len - b;
		uint8_t *at = r->ram + (uint64_t)m->tgt[q] * P +
			      (off + b) % P;

		if (n && (uint8_t *)sg[(n - 1) % SG_MAX].addr +
		    sg[(n - 1) % SG_MAX].length == at) {
			sg[(n - 1) % SG_MAX].length += take;
		} else {
			sg[n % SG_MAX] = (struct iodirty_sg){ at, take };
			n++;
		}
		b += take;
	}
	return n;
}

/* Writes or checks bytes through a held list; the first @len of them. */
static void sg_access(struct run *r, const struct iodirty_sg *sg, size_t nr,
		      uint64_t len, bool write)
{
	struct model *m = r->m;

	for (size_t i = 0; i < nr && len; i++) {
		uint8_t *at = sg[i].addr;
		uint64_t n = sg[i].length < len ? sg[i].length : len;
		size_t u = (size_t)(at - r->ram);

		for (uint64_t j = 0; j < n; j++) {
			if (write)
				m->shadow[u + j] = at[j] =
					(uint8_t)rnd(r, 256);
			else
				CHECK_EQ(at[j], m->shadow[u + j]);
		}
		len -= n;
	}
}

/*
 * Unmaps one page of the held window pages [p, p1], or all of them (no
 * report): the hold goes stale. The model follows the library's choice of
 * a hole or a split. Then, sometimes, tracking changes while the stale
 * hold lasts: its unmapped pages must be left alone.
 */
static void sg_unmap_held(struct run *r, int64_t p, int64_t p1)
{
	struct model *m = r->m;
	bool all = rnd(r, 3) == 0;
	int64_t q = all ? p : p + (int64_t)rnd(r, (uint64_t)(p1 - p + 1));
	int64_t n = all ? p1 - p + 1 : 1;
	struct iodirty_stats st;
	struct area cont;
	int container;

	logop(r, "sg hold of pages [%lld, %lld], unmap pages [%lld, +%lld), "
	      "put", (long long)p, (long long)p1, (long long)q, (long long)n);
	CHECK_EQ(iodirty_unmap(r->dom, BASE + (uint64_t)q * P, (uint64_t)n * P,
			       NULL), 0);
	m_unmap(m, q, n, &container, &cont);
	t_stats(r->dom, &st);
	if (container >= 0 && st.mappings == (uint64_t)m->na + 1)
		m_split(m, container, q, n);
	if (rnd(r, 2))
		op_tracking(r);
}

void op_sg(struct run *r)
{
	struct model *m = r->m;
	struct iodirty_sg sg[SG_MAX + 2], exp[SG_MAX], pad;
	struct iodirty_sg_hold *hold = NULL;
	int64_t p;
	uint64_t off, len, written;
	bool write = rnd(r, 2);
	size_t cap = (size_t)rnd(r, SG_MAX + 1), nr = cap, need;
	int rc, want;
	bool stale;

	rnd_span(r, &p, &off, &len, 8 * P);
	written = write ? rnd(r, len + 1) : 0;
	logop(r, "sg_get%s iova page %lld + %llu, %llu bytes, %zu entries, "
	      "put %llu", write ? " WRITE" : "", (long long)p,
	      (unsigned long long)off, (unsigned long long)len, cap,
	      (unsigned long long)written);
	memset(sg, 0xa5, sizeof(sg));
	memset(&pad, 0xa5, sizeof(pad));
	rc = iodirty_sg_get(r->dom, BASE + (uint64_t)p * P + off, len,
			    write ? IODIRTY_SG_WRITE : 0, cap ? sg : NULL, &nr,
			    &hold);
	want = access_rc(m, p, p + (int64_t)((off + len - 1) / P),
			 write ? IODIRTY_MAP_WRITE : IODIRTY_MAP_READ);
	need = want ? 0 : sg_pieces(r, p, off, len, exp);
	if (!want && need > cap)
		want = -EMSGSIZE;
	CHECK_EQ(rc, want);
	if (rc == -EMSGSIZE)
		CHECK_EQ(nr, need);
	/* With -EMSGSIZE the entries that fit may be filled, no others. */
	for (size_t i = rc == -EMSGSIZE ? cap : rc ? 0 : nr; i < SG_MAX + 2;
	     i++)
		CHECK(memcmp(&sg[i], &pad, sizeof(pad)) == 0);
	if (rc)
		return;
	CHECK_EQ(nr, need);
	for (size_t i = 0; i < nr; i++) {
		CHECK(sg[i].addr == exp[i].addr);
		CHECK_EQ(sg[i].length, exp[i].length);
	}
	sg_access(r, sg, nr, write ? written : len, write);
	if (rnd(r, 4) == 0) {
		/* a bad put keeps the hold */
		CHECK_EQ(iodirty_sg_put(r->dom, hold, write ? len + 1 : 1),
			 -EINVAL);
	}
	stale = rnd(r, 8) == 0;
	if (stale)
		sg_unmap_held(r, p, p + (int64_t)((off + len - 1) / P));
	CHECK_EQ(iodirty_sg_put(r->dom, hold, written), stale ? -ESTALE : 0);
	/* A stale put marks the pages still mapped. */
	for (int64_t q = p; m->tracking && written &&
	     q <= p + (int64_t)((off + written - 1) / P); q++)
		if (m->mapped[q])
			m_mark(m, q, q);
}

/* ------------------------------------------------------------------ */
/* vectored DMA                                                       */

void op_dmav(struct run *r)
{
	struct model *m = r->m;
	static uint8_t buf[SEG_MAX][SEG_BYTES], copy[SEG_MAX][SEG_BYTES];
	struct iodirty_dma_seg segs[SEG_MAX];
	int64_t p[SEG_MAX];
	uint64_t off[SEG_MAX], done = 0xdeadbeef, exp_done = 0;
	size_t nr = 1 + rnd(r, SEG_MAX), i;
	bool write = rnd(r, 3) != 0;
	uint32_t need = write ? IODIRTY_MAP_WRITE : IODIRTY_MAP_READ;
	int rc, exp = 0;

	memset(segs, 0, sizeof(segs));
	for (i = 0; i < nr; i++) {
		rnd_span(r, &p[i], &off[i], &segs[i].length, 2 * P);
		segs[i].iova = BASE + (uint64_t)p[i] * P + off[i];
		segs[i].buf = buf[i];
		for (uint64_t j = 0; j < segs[i].length; j++)
			buf[i][j] = (uint8_t)rnd(r, 256);
		memcpy(copy[i], buf[i], segs[i].length);
		logop(r, "dma_%sv[%zu] iova page %lld + %llu, %llu bytes",
		      write ? "write" : "read", i, (long long)p[i],
		      (unsigned long long)off[i],
		      (unsigned long long)segs[i].length);
	}
	rc = write ? iodirty_dma_writev(r->dom, segs, nr, &done) :
		     iodirty_dma_readv(r->dom, segs, nr, &done);
	for (i = 0; i < nr && !exp; i++) {
		int64_t p1 = p[i] + (int64_t)((off[i] + segs[i].length - 1) /
					      P);

		exp = access_rc(m, p[i], p1, need);
		if (exp)
			break;
		exp_done += segs[i].length;
		for (uint64_t j = 0; j < segs[i].length; j++) {
			uint64_t b = off[i] + j;
			int64_t q = p[i] + (int64_t)(b / P);
			uint64_t u = (uint64_t)m->tgt[q] * P + b % P;

			if (write)
				m->shadow[u] = copy[i][j];
			else
				CHECK_EQ(buf[i][j], m->shadow[u]);
		}
		if (write && m->tracking)
			m_mark(m, p[i], p1);
	}
	CHECK_EQ(rc, exp);
	CHECK_EQ(done, exp_done);
	for (i = 0; write && i < nr; i++) {
		int64_t p1 = p[i] + (int64_t)((off[i] + segs[i].length - 1) /
					      P);

		for (int64_t q = p[i]; q <= p1; q++)
			if (m_in_win(q) && m->mapped[q])
				CHECK(memcmp(r->ram + (uint64_t)m->tgt[q] * P,
					     m->shadow + (uint64_t)m->tgt[q] *
					     P, P) == 0);
	}
}
