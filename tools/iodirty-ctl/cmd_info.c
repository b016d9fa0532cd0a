// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl info: what a backend can do.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include <libiodirty/iodirty.h>

#include "backend.h"
#include "ctl.h"
#include "output.h"

static void info_usage(FILE *f)
{
	fputs("Usage: iodirty-ctl [--backend NAME] info [--json]\n"
	      "\n"
	      "Open a backend and show its name, capabilities, mapping page\n"
	      "sizes, dirty granules, IOVA width and mapping limit.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json          print one JSON object\n"
	      "  -b, --backend NAME  backend to open (default: $"
	      IODIRTY_BACKEND_ENV ",\n"
	      "                      else kmod if /dev/iodirty exists, else soft)\n"
	      "  -h, --help          show this help and exit\n", f);
}

/*
 * Prints the powers of two set in @mask as sizes: "4K 2M 1G". A run of
 * three or more consecutive powers is shortened to "4K..1G".
 */
static void print_sizes(uint64_t mask)
{
	char a[SIZE_STR_MAX], b[SIZE_STR_MAX];
	bool first = true;
	unsigned int bit = 0;

	while (bit < 64) {
		unsigned int end = bit;

		if (!(mask & (1ULL << bit))) {
			bit++;
			continue;
		}
		while (end + 1 < 64 && (mask & (1ULL << (end + 1))))
			end++;
		fputs(first ? "" : " ", stdout);
		first = false;
		if (end - bit >= 2) {
			printf("%s..%s", fmt_size_exact(a, 1ULL << bit),
			       fmt_size_exact(b, 1ULL << end));
		} else {
			printf("%s", fmt_size_exact(a, 1ULL << bit));
			if (end != bit)
				printf(" %s", fmt_size_exact(a, 1ULL << end));
		}
		bit = end + 1;
	}
	if (first)
		fputs("none", stdout);
	putchar('\n');
}

static void print_text(const struct iodirty_ctx *ctx,
		       const struct iodirty_caps *caps)
{
	char names[512];

	printf("%-16s %s\n", "backend", iodirty_ctx_backend(ctx));
	printf("%-16s %s\n", "capabilities",
	       caps->flags ? ctl_cap_names(names, sizeof(names), caps->flags, " ")
			   : "none");
	printf("%-16s ", "page sizes");
	print_sizes(caps->page_sizes);
	printf("%-16s ", "dirty granules");
	print_sizes(caps->granules);
	printf("%-16s %" PRIu32 " max, %" PRIu32 " default\n", "IOVA bits",
	       caps->max_iova_bits, caps->default_iova_bits);
	if (caps->max_mappings)
		printf("%-16s %" PRIu64 "\n", "max mappings", caps->max_mappings);
	else
		printf("%-16s unlimited\n", "max mappings");
}

static void json_sizes(struct json *j, const char *key, uint64_t mask)
{
	json_arr_begin(j, key);
	for (unsigned int bit = 0; bit < 64; bit++)
		if (mask & (1ULL << bit))
			json_u64(j, NULL, 1ULL << bit);
	json_arr_end(j);
}

static void print_json(const struct iodirty_ctx *ctx,
		       const struct iodirty_caps *caps)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "backend", iodirty_ctx_backend(ctx));
	json_arr_begin(&j, "capabilities");
	for (unsigned int bit = 0; bit < 64; bit++) {
		const char *name;
		char unknown[8];

		if (!(caps->flags & (1ULL << bit)))
			continue;
		name = ctl_cap_name(1ULL << bit);
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			name = unknown;
		}
		json_str(&j, NULL, name);
	}
	json_arr_end(&j);
	json_u64(&j, "capability_flags", caps->flags);
	json_sizes(&j, "page_sizes", caps->page_sizes);
	json_sizes(&j, "granules", caps->granules);
	json_u64(&j, "max_iova_bits", caps->max_iova_bits);
	json_u64(&j, "default_iova_bits", caps->default_iova_bits);
	if (caps->max_mappings)
		json_u64(&j, "max_mappings", caps->max_mappings);
	else
		json_null(&j, "max_mappings");	/* unlimited */
	json_obj_end(&j);
	json_finish(&j);
}

static int info_run(const struct ctl_cmd *cmd, struct ctl_global *g,
		    int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		CTL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct iodirty_caps caps;
	struct iodirty_ctx *ctx;
	bool json = false;
	int c, ret;

	while ((c = ctl_getopt(cmd, argc, argv, ":j" CTL_COMMON_SHORTOPTS, longopts)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		default:
			ret = ctl_common_opt(cmd, g, c, optarg);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind < argc)
		return ctl_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind]);

	if (ctl_open(g, &ctx, &caps))
		return CTL_EXIT_FAIL;
	if (json)
		print_json(ctx, &caps);
	else
		print_text(ctx, &caps);
	iodirty_ctx_close(ctx);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_info = {
	.name = "info",
	.summary = "show what a backend can do",
	.run = info_run,
	.usage = info_usage,
};
