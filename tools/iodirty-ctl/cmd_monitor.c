// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl monitor: events of iodirty.ko's IO address spaces as they
 * happen, one line each, until interrupted, --count events, or the module
 * is unloaded.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "inspect.h"
#include "parse.h"

static volatile sig_atomic_t monitor_stop;

static void monitor_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

static void monitor_usage(FILE *f)
{
	fputs("Usage: iodirty-ctl monitor [--json] [--count N]\n"
	      "\n"
	      "Print the events of the iodirty kernel module's IO address spaces\n"
	      "as they happen: created, destroyed, tracking on and off, unmaps\n"
	      "with a dirty report, maps refused by RLIMIT_MEMLOCK. Every IOAS's\n"
	      "with CAP_SYS_ADMIN, else those of your own uid. Runs until\n"
	      "interrupted, N events were printed, or the module is unloaded.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json     one JSON object per line\n"
	      "  -c, --count N  stop after N events\n"
	      "  -h, --help     show this help and exit\n"
	      "\n"
	      "Exit status: 0, 1 failure, 2 usage, 3 module not loaded.\n", f);
}

struct monitor_state {
	const struct ctl_cmd *cmd;
	uint64_t count;		/* 0: no limit */
	uint64_t seen;
	bool json;
};

static int monitor_opt(void *arg, int c, const char *optarg)
{
	struct monitor_state *m = arg;

	if (c != 'c')
		return ctl_usage_err(m->cmd, "unexpected option");
	if (!parse_u64(optarg, &m->count) || !m->count)
		return ctl_usage_err(m->cmd, "--count needs a number above 0, "
				     "not '%s'", optarg);
	return -1;
}

static int monitor_event(void *arg, const struct ctl_event *ev)
{
	struct monitor_state *m = arg;
	const char *name = ctl_nl_event_name(ev->type);
	char len[SIZE_STR_MAX], unknown[24];

	if (m->count && m->seen >= m->count)
		return 0;
	if (!name) {
		snprintf(unknown, sizeof(unknown), "event-%u", ev->type);
		name = unknown;
	}
	if (m->json) {
		struct json j;

		json_init(&j, stdout);
		j.compact = true;
		json_obj_begin(&j, NULL);
		json_str(&j, "event", name);
		json_u64(&j, "handle", ev->handle);
		json_u64(&j, "uid", ev->owner_uid);
		if (ev->has_range) {
			json_u64(&j, "iova", ev->iova);
			json_u64(&j, "length", ev->length);
		}
		if (ev->has_dirty_pages)
			json_u64(&j, "dirty_pages", ev->dirty_pages);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		printf("%-15s handle %u uid %u", name, ev->handle,
		       ev->owner_uid);
		if (ev->has_range)
			printf(" iova 0x%" PRIx64 " length %s", ev->iova,
			       fmt_size_human(len, ev->length));
		if (ev->has_dirty_pages)
			printf(" dirty %" PRIu64, ev->dirty_pages);
		putchar('\n');
	}
	/* A reader at the other end of a pipe wants each line now. */
	fflush(stdout);
	m->seen++;
	return 0;
}

static int monitor_run(const struct ctl_cmd *cmd, struct ctl_global *g,
		       int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'c' },
		CTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct monitor_state m = { .cmd = cmd };
	struct sigaction sa;
	struct ctl_nl nl;
	int ret;

	ret = inspect_getopt(cmd, g, argc, argv, ":jc:" CTL_COMMON_SHORTOPTS,
			     longopts, &m.json, monitor_opt, &m);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return ctl_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind]);
	ret = inspect_open(&nl, "monitor");
	if (ret)
		return ret;
	ret = ctl_nl_events_join(&nl);
	if (ret) {
		ret = ctl_nl_fail(&nl, ret, "monitor");
		goto out;
	}
	/* No SA_RESTART: poll() returns on the signal. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = monitor_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Says the monitor listens: a script may start the events now. */
	fprintf(stderr, "iodirty-ctl: monitoring events\n");
	while (!monitor_stop && (!m.count || m.seen < m.count)) {
		ret = ctl_nl_event_wait(&nl, -1, monitor_event, &m);
		if (ret < 0) {
			ret = ctl_nl_fail(&nl, ret, "monitor");
			goto out;
		}
		if (ret == 1) {
			ctl_msg("monitor: the iodirty module was unloaded");
			break;
		}
	}
	ret = CTL_EXIT_OK;
out:
	ctl_nl_close(&nl);
	return ret;
}

const struct ctl_cmd ctl_cmd_monitor = {
	.name = "monitor",
	.summary = "print IO address space events as they happen",
	.run = monitor_run,
	.usage = monitor_usage,
};
