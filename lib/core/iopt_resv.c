// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Reserved IOVA regions (MSI windows, direct-mapped ranges) and the usable
 * ranges left around them. Regions are few, so they live in a sorted array
 * grown on demand; lookups are binary searches.
 */
#include "iopt_priv.h"

/* Index of the first region whose last byte is >= @addr. */
static size_t resv_lower_bound(const struct iod_resv_array *r, uint64_t addr)
{
	size_t lo = 0, hi = r->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].last < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool resv_hits(const struct iod_resv_array *r, uint64_t start,
		      uint64_t last)
{
	size_t i = resv_lower_bound(r, start);

	return i < r->nr && r->v[i].start <= last;
}

static uint64_t page_last_byte(uint64_t end_page)
{
	return ((end_page - 1) << IOD_PAGE_SHIFT) | (IOD_PAGE_SIZE - 1);
}

bool iopt_resv_overlaps(const struct iod_iopt *iopt, uint64_t first,
			uint64_t end)
{
	return resv_hits(&iopt->resv, first << IOD_PAGE_SHIFT,
			 page_last_byte(end));
}

void iopt_resv_fini(struct iod_iopt *iopt)
{
	iod_free(iopt->resv.v);
	iopt->resv.v = NULL;
	iopt->resv.nr = iopt->resv.cap = 0;
}

static int resv_grow(struct iod_resv_array *r)
{
	size_t cap = r->cap ? r->cap * 2 : 8;
	struct iod_range *v;

	if (r->nr < r->cap)
		return 0;
	if (cap > SIZE_MAX / sizeof(*v))
		return -ENOMEM;
	v = iod_alloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (r->nr)
		iod_memcpy(v, r->v, r->nr * sizeof(*v));
	iod_free(r->v);
	r->v = v;
	r->cap = cap;
	return 0;
}

int iod_iopt_reserve(struct iod_iopt *iopt, uint64_t iova, uint64_t length,
		     uint32_t type)
{
	struct iod_resv_array *r = &iopt->resv;
	uint64_t first, end, last;
	size_t i;
	int ret;

	ret = iod_check_range(iova, length, IOD_PAGE_SIZE, iopt->p.iova_bits);
	if (ret)
		return ret;
	if (type != IOD_RESV_MSI && type != IOD_RESV_DIRECT)
		return -EINVAL;
	first = iova >> IOD_PAGE_SHIFT;
	end = first + (length >> IOD_PAGE_SHIFT);
	last = page_last_byte(end);

	iopt_write_lock(iopt);
	if (resv_hits(r, iova, last))
		ret = -EEXIST;
	else if (iopt_present_pages(iopt, first, end))
		ret = -EBUSY;
	else
		ret = resv_grow(r);
	if (ret)
		goto out;
	i = resv_lower_bound(r, iova);
	iod_memmove(&r->v[i + 1], &r->v[i], (r->nr - i) * sizeof(r->v[0]));
	r->v[i] = (struct iod_range){ .start = iova, .last = last,
				      .type = type };
	r->nr++;
out:
	iod_write_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_unreserve(struct iod_iopt *iopt, uint64_t iova, uint64_t length)
{
	struct iod_resv_array *r = &iopt->resv;
	uint64_t last;
	size_t i;
	int ret;

	ret = iod_check_range(iova, length, IOD_PAGE_SIZE, iopt->p.iova_bits);
	if (ret)
		return ret;
	last = iova + (length - 1);
	iopt_write_lock(iopt);
	i = resv_lower_bound(r, iova);
	if (i < r->nr && r->v[i].start == iova && r->v[i].last == last) {
		iod_memmove(&r->v[i], &r->v[i + 1],
			    (r->nr - i - 1) * sizeof(r->v[0]));
		r->nr--;
	} else {
		ret = -ENOENT;
	}
	iod_write_unlock(&iopt->lock);
	return ret;
}

int iod_iopt_reserved(struct iod_iopt *iopt, struct iod_range *out,
		      size_t *count)
{
	int ret = 0;

	if (!count || (*count && !out))
		return -EINVAL;
	iod_read_lock(&iopt->lock);
	/* Like iod_iopt_iova_ranges(): store what fits, say what exists. */
	if (*count < iopt->resv.nr)
		ret = -EMSGSIZE;
	if (out && *count && iopt->resv.nr)
		iod_memcpy(out, iopt->resv.v,
			   iod_min_u64(*count, iopt->resv.nr) * sizeof(*out));
	*count = iopt->resv.nr;
	iod_read_unlock(&iopt->lock);
	return ret;
}

/*
 * Walks the gaps between reserved regions; stores the first @cap of them
 * in @out and returns how many there are.
 */
static size_t usable_ranges(const struct iod_iopt *iopt,
			    struct iod_range *out, size_t cap)
{
	const struct iod_resv_array *r = &iopt->resv;
	uint64_t max = iopt->p.iova_bits == 64 ? ~0ULL :
			(1ULL << iopt->p.iova_bits) - 1;
	uint64_t cursor = 0;
	bool done = false;
	size_t i, n = 0;

	for (i = 0; i < r->nr && !done; i++) {
		if (r->v[i].start > cursor) {
			if (n < cap)
				out[n] = (struct iod_range){
					.start = cursor,
					.last = r->v[i].start - 1 };
			n++;
		}
		if (r->v[i].last >= max)
			done = true;
		else
			cursor = r->v[i].last + 1;
	}
	if (!done) {
		if (n < cap)
			out[n] = (struct iod_range){ .start = cursor,
						     .last = max };
		n++;
	}
	return n;
}

int iod_iopt_iova_ranges(struct iod_iopt *iopt, struct iod_range *out,
			 size_t *count)
{
	size_t n;
	int ret = 0;

	if (!count || (*count && !out))
		return -EINVAL;
	iod_read_lock(&iopt->lock);
	n = usable_ranges(iopt, out, *count);
	if (n > *count)
		ret = -EMSGSIZE;
	*count = n;
	iod_read_unlock(&iopt->lock);
	return ret;
}
