// SPDX-License-Identifier: MIT
/* The shared part of the cmocka test programs (tc.h). */
#include "tc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* Cases of the running group that skipped. */
static size_t tc_skipped;

void tc_skip_note(const char *fmt, ...)
{
	va_list ap;

	tc_skipped++;
	fputs("# skipped: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

uint64_t tc_seed(const char *what, uint64_t dflt)
{
	const char *e = getenv("IODIRTY_TEST_SEED");
	uint64_t seed = dflt;

	if (e && *e)
		seed = strtoull(e, NULL, 0);
	printf("# %s: seed 0x%" PRIx64 " (set IODIRTY_TEST_SEED to replay)\n",
	       what, seed);
	fflush(stdout);
	return seed;
}

int tc_run_group(const char *name, const struct CMUnitTest *tests,
		 size_t n, CMFixtureFunction setup,
		 CMFixtureFunction teardown)
{
	int rc;

	tc_skipped = 0;
	rc = _cmocka_run_group_tests(name, tests, n, setup, teardown);
	if (rc == 0 && n && tc_skipped >= n) {
		printf("# %s: every case skipped\n", name);
		return TC_EXIT_SKIP;
	}
	return rc;
}
