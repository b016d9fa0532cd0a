// SPDX-License-Identifier: MIT
/*
 * The uAPI fuzzer (fuzz_uapi.c): what its parts share.
 *
 * Worker threads (and forked children) issue random ioctls of every
 * command on two /dev/iodirty fds (fuzz_cmds.c) while a memory thread
 * unmaps, remaps and re-protects the user memory the calls point into and
 * an fd thread closes and dup2()s the fds under them (fuzz_chaos.c).
 * Results are not checked, only counted: the VM tier fails on any kernel
 * report, and that is the oracle.
 */
#ifndef IODIRTY_TESTS_UAPI_FUZZ_UAPI_H
#define IODIRTY_TESTS_UAPI_FUZZ_UAPI_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/iodirty.h>

#define FZ_DEV "/dev/iodirty"

/* Commands of the uAPI, IODIRTY_CMD_GET_INFO..IODIRTY_CMD_IOAS_UNMAP_VEC. */
#define FZ_NCMDS 20
/* Slot for ioctl numbers that are no command (ENOTTY expected). */
#define FZ_BAD_NR FZ_NCMDS
/* errno values counted one by one; larger ones share the last slot. */
#define FZ_NERRNO 160

/* The shared user memory: FZ_ARENA_PAGES pages at one fixed address. */
#define FZ_PAGE 4096UL
#define FZ_ARENA_PAGES 256UL
#define FZ_ARENA_BYTES (FZ_ARENA_PAGES * FZ_PAGE)
/* Pages of the read-only region that output pointers sometimes name. */
#define FZ_RO_PAGES 4UL
/* IOVAs stay within this window, so that calls collide. */
#define FZ_IOVA_WINDOW (512UL * FZ_PAGE)
/* Object and hold IDs remembered for reuse by any thread. */
#define FZ_NIDS 16

/*
 * Counters, in memory shared with the forked children so that their calls
 * count too. calls[c]: ioctls of command c; err[c][e]: of those, how many
 * failed with errno e (e = 0: succeeded).
 */
struct fz_stats {
	_Atomic uint64_t calls[FZ_NCMDS + 1];
	_Atomic uint64_t err[FZ_NCMDS + 1][FZ_NERRNO];
	_Atomic uint64_t forks;
	_Atomic uint64_t fd_swaps;
	_Atomic uint64_t mem_ops;
	_Atomic uint64_t total;
};

struct fz {
	/* The two fd numbers; the fd thread changes what they refer to. */
	int fds[2];
	uint8_t *arena;
	uint8_t *ro;
	/* Shared memory of the arena's size, for pages mapped over it. */
	int memfd;
	/*
	 * IDs seen, read and written racily on purpose: IOAS IDs as fd slot
	 * << 32 | ID (the slot of fds[] the ID was handed out on), holds as
	 * hold ID << 40 | fd slot << 32 | IOAS ID.
	 */
	_Atomic uint64_t ioas[FZ_NIDS];
	_Atomic uint64_t holds[FZ_NIDS];
	/*
	 * Ranges IOAS_MAP succeeded on: pages << 48 | first page << 33 |
	 * fd slot << 32 | IOAS ID (pages and first page within the window).
	 */
	_Atomic uint64_t mapped[FZ_NIDS];
	_Atomic bool stop;
	uint64_t max_calls;	/* 0: no limit */
	struct fz_stats *stats;
};

/* A worker's private state: its generator and scratch input buffers. */
struct fz_worker {
	struct fz *fz;
	uint64_t rng;
	/*
	 * This call's arguments may be anything (else they are valid-ish:
	 * known IDs, mapped ranges, aligned values, pointers to the arena).
	 */
	bool wild;
	/* The slot of fds[] this call goes to (the ID's, if it picked one). */
	unsigned int slot;
	/* CLOCK_MONOTONIC nanoseconds when fz_work() stops. */
	uint64_t until;
	/* Vectors and bitmaps built valid-ish for input, never unmapped. */
	union {
		uint64_t words[1024];
		struct iodirty_map_vec_seg map_segs[256];
		struct iodirty_dma_vec dma_segs[341];
		/* Unmap segments and dirty extents: (start, length) pairs. */
		__u64 pairs[512][2];
	} scratch;
	/* A page the worker makes read-only or inaccessible for arguments. */
	uint8_t *argpage;
};

uint64_t fz_rand(uint64_t *s);
/* Uniform in [0, n); n > 0. */
uint64_t fz_below(uint64_t *s, uint64_t n);
/* True with probability 1/n. */
bool fz_one_in(uint64_t *s, uint64_t n);

/* A kernel address: every pointer field must refuse it with EFAULT. */
#define FZ_KERNEL_PTR 0xffff888000100000ULL

/*
 * Argument values (fuzz_pick.c), valid-ish unless w->wild. An IOAS ID,
 * a range picked with @ioas, and a hold send the call to the fd they came
 * from (w->slot).
 */
uint32_t fz_pick_ioas(struct fz_worker *w);
uint64_t fz_pick_iova(struct fz_worker *w);
uint64_t fz_pick_len(struct fz_worker *w);
uint64_t fz_pick_page_size(struct fz_worker *w);
/* Mostly part of a mapped range; @ioas may be NULL. */
void fz_pick_range(struct fz_worker *w, __u32 *ioas, __u64 *iova, __u64 *len);
void fz_align_range(struct fz_worker *w, __u64 *iova, __u64 *len,
		    uint64_t page_size);
/* User memory the kernel pins, reads or writes as data. */
uint64_t fz_pick_uva(struct fz_worker *w);
/* Where the kernel writes an array or a bitmap. */
uint64_t fz_pick_out(struct fz_worker *w);
/* Where the kernel reads an array from; @valid holds a valid-ish one. */
uint64_t fz_pick_in(struct fz_worker *w, const void *valid);
uint64_t fz_pick_count(struct fz_worker *w, uint64_t few);
uint32_t fz_map_flags(struct fz_worker *w);
uint32_t fz_some_flags(struct fz_worker *w, unsigned int nbits);
/* Fill w->scratch with @n entries (at most what fits). */
void fz_fill_map_segs(struct fz_worker *w, uint64_t n);
void fz_fill_ranges(struct fz_worker *w, uint64_t n);
void fz_fill_dma_segs(struct fz_worker *w, uint64_t n);
void fz_fill_bits(struct fz_worker *w);

/* Issues one random ioctl. */
void fz_call(struct fz_worker *w);
/* Name of command slot @c, for the summary. */
const char *fz_cmd_name(unsigned int c);

/* The worker loop: calls until fz->stop, w->until or the call budget. */
void fz_work(struct fz_worker *w);

/* The memory thread and the fd thread; arg is a struct fz_worker. */
void *fz_mem_chaos(void *arg);
void *fz_fd_chaos(void *arg);

#endif /* IODIRTY_TESTS_UAPI_FUZZ_UAPI_H */
