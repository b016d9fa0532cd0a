// SPDX-License-Identifier: MIT
/*
 * Case "read": iodirty_read_dirty() of a whole 1 TiB mapping at a 4 KiB
 * page size into a zeroed 32 MiB bitmap, at 100 %, 1 % and 0.01 % random
 * dirty pages, and 0.01 % in clustered runs of 64 pages. Before every
 * timed run (library and baselines alike) the caches are flushed by
 * streaming over four times the last-level cache. One extra row repeats
 * 0.01 % random without the flush (warm: marks and the caller's memset of
 * the output just before the read), for information.
 *
 * Baselines, measured in the same run:
 *  - bound: memset() of the B output bytes the read had to touch (B = 8 x
 *    the number of 64-bit output words holding a dirty bit; 32 MiB when
 *    dense) followed by memcpy() of B bytes from another buffer into
 *    them: the data movement floor of a read-and-clear.
 *  - naive: a flat 32 MiB bitmap holding the same dirty bits, read and
 *    cleared word by word with an atomic exchange, non-zero words OR-ed
 *    into the output with a count of new bits: what a simple
 *    implementation does.
 *  - oracle: the same flat bitmap, but only the words holding dirty bits
 *    are exchanged and OR-ed, their indexes known in advance, with
 *    prefetching: the floor of any sparse structure, which must at least
 *    touch those words and their output words.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct read_bench {
	struct bench_dom bd;
	uint64_t size;		/* bytes of IOVA read */
	uint64_t npages;
	size_t nwords;		/* words of a full bitmap */
	size_t bytes;		/* bytes of a full bitmap */
	uint64_t *out;		/* the caller's bitmap */
	uint64_t *ref;		/* expected result */
	_Atomic uint64_t *flat;	/* the naive scan's dirty bitmap */
	uint64_t *src;		/* the bound's memcpy source */
	/* variant */
	bool dense;
	const uint64_t *list;	/* first pages of the dirty runs */
	uint64_t nlist;
	uint64_t run;		/* pages per run */
	uint64_t ndirty;	/* dirty pages (bits of ref) */
	size_t touched;		/* B: bytes of output words with a bit */
	uint32_t *idx;		/* indexes of the touched words */
	bool warm;		/* skip the cache flush before timed runs */
};

static void read_evict(const struct read_bench *rb)
{
	if (!rb->warm)
		cache_evict();
}

/* Marks the variant's pages through the library (untimed). */
static void read_mark(struct read_bench *rb)
{
	uint64_t i;

	if (rb->dense) {
		/* Big ranges: a few calls. */
		for (i = 0; i < rb->size; i += 64 * GiB)
			check(iodirty_mark_dirty(rb->bd.dom, i,
						 rb->size - i < 64 * GiB ?
						 rb->size - i : 64 * GiB),
			      "mark_dirty");
		return;
	}
	for (i = 0; i < rb->nlist; i++)
		check(iodirty_mark_dirty(rb->bd.dom, rb->list[i] * PAGE,
					 rb->run * PAGE), "mark_dirty");
}

static void lib_setup(void *arg)
{
	struct read_bench *rb = arg;

	read_mark(rb);
	memset(rb->out, 0, rb->bytes);
	read_evict(rb);
}

static uint64_t lib_run(void *arg)
{
	struct read_bench *rb = arg;
	uint64_t t0, t1;
	int64_t n;

	t0 = now_ns();
	n = iodirty_read_dirty(rb->bd.dom, 0, rb->size, PAGE, rb->out, 0);
	t1 = now_ns();
	check(n, "read_dirty");
	if ((uint64_t)n != rb->ndirty || memcmp(rb->out, rb->ref, rb->bytes))
		die("read_dirty: wrong result (%lld pages, expected %llu)",
		    (long long)n, (unsigned long long)rb->ndirty);
	return t1 - t0;
}

static void evict_setup(void *arg)
{
	read_evict(arg);
}

static uint64_t bound_run(void *arg)
{
	struct read_bench *rb = arg;
	uint64_t t0, t1;

	t0 = now_ns();
	memset(rb->out, 0, rb->touched);
	/* Keep the compiler from dropping the memset as a dead store. */
	__asm__ __volatile__("" : : "r"(rb->out) : "memory");
	memcpy(rb->out, rb->src, rb->touched);
	__asm__ __volatile__("" : : "r"(rb->out) : "memory");
	t1 = now_ns();
	return t1 - t0;
}

static void naive_setup(void *arg)
{
	struct read_bench *rb = arg;

	memcpy((void *)rb->flat, rb->ref, rb->bytes);
	memset(rb->out, 0, rb->bytes);
	read_evict(rb);
}

static uint64_t naive_run(void *arg)
{
	struct read_bench *rb = arg;
	uint64_t t0, t1, count = 0, v;
	size_t i;

	t0 = now_ns();
	for (i = 0; i < rb->nwords; i++) {
		v = atomic_exchange(&rb->flat[i], 0);
		if (v) {
			count += (uint64_t)__builtin_popcountll(v &
								~rb->out[i]);
			rb->out[i] |= v;
		}
	}
	t1 = now_ns();
	if (count != rb->ndirty || memcmp(rb->out, rb->ref, rb->bytes))
		die("naive scan: wrong result");
	return t1 - t0;
}

#define ORACLE_AHEAD 16

static uint64_t oracle_run(void *arg)
{
	struct read_bench *rb = arg;
	size_t k, n = rb->touched / 8;
	uint64_t t0, t1, count = 0, v;
	uint32_t i;

	t0 = now_ns();
	for (k = 0; k < n; k++) {
		if (k + ORACLE_AHEAD < n) {
			__builtin_prefetch((void *)&rb->flat[rb->idx[k +
							ORACLE_AHEAD]], 1);
			__builtin_prefetch(&rb->out[rb->idx[k + ORACLE_AHEAD]],
					   1);
		}
		i = rb->idx[k];
		v = atomic_exchange(&rb->flat[i], 0);
		count += (uint64_t)__builtin_popcountll(v & ~rb->out[i]);
		rb->out[i] |= v;
	}
	t1 = now_ns();
	if (count != rb->ndirty || memcmp(rb->out, rb->ref, rb->bytes))
		die("oracle: wrong result");
	return t1 - t0;
}

/* Bitmap leaves (512 words, 128 MiB of IOVA) holding a dirty bit. */
static uint64_t touched_leaves(const uint64_t *bm, size_t nwords)
{
	uint64_t n = 0;
	size_t i, j;

	for (i = 0; i < nwords; i += 512) {
		for (j = i; j < i + 512 && j < nwords; j++) {
			if (bm[j]) {
				n++;
				break;
			}
		}
	}
	return n;
}

struct read_times {
	double lib, bound, naive, oracle;
};

static struct read_times read_variant(struct read_bench *rb,
				      const char *variant)
{
	struct read_times t;
	struct row r = { .bcase = "read", .variant = variant,
			 .per = "read" };
	char bound_name[64];
	uint64_t i, j;

	memset(rb->ref, 0, rb->bytes);
	if (rb->dense) {
		memset(rb->ref, 0xff, rb->bytes);
	} else {
		for (i = 0; i < rb->nlist; i++) {
			for (j = rb->list[i]; j < rb->list[i] + rb->run; j++)
				rb->ref[j / 64] |= 1ULL << (j % 64);
		}
	}
	rb->ndirty = bitmap_weight(rb->ref, rb->nwords);
	rb->touched = bitmap_nonzero_words(rb->ref, rb->nwords) * 8;
	for (i = 0, j = 0; i < rb->nwords; i++)
		if (rb->ref[i])
			rb->idx[j++] = (uint32_t)i;

	t.lib = time_median(lib_setup, lib_run, rb);
	t.bound = time_median(evict_setup, bound_run, rb);
	t.naive = time_median(naive_setup, naive_run, rb);
	t.oracle = time_median(naive_setup, oracle_run, rb);

	r.ns = t.lib;
	if (rb->touched >= MiB)
		snprintf(bound_name, sizeof(bound_name),
			 "memset+memcpy bound, %.1f MiB",
			 (double)rb->touched / MiB);
	else if (rb->touched >= KiB)
		snprintf(bound_name, sizeof(bound_name),
			 "memset+memcpy bound, %.0f KiB",
			 (double)rb->touched / KiB);
	else
		snprintf(bound_name, sizeof(bound_name),
			 "memset+memcpy bound, %zu bytes", rb->touched);
	row_base(&r, bound_name, t.bound);
	row_base(&r, "naive flat scan (xchg/word)", t.naive);
	row_base(&r, "oracle: dirty words only", t.oracle);
	row_extra(&r, "dirty pages", (double)rb->ndirty);
	row_extra(&r, "touched words", (double)(rb->touched / 8));
	row_extra(&r, "touched leaves", (double)touched_leaves(rb->ref,
								 rb->nwords));
	row_extra(&r, "ns per touched word",
		  t.lib / (double)(rb->touched / 8));
	report_row(&r);
	return t;
}

void case_read(void)
{
	struct read_bench rb;
	uint64_t seed = 0x72656164;	/* "read" */
	uint64_t *list, n, i;
	struct read_times t;
	char label[64];

	memset(&rb, 0, sizeof(rb));
	rb.size = bench.quick ? 16 * GiB : 1 * TiB;
	rb.npages = rb.size / PAGE;
	rb.nwords = rb.npages / 64;
	rb.bytes = rb.nwords * 8;
	rb.out = mem_alloc(rb.bytes);
	rb.ref = mem_alloc(rb.bytes);
	rb.flat = mem_alloc(rb.bytes);
	rb.src = mem_alloc(rb.bytes);
	rb.idx = mem_alloc(rb.nwords * sizeof(uint32_t));
	memset(rb.src, 0xa5, rb.bytes);
	cache_evict();	/* allocate the eviction buffer now */
	dom_open(&rb.bd, 0, rb.size, true);

	snprintf(label, sizeof(label), "read-and-clear of %llu GiB, 4 KiB "
		 "pages, cold caches", (unsigned long long)(rb.size / GiB));
	report_case("read", label);

	/* 100 %. */
	rb.dense = true;
	t = read_variant(&rb, "100 % dirty");
	report_note("T2 (100 %% dirty within 2x of memset+memcpy): %.2fx "
		    "(%.2f ms vs %.2f ms) -> %s", t.lib / t.bound,
		    t.lib / 1e6, t.bound / 1e6,
		    t.lib <= 2 * t.bound ? "met" : "MISSED");

	rb.dense = false;
	list = malloc(rb.npages / 100 * sizeof(*list) + 8);
	if (!list)
		die("out of memory");
	rb.list = list;

	/* 1 % random. */
	n = rb.npages / 100;
	for (i = 0; i < n; i++)
		list[i] = rng_below(&seed, rb.npages);
	rb.nlist = n;
	rb.run = 1;
	read_variant(&rb, "1 % dirty, random pages");

	/* 0.01 % random. */
	n = rb.npages / 10000;
	for (i = 0; i < n; i++)
		list[i] = rng_below(&seed, rb.npages);
	rb.nlist = n;
	t = read_variant(&rb, "0.01 % dirty, random pages");
	report_note("T1 (0.01 %% random < 1 %% of the naive scan): %.2f %% "
		    "(%.3f ms vs %.2f ms) -> %s", 100 * t.lib / t.naive,
		    t.lib / 1e6, t.naive / 1e6,
		    t.lib < t.naive / 100 ? "met" : "MISSED");
	report_note("   the oracle floor alone is %.2f %% of the naive scan",
		    100 * t.oracle / t.naive);

	rb.warm = true;
	t = read_variant(&rb, "0.01 % random, warm (no flush)");
	report_note("0.01 %% random, warm (not a target): %.2f %% of the "
		    "naive scan, also warm", 100 * t.lib / t.naive);
	rb.warm = false;

	/* 0.01 % in runs of 64 pages, at random (unaligned) offsets. */
	rb.run = 64;
	rb.nlist = (rb.npages / 10000 + 32) / 64;
	for (i = 0; i < rb.nlist; i++)
		list[i] = rng_below(&seed, rb.npages - rb.run + 1);
	t = read_variant(&rb, "0.01 % dirty, clustered (runs of 64)");
	report_note("0.01 %% clustered (not a target): %.2f %% of the naive "
		    "scan", 100 * t.lib / t.naive);

	free(list);
	dom_close(&rb.bd);
	mem_free(rb.out, rb.bytes);
	mem_free(rb.ref, rb.bytes);
	mem_free((void *)rb.flat, rb.bytes);
	mem_free(rb.src, rb.bytes);
	mem_free(rb.idx, rb.nwords * sizeof(uint32_t));
}
