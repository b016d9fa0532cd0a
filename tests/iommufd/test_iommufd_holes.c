// SPDX-License-Identifier: MIT
/*
 * iommufd backend, reads across holes (upstream defect 1): up to 6.12.117,
 * IOMMU_HWPT_GET_DIRTY_BITMAP over a range that starts in unmapped IOVA,
 * or that runs past a mapping, returns 0 with some or all of the dirty
 * pages missing; 6.12.118 fails such a read. The library reads per mapped
 * area, so a range may start, end and have gaps anywhere.
 */
#include "fixture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Three mappings with gaps before, between and after them. */
#define A_IOVA (32 * F_MiB)
#define A_LEN (64 * F_KiB)
#define B_IOVA (33 * F_MiB)
#define B_LEN (64 * F_KiB)
#define C_IOVA (34 * F_MiB + 512 * F_KiB)
#define C_LEN (128 * F_KiB)

static const uint64_t writes[] = {
	A_IOVA + 1 * F_PAGE, 1,
	B_IOVA, 1,
	B_IOVA + B_LEN - 2048, 2048,
	C_IOVA + 3 * F_PAGE, 3 * F_PAGE,
};
#define NW (sizeof(writes) / sizeof(writes[0]) / 2)

struct hmem {
	void *a, *b, *c;
};

static void setup_holes(struct fx *f, struct hmem *m, struct f_dev **d)
{
	m->a = f_mem(A_LEN);
	m->b = f_mem(B_LEN);
	m->c = f_mem(C_LEN);
	f_map(f, A_IOVA, m->a, A_LEN);
	f_map(f, B_IOVA, m->b, B_LEN);
	f_map(f, C_IOVA, m->c, C_LEN);
	F_EQ(f_dev_add(f, 0, d), 0);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	for (size_t i = 0; i < NW; i++)
		f_write(f, *d, writes[2 * i], writes[2 * i + 1]);
}

static void free_holes(struct hmem *m)
{
	f_mem_free(m->a, A_LEN);
	f_mem_free(m->b, B_LEN);
	f_mem_free(m->c, C_LEN);
}

static void test_ranges(void **state)
{
	struct fx *f = *state;
	struct f_dev *d;
	struct hmem m;
	const uint32_t nc = IODIRTY_READ_NO_CLEAR;

	setup_holes(f, &m, &d);
	/* Starts in the gap before A, spans all three, ends in a gap. */
	f_check(f, 31 * F_MiB, 4 * F_MiB, F_PAGE, nc, writes, NW);
	/* Starts in the gap between A and B. */
	f_check(f, A_IOVA + A_LEN, 2 * F_MiB, F_PAGE, nc, writes, NW);
	/* Starts in the gap between B and C, reaches far past C. */
	f_check(f, B_IOVA + B_LEN, 64 * F_MiB, F_PAGE, nc, writes, NW);
	/* Starts inside A, runs past it across the gap into B. */
	f_check(f, A_IOVA + 2 * F_PAGE, 2 * F_MiB, F_PAGE, nc, writes, NW);
	/* Only gap. */
	f_check_clean(f, A_IOVA + A_LEN, B_IOVA - A_IOVA - A_LEN);
	/* Entirely past the last mapping. */
	f_check_clean(f, C_IOVA + C_LEN, 16 * F_MiB);
	/* Coarse pages straddling gaps and mappings. */
	f_check(f, 0, 64 * F_MiB, 2 * F_MiB, nc, writes, NW);
	/* Read-and-clear across it all, then nothing is left. */
	f_check(f, 16 * F_MiB, 32 * F_MiB, F_PAGE, 0, writes, NW);
	f_check_clean(f, 16 * F_MiB, 32 * F_MiB);
	free_holes(&m);
}

/* Clearing one mapping's part does not clear the neighbours. */
static void test_clear_piecewise(void **state)
{
	struct fx *f = *state;
	struct f_dev *d;
	struct hmem m;

	setup_holes(f, &m, &d);
	/* From the gap before A to the middle of the gap after B. */
	f_check(f, 31 * F_MiB, B_IOVA + B_LEN + F_MiB / 4 - 31 * F_MiB, F_PAGE,
		0, writes, NW);
	f_check(f, 31 * F_MiB, 8 * F_MiB, F_PAGE, 0, writes + 6, 1);
	f_check_clean(f, 31 * F_MiB, 8 * F_MiB);
	free_holes(&m);
}

/*
 * Documents the upstream behaviour this file guards against, after the
 * library's view of the same range: 6.12.117 and older return 0 and miss
 * writes where a read starts in a hole or runs past a mapping, and on a
 * HWPT that is not tracking; 6.12.118 returns the error it used to drop.
 * Prints which; only the library's checks can fail.
 */
static void test_raw_defect(void **state)
{
	struct fx *f = *state;
	uint64_t bm[4 * F_MiB / F_PAGE / 64];
	struct f_dev *d;
	struct hmem m;
	uint64_t n;
	int rc;

	setup_holes(f, &m, &d);
	/* The library's view is complete, and exact. */
	f_check(f, 31 * F_MiB, 4 * F_MiB, F_PAGE, IODIRTY_READ_NO_CLEAR,
		writes, NW);
	memset(bm, 0, sizeof(bm));
	rc = raw_get_dirty(f->fd, d->hwpt, 31 * F_MiB, 4 * F_MiB, F_PAGE, bm,
			   1);
	n = f_popcount(bm, sizeof(bm) / sizeof(bm[0]));
	f_upstream("1", "read starting in a hole", rc, rc == 0 && n == 0,
		   "%" PRIu64 " dirty pages reported, writes in %zu ranges",
		   n, NW);
	memset(bm, 0, sizeof(bm));
	rc = raw_get_dirty(f->fd, d->hwpt, A_IOVA, 2 * F_MiB, F_PAGE, bm, 1);
	n = f_popcount(bm, sizeof(bm) / sizeof(bm[0]));
	f_upstream("1", "read running past a mapping", rc, rc == 0,
		   "%" PRIu64 " dirty pages reported", n);
	/* Tracking off: the library says so, the kernel may not. */
	F_EQ(iodirty_set_dirty_tracking(f->dom, false), 0);
	memset(bm, 0, sizeof(bm));
	F_EQ(iodirty_read_dirty(f->dom, A_IOVA, A_LEN, F_PAGE, bm, 0),
	     -ENODATA);
	rc = raw_get_dirty(f->fd, d->hwpt, A_IOVA, A_LEN, F_PAGE, bm, 1);
	f_upstream("1", "read while not tracking", rc, rc == 0,
		   "%" PRIu64 " dirty pages reported",
		   f_popcount(bm, sizeof(bm) / sizeof(bm[0])));
	free_holes(&m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ranges, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_clear_piecewise, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_raw_defect, f_setup,
						f_teardown),
	};

	(void)argc;
	f_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
