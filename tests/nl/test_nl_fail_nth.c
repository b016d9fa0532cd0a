// SPDX-License-Identifier: MIT
/*
 * Kernel allocation failures in the "iodirty" generic netlink family: each
 * of its operations (IOAS dump and get, the mapping and reserved-region
 * dumps; joining the events group is the netlink core's) runs with the n-th fault-injection point of this
 * thread made to fail, for n = 1, 2, ... until it completes without
 * reaching it (see fail_nth.h). A failed operation must report an error
 * (ENOMEM, or ENOBUFS for a dump whose message could not be allocated),
 * never a wrong answer, and the family must work normally afterwards; the
 * VM runner's kernel log scan catches warnings and lockdep reports.
 */
#include "fail_nth.h"
#include "nl_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BASE (1ULL << 32)
#define NPAGES 64u
#define MAX_N 100000u

static int fd;
static uint32_t ioas, handle;
static char *ram;
static uint64_t injected;

/* What every operation must find: the IOAS as set up by group_setup(). */
struct seen {
	uint64_t n;		/* IOASes, runs or regions */
	bool ours;		/* the IOAS of this test was among them */
	uint64_t mapped;
};

static int on_ioas(void *arg, const struct ctl_ioas *a)
{
	struct seen *s = arg;

	s->n++;
	if (a->handle == handle) {
		s->ours = true;
		s->mapped = a->mapped_bytes;
	}
	return 0;
}

static int on_run(void *arg, const struct ctl_run *r)
{
	struct seen *s = arg;

	s->n++;
	s->mapped += r->length;
	return 0;
}

static int on_resv(void *arg, uint64_t start, uint64_t last, uint32_t type)
{
	struct seen *s = arg;

	(void)start;
	(void)last;
	(void)type;
	s->n++;
	return 0;
}

/* Mapped: NPAGES pages with a hole in the middle. */
#define MAPPED ((NPAGES - 1) * U_PAGE)

static int op_ioas_dump(struct ctl_nl *nl, struct seen *s)
{
	int rc = ctl_nl_ioas_dump(nl, -1, on_ioas, s);

	if (!rc && (!s->ours || s->mapped != MAPPED))
		return -EPROTO;
	return rc;
}

static int op_ioas_get(struct ctl_nl *nl, struct seen *s)
{
	struct ctl_ioas a;
	int rc = ctl_nl_ioas_get(nl, handle, &a);

	(void)s;
	if (!rc && (a.handle != handle || a.mapped_bytes != MAPPED))
		return -EPROTO;
	return rc;
}

static int op_runs(struct ctl_nl *nl, struct seen *s)
{
	unsigned int retries;
	int rc = ctl_nl_runs(nl, handle, 1, &retries, on_run, s);

	if (!rc && (s->n != 2 || s->mapped != MAPPED))
		return -EPROTO;
	return rc;
}

static int op_resv(struct ctl_nl *nl, struct seen *s)
{
	int rc = ctl_nl_resv(nl, handle, on_resv, s);

	if (!rc && s->n != 1)
		return -EPROTO;
	return rc;
}

static const struct {
	const char *name;
	int (*call)(struct ctl_nl *nl, struct seen *s);
} ops[] = {
	{ "IOAS dump", op_ioas_dump },
	{ "IOAS get", op_ioas_get },
	{ "mapping dump", op_runs },
	{ "reserved-region dump", op_resv },
};

static void sweep(size_t i)
{
	unsigned int n, hits = 0, left;

	for (n = 1; n < MAX_N; n++) {
		struct seen s = { 0 };
		struct ctl_nl nl;
		int rc;

		/* A fresh socket each time: a failed dump may leave it dirty. */
		n_nl_open(&nl);
		fail_nth_arm(n);
		rc = ops[i].call(&nl, &s);
		left = fail_nth_disarm();
		ctl_nl_close(&nl);
		if (rc == -EPROTO)
			fail_msg("%s, fail-nth %u: a wrong answer", ops[i].name,
				 n);
		if (left) {
			if (rc)
				fail_msg("%s: %s without an injected failure",
					 ops[i].name, strerror(-rc));
			break;
		}
		hits++;
		if (rc && rc != -ENOMEM && rc != -ENOBUFS)
			fail_msg("%s, fail-nth %u: %s, expected success, ENOMEM "
				 "or ENOBUFS", ops[i].name, n, strerror(-rc));
	}
	assert_true(n < MAX_N);
	print_message("%-22s %u injection points\n", ops[i].name, hits);
	injected += hits;
}

static void test_fail_nth(void **state)
{
	(void)state;
	for (size_t i = 0; i < U_ARRAY_SIZE(ops); i++) {
		struct seen s = { 0 };
		struct ctl_nl nl;

		sweep(i);
		/* And the family still answers right. */
		n_nl_open(&nl);
		assert_int_equal(ops[i].call(&nl, &s), 0);
		ctl_nl_close(&nl);
	}
	if (!injected) {
		TC_SKIP("no operation reached an injection point\n");
	}
}

static int group_setup(void **state)
{
	(void)state;
	fd = u_open_ok();
	ram = u_ram(NPAGES * U_PAGE);
	ioas = u_ioas_ok(fd, 48, 0);
	handle = n_handle(fd, ioas);
	u_map_ok(fd, ioas, BASE, ram, NPAGES * U_PAGE, U_RW);
	U_EQ(u_unmap(fd, ioas, BASE + NPAGES / 2 * U_PAGE, U_PAGE, 0, NULL),
	     0);
	U_EQ(u_reserve(fd, ioas, BASE + 2 * NPAGES * U_PAGE, 4 * U_PAGE,
		       IODIRTY_RANGE_RESV_MSI, 0), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	close(fd);
	u_ram_free(ram, NPAGES * U_PAGE);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_nth),
	};
	int rc;

	n_init(argc, argv);
	if (!fail_nth_open()) {
		printf("%s: no /proc/thread-self/fail-nth "
		       "(CONFIG_FAULT_INJECTION): skipped\n", argv[0]);
		return U_SKIP;
	}
	rc = cmocka_run_group_tests_name("nl_fail_nth", tests, group_setup,
					 group_teardown);
	fail_nth_close();
	return rc;
}
