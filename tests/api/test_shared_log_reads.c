// SPDX-License-Identifier: MIT
/*
 * Dirty logs shared with device processes (since 0.6): the VMM's reads of
 * what devices marked. Covered: marks over many small mappings far apart
 * are all found in one read; extents reads by IOVA merge the logs' runs
 * with the domain's own exactly as a model of dirty granules says (random
 * marks through two overlapping logs and on the domain, random ranges,
 * page sizes and output sizes, each read resumed); a run that ends at
 * 2^64.
 */
#include "shared_log_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Many small mappings far apart, all marked in one pass: a take asks
 * about the ranges below summaries and about level-0 words in two streams
 * (shlog.h), and a page is lost if the filter of one stream is moved past
 * it by the other.
 */
#define SP_STRIDE	(16 * 1024 * 1024 + 65 * P)	/* a range and a word on */
#define SP_MAPS		60

static int mark_sparse(struct iodirty_domain *h, void *arg)
{
	(void)arg;
	for (uint64_t k = 0; k < SP_MAPS; k++) {
		/* The mapped page, and the unmapped one after it. */
		if (iodirty_mark_dirty(h, BASE + k * SP_STRIDE, 2 * P))
			return 1;
	}
	return 0;
}

static void test_sparse_mappings(void **state)
{
	struct iodirty_extent ext[SP_MAPS + 1];
	struct iodirty_domain *dom;
	struct iodirty_log *log;
	uint64_t k, next;
	uint8_t *ram;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	dom = t_domain(48, 0);
	ram = t_ram(SP_MAPS * P, 0);
	for (k = 0; k < SP_MAPS; k++)
		T_EQ(iodirty_map(dom, BASE + k * SP_STRIDE, ram + k * P, P, RW),
		     0);
	T_EQ(iodirty_set_dirty_tracking(dom, true), 0);
	T_EQ(iodirty_log_export(dom, BASE, SP_MAPS * SP_STRIDE, 0, &log), 0);
	T_EQ(wait_ok(device(iodirty_log_fd(log), mark_sparse, NULL)), 0);
	T_EQ(iodirty_read_extents(dom, BASE, SP_MAPS * SP_STRIDE, P, ext,
				  SP_MAPS + 1, &next, 0), SP_MAPS);
	for (k = 0; k < SP_MAPS; k++) {
		T_EQ(ext[k].start, BASE + k * SP_STRIDE);
		T_EQ(ext[k].length, P);
	}
	T_EQ(iodirty_log_revoke(log), 0);
	iodirty_domain_destroy(dom);
	t_ram_free(ram, SP_MAPS * P);
}

/*
 * Extents read by IOVA with logs: the logs' runs go straight into the
 * output, merged with the domain's own (api_log_extents.c). Checked
 * against a model of dirty granules through random marks (through two
 * overlapping logs and on the domain itself), random ranges, page sizes
 * and output sizes down to one entry, each read resumed until done.
 */
#define XM_PAGES	1024

static bool xm_mapped(uint64_t pg)
{
	return pg < 300 || (pg >= 320 && pg < 700) || pg >= 800;
}

static void xm_read(struct iodirty_domain *dom, uint8_t *model,
		    uint64_t *rs)
{
	uint64_t ps = P << t_rand_below(rs, 3), ppg = ps / P;
	uint64_t first = t_rand_below(rs, XM_PAGES / ppg) * ppg;
	uint64_t end = first + (1 + t_rand_below(rs, (XM_PAGES - first) / ppg))
		       * ppg, at = first, next, pg, q;
	size_t nr = 1 + (size_t)t_rand_below(rs, 5), i;
	struct iodirty_extent ext[5];
	uint8_t seen[XM_PAGES] = { 0 };
	int64_t n;

	while (at < end) {
		n = iodirty_read_extents(dom, BASE + at * P, (end - at) * P, ps,
					 ext, nr, &next, 0);
		assert_true(n >= 0 && (size_t)n <= nr);
		for (i = 0; i < (size_t)n; i++) {
			assert_true(ext[i].start >= BASE + at * P);
			assert_true(ext[i].start + ext[i].length <=
				    BASE + end * P);
			assert_true(ext[i].length && !(ext[i].length % ps) &&
				    !(ext[i].start % ps));
			/* Ascending, adjacent ones merged. */
			if (i)
				assert_true(ext[i].start > ext[i - 1].start +
					    ext[i - 1].length);
			for (pg = (ext[i].start - BASE) / P;
			     pg < (ext[i].start + ext[i].length - BASE) / P;
			     pg++)
				seen[pg] = 1;
		}
		assert_true(next > BASE + at * P && next <= BASE + end * P);
		/* Each page up to next: reported iff a granule was dirty. */
		for (pg = at; pg < (next - BASE) / P; pg += ppg) {
			bool any = false;

			for (q = pg; q < pg + ppg; q++)
				any |= model[q];
			assert_int_equal(seen[pg], any);
			for (q = pg; q < pg + ppg; q++)
				model[q] = 0;
		}
		at = (next - BASE) / P;
	}
}

static void test_extents_merge(void **state)
{
	struct iodirty_domain *dom, *h[2];
	struct iodirty_log *log[2];
	uint8_t model[XM_PAGES] = { 0 };
	uint64_t rs = t_seed("shared_log_extents", 0x78747300), pg, i, n;
	const uint64_t win[2][2] = { { 64, 960 }, { 512, 1024 } };
	uint8_t *ram;
	int round, l;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	dom = t_domain(48, 0);
	ram = t_ram(XM_PAGES * P, 0);
	T_EQ(iodirty_map(dom, BASE, ram, 300 * P, RW), 0);
	T_EQ(iodirty_map(dom, BASE + 320 * P, ram + 320 * P, 380 * P, RW), 0);
	T_EQ(iodirty_map(dom, BASE + 800 * P, ram + 800 * P, 224 * P, RW), 0);
	T_EQ(iodirty_set_dirty_tracking(dom, true), 0);
	for (l = 0; l < 2; l++) {
		T_EQ(iodirty_log_export(dom, BASE + win[l][0] * P,
					(win[l][1] - win[l][0]) * P, 0,
					&log[l]), 0);
		T_EQ(iodirty_log_import(iodirty_log_fd(log[l]), 0, &h[l]), 0);
	}
	for (round = 0; round < 3000; round++) {
		n = t_rand_below(&rs, 24);
		for (i = 0; i < n; i++) {
			uint64_t len = 1 + t_rand_below(&rs, 8);

			l = (int)t_rand_below(&rs, 3);
			if (l < 2) {
				/* Through a log, mapped or not. */
				pg = win[l][0] + t_rand_below(&rs,
					win[l][1] - win[l][0] - len + 1);
				T_EQ(iodirty_mark_dirty(h[l], BASE + pg * P,
							len * P), 0);
			} else {
				pg = t_rand_below(&rs, XM_PAGES);
				if (!xm_mapped(pg))
					continue;
				len = 1;
				T_EQ(iodirty_mark_dirty(dom, BASE + pg * P, P),
				     0);
			}
			for (; len; len--, pg++)
				model[pg] |= xm_mapped(pg);
		}
		xm_read(dom, model, &rs);
	}
	for (l = 0; l < 2; l++) {
		iodirty_domain_destroy(h[l]);
		T_EQ(iodirty_log_revoke(log[l]), 0);
	}
	iodirty_domain_destroy(dom);
	t_ram_free(ram, XM_PAGES * P);
}

/*
 * A log run that ends at 2^64 (soft: a 64-bit IOVA space): the merging
 * read reports what lies in its range and leaves the rest for the next.
 */
static void test_extents_top(void **state)
{
	const uint64_t base = 0 - 16 * P;
	struct iodirty_extent ext[4];
	struct iodirty_domain *dom, *h;
	struct iodirty_log *log;
	uint64_t next;
	void *mem;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	if (!t_backend_is("soft"))
		skip();	/* the kernel's IOVA space ends lower */
	dom = t_domain(64, 0);
	mem = t_ram(16 * P, 0);
	T_EQ(iodirty_map(dom, base, mem, 16 * P, RW), 0);
	T_EQ(iodirty_set_dirty_tracking(dom, true), 0);
	T_EQ(iodirty_log_export(dom, base, 16 * P, 0, &log), 0);
	T_EQ(iodirty_log_import(iodirty_log_fd(log), 0, &h), 0);
	T_EQ(iodirty_mark_dirty(h, 0 - 2 * P, 2 * P), 0);
	T_EQ(iodirty_mark_dirty(h, base, P), 0);
	T_EQ(iodirty_read_extents(dom, base, 15 * P, P, ext, 4, &next, 0), 2);
	T_EQ(ext[0].start, base);
	T_EQ(ext[1].start, 0 - 2 * P);
	T_EQ(ext[1].length, P);
	T_EQ(next, 0 - P);
	/* The last page, left in the domain for the next read. */
	T_EQ(iodirty_read_extents(dom, 0 - P, P, P, ext, 4, &next, 0), 1);
	T_EQ(ext[0].start, 0 - P);
	iodirty_domain_destroy(h);
	T_EQ(iodirty_log_revoke(log), 0);
	iodirty_domain_destroy(dom);
	t_ram_free(mem, 16 * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparse_mappings),
		cmocka_unit_test(test_extents_merge),
		cmocka_unit_test(test_extents_top),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_shared_log_reads", tests, NULL, NULL);
	t_fini();
	return rc;
}
