// SPDX-License-Identifier: MIT
/*
 * Case "sg": zero-copy holds. One pair = iodirty_sg_get() of a 64 KiB
 * range for writing (IODIRTY_SG_WRITE, a 4-entry list; the range is
 * linear, so 1 entry is used) + iodirty_sg_put() with all 64 KiB written,
 * over the sequential 64 KiB ranges of a 1 GiB window of a 64 GiB mapping
 * at IOVA 1 TiB (PROT_NONE address space: the bench does not write
 * through the list, only the pair is timed). In ns per pair. Clean:
 * before each timed run the window is read-and-cleared (or the byte map
 * zeroed), untimed, and the run's dirty count checked (every page).
 *
 * Baseline 1, same run, interleaved: the byte map's translate of the
 * 64 KiB range (region lookup) + mark of its 16 pages (one atomic OR per
 * byte: 2). No target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define SG_IOVA (1 * TiB)
#define SG_SIZE (64 * GiB)
#define SG_WIN_OFF (32 * GiB)
#define SG_LEN (64 * KiB)

struct sg_bench {
	struct bench_dom bd;
	struct bytemap bm;
	uint64_t *scratch;
	size_t scratch_bytes;
	uint64_t win_bytes;
	uint64_t npairs;
};

struct sg_var {
	struct sg_bench *s;
	bool lib;
	bool ran;
};

static void sg_setup(void *arg)
{
	struct sg_var *v = arg;
	struct sg_bench *s = v->s;
	uint64_t got;

	if (v->lib) {
		memset(s->scratch, 0, s->scratch_bytes);
		got = (uint64_t)check(iodirty_read_dirty(s->bd.dom,
							 SG_IOVA + SG_WIN_OFF,
							 s->win_bytes, PAGE,
							 s->scratch, 0),
				      "read_dirty");
	} else {
		got = bytemap_weight(&s->bm);
		bytemap_clear(&s->bm);
	}
	if (v->ran && got != s->win_bytes / PAGE)
		die("sg: %llu dirty pages after a run, want %llu",
		    (unsigned long long)got,
		    (unsigned long long)(s->win_bytes / PAGE));
	v->ran = false;
}

static uint64_t sg_run(void *arg)
{
	struct sg_var *v = arg;
	struct sg_bench *s = v->s;
	uint64_t iova = SG_IOVA + SG_WIN_OFF, i, err = 0, t0, t1;
	char *want = (char *)s->bd.va + SG_WIN_OFF;

	t0 = now_ns();
	if (v->lib) {
		for (i = 0; i < s->npairs; i++, iova += SG_LEN) {
			struct iodirty_sg sg[4];
			struct iodirty_sg_hold *hold;
			size_t nr = 4;

			if (iodirty_sg_get(s->bd.dom, iova, SG_LEN,
					   IODIRTY_SG_WRITE, sg, &nr, &hold)) {
				err++;
				continue;
			}
			err += nr != 1 || sg[0].addr != want + i * SG_LEN ||
			       sg[0].length != SG_LEN;
			err += iodirty_sg_put(s->bd.dom, hold, SG_LEN) != 0;
		}
	} else {
		for (i = 0; i < s->npairs; i++, iova += SG_LEN) {
			void *addr;

			err += bytemap_translate(&s->bm, iova, SG_LEN,
						 &addr) != 0;
			err += addr != want + i * SG_LEN;
			err += bytemap_mark(&s->bm, iova, SG_LEN) != 0;
		}
	}
	t1 = now_ns();
	if (err)
		die("sg: %llu failed or wrong calls", (unsigned long long)err);
	v->ran = true;
	return t1 - t0;
}

void case_sg(void)
{
	struct sg_bench *s = calloc(1, sizeof(*s));
	struct sg_var lib = { .lib = true }, base = { .lib = false };
	struct timed t[2] = {
		{ .setup = sg_setup, .run = sg_run, .arg = &lib },
		{ .setup = sg_setup, .run = sg_run, .arg = &base },
	};
	struct row r = { .bcase = "sg",
			 .variant = "sg_get + sg_put of 64 KiB, clean",
			 .per = "pair" };
	struct iodirty_sg sg[4];
	struct iodirty_sg_hold *hold = NULL;
	struct bm_region reg;
	size_t nr = 4;
	double n;
	int ret;

	if (!s)
		die("out of memory");
	lib.s = base.s = s;
	s->win_bytes = bench.quick ? 64 * MiB : 1 * GiB;
	s->npairs = s->win_bytes / SG_LEN;
	n = (double)s->npairs;
	s->scratch_bytes = s->win_bytes / PAGE / 8;
	s->scratch = mem_alloc(s->scratch_bytes);
	dom_open(&s->bd, SG_IOVA, SG_SIZE, true);
	reg = (struct bm_region){ .iova = SG_IOVA, .length = SG_SIZE,
				  .uaddr = (uint64_t)(uintptr_t)s->bd.va };
	bytemap_init(&s->bm, &reg, 1);

	report_case("sg", "iodirty_sg_get + iodirty_sg_put of 64 KiB "
		    "(written), sequential, clean (read-and-clear between "
		    "reps)");
	ret = iodirty_sg_get(s->bd.dom, SG_IOVA + SG_WIN_OFF, SG_LEN,
			     IODIRTY_SG_WRITE, sg, &nr, &hold);
	if (!ret)
		ret = iodirty_sg_put(s->bd.dom, hold, 0);
	if (ret) {
		report_note("iodirty_sg_get/put: %s: not measured",
			    iodirty_strerror(ret));
	} else {
		time_interleaved(t, 2);
		sg_setup(&lib);	/* checks the last runs */
		sg_setup(&base);
		r.ns = t[0].median / n;
		row_base(&r, "byte map translate + mark 16 pages",
			 t[1].median / n);
		row_extra(&r, "pairs", n);
		row_extra(&r, "ns per 4 KiB page", r.ns / (SG_LEN / PAGE));
		row_extra(&r, "window MiB", (double)(s->win_bytes / MiB));
		report_row(&r);
		report_note("sg: no target (for information)");
	}

	bytemap_fini(&s->bm);
	dom_close(&s->bd);
	mem_free(s->scratch, s->scratch_bytes);
	free(s);
}
