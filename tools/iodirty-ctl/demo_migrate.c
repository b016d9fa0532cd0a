// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: the migration, pre-copy style, run by the main thread
 * while the device threads keep writing.
 *
 * Pass 0 copies all of the RAM to the destination. Every later pass reads
 * and clears the pages dirtied since the previous read, in RAM space with
 * iodirty_read_dirty_uaddr() (so writes through the alias and through the
 * halves land in one bitmap), and copies exactly those pages again. Once
 * the estimated stop-and-copy time of the pages just harvested meets the
 * downtime target, or after --max-passes passes, the device is stopped
 * (its threads joined), a last read picks up what it wrote meanwhile, and
 * the stop-and-copy sends the rest.
 *
 * The copy goes through a "link" of --bandwidth MiB/s, as a migration
 * stream would: the copy sleeps when it gets ahead of it.
 *
 * With --inject-failure (a testing aid), pass 1 fails half-way through its
 * copy: the pages it harvested but did not send are put back with
 * iodirty_set_dirty(), and the pass is tried again, harvesting them anew
 * with whatever was dirtied since.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "demo.h"

/* Largest piece copied between looks at the clock. */
#define CHUNK		((uint64_t)256 << 10)
/* Sleep only when this far ahead of the link. */
#define LINK_SLACK_NS	500000.0
/* A pass that copies less leaves the bandwidth estimate as it was: a few
 * pages copied in a few microseconds say little about the next pass. */
#define MIN_BW_SAMPLE	DEMO_MIB

/* Copy state of one pass. */
struct copy {
	struct demo_pass *p;
	uint64_t start_ns;	/* when copying began */
	uint64_t total;		/* bytes this pass will copy */
	double ns_per_byte;	/* of the link; 0: unlimited */
};

/* Waits until the link has carried what was copied; @all: to the byte. */
static void link_wait(struct copy *c, bool all)
{
	double due, now;

	if (!c->ns_per_byte)
		return;
	due = (double)c->start_ns + (double)c->p->copied * c->ns_per_byte;
	now = (double)demo_now_ns();
	if (due > now + (all ? 0 : LINK_SLACK_NS))
		demo_sleep_ns((uint64_t)(due - now));
}

/* Copies RAM [off, off + len) to the destination. */
static int copy_run(struct demo *d, struct copy *c, uint64_t off,
		    uint64_t len)
{
	while (len) {
		uint64_t n = len < CHUNK ? len : CHUNK;

		memcpy(d->dst + off, d->ram + off, n);
		c->p->copied += n;
		off += n;
		len -= n;
		link_wait(c, false);
		demo_progress_update(d, c->p, c->p->copied, c->total,
				     c->start_ns);
		/* The device thread's error is reported when it is joined. */
		if (d->sh && atomic_load_explicit(&d->sh->dev_failed,
					      memory_order_relaxed))
			return -ECANCELED;
	}
	return 0;
}

/* Copies every page set in @bm (NULL: all pages), run by run. */
static int copy_pages(struct demo *d, struct demo_pass *p, const uint64_t *bm)
{
	struct copy c = {
		.p = p,
		.start_ns = demo_now_ns(),
		.total = p->dirty_pages * d->pg,
		.ns_per_byte = d->opts->bandwidth ?
			1e9 / ((double)d->opts->bandwidth * DEMO_MIB) : 0,
	};
	int err = 0;

	if (!bm) {
		err = copy_run(d, &c, 0, d->ram_size);
	} else {
		for (uint64_t i = bm_next(bm, d->ram_pages, 0);
		     !err && i < d->ram_pages;) {
			uint64_t j = i + 1;

			while (j < d->ram_pages && bm_test(bm, j))
				j++;
			err = copy_run(d, &c, i * d->pg, (j - i) * d->pg);
			i = bm_next(bm, d->ram_pages, j);
		}
	}
	link_wait(&c, true);
	p->copy_ns = demo_now_ns() - c.start_ns;
	d->copied += p->copied;
	if (!err && (p->copied >= MIN_BW_SAMPLE || d->bw <= 0) && p->copy_ns)
		d->bw = (double)p->copied * 1e9 / (double)p->copy_ns;
	return err;
}

/*
 * Reads and clears the dirty pages of the RAM, OR-ing them into @bm, and
 * checks that the count returned is the number of bits the read set.
 */
static int harvest(struct demo *d, struct demo_pass *p, uint64_t *bm)
{
	uint64_t before = bm_count(bm, d->ram_pages);
	uint64_t t = demo_now_ns();
	int64_t got;

	got = iodirty_read_dirty_uaddr(d->dom, d->ram, d->ram_size, d->pg, bm,
				       0);
	p->harvest_ns += demo_now_ns() - t;
	if (got < 0) {
		ctl_err((int)got, "demo: pass %u: reading the dirty pages of "
			"the RAM", p->n);
		return (int)got;
	}
	p->dirty_pages = bm_count(bm, d->ram_pages);
	if ((uint64_t)got != p->dirty_pages - before)
		d->bad_counts++;
	return 0;
}

/*
 * The device's dirty and DMA rates since the last call, from the domain's
 * convergence counters, into @p (left 0 on the first call, which only
 * takes the base).
 */
static void sample_rates(struct demo *d, struct demo_pass *p)
{
	struct iodirty_stats st = IODIRTY_OPTS(iodirty_stats);
	const struct iodirty_stats *b = &d->rate_base;
	uint64_t dt;

	if (iodirty_domain_stats(d->dom, &st))
		return;
	dt = st.time_ns - b->time_ns;
	if (b->time_ns && dt) {
		p->dirty_rate = (uint64_t)((double)((st.dirtied - b->dirtied) *
						    st.granule) * 1e9 /
					   (double)dt);
		p->dma_rate = (uint64_t)((double)(st.dma_written -
						  b->dma_written) * 1e9 /
					 (double)dt);
	}
	d->rate_base = st;
}

/*
 * --inject-failure: the pass of @bm (just harvested) sends the first half
 * of its pages, then "the link fails": the other half is put back, so
 * that the retry's harvest reports it again. Returns the pages put back
 * in @back (caller-allocated, zeroed).
 */
static int fail_and_put_back(struct demo *d, struct demo_pass *p,
			     uint64_t *bm, uint64_t *back)
{
	uint64_t half = p->dirty_pages / 2, n = 0, i;
	int err;

	for (i = bm_next(bm, d->ram_pages, 0); i < d->ram_pages;
	     i = bm_next(bm, d->ram_pages, i + 1)) {
		if (n++ < half)
			continue;
		bm_unset(bm, i);
		bm_set(back, i);
	}
	p->dirty_pages = half;
	err = copy_pages(d, p, bm);
	if (err)
		return err;
	d->put_back = bm_count(back, d->ram_pages);
	err = iodirty_set_dirty(d->dom, (uint64_t)(uintptr_t)d->ram,
				d->ram_size, d->pg, back, IODIRTY_READ_UADDR);
	if (err) {
		ctl_err(err, "demo: pass %u: putting back the %" PRIu64
			" pages not sent", p->n, d->put_back);
		return err;
	}
	d->failed_pass = true;
	ctl_msg("demo: --inject-failure: pass %u failed after sending %"
		PRIu64 " of its pages; %" PRIu64 " put back, retrying", p->n,
		half, d->put_back);
	return 0;
}

/* The retry of a failed pass harvested every page put back. */
static void check_put_back(struct demo *d, const uint64_t *bm,
			   const uint64_t *back)
{
	for (uint64_t i = bm_next(back, d->ram_pages, 0); i < d->ram_pages;
	     i = bm_next(back, d->ram_pages, i + 1))
		if (!bm_test(bm, i))
			d->put_back_missed++;
}

/* Stop-and-copy time of @pages pages: a harvest like the last one, then
 * the copy at the bandwidth measured so far. */
static uint64_t estimate_ns(const struct demo *d, uint64_t pages,
			    uint64_t harvest_ns)
{
	return harvest_ns + (uint64_t)((double)(pages * d->pg) * 1e9 / d->bw);
}

/* --inject-loss: drops from @bm the first page whose copy is stale, so
 * that exactly one page the migration knew was dirty is never re-sent. */
static void inject_loss(struct demo *d, uint64_t *bm)
{
	for (uint64_t i = bm_next(bm, d->ram_pages, 0); i < d->ram_pages;
	     i = bm_next(bm, d->ram_pages, i + 1)) {
		if (!memcmp(d->ram + i * d->pg, d->dst + i * d->pg, d->pg))
			continue;
		bm_unset(bm, i);
		d->lost = true;
		d->lost_page = i;
		return;
	}
	ctl_msg("demo: --inject-loss: no page of the stop-and-copy is stale; "
		"nothing to lose");
}

/* The device is stopped: from here the guest is paused (downtime). */
static int stop_and_copy(struct demo *d, struct demo_pass *p, uint64_t *bm)
{
	uint64_t t = demo_now_ns(), w0 = p->writes;
	int64_t left;
	int err;

	p->final = true;
	p->harvest_ns = 0;
	err = demo_device_stop(d);
	if (err)
		return err;
	/*
	 * The threads are joined, so every write has returned: this read
	 * reports all that the previous one did not. Its bits join those
	 * still to copy in @bm.
	 */
	err = harvest(d, p, bm);
	if (err)
		return err;
	p->writes = demo_device_writes(d) - w0;
	if (d->opts->inject_loss)
		inject_loss(d, bm);
	err = copy_pages(d, p, bm);
	p->time_ns = demo_now_ns() - t;
	if (err)
		return err;

	/* Nothing can be dirty now: the device is stopped, all was read. */
	bm_clear(bm, d->ram_pages);
	left = iodirty_read_dirty_uaddr(d->dom, d->ram, d->ram_size, d->pg, bm,
					IODIRTY_READ_NO_CLEAR);
	if (left < 0) {
		ctl_err((int)left, "demo: reading what is left dirty");
		return (int)left;
	}
	d->left_dirty = (uint64_t)left;
	demo_progress_done(d, p);
	return 0;
}

/* --inject-failure: fails the pass of @bm, puts back, harvests again. */
static int retry_failed(struct demo *d, struct demo_pass *p, uint64_t *bm)
{
	uint64_t *back = bm_alloc(d->ram_pages);
	int err;

	if (!back) {
		ctl_err(-ENOMEM, "demo: allocating the put-back bitmap");
		return -ENOMEM;
	}
	err = fail_and_put_back(d, p, bm, back);
	if (!err) {
		bm_clear(bm, d->ram_pages);
		err = harvest(d, p, bm);
	}
	if (!err)
		check_put_back(d, bm, back);
	bm_free(back);
	return err;
}

/* Pre-copy passes; returns the pass that becomes the stop-and-copy. */
static int precopy(struct demo *d, uint64_t *bm, struct demo_pass **last)
{
	uint64_t target = d->opts->downtime_ms * 1000000u;
	struct demo_pass *p = &d->passes[0];
	uint64_t t, w;
	int err;

	/* Pass 0: all of the RAM. */
	sample_rates(d, p);
	t = demo_now_ns();
	w = demo_device_writes(d);
	p->dirty_pages = d->ram_pages;
	d->n_passes = 1;
	err = copy_pages(d, p, NULL);
	p->time_ns = demo_now_ns() - t;
	p->writes = demo_device_writes(d) - w;
	if (err)
		return err;
	demo_progress_done(d, p);

	for (unsigned int k = 1;; k++) {
		p = &d->passes[k];
		p->n = k;
		d->n_passes = k + 1;
		t = demo_now_ns();
		w = demo_device_writes(d);
		bm_clear(bm, d->ram_pages);
		err = harvest(d, p, bm);
		if (err)
			return err;
		sample_rates(d, p);
		if (k == 1 && d->opts->inject_failure) {
			err = retry_failed(d, p, bm);
			if (err)
				return err;
		}
		p->est_ns = estimate_ns(d, p->dirty_pages, p->harvest_ns);
		if (p->est_ns <= target || k >= d->opts->max_passes) {
			d->stop_reason = p->est_ns <= target ?
				DEMO_STOP_TARGET : DEMO_STOP_MAX_PASSES;
			/* Device writes from here on count for the stop. */
			p->writes = w;
			*last = p;
			return 0;
		}
		err = copy_pages(d, p, bm);
		p->time_ns = demo_now_ns() - t;
		p->writes = demo_device_writes(d) - w;
		if (err)
			return err;
		demo_progress_done(d, p);
	}
}

int demo_migrate(struct demo *d)
{
	uint64_t *bm = bm_alloc(d->ram_pages);
	struct demo_pass *last = NULL;
	uint64_t t = demo_now_ns();
	int err;

	d->passes = calloc(d->opts->max_passes + 1, sizeof(*d->passes));
	if (!bm || !d->passes) {
		ctl_err(-ENOMEM, "demo: allocating the dirty bitmap");
		bm_free(bm);
		return -ENOMEM;
	}
	demo_progress_header(d);

	/*
	 * Tracking starts before pass 0 reads the first byte of RAM. A
	 * write that lands after pass 0 copied its page must be in a later
	 * harvest, and only writes done while tracking is on are recorded:
	 * started any later, the writes between pass 0's copy of a page and
	 * the start would be lost, the destination left stale. Writes done
	 * before the start need no record: pass 0 copies them. A write that
	 * races with the start is one or the other, since starting tracking
	 * serialises with every DMA call on the domain. (The device already
	 * runs, as a guest's would when its migration begins.)
	 */
	err = iodirty_set_dirty_tracking(d->dom, true);
	if (err) {
		ctl_err(err, "demo: starting dirty tracking");
		goto out;
	}
	err = precopy(d, bm, &last);
	if (!err)
		err = stop_and_copy(d, last, bm);
	d->migrate_ns = demo_now_ns() - t;
	if (err)
		goto out;
	demo_check(d, d->bad_counts == 0, "each of the %u harvests returned "
		   "the number of pages it reported", d->n_passes);
	demo_check(d, d->left_dirty == 0, "no page is dirty after the final "
		   "harvest (%" PRIu64 ")", d->left_dirty);
	if (d->failed_pass)
		demo_check(d, d->put_back_missed == 0, "the retry of the "
			   "failed pass harvested all %" PRIu64 " pages put "
			   "back (%" PRIu64 " missed)", d->put_back,
			   d->put_back_missed);
out:
	if (err == -ECANCELED) {
		/* A device write failed: joining reports it. */
		int dev_err = demo_device_stop(d);

		err = dev_err ? dev_err : err;
	}
	bm_free(bm);
	return err;
}
