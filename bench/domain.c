// SPDX-License-Identifier: MIT
/* iodirty-bench: a soft-backend domain over reserved address space. */
#include <string.h>

#include "bench.h"

void dom_open(struct bench_dom *b, uint64_t iova, size_t map_size,
	      bool tracking)
{
	struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts,
						    .iova_bits = 48);

	b->va = NULL;
	b->va_size = 0;
	check(iodirty_ctx_open("soft", NULL, &b->ctx), "ctx_open");
	check(iodirty_domain_create(b->ctx, &o, &b->dom), "domain_create");
	if (map_size) {
		/* The soft backend never touches mapped memory outside DMA. */
		b->va = mem_reserve(map_size);
		b->va_size = map_size;
		check(iodirty_map(b->dom, iova, b->va, map_size,
				  IODIRTY_MAP_READ | IODIRTY_MAP_WRITE),
		      "map");
	}
	if (tracking)
		check(iodirty_set_dirty_tracking(b->dom, true), "tracking");
}

void dom_close(struct bench_dom *b)
{
	iodirty_domain_destroy(b->dom);
	iodirty_ctx_close(b->ctx);
	mem_free(b->va, b->va_size);
	b->dom = NULL;
	b->ctx = NULL;
	b->va = NULL;
}

void dom_stats(struct bench_dom *b, struct iodirty_stats *st)
{
	st->sz = sizeof(*st);
	check(iodirty_domain_stats(b->dom, st), "stats");
}

void dom_open_rw(struct bench_dom *b, uint64_t iova, size_t map_size,
		 size_t touch_off, size_t touch_len)
{
	dom_open(b, 0, 0, false);
	b->va = mem_reserve_rw(map_size);
	b->va_size = map_size;
	if (touch_off > map_size || touch_len > map_size - touch_off)
		die("dom_open_rw: window outside the mapping");
	memset((char *)b->va + touch_off, 0x5a, touch_len);
	check(iodirty_map(b->dom, iova, b->va, map_size,
			  IODIRTY_MAP_READ | IODIRTY_MAP_WRITE), "map");
	check(iodirty_set_dirty_tracking(b->dom, true), "tracking");
}

uint64_t dom_read_extents(struct iodirty_domain *dom, uint64_t size,
			  struct iodirty_extent *ext, size_t nr,
			  uint64_t *pages, uint64_t *runs)
{
	uint64_t t0, t1, pos = 0, next, np = 0, nruns = 0;
	int64_t n, i;

	t0 = now_ns();
	while (pos != size) {
		n = iodirty_read_extents(dom, pos, size - pos, PAGE, ext, nr,
					 &next, 0);
		check(n, "read_extents");
		nruns += (uint64_t)n;
		/* What a caller does with them at the least: walk them. */
		for (i = 0; i < n; i++)
			np += ext[i].length / PAGE;
		pos = next;
	}
	t1 = now_ns();
	*pages = np;
	*runs = nruns;
	return t1 - t0;
}
