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

/*
 * One variant of an interleaved measurement: @setup (untimed, may be NULL)
 * then @run, which returns the nanoseconds it timed itself.
 */
struct timed {
	void (*setup)(void *arg);
	uint64_t (*run)(void *arg);
	void *arg;
	double median;		/* out: median of the timed repetitions */
	double min, max;	/* out: fastest and slowest of them */
};

/*
 * Interleaved repetitions: bench.warmup + bench.reps rounds, each running
 * every variant once (setup, then run), the starting variant rotating by
 * one each round, so that the library and its baselines alternate within
 * the run and share its noise. Fills each variant's median, min and max
 * over the timed rounds.
 */
void time_interleaved(struct timed *v, unsigned int n);

/*
 * A start line for @n threads that spins (no futex wake-up latency), so
 * that timed threads start together. *@arrived starts at 0 for each use.
 */
void spin_start(_Atomic unsigned int *arrived, unsigned int n);
/*
 * Share of the wall time [min t0, max t1] during which all @n threads ran
 * ([max t0, min t1]), 0 to 1: how concurrent a multi-thread run really was.
 */
double overlap_of(const uint64_t *t0, const uint64_t *t1, unsigned int n);

/* Sleeps until CLOCK_MONOTONIC reaches @deadline_ns. */
void sleep_until_ns(uint64_t deadline_ns);

/* The machine's 1-minute load average (from /proc/loadavg), or -1. */
double loadavg1(void);

/* xorshift64*: fixed seeds, reproducible runs. */
uint64_t rng_next(uint64_t *s);
uint64_t rng_below(uint64_t *s, uint64_t n);

/* Read-write anonymous memory, faulted in (written) before returning. */
void *mem_alloc(size_t size);
/* Address space only: PROT_NONE, MAP_NORESERVE, never touched. */
void *mem_reserve(size_t size);
/* Read-write, MAP_NORESERVE, not touched: pages fault in on first write. */
void *mem_reserve_rw(size_t size);
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
/*
 * iodirty_read_extents() of [0, @size) of @dom through @ext (@nr entries),
 * resumed until done, walking the runs as a caller would at the least.
 * Returns the ns it took; *@pages and *@runs get what it found.
 */
uint64_t dom_read_extents(struct iodirty_domain *dom, uint64_t size,
			  struct iodirty_extent *ext, size_t nr,
			  uint64_t *pages, uint64_t *runs);
/*
 * Like dom_open(), but the mapping is read-write memory (MAP_NORESERVE)
 * for DMA, of which [touch_off, touch_off + touch_len) is written once
 * here so that no timed DMA takes a page fault. Tracking is on.
 */
void dom_open_rw(struct bench_dom *b, uint64_t iova, size_t map_size,
		 size_t touch_off, size_t touch_len);

/* ---- baseline.c: the hot-path baselines (see there) ---- */

/* A region (mapping) of the byte map: bytemap_init() fills bits, bytes. */
struct bm_region {
	uint64_t iova;
	uint64_t length;
	uint64_t uaddr;
	uint8_t *bits;		/* bit (p & 7) of byte p >> 3 = page p */
	uint64_t bytes;
};

/* Baseline 1, "lean flat byte map": regions sorted by IOVA. */
struct bytemap {
	struct bm_region *r;
	size_t n;
};

void bytemap_init(struct bytemap *m, const struct bm_region *regions,
		  size_t n);
void bytemap_fini(struct bytemap *m);
void bytemap_clear(struct bytemap *m);
uint64_t bytemap_weight(const struct bytemap *m);
/* Marks the pages of [iova, iova + length) (one region). 0 or -errno. */
int bytemap_mark(const struct bytemap *m, uint64_t iova, uint64_t length);
/* Region lookup: *addr = user address of @iova. 0 or -errno. */
int bytemap_translate(const struct bytemap *m, uint64_t iova,
		      uint64_t length, void **addr);
/* Translate + copy (an 8-byte store when @length is 8) + mark. */
int bytemap_dma_write(const struct bytemap *m, uint64_t iova,
		      const void *buf, uint64_t length);
/*
 * 8-byte segments that all lie in one page: one translate + store + mark
 * of segs[0], plus an 8-byte copy of each other segment into that page.
 */
int bytemap_write_gather_page(const struct bytemap *m,
			      const struct iodirty_dma_seg *segs,
			      size_t nr_segs);

/* Baseline 2, "flat bitmap": one bit per page from @iova, no lookup. */
struct flatmap {
	uint64_t iova;
	uint64_t *words;
	uint64_t bytes;
};

void flatmap_init(struct flatmap *f, uint64_t iova, uint64_t length);
void flatmap_fini(struct flatmap *f);
void flatmap_clear(struct flatmap *f);
/* Atomic OR of the bit of the page holding @iova. */
void flatmap_mark(const struct flatmap *f, uint64_t iova);

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
#define ROW_TARGETS 3

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
	/* Targets, printed with the row as PASS or MISS (never fatal). */
	struct {
		const char *what;	/* NULL: unused */
		double value;
		double limit;
		bool at_least;		/* value >= limit, else <= */
		const char *unit;	/* "x", "us", ... */
	} target[ROW_TARGETS];
};

void row_base(struct row *r, const char *name, double ns);
void row_extra(struct row *r, const char *key, double value);
void row_target(struct row *r, const char *what, double value,
		bool at_least, double limit, const char *unit);

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
void case_extents(void);
void case_map(void);
void case_unmap_dirty(void);
void case_mark_pages(void);
void case_hot_set(void);
void case_dma(void);
void case_writev(void);
void case_sg(void);
void case_map_latency(void);
void case_conversions(void);
void case_shared_log(void);

#endif /* IODIRTY_BENCH_H */
