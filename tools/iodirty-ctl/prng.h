// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: a small seeded PRNG (xoshiro256**, seeded by splitmix64),
 * so a run can be repeated exactly with the same --seed.
 */
#ifndef IODIRTY_CTL_PRNG_H
#define IODIRTY_CTL_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t s[4];
};

void prng_seed(struct prng *r, uint64_t seed);
uint64_t prng_next(struct prng *r);
/* Uniform in [0, bound); bound must not be 0. */
uint64_t prng_below(struct prng *r, uint64_t bound);

#endif /* IODIRTY_CTL_PRNG_H */
