// SPDX-License-Identifier: MIT
/*
 * Property test: long random sequences of map / unmap / DMA / mark-dirty /
 * dirty reads (bitmaps and, since 0.5, extents) / put-back / tracking
 * on-off / listing the mappings / vector map and unmap, checked after every
 * step against a plain reference model of the header's semantics (per-page
 * arrays plus the list of linear runs). Every return code, every output bit, translations and
 * the counters are compared.
 *
 * The one thing the header leaves to the library is whether an unmap
 * strictly inside a mapping punches holes or splits the mapping in two;
 * the model follows whichever the counters say happened and checks
 * everything else against it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "property_ops.h"

#define NOPS 20000

void prop_failed(void)
{
	fail();
	abort();	/* fail() returns only outside a test */
}

static void run_property(uint64_t granule, uint64_t seed)
{
	struct run *r = calloc(1, sizeof(*r));
	struct model *m = calloc(1, sizeof(*m));
	bool uaddr = t_caps.flags & IODIRTY_CAP_UADDR_REPORT;
	bool partial = t_caps.flags & IODIRTY_CAP_PARTIAL_UNMAP;
	bool mappings = t_caps.flags & IODIRTY_CAP_MAPPINGS;
	bool vec = t_caps.flags & IODIRTY_CAP_MAP_VEC;

	assert_non_null(r);
	assert_non_null(m);
	r->m = m;
	r->granule = granule;
	r->seed = r->seed0 = seed;
	cur = r;
	m->gp = (int)(granule / P);
	m->shadow = calloc(R, P);
	assert_non_null(m->shadow);
	r->dom = t_domain(40, granule);
	r->ram = t_ram(R * P, 1 << 20);

	for (r->op = 0; r->op < NOPS; r->op++) {
		uint64_t k = rnd(r, 100);

		if (k < 20)
			op_map(r);
		else if (k < 38 && partial)
			op_unmap(r);
		else if (k < 58)
			op_dma(r, true);
		else if (k < 62)
			op_dma(r, false);
		else if (k < 70)
			op_mark(r);
		else if (k < 82)
			op_read(r);
		else if (k < 90 && uaddr)
			op_read_uaddr(r);
		else if (k < 91)
			op_read_count_all(r);
		else if (k < 92 && partial)
			op_unmap_cut(r);
		else if (k < 93 || (k < 94 && !mappings))
			op_translate(r);
		else if (k < 94)
			op_mappings(r);
		else if (k < 96)
			op_extents(r, uaddr);
		else if (k < 97)
			op_tracking(r);
		else if (k < 98 && vec)
			op_map_vec(r);
		else if (k < 99 && vec)
			op_unmap_vec(r);
		else if (k < 98 && vec)
			op_map_vec(r);
		else if (k < 99 && vec)
			op_unmap_vec(r);
		else
			op_dma(r, true);
		check_stats(r);
		if (r->op % 500 == 499)
			full_sweep(r);
	}
	full_sweep(r);
	printf("# granule %" PRIu64 ": %d ops, final mappings %d, holes %"
	       PRIu64 ", mapped pages %lld\n", granule, NOPS, m->na,
	       m_holes(m), (long long)m_count_mapped(m, 0, W));
	iodirty_domain_destroy(r->dom);
	t_ram_free(r->ram, R * P);
	free(m->shadow);
	free(m);
	free(r);
	cur = NULL;
}

/* Three fixed seeds per granule (or the one in IODIRTY_TEST_SEED). */
static void run_seeds(uint64_t granule, uint64_t seed0)
{
	char what[64];

	for (uint64_t i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "property granule %" PRIu64
			 " run %" PRIu64, granule, i);
		run_property(granule, t_seed(what, seed0 + i));
		if (getenv("IODIRTY_TEST_SEED"))
			break;
	}
}

static void test_property_4k(void **state)
{
	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW);
	run_seeds(4096, 0x5eed0001);
}

static void test_property_16k(void **state)
{
	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW);
	if (!(t_caps.granules & 16384))
		TC_SKIP("granule 16384 not supported\n");
	run_seeds(16384, 0x5eed1001);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_property_4k),
		cmocka_unit_test(test_property_16k),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_property", tests, NULL, NULL);
	t_fini();
	return rc;
}
