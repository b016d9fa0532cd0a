// SPDX-License-Identifier: MIT
#include "nl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

const char *n_ctl;

void n_init(int argc, char **argv)
{
	u_init(argv[0]);
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-IODIRTY-CTL\n", argv[0]);
		exit(2);
	}
	n_ctl = argv[1];
	/* A child's writes to a closed pipe must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	/* What was printed is seen even if the test is killed (a hang). */
	setvbuf(stdout, NULL, _IONBF, 0);
}

static void drop_to(int uid)
{
	if (uid < 0)
		return;
	if (setgroups(0, NULL) || setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) ||
	    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid)) {
		perror("dropping privileges");
		_exit(126);
	}
}

static pid_t spawn(int uid, int out[2], int err[2], const char *const *args)
{
	const char *argv[32];
	size_t n = 0;
	pid_t pid;

	argv[n++] = n_ctl;
	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		drop_to(uid);
		dup2(out[1], STDOUT_FILENO);
		if (err)
			dup2(err[1], STDERR_FILENO);
		close(out[0]);
		close(out[1]);
		if (err) {
			close(err[0]);
			close(err[1]);
		}
		execv(n_ctl, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	if (err)
		close(err[1]);
	return pid;
}

int n_ctl_run(int uid, char **out, const char *const *args)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int p[2], status;
	ssize_t r;
	pid_t pid;

	assert_non_null(buf);
	assert_int_equal(pipe(p), 0);
	pid = spawn(uid, p, NULL, args);
	for (;;) {
		if (len + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = read(p[0], buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool n_read_line(int fd, char *buf, size_t size)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	char c;

	while (n + 1 < size) {
		if (poll(&pf, 1, 5000) <= 0)
			return false;
		if (read(fd, &c, 1) != 1)
			return false;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return true;
}

pid_t n_ctl_monitor(int uid, int *fd_out, const char *const *args)
{
	int out[2], err[2];
	char line[256];
	pid_t pid;

	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid = spawn(uid, out, err, args);
	if (!n_read_line(err[0], line, sizeof(line)) ||
	    !strstr(line, "monitoring events")) {
		print_error("monitor did not start: '%s'\n", line);
		fail();
	}
	close(err[0]);
	*fd_out = out[0];
	return pid;
}

static const char *find_key(const char *json, const char *key)
{
	char pat[96];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(json, pat);
	return p ? p + strlen(pat) : NULL;
}

bool n_json_u64(const char *json, const char *key, uint64_t *v)
{
	const char *p = find_key(json, key);
	char *end;

	if (!p)
		return false;
	*v = strtoull(p, &end, 10);
	return end != p;
}

bool n_json_str(const char *json, const char *key, char *buf, size_t size)
{
	const char *p = find_key(json, key), *e;

	if (!p || *p != '"' || !(e = strchr(p + 1, '"')) ||
	    (size_t)(e - p - 1) >= size)
		return false;
	memcpy(buf, p + 1, (size_t)(e - p - 1));
	buf[e - p - 1] = '\0';
	return true;
}

size_t n_json_count(const char *json, const char *key)
{
	char pat[96];
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	for (const char *p = json; (p = strstr(p, pat)); p += strlen(pat))
		n++;
	return n;
}

uint32_t n_handle(int fd, uint32_t ioas)
{
	struct iodirty_ioas_stats st;

	u_stats_ok(fd, ioas, &st);
	assert_true(st.out_handle != 0);
	return st.out_handle;
}

void n_child_start(struct n_child *c, int uid, uint64_t iova, uint64_t pages)
{
	int to[2], from[2];
	uint64_t msg[2];

	assert_int_equal(pipe(to), 0);
	assert_int_equal(pipe(from), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (!c->pid) {
		int fd = open(U_DEV, O_RDWR | O_CLOEXEC);
		uint32_t ioas;
		void *ram;
		char x;

		/*
		 * Only its own pipe ends: an inherited write end of another
		 * child's pipe would keep that child from ever seeing EOF.
		 */
		for (int i = 3; i < 1024; i++)
			if (i != to[0] && i != from[1] && i != fd)
				close(i);
		drop_to(uid);
		ram = mmap(NULL, pages * U_PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (fd < 0 || ram == MAP_FAILED ||
		    u_ioas_alloc(fd, 48, 12, &ioas) ||
		    u_map(fd, ioas, iova, ram, pages * U_PAGE, U_RW))
			_exit(1);
		msg[0] = n_handle(fd, ioas);
		msg[1] = (uintptr_t)ram;
		if (write(from[1], msg, sizeof(msg)) != sizeof(msg))
			_exit(1);
		/* Until the parent closes its end. */
		while (read(to[0], &x, 1) > 0)
			;
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	c->to_child = to[1];
	c->from_child = from[0];
	assert_int_equal(read(c->from_child, msg, sizeof(msg)), sizeof(msg));
	c->handle = (uint32_t)msg[0];
	c->uaddr = msg[1];
}

void n_child_end(struct n_child *c)
{
	int status;

	close(c->to_child);
	close(c->from_child);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void n_nl_open(struct ctl_nl *nl)
{
	int ret = ctl_nl_open(nl);

	if (ret)
		print_error("ctl_nl_open: %s\n", strerror(-ret));
	assert_int_equal(ret, 0);
}
