/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* An imported log: the device's handle (log_import.c, log_dma.c). */
#ifndef IODIRTY_LOG_IMPORT_H
#define IODIRTY_LOG_IMPORT_H

#include <pthread.h>

#include "internal.h"
#include "shlog.h"

/* How a range of the VMM's user addresses appears in this process. */
struct log_mem {
	uint64_t vmm;		/* the VMM's user address */
	uint64_t length;
	char *addr;		/* ours */
};

/* A mapping of the table; older ones stay until the handle goes. */
struct log_tab_map {
	const void *base;
	uint64_t size;
	struct log_tab_map *older;
};

struct log_import {
	void *base;
	struct iod_shlog_geo geo;	/* checked against the file at import */
	/*
	 * The mapping table and the memory: read-locked by DMA and
	 * translation, write-locked to add memory or map a grown table.
	 */
	pthread_rwlock_t lock;
	int tab_fd;			/* -1: no table */
	struct log_tab_map *tab;
	struct log_mem *mem;		/* sorted by vmm, disjoint */
	size_t nmem, capmem;
};

int log_mark(struct iodirty_domain *dom, uint64_t iova, uint64_t length);
int log_translate(struct iodirty_domain *dom, uint64_t iova,
		  uint64_t *uaddr, uint64_t *contig);
int log_dma(struct iodirty_domain *dom, uint64_t iova, void *buf,
	    uint64_t length, bool write);
/* Frees the table's mappings and the memory list. */
void log_tab_fini(struct log_import *imp);

#endif /* IODIRTY_LOG_IMPORT_H */
