/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The single-granule mark through a cursor, inline for the access paths
 * (iopt_dma.c, iopt_hold.c): it is the whole cost of a device emulator's
 * mark once the translation hint hits.
 */
#ifndef IODIRTY_CORE_DIRTY_MARK_H
#define IODIRTY_CORE_DIRTY_MARK_H

#include "dirty_priv.h"

/**
 * iod_dirty_mark_one() - mark granule @g dirty through a cursor
 * @d: the bitmap
 * @g: the granule
 * @c: a cursor of @d
 *
 * Allocates the leaf if needed: one descent, from the deepest node shared
 * with the cursor's last leaf, or none when it is the same leaf. A granule
 * already dirty costs loads only (no atomic write), so pages rewritten by
 * several threads do not bounce cache lines. The same steps and order as
 * every mark (see dirty_set_bits()): the word, the leaf summary, then each
 * ancestor's bit bottom-up.
 *
 * Return: 1 if this call changed @g from clean to dirty, 0 if it was
 * dirty already (or beyond the bitmap), or -ENOMEM (nothing marked).
 */
static inline int iod_dirty_mark_one(struct iod_dirty *d, uint64_t g,
				     struct iod_dirty_cursor *c)
{
	struct iod_dirty_leaf *leaf;
	unsigned int level, shift, off, wi;
	uint64_t end = g + 1;
	int newly;

	if (!dirty_clamp(d, g, &end))
		return 0;
	if (iod_dirty_cursor_prepare(d, g, c))
		return -ENOMEM;
	leaf = c->leaf;
	off = (unsigned int)(g & IOD_DIRTY_LEAF_MASK);
	wi = off / 64;
	newly = dirty_set_bits(&leaf->words[wi], 1ULL << (off % 64)) != 0;
	dirty_set_bits(&leaf->summary[wi / 64], 1ULL << (wi % 64));
	level = d->levels - 1;
	shift = IOD_DIRTY_LEAF_SHIFT;
	for (;; level--, shift += IOD_DIRTY_NODE_SHIFT) {
		dirty_set_bits(&c->path[level]->summary,
			       1ULL << ((g >> shift) & (IOD_DIRTY_FANOUT - 1)));
		if (!level)
			return newly;
	}
}

#endif /* IODIRTY_CORE_DIRTY_MARK_H */
