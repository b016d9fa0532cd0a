/* SPDX-License-Identifier: MIT */
/*
 * C++20 twin of install-test.c: the public header must compile as C++
 * (extern "C", IODIRTY_OPTS with designated initialisers) and link against
 * the installed library through pkg-config.
 * Exit: 0 ok, 1 failure, 77 the selected backend lacks DMA or tracking.
 */
#include <libiodirty/iodirty.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace {

/*
 * IODIRTY_OPTS must work wherever a C++ initialiser may stand: at namespace
 * scope and as a default member initialiser too, not only in a function.
 */
const iodirty_domain_opts default_domain_opts =
	IODIRTY_OPTS(iodirty_domain_opts, .granule = IODIRTY_PAGE_SIZE);
/* Since 0.5: an empty list, as a macro forwarding its own one passes. */
#define CAPS_OPTS(...) IODIRTY_OPTS(iodirty_caps, __VA_ARGS__)
const iodirty_caps empty_list_caps = IODIRTY_OPTS(iodirty_caps, );
const iodirty_caps forwarded_caps = CAPS_OPTS();

struct holder {
	iodirty_caps caps = IODIRTY_OPTS(iodirty_caps);
};

struct ctx_closer {
	void operator()(iodirty_ctx *c) const { iodirty_ctx_close(c); }
};
struct domain_destroyer {
	void operator()(iodirty_domain *d) const { iodirty_domain_destroy(d); }
};
struct free_deleter {
	void operator()(void *p) const { std::free(p); }
};

bool check(bool cond, std::string_view what, int line)
{
	if (!cond)
		std::fprintf(stderr, "install-test.cpp:%d: %.*s\n", line,
			     static_cast<int>(what.size()), what.data());
	return cond;
}

#define CHECK(cond, what)						\
	do {								\
		if (!check((cond), (what), __LINE__))			\
			return 1;					\
	} while (0)

std::string err(int ret)
{
	return iodirty_strerror(ret);
}

} // namespace

int main()
{
	constexpr std::uint64_t iova = 0x100000;
	constexpr std::uint64_t npages = 4;
	constexpr std::uint64_t len = npages * IODIRTY_PAGE_SIZE;
	constexpr char msg[] = "written by DMA from C++";

	std::unique_ptr<unsigned char, free_deleter> buf(static_cast<unsigned char *>(
		std::aligned_alloc(IODIRTY_PAGE_SIZE, len)));
	CHECK(buf != nullptr, "aligned_alloc failed");
	std::memset(buf.get(), 0, len);

	// The version macros are constant expressions in C++ too.
	constexpr std::uint32_t header_version = IODIRTY_VERSION_CODE(
		IODIRTY_VERSION_MAJOR, IODIRTY_VERSION_MINOR, IODIRTY_VERSION_PATCH);
	const char *lib_version = nullptr;
	CHECK(iodirty_version(&lib_version) == header_version,
	      "library and header versions differ");
	CHECK(lib_version && std::string_view(lib_version) == IODIRTY_VERSION_STRING,
	      "library version string differs from the header's");

	iodirty_ctx *raw_ctx = nullptr;
	int ret = iodirty_ctx_open(nullptr, nullptr, &raw_ctx);
	CHECK(ret == 0, "iodirty_ctx_open: " + err(ret));
	std::unique_ptr<iodirty_ctx, ctx_closer> ctx(raw_ctx);
	const std::string backend = iodirty_ctx_backend(ctx.get());

	holder h;
	iodirty_caps &caps = h.caps;
	ret = iodirty_ctx_caps(ctx.get(), &caps);
	CHECK(ret == 0, "iodirty_ctx_caps: " + err(ret));
	if (!(caps.flags & IODIRTY_CAP_DMA_RW) ||
	    !(caps.flags & IODIRTY_CAP_DIRTY_TRACKING)) {
		std::printf("skip: backend %s lacks DMA or dirty tracking\n",
			    backend.c_str());
		return 77;
	}

	/* Designated initialisers in declaration order, as C++20 requires. */
	const iodirty_domain_opts dopts = IODIRTY_OPTS(iodirty_domain_opts,
		.iova_bits = 0, .flags = 0, .granule = IODIRTY_PAGE_SIZE);
	CHECK(dopts.sz == default_domain_opts.sz &&
	      dopts.granule == default_domain_opts.granule,
	      "IODIRTY_OPTS at namespace scope");
	CHECK(empty_list_caps.sz == sizeof(iodirty_caps) &&
	      forwarded_caps.sz == sizeof(iodirty_caps) &&
	      !empty_list_caps.flags && !forwarded_caps.flags,
	      "IODIRTY_OPTS with an empty list");
	iodirty_domain *raw_dom = nullptr;
	ret = iodirty_domain_create(ctx.get(), &dopts, &raw_dom);
	CHECK(ret == 0, "iodirty_domain_create: " + err(ret));
	std::unique_ptr<iodirty_domain, domain_destroyer> dom(raw_dom);

	ret = iodirty_map(dom.get(), iova, buf.get(), len,
			  IODIRTY_MAP_READ | IODIRTY_MAP_WRITE);
	CHECK(ret == 0, "iodirty_map: " + err(ret));
	ret = iodirty_set_dirty_tracking(dom.get(), true);
	CHECK(ret == 0, "iodirty_set_dirty_tracking: " + err(ret));

	/* Last page is written; only bit 3 may be reported. */
	const std::uint64_t off = 3 * IODIRTY_PAGE_SIZE + 7;
	ret = iodirty_dma_write(dom.get(), iova + off, msg, sizeof(msg));
	CHECK(ret == 0, "iodirty_dma_write: " + err(ret));
	CHECK(std::memcmp(buf.get() + off, msg, sizeof(msg)) == 0,
	      "DMA write did not reach the buffer");

	char back[sizeof(msg)] = {};
	ret = iodirty_dma_read(dom.get(), iova + off, back, sizeof(back));
	CHECK(ret == 0, "iodirty_dma_read: " + err(ret));
	CHECK(std::memcmp(back, msg, sizeof(msg)) == 0, "DMA read mismatch");

	std::uint64_t bitmap[1] = {};
	std::int64_t n = iodirty_read_dirty(dom.get(), iova, len,
					    IODIRTY_PAGE_SIZE, bitmap, 0);
	CHECK(n == 1, "iodirty_read_dirty returned " + std::to_string(n));
	CHECK(bitmap[0] == std::uint64_t{1} << 3,
	      "bitmap " + std::to_string(bitmap[0]));

	/* Unmap with the atomic dirty report: page 0 is reported. */
	ret = iodirty_dma_write(dom.get(), iova, msg, 1);
	CHECK(ret == 0, "iodirty_dma_write: " + err(ret));
	bitmap[0] = 0;
	iodirty_unmap_opts uopts = IODIRTY_OPTS(iodirty_unmap_opts,
		.page_size = IODIRTY_PAGE_SIZE, .dirty_bitmap = bitmap);
	ret = iodirty_unmap(dom.get(), iova, len, &uopts);
	CHECK(ret == 0, "iodirty_unmap: " + err(ret));
	CHECK(uopts.unmapped == len,
	      "unmapped " + std::to_string(uopts.unmapped));
	CHECK(bitmap[0] == 1, "unmap bitmap " + std::to_string(bitmap[0]));

	ret = iodirty_dma_write(dom.get(), iova, msg, 1);
	CHECK(ret == -ENOENT, "DMA after unmap: " + err(ret));

	std::printf("ok: C++ program against installed libiodirty (backend %s)\n",
		    backend.c_str());
	return 0;
}
