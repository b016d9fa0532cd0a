// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: what the demo prints around the pass table, as text,
 * or everything as one JSON object.
 *
 * Text comes in two parts: the intro (parameters, layout, setup checks)
 * before the migration, so that the pass table follows it live, and the
 * summary after it.
 */
#include <inttypes.h>
#include <stdio.h>

#include "demo.h"

static unsigned int checks_failed(const struct demo *d)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->n_checks; i++)
		n += !d->checks[i].ok;
	return n;
}

static void text_checks(const struct demo *d, const struct style *s,
			bool setup)
{
	for (unsigned int i = 0; i < d->n_checks; i++) {
		const struct demo_check *c = &d->checks[i];

		if (c->setup == setup)
			printf("  %s%-4s%s %s\n", c->ok ? s->good : s->bad,
			       c->ok ? "ok" : "FAIL", s->reset, c->what);
	}
}

static double pct(uint32_t bp)
{
	return bp / 100.0;
}

void demo_report_intro(const struct demo *d)
{
	const struct demo_opts *o = d->opts;
	char a[SIZE_STR_MAX], b[SIZE_STR_MAX];
	struct style s;

	style_init(&s, stdout);
	printf("%slibiodirty live migration demo%s: backend %s, seed %" PRIu64
	       "\n\n", s.bold, s.reset, iodirty_ctx_backend(d->ctx), o->seed);
	printf("  %-10s %s in %" PRIu64 " pages of %s, copied to a second "
	       "buffer\n", "RAM", fmt_size_human(a, d->ram_size), d->ram_pages,
	       fmt_size_exact(b, d->pg));
	printf("  %-10s %u thread%s writing ", "device", d->n_threads,
	       d->n_threads == 1 ? "" : "s");
	if (o->device_process)
		printf("in a separate process (pid %d), marking through\n"
		       "  %-10s %u dirty logs the VMM exported, ", (int)d->dev_pid,
		       "", (unsigned int)DEMO_N_MAPS);
	if (o->rate)
		printf("%" PRIu64 " MiB/s in all", o->rate);
	else
		printf("as fast as they can");
	printf(", %g%% of the writes to\n  %-10s a hot set of %g%% of the "
	       "pages (%" PRIu64 " of 4K)\n", pct(o->hot_share_bp), "",
	       pct(o->hot_bp), d->hot_pages);
	printf("  %-10s ", "migration");
	if (o->bandwidth)
		printf("over a %" PRIu64 " MiB/s link", o->bandwidth);
	else
		printf("at memory speed");
	printf("; stop-and-copy once it is estimated\n  %-10s at %" PRIu64
	       " ms or less, or after %u pre-copy passes\n\n", "", o->downtime_ms,
	       o->max_passes);

	printf("layout\n");
	for (unsigned int i = 0; i < DEMO_N_MAPS; i++) {
		static const unsigned int order[] = {
			DEMO_MAP_LOW, DEMO_MAP_ALIAS, DEMO_MAP_HIGH
		};
		const struct demo_map *m = &d->maps[order[i]];

		printf("  %-10s RAM 0x%09" PRIx64 "-0x%09" PRIx64 " at IOVA 0x%"
		       PRIx64 "-0x%" PRIx64 "\n", m->name, m->ram_off,
		       m->ram_off + m->len - 1, m->iova, m->iova + m->len - 1);
	}
	printf("  %-10s RAM 0x%09" PRIx64 "-0x%09" PRIx64 " at IOVA 0x%" PRIx64
	       ", unmapped again\n\n", "hole", d->hole_off,
	       d->hole_off + DEMO_HOLE_SIZE - 1, d->hole_iova);

	printf("setup checks\n");
	text_checks(d, &s, true);
	putchar('\n');
	fflush(stdout);
}

/*
 * Whether pre-copy gains on the device: it dirtied memory more slowly
 * than the link copies (both bytes/s), by the rates of the last pre-copy
 * pass (iodirty_stats' convergence counters).
 */
static bool converges(const struct demo *d)
{
	return (double)d->passes[d->n_passes - 1].dirty_rate < d->bw;
}

static const char *stop_reason(const struct demo *d)
{
	return d->stop_reason == DEMO_STOP_TARGET ? "downtime-target"
						   : "max-passes";
}

static void text_summary(const struct demo *d, const struct style *s)
{
	const struct demo_pass *last = &d->passes[d->n_passes - 1];
	char a[SIZE_STR_MAX], b[SIZE_STR_MAX], where[256];

	printf("\nsummary\n");
	if (d->n_passes > 2)
		printf("  %-16s %u: pass 0, %u more pre-copy, the stop-and-copy"
		       "\n", "passes", d->n_passes, d->n_passes - 2);
	else
		printf("  %-16s %u: pass 0, then the stop-and-copy\n",
		       "passes", d->n_passes);
	if (d->stop_reason == DEMO_STOP_TARGET)
		printf("  %-16s converged: estimated downtime %.1f ms <= "
		       "target %" PRIu64 " ms\n", "stopped",
		       (double)last->est_ns / 1e6, d->opts->downtime_ms);
	else
		printf("  %-16s after %u pre-copy passes (--max-passes): "
		       "estimate %.1f ms > target %" PRIu64 " ms\n", "stopped",
		       d->n_passes - 1, (double)last->est_ns / 1e6,
		       d->opts->downtime_ms);
	if (last->dirty_rate || last->dma_rate)
		printf("  %-16s device dirtied %.1f MiB/s (DMA %.1f MiB/s) "
		       "before the stop, link %.1f MiB/s: pre-copy %s\n",
		       "rates", (double)last->dirty_rate / DEMO_MIB,
		       (double)last->dma_rate / DEMO_MIB, d->bw / DEMO_MIB,
		       !converges(d) ? "does not converge (dirtied faster "
				       "than copied)" :
		       (double)last->dirty_rate < d->bw / 2 ? "converges" :
		       "gains slowly (dirtied at over half the link's rate)");
	printf("  %-16s %s (%.2f times the RAM)\n", "total copied",
	       fmt_size_human(a, d->copied),
	       (double)d->copied / (double)d->ram_size);
	printf("  %-16s %" PRIu64 " (%s; %" PRIu64 " through the alias, %"
	       PRIu64 " across pages)\n", "device writes", d->dev_writes,
	       fmt_size_human(b, d->dev_bytes), d->dev_via_alias,
	       d->dev_spanning);
	printf("  %-16s %.1f ms for %" PRIu64 " pages (estimated %.1f ms)\n",
	       "final downtime", (double)last->time_ns / 1e6,
	       last->dirty_pages, (double)last->est_ns / 1e6);
	if (d->lost)
		printf("  %-16s page %" PRIu64 " (RAM offset 0x%" PRIx64
		       ") left out of the stop-and-copy\n", "injected loss",
		       d->lost_page, d->lost_page * d->pg);
	if (d->failed_pass)
		printf("  %-16s pass 1 failed; %" PRIu64 " pages put back and "
		       "sent by its retry\n", "injected failure", d->put_back);
	if (d->verified)
		printf("  %-16s %sPASSED%s: the destination equals the source, "
		       "all %s\n", "verification", s->good, s->reset,
		       fmt_size_human(a, d->ram_size));
	else
		printf("  %-16s %sFAILED%s: first difference at RAM offset 0x%"
		       PRIx64 " (%s); %" PRIu64 " page(s) differ\n",
		       "verification", s->bad, s->reset, d->diff_off,
		       demo_where(d, d->diff_off, where, sizeof(where)),
		       d->diff_pages);
	printf("  %-16s setup %.2f s, migration %.2f s, verification %.2f s, "
	       "total %.2f s\n", "time", (double)d->setup_ns / 1e9,
	       (double)d->migrate_ns / 1e9, (double)d->verify_ns / 1e9,
	       (double)d->total_ns / 1e9);
}

static void text_stats(const struct demo *d)
{
	const struct iodirty_stats *st = &d->stats;
	char a[SIZE_STR_MAX];

	printf("\ndomain stats\n");
	printf("  %-16s %" PRIu64 "\n", "mappings", st->mappings);
	printf("  %-16s %" PRIu64 "\n", "holes", st->holes);
	printf("  %-16s %s (%" PRIu64 " bytes)\n", "mapped",
	       fmt_size_human(a, st->mapped_bytes), st->mapped_bytes);
	printf("  %-16s %" PRIu64 "\n", "dirty pending", st->dirty_pending);
	printf("  %-16s %" PRIu64 " (%" PRIu64 " cleared)\n", "dirty reads",
	       st->reads, st->clears);
	printf("  %-16s %s (%" PRIu64 " bytes)\n", "library memory",
	       fmt_size_human(a, st->mem_bytes), st->mem_bytes);
}

void demo_report_text(const struct demo *d)
{
	unsigned int failed = checks_failed(d);
	struct style s;

	style_init(&s, stdout);
	text_summary(d, &s);
	text_stats(d);
	printf("\nmigration checks\n");
	text_checks(d, &s, false);
	if (failed)
		printf("\n%sFAILED%s: %u of %u checks failed\n", s.bad, s.reset,
		       failed, d->n_checks);
	else
		printf("\n%sPASSED%s: all %u checks passed\n", s.good, s.reset,
		       d->n_checks);
}

static void json_map(struct json *j, const char *key, uint64_t iova,
		     uint64_t ram_off, uint64_t len)
{
	json_obj_begin(j, key);
	json_u64(j, "iova", iova);
	json_u64(j, "ram_offset", ram_off);
	json_u64(j, "bytes", len);
	json_obj_end(j);
}

static void json_passes(struct json *j, const struct demo *d)
{
	json_arr_begin(j, "pass_log");
	for (unsigned int i = 0; i < d->n_passes; i++) {
		const struct demo_pass *p = &d->passes[i];

		json_obj_begin(j, NULL);
		json_u64(j, "pass", p->n);
		json_str(j, "kind", p->final ? "stop-and-copy" : "pre-copy");
		json_u64(j, "dirty_pages", p->dirty_pages);
		json_u64(j, "copied_bytes", p->copied);
		json_u64(j, "harvest_us", p->harvest_ns / 1000);
		json_u64(j, "copy_us", p->copy_ns / 1000);
		json_u64(j, "time_us", p->time_ns / 1000);
		if (p->est_ns)
			json_u64(j, "est_downtime_us", p->est_ns / 1000);
		else
			json_null(j, "est_downtime_us");
		json_u64(j, "device_writes", p->writes);
		json_u64(j, "dirty_rate_kib_s", p->dirty_rate >> 10);
		json_u64(j, "dma_rate_kib_s", p->dma_rate >> 10);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void demo_report_json(const struct demo *d)
{
	const struct demo_pass *last = &d->passes[d->n_passes - 1];
	const struct iodirty_stats *st = &d->stats;
	const struct demo_opts *o = d->opts;
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "backend", iodirty_ctx_backend(d->ctx));
	json_u64(&j, "seed", o->seed);
	json_u64(&j, "page_size", d->pg);
	json_u64(&j, "ram_bytes", d->ram_size);
	json_u64(&j, "threads", d->n_threads);
	json_bool(&j, "device_process", o->device_process);
	json_u64(&j, "rate_mib_s", o->rate);
	json_u64(&j, "bandwidth_mib_s", o->bandwidth);
	json_u64(&j, "hot_basis_points", o->hot_bp);
	json_u64(&j, "hot_share_basis_points", o->hot_share_bp);
	json_u64(&j, "hot_pages", d->hot_pages);
	json_u64(&j, "downtime_target_ms", o->downtime_ms);
	json_u64(&j, "max_passes", o->max_passes);

	json_obj_begin(&j, "layout");
	for (unsigned int i = 0; i < DEMO_N_MAPS; i++) {
		static const char *const keys[DEMO_N_MAPS] = {
			[DEMO_MAP_LOW] = "low_half",
			[DEMO_MAP_HIGH] = "high_half",
			[DEMO_MAP_ALIAS] = "alias",
		};
		const struct demo_map *m = &d->maps[i];

		json_map(&j, keys[i], m->iova, m->ram_off, m->len);
	}
	json_map(&j, "hole", d->hole_iova, d->hole_off, DEMO_HOLE_SIZE);
	json_obj_end(&j);

	json_u64(&j, "passes", d->n_passes);
	json_passes(&j, d);
	json_str(&j, "stop_reason", stop_reason(d));
	json_bool(&j, "converged", d->stop_reason == DEMO_STOP_TARGET);
	json_u64(&j, "dirty_rate_kib_s", last->dirty_rate >> 10);
	json_u64(&j, "link_kib_s", (uint64_t)d->bw >> 10);
	json_bool(&j, "precopy_converges", converges(d));
	json_u64(&j, "copied_bytes", d->copied);
	json_u64(&j, "downtime_us", last->time_ns / 1000);
	json_u64(&j, "downtime_estimate_us", last->est_ns / 1000);

	json_obj_begin(&j, "device");
	json_u64(&j, "writes", d->dev_writes);
	json_u64(&j, "bytes", d->dev_bytes);
	json_u64(&j, "writes_via_alias", d->dev_via_alias);
	json_u64(&j, "writes_across_pages", d->dev_spanning);
	json_obj_end(&j);

	if (d->lost)
		json_u64(&j, "injected_loss_page", d->lost_page);
	else
		json_null(&j, "injected_loss_page");
	if (d->verified) {
		json_null(&j, "first_difference");
	} else {
		json_obj_begin(&j, "first_difference");
		json_u64(&j, "ram_offset", d->diff_off);
		json_u64(&j, "page", d->diff_off / d->pg);
		json_u64(&j, "pages_differing", d->diff_pages);
		json_obj_end(&j);
	}
	json_u64(&j, "setup_ms", d->setup_ns / 1000000);
	json_u64(&j, "migration_ms", d->migrate_ns / 1000000);
	json_u64(&j, "verification_ms", d->verify_ns / 1000000);
	json_u64(&j, "total_ms", d->total_ns / 1000000);

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
	json_bool(&j, "verified", d->verified && checks_failed(d) == 0);
	json_obj_end(&j);
	json_finish(&j);
}
