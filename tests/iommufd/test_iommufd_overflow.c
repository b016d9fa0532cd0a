// SPDX-License-Identifier: MIT
/*
 * An IOPTE larger than the library's read span, forced: the device is
 * attached with max_iopte 64 KiB while the mock uses 1 MiB IOPTEs (huge.h),
 * so the library's 64 KiB-aligned hardware reads are crossed by IOPTEs, as
 * they would be on an IOMMU whose leaves outgrow what it was told. The
 * kernel shows it (6.12.118: -EPROTO; 6.12.117: bits past the end of the
 * read); the library must then lose nothing, fail nothing, report the
 * whole mapping dirty where the kernel already cleared what it could not
 * record, read whole mappings of that device from then on, and count it.
 */
#include "huge.h"

#include <string.h>

#define SMALL (64 * F_KiB)

/* A clearing read: the IOPTE's state is gone from the hardware. */
static void test_forced_clear(void **state)
{
	struct fx *f = *state;
	const uint64_t all[] = { H, H_LEN };
	struct hfx h;

	h_setup(f, &h, 1, SMALL);
	h_dirty(&h, 1);
	/* Succeeds, and reports the pages asked for. */
	f_check(f, H + IOPTE, SMALL, F_PAGE, 0, all, 1);
	F_EQ(f_overflows(f), 1);
	/* The rest of IOPTE 1 was cleared unrecorded: the whole mapping
	 * is reported, nothing of IOPTE 1 is missing. */
	f_check(f, H, H_LEN, F_PAGE, IODIRTY_READ_NO_CLEAR,
		(const uint64_t[]){ H, IOPTE, H + IOPTE + SMALL,
				    H_LEN - IOPTE - SMALL }, 2);
	f_check(f, H, H_LEN, F_PAGE, 0,
		(const uint64_t[]){ H, IOPTE, H + IOPTE + SMALL,
				    H_LEN - IOPTE - SMALL }, 2);
	f_check_clean(f, H, H_LEN);
	/* From now on whole mappings are read: exact, no new overflow. */
	h_dirty(&h, 2);
	f_check(f, H + 2 * IOPTE + IOPTE / 2, SMALL, F_PAGE, 0, all, 1);
	f_check(f, H, H_LEN, F_PAGE, IODIRTY_READ_NO_CLEAR,
		(const uint64_t[]){ H + 2 * IOPTE, IOPTE / 2,
				    H + 2 * IOPTE + IOPTE / 2 + SMALL,
				    IOPTE / 2 - SMALL }, 2);
	F_EQ(f_overflows(f), 1);
	h_done(&h);
}

/* A NO_CLEAR read loses nothing to begin with: exact, no over-report. */
static void test_forced_no_clear(void **state)
{
	struct fx *f = *state;
	const uint64_t iopte0[] = { H, IOPTE };
	struct hfx h;

	h_setup(f, &h, 1, SMALL);
	h_dirty(&h, 0);
	f_check(f, H, SMALL, F_PAGE, IODIRTY_READ_NO_CLEAR, iopte0, 1);
	F_EQ(f_overflows(f), 1);
	f_check(f, H, H_LEN, F_PAGE, IODIRTY_READ_NO_CLEAR, iopte0, 1);
	f_check(f, H, H_LEN, F_PAGE, 0, iopte0, 1);
	f_check_clean(f, H, H_LEN);
	F_EQ(f_overflows(f), 1);
	h_done(&h);
}

/*
 * By user address, over two mappings: the overflow in the first makes
 * that mapping dirty; the second, read whole from then on, stays exact.
 */
static void test_forced_uaddr(void **state)
{
	struct fx *f = *state;
	uint64_t bm[SMALL / F_PAGE / 64 + 1];
	struct hfx h;

	h_setup(f, &h, 2, SMALL);
	h_dirty(&h, 0);
	h_dirty(&h, 3);
	memset(bm, 0, sizeof(bm));
	F_EQ(iodirty_read_dirty_uaddr(f->dom, h.mem, SMALL, F_PAGE, bm, 0),
	     SMALL / F_PAGE);
	F_EQ(f_overflows(f), 1);
	f_check(f, H, H_LEN, F_PAGE, 0,
		(const uint64_t[]){ H + SMALL, 2 * IOPTE - SMALL,
				    H + 3 * IOPTE, IOPTE }, 2);
	F_EQ(f_overflows(f), 1);
	h_done(&h);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forced_clear, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_forced_no_clear, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_forced_uaddr, f_setup,
						f_teardown),
	};

	(void)argc;
	f_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
