/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The mapping table a VMM shares read-only with a device process beside a
 * dirty log (IODIRTY_LOG_MAPPINGS): the domain's mappings within the log's
 * window, so that the device can translate an IOVA to the VMM's user
 * address, then to its own mapping of the same memory, and write and mark
 * through its handle.
 *
 * Only the VMM writes it (sealed against writes through any mapping made
 * after the VMM's own) and the VMM never reads it back: it keeps the
 * sequence count and the layout itself, so nothing a device does to the
 * file can reach the VMM. The VMM builds the table in private memory and
 * copies it in under the count (odd while it copies); a reader copies
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

/*
 * The writer: publishes @n entries, the count going from *@seq (even, the
 * writer's own copy) to *@seq + 2.
 */
void iod_maptab_write(void *base, uint64_t *seq,
		      const struct iod_maptab_ent *e, uint64_t n);

/*
 * The reader: the entry that holds @iova, copied from a consistent table,
 * in a mapping of @size bytes. Returns 0, -ENOENT (no entry holds it),
 * -EAGAIN (the writer kept the table busy through many tries, yielding
 * between them), or -ENOSPC with *@need set to the bytes the table has
 * grown to (map it again).
 */
int iod_maptab_find(const void *base, uint64_t size, uint64_t iova,
		    struct iod_maptab_ent *e, uint64_t *need);

#endif /* IODIRTY_MAPTAB_H */
