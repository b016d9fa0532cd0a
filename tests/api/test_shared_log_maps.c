// SPDX-License-Identifier: MIT
/*
 * Dirty logs shared with device processes (since 0.6): the mapping table
 * shared read-only beside a log (IODIRTY_LOG_MAPPINGS). Covered: a device
 * process translates and does DMA through its handle into its own mapping
 * of the RAM file, with every error of the path; the table is read-only
 * even when opened again through /proc; it follows the VMM's maps and
 * unmaps, grows, and translates nothing after a revoke.
 */
#include "shared_log_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- the mapping table: translation and DMA in the device ---- */

#define MT_RAM		64	/* pages of guest RAM */
#define MT_MANY		300	/* one-page mappings: the table grows */
#define MT_MANY_IOVA	(BASE + 1024 * P)

struct mt_ctl {
	atomic_int step;	/* the VMM's */
	atomic_int done;	/* the device's */
	int ram_fd;
	uint64_t ram_vmm;	/* the VMM's address of the RAM */
	int maps_fd;
};

/* Waits (10 s at most) for the other side's counter to reach @step. */
static bool mt_until(atomic_int *v, int step)
{
	uint64_t t = now_ns();

	while (atomic_load(v) < step)
		if (now_ns() - t > 10000000000ULL)
			return false;
	return true;
}

/*
 * The device: maps the RAM file at its own address and describes it,
 * then transfers through the table. Returns the failing check's number.
 */
static int mt_device(struct iodirty_domain *h, void *arg)
{
	struct mt_ctl *c = arg;
	uint8_t *ram = mmap(NULL, MT_RAM * P, PROT_READ | PROT_WRITE,
			    MAP_SHARED, c->ram_fd, 0);
	uint8_t buf[300], back[300];
	uint64_t contig;
	void *p;
	int i;

	if (ram == MAP_FAILED)
		return 1;
	if (iodirty_dma_write(h, BASE, buf, 1) != -EPERM)
		return 2;	/* no table yet: mark-only */
	if (iodirty_log_import_maps(h, c->maps_fd, 0))
		return 3;
	if (iodirty_log_import_maps(h, c->maps_fd, 0) != -EBUSY)
		return 4;
	/*
	 * The table is read-only here, cannot be sealed, and stays so when
	 * opened again read-write through /proc.
	 */
	if (mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, c->maps_fd, 0) !=
	    MAP_FAILED || fcntl(c->maps_fd, F_ADD_SEALS, F_SEAL_GROW) == 0)
		return 5;
	{
		char path[64];
		int rw;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", c->maps_fd);
		rw = open(path, O_RDWR);
		if (rw >= 0 && (mmap(NULL, P, PROT_READ | PROT_WRITE,
				     MAP_SHARED, rw, 0) != MAP_FAILED ||
				pwrite(rw, buf, 8, 0) != -1))
			return 17;
		if (rw >= 0)
			close(rw);
	}
	/* Memory not described yet: the VMM's address is nobody's here. */
	if (iodirty_dma_write(h, BASE, buf, 1) != -EFAULT)
		return 6;
	/* RAM pages 0-47 described; 48-63 not. */
	if (iodirty_log_add_memory(h, c->ram_vmm, ram, 48 * P) ||
	    iodirty_log_add_memory(h, c->ram_vmm + 47 * P, ram, P) != -EEXIST)
		return 7;
	for (i = 0; i < 300; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	if (iodirty_dma_write(h, BASE + 3 * P + 100, buf, 300))
		return 8;
	if (iodirty_translate(h, BASE + 5 * P + 9, &p, &contig) ||
	    p != ram + 5 * P + 9 || contig != 27 * P - 9)
		return 9;
	/* The read-only mapping (RAM 32-47 at BASE + 64 pages). */
	if (iodirty_dma_write(h, BASE + 64 * P, buf, 8) != -EACCES ||
	    iodirty_dma_read(h, BASE + 64 * P + 10, back, 300) ||
	    memcmp(back, ram + 32 * P + 10, 300))
		return 10;
	/* Into the hole after the first mapping: stops there. */
	if (iodirty_dma_write(h, BASE + 32 * P - 100, buf, 200) != -ENOENT ||
	    memcmp(ram + 32 * P - 100, buf, 100))
		return 11;
	/* RAM page 60 (not described here) at BASE + 200 pages. */
	if (iodirty_dma_write(h, BASE + 200 * P, buf, 8) != -EFAULT)
		return 12;
	atomic_store(&c->done, 1);

	/* The VMM maps RAM page 40 at BASE + 150 pages, unmaps BASE. */
	if (!mt_until(&c->step, 1))
		return 13;
	if (iodirty_dma_write(h, BASE + 150 * P, buf, 16) ||
	    iodirty_dma_write(h, BASE, buf, 1) != -ENOENT)
		return 14;
	atomic_store(&c->done, 2);

	/* The VMM maps MT_MANY single pages: a table that has grown. */
	if (!mt_until(&c->step, 2))
		return 15;
	if (iodirty_dma_write(h, MT_MANY_IOVA + 2 * (MT_MANY - 1) * P, buf,
			      32) ||
	    iodirty_translate(h, MT_MANY_IOVA + 2 * (MT_MANY - 1) * P, &p,
			      NULL) || p != ram + ((MT_MANY - 1) % 40) * P)
		return 16;
	atomic_store(&c->done, 3);

	/* The VMM revoked the log: the table translates nothing now. */
	if (!mt_until(&c->step, 3))
		return 18;
	if (iodirty_dma_write(h, MT_MANY_IOVA, buf, 8) != -ENOENT)
		return 19;
	return 0;
}

static void test_maps_dma(void **state)
{
	struct mt_ctl *c = shared_anon(sizeof(*c));
	int fd = memfd_create("guest-ram", MFD_CLOEXEC);
	struct iodirty_domain *dom;
	struct iodirty_log *log;
	uint64_t bm[4], k;
	uint8_t *ram;
	pid_t pid;
	int i;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, MT_RAM * P), 0);
	ram = mmap(NULL, MT_RAM * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(ram != MAP_FAILED);
	for (i = 0; i < MT_RAM * (int)P; i++)
		ram[i] = (uint8_t)(i % 251);
	dom = t_domain(48, 0);
	T_EQ(iodirty_map(dom, BASE, ram, 32 * P, RW), 0);
	T_EQ(iodirty_map(dom, BASE + 64 * P, ram + 32 * P, 16 * P,
			 IODIRTY_MAP_READ), 0);
	T_EQ(iodirty_map(dom, BASE + 200 * P, ram + 60 * P, P, RW), 0);
	T_EQ(iodirty_set_dirty_tracking(dom, true), 0);
	T_EQ(iodirty_log_export(dom, BASE, 2048 * P, IODIRTY_LOG_MAPPINGS,
				&log), 0);
	c->ram_fd = fd;
	c->ram_vmm = (uint64_t)(uintptr_t)ram;
	c->maps_fd = iodirty_log_maps_fd(log);
	assert_true(c->maps_fd >= 0);
	assert_int_equal(fcntl(c->maps_fd, F_GETFL) & O_ACCMODE, O_RDONLY);

	pid = device(iodirty_log_fd(log), mt_device, c);
	assert_true(mt_until(&c->done, 1));
	memset(bm, 0, sizeof(bm));
	/* Pages 3 (the write), 31 (the write stopped at the hole). */
	T_EQ(iodirty_read_dirty(dom, BASE, 256 * P, P, bm, 0), 2);
	T_EQ(bm[0], (1ULL << 3) | (1ULL << 31));
	T_EQ(ram[3 * P + 100], 1);
	T_EQ(ram[3 * P + 399], (uint8_t)(299 * 7 + 1));

	T_EQ(iodirty_map(dom, BASE + 150 * P, ram + 40 * P, P, RW), 0);
	T_EQ(iodirty_unmap(dom, BASE, 32 * P, NULL), 0);
	atomic_store(&c->step, 1);
	assert_true(mt_until(&c->done, 2));
	T_EQ(dirty(dom, BASE + 150 * P), true);

	for (k = 0; k < MT_MANY; k++)
		T_EQ(iodirty_map(dom, MT_MANY_IOVA + 2 * k * P,
				 ram + (k % 40) * P, P, RW), 0);
	atomic_store(&c->step, 2);
	assert_true(mt_until(&c->done, 3));
	T_EQ(dirty(dom, MT_MANY_IOVA + 2 * (MT_MANY - 1) * P), true);
	T_EQ(iodirty_log_revoke(log), 0);
	atomic_store(&c->step, 3);
	T_EQ(wait_ok(pid), 0);

	iodirty_domain_destroy(dom);
	munmap(ram, MT_RAM * P);
	close(fd);
	munmap(c, sizeof(*c));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_dma),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_shared_log_maps", tests, NULL, NULL);
	t_fini();
	return rc;
}
