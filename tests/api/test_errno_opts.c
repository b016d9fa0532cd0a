// SPDX-License-Identifier: MIT
/*
 * Errors of the option and output structs (sz, flags, reserved fields,
 * older and newer layouts), of contexts, caps and stats, of NULL handles,
 * and the texts of iodirty_strerror().
 */
#include "helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define P T_PAGE

static void test_strerror(void **state)
{
	static const int errs[] = {
		EINVAL, EOPNOTSUPP, E2BIG, EOVERFLOW, ERANGE, EEXIST,
		EADDRNOTAVAIL, EBUSY, ENOENT, EACCES, ENODATA, EMSGSIZE,
		ENOSPC, EFAULT, ENOMEM, ENODEV,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const char *s = iodirty_strerror(-errs[i]);

		assert_non_null(s);
		assert_true(strlen(s) > 0);
		/* Each errno of the table has its own text. */
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, iodirty_strerror(-errs[j]));
	}
	assert_non_null(iodirty_strerror(0));
	assert_non_null(iodirty_strerror(-99999));
	assert_non_null(iodirty_strerror(12345));
}

/*
 * The backend iodirty_ctx_open(NULL, ...) documents: the environment's
 * (@env), else "kmod" when /dev/iodirty exists, else "soft".
 */
static const char *default_backend(const char *env)
{
	if (env && *env)
		return env;
	return access("/dev/iodirty", F_OK) == 0 ? "kmod" : "soft";
}

static void test_ctx_open(void **state)
{
	struct iodirty_ctx *c = NULL;
	struct iodirty_ctx_opts o = IODIRTY_OPTS(iodirty_ctx_opts);
	struct {
		struct iodirty_ctx_opts o;
		uint64_t extra;
	} big;
	const char *env = getenv(IODIRTY_BACKEND_ENV);
	char *saved = env ? strdup(env) : NULL;

	(void)state;
	assert_int_equal(iodirty_ctx_open(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(iodirty_ctx_open("no-such-backend", NULL, &c),
			 -EINVAL);
	assert_int_equal(iodirty_ctx_open("", NULL, &c), -EINVAL);

	o.flags = 1u << 1;	/* bit 0 is IODIRTY_CTX_ADOPT_FD */
	assert_int_equal(iodirty_ctx_open(NULL, &o, &c), -EOPNOTSUPP);
	o.flags = 1u << 31;
	assert_int_equal(iodirty_ctx_open(NULL, &o, &c), -EOPNOTSUPP);
	o.flags = 0;
	o.__reserved = 1;
	assert_int_equal(iodirty_ctx_open(NULL, &o, &c), -EOPNOTSUPP);
	o.__reserved = 0;
	o.sz = sizeof(size_t) - 1;
	assert_int_equal(iodirty_ctx_open(NULL, &o, &c), -EINVAL);
	o.sz = 0;
	assert_int_equal(iodirty_ctx_open(NULL, &o, &c), -EINVAL);

	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.extra = 1;
	assert_int_equal(iodirty_ctx_open(NULL, &big.o, &c), -E2BIG);
	big.extra = 1ULL << 63;
	assert_int_equal(iodirty_ctx_open(NULL, &big.o, &c), -E2BIG);
	big.extra = 0;
	c = NULL;
	assert_int_equal(iodirty_ctx_open(NULL, &big.o, &c), 0);
	assert_non_null(c);
	iodirty_ctx_close(c);

	/* An older, shorter struct (just sz) is accepted. */
	o.sz = sizeof(size_t);
	c = NULL;
	assert_int_equal(iodirty_ctx_open(NULL, &o, &c), 0);
	assert_non_null(c);
	assert_string_equal(iodirty_ctx_backend(c),
			    iodirty_ctx_backend(t_ctx));
	iodirty_ctx_close(c);

	/* The backend name comes from the environment when NULL. */
	assert_string_equal(iodirty_ctx_backend(t_ctx), default_backend(saved));
	assert_int_equal(setenv(IODIRTY_BACKEND_ENV, "no-such-backend", 1), 0);
	assert_int_equal(iodirty_ctx_open(NULL, NULL, &c), -EINVAL);
	/*
	 * An empty variable counts as unset. (Not checked when the default
	 * is a device this run has not shown it can open.)
	 */
	if (strcmp(default_backend(NULL), "kmod") || t_backend_is("kmod")) {
		assert_int_equal(setenv(IODIRTY_BACKEND_ENV, "", 1), 0);
		c = NULL;
		assert_int_equal(iodirty_ctx_open(NULL, NULL, &c), 0);
		assert_string_equal(iodirty_ctx_backend(c),
				    default_backend(NULL));
		iodirty_ctx_close(c);
	}
	if (saved)
		setenv(IODIRTY_BACKEND_ENV, saved, 1);
	else
		unsetenv(IODIRTY_BACKEND_ENV);
	free(saved);
	iodirty_ctx_close(NULL);
}

static void test_caps(void **state)
{
	struct iodirty_caps full = IODIRTY_OPTS(iodirty_caps);
	struct iodirty_caps c;
	struct {
		struct iodirty_caps c;
		uint64_t extra[2];
	} big;

	(void)state;
	assert_int_equal(iodirty_ctx_caps(t_ctx, &full), 0);
	assert_int_equal(full.sz, sizeof(full));
	assert_int_equal(iodirty_ctx_caps(t_ctx, NULL), -EINVAL);
	assert_int_equal(iodirty_ctx_caps(NULL, &full), -EINVAL);

	memset(&c, 0xab, sizeof(c));
	c.sz = 0;
	assert_int_equal(iodirty_ctx_caps(t_ctx, &c), -EINVAL);
	c.sz = sizeof(size_t) - 1;
	assert_int_equal(iodirty_ctx_caps(t_ctx, &c), -EINVAL);
	assert_int_equal(c.flags, 0xababababababababULL);
	/* just sz: accepted, nothing written */
	c.sz = sizeof(size_t);
	assert_int_equal(iodirty_ctx_caps(t_ctx, &c), 0);
	assert_int_equal(c.sz, sizeof(size_t));
	assert_int_equal(c.flags, 0xababababababababULL);

	/* An old struct that ends after flags: nothing past it is written. */
	memset(&c, 0xab, sizeof(c));
	c.sz = offsetof(struct iodirty_caps, flags) + sizeof(c.flags);
	assert_int_equal(iodirty_ctx_caps(t_ctx, &c), 0);
	assert_int_equal(c.sz, offsetof(struct iodirty_caps, flags) +
			 sizeof(c.flags));
	assert_int_equal(c.flags, full.flags);
	assert_int_equal(c.page_sizes, 0xababababababababULL);
	assert_int_equal(c.max_mappings, 0xababababababababULL);

	/* A newer struct: the tail the library does not know is zeroed. */
	memset(&big, 0xcd, sizeof(big));
	big.c.sz = sizeof(big);
	assert_int_equal(iodirty_ctx_caps(t_ctx, &big.c), 0);
	assert_int_equal(big.c.sz, sizeof(big));
	assert_int_equal(big.extra[0], 0);
	assert_int_equal(big.extra[1], 0);
	big.c.sz = sizeof(full);
	assert_memory_equal(&big.c, &full, sizeof(full));

	/* Sanity of what the caps claim. */
	assert_true(full.page_sizes & IODIRTY_PAGE_SIZE);
	assert_true(full.granules & 4096);
	assert_true(full.default_iova_bits >= 20 &&
		    full.default_iova_bits <= full.max_iova_bits);
	assert_true(full.max_iova_bits <= 64);
}

static void test_domain_create(void **state)
{
	struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts);
	struct iodirty_domain *d = NULL;
	struct iodirty_stats st;
	struct {
		struct iodirty_domain_opts o;
		uint64_t extra;
	} big;

	(void)state;
	assert_int_equal(iodirty_domain_create(t_ctx, NULL, NULL), -EINVAL);
	assert_int_equal(iodirty_domain_create(t_ctx, &o, NULL), -EINVAL);
	assert_int_equal(iodirty_domain_create(NULL, &o, &d), -EINVAL);

	o.iova_bits = 19;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EINVAL);
	o.iova_bits = 65;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EINVAL);
	o.iova_bits = 1000;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EINVAL);
	if (t_caps.max_iova_bits < 64) {
		o.iova_bits = t_caps.max_iova_bits + 1;
		assert_int_equal(iodirty_domain_create(t_ctx, &o, &d),
				 -EINVAL);
	}
	o.iova_bits = 0;

	/* Bit 0 is IODIRTY_DOMAIN_HW_MODEL; the next one is unknown. */
	o.flags = IODIRTY_DOMAIN_HW_MODEL << 1;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EOPNOTSUPP);
	o.flags = 0x80000000u;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EOPNOTSUPP);
	o.flags = 0;

	o.granule = 3 * 4096;		/* not a power of two */
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EINVAL);
	o.granule = 4096 + 1;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EINVAL);
	o.granule = 1;			/* power of two, below a page */
	if (!(t_caps.granules & 1))
		assert_int_equal(iodirty_domain_create(t_ctx, &o, &d),
				 -EINVAL);
	o.granule = 2048;
	if (!(t_caps.granules & 2048))
		assert_int_equal(iodirty_domain_create(t_ctx, &o, &d),
				 -EINVAL);
	for (unsigned int b = 12; b < 64; b++) {
		o.granule = 1ULL << b;
		if (t_caps.granules & o.granule)
			continue;
		assert_int_equal(iodirty_domain_create(t_ctx, &o, &d),
				 -EINVAL);
		break;
	}
	/* a granule not smaller than the IOVA space */
	o.iova_bits = 20;
	o.granule = 1ULL << 20;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EINVAL);
	o.granule = 1ULL << 21;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EINVAL);
	o.iova_bits = 0;
	o.granule = 0;

	o.sz = sizeof(size_t) - 1;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EINVAL);
	o.sz = 0;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), -EINVAL);

	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.extra = 1;
	assert_int_equal(iodirty_domain_create(t_ctx, &big.o, &d), -E2BIG);
	big.extra = 0x100;
	assert_int_equal(iodirty_domain_create(t_ctx, &big.o, &d), -E2BIG);
	big.extra = 0;
	big.o.iova_bits = 40;
	d = NULL;
	assert_int_equal(iodirty_domain_create(t_ctx, &big.o, &d), 0);
	assert_non_null(d);
	t_stats(d, &st);
	assert_int_equal(st.iova_bits, 40);
	assert_int_equal(st.granule, 4096);
	iodirty_domain_destroy(d);

	/* An older struct without granule: the field reads as zero. */
	memset(&o, 0, sizeof(o));
	o.sz = offsetof(struct iodirty_domain_opts, granule);
	o.iova_bits = 39;
	o.granule = 65536;		/* past sz: must be ignored */
	d = NULL;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), 0);
	t_stats(d, &st);
	assert_int_equal(st.iova_bits, 39);
	assert_int_equal(st.granule, 4096);
	assert_int_equal(st.mappings, 0);
	assert_int_equal(st.tracking, 0);
	iodirty_domain_destroy(d);

	/* Only sz: all defaults. */
	o.sz = sizeof(size_t);
	o.iova_bits = 20;		/* past sz: ignored */
	d = NULL;
	assert_int_equal(iodirty_domain_create(t_ctx, &o, &d), 0);
	t_stats(d, &st);
	assert_int_equal(st.iova_bits, t_caps.default_iova_bits);
	iodirty_domain_destroy(d);

	/* NULL opts: all defaults. */
	d = NULL;
	assert_int_equal(iodirty_domain_create(t_ctx, NULL, &d), 0);
	t_stats(d, &st);
	assert_int_equal(st.iova_bits, t_caps.default_iova_bits);
	assert_int_equal(st.granule, 4096);
	iodirty_domain_destroy(d);
	iodirty_domain_destroy(NULL);
}

static void test_stats_struct(void **state)
{
	struct iodirty_domain *d = t_domain(40, 0);
	struct iodirty_stats full, s;
	uint8_t *ram = t_ram(4 * P, 0);
	struct {
		struct iodirty_stats s;
		uint64_t extra[2];
	} big;

	(void)state;
	assert_int_equal(iodirty_map(d, 0, ram, 4 * P, IODIRTY_MAP_READ), 0);
	t_stats(d, &full);
	assert_int_equal(full.mapped_bytes, 4 * P);
	assert_int_equal(iodirty_domain_stats(d, NULL), -EINVAL);
	s = full;
	assert_int_equal(iodirty_domain_stats(NULL, &s), -EINVAL);
	memset(&s, 0xab, sizeof(s));
	s.sz = 0;
	assert_int_equal(iodirty_domain_stats(d, &s), -EINVAL);
	s.sz = sizeof(size_t) - 1;
	assert_int_equal(iodirty_domain_stats(d, &s), -EINVAL);

	/* Older struct ending after mapped_bytes. */
	memset(&s, 0xab, sizeof(s));
	s.sz = offsetof(struct iodirty_stats, mappings);
	assert_int_equal(iodirty_domain_stats(d, &s), 0);
	assert_int_equal(s.sz, offsetof(struct iodirty_stats, mappings));
	assert_int_equal(s.mapped_bytes, 4 * P);
	assert_int_equal(s.mappings, 0xababababababababULL);
	assert_int_equal(s.tracking, 0xababababu);

	memset(&big, 0xcd, sizeof(big));
	big.s.sz = sizeof(big);
	assert_int_equal(iodirty_domain_stats(d, &big.s), 0);
	assert_int_equal(big.s.sz, sizeof(big));
	assert_int_equal(big.extra[0], 0);
	assert_int_equal(big.extra[1], 0);
	assert_int_equal(big.s.mapped_bytes, 4 * P);
	assert_int_equal(big.s.mappings, 1);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 4 * P);
}

/*
 * Devices (0.2): refused where the backend has none; the attach options
 * follow the options-struct rules first. iommufd is tested with the
 * kernel's mock devices in tests/iommufd/.
 */
static void test_attach_without_devices(void **state)
{
	static const uint64_t bad_iopte[] = { 1, 2048, 4096 + 8192,
					      (1ULL << 63) + 1, ~0ULL - 1 };
	struct iodirty_attach_opts ao = IODIRTY_OPTS(iodirty_attach_opts);
	struct iodirty_domain *d;
	uint32_t id = 0;
	int rc;

	(void)state;
	if (t_caps.flags & IODIRTY_CAP_ATTACH)
		TC_SKIP("backend has IODIRTY_CAP_ATTACH\n");
	d = t_domain(48, 0);
	assert_int_equal(iodirty_domain_attach(NULL, 1, NULL), -EINVAL);
	assert_int_equal(iodirty_domain_detach(NULL, 1), -EINVAL);
	assert_int_equal(iodirty_domain_id(NULL, &id), -EINVAL);
	assert_int_equal(iodirty_domain_id(d, NULL), -EINVAL);
	ao.flags = 1u << 31;
	assert_int_equal(iodirty_domain_attach(d, 1, &ao), -EOPNOTSUPP);
	ao.flags = 0;
	assert_int_equal(iodirty_domain_attach(d, 1, &ao), -EOPNOTSUPP);
	assert_int_equal(iodirty_domain_attach(d, 1, NULL), -EOPNOTSUPP);
	/* max_iopte (0.3) is checked on every backend: a size or ANY. */
	for (size_t i = 0; i < sizeof(bad_iopte) / sizeof(bad_iopte[0]); i++) {
		ao.max_iopte = bad_iopte[i];
		assert_int_equal(iodirty_domain_attach(d, 1, &ao), -EINVAL);
	}
	ao.max_iopte = IODIRTY_IOPTE_ANY;
	assert_int_equal(iodirty_domain_attach(d, 1, &ao), -EOPNOTSUPP);
	ao.max_iopte = 1ULL << 30;
	assert_int_equal(iodirty_domain_attach(d, 1, &ao), -EOPNOTSUPP);
	ao.max_iopte = 0;
	assert_int_equal(iodirty_domain_detach(d, 1), -EOPNOTSUPP);
	rc = iodirty_domain_id(d, &id);
	if (t_backend_is("soft")) {
		assert_int_equal(rc, -EOPNOTSUPP);
	} else {
		/* A kernel object: a non-zero ID. */
		assert_int_equal(rc, 0);
		assert_int_not_equal(id, 0);
	}
	iodirty_domain_destroy(d);
}

static void test_null_domain(void **state)
{
	uint64_t bm[1] = { 0 };
	void *addr;
	uint8_t buf[8] = { 0 };
	size_t n = 0;
	struct iodirty_range r[1];

	(void)state;
	assert_int_equal(iodirty_map(NULL, 0, buf, P, IODIRTY_MAP_READ),
			 -EINVAL);
	assert_int_equal(iodirty_unmap(NULL, 0, P, NULL), -EINVAL);
	assert_int_equal(iodirty_translate(NULL, 0, &addr, NULL), -EINVAL);
	assert_int_equal(iodirty_reserve(NULL, 0, P, IODIRTY_RESV_MSI),
			 -EINVAL);
	assert_int_equal(iodirty_unreserve(NULL, 0, P), -EINVAL);
	assert_int_equal(iodirty_reserved_regions(NULL, r, &n), -EINVAL);
	assert_int_equal(iodirty_iova_ranges(NULL, r, &n), -EINVAL);
	assert_int_equal(iodirty_set_dirty_tracking(NULL, true), -EINVAL);
	T_EQ(iodirty_read_dirty(NULL, 0, P, P, bm, 0), -EINVAL);
	T_EQ(iodirty_read_dirty_uaddr(NULL, buf, P, P, bm, 0), -EINVAL);
	assert_int_equal(iodirty_dma_write(NULL, 0, buf, 1), -EINVAL);
	assert_int_equal(iodirty_dma_read(NULL, 0, buf, 1), -EINVAL);
	assert_int_equal(iodirty_mark_dirty(NULL, 0, 1), -EINVAL);
}

/* Older unmap opts without "unmapped": the output field is not written. */
/* A macro that forwards its own, possibly empty, list of initialisers. */
#define DOMAIN_OPTS(...) IODIRTY_OPTS(iodirty_domain_opts, __VA_ARGS__)

/*
 * IODIRTY_OPTS(type, ) (an empty list forwarded) compiles and means
 * IODIRTY_OPTS(type); C++ is checked by tests/install/install-test.cpp.
 */
static void test_opts_empty_list(void **state)
{
	struct iodirty_caps c = IODIRTY_OPTS(iodirty_caps, );
	struct iodirty_domain_opts e = DOMAIN_OPTS();
	struct iodirty_domain_opts g = DOMAIN_OPTS(.iova_bits = 40,
						   .granule = 8192);
	struct iodirty_domain *d = NULL;

	(void)state;
	assert_int_equal(c.sz, sizeof(c));
	assert_int_equal(c.flags, 0);
	assert_int_equal(iodirty_ctx_caps(t_ctx, &c), 0);
	assert_int_equal(e.sz, sizeof(e));
	assert_int_equal(e.iova_bits, 0);
	assert_int_equal(e.granule, 0);
	assert_int_equal(iodirty_domain_create(t_ctx, &e, &d), 0);
	iodirty_domain_destroy(d);
	assert_int_equal(g.sz, sizeof(g));
	assert_int_equal(g.iova_bits, 40);
	assert_int_equal(g.granule, 8192);
	assert_int_equal(g.flags, 0);
}

static void test_unmap_opts_short(void **state)
{
	struct iodirty_domain *d = t_domain(40, 0);
	uint8_t *ram = t_ram(4 * P, 0);
	struct iodirty_unmap_opts o;
	struct iodirty_stats st;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_PARTIAL_UNMAP);
	assert_int_equal(iodirty_map(d, 0, ram, 4 * P, IODIRTY_MAP_READ), 0);
	memset(&o, 0, sizeof(o));
	o.sz = offsetof(struct iodirty_unmap_opts, unmapped);
	o.unmapped = 0x1234;
	assert_int_equal(iodirty_unmap(d, 0, P, &o), 0);
	assert_int_equal(o.unmapped, 0x1234);

	/* Even older: ends before page_size; a stray bitmap past sz is
	 * ignored (no dirty report, so no -ENODATA either). */
	memset(&o, 0, sizeof(o));
	o.sz = offsetof(struct iodirty_unmap_opts, page_size);
	o.page_size = 3;
	o.dirty_bitmap = (uint64_t *)(uintptr_t)8;
	o.unmapped = 0x5678;
	assert_int_equal(iodirty_unmap(d, P, P, &o), 0);
	assert_int_equal(o.unmapped, 0x5678);
	t_stats(d, &st);
	assert_int_equal(st.mapped_bytes, 2 * P);
	iodirty_domain_destroy(d);
	t_ram_free(ram, 4 * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_ctx_open),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_domain_create),
		cmocka_unit_test(test_stats_struct),
		cmocka_unit_test(test_null_domain),
		cmocka_unit_test(test_attach_without_devices),
		cmocka_unit_test(test_unmap_opts_short),
		cmocka_unit_test(test_opts_empty_list),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_errno_opts", tests, NULL, NULL);
	t_fini();
	return rc;
}
