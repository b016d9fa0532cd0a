/* SPDX-License-Identifier: MIT */
/*
 * Built against the installed header and library only (pkg-config
 * libiodirty). Maps a buffer, writes to it by DMA with dirty tracking on,
 * and checks the dirty bitmap and the atomic unmap report.
 * Exit: 0 ok, 1 failure, 77 the selected backend lacks DMA or tracking.
 */
#include <libiodirty/iodirty.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPAGES 4
#define IOVA 0x100000u

static int fails;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "install-test.c:%d: %s: ",	\
				__LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			fails++;					\
			goto out;					\
		}							\
	} while (0)

int main(void)
{
	struct iodirty_ctx *ctx = NULL;
	struct iodirty_domain *dom = NULL;
	struct iodirty_caps caps = IODIRTY_OPTS(iodirty_caps);
	struct iodirty_domain_opts dopts = IODIRTY_OPTS(iodirty_domain_opts,
							.granule = IODIRTY_PAGE_SIZE);
	const uint64_t len = NPAGES * IODIRTY_PAGE_SIZE;
	const char msg[] = "written by DMA";
	uint64_t bitmap[1] = { 0 };
	char backend[32] = "";
	unsigned char *buf;
	int64_t n;
	int ret;

	buf = aligned_alloc(IODIRTY_PAGE_SIZE, len);
	if (!buf) {
		fprintf(stderr, "aligned_alloc failed\n");
		return 1;
	}
	memset(buf, 0, len);

	{
		/* Header and library come from one installation. */
		const char *v = NULL;
		uint32_t code = iodirty_version(&v);

		CHECK(code == IODIRTY_VERSION_CODE(IODIRTY_VERSION_MAJOR,
						   IODIRTY_VERSION_MINOR,
						   IODIRTY_VERSION_PATCH),
		      "library version 0x%" PRIx32 ", header %s", code,
		      IODIRTY_VERSION_STRING);
		CHECK(v && !strcmp(v, IODIRTY_VERSION_STRING),
		      "library version \"%s\", header \"%s\"", v ? v : "(null)",
		      IODIRTY_VERSION_STRING);
	}
	ret = iodirty_ctx_open(NULL, NULL, &ctx);
	CHECK(ret == 0, "iodirty_ctx_open: %s", iodirty_strerror(ret));
	snprintf(backend, sizeof(backend), "%s", iodirty_ctx_backend(ctx));
	ret = iodirty_ctx_caps(ctx, &caps);
	CHECK(ret == 0, "iodirty_ctx_caps: %s", iodirty_strerror(ret));
	if (!(caps.flags & IODIRTY_CAP_DMA_RW) ||
	    !(caps.flags & IODIRTY_CAP_DIRTY_TRACKING)) {
		printf("skip: backend %s lacks DMA or dirty tracking\n",
		       backend);
		iodirty_ctx_close(ctx);
		free(buf);
		return 77;
	}

	ret = iodirty_domain_create(ctx, &dopts, &dom);
	CHECK(ret == 0, "iodirty_domain_create: %s", iodirty_strerror(ret));
	ret = iodirty_map(dom, IOVA, buf, len,
			  IODIRTY_MAP_READ | IODIRTY_MAP_WRITE);
	CHECK(ret == 0, "iodirty_map: %s", iodirty_strerror(ret));
	ret = iodirty_set_dirty_tracking(dom, true);
	CHECK(ret == 0, "iodirty_set_dirty_tracking: %s", iodirty_strerror(ret));

	/* Page 2 is written; only bit 2 may be reported. */
	ret = iodirty_dma_write(dom, IOVA + 2 * IODIRTY_PAGE_SIZE + 100, msg,
				sizeof(msg));
	CHECK(ret == 0, "iodirty_dma_write: %s", iodirty_strerror(ret));
	CHECK(memcmp(buf + 2 * IODIRTY_PAGE_SIZE + 100, msg, sizeof(msg)) == 0,
	      "DMA write did not reach the buffer");

	n = iodirty_read_dirty(dom, IOVA, len, IODIRTY_PAGE_SIZE, bitmap, 0);
	CHECK(n == 1, "iodirty_read_dirty returned %" PRId64, n);
	CHECK(bitmap[0] == UINT64_C(1) << 2, "bitmap 0x%" PRIx64, bitmap[0]);

	/* Read-and-clear cleared it. */
	bitmap[0] = 0;
	n = iodirty_read_dirty(dom, IOVA, len, IODIRTY_PAGE_SIZE, bitmap, 0);
	CHECK(n == 0 && bitmap[0] == 0, "second read: %" PRId64 " 0x%" PRIx64,
	      n, bitmap[0]);

	/* Unmap with the atomic dirty report: page 1 is reported. */
	ret = iodirty_dma_write(dom, IOVA + IODIRTY_PAGE_SIZE, msg, 1);
	CHECK(ret == 0, "iodirty_dma_write: %s", iodirty_strerror(ret));
	{
		struct iodirty_unmap_opts uopts = IODIRTY_OPTS(iodirty_unmap_opts,
			.page_size = IODIRTY_PAGE_SIZE, .dirty_bitmap = bitmap);

		ret = iodirty_unmap(dom, IOVA, len, &uopts);
		CHECK(ret == 0, "iodirty_unmap: %s", iodirty_strerror(ret));
		CHECK(uopts.unmapped == len, "unmapped %" PRIu64, uopts.unmapped);
		CHECK(bitmap[0] == UINT64_C(1) << 1, "unmap bitmap 0x%" PRIx64,
		      bitmap[0]);
	}
	ret = iodirty_dma_write(dom, IOVA, msg, 1);
	CHECK(ret == -ENOENT, "DMA after unmap: %s", iodirty_strerror(ret));

out:
	iodirty_domain_destroy(dom);
	iodirty_ctx_close(ctx);
	free(buf);
	if (fails)
		return 1;
	printf("ok: C program against installed libiodirty (backend %s)\n",
	       backend);
	return 0;
}
