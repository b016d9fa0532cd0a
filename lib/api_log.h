/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* An exported log, as the VMM keeps it (api_log.c, api_log_maps.c). */
#ifndef IODIRTY_API_LOG_H
#define IODIRTY_API_LOG_H

#include "internal.h"
#include "maptab.h"
#include "shlog.h"

/* The mapping table shared beside a log (IODIRTY_LOG_MAPPINGS). */
struct log_maps {
	int fd;			/* read-write, the VMM's */
	int ro_fd;		/* read-only, for the device */
	void *base;
	uint64_t size;		/* of our mapping */
	uint64_t seq;		/* the table's count: ours, never read back */
	struct iod_maptab_ent *ents;	/* built here, then copied in */
	size_t cap;
};

struct iodirty_log {
	struct iodirty_domain *dom;
	struct iodirty_log *next;
	int fd;
	void *base;
	struct iod_shlog_geo geo;	/* the VMM's own: never read back */
	struct log_maps *maps;		/* NULL without IODIRTY_LOG_MAPPINGS */
};

/* Makes @log's table, empty; 0 or a negative errno. */
int log_maps_create(struct iodirty_log *log);
/* Writes @log's table again from the domain's mappings; log_lock held. */
void log_maps_publish(struct iodirty_log *log);
void log_maps_free(struct log_maps *m);

#endif /* IODIRTY_API_LOG_H */
