// SPDX-License-Identifier: MIT
/*
 * An operation of the API fuzzer: a call with one argument broken (an
 * unaligned or empty range, a range that wraps or passes the IOVA width,
 * an unknown flag or type, a NULL pointer, a bad page size) must fail
 * with the header's errno for it and change nothing; the driver's check
 * of the counters after the call, and the model left as it was, see to
 * the second half. Outputs are checked untouched.
 */
#include "property_ops.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define FAR (1ULL << 40)	/* the fuzzer's domains have 40 IOVA bits */
#define WRAP (~0ULL - P + 1)	/* the last page of the 64-bit space */

enum inval {
	MAP_UNALIGNED, MAP_EMPTY, MAP_NO_PROT, MAP_FLAG, MAP_NULL, MAP_WRAP,
	MAP_FAR, UNMAP_UNALIGNED, UNMAP_FLAG, UNMAP_FAR, READ_PAGE_SIZE,
	READ_FLAG, READ_NULL, READ_UNALIGNED, RESERVE_TYPE, RESERVE_EMPTY,
	DMA_EMPTY, DMA_NULL, DMA_WRAP, MARK_EMPTY, SG_FLAG, SG_EMPTY,
	SET_DIRTY_FLAG, EXTENTS_NULL, NR_INVAL
};

static const char *const inval_name[NR_INVAL] = {
	"map unaligned", "map empty", "map without permission",
	"map unknown flag", "map NULL", "map wrapping", "map past the width",
	"unmap unaligned", "unmap unknown flag", "unmap past the width",
	"read page size not a power of two", "read unknown flag",
	"read NULL bitmap", "read unaligned", "reserve unknown type",
	"reserve empty", "dma_write empty", "dma_write NULL",
	"dma_read wrapping", "mark_dirty empty", "sg_get unknown flag",
	"sg_get empty", "set_dirty unknown flag", "read_extents NULL",
};

static int64_t call(struct run *r, enum inval k, uint64_t iova, void *addr,
		    uint64_t *bm, int *exp)
{
	struct iodirty_unmap_opts uo = IODIRTY_OPTS(iodirty_unmap_opts);
	struct iodirty_sg sg[2];
	struct iodirty_sg_hold *hold = NULL;
	size_t nr = 2;
	uint64_t g = r->granule, next = 0;
	uint8_t buf[8] = { 0 };
	const uint32_t rw = IODIRTY_MAP_READ | IODIRTY_MAP_WRITE;

	*exp = -EINVAL;
	switch (k) {
	case MAP_UNALIGNED:
		return iodirty_map(r->dom, iova + 1 + rnd(r, P - 1), addr, P,
				   rw);
	case MAP_EMPTY:
		return iodirty_map(r->dom, iova, addr, 0, rw);
	case MAP_NO_PROT:
		return iodirty_map(r->dom, iova, addr, P, 0);
	case MAP_FLAG:
		*exp = -EOPNOTSUPP;
		return iodirty_map(r->dom, iova, addr, P, rw | 1u << 2);
	case MAP_NULL:
		*exp = -EFAULT;
		return iodirty_map(r->dom, iova, NULL, P, rw);
	case MAP_WRAP:
		*exp = -EOVERFLOW;
		return iodirty_map(r->dom, WRAP, addr, 2 * P, rw);
	case MAP_FAR:
		*exp = -ERANGE;
		return iodirty_map(r->dom, FAR, addr, P, rw);
	case UNMAP_UNALIGNED:
		return iodirty_unmap(r->dom, iova, P / 2, NULL);
	case UNMAP_FLAG:
		*exp = -EOPNOTSUPP;
		uo.flags = 1;
		return iodirty_unmap(r->dom, iova, P, &uo);
	case UNMAP_FAR:
		*exp = -ERANGE;
		return iodirty_unmap(r->dom, FAR - P, 2 * P, NULL);
	case READ_PAGE_SIZE:
		return iodirty_read_dirty(r->dom, iova, 3 * g, 3 * g, bm, 0);
	case READ_FLAG:
		*exp = -EOPNOTSUPP;
		return iodirty_read_dirty(r->dom, iova, g, g, bm, 1u << 7);
	case READ_NULL:
		return iodirty_read_dirty(r->dom, iova, g, g, NULL, 0);
	case READ_UNALIGNED:
		return iodirty_read_dirty(r->dom, iova + P / 2, 2 * g, 2 * g,
					  bm, 0);
	case RESERVE_TYPE:
		return iodirty_reserve(r->dom, iova, P,
				       (enum iodirty_resv_type)7);
	case RESERVE_EMPTY:
		return iodirty_reserve(r->dom, iova, 0, IODIRTY_RESV_MSI);
	case DMA_EMPTY:
		return iodirty_dma_write(r->dom, iova, buf, 0);
	case DMA_NULL:
		return iodirty_dma_write(r->dom, iova, NULL, 1);
	case DMA_WRAP:
		*exp = -EOVERFLOW;
		return iodirty_dma_read(r->dom, ~0ULL - 3, buf, 8);
	case MARK_EMPTY:
		return iodirty_mark_dirty(r->dom, iova, 0);
	case SG_FLAG:
		*exp = -EOPNOTSUPP;
		return iodirty_sg_get(r->dom, iova, 1, 1u << 3, sg, &nr,
				      &hold);
	case SG_EMPTY:
		return iodirty_sg_get(r->dom, iova, 0, 0, sg, &nr, &hold);
	case SET_DIRTY_FLAG:
		*exp = -EOPNOTSUPP;
		return iodirty_set_dirty(r->dom, iova, g, g, bm, 1u << 7);
	case EXTENTS_NULL:
		return iodirty_read_extents(r->dom, iova, g, g, NULL, 1, &next,
					    0);
	case NR_INVAL:
		break;
	}
	return 0;
}

void op_invalid(struct run *r)
{
	enum inval k = (enum inval)rnd(r, NR_INVAL);
	int64_t a = (int64_t)rnd(r, W / r->m->gp) * r->m->gp;
	uint64_t iova = BASE + (uint64_t)a * P;
	void *addr = r->ram + rnd(r, R) * P;
	uint64_t bm[4] = { CANARY, CANARY, CANARY, CANARY };
	int64_t rc;
	int exp;

	logop(r, "%s at page %lld", inval_name[k], (long long)a);
	rc = call(r, k, iova, addr, bm, &exp);
	CHECK_EQ(rc, exp);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(bm[i], CANARY);
}
