// SPDX-License-Identifier: MIT
/*
 * The open mode of /dev/iodirty: an fd opened without write access only
 * queries. Every command that changes state fails on it with EBADF, before
 * its arguments are looked at (past the size); queries run as on any fd,
 * and a dirty read runs only with NO_CLEAR. O_WRONLY has write access and
 * can do everything, as O_RDWR.
 */
#include "uapi_util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define P U_PAGE
#define BASE (1ULL << 32)

struct cmd {
	const char *name;
	unsigned long nr;
	uint32_t size;
	bool query;
	uint32_t query_flags;	/* needed for the query to be one */
};

#define CMD(_nr, _struct, _query, _qflags)				\
	{ #_nr, _nr, sizeof(struct _struct), _query, _qflags }

/* Every command of the uAPI. */
static const struct cmd cmds[] = {
	CMD(IODIRTY_GET_INFO, iodirty_info, true, 0),
	CMD(IODIRTY_DESTROY, iodirty_destroy, false, 0),
	CMD(IODIRTY_IOAS_ALLOC, iodirty_ioas_alloc, false, 0),
	CMD(IODIRTY_IOAS_MAP, iodirty_ioas_map, false, 0),
	CMD(IODIRTY_IOAS_UNMAP, iodirty_ioas_unmap, false, 0),
	CMD(IODIRTY_IOAS_TRANSLATE, iodirty_ioas_translate, true, 0),
	CMD(IODIRTY_IOAS_IOVA_RANGES, iodirty_ioas_iova_ranges, true, 0),
	CMD(IODIRTY_IOAS_RESERVE, iodirty_ioas_reserve, false, 0),
	CMD(IODIRTY_SET_DIRTY_TRACKING, iodirty_set_dirty_tracking, false, 0),
	CMD(IODIRTY_GET_DIRTY_BITMAP, iodirty_get_dirty_bitmap, true,
	    IODIRTY_DIRTY_NO_CLEAR),
	CMD(IODIRTY_DMA_RW, iodirty_dma_rw, false, 0),
	CMD(IODIRTY_IOAS_STATS, iodirty_ioas_stats, true, 0),
	CMD(IODIRTY_DMA_RWV, iodirty_dma_rwv, false, 0),
	CMD(IODIRTY_SG_GET, iodirty_sg_get, false, 0),
	CMD(IODIRTY_SG_PUT, iodirty_sg_put, false, 0),
	CMD(IODIRTY_IOAS_MAPPINGS, iodirty_ioas_mappings, true, 0),
	CMD(IODIRTY_GET_DIRTY_EXTENTS, iodirty_get_dirty_extents, true,
	    IODIRTY_DIRTY_NO_CLEAR),
	CMD(IODIRTY_SET_DIRTY, iodirty_set_dirty, false, 0),
	CMD(IODIRTY_IOAS_MAP_VEC, iodirty_ioas_map_vec, false, 0),
	CMD(IODIRTY_IOAS_UNMAP_VEC, iodirty_ioas_unmap_vec, false, 0),
};

/* @c with a zeroed argument of its size and @flags; 0 or -errno. */
static int call(int fd, const struct cmd *c, uint32_t flags)
{
	union {
		uint32_t head[2];
		uint64_t align;
		uint8_t bytes[512];
	} arg;

	memset(&arg, 0, sizeof(arg));
	assert_true(c->size <= sizeof(arg));
	arg.head[0] = c->size;
	arg.head[1] = flags;
	return u_ioctl(fd, c->nr, &arg);
}

static int open_mode(int mode)
{
	int fd = open(U_DEV, mode | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* The table covers the uAPI: one entry per command number. */
static void test_table_is_complete(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < U_ARRAY_SIZE(cmds); i++)
		U_EQ(_IOC_NR(cmds[i].nr), IODIRTY_CMD_BASE + i);
	U_EQ(_IOC_NR(cmds[U_ARRAY_SIZE(cmds) - 1].nr),
	     _IOC_NR(IODIRTY_IOAS_UNMAP_VEC));
}

static void test_read_only_fd(void **state)
{
	int fd = open_mode(O_RDONLY);
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < U_ARRAY_SIZE(cmds); i++) {
		const struct cmd *c = &cmds[i];

		rc = call(fd, c, 0);
		print_message("%s on O_RDONLY: %d\n", c->name, rc);
		if (c->query && !c->query_flags)
			/* Runs: zeroed arguments, no IOAS 0. */
			assert_true(rc != -EBADF);
		else
			U_EQ(rc, -EBADF);
		if (c->query_flags) {
			rc = call(fd, c, c->query_flags);
			print_message("%s with 0x%x on O_RDONLY: %d\n", c->name,
				      c->query_flags, rc);
			assert_true(rc != -EBADF);
		}
		/* The size is checked first, on any fd. */
		U_EQ(u_ioctl(fd, c->nr, &(uint32_t[2]){ 4, 0 }), -EINVAL);
	}
	/* GET_INFO works. */
	{
		struct iodirty_info info = { .size = sizeof(info) };

		U_EQ(u_ioctl(fd, IODIRTY_GET_INFO, &info), 0);
		U_EQ(info.out_uapi_version, u_info.out_uapi_version);
	}
	close(fd);
}

/* On a write-capable fd, the same zeroed calls never give EBADF. */
static void test_write_fds(void **state)
{
	static const int modes[] = { O_RDWR, O_WRONLY };
	size_t m, i;

	(void)state;
	for (m = 0; m < U_ARRAY_SIZE(modes); m++) {
		int fd = open_mode(modes[m]);

		for (i = 0; i < U_ARRAY_SIZE(cmds); i++)
			assert_true(call(fd, &cmds[i], 0) != -EBADF);
		close(fd);
	}
}

/* O_WRONLY does what O_RDWR does: allocate, map, DMA, read and clear. */
static void test_write_only_works(void **state)
{
	int fd = open_mode(O_WRONLY);
	uint8_t *mem = u_ram(4 * P), buf[64];
	uint64_t bm = 0;
	uint32_t ioas;

	(void)state;
	U_REQUIRE(IODIRTY_INFO_CAP_DMA_RW | IODIRTY_INFO_CAP_DIRTY_TRACKING);
	ioas = u_ioas_ok(fd, 40, 0);
	u_map_ok(fd, ioas, BASE, mem, 4 * P, U_RW);
	u_tracking_ok(fd, ioas, true);
	memset(buf, 0x77, sizeof(buf));
	u_dma_ok(fd, ioas, BASE + P, buf, sizeof(buf), IODIRTY_DMA_WRITE);
	U_EQ(mem[P], 0x77);
	U_EQ(u_dirty(fd, ioas, BASE, 4 * P, P, &bm, 0), 1);
	U_EQ(bm, 2);
	U_EQ(u_unmap_ok(fd, ioas, BASE, 4 * P, 0), 4 * P);
	U_EQ(u_destroy(fd, ioas), 0);
	close(fd);
	u_ram_free(mem, 4 * P);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_complete),
		cmocka_unit_test(test_read_only_fd),
		cmocka_unit_test(test_write_fds),
		cmocka_unit_test(test_write_only_works),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_open_mode", tests,
					   u_group_open, u_group_close);
}
