// SPDX-License-Identifier: MIT
/* Fixture of the extents and put-back tests. */
#include "extents_fixture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define MiB (1ULL << 20)
#define RAM_ALIGN (8 * MiB)

/* The mappings: IOVA, first RAM page, pages. */
static const struct {
	uint64_t iova;
	uint64_t page;
	uint64_t pages;
} maps[] = {
	{ XFX_IOVA, 0, XFX_RAM_PAGES },
	{ XFX_IOVA + (1ULL << 30), 768, 512 },		/* alias, 2 MiB */
	{ XFX_IOVA + 16 * MiB, 100, 8 },		/* alias, 8 pages */
	{ XFX_IOVA + 16 * MiB + 8 * P, 500, 8 },	/* IOVA-adjacent */
};
#define HOLE_PAGE 700
#define HOLE_PAGES 4

static struct iodirty_domain *make_domain(uint64_t granule, bool hw)
{
	struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts,
						    .iova_bits = 40,
						    .granule = granule);
	struct iodirty_domain *dom = NULL;

	if (hw)
		o.flags = IODIRTY_DOMAIN_HW_MODEL;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &dom), 0);
	return dom;
}

static void map_all(struct xfx *f)
{
	size_t i;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		assert_int_equal(iodirty_map(f->dom, maps[i].iova,
					     f->ram + maps[i].page * P,
					     maps[i].pages * P, RW), 0);
	if (t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP)
		assert_int_equal(iodirty_unmap(f->dom,
					       XFX_IOVA + HOLE_PAGE * P,
					       HOLE_PAGES * P, NULL), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f->dom, true), 0);
}

void xfx_setup(struct xfx *f, uint64_t caps, uint64_t granule, bool hw)
{
	T_REQUIRE_CAPS(caps | IODIRTY_CAP_DIRTY_TRACKING);
	if (hw)
		T_REQUIRE_CAPS(IODIRTY_CAP_HW_MODEL);
	if (!(t_caps.granules & granule)) {
		TC_SKIP("granule %" PRIu64 " not supported\n", granule);
	}
	f->granule = granule;
	f->ram = t_mapmem(XFX_RAM_PAGES * P, RAM_ALIGN);
	f->dom = make_domain(granule, hw);
	map_all(f);
}

void xfx_twin(const struct xfx *f, struct xfx *g, bool hw)
{
	g->granule = f->granule;
	g->ram = f->ram;
	g->dom = make_domain(f->granule, hw);
	map_all(g);
}

void xfx_teardown(struct xfx *f)
{
	iodirty_domain_destroy(f->dom);
	t_ram_free(f->ram, XFX_RAM_PAGES * P);
}

void xfx_twin_teardown(struct xfx *g)
{
	iodirty_domain_destroy(g->dom);
}

static void mark(struct iodirty_domain **dom, size_t ndom, uint64_t iova,
		 uint64_t len)
{
	size_t i;

	for (i = 0; i < ndom; i++) {
		int rc = iodirty_mark_dirty(dom[i], iova, len);

		/* The hole: all domains alike. */
		assert_true(rc == 0 || rc == -ENOENT);
	}
}

void xfx_mark_random(struct iodirty_domain **dom, size_t ndom,
		     uint64_t seed, unsigned int npages, unsigned int nruns)
{
	const size_t nmaps = sizeof(maps) / sizeof(maps[0]);
	unsigned int i;

	for (i = 0; i < npages + nruns; i++) {
		size_t m = i % 8 ? 0 : 1 + t_rand_below(&seed, nmaps - 1);
		uint64_t pg = t_rand_below(&seed, maps[m].pages);
		uint64_t n = 1;

		if (i >= npages) {
			uint64_t room = maps[m].pages - pg;

			n = 1 + t_rand_below(&seed, room < 40 ? room : 40);
		}
		mark(dom, ndom, maps[m].iova + pg * P, n * P);
	}
}

void xfx_mark_all(struct iodirty_domain *dom)
{
	size_t i;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		uint64_t s = maps[i].iova, e = s + maps[i].pages * P;

		if (i == 0 && (t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP)) {
			mark(&dom, 1, s, HOLE_PAGE * P);
			s += (HOLE_PAGE + HOLE_PAGES) * P;
		}
		mark(&dom, 1, s, e - s);
	}
}

uint64_t xfx_base(const struct xfx *f, bool uaddr)
{
	return uaddr ? (uint64_t)(uintptr_t)f->ram : XFX_IOVA;
}

uint64_t xfx_len(bool uaddr)
{
	return uaddr ? XFX_RAM_PAGES * P : XFX_IOVA_LEN;
}

uint64_t *xfx_bitmap(struct iodirty_domain *dom, bool uaddr, uint64_t base,
		     uint64_t len, uint64_t ps, uint32_t flags)
{
	uint64_t *bm = calloc(t_words(len / ps) + 1, sizeof(*bm));
	int64_t rc;

	assert_non_null(bm);
	if (uaddr)
		rc = iodirty_read_dirty_uaddr(dom, (void *)(uintptr_t)base,
					      len, ps, bm, flags);
	else
		rc = iodirty_read_dirty(dom, base, len, ps, bm, flags);
	if (rc < 0)
		print_error("bitmap read(0x%" PRIx64 ", 0x%" PRIx64 ", ps 0x%"
			    PRIx64 "): %s\n", base, len, ps,
			    iodirty_strerror((int)rc));
	assert_true(rc >= 0);
	return bm;
}

uint64_t *xfx_extents(struct iodirty_domain *dom, bool uaddr, uint64_t base,
		      uint64_t len, uint64_t ps, size_t nr, uint32_t flags)
{
	uint64_t *bm = calloc(t_words(len / ps) + 1, sizeof(*bm));
	struct iodirty_extent *ext = calloc(nr, sizeof(*ext));
	uint64_t cur = base, end = base + len, next, prev_end = base;
	int64_t rc, i;

	assert_non_null(bm);
	assert_non_null(ext);
	if (uaddr)
		flags |= IODIRTY_READ_UADDR;
	while (cur != end) {
		next = 0;
		rc = iodirty_read_extents(dom, cur, end - cur, ps, ext, nr,
					  &next, flags);
		if (rc < 0)
			print_error("read_extents(0x%" PRIx64 ", 0x%" PRIx64
				    ", ps 0x%" PRIx64 ", flags 0x%x): %s\n",
				    cur, end - cur, ps, flags,
				    iodirty_strerror((int)rc));
		assert_true(rc >= 0 && (uint64_t)rc <= nr);
		for (i = 0; i < rc; i++) {
			uint64_t s = ext[i].start, l = ext[i].length, b;

			assert_int_equal(s % ps, 0);
			assert_int_equal(l % ps, 0);
			assert_true(l > 0);
			assert_true(s >= cur && s + l <= end);
			/* merged: a gap from the previous run of this call */
			assert_true(i == 0 ? s >= prev_end : s > prev_end);
			for (b = (s - base) / ps; b < (s + l - base) / ps; b++)
				t_set_bit(bm, b);
			prev_end = s + l;
		}
		assert_true(next > cur && next <= end);
		if (next != end) {
			/* full: the array was used up, and next is past it */
			assert_int_equal((uint64_t)rc, nr);
			assert_true(next > prev_end);
		}
		cur = next;
	}
	free(ext);
	return bm;
}

void xfx_assert_bits(const uint64_t *got, const uint64_t *exp, uint64_t bits,
		     const char *what)
{
	uint64_t i;

	for (i = 0; i < bits; i++) {
		if (t_bit(got, i) != t_bit(exp, i)) {
			print_error("%s: bit %" PRIu64 " is %d, expected %d\n",
				    what, i, t_bit(got, i), t_bit(exp, i));
			fail();
		}
	}
}
