// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: where the RAM goes in the IO address space.
 *
 * A VMM rarely maps guest RAM as one IOVA run: RAM is split around holes
 * of the guest's physical address map, and a vIOMMU may map the same
 * memory at several IOVAs. The demo imitates that:
 *
 *   low half   RAM [0, L)            at an IOVA at or above 1G
 *   alias      RAM [L - A/2, L + A/2) at another IOVA, across both halves
 *   high half  RAM [L, size)         far away, in the upper half of the
 *                                    IOVA space when it fits
 *   hole       one page in the middle of the low half, unmapped again
 *
 * where L is half the RAM and A an eighth of it. The migration harvests
 * in RAM (user-address) space, so it never needs this layout; the device
 * and the verification messages do.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "demo.h"

/* Lists the domain's usable IOVA ranges; *out is malloc()ed. */
static int get_iova_ranges(struct demo *d, struct iodirty_range **out,
			   size_t *count)
{
	struct iodirty_range *r = NULL;
	size_t n = 0;
	int err;

	/* Ask for the count first; retry if it grew in between. */
	for (;;) {
		size_t cap = n;

		err = iodirty_iova_ranges(d->dom, r, &n);
		if (err != -EMSGSIZE)
			break;
		if (n <= cap) {	/* the contract says this cannot happen */
			ctl_msg("demo: iodirty_iova_ranges() wants %zu entries "
				"but refused %zu", n, cap);
			free(r);
			return -EPROTO;
		}
		free(r);
		r = calloc(n, sizeof(*r));
		if (!r) {
			err = -ENOMEM;
			break;
		}
	}
	if (err) {
		ctl_err(err, "demo: listing the usable IOVA ranges");
		free(r);
		return err;
	}
	*out = r;
	*count = n;
	return 0;
}

/*
 * Finds the lowest @align-aligned IOVA >= @min where @size bytes fit in
 * one usable range. Returns false when there is none.
 */
static bool fit(const struct iodirty_range *r, size_t n, uint64_t size,
		uint64_t align, uint64_t min, uint64_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t start = r[i].start > min ? r[i].start : min;

		if (start > UINT64_MAX - (align - 1))
			continue;
		start = (start + align - 1) & ~(align - 1);
		if (start < r[i].start || start > r[i].last ||
		    r[i].last - start < size - 1)
			continue;
		*out = start;
		return true;
	}
	return false;
}

/* Places @size bytes at or above @min, preferring 1G, then 2M alignment
 * (what an IOMMU needs for huge leaves). */
static bool place(const struct iodirty_range *r, size_t n, uint64_t size,
		  uint64_t min, uint64_t *out)
{
	static const uint64_t aligns[] = {
		DEMO_GIB, 2 * DEMO_MIB, IODIRTY_PAGE_SIZE
	};

	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++)
		if (fit(r, n, size, aligns[i], min, out))
			return true;
	return false;
}

/* First IOVA past a mapping plus @gap, saturated at the top. */
static uint64_t after(const struct demo_map *m, uint64_t gap)
{
	uint64_t end = m->iova + (m->len - 1);

	if (end >= UINT64_MAX - gap)
		return UINT64_MAX;
	return end + 1 + gap;
}

/* Places map @id at or above @min, else at or above @fallback. */
static bool place_map(struct demo *d, const struct iodirty_range *r,
		      size_t n, enum demo_map_id id, uint64_t min,
		      uint64_t fallback)
{
	struct demo_map *m = &d->maps[id];

	return (min != UINT64_MAX && place(r, n, m->len, min, &m->iova)) ||
	       (fallback != UINT64_MAX &&
		place(r, n, m->len, fallback, &m->iova));
}

/* Splits the mappings at the hole into the runs a device can reach. */
static void make_segs(struct demo *d)
{
	d->n_segs = 0;
	for (unsigned int i = 0; i < DEMO_N_MAPS; i++) {
		const struct demo_map *m = &d->maps[i];
		uint64_t off = m->ram_off, end = m->ram_off + m->len;

		/* Only the low half's mapping has the hole. */
		if (i == DEMO_MAP_LOW && d->hole_off >= off &&
		    d->hole_off < end) {
			if (d->hole_off > off)
				d->segs[d->n_segs++] = (struct demo_seg){
					m->iova, off, d->hole_off - off,
					(enum demo_map_id)i };
			off = d->hole_off + DEMO_HOLE_SIZE;
		}
		if (off < end)
			d->segs[d->n_segs++] = (struct demo_seg){
				m->iova + (off - m->ram_off), off, end - off,
				(enum demo_map_id)i };
	}
}

int demo_layout(struct demo *d)
{
	uint64_t half = d->ram_size / 2 / d->pg * d->pg;
	uint64_t alias = d->ram_size / 8 / d->pg * d->pg;
	struct iodirty_range *r;
	char sz[SIZE_STR_MAX];
	uint64_t far;
	size_t n;
	int err;

	if (alias < d->pg)
		alias = d->pg;
	d->maps[DEMO_MAP_LOW] = (struct demo_map){ "low half", 0, 0, half };
	d->maps[DEMO_MAP_HIGH] = (struct demo_map){
		"high half", 0, half, d->ram_size - half };
	d->maps[DEMO_MAP_ALIAS] = (struct demo_map){
		"alias", 0, (half - alias / 2) / d->pg * d->pg, alias };
	/* In the low half, well below the alias. */
	d->hole_off = half / 2 / d->pg * d->pg;

	err = get_iova_ranges(d, &r, &n);
	if (err)
		return err;
	/* Keep IOVA 0 free, as a VMM usually would: start at 1G if possible. */
	if (!place_map(d, r, n, DEMO_MAP_LOW, DEMO_GIB, 0)) {
		ctl_msg("demo: no usable IOVA range holds %s",
			fmt_size_human(sz, half));
		err = -ERANGE;
		goto out;
	}
	if (!place_map(d, r, n, DEMO_MAP_ALIAS,
		       after(&d->maps[DEMO_MAP_LOW], DEMO_GIB),
		       after(&d->maps[DEMO_MAP_LOW], 0))) {
		ctl_msg("demo: no usable IOVA range left for the alias");
		err = -ERANGE;
		goto out;
	}
	/* The top half of the usable IOVA space: far from the others. */
	far = r[n - 1].last / 2 + 1;
	if (far < after(&d->maps[DEMO_MAP_ALIAS], 0))
		far = after(&d->maps[DEMO_MAP_ALIAS], DEMO_GIB);
	if (!place_map(d, r, n, DEMO_MAP_HIGH, far,
		       after(&d->maps[DEMO_MAP_ALIAS], 0))) {
		ctl_msg("demo: no usable IOVA range left for the high half");
		err = -ERANGE;
		goto out;
	}
	d->hole_iova = d->maps[DEMO_MAP_LOW].iova + d->hole_off;
	make_segs(d);
out:
	free(r);
	return err;
}

const char *demo_where(const struct demo *d, uint64_t off, char *buf,
		       size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < d->n_segs; i++) {
		const struct demo_seg *s = &d->segs[i];
		int w;

		if (off < s->ram_off || off - s->ram_off >= s->len)
			continue;
		w = snprintf(buf + used, len - used, "%sIOVA 0x%" PRIx64
			     " (%s)", used ? ", " : "",
			     s->iova + (off - s->ram_off), d->maps[s->map].name);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	if (!used)
		snprintf(buf, len, "no IOVA: the hole");
	return buf;
}
