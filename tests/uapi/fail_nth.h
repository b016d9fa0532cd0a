// SPDX-License-Identifier: MIT
/*
 * Kernel fault injection for the sweeps of the uAPI and netlink tests:
 * /proc/thread-self/fail-nth makes the n-th fault-injection point this
 * thread reaches fail. Slab failure injection ignores sleeping
 * (GFP_KERNEL) allocations unless failslab/ignore-gfp-wait is N in
 * debugfs; fail_nth_open() sets it (and verbose to 0, so that each
 * injected failure does not print a stack dump) when debugfs offers it,
 * and fail_nth_close() puts the old values back.
 */
#ifndef IODIRTY_TESTS_FAIL_NTH_H
#define IODIRTY_TESTS_FAIL_NTH_H

#include <stdbool.h>

/*
 * Opens this thread's fail-nth file and sets the knobs. Returns false
 * without CONFIG_FAULT_INJECTION (no fail-nth file): the caller skips.
 */
bool fail_nth_open(void);
void fail_nth_close(void);

/* Makes the n-th injection point this thread reaches fail. */
void fail_nth_arm(unsigned int n);

/* Disarms; returns the points still to go (0: a failure was injected). */
unsigned int fail_nth_disarm(void);

#endif /* IODIRTY_TESTS_FAIL_NTH_H */
