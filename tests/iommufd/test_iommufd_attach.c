// SPDX-License-Identifier: MIT
/*
 * iommufd backend, devices: a device without dirty tracking is refused
 * before anything is made; two devices' writes are OR-ed in one report;
 * a detached device's unread writes are still reported.
 */
#include "fixture.h"

#include <errno.h>
#include <string.h>

#define BASE (48 * F_MiB)
#define LEN (512 * F_KiB)

static void test_no_dirty_device(void **state)
{
	struct fx *f = *state;
	struct iodirty_stats before = IODIRTY_OPTS(iodirty_stats);
	struct iodirty_stats after = IODIRTY_OPTS(iodirty_stats);
	void *mem = f_mem(LEN);
	struct f_dev *d;

	f_map(f, BASE, mem, LEN);
	F_EQ(iodirty_domain_stats(f->dom, &before), 0);
	F_EQ(f_dev_add(f, MOCK_DEV_NO_DIRTY, &d), -EOPNOTSUPP);
	assert_false(d->attached);
	/* Nothing was made: there is nothing to detach, and trying again
	 * gives the same answer (not -EEXIST). */
	F_EQ(iodirty_domain_detach(f->dom, d->idev), -ENOENT);
	F_EQ(iodirty_domain_attach(f->dom, d->idev, NULL), -EOPNOTSUPP);
	F_EQ(iodirty_domain_stats(f->dom, &after), 0);
	F_EQ(after.mapped_bytes, before.mapped_bytes);
	F_EQ(after.mappings, before.mappings);
	/* The domain still works, and the device still sits on its own
	 * automatic HWPT of the IOAS. */
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	f_check_clean(f, BASE, LEN);
	F_EQ(mock_device_replace(f->fd, d->stdev, f->ioas), 0);
	f_mem_free(mem, LEN);
}

static void test_attach_errors(void **state)
{
	struct fx *f = *state;
	struct iodirty_attach_opts o = IODIRTY_OPTS(iodirty_attach_opts);
	struct f_dev *d;

	F_EQ(f_dev_add(f, 0, &d), 0);
	/* Attaching the same device twice. */
	F_EQ(iodirty_domain_attach(f->dom, d->idev, NULL), -EEXIST);
	/* Unknown device: the IOAS id is no device. */
	F_EQ(iodirty_domain_attach(f->dom, f->ioas, NULL) < 0, 1);
	F_EQ(iodirty_domain_attach(f->dom, 0xfffffff0u, NULL) < 0, 1);
	o.flags = 1u << 31;
	F_EQ(iodirty_domain_attach(f->dom, d->idev, &o), -EOPNOTSUPP);
	o = (struct iodirty_attach_opts)IODIRTY_OPTS(iodirty_attach_opts,
						     .__reserved = 1);
	F_EQ(iodirty_domain_attach(f->dom, d->idev, &o), -EOPNOTSUPP);
	o = (struct iodirty_attach_opts)IODIRTY_OPTS(iodirty_attach_opts,
						     .__reserved2 = 1);
	F_EQ(iodirty_domain_attach(f->dom, d->idev, &o), -EOPNOTSUPP);
	o = (struct iodirty_attach_opts)IODIRTY_OPTS(iodirty_attach_opts);
	o.sz = 2;
	F_EQ(iodirty_domain_attach(f->dom, d->idev, &o), -EINVAL);
	/* Still attached to it: the HWPT cannot go. */
	F_EQ(iodirty_domain_detach(f->dom, d->idev), -EBUSY);
	F_EQ(iodirty_domain_detach(f->dom, 0xfffffff0u), -ENOENT);
}

static void test_two_devices(void **state)
{
	struct fx *f = *state;
	void *mem = f_mem(LEN);
	struct f_dev *a, *b;
	static const uint64_t w[] = {
		BASE + 1 * F_PAGE, 1,		/* a */
		BASE + 2 * F_PAGE + 2048, 1,	/* b */
		BASE + 3 * F_PAGE, F_PAGE,	/* both */
		BASE + LEN - F_PAGE, 1,		/* b, added while tracking */
	};

	f_map(f, BASE, mem, LEN);
	F_EQ(f_dev_add(f, 0, &a), 0);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	F_EQ(f_dev_add(f, 0, &b), 0);
	assert_true(a->hwpt != b->hwpt);
	f_write(f, a, w[0], w[1]);
	f_write(f, b, w[2], w[3]);
	f_write(f, a, w[4], w[5]);
	f_write(f, b, w[4], w[5]);
	f_write(f, b, w[6], w[7]);
	f_check(f, BASE, LEN, F_PAGE, IODIRTY_READ_NO_CLEAR, w, 4);
	f_check(f, BASE, LEN, F_PAGE, 0, w, 4);
	f_check_clean(f, BASE, LEN);
	/* Cleared on both HWPTs: a write through one is reported alone. */
	f_write(f, b, w[0], w[1]);
	f_check(f, BASE, LEN, F_PAGE, 0, w, 1);
	f_mem_free(mem, LEN);
}

static void test_detach_keeps_bits(void **state)
{
	struct fx *f = *state;
	void *mem = f_mem(LEN);
	struct f_dev *a, *b;
	static const uint64_t w[] = {
		BASE + 7 * F_PAGE, 1,		/* a, then a is detached */
		BASE + 9 * F_PAGE, 1,		/* b */
		BASE + 11 * F_PAGE, 1,		/* a, after a NO_CLEAR read */
	};

	f_map(f, BASE, mem, LEN);
	F_EQ(f_dev_add(f, 0, &a), 0);
	F_EQ(f_dev_add(f, 0, &b), 0);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	f_write(f, a, w[0], w[1]);
	f_write(f, b, w[2], w[3]);
	F_EQ(iodirty_domain_detach(f->dom, a->idev), -EBUSY);
	f_check(f, BASE, LEN, F_PAGE, IODIRTY_READ_NO_CLEAR, w, 2);
	/* Recorded only by a's HWPT: no read has seen it before the
	 * detach, which must take it from the HWPT before destroying it. */
	f_write(f, a, w[4], w[5]);
	f_dev_unplug(f, a);
	F_EQ(iodirty_domain_detach(f->dom, a->idev), 0);
	a->attached = false;
	F_EQ(iodirty_domain_detach(f->dom, a->idev), -ENOENT);
	f_check(f, BASE, LEN, F_PAGE, 0, w, 3);
	f_check_clean(f, BASE, LEN);
	/* The remaining device still reports; the detached one can be
	 * attached again and is tracked again. */
	f_write(f, b, w[0], w[1]);
	F_EQ(iodirty_domain_attach(f->dom, a->idev, NULL), 0);
	a->attached = true;
	f_check(f, BASE, LEN, F_PAGE, 0, w, 1);
	f_mem_free(mem, LEN);
}

/* Detaching the last device while not tracking, then tracking: software
 * only, nothing stale. */
static void test_detach_untracked(void **state)
{
	struct fx *f = *state;
	void *mem = f_mem(LEN);
	struct f_dev *a;

	f_map(f, BASE, mem, LEN);
	F_EQ(f_dev_add(f, 0, &a), 0);
	f_dev_unplug(f, a);
	F_EQ(iodirty_domain_detach(f->dom, a->idev), 0);
	a->attached = false;
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	f_check_clean(f, BASE, LEN);
	F_EQ(iodirty_mark_dirty(f->dom, BASE, 1), 0);
	f_check(f, BASE, LEN, F_PAGE, 0, (const uint64_t[]){ BASE, 1 }, 1);
	f_mem_free(mem, LEN);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_dirty_device, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_attach_errors, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_two_devices, f_setup,
						f_teardown),
		cmocka_unit_test_setup_teardown(test_detach_keeps_bits,
						f_setup, f_teardown),
		cmocka_unit_test_setup_teardown(test_detach_untracked, f_setup,
						f_teardown),
	};

	(void)argc;
	f_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
