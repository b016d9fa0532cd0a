// SPDX-License-Identifier: MIT
/* Reference model of the property test: map, unmap, dirty and reports. */
#include "property_model.h"

#include "helpers.h"

#include <errno.h>
#include <string.h>

static int area_find(const struct model *m, int page)
{
	int lo = 0, hi = m->na;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (m->a[mid].end <= page)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->na && m->a[lo].first <= page && page < m->a[lo].end)
		return lo;
	return -1;
}

/* Index of the first area with first >= page. */
static int area_pos(const struct model *m, int page)
{
	int i = 0;

	while (i < m->na && m->a[i].first < page)
		i++;
	return i;
}

static void area_insert(struct model *m, int i, struct area a)
{
	memmove(&m->a[i + 1], &m->a[i], (size_t)(m->na - i) * sizeof(a));
	m->a[i] = a;
	m->na++;
}

static void area_remove(struct model *m, int i)
{
	memmove(&m->a[i], &m->a[i + 1], (size_t)(m->na - i - 1) *
		sizeof(m->a[0]));
	m->na--;
}

/* Trims area i to its first and last mapped page; drops it if empty. */
static void area_normalize(struct model *m, int i)
{
	struct area *a = &m->a[i];
	int s = a->first, e = a->end;

	while (s < e && !m->mapped[s])
		s++;
	while (e > s && !m->mapped[e - 1])
		e--;
	if (s == e) {
		area_remove(m, i);
		return;
	}
	a->first = s;
	a->end = e;
}

int64_t m_count_mapped(const struct model *m, int64_t a, int64_t n)
{
	int64_t c = 0;

	for (int64_t i = a; i < a + n; i++)
		if (m_in_win(i) && m->mapped[i])
			c++;
	return c;
}

uint64_t m_holes(const struct model *m)
{
	uint64_t ext = 0, mapped = (uint64_t)m_count_mapped(m, 0, W);

	for (int i = 0; i < m->na; i++)
		ext += (uint64_t)(m->a[i].end - m->a[i].first);
	return ext - mapped;
}

uint64_t m_dirty_pending(const struct model *m)
{
	uint64_t c = 0;

	for (int g = 0; g < W / m->gp; g++)
		c += m->dirty[g];
	return c;
}

int m_map_check(const struct model *m, int64_t a, int64_t n)
{
	for (int64_t i = a; i < a + n; i++)
		if (m_in_win(i) && m->resv[i])
			return -EADDRNOTAVAIL;
	return m_count_mapped(m, a, n) ? -EEXIST : 0;
}

int m_map(struct model *m, int a, int n, int t, uint32_t prot)
{
	struct area na = { a, a + n, t - a, prot };
	int k, rc = m_map_check(m, a, n);

	if (rc)
		return rc;
	k = area_find(m, a);
	if (k >= 0) {
		struct area *ar = &m->a[k];

		if (!(ar->delta == t - a && ar->prot == prot)) {
			/* split around the new run */
			struct area right = *ar;

			right.first = a + n;
			ar->end = a;
			area_normalize(m, k);	/* first page is mapped */
			area_insert(m, k + 1, na);
			area_insert(m, k + 2, right);
			area_normalize(m, k + 2);
		}
	} else {
		int i = area_pos(m, a);

		area_insert(m, i, na);
		if (i + 1 < m->na && m->a[i + 1].first == a + n &&
		    m->a[i + 1].delta == na.delta &&
		    m->a[i + 1].prot == prot) {
			m->a[i].end = m->a[i + 1].end;
			area_remove(m, i + 1);
		}
		if (i > 0 && m->a[i - 1].end == a &&
		    m->a[i - 1].delta == na.delta && m->a[i - 1].prot == prot) {
			m->a[i - 1].end = m->a[i].end;
			area_remove(m, i);
		}
	}
	for (int i = a; i < a + n; i++) {
		m->mapped[i] = 1;
		m->tgt[i] = i + (t - a);
		m->prot[i] = (uint8_t)prot;
	}
	return 0;
}

uint64_t m_report(struct model *m, int64_t s, int64_t n, int64_t psp,
		  bool clear, uint64_t *rep)
{
	uint64_t c = 0;

	for (int64_t j = 0; j < n / psp; j++) {
		bool d = false;

		for (int64_t p = s + j * psp; p < s + (j + 1) * psp;
		     p += m->gp) {
			if (!m_in_win(p))
				continue;
			if (m->dirty[p / m->gp])
				d = true;
			if (clear)
				m->dirty[p / m->gp] = 0;
		}
		if (d) {
			/* the return value counts bits changed from 0 to 1 */
			c += !t_bit(rep, (uint64_t)j);
			t_set_bit(rep, (uint64_t)j);
		}
	}
	return c;
}

uint64_t m_report_cut(struct model *m, int64_t a, int64_t n, int64_t psp,
		      uint64_t *rep, bool *cleared)
{
	int64_t base = a >= 0 ? a / psp * psp : -((-a + psp - 1) / psp) * psp;
	int64_t g0 = a >= 0 ? a / m->gp : -((-a + m->gp - 1) / m->gp);
	uint64_t found = 0, last = UINT64_MAX;

	*cleared = false;
	for (int64_t g = g0; g * m->gp < a + n; g++) {
		int64_t p = g * m->gp;
		uint64_t bit = (uint64_t)((p - base) / psp);

		if (!m_in_win(p) || !m->dirty[g])
			continue;
		if (bit != last)
			found++;
		last = bit;
		t_set_bit(rep, bit);
		if (p >= a && p + m->gp <= a + n) {
			m->dirty[g] = 0;
			*cleared = true;
		}
	}
	return found;
}

uint64_t m_report_uaddr(struct model *m, int64_t q0, int64_t nq,
			int64_t psp, bool clear, uint64_t *rep)
{
	memset(rep, 0, BMW * sizeof(uint64_t));
	for (int g = 0; g < W / m->gp; g++) {
		bool any = false, all = true;

		if (!m->dirty[g])
			continue;
		for (int p = g * m->gp; p < (g + 1) * m->gp; p++) {
			if (!m->mapped[p])
				continue;
			if (m->tgt[p] >= q0 && m->tgt[p] < q0 + nq) {
				t_set_bit(rep, (uint64_t)((m->tgt[p] - q0) /
							  psp));
				any = true;
			} else {
				all = false;
			}
		}
		if (clear && any && all)
			m->dirty[g] = 0;
	}
	return t_popcount(rep, BMW);
}

void m_clear_uaddr_runs(struct model *m, const int64_t (*run)[2], int nr)
{
	for (int g = 0; g < W / m->gp; g++) {
		bool any = false, all = true;

		if (!m->dirty[g])
			continue;
		for (int p = g * m->gp; p < (g + 1) * m->gp; p++) {
			bool in = false;

			if (!m->mapped[p])
				continue;
			for (int i = 0; i < nr && !in; i++)
				in = m->tgt[p] >= run[i][0] &&
				     m->tgt[p] < run[i][0] + run[i][1];
			any |= in;
			all &= in;
		}
		if (any && all)
			m->dirty[g] = 0;
	}
}

void m_set_dirty(struct model *m, int64_t s, int64_t n, bool uaddr)
{
	for (int p = 0; p < W; p++) {
		int64_t at = uaddr ? m->tgt[p] : p;

		if (m->mapped[p] && at >= s && at < s + n)
			m->dirty[p / m->gp] = 1;
	}
}

void m_unmap(struct model *m, int64_t a, int64_t n, int *container,
	     struct area *cont_copy)
{
	int64_t lo = a < 0 ? 0 : a, hi = a + n > W ? W : a + n;

	*container = -1;
	for (int i = 0; i < m->na; i++)
		if (m->a[i].first < a && m->a[i].end > a + n) {
			*container = i;
			*cont_copy = m->a[i];
		}
	for (int64_t i = lo; i < hi; i++)
		m->mapped[i] = 0;
	for (int i = m->na - 1; i >= 0; i--)
		if (m->a[i].first < hi && m->a[i].end > lo)
			area_normalize(m, i);
	/* drop dirty granules left without a mapped page */
	for (int64_t g = lo / m->gp; lo < hi && g <= (hi - 1) / m->gp; g++) {
		bool any = false;

		for (int64_t p = g * m->gp; p < (g + 1) * m->gp; p++)
			any |= m->mapped[p];
		if (!any)
			m->dirty[g] = 0;
	}
}

void m_split(struct model *m, int k, int64_t a, int64_t n)
{
	struct area right = m->a[k];

	right.first = (int)(a + n);
	m->a[k].end = (int)a;
	area_insert(m, k + 1, right);
	area_normalize(m, k + 1);
	area_normalize(m, k);
}

int m_reserve(struct model *m, int a, int n, int type)
{
	for (int i = a; i < a + n; i++)
		if (m->resv[i])
			return -EEXIST;
	if (m_count_mapped(m, a, n))
		return -EBUSY;
	m->rv[m->nrv][0] = a;
	m->rv[m->nrv][1] = a + n;
	m->rv[m->nrv][2] = type;
	m->nrv++;
	memset(&m->resv[a], 1, (size_t)n);
	return 0;
}

int m_unreserve(struct model *m, int a, int n)
{
	for (int i = 0; i < m->nrv; i++) {
		if (m->rv[i][0] != a || m->rv[i][1] != a + n)
			continue;
		memset(&m->resv[a], 0, (size_t)n);
		m->nrv--;
		memmove(m->rv[i], m->rv[i + 1],
			(size_t)(m->nrv - i) * sizeof(m->rv[0]));
		return 0;
	}
	return -ENOENT;
}

/*
 * Whether the leaf-aligned block of window pages from @b0 is a huge leaf:
 * inside one area, no hole, and its RAM pages aligned alike (the RAM block
 * is aligned to the leaf size).
 */
static bool huge_leaf(const struct model *m, int b0)
{
	int k = area_find(m, b0);

	if (k < 0 || m->a[k].end < b0 + m->leaf)
		return false;
	for (int p = b0; p < b0 + m->leaf; p++)
		if (!m->mapped[p])
			return false;
	return m->tgt[b0] % m->leaf == 0;
}

static bool leaves_whole(const struct model *m)
{
	return m->leaf && !(m->eager && m->tracking);
}

void m_mark(struct model *m, int64_t p0, int64_t p1)
{
	if (leaves_whole(m)) {
		int64_t b0 = p0 / m->leaf * m->leaf;
		int64_t b1 = p1 / m->leaf * m->leaf;

		if (huge_leaf(m, (int)b0))
			p0 = b0;
		if (huge_leaf(m, (int)b1))
			p1 = b1 + m->leaf - 1;
	}
	for (int64_t q = p0; q <= p1; q++)
		m->dirty[q / m->gp] = 1;
}

uint64_t m_huge_leaves(const struct model *m)
{
	uint64_t c = 0;

	for (int b = 0; leaves_whole(m) && b < W; b += m->leaf)
		c += huge_leaf(m, b);
	return c;
}
