// SPDX-License-Identifier: MIT
/*
 * Shared by the hole set tests (test_holeset.c, test_holeset_random.c): a
 * reference model (a bool per page of a window; pages outside are absent)
 * and checks of an iod_holeset against it.
 */
#ifndef IODIRTY_TESTS_CORE_HOLESET_TEST_UTIL_H
#define IODIRTY_TESTS_CORE_HOLESET_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "holeset.h"

#define C (1ULL << 16)	/* pages per chunk */

struct ref {
	uint64_t base;
	uint64_t n;
	uint64_t count;
	bool *in;
};

void ref_init(struct ref *r, uint64_t base, uint64_t n);
void ref_fini(struct ref *r);
bool ref_test(const struct ref *r, uint64_t p);
/* Mutations stay inside the window. */
void ref_set(struct ref *r, uint64_t first, uint64_t end, bool v);
/* Queries clip [first, end) to the window. */
uint64_t ref_count(const struct ref *r, uint64_t first, uint64_t end);
uint64_t ref_next_hole(const struct ref *r, uint64_t first, uint64_t end);
uint64_t ref_next_present(const struct ref *r, uint64_t first,
			  uint64_t end);
uint64_t ref_prev_present(const struct ref *r, uint64_t first,
			  uint64_t end);

/* iod_holeset_check() passes (and fills the returned info). */
void check(const struct iod_holeset *hs);
struct iod_holeset_info info_of(const struct iod_holeset *hs);
/* Reserve + add; asserts the add itself allocates nothing. */
void add(struct iod_holeset *hs, uint64_t first, uint64_t end);
/* The same on the set and the reference. */
void ref_add(struct iod_holeset *hs, struct ref *r, uint64_t first,
	     uint64_t end);
void ref_remove(struct iod_holeset *hs, struct ref *r, uint64_t first,
		uint64_t end);
/* Full comparison of the set with the reference over its window. */
void verify(const struct iod_holeset *hs, const struct ref *r);

#endif /* IODIRTY_TESTS_CORE_HOLESET_TEST_UTIL_H */
