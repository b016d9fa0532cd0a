// SPDX-License-Identifier: MIT
/* Fixture of the dirty-tracking tests: domain, DMA writes, checked reads. */
#include "dirty_fixture.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define CANARY 0xa5a5a5a5a5a5a5a5ULL

void dfx_setup(struct dfx *f, uint64_t granule, uint64_t iova, size_t pages)
{
	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW);
	if (granule && !(t_caps.granules & granule)) {
		TC_SKIP("granule %" PRIu64 " not supported\n", granule);
	}
	f->dom = t_domain(40, granule);
	f->pages = pages;
	f->iova = iova;
	f->ram = NULL;
	if (pages) {
		f->ram = t_ram(pages * P, 1 << 20);
		assert_int_equal(iodirty_map(f->dom, iova, f->ram, pages * P,
					     RW), 0);
	}
	assert_int_equal(iodirty_set_dirty_tracking(f->dom, true), 0);
}

void dfx_setup_ram(struct dfx *f, uint64_t caps, uint64_t granule,
		   size_t pages, size_t align)
{
	T_REQUIRE_CAPS(caps);
	dfx_setup(f, granule, 0, 0);
	f->pages = pages;
	f->ram = t_ram(pages * P, align);
}

void dfx_teardown(struct dfx *f)
{
	iodirty_domain_destroy(f->dom);
	t_ram_free(f->ram, f->pages * P);
}

void wr(struct iodirty_domain *d, uint64_t iova, uint64_t len)
{
	static uint8_t buf[1 << 18];

	assert_true(len <= sizeof(buf));
	memset(buf, (int)(iova & 0xff) | 1, len);
	assert_int_equal(iodirty_dma_write(d, iova, buf, len), 0);
}

uint64_t *rd(struct iodirty_domain *d, uint64_t iova, const void *addr,
	     uint64_t len, uint64_t ps, uint32_t flags)
{
	uint64_t bits = len / ps;
	size_t w = t_words(bits);
	uint64_t *bm = calloc(w + 2, sizeof(*bm));
	int64_t rc;

	assert_non_null(bm);
	bm[w] = bm[w + 1] = CANARY;
	if (addr)
		rc = iodirty_read_dirty_uaddr(d, addr, len, ps, bm, flags);
	else
		rc = iodirty_read_dirty(d, iova, len, ps, bm, flags);
	assert_true(rc >= 0);
	assert_int_equal(bm[w], CANARY);
	assert_int_equal(bm[w + 1], CANARY);
	if (bits % 64)
		assert_int_equal(bm[w - 1] >> (bits % 64), 0);
	T_EQ(rc, t_popcount(bm, w));
	return bm;
}

void expect_rd(struct iodirty_domain *d, uint64_t iova, const void *addr,
	       uint64_t len, uint64_t ps, uint32_t flags, const uint64_t *set,
	       size_t nset)
{
	uint64_t bits = len / ps;
	uint64_t *bm = rd(d, iova, addr, len, ps, flags);
	uint64_t *exp = calloc(t_words(bits) + 1, sizeof(*exp));

	assert_non_null(exp);
	for (size_t i = 0; i < nset; i++) {
		assert_true(set[i] < bits);
		t_set_bit(exp, set[i]);
	}
	for (uint64_t i = 0; i < bits; i++)
		if (t_bit(bm, i) != t_bit(exp, i))
			print_error("bit %" PRIu64 ": got %d expected %d\n", i,
				    t_bit(bm, i), t_bit(exp, i));
	assert_memory_equal(bm, exp, t_words(bits) * sizeof(*bm));
	free(exp);
	free(bm);
}
