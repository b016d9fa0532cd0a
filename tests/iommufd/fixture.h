// SPDX-License-Identifier: MIT
/*
 * Common setup of the iommufd backend tests: a /dev/iommu fd the test
 * owns, a library context adopting it (IODIRTY_CTX_ADOPT_FD), a domain,
 * and mock devices attached to it the way a VMM attaches a VFIO device:
 * iodirty_domain_attach() makes the HWPT, the test moves the device onto
 * it. Device writes are simulated with the mock (mock.h); the library's
 * reports are compared with what was written.
 */
#ifndef IODIRTY_TESTS_IOMMUFD_FIXTURE_H
#define IODIRTY_TESTS_IOMMUFD_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <stdbool.h>

#include <libiodirty/iodirty.h>

#include "mock.h"

#define F_PAGE 4096ULL
#define F_KiB (1ULL << 10)
#define F_MiB (1ULL << 20)
#define F_SKIP TC_EXIT_SKIP
#define F_RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)

/* A mock device attached to the fixture's domain. */
struct f_dev {
	uint32_t stdev;		/* selftest object: removes the device */
	uint32_t idev;		/* iommufd device id */
	uint32_t hwpt;		/* the HWPT the library made for it */
	bool attached;		/* iodirty_domain_attach() succeeded */
	bool on_hwpt;		/* the device is on that HWPT */
};

#define F_MAX_DEVS 4

struct fx {
	int fd;			/* the test's /dev/iommu fd */
	struct iodirty_ctx *ctx;
	struct iodirty_domain *dom;
	uint32_t ioas;
	int ndevs;
	struct f_dev devs[F_MAX_DEVS];
};

/*
 * Exits with 77 unless /dev/iommu exists, the kernel has the selftest mock
 * and the library has the iommufd backend with IODIRTY_CAP_ATTACH.
 */
void f_init(const char *prog);

/* cmocka setup/teardown: *state becomes a struct fx with fd, ctx, dom. */
int f_setup(void **state);
int f_teardown(void **state);

/*
 * Adds a mock device with @dev_flags on the domain's IOAS, attaches it
 * with iodirty_domain_attach() and, on success, moves it onto the new
 * HWPT. Returns the attach result; the device is kept either way (and
 * removed by f_teardown()).
 */
int f_dev_add(struct fx *f, uint32_t dev_flags, struct f_dev **out);

/* f_dev_add() with attach option max_iopte. */
int f_dev_add_opts(struct fx *f, uint32_t dev_flags, uint64_t max_iopte,
		   struct f_dev **out);

/* Moves the device back onto an automatic HWPT of the IOAS. */
void f_dev_unplug(struct fx *f, struct f_dev *d);

/* Anonymous read-write memory, or 2 MiB hugetlb pages (NULL if none). */
void *f_mem(size_t len);
void *f_huge_mem(size_t len);
void f_mem_free(void *p, size_t len);

/* iodirty_map() read-write; asserts success. */
void f_map(struct fx *f, uint64_t iova, void *va, uint64_t len);

/* Device @d writes the bytes [iova, iova + len); asserts the mock marked
 * at least one page. */
void f_write(struct fx *f, const struct f_dev *d, uint64_t iova,
	     uint64_t len);

/*
 * The expected report of a read of [iova, iova + len) at @page_size: a bit
 * for every page that overlaps one of the @n byte ranges in @w (pairs of
 * start, length) that were written. @bm has room for len / page_size bits
 * and is zeroed first.
 */
void f_expect(uint64_t *bm, uint64_t iova, uint64_t len, uint64_t page_size,
	      const uint64_t *w, size_t n);

/*
 * Reads [iova, iova + len) with iodirty_read_dirty() (@flags) at
 * @page_size and asserts that the report equals the expectation built from
 * the written ranges @w (as f_expect()) and that the return value counts
 * its bits. Also checks that the bitmap words past the report are left
 * alone.
 */
void f_check(struct fx *f, uint64_t iova, uint64_t len, uint64_t page_size,
	     uint32_t flags, const uint64_t *w, size_t n);

/* Asserts that [iova, iova + len) reads clean (with NO_CLEAR). */
void f_check_clean(struct fx *f, uint64_t iova, uint64_t len);

/* Compares two bitmaps of @bits bits, printing every differing bit. */
void f_assert_bits(const uint64_t *got, const uint64_t *exp, uint64_t bits,
		   uint64_t iova, uint64_t page_size);

/*
 * Prints how the kernel behaves for upstream defect @defect, from a raw
 * call that returned @rc and whose result @shows the defect or not, as
 *   upstream defect 2 (what): present | fixed by an error (-EPROTO) |
 *   fixed | present, with an error (-EPROTO)
 * followed by the detail @fmt. Documents; asserts nothing.
 */
void f_upstream(const char *defect, const char *what, int rc, bool shows,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The domain's stats.hw_read_overflows. */
uint64_t f_overflows(struct fx *f);

static inline uint64_t f_popcount(const uint64_t *bm, size_t words)
{
	uint64_t n = 0;

	for (size_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bm[i]);
	return n;
}

/* Kept for brevity: the assertion is tc.h's. */
#define F_EQ(expr, exp) TC_EQ(expr, exp)

#endif /* IODIRTY_TESTS_IOMMUFD_FIXTURE_H */
