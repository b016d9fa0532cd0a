/* SPDX-License-Identifier: MIT */
/* Uses libiodirty from a parent project: map, write by DMA, read dirty. */
#include <libiodirty/iodirty.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	struct iodirty_ctx *ctx = NULL;
	struct iodirty_domain *dom = NULL;
	uint64_t bitmap = 0;
	const char *v;
	void *buf;
	int ret;

	if (iodirty_version(&v) != IODIRTY_VERSION_CODE(IODIRTY_VERSION_MAJOR,
							 IODIRTY_VERSION_MINOR,
							 IODIRTY_VERSION_PATCH))
		return 1;
	buf = aligned_alloc(IODIRTY_PAGE_SIZE, 4 * IODIRTY_PAGE_SIZE);
	if (!buf)
		return 1;
	memset(buf, 0, 4 * IODIRTY_PAGE_SIZE);
	ret = iodirty_ctx_open("soft", NULL, &ctx);
	if (!ret)
		ret = iodirty_domain_create(ctx, NULL, &dom);
	if (!ret)
		ret = iodirty_map(dom, 0x10000, buf, 4 * IODIRTY_PAGE_SIZE,
				  IODIRTY_MAP_READ | IODIRTY_MAP_WRITE);
	if (!ret)
		ret = iodirty_set_dirty_tracking(dom, true);
	if (!ret)
		ret = iodirty_dma_write(dom, 0x10000 + 2 * IODIRTY_PAGE_SIZE, "x", 1);
	/* One page written: one bit, the third. */
	if (!ret && (iodirty_read_dirty(dom, 0x10000, 4 * IODIRTY_PAGE_SIZE,
					IODIRTY_PAGE_SIZE, &bitmap, 0) != 1 ||
		     bitmap != 4))
		ret = 1;
	printf("parent: libiodirty %s, %s (bitmap 0x%llx)\n", v,
	       ret ? "FAILED" : "ok", (unsigned long long)bitmap);
	iodirty_domain_destroy(dom);
	iodirty_ctx_close(ctx);
	free(buf);
	return ret ? 1 : 0;
}
