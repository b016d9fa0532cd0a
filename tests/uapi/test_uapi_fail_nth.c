// SPDX-License-Identifier: MIT
/*
 * Kernel allocation failures: /proc/thread-self/fail-nth makes the n-th
 * fault-injection point reached by this thread fail. For each call under
 * test and n = 1, 2, ... until the call completes without reaching the
 * n-th point, the call must either succeed or fail with ENOMEM and leave
 * the io-pagetable exactly as it was (counters, reserved regions, a probe
 * translation, dirty bits, and the memory DMA could write). Kernel
 * warnings and lockdep reports are caught by the VM runner's dmesg scan.
 *
 * Slab failure injection ignores sleeping (GFP_KERNEL) allocations unless
 * failslab/ignore-gfp-wait is N in debugfs; the test sets it (and verbose
 * to 0, so that each injected failure does not print a stack dump) when
 * debugfs offers it, and puts the old values back at the end. Without
 * debugfs only non-sleeping allocations can fail; when no call reached a
 * single injection point the test is skipped rather than passed.
 */
#include "uapi_util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define P U_PAGE
#define BASE (1ULL << 32)
#define NPAGES 1024u		/* 4 MiB mapped by the MAP case */
#define MAX_N 100000u
#define DEBUGFS "/sys/kernel/debug"
#define FAILSLAB DEBUGFS "/failslab/"

static int nth_fd = -1;
static uint64_t injected;	/* calls that met an injected failure */

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

/* Makes the n-th injection point this thread reaches fail. */
static void nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	assert_int_equal(pwrite(nth_fd, buf, (size_t)len, 0), len);
}

/* Disarms; returns the points still to go (0: a failure was injected). */
static unsigned int nth_disarm(void)
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

/* State of one case: an io-pagetable set up before each attempt. */
struct fcase {
	uint32_t ioas;
	uint8_t *ram;		/* NPAGES + 64 pages */
	uint64_t bm[NPAGES / 64 + 2];
	uint8_t data[2 * 4096];
	uint32_t new_id;	/* IOAS_ALLOC's result */
	uint64_t probe, win;	/* snapshot: probe IOVA, dirty window */
	uint8_t *watch;		/* 64 bytes a failed DMA write must keep */
};

struct op {
	const char *name;
	uint64_t caps;
	/* Sets up the io-pagetable the call runs on (no faults armed). */
	void (*setup)(struct fcase *c);
	/* The call under test: 0 or -errno. */
	int (*call)(struct fcase *c);
};

static void setup_empty(struct fcase *c)
{
	c->ioas = u_ioas_ok(u_fd, 48, 0);
	c->probe = BASE + 3 * P;
	c->win = BASE;
	c->watch = c->ram + 900 * P - 16;
}

/* NPAGES mapped at BASE, tracking on, a few pages dirty. */
static void setup_mapped(struct fcase *c)
{
	setup_empty(c);
	u_map_ok(u_fd, c->ioas, BASE, c->ram, NPAGES * P, U_RW);
	u_tracking_ok(u_fd, c->ioas, true);
	for (uint64_t p = 1; p < 64; p += 7)
		u_dma_ok(u_fd, c->ioas, BASE + p * P, c->data, 8,
			 IODIRTY_DMA_WRITE);
	c->probe = BASE + 500 * P;
	c->win = BASE + 448 * P;
}

static int call_alloc(struct fcase *c)
{
	return u_ioas_alloc(u_fd, 0, 0, &c->new_id);
}

static int call_map(struct fcase *c)
{
	return u_map(u_fd, c->ioas, BASE, c->ram, NPAGES * P, U_RW);
}

static int call_map_refill(struct fcase *c)
{
	return u_map(u_fd, c->ioas, BASE + 500 * P, c->ram + 500 * P, P, U_RW);
}

static void setup_holed(struct fcase *c)
{
	setup_mapped(c);
	U_EQ(u_unmap(u_fd, c->ioas, BASE + 500 * P, P, 0, NULL), 0);
}

static int call_unmap_punch(struct fcase *c)
{
	return u_unmap(u_fd, c->ioas, BASE + 7 * P, P, 0, NULL);
}

static int call_unmap_split(struct fcase *c)
{
	/* More than 512 pages from the middle: the core splits the area. */
	return u_unmap(u_fd, c->ioas, BASE + 100 * P, 600 * P, 0, NULL);
}

static int call_unmap_dirty(struct fcase *c)
{
	memset(c->bm, 0, sizeof(c->bm));
	return u_unmap_dirty(u_fd, c->ioas, BASE + 8 * P, 64 * P, 0, P, c->bm,
			     NULL);
}

static int call_reserve(struct fcase *c)
{
	return u_reserve(u_fd, c->ioas, BASE + 2 * NPAGES * P, 4 * P,
			 IODIRTY_RANGE_RESV_MSI, 0);
}

static void setup_untracked(struct fcase *c)
{
	setup_empty(c);
	u_map_ok(u_fd, c->ioas, BASE, c->ram, NPAGES * P, U_RW);
}

static int call_tracking(struct fcase *c)
{
	return u_tracking(u_fd, c->ioas, true);
}

static int call_dma_write(struct fcase *c)
{
	memset(c->data, 0x3c, sizeof(c->data));
	return u_dma(u_fd, c->ioas, BASE + 900 * P - 16, c->data,
		     sizeof(c->data), IODIRTY_DMA_WRITE);
}

#define FAR (1ULL << 40)

/* Also the last pages of the RAM at FAR: dirt there needs new nodes. */
static void setup_far(struct fcase *c)
{
	setup_mapped(c);
	u_map_ok(u_fd, c->ioas, FAR, c->ram + NPAGES * P, 64 * P, U_RW);
	c->probe = FAR + 3 * P;
	c->win = FAR;
	c->watch = c->ram + NPAGES * P + 8 * P - 16;
}

static int call_dma_write_far(struct fcase *c)
{
	memset(c->data, 0x3c, sizeof(c->data));
	return u_dma(u_fd, c->ioas, FAR + 8 * P - 16, c->data,
		     sizeof(c->data), IODIRTY_DMA_WRITE);
}

static int call_mark_far(struct fcase *c)
{
	return u_dma(u_fd, c->ioas, FAR + 20 * P, NULL, 3 * P,
		     IODIRTY_DMA_WRITE | IODIRTY_DMA_MARK_ONLY);
}

static int call_dma_read(struct fcase *c)
{
	return u_dma(u_fd, c->ioas, BASE + 3 * P, c->data, sizeof(c->data), 0);
}

static int call_dirty(struct fcase *c)
{
	int64_t rc;

	memset(c->bm, 0, sizeof(c->bm));
	rc = u_dirty(u_fd, c->ioas, BASE, NPAGES * P, P, c->bm, 0);
	return rc < 0 ? (int)rc : 0;
}

static int call_dirty_uaddr(struct fcase *c)
{
	int64_t rc;

	memset(c->bm, 0, sizeof(c->bm));
	rc = u_dirty(u_fd, c->ioas, (uintptr_t)c->ram, NPAGES * P, P, c->bm,
		     IODIRTY_DIRTY_UADDR);
	return rc < 0 ? (int)rc : 0;
}

static int call_mappings(struct fcase *c)
{
	struct iodirty_ioas_mappings a = {
		.size = sizeof(a),
		.ioas_id = c->ioas,
		.num_entries = sizeof(c->data) /
			       sizeof(struct iodirty_mapping_entry),
		.iova = BASE,
		.entries = (uintptr_t)c->data,
	};

	return u_ioctl(u_fd, IODIRTY_IOAS_MAPPINGS, &a);
}

/* uAPI version 3: COUNT_ALL by user address allocates a scratch bitmap. */
static int call_dirty_uaddr_count(struct fcase *c)
{
	int64_t rc;

	memset(c->bm, 0, sizeof(c->bm));
	rc = u_dirty(u_fd, c->ioas, (uintptr_t)c->ram, NPAGES * P, P, c->bm,
		     IODIRTY_DIRTY_UADDR | IODIRTY_DIRTY_COUNT_ALL);
	return rc < 0 ? (int)rc : 0;
}

/* GET_DIRTY_EXTENTS of the mapped range, into c->bm as extents. */
static int call_extents(struct fcase *c, uint32_t flags)
{
	struct iodirty_get_dirty_extents a = {
		.size = sizeof(a),
		.flags = flags,
		.ioas_id = c->ioas,
		.nr_extents = (uint32_t)(sizeof(c->bm) /
					(sizeof(struct iodirty_dirty_extent))),
		.iova = flags & IODIRTY_DIRTY_UADDR ? (uintptr_t)c->ram : BASE,
		.length = NPAGES * P,
		.page_size = P,
		.extents = (uintptr_t)c->bm,
	};

	return u_ioctl(u_fd, IODIRTY_GET_DIRTY_EXTENTS, &a);
}

static int call_get_extents(struct fcase *c)
{
	return call_extents(c, 0);
}

static int call_get_extents_uaddr(struct fcase *c)
{
	return call_extents(c, IODIRTY_DIRTY_UADDR);
}

/* SET_DIRTY at FAR, where the dirt needs new nodes: bitmap or extents. */
static int call_set_dirty(struct fcase *c, bool extents)
{
	struct iodirty_dirty_extent *e = (void *)c->bm;
	struct iodirty_set_dirty a = {
		.size = sizeof(a),
		.ioas_id = c->ioas,
		.data = (uintptr_t)c->bm,
	};

	memset(c->bm, 0, sizeof(c->bm));
	if (extents) {
		a.flags = IODIRTY_SET_DIRTY_EXTENTS;
		e[0].start = FAR + 2 * P;
		e[0].length = 3 * P;
		e[1].start = FAR + 40 * P;
		e[1].length = P;
		a.nr_extents = 2;
	} else {
		c->bm[0] = 0x8000000000000f0fULL;
		a.iova = FAR;
		a.length = 64 * P;
		a.page_size = P;
	}
	return u_ioctl(u_fd, IODIRTY_SET_DIRTY, &a);
}

static int call_set_dirty_bitmap(struct fcase *c)
{
	return call_set_dirty(c, false);
}

static int call_set_dirty_extents(struct fcase *c)
{
	return call_set_dirty(c, true);
}

/* A refill, a new map and a map of other pages into a hole: all allocate. */
static int call_map_vec(struct fcase *c)
{
	struct iodirty_map_vec_seg v[3] = {
		{ BASE + 3 * NPAGES * P, (uintptr_t)(c->ram + NPAGES * P),
		  2 * P, U_RW, 0 },
		{ BASE + 500 * P, (uintptr_t)(c->ram + 500 * P), P, U_RW, 0 },
		{ BASE + 2 * NPAGES * P, (uintptr_t)(c->ram + (NPAGES + 8) * P),
		  4 * P, U_RW, 0 },
	};
	struct iodirty_ioas_map_vec cmd = {
		.size = sizeof(cmd), .ioas_id = c->ioas, .num_segs = 3,
		.segs = (uintptr_t)v,
	};

	return u_ioctl(u_fd, IODIRTY_IOAS_MAP_VEC, &cmd);
}

/* A split, a punch and a trim, out of order, with a report. */
static int call_unmap_vec(struct fcase *c)
{
	struct iodirty_unmap_vec_seg v[3] = {
		{ BASE + 100 * P, 600 * P },
		{ BASE + (NPAGES - 2) * P, 2 * P },
		{ BASE + 7 * P, P },
	};
	struct iodirty_ioas_unmap_vec cmd = {
		.size = sizeof(cmd), .flags = IODIRTY_UNMAP_VEC_DIRTY_BITMAP,
		.ioas_id = c->ioas, .num_segs = 3, .segs = (uintptr_t)v,
		.dirty_bitmap = (uintptr_t)c->bm,
	};

	memset(c->bm, 0, sizeof(c->bm));
	return u_ioctl(u_fd, IODIRTY_IOAS_UNMAP_VEC, &cmd);
}

static const struct op ops[] = {
	{ "IOAS_ALLOC", 0, setup_empty, call_alloc },
	{ "IOAS_MAP 4 MiB", 0, setup_empty, call_map },
	{ "IOAS_MAP into a hole", IODIRTY_INFO_CAP_PARTIAL_UNMAP,
	  setup_holed, call_map_refill },
	{ "IOAS_UNMAP punch", IODIRTY_INFO_CAP_PARTIAL_UNMAP,
	  setup_mapped, call_unmap_punch },
	{ "IOAS_UNMAP split", IODIRTY_INFO_CAP_PARTIAL_UNMAP,
	  setup_mapped, call_unmap_split },
	{ "IOAS_UNMAP dirty bitmap", IODIRTY_INFO_CAP_UNMAP_DIRTY |
	  IODIRTY_INFO_CAP_PARTIAL_UNMAP, setup_mapped, call_unmap_dirty },
	{ "IOAS_RESERVE", IODIRTY_INFO_CAP_RESERVE, setup_mapped,
	  call_reserve },
	{ "SET_DIRTY_TRACKING", IODIRTY_INFO_CAP_DIRTY_TRACKING,
	  setup_untracked, call_tracking },
	{ "DMA_RW write", IODIRTY_INFO_CAP_DMA_RW |
	  IODIRTY_INFO_CAP_DIRTY_TRACKING, setup_mapped, call_dma_write },
	{ "DMA_RW write, new nodes", IODIRTY_INFO_CAP_DMA_RW |
	  IODIRTY_INFO_CAP_DIRTY_TRACKING, setup_far, call_dma_write_far },
	{ "DMA_RW mark only", IODIRTY_INFO_CAP_DMA_RW |
	  IODIRTY_INFO_CAP_DIRTY_TRACKING, setup_far, call_mark_far },
	{ "DMA_RW read", IODIRTY_INFO_CAP_DMA_RW |
	  IODIRTY_INFO_CAP_DIRTY_TRACKING, setup_mapped, call_dma_read },
	{ "GET_DIRTY_BITMAP", IODIRTY_INFO_CAP_DIRTY_TRACKING |
	  IODIRTY_INFO_CAP_DMA_RW, setup_mapped, call_dirty },
	{ "GET_DIRTY_BITMAP uaddr", IODIRTY_INFO_CAP_UADDR_REPORT |
	  IODIRTY_INFO_CAP_DIRTY_TRACKING | IODIRTY_INFO_CAP_DMA_RW,
	  setup_mapped, call_dirty_uaddr },
	{ "IOAS_MAPPINGS", IODIRTY_INFO_CAP_MAPPINGS |
	  IODIRTY_INFO_CAP_PARTIAL_UNMAP, setup_holed, call_mappings },
	{ "GET_DIRTY_BITMAP uaddr COUNT_ALL", IODIRTY_INFO_CAP_UADDR_REPORT |
	  IODIRTY_INFO_CAP_DIRTY_TRACKING | IODIRTY_INFO_CAP_DMA_RW,
	  setup_mapped, call_dirty_uaddr_count },
	{ "GET_DIRTY_EXTENTS", IODIRTY_INFO_CAP_EXTENTS |
	  IODIRTY_INFO_CAP_DMA_RW, setup_mapped, call_get_extents },
	{ "GET_DIRTY_EXTENTS uaddr", IODIRTY_INFO_CAP_EXTENTS |
	  IODIRTY_INFO_CAP_UADDR_REPORT | IODIRTY_INFO_CAP_DMA_RW,
	  setup_mapped, call_get_extents_uaddr },
	{ "SET_DIRTY bitmap", IODIRTY_INFO_CAP_SET_DIRTY |
	  IODIRTY_INFO_CAP_DMA_RW, setup_far, call_set_dirty_bitmap },
	{ "SET_DIRTY extents", IODIRTY_INFO_CAP_SET_DIRTY |
	  IODIRTY_INFO_CAP_DMA_RW, setup_far, call_set_dirty_extents },
	{ "IOAS_MAP_VEC", IODIRTY_INFO_CAP_MAP_VEC |
	  IODIRTY_INFO_CAP_PARTIAL_UNMAP, setup_holed, call_map_vec },
	{ "IOAS_UNMAP_VEC dirty bitmap", IODIRTY_INFO_CAP_MAP_VEC |
	  IODIRTY_INFO_CAP_DIRTY_TRACKING | IODIRTY_INFO_CAP_DMA_RW,
	  setup_mapped, call_unmap_vec },
};

static void sweep(const struct op *op, struct fcase *c)
{
	unsigned int n, hits = 0;

	for (n = 1; n < MAX_N; n++) {
		struct u_snap before, after;
		unsigned int left;
		uint8_t page[64];
		int rc;

		c->new_id = 0;
		op->setup(c);
		u_snap(u_fd, c->ioas, c->probe, c->win, &before);
		memcpy(page, c->watch, sizeof(page));
		nth_arm(n);
		rc = op->call(c);
		left = nth_disarm();
		if (left) {
			/* The call ran to the end without meeting point n. */
			if (rc)
				fail_msg("%s: %s without an injected failure",
					 op->name, strerror(-rc));
			U_EQ(u_destroy(u_fd, c->ioas), 0);
			if (c->new_id)
				U_EQ(u_destroy(u_fd, c->new_id), 0);
			break;
		}
		hits++;
		if (rc && rc != -ENOMEM)
			fail_msg("%s, fail-nth %u: %s, expected success or "
				 "ENOMEM", op->name, n, strerror(-rc));
		if (rc) {
			u_snap(u_fd, c->ioas, c->probe, c->win, &after);
			u_snap_equal(&before, &after);
			/* A failed DMA write wrote nothing. */
			assert_memory_equal(page, c->watch, sizeof(page));
		}
		U_EQ(u_destroy(u_fd, c->ioas), 0);
		if (c->new_id)
			U_EQ(u_destroy(u_fd, c->new_id), 0);
		memset(c->ram, 0, (NPAGES + 64) * P);
	}
	assert_true(n < MAX_N);
	print_message("%-26s %u injection points\n", op->name, hits);
	injected += hits;
}

static void test_fail_nth(void **state)
{
	struct fcase *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	c->ram = u_ram((NPAGES + 64) * P);
	for (size_t i = 0; i < U_ARRAY_SIZE(ops); i++) {
		if (ops[i].caps && !u_has(ops[i].caps)) {
			print_message("%s: module lacks capabilities\n",
				      ops[i].name);
			continue;
		}
		sweep(&ops[i], c);
	}
	u_ram_free(c->ram, (NPAGES + 64) * P);
	free(c);
	if (!injected) {
		print_message("no call reached an injection point\n");
		skip();
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_nth),
	};
	int rc;

	(void)argc;
	u_init(argv[0]);
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0) {
		printf("%s: no /proc/thread-self/fail-nth "
		       "(CONFIG_FAULT_INJECTION): skipped\n", argv[0]);
		return U_SKIP;
	}
	knobs_set();
	rc = cmocka_run_group_tests_name("uapi_fail_nth", tests, u_group_open,
					 u_group_close);
	knobs_restore();
	close(nth_fd);
	return rc;
}
