// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: harvesting dirty pages and checking them against what
 * the device wrote.
 *
 * Either harvest ends in a bitmap over RAM pages. The RAM-space harvest
 * gets it directly from iodirty_read_dirty_uaddr(), aliases merged by the
 * library. The IOVA harvest reads each IOVA range with iodirty_read_dirty()
 * and translates the bits back to RAM pages itself, as a VMM without
 * RAM-space reporting would.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "bitmap.h"
#include "demo.h"

#define PAGE ((uint64_t)IODIRTY_PAGE_SIZE)
/* Pages listed on stderr when a comparison fails. */
#define SHOW_PAGES 8

static const char *harvest_name(enum demo_harvest h)
{
	return h == DEMO_HARVEST_UADDR ? "RAM-space" : "IOVA";
}

/* Reads one range into a zeroed @bm and checks the count returned. */
static int64_t read_range(struct demo *d, struct demo_round *r, bool uaddr,
			  uint64_t start, uint64_t length, uint64_t *bm)
{
	unsigned int round = (unsigned int)(r - d->rounds) + 1;
	uint64_t bits = length / PAGE;
	int64_t got;

	bm_clear(bm, bits);
	if (uaddr)
		got = iodirty_read_dirty_uaddr(d->dom, (const void *)(uintptr_t)start,
					       length, PAGE, bm, 0);
	else
		got = iodirty_read_dirty(d->dom, start, length, PAGE, bm, 0);
	if (got < 0) {
		ctl_err((int)got, "demo: round %u: reading dirty pages of %s "
			"0x%" PRIx64 "+0x%" PRIx64, round,
			uaddr ? "RAM" : "IOVA", start, length);
		return got;
	}
	r->reads++;
	if ((uint64_t)got != bm_count(bm, bits))
		r->bad_counts++;
	return got;
}

/*
 * One harvest: reads (and clears) every range and ORs the result into
 * @ram_bm, a bitmap over RAM pages. @tmp holds ram_pages bits.
 */
static int harvest(struct demo *d, struct demo_round *r, uint64_t *ram_bm,
		   uint64_t *tmp, uint64_t *bits_ram, uint64_t *bits_alias)
{
	uint64_t alias_pages = DEMO_ALIAS_SIZE / PAGE;
	int64_t got;

	bm_clear(ram_bm, d->ram_pages);
	if (r->harvest == DEMO_HARVEST_UADDR) {
		got = read_range(d, r, true, (uintptr_t)d->ram, d->ram_size,
				 ram_bm);
		if (got < 0)
			return (int)got;
		*bits_ram = bm_count(ram_bm, d->ram_pages);
		*bits_alias = 0;
		return 0;
	}

	got = read_range(d, r, false, d->iova_ram, d->ram_size, ram_bm);
	if (got < 0)
		return (int)got;
	*bits_ram = bm_count(ram_bm, d->ram_pages);
	got = read_range(d, r, false, d->iova_alias, DEMO_ALIAS_SIZE, tmp);
	if (got < 0)
		return (int)got;
	*bits_alias = bm_count(tmp, alias_pages);
	/* Alias bit i stands for RAM page i. */
	for (uint64_t i = bm_next(tmp, alias_pages, 0); i < alias_pages;
	     i = bm_next(tmp, alias_pages, i + 1))
		bm_set(ram_bm, i);
	return 0;
}

/* Lists the first pages set in @a and clear in @b on stderr. */
static void show_pages(const struct demo *d, const char *what,
		       const uint64_t *a, const uint64_t *b)
{
	uint64_t total = bm_count_andnot(a, b, d->ram_pages);
	unsigned int shown = 0;

	for (uint64_t p = bm_next_andnot(a, b, d->ram_pages, 0);
	     p < d->ram_pages && shown < SHOW_PAGES;
	     p = bm_next_andnot(a, b, d->ram_pages, p + 1), shown++)
		ctl_msg("demo:   %s: RAM page %" PRIu64 " (offset 0x%" PRIx64
			")", what, p, p * PAGE);
	if (total > shown)
		ctl_msg("demo:   %s: %" PRIu64 " more", what, total - shown);
}

int demo_harvest_round(struct demo *d, struct demo_round *r)
{
	unsigned int round = (unsigned int)(r - d->rounds) + 1;
	const char *name = harvest_name(r->harvest);
	uint64_t *rep = bm_alloc(d->ram_pages);
	uint64_t *tmp = bm_alloc(d->ram_pages);
	uint64_t again_ram, again_alias;
	int err = -ENOMEM;

	if (!rep || !tmp) {
		ctl_err(err, "demo: allocating bitmaps");
		goto out;
	}
	err = harvest(d, r, rep, tmp, &r->bits_ram, &r->bits_alias);
	if (err)
		goto out;
	r->reported = bm_count(rep, d->ram_pages);
	r->missed = bm_count_andnot(d->written, rep, d->ram_pages);
	r->extra = bm_count_andnot(rep, d->written, d->ram_pages);
	if (!demo_check(d, !r->missed && !r->extra,
			"round %u: the %s harvest reports every written page "
			"and nothing else", round, name)) {
		show_pages(d, "written, not reported", d->written, rep);
		show_pages(d, "reported, not written", rep, d->written);
	}

	/* Everything was cleared: reading again finds nothing. */
	err = harvest(d, r, rep, tmp, &again_ram, &again_alias);
	if (err)
		goto out;
	r->second = again_ram + again_alias;
	demo_check(d, r->second == 0,
		   "round %u: a second %s read reports nothing", round, name);
	demo_check(d, r->bad_counts == 0,
		   "round %u: each of the %" PRIu64 " reads returned the "
		   "number of bits it set", round, r->reads);
out:
	bm_free(tmp);
	bm_free(rep);
	return err;
}
