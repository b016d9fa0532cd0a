// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>

#include "inspect.h"
#include "parse.h"

int inspect_getopt(const struct ctl_cmd *cmd, struct ctl_global *g,
		   int argc, char **argv, const char *shortopts,
		   const struct option *longopts, bool *json,
		   int (*own)(void *arg, int c, const char *optarg), void *arg)
{
	int c, ret;

	while ((c = ctl_getopt(cmd, argc, argv, shortopts, longopts)) != -1) {
		if (c == 'j' && json) {
			*json = true;
			continue;
		}
		/* The family is system-wide: no backend is opened. */
		if (c == 'b')
			return ctl_usage_err(cmd, "takes no --backend: it "
					     "inspects the kernel module");
		if (c == 'h' || c == '?' || !own) {
			ret = ctl_common_opt(cmd, g, c, optarg);
			if (ret >= 0)
				return ret;
			continue;
		}
		ret = own(arg, c, optarg);
		if (ret >= 0)
			return ret;
	}
	return -1;
}

bool inspect_handle(const char *s, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(s, &v) || !v || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int inspect_open(struct ctl_nl *nl, const char *what)
{
	int ret = ctl_nl_open(nl);

	return ret ? ctl_nl_fail(nl, ret, what) : CTL_EXIT_OK;
}

void inspect_json_ioas(struct json *j, const struct ctl_ioas *o)
{
	json_u64(j, "handle", o->handle);
	json_obj_begin(j, "owner");
	json_u64(j, "pid", o->owner_tgid);
	json_u64(j, "uid", o->owner_uid);
	json_str(j, "comm", o->owner_comm);
	json_obj_end(j);
	json_u64(j, "created_ns", o->created_ns);
	json_u64(j, "mapped_bytes", o->mapped_bytes);
	json_u64(j, "mappings", o->mappings);
	json_u64(j, "holes", o->holes);
	json_u64(j, "pinned_pages", o->pinned_pages);
	json_u64(j, "memlock_bytes", o->memlock_bytes);
	json_u64(j, "reserved_regions", o->reserved_regions);
	json_bool(j, "tracking", o->tracking);
	json_u64(j, "granule", o->granule);
	json_u64(j, "dirty_pending", o->dirty_pending);
	json_u64(j, "reads", o->reads);
	json_u64(j, "clears", o->clears);
	json_u64(j, "dirty_reported_bytes", o->dirty_reported_bytes);
	json_u64(j, "dma_writes", o->dma_writes);
	json_u64(j, "dma_write_bytes", o->dma_write_bytes);
	json_u64(j, "dma_reads", o->dma_reads);
	json_u64(j, "dma_read_bytes", o->dma_read_bytes);
	json_u64(j, "unmaps_reported", o->unmaps_reported);
	json_u64(j, "generation", o->generation);
}

const char *inspect_prot(uint32_t prot)
{
	static const char *const s[] = { "--", "r-", "-w", "rw" };

	return s[prot & 3];
}
