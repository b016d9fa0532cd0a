// SPDX-License-Identifier: MIT
/*
 * Test harness for the iommufd backend: raw /dev/iommu calls and the
 * kernel's selftest mock IOMMU (CONFIG_IOMMUFD_TEST).
 *
 * The mock gives the tests a "device" whose writes they can simulate: it is
 * bound to the iommufd context like a real device, can be moved onto the
 * HWPT that iodirty_domain_attach() allocated, and IOMMU_TEST_OP_DIRTY sets
 * the dirty bit of chosen IOPTEs of that HWPT, as a device write would.
 * The structs of the test command are declared here and only here: they are
 * a kernel test interface, not something the library may depend on.
 *
 * Every function returns 0 (or a count) or a negative errno; none asserts,
 * so they also serve the skip probe before cmocka runs.
 */
#ifndef IODIRTY_TESTS_IOMMUFD_MOCK_H
#define IODIRTY_TESTS_IOMMUFD_MOCK_H

#include <stddef.h>
#include <stdint.h>

#define MOCK_DEV_PATH "/dev/iommu"

/* The mock IOMMU's page: IOMMU_TEST_OP_DIRTY only accepts this size. */
#define MOCK_PAGE 2048ULL
/* The mock's huge IOPTE, used for 1 MiB-aligned, contiguous memory when
 * the device has MOCK_DEV_HUGE_IOVA. */
#define MOCK_HUGE_PAGE (1ULL << 20)
/* IOVAs a mock domain can map: [START, END). */
#define MOCK_APERTURE_START (1ULL << 24)
#define MOCK_APERTURE_END (1ULL << 31)

/* Device flags of mock_device_add(). */
#define MOCK_DEV_NO_DIRTY (1u << 0)	/* no dirty tracking support */
#define MOCK_DEV_HUGE_IOVA (1u << 1)	/* 1 MiB IOPTEs where possible */

/* open(/dev/iommu): the fd or -errno. */
int mock_open(void);

/*
 * 0 if the kernel has the selftest ops these tests need; -ENOTTY (or the
 * errno the kernel gave) if not. Uses @fd for a throw-away IOAS and device.
 */
int mock_probe(int fd);

/*
 * Creates a mock device bound to the context of @fd and attached to
 * @pt_id (an IOAS, for which the kernel makes an automatic HWPT, or a
 * HWPT). Returns its selftest object (@stdev_id: destroy it to remove the
 * device), the HWPT it is attached to and its iommufd device id
 * (@idev_id: what iodirty_domain_attach() takes).
 */
int mock_device_add(int fd, uint32_t pt_id, uint32_t dev_flags,
		    uint32_t *stdev_id, uint32_t *hwpt_id, uint32_t *idev_id);

/* Moves the device onto @pt_id (a HWPT, or an IOAS for an automatic one). */
int mock_device_replace(int fd, uint32_t stdev_id, uint32_t pt_id);

/* Removes the device (detaching it from its HWPT). */
int mock_device_remove(int fd, uint32_t stdev_id);

/*
 * Simulates device writes: sets the dirty bit of each MOCK_PAGE of
 * [iova, iova + length) whose bit is set in @bitmap (bit i: the page at
 * iova + i * MOCK_PAGE). iova and length are multiples of MOCK_PAGE and
 * tracking must be on for the HWPT. *@nr receives the number of pages
 * marked (pages that are not mapped are not).
 */
int mock_dirty(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length,
	       const uint64_t *bitmap, uint64_t *nr);

/*
 * A device write of the bytes [iova, iova + length): dirties every
 * MOCK_PAGE it touches. Returns the number of mock pages marked.
 */
int64_t mock_write(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length);

/* ---- Raw iommufd calls, for checks below the library ---- */

int raw_destroy(int fd, uint32_t id);
int raw_ioas_alloc(int fd, uint32_t *ioas_id);
int raw_map(int fd, uint32_t ioas_id, uint64_t iova, void *va,
	    uint64_t length);
int raw_hwpt_alloc(int fd, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
		   uint32_t *hwpt_id);
int raw_set_tracking(int fd, uint32_t hwpt_id, int enable);
/* IOMMU_HWPT_GET_DIRTY_BITMAP with NO_CLEAR when @no_clear. */
int raw_get_dirty(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length,
		  uint64_t page_size, uint64_t *bitmap, int no_clear);

#define RAW_HWPT_ALLOC_DIRTY_TRACKING (1u << 1)

#endif /* IODIRTY_TESTS_IOMMUFD_MOCK_H */
