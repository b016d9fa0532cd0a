// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Helpers of the backends built on an in-process io-pagetable
 * (see local_iopt.h).
 */
#include <stdlib.h>
#include <string.h>

#include "local_iopt.h"

/*
 * The core hands each piece that is linear in user address; the memory is
 * the caller's own, so the copy is a memcpy (the IOVA is not needed).
 */
static int local_copy(void *arg, uint64_t iova, uint64_t uaddr,
		      uint64_t offset, uint64_t length, bool write)
{
	char *buf = arg;
	void *mem = (void *)(uintptr_t)uaddr;

	(void)iova;
	if (write)
		memcpy(mem, buf + offset, length);
	else
		memcpy(buf + offset, mem, length);
	return 0;
}

int iodirty_local_dma(struct iod_iopt *iopt, uint64_t iova, void *buf,
		      uint64_t length, bool write)
{
	return iod_iopt_dma(iopt, iova, length, write, local_copy, buf);
}

/*
 * Vectored copy: the core passes offsets in the whole transfer, which grow
 * monotonically, so a cursor finds each one's segment.
 */
struct vec_copy {
	const struct iodirty_dma_seg *segs;
	size_t idx;
	uint64_t seg_off;	/* offset of segs[idx] in the transfer */
};

static int vec_copy(void *arg, uint64_t iova, uint64_t uaddr, uint64_t offset,
		    uint64_t length, bool write)
{
	struct vec_copy *v = arg;

	while (offset >= v->seg_off + v->segs[v->idx].length) {
		v->seg_off += v->segs[v->idx].length;
		v->idx++;
	}
	return local_copy(v->segs[v->idx].buf, iova, uaddr,
			  offset - v->seg_off, length, write);
}

int iodirty_local_dmav(struct iod_iopt *iopt,
		       const struct iodirty_dma_seg *segs, size_t nr_segs,
		       bool write, uint64_t *done)
{
	struct iod_dma_seg stack[16] = { { 0 } }, *cs = stack;
	struct vec_copy v = { .segs = segs };
	size_t i;
	int ret;

	/* The public and core segment layouts differ by the buffer only. */
	if (nr_segs > 16) {
		cs = calloc(nr_segs, sizeof(*cs));
		if (!cs)
			return -ENOMEM;
	}
	for (i = 0; i < nr_segs; i++) {
		cs[i].iova = segs[i].iova;
		cs[i].length = segs[i].length;
	}
	ret = iod_iopt_dmav(iopt, cs, nr_segs, write, vec_copy, &v, done);
	if (cs != stack)
		free(cs);
	return ret;
}

struct local_hold {
	struct iodirty_sg_hold pub;
	struct iod_hold core;
};

struct sg_fill {
	struct iodirty_sg *sg;
	size_t cap, n;
};

static int sg_piece(void *arg, uint64_t iova, uint64_t uaddr, uint64_t length)
{
	struct sg_fill *f = arg;

	(void)iova;
	if (f->n < f->cap) {
		f->sg[f->n].addr = (void *)(uintptr_t)uaddr;
		f->sg[f->n].length = length;
	}
	f->n++;
	return 0;
}

int iodirty_local_sg_get(struct iod_iopt *iopt, struct iodirty_domain *dom,
			 uint64_t iova, uint64_t length, uint32_t flags,
			 struct iodirty_sg *sg, size_t *nr_sg,
			 struct iodirty_sg_hold **hold)
{
	struct sg_fill f = { .sg = sg, .cap = *nr_sg };
	struct local_hold *lh = malloc(sizeof(*lh));
	int ret;

	if (!lh)
		return -ENOMEM;
	ret = iod_iopt_hold(iopt, &lh->core, iova, length,
			    flags & IODIRTY_SG_WRITE, sg_piece, &f);
	if (!ret && f.n > f.cap) {
		/* Too small: give the hold back and say what is needed. */
		(void)iod_iopt_release(iopt, &lh->core, 0);
		ret = -EMSGSIZE;
	}
	if (ret && ret != -EMSGSIZE) {
		free(lh);
		return ret;
	}
	*nr_sg = f.n;
	if (ret) {
		free(lh);
		return ret;
	}
	lh->pub.dom = dom;
	lh->pub.id = 0;
	*hold = &lh->pub;
	return 0;
}

int iodirty_local_sg_put(struct iod_iopt *iopt, struct iodirty_sg_hold *hold,
			 uint64_t written)
{
	struct local_hold *lh = (struct local_hold *)(void *)
		((char *)hold - offsetof(struct local_hold, pub));
	int ret;

	ret = iod_iopt_release(iopt, &lh->core, written);
	if (ret != -EINVAL)
		free(lh);
	return ret;
}

void iodirty_local_stats(struct iod_iopt *iopt,
			 const struct iodirty_domain *dom,
			 struct iodirty_stats *st)
{
	struct iod_iopt_stats s;

	iod_iopt_stats(iopt, &s);
#define IODIRTY_STAT_COPY(name, core) st->name = s.core;
	IOD_IOPT_STATS_FIELDS(IODIRTY_STAT_COPY)
#undef IODIRTY_STAT_COPY
	st->granule = 1ULL << dom->params.granule_shift;
	st->iova_bits = dom->params.iova_bits;
}

_Static_assert(IODIRTY_MAP_READ == IOD_PROT_READ &&
	       IODIRTY_MAP_WRITE == IOD_PROT_WRITE, "map flags");

struct mappings_fill {
	struct iodirty_mapping *out;
	size_t nr, n;
};

static int mappings_run(void *arg, const struct iod_run *r)
{
	struct mappings_fill *f = arg;

	f->out[f->n++] = (struct iodirty_mapping){
		.iova = r->iova,
		.length = r->length,
		.addr = (void *)(uintptr_t)r->uaddr,
		.flags = r->prot,
	};
	return f->n == f->nr;
}

int64_t iodirty_local_mappings(struct iod_iopt *iopt, uint64_t iova,
			       struct iodirty_mapping *out, size_t nr)
{
	struct mappings_fill f = { .out = out, .nr = nr };

	iod_iopt_for_each_run(iopt, iova, mappings_run, &f);
	return (int64_t)f.n;
}
