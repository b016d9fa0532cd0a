/* SPDX-License-Identifier: MIT */
/*
 * What every cmocka test program shares: an equality assertion that
 * prints both sides, skips that say why, a program whose every case
 * skipped exiting 77 (which meson reports as SKIP, not OK), and the seed
 * of randomised tests. Test programs include it instead of <cmocka.h>.
 */
#ifndef IODIRTY_TESTS_TC_H
#define IODIRTY_TESTS_TC_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Exit status for "nothing was tested here" (meson, automake). */
#define TC_EXIT_SKIP 77

/* Asserts that an integer expression equals @exp, printing both. */
#define TC_EQ(expr, exp)						\
	do {								\
		int64_t e_ = (int64_t)(expr), x_ = (int64_t)(exp);	\
		if (e_ != x_)						\
			print_error("%s:%d: %s = %lld, expected %lld\n",\
				    __FILE__, __LINE__, #expr,		\
				    (long long)e_, (long long)x_);	\
		assert_true(e_ == x_);					\
	} while (0)

/*
 * Skips the running case, printing why (printf arguments, ending in a
 * newline). Every skip goes through here: the count decides whether the
 * whole program skipped.
 */
#define TC_SKIP(...)							\
	do {								\
		tc_skip_note(__VA_ARGS__);				\
		skip();							\
	} while (0)

void tc_skip_note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * Seed for a randomised test: IODIRTY_TEST_SEED from the environment if
 * set, else @dflt. Printed, so that a failure can be replayed.
 */
uint64_t tc_seed(const char *what, uint64_t dflt);

/*
 * cmocka's group runner, counting skips: returns TC_EXIT_SKIP when every
 * case of the group skipped and none failed, else what cmocka returns.
 */
int tc_run_group(const char *name, const struct CMUnitTest *tests,
		 size_t n, CMFixtureFunction setup,
		 CMFixtureFunction teardown);

#undef cmocka_run_group_tests
#define cmocka_run_group_tests(tests, setup, teardown)			\
	tc_run_group(#tests, tests, sizeof(tests) / sizeof((tests)[0]),	\
		     setup, teardown)
#undef cmocka_run_group_tests_name
#define cmocka_run_group_tests_name(name, tests, setup, teardown)	\
	tc_run_group(name, tests, sizeof(tests) / sizeof((tests)[0]),	\
		     setup, teardown)

#endif /* IODIRTY_TESTS_TC_H */
