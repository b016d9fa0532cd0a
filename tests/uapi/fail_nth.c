// SPDX-License-Identifier: MIT
/* Kernel fault injection for the sweeps (see fail_nth.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail_nth.h"
#include "uapi_util.h"

#define DEBUGFS "/sys/kernel/debug"
#define FAILSLAB DEBUGFS "/failslab/"

static int nth_fd = -1;

/* debugfs knobs changed by the test, with their old values. */
static const char *const knobs[] = { "ignore-gfp-wait", "verbose" };
static const char *const want[] = { "N", "0" };
static char saved[2][32];
static bool changed[2];

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static void knobs_set(void)
{
	struct stat st;

	/* The VM's initramfs may not have mounted debugfs. */
	if (stat(FAILSLAB, &st) && stat(DEBUGFS, &st) == 0)
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	for (size_t i = 0; i < U_ARRAY_SIZE(knobs); i++) {
		char path[128];

		snprintf(path, sizeof(path), FAILSLAB "%s", knobs[i]);
		if (read_file(path, saved[i], sizeof(saved[i])))
			continue;
		changed[i] = !write_file(path, want[i]);
	}
	if (!changed[0])
		printf("failslab/ignore-gfp-wait not available: only "
		       "non-sleeping allocations can be made to fail\n");
}

static void knobs_restore(void)
{
	for (size_t i = 0; i < U_ARRAY_SIZE(knobs); i++) {
		char path[128];

		if (!changed[i])
			continue;
		snprintf(path, sizeof(path), FAILSLAB "%s", knobs[i]);
		write_file(path, saved[i]);
	}
}

void fail_nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	assert_int_equal(pwrite(nth_fd, buf, (size_t)len, 0), len);
}

unsigned int fail_nth_disarm(void)
{
	char buf[16];
	ssize_t n = pread(nth_fd, buf, sizeof(buf) - 1, 0);

	assert_true(n > 0);
	buf[n] = 0;
	/* Writing 0 can itself meet a leftover count: write until clear. */
	for (int i = 0; i < 3; i++) {
		char z[16];
		ssize_t m;

		(void)!pwrite(nth_fd, "0", 1, 0);
		m = pread(nth_fd, z, sizeof(z) - 1, 0);
		if (m > 0 && z[0] == '0')
			break;
	}
	return (unsigned int)strtoul(buf, NULL, 10);
}

bool fail_nth_open(void)
{
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0)
		return false;
	knobs_set();
	return true;
}

void fail_nth_close(void)
{
	knobs_restore();
	close(nth_fd);
	nth_fd = -1;
}
