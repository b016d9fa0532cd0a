// SPDX-License-Identifier: MIT
/*
 * Huge IOPTEs of the mock IOMMU: a device with MOCK_DEV_HUGE_IOVA maps
 * 1 MiB-aligned, physically contiguous memory (here 2 MiB hugetlb pages)
 * with 1 MiB IOPTEs and, as a real IOMMU does, marks a whole IOPTE dirty
 * when any byte of it is written: every 4 KiB page of a written IOPTE reads
 * dirty. H_LEN of such memory is mapped at H, four IOPTEs.
 */
#ifndef IODIRTY_TESTS_IOMMUFD_HUGE_H
#define IODIRTY_TESTS_IOMMUFD_HUGE_H

#include "fixture.h"

#define H (64 * F_MiB)		/* 2 MiB-aligned, so 1 MiB-aligned too */
#define H_LEN (4 * F_MiB)
#define IOPTE MOCK_HUGE_PAGE

struct hfx {
	struct fx *f;
	struct f_dev *d;
	void *mem;
};

/*
 * Maps H_LEN of hugetlb memory at H as @nmaps mappings of equal size (1, 2
 * or 4: IOPTEs stay whole), adds a HUGE_IOVA device attached with
 * @max_iopte (0: the library's choice) and checks, with raw reads of whole
 * IOPTEs, that the mock really uses 1 MiB IOPTEs; skips the test if either
 * is not to be had. Tracking is on and nothing is dirty on return.
 */
void h_setup(struct fx *f, struct hfx *h, unsigned int nmaps,
	     uint64_t max_iopte);

/* Dirties IOPTE @i (of the four) with a 2 KiB write inside it. */
void h_dirty(struct hfx *h, unsigned int i);

void h_done(struct hfx *h);

#endif /* IODIRTY_TESTS_IOMMUFD_HUGE_H */
