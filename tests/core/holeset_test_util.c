// SPDX-License-Identifier: MIT
/* Reference model and checks shared by the hole set tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <stdlib.h>

#include "holeset_test_util.h"

void ref_init(struct ref *r, uint64_t base, uint64_t n)
{
	r->base = base;
	r->n = n;
	r->count = 0;
	r->in = calloc(n, sizeof(bool));
	assert_non_null(r->in);
}

void ref_fini(struct ref *r)
{
	free(r->in);
	r->in = NULL;
}

bool ref_test(const struct ref *r, uint64_t p)
{
	return p >= r->base && p - r->base < r->n && r->in[p - r->base];
}

void ref_set(struct ref *r, uint64_t first, uint64_t end, bool v)
{
	uint64_t p;

	for (p = first; p < end; p++) {
		assert_true(p >= r->base && p - r->base < r->n);
		if (r->in[p - r->base] != v) {
			r->in[p - r->base] = v;
			if (v)
				r->count++;
			else
				r->count--;
		}
	}
}

static uint64_t ref_lo(const struct ref *r, uint64_t first)
{
	return first > r->base ? first : r->base;
}

static uint64_t ref_hi(const struct ref *r, uint64_t end)
{
	return end < r->base + r->n ? end : r->base + r->n;
}

uint64_t ref_count(const struct ref *r, uint64_t first, uint64_t end)
{
	uint64_t p, n = 0;

	for (p = ref_lo(r, first); p < ref_hi(r, end); p++)
		n += r->in[p - r->base];
	return n;
}

uint64_t ref_next_hole(const struct ref *r, uint64_t first,
		       uint64_t end)
{
	uint64_t p;

	for (p = ref_lo(r, first); p < ref_hi(r, end); p++)
		if (r->in[p - r->base])
			return p;
	return end;
}

uint64_t ref_next_present(const struct ref *r, uint64_t first,
			  uint64_t end)
{
	uint64_t p;

	for (p = first; p < end; p++)
		if (!ref_test(r, p))
			return p;
	return end;
}

uint64_t ref_prev_present(const struct ref *r, uint64_t first,
			  uint64_t end)
{
	uint64_t p;

	for (p = end; p > first; p--)
		if (!ref_test(r, p - 1))
			return p - 1;
	return end;
}

void check(const struct iod_holeset *hs)
{
	assert_int_equal(iod_holeset_check(hs, NULL), 0);
}

struct iod_holeset_info info_of(const struct iod_holeset *hs)
{
	struct iod_holeset_info info;

	assert_int_equal(iod_holeset_check(hs, &info), 0);
	return info;
}

void add(struct iod_holeset *hs, uint64_t first, uint64_t end)
{
	assert_int_equal(iod_holeset_reserve(hs, first, end), 0);
	iod_fault_fail_nth(1);
	iod_holeset_add(hs, first, end);
	assert_false(iod_fault_fired());
	iod_fault_fail_nth(0);
}

void ref_add(struct iod_holeset *hs, struct ref *r, uint64_t first,
	     uint64_t end)
{
	add(hs, first, end);
	ref_set(r, first, end, true);
}

void ref_remove(struct iod_holeset *hs, struct ref *r, uint64_t first,
		uint64_t end)
{
	iod_holeset_remove(hs, first, end);
	ref_set(r, first, end, false);
}

void verify(const struct iod_holeset *hs, const struct ref *r)
{
	uint64_t p;

	check(hs);
	assert_int_equal(hs->count, r->count);
	assert_int_equal(iod_holeset_count(hs, 0, UINT64_MAX), r->count);
	for (p = r->base; p < r->base + r->n; p++)
		if (iod_holeset_test(hs, p) != r->in[p - r->base])
			fail_msg("page %#llx: set %d, reference %d",
				 (unsigned long long)p,
				 iod_holeset_test(hs, p), r->in[p - r->base]);
	assert_false(iod_holeset_test(hs, r->base - 1));
	assert_false(iod_holeset_test(hs, r->base + r->n));
}
