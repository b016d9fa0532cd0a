// SPDX-License-Identifier: MIT
/*
 * The rules every ioctl of /dev/iodirty shares (the "General ioctl format"
 * of the uAPI header), checked for every command from one table:
 *
 *  - size below the minimum, and size 0: EINVAL;
 *  - size past the struct with a non-zero tail byte: E2BIG; with a zero
 *    tail: accepted like sizeof, and the reply is min(size, sizeof) bytes
 *    (the tail stays zero, nothing is written past size);
 *  - every unknown flag bit and every non-zero __reserved input: EOPNOTSUPP;
 *  - output fields are not read: garbage in them is accepted;
 *  - an unknown object ID: ENOENT; a range that wraps: EOVERFLOW; a range
 *    past the IO address space: ERANGE;
 *  - an unknown ioctl number: ENOTTY;
 *  - a failing call changes nothing (checked with a snapshot of the
 *    io-pagetable around every rejected call).
 *
 * The table is uapi_cmds.c's: adding an ioctl to the header means adding
 * a row there and moving LAST_CMD (uapi_cmds.h) to it.
 */
#include "uapi_cmds.h"
#include "uapi_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAIL 8				/* bytes appended past sizeof */
#define PAT 0xA5			/* fill of output fields */

#define NCMDS uapi_ncmds
/* Largest struct plus the tail, so one buffer serves every row. */
#define ARGBUF 256

static bool row_runs(const struct cmd_row *r)
{
	if (r->cap && !u_has(r->cap)) {
		print_message("%s: module lacks capability 0x%llx: row "
			      "skipped\n", r->name, (unsigned long long)r->cap);
		return false;
	}
	return true;
}

static void fx_setup(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->fd = u_fd;
	fx->ioas = u_ioas_ok(fx->fd, FX_IOVA_BITS, 0);
	fx->ram = u_ram(FX_RAM_PAGES * U_PAGE);
	memset(fx->ram, 0x11, FX_RAM_PAGES * U_PAGE);
	memset(fx->dma, 0x22, sizeof(fx->dma));
	u_map_ok(fx->fd, fx->ioas, FX_IOVA, fx->ram, FX_MAPPED * U_PAGE, U_RW);
	if (u_has(IODIRTY_INFO_CAP_DIRTY_TRACKING)) {
		u_tracking_ok(fx->fd, fx->ioas, true);
		/* A dirty page, so that a wrong clear shows in snapshots. */
		if (u_has(IODIRTY_INFO_CAP_DMA_RW))
			u_dma_ok(fx->fd, fx->ioas, FX_IOVA + 3 * U_PAGE,
				 fx->dma, 8, IODIRTY_DMA_WRITE);
	}
}

static void fx_teardown(struct fx *fx)
{
	int rc = u_destroy(fx->fd, fx->ioas);

	/* The DESTROY row may have destroyed it already. */
	assert_true(rc == 0 || rc == -ENOENT);
	if (fx->new_id)
		U_EQ(u_destroy(fx->fd, fx->new_id), 0);
	u_ram_free(fx->ram, FX_RAM_PAGES * U_PAGE);
}

static void put_u32(uint8_t *buf, size_t off, uint32_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

static void put_u64(uint8_t *buf, size_t off, uint64_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

/* Zeroes @buf and fills a valid argument of @r with size @size. */
static void make_arg(const struct cmd_row *r, struct fx *fx, uint8_t *buf,
		     uint32_t size)
{
	memset(buf, 0, ARGBUF);
	r->fill(fx, buf);
	put_u32(buf, 0, size);
}

/* Snapshot of the fixture, around calls that must fail. */
static void snap(struct fx *fx, struct u_snap *s)
{
	u_snap(fx->fd, fx->ioas, FX_IOVA + 3 * U_PAGE, FX_IOVA, s);
}

/* Calls @buf, expects @err and an unchanged io-pagetable. */
static void expect_reject(const struct cmd_row *r, struct fx *fx,
			  uint8_t *buf, int err, const char *what)
{
	struct u_snap before, after;
	int rc;

	snap(fx, &before);
	rc = u_ioctl(fx->fd, r->cmd, buf);
	if (rc != err)
		print_error("%s, %s: got %d (%s), expected %d (%s)\n",
			    r->name, what, rc, strerror(-rc), err,
			    strerror(-err));
	assert_int_equal(rc, err);
	snap(fx, &after);
	u_snap_equal(&before, &after);
}

/* Remembers an IOAS that an accepted IOAS_ALLOC created. */
static void note_new_object(const struct cmd_row *r, struct fx *fx,
			    const uint8_t *buf)
{
	if (r->nr == IODIRTY_CMD_IOAS_ALLOC)
		memcpy(&fx->new_id,
		       buf + offsetof(struct iodirty_ioas_alloc, out_ioas_id),
		       sizeof(fx->new_id));
}

static void test_table_complete(void **state)
{
	struct iodirty_info info;
	_Alignas(8) uint8_t buf[ARGBUF];

	(void)state;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &uapi_cmds[i];

		/* A designated initialiser leaves a missing row all zero. */
		if (!r->name || !r->fill)
			print_error("no row for command 0x%zx\n",
				    IODIRTY_CMD_BASE + i);
		assert_non_null(r->name);
		assert_non_null(r->fill);
		U_EQ(r->nr, IODIRTY_CMD_BASE + i);
		U_EQ(r->cmd, _IO(IODIRTY_TYPE, r->nr));
		assert_true(r->size + TAIL <= ARGBUF);
		assert_true(r->min_size <= r->size);
		/* The counts match the field lists. */
		for (unsigned int k = 0; k < U_ARRAY_SIZE(r->out); k++)
			assert_true((k < r->nout) == (r->out[k].len != 0));
		for (unsigned int k = 0; k < U_ARRAY_SIZE(r->res); k++)
			assert_true((k < r->nres) == (r->res[k].len != 0));
		/* v1: every command's minimum is its whole struct as
		 * introduced; only the handles and IOAS_UNMAP's
		 * out_nr_dirty came later. */
		if (r->nr != IODIRTY_CMD_IOAS_ALLOC &&
		    r->nr != IODIRTY_CMD_IOAS_STATS &&
		    r->nr != IODIRTY_CMD_IOAS_UNMAP)
			U_EQ(r->min_size, r->size);
	}
	/*
	 * The module must not know a command past the table: if it does,
	 * the header grew without a row here. The argument is a valid size
	 * so that only the number can be wrong.
	 */
	memset(buf, 0, sizeof(buf));
	put_u32(buf, 0, 64);
	U_EQ(u_ioctl(u_fd, _IO(IODIRTY_TYPE, IODIRTY_CMD_BASE + NCMDS), buf),
	     -ENOTTY);
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	U_EQ(u_ioctl(u_fd, IODIRTY_GET_INFO, &info), 0);
	U_EQ(info.out_uapi_version, 3);
}

static void test_size_too_small(void **state)
{
	_Alignas(8) uint8_t buf[ARGBUF];
	struct fx fx;

	(void)state;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &uapi_cmds[i];
		const uint32_t sizes[] = { (uint32_t)r->min_size - 1, 0, 4 };

		if (!row_runs(r))
			continue;
		fx_setup(&fx);
		for (size_t k = 0; k < U_ARRAY_SIZE(sizes); k++) {
			char what[32];

			make_arg(r, &fx, buf, sizes[k]);
			snprintf(what, sizeof(what), "size %u", sizes[k]);
			expect_reject(r, &fx, buf, -EINVAL, what);
		}
		fx_teardown(&fx);
	}
}

static void test_size_tail_nonzero(void **state)
{
	_Alignas(8) uint8_t buf[ARGBUF];
	struct fx fx;

	(void)state;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &uapi_cmds[i];

		if (!row_runs(r))
			continue;
		fx_setup(&fx);
		/* First and last byte of the unknown tail. */
		for (size_t at = 0; at < TAIL; at += TAIL - 1) {
			make_arg(r, &fx, buf, (uint32_t)(r->size + TAIL));
			buf[r->size + at] = 1;
			expect_reject(r, &fx, buf, -E2BIG, "non-zero tail");
		}
		/* A huge size with a non-zero byte just past the struct. */
		make_arg(r, &fx, buf, 4096);
		buf[r->size] = 0x80;
		{
			uint8_t *big = calloc(1, 4096);

			assert_non_null(big);
			memcpy(big, buf, r->size + 1);
			expect_reject(r, &fx, big, -E2BIG, "size 4096");
			free(big);
		}
		fx_teardown(&fx);
	}
}

/*
 * An accepted call of @r with @size and the bytes past @size set to
 * @guard: outputs are pre-filled with garbage (they must not be read),
 * each must be written, and nothing past min(size, sizeof) may change.
 */
static void accepted(const struct cmd_row *r, uint32_t size, uint8_t guard)
{
	_Alignas(8) uint8_t buf[ARGBUF];
	uint8_t want_tail[ARGBUF];
	size_t reply = size < r->size ? size : r->size;
	struct fx fx;
	int rc;

	fx_setup(&fx);
	make_arg(r, &fx, buf, size);
	for (unsigned int k = 0; k < r->nout; k++)
		memset(buf + r->out[k].off, PAT, r->out[k].len);
	memset(buf + size, guard, ARGBUF - size);
	memcpy(want_tail, buf + reply, ARGBUF - reply);
	rc = u_ioctl(fx.fd, r->cmd, buf);
	if (rc)
		print_error("%s, size %u: %s\n", r->name, size,
			    strerror(-rc));
	assert_int_equal(rc, 0);
	note_new_object(r, &fx, buf);
	if (memcmp(buf + reply, want_tail, ARGBUF - reply))
		print_error("%s, size %u: bytes past %zu were written\n",
			    r->name, size, reply);
	assert_memory_equal(buf + reply, want_tail, ARGBUF - reply);
	{
		uint32_t sz;

		memcpy(&sz, buf, sizeof(sz));
		U_EQ(sz, size);
	}
	for (unsigned int k = 0; k < r->nout; k++) {
		const uint8_t *p = buf + r->out[k].off;
		bool all_pat = true;

		for (unsigned int b = 0; b < r->out[k].len; b++)
			all_pat &= p[b] == PAT;
		if (all_pat)
			print_error("%s: output at offset %u not written\n",
				    r->name, r->out[k].off);
		assert_false(all_pat);
	}
	fx_teardown(&fx);
}

static void test_size_exact_and_tail_zero(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &uapi_cmds[i];

		if (!row_runs(r))
			continue;
		/* sizeof: bytes past it are not part of the argument. */
		accepted(r, (uint32_t)r->size, 0x5A);
		/* sizeof + 8 zero bytes: accepted, the tail stays zero. */
		accepted(r, (uint32_t)(r->size + TAIL), 0);
	}
}

/* The reply rule spelled out on one command: GET_INFO with a zero tail. */
static void test_info_zero_tail(void **state)
{
	struct {
		struct iodirty_info info;
		uint8_t tail[TAIL];
	} a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.info.size = sizeof(a);
	memset(&b, 0, sizeof(b));
	b.info.size = sizeof(b.info);
	U_EQ(u_ioctl(u_fd, IODIRTY_GET_INFO, &a), 0);
	U_EQ(u_ioctl(u_fd, IODIRTY_GET_INFO, &b.info), 0);
	U_EQ(a.info.size, sizeof(a));
	for (size_t k = 0; k < TAIL; k++)
		U_EQ(a.tail[k], 0);
	U_EQ(a.info.out_uapi_version, 3);
	U_EQ(a.info.__reserved, 0);
	/* Same answer as with the exact size. */
	a.info.size = b.info.size;
	assert_memory_equal(&a.info, &b.info, sizeof(a.info));
	assert_true(a.info.out_max_iova_bits >= 20 &&
		    a.info.out_max_iova_bits <= 64);
	assert_true(a.info.out_default_iova_bits >= 20 &&
		    a.info.out_default_iova_bits <= a.info.out_max_iova_bits);
	/* 4 KiB mappings and a 4 KiB granule are always there. */
	assert_true(a.info.out_page_sizes & U_PAGE);
	assert_true(a.info.out_granules & U_PAGE);
	/* No capability bit that this header does not know. */
	U_EQ(a.info.out_capabilities & ~((uint64_t)0xff |
					 IODIRTY_INFO_CAP_MAP_VEC |
					 IODIRTY_INFO_CAP_MAPPINGS |
					 IODIRTY_INFO_CAP_EXTENTS |
					 IODIRTY_INFO_CAP_SET_DIRTY), 0);
}

static void test_unknown_flags(void **state)
{
	_Alignas(8) uint8_t buf[ARGBUF];
	struct fx fx;

	(void)state;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &uapi_cmds[i];

		if (!row_runs(r) || !r->flags_off)
			continue;
		fx_setup(&fx);
		for (unsigned int bit = 0; bit < 32; bit++) {
			uint32_t f;
			char what[32];

			if (r->flags_known & (1u << bit))
				continue;
			make_arg(r, &fx, buf, (uint32_t)r->size);
			memcpy(&f, buf + r->flags_off, sizeof(f));
			f |= 1u << bit;
			put_u32(buf, r->flags_off, f);
			snprintf(what, sizeof(what), "flag bit %u", bit);
			expect_reject(r, &fx, buf, -EOPNOTSUPP, what);
		}
		fx_teardown(&fx);
	}
}

static void test_reserved_nonzero(void **state)
{
	static const uint32_t vals[] = { 1, 0x80000000u };
	_Alignas(8) uint8_t buf[ARGBUF];
	struct fx fx;

	(void)state;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &uapi_cmds[i];

		if (!row_runs(r) || !r->nres)
			continue;
		fx_setup(&fx);
		for (unsigned int k = 0; k < r->nres; k++) {
			for (size_t v = 0; v < U_ARRAY_SIZE(vals); v++) {
				make_arg(r, &fx, buf, (uint32_t)r->size);
				assert_int_equal(r->res[k].len, 4);
				put_u32(buf, r->res[k].off, vals[v]);
				expect_reject(r, &fx, buf, -EOPNOTSUPP,
					      "__reserved");
			}
		}
		fx_teardown(&fx);
	}
}

static void test_unknown_id(void **state)
{
	_Alignas(8) uint8_t buf[ARGBUF];
	struct fx fx;
	uint32_t gone;

	(void)state;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &uapi_cmds[i];
		uint32_t ids[] = { 0, 0, 0x7fffffffu, 0xffffffffu };

		if (!row_runs(r) || !r->id_off)
			continue;
		fx_setup(&fx);
		/* An ID that existed once (IDs are not reused at once). */
		gone = u_ioas_ok(u_fd, 0, 0);
		U_EQ(u_destroy(u_fd, gone), 0);
		ids[1] = gone;
		for (size_t k = 0; k < U_ARRAY_SIZE(ids); k++) {
			char what[32];

			make_arg(r, &fx, buf, (uint32_t)r->size);
			put_u32(buf, r->id_off, ids[k]);
			snprintf(what, sizeof(what), "id %u", ids[k]);
			expect_reject(r, &fx, buf, -ENOENT, what);
		}
		fx_teardown(&fx);
	}
}

static void test_range_overflow(void **state)
{
	_Alignas(8) uint8_t buf[ARGBUF];
	struct fx fx;

	(void)state;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &uapi_cmds[i];

		if (!row_runs(r) || !r->iova_off || !r->len_off)
			continue;
		fx_setup(&fx);
		/* Page-aligned, so only the wrap is wrong. */
		make_arg(r, &fx, buf, (uint32_t)r->size);
		put_u64(buf, r->iova_off, ~0ULL - U_PAGE + 1);
		put_u64(buf, r->len_off, 2 * U_PAGE);
		expect_reject(r, &fx, buf, -EOVERFLOW, "iova wraps");
		/* The largest length from a small start. */
		make_arg(r, &fx, buf, (uint32_t)r->size);
		put_u64(buf, r->len_off, ~0ULL - U_PAGE + 1);
		expect_reject(r, &fx, buf, -EOVERFLOW, "length wraps");
		fx_teardown(&fx);
	}
}

static void test_range_beyond_space(void **state)
{
	_Alignas(8) uint8_t buf[ARGBUF];
	struct fx fx;

	(void)state;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_row *r = &uapi_cmds[i];

		if (!row_runs(r) || !r->iova_off)
			continue;
		fx_setup(&fx);
		make_arg(r, &fx, buf, (uint32_t)r->size);
		put_u64(buf, r->iova_off, 1ULL << FX_IOVA_BITS);
		expect_reject(r, &fx, buf, -ERANGE, "iova past the space");
		if (r->len_off) {
			/* Starts inside, ends one page past the top. */
			make_arg(r, &fx, buf, (uint32_t)r->size);
			put_u64(buf, r->iova_off,
				(1ULL << FX_IOVA_BITS) - U_PAGE);
			put_u64(buf, r->len_off, 2 * U_PAGE);
			expect_reject(r, &fx, buf, -ERANGE, "end past the space");
		}
		fx_teardown(&fx);
	}
}

static void test_unknown_ioctl(void **state)
{
	const unsigned long bad[] = {
		_IO(IODIRTY_TYPE, IODIRTY_CMD_BASE - 1),
		_IO(IODIRTY_TYPE, IODIRTY_CMD_BASE + NCMDS),
		_IO(IODIRTY_TYPE, 0),
		_IO(IODIRTY_TYPE, 0xff),
		/* Right number, wrong type byte, direction or size. */
		_IO(IODIRTY_TYPE + 1, IODIRTY_CMD_GET_INFO),
		_IOWR(IODIRTY_TYPE, IODIRTY_CMD_GET_INFO, struct iodirty_info),
		_IOR(IODIRTY_TYPE, IODIRTY_CMD_IOAS_STATS,
		     struct iodirty_ioas_stats),
		_IOW(IODIRTY_TYPE, IODIRTY_CMD_IOAS_STATS,
		     struct iodirty_ioas_stats),
		/* Size bits without a direction, and the reverse. */
		_IOC(_IOC_NONE, IODIRTY_TYPE, IODIRTY_CMD_IOAS_STATS,
		     sizeof(struct iodirty_ioas_stats)),
		_IOC(_IOC_READ, IODIRTY_TYPE, IODIRTY_CMD_IOAS_STATS, 0),
	};
	struct iodirty_ioas_stats st;

	(void)state;
	for (size_t k = 0; k < U_ARRAY_SIZE(bad); k++) {
		/* A valid-looking argument: only the number is wrong. */
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.ioas_id = 1;
		if (u_ioctl(u_fd, bad[k], &st) != -ENOTTY)
			print_error("ioctl 0x%lx: not ENOTTY\n", bad[k]);
		U_EQ(u_ioctl(u_fd, bad[k], &st), -ENOTTY);
	}
}

/* A rejected MAP maps nothing, whichever rule rejected it. */
static void test_rejected_map_maps_nothing(void **state)
{
	struct {
		struct iodirty_ioas_map m;
		uint8_t tail[TAIL];
	} a;
	struct fx fx;

	(void)state;
	fx_setup(&fx);
	memset(&a, 0, sizeof(a));
	uapi_fill_map(&fx, &a.m);
	a.m.size = sizeof(a);
	a.tail[TAIL - 1] = 1;
	U_EQ(u_ioctl(fx.fd, IODIRTY_IOAS_MAP, &a), -E2BIG);
	a.tail[TAIL - 1] = 0;
	a.m.__reserved = 1;
	U_EQ(u_ioctl(fx.fd, IODIRTY_IOAS_MAP, &a), -EOPNOTSUPP);
	a.m.__reserved = 0;
	a.m.flags |= 1u << 31;
	U_EQ(u_ioctl(fx.fd, IODIRTY_IOAS_MAP, &a), -EOPNOTSUPP);
	U_EQ(u_translate(fx.fd, fx.ioas, a.m.iova, NULL, NULL), -ENOENT);
	u_expect_stats(fx.fd, fx.ioas, FX_MAPPED * U_PAGE, 1, 0);
	/* And the same argument, corrected, maps. */
	a.m.flags &= ~(1u << 31);
	U_EQ(u_ioctl(fx.fd, IODIRTY_IOAS_MAP, &a), 0);
	u_expect_stats(fx.fd, fx.ioas, (FX_MAPPED + 4) * U_PAGE, 2, 0);
	fx_teardown(&fx);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_size_too_small),
		cmocka_unit_test(test_size_tail_nonzero),
		cmocka_unit_test(test_size_exact_and_tail_zero),
		cmocka_unit_test(test_info_zero_tail),
		cmocka_unit_test(test_unknown_flags),
		cmocka_unit_test(test_reserved_nonzero),
		cmocka_unit_test(test_unknown_id),
		cmocka_unit_test(test_range_overflow),
		cmocka_unit_test(test_range_beyond_space),
		cmocka_unit_test(test_unknown_ioctl),
		cmocka_unit_test(test_rejected_map_maps_nothing),
	};

	(void)argc;
	u_init(argv[0]);
	return cmocka_run_group_tests_name("uapi_sizes", tests, u_group_open,
					   u_group_close);
}
