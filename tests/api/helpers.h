// SPDX-License-Identifier: MIT
/*
 * Shared helpers of the public-API tests (tests/api/).
 *
 * The tests only use the public header. They open their context from the
 * environment (IODIRTY_BACKEND), so the same programs run on every backend;
 * a backend that is missing makes the program exit with 77 (skip).
 */
#ifndef IODIRTY_TESTS_API_HELPERS_H
#define IODIRTY_TESTS_API_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include <libiodirty/iodirty.h>

#define T_PAGE ((uint64_t)IODIRTY_PAGE_SIZE)
#define T_SKIP TC_EXIT_SKIP

/* The context every test of the program uses (opened by t_init()). */
extern struct iodirty_ctx *t_ctx;
extern struct iodirty_caps t_caps;

/*
 * Opens t_ctx with iodirty_ctx_open(NULL, NULL, ...) and reads its caps.
 * Exits with 77 and a message when the backend is absent (-ENODEV or
 * -EOPNOTSUPP), with 1 on any other failure.
 */
void t_init(const char *prog);
void t_fini(void);

/* Name of the backend under test. */
bool t_backend_is(const char *name);

/* Skips the current cmocka test unless the backend has every cap in @caps. */
#define T_REQUIRE_CAPS(c)						\
	do {								\
		if ((t_caps.flags & (c)) != (c)) {			\
			TC_SKIP("backend %s lacks caps 0x%llx\n",	\
				iodirty_ctx_backend(t_ctx),		\
				(unsigned long long)(c));		\
		}							\
	} while (0)

/*
 * Skips the current test unless the backend is the soft one: used by tests
 * that map more memory than a machine has (say 1 TiB of PROT_NONE address
 * space), which only a backend that never touches (or pins) it can do.
 */
#define T_REQUIRE_SOFT()						\
	do {								\
		if (!t_backend_is("soft")) {				\
			TC_SKIP("needs the soft backend\n");		\
		}							\
	} while (0)

/* Creates a domain; iova_bits/granule 0 mean defaults. Asserts success. */
struct iodirty_domain *t_domain(uint32_t iova_bits, uint64_t granule);

/* Page-aligned (to @align, a power of two >= 4 KiB, or 0) zeroed RAM. */
void *t_ram(size_t len, size_t align);
void t_ram_free(void *p, size_t len);
/* Address space only: PROT_NONE, MAP_NORESERVE. Freed by t_ram_free(). */
void *t_vspace(size_t len, size_t align);
/* The same, but NULL when the address space cannot be had (e.g. 1 TiB
 * under ThreadSanitizer's memory layout). */
void *t_vspace_try(size_t len);
/*
 * Memory to map into a domain that the test itself never reads or writes
 * (only DMA and mark-dirty go through it), aligned to @align as t_ram().
 * On the soft backend, which never touches what it maps, address space
 * only (t_vspace()), so that big mappings cost nothing. A kernel backend
 * pins what is mapped and fails on PROT_NONE memory, so there it is zeroed
 * RAM, allocated page by page when it is pinned: a test that maps it costs
 * what it maps. Freed by t_ram_free().
 */
void *t_mapmem(size_t len, size_t align);

/* Words needed for a bitmap of @bits bits. */
static inline size_t t_words(uint64_t bits)
{
	return (size_t)((bits + 63) / 64);
}

static inline bool t_bit(const uint64_t *bm, uint64_t i)
{
	return (bm[i / 64] >> (i % 64)) & 1;
}

static inline void t_set_bit(uint64_t *bm, uint64_t i)
{
	bm[i / 64] |= 1ULL << (i % 64);
}

uint64_t t_popcount(const uint64_t *bm, size_t words);

/* Reads the domain's stats (full struct). Asserts success. */
void t_stats(struct iodirty_domain *dom, struct iodirty_stats *st);

/* Number of dirty bits in [iova, iova + length) at the domain granule,
 * read with NO_CLEAR (tracking must be on). */
int64_t t_dirty_count(struct iodirty_domain *dom, uint64_t iova,
		      uint64_t length);

/* Small deterministic PRNG (splitmix64). */
static inline uint64_t t_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static inline uint64_t t_rand_below(uint64_t *s, uint64_t n)
{
	return t_rand(s) % n;
}

/* tc_seed(): IODIRTY_TEST_SEED, else @dflt, printed. */
#define t_seed(what, dflt) tc_seed(what, dflt)

/* ------------------------------------------------------------------ */
/* Domain-state snapshots                                             */
/* ------------------------------------------------------------------ */

#define T_SNAP_MAX_RANGES 64
#define T_SNAP_MAX_PROBES 64

/*
 * Everything observable about a domain that a failing call must not
 * change: the counters, the reserved regions and usable IOVA ranges,
 * translations of chosen probe addresses, and (when tracking is on) the
 * dirty bits of a window, read with NO_CLEAR.
 */
struct t_snap {
	struct iodirty_stats st;
	int resv_rc;
	size_t nresv;
	struct iodirty_range resv[T_SNAP_MAX_RANGES];
	int ranges_rc;
	size_t nranges;
	struct iodirty_range ranges[T_SNAP_MAX_RANGES];
	size_t nprobes;
	uint64_t probe[T_SNAP_MAX_PROBES];
	int probe_rc[T_SNAP_MAX_PROBES];
	void *probe_addr[T_SNAP_MAX_PROBES];
	uint64_t probe_contig[T_SNAP_MAX_PROBES];
	uint64_t win_iova, win_len;
	int64_t dirty_rc;
	uint64_t *dirty;	/* win_len / granule bits */
};

/* What to look at. */
struct t_snap_spec {
	uint64_t win_iova, win_len;	/* dirty window (granule multiples) */
	size_t nprobes;
	uint64_t probe[T_SNAP_MAX_PROBES];
};

void t_snap_take(struct iodirty_domain *dom, const struct t_snap_spec *spec,
		 struct t_snap *s);
/* Asserts that @after equals @before (allowing for the one NO_CLEAR read
 * that taking @before itself counted). Frees neither. */
void t_snap_assert_equal(const struct t_snap *before,
			 const struct t_snap *after);
void t_snap_free(struct t_snap *s);

/*
 * Asserts that @call returns @err and that the domain is unchanged by it.
 * @call is evaluated exactly once.
 */
#define T_EXPECT_ERR(dom, spec, call, err)				\
	do {								\
		struct t_snap b_, a_;					\
		int64_t r_;						\
		t_snap_take((dom), (spec), &b_);			\
		r_ = (int64_t)(call);					\
		if (r_ != (int64_t)(err))				\
			print_error("%s:%d: %s returned %lld (%s), "	\
				    "expected %lld (%s)\n",		\
				    __FILE__, __LINE__, #call,		\
				    (long long)r_,			\
				    iodirty_strerror((int)r_),		\
				    (long long)(err),			\
				    iodirty_strerror((int)(err)));	\
		assert_true(r_ == (int64_t)(err));			\
		t_snap_take((dom), (spec), &a_);			\
		t_snap_assert_equal(&b_, &a_);				\
		t_snap_free(&b_);					\
		t_snap_free(&a_);					\
	} while (0)

/* Kept for brevity: the assertion is tc.h's. */
#define T_EQ(expr, exp) TC_EQ(expr, exp)

/* ------------------------------------------------------------------ */
/* Threads of the concurrency tests                                   */

/*
 * What the threads of a concurrency test share: one ticket counter that
 * totally orders their events, the number of writers that have returned,
 * an error count (cmocka's asserts belong to the main thread only) and the
 * barrier that starts them all at once.
 */
struct t_race {
	_Atomic uint32_t ticket;
	_Atomic int writers_done;
	_Atomic int errors;
	pthread_barrier_t start;
};

/* Takes the next ticket; the first one is 1. */
static inline uint32_t t_ticket(struct t_race *race)
{
	return atomic_fetch_add(&race->ticket, 1) + 1;
}

/* Reports an error from a thread: printed and counted in race->errors. */
#define T_RACE_ERR(race, ...)						\
	do {								\
		fprintf(stderr, __VA_ARGS__);				\
		atomic_fetch_add(&(race)->errors, 1);			\
	} while (0)

/* A writer thread: @id is 0 .. number of writers - 1, @seed its own. */
typedef void t_writer_fn(void *ctx, int id, uint64_t seed);
/* Any other thread: gets @ctx. */
typedef void *(*t_thread_fn)(void *ctx);

/*
 * Starts the @nothers threads others[i](@ctx), then @nw writers
 * writer(@ctx, i, seeds[i]); none runs before all are created
 * (race->start), and race->writers_done counts each writer once it has
 * returned. Joins every thread. Asserts on setup failures only: the
 * caller checks race->errors.
 */
void t_race_run(struct t_race *race, void *ctx, const t_thread_fn *others,
		int nothers, t_writer_fn *writer, int nw,
		const uint64_t *seeds);

#endif /* IODIRTY_TESTS_API_HELPERS_H */
