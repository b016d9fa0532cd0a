/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The iommufd ioctls the iommufd backend issues, with the argument layouts
 * and numbers of Linux 6.12 (include/uapi/linux/iommufd.h of 6.12.117).
 * Build hosts may carry older kernel headers, or none for iommufd, and the
 * interface only grows, so the layouts are kept here under private names.
 * Every struct starts with its size; the kernel accepts the 6.12 size from
 * any later kernel on.
 */
#ifndef IODIRTY_BACKEND_IOMMUFD_UAPI_H
#define IODIRTY_BACKEND_IOMMUFD_UAPI_H

#include <stdint.h>
#include <sys/ioctl.h>

#define IOFD_TYPE ';'
#define IOFD_CMD(nr) _IO(IOFD_TYPE, (nr))

#define IOFD_DESTROY			IOFD_CMD(0x80)
#define IOFD_IOAS_ALLOC			IOFD_CMD(0x81)
#define IOFD_IOAS_IOVA_RANGES		IOFD_CMD(0x84)
#define IOFD_IOAS_MAP			IOFD_CMD(0x85)
#define IOFD_IOAS_UNMAP			IOFD_CMD(0x86)
#define IOFD_HWPT_ALLOC			IOFD_CMD(0x89)
#define IOFD_GET_HW_INFO		IOFD_CMD(0x8a)
#define IOFD_HWPT_SET_DIRTY_TRACKING	IOFD_CMD(0x8b)
#define IOFD_HWPT_GET_DIRTY_BITMAP	IOFD_CMD(0x8c)

struct iofd_destroy {
	uint32_t size;
	uint32_t id;
};

struct iofd_ioas_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_ioas_id;
};

struct iofd_iova_range {
	uint64_t start;
	uint64_t last;		/* inclusive */
};

struct iofd_ioas_iova_ranges {
	uint32_t size;
	uint32_t ioas_id;
	uint32_t num_iovas;	/* in: capacity; out: ranges that exist */
	uint32_t __reserved;
	uint64_t allowed_iovas;	/* struct iofd_iova_range array */
	uint64_t out_iova_alignment;
};

#define IOFD_IOAS_MAP_FIXED_IOVA	(1u << 0)
#define IOFD_IOAS_MAP_WRITEABLE		(1u << 1)
#define IOFD_IOAS_MAP_READABLE		(1u << 2)

struct iofd_ioas_map {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	uint32_t __reserved;
	uint64_t user_va;
	uint64_t length;
	uint64_t iova;
};

struct iofd_ioas_unmap {
	uint32_t size;
	uint32_t ioas_id;
	uint64_t iova;
	uint64_t length;	/* in: range; out: bytes unmapped */
};

#define IOFD_HWPT_ALLOC_DIRTY_TRACKING	(1u << 1)

struct iofd_hwpt_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t dev_id;
	uint32_t pt_id;
	uint32_t out_hwpt_id;
	uint32_t __reserved;
	uint32_t data_type;	/* 0: IOMMU_HWPT_DATA_NONE */
	uint32_t data_len;
	uint64_t data_uptr;
	uint32_t fault_id;
	uint32_t __reserved2;
};

#define IOFD_HW_CAP_DIRTY_TRACKING	(1ULL << 0)
/* out_data_type: the IOMMU's kind. */
#define IOFD_HW_INFO_TYPE_INTEL_VTD	1u
#define IOFD_HW_INFO_TYPE_SELFTEST	0xfeedbeefu

struct iofd_hw_info {
	uint32_t size;
	uint32_t flags;
	uint32_t dev_id;
	uint32_t data_len;
	uint64_t data_uptr;
	uint32_t out_data_type;
	uint8_t out_max_pasid_log2;
	uint8_t __reserved[3];
	uint64_t out_capabilities;	/* written only if size covers it */
};

#define IOFD_HWPT_DIRTY_TRACKING_ENABLE	(1u << 0)

struct iofd_hwpt_set_dirty_tracking {
	uint32_t size;
	uint32_t flags;
	uint32_t hwpt_id;
	uint32_t __reserved;
};

#define IOFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR	(1u << 0)

struct iofd_hwpt_get_dirty_bitmap {
	uint32_t size;
	uint32_t hwpt_id;
	uint32_t flags;
	uint32_t __reserved;
	uint64_t iova;
	uint64_t length;
	uint64_t page_size;
	uint64_t data;		/* user pointer to the bitmap */
};

/* The sizes of 6.12; a mismatch would make the kernel misread a field. */
_Static_assert(sizeof(struct iofd_ioas_iova_ranges) == 32, "iova_ranges");
_Static_assert(sizeof(struct iofd_ioas_map) == 40, "ioas_map");
_Static_assert(sizeof(struct iofd_ioas_unmap) == 24, "ioas_unmap");
_Static_assert(sizeof(struct iofd_hwpt_alloc) == 48, "hwpt_alloc");
_Static_assert(sizeof(struct iofd_hw_info) == 40, "hw_info");
_Static_assert(sizeof(struct iofd_hwpt_get_dirty_bitmap) == 48,
	       "get_dirty_bitmap");

#endif /* IODIRTY_BACKEND_IOMMUFD_UAPI_H */
