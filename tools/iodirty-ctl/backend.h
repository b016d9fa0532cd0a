// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: opening a backend and naming what it can do.
 */
#ifndef IODIRTY_CTL_BACKEND_H
#define IODIRTY_CTL_BACKEND_H

#include <stdint.h>

#include <libiodirty/iodirty.h>

#include "ctl.h"

/*
 * Opens the context on g->backend (NULL: the library default) and reads
 * its capabilities into @caps (whose sz this sets). Prints an error and returns a negative errno on
 * failure, with *ctx NULL.
 */
int ctl_open(const struct ctl_global *g, struct iodirty_ctx **ctx,
	     struct iodirty_caps *caps);

/* Name of one IODIRTY_CAP_* bit ("dirty-tracking"), or NULL if unknown. */
const char *ctl_cap_name(uint64_t flag);

/*
 * Writes the names of the bits of @flags to @buf, separated by @sep;
 * unknown bits are written as "bit<n>". Returns @buf.
 */
const char *ctl_cap_names(char *buf, size_t len, uint64_t flags,
			  const char *sep);

#endif /* IODIRTY_CTL_BACKEND_H */
