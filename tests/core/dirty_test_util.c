// SPDX-License-Identifier: MIT
/* Helpers shared by the dirty-bitmap tests. */
#include "dirty_test_util.h"

uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return rnd(s) % n;
}
