// SPDX-License-Identifier: MIT
/*
 * Calls that break two rules at once get the errno of the rule the header
 * ranks first ("When a call breaks several rules at once"), on every
 * backend, and change nothing. Also: a NULL user address is -EFAULT.
 */
#include "helpers.h"

#include <errno.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define BITS 48u
#define A_IOVA (1ULL << 20)		/* 16 pages RW */
#define B_IOVA (4ULL << 20)		/* 1 page, read-only */
#define R_IOVA (2ULL << 20)		/* 1 MiB reserved */
#define FREE_IOVA (8ULL << 20)		/* nothing there */
#define TOP (UINT64_MAX & ~(P - 1))	/* last page of 2^64 */
#define MEM_LEN (R_IOVA + (1ULL << 20) - A_IOVA + P)

struct pfx {
	struct iodirty_domain *dom;
	uint8_t *ram;
	uint8_t *mem;		/* mapped by nothing, MEM_LEN bytes */
	bool resv;
	struct t_snap_spec spec;
};

static void pfx_setup(struct pfx *f, bool tracking)
{
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING);
	memset(f, 0, sizeof(*f));
	f->dom = t_domain(BITS, 0);
	f->ram = t_ram(17 * P, 0);
	f->mem = t_mapmem(MEM_LEN, 0);
	assert_int_equal(iodirty_map(f->dom, A_IOVA, f->ram, 16 * P, RW), 0);
	assert_int_equal(iodirty_map(f->dom, B_IOVA, f->ram + 16 * P, P,
				     IODIRTY_MAP_READ), 0);
	f->resv = t_caps.flags & IODIRTY_CAP_USER_RESERVE;
	if (f->resv)
		assert_int_equal(iodirty_reserve(f->dom, R_IOVA, 1ULL << 20,
						 IODIRTY_RESV_MSI), 0);
	if (tracking) {
		assert_int_equal(iodirty_set_dirty_tracking(f->dom, true), 0);
		assert_int_equal(iodirty_mark_dirty(f->dom, A_IOVA + P, 1), 0);
	}
	f->spec.win_iova = tracking ? A_IOVA : 0;
	f->spec.win_len = tracking ? 16 * P : 0;
	f->spec.nprobes = 4;
	f->spec.probe[0] = A_IOVA;
	f->spec.probe[1] = B_IOVA;
	f->spec.probe[2] = FREE_IOVA;
	f->spec.probe[3] = R_IOVA;
}

static void pfx_teardown(struct pfx *f)
{
	iodirty_domain_destroy(f->dom);
	t_ram_free(f->ram, 17 * P);
	t_ram_free(f->mem, MEM_LEN);
}

#define EXPECT(f, call, err) T_EXPECT_ERR((f)->dom, &(f)->spec, call, err)

static void test_map_precedence(void **state)
{
	struct pfx f;

	(void)state;
	pfx_setup(&f, true);
	/* a mapped page and a reserved region: the reserved region */
	if (f.resv)
		EXPECT(&f, iodirty_map(f.dom, A_IOVA, f.mem, MEM_LEN, RW),
		       -EADDRNOTAVAIL);
	/* wraps around 2^64 and passes the 48-bit width: the wrap */
	EXPECT(&f, iodirty_map(f.dom, TOP, f.mem, 2 * P, RW), -EOVERFLOW);
	/* misaligned and wraps: the alignment */
	EXPECT(&f, iodirty_map(f.dom, TOP + 8, f.mem, 2 * P, RW), -EINVAL);
	/* an unknown flag before any value */
	EXPECT(&f, iodirty_map(f.dom, A_IOVA + 1, f.mem, P, RW | (1u << 7)),
	       -EOPNOTSUPP);
	/* the IOVA range before the user range */
	EXPECT(&f, iodirty_map(f.dom, 1ULL << BITS, (void *)(uintptr_t)TOP,
			       2 * P, RW), -ERANGE);
	/* the ranges before the permissions */
	EXPECT(&f, iodirty_map(f.dom, FREE_IOVA, f.mem, P + 1, 0), -EINVAL);
	EXPECT(&f, iodirty_map(f.dom, TOP, f.mem, 2 * P, 0), -EOVERFLOW);
	/* values before the state: no permission over a mapped page */
	EXPECT(&f, iodirty_map(f.dom, A_IOVA, f.mem, P, 0), -EINVAL);
	pfx_teardown(&f);
}

/* NULL is no user address: -EFAULT, after the other values, before state. */
static void test_map_null(void **state)
{
	struct pfx f;

	(void)state;
	pfx_setup(&f, false);
	EXPECT(&f, iodirty_map(f.dom, FREE_IOVA, NULL, P, RW), -EFAULT);
	EXPECT(&f, iodirty_map(f.dom, FREE_IOVA, NULL, P, IODIRTY_MAP_READ),
	       -EFAULT);
	EXPECT(&f, iodirty_map(f.dom, A_IOVA, NULL, P, RW), -EFAULT);
	if (f.resv)
		EXPECT(&f, iodirty_map(f.dom, R_IOVA, NULL, P, RW), -EFAULT);
	EXPECT(&f, iodirty_map(f.dom, FREE_IOVA, NULL, P, 0), -EINVAL);
	EXPECT(&f, iodirty_map(f.dom, FREE_IOVA, NULL, P + 1, RW), -EINVAL);
	EXPECT(&f, iodirty_map(f.dom, 1ULL << BITS, NULL, P, RW), -ERANGE);
	EXPECT(&f, iodirty_map(f.dom, FREE_IOVA, NULL, P, 1u << 7),
	       -EOPNOTSUPP);
	/* The page after NULL is an address like any other. */
	assert_int_equal(iodirty_map(f.dom, FREE_IOVA, f.mem, P, RW), 0);
	pfx_teardown(&f);
}

static void test_unmap_precedence(void **state)
{
	struct iodirty_unmap_opts o = IODIRTY_OPTS(iodirty_unmap_opts);
	uint64_t bm[1] = { 0 };
	struct pfx f;

	(void)state;
	pfx_setup(&f, false);
	/* wraps and passes the width: the wrap */
	EXPECT(&f, iodirty_unmap(f.dom, TOP, 2 * P, NULL), -EOVERFLOW);
	/* the range before the report's page size */
	o.dirty_bitmap = bm;
	o.page_size = 3 * P;
	EXPECT(&f, iodirty_unmap(f.dom, 1ULL << BITS, P, &o), -ERANGE);
	EXPECT(&f, iodirty_unmap(f.dom, A_IOVA + 1, P, &o), -EINVAL);
	/* the page size before the state */
	EXPECT(&f, iodirty_unmap(f.dom, FREE_IOVA, P, &o), -EINVAL);
	/* tracking off before nothing mapped */
	o.page_size = P;
	EXPECT(&f, iodirty_unmap(f.dom, FREE_IOVA, P, &o), -ENODATA);
	/* the options' flags before the range */
	o.flags = 1u << 5;
	EXPECT(&f, iodirty_unmap(f.dom, TOP, 2 * P, &o), -EOPNOTSUPP);
	pfx_teardown(&f);
}

static void test_read_precedence(void **state)
{
	uint64_t bm[1] = { 0 };
	struct pfx f;

	(void)state;
	pfx_setup(&f, true);
	/* NULL bitmap before unknown flags */
	EXPECT(&f, iodirty_read_dirty(f.dom, A_IOVA, P, P, NULL, 1u << 7),
	       -EINVAL);
	/* unknown flags before the page size */
	EXPECT(&f, iodirty_read_dirty(f.dom, A_IOVA, P, 3 * P, bm, 1u << 7),
	       -EOPNOTSUPP);
	/* the page size before the range */
	EXPECT(&f, iodirty_read_dirty(f.dom, TOP, 2 * P, 3 * P, bm, 0),
	       -EINVAL);
	/* wraps and passes the width: the wrap */
	EXPECT(&f, iodirty_read_dirty(f.dom, TOP, 2 * P, P, bm, 0),
	       -EOVERFLOW);
	assert_int_equal(bm[0], 0);
	pfx_teardown(&f);

	/* the range before tracking off */
	pfx_setup(&f, false);
	EXPECT(&f, iodirty_read_dirty(f.dom, 1ULL << BITS, P, P, bm, 0),
	       -ERANGE);
	EXPECT(&f, iodirty_read_dirty(f.dom, A_IOVA, P, P, bm, 0), -ENODATA);
	pfx_teardown(&f);
}

static void test_reserve_precedence(void **state)
{
	struct pfx f;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_USER_RESERVE);
	pfx_setup(&f, false);
	/* a reserved region and a mapped page: the reserved region */
	EXPECT(&f, iodirty_reserve(f.dom, A_IOVA, MEM_LEN, IODIRTY_RESV_MSI),
	       -EEXIST);
	/* wraps and passes the width: the wrap */
	EXPECT(&f, iodirty_reserve(f.dom, TOP, 2 * P, IODIRTY_RESV_MSI),
	       -EOVERFLOW);
	/* the range before the type */
	EXPECT(&f, iodirty_reserve(f.dom, 1ULL << BITS, P,
				   (enum iodirty_resv_type)9), -ERANGE);
	pfx_teardown(&f);
}

static void test_dma_precedence(void **state)
{
	uint8_t buf[2 * 4096];
	struct pfx f;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_DMA_RW);
	pfx_setup(&f, true);
	memset(buf, 0x5a, sizeof(buf));
	/* a read-only page and an unmapped one: the unmapped one */
	EXPECT(&f, iodirty_dma_write(f.dom, B_IOVA, buf, 2 * P), -ENOENT);
	EXPECT(&f, iodirty_dma_write(f.dom, B_IOVA - P, buf, 2 * P),
	       -ENOENT);
	EXPECT(&f, iodirty_mark_dirty(f.dom, A_IOVA + 15 * P, 2 * P),
	       -ENOENT);
	/* wraps and passes the width: the wrap */
	EXPECT(&f, iodirty_dma_write(f.dom, TOP, buf, 2 * P), -EOVERFLOW);
	EXPECT(&f, iodirty_mark_dirty(f.dom, TOP, 2 * P), -EOVERFLOW);
	pfx_teardown(&f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_precedence),
		cmocka_unit_test(test_map_null),
		cmocka_unit_test(test_unmap_precedence),
		cmocka_unit_test(test_read_precedence),
		cmocka_unit_test(test_reserve_precedence),
		cmocka_unit_test(test_dma_precedence),
	};
	int ret;

	(void)argc;
	t_init(argv[0]);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	t_fini();
	return ret;
}
