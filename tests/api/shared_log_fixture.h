// SPDX-License-Identifier: MIT
/*
 * Fixture of the shared-log tests (test_shared_log.c, _reads.c, _maps.c):
 * shared memory, a device process on an imported log, and a dirty check.
 */
#ifndef IODIRTY_TESTS_API_SHARED_LOG_FIXTURE_H
#define IODIRTY_TESTS_API_SHARED_LOG_FIXTURE_H

#include "helpers.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define BASE (1ULL << 32)

/* MAP_SHARED anonymous memory: shared with a forked device. */
void *shared_anon(size_t len);
/* Guest RAM both processes map: a memory file, as a VMM shares it. */
uint8_t *shared_ram(size_t len);
uint64_t now_ns(void);
/*
 * Runs @fn in a child process on the imported log; the child exits 0 when
 * @fn returns 0, 1 + its failing step otherwise. Returns the pid.
 */
pid_t device(int fd, int (*fn)(struct iodirty_domain *, void *), void *arg);
/* The child's exit status, or 200 + the signal that ended it. */
int wait_ok(pid_t pid);
/* Is the page at @iova dirty (read and cleared)? */
bool dirty(struct iodirty_domain *dom, uint64_t iova);

#endif /* IODIRTY_TESTS_API_SHARED_LOG_FIXTURE_H */
