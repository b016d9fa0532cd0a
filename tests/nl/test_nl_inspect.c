// SPDX-License-Identifier: MIT
/*
 * Inspection of IOASes from outside their processes: three processes (two
 * uids) create IOASes with mappings, holes, reserved regions, tracking and
 * known DMA; the family (ioas-get, the dumps) and iodirty-ctl list / show
 * report each field exactly to root; another uid sees only its own IOASes
 * and no foreign user address; top measures a known DMA and dirty rate.
 */
#include "nl_util.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BASE 0x100000ULL
#define PAGES 64
#define RESV 0x10000000ULL

static uint64_t now_ns(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The parent's IOAS, its layout and what was done to it. */
struct parent {
	int fd;
	uint32_t ioas, handle;
	char *ram;
	uint64_t t0, t1;	/* creation happened in between */
};

/*
 * 64 pages at BASE, holes at pages 10..12 (unmap) and 20 (unmap with a
 * report), a reserved MSI window, tracking on, three DMA writes of 100
 * bytes on pages 0..2 read and cleared (into a bitmap whose bit 0 was set
 * already: all three count as reported), one more on page 5 pending.
 */
static void parent_setup(struct parent *p)
{
	uint64_t bm[1] = { 1 };
	char buf[100] = { 1 };

	p->fd = u_open_ok();
	p->ram = u_ram(PAGES * U_PAGE);
	p->t0 = now_ns(CLOCK_REALTIME);
	p->ioas = u_ioas_ok(p->fd, 48, 12);
	p->t1 = now_ns(CLOCK_REALTIME);
	p->handle = n_handle(p->fd, p->ioas);
	u_map_ok(p->fd, p->ioas, BASE, p->ram, PAGES * U_PAGE, U_RW);
	u_unmap_ok(p->fd, p->ioas, BASE + 10 * U_PAGE, 3 * U_PAGE, 0);
	U_EQ(u_reserve(p->fd, p->ioas, RESV, U_MiB, IODIRTY_RANGE_RESV_MSI, 0),
	     0);
	u_tracking_ok(p->fd, p->ioas, true);
	for (int i = 0; i < 3; i++)
		u_dma_ok(p->fd, p->ioas, BASE + i * U_PAGE, buf, sizeof(buf),
			 IODIRTY_DMA_WRITE);
	/* Bits turned on: 2; pages found dirty and reported: 3. */
	U_EQ(u_dirty(p->fd, p->ioas, BASE, 8 * U_PAGE, U_PAGE, bm, 0), 2);
	u_dma_ok(p->fd, p->ioas, BASE + 5 * U_PAGE, buf, sizeof(buf),
		 IODIRTY_DMA_WRITE);
	U_EQ(u_unmap_dirty(p->fd, p->ioas, BASE + 20 * U_PAGE, U_PAGE, 0,
			   U_PAGE, bm, NULL), 0);
}

/* Every field the family reports, against what the parent did. */
static void check_parent_ioas(const struct parent *p, const struct ctl_ioas *o)
{
	struct iodirty_ioas_stats st;
	char comm[16];

	u_stats_ok(p->fd, p->ioas, &st);
	snprintf(comm, sizeof(comm), "%s", program_invocation_short_name);
	U_EQ(o->handle, p->handle);
	U_EQ(o->owner_tgid, getpid());
	U_EQ(o->owner_uid, 0);
	assert_string_equal(o->owner_comm, comm);
	assert_true(o->created_ns >= p->t0 && o->created_ns <= p->t1);
	U_EQ(o->mapped_bytes, (PAGES - 4) * U_PAGE);
	U_EQ(o->mappings, 1);
	U_EQ(o->holes, 4);
	U_EQ(o->pinned_pages, PAGES - 4);
	U_EQ(o->memlock_bytes, (PAGES - 4) * U_PAGE);
	U_EQ(o->reserved_regions, 1);
	U_EQ(o->tracking, 1);
	U_EQ(o->granule, U_PAGE);
	U_EQ(o->dirty_pending, 1);
	U_EQ(o->reads, st.out_reads);
	U_EQ(o->clears, st.out_clears);
	assert_true(o->reads >= 2 && o->clears >= 1);
	U_EQ(o->dirty_reported_bytes, 3 * U_PAGE);
	U_EQ(o->dma_writes, 4);
	U_EQ(o->dma_write_bytes, 400);
	U_EQ(o->dma_reads, 0);
	U_EQ(o->dma_read_bytes, 0);
	U_EQ(o->unmaps_reported, 1);
	/* Map, two unmaps, reserve: each counts before and after. */
	U_EQ(o->generation, 9);
}

struct runs {
	struct ctl_run v[8];
	size_t n;
};

static int take_run(void *arg, const struct ctl_run *r)
{
	struct runs *rs = arg;

	assert_true(rs->n < 8);
	rs->v[rs->n++] = *r;
	return 0;
}

static void check_parent_runs(const struct parent *p, const struct runs *rs)
{
	/* [0,10) [13,20) [21,64) pages, one area of 64 pages. */
	static const uint64_t exp[][2] = { { 0, 10 }, { 13, 7 }, { 21, 43 } };

	U_EQ(rs->n, 3);
	for (size_t i = 0; i < 3; i++) {
		U_EQ(rs->v[i].iova, BASE + exp[i][0] * U_PAGE);
		U_EQ(rs->v[i].length, exp[i][1] * U_PAGE);
		assert_true(rs->v[i].has_uaddr);
		U_EQ(rs->v[i].uaddr, (uintptr_t)p->ram + exp[i][0] * U_PAGE);
		U_EQ(rs->v[i].prot, 3);
		U_EQ(rs->v[i].area_iova, BASE);
		U_EQ(rs->v[i].area_length, PAGES * U_PAGE);
	}
}

static int take_resv(void *arg, uint64_t start, uint64_t last, uint32_t type)
{
	int *n = arg;

	U_EQ(start, RESV);
	U_EQ(last, RESV + U_MiB - 1);
	U_EQ(type, IODIRTY_RANGE_RESV_MSI);
	(*n)++;
	return 0;
}

struct seen {
	uint32_t want[3];
	bool found[3];
	size_t others;
};

static int take_ioas(void *arg, const struct ctl_ioas *o)
{
	struct seen *s = arg;

	for (int i = 0; i < 3; i++)
		if (o->handle == s->want[i]) {
			s->found[i] = true;
			return 0;
		}
	s->others++;
	return 0;
}

static void test_family(void **state)
{
	struct n_child b, c;
	struct parent p;
	struct ctl_ioas o;
	struct ctl_nl nl;
	struct runs rs = { .n = 0 };
	struct seen s;
	int nresv = 0;

	(void)state;
	parent_setup(&p);
	n_child_start(&b, -1, BASE, 16);
	n_child_start(&c, N_UID_A, BASE, 8);
	n_nl_open(&nl);
	U_EQ(ctl_nl_runs(&nl, p.handle, 10, NULL, take_run, &rs), 0);
	check_parent_runs(&p, &rs);
	U_EQ(ctl_nl_ioas_get(&nl, p.handle, &o), 0);
	check_parent_ioas(&p, &o);
	U_EQ(ctl_nl_resv(&nl, p.handle, take_resv, &nresv), 0);
	U_EQ(nresv, 1);
	/* The children's, as root. */
	U_EQ(ctl_nl_ioas_get(&nl, c.handle, &o), 0);
	U_EQ(o.owner_uid, N_UID_A);
	U_EQ(o.owner_tgid, c.pid);
	U_EQ(o.mapped_bytes, 8 * U_PAGE);
	U_EQ(o.tracking, 0);
	U_EQ(ctl_nl_ioas_get(&nl, b.handle, &o), 0);
	U_EQ(o.mapped_bytes, 16 * U_PAGE);
	/* The dump lists all three; the uid filter only C. */
	memset(&s, 0, sizeof(s));
	s.want[0] = p.handle;
	s.want[1] = b.handle;
	s.want[2] = c.handle;
	U_EQ(ctl_nl_ioas_dump(&nl, -1, take_ioas, &s), 0);
	assert_true(s.found[0] && s.found[1] && s.found[2]);
	memset(s.found, 0, sizeof(s.found));
	s.others = 0;
	U_EQ(ctl_nl_ioas_dump(&nl, N_UID_A, take_ioas, &s), 0);
	assert_true(!s.found[0] && !s.found[1] && s.found[2]);
	U_EQ(s.others, 0);
	/* Unknown handle; a destroyed one. */
	U_EQ(ctl_nl_ioas_get(&nl, 0x7ffffff0, &o), -ENOENT);
	assert_non_null(strstr(nl.ext_msg, "handle"));
	n_child_end(&b);
	U_EQ(ctl_nl_ioas_get(&nl, b.handle, &o), -ENOENT);
	rs.n = 0;
	U_EQ(ctl_nl_runs(&nl, b.handle, 10, NULL, take_run, &rs), -ENOENT);
	n_child_end(&c);
	ctl_nl_close(&nl);
	close(p.fd);
	u_ram_free(p.ram, PAGES * U_PAGE);
}

static void test_tool(void **state)
{
	char *out, key[32], uaddr[32];
	const char *args[6];
	struct n_child c;
	struct parent p;
	uint64_t v;

	(void)state;
	parent_setup(&p);
	n_child_start(&c, N_UID_A, BASE, 8);
	snprintf(key, sizeof(key), "%u", p.handle);
	snprintf(uaddr, sizeof(uaddr), "%" PRIu64, (uint64_t)(uintptr_t)p.ram);

	/* Root: list has both, show has every field and the mappings. */
	args[0] = "list"; args[1] = "--json"; args[2] = NULL;
	U_EQ(n_ctl_run(-1, &out, args), 0);
	assert_true(n_json_count(out, "handle") >= 2);
	assert_non_null(strstr(out, "\"comm\": \"test_nl_inspect\""));
	free(out);
	args[0] = "show"; args[1] = "--json"; args[2] = key; args[3] = NULL;
	U_EQ(n_ctl_run(-1, &out, args), 0);
	assert_true(n_json_u64(out, "handle", &v) && v == p.handle);
	assert_true(n_json_u64(out, "mapped_bytes", &v) &&
		    v == (PAGES - 4) * U_PAGE);
	assert_true(n_json_u64(out, "holes", &v) && v == 4);
	assert_true(n_json_u64(out, "dma_write_bytes", &v) && v == 400);
	assert_true(n_json_u64(out, "unmaps_reported", &v) && v == 1);
	assert_true(n_json_u64(out, "dirty_pending", &v) && v == 1);
	assert_true(n_json_u64(out, "uaddr", &v) && v == (uintptr_t)p.ram);
	U_EQ(n_json_count(out, "iova"), 3);
	assert_true(n_json_u64(out, "start", &v) && v == RESV);
	free(out);
	args[1] = key; args[2] = NULL;
	U_EQ(n_ctl_run(-1, &out, args), 0);
	assert_non_null(strstr(out, "hole    0x10a000-0x10cfff"));
	assert_non_null(strstr(out, "reserved 0x10000000-0x100fffff msi"));
	free(out);

	/* Another uid: only its own IOAS, no foreign user address. */
	args[0] = "list"; args[1] = "--json"; args[2] = NULL;
	U_EQ(n_ctl_run(N_UID_A, &out, args), 0);
	U_EQ(n_json_count(out, "handle"), 1);
	assert_true(n_json_u64(out, "handle", &v) && v == c.handle);
	free(out);
	args[0] = "show"; args[1] = key; args[2] = NULL;
	U_EQ(n_ctl_run(N_UID_A, &out, args), CTL_EXIT_PERM);
	assert_null(strstr(out, uaddr));
	free(out);
	args[0] = "show"; args[1] = "--json"; args[2] = NULL;
	snprintf(key, sizeof(key), "%u", c.handle);
	args[2] = key; args[3] = NULL;
	U_EQ(n_ctl_run(N_UID_A, &out, args), 0);
	assert_true(n_json_u64(out, "uaddr", &v) && v == c.uaddr);
	free(out);
	/* A uid with nothing. */
	args[0] = "list"; args[1] = NULL;
	U_EQ(n_ctl_run(N_UID_B, &out, args), 0);
	assert_non_null(strstr(out, "no IO address spaces"));
	free(out);
	/* No such handle. */
	args[0] = "show"; args[1] = "2147483000"; args[2] = NULL;
	U_EQ(n_ctl_run(-1, &out, args), CTL_EXIT_NOENT);
	free(out);
	n_child_end(&c);
	close(p.fd);
	u_ram_free(p.ram, PAGES * U_PAGE);
}

/* A device that writes @chunk bytes every 20 ms and harvests them. */
struct writer {
	int fd;
	uint32_t ioas;
	volatile bool stop;
	uint64_t bytes, pages;
	uint64_t t_start, t_end;
};

#define W_CHUNK (16 * U_PAGE)
#define W_PERIOD_NS 20000000ULL

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	static char buf[W_CHUNK];
	uint64_t bm[(PAGES + 63) / 64], next, i = 0;
	int64_t n;

	w->t_start = now_ns(CLOCK_MONOTONIC);
	next = w->t_start;
	while (!w->stop) {
		uint64_t off = (i++ % (PAGES / 16)) * W_CHUNK;
		struct timespec ts;

		if (u_dma(w->fd, w->ioas, BASE + off, buf, W_CHUNK,
			  IODIRTY_DMA_WRITE))
			break;
		w->bytes += W_CHUNK;
		/* Harvest: the pages count as dirtied once each. */
		/* Reads only set bits: a clean bitmap counts them all. */
		memset(bm, 0, sizeof(bm));
		n = u_dirty(w->fd, w->ioas, BASE, PAGES * U_PAGE, U_PAGE, bm,
			    0);
		if (n < 0)
			break;
		w->pages += (uint64_t)n;
		next += W_PERIOD_NS;
		ts.tv_sec = (time_t)(next / 1000000000u);
		ts.tv_nsec = (long)(next % 1000000000u);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	w->t_end = now_ns(CLOCK_MONOTONIC);
	return NULL;
}

static void test_top_rate(void **state)
{
	static const char *args[] = { "top", "--json", "--interval", "1",
				      "--iterations", "4", NULL };
	struct writer w = { .stop = false };
	double rate, pages_rate, got_dma = 0, got_dirty = 0;
	char *out, *line, *save = NULL;
	int n = 0;
	pthread_t t;
	void *ram;

	(void)state;
	w.fd = u_open_ok();
	ram = u_ram(PAGES * U_PAGE);
	w.ioas = u_ioas_ok(w.fd, 48, 12);
	u_map_ok(w.fd, w.ioas, BASE, ram, PAGES * U_PAGE, U_RW);
	u_tracking_ok(w.fd, w.ioas, true);
	assert_int_equal(pthread_create(&t, NULL, writer_main, &w), 0);
	U_EQ(n_ctl_run(-1, &out, args), 0);
	w.stop = true;
	pthread_join(t, NULL);
	rate = (double)w.bytes * 1e9 / (double)(w.t_end - w.t_start);
	pages_rate = (double)w.pages * 1e9 / (double)(w.t_end - w.t_start);
	/* The first interval may start before the writer: skip it. */
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[32];
		const char *o;
		uint64_t v;

		snprintf(key, sizeof(key), "\"handle\": %u",
			 n_handle(w.fd, w.ioas));
		o = strstr(line, key);
		if (!o || n++ == 0)
			continue;
		assert_true(n_json_u64(o, "dma_write_bytes_per_s", &v));
		got_dma += (double)v;
		assert_true(n_json_u64(o, "dirty_pages_per_s", &v));
		got_dirty += (double)v;
	}
	print_message("%s", out);
	free(out);
	U_EQ(n, 4);
	got_dma /= 3;
	got_dirty /= 3;
	print_message("DMA write rate: injected %.0f B/s, top %.0f B/s; dirty "
		      "rate: %.1f pages/s, top %.1f pages/s\n", rate, got_dma,
		      pages_rate, got_dirty);
	assert_true(got_dma > 0.8 * rate && got_dma < 1.2 * rate);
	assert_true(got_dirty > 0.8 * pages_rate && got_dirty < 1.2 * pages_rate);
	close(w.fd);
	u_ram_free(ram, PAGES * U_PAGE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_tool),
		cmocka_unit_test(test_top_rate),
	};

	n_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
