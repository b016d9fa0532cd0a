// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iodirty_mappings(): the backends list runs as their tables hold them
 * (split where two map calls met, or where a backend keeps the areas of
 * separate calls apart); this merges them into maximal runs, so that the
 * list depends only on what is mapped.
 */
#include "internal.h"

/* Runs asked of the backend per step. */
#define MAPPINGS_BATCH 64

static bool run_continues(const struct iodirty_mapping *m,
			  const struct iodirty_mapping *r)
{
	return m->iova + m->length == r->iova &&
	       (uintptr_t)m->addr + m->length == (uintptr_t)r->addr &&
	       m->flags == r->flags;
}

IODIRTY_EXPORT int64_t iodirty_mappings(struct iodirty_domain *dom,
					uint64_t iova,
					struct iodirty_mapping *out, size_t nr)
{
	struct iodirty_mapping buf[MAPPINGS_BATCH];
	uint64_t at = iova;
	size_t n = 0;

	if (!dom || (nr && !out))
		return -EINVAL;
	if (!dom->ops->mappings)
		return -EOPNOTSUPP;
	if (dom->params.iova_bits < 64 && (iova >> dom->params.iova_bits))
		return -ERANGE;
	if (!nr)
		return 0;
	for (;;) {
		int64_t got = dom->ops->mappings(dom, at, buf, MAPPINGS_BATCH);
		int64_t i;

		if (got < 0)
			return got;
		for (i = 0; i < got; i++) {
			if (n && run_continues(&out[n - 1], &buf[i])) {
				out[n - 1].length += buf[i].length;
				continue;
			}
			/* The last entry is whole: nothing continues it. */
			if (n == nr)
				return (int64_t)n;
			out[n++] = buf[i];
		}
		if (got < MAPPINGS_BATCH)
			return (int64_t)n;
		at = buf[got - 1].iova + buf[got - 1].length;
		if (!at)
			return (int64_t)n;
	}
}
