// SPDX-License-Identifier: MIT
/*
 * Case "conversions": the 4 KiB shared/private flips of a confidential
 * guest, one call per page against one vector call for all of them.
 *  (a) punching 1,000,000 (--quick: 20,000) random distinct 4 KiB holes
 *      into one 1 TiB (16 GiB) mapping, first and last page excluded;
 *  (b) refilling them (each hole mapped back to its own page);
 *  (c) 1,000,000 single-page maps, IOVA page i -> user page 2 * perm(i)
 *      (never adjacent: each is an area), then unmapping them.
 * The vector rows run iodirty_map_vec()/iodirty_unmap_vec() with all the
 * pages in one vector, in the order the single calls take them (random
 * for (a) and (b), IOVA order for (c)), and with vectors of 1,024.
 *
 * Baseline: the single calls of the same run, on the same domain shape:
 * iodirty_unmap()/iodirty_map() per page.
 *
 * The backend is the library's default, so IODIRTY_BACKEND=kmod runs the
 * case on the kernel module (the VM tier does, with --quick). Kernel
 * backends pin what they map, so they get real memory: the mapping is
 * 256 MiB with 16,384 holes and maps, and the rows carry no target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define MAX_ROUNDS 65
#define BATCH 1024u

struct conv {
	struct iodirty_ctx *ctx;
	bool soft;
	uint64_t n;		/* pages converted */
	size_t size;		/* the mapping of (a) and (b) */
	char *va;		/* size bytes */
	char *sva;		/* 2n pages, for (c) */
	uint64_t *holes;	/* pages of (a), random order */
	uint64_t *perm;		/* user page of IOVA page i in (c) */
	struct iodirty_unmap_seg *useg;
	struct iodirty_map_seg *mseg;
};

static struct iodirty_domain *conv_dom(struct conv *c)
{
	struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts,
						    .iova_bits = 48);
	struct iodirty_domain *dom;

	check(iodirty_domain_create(c->ctx, &o, &dom), "domain_create");
	return dom;
}

static void unmap_vec_all(struct iodirty_domain *dom,
			  const struct iodirty_unmap_seg *s, uint64_t n,
			  size_t batch)
{
	uint64_t i;

	for (i = 0; i < n; i += batch)
		check(iodirty_unmap_vec(dom, s + i, n - i < batch ? n - i :
					batch, NULL, NULL), "unmap_vec");
}

static void map_vec_all(struct iodirty_domain *dom,
			const struct iodirty_map_seg *s, uint64_t n,
			size_t batch)
{
	uint64_t i;

	for (i = 0; i < n; i += batch)
		check(iodirty_map_vec(dom, s + i, n - i < batch ? n - i :
				      batch, NULL), "map_vec");
}

/* One variant's times: punch and refill, or map and unmap. */
struct times {
	uint64_t a[MAX_ROUNDS], b[MAX_ROUNDS];
	uint64_t bytes;		/* mem_bytes delta after the punches / maps */
};

static void expect(struct iodirty_domain *dom, uint64_t holes,
		   uint64_t mappings, const char *what)
{
	struct iodirty_stats st = IODIRTY_OPTS(iodirty_stats);

	check(iodirty_domain_stats(dom, &st), "stats");
	if (st.holes != holes || st.mappings != mappings)
		die("%s: %llu holes in %llu mappings, expected %llu in %llu",
		    what, (unsigned long long)st.holes,
		    (unsigned long long)st.mappings,
		    (unsigned long long)holes, (unsigned long long)mappings);
}

static uint64_t mem_of(struct iodirty_domain *dom)
{
	struct iodirty_stats st = IODIRTY_OPTS(iodirty_stats);

	check(iodirty_domain_stats(dom, &st), "stats");
	return st.mem_bytes;
}

/* (a) and (b); @batch 0: single calls. */
static void holes_round(struct conv *c, struct iodirty_domain *dom,
			size_t batch, struct times *t, unsigned int r)
{
	uint64_t i, t0, m0 = mem_of(dom);

	t0 = now_ns();
	if (batch) {
		unmap_vec_all(dom, c->useg, c->n, batch);
	} else {
		for (i = 0; i < c->n; i++)
			check(iodirty_unmap(dom, c->useg[i].iova, PAGE, NULL),
			      "unmap");
	}
	t->a[r] = now_ns() - t0;
	t->bytes = mem_of(dom) - m0;
	expect(dom, c->n, 1, "punch");
	t0 = now_ns();
	if (batch) {
		map_vec_all(dom, c->mseg, c->n, batch);
	} else {
		for (i = 0; i < c->n; i++)
			check(iodirty_map(dom, c->mseg[i].iova, c->mseg[i].addr,
					  PAGE, RW), "map");
	}
	t->b[r] = now_ns() - t0;
	expect(dom, 0, 1, "refill");
}

/* (c); @batch 0: single calls. */
static void maps_round(struct conv *c, struct iodirty_domain *dom,
		       size_t batch, struct times *t, unsigned int r)
{
	uint64_t i, t0, m0 = mem_of(dom);

	t0 = now_ns();
	if (batch) {
		map_vec_all(dom, c->mseg, c->n, batch);
	} else {
		for (i = 0; i < c->n; i++)
			check(iodirty_map(dom, c->mseg[i].iova, c->mseg[i].addr,
					  PAGE, RW), "map");
	}
	t->a[r] = now_ns() - t0;
	t->bytes = mem_of(dom) - m0;
	expect(dom, 0, c->n, "maps");
	t0 = now_ns();
	if (batch) {
		unmap_vec_all(dom, c->useg, c->n, batch);
	} else {
		for (i = 0; i < c->n; i++)
			check(iodirty_unmap(dom, i * PAGE, PAGE, NULL),
			      "unmap");
	}
	t->b[r] = now_ns() - t0;
	expect(dom, 0, 0, "unmaps");
}

static double per(uint64_t *v, unsigned int rounds, uint64_t n)
{
	return median_u64(v + bench.warmup, rounds - bench.warmup) /
	       (double)n;
}

static void emit(struct conv *c, const char *variant, double ns,
		 double single_ns, double target_per_s, double bytes)
{
	struct row row = { .bcase = "conversions", .variant = variant,
			   .per = "range" };

	row.ns = ns;
	row_base(&row, "single calls", single_ns);
	row_extra(&row, "ranges", (double)c->n);
	row_extra(&row, "ranges/s", 1e9 / ns);
	row_extra(&row, "single calls/s", 1e9 / single_ns);
	row_extra(&row, "speed-up", single_ns / ns);
	if (bytes >= 0)
		row_extra(&row, "stats bytes/range", bytes);
	if (c->soft && target_per_s > 0)
		row_target(&row, "ranges/s", 1e9 / ns, true, target_per_s, "");
	report_row(&row);
}

/* Variants: single calls, one vector, vectors of BATCH. */
static const size_t batches[] = { 0, SIZE_MAX, BATCH };
#define NVAR (sizeof(batches) / sizeof(batches[0]))

static void run(struct conv *c, bool holes)
{
	static struct times t[NVAR];
	unsigned int r, v, rounds = bench.warmup + bench.reps;
	struct iodirty_domain *dom;
	char name[NVAR][2][64];
	double single[2];

	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	for (v = 0; v < NVAR; v++) {
		dom = conv_dom(c);
		if (holes)
			check(iodirty_map(dom, 0, c->va, c->size, RW), "map");
		/* Interleaved rounds would keep three big domains at once. */
		for (r = 0; r < rounds; r++) {
			if (holes)
				holes_round(c, dom, batches[v], &t[v], r);
			else
				maps_round(c, dom, batches[v], &t[v], r);
		}
		iodirty_domain_destroy(dom);
	}
	for (v = 0; v < NVAR; v++) {
		const char *how = !batches[v] ? "single calls" :
				  batches[v] == SIZE_MAX ? "one vector" :
				  "vectors of 1,024";

		snprintf(name[v][0], sizeof(name[v][0]), "%s, %s",
			 holes ? "(a) punch 4 KiB holes" :
				 "(c) map 4 KiB, scattered",
			 how);
		snprintf(name[v][1], sizeof(name[v][1]), "%s, %s",
			 holes ? "(b) refill them" : "(c) unmap them", how);
	}
	single[0] = per(t[0].a, rounds, c->n);
	single[1] = per(t[0].b, rounds, c->n);
	for (v = 0; v < NVAR; v++) {
		emit(c, name[v][0], per(t[v].a, rounds, c->n), single[0],
		     v ? (holes ? 5e6 : 2e6) : 0,
		     (double)t[v].bytes / (double)c->n);
		emit(c, name[v][1], per(t[v].b, rounds, c->n), single[1],
		     v && holes ? 5e6 : 0, -1);
	}
}

void case_conversions(void)
{
	struct iodirty_caps caps = IODIRTY_OPTS(iodirty_caps);
	struct conv c;
	uint64_t seed = 0x636f6e76, i, j, tmp, npages;
	uint64_t *seen;
	char title[128];

	check(iodirty_ctx_open(NULL, NULL, &c.ctx), "ctx_open");
	check(iodirty_ctx_caps(c.ctx, &caps), "ctx_caps");
	if (!(caps.flags & IODIRTY_CAP_MAP_VEC)) {
		report_case("conversions", "skipped: the backend lacks "
			    "IODIRTY_CAP_MAP_VEC");
		iodirty_ctx_close(c.ctx);
		return;
	}
	c.soft = !strcmp(iodirty_ctx_backend(c.ctx), "soft");
	if (c.soft) {
		c.n = bench.quick ? 20000 : 1000000;
		c.size = bench.quick ? 16 * GiB : 1 * TiB;
		c.va = mem_reserve(c.size);
		c.sva = mem_reserve(2 * c.n * PAGE);
	} else {
		c.n = 16384;
		c.size = 256 * MiB;
		c.va = mem_alloc(c.size);
		c.sva = mem_alloc(2 * c.n * PAGE);
	}
	npages = c.size / PAGE;
	c.holes = malloc(c.n * sizeof(*c.holes));
	c.perm = malloc(c.n * sizeof(*c.perm));
	c.useg = malloc(c.n * sizeof(*c.useg));
	c.mseg = malloc(c.n * sizeof(*c.mseg));
	seen = calloc(npages / 64, sizeof(uint64_t));
	if (!c.holes || !c.perm || !c.useg || !c.mseg || !seen)
		die("out of memory");
	for (i = 0; i < c.n;) {
		uint64_t p = 1 + rng_below(&seed, npages - 2);

		if (seen[p / 64] & (1ULL << (p % 64)))
			continue;
		seen[p / 64] |= 1ULL << (p % 64);
		c.holes[i++] = p;
	}
	free(seen);
	for (i = 0; i < c.n; i++)
		c.perm[i] = i;
	for (i = c.n - 1; i > 0; i--) {
		j = rng_below(&seed, i + 1);
		tmp = c.perm[i];
		c.perm[i] = c.perm[j];
		c.perm[j] = tmp;
	}

	snprintf(title, sizeof(title),
		 "%llu 4 KiB conversions, backend %s, tracking off",
		 (unsigned long long)c.n, iodirty_ctx_backend(c.ctx));
	report_case("conversions", title);

	for (i = 0; i < c.n; i++) {
		c.useg[i] = (struct iodirty_unmap_seg){ c.holes[i] * PAGE,
							PAGE };
		c.mseg[i] = (struct iodirty_map_seg){
			.iova = c.holes[i] * PAGE,
			.addr = c.va + c.holes[i] * PAGE,
			.length = PAGE, .flags = RW };
	}
	run(&c, true);
	for (i = 0; i < c.n; i++) {
		c.useg[i] = (struct iodirty_unmap_seg){ i * PAGE, PAGE };
		c.mseg[i] = (struct iodirty_map_seg){
			.iova = i * PAGE,
			.addr = c.sva + 2 * c.perm[i] * PAGE,
			.length = PAGE, .flags = RW };
	}
	run(&c, false);

	mem_free(c.va, c.size);
	mem_free(c.sva, 2 * c.n * PAGE);
	free(c.holes);
	free(c.perm);
	free(c.useg);
	free(c.mseg);
	iodirty_ctx_close(c.ctx);
}
