// SPDX-License-Identifier: MIT
/*
 * Events: "iodirty-ctl monitor --json" as root sees every event of a
 * scripted sequence, in order, with its fields; a monitor of another uid
 * sees only the events of its own IOASes.
 */
#include "nl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define BASE 0x200000ULL

struct want {
	const char *event;
	uint32_t handle;
	uint32_t uid;
	uint64_t iova, length;	/* length 0: no range */
	int64_t dirty;		/* -1: none */
};

static void expect_event(int fd, const struct want *w)
{
	char line[512], name[32];
	uint64_t v;

	if (!n_read_line(fd, line, sizeof(line))) {
		print_error("no event line; wanted %s of %u\n", w->event,
			    w->handle);
		fail();
	}
	print_message("event: %s\n", line);
	assert_true(n_json_str(line, "event", name, sizeof(name)));
	assert_string_equal(name, w->event);
	assert_true(n_json_u64(line, "handle", &v) && v == w->handle);
	assert_true(n_json_u64(line, "uid", &v) && v == w->uid);
	if (w->length) {
		assert_true(n_json_u64(line, "iova", &v) && v == w->iova);
		assert_true(n_json_u64(line, "length", &v) && v == w->length);
	} else {
		assert_false(n_json_u64(line, "length", &v));
	}
	if (w->dirty >= 0)
		assert_true(n_json_u64(line, "dirty_pages", &v) &&
			    v == (uint64_t)w->dirty);
	else
		assert_false(n_json_u64(line, "dirty_pages", &v));
}

/*
 * Reads the events @w[0..@n) in order from monitor @mon's output @out,
 * then checks that the monitor, told --count @n, printed nothing more and
 * exited 0.
 */
static void expect_events_then_exit(pid_t mon, int out, const struct want *w,
				    size_t n)
{
	char line[64];
	int status;

	for (size_t i = 0; i < n; i++)
		expect_event(out, &w[i]);
	assert_false(n_read_line(out, line, sizeof(line)));
	assert_int_equal(waitpid(mon, &status, 0), mon);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(out);
}

/*
 * A child of uid @uid with RLIMIT_MEMLOCK 0: creates an IOAS, has a map
 * refused, exits (its IOAS is destroyed with its file). Returns the
 * handle.
 */
static uint32_t refused_child(int uid)
{
	int p[2], status;
	uint32_t handle;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct rlimit rl = { 0, 0 };
		int fd = open(U_DEV, O_RDWR | O_CLOEXEC);
		uint32_t ioas;
		void *ram = u_ram(4 * U_PAGE);

		if (fd < 0 || setrlimit(RLIMIT_MEMLOCK, &rl) ||
		    setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid) ||
		    u_ioas_alloc(fd, 48, 12, &ioas))
			_exit(1);
		handle = n_handle(fd, ioas);
		if (write(p[1], &handle, sizeof(handle)) != sizeof(handle) ||
		    u_map(fd, ioas, BASE, ram, 4 * U_PAGE, U_RW) != -ENOMEM)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &handle, sizeof(handle)), sizeof(handle));
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return handle;
}

/*
 * IOAS_UNMAP_VEC of pages 5 and 7 with a report, page 7 written: one
 * event over the span of the vector, counting the dirty segment, and the
 * segment's bytes in dirty-reported-bytes.
 */
static void unmap_vec_reported(int fd, uint32_t ioas, uint32_t handle)
{
	struct iodirty_unmap_vec_seg v[2] = {
		{ BASE + 7 * U_PAGE, U_PAGE },
		{ BASE + 5 * U_PAGE, U_PAGE },
	};
	struct iodirty_ioas_unmap_vec cmd = {
		.size = sizeof(cmd), .flags = IODIRTY_UNMAP_VEC_DIRTY_BITMAP,
		.ioas_id = ioas, .num_segs = 2, .segs = (uintptr_t)v,
	};
	struct ctl_ioas before, after;
	uint64_t bm[1] = { 0 };
	char buf[8] = { 3 };
	struct ctl_nl nl;

	n_nl_open(&nl);
	U_EQ(ctl_nl_ioas_get(&nl, handle, &before), 0);
	u_dma_ok(fd, ioas, BASE + 7 * U_PAGE, buf, sizeof(buf),
		 IODIRTY_DMA_WRITE);
	cmd.dirty_bitmap = (uintptr_t)bm;
	U_EQ(u_ioctl(fd, IODIRTY_IOAS_UNMAP_VEC, &cmd), 0);
	U_EQ(bm[0], 1);
	U_EQ(ctl_nl_ioas_get(&nl, handle, &after), 0);
	U_EQ(after.dirty_reported_bytes - before.dirty_reported_bytes, U_PAGE);
	U_EQ(after.unmaps_reported - before.unmaps_reported, 1);
	ctl_nl_close(&nl);
}

static void test_sequence(void **state)
{
	static const char *args[] = { "monitor", "--json", "--count", "9",
				      NULL };
	uint64_t bm[1] = { 0 };
	uint32_t ioas, h1, h2;
	char buf[64] = { 7 };
	int fd, out;
	void *ram;
	pid_t mon;

	(void)state;
	mon = n_ctl_monitor(-1, &out, args);
	fd = u_open_ok();
	ram = u_ram(8 * U_PAGE);
	ioas = u_ioas_ok(fd, 48, 12);
	h1 = n_handle(fd, ioas);
	u_tracking_ok(fd, ioas, true);
	u_map_ok(fd, ioas, BASE, ram, 8 * U_PAGE, U_RW);
	u_dma_ok(fd, ioas, BASE + U_PAGE, buf, sizeof(buf), IODIRTY_DMA_WRITE);
	U_EQ(u_unmap_dirty(fd, ioas, BASE, 4 * U_PAGE, 0, U_PAGE, bm, NULL),
	     0);
	U_EQ(bm[0], 2);
	unmap_vec_reported(fd, ioas, h1);
	u_tracking_ok(fd, ioas, false);
	/* Not events: a second stop, a plain unmap. */
	u_tracking_ok(fd, ioas, false);
	u_unmap_ok(fd, ioas, BASE + 4 * U_PAGE, U_PAGE, 0);
	h2 = refused_child(N_UID_A);
	U_EQ(u_destroy(fd, ioas), 0);
	{
		const struct want w[] = {
			{ "ioas-created", h1, 0, 0, 0, -1 },
			{ "tracking-on", h1, 0, 0, 0, -1 },
			{ "unmap-dirty", h1, 0, BASE, 4 * U_PAGE, 1 },
			{ "unmap-dirty", h1, 0, BASE + 5 * U_PAGE,
			  3 * U_PAGE, 1 },
			{ "tracking-off", h1, 0, 0, 0, -1 },
			{ "ioas-created", h2, N_UID_A, 0, 0, -1 },
			{ "map-refused", h2, N_UID_A, BASE, 4 * U_PAGE, -1 },
			{ "ioas-destroyed", h2, N_UID_A, 0, 0, -1 },
			{ "ioas-destroyed", h1, 0, 0, 0, -1 },
		};

		expect_events_then_exit(mon, out, w, U_ARRAY_SIZE(w));
	}
	close(fd);
	u_ram_free(ram, 8 * U_PAGE);
}

static void test_other_uid(void **state)
{
	static const char *args[] = { "monitor", "--json", "--count", "3",
				      NULL };
	uint32_t ioas, h;
	int fd, out;
	pid_t mon;

	(void)state;
	mon = n_ctl_monitor(N_UID_B, &out, args);
	/* Root's IOAS: not for uid B's eyes. */
	fd = u_open_ok();
	ioas = u_ioas_ok(fd, 48, 12);
	u_tracking_ok(fd, ioas, true);
	U_EQ(u_destroy(fd, ioas), 0);
	/* Uid B's own. */
	h = refused_child(N_UID_B);
	{
		const struct want w[] = {
			{ "ioas-created", h, N_UID_B, 0, 0, -1 },
			{ "map-refused", h, N_UID_B, BASE, 4 * U_PAGE, -1 },
			{ "ioas-destroyed", h, N_UID_B, 0, 0, -1 },
		};

		expect_events_then_exit(mon, out, w, U_ARRAY_SIZE(w));
	}
	close(fd);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_other_uid),
	};

	n_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
