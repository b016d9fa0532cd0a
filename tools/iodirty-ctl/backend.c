// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: opening a backend and naming what it can do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

static const struct {
	uint64_t flag;
	const char *name;
} cap_names[] = {
	{ IODIRTY_CAP_DIRTY_TRACKING, "dirty-tracking" },
	{ IODIRTY_CAP_UNMAP_DIRTY_ATOMIC, "unmap-dirty-atomic" },
	{ IODIRTY_CAP_PARTIAL_UNMAP, "partial-unmap" },
	{ IODIRTY_CAP_DMA_RW, "dma-rw" },
	{ IODIRTY_CAP_UADDR_REPORT, "uaddr-report" },
	{ IODIRTY_CAP_USER_RESERVE, "user-reserve" },
	{ IODIRTY_CAP_HW_MODEL, "hw-model" },
	{ IODIRTY_CAP_ATTACH, "attach" },
	{ IODIRTY_CAP_SG, "sg" },
	{ IODIRTY_CAP_MAP_VEC, "map-vec" },
	{ IODIRTY_CAP_EXTENTS, "extents" },
	{ IODIRTY_CAP_SET_DIRTY, "set-dirty" },
	{ IODIRTY_CAP_MAPPINGS, "mappings" },
	{ IODIRTY_CAP_SHARED_LOG, "shared-log" },
};

int ctl_open(const struct ctl_global *g, struct iodirty_ctx **ctx,
	     struct iodirty_caps *caps)
{
	int err;

	*ctx = NULL;
	*caps = (struct iodirty_caps)IODIRTY_OPTS(iodirty_caps);
	err = iodirty_ctx_open(g->backend, NULL, ctx);
	if (err) {
		const char *env = getenv(IODIRTY_BACKEND_ENV);

		if (g->backend)
			ctl_err(err, "opening backend '%s'", g->backend);
		else if (env)
			ctl_err(err, "opening backend '%s' (from %s)", env,
				IODIRTY_BACKEND_ENV);
		else
			ctl_err(err, "opening the default backend");
		*ctx = NULL;
		return err;
	}
	err = iodirty_ctx_caps(*ctx, caps);
	if (err) {
		ctl_err(err, "reading the capabilities of backend '%s'",
			iodirty_ctx_backend(*ctx));
		iodirty_ctx_close(*ctx);
		*ctx = NULL;
		return err;
	}
	return 0;
}

const char *ctl_cap_name(uint64_t flag)
{
	for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (cap_names[i].flag == flag)
			return cap_names[i].name;
	return NULL;
}

const char *ctl_cap_names(char *buf, size_t len, uint64_t flags,
			  const char *sep)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int bit = 0; bit < 64; bit++) {
		const char *name;
		char unknown[8];
		int n;

		if (!(flags & (1ULL << bit)))
			continue;
		name = ctl_cap_name(1ULL << bit);
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			name = unknown;
		}
		n = snprintf(buf + used, len - used, "%s%s",
			     used ? sep : "", name);
		if (n < 0 || (size_t)n >= len - used)
			break;	/* truncated: the buffer is full */
		used += (size_t)n;
	}
	return buf;
}

bool ctl_backend_known(const char *name)
{
	static const char *const known[] = { "soft", "kmod", "iommufd" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(name, known[i]))
			return true;
	return false;
}
