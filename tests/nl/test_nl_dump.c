// SPDX-License-Identifier: MIT
/*
 * Large and racing dumps: an IOAS of 100,000 mappings dumps completely,
 * through the family and through "iodirty-ctl show"; dumps that race with
 * map, unmap and IOAS creation and destruction in other threads never
 * fail, never show a torn state, and the retries on NLM_F_DUMP_INTR end.
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

#define NMAP 100000u
#define BASE (1ULL << 32)
#define STRIDE (2 * U_PAGE)		/* a hole after each mapping */
#define RACE_BASE (1ULL << 40)	/* where the racing thread maps */
#define RACE_SLOTS 64u

static int fd;
static uint32_t ioas, handle;
static char *page;

/* Every mapping maps the same page: 100,000 pins of one page. */
static int group_setup(void **state)
{
	time_t t0;

	(void)state;
	fd = u_open_ok();
	page = u_ram(U_PAGE);
	ioas = u_ioas_ok(fd, 48, 12);
	handle = n_handle(fd, ioas);
	t0 = time(NULL);
	for (uint32_t i = 0; i < NMAP; i++)
		if (u_map(fd, ioas, BASE + i * STRIDE, page, U_PAGE, U_RW))
			return -1;
	printf("%u mappings made in %lld s\n", NMAP,
	       (long long)(time(NULL) - t0));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	close(fd);
	u_ram_free(page, U_PAGE);
	return 0;
}

struct check {
	uint64_t n, racing;
	uint64_t last_end;
	bool bad;
};

/* The fixed mappings in order, each exact; racing ones only where the
 * racer maps, each whole. */
static int check_run(void *arg, const struct ctl_run *r)
{
	struct check *c = arg;

	if (r->iova < c->last_end)
		c->bad = true;
	c->last_end = r->iova + r->length;
	if (r->iova >= RACE_BASE) {
		if (r->length != U_PAGE ||
		    (r->iova - RACE_BASE) % STRIDE ||
		    r->iova >= RACE_BASE + RACE_SLOTS * STRIDE)
			c->bad = true;
		c->racing++;
		return 0;
	}
	if (r->iova != BASE + c->n * STRIDE || r->length != U_PAGE ||
	    r->uaddr != (uintptr_t)page || r->area_iova != r->iova ||
	    r->prot != 3)
		c->bad = true;
	c->n++;
	return 0;
}

static void test_dump_100k(void **state)
{
	const char *args[] = { "show", "--json", NULL, NULL };
	struct check c = { 0 };
	struct ctl_ioas o;
	struct ctl_nl nl;
	char key[16], *out;
	uint64_t v;

	(void)state;
	n_nl_open(&nl);
	U_EQ(ctl_nl_ioas_get(&nl, handle, &o), 0);
	U_EQ(o.mappings, NMAP);
	U_EQ(o.pinned_pages, NMAP);
	U_EQ(ctl_nl_runs(&nl, handle, 1, NULL, check_run, &c), 0);
	print_message("dump: %" PRIu64 " runs\n", c.n);
	U_EQ(c.n, NMAP);
	assert_false(c.bad);
	ctl_nl_close(&nl);
	snprintf(key, sizeof(key), "%u", handle);
	args[2] = key;
	U_EQ(n_ctl_run(-1, &out, args), 0);
	U_EQ(n_json_count(out, "iova"), NMAP);
	assert_true(n_json_u64(out, "dump_retries", &v) && v == 0);
	free(out);
}

static volatile bool race_stop;
/* The IOAS the racers change: RACE_FIXED mappings that stay. */
static uint32_t race_ioas, race_handle;
#define RACE_FIXED 2000u

/*
 * Maps or unmaps one page in one of RACE_SLOTS slots every 20 ms: often
 * enough that dumps are interrupted, rarely enough that a retry can
 * complete (a dump of the race IOAS takes a few milliseconds).
 */
static void *racer_map(void *arg)
{
	uint64_t i = 0;

	(void)arg;
	while (!race_stop) {
		uint64_t iova = RACE_BASE + (i % RACE_SLOTS) * STRIDE;

		if (u_map(fd, race_ioas, iova, page, U_PAGE, U_RW))
			u_unmap(fd, race_ioas, iova, U_PAGE, 0, NULL);
		i++;
		usleep(20000);
	}
	return NULL;
}

/* Creates, maps into and destroys IOASes (in files of its own). */
static void *racer_ioas(void *arg)
{
	int f = u_open_ok();
	uint32_t id;

	(void)arg;
	while (!race_stop) {
		if (u_ioas_alloc(f, 48, 12, &id))
			continue;
		u_map(f, id, BASE, page, U_PAGE, U_RW);
		u_destroy(f, id);
	}
	close(f);
	return NULL;
}

static int count_ioas(void *arg, const struct ctl_ioas *o)
{
	uint64_t *n = arg;

	/* Never a torn object: counters of a live IOAS are sane. */
	if (!o->handle || o->mapped_bytes > (uint64_t)(NMAP + RACE_SLOTS) *
					     U_PAGE ||
	    o->pinned_pages * U_PAGE != o->memlock_bytes)
		return -EUCLEAN;
	(*n)++;
	return 0;
}

static void test_dump_races(void **state)
{
	pthread_t t1, t2;
	unsigned int retries, total = 0;
	struct ctl_nl nl;

	(void)state;
	race_ioas = u_ioas_ok(fd, 48, 12);
	race_handle = n_handle(fd, race_ioas);
	for (uint32_t i = 0; i < RACE_FIXED; i++)
		u_map_ok(fd, race_ioas, BASE + i * STRIDE, page, U_PAGE, U_RW);
	n_nl_open(&nl);
	race_stop = false;
	assert_int_equal(pthread_create(&t1, NULL, racer_map, NULL), 0);
	assert_int_equal(pthread_create(&t2, NULL, racer_ioas, NULL), 0);
	for (int i = 0; i < 20; i++) {
		struct check c = { 0 };
		uint64_t n = 0;

		int r = ctl_nl_runs(&nl, race_handle, 1000, &retries,
				    check_run, &c);

		if (r || c.n != RACE_FIXED || c.bad) {
			race_stop = true;
			pthread_join(t1, NULL);
			pthread_join(t2, NULL);
		}
		U_EQ(r, 0);
		U_EQ(c.n, RACE_FIXED);
		assert_false(c.bad);
		total += retries;
		for (int j = 0; j < 5; j++) {
			n = 0;
			U_EQ(ctl_nl_ioas_dump(&nl, -1, count_ioas, &n), 0);
			assert_true(n >= 1);
		}
	}
	race_stop = true;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	print_message("20 complete dumps of %u mappings took %u retries\n",
		      RACE_FIXED, total);
	ctl_nl_close(&nl);
	U_EQ(u_destroy(fd, race_ioas), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_100k),
		cmocka_unit_test(test_dump_races),
	};

	n_init(argc, argv);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
