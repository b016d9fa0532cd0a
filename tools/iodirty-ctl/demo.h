// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: a live migration (pre-copy) of guest RAM while an
 * emulated device writes into it by DMA.
 *
 * The steps, in the order cmd_demo.c runs them: set up RAM, a domain and
 * its IO address space (demo_setup.c, demo_layout.c), start the device
 * threads (demo_device.c), migrate the RAM to a destination buffer pass by
 * pass, harvesting the pages the device dirtied (demo_migrate.c, which
 * prints a line per pass through demo_progress.c), verify the destination
 * (demo_verify.c) and report (demo_report.c). Each step records its
 * results in struct demo and its verdicts with demo_check().
 *
 * Only the public API is used, and what the demo needs is checked against
 * the backend's capabilities, so it runs on any backend that has them.
 */
#ifndef IODIRTY_CTL_DEMO_H
#define IODIRTY_CTL_DEMO_H

#include <pthread.h>
#include <stdalign.h>
#include <sys/types.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <libiodirty/iodirty.h>

#include "ctl.h"
#include "output.h"
#include "prng.h"

#define DEMO_MIB		((uint64_t)1 << 20)
#define DEMO_GIB		((uint64_t)1 << 30)
/* Smallest RAM: room for two halves, an alias and a hole apart from it. */
#define DEMO_MIN_RAM		(2 * DEMO_MIB)
/* Size of the hole punched into the low half's mapping. */
#define DEMO_HOLE_SIZE		((uint64_t)IODIRTY_PAGE_SIZE)
#define DEMO_MAX_THREADS	64
#define DEMO_MAX_PASSES_LIMIT	1000
#define DEMO_MAX_CHECKS		16

struct demo_opts {
	uint64_t ram_size;	/* bytes, multiple of IODIRTY_PAGE_SIZE */
	unsigned int threads;	/* device threads */
	uint64_t rate;		/* device writes, MiB/s in total; 0: no limit */
	uint64_t bandwidth;	/* migration link, MiB/s; 0: no limit */
	uint32_t hot_bp;	/* hot set, in 1/100 % of the RAM pages */
	uint32_t hot_share_bp;	/* share of the writes that go to it */
	uint64_t downtime_ms;	/* target of the stop-and-copy */
	unsigned int max_passes;	/* pre-copy passes, pass 0 included */
	uint64_t seed;
	bool json;
	bool inject_loss;	/* testing: lose one page in the stop-and-copy */
	bool inject_failure;	/* testing: pass 1 fails after harvesting */
	bool device_process;	/* the device runs in a child process */
};

/* The three IOVA ranges that map the RAM. */
enum demo_map_id {
	DEMO_MAP_LOW,		/* the first half of the RAM */
	DEMO_MAP_HIGH,		/* the second half, far away in IOVA space */
	DEMO_MAP_ALIAS,		/* the middle of the RAM, across the halves */
	DEMO_N_MAPS,
};

struct demo_map {
	const char *name;
	uint64_t iova;
	uint64_t ram_off;
	uint64_t len;
};

/* A run of pages a device can reach: a mapping, or a part of one that
 * ends at the hole. */
struct demo_seg {
	uint64_t iova;
	uint64_t ram_off;
	uint64_t len;
	enum demo_map_id map;
};

#define DEMO_MAX_SEGS	(DEMO_N_MAPS + 1)

/* One device thread. Own cache lines: the counters change at every write. */
struct demo_thread {
	alignas(64) struct demo *d;
	pthread_t tid;
	unsigned int idx;
	bool started;
	struct prng rng;
	uint8_t *pool;		/* random bytes the writes take data from */
	/* Read by the main thread while the device runs. */
	atomic_uint_fast64_t writes;
	atomic_uint_fast64_t bytes;
	uint64_t via_alias;	/* writes through the alias IOVA range */
	uint64_t spanning;	/* writes that cross a page boundary */
	/* The first failed write, when err is not 0. */
	int err;
	uint64_t err_iova;
	uint64_t err_len;
};

struct demo_shared {
	atomic_bool stop;	/* asks the device threads to stop */
	atomic_bool dev_failed;	/* a device thread hit an error */
	struct demo_thread threads[];
};

enum demo_stop_reason {
	DEMO_STOP_TARGET,	/* the estimated downtime met the target */
	DEMO_STOP_MAX_PASSES,	/* --max-passes pre-copy passes were done */
};

/* One migration pass: a pre-copy pass or the final stop-and-copy. */
struct demo_pass {
	unsigned int n;
	bool final;		/* the stop-and-copy, device stopped */
	uint64_t dirty_pages;	/* pages to copy (pass 0: all of them) */
	uint64_t copied;	/* bytes copied */
	uint64_t harvest_ns;	/* reading (and clearing) the dirty pages */
	uint64_t copy_ns;
	uint64_t time_ns;	/* the whole pass; stop-and-copy: downtime */
	uint64_t est_ns;	/* downtime estimated when the pass began, had
				 * the device been stopped then; 0: unknown */
	uint64_t writes;	/* device writes while the pass ran */
	/* From iodirty_stats between this pass's harvest and the one
	 * before (pass 0: its start), bytes/s; 0 for pass 0. */
	uint64_t dirty_rate;	/* memory dirtied (stats.dirtied) */
	uint64_t dma_rate;	/* written by DMA (stats.dma_written) */
};

struct demo_check {
	char what[96];
	bool ok;
	bool setup;		/* done before the migration */
};

/* Live or plain lines of the pass table (demo_progress.c). */
struct demo_progress {
	bool on;		/* print at all (not with --json) */
	bool live;		/* stdout is a terminal: redraw in place */
	bool bar;		/* ...with a bar, if the line fits */
	uint64_t last_ns;	/* last redraw */
};

struct demo {
	const struct demo_opts *opts;
	const struct ctl_global *g;
	uint64_t t_start;

	struct iodirty_ctx *ctx;
	struct iodirty_caps caps;
	struct iodirty_domain *dom;

	/* Report page: the unit of harvests and copies. At least the
	 * domain's dirty granule, which is what a read can report. */
	uint64_t pg;

	/* Guest RAM and the migration destination; *_map is the mmap. */
	uint8_t *ram, *dst;
	void *ram_map, *dst_map;
	uint64_t map_len;
	uint64_t ram_size;
	uint64_t ram_pages;	/* report pages */

	/* IO address space layout (demo_layout.c). */
	struct demo_map maps[DEMO_N_MAPS];
	uint64_t hole_iova, hole_off;
	struct demo_seg segs[DEMO_MAX_SEGS];
	unsigned int n_segs;

	/* Hot set: hot page h is 4K page (h * hot_step + hot_phase) % n. */
	uint64_t hot_pages, hot_step, hot_phase;

	/*
	 * Device (demo_device.c). The threads and the flags live in shared
	 * memory, so a device in a child process (demo_process.c) reports
	 * through them as its threads would.
	 */
	struct demo_shared *sh;
	struct demo_thread *threads;	/* sh->threads */
	unsigned int n_threads;
	uint64_t dev_writes, dev_bytes, dev_via_alias, dev_spanning;
	/* --device-process: one log per IOVA range, the child's handles. */
	struct iodirty_log *logs[DEMO_N_MAPS];
	struct iodirty_domain *dev_logs[DEMO_N_MAPS];
	pid_t dev_pid;

	/* Migration (demo_migrate.c). */
	struct demo_progress progress;
	struct demo_pass *passes;
	unsigned int n_passes;
	enum demo_stop_reason stop_reason;
	double bw;		/* copy bandwidth estimate, bytes/s */
	struct iodirty_stats rate_base;	/* counters at the last harvest */
	uint64_t copied;	/* bytes copied in all passes */
	uint64_t bad_counts;	/* reads whose return value was not the
				 * number of bits they set */
	uint64_t left_dirty;	/* pages reported after the final harvest */
	bool lost;		/* --inject-loss skipped lost_page */
	uint64_t lost_page;
	bool failed_pass;	/* --inject-failure: pass 1 failed, retried */
	uint64_t put_back;	/* pages harvested, not sent, put back */
	uint64_t put_back_missed; /* of those, not in the retry's harvest */

	/* Verification (demo_verify.c). */
	bool verified;
	uint64_t diff_off;	/* first differing byte */
	uint64_t diff_pages;	/* report pages that differ */

	uint64_t setup_ns, migrate_ns, verify_ns, total_ns;
	struct iodirty_stats stats;

	struct demo_check checks[DEMO_MAX_CHECKS];
	unsigned int n_checks;
	bool setup_done;	/* later checks are not setup checks */
};

static inline uint64_t demo_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps @ns nanoseconds (interrupted sleeps are not resumed). */
void demo_sleep_ns(uint64_t ns);

/*
 * Records a verdict. A failed one is also printed to stderr at once.
 * Returns @ok.
 */
bool demo_check(struct demo *d, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool demo_passed(const struct demo *d);

/* demo_layout.c */
int demo_layout(struct demo *d);
/* Writes where RAM offset @off is mapped ("IOVA 0x... (low half), ..."). */
const char *demo_where(const struct demo *d, uint64_t off, char *buf,
		       size_t len);

/* demo_setup.c: each returns 0 or a negative errno (already reported). */
int demo_setup(struct demo *d);
int demo_read_stats(struct demo *d);
void demo_teardown(struct demo *d);

/* demo_device.c */
int demo_device_start(struct demo *d);
/* Starts the threads of d->threads, in this process. */
int demo_threads_start(struct demo *d);
/* Joins them; returns the first write error, if any. */
int demo_threads_join(struct demo *d);
/* Stops and joins the threads; returns the first write error, if any. */
int demo_device_stop(struct demo *d);
uint64_t demo_device_writes(struct demo *d);

/* demo_process.c: the device in a child process, marking through logs. */
int demo_process_start(struct demo *d);
/* Waits for it, then revokes the logs (which keeps what it marked). */
int demo_process_stop(struct demo *d);

/* demo_migrate.c */
int demo_migrate(struct demo *d);

/* demo_verify.c */
void demo_verify(struct demo *d);

/* demo_progress.c */
void demo_progress_init(struct demo *d);
void demo_progress_header(struct demo *d);
void demo_progress_update(struct demo *d, const struct demo_pass *p,
			  uint64_t done, uint64_t total, uint64_t start_ns);
void demo_progress_done(struct demo *d, const struct demo_pass *p);

/* demo_report.c */
void demo_report_intro(const struct demo *d);
void demo_report_text(const struct demo *d);
void demo_report_json(const struct demo *d);

#endif /* IODIRTY_CTL_DEMO_H */
