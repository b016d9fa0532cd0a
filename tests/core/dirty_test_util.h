// SPDX-License-Identifier: MIT
/* Helpers shared by the dirty-bitmap tests: a reproducible PRNG. */
#ifndef IODIRTY_TESTS_CORE_DIRTY_TEST_UTIL_H
#define IODIRTY_TESTS_CORE_DIRTY_TEST_UTIL_H

#include <stdint.h>

/* xorshift64*: fixed seeds, reproducible. @s must not be 0. */
uint64_t rnd(uint64_t *s);
/* Uniform enough in [0, n), n > 0. */
uint64_t rnd_below(uint64_t *s, uint64_t n);

#endif /* IODIRTY_TESTS_CORE_DIRTY_TEST_UTIL_H */
