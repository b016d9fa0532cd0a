// SPDX-License-Identifier: MIT
/*
 * Case "map-latency": iodirty_map() + iodirty_unmap() of 4 KiB, paced
 * (one pair every 200 us, at absolute deadlines), while 2 threads call
 * iodirty_dma_write() at full speed into another mapping of the same
 * domain (tracking on). Each writer writes 8 bytes at offset 0 of the
 * pages of its half of a 64 MiB read-write mapping in turn (written once
 * before timing), and records the longest gap between two consecutive
 * completed writes (CLOCK_MONOTONIC after each write). The pairs map a
 * page of a separate 64 KiB buffer at one of 256 IOVAs far from the
 * writers' mapping and unmap it again (plain unmap).
 *
 * Rounds (7; --quick 3), each of three phases, in this order:
 *   writers alone for as long as a paced phase lasts (writers' baseline),
 *   the paced pairs alone, 1,500 pairs (the pairs' baseline: idle),
 *   the paced pairs with the 2 writers, 1,500 pairs.
 * The figures are over all rounds: percentiles of every pair's latency,
 * the longest gap of any writer. On a 2-core machine the pacer shares the
 * cores with the 2 writers, so scheduling is part of what is measured.
 * Targets (idle machine): pair p99 <= 50 us, pair max <= 5 ms, and the
 * writers' longest gap <= 5 ms.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define ML_WIOVA (1 * TiB)		/* writers' mapping */
#define ML_WSIZE (64 * MiB)
#define ML_PIOVA (2 * TiB)		/* the paced pairs' IOVAs */
#define ML_SLOTS 256
#define ML_PERIOD_NS 200000ULL

struct ml_bench {
	struct bench_dom bd;
	char *ubuf;			/* the pairs' user pages */
	atomic_bool stop;
	pthread_barrier_t bar;
	/* per phase, per writer */
	uint64_t max_gap[2];
	uint64_t writes[2];
	uint64_t ns[2];
	_Atomic uint64_t errors;
};

struct ml_writer {
	struct ml_bench *b;
	unsigned int id;
};

static void *ml_writer(void *arg)
{
	struct ml_writer *w = arg;
	struct ml_bench *b = w->b;
	uint64_t npages = ML_WSIZE / PAGE / 2, page = 0, n = 0, err = 0;
	uint64_t base = ML_WIOVA + w->id * (ML_WSIZE / 2);
	uint64_t val = 0x7700 + w->id, prev, t, start, max_gap = 0;

	pthread_barrier_wait(&b->bar);
	start = prev = now_ns();
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		err += iodirty_dma_write(b->bd.dom, base + page * PAGE, &val,
					 8) != 0;
		t = now_ns();
		if (t - prev > max_gap)
			max_gap = t - prev;
		prev = t;
		n++;
		if (++page == npages)
			page = 0;
	}
	b->max_gap[w->id] = max_gap;
	b->writes[w->id] = n;
	b->ns[w->id] = prev - start;
	atomic_fetch_add(&b->errors, err);
	return NULL;
}

/* @n paced pairs, their latencies (ns) into @lat. */
static void ml_pace(struct ml_bench *b, uint64_t *lat, unsigned int n,
		    unsigned int *slot)
{
	uint64_t deadline = now_ns();
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t iova = ML_PIOVA + (uint64_t)*slot * 2 * PAGE;
		char *u = b->ubuf + (*slot % 16) * PAGE;
		uint64_t t0, t1, now;

		deadline += ML_PERIOD_NS;
		now = now_ns();
		if (now > deadline + ML_PERIOD_NS)
			deadline = now;	/* late: no burst to catch up */
		sleep_until_ns(deadline);
		t0 = now_ns();
		check(iodirty_map(b->bd.dom, iova, u, PAGE,
				  IODIRTY_MAP_READ | IODIRTY_MAP_WRITE),
		      "map (paced)");
		check(iodirty_unmap(b->bd.dom, iova, PAGE, NULL),
		      "unmap (paced)");
		t1 = now_ns();
		lat[i] = t1 - t0;
		*slot = (*slot + 1) % ML_SLOTS;
	}
}

struct ml_phase {
	uint64_t max_gap;	/* over writers */
	double writes_per_s;	/* both writers */
};

/* Writers for the phase; pairs into @lat unless @n is 0 (then @sleep_ns). */
static void ml_phase(struct ml_bench *b, bool writers, uint64_t *lat,
		     unsigned int n, uint64_t sleep_ns, unsigned int *slot,
		     struct ml_phase *out)
{
	struct ml_writer w[2];
	pthread_t th[2];
	unsigned int i;

	if (writers) {
		atomic_store(&b->stop, false);
		if (pthread_barrier_init(&b->bar, NULL, 3))
			die("pthread_barrier_init");
		for (i = 0; i < 2; i++) {
			w[i].b = b;
			w[i].id = i;
			if (pthread_create(&th[i], NULL, ml_writer, &w[i]))
				die("pthread_create");
		}
		pthread_barrier_wait(&b->bar);
	}
	if (n)
		ml_pace(b, lat, n, slot);
	else
		sleep_until_ns(now_ns() + sleep_ns);
	if (writers) {
		atomic_store(&b->stop, true);
		for (i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&b->bar);
		out->max_gap = b->max_gap[0] > b->max_gap[1] ? b->max_gap[0] :
			       b->max_gap[1];
		out->writes_per_s = 0;
		for (i = 0; i < 2; i++)
			if (b->ns[i])
				out->writes_per_s += (double)b->writes[i] *
						     1e9 / (double)b->ns[i];
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *sorted, size_t n, unsigned int p)
{
	size_t i = n * p / 100;

	return (double)sorted[i < n ? i : n - 1];
}

void case_map_latency(void)
{
	struct ml_bench *b = calloc(1, sizeof(*b));
	unsigned int rounds = bench.quick ? 3 : 7;
	unsigned int per = bench.quick ? 300 : 1500, r, slot = 0;
	size_t n = (size_t)rounds * per;
	uint64_t *idle = malloc(n * sizeof(uint64_t));
	uint64_t *load = malloc(n * sizeof(uint64_t));
	uint64_t gap_alone = 0, gap_load = 0;
	double wps_alone = 0, wps_load = 0, load0 = loadavg1();
	struct row row;

	if (!b || !idle || !load)
		die("out of memory");
	b->ubuf = mem_alloc(16 * PAGE);
	dom_open_rw(&b->bd, ML_WIOVA, ML_WSIZE, 0, ML_WSIZE);

	report_case("map-latency", "paced 4 KiB map+unmap (every 200 us) "
		    "while 2 threads iodirty_dma_write another mapping");
	for (r = 0; r < rounds; r++) {
		struct ml_phase p;

		ml_phase(b, true, NULL, 0, per * ML_PERIOD_NS, &slot, &p);
		if (p.max_gap > gap_alone)
			gap_alone = p.max_gap;
		wps_alone += p.writes_per_s / rounds;
		ml_phase(b, false, idle + (size_t)r * per, per, 0, &slot, &p);
		ml_phase(b, true, load + (size_t)r * per, per, 0, &slot, &p);
		if (p.max_gap > gap_load)
			gap_load = p.max_gap;
		wps_load += p.writes_per_s / rounds;
	}
	if (atomic_load(&b->errors))
		die("map-latency: %llu failed writes",
		    (unsigned long long)atomic_load(&b->errors));
	qsort(idle, n, sizeof(*idle), cmp_u64);
	qsort(load, n, sizeof(*load), cmp_u64);

	row = (struct row){ .bcase = "map-latency",
			    .variant = "map+unmap p50, 2 writers",
			    .per = "pair" };
	row.ns = pct(load, n, 50);
	row_base(&row, "p50 without writers", pct(idle, n, 50));
	row_extra(&row, "pairs", (double)n);
	row_extra(&row, "period us", ML_PERIOD_NS / 1e3);
	row_extra(&row, "loadavg at start", load0);
	report_row(&row);

	row = (struct row){ .bcase = "map-latency",
			    .variant = "map+unmap p99, 2 writers",
			    .per = "pair" };
	row.ns = pct(load, n, 99);
	row_base(&row, "p99 without writers", pct(idle, n, 99));
	row_target(&row, "p99", row.ns / 1e3, false, 50, " us");
	report_row(&row);

	row = (struct row){ .bcase = "map-latency",
			    .variant = "map+unmap max, 2 writers",
			    .per = "pair" };
	row.ns = (double)load[n - 1];
	row_base(&row, "max without writers", (double)idle[n - 1]);
	row_target(&row, "max", row.ns / 1e6, false, 5, " ms");
	report_row(&row);

	row = (struct row){ .bcase = "map-latency",
			    .variant = "DMA writer longest gap, with pairs",
			    .per = "gap" };
	row.ns = (double)gap_load;
	row_base(&row, "longest gap, writers alone", (double)gap_alone);
	row_extra(&row, "writes/s with pairs", wps_load);
	row_extra(&row, "writes/s alone", wps_alone);
	row_target(&row, "longest gap", row.ns / 1e6, false, 5, " ms");
	report_row(&row);

	dom_close(&b->bd);
	mem_free(b->ubuf, 16 * PAGE);
	free(idle);
	free(load);
	free(b);
}
