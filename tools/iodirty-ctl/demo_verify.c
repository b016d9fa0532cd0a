// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl demo: the verdict on the migration. With the device stopped
 * and the stop-and-copy done, the destination must equal the source byte
 * for byte; a page whose dirty bit went missing anywhere shows up here.
 */
#include <inttypes.h>
#include <string.h>

#include "demo.h"

/* Finds the first differing byte and counts the differing pages. */
static void locate(struct demo *d)
{
	bool first = true;

	for (uint64_t i = 0; i < d->ram_pages; i++) {
		const uint8_t *a = d->ram + i * d->pg, *b = d->dst + i * d->pg;

		if (!memcmp(a, b, d->pg))
			continue;
		d->diff_pages++;
		if (!first)
			continue;
		first = false;
		for (uint64_t o = 0; o < d->pg; o++) {
			if (a[o] != b[o]) {
				d->diff_off = i * d->pg + o;
				break;
			}
		}
	}
}

void demo_verify(struct demo *d)
{
	uint64_t t = demo_now_ns();
	char where[256], sz[SIZE_STR_MAX];

	/* One memcmp for the usual case; the page scan only on a mismatch. */
	d->verified = !memcmp(d->dst, d->ram, d->ram_size);
	if (!d->verified)
		locate(d);
	d->verify_ns = demo_now_ns() - t;
	if (demo_check(d, d->verified,
		       "the destination equals the source, byte for byte"))
		return;
	ctl_msg("demo: verification failed: the destination differs from the "
		"source at RAM offset 0x%" PRIx64 " (page %" PRIu64 " of %s, "
		"mapped at %s); %" PRIu64 " page(s) differ", d->diff_off,
		d->diff_off / d->pg, fmt_size_exact(sz, d->pg),
		demo_where(d, d->diff_off, where, sizeof(where)),
		d->diff_pages);
}
