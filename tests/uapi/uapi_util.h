// SPDX-License-Identifier: MIT
/*
 * Shared helpers of the raw uAPI tests (tests/uapi/).
 *
 * These programs talk to /dev/iodirty with ioctl() and the uAPI header
 * only: no library, so they test the module's contract, not the library's
 * view of it. A program exits with 77 (skip) when /dev/iodirty is absent.
 *
 * Helpers named *_ok assert success with cmocka and must only be called
 * from a cmocka test in the main process. The others return 0 (or a
 * count) or a negative errno and are safe anywhere, forked children
 * included.
 */
#ifndef IODIRTY_TESTS_UAPI_UTIL_H
#define IODIRTY_TESTS_UAPI_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <stdbool.h>

#include <linux/iodirty.h>

#define U_DEV "/dev/iodirty"
#define U_PAGE 4096ULL
#define U_SKIP TC_EXIT_SKIP
#define U_KiB (1ULL << 10)
#define U_MiB (1ULL << 20)
#define U_GiB (1ULL << 30)
#define U_RW (IODIRTY_IOAS_MAP_READ | IODIRTY_IOAS_MAP_WRITE)

#define U_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What GET_INFO said, read by u_init(). */
extern struct iodirty_info u_info;

/*
 * The fd most tests of a program share: opened by u_group_open() and
 * closed by u_group_close(), the cmocka group setup and teardown.
 */
extern int u_fd;
int u_group_open(void **state);
int u_group_close(void **state);

/*
 * Exits with 77 when /dev/iodirty does not exist, with 1 when it cannot
 * be opened or GET_INFO fails; fills u_info otherwise.
 */
void u_init(const char *prog);

/* True if the module reports every capability bit of @caps. */
bool u_has(uint64_t caps);

/* Skips the current cmocka test unless the module has @caps. */
#define U_REQUIRE(caps)							\
	do {								\
		if (!u_has(caps)) {					\
			TC_SKIP("module lacks capability 0x%llx\n",	\
				(unsigned long long)(caps));		\
		}							\
	} while (0)

/* open(/dev/iodirty); returns the fd or -errno. */
int u_open(void);
/* ioctl(); 0 or -errno. */
int u_ioctl(int fd, unsigned long cmd, void *arg);

int u_ioas_alloc(int fd, uint32_t iova_bits, uint32_t granule_shift,
		 uint32_t *id);
int u_destroy(int fd, uint32_t id);
int u_map(int fd, uint32_t ioas, uint64_t iova, const void *va, uint64_t len,
	  uint32_t flags);
/* @unmapped may be NULL. */
int u_unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
	    uint32_t flags, uint64_t *unmapped);
/* IODIRTY_UNMAP_DIRTY_BITMAP (| @flags) with @bm. */
int u_unmap_dirty(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
		  uint32_t flags, uint64_t page_size, uint64_t *bm,
		  uint64_t *unmapped);
int u_translate(int fd, uint32_t ioas, uint64_t iova, uint64_t *va,
		uint64_t *contig);
int u_tracking(int fd, uint32_t ioas, bool enable);
/* Returns out_nr_set or -errno. */
int64_t u_dirty(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
		uint64_t page_size, uint64_t *bm, uint32_t flags);
int u_dma(int fd, uint32_t ioas, uint64_t iova, void *buf, uint64_t len,
	  uint32_t flags);
int u_stats(int fd, uint32_t ioas, struct iodirty_ioas_stats *st);
int u_reserve(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
	      uint32_t type, uint32_t flags);
/* *@num in: capacity of @out; out: entries that exist. */
int u_ranges(int fd, uint32_t ioas, uint32_t flags,
	     struct iodirty_iova_range *out, uint32_t *num);

/* Asserting versions for cmocka tests. */
int u_open_ok(void);
uint32_t u_ioas_ok(int fd, uint32_t iova_bits, uint32_t granule_shift);
void u_map_ok(int fd, uint32_t ioas, uint64_t iova, const void *va,
	      uint64_t len, uint32_t flags);
uint64_t u_unmap_ok(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
		    uint32_t flags);
void u_stats_ok(int fd, uint32_t ioas, struct iodirty_ioas_stats *st);
void u_tracking_ok(int fd, uint32_t ioas, bool enable);
void u_dma_ok(int fd, uint32_t ioas, uint64_t iova, void *buf, uint64_t len,
	      uint32_t flags);
/* Asserts mapped bytes, runs and holes of the io-pagetable. */
void u_expect_stats(int fd, uint32_t ioas, uint64_t mapped_bytes,
		    uint64_t mappings, uint64_t holes);

/* Kept for brevity: the assertion is tc.h's. */
#define U_EQ(expr, exp) TC_EQ(expr, exp)

/* Anonymous private read-write memory, zeroed; asserts. */
void *u_ram(size_t len);
/* Shared memory of a memfd, mapped once; *@memfd receives the fd. */
void *u_ram_memfd(size_t len, int *memfd);
void u_ram_free(void *p, size_t len);

/* Words needed for a bitmap of @bits bits. */
static inline size_t u_words(uint64_t bits)
{
	return (size_t)((bits + 63) / 64);
}

static inline bool u_bit(const uint64_t *bm, uint64_t i)
{
	return (bm[i / 64] >> (i % 64)) & 1;
}

uint64_t u_popcount(const uint64_t *bm, size_t words);

/*
 * Everything a failing call on an io-pagetable must leave as it was:
 * its counters, its reserved regions, the translation of one probe IOVA
 * and, while tracking is on, the dirty bits of a 64-page window (read
 * with NO_CLEAR).
 */
struct u_snap {
	int stats_rc;
	struct iodirty_ioas_stats st;
	int resv_rc;
	uint32_t nresv;
	struct iodirty_iova_range resv[8];
	int tr_rc;
	uint64_t tr_va, tr_contig;
	int64_t dirty_rc;
	uint64_t dirty;
};

void u_snap(int fd, uint32_t ioas, uint64_t probe, uint64_t win,
	    struct u_snap *s);
/* Asserts @after equals @before (allowing for @before's own dirty read). */
void u_snap_equal(const struct u_snap *before, const struct u_snap *after);

#endif /* IODIRTY_TESTS_UAPI_UTIL_H */
