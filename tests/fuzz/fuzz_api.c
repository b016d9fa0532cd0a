// SPDX-License-Identifier: MIT
/*
 * API fuzzer (libFuzzer) of the soft backend: the input is decoded into a
 * domain (granule from 4 KiB to 4 MiB, plain or hardware model with either
 * split policy) and a sequence of calls over a window of 4096 IOVA pages
 * backed by 1024 RAM pages, so that mappings alias, holes and reserved
 * regions abound. Every call is one of the property test's operations
 * (tests/api/property_ops*.c): each checks its result against the
 * reference model of tests/api/property_model.c, and the domain's
 * counters are compared after every call, so a failing call that changed
 * anything is caught. A mismatch aborts with the log of the last calls.
 *
 * Input: two bytes for the domain (granule, hardware model), then one
 * record of REC bytes per call: the operation, then its choices, each
 * taking as many bytes as it needs (one for up to 256 values); choices
 * past the record's bytes (DMA data, mostly) come from a PRNG seeded with
 * the record. Fixed records keep a mutation of one call from shifting the
 * calls after it, and make seeds easy to write (gen_corpus.py).
 */
#include "property_ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPS 400
#define REC 16			/* bytes of input per call */
#define MAX_GRANULE (4ULL << 20)
#define LEAF (2ULL << 20)	/* huge leaf of the hardware model */
/* Report pages reach 16 granules (rnd_ps_pages()): the RAM block is
 * aligned to the largest, as user-address reads need. */
#define RAM_ALIGN (MAX_GRANULE << 4)

struct input {
	const uint8_t *p;
	size_t n;		/* bytes left in the call's record */
	uint64_t seed;		/* for the choices past them */
};

typedef void op_fn(struct run *r);

static void op_dma_write(struct run *r)
{
	op_dma(r, true);
}

static void op_dma_read(struct run *r)
{
	op_dma(r, false);
}

static void op_extents_iova(struct run *r)
{
	op_read_extents(r, false);
}

static void op_extents_uaddr(struct run *r)
{
	op_read_extents(r, true);
}

static void op_set_dirty_iova(struct run *r)
{
	op_set_dirty(r, false);
}

static void op_set_dirty_uaddr(struct run *r)
{
	op_set_dirty(r, true);
}

/* An input byte picks one; the more common calls appear more often. */
static op_fn *const ops[] = {
	op_map, op_map, op_map, op_map, op_unmap, op_unmap, op_unmap,
	op_dma_write, op_dma_write, op_dma_write, op_dma_read, op_mark,
	op_mark, op_read, op_read, op_read_uaddr, op_read_count_all,
	op_unmap_cut, op_translate, op_mappings, op_extents_iova,
	op_extents_uaddr, op_set_dirty_iova, op_set_dirty_uaddr,
	op_tracking, op_tracking, op_map_vec, op_unmap_vec, op_reserve,
	op_sg, op_dmav, op_invalid,
};

static struct model model;
static struct run run;
static uint8_t *ram, *shadow;
static uint64_t granules[16];
static size_t ngranules;

void prop_failed(void)
{
	abort();
}

/* A choice in [0, n) from the next bytes of the record, or the PRNG. */
static uint64_t draw(struct run *r, uint64_t n)
{
	struct input *in = r->src;
	uint64_t v = 0, left = n - 1;
	size_t k = 0;

	while (left >> (8 * k) && k < 8)
		k++;
	if (k > in->n)
		return t_rand_below(&in->seed, n);
	while (k--) {
		v = v << 8 | *in->p++;
		in->n--;
	}
	return v % n;
}

/* Starts the record of @len bytes at @p. */
static void record(struct input *in, const uint8_t *p, size_t len)
{
	in->p = p;
	in->n = len;
	in->seed = 0x5eed;
	for (size_t i = 0; i < len; i++)
		in->seed = in->seed * 131 + p[i];
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct iodirty_caps caps = IODIRTY_OPTS(iodirty_caps);

	(void)argc;
	(void)argv;
	if (iodirty_ctx_open("soft", NULL, &t_ctx) ||
	    iodirty_ctx_caps(t_ctx, &caps)) {
		fprintf(stderr, "iodirty-fuzz-api: no soft backend\n");
		exit(1);
	}
	t_caps = caps;
	for (uint64_t g = P; g <= MAX_GRANULE; g <<= 1)
		if (caps.granules & g)
			granules[ngranules++] = g;
	ram = t_ram(R * P, RAM_ALIGN);
	shadow = malloc(R * P);
	if (!ngranules || !shadow)
		abort();
	return 0;
}

static struct iodirty_domain *domain(struct run *r, struct model *m)
{
	struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts,
						    .iova_bits = 40);
	struct iodirty_domain *dom = NULL;
	uint64_t hw;
	int rc;

	/* The first byte picks the granule, the second the model. */
	o.granule = r->granule = granules[rnd(r, ngranules)];
	hw = rnd(r, 3);
	if (hw && (t_caps.flags & IODIRTY_CAP_HW_MODEL)) {
		o.flags = IODIRTY_DOMAIN_HW_MODEL;
		o.hw_split = hw == 2 ? IODIRTY_HW_SPLIT_EAGER :
			     IODIRTY_HW_SPLIT_NONE;
		m->leaf = (int)(LEAF / P);
		m->eager = hw == 2;
	}
	m->gp = (int)(r->granule / P);
	rc = iodirty_domain_create(t_ctx, &o, &dom);
	if (rc) {
		fprintf(stderr, "iodirty_domain_create(granule %llu): %d\n",
			(unsigned long long)r->granule, rc);
		abort();
	}
	return dom;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	struct run *r = &run;
	size_t at = size < 2 ? size : 2;
	struct model *m = &model;

	memset(r, 0, sizeof(*r));
	memset(m, 0, sizeof(*m));
	memset(ram, 0, R * P);
	memset(shadow, 0, R * P);
	m->shadow = shadow;
	r->m = m;
	r->ram = ram;
	r->draw = draw;
	r->src = &in;
	cur = r;
	record(&in, data, at);
	r->dom = domain(r, m);
	logop(r, "domain granule %llu, hardware model %s",
	      (unsigned long long)r->granule,
	      !m->leaf ? "off" : m->eager ? "eager split" : "no split");
	for (r->op = 1; at < size && r->op < MAX_OPS; r->op++, at += REC) {
		record(&in, data + at, size - at < REC ? size - at : REC);
		ops[rnd(r, sizeof(ops) / sizeof(ops[0]))](r);
		check_stats(r);
	}
	full_sweep(r);
	iodirty_domain_destroy(r->dom);
	cur = NULL;
	return 0;
}
