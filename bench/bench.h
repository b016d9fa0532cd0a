// SPDX-License-Identifier: MIT
/*
 * iodirty-bench: shared declarations. Each case lives in its own file
 * (case_*.c) and reports rows through report.c; util.c has the timing,
 * random and memory helpers, machine.c the machine/build description.
 */
#ifndef IODIRTY_BENCH_H
#define IODIRTY_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libiodirty/iodirty.h>

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define TiB (1ULL << 40)
#define PAGE 4096ULL

/* Command line. */
struct bench_opts {
	bool quick;		/* small sizes, for a smoke run */
	bool json;		/* JSON on stdout instead of the table */
	const char *only;	/* --case NAME, or NULL for all */
	unsigned int reps;	/* timed repetitions per measurement */
	unsigned int warmup;	/* untimed repetitions before them */
};

extern struct bench_opts bench;

/* ---- util.c ---- */

__attribute__((format(printf, 1, 2), noreturn))
void die(const char *fmt, ...);
/* Dies with @what and the library's error text unless @ret is >= 0. */
int64_t check(int64_t ret, const char *what);
/* Progress note on stderr (kept out of the table and the JSON). */
__attribute__((format(printf, 1, 2)))
void note(const char *fmt, ...);

uint64_t now_ns(void);
/* Median of @n values (sorts @v in place). */
double median_u64(uint64_t *v, unsigned int n);

/*
 * Runs @setup (untimed) then @run, bench.warmup + bench.reps times, and
 * returns the median over the timed repetitions of what @run returns: the
 * nanoseconds it measured itself with now_ns() around the timed part.
 */
double time_median(void (*setup)(void *), uint64_t (*run)(void *),
		   void *arg);

/* xorshift64*: fixed seeds, reproducible runs. */
uint64_t rng_next(uint64_t *s);
uint64_t rng_below(uint64_t *s, uint64_t n);

/* Read-write anonymous memory, faulted in (written) before returning. */
void *mem_alloc(size_t size);
/* Address space only: PROT_NONE, MAP_NORESERVE, never touched. */
void *mem_reserve(size_t size);
void mem_free(void *p, size_t size);

/*
 * Streams over a buffer of four times the last-level cache (at least
 * 64 MiB), so that the next timed run starts with cold caches.
 */
void cache_evict(void);
size_t cache_llc_bytes(void);

unsigned int popcount64(uint64_t x);
/* Number of set bits / non-zero words of a bitmap of @nwords words. */
uint64_t bitmap_weight(const uint64_t *bm, size_t nwords);
uint64_t bitmap_nonzero_words(const uint64_t *bm, size_t nwords);

/* Bytes the allocator hands out (mallinfo2 uordblks + hblkhd), or -1. */
int64_t malloc_in_use(void);

/* ---- domain.c ---- */

struct bench_dom {
	struct iodirty_ctx *ctx;
	struct iodirty_domain *dom;
	void *va;		/* reserved user range, or NULL */
	size_t va_size;
};

/*
 * Soft backend, 48-bit IOVA, 4 KiB granule. If @map_size is not 0,
 * reserves that much address space and maps it at IOVA @iova (read and
 * write) in one call. Tracking is started if @tracking.
 */
void dom_open(struct bench_dom *b, uint64_t iova, size_t map_size,
	      bool tracking);
void dom_close(struct bench_dom *b);
void dom_stats(struct bench_dom *b, struct iodirty_stats *st);

/* ---- machine.c ---- */

struct machine {
	long nproc;
	char cpu[128];
	size_t llc;
};

void machine_probe(struct machine *m);

/* ---- report.c ---- */

#define ROW_BASES 3
#define ROW_EXTRAS 8

/* One figure: a median time per operation and its baselines. */
struct row {
	const char *bcase;	/* case name, as for --case */
	const char *variant;
	const char *per;	/* "page", "call", "read", ... */
	double ns;		/* median nanoseconds per @per */
	struct {
		const char *name;	/* NULL: unused */
		double ns;		/* same unit as the row */
	} base[ROW_BASES];
	struct {
		const char *key;	/* NULL: unused */
		double value;
	} extra[ROW_EXTRAS];
};

void row_base(struct row *r, const char *name, double ns);
void row_extra(struct row *r, const char *key, double value);

void report_begin(const struct machine *m);
void report_case(const char *bcase, const char *title);
void report_row(const struct row *r);
/* A free-form line of the table (target checks); "notes" in JSON. */
__attribute__((format(printf, 1, 2)))
void report_note(const char *fmt, ...);
void report_end(void);

/* ---- cases ---- */

void case_mark(void);
void case_read(void);
void case_map(void);
void case_unmap_dirty(void);

#endif /* IODIRTY_BENCH_H */
