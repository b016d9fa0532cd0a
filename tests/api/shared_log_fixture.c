// SPDX-License-Identifier: MIT
/* Fixture of the shared-log tests (see shared_log_fixture.h). */
#include "shared_log_fixture.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void *shared_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* Guest RAM both processes map: a memory file, as a VMM shares it. */
uint8_t *shared_ram(size_t len)
{
	int fd = memfd_create("guest-ram", MFD_CLOEXEC);
	void *p;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	close(fd);
	return p;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Runs @fn in a child process on the imported log; the child exits 0 when
 * @fn returns 0, 1 + its failing step otherwise. Returns the pid.
 */
pid_t device(int fd, int (*fn)(struct iodirty_domain *, void *),
		    void *arg)
{
	pid_t pid = fork();
	struct iodirty_domain *h;
	int ret;

	assert_true(pid >= 0);
	if (pid)
		return pid;
	/* A failing VMM side must not leave its device running. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (iodirty_log_import(fd, 0, &h))
		_exit(100);
	ret = fn(h, arg);
	iodirty_domain_destroy(h);
	_exit(ret);
}

int wait_ok(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + WTERMSIG(st);
}

bool dirty(struct iodirty_domain *dom, uint64_t iova)
{
	uint64_t bm = 0;

	assert_true(iodirty_read_dirty(dom, iova, P, P, &bm, 0) >= 0);
	return bm & 1;
}
