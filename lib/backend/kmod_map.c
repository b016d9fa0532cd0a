// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The kmod backend's mappings and reserved regions: map, unmap (with its
 * atomic dirty report), translate, reserve and the range lists.
 */
#include <stdlib.h>

#include "kmod.h"

/* Passed through unchanged. */
_Static_assert(IODIRTY_MAP_READ == (unsigned int)IODIRTY_IOAS_MAP_READ &&
	       IODIRTY_MAP_WRITE == (unsigned int)IODIRTY_IOAS_MAP_WRITE,
	       "map flags");
/* Compared as ints: enumerators of two different enums. */
_Static_assert((int)IODIRTY_RESV_MSI == (int)IODIRTY_RANGE_RESV_MSI &&
	       (int)IODIRTY_RESV_DIRECT == (int)IODIRTY_RANGE_RESV_DIRECT,
	       "resv types");

/*
 * The caller's array of struct iodirty_range is handed to the module as an
 * array of struct iodirty_iova_range: entry_size tells the module the
 * entries' size, and the module fills exactly that much of each.
 */
_Static_assert(sizeof(struct iodirty_iova_range) ==
	       sizeof(struct iodirty_range) &&
	       offsetof(struct iodirty_iova_range, start) ==
	       offsetof(struct iodirty_range, start) &&
	       offsetof(struct iodirty_iova_range, last) ==
	       offsetof(struct iodirty_range, last) &&
	       offsetof(struct iodirty_iova_range, type) ==
	       offsetof(struct iodirty_range, type) &&
	       offsetof(struct iodirty_iova_range, __reserved) ==
	       offsetof(struct iodirty_range, __reserved), "range layout");

int kmod_map(struct iodirty_domain *dom, uint64_t iova, uint64_t uaddr,
	     uint64_t length, uint32_t prot)
{
	struct iodirty_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = prot,
		.ioas_id = kmod_id(dom),
		.user_va = uaddr,
		.length = length,
		.iova = iova,
	};

	/* Only the public bits may reach the kernel, where a later uAPI may
	 * give other bits a meaning. */
	if (prot & ~(IODIRTY_MAP_READ | IODIRTY_MAP_WRITE))
		return -EOPNOTSUPP;
	return iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_IOAS_MAP, &cmd);
}

/* IOAS_UNMAP; @bitmap NULL: no report. */
static int ioas_unmap(struct iodirty_domain *dom, uint64_t iova,
		      uint64_t length, uint64_t page_size, uint64_t *bitmap,
		      uint64_t *unmapped, uint64_t *dirty)
{
	struct iodirty_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = kmod_id(dom),
		.iova = iova,
		.length = length,
	};
	int ret;

	/*
	 * Never IODIRTY_UNMAP_EXACT: the public unmap takes any range with a
	 * mapped page in it. page_size means nothing without a bitmap (the
	 * public API ignores it), and the uAPI wants it 0 then.
	 */
	if (bitmap) {
		cmd.flags = IODIRTY_UNMAP_DIRTY_BITMAP;
		cmd.page_size = page_size;
		cmd.dirty_bitmap = (uintptr_t)bitmap;
	}
	ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_IOAS_UNMAP, &cmd);
	if (ret)
		return ret;
	*unmapped = cmd.out_unmapped;
	*dirty = cmd.out_nr_dirty;
	return 0;
}

/*
 * A module before uAPI version 3 has no out_nr_dirty (it leaves the field
 * alone): the report goes to a zeroed bitmap of the library's, whose bits
 * are all found ones, then into the caller's.
 */
static int unmap_v2_report(struct iodirty_domain *dom, uint64_t iova,
			   uint64_t length, uint64_t page_size,
			   uint64_t *bitmap, uint64_t *unmapped,
			   uint64_t *dirty)
{
	uint64_t words, i, *own, unused;
	int ret;

	/*
	 * A shape the old module refuses (a report that cuts its pages among
	 * them): let it give its errno.
	 */
	if (!page_size || (page_size & (page_size - 1)) || !length ||
	    ((iova | length) & (page_size - 1)))
		return ioas_unmap(dom, iova, length, page_size, bitmap,
				  unmapped, dirty);
	words = (length / page_size + 63) / 64;
	own = calloc(words, sizeof(*own));
	if (!own)
		return -ENOMEM;
	ret = ioas_unmap(dom, iova, length, page_size, own, unmapped, &unused);
	if (!ret) {
		*dirty = 0;
		for (i = 0; i < words; i++) {
			*dirty += (uint64_t)__builtin_popcountll(own[i]);
			bitmap[i] |= own[i];
		}
	}
	free(own);
	return ret;
}

int kmod_unmap(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
	       uint64_t page_size, uint64_t *bitmap, uint64_t *unmapped,
	       uint64_t *dirty)
{
	if (bitmap && kmod_uapi_version(dom) < 3)
		return unmap_v2_report(dom, iova, length, page_size, bitmap,
				       unmapped, dirty);
	return ioas_unmap(dom, iova, length, page_size, bitmap, unmapped,
			  dirty);
}

int kmod_translate(struct iodirty_domain *dom, uint64_t iova,
		   uint64_t *uaddr, uint64_t *contig)
{
	struct iodirty_ioas_translate cmd = {
		.size = sizeof(cmd),
		.ioas_id = kmod_id(dom),
		.iova = iova,
	};
	int ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_IOAS_TRANSLATE, &cmd);

	if (ret)
		return ret;
	*uaddr = cmd.out_user_va;
	if (contig)
		*contig = cmd.out_contig;
	return 0;
}

/* Entries asked of the module per ioctl: the caller's batch. */
#define KMOD_MAPPINGS_STEP 64

int64_t kmod_mappings(struct iodirty_domain *dom, uint64_t iova,
		      struct iodirty_mapping *out, size_t nr)
{
	struct iodirty_mapping_entry e[KMOD_MAPPINGS_STEP];
	size_t n = 0;

	if (!kmod_has(dom, IODIRTY_CAP_MAPPINGS))
		return -EOPNOTSUPP;
	while (n < nr) {
		struct iodirty_ioas_mappings cmd = {
			.size = sizeof(cmd),
			.ioas_id = kmod_id(dom),
			.num_entries = (uint32_t)(nr - n < KMOD_MAPPINGS_STEP ?
						  nr - n : KMOD_MAPPINGS_STEP),
			.iova = iova,
			.entries = (uintptr_t)e,
		};
		uint32_t want = cmd.num_entries, i;
		int ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_IOAS_MAPPINGS,
					    &cmd);

		if (ret)
			return ret;
		for (i = 0; i < cmd.num_entries; i++)
			out[n++] = (struct iodirty_mapping){
				.iova = e[i].iova,
				.length = e[i].length,
				.addr = (void *)(uintptr_t)e[i].user_va,
				.flags = e[i].flags,
			};
		if (cmd.num_entries < want)
			break;
		iova = e[want - 1].iova + e[want - 1].length;
		if (!iova)
			break;
	}
	return (int64_t)n;
}

static int ioas_reserve(struct iodirty_domain *dom, uint32_t flags,
			uint64_t iova, uint64_t length, uint32_t type)
{
	struct iodirty_ioas_reserve cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = kmod_id(dom),
		.type = type,
		.iova = iova,
		.length = length,
	};

	return iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_IOAS_RESERVE, &cmd);
}

int kmod_reserve(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		 uint32_t type)
{
	/* Unknown types go to the kernel too, which refuses them with
	 * EINVAL after its range checks, as the soft backend does. */
	return ioas_reserve(dom, 0, iova, length, type);
}

int kmod_unreserve(struct iodirty_domain *dom, uint64_t iova,
		   uint64_t length)
{
	return ioas_reserve(dom, IODIRTY_RESERVE_REMOVE, iova, length, 0);
}

/*
 * IOAS_IOVA_RANGES with @flags into @out (capacity *@count), with the
 * contract of iodirty_iova_ranges(). The module writes the entries
 * straight into @out, each cut to the entry_size given (a newer module's
 * larger entries lose only fields this library does not know).
 */
static int ioas_ranges(struct iodirty_domain *dom, uint32_t flags,
		       struct iodirty_range *out, size_t *count)
{
	size_t cap = *count < UINT32_MAX ? *count : UINT32_MAX;
	struct iodirty_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = kmod_id(dom),
		.num_ranges = (uint32_t)cap,
		.ranges = (uintptr_t)out,
		.entry_size = sizeof(struct iodirty_iova_range),
	};
	int ret;

	ret = iodirty_dev_ioctl(kmod_fd(dom), IODIRTY_IOAS_IOVA_RANGES, &cmd);
	/* On EMSGSIZE the module has written as many as fit. */
	if (!ret || ret == -EMSGSIZE)
		*count = cmd.num_ranges;
	return ret;
}

int kmod_reserved(struct iodirty_domain *dom, struct iodirty_range *out,
		  size_t *count)
{
	return ioas_ranges(dom, IODIRTY_RANGES_RESERVED, out, count);
}

int kmod_iova_ranges(struct iodirty_domain *dom, struct iodirty_range *out,
		     size_t *count)
{
	return ioas_ranges(dom, 0, out, count);
}
