// SPDX-License-Identifier: MIT
/*
 * Dirty logs shared with device processes (since 0.6): iodirty_log_export()
 * in the VMM, iodirty_log_import() in a device process (a forked child).
 *
 * Covered: argument errors of both calls; the memory file's seals; the
 * imported handle marks and refuses everything else with -EPERM; marks of
 * a device process reach every kind of dirty read (by IOVA, by user
 * address, extents, an unmap report), merged from several logs, and only
 * for mapped pages while tracking is on; a two-process pre-copy whose copy
 * matches the device's writes byte for byte (no lost write across
 * processes); a device killed in the middle of a pass loses nothing it had
 * marked, with or without a revoke; and a hostile writer that scribbles
 * over the whole log while the VMM reads (no crash, a bounded time per
 * read, no page reported outside the mappings); summaries set over a
 * window that is mostly unmapped cost the VMM neither time nor memory,
 * and bits past the window's last granule are dropped. The merging
 * extents read is in test_shared_log_reads.c, the mapping table in
 * test_shared_log_maps.c.
 */
#include "shared_log_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


/* State the VMM and its device process share besides guest RAM. */
struct ctl {
	atomic_int stop;
	atomic_uint_fast64_t done;	/* marks that returned */
	atomic_uint_fast64_t writes;
};

static void test_nocap(void **state)
{
	struct iodirty_domain *dom = t_domain(48, 0);
	struct iodirty_caps caps = IODIRTY_OPTS(iodirty_caps);
	struct iodirty_log *log = NULL;

	(void)state;
	assert_int_equal(iodirty_ctx_caps(t_ctx, &caps), 0);
	if (caps.flags & IODIRTY_CAP_SHARED_LOG) {
		T_EQ(!!(caps.flags & IODIRTY_CAP_SET_DIRTY), 1);
	} else {
		T_EQ(iodirty_log_export(dom, BASE, P, 0, &log),
		     -EOPNOTSUPP);
		assert_null(log);
	}
	iodirty_domain_destroy(dom);
}

static void test_export_errors(void **state)
{
	struct iodirty_domain *dom, *h;
	struct iodirty_log *log;
	int seals, fd;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	dom = t_domain(48, 0);
	T_EQ(iodirty_log_export(NULL, BASE, P, 0, &log), -EINVAL);
	T_EQ(iodirty_log_export(dom, BASE, P, 0, NULL), -EINVAL);
	T_EQ(iodirty_log_export(dom, BASE, P, 1u << 1, &log), -EOPNOTSUPP);
	T_EQ(iodirty_log_maps_fd(NULL), -EINVAL);
	T_EQ(iodirty_log_export(dom, BASE, 0, 0, &log), -EINVAL);
	T_EQ(iodirty_log_export(dom, BASE + 1, P, 0, &log), -EINVAL);
	T_EQ(iodirty_log_export(dom, BASE, P + 1, 0, &log), -EINVAL);
	T_EQ(iodirty_log_export(dom, -P, 2 * P, 0, &log), -EOVERFLOW);
	T_EQ(iodirty_log_export(dom, 1ULL << 48, P, 0, &log), -ERANGE);
	T_EQ(iodirty_log_export(dom, (1ULL << 48) - P, 2 * P, 0, &log),
	     -ERANGE);
	T_EQ(iodirty_log_fd(NULL), -EINVAL);
	T_EQ(iodirty_log_revoke(NULL), -EINVAL);

	/* The whole 48-bit space is one log: 2^36 granules, sparse. */
	T_EQ(iodirty_log_export(dom, 0, 1ULL << 48, 0, &log), 0);
	T_EQ(iodirty_log_revoke(log), 0);

	T_EQ(iodirty_log_export(dom, BASE, 64 * P, 0, &log), 0);
	fd = iodirty_log_fd(log);
	assert_true(fd >= 0);
	T_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	seals = fcntl(fd, F_GET_SEALS);
	T_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
	     F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	/* Neither side can take the memory from under the other. */
	T_EQ(ftruncate(fd, 0), -1);
	T_EQ(errno, EPERM);
	/* An imported handle exports nothing. */
	T_EQ(iodirty_log_import(fd, 0, &h), 0);
	T_EQ(iodirty_log_export(h, BASE, P, 0, &log), -EPERM);
	iodirty_domain_destroy(h);
	/* Destroying the domain revokes its logs (ASan: nothing leaks). */
	iodirty_domain_destroy(dom);
}

static void test_import_checks(void **state)
{
	struct iodirty_domain *h = NULL;
	uint64_t junk[512];
	int fd;

	(void)state;
	T_EQ(iodirty_log_import(-1, 0, &h), -EBADF);
	T_EQ(iodirty_log_import(0, 0, NULL), -EINVAL);
	T_EQ(iodirty_log_import(0, 1, &h), -EOPNOTSUPP);
	/* Not sealed against shrinking: refused. */
	fd = memfd_create("not-a-log", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8192), 0);
	T_EQ(iodirty_log_import(fd, 0, &h), -EINVAL);
	/* Sealed, but no log in it. */
	memset(junk, 0xa5, sizeof(junk));
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 0), sizeof(junk));
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	T_EQ(iodirty_log_import(fd, 0, &h), -EINVAL);
	assert_null(h);
	close(fd);
}

/* Every call but the mark and destroy fails with -EPERM. */
static void test_mark_only(void **state)
{
	uint64_t bm[1], next, dirty;
	struct iodirty_extent ext[1] = { { BASE, P } };
	static char page[4096];
	struct iodirty_map_seg ms = { .iova = BASE, .addr = page, .length = P,
				      .flags = RW };
	struct iodirty_unmap_seg us = { BASE, P };
	struct iodirty_stats st = IODIRTY_OPTS(iodirty_stats);
	struct iodirty_mapping m[1];
	struct iodirty_range r[1];
	struct iodirty_domain *dom, *h;
	struct iodirty_log *log;
	size_t n = 1, nsg = 1;
	struct iodirty_sg sg[1];
	struct iodirty_sg_hold *hold;
	void *addr;
	uint32_t id;
	char buf[8];

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	dom = t_domain(48, 0);
	T_EQ(iodirty_log_export(dom, BASE, 16 * P, 0, &log), 0);
	T_EQ(iodirty_log_import(iodirty_log_fd(log), 0, &h), 0);

	T_EQ(iodirty_mark_dirty(h, BASE, 16 * P), 0);
	T_EQ(iodirty_mark_dirty(h, BASE + 15 * P + 4095, 1), 0);
	T_EQ(iodirty_mark_dirty(h, BASE, 0), -EINVAL);
	T_EQ(iodirty_mark_dirty(h, -1ULL, 2), -EOVERFLOW);
	T_EQ(iodirty_mark_dirty(h, BASE - 1, 1), -ERANGE);
	T_EQ(iodirty_mark_dirty(h, BASE + 15 * P, P + 1), -ERANGE);
	T_EQ(iodirty_mark_dirty(h, BASE + 16 * P, 1), -ERANGE);

	T_EQ(iodirty_map(h, BASE, page, P, RW), -EPERM);
	T_EQ(iodirty_unmap(h, BASE, P, NULL), -EPERM);
	T_EQ(iodirty_translate(h, BASE, &addr, NULL), -EPERM);
	T_EQ(iodirty_mappings(h, BASE, m, 1), -EPERM);
	T_EQ(iodirty_reserve(h, BASE, P, IODIRTY_RESV_MSI), -EPERM);
	T_EQ(iodirty_unreserve(h, BASE, P), -EPERM);
	T_EQ(iodirty_reserved_regions(h, r, &n), -EPERM);
	T_EQ(iodirty_iova_ranges(h, r, &n), -EPERM);
	T_EQ(iodirty_set_dirty_tracking(h, true), -EPERM);
	T_EQ(iodirty_read_dirty(h, BASE, P, P, bm, 0), -EPERM);
	T_EQ(iodirty_read_dirty_uaddr(h, page, P, P, bm, 0), -EPERM);
	T_EQ(iodirty_read_extents(h, BASE, P, P, ext, 1, &next, 0), -EPERM);
	T_EQ(iodirty_set_dirty(h, BASE, P, P, bm, 0), -EPERM);
	T_EQ(iodirty_set_dirty_extents(h, ext, 1, 0), -EPERM);
	T_EQ(iodirty_dma_write(h, BASE, buf, 1), -EPERM);
	T_EQ(iodirty_dma_read(h, BASE, buf, 1), -EPERM);
	T_EQ(iodirty_dma_writev(h, &(struct iodirty_dma_seg){ BASE, 1, buf },
				1, NULL), -EPERM);
	T_EQ(iodirty_sg_get(h, BASE, P, 0, sg, &nsg, &hold), -EPERM);
	T_EQ(iodirty_map_vec(h, &ms, 1, NULL), -EPERM);
	T_EQ(iodirty_unmap_vec(h, &us, 1, &dirty, NULL), -EPERM);
	T_EQ(iodirty_domain_stats(h, &st), -EPERM);
	T_EQ(iodirty_domain_id(h, &id), -EPERM);
	T_EQ(iodirty_domain_attach(h, 1, NULL), -EPERM);
	T_EQ(iodirty_domain_detach(h, 1), -EPERM);
	iodirty_domain_destroy(h);
	iodirty_domain_destroy(dom);
}

/* ---- marks across processes ---- */

struct pages {
	uint64_t iova[16];
	int n;
};

static int mark_pages(struct iodirty_domain *h, void *arg)
{
	const struct pages *p = arg;

	for (int i = 0; i < p->n; i++)
		if (iodirty_mark_dirty(h, p->iova[i], 1))
			return 1 + i;
	return 0;
}

static void test_cross_process(void **state)
{
	const int nlog = 8, npg = 64 * 8;
	struct iodirty_log *log[8];
	struct iodirty_domain *dom;
	struct iodirty_extent ext[64];
	struct pages pg;
	uint64_t bm[8], next;
	uint8_t *ram;
	int i;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	dom = t_domain(48, 0);
	ram = t_ram((size_t)npg * P, 0);
	/* Pages 0-255 mapped, 256-383 not, 384-511 mapped. */
	T_EQ(iodirty_map(dom, BASE, ram, 256 * P, RW), 0);
	T_EQ(iodirty_map(dom, BASE + 384 * P, ram + 384 * P, 128 * P, RW), 0);
	for (i = 0; i < nlog; i++)
		T_EQ(iodirty_log_export(dom, BASE + (uint64_t)i * 64 * P,
					64 * P, 0, &log[i]), 0);

	/* Tracking off: marks are taken and dropped, as in-process. */
	pg.n = 1;
	pg.iova[0] = BASE + 3 * P;
	T_EQ(wait_ok(device(iodirty_log_fd(log[0]), mark_pages, &pg)), 0);
	T_EQ(iodirty_set_dirty_tracking(dom, true), 0);
	T_EQ(dirty(dom, BASE + 3 * P), false);

	/* Eight devices, one page each (two in unmapped space): one read. */
	for (i = 0; i < nlog; i++) {
		pg.iova[0] = BASE + ((uint64_t)i * 64 + 7) * P;
		T_EQ(wait_ok(device(iodirty_log_fd(log[i]), mark_pages, &pg)),
		     0);
	}
	memset(bm, 0, sizeof(bm));
	T_EQ(iodirty_read_dirty(dom, BASE, npg * P, P, bm, 0), 6);
	for (i = 0; i < nlog; i++)
		T_EQ(t_bit(bm, (uint64_t)i * 64 + 7), i != 4 && i != 5);
	T_EQ(iodirty_read_dirty(dom, BASE, npg * P, P, bm, 0), 0);

	/* By user address, and as extents. */
	pg.n = 2;
	pg.iova[0] = BASE + 9 * P;
	pg.iova[1] = BASE + 10 * P + 100;
	T_EQ(wait_ok(device(iodirty_log_fd(log[0]), mark_pages, &pg)), 0);
	memset(bm, 0, sizeof(bm));
	T_EQ(iodirty_read_dirty_uaddr(dom, ram, 64 * P, P, bm, 0), 2);
	T_EQ(bm[0], 3ULL << 9);
	T_EQ(wait_ok(device(iodirty_log_fd(log[1]), mark_pages, &(struct pages){
		{ BASE + 70 * P, BASE + 71 * P, BASE + 72 * P }, 3 })), 0);
	T_EQ(iodirty_read_extents(dom, BASE, npg * P, P, ext, 64, &next, 0), 1);
	T_EQ(ext[0].start, BASE + 70 * P);
	T_EQ(ext[0].length, 3 * P);

	/* An unmap's report holds what the device marked before it. */
	pg.n = 1;
	pg.iova[0] = BASE + 400 * P;
	T_EQ(wait_ok(device(iodirty_log_fd(log[6]), mark_pages, &pg)), 0);
	{
		struct iodirty_unmap_opts uo = IODIRTY_OPTS(iodirty_unmap_opts,
			.page_size = P, .dirty_bitmap = bm);

		memset(bm, 0, sizeof(bm));
		T_EQ(iodirty_unmap(dom, BASE + 384 * P, 64 * P, &uo), 0);
		T_EQ(bm[0], 1ULL << 16);
	}
	for (i = 0; i < nlog; i++)
		T_EQ(iodirty_log_revoke(log[i]), 0);
	iodirty_domain_destroy(dom);
	t_ram_free(ram, (size_t)npg * P);
}

/* ---- pre-copy across processes: the copy matches, byte for byte ---- */

#define PC_PAGES 2048

struct pc_dev {
	uint8_t *ram;
	struct ctl *ctl;
	uint64_t seed;
};

/* The device: random 8-byte writes, each marked after it is complete. */
static int pc_device(struct iodirty_domain *h, void *arg)
{
	struct pc_dev *d = arg;
	uint64_t s = d->seed, n = 0;

	while (!atomic_load(&d->ctl->stop)) {
		uint64_t pg = t_rand_below(&s, PC_PAGES);
		uint64_t off = t_rand_below(&s, P / 8) * 8;

		++n;
		memcpy(d->ram + pg * P + off, &n, 8);
		if (iodirty_mark_dirty(h, BASE + pg * P + off, 8))
			return 1;
	}
	atomic_store(&d->ctl->writes, n);
	return 0;
}

static uint64_t copy_dirty(struct iodirty_domain *dom, uint8_t *ram,
			   uint8_t *copy, uint64_t *bm)
{
	uint64_t i, n = 0;

	memset(bm, 0, t_words(PC_PAGES) * 8);
	assert_true(iodirty_read_dirty_uaddr(dom, ram, PC_PAGES * P, P, bm,
					     0) >= 0);
	for (i = 0; i < PC_PAGES; i++)
		if (t_bit(bm, i)) {
			memcpy(copy + i * P, ram + i * P, P);
			n++;
		}
	return n;
}

static void test_precopy(void **state)
{
	uint8_t *ram = shared_ram(PC_PAGES * P), *copy = malloc(PC_PAGES * P);
	uint64_t bm[PC_PAGES / 64], sent = 0, t0;
	struct ctl *ctl = shared_anon(sizeof(*ctl));
	struct pc_dev d = { ram, ctl, t_seed("shared_log", 0x70726563) };
	struct iodirty_domain *dom;
	struct iodirty_log *log;
	int passes = 0;
	pid_t pid;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	assert_non_null(copy);
	dom = t_domain(48, 0);
	T_EQ(iodirty_map(dom, BASE, ram, PC_PAGES * P, RW), 0);
	T_EQ(iodirty_set_dirty_tracking(dom, true), 0);
	T_EQ(iodirty_log_export(dom, BASE, PC_PAGES * P, 0, &log), 0);
	pid = device(iodirty_log_fd(log), pc_device, &d);
	memcpy(copy, ram, PC_PAGES * P);	/* the first, full pass */
	t0 = now_ns();
	while (now_ns() - t0 < 500000000ULL || passes < 20) {
		sent += copy_dirty(dom, ram, copy, bm);
		passes++;
	}
	atomic_store(&ctl->stop, 1);
	T_EQ(wait_ok(pid), 0);
	/* Stop-and-copy: the device is gone, every mark returned. */
	sent += copy_dirty(dom, ram, copy, bm);
	printf("# %d passes, %" PRIu64 " pages sent, %" PRIu64
	       " device writes\n", passes, sent,
	       (uint64_t)atomic_load(&ctl->writes));
	assert_true(atomic_load(&ctl->writes) > 0);
	T_EQ(memcmp(copy, ram, PC_PAGES * P), 0);
	T_EQ(iodirty_log_revoke(log), 0);
	iodirty_domain_destroy(dom);
	munmap(ram, PC_PAGES * P);
	munmap(ctl, sizeof(*ctl));
	free(copy);
}

/* ---- a device killed in the middle of a pass ---- */

#define KILL_PAGES 16384

static int kill_device(struct iodirty_domain *h, void *arg)
{
	struct ctl *ctl = arg;

	for (uint64_t i = 0; i < KILL_PAGES; i++) {
		if (iodirty_mark_dirty(h, BASE + i * P, P))
			return 1;
		atomic_store(&ctl->done, i + 1);
		if (i % 64 == 63)
			sched_yield();
	}
	for (;;)
		pause();
}

static void kill_mid_pass(bool revoke)
{
	uint64_t bm[KILL_PAGES / 64], done, i;
	struct ctl *ctl = shared_anon(sizeof(*ctl));
	struct iodirty_domain *dom;
	struct iodirty_log *log;
	void *mem = t_mapmem(KILL_PAGES * P, 0);
	pid_t pid;

	dom = t_domain(48, 0);
	T_EQ(iodirty_map(dom, BASE, mem, KILL_PAGES * P, RW), 0);
	T_EQ(iodirty_set_dirty_tracking(dom, true), 0);
	T_EQ(iodirty_log_export(dom, BASE, KILL_PAGES * P, 0, &log), 0);
	pid = device(iodirty_log_fd(log), kill_device, ctl);
	/* A pass is under way: the VMM reads while the device marks. */
	while (atomic_load(&ctl->done) < KILL_PAGES / 4)
		assert_true(iodirty_read_dirty(dom, BASE, P, P, bm, 0) >= 0);
	kill(pid, SIGKILL);
	T_EQ(wait_ok(pid), 200 + SIGKILL);
	done = atomic_load(&ctl->done);
	if (revoke)
		T_EQ(iodirty_log_revoke(log), 0);
	memset(bm, 0, sizeof(bm));
	assert_true(iodirty_read_dirty(dom, BASE, KILL_PAGES * P, P, bm, 0) >=
		    0);
	/* Page 0 was read and cleared above; the rest marked before. */
	for (i = 1; i < done; i++)
		if (!t_bit(bm, i))
			fail_msg("page %" PRIu64 " of %" PRIu64 " lost", i, done);
	printf("# killed after %" PRIu64 " of %d marks%s\n", done, KILL_PAGES,
	       revoke ? ", log revoked" : "");
	if (!revoke)
		T_EQ(iodirty_log_revoke(log), 0);
	iodirty_domain_destroy(dom);
	t_ram_free(mem, KILL_PAGES * P);
	munmap(ctl, sizeof(*ctl));
}

static void test_kill_mid_pass(void **state)
{
	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	kill_mid_pass(false);
	kill_mid_pass(true);
}

/* ---- a hostile writer ---- */

#define HW_PAGES (1ULL << 20)		/* 4 GiB window */
#define HW_CHUNK 256			/* 1 MiB chunks, every other mapped */

static void scribble(uint64_t *w, size_t nw, uint64_t seed,
		     atomic_int *stop)
{
	uint64_t s = seed;

	while (!atomic_load(stop)) {
		uint64_t r = t_rand(&s), i = t_rand_below(&s, nw);

		switch (r % 8) {
		case 0:		/* a stretch of ones: everything "dirty" */
			memset(w + i, 0xff,
			       8 * t_rand_below(&s, nw - i < 4096 ?
						       nw - i : 4096));
			break;
		case 1:		/* the header */
			w[t_rand_below(&s, 512)] = t_rand(&s);
			break;
		case 2:
			w[i] = ~0ULL;
			break;
		default:
			w[i] = t_rand(&s);
		}
	}
}

static void test_hostile_writer(void **state)
{
	uint64_t secs = 3, *bm = calloc(t_words(HW_PAGES), 8), worst = 0;
	struct ctl *ctl = shared_anon(sizeof(*ctl));
	const char *env = getenv("IODIRTY_LOG_FUZZ_SECONDS");
	void *mem = t_mapmem(HW_PAGES * P, 0);
	struct iodirty_domain *dom;
	struct iodirty_log *log;
	uint64_t t0, t, i, reads = 0, seen = 0;
	size_t size;
	pid_t pid;
	void *w;
	int fd;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	if (!t_backend_is("soft"))	/* kernels pin what is mapped */
		TC_SKIP("maps 2 GiB of 4: soft backend only\n");
	assert_non_null(bm);
	if (env)
		secs = strtoull(env, NULL, 0);
	dom = t_domain(48, 0);
	for (i = 0; i < HW_PAGES; i += 2 * HW_CHUNK)
		T_EQ(iodirty_map(dom, BASE + i * P, (uint8_t *)mem + i * P,
				 HW_CHUNK * P, RW), 0);
	T_EQ(iodirty_set_dirty_tracking(dom, true), 0);
	T_EQ(iodirty_log_export(dom, BASE, HW_PAGES * P, 0, &log), 0);
	fd = iodirty_log_fd(log);
	size = (size_t)lseek(fd, 0, SEEK_END);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Not an import: raw writes over all of it, header too. */
		w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (w == MAP_FAILED)
			_exit(1);
		scribble(w, size / 8, t_seed("shared_log_hostile", 0x686f73),
			 &ctl->stop);
		_exit(0);
	}
	t0 = now_ns();
	do {
		int64_t n;

		memset(bm, 0, t_words(HW_PAGES) * 8);
		t = now_ns();
		n = iodirty_read_dirty(dom, BASE, HW_PAGES * P, P, bm, 0);
		t = now_ns() - t;
		assert_true(n >= 0);
		worst = t > worst ? t : worst;
		reads++;
		seen += (uint64_t)n;
		/* Nothing outside the mappings: odd chunks are unmapped. */
		for (i = 0; i < t_words(HW_PAGES); i++)
			if (bm[i] && (i * 64 / HW_CHUNK) % 2)
				fail_msg("page %" PRIu64 " is not mapped",
					 i * 64);
	} while (now_ns() - t0 < secs * 1000000000ULL);
	atomic_store(&ctl->stop, 1);
	T_EQ(wait_ok(pid), 0);
	printf("# %" PRIu64 " reads in %" PRIu64 " s, %" PRIu64
	       " pages reported, slowest read %.1f ms\n", reads, secs, seen,
	       (double)worst / 1e6);
	/*
	 * Bounded: taking a log touches each of its words once. An all-ones
	 * 4 GiB log marks 2^19 mapped pages; under the sanitizers that stays
	 * far below a second.
	 */
	assert_true(worst < 5000000000ULL);
	assert_true(seen > 0);
	/* The domain still works, and the log can be revoked. */
	T_EQ(iodirty_log_revoke(log), 0);
	T_EQ(iodirty_unmap(dom, BASE, P, NULL), 0);
	T_EQ(iodirty_map(dom, BASE, mem, P, RW), 0);
	iodirty_domain_destroy(dom);
	t_ram_free(mem, HW_PAGES * P);
	munmap(ctl, sizeof(*ctl));
	free(bm);
}

/*
 * Every summary bit of a 1 TiB window set, with 2 pages mapped: the take
 * follows only the ranges that hold mapped pages, so the read neither
 * walks nor allocates the 32 MiB of level 0 (the file stays sparse). The
 * last level-0 word also has a bit past the window, whose page is mapped
 * just after it: dropped. Layout: docs/design.md, "Device processes".
 */
static void test_hostile_summaries(void **state)
{
	const uint64_t win = (1ULL << 40) - P;	/* 2^28 - 1 granules */
	const uint64_t leaf_bytes = (1ULL << 22) * 8;
	uint64_t bm[1], t, i, *w;
	struct iodirty_domain *dom;
	struct iodirty_log *log;
	void *mem = t_mapmem(2 * P, 0);
	struct stat st;
	size_t size;
	int fd;

	(void)state;
	T_REQUIRE_CAPS(IODIRTY_CAP_SHARED_LOG);
	dom = t_domain(48, 0);
	T_EQ(iodirty_map(dom, BASE + win - P, mem, 2 * P, RW), 0);
	T_EQ(iodirty_set_dirty_tracking(dom, true), 0);
	T_EQ(iodirty_log_export(dom, BASE, win, 0, &log), 0);
	fd = iodirty_log_fd(log);
	size = (size_t)lseek(fd, 0, SEEK_END);
	assert_true(size > 4096 + leaf_bytes);
	w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(w != MAP_FAILED);
	/* The last level-0 word, and every word above level 0. */
	for (i = (4096 + leaf_bytes) / 8 - 1; i < size / 8; i++)
		w[i] = ~0ULL;
	t = now_ns();
	bm[0] = 0;
	T_EQ(iodirty_read_dirty(dom, BASE + win - P, 2 * P, P, bm, 0), 1);
	t = now_ns() - t;
	T_EQ(bm[0], 1);		/* the last page of the window only */
	assert_int_equal(fstat(fd, &st), 0);
	printf("# read in %.2f ms, log file %lld KiB allocated of %zu\n",
	       (double)t / 1e6, (long long)st.st_blocks / 2, size >> 10);
	assert_true((uint64_t)st.st_blocks * 512 < 4 * 1024 * 1024);
	assert_true(t < 1000000000ULL);
	munmap(w, size);
	T_EQ(iodirty_log_revoke(log), 0);
	iodirty_domain_destroy(dom);
	t_ram_free(mem, 2 * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nocap),
		cmocka_unit_test(test_export_errors),
		cmocka_unit_test(test_import_checks),
		cmocka_unit_test(test_mark_only),
		cmocka_unit_test(test_cross_process),
		cmocka_unit_test(test_precopy),
		cmocka_unit_test(test_kill_mid_pass),
		cmocka_unit_test(test_hostile_writer),
		cmocka_unit_test(test_hostile_summaries),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_shared_log", tests, NULL, NULL);
	t_fini();
	return rc;
}
