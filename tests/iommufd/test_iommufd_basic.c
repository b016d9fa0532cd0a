// SPDX-License-Identifier: MIT
/*
 * iommufd backend, one mock device: device writes are reported exactly,
 * cleared by a read, kept by NO_CLEAR and by re-enabling tracking, and
 * merged with software DMA.
 */
#include "fixture.h"

#include <errno.h>
#include <string.h>

#define BASE (32 * F_MiB)
#define LEN (1 * F_MiB)

/* Writes of various shapes, as (iova, length) pairs: a whole page, one
 * byte, only the second 2 KiB half of a page (the mock's page is half
 * ours: that alone must dirty the 4 KiB page), and bytes across a page
 * boundary. */
static const uint64_t writes[] = {
	BASE, F_PAGE,
	BASE + 5 * F_PAGE + 17, 1,
	BASE + 7 * F_PAGE + 2048, 2048,
	BASE + 10 * F_PAGE - 100, 200,
	BASE + LEN - 1, 1,
};
#define NW (sizeof(writes) / sizeof(writes[0]) / 2)

static void *setup_one(struct fx *f, struct f_dev **d)
{
	void *mem = f_mem(LEN);

	f_map(f, BASE, mem, LEN);
	F_EQ(f_dev_add(f, 0, d), 0);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	return mem;
}

static void write_all(struct fx *f, struct f_dev *d)
{
	for (size_t i = 0; i < NW; i++)
		f_write(f, d, writes[2 * i], writes[2 * i + 1]);
}

static void test_read_clears(void **state)
{
	struct fx *f = *state;
	struct f_dev *d;
	void *mem = setup_one(f, &d);

	f_check_clean(f, BASE, LEN);
	write_all(f, d);
	f_check(f, BASE, LEN, F_PAGE, 0, writes, NW);
	f_check_clean(f, BASE, LEN);
	/* Written again after the clear: reported again. */
	f_write(f, d, BASE + 3 * F_PAGE, 8);
	f_check(f, BASE, LEN, F_PAGE, 0,
		(const uint64_t[]){ BASE + 3 * F_PAGE, 8 }, 1);
	f_mem_free(mem, LEN);
}

static void test_no_clear(void **state)
{
	struct fx *f = *state;
	struct f_dev *d;
	void *mem = setup_one(f, &d);

	write_all(f, d);
	f_check(f, BASE, LEN, F_PAGE, IODIRTY_READ_NO_CLEAR, writes, NW);
	f_check(f, BASE, LEN, F_PAGE, IODIRTY_READ_NO_CLEAR, writes, NW);
	f_check(f, BASE, LEN, F_PAGE, 0, writes, NW);
	f_check_clean(f, BASE, LEN);
	f_mem_free(mem, LEN);
}

static void test_page_sizes(void **state)
{
	struct fx *f = *state;
	struct f_dev *d;
	void *mem = setup_one(f, &d);

	write_all(f, d);
	f_check(f, BASE, LEN, 8 * F_KiB, IODIRTY_READ_NO_CLEAR, writes, NW);
	f_check(f, BASE, LEN, 64 * F_KiB, IODIRTY_READ_NO_CLEAR, writes, NW);
	f_check(f, BASE, LEN, LEN, IODIRTY_READ_NO_CLEAR, writes, NW);
	f_check(f, BASE, LEN, F_PAGE, 0, writes, NW);
	f_mem_free(mem, LEN);
}

/* The same writes, reported in user-address space. */
static void test_uaddr(void **state)
{
	struct fx *f = *state;
	struct f_dev *d;
	char *mem = setup_one(f, &d);
	uint64_t bits = LEN / F_PAGE, uw[2 * NW];
	uint64_t got[LEN / F_PAGE / 64], exp[LEN / F_PAGE / 64];
	int64_t rc;

	for (size_t i = 0; i < NW; i++) {
		uw[2 * i] = writes[2 * i] - BASE + (uintptr_t)mem;
		uw[2 * i + 1] = writes[2 * i + 1];
	}
	write_all(f, d);
	memset(got, 0, sizeof(got));
	f_expect(exp, (uintptr_t)mem, LEN, F_PAGE, uw, NW);
	rc = iodirty_read_dirty_uaddr(f->dom, mem, LEN, F_PAGE, got, 0);
	F_EQ(rc, f_popcount(exp, bits / 64));
	f_assert_bits(got, exp, bits, (uintptr_t)mem, F_PAGE);
	f_check_clean(f, BASE, LEN);
	f_mem_free(mem, LEN);
}

/*
 * Upstream, every IOMMU_HWPT_SET_DIRTY_TRACKING(ENABLE) clears the HWPT's
 * dirty bits; the API promises that starting while started keeps them.
 */
static void test_reenable_keeps(void **state)
{
	struct fx *f = *state;
	struct f_dev *d;
	void *mem = setup_one(f, &d);

	write_all(f, d);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	f_check(f, BASE, LEN, F_PAGE, IODIRTY_READ_NO_CLEAR, writes, NW);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	f_check(f, BASE, LEN, F_PAGE, 0, writes, NW);
	f_mem_free(mem, LEN);
}

/* A device attached while the domain tracks is tracked at once. */
static void test_attach_while_tracking(void **state)
{
	struct fx *f = *state;
	void *mem = f_mem(LEN);
	struct f_dev *d;

	f_map(f, BASE, mem, LEN);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	F_EQ(f_dev_add(f, 0, &d), 0);
	/* The mock refuses DIRTY unless tracking is on for the HWPT. */
	write_all(f, d);
	f_check(f, BASE, LEN, F_PAGE, 0, writes, NW);
	f_mem_free(mem, LEN);
}

/* Stopping turns tracking off on the HWPT and drops unread bits. */
static void test_stop(void **state)
{
	struct fx *f = *state;
	struct f_dev *d;
	void *mem = setup_one(f, &d);
	uint64_t bm[LEN / F_PAGE / 64];
	int64_t nr;

	write_all(f, d);
	F_EQ(iodirty_set_dirty_tracking(f->dom, false), 0);
	/* Whether the HWPT still records (the mock then accepts the write)
	 * or not (-EINVAL), a write while stopped must not be reported. */
	nr = mock_write(f->fd, d->hwpt, BASE, F_PAGE);
	assert_true(nr == -EINVAL || nr > 0);
	memset(bm, 0, sizeof(bm));
	F_EQ(iodirty_read_dirty(f->dom, BASE, LEN, F_PAGE, bm, 0), -ENODATA);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	f_check_clean(f, BASE, LEN);
	f_write(f, d, BASE + 4 * F_PAGE, 1);
	f_check(f, BASE, LEN, F_PAGE, 0,
		(const uint64_t[]){ BASE + 4 * F_PAGE, 1 }, 1);
	f_mem_free(mem, LEN);
}

/* Software DMA and device writes land in one report. */
static void test_soft_dma(void **state)
{
	struct fx *f = *state;
	struct f_dev *d;
	char *mem = setup_one(f, &d);
	const char msg[] = "dma";
	static const uint64_t w[] = {
		BASE + 20 * F_PAGE + 5, sizeof(msg),
		BASE + 21 * F_PAGE, 1,
		BASE + 22 * F_PAGE, 1,
	};

	F_EQ(iodirty_dma_write(f->dom, w[0], msg, sizeof(msg)), 0);
	assert_memory_equal(mem + 20 * F_PAGE + 5, msg, sizeof(msg));
	f_write(f, d, w[2], w[3]);
	F_EQ(iodirty_mark_dirty(f->dom, w[4], w[5]), 0);
	f_write(f, d, w[4], w[5]);
	f_check(f, BASE, LEN, F_PAGE, 0, w, 3);
	f_check_clean(f, BASE, LEN);
	f_mem_free(mem, LEN);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_clears, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_no_clear, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_page_sizes, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_uaddr, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_reenable_keeps, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_attach_while_tracking,
						f_setup, f_teardown),
		cmocka_unit_test_setup_teardown(test_stop, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_soft_dma, f_setup,
						f_teardown),
	};

	(void)argc;
	f_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
