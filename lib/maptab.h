/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The mapping table a VMM shares read-only with a device process beside a
 * dirty log (IODIRTY_LOG_MAPPINGS): the domain's mappings within the log's
 * window, so that the device can translate an IOVA to the VMM's user
 * address, then to its own mapping of the same memory, and write and mark
 * through its handle.
 *
 * Only the VMM writes it (the device gets a read-only descriptor) and the
 * VMM never reads it back, so nothing a device does to it can reach the
 * VMM. The VMM rewrites the whole table after each change of the domain's
 * mappings under a sequence count (odd while it writes); a reader copies
 * what it needs and retries when the count moved. The file only grows
 * (sealed against shrinking), so a reader's mapping never faults; a
 * reader that finds more entries than it has mapped maps the file again.
 */
#ifndef IODIRTY_MAPTAB_H
#define IODIRTY_MAPTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOD_MAPTAB_MAGIC	0x3150414d444f49ULL	/* "IODMAP1" */
#define IOD_MAPTAB_VERSION	1u
#define IOD_MAPTAB_HDR_SIZE	4096u	/* the entries start here */

struct iod_maptab_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t __pad;
	uint64_t seq;		/* odd while the VMM writes */
	uint64_t n;		/* entries, sorted by iova, disjoint */
};

struct iod_maptab_ent {
	uint64_t iova;
	uint64_t length;
	uint64_t uaddr;		/* the VMM's user address of iova */
	uint64_t flags;		/* IODIRTY_MAP_READ / _WRITE */
};

/* Bytes of a table of @n entries, whole pages; 0 on overflow. */
uint64_t iod_maptab_bytes(uint64_t n);

/* The writer: between begin and end, entries [0, n) are written. */
void iod_maptab_begin(void *base);
void iod_maptab_put(void *base, uint64_t i, const struct iod_maptab_ent *e);
void iod_maptab_end(void *base, uint64_t n);

/*
 * The reader: the entry that holds @iova, copied from a consistent table,
 * in a mapping of @size bytes. Returns 0, -ENOENT (no entry holds it),
 * -EAGAIN (the writer kept the table busy: try again), or -ENOSPC with
 * *@need set to the bytes the table has grown to (map it again).
 */
int iod_maptab_find(const void *base, uint64_t size, uint64_t iova,
		    struct iod_maptab_ent *e, uint64_t *need);

#endif /* IODIRTY_MAPTAB_H */
