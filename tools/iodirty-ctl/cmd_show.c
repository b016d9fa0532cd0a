// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl show HANDLE: one IO address space of iodirty.ko, with its
 * mappings (as runs of mapped pages, holes between them) and reserved
 * regions.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "inspect.h"

/* Dumps interrupted by a concurrent map or unmap are repeated this often. */
#define SHOW_TRIES 100

static void show_usage(FILE *f)
{
	fputs("Usage: iodirty-ctl show [--json] HANDLE\n"
	      "\n"
	      "Show one IO address space of the iodirty kernel module (HANDLE\n"
	      "as 'iodirty-ctl list' prints it): owner, sizes, pins, tracking,\n"
	      "counters, every mapping with its holes, the reserved regions.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json  print one JSON object\n"
	      "  -h, --help  show this help and exit\n"
	      "\n"
	      "Exit status: 0, 1 failure, 2 usage, 3 module not loaded,\n"
	      "4 permission denied, 5 no such handle.\n", f);
}

struct show_out {
	struct json j;
	bool json;
	uint64_t area;		/* the area of the last run printed */
	uint64_t end;		/* and where that run ended */
	bool any;
};

static int show_run_cb(void *arg, const struct ctl_run *r)
{
	struct show_out *out = arg;
	char len[SIZE_STR_MAX], hole[SIZE_STR_MAX];

	if (out->json) {
		json_obj_begin(&out->j, NULL);
		json_u64(&out->j, "iova", r->iova);
		json_u64(&out->j, "length", r->length);
		if (r->has_uaddr)
			json_u64(&out->j, "uaddr", r->uaddr);
		else
			json_null(&out->j, "uaddr");
		json_str(&out->j, "prot", inspect_prot(r->prot));
		json_u64(&out->j, "area_iova", r->area_iova);
		json_u64(&out->j, "area_length", r->area_length);
		json_obj_end(&out->j);
		return 0;
	}
	if (!out->any || r->area_iova != out->area) {
		printf("  mapping 0x%" PRIx64 "-0x%" PRIx64 " (%s)\n",
		       r->area_iova, r->area_iova + r->area_length - 1,
		       fmt_size_human(len, r->area_length));
		out->end = r->area_iova;
	}
	if (r->iova > out->end)
		printf("    hole    0x%" PRIx64 "-0x%" PRIx64 " (%s)\n",
		       out->end, r->iova - 1,
		       fmt_size_human(hole, r->iova - out->end));
	printf("    mapped  0x%" PRIx64 "-0x%" PRIx64 " %s ", r->iova,
	       r->iova + r->length - 1, inspect_prot(r->prot));
	if (r->has_uaddr)
		printf("-> 0x%" PRIx64, r->uaddr);
	printf(" (%s)\n", fmt_size_human(len, r->length));
	out->area = r->area_iova;
	out->end = r->iova + r->length;
	out->any = true;
	return 0;
}

static int show_resv_cb(void *arg, uint64_t start, uint64_t last,
			uint32_t type)
{
	struct show_out *out = arg;
	const char *t = type == 1 ? "msi" : type == 2 ? "direct" : "other";

	if (out->json) {
		json_obj_begin(&out->j, NULL);
		json_u64(&out->j, "start", start);
		json_u64(&out->j, "last", last);
		json_str(&out->j, "type", t);
		json_obj_end(&out->j);
	} else {
		printf("  reserved 0x%" PRIx64 "-0x%" PRIx64 " %s\n", start,
		       last, t);
	}
	out->any = true;
	return 0;
}

static void show_text(const struct ctl_ioas *o)
{
	char a[SIZE_STR_MAX], b[SIZE_STR_MAX], when[64];
	time_t t = (time_t)(o->created_ns / 1000000000u);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(when, sizeof(when), "%" PRIu64 " ns", o->created_ns);
	printf("handle        %u\n", o->handle);
	printf("owner         pid %u (%s), uid %u\n", o->owner_tgid,
	       o->owner_comm, o->owner_uid);
	printf("created       %s\n", when);
	printf("mapped        %s in %" PRIu64 " mapping(s), %" PRIu64
	       " hole page(s)\n", fmt_size_human(a, o->mapped_bytes),
	       o->mappings, o->holes);
	printf("pinned        %" PRIu64 " page(s), memlock charge %s\n",
	       o->pinned_pages, fmt_size_human(b, o->memlock_bytes));
	printf("reserved      %u region(s)\n", o->reserved_regions);
	printf("tracking      %s, granule %s, %" PRIu64
	       " dirty granule(s) pending\n", o->tracking ? "on" : "off",
	       fmt_size_exact(a, o->granule), o->dirty_pending);
	printf("reads         %" PRIu64 " (%" PRIu64 " clearing), %s "
	       "reported dirty\n", o->reads, o->clears,
	       fmt_size_human(a, o->dirty_reported_bytes));
	printf("dma           %" PRIu64 " write(s) %s, %" PRIu64
	       " read(s) %s\n", o->dma_writes,
	       fmt_size_human(a, o->dma_write_bytes), o->dma_reads,
	       fmt_size_human(b, o->dma_read_bytes));
	printf("unmap reports %" PRIu64 "\n", o->unmaps_reported);
}

static int show_run(const struct ctl_cmd *cmd, struct ctl_global *g,
		    int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		CTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct show_out out = { .json = false };
	unsigned int retries = 0;
	struct ctl_ioas o;
	struct ctl_nl nl;
	uint32_t handle;
	int ret;

	ret = inspect_getopt(cmd, g, argc, argv, ":j" CTL_COMMON_SHORTOPTS,
			     longopts, &out.json, NULL, NULL);
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return ctl_usage_err(cmd, "no handle given");
	if (!inspect_handle(argv[optind], &handle))
		return ctl_usage_err(cmd, "'%s' is not a handle",
				     argv[optind]);
	if (optind + 1 < argc)
		return ctl_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind + 1]);
	ret = inspect_open(&nl, "show");
	if (ret)
		return ret;
	ret = ctl_nl_ioas_get(&nl, handle, &o);
	if (ret)
		goto fail;
	if (out.json) {
		json_init(&out.j, stdout);
		json_obj_begin(&out.j, NULL);
		inspect_json_ioas(&out.j, &o);
		json_arr_begin(&out.j, "runs");
	} else {
		show_text(&o);
		printf("mappings:\n");
	}
	ret = ctl_nl_runs(&nl, handle, SHOW_TRIES, &retries, show_run_cb,
			  &out);
	if (ret)
		goto fail;
	if (out.json) {
		json_arr_end(&out.j);
		json_u64(&out.j, "dump_retries", retries);
		json_arr_begin(&out.j, "reserved");
	} else if (!out.any) {
		printf("  none\n");
	}
	out.any = false;
	if (!out.json)
		printf("reserved regions:\n");
	ret = ctl_nl_resv(&nl, handle, show_resv_cb, &out);
	if (ret)
		goto fail;
	if (out.json) {
		json_arr_end(&out.j);
		json_obj_end(&out.j);
		json_finish(&out.j);
	} else if (!out.any) {
		printf("  none\n");
	}
	ctl_nl_close(&nl);
	return CTL_EXIT_OK;
fail:
	if (out.json)
		json_finish(&out.j);
	ret = ret == -EAGAIN ?
	      (ctl_msg("show: the mappings kept changing during %d dumps",
		       SHOW_TRIES), CTL_EXIT_FAIL) :
	      ctl_nl_fail(&nl, ret, "show");
	ctl_nl_close(&nl);
	return ret;
}

const struct ctl_cmd ctl_cmd_show = {
	.name = "show",
	.summary = "show one IO address space with its mappings",
	.run = show_run,
	.usage = show_usage,
};
