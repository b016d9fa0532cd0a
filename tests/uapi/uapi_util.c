// SPDX-License-Identifier: MIT
/*
 * Shared helpers of the raw uAPI tests: thin ioctl wrappers that build
 * the argument structs with their full size, plus memory and snapshot
 * helpers.
 */
#include "uapi_util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct iodirty_info u_info;
int u_fd = -1;

int u_group_open(void **state)
{
	(void)state;
	u_fd = u_open();
	return u_fd < 0 ? -1 : 0;
}

int u_group_close(void **state)
{
	(void)state;
	close(u_fd);
	u_fd = -1;
	return 0;
}

void u_init(const char *prog)
{
	int fd, rc;

	if (access(U_DEV, F_OK)) {
		printf("%s: %s does not exist: skipped\n", prog, U_DEV);
		exit(U_SKIP);
	}
	fd = u_open();
	if (fd < 0) {
		fprintf(stderr, "%s: open %s: %s\n", prog, U_DEV,
			strerror(-fd));
		exit(1);
	}
	memset(&u_info, 0, sizeof(u_info));
	u_info.size = sizeof(u_info);
	rc = u_ioctl(fd, IODIRTY_GET_INFO, &u_info);
	close(fd);
	if (rc) {
		fprintf(stderr, "%s: GET_INFO: %s\n", prog, strerror(-rc));
		exit(1);
	}
}

bool u_has(uint64_t caps)
{
	return (u_info.out_capabilities & caps) == caps;
}

int u_open(void)
{
	int fd = open(U_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int u_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int u_ioas_alloc(int fd, uint32_t iova_bits, uint32_t granule_shift,
		 uint32_t *id)
{
	struct iodirty_ioas_alloc a = {
		.size = sizeof(a),
		.iova_bits = iova_bits,
		.granule_shift = granule_shift,
	};
	int rc = u_ioctl(fd, IODIRTY_IOAS_ALLOC, &a);

	if (!rc)
		*id = a.out_ioas_id;
	return rc;
}

int u_destroy(int fd, uint32_t id)
{
	struct iodirty_destroy d = { .size = sizeof(d), .id = id };

	return u_ioctl(fd, IODIRTY_DESTROY, &d);
}

int u_map(int fd, uint32_t ioas, uint64_t iova, const void *va, uint64_t len,
	  uint32_t flags)
{
	struct iodirty_ioas_map m = {
		.size = sizeof(m),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	return u_ioctl(fd, IODIRTY_IOAS_MAP, &m);
}

int u_unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
	    uint32_t flags, uint64_t *unmapped)
{
	struct iodirty_ioas_unmap u = {
		.size = sizeof(u),
		.flags = flags,
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int rc = u_ioctl(fd, IODIRTY_IOAS_UNMAP, &u);

	if (!rc && unmapped)
		*unmapped = u.out_unmapped;
	return rc;
}

int u_unmap_dirty(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
		  uint32_t flags, uint64_t page_size, uint64_t *bm,
		  uint64_t *unmapped)
{
	struct iodirty_ioas_unmap u = {
		.size = sizeof(u),
		.flags = flags | IODIRTY_UNMAP_DIRTY_BITMAP,
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
		.page_size = page_size,
		.dirty_bitmap = (uintptr_t)bm,
	};
	int rc = u_ioctl(fd, IODIRTY_IOAS_UNMAP, &u);

	if (!rc && unmapped)
		*unmapped = u.out_unmapped;
	return rc;
}

int u_translate(int fd, uint32_t ioas, uint64_t iova, uint64_t *va,
		uint64_t *contig)
{
	struct iodirty_ioas_translate t = {
		.size = sizeof(t),
		.ioas_id = ioas,
		.iova = iova,
	};
	int rc = u_ioctl(fd, IODIRTY_IOAS_TRANSLATE, &t);

	if (!rc) {
		if (va)
			*va = t.out_user_va;
		if (contig)
			*contig = t.out_contig;
	}
	return rc;
}

int u_tracking(int fd, uint32_t ioas, bool enable)
{
	struct iodirty_set_dirty_tracking t = {
		.size = sizeof(t),
		.flags = enable ? IODIRTY_TRACKING_ENABLE : 0,
		.ioas_id = ioas,
	};

	return u_ioctl(fd, IODIRTY_SET_DIRTY_TRACKING, &t);
}

int64_t u_dirty(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
		uint64_t page_size, uint64_t *bm, uint32_t flags)
{
	struct iodirty_get_dirty_bitmap g = {
		.size = sizeof(g),
		.flags = flags,
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
		.page_size = page_size,
		.data = (uintptr_t)bm,
	};
	int rc = u_ioctl(fd, IODIRTY_GET_DIRTY_BITMAP, &g);

	return rc ? rc : (int64_t)g.out_nr_set;
}

int u_dma(int fd, uint32_t ioas, uint64_t iova, void *buf, uint64_t len,
	  uint32_t flags)
{
	struct iodirty_dma_rw d = {
		.size = sizeof(d),
		.flags = flags,
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
		.data = (uintptr_t)buf,
	};

	return u_ioctl(fd, IODIRTY_DMA_RW, &d);
}

int u_stats(int fd, uint32_t ioas, struct iodirty_ioas_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->ioas_id = ioas;
	return u_ioctl(fd, IODIRTY_IOAS_STATS, st);
}

int u_reserve(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
	      uint32_t type, uint32_t flags)
{
	struct iodirty_ioas_reserve r = {
		.size = sizeof(r),
		.flags = flags,
		.ioas_id = ioas,
		.type = type,
		.iova = iova,
		.length = len,
	};

	return u_ioctl(fd, IODIRTY_IOAS_RESERVE, &r);
}

int u_ranges(int fd, uint32_t ioas, uint32_t flags,
	     struct iodirty_iova_range *out, uint32_t *num)
{
	struct iodirty_ioas_iova_ranges r = {
		.size = sizeof(r),
		.flags = flags,
		.ioas_id = ioas,
		.num_ranges = *num,
		.ranges = (uintptr_t)out,
		.entry_size = sizeof(*out),
	};
	int rc = u_ioctl(fd, IODIRTY_IOAS_IOVA_RANGES, &r);

	if (!rc || rc == -EMSGSIZE)
		*num = r.num_ranges;
	return rc;
}

int u_open_ok(void)
{
	int fd = u_open();

	if (fd < 0)
		print_error("open %s: %s\n", U_DEV, strerror(-fd));
	assert_true(fd >= 0);
	return fd;
}

uint32_t u_ioas_ok(int fd, uint32_t iova_bits, uint32_t granule_shift)
{
	uint32_t id = 0;

	U_EQ(u_ioas_alloc(fd, iova_bits, granule_shift, &id), 0);
	/* IDs start at 1: 0 is never an object. */
	assert_true(id != 0);
	return id;
}

void u_map_ok(int fd, uint32_t ioas, uint64_t iova, const void *va,
	      uint64_t len, uint32_t flags)
{
	int rc = u_map(fd, ioas, iova, va, len, flags);

	if (rc)
		print_error("MAP iova 0x%" PRIx64 " va %p len 0x%" PRIx64
			    " flags %u: %s\n", iova, va, len, flags,
			    strerror(-rc));
	assert_int_equal(rc, 0);
}

uint64_t u_unmap_ok(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
		    uint32_t flags)
{
	uint64_t n = ~0ULL;
	int rc = u_unmap(fd, ioas, iova, len, flags, &n);

	if (rc)
		print_error("UNMAP iova 0x%" PRIx64 " len 0x%" PRIx64
			    " flags %u: %s\n", iova, len, flags,
			    strerror(-rc));
	assert_int_equal(rc, 0);
	return n;
}

void u_stats_ok(int fd, uint32_t ioas, struct iodirty_ioas_stats *st)
{
	U_EQ(u_stats(fd, ioas, st), 0);
}

void u_tracking_ok(int fd, uint32_t ioas, bool enable)
{
	U_EQ(u_tracking(fd, ioas, enable), 0);
}

void u_dma_ok(int fd, uint32_t ioas, uint64_t iova, void *buf, uint64_t len,
	      uint32_t flags)
{
	int rc = u_dma(fd, ioas, iova, buf, len, flags);

	if (rc)
		print_error("DMA_RW iova 0x%" PRIx64 " len 0x%" PRIx64
			    " flags %u: %s\n", iova, len, flags,
			    strerror(-rc));
	assert_int_equal(rc, 0);
}

void u_expect_stats(int fd, uint32_t ioas, uint64_t mapped_bytes,
		    uint64_t mappings, uint64_t holes)
{
	struct iodirty_ioas_stats st;

	u_stats_ok(fd, ioas, &st);
	if (st.out_mapped_bytes != mapped_bytes ||
	    st.out_mappings != mappings || st.out_holes != holes)
		print_error("STATS: mapped 0x%llx runs %llu holes %llu; "
			    "expected 0x%" PRIx64 " %" PRIu64 " %" PRIu64
			    "\n", (unsigned long long)st.out_mapped_bytes,
			    (unsigned long long)st.out_mappings,
			    (unsigned long long)st.out_holes, mapped_bytes,
			    mappings, holes);
	assert_true(st.out_mapped_bytes == mapped_bytes);
	assert_true(st.out_mappings == mappings);
	assert_true(st.out_holes == holes);
}

void *u_ram(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

void *u_ram_memfd(size_t len, int *memfd)
{
	int fd = memfd_create("iodirty-uapi", MFD_CLOEXEC);
	void *p;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	*memfd = fd;
	return p;
}

void u_ram_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

uint64_t u_popcount(const uint64_t *bm, size_t words)
{
	uint64_t n = 0;

	for (size_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bm[i]);
	return n;
}

void u_snap(int fd, uint32_t ioas, uint64_t probe, uint64_t win,
	    struct u_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->stats_rc = u_stats(fd, ioas, &s->st);
	s->nresv = U_ARRAY_SIZE(s->resv);
	s->resv_rc = u_ranges(fd, ioas, IODIRTY_RANGES_RESERVED, s->resv,
			      &s->nresv);
	s->tr_rc = u_translate(fd, ioas, probe, &s->tr_va, &s->tr_contig);
	s->dirty_rc = -ENODATA;
	if (!s->stats_rc && s->st.out_tracking)
		s->dirty_rc = u_dirty(fd, ioas, win, 64 * U_PAGE,
				      s->st.out_granule > U_PAGE ?
				      s->st.out_granule : U_PAGE,
				      &s->dirty, IODIRTY_DIRTY_NO_CLEAR);
}

void u_snap_equal(const struct u_snap *b, const struct u_snap *a)
{
	U_EQ(a->stats_rc, b->stats_rc);
	U_EQ(a->st.out_tracking, b->st.out_tracking);
	U_EQ(a->st.out_mapped_bytes, b->st.out_mapped_bytes);
	U_EQ(a->st.out_mappings, b->st.out_mappings);
	U_EQ(a->st.out_holes, b->st.out_holes);
	U_EQ(a->st.out_dirty_pending, b->st.out_dirty_pending);
	/* The "before" snapshot's own NO_CLEAR read counts as a read. */
	U_EQ(a->st.out_reads, b->st.out_reads + (b->dirty_rc >= 0));
	U_EQ(a->st.out_clears, b->st.out_clears);
	U_EQ(a->st.out_granule, b->st.out_granule);
	U_EQ(a->st.out_iova_bits, b->st.out_iova_bits);
	U_EQ(a->st.out_holds, b->st.out_holds);
	U_EQ(a->resv_rc, b->resv_rc);
	U_EQ(a->nresv, b->nresv);
	if (!a->resv_rc)
		assert_memory_equal(a->resv, b->resv,
				    a->nresv * sizeof(a->resv[0]));
	U_EQ(a->tr_rc, b->tr_rc);
	U_EQ(a->tr_va, b->tr_va);
	U_EQ(a->tr_contig, b->tr_contig);
	U_EQ(a->dirty_rc, b->dirty_rc);
	U_EQ(a->dirty, b->dirty);
}
