// SPDX-License-Identifier: MIT
#include "huge.h"

#include <inttypes.h>
#include <string.h>

void h_setup(struct fx *f, struct hfx *h, unsigned int nmaps,
	     uint64_t max_iopte)
{
	uint64_t bm[IOPTE / F_PAGE / 64];
	uint64_t n, part = H_LEN / nmaps;

	h->f = f;
	h->mem = f_huge_mem(H_LEN);
	if (!h->mem) {
		TC_SKIP("no 2 MiB hugetlb pages (vm.nr_hugepages)\n");
	}
	for (unsigned int i = 0; i < nmaps; i++)
		f_map(f, H + i * part, (char *)h->mem + i * part, part);
	F_EQ(f_dev_add_opts(f, MOCK_DEV_HUGE_IOVA, max_iopte, &h->d), 0);
	F_EQ(iodirty_set_dirty_tracking(f->dom, true), 0);
	/*
	 * One 2 KiB write; a raw read of exactly that IOPTE (no kernel
	 * version mishandles it) shows its size, and a second one clears
	 * it behind the library's back, which has nothing to keep yet.
	 */
	h_dirty(h, 0);
	memset(bm, 0, sizeof(bm));
	F_EQ(raw_get_dirty(f->fd, h->d->hwpt, H, IOPTE, F_PAGE, bm, 1), 0);
	n = f_popcount(bm, sizeof(bm) / sizeof(bm[0]));
	if (n != IOPTE / F_PAGE) {
		f_mem_free(h->mem, H_LEN);
		TC_SKIP("mock IOPTE is not 1 MiB (%" PRIu64 " dirty pages "
			"after one write)\n", n);
	}
	F_EQ(raw_get_dirty(f->fd, h->d->hwpt, H, IOPTE, F_PAGE, bm, 0), 0);
	f_check_clean(f, H, H_LEN);
}

void h_dirty(struct hfx *h, unsigned int i)
{
	f_write(h->f, h->d, H + i * IOPTE + 3 * MOCK_PAGE, 1);
}

void h_done(struct hfx *h)
{
	f_mem_free(h->mem, H_LEN);
}
