// SPDX-License-Identifier: MIT
/*
 * A DMA whose buffer does not fault in must not stall the io-pagetable.
 *
 * The caller's buffer of DMA_RW and DMA_RWV is registered with
 * userfaultfd and its faults are left unanswered for a while: the DMA
 * waits for them, but a map, an unmap and a dirty read of the same
 * io-pagetable from another thread must complete at once, since the
 * module never touches the buffer under the io-pagetable's lock. Then the
 * faults are answered, and the DMA completes with the right bytes and
 * dirty bits. A long transfer from ordinary memory holds the lock a chunk
 * at a time: maps and unmaps during it wait for one chunk at most.
 *
 * Runs as root (userfaultfd of user faults needs it where
 * vm.unprivileged_userfaultfd is 0); exits 77 if userfaultfd is missing.
 */
#include "uapi_util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define P U_PAGE
#define BASE (1ULL << 32)
/* An IOVA for the maps and unmaps made while the DMA waits. */
#define OTHER (1ULL << 36)
/* The stalled transfer: more than one chunk of the module's. */
#define LEN (3 * U_MiB)
/*
 * The longest a map, an unmap or a dirty read may take while a DMA waits
 * on its buffer: far above what they take alone, even under emulation
 * (see the times printed), far below the wait the test imposes.
 */
#define BOUND_MS 200
/* How long the faults are left unanswered. */
#define HOLD_MS 1000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A userfaultfd, or -errno. */
static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* @len bytes of fresh anonymous memory whose missing pages @uffd serves. */
static uint8_t *uffd_region(int uffd, size_t len)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	reg.range.start = (uintptr_t)p;
	reg.range.len = len;
	assert_int_equal(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	return p;
}

/* Waits up to @ms for a fault message; returns its address or 0. */
static uint64_t uffd_wait_fault(int uffd, int ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	return msg.arg.pagefault.address;
}

/*
 * Answers every page of [@p, @p + @len): a copy of @fill's page for each
 * (or the zero page when @fill is NULL). Pages some fault already filled
 * are EEXIST, which is fine.
 */
static void uffd_fill(int uffd, uint8_t *p, size_t len, const uint8_t *fill)
{
	size_t off;

	for (off = 0; off < len; off += P) {
		if (fill) {
			struct uffdio_copy c = {
				.dst = (uintptr_t)p + off,
				.src = (uintptr_t)fill + off,
				.len = P,
			};

			if (ioctl(uffd, UFFDIO_COPY, &c))
				assert_int_equal(errno, EEXIST);
		} else {
			struct uffdio_zeropage z = {
				.range = { .start = (uintptr_t)p + off,
					   .len = P },
			};

			if (ioctl(uffd, UFFDIO_ZEROPAGE, &z))
				assert_int_equal(errno, EEXIST);
		}
	}
}

/* The transfer of another thread. */
struct dma_job {
	uint32_t ioas;
	bool vec;		/* DMA_RWV of two segments instead */
	bool write;
	uint8_t *buf;
	uint64_t len;
	int rc;
	uint64_t done;
	atomic_bool running;
	atomic_bool finished;
};

static void *dma_thread(void *arg)
{
	struct dma_job *j = arg;
	uint32_t flags = j->write ? IODIRTY_DMA_WRITE : 0;

	atomic_store(&j->running, true);
	if (j->vec) {
		/* Two segments, the second one page in, both stalled. */
		struct iodirty_dma_vec v[2] = {
			{ BASE, P, (uintptr_t)j->buf },
			{ BASE + P, j->len - P, (uintptr_t)j->buf + P },
		};
		struct iodirty_dma_rwv a = {
			.size = sizeof(a),
			.flags = flags,
			.ioas_id = j->ioas,
			.num_segs = 2,
			.segs = (uintptr_t)v,
		};

		j->rc = u_ioctl(u_fd, IODIRTY_DMA_RWV, &a);
		j->done = a.out_done;
	} else {
		j->rc = u_dma(u_fd, j->ioas, BASE, j->buf, j->len, flags);
	}
	atomic_store(&j->finished, true);
	return NULL;
}

/* The calls made while the DMA waits, and how long each took. */
struct probe {
	uint32_t ioas;
	uint8_t *mem;
	int rc[3];
	double ms[3];
	atomic_bool finished;
};

static const char *const probe_name[3] = { "IOAS_MAP", "IOAS_UNMAP",
					   "GET_DIRTY_BITMAP" };

static void *probe_thread(void *arg)
{
	struct probe *pr = arg;
	uint64_t bm = 0;
	double t;

	t = now_ms();
	pr->rc[0] = u_map(u_fd, pr->ioas, OTHER, pr->mem, P, U_RW);
	pr->ms[0] = now_ms() - t;
	t = now_ms();
	pr->rc[1] = u_unmap(u_fd, pr->ioas, OTHER, P, 0, NULL);
	pr->ms[1] = now_ms() - t;
	t = now_ms();
	pr->rc[2] = (int)u_dirty(u_fd, pr->ioas, BASE, 64 * P, P, &bm,
				 IODIRTY_DIRTY_NO_CLEAR);
	pr->ms[2] = now_ms() - t;
	atomic_store(&pr->finished, true);
	return NULL;
}

/* Waits up to @ms for @flag. */
static bool wait_flag(atomic_bool *flag, int ms)
{
	double end = now_ms() + ms;

	while (!atomic_load(flag)) {
		if (now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/*
 * One stalled transfer: @write (the device writes: the buffer is read,
 * filled by UFFDIO_COPY) or not (the buffer is written, filled by
 * UFFDIO_ZEROPAGE first); @vec for DMA_RWV.
 */
static void stall_one(bool write, bool vec)
{
	uint8_t *guest = u_ram(LEN), *pattern = u_ram(LEN), *other = u_ram(P);
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);
	struct dma_job j = { .ioas = ioas, .vec = vec, .write = write,
			     .len = LEN };
	struct probe pr = { .ioas = ioas, .mem = other };
	size_t words = u_words(LEN / P), i;
	uint64_t *bm = calloc(words, sizeof(*bm));
	pthread_t tj, tp;
	bool in_time;
	int uffd = uffd_open();

	assert_true(uffd >= 0 && bm);
	j.buf = uffd_region(uffd, LEN);
	for (i = 0; i < LEN; i++)
		pattern[i] = (uint8_t)(i * 7 + i / P);
	if (!write)
		memcpy(guest, pattern, LEN);
	u_map_ok(u_fd, ioas, BASE, guest, LEN, U_RW);
	u_tracking_ok(u_fd, ioas, true);

	assert_int_equal(pthread_create(&tj, NULL, dma_thread, &j), 0);
	/* The DMA is waiting on its buffer once the fault is reported. */
	U_EQ(uffd_wait_fault(uffd, 10000) != 0, 1);
	assert_int_equal(pthread_create(&tp, NULL, probe_thread, &pr), 0);
	in_time = wait_flag(&pr.finished, HOLD_MS);
	/* The DMA must still be waiting: the faults are unanswered. */
	U_EQ(atomic_load(&j.finished), 0);
	uffd_fill(uffd, j.buf, LEN, write ? pattern : NULL);
	assert_int_equal(pthread_join(tp, NULL), 0);
	assert_int_equal(pthread_join(tj, NULL), 0);
	for (i = 0; i < 3; i++)
		print_message("%s %s: %s %d in %.1f ms while the DMA waited\n",
			      vec ? "DMA_RWV" : "DMA_RW",
			      write ? "write" : "read", probe_name[i],
			      pr.rc[i], pr.ms[i]);
	U_EQ(in_time, 1);
	for (i = 0; i < 3; i++) {
		U_EQ(pr.rc[i] >= 0, 1);
		U_EQ(pr.ms[i] < BOUND_MS, 1);
	}

	/* Then the transfer completes as if nothing had happened. */
	U_EQ(j.rc, 0);
	if (vec)
		U_EQ(j.done, LEN);
	if (write) {
		U_EQ(memcmp(guest, pattern, LEN), 0);
		U_EQ(u_dirty(u_fd, ioas, BASE, LEN, P, bm, 0), LEN / P);
		U_EQ(u_popcount(bm, words), LEN / P);
	} else {
		U_EQ(memcmp(j.buf, pattern, LEN), 0);
		U_EQ(u_dirty(u_fd, ioas, BASE, LEN, P, bm, 0), 0);
	}

	U_EQ(u_destroy(u_fd, ioas), 0);
	close(uffd);
	free(bm);
	u_ram_free(j.buf, LEN);
	u_ram_free(guest, LEN);
	u_ram_free(pattern, LEN);
	u_ram_free(other, P);
}

static void test_dma_write_stalled(void **state)
{
	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_DMA_RW | IODIRTY_INFO_CAP_DIRTY_TRACKING);
	stall_one(true, false);
}

static void test_dma_read_stalled(void **state)
{
	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_DMA_RW | IODIRTY_INFO_CAP_DIRTY_TRACKING);
	stall_one(false, false);
}

static void test_dmav_write_stalled(void **state)
{
	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_DMA_RW | IODIRTY_INFO_CAP_DIRTY_TRACKING);
	stall_one(true, true);
}

static void test_dmav_read_stalled(void **state)
{
	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_DMA_RW | IODIRTY_INFO_CAP_DIRTY_TRACKING);
	stall_one(false, true);
}

/*
 * The chunks keep DMA_RW's promises for a range of several: an unmapped
 * page at the far end fails the call before a byte moves, and a source
 * that faults in the first chunk leaves the whole range marked.
 */
static void test_chunks_keep_semantics(void **state)
{
	uint8_t *guest = u_ram(LEN), *src = u_ram(LEN);
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);
	size_t words = u_words(LEN / P);
	uint64_t *bm = calloc(words, sizeof(*bm));

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_DMA_RW | IODIRTY_INFO_CAP_DIRTY_TRACKING);
	assert_non_null(bm);
	memset(src, 0x5a, LEN);
	u_map_ok(u_fd, ioas, BASE, guest, LEN - P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	/* The last page is not mapped: ENOENT, nothing copied or marked. */
	U_EQ(u_dma(u_fd, ioas, BASE, src, LEN, IODIRTY_DMA_WRITE), -ENOENT);
	U_EQ(guest[0], 0);
	U_EQ(u_dirty(u_fd, ioas, BASE, LEN, P, bm, 0), 0);

	/* Page 10 of the source unreadable: pages 0-9 land, all marked. */
	assert_int_equal(mprotect(src + 10 * P, P, PROT_NONE), 0);
	U_EQ(u_dma(u_fd, ioas, BASE, src, LEN - P, IODIRTY_DMA_WRITE),
	     -EFAULT);
	U_EQ(guest[0] == 0x5a && guest[10 * P - 1] == 0x5a, 1);
	U_EQ(guest[10 * P] == 0 && guest[LEN - P - 1] == 0, 1);
	U_EQ(u_dirty(u_fd, ioas, BASE, LEN, P, bm, 0), LEN / P - 1);
	assert_int_equal(mprotect(src + 10 * P, P, PROT_READ | PROT_WRITE),
			 0);

	U_EQ(u_destroy(u_fd, ioas), 0);
	free(bm);
	u_ram_free(guest, LEN);
	u_ram_free(src, LEN);
}

/* Big enough that its copy takes far longer than BOUND_MS when emulated. */
#define LONG_LEN (256 * U_MiB)

/*
 * A long transfer from memory that is all there: maps and unmaps made
 * while it runs wait for one chunk's copy, not for the transfer. Prints
 * the transfer's rate, the cost of pinning the buffer included.
 */
static void test_long_transfer(void **state)
{
	uint8_t *guest = u_ram(LONG_LEN), *buf = u_ram(LONG_LEN);
	uint8_t *other = u_ram(P);
	uint32_t ioas = u_ioas_ok(u_fd, 40, 0);
	struct dma_job j = { .ioas = ioas, .write = true, .buf = buf,
			     .len = LONG_LEN };
	double t0, t1, worst = 0, alone, t;
	int ops = 0, rc;
	pthread_t tj;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_DMA_RW);
	memset(buf, 0x3c, LONG_LEN);
	u_map_ok(u_fd, ioas, BASE, guest, LONG_LEN, U_RW);
	/* Once alone, for the rate. */
	t0 = now_ms();
	u_dma_ok(u_fd, ioas, BASE, buf, LONG_LEN, IODIRTY_DMA_WRITE);
	alone = now_ms() - t0;
	print_message("DMA_RW write of %llu MiB alone: %.0f ms, %.0f MiB/s\n",
		      LONG_LEN / U_MiB, alone, LONG_LEN / U_MiB / alone * 1e3);

	memset(buf, 0xc3, LONG_LEN);
	assert_int_equal(pthread_create(&tj, NULL, dma_thread, &j), 0);
	U_EQ(wait_flag(&j.running, 10000), 1);
	t0 = now_ms();
	while (!atomic_load(&j.finished)) {
		t = now_ms();
		rc = u_map(u_fd, ioas, OTHER, other, P, U_RW);
		if (!rc)
			rc = u_unmap(u_fd, ioas, OTHER, P, 0, NULL);
		U_EQ(rc, 0);
		t = now_ms() - t;
		/* Only a pair that ended before the transfer counts. */
		if (!atomic_load(&j.finished) && t > worst)
			worst = t;
		ops++;
	}
	t1 = now_ms();
	assert_int_equal(pthread_join(tj, NULL), 0);
	U_EQ(j.rc, 0);
	print_message("during a %.0f ms DMA_RW: %d map+unmap pairs, the "
		      "slowest %.1f ms\n", t1 - t0, ops, worst);
	U_EQ(worst < BOUND_MS, 1);
	U_EQ(guest[0] == 0xc3 && guest[LONG_LEN - 1] == 0xc3, 1);

	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(guest, LONG_LEN);
	u_ram_free(buf, LONG_LEN);
	u_ram_free(other, P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_write_stalled),
		cmocka_unit_test(test_dma_read_stalled),
		cmocka_unit_test(test_dmav_write_stalled),
		cmocka_unit_test(test_dmav_read_stalled),
		cmocka_unit_test(test_chunks_keep_semantics),
		cmocka_unit_test(test_long_transfer),
	};
	int uffd;

	(void)argc;
	u_init(argv[0]);
	uffd = uffd_open();
	if (uffd < 0) {
		printf("userfaultfd unavailable: %s\n", strerror(-uffd));
		return U_SKIP;
	}
	close(uffd);
	return cmocka_run_group_tests_name("uapi_stall", tests, u_group_open,
					   u_group_close);
}
