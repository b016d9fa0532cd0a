// SPDX-License-Identifier: MIT
/*
 * Operations of the property test and the API fuzzer, since 0.5 mostly:
 * COUNT_ALL reads, cut unmap reports, extents and put-back, tracking on
 * and off, translate, the mappings list, vector map and unmap.
 */
#include "property_ops.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC_SPLIT_PAGES 512	/* 2 MiB */

/*
 * A read with IODIRTY_READ_COUNT_ALL into a bitmap with bits set before:
 * it returns the bits found dirty, and counts a clear exactly when it
 * cleared a dirty granule.
 */
void op_read_count_all(struct run *r)
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
void op_unmap_cut(struct run *r)
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
void op_read_extents(struct run *r, bool uaddr)
{
	struct model *m = r->m;
	int64_t psp = rnd_ps_pages(r), lim = uaddr ? R + 64 : W + 128;
	int64_t s = ((int64_t)rnd(r, (uint64_t)lim) - (uaddr ? 0 : 64)) /
		    psp * psp;
	int64_t nb = 1 + (int64_t)rnd(r, (uint64_t)((lim - 1 + psp) / psp));
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
void op_set_dirty(struct run *r, bool uaddr)
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
		m_set_dirty(m, (int64_t)(ext[i].start - base) / (int64_t)P,
			    (int64_t)(ext[i].length / P), uaddr);
	for (int64_t b = 0; !extents && b < nb; b++)
		if (t_bit(bm, (uint64_t)b))
			m_set_dirty(m, s + b * psp, psp, uaddr);
}

/* Since 0.5: extents and put-back, where the backend has them. */
void op_extents(struct run *r, bool uaddr)
{
	uaddr = uaddr && rnd(r, 2);
	if (rnd(r, 3) && (t_caps.flags & IODIRTY_CAP_EXTENTS))
		op_read_extents(r, uaddr);
	else if (t_caps.flags & IODIRTY_CAP_SET_DIRTY)
		op_set_dirty(r, uaddr);
}

void op_tracking(struct run *r)
{
	struct model *m = r->m;
	bool on = rnd(r, 4) != 0;

	logop(r, "set_dirty_tracking(%d)", on);
	CHECK_EQ(iodirty_set_dirty_tracking(r->dom, on), 0);
	if (!on)
		memset(m->dirty, 0, sizeof(m->dirty));
	m->tracking = on;
}

void op_translate(struct run *r)
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

void op_mappings(struct run *r)
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

void op_map_vec(struct run *r)
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
		for (bad = 0; bad < nr && !exp; bad++)
			exp = m_map_check(r->m, a[bad], n[bad]);
		bad -= exp != 0;
	}
	CHECK_EQ(rc, exp);
	CHECK_EQ(failed, bad);
	for (size_t i = 0; !exp && i < nr; i++)
		CHECK_EQ(m_map(r->m, (int)a[i], (int)n[i], (int)t[i],
			       segs[i].flags), 0);
}

void op_unmap_vec(struct run *r)
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
		/*
		 * The soft backend punches holes into a mapping for a cut of
		 * less than 2 MiB and splits it for a larger one (granules of
		 * 128 KiB and more); the counters checked after the call tell
		 * if that changes.
		 */
		m_unmap(m, a[i], n[i], &container, &cont);
		if (container >= 0 && n[i] >= VEC_SPLIT_PAGES)
			m_split(m, container, a[i], n[i]);
	}
	CHECK(memcmp(bm, rep, sizeof(bm)) == 0);
}
