// SPDX-License-Identifier: MIT
/*
 * iommufd backend, unmap: with a dirty bitmap it reports the device's
 * writes (read, then unmap: exact while the device is idle, as here); it
 * cannot cut a mapping (IOAS_UNMAP cannot split an area), and says so
 * without changing anything; unmapped pages leave no stale dirty bits.
 */
#include "fixture.h"

#include <errno.h>
#include <string.h>

#define BASE (40 * F_MiB)
#define LEN (256 * F_KiB)
#define BASE2 (44 * F_MiB)

static void test_unmap_reports(void **state)
{
	struct fx *f = *state;
	struct iodirty_unmap_opts uo = IODIRTY_OPTS(iodirty_unmap_opts);
	uint64_t bm[LEN / F_PAGE / 64], exp[LEN / F_PAGE / 64];
	void *mem = f_mem(LEN), *mem2 = f_mem(LEN);
	struct f_dev *d;
	static const uint64_t w[] = {
		BASE, 1,
		BASE + 17 * F_PAGE + 2048, 2048,
		BASE + LEN - F_PAGE, F_PAGE,
		BASE2 + 3 * F_PAGE, 1,
	};

	f_map(f, BASE, mem, LEN);
	f_map(f, BASE2, mem2, LEN);
	F_EQ(f_dev_add(f, 0, &d), 0);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	for (size_t i = 0; i < 4; i++)
		f_write(f, d, w[2 * i], w[2 * i + 1]);
	memset(bm, 0, sizeof(bm));
	uo.page_size = F_PAGE;
	uo.dirty_bitmap = bm;
	F_EQ(iodirty_unmap(f->dom, BASE, LEN, &uo), 0);
	F_EQ(uo.unmapped, LEN);
	f_expect(exp, BASE, LEN, F_PAGE, w, 3);
	f_assert_bits(bm, exp, LEN / F_PAGE, BASE, F_PAGE);
	/* Gone from the domain; the other mapping's write is still there. */
	f_check(f, BASE, BASE2 + LEN - BASE, F_PAGE, 0, w + 6, 1);
	f_mem_free(mem, LEN);
	f_mem_free(mem2, LEN);
}

/* A range over a gap and a whole mapping, at a coarser page size. */
static void test_unmap_span(void **state)
{
	struct fx *f = *state;
	struct iodirty_unmap_opts uo = IODIRTY_OPTS(iodirty_unmap_opts);
	const uint64_t span = 8 * F_MiB, ps = 64 * F_KiB;
	uint64_t bm[8 * F_MiB / (64 * F_KiB) / 64 + 1];
	uint64_t exp[8 * F_MiB / (64 * F_KiB) / 64 + 1];
	void *mem = f_mem(LEN);
	struct f_dev *d;
	static const uint64_t w[] = { BASE + 100 * 1024, 1 };

	f_map(f, BASE, mem, LEN);
	F_EQ(f_dev_add(f, 0, &d), 0);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	f_write(f, d, w[0], w[1]);
	memset(bm, 0, sizeof(bm));
	uo.page_size = ps;
	uo.dirty_bitmap = bm;
	F_EQ(iodirty_unmap(f->dom, 36 * F_MiB, span, &uo), 0);
	F_EQ(uo.unmapped, LEN);
	f_expect(exp, 36 * F_MiB, span, ps, w, 1);
	f_assert_bits(bm, exp, span / ps, 36 * F_MiB, ps);
	f_mem_free(mem, LEN);
}

static void test_partial_unmap(void **state)
{
	struct fx *f = *state;
	struct iodirty_unmap_opts uo = IODIRTY_OPTS(iodirty_unmap_opts);
	uint64_t bm[1] = { 0 };
	char *mem = f_mem(LEN);
	struct f_dev *d;
	void *va = NULL;
	static const uint64_t w[] = { BASE + 5 * F_PAGE, 1 };

	f_map(f, BASE, mem, LEN);
	F_EQ(f_dev_add(f, 0, &d), 0);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	f_write(f, d, w[0], w[1]);
	F_EQ(iodirty_unmap(f->dom, BASE, 64 * F_KiB, NULL), -EOPNOTSUPP);
	F_EQ(iodirty_unmap(f->dom, BASE + 64 * F_KiB, LEN, NULL), -EOPNOTSUPP);
	uo.page_size = 64 * F_KiB;
	uo.dirty_bitmap = bm;
	F_EQ(iodirty_unmap(f->dom, BASE, 64 * F_KiB, &uo), -EOPNOTSUPP);
	F_EQ(bm[0], 0);
	/* The mapping and its dirty page are intact. */
	F_EQ(iodirty_translate(f->dom, BASE + 5 * F_PAGE, &va, NULL), 0);
	assert_ptr_equal(va, mem + 5 * F_PAGE);
	f_write(f, d, BASE + 6 * F_PAGE, 1);
	f_check(f, BASE, LEN, F_PAGE, 0,
		(const uint64_t[]){ w[0], w[1], BASE + 6 * F_PAGE, 1 }, 2);
	F_EQ(iodirty_unmap(f->dom, BASE, LEN, NULL), 0);
	f_mem_free(mem, LEN);
}

/*
 * Bits of unmapped pages go with them, even those a NO_CLEAR read has
 * already taken from the HWPT: a new mapping at the same IOVA is clean.
 */
static void test_remap_clean(void **state)
{
	struct fx *f = *state;
	void *mem = f_mem(LEN);
	struct f_dev *d;
	static const uint64_t w[] = { BASE + 9 * F_PAGE, 1 };

	f_map(f, BASE, mem, LEN);
	F_EQ(f_dev_add(f, 0, &d), 0);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	f_write(f, d, w[0], w[1]);
	f_check(f, BASE, LEN, F_PAGE, IODIRTY_READ_NO_CLEAR, w, 1);
	F_EQ(iodirty_unmap(f->dom, BASE, LEN, NULL), 0);
	f_map(f, BASE, mem, LEN);
	f_check_clean(f, BASE, LEN);
	/* And the device's HWPT follows the new mapping. */
	f_write(f, d, BASE + 2 * F_PAGE, 1);
	f_check(f, BASE, LEN, F_PAGE, 0,
		(const uint64_t[]){ BASE + 2 * F_PAGE, 1 }, 1);
	f_mem_free(mem, LEN);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unmap_reports, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_unmap_span, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_partial_unmap, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_remap_clean, f_setup,
						f_teardown),
	};

	(void)argc;
	f_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
