// SPDX-License-Identifier: MIT
/*
 * Pin accounting: pages pinned by IOAS_MAP count against RLIMIT_MEMLOCK
 * in the locked_vm of the user that created the io-pagetable, unless the
 * mapping task has CAP_IPC_LOCK; going over is ENOMEM with nothing mapped;
 * UNMAP (holes included), DESTROY and close give the pages back.
 *
 * How the tests get a known starting point: each runs in a forked child
 * that opens the fds it needs as root, sets RLIMIT_MEMLOCK, then switches
 * all its uids to a uid no other process uses. Why not just drop
 * CAP_IPC_LOCK and stay root: root's locked_vm is shared with every root
 * process (and with other accounting users such as io_uring), so its
 * starting value is unknown and the limit arithmetic would be guesswork.
 * A fresh uid has a fresh user_struct whose locked_vm starts at 0, and
 * setresuid() away from uid 0 clears every capability, so no capset() is
 * needed. The fds stay usable: /dev/iodirty checks permissions at open.
 *
 * /proc/self/status VmLck/VmPin are not used: they show mm->locked_vm and
 * mm->pinned_vm, not the user_struct's locked_vm that is charged here.
 *
 * The children cannot use cmocka's asserts (a failed assert would unwind
 * into a copy of the test runner), so they check with CHECK() and report
 * through their exit status.
 */
#include "uapi_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define P U_PAGE
#define BASE (1ULL << 32)
#define LIMIT U_MiB
#define NFDS 3

/* Fails the child with the line and the values. */
#define CHECK_EQ(expr, exp)						\
	do {								\
		long long e_ = (long long)(expr), x_ = (long long)(exp);\
		if (e_ != x_) {						\
			fprintf(stderr, "%s:%d: %s = %lld (%s), "	\
				"expected %lld\n", __FILE__, __LINE__,	\
				#expr, e_, e_ < 0 ? strerror((int)-e_) :\
				"", x_);				\
			_exit(1);					\
		}							\
	} while (0)

struct child {
	int fd[NFDS];
	uint8_t *ram;		/* 4 MiB, touched */
};

static uint64_t mapped_bytes(int fd, uint32_t ioas)
{
	struct iodirty_ioas_stats st;

	CHECK_EQ(u_stats(fd, ioas, &st), 0);
	return st.out_mapped_bytes;
}

static uint32_t ioas_alloc(int fd)
{
	uint32_t id = 0;

	CHECK_EQ(u_ioas_alloc(fd, 40, 0, &id), 0);
	return id;
}

/* CapEff from /proc/self/status, or ~0 if it cannot be read. */
static uint64_t cap_eff(void)
{
	char line[256];
	uint64_t v = ~0ULL;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %" SCNx64, &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * Runs @body in a child with RLIMIT_MEMLOCK = @limit, as a fresh uid
 * unless @keep_root. Returns the child's exit status (0: passed).
 */
static int run_child(void (*body)(struct child *), rlim_t limit,
		     bool keep_root)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = limit, .rlim_max = limit };
		struct child c;

		for (int i = 0; i < NFDS; i++) {
			c.fd[i] = u_open();
			CHECK_EQ(c.fd[i] >= 0, 1);
		}
		c.ram = mmap(NULL, 4 * U_MiB, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK_EQ(c.ram != MAP_FAILED, 1);
		memset(c.ram, 1, 4 * U_MiB);
		CHECK_EQ(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
		if (!keep_root) {
			/* Unused by anything else while this child lives. */
			uid_t uid = (uid_t)(2000000000u + (unsigned)getpid());

			CHECK_EQ(setresuid(uid, uid, uid), 0);
			CHECK_EQ(cap_eff(), 0);
		}
		body(&c);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

static void need_root(void)
{
	if (geteuid() != 0) {
		TC_SKIP("needs root (to switch to a fresh uid)\n");
	}
}

static void body_limit(struct child *c)
{
	int fd = c->fd[0];
	uint32_t ioas = ioas_alloc(fd);

	/* Over the limit at once: ENOMEM, nothing mapped (or left pinned). */
	CHECK_EQ(u_map(fd, ioas, BASE, c->ram, 2 * U_MiB, U_RW), -ENOMEM);
	CHECK_EQ(mapped_bytes(fd, ioas), 0);
	CHECK_EQ(u_map(fd, ioas, BASE, c->ram, 512 * U_KiB, U_RW), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + U_GiB, c->ram + U_MiB, 600 * U_KiB,
		       U_RW), -ENOMEM);
	CHECK_EQ(mapped_bytes(fd, ioas), 512 * U_KiB);
	/* Giving the first back makes room. */
	CHECK_EQ(u_unmap(fd, ioas, BASE, 512 * U_KiB, 0, NULL), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + U_GiB, c->ram + U_MiB, 600 * U_KiB,
		       U_RW), 0);
	/* Exactly up to the limit is allowed, a page more is not. */
	CHECK_EQ(u_map(fd, ioas, BASE, c->ram, LIMIT - 600 * U_KiB, U_RW), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + 2 * U_GiB, c->ram + 3 * U_MiB, P,
		       IODIRTY_IOAS_MAP_READ), -ENOMEM);
	CHECK_EQ(mapped_bytes(fd, ioas), LIMIT);
}

static void test_limit(void **state)
{
	(void)state;
	need_root();
	U_EQ(run_child(body_limit, LIMIT, false), 0);
}

static int map_vec(int fd, uint32_t ioas,
		   const struct iodirty_map_vec_seg *v, uint64_t n,
		   uint64_t *failed)
{
	struct iodirty_ioas_map_vec cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_segs = n,
		.segs = (uintptr_t)v, .out_failed = ~0ULL,
	};
	int rc = u_ioctl(fd, IODIRTY_IOAS_MAP_VEC, &cmd);

	*failed = cmd.out_failed;
	return rc;
}

/*
 * A vector is charged whole or not at all: the segment that crosses the
 * limit fails the call, the pins of those before it are given back, and
 * the whole limit is there for the next call; an unmap vector gives back
 * what it unmaps.
 */
static void body_vec(struct child *c)
{
	int fd = c->fd[0];
	uint32_t ioas = ioas_alloc(fd);
	struct iodirty_map_vec_seg v[3] = {
		{ BASE, (uintptr_t)c->ram, 256 * U_KiB, U_RW, 0 },
		{ BASE + U_GiB, (uintptr_t)(c->ram + U_MiB), 256 * U_KiB,
		  U_RW, 0 },
		{ BASE + 2 * U_GiB, (uintptr_t)(c->ram + 2 * U_MiB),
		  600 * U_KiB, U_RW, 0 },
	};
	struct iodirty_unmap_vec_seg u[2] = {
		{ BASE, 512 * U_KiB }, { BASE + U_GiB, 512 * U_KiB },
	};
	struct iodirty_ioas_unmap_vec ucmd = {
		.size = sizeof(ucmd), .ioas_id = ioas, .num_segs = 2,
		.segs = (uintptr_t)u,
	};
	uint64_t failed;

	if (!u_has(IODIRTY_INFO_CAP_MAP_VEC))
		return;
	CHECK_EQ(map_vec(fd, ioas, v, 3, &failed), -ENOMEM);
	CHECK_EQ(failed, 2);
	CHECK_EQ(mapped_bytes(fd, ioas), 0);
	v[0].length = v[1].length = 512 * U_KiB;
	CHECK_EQ(map_vec(fd, ioas, v, 2, &failed), 0);
	CHECK_EQ(failed, 2);
	CHECK_EQ(mapped_bytes(fd, ioas), LIMIT);
	CHECK_EQ(u_ioctl(fd, IODIRTY_IOAS_UNMAP_VEC, &ucmd), 0);
	CHECK_EQ(mapped_bytes(fd, ioas), 0);
	CHECK_EQ(u_map(fd, ioas, BASE, c->ram, LIMIT, U_RW), 0);
}

static void test_vec(void **state)
{
	(void)state;
	need_root();
	U_EQ(run_child(body_vec, LIMIT, false), 0);
}

static void body_destroy_close(struct child *c)
{
	uint32_t a = ioas_alloc(c->fd[0]), b = ioas_alloc(c->fd[0]);
	uint32_t x = ioas_alloc(c->fd[1]);

	/* Two io-pagetables of one user share the limit. */
	CHECK_EQ(u_map(c->fd[0], a, BASE, c->ram, LIMIT / 2, U_RW), 0);
	CHECK_EQ(u_map(c->fd[0], b, BASE, c->ram, LIMIT / 2, U_RW), 0);
	/* And so do other fds of the same user. */
	CHECK_EQ(u_map(c->fd[1], x, BASE, c->ram, P, U_RW), -ENOMEM);
	/* DESTROY gives a's half back. */
	CHECK_EQ(u_destroy(c->fd[0], a), 0);
	CHECK_EQ(u_map(c->fd[1], x, BASE, c->ram, LIMIT / 2, U_RW), 0);
	CHECK_EQ(u_map(c->fd[1], x, BASE + U_GiB, c->ram, P, U_RW), -ENOMEM);
	/* close() gives b's half back; x's is still held. */
	CHECK_EQ(close(c->fd[0]), 0);
	CHECK_EQ(u_map(c->fd[1], x, BASE + U_GiB, c->ram, LIMIT / 2, U_RW), 0);
	CHECK_EQ(close(c->fd[1]), 0);
	/* Everything is back: a third fd can pin the whole limit. */
	x = ioas_alloc(c->fd[2]);
	CHECK_EQ(u_map(c->fd[2], x, BASE, c->ram, LIMIT, U_RW), 0);
	CHECK_EQ(u_map(c->fd[2], x, BASE + U_GiB, c->ram, P, U_RW), -ENOMEM);
}

static void test_destroy_and_close_undo(void **state)
{
	(void)state;
	need_root();
	U_EQ(run_child(body_destroy_close, LIMIT, false), 0);
}

static void body_holes(struct child *c)
{
	int fd = c->fd[0];
	uint32_t ioas = ioas_alloc(fd);

	CHECK_EQ(u_map(fd, ioas, BASE, c->ram, LIMIT, U_RW), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + U_GiB, c->ram + 2 * U_MiB, P, U_RW),
		 -ENOMEM);
	/* A one-page hole in the middle unpins that page. */
	CHECK_EQ(u_unmap(fd, ioas, BASE + 100 * P, P, 0, NULL), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + U_GiB, c->ram + 2 * U_MiB, P, U_RW),
		 0);
	/* Full again: refilling the hole is over the limit. */
	CHECK_EQ(u_map(fd, ioas, BASE + 100 * P, c->ram + 100 * P, P, U_RW),
		 -ENOMEM);
	CHECK_EQ(u_unmap(fd, ioas, BASE + U_GiB, P, 0, NULL), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + 100 * P, c->ram + 100 * P, P, U_RW),
		 0);
	CHECK_EQ(mapped_bytes(fd, ioas), LIMIT);
	/* Many holes at once, then filling them back. */
	for (uint64_t i = 1; i < 255; i += 2)
		CHECK_EQ(u_unmap(fd, ioas, BASE + i * P, P, 0, NULL), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + U_GiB, c->ram + 2 * U_MiB, 127 * P,
		       U_RW), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + 1 * P, c->ram + 1 * P, P, U_RW),
		 -ENOMEM);
}

static void test_holes_unpin(void **state)
{
	(void)state;
	need_root();
	if (!u_has(IODIRTY_INFO_CAP_PARTIAL_UNMAP))
		TC_SKIP("module lacks IODIRTY_INFO_CAP_PARTIAL_UNMAP\n");
	U_EQ(run_child(body_holes, LIMIT, false), 0);
}

static void body_twice(struct child *c)
{
	int fd = c->fd[0];
	uint32_t ioas = ioas_alloc(fd);

	/* The same memory mapped twice counts twice. */
	CHECK_EQ(u_map(fd, ioas, BASE, c->ram, LIMIT / 2, U_RW), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + U_GiB, c->ram, LIMIT / 2, U_RW), 0);
	CHECK_EQ(u_map(fd, ioas, BASE + 2 * U_GiB, c->ram, P, U_RW), -ENOMEM);
	/* An unmap with a dirty report unpins too. */
	if (u_has(IODIRTY_INFO_CAP_DIRTY_TRACKING |
		  IODIRTY_INFO_CAP_UNMAP_DIRTY)) {
		uint64_t bm[2] = { 0, 0 };

		CHECK_EQ(u_tracking(fd, ioas, true), 0);
		CHECK_EQ(u_unmap_dirty(fd, ioas, BASE, 32 * P, 0, P, bm, NULL),
			 0);
		CHECK_EQ(u_map(fd, ioas, BASE + 2 * U_GiB, c->ram, 32 * P,
			       U_RW), 0);
	}
}

static void test_same_memory_twice(void **state)
{
	(void)state;
	need_root();
	U_EQ(run_child(body_twice, LIMIT, false), 0);
}

static void body_zero(struct child *c)
{
	uint32_t ioas = ioas_alloc(c->fd[0]);

	CHECK_EQ(u_map(c->fd[0], ioas, BASE, c->ram, P, U_RW), -ENOMEM);
	CHECK_EQ(mapped_bytes(c->fd[0], ioas), 0);
}

static void test_zero_limit(void **state)
{
	(void)state;
	need_root();
	U_EQ(run_child(body_zero, 0, false), 0);
}

static void body_cap_ipc_lock(struct child *c)
{
	uint32_t ioas = ioas_alloc(c->fd[0]);

	/* Root with CAP_IPC_LOCK: the limit does not apply. */
	CHECK_EQ(u_map(c->fd[0], ioas, BASE, c->ram, 4 * U_MiB, U_RW), 0);
	CHECK_EQ(mapped_bytes(c->fd[0], ioas), 4 * U_MiB);
}

static void test_cap_ipc_lock(void **state)
{
	(void)state;
	need_root();
	U_EQ(run_child(body_cap_ipc_lock, LIMIT, true), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_destroy_and_close_undo),
		cmocka_unit_test(test_holes_unpin),
		cmocka_unit_test(test_same_memory_twice),
		cmocka_unit_test(test_zero_limit),
		cmocka_unit_test(test_cap_ipc_lock),
		cmocka_unit_test(test_vec),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_memlock", tests, NULL, NULL);
}
