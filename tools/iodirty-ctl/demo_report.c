// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: the summary, as a table or as one JSON object.
 */
#include <inttypes.h>
#include <stdio.h>

#include "demo.h"

static const char *harvest_label(enum demo_harvest h)
{
	return h == DEMO_HARVEST_UADDR ? "RAM space" : "IOVA";
}

static const char *harvest_key(enum demo_harvest h)
{
	return h == DEMO_HARVEST_UADDR ? "uaddr" : "iova";
}

static unsigned int checks_failed(const struct demo *d)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->n_checks; i++)
		n += !d->checks[i].ok;
	return n;
}

static void text_layout(const struct demo *d)
{
	char a[SIZE_STR_MAX], b[SIZE_STR_MAX];

	printf("layout\n");
	printf("  %-14s %s at %p (%" PRIu64 " pages of %s)\n", "RAM",
	       fmt_size_human(a, d->ram_size), (void *)d->ram, d->ram_pages,
	       fmt_size_exact(b, IODIRTY_PAGE_SIZE));
	printf("  %-14s 0x%" PRIx64 "-0x%" PRIx64 " -> all of RAM\n",
	       "IOVA (RAM)", d->iova_ram, d->iova_ram + d->ram_size - 1);
	printf("  %-14s 0x%" PRIx64 "-0x%" PRIx64 " -> first %s of RAM\n",
	       "IOVA (alias)", d->iova_alias,
	       d->iova_alias + DEMO_ALIAS_SIZE - 1,
	       fmt_size_exact(a, DEMO_ALIAS_SIZE));
	printf("  %-14s %s at IOVA 0x%" PRIx64 " (RAM offset 0x%" PRIx64
	       ")\n\n", "hole", fmt_size_exact(a, DEMO_HOLE_SIZE),
	       d->iova_ram + d->hole_off, d->hole_off);
}

static void text_rounds(const struct demo *d)
{
	printf("%-6s %-10s %8s %9s %9s %7s %6s %9s\n", "round", "harvest",
	       "written", "via alias", "reported", "missed", "extra",
	       "2nd read");
	for (unsigned int i = 0; i < d->n_rounds; i++) {
		const struct demo_round *r = &d->rounds[i];

		printf("%-6u %-10s %8" PRIu64 " %9" PRIu64 " %9" PRIu64
		       " %7" PRIu64 " %6" PRIu64 " %9" PRIu64 "\n", i + 1,
		       harvest_label(r->harvest), r->written, r->via_alias,
		       r->reported, r->missed, r->extra, r->second);
		if (r->harvest == DEMO_HARVEST_IOVA)
			printf("%-6s %-10s bits: %" PRIu64 " in the RAM range, %"
			       PRIu64 " in the alias range\n", "", "",
			       r->bits_ram, r->bits_alias);
	}
	putchar('\n');
}

static void text_stats(const struct demo *d)
{
	const struct iodirty_stats *st = &d->stats;
	char a[SIZE_STR_MAX];

	printf("domain stats\n");
	printf("  %-16s %" PRIu64 "\n", "mappings", st->mappings);
	printf("  %-16s %" PRIu64 "\n", "holes", st->holes);
	printf("  %-16s %s (%" PRIu64 " bytes)\n", "mapped",
	       fmt_size_human(a, st->mapped_bytes), st->mapped_bytes);
	printf("  %-16s %" PRIu64 "\n", "dirty pending", st->dirty_pending);
	printf("  %-16s %" PRIu64 " (%" PRIu64 " cleared)\n", "dirty reads",
	       st->reads, st->clears);
	printf("  %-16s %s (%" PRIu64 " bytes)\n\n", "library memory",
	       fmt_size_human(a, st->mem_bytes), st->mem_bytes);
}

void demo_report_text(const struct demo *d)
{
	unsigned int failed = checks_failed(d);
	struct style s;

	style_init(&s, stdout);
	printf("%slibiodirty demo%s: backend %s, seed %" PRIu64 "\n\n", s.bold,
	       s.reset, iodirty_ctx_backend(d->ctx), d->opts->seed);
	text_layout(d);
	text_rounds(d);
	text_stats(d);
	printf("checks\n");
	for (unsigned int i = 0; i < d->n_checks; i++)
		printf("  %s%-4s%s %s\n", d->checks[i].ok ? s.good : s.bad,
		       d->checks[i].ok ? "ok" : "FAIL", s.reset,
		       d->checks[i].what);
	if (failed)
		printf("\n%sFAILED%s: %u of %u checks failed\n", s.bad, s.reset,
		       failed, d->n_checks);
	else
		printf("\n%sPASSED%s: all %u checks passed\n", s.good, s.reset,
		       d->n_checks);
}

void demo_report_json(const struct demo *d)
{
	const struct iodirty_stats *st = &d->stats;
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "backend", iodirty_ctx_backend(d->ctx));
	json_u64(&j, "seed", d->opts->seed);
	json_u64(&j, "page_size", IODIRTY_PAGE_SIZE);
	json_u64(&j, "ram_bytes", d->ram_size);
	json_u64(&j, "iova_ram", d->iova_ram);
	json_u64(&j, "iova_alias", d->iova_alias);
	json_u64(&j, "alias_bytes", DEMO_ALIAS_SIZE);
	json_u64(&j, "iova_hole", d->iova_ram + d->hole_off);
	json_u64(&j, "hole_bytes", DEMO_HOLE_SIZE);

	json_arr_begin(&j, "rounds");
	for (unsigned int i = 0; i < d->n_rounds; i++) {
		const struct demo_round *r = &d->rounds[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "harvest", harvest_key(r->harvest));
		json_u64(&j, "pages_written", r->written);
		json_u64(&j, "pages_written_via_alias", r->via_alias);
		json_u64(&j, "pages_reported", r->reported);
		if (r->harvest == DEMO_HARVEST_IOVA) {
			json_u64(&j, "bits_ram_range", r->bits_ram);
			json_u64(&j, "bits_alias_range", r->bits_alias);
		}
		json_u64(&j, "pages_missed", r->missed);
		json_u64(&j, "pages_extra", r->extra);
		json_u64(&j, "second_read_bits", r->second);
		json_u64(&j, "data_errors", r->data_errors);
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_obj_begin(&j, "stats");
	json_u64(&j, "mappings", st->mappings);
	json_u64(&j, "holes", st->holes);
	json_u64(&j, "mapped_bytes", st->mapped_bytes);
	json_u64(&j, "dirty_pending", st->dirty_pending);
	json_u64(&j, "reads", st->reads);
	json_u64(&j, "clears", st->clears);
	json_u64(&j, "mem_bytes", st->mem_bytes);
	json_u64(&j, "granule", st->granule);
	json_u64(&j, "iova_bits", st->iova_bits);
	json_bool(&j, "tracking", st->tracking);
	json_obj_end(&j);

	json_arr_begin(&j, "checks");
	for (unsigned int i = 0; i < d->n_checks; i++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "check", d->checks[i].what);
		json_bool(&j, "ok", d->checks[i].ok);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_bool(&j, "verified", checks_failed(d) == 0);
	json_obj_end(&j);
	json_finish(&j);
}
