// SPDX-License-Identifier: MIT
/*
 * Kernel allocation failures: /proc/thread-self/fail-nth makes the n-th
 * fault-injection point reached by this thread fail. For each call under
 * test and n = 1, 2, ... until the call completes without reaching the
 * n-th point, the call must either succeed or fail with ENOMEM and leave
 * the io-pagetable exactly as it was (counters, reserved regions, a probe
 * translation, dirty bits, and the memory DMA could write). Kernel
 * warnings and lockdep reports are caught by the VM runner's dmesg scan.
 * Every command of the module is swept, those that allocate nothing too
 * (they must still succeed with the injection armed).
 *
 * Without debugfs only non-sleeping allocations can fail (fail_nth.h);
 * when no call reached a single injection point the test is skipped
 * rather than passed.
 */
#include "fail_nth.h"
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

static uint64_t injected;	/* calls that met an injected failure */

/* State of one case: an io-pagetable set up before each attempt. */
struct fcase {
	uint32_t ioas;
	uint8_t *ram;		/* NPAGES + 64 pages */
	uint64_t bm[NPAGES / 64 + 2];
	uint8_t data[2 * 4096];
	uint32_t new_id;	/* IOAS_ALLOC's result, DESTROY's object */
	uint32_t hold;		/* SG_PUT's hold */
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
	/* 512 pages or more from the middle: the core splits the area. */
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

/* Calls that allocate little or nothing: armed, they must still work. */
static int call_get_info(struct fcase *c)
{
	struct iodirty_info a = { .size = sizeof(a) };

	(void)c;
	return u_ioctl(u_fd, IODIRTY_GET_INFO, &a);
}

/* A second IOAS, mapped, for DESTROY. */
static void setup_second(struct fcase *c)
{
	setup_mapped(c);
	U_EQ(u_ioas_alloc(u_fd, 48, 0, &c->new_id), 0);
	u_map_ok(u_fd, c->new_id, BASE, c->ram, 64 * P, U_RW);
}

static int call_destroy(struct fcase *c)
{
	int rc = u_destroy(u_fd, c->new_id);

	if (!rc)
		c->new_id = 0;
	return rc;
}

static int call_translate(struct fcase *c)
{
	uint64_t va, contig;

	return u_translate(u_fd, c->ioas, BASE + 9 * P, &va, &contig);
}

static int call_ranges(struct fcase *c)
{
	struct iodirty_iova_range r[8];
	uint32_t num = U_ARRAY_SIZE(r);

	return u_ranges(u_fd, c->ioas, 0, r, &num);
}

static int call_stats(struct fcase *c)
{
	struct iodirty_ioas_stats st;

	return u_stats(u_fd, c->ioas, &st);
}

/* A reserved region to remove. */
static void setup_reserved(struct fcase *c)
{
	setup_mapped(c);
	U_EQ(u_reserve(u_fd, c->ioas, BASE + 2 * NPAGES * P, 4 * P,
		       IODIRTY_RANGE_RESV_MSI, 0), 0);
}

static int call_unreserve(struct fcase *c)
{
	return u_reserve(u_fd, c->ioas, BASE + 2 * NPAGES * P, 4 * P, 0,
			 IODIRTY_RESERVE_REMOVE);
}

/* One segment where the dirt needs new nodes: all of it or nothing. */
static int call_dmav_far(struct fcase *c)
{
	struct iodirty_dma_vec v = {
		.iova = FAR + 8 * P - 16,
		.length = sizeof(c->data),
		.data = (uintptr_t)c->data,
	};
	struct iodirty_dma_rwv a = {
		.size = sizeof(a), .flags = IODIRTY_DMA_WRITE,
		.ioas_id = c->ioas, .num_segs = 1, .segs = (uintptr_t)&v,
	};

	memset(c->data, 0x3c, sizeof(c->data));
	return u_ioctl(u_fd, IODIRTY_DMA_RWV, &a);
}

static int sg_get_far(struct fcase *c, uint32_t *hold)
{
	struct iodirty_sg_piece pc[4];
	struct iodirty_sg_get a = {
		.size = sizeof(a), .flags = IODIRTY_SG_GET_WRITE,
		.ioas_id = c->ioas, .num_pieces = U_ARRAY_SIZE(pc),
		.iova = FAR + 2 * P, .length = 3 * P, .pieces = (uintptr_t)pc,
	};
	int rc = u_ioctl(u_fd, IODIRTY_SG_GET, &a);

	*hold = a.out_hold_id;
	return rc;
}

static int call_sg_get(struct fcase *c)
{
	return sg_get_far(c, &c->hold);
}

/* A write hold at FAR, for SG_PUT. */
static void setup_held(struct fcase *c)
{
	setup_far(c);
	U_EQ(sg_get_far(c, &c->hold), 0);
}

static int call_sg_put(struct fcase *c)
{
	struct iodirty_sg_put a = {
		.size = sizeof(a), .ioas_id = c->ioas, .hold_id = c->hold,
		.written = 3 * P,
	};

	return u_ioctl(u_fd, IODIRTY_SG_PUT, &a);
}

static const struct op ops[] = {
	{ "GET_INFO", 0, setup_empty, call_get_info },
	{ "DESTROY", 0, setup_second, call_destroy },
	{ "IOAS_TRANSLATE", 0, setup_mapped, call_translate },
	{ "IOAS_IOVA_RANGES", 0, setup_mapped, call_ranges },
	{ "IOAS_STATS", 0, setup_mapped, call_stats },
	{ "IOAS_RESERVE remove", IODIRTY_INFO_CAP_RESERVE, setup_reserved,
	  call_unreserve },
	{ "DMA_RWV write, new nodes", IODIRTY_INFO_CAP_DMA_RW |
	  IODIRTY_INFO_CAP_DIRTY_TRACKING, setup_far, call_dmav_far },
	{ "SG_GET write", IODIRTY_INFO_CAP_SG |
	  IODIRTY_INFO_CAP_DIRTY_TRACKING, setup_far, call_sg_get },
	{ "SG_PUT", IODIRTY_INFO_CAP_SG | IODIRTY_INFO_CAP_DIRTY_TRACKING,
	  setup_held, call_sg_put },
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
		fail_nth_arm(n);
		rc = op->call(c);
		left = fail_nth_disarm();
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
		TC_SKIP("no call reached an injection point\n");
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
	if (!fail_nth_open()) {
		printf("%s: no /proc/thread-self/fail-nth "
		       "(CONFIG_FAULT_INJECTION): skipped\n", argv[0]);
		return U_SKIP;
	}
	rc = cmocka_run_group_tests_name("uapi_fail_nth", tests, u_group_open,
					 u_group_close);
	fail_nth_close();
	return rc;
}
