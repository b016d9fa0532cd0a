// SPDX-License-Identifier: MIT
/*
 * Case "dma": iodirty_dma_write() of 8 bytes and of 4 KiB, sequential, in
 * a 64 GiB mapping at IOVA 1 TiB (read-write MAP_NORESERVE memory; only a
 * window in its middle is written, and that window was written once
 * before timing, so no timed write takes a page fault), in ns per write.
 *
 * Baseline 1 (baseline.c), same run, interleaved: the byte map's
 * translate (region lookup through the thread-local hint) + the copy (an
 * 8-byte store, or memcpy of 4 KiB) + the mark (one atomic OR).
 *
 * Rows (clean: before each timed run the window is read-and-cleared, or
 * the byte map zeroed, untimed, and the previous run's dirty count is
 * checked; the bytes a run wrote are checked right after it, untimed):
 *  - 8-byte writes, one per page at offset 0 of sequential pages of a
 *    1 GiB window (262,144 writes): every write dirties a clean page;
 *  - 8-byte writes at consecutive addresses (512 per page) of an 8 MiB
 *    window (1,048,576 writes): one write in 512 dirties a clean page;
 *  - 4 KiB writes of sequential pages of a 256 MiB window (65,536 writes).
 * Target: library / baseline <= 1.5x on each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define DMA_IOVA (1 * TiB)
#define DMA_SIZE (64 * GiB)
#define DMA_WIN_OFF (32 * GiB)	/* window: the middle of the mapping */

struct dma_bench {
	struct bench_dom bd;
	struct bytemap bm;
	uint64_t *scratch;
	size_t scratch_bytes;
	/* row */
	uint64_t len;		/* bytes per write */
	uint64_t stride;	/* bytes between writes */
	uint64_t nwrites;
	uint64_t win_bytes;	/* bytes of IOVA the row covers */
	char *src;		/* 4 KiB source, first 8 bytes the stamp */
};

struct dma_var {
	struct dma_bench *d;
	bool lib;
	uint64_t stamp;
	bool ran;
};

static void check_stamp(const char *p, uint64_t stamp, uint64_t i)
{
	uint64_t w;

	memcpy(&w, p, 8);
	if (w != stamp)
		die("dma: write %llu did not land", (unsigned long long)i);
}

/* Untimed, after a run: the first write into each page, and the last. */
static void dma_verify(const struct dma_var *v)
{
	const struct dma_bench *d = v->d;
	const char *win = (const char *)d->bd.va + DMA_WIN_OFF;
	uint64_t step = d->stride >= PAGE ? 1 : PAGE / d->stride, i;

	for (i = 0; i < d->nwrites; i += step)
		check_stamp(win + i * d->stride, v->stamp, i);
	check_stamp(win + (d->nwrites - 1) * d->stride, v->stamp,
		    d->nwrites - 1);
}

static void dma_setup(void *arg)
{
	struct dma_var *v = arg;
	struct dma_bench *d = v->d;
	uint64_t want = d->win_bytes / PAGE, got;

	if (v->lib) {
		memset(d->scratch, 0, d->scratch_bytes);
		got = (uint64_t)check(iodirty_read_dirty(d->bd.dom,
							 DMA_IOVA + DMA_WIN_OFF,
							 d->win_bytes, PAGE,
							 d->scratch, 0),
				      "read_dirty");
	} else {
		got = bytemap_weight(&d->bm);
		bytemap_clear(&d->bm);
	}
	if (v->ran && got != want)
		die("dma: %llu dirty pages after a run, want %llu",
		    (unsigned long long)got, (unsigned long long)want);
	v->ran = false;
	memcpy(d->src, &v->stamp, 8);
}

static uint64_t dma_run(void *arg)
{
	struct dma_var *v = arg;
	struct dma_bench *d = v->d;
	uint64_t iova = DMA_IOVA + DMA_WIN_OFF, i, err = 0, t0, t1;
	const char *src = d->src;

	t0 = now_ns();
	if (v->lib)
		for (i = 0; i < d->nwrites; i++, iova += d->stride)
			err += iodirty_dma_write(d->bd.dom, iova, src,
						 d->len) != 0;
	else
		for (i = 0; i < d->nwrites; i++, iova += d->stride)
			err += bytemap_dma_write(&d->bm, iova, src,
						 d->len) != 0;
	t1 = now_ns();
	if (err)
		die("dma: %llu failed writes", (unsigned long long)err);
	dma_verify(v);
	v->ran = true;
	return t1 - t0;
}

static void dma_row(struct dma_bench *d, const char *label, uint64_t len,
		    uint64_t stride, uint64_t win_bytes)
{
	struct dma_var lib = { .d = d, .lib = true,
			       .stamp = 0x1111111111111111ULL };
	struct dma_var base = { .d = d, .lib = false,
				.stamp = 0x2222222222222222ULL };
	struct timed t[2] = {
		{ .setup = dma_setup, .run = dma_run, .arg = &lib },
		{ .setup = dma_setup, .run = dma_run, .arg = &base },
	};
	struct row r = { .bcase = "dma", .variant = label, .per = "write" };
	double n;

	d->len = len;
	d->stride = stride;
	d->win_bytes = win_bytes;
	d->nwrites = win_bytes / stride;
	n = (double)d->nwrites;
	time_interleaved(t, 2);
	dma_setup(&lib);	/* checks the last runs */
	dma_setup(&base);
	r.ns = t[0].median / n;
	row_base(&r, len == 8 ? "byte map translate+store+mark" :
		 "byte map translate+memcpy+mark", t[1].median / n);
	row_extra(&r, "writes", n);
	row_extra(&r, "bytes per write", (double)len);
	row_extra(&r, "window MiB", (double)(win_bytes / MiB));
	row_extra(&r, "pages dirtied", (double)(win_bytes / PAGE));
	row_target(&r, "ratio to baseline", t[0].median / t[1].median,
		   false, 1.5, "x");
	report_row(&r);
}

void case_dma(void)
{
	struct dma_bench *d = calloc(1, sizeof(*d));
	uint64_t win = bench.quick ? 64 * MiB : 1 * GiB;
	struct bm_region reg;

	if (!d)
		die("out of memory");
	d->src = aligned_alloc(PAGE, PAGE);
	if (!d->src)
		die("out of memory");
	memset(d->src, 0x33, PAGE);
	d->scratch_bytes = win / PAGE / 8;
	d->scratch = mem_alloc(d->scratch_bytes);
	dom_open_rw(&d->bd, DMA_IOVA, DMA_SIZE, DMA_WIN_OFF, win);
	reg = (struct bm_region){ .iova = DMA_IOVA, .length = DMA_SIZE,
				  .uaddr = (uint64_t)(uintptr_t)d->bd.va };
	bytemap_init(&d->bm, &reg, 1);

	report_case("dma", "iodirty_dma_write, sequential, 64 GiB mapping, "
		    "clean pages (read-and-clear between reps)");
	dma_row(d, "8 B, 1 per page, seq pages, clean", 8, PAGE, win);
	dma_row(d, "8 B, consecutive (512/page), clean", 8, 8,
		bench.quick ? 1 * MiB : 8 * MiB);
	dma_row(d, "4 KiB, seq pages, clean", PAGE, PAGE, win / 4);

	bytemap_fini(&d->bm);
	dom_close(&d->bd);
	mem_free(d->scratch, d->scratch_bytes);
	free(d->src);
	free(d);
}
