// SPDX-License-Identifier: MIT
/*
 * What the kernel itself does with reads that a huge IOPTE crosses
 * (upstream defects 2 to 4, huge.h for the device), next to what the
 * library reports for the same shape. Each test first checks the library
 * on its shape, which must be exact on every kernel, then asks the HWPT
 * directly and prints how this kernel behaves: present as before, fixed by
 * an error, or fixed. Only the library's checks can fail: the kernel may
 * fix a defect, or fail a read it used to answer, without breaking what
 * the library guarantees. Raw reads-and-clears bypass the library, so
 * nothing is read through it after them.
 */
#include "huge.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define GUARD 0x5aa5c33c0ff0e11eULL

/* Raw NO_CLEAR read of exactly IOPTE @i: its dirty pages. */
static uint64_t raw_iopte(struct hfx *h, unsigned int i)
{
	uint64_t bm[IOPTE / F_PAGE / 64];

	memset(bm, 0, sizeof(bm));
	F_EQ(raw_get_dirty(h->f->fd, h->d->hwpt, H + i * IOPTE, IOPTE, F_PAGE,
			   bm, 1), 0);
	return f_popcount(bm, sizeof(bm) / sizeof(bm[0]));
}

/*
 * Defect 2: a dirty IOPTE across the end of the range. 6.12.117 writes its
 * bits past the end of the bitmap; 6.12.118 fails with -EPROTO instead,
 * and a clearing read that fails so has cleared the IOPTE already.
 */
static void test_end_crossing(void **state)
{
	struct fx *f = *state;
	uint64_t bm[1 + 8];
	struct hfx h;
	bool past;
	int rc;

	h_setup(f, &h, 1, 0);
	/* The library: 16 pages asked, 16 reported, the rest kept. */
	h_dirty(&h, 0);
	f_check(f, H, 64 * F_KiB, F_PAGE, 0, (const uint64_t[]){ H, IOPTE },
		1);
	f_check(f, H, H_LEN, F_PAGE, IODIRTY_READ_NO_CLEAR,
		(const uint64_t[]){ H + 64 * F_KiB, IOPTE - 64 * F_KiB }, 1);
	F_EQ(f_overflows(f), 0);

	/* The kernel: [H + 1 MiB, +64 KiB) over dirty IOPTE 1, read only. */
	h_dirty(&h, 1);
	bm[0] = 0;
	for (size_t i = 1; i < sizeof(bm) / sizeof(bm[0]); i++)
		bm[i] = GUARD;
	rc = raw_get_dirty(f->fd, h.d->hwpt, H + IOPTE, 64 * F_KiB, F_PAGE,
			   bm, 1);
	past = bm[1] != GUARD || (bm[0] >> 16);
	f_upstream("2", "IOPTE across the end, NO_CLEAR", rc, past,
		   "word 0 0x%016" PRIx64 ", word 1 0x%016" PRIx64, bm[0],
		   bm[1]);
	/* The same read, clearing; then what is left of the IOPTE. */
	bm[0] = 0;
	rc = raw_get_dirty(f->fd, h.d->hwpt, H + IOPTE, 64 * F_KiB, F_PAGE,
			   bm, 0);
	f_upstream("2", "IOPTE across the end, clearing", rc, rc == 0,
		   "%" PRIu64 " of 256 pages of the IOPTE still dirty after",
		   raw_iopte(&h, 1));
	/* From the middle, ending inside: [H + 2.5 MiB, +256 KiB). */
	h_dirty(&h, 2);
	memset(bm, 0, sizeof(bm));
	bm[8] = GUARD;
	rc = raw_get_dirty(f->fd, h.d->hwpt, H + 2 * IOPTE + IOPTE / 2,
			   256 * F_KiB, F_PAGE, bm, 1);
	f_upstream("2", "inside an IOPTE, NO_CLEAR", rc,
		   bm[1] != 0 || bm[8] != GUARD,
		   "%" PRIu64 " bits set, 64 asked for",
		   f_popcount(bm, 8));
	h_done(&h);
}

/*
 * Defect 3: a read starting inside a dirty IOPTE that reaches past its end
 * gets the IOPTE's bits shifted to its own start (and clean pages after
 * the IOPTE reported dirty).
 */
static void test_start_inside(void **state)
{
	struct fx *f = *state;
	const uint64_t mid = H + IOPTE / 2;
	uint64_t bm[(3 * IOPTE / 2) / F_PAGE / 64];
	uint64_t n;
	struct hfx h;
	int rc;

	h_setup(f, &h, 1, 0);
	/* The library: IOPTE 0 dirty, 1 clean; only IOPTE 0's half. */
	h_dirty(&h, 0);
	f_check(f, mid, IOPTE + IOPTE / 2, F_PAGE, 0,
		(const uint64_t[]){ H, IOPTE }, 1);
	f_check(f, H, H_LEN, F_PAGE, 0, (const uint64_t[]){ H, IOPTE / 2 },
		1);
	F_EQ(f_overflows(f), 0);

	/* The kernel: IOPTE 2 dirty, 3 clean, [H + 2.5 MiB, +1.5 MiB). */
	h_dirty(&h, 2);
	memset(bm, 0, sizeof(bm));
	rc = raw_get_dirty(f->fd, h.d->hwpt, H + 2 * IOPTE + IOPTE / 2,
			   IOPTE + IOPTE / 2, F_PAGE, bm, 1);
	n = f_popcount(bm, sizeof(bm) / sizeof(bm[0]));
	f_upstream("3", "read starting inside an IOPTE", rc,
		   n != IOPTE / 2 / F_PAGE,
		   "%" PRIu64 " pages reported, %llu dirty in the range", n,
		   IOPTE / 2 / F_PAGE);
	h_done(&h);
}

/*
 * Defect 4: a read-and-clear of part of a dirty IOPTE clears all of it.
 * The read below fits the kernel's recording on every version (it starts
 * inside IOPTE 2 and reaches a whole IOPTE further), so it returns 0 and
 * the head of IOPTE 2, never reported, is gone.
 */
static void test_partial_clear(void **state)
{
	struct fx *f = *state;
	const uint64_t part = 256 * F_KiB;
	uint64_t bm[IOPTE / F_PAGE / 64];
	uint64_t left;
	struct hfx h;
	int rc;

	h_setup(f, &h, 1, 0);
	/* The library: clear 256 KiB of IOPTE 0, the rest stays. */
	h_dirty(&h, 0);
	f_check(f, H, part, F_PAGE, 0, (const uint64_t[]){ H, part }, 1);
	f_check(f, H, H_LEN, F_PAGE, IODIRTY_READ_NO_CLEAR,
		(const uint64_t[]){ H + part, IOPTE - part }, 1);
	F_EQ(f_overflows(f), 0);

	h_dirty(&h, 2);
	memset(bm, 0, sizeof(bm));
	rc = raw_get_dirty(f->fd, h.d->hwpt, H + 2 * IOPTE + IOPTE / 2, IOPTE,
			   F_PAGE, bm, 0);
	left = raw_iopte(&h, 2);
	f_upstream("4", "clearing part of an IOPTE", rc, left == 0,
		   "%" PRIu64 " of 256 pages of the IOPTE still dirty after "
		   "clearing its second half", left);
	h_done(&h);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_end_crossing, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_start_inside, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_partial_clear, f_setup,
						f_teardown),
	};

	(void)argc;
	f_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
