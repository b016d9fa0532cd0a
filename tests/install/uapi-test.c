/* SPDX-License-Identifier: MIT */
/*
 * Built against the installed uAPI headers only, as a program that drives
 * /dev/iodirty without the library (or a binding generator) would: both
 * headers compile on their own, strict C11, and describe the module.
 * With the module loaded it also asks /dev/iodirty for its info.
 * Exit: 0 ok, 1 failure.
 */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC under -std=c11 */

#include <libiodirty/linux/iodirty.h>
#include <libiodirty/linux/iodirty_nl.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The uAPI promises a first field "__u32 size" and a stable layout. */
_Static_assert(offsetof(struct iodirty_info, size) == 0, "size first");
_Static_assert(sizeof(struct iodirty_ioas_map) % 8 == 0, "no tail padding");
_Static_assert(_IOC_TYPE(IODIRTY_IOAS_MAP) == IODIRTY_TYPE, "ioctl type");

int main(void)
{
	struct iodirty_info info;
	int fd;

	if (strcmp(IODIRTY_FAMILY_NAME, "iodirty")) {
		fprintf(stderr, "netlink family is \"%s\"\n", IODIRTY_FAMILY_NAME);
		return 1;
	}
	fd = open("/dev/iodirty", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("ok: uAPI headers compile (no /dev/iodirty here: %s)\n",
		       strerror(errno));
		return 0;
	}
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (ioctl(fd, IODIRTY_GET_INFO, &info)) {
		perror("IODIRTY_GET_INFO");
		close(fd);
		return 1;
	}
	close(fd);
	printf("ok: uAPI headers compile; /dev/iodirty answers GET_INFO\n");
	return 0;
}
