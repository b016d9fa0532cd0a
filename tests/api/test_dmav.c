// SPDX-License-Identifier: MIT
/*
 * Vectored software DMA (since 0.4): iodirty_dma_writev() and
 * iodirty_dma_readv().
 *
 * A model of the RAM and of the dirty pages is kept next to the domain:
 * every successful segment is applied to it, in order, and after each call
 * the RAM must equal the model exactly and a read-and-clear of the whole
 * window must report exactly the pages the model says were written. So a
 * segment written that should not have been (the failing one, those after
 * it, any on a pre-check failure) or a write not marked shows up, as does a
 * wrong *done.
 *
 * Covered: success and bytes done; a failing segment at the start, in the
 * middle and at the end for every errno a segment can have (earlier
 * segments written and marked, the failing one and later ones not, *done
 * the bytes before it, the same errno as iodirty_dma_write() of that
 * segment alone); the checks made before any transfer (NULL segs, a NULL
 * buf, lengths adding up past 2^64; they win over an earlier failing
 * segment and leave *done 0 and the domain unchanged); zero segments;
 * many segments with overlaps (applied in order); segments far apart
 * that move the per-thread dirty cursors; reads, which mark
 * nothing; tracking off; -EFAULT on the kmod backend.
 */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define P T_PAGE
#define RW (IODIRTY_MAP_READ | IODIRTY_MAP_WRITE)
#define BITS 48u
#define RAM_PAGES 64u
#define CANARY 0x5c

/*
 * The fixture domain (48-bit IOVA, 4 KiB granule, tracking on):
 *   A = [1 MiB, +16 pages)          RW -> ram[0..16)
 *   B = [2 MiB, +4 pages)           R  -> ram[16..20)
 *   W = [2 MiB + 8 pages, +4 pages) W  -> ram[20..24)
 *   C = [4 MiB, +4 pages)           RW -> ram[24..28)
 *   D = [4 MiB + 4 pages, +4 pages) RW -> ram[32..36)
 *       (IOVA-contiguous with C, not in user address)
 *   nothing mapped at 3 MiB; the dirty window is [0, 8 MiB).
 */
#define A_IOVA (1ULL << 20)
#define B_IOVA (2ULL << 20)
#define W_IOVA (B_IOVA + 8 * P)
#define C_IOVA (4ULL << 20)
#define D_IOVA (C_IOVA + 4 * P)
#define GAP_IOVA (3ULL << 20)
#define WIN (8ULL << 20)
#define WIN_PAGES (WIN / P)

struct fx {
	struct iodirty_domain *dom;
	uint8_t *ram;
	uint8_t *model;			/* what ram must hold */
	uint64_t exp[WIN_PAGES / 64];	/* pages that must read dirty */
	struct t_snap_spec spec;
};

/* Offset in ram of the byte @iova maps to, or -1. */
static int64_t ram_off(uint64_t iova)
{
	static const struct {
		uint64_t iova, pages, off;
	} m[] = {
		{ A_IOVA, 16, 0 }, { B_IOVA, 4, 16 * P }, { W_IOVA, 4, 20 * P },
		{ C_IOVA, 4, 24 * P }, { D_IOVA, 4, 32 * P },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (iova >= m[i].iova && iova < m[i].iova + m[i].pages * P)
			return (int64_t)(m[i].off + (iova - m[i].iova));
	return -1;
}

static void fx_setup(struct fx *f, bool tracking)
{
	static const uint64_t probes[] = {
		A_IOVA, A_IOVA + 15 * P, A_IOVA + 16 * P, B_IOVA, W_IOVA,
		C_IOVA, D_IOVA, D_IOVA + 4 * P, GAP_IOVA,
	};

	T_REQUIRE_CAPS(IODIRTY_CAP_DIRTY_TRACKING | IODIRTY_CAP_DMA_RW);
	memset(f, 0, sizeof(*f));
	f->dom = t_domain(BITS, 0);
	f->ram = t_ram(RAM_PAGES * P, 0);
	for (size_t i = 0; i < RAM_PAGES * P; i++)
		f->ram[i] = (uint8_t)(i * 13 + 7);
	f->model = malloc(RAM_PAGES * P);
	assert_non_null(f->model);
	memcpy(f->model, f->ram, RAM_PAGES * P);
	assert_int_equal(iodirty_map(f->dom, A_IOVA, f->ram, 16 * P, RW), 0);
	assert_int_equal(iodirty_map(f->dom, B_IOVA, f->ram + 16 * P, 4 * P,
				     IODIRTY_MAP_READ), 0);
	assert_int_equal(iodirty_map(f->dom, W_IOVA, f->ram + 20 * P, 4 * P,
				     IODIRTY_MAP_WRITE), 0);
	assert_int_equal(iodirty_map(f->dom, C_IOVA, f->ram + 24 * P, 4 * P,
				     RW), 0);
	assert_int_equal(iodirty_map(f->dom, D_IOVA, f->ram + 32 * P, 4 * P,
				     RW), 0);
	if (tracking)
		assert_int_equal(iodirty_set_dirty_tracking(f->dom, true), 0);
	f->spec.nprobes = sizeof(probes) / sizeof(probes[0]);
	memcpy(f->spec.probe, probes, sizeof(probes));
	if (tracking) {
		f->spec.win_iova = 0;
		f->spec.win_len = WIN;
	}
}

static void fx_teardown(struct fx *f)
{
	iodirty_domain_destroy(f->dom);
	t_ram_free(f->ram, RAM_PAGES * P);
	free(f->model);
}

/* Applies a successful write segment to the model. */
static void model_write(struct fx *f, const struct iodirty_dma_seg *s)
{
	const uint8_t *src = s->buf;

	for (uint64_t i = 0; i < s->length; i++) {
		int64_t o = ram_off(s->iova + i);

		assert_true(o >= 0);
		f->model[o] = src[i];
		t_set_bit(f->exp, (s->iova + i) / P);
	}
}

/* Checks a read segment's buffer against the model. */
static void model_check_read(const struct fx *f,
			     const struct iodirty_dma_seg *s)
{
	const uint8_t *dst = s->buf;

	for (uint64_t i = 0; i < s->length; i++) {
		int64_t o = ram_off(s->iova + i);

		assert_true(o >= 0);
		if (dst[i] != f->model[o])
			print_error("read segment at 0x%" PRIx64 ": byte %"
				    PRIu64 " is 0x%02x, memory has 0x%02x\n",
				    s->iova, i, dst[i], f->model[o]);
		assert_int_equal(dst[i], f->model[o]);
	}
}

/*
 * RAM equals the model, and a read-and-clear of the window reports exactly
 * the model's dirty pages (which are then forgotten).
 */
static void fx_check(struct fx *f)
{
	uint64_t bm[WIN_PAGES / 64];
	int64_t n;

	for (size_t i = 0; i < RAM_PAGES * P; i++)
		if (f->ram[i] != f->model[i]) {
			print_error("ram page %zu byte %zu is 0x%02x, expected "
				    "0x%02x\n", i / P, i % P, f->ram[i],
				    f->model[i]);
			break;
		}
	assert_memory_equal(f->ram, f->model, RAM_PAGES * P);
	memset(bm, 0, sizeof(bm));
	n = iodirty_read_dirty(f->dom, 0, WIN, P, bm, 0);
	for (uint64_t i = 0; i < WIN_PAGES; i++)
		if (t_bit(bm, i) != t_bit(f->exp, i))
			print_error("iova page 0x%" PRIx64 ": dirty %d, "
				    "expected %d\n", i * P, t_bit(bm, i),
				    t_bit(f->exp, i));
	T_EQ(n, t_popcount(f->exp, WIN_PAGES / 64));
	assert_memory_equal(bm, f->exp, sizeof(bm));
	memset(f->exp, 0, sizeof(f->exp));
}

/* A buffer of @len bytes of a pattern seeded by @tag. */
static uint8_t *pattern(size_t len, unsigned int tag)
{
	uint8_t *b = malloc(len ? len : 1);

	assert_non_null(b);
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(tag * 31 + i * 7 + (i >> 8) + 1);
	return b;
}

static uint64_t seg_sum(const struct iodirty_dma_seg *s, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += s[i].length;
	return sum;
}

/* ------------------------------------------------------------------ */

static void test_writev_readv_roundtrip(void **state)
{
	struct fx f;
	/* A, the C/D boundary, W (write-only), a whole page of A, then an
	 * overlap of the first segment, which must win (segments in turn) */
	struct iodirty_dma_seg w[] = {
		{ A_IOVA + 100, 50, NULL },
		{ D_IOVA - 10, 20, NULL },
		{ W_IOVA + 3 * P + 1, P - 1, NULL },
		{ A_IOVA + 5 * P, P, NULL },
		{ A_IOVA + 110, 5, NULL },
		{ A_IOVA + 16 * P - 1, 1, NULL },
	};
	const size_t nw = sizeof(w) / sizeof(w[0]);
	struct iodirty_dma_seg r[] = {
		{ A_IOVA + 90, 80, NULL },
		{ B_IOVA + P - 3, 2 * P, NULL },	/* read-only B */
		{ C_IOVA + 3 * P, 2 * P, NULL },	/* C then D */
		{ A_IOVA + 5 * P, P, NULL },
	};
	const size_t nr = sizeof(r) / sizeof(r[0]);
	uint64_t done;

	(void)state;
	fx_setup(&f, true);
	for (size_t i = 0; i < nw; i++)
		w[i].buf = pattern(w[i].length, (unsigned int)i + 1);
	for (size_t i = 0; i < nr; i++) {
		r[i].buf = malloc(r[i].length);
		assert_non_null(r[i].buf);
		memset(r[i].buf, CANARY, r[i].length);
	}

	done = 12345;
	assert_int_equal(iodirty_dma_writev(f.dom, w, nw, &done), 0);
	T_EQ(done, seg_sum(w, nw));
	for (size_t i = 0; i < nw; i++)
		model_write(&f, &w[i]);
	fx_check(&f);

	/* readv: the bytes the model holds, and nothing marked */
	done = 12345;
	assert_int_equal(iodirty_dma_readv(f.dom, r, nr, &done), 0);
	T_EQ(done, seg_sum(r, nr));
	for (size_t i = 0; i < nr; i++)
		model_check_read(&f, &r[i]);
	fx_check(&f);

	/* @done is optional */
	assert_int_equal(iodirty_dma_writev(f.dom, w, 2, NULL), 0);
	model_write(&f, &w[0]);
	model_write(&f, &w[1]);
	fx_check(&f);
	assert_int_equal(iodirty_dma_readv(f.dom, r, 1, NULL), 0);
	model_check_read(&f, &r[0]);

	/* one segment is iodirty_dma_write() */
	done = 0;
	assert_int_equal(iodirty_dma_writev(f.dom, &w[3], 1, &done), 0);
	T_EQ(done, P);
	model_write(&f, &w[3]);
	fx_check(&f);

	for (size_t i = 0; i < nw; i++)
		free(w[i].buf);
	for (size_t i = 0; i < nr; i++)
		free(r[i].buf);
	fx_teardown(&f);
}

/*
 * A bad segment among good ones: those before it are transferred (and, for
 * writes, marked), it and those after are not, *done is the bytes before
 * it, and the errno is the one iodirty_dma_write()/_read() gives for that
 * segment alone.
 */
struct bad {
	uint64_t iova, length;
	int err;
	const char *what;
};

static void fail_at(struct fx *f, bool write, const struct bad *b, size_t at)
{
	struct iodirty_dma_seg good[] = {
		{ A_IOVA + 10, 20, NULL },
		{ D_IOVA - 6, 12, NULL },	/* C then D */
		{ A_IOVA + 8 * P, 16, NULL },
	};
	struct iodirty_dma_seg s[4];
	uint8_t *badbuf = malloc(b->length ? b->length : 1);
	uint64_t done = 777, expect_done = 0;
	int rc, alone;
	size_t k = 0;

	assert_non_null(badbuf);
	memset(badbuf, write ? 0xee : CANARY, b->length ? b->length : 1);
	for (size_t i = 0; i < 4; i++) {
		if (i == at) {
			s[i] = (struct iodirty_dma_seg){ b->iova, b->length,
							 badbuf };
			continue;
		}
		s[i] = good[k++];
		s[i].buf = write ? pattern(s[i].length, (unsigned int)(i + at))
				 : malloc(s[i].length);
		assert_non_null(s[i].buf);
		if (!write)
			memset(s[i].buf, CANARY, s[i].length);
	}

	/* the segment alone fails as the single-range call does */
	alone = write ? iodirty_dma_write(f->dom, b->iova, badbuf, b->length)
		      : iodirty_dma_read(f->dom, b->iova, badbuf, b->length);
	if (alone != b->err)
		print_error("%s alone: %d, expected %d\n", b->what, alone,
			    b->err);
	assert_int_equal(alone, b->err);

	rc = write ? iodirty_dma_writev(f->dom, s, 4, &done)
		   : iodirty_dma_readv(f->dom, s, 4, &done);
	if (rc != b->err)
		print_error("%s %s at segment %zu: %d (%s), expected %d\n",
			    write ? "writev" : "readv", b->what, at, rc,
			    iodirty_strerror(rc), b->err);
	assert_int_equal(rc, b->err);
	for (size_t i = 0; i < at; i++) {
		expect_done += s[i].length;
		if (write)
			model_write(f, &s[i]);
		else
			model_check_read(f, &s[i]);
	}
	if (done != expect_done)
		print_error("%s %s at segment %zu: done %" PRIu64 ", expected %"
			    PRIu64 "\n", write ? "writev" : "readv", b->what,
			    at, done, expect_done);
	T_EQ(done, expect_done);
	/* the failing segment and those after it were not transferred */
	for (size_t i = at; i < 4 && !write; i++)
		for (uint64_t j = 0; j < s[i].length; j++)
			assert_int_equal(((uint8_t *)s[i].buf)[j], CANARY);
	fx_check(f);
	for (size_t i = 0; i < 4; i++)
		if (i != at)
			free(s[i].buf);
	free(badbuf);
}

static void test_vec_fail_segment(void **state)
{
	static const struct bad wbad[] = {
		{ GAP_IOVA, 8, -ENOENT, "unmapped" },
		{ A_IOVA + 16 * P - 4, 8, -ENOENT, "past A's end" },
		{ A_IOVA - 4, 8, -ENOENT, "before A" },
		{ D_IOVA + 4 * P - 4, 8, -ENOENT, "past D's end" },
		{ B_IOVA + P, 8, -EACCES, "read-only" },
		{ C_IOVA + 2 * P, 8 * P, -ENOENT, "C, D, then unmapped" },
		{ 1ULL << BITS, 8, -ERANGE, "beyond the IOVA width" },
		{ (1ULL << BITS) - 4, 8, -ERANGE, "across the IOVA width" },
		/*
		 * iodirty_dma_write() refuses a zero length (-EINVAL), and
		 * the header lists only NULL segs, NULL bufs and the sum of
		 * lengths as checks made before any transfer: a zero-length
		 * segment is a failing segment like the others.
		 */
		{ A_IOVA, 0, -EINVAL, "zero length" },
	};
	static const struct bad rbad[] = {
		{ GAP_IOVA, 8, -ENOENT, "unmapped" },
		{ A_IOVA + 16 * P - 4, 8, -ENOENT, "past A's end" },
		{ W_IOVA + P, 8, -EACCES, "write-only" },
		{ B_IOVA + 4 * P - 4, 8 + 4 * P, -ENOENT, "B, then unmapped" },
		{ 1ULL << BITS, 8, -ERANGE, "beyond the IOVA width" },
		{ A_IOVA, 0, -EINVAL, "zero length" },
	};
	struct fx f;

	(void)state;
	fx_setup(&f, true);
	for (size_t i = 0; i < sizeof(wbad) / sizeof(wbad[0]); i++)
		for (size_t at = 0; at < 4; at++)
			fail_at(&f, true, &wbad[i], at);
	for (size_t i = 0; i < sizeof(rbad) / sizeof(rbad[0]); i++)
		for (size_t at = 0; at < 4; at++)
			fail_at(&f, false, &rbad[i], at);
	fx_teardown(&f);
}

/* Two bad segments: the first one's errno, and nothing of it written. */
static void test_vec_first_failure_wins(void **state)
{
	struct fx f;
	uint8_t *g, buf[8];
	struct iodirty_dma_seg s[3];
	uint64_t done;

	(void)state;
	fx_setup(&f, true);
	g = pattern(16, 3);
	memset(buf, 0xee, sizeof(buf));
	s[0] = (struct iodirty_dma_seg){ A_IOVA + 8, 16, g };
	s[1] = (struct iodirty_dma_seg){ B_IOVA, 8, buf };	/* -EACCES */
	s[2] = (struct iodirty_dma_seg){ GAP_IOVA, 8, buf };	/* -ENOENT */
	done = 0;
	assert_int_equal(iodirty_dma_writev(f.dom, s, 3, &done), -EACCES);
	T_EQ(done, 16);
	model_write(&f, &s[0]);
	fx_check(&f);
	s[1] = (struct iodirty_dma_seg){ GAP_IOVA, 8, buf };
	s[2] = (struct iodirty_dma_seg){ B_IOVA, 8, buf };
	assert_int_equal(iodirty_dma_writev(f.dom, s, 3, &done), -ENOENT);
	T_EQ(done, 16);
	model_write(&f, &s[0]);
	fx_check(&f);
	free(g);
	fx_teardown(&f);
}

/*
 * Checks made before any transfer: *done is 0, nothing is written or
 * marked, the domain is unchanged, even when an earlier segment would have
 * succeeded or would have failed with another errno.
 */
static void test_vec_prechecks(void **state)
{
	struct fx f;
	uint8_t *g;
	uint8_t big[16];
	struct iodirty_dma_seg s[4];
	uint64_t done = 0;

	(void)state;
	fx_setup(&f, true);
	g = pattern(64, 5);
	memset(big, 0xee, sizeof(big));
	for (int write = 1; write >= 0; write--) {
#define VEC(segs, n, d) (write ? iodirty_dma_writev(f.dom, segs, n, d) : \
			 iodirty_dma_readv(f.dom, segs, n, d))
		/* NULL domain, NULL segs with segments */
		s[0] = (struct iodirty_dma_seg){ A_IOVA, 8, g };
		assert_int_equal(write ? iodirty_dma_writev(NULL, s, 1, &done)
				       : iodirty_dma_readv(NULL, s, 1, &done),
				 -EINVAL);
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(NULL, 1, &done), -EINVAL);
		T_EQ(done, 0);
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(NULL, 1, NULL), -EINVAL);

		/* zero segments: 0, done 0, nothing happens */
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(NULL, 0, &done), 0);
		T_EQ(done, 0);
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(s, 0, &done), 0);
		T_EQ(done, 0);

		/* a NULL buf in segment 2, after a good segment */
		s[0] = (struct iodirty_dma_seg){ A_IOVA + 8, 16, g };
		s[1] = (struct iodirty_dma_seg){ A_IOVA + 2 * P, 16, g };
		s[2] = (struct iodirty_dma_seg){ A_IOVA + 4 * P, 16, NULL };
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(s, 3, &done), -EINVAL);
		T_EQ(done, 0);
		/* ... and after a failing one: the NULL buf wins */
		s[0].iova = GAP_IOVA;
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(s, 3, &done), -EINVAL);
		T_EQ(done, 0);

		/* lengths adding up past 2^64 */
		s[0] = (struct iodirty_dma_seg){ A_IOVA + 8, 16, g };
		s[1] = (struct iodirty_dma_seg){ A_IOVA, 1ULL << 63, big };
		s[2] = (struct iodirty_dma_seg){ A_IOVA, 1ULL << 63, big };
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(s, 3, &done), -EOVERFLOW);
		T_EQ(done, 0);
		s[0].iova = GAP_IOVA;	/* an earlier -ENOENT loses */
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(s, 3, &done), -EOVERFLOW);
		T_EQ(done, 0);
		s[0] = (struct iodirty_dma_seg){ A_IOVA + 8, 16, g };
		s[1] = (struct iodirty_dma_seg){ A_IOVA, UINT64_MAX, big };
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(s, 2, &done), -EOVERFLOW);
		T_EQ(done, 0);
		s[2] = (struct iodirty_dma_seg){ A_IOVA, 8, NULL };
		done = 99;
		T_EXPECT_ERR(f.dom, &f.spec, VEC(s, 3, &done), -EINVAL);
		T_EQ(done, 0);
		assert_memory_equal(f.ram, f.model, RAM_PAGES * P);

		/*
		 * Lengths that add up to 2^64 - 1 pass the check; the big
		 * segment then fails on its own (its range wraps), after
		 * the first one was transferred.
		 */
		s[0] = (struct iodirty_dma_seg){ A_IOVA + 8, 16, g };
		s[1] = (struct iodirty_dma_seg){ A_IOVA, UINT64_MAX - 16, big };
		{
			int alone = write ? iodirty_dma_write(f.dom, A_IOVA,
							      big,
							      UINT64_MAX - 16)
					  : iodirty_dma_read(f.dom, A_IOVA, big,
							     UINT64_MAX - 16);

			assert_true(alone == -EOVERFLOW || alone == -ERANGE);
			done = 99;
			assert_int_equal(VEC(s, 2, &done), alone);
		}
		T_EQ(done, 16);
		if (write)
			model_write(&f, &s[0]);
		else
			model_check_read(&f, &s[0]);
		fx_check(&f);
#undef VEC
	}
	free(g);
	fx_teardown(&f);
}

/* Many small segments, overlapping at random, applied in order. */
static void test_vec_many(void **state)
{
	enum { N = 512 };
	struct iodirty_dma_seg *s;
	uint8_t *data, *rd_;
	uint64_t seed, sum = 0, done = 0;
	struct fx f;

	(void)state;
	fx_setup(&f, true);
	seed = t_seed("dmav_many", 0xd3a5);
	s = calloc(N, sizeof(*s));
	data = malloc(N * 64);
	rd_ = malloc(N * 64);
	assert_true(s && data && rd_);
	for (size_t i = 0; i < N * 64; i++)
		data[i] = (uint8_t)t_rand(&seed);
	for (size_t i = 0; i < N; i++) {
		uint64_t len = 1 + t_rand_below(&seed, 64);
		/* A, or C and D (contiguous in IOVA) */
		uint64_t iova = t_rand_below(&seed, 2) ?
				A_IOVA + t_rand_below(&seed, 16 * P - len) :
				C_IOVA + t_rand_below(&seed, 8 * P - len);

		s[i] = (struct iodirty_dma_seg){ iova, len, data + i * 64 };
		sum += len;
	}
	assert_int_equal(iodirty_dma_writev(f.dom, s, N, &done), 0);
	T_EQ(done, sum);
	for (size_t i = 0; i < N; i++)
		model_write(&f, &s[i]);
	fx_check(&f);
	for (size_t i = 0; i < N; i++)
		s[i].buf = rd_ + i * 64;
	memset(rd_, CANARY, N * 64);
	assert_int_equal(iodirty_dma_readv(f.dom, s, N, &done), 0);
	T_EQ(done, sum);
	for (size_t i = 0; i < N; i++)
		model_check_read(&f, &s[i]);
	fx_check(&f);
	fx_teardown(&f);
	free(s);
	free(data);
	free(rd_);
}

/* Written while tracking is off: the data, but never reported. */
static void test_vec_tracking_off(void **state)
{
	struct fx f;
	uint8_t *g;
	struct iodirty_dma_seg s[2] = {
		{ A_IOVA + 3 * P, 32, NULL }, { D_IOVA, 32, NULL },
	};
	uint64_t done = 0;

	(void)state;
	fx_setup(&f, false);
	g = pattern(32, 9);
	s[0].buf = s[1].buf = g;
	assert_int_equal(iodirty_dma_writev(f.dom, s, 2, &done), 0);
	T_EQ(done, 64);
	model_write(&f, &s[0]);
	model_write(&f, &s[1]);
	memset(f.exp, 0, sizeof(f.exp));
	assert_int_equal(iodirty_set_dirty_tracking(f.dom, true), 0);
	fx_check(&f);
	free(g);
	fx_teardown(&f);
}

/*
 * -EFAULT (kernel backend: the module copies from a buffer it cannot
 * read). The source's second page is PROT_NONE: the earlier segment is
 * written and marked, the part of the failing one that was written (at
 * most its first page) is marked, its second page is not written.
 */
static void test_writev_efault(void **state)
{
	struct fx f;
	uint8_t *g, *src;
	struct iodirty_dma_seg s[2];
	uint64_t done = 99, bm[WIN_PAGES / 64];

	(void)state;
	if (!t_backend_is("kmod")) {
		TC_SKIP("needs the kmod backend (-EFAULT from the "
			      "module's copy)\n");
	}
	fx_setup(&f, true);
	g = pattern(16, 11);
	src = t_ram(2 * P, 0);
	memset(src, 0x3c, P);
	assert_int_equal(mprotect(src + P, P, PROT_NONE), 0);
	s[0] = (struct iodirty_dma_seg){ A_IOVA + 8, 16, g };
	s[1] = (struct iodirty_dma_seg){ A_IOVA + 4 * P, 2 * P, src };
	assert_int_equal(iodirty_dma_writev(f.dom, s, 2, &done), -EFAULT);
	T_EQ(done, 16);
	model_write(&f, &s[0]);
	/* page 5 of A (from the unreadable source) is untouched */
	assert_memory_equal(f.ram + 5 * P, f.model + 5 * P, P);
	memset(bm, 0, sizeof(bm));
	assert_true(iodirty_read_dirty(f.dom, 0, WIN, P, bm,
				       IODIRTY_READ_NO_CLEAR) >= 0);
	assert_true(t_bit(bm, (A_IOVA + 8) / P));
	/* a page of the failing segment that was written is marked */
	if (memcmp(f.ram + 4 * P, f.model + 4 * P, P))
		assert_true(t_bit(bm, (A_IOVA + 4 * P) / P));
	/* nothing outside the two segments' pages */
	t_set_bit(f.exp, (A_IOVA + 4 * P) / P);
	t_set_bit(f.exp, (A_IOVA + 5 * P) / P);
	for (uint64_t i = 0; i < WIN_PAGES; i++)
		if (t_bit(bm, i))
			assert_true(t_bit(f.exp, i));
	t_ram_free(src, 2 * P);
	free(g);
	fx_teardown(&f);
}

/*
 * Segments far apart, in an order that makes a thread's dirty cursors
 * move between them (pages 2 GiB apart share a cursor slot of the soft
 * backend's per-thread hint, one 128 MiB apart does not), some writing a
 * page again: every page written reads dirty once, no other.
 */
static void test_vec_far_pages(void **state)
{
	static const uint64_t base = 1ULL << 40;
	static const uint64_t off[3] = { 0, 2ULL << 30, 128ULL << 20 };
	static const unsigned int order[8] = { 0, 1, 0, 2, 2, 1, 0, 0 };
	struct iodirty_dma_seg s[8];
	struct iodirty_domain *d;
	uint8_t *ram, src[8 * 16];
	uint64_t done = 0, bm;
	unsigned int i;

	(void)state;
	if (!(t_caps.flags & IODIRTY_CAP_DMA_RW)) {
		TC_SKIP("backend has no IODIRTY_CAP_DMA_RW\n");
	}
	d = t_domain(48, 0);
	ram = t_ram(3 * P, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(iodirty_map(d, base + off[i], ram + i * P, P,
					     RW), 0);
	assert_int_equal(iodirty_set_dirty_tracking(d, true), 0);
	memset(ram, 0, 3 * P);
	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i + 1);
	for (i = 0; i < 8; i++)
		s[i] = (struct iodirty_dma_seg){ base + off[order[i]] + i * 16,
						 16, src + i * 16 };
	assert_int_equal(iodirty_dma_writev(d, s, 8, &done), 0);
	T_EQ(done, sizeof(src));
	for (i = 0; i < 8; i++)
		assert_memory_equal(ram + order[i] * P + i * 16, src + i * 16,
				    16);
	for (i = 0; i < 3; i++) {
		bm = 0;
		assert_int_equal(iodirty_read_dirty(d, base + off[i], P, P,
						    &bm, 0), 1);
		T_EQ(bm, 1);
		bm = 0;
		assert_int_equal(iodirty_read_dirty(d, base + off[i], P, P,
						    &bm, 0), 0);
	}
	iodirty_domain_destroy(d);
	t_ram_free(ram, 3 * P);
}

/* A backend without software DMA refuses the vectored calls too. */
static void test_vec_nocap(void **state)
{
	struct iodirty_domain *d;
	uint8_t b[8];
	struct iodirty_dma_seg s = { 0, 8, b };
	uint64_t done = 99;

	(void)state;
	if (t_caps.flags & IODIRTY_CAP_DMA_RW) {
		TC_SKIP("backend has IODIRTY_CAP_DMA_RW\n");
	}
	d = t_domain(0, 0);
	assert_int_equal(iodirty_dma_writev(d, &s, 1, &done), -EOPNOTSUPP);
	assert_int_equal(iodirty_dma_readv(d, &s, 1, &done), -EOPNOTSUPP);
	iodirty_domain_destroy(d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writev_readv_roundtrip),
		cmocka_unit_test(test_vec_fail_segment),
		cmocka_unit_test(test_vec_first_failure_wins),
		cmocka_unit_test(test_vec_prechecks),
		cmocka_unit_test(test_vec_many),
		cmocka_unit_test(test_vec_tracking_off),
		cmocka_unit_test(test_vec_far_pages),
		cmocka_unit_test(test_writev_efault),
		cmocka_unit_test(test_vec_nocap),
	};
	int rc;

	(void)argc;
	t_init(argv[0]);
	rc = cmocka_run_group_tests_name("api_dmav", tests, NULL, NULL);
	t_fini();
	return rc;
}
