// SPDX-License-Identifier: MIT
/* Common setup of the iommufd backend tests (see fixture.h). */
#include "fixture.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

/* Bitmap words f_check() puts after the report, which must stay as set. */
#define GUARD_WORDS 4
#define GUARD 0x5aa5c33c0ff0e11eULL

static int open_ctx(int fd, struct iodirty_ctx **ctx)
{
	struct iodirty_ctx_opts o = IODIRTY_OPTS(iodirty_ctx_opts,
						 .flags = IODIRTY_CTX_ADOPT_FD,
						 .fd = fd);

	return iodirty_ctx_open("iommufd", &o, ctx);
}

void f_init(const char *prog)
{
	struct iodirty_caps caps = IODIRTY_OPTS(iodirty_caps);
	struct iodirty_ctx *ctx;
	int fd, rc;

	fd = mock_open();
	if (fd < 0) {
		fprintf(stderr, "%s: SKIP: cannot open %s: %s\n", prog,
			MOCK_DEV_PATH, strerror(-fd));
		exit(F_SKIP);
	}
	rc = mock_probe(fd);
	if (rc) {
		/* ENOTTY: no IOMMU_TEST_CMD (CONFIG_IOMMUFD_TEST off); other
		 * errors: a kernel whose test ops differ from these. */
		fprintf(stderr, "%s: SKIP: no iommufd selftest mock device: %s\n",
			prog, strerror(-rc));
		close(fd);
		exit(F_SKIP);
	}
	rc = open_ctx(fd, &ctx);
	if (rc == -EOPNOTSUPP || rc == -ENODEV) {
		fprintf(stderr, "%s: SKIP: no iommufd backend: %s\n", prog,
			iodirty_strerror(rc));
		close(fd);
		exit(F_SKIP);
	}
	if (rc) {
		fprintf(stderr, "%s: iodirty_ctx_open(iommufd, ADOPT_FD): %s\n",
			prog, iodirty_strerror(rc));
		exit(1);
	}
	rc = iodirty_ctx_caps(ctx, &caps);
	if (rc) {
		fprintf(stderr, "%s: iodirty_ctx_caps: %s\n", prog,
			iodirty_strerror(rc));
		exit(1);
	}
	if (!(caps.flags & IODIRTY_CAP_ATTACH) ||
	    !(caps.flags & IODIRTY_CAP_DIRTY_TRACKING)) {
		/* A backend that names itself iommufd must attach devices. */
		fprintf(stderr, "%s: iommufd backend lacks ATTACH or "
			"DIRTY_TRACKING (caps 0x%" PRIx64 ")\n", prog,
			caps.flags);
		exit(1);
	}
	printf("# %s: backend %s, caps 0x%" PRIx64 "\n", prog,
	       iodirty_ctx_backend(ctx), caps.flags);
	fflush(stdout);
	iodirty_ctx_close(ctx);
	close(fd);
}

int f_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int rc;

	assert_non_null(f);
	f->fd = mock_open();
	assert_true(f->fd >= 0);
	rc = open_ctx(f->fd, &f->ctx);
	F_EQ(rc, 0);
	/* The default IOVA width: the mock aperture lies far below it. */
	F_EQ(iodirty_domain_create(f->ctx, NULL, &f->dom), 0);
	F_EQ(iodirty_domain_id(f->dom, &f->ioas), 0);
	*state = f;
	return 0;
}

int f_teardown(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < f->ndevs; i++) {
		struct f_dev *d = &f->devs[i];

		/* As a VMM would: move the device off the library's HWPT,
		 * let the library drop the HWPT, then unplug the device. */
		if (d->on_hwpt)
			f_dev_unplug(f, d);
		if (d->attached)
			F_EQ(iodirty_domain_detach(f->dom, d->idev), 0);
		F_EQ(mock_device_remove(f->fd, d->stdev), 0);
	}
	iodirty_domain_destroy(f->dom);
	iodirty_ctx_close(f->ctx);
	/* The caller's fd stays usable after the context closed its dup. */
	F_EQ(raw_destroy(f->fd, 0), -ENOENT);
	close(f->fd);
	free(f);
	return 0;
}

int f_dev_add(struct fx *f, uint32_t dev_flags, struct f_dev **out)
{
	return f_dev_add_opts(f, dev_flags, 0, out);
}

int f_dev_add_opts(struct fx *f, uint32_t dev_flags, uint64_t max_iopte,
		   struct f_dev **out)
{
	struct iodirty_attach_opts ao = IODIRTY_OPTS(iodirty_attach_opts,
						     .max_iopte = max_iopte);
	struct f_dev *d;
	uint32_t auto_hwpt;
	int rc;

	assert_true(f->ndevs < F_MAX_DEVS);
	d = &f->devs[f->ndevs];
	memset(d, 0, sizeof(*d));
	F_EQ(mock_device_add(f->fd, f->ioas, dev_flags, &d->stdev,
			     &auto_hwpt, &d->idev), 0);
	f->ndevs++;
	rc = iodirty_domain_attach(f->dom, d->idev, &ao);
	if (!rc) {
		d->attached = true;
		d->hwpt = ao.out_hwpt_id;
		assert_true(d->hwpt != 0);
		assert_true(d->hwpt != auto_hwpt);
		F_EQ(mock_device_replace(f->fd, d->stdev, d->hwpt), 0);
		d->on_hwpt = true;
	}
	if (out)
		*out = d;
	return rc;
}

void f_dev_unplug(struct fx *f, struct f_dev *d)
{
	F_EQ(mock_device_replace(f->fd, d->stdev, f->ioas), 0);
	d->on_hwpt = false;
}

void *f_mem(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

void *f_huge_mem(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Fault the pages in now: a reservation can still fail here. */
	memset(p, 0, len);
	return p;
}

void f_mem_free(void *p, size_t len)
{
	munmap(p, len);
}

void f_map(struct fx *f, uint64_t iova, void *va, uint64_t len)
{
	F_EQ(iodirty_map(f->dom, iova, va, len, F_RW), 0);
}

void f_write(struct fx *f, const struct f_dev *d, uint64_t iova,
	     uint64_t len)
{
	int64_t nr = mock_write(f->fd, d->hwpt, iova, len);

	if (nr <= 0)
		print_error("mock write [0x%" PRIx64 ", +0x%" PRIx64 ") on "
			    "hwpt %u: %lld\n", iova, len, d->hwpt,
			    (long long)nr);
	assert_true(nr > 0);
}

void f_expect(uint64_t *bm, uint64_t iova, uint64_t len, uint64_t page_size,
	      const uint64_t *w, size_t n)
{
	uint64_t pages = len / page_size;

	memset(bm, 0, (pages + 63) / 64 * sizeof(*bm));
	for (size_t i = 0; i < n; i++) {
		uint64_t s = w[2 * i], e = s + w[2 * i + 1];

		if (e <= iova || s >= iova + len)
			continue;
		if (s < iova)
			s = iova;
		if (e > iova + len)
			e = iova + len;
		for (uint64_t p = (s - iova) / page_size;
		     p <= (e - 1 - iova) / page_size; p++)
			bm[p / 64] |= 1ULL << (p % 64);
	}
}

void f_assert_bits(const uint64_t *got, const uint64_t *exp, uint64_t bits,
		   uint64_t iova, uint64_t page_size)
{
	int shown = 0, bad = 0;

	for (uint64_t i = 0; i < bits; i++) {
		int g = (got[i / 64] >> (i % 64)) & 1;
		int e = (exp[i / 64] >> (i % 64)) & 1;

		if (g == e)
			continue;
		bad++;
		if (shown++ < 32)
			print_error("page 0x%" PRIx64 " (bit %" PRIu64 "): "
				    "reported %s, expected %s\n",
				    iova + i * page_size, i,
				    g ? "dirty" : "clean",
				    e ? "dirty" : "clean");
	}
	if (bad > shown)
		print_error("... %d differing bits in all\n", bad);
	assert_int_equal(bad, 0);
}

void f_check(struct fx *f, uint64_t iova, uint64_t len, uint64_t page_size,
	     uint32_t flags, const uint64_t *w, size_t n)
{
	uint64_t bits = len / page_size;
	size_t words = (size_t)((bits + 63) / 64);
	uint64_t *got = calloc(words + GUARD_WORDS, sizeof(*got));
	uint64_t *exp = calloc(words, sizeof(*exp));
	int64_t rc;

	assert_non_null(got);
	assert_non_null(exp);
	for (size_t i = words; i < words + GUARD_WORDS; i++)
		got[i] = GUARD;
	f_expect(exp, iova, len, page_size, w, n);
	rc = iodirty_read_dirty(f->dom, iova, len, page_size, got, flags);
	if (rc < 0)
		print_error("read_dirty(0x%" PRIx64 ", 0x%" PRIx64 "): %s\n",
			    iova, len, iodirty_strerror((int)rc));
	assert_true(rc >= 0);
	f_assert_bits(got, exp, words * 64, iova, page_size);
	F_EQ(rc, f_popcount(exp, words));
	for (size_t i = words; i < words + GUARD_WORDS; i++)
		if (got[i] != GUARD) {
			print_error("bitmap word %zu past the report "
				    "changed: 0x%016" PRIx64 "\n", i, got[i]);
			fail();
		}
	free(got);
	free(exp);
}

void f_check_clean(struct fx *f, uint64_t iova, uint64_t len)
{
	f_check(f, iova, len, F_PAGE, IODIRTY_READ_NO_CLEAR, NULL, 0);
}

uint64_t f_overflows(struct fx *f)
{
	struct iodirty_stats st = IODIRTY_OPTS(iodirty_stats);

	F_EQ(iodirty_domain_stats(f->dom, &st), 0);
	return st.hw_read_overflows;
}

void f_upstream(const char *defect, const char *what, int rc, bool shows,
		const char *fmt, ...)
{
	char detail[256];
	const char *verdict;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!rc)
		verdict = shows ? "present" : "fixed";
	else
		verdict = shows ? "present, with an error" : "fixed by an error";
	if (rc)
		print_message("upstream defect %s (%s): %s (%d, %s): %s\n",
			      defect, what, verdict, rc, strerror(-rc),
			      detail);
	else
		print_message("upstream defect %s (%s): %s: %s\n", defect,
			      what, verdict, detail);
}
