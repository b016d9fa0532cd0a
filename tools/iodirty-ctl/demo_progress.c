// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: the pass table, printed as the migration goes.
 *
 * On a terminal the line of the running pass is redrawn in place with a
 * bar of how much of the pass is copied; once the pass ends it is drawn a
 * last time without the bar, so the finished table reads the same as the
 * plain one printed when stdout is not a terminal: a line per finished
 * pass, no control codes. With --json nothing is printed here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "demo.h"

#define BAR_WIDTH	10
/* A row is this wide; the bar adds BAR_WIDTH + 3. Lines that wrap cannot
 * be redrawn with \r, so a narrower terminal gets no bar. */
#define ROW_WIDTH	63
/* Redraw no more often than this, and not at all for shorter passes. */
#define REDRAW_NS	50000000u

void demo_progress_init(struct demo *d)
{
	const char *term = getenv("TERM");
	struct winsize ws;

	d->progress.on = !d->opts->json;
	d->progress.live = d->progress.on && isatty(STDOUT_FILENO) &&
			   !(term && !strcmp(term, "dumb"));
	d->progress.bar = d->progress.live &&
		(ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col ||
		 ws.ws_col > ROW_WIDTH + BAR_WIDTH + 3);
}

void demo_progress_header(struct demo *d)
{
	if (!d->progress.on)
		return;
	printf("%5s %11s %11s %11s %7s %13s\n", "pass", "dirty pages",
	       "copied", "time", "MiB/s", "est. downtime");
	fflush(stdout);
}

/* The columns of a pass, @copied bytes in @copy_ns, @time_ns in all. */
static void row(const struct demo_pass *p, uint64_t copied, uint64_t copy_ns,
		uint64_t time_ns)
{
	char label[16], rate[16], est[32];

	if (p->final)
		snprintf(label, sizeof(label), "stop");
	else
		snprintf(label, sizeof(label), "%u", p->n);
	if (copy_ns)
		snprintf(rate, sizeof(rate), "%.0f",
			 (double)copied * 1e9 / (double)copy_ns / DEMO_MIB);
	else
		snprintf(rate, sizeof(rate), "-");
	if (p->est_ns)
		snprintf(est, sizeof(est), "%.1f ms", (double)p->est_ns / 1e6);
	else
		snprintf(est, sizeof(est), "-");
	printf("%5s %11" PRIu64 " %7.1f MiB %8.1f ms %7s %13s", label,
	       p->dirty_pages, (double)copied / DEMO_MIB,
	       (double)time_ns / 1e6, rate, est);
}

void demo_progress_update(struct demo *d, const struct demo_pass *p,
			  uint64_t done, uint64_t total, uint64_t start_ns)
{
	struct demo_progress *pr = &d->progress;
	uint64_t now;
	unsigned int fill;
	char bar[BAR_WIDTH + 1];

	if (!pr->live)
		return;
	now = demo_now_ns();
	if (now - start_ns < REDRAW_NS || now - pr->last_ns < REDRAW_NS)
		return;
	pr->last_ns = now;
	fill = total ? (unsigned int)(done * BAR_WIDTH / total) : BAR_WIDTH;
	if (fill > BAR_WIDTH)
		fill = BAR_WIDTH;
	memset(bar, '#', fill);
	memset(bar + fill, '.', BAR_WIDTH - fill);
	bar[BAR_WIDTH] = '\0';
	/* \r back to the start, \033[K erases what a longer line left. */
	fputs("\r", stdout);
	row(p, done, now - start_ns, p->harvest_ns + (now - start_ns));
	if (pr->bar)
		printf(" [%s]", bar);
	fputs("\033[K", stdout);
	fflush(stdout);
}

void demo_progress_done(struct demo *d, const struct demo_pass *p)
{
	if (!d->progress.on)
		return;
	if (d->progress.live)
		fputs("\r", stdout);
	row(p, p->copied, p->copy_ns, p->time_ns);
	fputs(d->progress.live ? "\033[K\n" : "\n", stdout);
	fflush(stdout);
}
