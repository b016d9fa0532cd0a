// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The two system calls the kernel backends (kmod, iommufd) make through
 * one convention: a negative errno, and -ENODEV for "this backend's device
 * is not here".
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>

#include "internal.h"

int iodirty_dev_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	/* No node, or a node without the driver behind it. */
	if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
		return -ENODEV;
	return -errno;
}

int iodirty_dev_ioctl(int fd, unsigned long cmd, void *arg)
{
	/*
	 * No EINTR to retry: both drivers return it only for a fatal
	 * signal, after which the caller never runs again.
	 */
	return ioctl(fd, cmd, arg) ? -errno : 0;
}
