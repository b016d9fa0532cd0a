// SPDX-License-Identifier: MIT
/*
 * Fixture of the dirty-tracking tests (test_dirty.c, test_dirty_uaddr.c):
 * a domain with tracking on and its RAM, DMA writes, and dirty reads
 * checked for canaries, the return value and the exact bits reported.
 */
#ifndef IODIRTY_TESTS_API_DIRTY_FIXTURE_H
#define IODIRTY_TESTS_API_DIRTY_FIXTURE_H

#include "helpers.h"

/* A 40-bit domain with tracking on and @pages of RAM mapped at @iova. */
struct dfx {
	struct iodirty_domain *dom;
	uint8_t *ram;
	size_t pages;
	uint64_t iova;
};

/*
 * Skips the test unless the backend tracks dirty pages, does DMA and has
 * the granule (0: the default). @pages of 1 MiB-aligned RAM, if any, are
 * mapped at @iova.
 */
void dfx_setup(struct dfx *f, uint64_t granule, uint64_t iova, size_t pages);
/* The same with @pages of RAM (aligned to @align) that the test maps;
 * skips the test unless the backend also has @caps. */
void dfx_setup_ram(struct dfx *f, uint64_t caps, uint64_t granule,
		   size_t pages, size_t align);
void dfx_teardown(struct dfx *f);

/* DMA-writes @len bytes at @iova (at most 256 KiB). Asserts success. */
void wr(struct iodirty_domain *d, uint64_t iova, uint64_t len);

/*
 * Reads [iova, +len) at @ps, or the RAM [addr, +len) when @addr is not
 * NULL, into a fresh bitmap with canary words after it; checks the
 * canaries and that the return value is the popcount. Returns the bitmap
 * (caller frees).
 */
uint64_t *rd(struct iodirty_domain *d, uint64_t iova, const void *addr,
	     uint64_t len, uint64_t ps, uint32_t flags);

/*
 * Reads as rd() does and asserts that the len / ps bits of the report are
 * exactly those in @set[].
 */
void expect_rd(struct iodirty_domain *d, uint64_t iova, const void *addr,
	       uint64_t len, uint64_t ps, uint32_t flags, const uint64_t *set,
	       size_t nset);

/* EXPECT_RD(dom, iova, len, ps, flags, bit...): the set bits of a read. */
#define EXPECT_RD(d, iova, len, ps, fl, ...)				\
	do {								\
		const uint64_t s_[] = { __VA_ARGS__ };			\
		expect_rd(d, iova, NULL, len, ps, fl, s_,		\
			  sizeof(s_) / sizeof(s_[0]));			\
	} while (0)

/* The same for a read of the RAM at @addr. */
#define EXPECT_RDU(d, addr, len, ps, fl, ...)				\
	do {								\
		const uint64_t s_[] = { __VA_ARGS__ };			\
		expect_rd(d, 0, addr, len, ps, fl, s_,			\
			  sizeof(s_) / sizeof(s_[0]));			\
	} while (0)

/* Reads that report nothing. */
#define EXPECT_RD_NONE(d, iova, len, ps, fl)				\
	expect_rd(d, iova, NULL, len, ps, fl, NULL, 0)
#define EXPECT_RDU_NONE(d, addr, len, ps, fl)				\
	expect_rd(d, 0, addr, len, ps, fl, NULL, 0)

#endif /* IODIRTY_TESTS_API_DIRTY_FIXTURE_H */
