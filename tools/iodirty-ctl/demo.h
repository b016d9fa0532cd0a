// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: state shared by its steps.
 *
 * The demo runs as a list of steps (cmd_demo.c): set up RAM and a domain
 * (demo_setup.c), let an emulated device write pages (demo_device.c),
 * harvest and verify the dirty pages (demo_harvest.c), then report
 * (demo_report.c). Each step records its results in struct demo and its
 * verdicts with demo_check(); later demos add steps, not special cases.
 */
#ifndef IODIRTY_CTL_DEMO_H
#define IODIRTY_CTL_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include <libiodirty/iodirty.h>

#include "ctl.h"
#include "output.h"
#include "prng.h"

/* Size of the alias: the first ALIAS_SIZE bytes of RAM are mapped twice. */
#define DEMO_ALIAS_SIZE		((uint64_t)1 << 20)
/* Smallest RAM that leaves room for the alias and a hole outside it. */
#define DEMO_MIN_RAM		(2 * DEMO_ALIAS_SIZE)
/* Size of the hole punched into the RAM mapping. */
#define DEMO_HOLE_SIZE		((uint64_t)IODIRTY_PAGE_SIZE)
#define DEMO_MAX_ROUNDS		4
#define DEMO_MAX_CHECKS		32

struct demo_opts {
	uint64_t ram_size;	/* bytes, multiple of IODIRTY_PAGE_SIZE */
	uint64_t pages;		/* distinct pages the device writes per round */
	uint64_t seed;
	bool json;
};

/* Where a round harvests the dirty pages. */
enum demo_harvest {
	DEMO_HARVEST_UADDR,	/* iodirty_read_dirty_uaddr() over the RAM */
	DEMO_HARVEST_IOVA,	/* iodirty_read_dirty() over each IOVA range */
};

/* One round: the device writes, then the dirty pages are harvested. */
struct demo_round {
	enum demo_harvest harvest;
	uint64_t written;	/* distinct RAM pages written */
	uint64_t via_alias;	/* of those, written through the alias IOVA */
	uint64_t data_errors;	/* writes whose bytes did not land in RAM */
	uint64_t reported;	/* distinct RAM pages reported */
	uint64_t bits_ram;	/* IOVA harvest: bits of the RAM IOVA range */
	uint64_t bits_alias;	/* IOVA harvest: bits of the alias range */
	uint64_t missed;	/* written but not reported */
	uint64_t extra;		/* reported but not written */
	uint64_t second;	/* bits a second read reported */
	uint64_t reads;		/* dirty reads done */
	uint64_t bad_counts;	/* reads whose return value was not the
				 * number of bits they set */
};

struct demo_check {
	char what[96];
	bool ok;
};

struct demo {
	const struct demo_opts *opts;
	const struct ctl_global *g;

	struct iodirty_ctx *ctx;
	struct iodirty_caps caps;
	struct iodirty_domain *dom;

	/* The guest RAM the device writes into. */
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t ram_pages;

	/* IO address space layout. */
	uint64_t iova_ram;	/* the whole RAM is mapped here */
	uint64_t iova_alias;	/* the first DEMO_ALIAS_SIZE bytes again */
	uint64_t hole_off;	/* RAM offset of the hole in the RAM mapping */

	struct prng rng;
	uint64_t *written;	/* RAM pages written in the current round */

	struct demo_round rounds[DEMO_MAX_ROUNDS];
	unsigned int n_rounds;

	struct iodirty_stats stats;

	struct demo_check checks[DEMO_MAX_CHECKS];
	unsigned int n_checks;
};

/*
 * Records a verdict. A failed one is also printed to stderr at once.
 * Returns @ok.
 */
bool demo_check(struct demo *d, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool demo_passed(const struct demo *d);

/* demo_setup.c: each returns 0 or a negative errno (already reported). */
int demo_setup(struct demo *d);
void demo_teardown(struct demo *d);
int demo_read_stats(struct demo *d);

/* demo_device.c: the emulated device writes opts->pages random pages. */
int demo_device_round(struct demo *d, struct demo_round *r);

/* demo_harvest.c: harvests the round's dirty pages and verifies them. */
int demo_harvest_round(struct demo *d, struct demo_round *r);

/* demo_report.c */
void demo_report_text(const struct demo *d);
void demo_report_json(const struct demo *d);

#endif /* IODIRTY_CTL_DEMO_H */
