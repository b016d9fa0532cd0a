// SPDX-License-Identifier: MIT
/*
 * What dirty reads count: iodirty_stats.reads and .clears (one clear per
 * call that cleared a dirty granule, whatever the caller's bitmap held
 * and whatever the read could not clear), IODIRTY_READ_COUNT_ALL (pages
 * found dirty, for bitmaps OR-ed over several reads), the unmap report's
 * dirty_pages, unmap reports that cut their report pages, and the bitmap
 * size macros.
 */
#include "helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define BASE (1ULL << 20)

struct cfx {
	struct iodirty_domain *dom;
	uint8_t *ram;
	size_t ram_len;
};

/*
 * A tracking domain with @granule (0: 4 KiB) and @pages pages of RAM
 * mapped at BASE, unless @map is false. Skips without dirty tracking or
 * without @caps.
 */
static void cfx_setup(struct cfx *f, uint64_t granule, size_t pages,
		      bool map, uint64_t caps)
{
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | caps);
	if (granule && !(t_caps.granules & granule)) {
		TC_SKIP("no %llu-byte granule\n",
			      (unsigned long long)granule);
	}
	memset(f, 0, sizeof(*f));
	f->dom = t_domain(40, granule);
	f->ram_len = pages * P;
	/* 64 KiB-aligned at least: reads by user address at 16 KiB pages. */
	f->ram = t_ram(f->ram_len, granule > 16 * P ? granule : 16 * P);
	if (map)
		assert_int_equal(iodirty_map(f->dom, BASE, f->ram, f->ram_len,
					     RW), 0);
	assert_int_equal(iodirty_set_dirty_tracking(f->dom, true), 0);
}

static void cfx_teardown(struct cfx *f)
{
	iodirty_domain_destroy(f->dom);
	t_ram_free(f->ram, f->ram_len);
}

static void mark(struct iodirty_domain *dom, uint64_t iova)
{
	assert_int_equal(iodirty_mark_dirty(dom, iova, 1), 0);
}

static struct iodirty_stats stats(struct iodirty_domain *dom)
{
	struct iodirty_stats st;

	t_stats(dom, &st);
	return st;
}

/* A read-and-clear whose page is already set in the bitmap still clears. */
static void test_clears_preset_bit(void **state)
{
	struct iodirty_stats st0, st;
	uint64_t bm[1] = { 1 };
	struct cfx f;

	(void)state;
	cfx_setup(&f, 0, 1, true, 0);
	mark(f.dom, BASE);
	st0 = stats(f.dom);
	assert_int_equal(st0.dirty_pending, 1);
	T_EQ(iodirty_read_dirty(f.dom, BASE, P, P, bm, 0), 0);
	st = stats(f.dom);
	assert_int_equal(st.dirty_pending, 0);
	assert_int_equal(st.reads, st0.reads + 1);
	assert_int_equal(st.clears, st0.clears + 1);
	/* Nothing left: a read, no clear. */
	T_EQ(iodirty_read_dirty(f.dom, BASE, P, P, bm, 0), 0);
	st0 = stats(f.dom);
	assert_int_equal(st0.reads, st.reads + 1);
	assert_int_equal(st0.clears, st.clears);
	/* NO_CLEAR never counts a clear, bit set or not. */
	mark(f.dom, BASE);
	bm[0] = 0;
	T_EQ(iodirty_read_dirty(f.dom, BASE, P, P, bm,
				IODIRTY_READ_NO_CLEAR), 1);
	st = stats(f.dom);
	assert_int_equal(st.clears, st0.clears);
	assert_int_equal(st.dirty_pending, 1);
	cfx_teardown(&f);
}

/* The same by user address. */
static void test_clears_preset_bit_uaddr(void **state)
{
	struct iodirty_stats st0, st;
	uint64_t bm[1] = { 1 };
	struct cfx f;

	(void)state;
	cfx_setup(&f, 0, 1, true, IODIRTY_CAP_UADDR_REPORT);
	mark(f.dom, BASE);
	st0 = stats(f.dom);
	T_EQ(iodirty_read_dirty_uaddr(f.dom, f.ram, P, P, bm, 0), 0);
	st = stats(f.dom);
	assert_int_equal(st.dirty_pending, 0);
	assert_int_equal(st.reads, st0.reads + 1);
	assert_int_equal(st.clears, st0.clears + 1);
	cfx_teardown(&f);
}

/* And by an unmap's report, which also tells dirty_pages. */
static void test_clears_preset_bit_unmap(void **state)
{
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	struct iodirty_stats st0, st;
	uint64_t bm[1] = { 1 };
	struct cfx f;

	(void)state;
	cfx_setup(&f, 0, 1, true, 0);
	mark(f.dom, BASE);
	st0 = stats(f.dom);
	o.page_size = P;
	o.dirty_bitmap = bm;
	o.dirty_pages = 77;
	assert_int_equal(iodirty_unmap(f.dom, BASE, P, &o), 0);
	assert_int_equal(o.unmapped, P);
	assert_int_equal(o.dirty_pages, 1);
	assert_int_equal(bm[0], 1);
	st = stats(f.dom);
	assert_int_equal(st.reads, st0.reads + 1);
	assert_int_equal(st.clears, st0.clears + 1);
	assert_int_equal(st.dirty_pending, 0);
	cfx_teardown(&f);
}

/*
 * A 64 KiB granule of two pages mapped to distant user pages: a user
 * read over the first reports the granule but cannot clear it (the other
 * page's memory is outside), so it counts no clear; a read over both
 * clears it and counts one.
 */
static void test_clears_uncleared_granule(void **state)
{
	const uint64_t G = 16 * P;
	struct iodirty_stats st0, st;
	uint64_t bm[2] = { 0, 0 };
	struct cfx f;

	(void)state;
	cfx_setup(&f, G, 128, false, IODIRTY_CAP_UADDR_REPORT);
	assert_int_equal(iodirty_map(f.dom, 0, f.ram, P, RW), 0);
	assert_int_equal(iodirty_map(f.dom, P, f.ram + 100 * P, P, RW), 0);
	mark(f.dom, 0);
	st0 = stats(f.dom);
	/* The report page is the granule: reads by user address at 64 KiB. */
	T_EQ(iodirty_read_dirty_uaddr(f.dom, f.ram, G, G, bm, 0), 1);
	assert_int_equal(bm[0], 1);
	st = stats(f.dom);
	assert_int_equal(st.dirty_pending, 1);
	assert_int_equal(st.reads, st0.reads + 1);
	assert_int_equal(st.clears, st0.clears);
	/* Both: pages 0 and 100 reported (bits 0 and 6), the granule
	 * cleared. */
	memset(bm, 0, sizeof(bm));
	T_EQ(iodirty_read_dirty_uaddr(f.dom, f.ram, 128 * P, G, bm, 0), 2);
	assert_int_equal(bm[0], 0x41);
	st0 = stats(f.dom);
	assert_int_equal(st0.dirty_pending, 0);
	assert_int_equal(st0.clears, st.clears + 1);
	cfx_teardown(&f);
}

/*
 * A bitmap OR-ed over several reads: COUNT_ALL tells each read's pages,
 * the default only the new bits. Also at page sizes that fold 2 and 256
 * granules into a bit (a bit spanning several words of granules).
 */
static void test_count_all_iova(void **state)
{
	uint64_t bm[8];
	struct cfx f;

	(void)state;
	cfx_setup(&f, 0, 1024, true, 0);
	memset(bm, 0, sizeof(bm));
	mark(f.dom, BASE);
	mark(f.dom, BASE + P);
	T_EQ(iodirty_read_dirty(f.dom, BASE, 64 * P, P, bm,
				IODIRTY_READ_COUNT_ALL), 2);
	mark(f.dom, BASE + P);
	mark(f.dom, BASE + 2 * P);
	T_EQ(iodirty_read_dirty(f.dom, BASE, 64 * P, P, bm,
				IODIRTY_READ_NO_CLEAR), 1);
	T_EQ(iodirty_read_dirty(f.dom, BASE, 64 * P, P, bm,
				IODIRTY_READ_COUNT_ALL |
				IODIRTY_READ_NO_CLEAR), 2);
	T_EQ(iodirty_read_dirty(f.dom, BASE, 64 * P, P, bm,
				IODIRTY_READ_COUNT_ALL), 2);
	assert_int_equal(bm[0], 7);
	T_EQ(iodirty_read_dirty(f.dom, BASE, 64 * P, P, bm,
				IODIRTY_READ_COUNT_ALL), 0);

	/* Pages 0, 1 and 5 at 8 KiB: bits 0 and 2. */
	memset(bm, 0, sizeof(bm));
	bm[0] = 1;
	mark(f.dom, BASE);
	mark(f.dom, BASE + P);
	mark(f.dom, BASE + 5 * P);
	T_EQ(iodirty_read_dirty(f.dom, BASE, 64 * P, 2 * P, bm,
				IODIRTY_READ_COUNT_ALL), 2);
	assert_int_equal(bm[0], 5);

	/* 1 MiB bits: pages 0 and 100 in bit 0, page 300 in bit 1. */
	memset(bm, 0, sizeof(bm));
	mark(f.dom, BASE);
	mark(f.dom, BASE + 100 * P);
	mark(f.dom, BASE + 300 * P);
	T_EQ(iodirty_read_dirty(f.dom, BASE, 1024 * P, 256 * P, bm,
				IODIRTY_READ_COUNT_ALL), 2);
	assert_int_equal(bm[0], 3);
	cfx_teardown(&f);
}

/* By user address: two IOVAs of one page and a pre-set bit count once. */
static void test_count_all_uaddr(void **state)
{
	uint64_t bm[1] = { 0 };
	struct cfx f;

	(void)state;
	cfx_setup(&f, 0, 4, true, IODIRTY_CAP_UADDR_REPORT);
	/* an alias of RAM page 1 */
	assert_int_equal(iodirty_map(f.dom, 2 * BASE, f.ram + P, P, RW), 0);
	mark(f.dom, BASE + P);
	mark(f.dom, 2 * BASE);
	mark(f.dom, BASE + 3 * P);
	bm[0] = 2;
	T_EQ(iodirty_read_dirty_uaddr(f.dom, f.ram, 4 * P, P, bm,
				      IODIRTY_READ_COUNT_ALL |
				      IODIRTY_READ_NO_CLEAR), 2);
	assert_int_equal(bm[0], 10);
	bm[0] = 2;
	T_EQ(iodirty_read_dirty_uaddr(f.dom, f.ram, 4 * P, P, bm, 0), 1);
	assert_int_equal(bm[0], 10);
	T_EQ(iodirty_read_dirty_uaddr(f.dom, f.ram, 4 * P, P, bm,
				      IODIRTY_READ_COUNT_ALL), 0);
	/* 16 KiB: one bit for all four pages. */
	mark(f.dom, BASE);
	mark(f.dom, 2 * BASE);
	bm[0] = 1;
	T_EQ(iodirty_read_dirty_uaddr(f.dom, f.ram, 4 * P, 4 * P, bm,
				      IODIRTY_READ_COUNT_ALL), 1);
	assert_int_equal(bm[0], 1);
	cfx_teardown(&f);
}

/*
 * dirty_pages of an unmap report; a caller compiled against an older,
 * shorter struct does not get it written.
 */
static void test_unmap_dirty_pages(void **state)
{
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	uint64_t bm[1] = { 0 };
	struct cfx f;

	(void)state;
	cfx_setup(&f, 0, 8, true, IODIRTY_CAP_PARTIAL_UNMAP);
	mark(f.dom, BASE);
	mark(f.dom, BASE + 2 * P);
	bm[0] = 4;
	o.page_size = P;
	o.dirty_bitmap = bm;
	assert_int_equal(iodirty_unmap(f.dom, BASE, 4 * P, &o), 0);
	assert_int_equal(o.dirty_pages, 2);
	assert_int_equal(bm[0], 5);
	/* Without a report: 0. */
	o.dirty_bitmap = NULL;
	o.dirty_pages = 9;
	assert_int_equal(iodirty_unmap(f.dom, BASE + 4 * P, P, &o), 0);
	assert_int_equal(o.dirty_pages, 0);
	/* A 0.4 struct ends before dirty_pages. */
	mark(f.dom, BASE + 5 * P);
	o.sz = offsetof(struct iodirty_unmap_opts, dirty_pages);
	o.dirty_bitmap = bm;
	o.dirty_pages = 9;
	bm[0] = 0;
	assert_int_equal(iodirty_unmap(f.dom, BASE + 5 * P, P, &o), 0);
	assert_int_equal(o.dirty_pages, 9);
	assert_int_equal(o.unmapped, P);
	assert_int_equal(bm[0], 1);
	cfx_teardown(&f);
}

/*
 * An unmap report whose range cuts its report pages: pages 1..9 at
 * 16 KiB pages make bits 0, 1 and 2 (report pages [0, 4), [4, 8),
 * [8, 12)); pages 0, 10 and 11, outside, keep their dirty state and are
 * not reported; nothing is written past bit 2.
 */
static void test_unmap_cut_report(void **state)
{
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	uint64_t bm[2] = { 0, 0 };
	struct iodirty_stats st;
	struct cfx f;

	(void)state;
	cfx_setup(&f, 0, 12, true, IODIRTY_CAP_PARTIAL_UNMAP);
	for (uint64_t pg = 0; pg < 12; pg++)
		if (pg != 3 && pg != 6)
			mark(f.dom, BASE + pg * P);
	o.page_size = 4 * P;
	o.dirty_bitmap = bm;
	assert_int_equal(IODIRTY_REPORT_BITS(BASE + P, 9 * P, 4 * P), 3);
	assert_int_equal(iodirty_unmap(f.dom, BASE + P, 9 * P, &o), 0);
	assert_int_equal(o.unmapped, 9 * P);
	assert_int_equal(o.dirty_pages, 3);
	assert_int_equal(bm[0], 7);
	assert_int_equal(bm[1], 0);
	T_EQ(t_dirty_count(f.dom, BASE, 12 * P), 3);
	T_EQ(t_dirty_count(f.dom, BASE, P), 1);
	T_EQ(t_dirty_count(f.dom, BASE + 10 * P, 2 * P), 2);
	st = stats(f.dom);
	assert_int_equal(st.mapped_bytes, 3 * P);
	assert_int_equal(st.dirty_pending, 3);

	/* One page in the middle of a report page: bit 0 stands for it. */
	bm[0] = 0;
	assert_int_equal(iodirty_unmap(f.dom, BASE + 10 * P, P, &o), 0);
	assert_int_equal(o.dirty_pages, 1);
	assert_int_equal(bm[0], 1);
	T_EQ(t_dirty_count(f.dom, BASE, 12 * P), 2);
	cfx_teardown(&f);
}

/*
 * The same with a 16 KiB granule cut by the range: reported, and kept
 * dirty while other pages of it stay mapped; dropped once none is.
 */
static void test_unmap_cut_granule(void **state)
{
	const uint64_t G = 4 * P;
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	uint64_t bm[1] = { 0 };
	struct cfx f;

	(void)state;
	cfx_setup(&f, G, 8, true, IODIRTY_CAP_PARTIAL_UNMAP);
	mark(f.dom, BASE);		/* granule 0, page 0: stays mapped */
	mark(f.dom, BASE + 5 * P);	/* granule 1 */
	o.page_size = G;
	o.dirty_bitmap = bm;
	assert_int_equal(iodirty_unmap(f.dom, BASE + P, 6 * P, &o), 0);
	assert_int_equal(bm[0], 3);
	assert_int_equal(o.dirty_pages, 2);
	/* granule 0 (page 0 mapped) and granule 1 (page 7) kept */
	T_EQ(t_dirty_count(f.dom, BASE, 8 * P), 2);
	assert_int_equal(iodirty_unmap(f.dom, BASE, P, NULL), 0);
	T_EQ(t_dirty_count(f.dom, BASE, 8 * P), 1);
	/* A report that takes a cut granule's last page drops it. */
	bm[0] = 0;
	assert_int_equal(iodirty_unmap(f.dom, BASE + 7 * P, P, &o), 0);
	assert_int_equal(bm[0], 1);
	T_EQ(t_dirty_count(f.dom, BASE, 8 * P), 0);
	assert_int_equal(stats(f.dom).dirty_pending, 0);
	cfx_teardown(&f);
}

#define WORDS_OF(len, ps) ((uint64_t)IODIRTY_BITMAP_WORDS(len, ps))

static void test_bitmap_macros(void **state)
{
	(void)state;
	assert_int_equal(WORDS_OF(P, P), 1);
	assert_int_equal(WORDS_OF(64 * P, P), 1);
	assert_int_equal(WORDS_OF(65 * P, P), 2);
	assert_int_equal(WORDS_OF(1ULL << 40, P), 1ULL << 22);
	assert_int_equal(WORDS_OF(1ULL << 40, 2ULL << 20), 8192);
	assert_int_equal(IODIRTY_REPORT_BITS(0, 4 * P, 4 * P), 1);
	assert_int_equal(IODIRTY_REPORT_BITS(3 * P, 2 * P, 4 * P), 2);
	assert_int_equal(IODIRTY_REPORT_BITS(5 * P, P, 4 * P), 1);
	/* The last page of a 64-bit space: no overflow. */
	assert_int_equal(IODIRTY_REPORT_BITS(~0ULL - P + 1, P, 1ULL << 30),
			 1);
	assert_int_equal(IODIRTY_REPORT_BITS(0, ~0ULL - P + 1, 1ULL << 63),
			 2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clears_preset_bit),
		cmocka_unit_test(test_clears_preset_bit_uaddr),
		cmocka_unit_test(test_clears_preset_bit_unmap),
		cmocka_unit_test(test_clears_uncleared_granule),
		cmocka_unit_test(test_count_all_iova),
		cmocka_unit_test(test_count_all_uaddr),
		cmocka_unit_test(test_unmap_dirty_pages),
		cmocka_unit_test(test_unmap_cut_report),
		cmocka_unit_test(test_unmap_cut_granule),
		cmocka_unit_test(test_bitmap_macros),
	};
	int ret;

	(void)argc;
	t_init(argv[0]);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	t_fini();
	return ret;
}
