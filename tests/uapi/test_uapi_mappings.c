// SPDX-License-Identifier: MIT
/*
 * IOAS_MAPPINGS (uAPI version 3): the runs of mapped pages. Separate
 * IOAS_MAP calls stay separate entries; holes split a mapping; the first
 * entry starts at the page of the start address; at most num_entries are
 * written (the rest of the array untouched), fewer only at the end; a
 * list longer than the module's step of 64 comes whole; the errors.
 */
#include "uapi_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define P U_PAGE
#define BASE (1ULL << 32)
#define FILL 0x5a

static int mappings(int fd, uint32_t ioas, uint64_t iova,
		    struct iodirty_mapping_entry *e, uint32_t *num)
{
	struct iodirty_ioas_mappings a = {
		.size = sizeof(a),
		.ioas_id = ioas,
		.num_entries = *num,
		.iova = iova,
		.entries = (uintptr_t)e,
	};
	int rc = u_ioctl(fd, IODIRTY_IOAS_MAPPINGS, &a);

	*num = a.num_entries;
	return rc;
}

static void expect(const struct iodirty_mapping_entry *e, uint64_t iova,
		   uint64_t len, const void *va, uint32_t flags)
{
	U_EQ(e->iova, iova);
	U_EQ(e->length, len);
	U_EQ(e->user_va, (uintptr_t)va);
	U_EQ(e->flags, flags);
	U_EQ(e->__reserved, 0);
}

static void test_runs(void **state)
{
	struct iodirty_mapping_entry e[8];
	uint8_t *ram = u_ram(16 * P);
	uint32_t ioas, n;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_MAPPINGS);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, 8 * P, U_RW);
	/* Continues the first linearly, but is a map call of its own. */
	u_map_ok(u_fd, ioas, BASE + 8 * P, ram + 8 * P, 4 * P,
		 IODIRTY_IOAS_MAP_READ);
	u_unmap_ok(u_fd, ioas, BASE + 2 * P, P, 0);

	memset(e, FILL, sizeof(e));
	n = 8;
	U_EQ(mappings(u_fd, ioas, 0, e, &n), 0);
	U_EQ(n, 3);
	expect(&e[0], BASE, 2 * P, ram, U_RW);
	expect(&e[1], BASE + 3 * P, 5 * P, ram + 3 * P, U_RW);
	expect(&e[2], BASE + 8 * P, 4 * P, ram + 8 * P,
	       IODIRTY_IOAS_MAP_READ);
	U_EQ(e[3].iova, 0x5a5a5a5a5a5a5a5aULL);

	/* From inside a run, and with room for one entry only. */
	n = 1;
	U_EQ(mappings(u_fd, ioas, BASE + 4 * P + 9, e, &n), 0);
	U_EQ(n, 1);
	expect(&e[0], BASE + 4 * P, 4 * P, ram + 4 * P, U_RW);
	n = 8;
	U_EQ(mappings(u_fd, ioas, BASE + 12 * P, e, &n), 0);
	U_EQ(n, 0);

	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 16 * P);
}

/* 150 single pages, no two linear: more than two of the module's steps. */
#define NRUNS 150

static void test_long(void **state)
{
	struct iodirty_mapping_entry *e = calloc(NRUNS + 1, sizeof(*e));
	uint8_t *ram = u_ram(2 * NRUNS * P);
	uint32_t ioas, n, i;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_MAPPINGS);
	U_EQ(e != NULL, 1);
	ioas = u_ioas_ok(u_fd, 40, 0);
	for (i = 0; i < NRUNS; i++)
		u_map_ok(u_fd, ioas, BASE + i * P, ram + 2 * i * P, P, U_RW);
	n = NRUNS + 1;
	U_EQ(mappings(u_fd, ioas, 0, e, &n), 0);
	U_EQ(n, NRUNS);
	for (i = 0; i < NRUNS; i++)
		expect(&e[i], BASE + i * P, P, ram + 2 * i * P, U_RW);
	/* Exactly 128: two whole steps, then nothing more is asked. */
	n = 128;
	U_EQ(mappings(u_fd, ioas, 0, e, &n), 0);
	U_EQ(n, 128);
	expect(&e[127], BASE + 127 * P, P, ram + 254 * P, U_RW);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, 2 * NRUNS * P);
	free(e);
}

static void test_errors(void **state)
{
	struct iodirty_mapping_entry e[2];
	uint8_t *ram = u_ram(P);
	uint32_t ioas, n;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_MAPPINGS);
	ioas = u_ioas_ok(u_fd, 40, 0);
	u_map_ok(u_fd, ioas, BASE, ram, P, U_RW);
	n = 0;
	U_EQ(mappings(u_fd, ioas, 0, e, &n), -EINVAL);
	n = 2;
	U_EQ(mappings(u_fd, ioas, 0, NULL, &n), -EINVAL);
	n = 2;
	U_EQ(mappings(u_fd, ioas, 1ULL << 40, e, &n), -ERANGE);
	n = 2;
	U_EQ(mappings(u_fd, ioas, 0, (void *)(uintptr_t)8, &n), -EFAULT);
	n = 2;
	U_EQ(mappings(u_fd, 0x7fffffffu, 0, e, &n), -ENOENT);
	/* Nothing mapped from the start on: none, and no error. */
	n = 2;
	U_EQ(mappings(u_fd, ioas, (1ULL << 40) - 1, e, &n), 0);
	U_EQ(n, 0);
	U_EQ(u_destroy(u_fd, ioas), 0);
	u_ram_free(ram, P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_errors),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_mappings", tests,
					   u_group_open, u_group_close);
}
