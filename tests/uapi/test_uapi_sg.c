// SPDX-License-Identifier: MIT
/*
 * SG_GET and SG_PUT: ranges held for zero-copy access. The pieces are the
 * caller's memory, one per run contiguous in user address; a short array
 * gets EMSGSIZE with the count and holds nothing; what was written is
 * marked at the put; an unmap makes a hold stale and reports its pages;
 * holds belong to their io-pagetable and go with it (DESTROY, close).
 */
#include "uapi_util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define P U_PAGE
#define BASE (1ULL << 32)

static int sg_get(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
		  uint32_t flags, struct iodirty_sg_piece *pieces,
		  uint32_t *num, uint32_t *hold)
{
	struct iodirty_sg_get a = {
		.size = sizeof(a),
		.flags = flags,
		.ioas_id = ioas,
		.num_pieces = *num,
		.iova = iova,
		.length = len,
		.pieces = (uintptr_t)pieces,
		.out_hold_id = 0xffffffffu,
	};
	int rc = u_ioctl(fd, IODIRTY_SG_GET, &a);

	*num = a.num_pieces;
	if (hold)
		*hold = a.out_hold_id;
	return rc;
}

static int sg_put(int fd, uint32_t ioas, uint32_t hold, uint64_t written)
{
	struct iodirty_sg_put a = {
		.size = sizeof(a),
		.ioas_id = ioas,
		.hold_id = hold,
		.written = written,
	};

	return u_ioctl(fd, IODIRTY_SG_PUT, &a);
}

static uint64_t holds(int fd, uint32_t ioas)
{
	struct iodirty_ioas_stats st;

	u_stats_ok(fd, ioas, &st);
	return st.out_holds;
}

static uint64_t dirty_bits(int fd, uint32_t ioas)
{
	uint64_t bm = 0;

	U_EQ(u_dirty(fd, ioas, BASE, 16 * P, P, &bm, 0) >= 0, 1);
	return bm;
}

/*
 * Pages 0-3 of @a at BASE, pages 0-3 of @b at BASE + 4 pages (another run
 * in user address), page 0 of @ro read-only at BASE + 8 pages; tracking on.
 */
struct fx {
	uint8_t *a, *b, *ro;
	uint32_t ioas;
};

static void fx_setup(struct fx *f)
{
	U_REQUIRE(IODIRTY_INFO_CAP_SG | IODIRTY_INFO_CAP_DIRTY_TRACKING);
	f->a = u_ram(4 * P);
	f->b = u_ram(4 * P);
	f->ro = u_ram(P);
	f->ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, f->ioas, BASE, f->a, 4 * P, U_RW);
	u_map_ok(u_fd, f->ioas, BASE + 4 * P, f->b, 4 * P, U_RW);
	u_map_ok(u_fd, f->ioas, BASE + 8 * P, f->ro, P,
		 IODIRTY_IOAS_MAP_READ);
	u_tracking_ok(u_fd, f->ioas, true);
}

static void fx_teardown(struct fx *f)
{
	U_EQ(u_destroy(u_fd, f->ioas), 0);
	u_ram_free(f->a, 4 * P);
	u_ram_free(f->b, 4 * P);
	u_ram_free(f->ro, P);
}

static void test_pieces_and_put(void **state)
{
	struct iodirty_sg_piece pc[4];
	uint32_t n = 4, h, h2;
	struct fx f;

	(void)state;
	fx_setup(&f);
	/* From page 2 + 100 of a to page 1 + 50 of b: two pieces. */
	U_EQ(sg_get(u_fd, f.ioas, BASE + 2 * P + 100, 3 * P - 50,
		    IODIRTY_SG_GET_WRITE, pc, &n, &h), 0);
	U_EQ(n, 2);
	assert_true(h != 0 && h != 0xffffffffu);
	U_EQ(pc[0].uaddr, (uintptr_t)(f.a + 2 * P + 100));
	U_EQ(pc[0].length, 2 * P - 100);
	U_EQ(pc[1].uaddr, (uintptr_t)f.b);
	U_EQ(pc[1].length, P + 50);
	U_EQ(holds(u_fd, f.ioas), 1);

	/* Written through the pieces: not reported until the put. */
	memset((void *)(uintptr_t)pc[0].uaddr, 0x5a, pc[0].length);
	memset((void *)(uintptr_t)pc[1].uaddr, 0x5b, pc[1].length);
	U_EQ(dirty_bits(u_fd, f.ioas), 0);
	/* Beyond the range: EINVAL, and the hold stays. */
	U_EQ(sg_put(u_fd, f.ioas, h, 3 * P - 49), -EINVAL);
	U_EQ(holds(u_fd, f.ioas), 1);
	/* The first 2 pages' worth of bytes: pages 2, 3 and 4 of the IOAS. */
	U_EQ(sg_put(u_fd, f.ioas, h, 2 * P), 0);
	U_EQ(dirty_bits(u_fd, f.ioas), 0x1c);
	U_EQ(holds(u_fd, f.ioas), 0);
	/* Put once only. */
	U_EQ(sg_put(u_fd, f.ioas, h, 0), -ENOENT);

	/* A read hold: written must be 0. IDs are not reused at once. */
	n = 4;
	U_EQ(sg_get(u_fd, f.ioas, BASE + 8 * P, 16, 0, pc, &n, &h2), 0);
	assert_true(h2 != h);
	U_EQ(n, 1);
	U_EQ(pc[0].uaddr, (uintptr_t)f.ro);
	U_EQ(sg_put(u_fd, f.ioas, h2, 1), -EINVAL);
	U_EQ(sg_put(u_fd, f.ioas, h2, 0), 0);
	U_EQ(dirty_bits(u_fd, f.ioas), 0);
	fx_teardown(&f);
}

static void test_emsgsize(void **state)
{
	struct iodirty_sg_piece pc[2];
	uint32_t n, h;
	struct fx f;

	(void)state;
	fx_setup(&f);
	/* Count only. */
	n = 0;
	U_EQ(sg_get(u_fd, f.ioas, BASE, 8 * P, IODIRTY_SG_GET_WRITE, NULL, &n,
		    &h), -EMSGSIZE);
	U_EQ(n, 2);
	/* A count without an array. */
	n = 1;
	U_EQ(sg_get(u_fd, f.ioas, BASE, 8 * P, 0, NULL, &n, &h), -EINVAL);
	/* As many as fit, the rest untouched, nothing held. */
	memset(pc, 0xee, sizeof(pc));
	n = 1;
	U_EQ(sg_get(u_fd, f.ioas, BASE, 8 * P, 0, pc, &n, &h), -EMSGSIZE);
	U_EQ(n, 2);
	U_EQ(pc[0].uaddr, (uintptr_t)f.a);
	U_EQ(pc[0].length, 4 * P);
	U_EQ(pc[1].uaddr, 0xeeeeeeeeeeeeeeeeULL);
	U_EQ(holds(u_fd, f.ioas), 0);
	/* Exactly enough. */
	n = 2;
	U_EQ(sg_get(u_fd, f.ioas, BASE, 8 * P, 0, pc, &n, &h), 0);
	U_EQ(n, 2);
	U_EQ(sg_put(u_fd, f.ioas, h, 0), 0);
	fx_teardown(&f);
}

static void test_errors(void **state)
{
	struct iodirty_sg_piece pc[4];
	uint32_t n, h, other;
	struct fx f;

	(void)state;
	fx_setup(&f);
#define GET(iova, len, flags) (n = 4, sg_get(u_fd, f.ioas, iova, len, flags, \
					     pc, &n, &h))
	U_EQ(GET(BASE, 0, 0), -EINVAL);
	U_EQ(GET(~0ULL - 10, 100, 0), -EOVERFLOW);
	U_EQ(GET(1ULL << 40, 1, 0), -ERANGE);
	U_EQ(GET(BASE + 8 * P, 2 * P, 0), -ENOENT);
	U_EQ(GET(BASE + 7 * P, 2 * P, IODIRTY_SG_GET_WRITE), -EACCES);
	U_EQ(GET(BASE + 8 * P, 1, IODIRTY_SG_GET_WRITE), -EACCES);
	/* An array the module cannot write: EFAULT, nothing held. */
	n = 4;
	U_EQ(sg_get(u_fd, f.ioas, BASE, P, 0, (void *)(uintptr_t)8, &n, &h),
	     -EFAULT);
	U_EQ(holds(u_fd, f.ioas), 0);
	U_EQ(sg_put(u_fd, f.ioas, 0, 0), -ENOENT);
	U_EQ(sg_put(u_fd, f.ioas, 12345, 0), -ENOENT);

	/* A hold of one io-pagetable means nothing to another. */
	other = u_ioas_ok(u_fd, 40, 0);
	U_EQ(GET(BASE, P, 0), 0);
	U_EQ(sg_put(u_fd, other, h, 0), -ENOENT);
	U_EQ(sg_put(u_fd, 0x7fffffffu, h, 0), -ENOENT);
	U_EQ(sg_put(u_fd, f.ioas, h, 0), 0);
	U_EQ(u_destroy(u_fd, other), 0);
#undef GET
	fx_teardown(&f);
}

static void test_stale_after_unmap(void **state)
{
	struct iodirty_sg_piece pc[4];
	uint64_t bm = 0;
	uint32_t n = 4, h, r;
	struct fx f;

	(void)state;
	fx_setup(&f);
	/* A write hold on pages 2-5, a read hold on page 6. */
	U_EQ(sg_get(u_fd, f.ioas, BASE + 2 * P, 4 * P, IODIRTY_SG_GET_WRITE,
		    pc, &n, &h), 0);
	n = 4;
	U_EQ(sg_get(u_fd, f.ioas, BASE + 6 * P, P, 0, pc, &n, &r), 0);
	/*
	 * Unmapping pages 0-7 with a report: the held pages of the write
	 * hold (2-5) are reported, written or not; the read hold's are not.
	 * Both holds are stale; the put finds nothing mapped to mark.
	 */
	U_EQ(u_unmap_dirty(u_fd, f.ioas, BASE, 8 * P, 0, P, &bm, NULL), 0);
	U_EQ(bm, 0x3c);
	U_EQ(sg_put(u_fd, f.ioas, h, 4 * P), -ESTALE);
	U_EQ(sg_put(u_fd, f.ioas, r, 0), -ESTALE);
	U_EQ(holds(u_fd, f.ioas), 0);
	U_EQ(dirty_bits(u_fd, f.ioas), 0);

	/* Partly unmapped without a report: the pages left are marked. */
	u_map_ok(u_fd, f.ioas, BASE, f.a, 4 * P, U_RW);
	n = 4;
	U_EQ(sg_get(u_fd, f.ioas, BASE, 4 * P, IODIRTY_SG_GET_WRITE, pc, &n,
		    &h), 0);
	U_EQ(u_unmap_ok(u_fd, f.ioas, BASE + 3 * P, P, 0), P);
	U_EQ(sg_put(u_fd, f.ioas, h, 4 * P), -ESTALE);
	U_EQ(dirty_bits(u_fd, f.ioas), 0x7);
	fx_teardown(&f);
}

static void test_released_with_ioas(void **state)
{
	struct iodirty_sg_piece pc[4];
	uint32_t n, h[3], ioas;
	uint8_t *ram;
	int fd;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_SG);
	ram = u_ram(4 * P);
	/* DESTROY does not wait for holds: it releases them. */
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 4 * P, U_RW);
	u_tracking_ok(u_fd, ioas, true);
	for (int i = 0; i < 3; i++) {
		n = 4;
		U_EQ(sg_get(u_fd, ioas, BASE + i * P, P,
			    i ? IODIRTY_SG_GET_WRITE : 0, pc, &n, &h[i]), 0);
	}
	U_EQ(holds(u_fd, ioas), 3);
	U_EQ(u_destroy(u_fd, ioas), 0);
	U_EQ(sg_put(u_fd, ioas, h[1], 0), -ENOENT);

	/* Close releases the holds of every io-pagetable of the fd. */
	fd = u_open_ok();
	ioas = u_ioas_ok(fd, 40, 0);
	u_map_ok(fd, ioas, BASE, ram, 4 * P, U_RW);
	for (int i = 0; i < 3; i++) {
		n = 4;
		U_EQ(sg_get(fd, ioas, BASE, 4 * P, IODIRTY_SG_GET_WRITE, pc,
			    &n, &h[i]), 0);
	}
	U_EQ(close(fd), 0);
	u_ram_free(ram, 4 * P);
}

/*
 * A device thread takes write holds, writes through them and puts them,
 * and runs DMA_RWV, while the main thread unmaps the range with a report
 * and maps it again: every call must give one of the errnos the uAPI
 * allows for it, and with the kernel's lockdep on, the holds' and
 * DMA_RWV's locking (array faults under the core's read lock) is checked
 * against the unmap's.
 */
#define RACE_ROUNDS 300

struct race {
	uint32_t ioas;
	atomic_bool stop;
	atomic_int bad;
	int puts, stale, gone, dmav_ok;
};

static void *race_device(void *arg)
{
	struct race *r = arg;
	struct iodirty_sg_piece pc[4];
	uint8_t buf[2][64];
	struct iodirty_dma_vec v[2] = {
		{ BASE + 4 * P + 8, 64, (uintptr_t)buf[0] },
		{ BASE + 6 * P + 8, 64, (uintptr_t)buf[1] },
	};
	struct iodirty_dma_rwv a;
	uint32_t n, h;
	int rc;

	memset(buf, 0x33, sizeof(buf));
	while (!atomic_load(&r->stop)) {
		n = 4;
		rc = sg_get(u_fd, r->ioas, BASE + 4 * P, 4 * P,
			    IODIRTY_SG_GET_WRITE, pc, &n, &h);
		if (rc == -ENOENT) {
			r->gone++;
		} else if (rc) {
			fprintf(stderr, "SG_GET: %d\n", rc);
			atomic_fetch_add(&r->bad, 1);
		} else {
			for (uint32_t i = 0; i < n; i++)
				memset((void *)(uintptr_t)pc[i].uaddr, 0x44,
				       pc[i].length);
			rc = sg_put(u_fd, r->ioas, h, 4 * P);
			if (rc == -ESTALE) {
				r->stale++;
			} else if (rc) {
				fprintf(stderr, "SG_PUT: %d\n", rc);
				atomic_fetch_add(&r->bad, 1);
			}
			r->puts++;
		}
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.flags = IODIRTY_DMA_WRITE;
		a.ioas_id = r->ioas;
		a.num_segs = 2;
		a.segs = (uintptr_t)v;
		rc = u_ioctl(u_fd, IODIRTY_DMA_RWV, &a);
		/* Both segments are in one batch, under one read lock:
		 * the unmap comes before them both or after. */
		if (rc == 0 && a.out_done == 128)
			r->dmav_ok++;
		else if (rc != -ENOENT || a.out_done != 0) {
			fprintf(stderr, "DMA_RWV: %d, done %llu\n", rc,
				(unsigned long long)a.out_done);
			atomic_fetch_add(&r->bad, 1);
		}
	}
	return NULL;
}

static void test_concurrent_unmap(void **state)
{
	struct race r = { 0 };
	pthread_t t;
	uint64_t bm;
	struct fx f;

	(void)state;
	fx_setup(&f);
	r.ioas = f.ioas;
	assert_int_equal(pthread_create(&t, NULL, race_device, &r), 0);
	for (int i = 0; i < RACE_ROUNDS; i++) {
		bm = 0;
		U_EQ(u_unmap_dirty(u_fd, f.ioas, BASE + 4 * P, 4 * P, 0, P, &bm,
				   NULL), 0);
		u_map_ok(u_fd, f.ioas, BASE + 4 * P, f.b, 4 * P, U_RW);
	}
	atomic_store(&r.stop, true);
	assert_int_equal(pthread_join(t, NULL), 0);
	print_message("%d puts (%d stale), %d gets refused, %d DMA_RWV whole\n",
		      r.puts, r.stale, r.gone, r.dmav_ok);
	U_EQ(atomic_load(&r.bad), 0);
	U_EQ(holds(u_fd, f.ioas), 0);
	fx_teardown(&f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_and_put),
		cmocka_unit_test(test_emsgsize),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_stale_after_unmap),
		cmocka_unit_test(test_released_with_ioas),
		cmocka_unit_test(test_concurrent_unmap),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_sg", tests, u_group_open,
					   u_group_close);
}
