// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: the emulated device.
 *
 * It writes a few random bytes into each of opts->pages distinct random
 * RAM pages through iodirty_dma_write(), going through the alias IOVA for
 * about half of the pages that the alias covers, and remembers which RAM
 * pages it wrote.
 */
#include <inttypes.h>
#include <string.h>

#include "bitmap.h"
#include "demo.h"

#define PAGE ((uint64_t)IODIRTY_PAGE_SIZE)
/* Longest single write; writes stay inside one page. */
#define MAX_WRITE 256

static void random_bytes(struct prng *rng, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)prng_next(rng);
}

/*
 * Picks a page not yet written this round and outside the hole. About a
 * quarter of the picks aim at the aliased first part of the RAM (while it
 * has pages left), so that the alias is used even with a large RAM.
 */
static uint64_t pick_page(struct demo *d, uint64_t alias_used)
{
	uint64_t alias_pages = DEMO_ALIAS_SIZE / PAGE;
	uint64_t hole_page = d->hole_off / PAGE;
	uint64_t span = d->ram_pages;
	uint64_t page;

	if (alias_used < alias_pages && prng_below(&d->rng, 4) == 0)
		span = alias_pages;
	do
		page = prng_below(&d->rng, span);
	while (page == hole_page || bm_test(d->written, page));
	return page;
}

int demo_device_round(struct demo *d, struct demo_round *r)
{
	unsigned int round = (unsigned int)(r - d->rounds) + 1;
	uint64_t alias_pages = DEMO_ALIAS_SIZE / PAGE;
	uint64_t alias_used = 0;	/* aliased pages written this round */
	uint8_t buf[MAX_WRITE];

	bm_clear(d->written, d->ram_pages);
	while (r->written < d->opts->pages) {
		uint64_t page = pick_page(d, alias_used);
		uint64_t len = 1 + prng_below(&d->rng, MAX_WRITE);
		uint64_t off = prng_below(&d->rng, PAGE - len + 1);
		bool alias = page < alias_pages && (prng_next(&d->rng) & 1);
		uint64_t base = alias ? d->iova_alias : d->iova_ram;
		uint64_t iova = base + page * PAGE + off;
		int err;

		random_bytes(&d->rng, buf, (size_t)len);
		err = iodirty_dma_write(d->dom, iova, buf, len);
		if (err) {
			ctl_err(err, "demo: round %u: device write of %" PRIu64
				" bytes at IOVA 0x%" PRIx64, round, len, iova);
			return err;
		}
		if (memcmp(d->ram + page * PAGE + off, buf, (size_t)len))
			r->data_errors++;
		bm_set(d->written, page);
		r->written++;
		if (page < alias_pages)
			alias_used++;
		if (alias)
			r->via_alias++;
	}
	demo_check(d, r->data_errors == 0,
		   "round %u: every DMA write landed in RAM where its IOVA "
		   "points", round);
	return 0;
}
