// SPDX-License-Identifier: MIT
/*
 * Case "writev": iodirty_dma_writev() of 16 segments of 8 bytes, all in
 * one page (offsets 0, 256, ..., 3840: 16 cache lines, as the fields a
 * device writes back into a descriptor page), one writev per page over the
 * sequential pages of a 256 MiB window of a 64 GiB mapping at IOVA 1 TiB
 * (read-write memory, the window written once before timing), in ns per
 * writev. Clean: before each timed run the window is read-and-cleared (or
 * the byte map zeroed), untimed, and the run's dirty count and bytes are
 * checked; the bytes a run wrote are checked right after it, untimed.
 *
 * Baselines, same run, interleaved:
 *  - 1 (target): "one 8-byte write plus the copies": the byte map's
 *    translate + 8-byte store + mark of the first segment, plus an 8-byte
 *    copy of each of the 15 others into the page translated for the first
 *    (bytemap_write_gather_page()).
 *  - for information: 16 iodirty_dma_write() calls, one per segment.
 * Target: writev / baseline 1 <= 1.5x.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define WV_IOVA (1 * TiB)
#define WV_SIZE (64 * GiB)
#define WV_WIN_OFF (32 * GiB)
#define WV_SEGS 16
#define WV_SEG_GAP 256

enum wv_kind { WV_LIB, WV_BYTE, WV_LIB16, WV_KINDS };

static const char *const wv_name[WV_KINDS] = {
	"iodirty_dma_writev", "byte map", "16 x iodirty_dma_write",
};

struct wv_bench {
	struct bench_dom bd;
	struct bytemap bm;
	uint64_t *scratch;
	size_t scratch_bytes;
	uint64_t win_bytes;
	uint64_t npages;
	uint64_t data[WV_SEGS];	/* the segments' sources */
	bool lib_ran;		/* the library variants share the domain */
};

struct wv_var {
	struct wv_bench *w;
	enum wv_kind kind;
	uint64_t stamp;
	bool ran;		/* byte map: a run since the last check */
};

/* Untimed, after a run: every segment of every 61st page. */
static void wv_verify(const struct wv_var *v)
{
	const struct wv_bench *w = v->w;
	const char *win = (const char *)w->bd.va + WV_WIN_OFF;
	uint64_t i;
	unsigned int s;

	for (i = 0; i < w->npages; i += 61)
		for (s = 0; s < WV_SEGS; s++) {
			uint64_t x;

			memcpy(&x, win + i * PAGE + s * WV_SEG_GAP, 8);
			if (x != v->stamp + s)
				die("writev: %s: page %llu segment %u not "
				    "written", wv_name[v->kind],
				    (unsigned long long)i, s);
		}
}

static void wv_setup(void *arg)
{
	struct wv_var *v = arg;
	struct wv_bench *w = v->w;
	uint64_t got;
	unsigned int s;
	bool *ran = v->kind == WV_BYTE ? &v->ran : &w->lib_ran;

	if (v->kind == WV_BYTE) {
		got = bytemap_weight(&w->bm);
		bytemap_clear(&w->bm);
	} else {
		memset(w->scratch, 0, w->scratch_bytes);
		got = (uint64_t)check(iodirty_read_dirty(w->bd.dom,
							 WV_IOVA + WV_WIN_OFF,
							 w->win_bytes, PAGE,
							 w->scratch, 0),
				      "read_dirty");
	}
	if (*ran && got != w->npages)
		die("writev: %s: %llu dirty pages after a run, want %llu",
		    wv_name[v->kind], (unsigned long long)got,
		    (unsigned long long)w->npages);
	*ran = false;
	for (s = 0; s < WV_SEGS; s++)
		w->data[s] = v->stamp + s;
}

static uint64_t wv_run(void *arg)
{
	struct wv_var *v = arg;
	struct wv_bench *w = v->w;
	struct iodirty_dma_seg segs[WV_SEGS];
	uint64_t iova = WV_IOVA + WV_WIN_OFF, i, err = 0, t0, t1;
	unsigned int s;

	for (s = 0; s < WV_SEGS; s++) {
		segs[s].length = 8;
		segs[s].buf = &w->data[s];
	}
	t0 = now_ns();
	for (i = 0; i < w->npages; i++, iova += PAGE) {
		for (s = 0; s < WV_SEGS; s++)
			segs[s].iova = iova + s * WV_SEG_GAP;
		switch (v->kind) {
		case WV_LIB:
			err += iodirty_dma_writev(w->bd.dom, segs, WV_SEGS,
						  NULL) != 0;
			break;
		case WV_BYTE:
			err += bytemap_write_gather_page(&w->bm, segs,
							 WV_SEGS) != 0;
			break;
		default:
			for (s = 0; s < WV_SEGS; s++)
				err += iodirty_dma_write(w->bd.dom,
							 segs[s].iova,
							 segs[s].buf, 8) != 0;
			break;
		}
	}
	t1 = now_ns();
	if (err)
		die("writev: %s: %llu failed calls", wv_name[v->kind],
		    (unsigned long long)err);
	wv_verify(v);
	if (v->kind == WV_BYTE)
		v->ran = true;
	else
		w->lib_ran = true;
	return t1 - t0;
}

void case_writev(void)
{
	struct wv_bench *w = calloc(1, sizeof(*w));
	struct wv_var var[WV_KINDS];
	struct timed t[WV_KINDS];
	struct iodirty_dma_seg probe = { .length = 8 };
	struct row r = { .bcase = "writev",
			 .variant = "16 x 8 B segments in 1 page, clean",
			 .per = "writev" };
	struct bm_region reg;
	unsigned int k, nk = WV_KINDS;
	uint64_t done = 0;
	double n;
	int ret;

	if (!w)
		die("out of memory");
	w->win_bytes = bench.quick ? 16 * MiB : 256 * MiB;
	w->npages = w->win_bytes / PAGE;
	n = (double)w->npages;
	w->scratch_bytes = w->win_bytes / PAGE / 8;
	w->scratch = mem_alloc(w->scratch_bytes);
	dom_open_rw(&w->bd, WV_IOVA, WV_SIZE, WV_WIN_OFF, w->win_bytes);
	reg = (struct bm_region){ .iova = WV_IOVA, .length = WV_SIZE,
				  .uaddr = (uint64_t)(uintptr_t)w->bd.va };
	bytemap_init(&w->bm, &reg, 1);

	report_case("writev", "iodirty_dma_writev of 16 x 8 B in one page, "
		    "sequential pages, clean (read-and-clear between reps)");
	/* Is it implemented? (A write of the window's first bytes.) */
	probe.iova = WV_IOVA + WV_WIN_OFF;
	probe.buf = &w->data[0];
	ret = iodirty_dma_writev(w->bd.dom, &probe, 1, &done);
	if (ret < 0 || done != 8) {
		report_note("iodirty_dma_writev: %s (done %llu): not measured; "
			    "16 x iodirty_dma_write vs the baseline instead",
			    iodirty_strerror(ret), (unsigned long long)done);
		nk = 0;
	}
	for (k = 0; k < WV_KINDS; k++) {
		var[k] = (struct wv_var){ .w = w, .kind = (enum wv_kind)k,
			.stamp = 0x1000000000000000ULL * (k + 1) };
		t[k] = (struct timed){ .setup = wv_setup, .run = wv_run,
				       .arg = &var[k] };
	}
	if (nk) {
		time_interleaved(t, WV_KINDS);
	} else {
		time_interleaved(&t[WV_BYTE], 2);
		r.variant = "16 x iodirty_dma_write (no writev)";
	}
	/* Checks the last runs (of the byte map, and of the library). */
	wv_setup(&var[WV_BYTE]);
	wv_setup(&var[WV_LIB16]);
	r.ns = (nk ? t[WV_LIB] : t[WV_LIB16]).median / n;
	row_base(&r, "byte map 1 write + 15 copies", t[WV_BYTE].median / n);
	if (nk)
		row_base(&r, "16 x iodirty_dma_write", t[WV_LIB16].median / n);
	row_extra(&r, "writevs", n);
	row_extra(&r, "segments", WV_SEGS);
	row_extra(&r, "window MiB", (double)(w->win_bytes / MiB));
	if (nk)
		row_extra(&r, "ns per segment", r.ns / WV_SEGS);
	if (nk)
		row_target(&r, "ratio to 1 write + 15 copies", r.ns /
			   (t[WV_BYTE].median / n), false, 1.5, "x");
	report_row(&r);

	bytemap_fini(&w->bm);
	dom_close(&w->bd);
	mem_free(w->scratch, w->scratch_bytes);
	free(w);
}
