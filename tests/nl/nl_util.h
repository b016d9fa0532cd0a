// SPDX-License-Identifier: MIT
/*
 * Tests of the "iodirty" generic netlink family and of iodirty-ctl's
 * inspection commands against the loaded module: processes of other uids,
 * the tool run and its output read, a little JSON picked out of it.
 */
#ifndef IODIRTY_TESTS_NL_UTIL_H
#define IODIRTY_TESTS_NL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "uapi_util.h"
#include "ctl.h"
#include "nl.h"

/* uids the tests create IOASes or run the tool as. */
#define N_UID_A 4242
#define N_UID_B 4243

/* The iodirty-ctl binary, from argv[1]. */
extern const char *n_ctl;

/* u_init(), and takes the tool's path from argv[1]. */
void n_init(int argc, char **argv);

/*
 * Runs iodirty-ctl with @args (NULL-terminated) as @uid (-1: as is), and
 * returns its exit status, with its standard output in *@out (malloc'd,
 * NUL-terminated; free it). Standard error goes to the test's.
 */
int n_ctl_run(int uid, char **out, const char *const *args);

/*
 * Starts iodirty-ctl with @args as @uid with its standard output on a
 * pipe (*@fd_out) and waits until it says on standard error that it
 * monitors. Returns its pid.
 */
pid_t n_ctl_monitor(int uid, int *fd_out, const char *const *args);

/* Reads one line of at most @size - 1 bytes from @fd (5 s at most):
 * false at end of file or timeout. */
bool n_read_line(int fd, char *buf, size_t size);

/* The number after "@key": in @json (the first one), or false. */
bool n_json_u64(const char *json, const char *key, uint64_t *v);
/* The string after "@key": in @json, into @buf. */
bool n_json_str(const char *json, const char *key, char *buf, size_t size);
/* How many times "@key": occurs in @json. */
size_t n_json_count(const char *json, const char *key);

/*
 * A child process that creates an IOAS as @uid (-1: as is; the device is
 * opened before the uid is dropped), maps @pages pages at @iova, reports
 * the handle and waits until n_child_end(). *@handle receives the handle.
 */
struct n_child {
	pid_t pid;
	int to_child, from_child;
	uint32_t handle;
	uint64_t uaddr;
};

void n_child_start(struct n_child *c, int uid, uint64_t iova,
		   uint64_t pages);
void n_child_end(struct n_child *c);

/* The handle of IOAS @ioas of @fd (IOAS_STATS). */
uint32_t n_handle(int fd, uint32_t ioas);

/* ctl_nl_open() that asserts. */
void n_nl_open(struct ctl_nl *nl);

#endif /* IODIRTY_TESTS_NL_UTIL_H */
