// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: RAM, domain and IO address space layout.
 *
 * The RAM is mapped once in full at iova_ram and its first
 * DEMO_ALIAS_SIZE bytes a second time at iova_alias, so two IOVAs reach
 * the same memory. One page in the middle of the RAM mapping is then
 * unmapped again, which punches a hole into it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "backend.h"
#include "bitmap.h"
#include "demo.h"

#define GIB ((uint64_t)1 << 30)
#define MIB ((uint64_t)1 << 20)

/* What the demo calls, by capability. */
#define DEMO_NEEDED_CAPS (IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW | \
			  IODIRTY_CAP_UADDR_REPORT | IODIRTY_CAP_PARTIAL_UNMAP)

static int check_caps(struct demo *d)
{
	uint64_t missing = DEMO_NEEDED_CAPS & ~d->caps.flags;
	char names[256];

	if (!missing)
		return 0;
	ctl_msg("demo: backend '%s' lacks %s, which the demo needs",
		iodirty_ctx_backend(d->ctx),
		ctl_cap_names(names, sizeof(names), missing, ", "));
	return -EOPNOTSUPP;
}

/* Lists the domain's usable IOVA ranges; *out is malloc()ed. */
static int get_iova_ranges(struct demo *d, struct iodirty_range **out,
			   size_t *count)
{
	struct iodirty_range *r = NULL;
	size_t n = 0;
	int err;

	/* Ask for the count first; retry if it grew in between. */
	for (;;) {
		size_t cap = n;

		err = iodirty_iova_ranges(d->dom, r, &n);
		if (err != -EMSGSIZE)
			break;
		if (n <= cap) {	/* the contract says this cannot happen */
			ctl_msg("demo: iodirty_iova_ranges() wants %zu entries "
				"but refused %zu", n, cap);
			free(r);
			return -EPROTO;
		}
		free(r);
		r = calloc(n, sizeof(*r));
		if (!r) {
			err = -ENOMEM;
			break;
		}
	}
	if (err) {
		ctl_err(err, "demo: listing the usable IOVA ranges");
		free(r);
		return err;
	}
	*out = r;
	*count = n;
	return 0;
}

/*
 * Finds the lowest @align-aligned IOVA >= @min where @size bytes fit in
 * one usable range. Returns false when there is none.
 */
static bool fit(const struct iodirty_range *r, size_t n, uint64_t size,
		uint64_t align, uint64_t min, uint64_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t start = r[i].start > min ? r[i].start : min;

		if (start > UINT64_MAX - (align - 1))
			continue;
		start = (start + align - 1) & ~(align - 1);
		if (start < r[i].start || start > r[i].last ||
		    r[i].last - start < size - 1)
			continue;
		*out = start;
		return true;
	}
	return false;
}

/* Places @size bytes at or above @min, preferring 1G, then 2M alignment. */
static bool place(const struct iodirty_range *r, size_t n, uint64_t size,
		  uint64_t min, uint64_t *out)
{
	static const uint64_t aligns[] = { GIB, 2 * MIB, IODIRTY_PAGE_SIZE };

	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++)
		if (fit(r, n, size, aligns[i], min, out))
			return true;
	return false;
}

static int layout(struct demo *d)
{
	struct iodirty_range *r;
	char sz[SIZE_STR_MAX];
	size_t n;
	int err;

	err = get_iova_ranges(d, &r, &n);
	if (err)
		return err;
	/* Keep IOVA 0 free, as a VMM usually would: start at 1G if possible. */
	if (!place(r, n, d->ram_size, GIB, &d->iova_ram) &&
	    !place(r, n, d->ram_size, IODIRTY_PAGE_SIZE, &d->iova_ram)) {
		ctl_msg("demo: no usable IOVA range holds %s of RAM",
			fmt_size_human(sz, d->ram_size));
		err = -ERANGE;
	} else if (d->iova_ram + (d->ram_size - 1) == UINT64_MAX ||
		   !place(r, n, DEMO_ALIAS_SIZE, d->iova_ram + d->ram_size,
			  &d->iova_alias)) {
		ctl_msg("demo: no usable IOVA range left for the alias");
		err = -ERANGE;
	}
	free(r);
	return err;
}

static int map_all(struct demo *d)
{
	const uint32_t rw = IODIRTY_MAP_READ | IODIRTY_MAP_WRITE;
	uint64_t hole_iova;
	void *addr;
	int err;

	err = iodirty_map(d->dom, d->iova_ram, d->ram, d->ram_size, rw);
	if (err) {
		ctl_err(err, "demo: mapping the RAM at IOVA 0x%" PRIx64,
			d->iova_ram);
		return err;
	}
	err = iodirty_map(d->dom, d->iova_alias, d->ram, DEMO_ALIAS_SIZE, rw);
	if (err) {
		ctl_err(err, "demo: mapping the alias at IOVA 0x%" PRIx64,
			d->iova_alias);
		return err;
	}
	hole_iova = d->iova_ram + d->hole_off;
	err = iodirty_unmap(d->dom, hole_iova, DEMO_HOLE_SIZE, NULL);
	if (err) {
		ctl_err(err, "demo: punching a hole at IOVA 0x%" PRIx64,
			hole_iova);
		return err;
	}

	/* The hole is gone for the device; the alias reaches the RAM. */
	err = iodirty_dma_write(d->dom, hole_iova, "x", 1);
	if (err == -ENOENT)
		demo_check(d, true, "DMA into the hole fails with ENOENT");
	else
		demo_check(d, false, "DMA into the hole fails with ENOENT "
			   "(got %s)", err ? iodirty_strerror(err) : "success");
	err = iodirty_translate(d->dom, d->iova_alias, &addr, NULL);
	demo_check(d, !err && addr == d->ram,
		   "the alias IOVA translates to the start of the RAM");
	return 0;
}

int demo_setup(struct demo *d)
{
	void *ram;
	int err;

	err = ctl_open(d->g, &d->ctx, &d->caps);
	if (err)
		return err;
	err = check_caps(d);
	if (err)
		return err;

	d->ram_size = d->opts->ram_size;
	d->ram_pages = d->ram_size / IODIRTY_PAGE_SIZE;
	/* The hole lies in the middle, outside the aliased first part. */
	d->hole_off = d->ram_size / 2 / IODIRTY_PAGE_SIZE * IODIRTY_PAGE_SIZE;
	ram = mmap(NULL, d->ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED) {
		err = -errno;
		ctl_err(err, "demo: allocating %" PRIu64 " bytes of RAM",
			d->ram_size);
		return err;
	}
	d->ram = ram;
	d->written = bm_alloc(d->ram_pages);
	if (!d->written) {
		ctl_err(-ENOMEM, "demo: allocating the page bitmap");
		return -ENOMEM;
	}
	prng_seed(&d->rng, d->opts->seed);

	err = iodirty_domain_create(d->ctx, NULL, &d->dom);
	if (err) {
		ctl_err(err, "demo: creating a domain");
		return err;
	}
	err = layout(d);
	if (err)
		return err;
	err = map_all(d);
	if (err)
		return err;
	err = iodirty_set_dirty_tracking(d->dom, true);
	if (err) {
		ctl_err(err, "demo: starting dirty tracking");
		return err;
	}
	return 0;
}

int demo_read_stats(struct demo *d)
{
	uint64_t expect = d->ram_size + DEMO_ALIAS_SIZE - DEMO_HOLE_SIZE;
	int err;

	d->stats = (struct iodirty_stats)IODIRTY_OPTS(iodirty_stats);
	err = iodirty_domain_stats(d->dom, &d->stats);
	if (err) {
		ctl_err(err, "demo: reading the domain counters");
		return err;
	}
	demo_check(d, d->stats.mapped_bytes == expect,
		   "mapped bytes are RAM + alias - hole (%" PRIu64 ")", expect);
	return 0;
}

void demo_teardown(struct demo *d)
{
	iodirty_domain_destroy(d->dom);
	d->dom = NULL;
	if (d->ram)
		munmap(d->ram, d->ram_size);
	d->ram = NULL;
	bm_free(d->written);
	d->written = NULL;
	iodirty_ctx_close(d->ctx);
	d->ctx = NULL;
}
