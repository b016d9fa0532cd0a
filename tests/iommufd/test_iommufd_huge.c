// SPDX-License-Identifier: MIT
/*
 * iommufd backend over huge IOPTEs (huge.h), upstream defects 2 to 4. On
 * a read whose range an IOPTE crosses, the kernel
 *  2. records a dirty IOPTE across the end of the range past it: 6.12.117
 *     writes bits past the end of the caller's bitmap, 6.12.118 fails the
 *     read with -EPROTO (after clearing the IOPTE, if the read clears),
 *  3. shifts the bits when the range starts inside an IOPTE,
 *  4. clears a whole IOPTE when asked to clear part of it.
 * The library widens its reads so that no IOPTE crosses them and reports
 * exactly the range asked; here on every kernel, no read it makes may
 * fail or overflow (stats.hw_read_overflows stays 0).
 * test_iommufd_huge_raw.c documents what the kernel itself does.
 */
#include "huge.h"

#include <inttypes.h>
#include <string.h>

/* Defect 2: the guard words after a short report stay untouched. */
static void test_overrun(void **state)
{
	struct fx *f = *state;
	const uint64_t iopte0[] = { H, IOPTE };
	const uint64_t iopte1[] = { H + IOPTE, IOPTE };
	struct hfx h;

	h_setup(f, &h, 1, 0);
	h_dirty(&h, 0);
	/* 16 bits: one word, the rest of it and the guards must stay. */
	f_check(f, H, 64 * F_KiB, F_PAGE, 0, iopte0, 1);
	/* One bit. */
	h_dirty(&h, 1);
	f_check(f, H + IOPTE, F_PAGE, F_PAGE, 0, iopte1, 1);
	/* The rest of both IOPTEs was not cleared by those reads. */
	f_check(f, H, H_LEN, F_PAGE, IODIRTY_READ_NO_CLEAR,
		(const uint64_t[]){ H + 64 * F_KiB, IOPTE - 64 * F_KiB,
				    H + IOPTE + F_PAGE, IOPTE - F_PAGE }, 2);
	h_done(&h);
}

/* Defect 3: a read starting inside a huge IOPTE. */
static void test_misattribution(void **state)
{
	struct fx *f = *state;
	const uint64_t mid = H + IOPTE / 2;
	struct hfx h;

	h_setup(f, &h, 1, 0);
	/* IOPTE 0 dirty, 1 clean: nothing of 1 may be reported. */
	h_dirty(&h, 0);
	f_check(f, mid, IOPTE + IOPTE / 2, F_PAGE, 0,
		(const uint64_t[]){ H, IOPTE }, 1);
	f_check(f, H, H_LEN, F_PAGE, 0,
		(const uint64_t[]){ H, IOPTE / 2 }, 1);
	/* IOPTE 1 dirty, 0 clean: all of 1, none of 0. */
	h_dirty(&h, 1);
	f_check(f, mid, IOPTE + IOPTE / 2, F_PAGE, 0,
		(const uint64_t[]){ H + IOPTE, IOPTE }, 1);
	f_check_clean(f, H, H_LEN);
	/* Both, read from an odd page inside IOPTE 0 at 8 KiB pages. */
	h_dirty(&h, 0);
	h_dirty(&h, 1);
	f_check(f, H + 24 * F_KiB, IOPTE, 8 * F_KiB, 0,
		(const uint64_t[]){ H, 2 * IOPTE }, 1);
	f_check(f, H, H_LEN, F_PAGE, 0,
		(const uint64_t[]){ H, 24 * F_KiB,
				    H + IOPTE + 24 * F_KiB,
				    IOPTE - 24 * F_KiB }, 2);
	h_done(&h);
}

/* Defect 4: clearing part of a dirty IOPTE keeps the rest. */
static void test_subrange_clear(void **state)
{
	struct fx *f = *state;
	const uint64_t part = 256 * F_KiB;
	const uint64_t rest[] = { H + part, IOPTE - part };
	struct hfx h;

	h_setup(f, &h, 1, 0);
	h_dirty(&h, 0);
	f_check(f, H, part, F_PAGE, 0, (const uint64_t[]){ H, part }, 1);
	f_check(f, H, H_LEN, F_PAGE, IODIRTY_READ_NO_CLEAR, rest, 1);
	/* The other side: clear the tail, the head is still there. */
	f_check(f, H + IOPTE - 64 * F_KiB, 64 * F_KiB, F_PAGE, 0, rest, 1);
	f_check(f, H, H_LEN, F_PAGE, 0,
		(const uint64_t[]){ H + part, IOPTE - part - 64 * F_KiB }, 1);
	f_check_clean(f, H, H_LEN);
	/* In user-address space too: half the IOPTE, then the other. */
	h_dirty(&h, 2);
	{
		const char *va = (const char *)h.mem + 2 * IOPTE;
		uint64_t bm[IOPTE / 2 / F_PAGE / 64];

		memset(bm, 0, sizeof(bm));
		F_EQ(iodirty_read_dirty_uaddr(f->dom, va, IOPTE / 2, F_PAGE,
					      bm, 0), IOPTE / 2 / F_PAGE);
	}
	f_check(f, H, H_LEN, F_PAGE, 0,
		(const uint64_t[]){ H + 2 * IOPTE + IOPTE / 2, IOPTE / 2 }, 1);
	h_done(&h);
}

/*
 * Every kind of read the library makes, over two mappings of two IOPTEs
 * each: IOVA reads across the mapping boundary at two page sizes, NO_CLEAR
 * then clearing, by user address, the harvest of an unmap with a dirty
 * report and that of a detach. None may fail, none may see the kernel
 * record past its range, and every report is exact.
 */
static void test_read_shapes(void **state)
{
	struct fx *f = *state;
	const uint64_t all[] = { H, H_LEN };
	const uint64_t mid = H + IOPTE + IOPTE / 2;
	struct iodirty_unmap_opts uo = IODIRTY_OPTS(iodirty_unmap_opts);
	uint64_t bm[2 * IOPTE / F_PAGE / 64], exp[2 * IOPTE / F_PAGE / 64];
	struct hfx h;

	h_setup(f, &h, 2, 0);
	for (unsigned int i = 0; i < 4; i++)
		h_dirty(&h, i);
	/* Across the boundary of the two mappings, from inside IOPTE 1. */
	f_check(f, mid, IOPTE, F_PAGE, IODIRTY_READ_NO_CLEAR, all, 1);
	f_check(f, mid, IOPTE, 8 * F_KiB, 0, all, 1);
	f_check(f, H, H_LEN, F_PAGE, IODIRTY_READ_NO_CLEAR,
		(const uint64_t[]){ H, mid - H,
				    mid + IOPTE, H + H_LEN - mid - IOPTE }, 2);
	/* By user address: the first half of IOPTE 0 and all of 3. */
	memset(bm, 0, sizeof(bm));
	F_EQ(iodirty_read_dirty_uaddr(f->dom, h.mem, IOPTE / 2, F_PAGE, bm,
				      0), IOPTE / 2 / F_PAGE);
	memset(bm, 0, sizeof(bm));
	F_EQ(iodirty_read_dirty_uaddr(f->dom, (char *)h.mem + 3 * IOPTE,
				      IOPTE, 64 * F_KiB, bm, 0),
	     IOPTE / (64 * F_KiB));
	f_check(f, H, H_LEN, F_PAGE, 0,
		(const uint64_t[]){ H + IOPTE / 2, IOPTE,
				    H + 2 * IOPTE + IOPTE / 2, IOPTE / 2 }, 2);
	f_check_clean(f, H, H_LEN);
	/* Unmap the second mapping with a report: IOPTE 3 whole. */
	h_dirty(&h, 3);
	h_dirty(&h, 0);
	memset(bm, 0, sizeof(bm));
	uo.page_size = F_PAGE;
	uo.dirty_bitmap = bm;
	F_EQ(iodirty_unmap(f->dom, H + 2 * IOPTE, 2 * IOPTE, &uo), 0);
	F_EQ(uo.unmapped, 2 * IOPTE);
	f_expect(exp, H + 2 * IOPTE, 2 * IOPTE, F_PAGE,
		 (const uint64_t[]){ H + 3 * IOPTE, IOPTE }, 1);
	f_assert_bits(bm, exp, 2 * IOPTE / F_PAGE, H + 2 * IOPTE, F_PAGE);
	/* Detach: IOPTE 0, still in the HWPT, is kept by the domain. */
	f_dev_unplug(f, h.d);
	F_EQ(iodirty_domain_detach(f->dom, h.d->idev), 0);
	h.d->attached = false;
	f_check(f, H, 2 * IOPTE, F_PAGE, 0, (const uint64_t[]){ H, IOPTE },
		1);
	F_EQ(f_overflows(f), 0);
	h_done(&h);
}

/* The library's choice for the mock is 1 GiB spans; IODIRTY_IOPTE_ANY
 * (whole mappings) must give the same exact reports. */
static void test_iopte_any(void **state)
{
	struct fx *f = *state;
	struct hfx h;

	h_setup(f, &h, 1, IODIRTY_IOPTE_ANY);
	h_dirty(&h, 1);
	f_check(f, H + IOPTE + 64 * F_KiB, 64 * F_KiB, F_PAGE, 0,
		(const uint64_t[]){ H + IOPTE, IOPTE }, 1);
	f_check(f, H, H_LEN, F_PAGE, 0,
		(const uint64_t[]){ H + IOPTE, 64 * F_KiB,
				    H + IOPTE + 128 * F_KiB,
				    IOPTE - 128 * F_KiB }, 2);
	F_EQ(f_overflows(f), 0);
	h_done(&h);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_overrun, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_misattribution, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_subrange_clear, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_read_shapes, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_iopte_any, f_setup,
						f_teardown),
	};

	(void)argc;
	f_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
