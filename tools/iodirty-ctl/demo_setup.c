// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: the backend, the guest RAM, the destination and the
 * domain with the RAM mapped into it (placed by demo_layout.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backend.h"
#include "demo.h"

/* What the demo calls, by capability. */
#define DEMO_NEEDED_CAPS (IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW | \
			  IODIRTY_CAP_UADDR_REPORT | IODIRTY_CAP_PARTIAL_UNMAP)

static int check_caps(struct demo *d)
{
	uint64_t need = DEMO_NEEDED_CAPS |
			(d->opts->inject_failure ? IODIRTY_CAP_SET_DIRTY : 0) |
			(d->opts->device_process ? IODIRTY_CAP_SHARED_LOG : 0);
	uint64_t missing = need & ~d->caps.flags;
	char names[256];

	if (!missing)
		return 0;
	ctl_msg("demo: backend '%s' lacks %s, which the demo needs",
		iodirty_ctx_backend(d->ctx),
		ctl_cap_names(names, sizeof(names), missing, ", "));
	return -EOPNOTSUPP;
}

/*
 * The report page: harvests and copies work in pages of the domain's
 * dirty granule, since a read cannot report anything finer. It is 4K on
 * the soft backend; a backend whose domains track coarser granules gets
 * coarser pages, and the RAM must be a multiple of them.
 */
static int report_page(struct demo *d)
{
	struct iodirty_stats st = IODIRTY_OPTS(iodirty_stats);
	char a[SIZE_STR_MAX];
	int err;

	err = iodirty_domain_stats(d->dom, &st);
	if (err) {
		ctl_err(err, "demo: reading the domain counters");
		return err;
	}
	d->pg = st.granule > IODIRTY_PAGE_SIZE ? st.granule : IODIRTY_PAGE_SIZE;
	if (d->ram_size % d->pg || d->ram_size / d->pg < 8) {
		ctl_msg("demo: the RAM must be a multiple of the domain's dirty "
			"granule, %s, and hold at least 8 of them",
			fmt_size_exact(a, d->pg));
		return -EINVAL;
	}
	d->ram_pages = d->ram_size / d->pg;
	return 0;
}

/*
 * Anonymous memory of @size bytes aligned to d->pg; *map is for munmap.
 * @shared: memory a device process (forked later) writes too.
 */
static uint8_t *alloc_mem(struct demo *d, const char *what, void **map,
			  bool shared)
{
	uint64_t extra = d->pg > IODIRTY_PAGE_SIZE ? d->pg : 0;
	uintptr_t p;

	d->map_len = d->ram_size + extra;
	*map = mmap(NULL, d->map_len, PROT_READ | PROT_WRITE,
		    (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS |
		    MAP_NORESERVE, -1, 0);
	if (*map == MAP_FAILED) {
		int err = -errno;

		*map = NULL;
		ctl_err(err, "demo: allocating %" PRIu64 " bytes for the %s",
			d->ram_size, what);
		return NULL;
	}
	p = ((uintptr_t)*map + (extra ? extra - 1 : 0)) & ~(uintptr_t)(d->pg - 1);
	return (uint8_t *)p;
}

/*
 * Initial content: every 8-byte word differs from its neighbours and from
 * zero, so a page copied to the wrong place or not at all is caught by
 * the verification. The seed varies it between runs.
 */
static void fill_ram(struct demo *d)
{
	uint64_t *w = (uint64_t *)(void *)d->ram;
	uint64_t n = d->ram_size / sizeof(*w);
	uint64_t mix = d->opts->seed * 0xd6e8feb86659fd93ULL;

	for (uint64_t i = 0; i < n; i++)
		w[i] = ((i + 1) * 0x9e3779b97f4a7c15ULL) ^ mix;
}

/*
 * Faults the destination in, as a VMM that preallocates guest memory
 * would, so that pass 0 measures the copy, not page faults: the
 * bandwidth it measures is what estimates the later passes.
 */
static void *prefault_dst(void *arg)
{
	struct demo *d = arg;

	memset(d->dst, 0, d->ram_size);
	return NULL;
}

/* Fills the RAM and faults the destination in, on two CPUs if it can. */
static void prepare_memory(struct demo *d)
{
	pthread_t tid;
	bool helper = pthread_create(&tid, NULL, prefault_dst, d) == 0;

	fill_ram(d);
	if (helper)
		pthread_join(tid, NULL);
	else
		prefault_dst(d);
}

static int map_all(struct demo *d)
{
	const uint32_t rw = IODIRTY_MAP_READ | IODIRTY_MAP_WRITE;
	const struct demo_map *alias = &d->maps[DEMO_MAP_ALIAS];
	void *addr;
	int err;

	for (unsigned int i = 0; i < DEMO_N_MAPS; i++) {
		const struct demo_map *m = &d->maps[i];

		err = iodirty_map(d->dom, m->iova, d->ram + m->ram_off, m->len,
				  rw);
		if (err) {
			ctl_err(err, "demo: mapping the %s at IOVA 0x%" PRIx64,
				m->name, m->iova);
			return err;
		}
	}
	err = iodirty_unmap(d->dom, d->hole_iova, DEMO_HOLE_SIZE, NULL);
	if (err) {
		ctl_err(err, "demo: punching a hole at IOVA 0x%" PRIx64,
			d->hole_iova);
		return err;
	}

	/* The hole is gone for the device; the alias reaches the RAM. */
	err = iodirty_dma_write(d->dom, d->hole_iova, "x", 1);
	if (err == -ENOENT)
		demo_check(d, true, "DMA into the hole fails with ENOENT");
	else
		demo_check(d, false, "DMA into the hole fails with ENOENT "
			   "(got %s)", err ? iodirty_strerror(err) : "success");
	err = iodirty_translate(d->dom, alias->iova, &addr, NULL);
	demo_check(d, !err && addr == d->ram + alias->ram_off,
		   "the alias IOVA translates into the RAM");
	return 0;
}

int demo_setup(struct demo *d)
{
	int err;

	err = ctl_open(d->g, &d->ctx, &d->caps);
	if (err)
		return err;
	err = check_caps(d);
	if (err)
		return err;
	err = iodirty_domain_create(d->ctx, NULL, &d->dom);
	if (err) {
		ctl_err(err, "demo: creating a domain");
		return err;
	}
	d->ram_size = d->opts->ram_size;
	err = report_page(d);
	if (err)
		return err;

	d->ram = alloc_mem(d, "RAM", &d->ram_map, d->opts->device_process);
	if (!d->ram)
		return -ENOMEM;
	d->dst = alloc_mem(d, "destination", &d->dst_map, false);
	if (!d->dst)
		return -ENOMEM;
	prepare_memory(d);

	err = demo_layout(d);
	if (err)
		return err;
	err = map_all(d);
	if (err)
		return err;
	return demo_read_stats(d);
}

int demo_read_stats(struct demo *d)
{
	uint64_t expect = d->ram_size + d->maps[DEMO_MAP_ALIAS].len -
			  DEMO_HOLE_SIZE;
	int err;

	d->stats = (struct iodirty_stats)IODIRTY_OPTS(iodirty_stats);
	err = iodirty_domain_stats(d->dom, &d->stats);
	if (err) {
		ctl_err(err, "demo: reading the domain counters");
		return err;
	}
	/* Once in setup; the migration changes no mapping. */
	if (!d->setup_done)
		demo_check(d, d->stats.mapped_bytes == expect,
			   "mapped bytes are RAM + alias - hole (%" PRIu64 ")",
			   expect);
	return 0;
}

void demo_teardown(struct demo *d)
{
	/* The device threads must be gone before their domain. */
	demo_device_stop(d);
	iodirty_domain_destroy(d->dom);
	d->dom = NULL;
	if (d->ram_map)
		munmap(d->ram_map, d->map_len);
	if (d->dst_map)
		munmap(d->dst_map, d->map_len);
	d->ram_map = d->dst_map = NULL;
	d->ram = d->dst = NULL;
	iodirty_ctx_close(d->ctx);
	d->ctx = NULL;
	free(d->passes);
	d->passes = NULL;
}
