// SPDX-License-Identifier: MIT
/* The mock-IOMMU harness of the iommufd tests (see mock.h). */
#include "mock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

/*
 * iommufd ioctls are _IO(';', nr): the size travels in the struct's first
 * word, not in the command number.
 */
#define IOMMUFD_IO(nr) _IO(';', (nr))
#define CMD_DESTROY IOMMUFD_IO(0x80)
#define CMD_IOAS_ALLOC IOMMUFD_IO(0x81)
#define CMD_IOAS_MAP IOMMUFD_IO(0x85)
#define CMD_HWPT_ALLOC IOMMUFD_IO(0x89)
#define CMD_SET_DIRTY_TRACKING IOMMUFD_IO(0x8b)
#define CMD_GET_DIRTY_BITMAP IOMMUFD_IO(0x8c)
#define CMD_TEST IOMMUFD_IO(0xa0)

/* Selftest ops (kernel's iommufd_test.h). */
#define TEST_OP_MOCK_DOMAIN_REPLACE 10
#define TEST_OP_MOCK_DOMAIN_FLAGS 12
#define TEST_OP_DIRTY 13

#define MAP_FIXED_IOVA (1u << 0)
#define MAP_WRITEABLE (1u << 1)
#define MAP_READABLE (1u << 2)
#define DIRTY_NO_CLEAR (1u << 0)

struct r_destroy {
	uint32_t size;
	uint32_t id;
};

struct r_ioas_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_ioas_id;
};

struct r_ioas_map {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	uint32_t reserved;
	uint64_t user_va;
	uint64_t length;
	uint64_t iova;
};

struct r_hwpt_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t dev_id;
	uint32_t pt_id;
	uint32_t out_hwpt_id;
	uint32_t reserved;
	uint32_t data_type;
	uint32_t data_len;
	uint64_t data_uptr;
	uint32_t fault_id;
	uint32_t reserved2;
};

struct r_set_tracking {
	uint32_t size;
	uint32_t flags;
	uint32_t hwpt_id;
	uint32_t reserved;
};

struct r_get_dirty {
	uint32_t size;
	uint32_t hwpt_id;
	uint32_t flags;
	uint32_t reserved;
	uint64_t iova;
	uint64_t length;
	uint64_t page_size;
	uint64_t data;
};

/* struct iommu_test_cmd: a 48-byte union at offset 16, "last" at 64. */
struct r_test_cmd {
	uint32_t size;
	uint32_t op;
	uint32_t id;
	uint32_t reserved;
	union {
		struct {
			uint32_t out_stdev_id;
			uint32_t out_hwpt_id;
			uint32_t out_idev_id;
			uint32_t dev_flags;
		} domain_flags;
		struct {
			uint32_t pt_id;
		} replace;
		struct {
			uint32_t flags;
			uint32_t pad;
			uint64_t iova;
			uint64_t length;
			uint64_t page_size;
			uint64_t uptr;
			uint64_t out_nr_dirty;
		} dirty;
		uint64_t words[6];
	} u;
	uint32_t last;
};

_Static_assert(sizeof(struct r_test_cmd) == 72, "iommu_test_cmd layout");
_Static_assert(sizeof(struct r_hwpt_alloc) == 48, "iommu_hwpt_alloc layout");
_Static_assert(sizeof(struct r_get_dirty) == 48, "get_dirty_bitmap layout");
_Static_assert(sizeof(struct r_ioas_map) == 40, "iommu_ioas_map layout");

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int mock_open(void)
{
	int fd = open(MOCK_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int raw_destroy(int fd, uint32_t id)
{
	struct r_destroy d = { .size = sizeof(d), .id = id };

	return xioctl(fd, CMD_DESTROY, &d);
}

int raw_ioas_alloc(int fd, uint32_t *ioas_id)
{
	struct r_ioas_alloc a = { .size = sizeof(a) };
	int rc = xioctl(fd, CMD_IOAS_ALLOC, &a);

	if (!rc)
		*ioas_id = a.out_ioas_id;
	return rc;
}

int raw_map(int fd, uint32_t ioas_id, uint64_t iova, void *va,
	    uint64_t length)
{
	struct r_ioas_map m = {
		.size = sizeof(m),
		.flags = MAP_FIXED_IOVA | MAP_WRITEABLE | MAP_READABLE,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)va,
		.length = length,
		.iova = iova,
	};

	return xioctl(fd, CMD_IOAS_MAP, &m);
}

int raw_hwpt_alloc(int fd, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
		   uint32_t *hwpt_id)
{
	struct r_hwpt_alloc a = {
		.size = sizeof(a),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
	};
	int rc = xioctl(fd, CMD_HWPT_ALLOC, &a);

	if (!rc)
		*hwpt_id = a.out_hwpt_id;
	return rc;
}

int raw_set_tracking(int fd, uint32_t hwpt_id, int enable)
{
	struct r_set_tracking s = {
		.size = sizeof(s),
		.flags = enable ? 1u : 0u,
		.hwpt_id = hwpt_id,
	};

	return xioctl(fd, CMD_SET_DIRTY_TRACKING, &s);
}

int raw_get_dirty(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length,
		  uint64_t page_size, uint64_t *bitmap, int no_clear)
{
	struct r_get_dirty g = {
		.size = sizeof(g),
		.hwpt_id = hwpt_id,
		.flags = no_clear ? DIRTY_NO_CLEAR : 0,
		.iova = iova,
		.length = length,
		.page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return xioctl(fd, CMD_GET_DIRTY_BITMAP, &g);
}

int mock_device_add(int fd, uint32_t pt_id, uint32_t dev_flags,
		    uint32_t *stdev_id, uint32_t *hwpt_id, uint32_t *idev_id)
{
	struct r_test_cmd c = {
		.size = sizeof(c),
		.op = TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = pt_id,
	};
	int rc;

	c.u.domain_flags.dev_flags = dev_flags;
	rc = xioctl(fd, CMD_TEST, &c);
	if (rc)
		return rc;
	if (stdev_id)
		*stdev_id = c.u.domain_flags.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = c.u.domain_flags.out_hwpt_id;
	if (idev_id)
		*idev_id = c.u.domain_flags.out_idev_id;
	return 0;
}

int mock_device_replace(int fd, uint32_t stdev_id, uint32_t pt_id)
{
	struct r_test_cmd c = {
		.size = sizeof(c),
		.op = TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev_id,
	};

	c.u.replace.pt_id = pt_id;
	return xioctl(fd, CMD_TEST, &c);
}

int mock_device_remove(int fd, uint32_t stdev_id)
{
	return raw_destroy(fd, stdev_id);
}

int mock_dirty(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length,
	       const uint64_t *bitmap, uint64_t *nr)
{
	struct r_test_cmd c = {
		.size = sizeof(c),
		.op = TEST_OP_DIRTY,
		.id = hwpt_id,
	};
	int rc;

	c.u.dirty.iova = iova;
	c.u.dirty.length = length;
	c.u.dirty.page_size = MOCK_PAGE;
	c.u.dirty.uptr = (uintptr_t)bitmap;
	rc = xioctl(fd, CMD_TEST, &c);
	if (!rc && nr)
		*nr = c.u.dirty.out_nr_dirty;
	return rc;
}

int64_t mock_write(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length)
{
	uint64_t first = iova / MOCK_PAGE;
	uint64_t last = (iova + length - 1) / MOCK_PAGE;
	uint64_t pages = last - first + 1, nr = 0, i;
	uint64_t *bm;
	int rc;

	if (!length)
		return -EINVAL;
	bm = calloc((pages + 63) / 64, sizeof(*bm));
	if (!bm)
		return -ENOMEM;
	for (i = 0; i < pages; i++)
		bm[i / 64] |= 1ULL << (i % 64);
	rc = mock_dirty(fd, hwpt_id, first * MOCK_PAGE, pages * MOCK_PAGE, bm,
			&nr);
	free(bm);
	return rc ? rc : (int64_t)nr;
}

int mock_probe(int fd)
{
	uint32_t ioas, stdev, hwpt, idev;
	int rc = raw_ioas_alloc(fd, &ioas);

	if (rc)
		return rc;
	rc = mock_device_add(fd, ioas, 0, &stdev, &hwpt, &idev);
	if (!rc)
		mock_device_remove(fd, stdev);
	raw_destroy(fd, ioas);
	return rc;
}
