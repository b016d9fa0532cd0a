// SPDX-License-Identifier: MIT
/*
 * iodirty_mappings() (since 0.5): the list of mapped runs.
 *
 * Covered: the argument checks; maximal runs whatever the map calls were
 * (a map that continues another linearly joins its run, one that is only
 * IOVA-contiguous or has other permissions does not; an alias of the same
 * memory is its own run); holes split runs and refilling them joins them
 * again; the first entry clipped to the page that holds the start; a
 * start in a gap (the next mapped IOVA after a failed translate); resuming
 * entry by entry; lists longer than the library's and the module's steps,
 * in runs and in pieces of one run; the top of a 64-bit IOVA space.
 */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define R IODIRTY_MAP_READ
#define W IODIRTY_MAP_WRITE
#define RW (R | W)

static void expect_entry(const struct iodirty_mapping *m, uint64_t iova,
			 uint64_t length, const void *addr, uint32_t flags)
{
	if (m->iova != iova || m->length != length || m->addr != addr ||
	    m->flags != flags)
		print_error("entry 0x%" PRIx64 "+0x%" PRIx64 " %p %u; expected "
			    "0x%" PRIx64 "+0x%" PRIx64 " %p %u\n", m->iova,
			    m->length, m->addr, m->flags, iova, length, addr,
			    flags);
	T_EQ(m->iova, iova);
	T_EQ(m->length, length);
	assert_ptr_equal(m->addr, addr);
	T_EQ(m->flags, flags);
	T_EQ(m->__reserved, 0);
}

static void test_args(void **state)
{
	struct iodirty_domain *d;
	struct iodirty_mapping m;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAPPINGS);
	d = t_domain(48, 0);
	T_EQ(iodirty_mappings(NULL, 0, &m, 1), -EINVAL);
	T_EQ(iodirty_mappings(d, 0, NULL, 1), -EINVAL);
	T_EQ(iodirty_mappings(d, 0, NULL, 0), 0);
	T_EQ(iodirty_mappings(d, 0, &m, 1), 0);
	T_EQ(iodirty_mappings(d, 1ULL << 48, &m, 1), -ERANGE);
	T_EQ(iodirty_mappings(d, (1ULL << 48) - 1, &m, 1), 0);
	iodirty_domain_destroy(d);
}

/*
 * IOVA 1 MiB:       ram[0, 8) RW, then ram[8, 12) RW (continues it);
 * IOVA 1 MiB + 12P: ram[20, 24) RW (IOVA-contiguous only);
 * IOVA 1 MiB + 16P: ram[24, 28) R (linear with the last, other flags);
 * IOVA 4 MiB:       ram[0, 4) W (an alias of the first pages).
 */
#define A_IOVA (1ULL << 20)
#define E_IOVA (4ULL << 20)

static void map_runs(struct iodirty_domain *d, uint8_t *ram)
{
	T_EQ(iodirty_map(d, A_IOVA, ram, 8 * P, RW), 0);
	T_EQ(iodirty_map(d, A_IOVA + 8 * P, ram + 8 * P, 4 * P, RW), 0);
	T_EQ(iodirty_map(d, A_IOVA + 12 * P, ram + 20 * P, 4 * P, RW), 0);
	T_EQ(iodirty_map(d, A_IOVA + 16 * P, ram + 24 * P, 4 * P, R), 0);
	T_EQ(iodirty_map(d, E_IOVA, ram, 4 * P, W), 0);
}

static void expect_runs(const struct iodirty_mapping *m, const uint8_t *ram)
{
	expect_entry(&m[0], A_IOVA, 12 * P, ram, RW);
	expect_entry(&m[1], A_IOVA + 12 * P, 4 * P, ram + 20 * P, RW);
	expect_entry(&m[2], A_IOVA + 16 * P, 4 * P, ram + 24 * P, R);
	expect_entry(&m[3], E_IOVA, 4 * P, ram, W);
}

static void test_runs(void **state)
{
	struct iodirty_mapping m[8], one[8];
	struct iodirty_domain *d;
	uint8_t *ram;
	uint64_t at = 0;
	void *addr;
	int i;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAPPINGS);
	d = t_domain(48, 0);
	ram = t_ram(32 * P, 0);
	map_runs(d, ram);

	memset(m, 0xa5, sizeof(m));
	T_EQ(iodirty_mappings(d, 0, m, 8), 4);
	expect_runs(m, ram);
	/* Entries past the count are not written. */
	T_EQ(m[4].iova, 0xa5a5a5a5a5a5a5a5ULL);

	/* One at a time, each call from the end of the last entry. */
	for (i = 0; i < 4; i++) {
		T_EQ(iodirty_mappings(d, at, &one[i], 1), 1);
		at = one[i].iova + one[i].length;
	}
	expect_runs(one, ram);
	T_EQ(iodirty_mappings(d, at, one, 1), 0);

	/* From inside a run: clipped to the page that holds the start. */
	T_EQ(iodirty_mappings(d, A_IOVA + 3 * P + 5, m, 2), 2);
	expect_entry(&m[0], A_IOVA + 3 * P, 9 * P, ram + 3 * P, RW);
	expect_entry(&m[1], A_IOVA + 12 * P, 4 * P, ram + 20 * P, RW);

	/* After a failed translate: where the next mapped IOVA is. */
	T_EQ(iodirty_translate(d, 2ULL << 20, &addr, NULL), -ENOENT);
	T_EQ(iodirty_mappings(d, 2ULL << 20, m, 1), 1);
	expect_entry(&m[0], E_IOVA, 4 * P, ram, W);
	T_EQ(iodirty_mappings(d, E_IOVA + 4 * P, m, 1), 0);

	iodirty_domain_destroy(d);
	t_ram_free(ram, 32 * P);
}

static void test_holes(void **state)
{
	struct iodirty_mapping m[4];
	struct iodirty_domain *d;
	uint8_t *ram;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAPPINGS | IODIRTY_CAP_PARTIAL_UNMAP);
	d = t_domain(48, 0);
	ram = t_ram(20 * P, 0);
	T_EQ(iodirty_map(d, A_IOVA, ram, 16 * P, RW), 0);
	T_EQ(iodirty_unmap(d, A_IOVA + 3 * P, P, NULL), 0);
	T_EQ(iodirty_unmap(d, A_IOVA + 10 * P, 2 * P, NULL), 0);
	T_EQ(iodirty_mappings(d, 0, m, 4), 3);
	expect_entry(&m[0], A_IOVA, 3 * P, ram, RW);
	expect_entry(&m[1], A_IOVA + 4 * P, 6 * P, ram + 4 * P, RW);
	expect_entry(&m[2], A_IOVA + 12 * P, 4 * P, ram + 12 * P, RW);

	/* Refilled with the same memory: one run again. */
	T_EQ(iodirty_map(d, A_IOVA + 3 * P, ram + 3 * P, P, RW), 0);
	T_EQ(iodirty_mappings(d, 0, m, 4), 2);
	expect_entry(&m[0], A_IOVA, 10 * P, ram, RW);
	expect_entry(&m[1], A_IOVA + 12 * P, 4 * P, ram + 12 * P, RW);

	/* Refilled with other memory: a run of its own. */
	T_EQ(iodirty_map(d, A_IOVA + 10 * P, ram + 16 * P, P, RW), 0);
	T_EQ(iodirty_mappings(d, 0, m, 4), 3);
	expect_entry(&m[0], A_IOVA, 10 * P, ram, RW);
	expect_entry(&m[1], A_IOVA + 10 * P, P, ram + 16 * P, RW);
	expect_entry(&m[2], A_IOVA + 12 * P, 4 * P, ram + 12 * P, RW);

	iodirty_domain_destroy(d);
	t_ram_free(ram, 20 * P);
}

/*
 * More runs than one step of the library (64) or of the module: 200
 * single pages at every other page of memory (no two linear), then 130
 * single-page maps that continue each other, which every backend must list
 * as one run even where its table keeps the map calls apart.
 */
#define NSEP 200
#define NJOIN 130

static void test_long_lists(void **state)
{
	struct iodirty_mapping *m;
	struct iodirty_domain *d;
	uint64_t at = 0, join = 64ULL << 20;
	size_t got = 0;
	uint8_t *ram;
	int64_t n;
	int i;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAPPINGS);
	d = t_domain(48, 0);
	ram = t_ram((2 * NSEP + NJOIN) * P, 0);
	m = calloc(NSEP + 2, sizeof(*m));
	assert_non_null(m);
	for (i = 0; i < NSEP; i++)
		T_EQ(iodirty_map(d, A_IOVA + (uint64_t)i * P,
				 ram + (uint64_t)(2 * i) * P, P, RW), 0);
	for (i = 0; i < NJOIN; i++)
		T_EQ(iodirty_map(d, join + (uint64_t)i * P,
				 ram + (uint64_t)(2 * NSEP + i) * P, P, R), 0);

	T_EQ(iodirty_mappings(d, 0, m, NSEP + 2), NSEP + 1);
	for (i = 0; i < NSEP; i++)
		expect_entry(&m[i], A_IOVA + (uint64_t)i * P, P,
			     ram + (uint64_t)(2 * i) * P, RW);
	expect_entry(&m[NSEP], join, NJOIN * P, ram + 2 * NSEP * P, R);

	/* In pieces of 150: 150, then the rest. */
	while ((n = iodirty_mappings(d, at, m + got, 150)) > 0) {
		got += (size_t)n;
		at = m[got - 1].iova + m[got - 1].length;
		if (n < 150)
			break;
	}
	T_EQ(n, NSEP + 1 - 150);
	T_EQ(got, NSEP + 1);
	expect_entry(&m[NSEP], join, NJOIN * P, ram + 2 * NSEP * P, R);

	/* A full array ends on a whole run: the joined one is not cut. */
	T_EQ(iodirty_mappings(d, A_IOVA + (NSEP - 1) * P, m, 2), 2);
	expect_entry(&m[1], join, NJOIN * P, ram + 2 * NSEP * P, R);
	T_EQ(iodirty_mappings(d, join + 5 * P, m, 1), 1);
	expect_entry(&m[0], join + 5 * P, (NJOIN - 5) * P,
		     ram + (2 * NSEP + 5) * P, R);

	free(m);
	iodirty_domain_destroy(d);
	t_ram_free(ram, (2 * NSEP + NJOIN) * P);
}

/* A run that ends at 2^64: its end reads 0, where a listing stops. */
static void test_top_of_space(void **state)
{
	const uint64_t top = 0ULL - 2 * P;
	struct iodirty_mapping m[2];
	struct iodirty_domain *d;
	uint8_t *ram;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_MAPPINGS);
	if (t_caps.max_iova_bits < 64) {
		TC_SKIP("no 64-bit IO address space\n");
	}
	if (t_backend_is("iommufd")) {
		/* The mock IOMMU's aperture ends below the top. */
		TC_SKIP("iommufd: the IOAS cannot map the top page\n");
	}
	d = t_domain(64, 0);
	ram = t_ram(2 * P, 0);
	T_EQ(iodirty_map(d, top, ram, 2 * P, RW), 0);
	T_EQ(iodirty_mappings(d, 0, m, 2), 1);
	expect_entry(&m[0], top, 2 * P, ram, RW);
	T_EQ(m[0].iova + m[0].length, 0);
	T_EQ(iodirty_mappings(d, top + P + 17, m, 2), 1);
	expect_entry(&m[0], top + P, P, ram + P, RW);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 2 * P);
}

/* A backend without the call says so, and checks nothing else first. */
static void test_nocap(void **state)
{
	struct iodirty_domain *d;
	struct iodirty_mapping m;

	(void)state;
	if (t_caps.flags & IODIRTY_CAP_MAPPINGS) {
		TC_SKIP("backend has IODIRTY_CAP_MAPPINGS\n");
	}
	d = t_domain(0, 0);
	T_EQ(iodirty_mappings(d, 0, &m, 1), -EOPNOTSUPP);
	iodirty_domain_destroy(d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_holes),
		cmocka_unit_test(test_long_lists),
		cmocka_unit_test(test_top_of_space),
		cmocka_unit_test(test_nocap),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_mappings", tests, NULL, NULL);
	t_fini();
	return rc;
}
