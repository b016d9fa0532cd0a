// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl list: every IO address space of iodirty.ko the caller may
 * see, one row each.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "inspect.h"
#include "parse.h"

static void list_usage(FILE *f)
{
	fputs("Usage: iodirty-ctl list [--json] [--uid UID]\n"
	      "\n"
	      "List the IO address spaces (IOASes) of the iodirty kernel module:\n"
	      "every one with CAP_SYS_ADMIN, else those of your own uid.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json     print a JSON array\n"
	      "  -u, --uid UID  only the IOASes created by UID\n"
	      "  -h, --help     show this help and exit\n"
	      "\n"
	      "Exit status: 0, 1 failure, 2 usage, 3 module not loaded.\n", f);
}

struct list_opts {
	const struct ctl_cmd *cmd;
	int64_t uid;
};

static int list_opt(void *arg, int c, const char *optarg)
{
	struct list_opts *o = arg;
	uint64_t v;

	if (c != 'u')
		return ctl_usage_err(o->cmd, "unexpected option");
	if (!parse_u64(optarg, &v) || v > UINT32_MAX)
		return ctl_usage_err(o->cmd, "--uid needs a uid, not '%s'",
				     optarg);
	o->uid = (int64_t)v;
	return -1;
}

struct list_out {
	struct json j;
	bool json;
	unsigned int rows;
};

static int list_row(void *arg, const struct ctl_ioas *o)
{
	struct list_out *out = arg;
	char map[SIZE_STR_MAX], pin[SIZE_STR_MAX], dirty[SIZE_STR_MAX];
	char dma[SIZE_STR_MAX], owner[48];

	if (out->json) {
		json_obj_begin(&out->j, NULL);
		inspect_json_ioas(&out->j, o);
		json_obj_end(&out->j);
		out->rows++;
		return 0;
	}
	if (!out->rows++)
		printf("%-8s %-22s %6s %9s %9s %8s %7s %5s %9s %9s\n",
		       "HANDLE", "OWNER", "UID", "MAPPED", "PINNED", "MAPPINGS",
		       "HOLES", "TRACK", "DIRTY", "DMA-WR");
	snprintf(owner, sizeof(owner), "%u/%s", o->owner_tgid,
		 o->owner_comm);
	printf("%-8u %-22s %6u %9s %9s %8" PRIu64 " %7" PRIu64
	       " %5s %9s %9s\n", o->handle, owner, o->owner_uid,
	       fmt_size_human(map, o->mapped_bytes),
	       fmt_size_human(pin, o->memlock_bytes), o->mappings, o->holes,
	       o->tracking ? "on" : "off",
	       fmt_size_human(dirty, o->dirty_pending * o->granule),
	       fmt_size_human(dma, o->dma_write_bytes));
	return 0;
}

static int list_run(const struct ctl_cmd *cmd, struct ctl_global *g,
		    int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "uid", required_argument, NULL, 'u' },
		CTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct list_opts o = { .cmd = cmd, .uid = -1 };
	struct list_out out = { .json = false };
	struct ctl_nl nl;
	int ret;

	ret = inspect_getopt(cmd, g, argc, argv, ":ju:" CTL_COMMON_SHORTOPTS,
			     longopts, &out.json, list_opt, &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return ctl_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind]);
	ret = inspect_open(&nl, "list");
	if (ret)
		return ret;
	if (out.json) {
		json_init(&out.j, stdout);
		json_arr_begin(&out.j, NULL);
	}
	ret = ctl_nl_ioas_dump(&nl, o.uid, list_row, &out);
	if (out.json) {
		json_arr_end(&out.j);
		json_finish(&out.j);
	} else if (!ret && !out.rows) {
		printf("no IO address spaces\n");
	}
	ret = ret ? ctl_nl_fail(&nl, ret, "list") : CTL_EXIT_OK;
	ctl_nl_close(&nl);
	return ret;
}

const struct ctl_cmd ctl_cmd_list = {
	.name = "list",
	.summary = "list the kernel module's IO address spaces",
	.run = list_run,
	.usage = list_usage,
};
