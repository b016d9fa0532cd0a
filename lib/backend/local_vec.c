// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The vector calls on an in-process io-pagetable (see local_iopt.h): the
 * public segments are copied into the core's, whose address is a number
 * (the core is also the kernel module's and knows no user pointers).
 */
#include <stdint.h>
#include <stdlib.h>

#include "local_iopt.h"

int iodirty_local_map_vec(struct iod_iopt *iopt,
			  const struct iodirty_map_seg *segs, size_t nr,
			  size_t *failed)
{
	struct iod_map_seg *v;
	size_t i;
	int ret;

	v = nr <= SIZE_MAX / sizeof(*v) ? malloc(nr * sizeof(*v)) : NULL;
	if (!v)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		v[i].iova = segs[i].iova;
		v[i].uaddr = (uint64_t)(uintptr_t)segs[i].addr;
		v[i].length = segs[i].length;
		v[i].prot = segs[i].flags;
		v[i].reserved = segs[i].__reserved;
	}
	ret = iod_iopt_map_vec(iopt, v, nr, failed);
	free(v);
	return ret;
}

int iodirty_local_unmap_vec(struct iod_iopt *iopt,
			    const struct iodirty_unmap_seg *segs, size_t nr,
			    uint64_t *dirty, size_t *failed)
{
	struct iod_unmap_seg *v;
	size_t i;
	int ret;

	v = nr <= SIZE_MAX / sizeof(*v) ? malloc(nr * sizeof(*v)) : NULL;
	if (!v)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		v[i].iova = segs[i].iova;
		v[i].length = segs[i].length;
	}
	ret = iod_iopt_unmap_vec(iopt, v, nr, dirty, failed, NULL);
	free(v);
	return ret;
}
