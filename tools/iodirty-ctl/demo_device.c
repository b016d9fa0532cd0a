// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: the emulated device.
 *
 * Each thread is a DMA queue of the device. It writes random bytes at
 * random places of the RAM with iodirty_dma_write(), through whichever
 * IOVA range maps the place (the alias or a half, at random where both
 * do), until it is told to stop. Most writes stay inside a page; one in
 * SPAN_ONE_IN runs over into the next page or two, as a block transfer
 * would. A hot set of pages receives most of the writes, as the buffers
 * of a real device do: this is what makes pre-copy converge, since the
 * pages that keep being dirtied are few and get cheap to re-send.
 *
 * With --device-process the threads run in a child process, as a
 * vhost-user or vfio-user device would: half the writes are a copy into
 * the shared RAM through the device's own pointer, then a mark through
 * the log the VMM exported for the IOVA range written; the other half go
 * through that log's handle, which translates by the VMM's mapping table,
 * copies and marks (demo_process.c).
 *
 * The seed fixes each thread's sequence of writes; how many of them land
 * before each harvest depends on timing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "demo.h"

#define PAGE		((uint64_t)IODIRTY_PAGE_SIZE)
/* Writes take their data from a pool this large (>= the longest write). */
#define POOL_SIZE	(4 * PAGE)
/* Longest write that stays inside a page. */
#define SMALL_MAX	1024
#define SPAN_ONE_IN	8
/* The rate limit looks at the clock every so many writes... */
#define CLOCK_EVERY	16
/* ...sleeps once a thread is this far ahead of its rate... */
#define AHEAD_NS	1000000u
/* ...and forgets a lag beyond this, so a thread that was starved of CPU
 * does not catch up in one burst. */
#define BEHIND_NS	10000000u

__extension__ typedef unsigned __int128 u128;

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * The hot set is hot_pages pages spread over the whole RAM (both halves
 * and the alias): hot page h is page (h * step + phase) mod n, with step
 * coprime to n so that distinct h give distinct pages.
 */
static void choose_hot_set(struct demo *d)
{
	uint64_t n = d->ram_size / PAGE;
	struct prng rng;
	uint64_t step;

	prng_seed(&rng, d->opts->seed ^ 0x486f742073657421ULL);
	d->hot_pages = (uint64_t)((u128)n * d->opts->hot_bp / 10000);
	if (!d->hot_pages && d->opts->hot_bp)
		d->hot_pages = 1;
	/* About n / golden ratio: neighbours in h land far apart. */
	step = (uint64_t)(((u128)n * 0x9e3779b9u) >> 32) | 1;
	while (step < n && gcd(step, n) != 1)
		step++;
	d->hot_step = step < n ? step : 1;
	d->hot_phase = prng_below(&rng, n);
}

static uint64_t pick_page(struct demo_thread *t)
{
	const struct demo *d = t->d;
	uint64_t n = d->ram_size / PAGE;

	if (d->hot_pages &&
	    prng_below(&t->rng, 10000) < d->opts->hot_share_bp) {
		uint64_t h = prng_below(&t->rng, d->hot_pages);

		return (uint64_t)(((u128)h * d->hot_step + d->hot_phase) % n);
	}
	return prng_below(&t->rng, n);
}

/* A run that maps RAM offset @off, picked at random; NULL in the hole. */
static const struct demo_seg *pick_seg(struct demo_thread *t, uint64_t off)
{
	const struct demo *d = t->d;
	const struct demo_seg *c[DEMO_MAX_SEGS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->n_segs; i++)
		if (off >= d->segs[i].ram_off &&
		    off - d->segs[i].ram_off < d->segs[i].len)
			c[n++] = &d->segs[i];
	if (n <= 1)
		return n ? c[0] : NULL;
	return c[prng_below(&t->rng, n)];
}

/* One DMA write; returns its length, or 0 after an error (in t->err). */
static uint64_t device_write(struct demo_thread *t)
{
	const struct demo_seg *s;
	uint64_t page, in, len, pos;
	const uint8_t *src;
	int err;

	do {
		page = pick_page(t);
		s = pick_seg(t, page * PAGE);
	} while (!s);	/* the hole: no IOVA reaches it */
	in = prng_below(&t->rng, PAGE);
	if (prng_below(&t->rng, SPAN_ONE_IN) == 0) {
		len = PAGE - in + 1 + prng_below(&t->rng, 2 * PAGE);
	} else {
		uint64_t max = PAGE - in < SMALL_MAX ? PAGE - in : SMALL_MAX;

		len = 1 + prng_below(&t->rng, max);
	}
	/* Stay inside the run: past its end lies the hole or another one. */
	pos = page * PAGE + in - s->ram_off;
	if (len > s->len - pos)
		len = s->len - pos;
	src = t->pool + prng_below(&t->rng, POOL_SIZE - len + 1);
	/* Keep the pool changing, so no write repeats an earlier one. */
	memcpy(t->pool + prng_below(&t->rng, POOL_SIZE / 8) * 8,
	       &(uint64_t){ prng_next(&t->rng) }, 8);

	if (t->d->opts->device_process && prng_below(&t->rng, 2)) {
		/* Through the log's handle: the VMM's table translates. */
		err = iodirty_dma_write(t->d->dev_logs[s->map], s->iova + pos,
					src, len);
	} else if (t->d->opts->device_process) {
		/* The device's own pointer: the VMM sees nothing of it. */
		memcpy(t->d->ram + s->ram_off + pos, src, len);
		err = iodirty_mark_dirty(t->d->dev_logs[s->map], s->iova + pos,
					 len);
	} else {
		err = iodirty_dma_write(t->d->dom, s->iova + pos, src, len);
	}
	if (err) {
		t->err = err;
		t->err_iova = s->iova + pos;
		t->err_len = len;
		return 0;
	}
	t->via_alias += s->map == DEMO_MAP_ALIAS;
	t->spanning += in + len > PAGE;
	return len;
}

static void *device_main(void *arg)
{
	struct demo_thread *t = arg;
	struct demo *d = t->d;
	double rate = (double)d->opts->rate * DEMO_MIB / d->n_threads;
	double ns_per_byte = rate > 0 ? 1e9 / rate : 0;
	uint64_t t0 = demo_now_ns(), writes = 0, bytes = 0, unpaid = 0;
	double vt = 0;	/* ns after t0 when the bytes written are due */

	while (!atomic_load_explicit(&d->sh->stop, memory_order_relaxed)) {
		uint64_t len = device_write(t);
		double now;

		if (!len) {
			atomic_store(&d->sh->dev_failed, true);
			break;
		}
		/* Plain stores: only this thread writes its counters. */
		atomic_store_explicit(&t->writes, ++writes,
				      memory_order_relaxed);
		atomic_store_explicit(&t->bytes, bytes += len,
				      memory_order_relaxed);
		unpaid += len;
		if (!rate || writes % CLOCK_EVERY)
			continue;
		vt += (double)unpaid * ns_per_byte;
		unpaid = 0;
		now = (double)(demo_now_ns() - t0);
		if (vt < now - BEHIND_NS)
			vt = now - BEHIND_NS;
		else if (vt > now + AHEAD_NS)
			demo_sleep_ns((uint64_t)(vt - now));
	}
	return NULL;
}

int demo_threads_start(struct demo *d)
{
	int err;

	for (unsigned int i = 0; i < d->n_threads; i++) {
		struct demo_thread *t = &d->threads[i];

		t->d = d;
		t->idx = i;
		prng_seed(&t->rng, d->opts->seed + 0x9e3779b97f4a7c15ULL * (i + 1));
		t->pool = malloc(POOL_SIZE);
		if (!t->pool) {
			ctl_err(-ENOMEM, "demo: allocating device buffers");
			return -ENOMEM;
		}
		for (uint64_t b = 0; b < POOL_SIZE; b += 8)
			memcpy(t->pool + b, &(uint64_t){ prng_next(&t->rng) }, 8);
		err = pthread_create(&t->tid, NULL, device_main, t);
		if (err) {
			ctl_err(-err, "demo: starting device thread %u", i);
			return -err;
		}
		t->started = true;
	}
	return 0;
}

int demo_device_start(struct demo *d)
{
	size_t len;

	choose_hot_set(d);
	d->n_threads = d->opts->threads;
	len = sizeof(*d->sh) + d->n_threads * sizeof(d->sh->threads[0]);
	d->sh = mmap(NULL, len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (d->sh == MAP_FAILED) {
		d->sh = NULL;
		ctl_err(-ENOMEM, "demo: allocating the device threads");
		return -ENOMEM;
	}
	atomic_init(&d->sh->stop, false);
	atomic_init(&d->sh->dev_failed, false);
	d->threads = d->sh->threads;
	if (d->opts->device_process)
		return demo_process_start(d);
	return demo_threads_start(d);
}

int demo_threads_join(struct demo *d)
{
	int first = 0;

	for (unsigned int i = 0; i < d->n_threads; i++) {
		struct demo_thread *t = &d->threads[i];

		if (t->started)
			pthread_join(t->tid, NULL);
		t->started = false;
		free(t->pool);
		t->pool = NULL;
		if (t->err && !first)
			first = t->err;
	}
	return first;
}

int demo_device_stop(struct demo *d)
{
	int first = 0;

	if (!d->sh)
		return 0;
	atomic_store(&d->sh->stop, true);
	if (d->opts->device_process)
		first = demo_process_stop(d);
	else
		demo_threads_join(d);
	for (unsigned int i = 0; i < d->n_threads; i++) {
		struct demo_thread *t = &d->threads[i];

		d->dev_writes += atomic_load(&t->writes);
		d->dev_bytes += atomic_load(&t->bytes);
		d->dev_via_alias += t->via_alias;
		d->dev_spanning += t->spanning;
		if (t->err) {
			ctl_err(t->err, "demo: device thread %u: %s of %"
				PRIu64 " bytes at IOVA 0x%" PRIx64, i,
				d->opts->device_process ? "mark" :
				"DMA write", t->err_len, t->err_iova);
			if (!first)
				first = t->err;
		}
	}
	munmap(d->sh, sizeof(*d->sh) +
		      d->n_threads * sizeof(d->sh->threads[0]));
	d->sh = NULL;
	d->threads = NULL;
	return first;
}

uint64_t demo_device_writes(struct demo *d)
{
	uint64_t n = d->dev_writes;

	for (unsigned int i = 0; d->threads && i < d->n_threads; i++)
		n += atomic_load_explicit(&d->threads[i].writes,
					  memory_order_relaxed);
	return n;
}
