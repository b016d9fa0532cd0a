/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* An imported log: the device's handle (log_import.c, log_dma.c). */
#ifndef IODIRTY_LOG_IMPORT_H
#define IODIRTY_LOG_IMPORT_H

#include <pthread.h>
#include <stdatomic.h>

#include "internal.h"
#include "shlog.h"

/* How a range of the VMM's user addresses appears in this process. */
struct log_mem {
	uint64_t vmm;		/* the VMM's user address */
	uint64_t length;
	char *addr;		/* ours */
};

/*
 * What translation reads: a mapping of the table and the memory list.
 * Never changed once published; a change publishes a new view, and the
 * old ones (with their table mappings) stay until the handle goes, for
 * threads still reading them. So DMA takes no lock.
 */
struct log_view {
	const void *tab;		/* NULL: no table imported */
	uint64_t tab_size;
	bool tab_owner;			/* this view mapped it */
	struct log_mem *mem;		/* sorted by vmm, disjoint */
	size_t nmem;
	struct log_view *older;
};

struct log_import {
	void *base;
	struct iod_shlog_geo geo;	/* checked against the file at import */
	pthread_mutex_t lock;		/* who publishes a view */
	int tab_fd;			/* -1: no table */
	_Atomic(struct log_view *) view;	/* NULL: none yet */
};

/* 0 if @fd is a file sealed against shrinking; -EBADF or -EINVAL. */
int log_fd_sealed(int fd);
int log_mark(struct iodirty_domain *dom, uint64_t iova, uint64_t length);
int log_translate(struct iodirty_domain *dom, uint64_t iova,
		  uint64_t *uaddr, uint64_t *contig);
int log_dma(struct iodirty_domain *dom, uint64_t iova, void *buf,
	    uint64_t length, bool write);
/* Frees the table's mappings and the memory list. */
void log_tab_fini(struct log_import *imp);

#endif /* IODIRTY_LOG_IMPORT_H */
