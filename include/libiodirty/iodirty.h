/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * libiodirty: IO address spaces with device dirty-page tracking.
 *
 * This is the only public header. It declares opaque handles, options
 * structs and functions; there is no logic in it.
 *
 * Error convention
 * ----------------
 * Every function that can fail returns 0 (or a documented non-negative
 * value) on success and a negative errno on failure. errno is not used.
 * A failing call leaves the domain exactly as it was. The meaning of each
 * errno is fixed for the whole API:
 *
 *   -EINVAL        a value is malformed: NULL where a pointer is required,
 *                  an address or length not aligned as documented, a zero
 *                  length, a page size that is not a power of two or is
 *                  below the domain's dirty granule, an options struct whose
 *                  sz is smaller than its first field.
 *   -EOPNOTSUPP    an unknown flag bit, a non-zero reserved field, or a
 *                  feature this backend does not have (see iodirty_caps).
 *   -E2BIG         an options struct larger than this library knows, with
 *                  non-zero bytes in the part it does not know.
 *   -EOVERFLOW     iova + length (or addr + length) wraps around 2^64.
 *   -ERANGE        the range reaches beyond the domain's IOVA width.
 *   -EEXIST        map: the range overlaps a page that is already mapped;
 *                  reserve: the range overlaps another reserved region.
 *   -EADDRNOTAVAIL map: the range overlaps a reserved region.
 *   -EBUSY         reserve: the range overlaps a mapped page.
 *   -ENOENT        unmap: nothing is mapped in the range; DMA, mark-dirty,
 *                  translate: a page of the range is not mapped; unreserve:
 *                  no reserved region with exactly that range.
 *   -EACCES        DMA write through a mapping without IODIRTY_MAP_WRITE,
 *                  or DMA read through one without IODIRTY_MAP_READ;
 *                  context open: no permission to open the device.
 *   -ENODATA       a dirty report was requested while dirty tracking is off.
 *   -EMSGSIZE      an output array is too small; the needed count is
 *                  stored in *count.
 *   -ENOSPC        map: the domain already holds caps.max_mappings mappings.
 *   -EFAULT        map: @addr is NULL (page 0 is never mappable by a
 *                  process; every backend); (kernel backends) user memory
 *                  cannot be pinned or read.
 *   -ENOMEM        out of memory, or (kernel backends) the pinned pages
 *                  would exceed RLIMIT_MEMLOCK; nothing was changed.
 *   -ENODEV        the backend's device (e.g. /dev/iodirty) is not present,
 *                  or is not one the backend can drive.
 *   -ESTALE        iodirty_sg_put(): an unmap removed pages of the held
 *                  range while it was held (the hold is released).
 *   -E2BIG         also: a vector call with more segments than the
 *                  backend's kernel takes in one call.
 *
 * When a call breaks several rules at once, the errno of the first check
 * that fails is returned, in this order (the same on every backend, since
 * 0.5; tests/api/test_errno_precedence.c holds each case):
 *
 *   1. NULL handles and required pointers (-EINVAL), options structs (sz,
 *      -E2BIG, reserved fields and flags: -EOPNOTSUPP), the call's flags
 *      (-EOPNOTSUPP).
 *   2. Values, in argument order. map: the IOVA range, the user range, the
 *      permission bits (-EINVAL), then a NULL @addr (-EFAULT). unmap: the
 *      IOVA range, then the report's page size. Reads: the page size,
 *      then the range. A range's own rules go -EINVAL (zero length,
 *      alignment), then -EOVERFLOW (wraps), then -ERANGE (past the IOVA
 *      width): a range that both wraps and passes the width is -EOVERFLOW.
 *   3. The domain's state. map: a reserved region (-EADDRNOTAVAIL), then a
 *      mapped page (-EEXIST). unmap: a report while tracking is off
 *      (-ENODATA), then nothing mapped (-ENOENT). reserve: another reserved
 *      region (-EEXIST), then a mapped page (-EBUSY). DMA and mark-dirty:
 *      an unmapped page anywhere in the range (-ENOENT), then a missing
 *      permission (-EACCES).
 *   4. Resources (-ENOMEM; on kernel backends -EFAULT of memory that
 *      cannot be pinned, after every check above).
 *
 * Options structs
 * ---------------
 * Structs that may grow start with "size_t sz" holding sizeof() of the
 * struct the caller was compiled with. Initialise them with IODIRTY_OPTS(),
 * which zero-fills and sets sz. A newer library accepts an older, shorter
 * struct (fields past sz read as zero, and output fields past sz are not
 * written); an older library refuses a newer, longer one only if the caller
 * set a field it does not know (-E2BIG). sz below sizeof(size_t) is
 * -EINVAL. Passing NULL for an input options struct means all defaults.
 * The library supports 64-bit (LP64) targets only, where these structs have
 * no padding.
 *
 * Thread safety
 * -------------
 * - iodirty_ctx_open() and iodirty_ctx_close() must not race with other
 *   calls on the same context; distinct contexts are independent.
 *   iodirty_ctx_caps(), iodirty_ctx_backend() and iodirty_domain_create()
 *   may be called concurrently on one context. iodirty_strerror() is
 *   thread-safe.
 * - All domain functions may be called from any number of threads at once,
 *   except iodirty_domain_destroy(), which must be the last call on the
 *   domain.
 * - Map, unmap, reserve, unreserve, tracking start/stop and put-back
 *   (iodirty_set_dirty(), since 0.5) serialise with each other and with
 *   every other call on the domain. DMA, mark-dirty,
 *   translate, dirty reads, list and stats calls run in parallel with each
 *   other, with two exceptions on "iommufd": a dirty read there moves the
 *   devices' dirty bits into the library's copy first, and the usable-range
 *   list asks the kernel for the devices' apertures, both under the
 *   domain's lock, so they serialise with each other and with map, unmap,
 *   reserve, tracking changes, attach and detach. On "soft" and "iommufd",
 *   the other calls' locking writes only per-thread
 *   memory (userspace RCU), except within about 1 ms of a map, unmap,
 *   reserve or tracking change, when they share a reader/writer lock; a
 *   mark or DMA write of a page already dirty writes nothing shared at all.
 *   Each thread that calls them keeps a small block of per-thread state
 *   (about 1.5 KiB), freed when it exits.
 * - A domain with dirty logs exported for device processes (since 0.6,
 *   <libiodirty/shared_log.h>) takes them before each dirty read, unmap
 *   with a report and tracking change, under a lock of its own: there,
 *   those calls run one at a time. A device's mark through an imported
 *   log is reported as a mark-dirty of this process would be.
 * - No write is lost: a DMA write or mark-dirty that returned before a
 *   read-and-clear began is reported by that read-and-clear; one that runs
 *   concurrently with it is reported by it or by the next one, never by
 *   neither. A write that was reported once is not reported again unless it
 *   is written again (except that reads of ranges that cut a dirty granule
 *   report without clearing it, see iodirty_read_dirty_uaddr()).
 * - On backends with IODIRTY_CAP_UNMAP_DIRTY_ATOMIC, unmap with a dirty
 *   report is atomic: every write completed before the unmap returns is
 *   either in the returned bitmap or was reported by an earlier read, and
 *   DMA after the unmap fails with -ENOENT. Backends without it read, then
 *   unmap: a device write between the two can be lost; the caller must
 *   quiesce the device for the range first.
 */
#ifndef LIBIODIRTY_IODIRTY_H
#define LIBIODIRTY_IODIRTY_H

/*
 * g++ (12 at least) warns (-Wmissing-field-initializers) about every member
 * a C++20 designated initialiser leaves out, though they are zero by
 * definition, so IODIRTY_OPTS() would break -Wextra -Werror C++ builds. A
 * system header is exempt, in expansions of its macros too, as this header
 * already is when found through the default include path.
 */
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC system_header
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * IODIRTY_VERSION_MAJOR, _MINOR, _PATCH and _STRING: the version of this
 * header. iodirty_version() gives the version of the library actually
 * loaded, which may be newer.
 */
#include <libiodirty/iodirty_version.h>

/* A version as one comparable number: IODIRTY_VERSION_CODE(0, 3, 0). */
#define IODIRTY_VERSION_CODE(major, minor, patch) \
	(((uint32_t)(major) << 16) | ((uint32_t)(minor) << 8) | (uint32_t)(patch))

/*
 * Initialiser for an options struct: sets sz, zero-fills the rest, then
 * applies the designated initialisers given (in declaration order in C++):
 *     struct iodirty_domain_opts o = IODIRTY_OPTS(iodirty_domain_opts,
 *                                                 .iova_bits = 40);
 *     struct iodirty_caps caps = IODIRTY_OPTS(iodirty_caps);
 * An empty list after the type, IODIRTY_OPTS(iodirty_caps, ), is accepted
 * too (since 0.5), for macros that forward a list of their own.
 * Every options struct is laid out without padding, so the zero fill is
 * complete and a newer struct's unknown tail is reliably zero.
 */
#define IODIRTY_OPTS(...) IODIRTY_OPTS_(__VA_ARGS__, )
#define IODIRTY_OPTS_(type, ...) \
	{ .sz = sizeof(struct type), IODIRTY_OPTS_INITS_(__VA_ARGS__) }
/*
 * The rest only drops an empty first initialiser, which an initialiser
 * list cannot hold: the one IODIRTY_OPTS(type, ) leaves, as a macro that
 * forwards an empty list of its own does (since 0.5). Plain C11 (no
 * __VA_OPT__): the first initialiser is empty when IODIRTY_OPTS_COMMA_
 * followed by it and "()" makes a comma.
 */
#define IODIRTY_OPTS_INITS_(...) \
	IODIRTY_OPTS_CAT_(IODIRTY_OPTS_KEEP_, \
			  IODIRTY_OPTS_EMPTY_(IODIRTY_OPTS_FIRST_(__VA_ARGS__, )))\
		(__VA_ARGS__)
#define IODIRTY_OPTS_KEEP_0(...) __VA_ARGS__
/* Empty first: alone (IODIRTY_OPTS(type)), or before the trailing one. */
#define IODIRTY_OPTS_KEEP_1(...) \
	IODIRTY_OPTS_CAT_(IODIRTY_OPTS_DROP_, \
			  IODIRTY_OPTS_THIRD_(__VA_ARGS__, 1, 0, ))(__VA_ARGS__)
#define IODIRTY_OPTS_DROP_0(...)
#define IODIRTY_OPTS_DROP_1(first, ...) __VA_ARGS__
#define IODIRTY_OPTS_DROP_(first, ...) __VA_ARGS__
#define IODIRTY_OPTS_FIRST_(first, ...) first
#define IODIRTY_OPTS_THIRD_(a, b, c, ...) c
#define IODIRTY_OPTS_THIRD2_(...) IODIRTY_OPTS_THIRD_(__VA_ARGS__)
#define IODIRTY_OPTS_COMMA_(...) ,
#define IODIRTY_OPTS_EMPTY_(x) \
	IODIRTY_OPTS_THIRD2_(IODIRTY_OPTS_COMMA_ x (), 1, 0, )
#define IODIRTY_OPTS_CAT_(a, b) IODIRTY_OPTS_CAT2_(a, b)
#define IODIRTY_OPTS_CAT2_(a, b) a##b

/* An open backend: the soft in-process one, /dev/iodirty or /dev/iommu. */
struct iodirty_ctx;
/* An IO address space with its mappings, reserved regions and dirty state. */
struct iodirty_domain;

/* ------------------------------------------------------------------ */
/* Contexts and capabilities                                          */
/* ------------------------------------------------------------------ */

/* Environment variable read by iodirty_ctx_open() when @backend is NULL. */
#define IODIRTY_BACKEND_ENV "IODIRTY_BACKEND"

/*
 * Use the open /dev/iommu file @fd of struct iodirty_ctx_opts instead of
 * opening one: the context works on a duplicate of it (F_DUPFD_CLOEXEC),
 * so the caller keeps owning @fd, and devices the caller bound to that
 * iommufd (VFIO cdev bind) can be attached to the context's domains with
 * iodirty_domain_attach(). Only the "iommufd" backend accepts it.
 */
#define IODIRTY_CTX_ADOPT_FD	(1u << 0)

struct iodirty_ctx_opts {
	size_t sz;
	uint32_t flags;		/* IODIRTY_CTX_ADOPT_FD or 0 */
	uint32_t __reserved;	/* must be 0 */
	int32_t fd;		/* with IODIRTY_CTX_ADOPT_FD: a /dev/iommu fd */
	uint32_t __reserved2;	/* must be 0 */
};

/**
 * iodirty_ctx_open() - open a context on a backend.
 * @backend: "soft", "kmod" or "iommufd"; NULL picks the value of the
 *           IODIRTY_BACKEND environment variable; when it is unset or
 *           empty, "kmod" if /dev/iodirty exists, else "soft".
 * @opts:    options, or NULL.
 * @out:     receives the context.
 *
 * Return: 0, -EINVAL (@out NULL, unknown backend name, a negative fd with
 * IODIRTY_CTX_ADOPT_FD), -EOPNOTSUPP (unknown opts flags, a non-zero
 * reserved field, or IODIRTY_CTX_ADOPT_FD for a backend other than
 * "iommufd"), -E2BIG,
 * -EBADF (the fd to adopt is not open),
 * -ENODEV (its device is missing, or is not one the backend can drive),
 * -EACCES (no permission to open the device), -ENOMEM, or another error of
 * open(2) on the device.
 * Thread safety: may be called from any thread.
 */
int iodirty_ctx_open(const char *backend, const struct iodirty_ctx_opts *opts,
		     struct iodirty_ctx **out);

/**
 * iodirty_ctx_close() - close a context. All its domains must have been
 * destroyed first; a NULL @ctx is ignored.
 */
void iodirty_ctx_close(struct iodirty_ctx *ctx);

/**
 * iodirty_ctx_backend() - name of the context's backend ("soft", ...): a
 * static string, valid for the life of the process. NULL for a NULL @ctx.
 */
const char *iodirty_ctx_backend(const struct iodirty_ctx *ctx);

/* The backend implements iodirty_set_dirty_tracking() and the reads. */
#define IODIRTY_CAP_DIRTY_TRACKING	(1ULL << 0)
/* Unmap with a dirty report cannot lose a concurrent write. */
#define IODIRTY_CAP_UNMAP_DIRTY_ATOMIC	(1ULL << 1)
/* Unmap may cut a mapping (punch holes); otherwise -EOPNOTSUPP. */
#define IODIRTY_CAP_PARTIAL_UNMAP	(1ULL << 2)
/* iodirty_dma_read()/iodirty_dma_write() are available. */
#define IODIRTY_CAP_DMA_RW		(1ULL << 3)
/* iodirty_read_dirty_uaddr() is available. */
#define IODIRTY_CAP_UADDR_REPORT	(1ULL << 4)
/* iodirty_reserve()/iodirty_unreserve() are available. */
#define IODIRTY_CAP_USER_RESERVE	(1ULL << 5)
/* Domains can emulate IOMMU leaves (IODIRTY_DOMAIN_HW_MODEL). */
#define IODIRTY_CAP_HW_MODEL		(1ULL << 6)
/*
 * The backend has devices: iodirty_domain_attach()/iodirty_domain_detach()
 * are available ("iommufd"). Dirty reads then combine what the devices'
 * IOMMU page tables record with software DMA and mark-dirty. Such a
 * backend lacks IODIRTY_CAP_UNMAP_DIRTY_ATOMIC: the kernel cannot unmap
 * and report in one step, so unmap with a dirty report first reads the
 * devices' dirty bits and then unmaps, and a device write between the two
 * is lost; quiesce the devices for the range first.
 */
#define IODIRTY_CAP_ATTACH		(1ULL << 7)
/*
 * iodirty_sg_get()/iodirty_sg_put() are available (since 0.4; every
 * backend with IODIRTY_CAP_DMA_RW once the kernel module is new enough).
 * iodirty_dma_writev()/iodirty_dma_readv() come with IODIRTY_CAP_DMA_RW.
 */
#define IODIRTY_CAP_SG			(1ULL << 8)
/* iodirty_map_vec()/iodirty_unmap_vec() are available (since 0.5). */
#define IODIRTY_CAP_MAP_VEC		(1ULL << 9)
/* iodirty_read_extents() is available (since 0.5). */
#define IODIRTY_CAP_EXTENTS		(1ULL << 10)
/*
 * iodirty_set_dirty() and iodirty_set_dirty_extents() are available (since
 * 0.5). Not on "iommufd": the IOMMU's dirty bits cannot be set from
 * userspace.
 */
#define IODIRTY_CAP_SET_DIRTY		(1ULL << 11)
/* iodirty_mappings() is available (since 0.5; every backend). */
#define IODIRTY_CAP_MAPPINGS		(1ULL << 12)

struct iodirty_caps {
	size_t sz;
	uint64_t flags;		/* IODIRTY_CAP_* */
	uint64_t page_sizes;	/* bit n set: 2^n is a mapping alignment */
	uint64_t granules;	/* bit n set: 2^n is a valid dirty granule */
	uint32_t max_iova_bits;	/* widest IOVA space a domain may have */
	uint32_t default_iova_bits;
	uint64_t max_mappings;	/* per domain; 0: limited only by memory */
};

/**
 * iodirty_ctx_caps() - what the backend can do.
 * @caps: caps->sz must be set (use IODIRTY_OPTS); fields that fit in
 *        caps->sz are written, bytes past what the library knows are zeroed.
 * Return: 0, -EINVAL (NULL, or caps->sz < sizeof(size_t)).
 */
int iodirty_ctx_caps(struct iodirty_ctx *ctx, struct iodirty_caps *caps);

/* ------------------------------------------------------------------ */
/* Domains                                                            */
/* ------------------------------------------------------------------ */

/*
 * Hardware model (soft backend, IODIRTY_CAP_HW_MODEL): the domain behaves
 * like an IOMMU page table. Each mapped run is covered by leaves of 4 KiB,
 * 2 MiB or 1 GiB, the largest whose IOVA block is fully mapped (no holes)
 * and whose IOVA and user address are both aligned to the leaf size. While
 * tracking, a write dirties its whole leaf, unless leaves were split: with
 * IODIRTY_HW_SPLIT_EAGER every huge leaf is split to 4 KiB when tracking
 * starts and collapsed back when it stops. Reads never report outside the
 * range asked for, even when a dirty huge leaf crosses its edges; the part
 * of the leaf outside the range stays dirty for the next read.
 */
#define IODIRTY_DOMAIN_HW_MODEL	(1u << 0)

enum iodirty_hw_split {
	IODIRTY_HW_SPLIT_NONE = 0,	/* huge leaves stay huge */
	IODIRTY_HW_SPLIT_EAGER = 1,	/* split all on start, collapse on stop */
};

struct iodirty_domain_opts {
	size_t sz;
	uint32_t iova_bits;	/* 0: caps.default_iova_bits; else 20..64 */
	uint32_t flags;		/* IODIRTY_DOMAIN_HW_MODEL or 0 */
	uint64_t granule;	/* dirty granule in bytes; 0: 4096 */
	uint32_t hw_split;	/* enum iodirty_hw_split; needs HW_MODEL */
	uint32_t __reserved;	/* must be 0 */
};

/**
 * iodirty_domain_create() - create an empty IO address space.
 * Return: 0, -EINVAL (@ctx or @out NULL, iova_bits not 0 and outside
 * 20..caps.max_iova_bits, granule not a power of two, not in caps.granules
 * or not smaller than the IOVA space, hw_split unknown or set without
 * IODIRTY_DOMAIN_HW_MODEL), -EOPNOTSUPP (unknown flag, non-zero __reserved,
 * HW_MODEL without IODIRTY_CAP_HW_MODEL), -E2BIG, -ENOMEM.
 */
int iodirty_domain_create(struct iodirty_ctx *ctx,
			  const struct iodirty_domain_opts *opts,
			  struct iodirty_domain **out);

/**
 * iodirty_domain_destroy() - unmap everything and free the domain.
 * Unread dirty state is discarded. A NULL @dom is ignored. Devices
 * attached with iodirty_domain_attach() must have been moved off the
 * domain's page tables first; a page table still in use is left to the
 * kernel, which frees it when the context's file is closed.
 */
void iodirty_domain_destroy(struct iodirty_domain *dom);

/**
 * iodirty_domain_id() - the backend's ID of the domain: on "iommufd" the
 * IOAS ID in the context's iommufd (a caller that adopted its fd may use
 * it with other iommufd calls, but must not map or unmap through it), on
 * "kmod" the io-pagetable ID of /dev/iodirty.
 * Return: 0, -EINVAL (NULL), -EOPNOTSUPP (the backend has no IDs: "soft").
 * Thread safety: may be called concurrently with any call on the domain.
 */
int iodirty_domain_id(struct iodirty_domain *dom, uint32_t *id);

/* iodirty_attach_opts.max_iopte: no bound; hardware reads cover whole
 * mappings. */
#define IODIRTY_IOPTE_ANY (~0ULL)

struct iodirty_attach_opts {
	size_t sz;
	uint32_t flags;		/* none defined yet: must be 0 */
	uint32_t __reserved;	/* must be 0 */
	uint32_t out_hwpt_id;	/* out, on success: the page table's ID */
	uint32_t __reserved2;	/* must be 0 */
	/*
	 * Since 0.3. The largest IOPTE (leaf) the device's IOMMU may use for
	 * the domain's mappings: a power of two from 4096, or
	 * IODIRTY_IOPTE_ANY. 0: the library's choice by the type the kernel
	 * reports for the IOMMU: 1 GiB for Intel VT-d (4 KiB, 2 MiB, 1 GiB
	 * leaves) and the kernel's selftest mock, else IODIRTY_IOPTE_ANY
	 * (AMD, whose tables have leaves of any power-of-two size, ARM SMMUv3,
	 * whose leaves depend on a granule 6.12 does not report, and any
	 * other IOMMU). See iodirty_domain_attach().
	 */
	uint64_t max_iopte;
};

/**
 * iodirty_domain_attach() - give a device an IOMMU page table of @dom.
 * @dev_id: on "iommufd", the ID of a device bound to the context's iommufd
 *          (see IODIRTY_CTX_ADOPT_FD).
 * @opts:   options, or NULL; receives the page table's ID in out_hwpt_id
 *          when its sz covers that field.
 *
 * Checks that the device's IOMMU can track dirty pages, creates a page
 * table with dirty tracking for it that follows the domain's mappings, and
 * starts tracking on it if the domain is tracking. The device is not moved:
 * the caller then attaches it to the page table out_hwpt_id (for VFIO,
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT). From then on the dirty reads and unmap
 * reports of @dom include the pages the device writes.
 *
 * An IOMMU keeps one dirty bit per IOPTE, and the kernel can only read
 * whole IOPTEs correctly, so each hardware read the library makes is
 * widened to max_iopte alignment (clipped to the mapping); bits it had to
 * take outside the range asked for are kept for later reads. A max_iopte
 * below the real largest IOPTE may lose dirty pages where the kernel gives
 * no sign of it; where it does (-EPROTO from Linux 6.12.118 on, bits past
 * the end of the read before), the library reports the whole mapping
 * concerned dirty, reads whole mappings of this device from then on, and
 * counts it in iodirty_stats.hw_read_overflows: over-reported, never lost.
 * Return: 0, -EINVAL (also: max_iopte neither 0, a power of two from 4096
 * nor IODIRTY_IOPTE_ANY), -EOPNOTSUPP (unknown flag, non-zero reserved field,
 * a backend without IODIRTY_CAP_ATTACH, or the device's IOMMU cannot track
 * dirty pages: nothing was created), -E2BIG, -ENOENT (no such device),
 * -EEXIST (the device is already attached to @dom), -ENOMEM, or another
 * error of the kernel (say a mapping outside the device's aperture).
 * Thread safety: serialises with map, unmap and every other call on @dom,
 * as map does.
 */
int iodirty_domain_attach(struct iodirty_domain *dom, uint32_t dev_id,
			  struct iodirty_attach_opts *opts);

/**
 * iodirty_domain_detach() - destroy the page table iodirty_domain_attach()
 * made for device @dev_id. The caller must have moved the device to
 * another page table first. Dirty bits the page table still holds are kept
 * in the domain, so the next read reports them.
 * Return: 0, -EINVAL, -EOPNOTSUPP (no IODIRTY_CAP_ATTACH), -ENOENT (the
 * device is not attached to @dom), -EBUSY (the device still uses the page
 * table: nothing was changed), -ENOMEM.
 * Thread safety: as iodirty_domain_attach().
 */
int iodirty_domain_detach(struct iodirty_domain *dom, uint32_t dev_id);

/* ------------------------------------------------------------------ */
/* Mapping                                                            */
/* ------------------------------------------------------------------ */

/* Page size every map/unmap/reserve address and length is aligned to. */
#define IODIRTY_PAGE_SIZE 4096u

#define IODIRTY_MAP_READ	(1u << 0)	/* device may read */
#define IODIRTY_MAP_WRITE	(1u << 1)	/* device may write */

/**
 * iodirty_map() - map [iova, iova + length) to [addr, addr + length).
 * @flags: IODIRTY_MAP_READ and/or IODIRTY_MAP_WRITE (at least one).
 *
 * iova, addr and length must be multiples of IODIRTY_PAGE_SIZE. The range
 * may fill holes left by iodirty_unmap() inside an existing mapping. The
 * soft backend never touches the memory at @addr except in DMA calls.
 *
 * Return: 0, -EINVAL (alignment, zero length, no permission bit),
 * -EOPNOTSUPP (unknown flag), -EOVERFLOW, -ERANGE, -EEXIST, -EADDRNOTAVAIL,
 * -ENOSPC, -EFAULT (@addr NULL, on every backend since 0.5; kernel
 * backends: memory that cannot be pinned), -ENOMEM. Precedence as in the
 * errno table at the top.
 */
int iodirty_map(struct iodirty_domain *dom, uint64_t iova, void *addr,
		uint64_t length, uint32_t flags);

struct iodirty_unmap_opts {
	size_t sz;
	uint32_t flags;		/* none defined yet: must be 0 */
	uint32_t __reserved;	/* must be 0 */
	/*
	 * Atomic dirty report: when dirty_bitmap is not NULL, the dirty state
	 * of the range is read, cleared and OR-ed into dirty_bitmap (same
	 * layout as iodirty_read_dirty()) in the same step as the unmap.
	 * Tracking must be on (-ENODATA otherwise). page_size is ignored
	 * without a bitmap.
	 *
	 * Since 0.5 iova and length need not be multiples of page_size (only
	 * of IODIRTY_PAGE_SIZE; before, -EINVAL): bit 0 stands for the report
	 * page that holds iova, [iova & ~(page_size - 1), + page_size), and
	 * exactly IODIRTY_REPORT_BITS(iova, length, page_size) bits are
	 * written, the partial pages at either end counting as whole bits;
	 * nothing past them. Only dirty state inside [iova, iova + length)
	 * is cleared: a dirty granule cut by the range (a granule larger than
	 * 4 KiB) is reported and stays dirty while a page of it stays mapped.
	 * On "kmod" this needs a module of uAPI version 3.
	 */
	uint64_t page_size;
	uint64_t *dirty_bitmap;
	uint64_t unmapped;	/* out, on success: bytes unmapped */
	/*
	 * Since 0.5; out, on success, with a dirty report: report pages found
	 * dirty, whether their bit was already set in dirty_bitmap or not
	 * (as IODIRTY_READ_COUNT_ALL counts); 0 without a report.
	 */
	uint64_t dirty_pages;
};

/**
 * iodirty_unmap() - unmap every mapped page in [iova, iova + length).
 * @opts: options, or NULL.
 *
 * The range may cover whole mappings, parts of mappings (leaving holes, or
 * trimming them) and gaps between them. Dirty bits of the unmapped pages
 * are dropped unless reported through @opts.
 *
 * A dirty report counts as one read in iodirty_stats.reads, and as one
 * clear when it cleared a dirty granule.
 *
 * Return: 0, -EINVAL, -EOPNOTSUPP (also: the range cuts a mapping and the
 * backend lacks IODIRTY_CAP_PARTIAL_UNMAP, or a dirty report was asked of a
 * backend without IODIRTY_CAP_DIRTY_TRACKING), -E2BIG, -EOVERFLOW, -ERANGE,
 * -ENOENT (nothing mapped in the range), -ENODATA, -ENOMEM. Precedence:
 * -EOVERFLOW/-ERANGE of the range before -EINVAL of the report's
 * page_size, before -ENODATA, before -ENOENT.
 */
int iodirty_unmap(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		  struct iodirty_unmap_opts *opts);

/**
 * iodirty_translate() - user address that @iova maps to.
 * @iova:   any byte address (no alignment needed).
 * @addr:   receives the address of that very byte.
 * @contig: optional; receives how many bytes from @iova on are mapped
 *          contiguously, in IOVA and in user address, with equal
 *          permissions (at least 1).
 * Return: 0, -EINVAL, -ERANGE, -ENOENT. After -ENOENT,
 *         iodirty_mappings(dom, iova, &m, 1) gives the next mapped IOVA
 *         (m.iova), or returns 0 when nothing is mapped above @iova.
 */
int iodirty_translate(struct iodirty_domain *dom, uint64_t iova, void **addr,
		      uint64_t *contig);

/* One run of mapped pages, as iodirty_mappings() lists them (since 0.5). */
struct iodirty_mapping {
	uint64_t iova;
	uint64_t length;
	void *addr;		/* user address of @iova */
	uint32_t flags;		/* IODIRTY_MAP_READ and/or IODIRTY_MAP_WRITE */
	uint32_t __reserved;	/* 0 */
};

/**
 * iodirty_mappings() - list what is mapped from @iova up, in IOVA order.
 * @iova: where to start; any byte address. A run that holds it is listed
 *        from the page that holds it.
 * @out:  array of @nr entries (may be NULL when @nr is 0).
 *
 * Each entry is a maximal run of pages that are mapped contiguously both
 * in IOVA and in user address, with equal permissions: holes left by
 * iodirty_unmap() split runs, while adjacent iodirty_map() calls that
 * continue each other make one run, whatever the backend. Since 0.5;
 * needs IODIRTY_CAP_MAPPINGS.
 *
 * To list everything, call again from the end of the last entry (iova +
 * length) while the array comes back full; an end of 0 means the last
 * entry reached the top of a 64-bit IOVA space. Thread-safe. Each batch of
 * up to 64 runs is read in one step; a map or unmap that runs meanwhile
 * may show in later batches of the same call and not in earlier ones.
 *
 * Return: the number of entries written: fewer than @nr only when nothing
 * more is mapped; or -EINVAL (NULL @dom, or NULL @out with @nr > 0),
 * -ERANGE (@iova beyond the domain's IOVA width), -EOPNOTSUPP, -ENOMEM.
 */
int64_t iodirty_mappings(struct iodirty_domain *dom, uint64_t iova,
			 struct iodirty_mapping *out, size_t nr);

/* ------------------------------------------------------------------ */
/* Reserved IOVA regions                                              */
/* ------------------------------------------------------------------ */

enum iodirty_resv_type {
	IODIRTY_RESV_MSI = 1,		/* interrupt (MSI) doorbell window */
	IODIRTY_RESV_DIRECT = 2,	/* identity-mapped by the platform */
};

struct iodirty_range {
	uint64_t start;
	uint64_t last;		/* inclusive, so the full 2^64 space fits */
	uint32_t type;		/* enum iodirty_resv_type; 0 for usable ranges */
	uint32_t __reserved;
};

/**
 * iodirty_reserve() - forbid mapping [iova, iova + length).
 * Return: 0, -EINVAL (alignment, zero length, unknown type), -EOVERFLOW,
 * -ERANGE, -EEXIST (overlaps a reserved region), -EBUSY (overlaps a mapped
 * page), -EOPNOTSUPP (no IODIRTY_CAP_USER_RESERVE), -ENOMEM.
 */
int iodirty_reserve(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		    enum iodirty_resv_type type);

/**
 * iodirty_unreserve() - remove a reserved region added by iodirty_reserve().
 * Return: 0, -EINVAL, -EOVERFLOW, -ERANGE, -ENOENT (no region with exactly
 * that range), -EOPNOTSUPP (no IODIRTY_CAP_USER_RESERVE).
 */
int iodirty_unreserve(struct iodirty_domain *dom, uint64_t iova,
		      uint64_t length);

/**
 * iodirty_reserved_regions() - list reserved regions in IOVA order.
 * @ranges: array of *@count entries (may be NULL when *@count is 0).
 * @count:  in: capacity; out: number of regions.
 * Return: 0, -EINVAL, -EMSGSIZE (array too small; *count holds the need).
 */
int iodirty_reserved_regions(struct iodirty_domain *dom,
			     struct iodirty_range *ranges, size_t *count);

/**
 * iodirty_iova_ranges() - list the usable IOVA ranges in order: the
 * domain's IOVA space minus its reserved regions. Same contract as
 * iodirty_reserved_regions(); type is 0.
 */
int iodirty_iova_ranges(struct iodirty_domain *dom,
			struct iodirty_range *ranges, size_t *count);

/* ------------------------------------------------------------------ */
/* Dirty tracking                                                     */
/* ------------------------------------------------------------------ */

/**
 * iodirty_set_dirty_tracking() - start or stop dirty tracking.
 *
 * Starting while started, or stopping while stopped, does nothing and
 * keeps the dirty state. Stopping discards dirty state not yet read and
 * frees its memory. Pages written while tracking is off are not reported.
 * Return: 0, -EINVAL, -EOPNOTSUPP (no IODIRTY_CAP_DIRTY_TRACKING), -ENOMEM.
 */
int iodirty_set_dirty_tracking(struct iodirty_domain *dom, bool enable);

/* Report without clearing: the next read reports the same pages again. */
#define IODIRTY_READ_NO_CLEAR	(1u << 0)
/*
 * Since 0.5: return the number of report pages this call found dirty,
 * whether their bit was already set in the caller's bitmap or not, so that
 * a caller OR-ing several reads into one bitmap still learns what each
 * found. Needs a module of uAPI version 3 on "kmod" (else -EOPNOTSUPP).
 */
#define IODIRTY_READ_COUNT_ALL	(1u << 1)

/*
 * Words of uint64_t a report of @length bytes at @page_size needs (since
 * 0.5), for a read whose range is a multiple of @page_size:
 *     uint64_t *bm = calloc(IODIRTY_BITMAP_WORDS(len, ps), 8);
 * and IODIRTY_REPORT_BITS() gives the bits of an unmap report, whose
 * range may cut report pages: IODIRTY_BITMAP_WORDS of that many pages.
 * @page_size must be a power of two; arguments are evaluated more than
 * once.
 */
#define IODIRTY_BITMAP_WORDS(length, page_size) \
	((((uint64_t)(length) / (uint64_t)(page_size)) + 63) / 64)
#define IODIRTY_REPORT_BITS(iova, length, page_size) \
	(((((uint64_t)(iova) + (uint64_t)(length) - 1) & \
	   ~((uint64_t)(page_size) - 1)) - \
	  ((uint64_t)(iova) & ~((uint64_t)(page_size) - 1))) / \
	 (uint64_t)(page_size) + 1)

/**
 * iodirty_read_dirty() - read and clear the dirty state of an IOVA range.
 * @iova, @length: range; multiples of @page_size, length > 0. It may span
 *         several mappings, holes and unmapped space; unmapped pages read
 *         as clean.
 * @page_size: power of two >= the domain's granule. One bit reports a page
 *         of this size; it is set if any granule in it is dirty.
 * @bitmap: length / page_size bits, in little-endian order of uint64_t
 *         words: bit i of the report is bit (i % 64) of word i / 64, and
 *         stands for [iova + i * page_size, iova + (i + 1) * page_size).
 *         Bits are OR-ed in: the caller zeroes the bitmap. Nothing past
 *         bit length / page_size - 1 is written; IODIRTY_BITMAP_WORDS()
 *         gives the words.
 * @flags: IODIRTY_READ_NO_CLEAR, IODIRTY_READ_COUNT_ALL, or 0.
 *
 * Counters: each successful call adds one to iodirty_stats.reads, and one
 * to iodirty_stats.clears when it cleared at least one dirty granule
 * (whether or not the caller's bitmap already had its bit); a
 * NO_CLEAR read or one that found nothing adds no clear.
 * Return: the number of bits of @bitmap this call changed from 0 to 1
 *         (with a zeroed bitmap: the number of dirty pages); with
 *         IODIRTY_READ_COUNT_ALL, the number of report pages found dirty,
 *         set before or not. Or -EINVAL, -EOPNOTSUPP (unknown flag, or
 *         COUNT_ALL on an old module), -EOVERFLOW, -ERANGE, -ENODATA;
 *         precedence: flags, then page size and bitmap (-EINVAL), then the
 *         range (-EINVAL, -EOVERFLOW, -ERANGE), then -ENODATA.
 */
int64_t iodirty_read_dirty(struct iodirty_domain *dom, uint64_t iova,
			   uint64_t length, uint64_t page_size,
			   uint64_t *bitmap, uint32_t flags);

/**
 * iodirty_read_dirty_uaddr() - read and clear, in user-address space.
 * @addr, @length: a user address range (say a VMM RAM block), multiples of
 *         @page_size, length > 0.
 * @page_size: power of two >= the domain's granule.
 * @bitmap: bit i stands for [addr + i * page_size, + page_size) and is set
 *         when a DMA write through any IOVA that maps into that page was
 *         recorded. Aliases (several IOVAs mapping the same memory) are
 *         merged. OR-ed in as for iodirty_read_dirty().
 * @flags: IODIRTY_READ_NO_CLEAR, IODIRTY_READ_COUNT_ALL, or 0.
 *
 * A dirty granule whose memory lies partly outside [addr, addr + length)
 * (possible only when the granule is larger than IODIRTY_PAGE_SIZE) is
 * reported but not cleared, so that a read of the neighbouring range still
 * sees it; a read that only reports such granules counts no clear.
 * Return: as iodirty_read_dirty() (counters included); with
 * IODIRTY_READ_COUNT_ALL each report page found dirty counts once, however
 * many aliases or granules reach it. Errors: -EINVAL, -EOPNOTSUPP (also: no
 * IODIRTY_CAP_UADDR_REPORT), -EOVERFLOW, -ENODATA, -ENOMEM (COUNT_ALL
 * only: it needs a scratch bitmap of the report's size). User addresses
 * have no width limit, so no -ERANGE.
 */
int64_t iodirty_read_dirty_uaddr(struct iodirty_domain *dom, const void *addr,
				 uint64_t length, uint64_t page_size,
				 uint64_t *bitmap, uint32_t flags);

/* ------------------------------------------------------------------ */
/* Extents and put-back, for the migration loop (since 0.5)           */
/* ------------------------------------------------------------------ */

/*
 * iodirty_read_extents(), iodirty_set_dirty(), iodirty_set_dirty_extents():
 * the address is a user address (as for iodirty_read_dirty_uaddr()), not an
 * IOVA.
 */
#define IODIRTY_READ_UADDR	(1u << 2)

/* A run of dirty memory: [start, start + length). */
struct iodirty_extent {
	uint64_t start;
	uint64_t length;
};

/**
 * iodirty_read_extents() - read and clear, as runs instead of a bitmap.
 * @addr, @length: range; multiples of @page_size, length > 0. An IOVA
 *         range (as for iodirty_read_dirty()), or with IODIRTY_READ_UADDR
 *         a user address range (as for iodirty_read_dirty_uaddr()).
 * @page_size: power of two >= the domain's granule: the unit of the runs.
 * @ext:   receives up to @nr runs of dirty pages of @page_size, in bytes,
 *         in increasing order, adjacent ones merged: exactly the pages the
 *         bitmap read of the same state would set, as runs.
 * @nr:    entries of @ext, at least 1.
 * @next:  receives where to resume: @addr + @length when the range is done
 *         (0 if that is 2^64), else the start of the first run that did not
 *         fit. Call again from there with the rest of the range.
 * @flags: IODIRTY_READ_NO_CLEAR, IODIRTY_READ_UADDR.
 *
 * Only the pages returned are cleared: nothing at or past *@next is read
 * or cleared, and a page dirtied during the call outside the returned runs
 * stays dirty. In user-address space aliases merge and a granule partly
 * outside [@addr, @addr + @length) (or outside the returned runs) is
 * reported but not cleared, as iodirty_read_dirty_uaddr() does.
 *
 * Cost: in IOVA space it grows with the dirty runs found, not with the
 * range (the walk follows the dirty summaries, as the bitmap read does).
 * In user-address space it also reads the range through an internal
 * bitmap of one bit per page, 32 KiB at a time (like the bitmap read).
 *
 * Thread safety and concurrent writes as for iodirty_read_dirty(): no
 * write is lost; one concurrent with the call is reported by it or by the
 * next read. A concurrent unmap takes effect before or after the call.
 * Return: the number of entries of @ext written (0 when nothing is dirty),
 * or -EINVAL (NULL @ext or @next, @nr 0, bad @page_size or alignment),
 * -EOPNOTSUPP (unknown flag; no IODIRTY_CAP_EXTENTS; IODIRTY_READ_UADDR
 * without IODIRTY_CAP_UADDR_REPORT), -EOVERFLOW, -ERANGE (IOVA only),
 * -ENODATA (tracking off), -ENOMEM. Nothing is cleared on failure.
 * On "kmod" one call returns at most 65536 runs (then *@next says where
 * to go on).
 */
int64_t iodirty_read_extents(struct iodirty_domain *dom, uint64_t addr,
			     uint64_t length, uint64_t page_size,
			     struct iodirty_extent *ext, size_t nr,
			     uint64_t *next, uint32_t flags);

/**
 * iodirty_set_dirty() - put back: mark the pages of a bitmap dirty again.
 * For a migration pass that failed after its harvest: the pages it read
 * but did not send are put back, so that the next read reports them.
 * @addr, @length, @page_size, @bitmap: as for iodirty_read_dirty() (or,
 *         with IODIRTY_READ_UADDR, iodirty_read_dirty_uaddr()): bit i set
 *         puts back [addr + i * page_size, + page_size). Only the
 *         length / page_size bits are read.
 * @flags: IODIRTY_READ_UADDR or 0.
 *
 * Every granule holding a mapped page of a set bit is marked, as a write
 * would mark it (under the hardware model, the granules themselves, not
 * their leaves). In user-address space, every IOVA that maps the page is
 * marked: each alias then reads as dirty, and a user-address read reports
 * the page once. Pages with nothing mapped (say, unmapped since the
 * harvest) are skipped: they have no dirty state in the domain, and the
 * caller keeps them in its own log, as it keeps what an unmap reported.
 *
 * Atomic with respect to reads: a concurrent read reports all of the call
 * or none of it (and the next read the rest). The call excludes map,
 * unmap, DMA and reads on the domain while it runs.
 * Return: 0, -EINVAL (NULL @bitmap, bad @page_size or alignment),
 * -EOPNOTSUPP (unknown flag; no IODIRTY_CAP_SET_DIRTY), -EOVERFLOW,
 * -ERANGE (IOVA only), -ENODATA (tracking off), -ENOMEM (nothing marked;
 * on "kmod" also a bitmap past 32 MiB, which the module copies in whole:
 * put back a larger range in several calls).
 */
int iodirty_set_dirty(struct iodirty_domain *dom, uint64_t addr,
		      uint64_t length, uint64_t page_size,
		      const uint64_t *bitmap, uint32_t flags);

/**
 * iodirty_set_dirty_extents() - put back the runs of iodirty_read_extents().
 * @ext:   @nr runs; start and length multiples of IODIRTY_PAGE_SIZE,
 *         length > 0, in any order, overlaps allowed. NULL only with @nr 0.
 * @flags: IODIRTY_READ_UADDR or 0.
 * The contract of iodirty_set_dirty() otherwise: atomic, every alias,
 * unmapped pages skipped. Nothing is marked if a run is invalid.
 * Return: 0, -EINVAL, -EOPNOTSUPP, -EOVERFLOW, -ERANGE, -ENODATA, -ENOMEM
 * (on "kmod" also more than 2^21 runs).
 */
int iodirty_set_dirty_extents(struct iodirty_domain *dom,
			      const struct iodirty_extent *ext, size_t nr,
			      uint32_t flags);

/* ------------------------------------------------------------------ */
/* Software DMA, for device emulators                                 */
/* ------------------------------------------------------------------ */

/**
 * iodirty_dma_write() - write @length bytes from @buf at @iova through the
 * domain and mark the granules written as dirty (if tracking is on).
 * Byte granular; may cross mappings that are contiguous in IOVA.
 * Return: 0, -EINVAL (NULL, zero length), -EOVERFLOW, -ERANGE, -ENOENT (a
 * byte is unmapped: nothing was written), -EACCES (a mapping lacks
 * IODIRTY_MAP_WRITE: nothing was written), -ENOMEM (tracking memory:
 * nothing was written), -EOPNOTSUPP (no IODIRTY_CAP_DMA_RW). Through a
 * handle of iodirty_log_import() the errors and what was written before
 * them are those of iodirty_log_import_maps().
 */
int iodirty_dma_write(struct iodirty_domain *dom, uint64_t iova,
		      const void *buf, uint64_t length);

/**
 * iodirty_dma_read() - read @length bytes at @iova through the domain.
 * Return: 0, -EINVAL (NULL, zero length), -EOVERFLOW, -ERANGE, -ENOENT,
 * -EACCES (no IODIRTY_MAP_READ), -EOPNOTSUPP (no IODIRTY_CAP_DMA_RW).
 */
int iodirty_dma_read(struct iodirty_domain *dom, uint64_t iova, void *buf,
		     uint64_t length);

/**
 * iodirty_mark_dirty() - record that [iova, iova + length) was written by
 * the caller through its own pointer (e.g. one from iodirty_translate()).
 * Byte granular. Call it after the write is complete. The range must be
 * mapped (writable or not), whether tracking is on or not; while it is off,
 * nothing is recorded.
 * Return: 0, -EINVAL (zero length), -EOVERFLOW, -ERANGE, -ENOENT, -ENOMEM
 * (nothing marked).
 */
int iodirty_mark_dirty(struct iodirty_domain *dom, uint64_t iova,
		       uint64_t length);

/* ------------------------------------------------------------------ */
/* Scatter-gather and zero-copy DMA (since 0.4)                       */
/* ------------------------------------------------------------------ */

/* One segment of a vectored transfer: @length bytes at @iova <-> @buf. */
struct iodirty_dma_seg {
	uint64_t iova;
	uint64_t length;
	void *buf;
};

/**
 * iodirty_dma_writev() - iodirty_dma_write() of each segment in turn, in
 * one call (one system call on "kmod"): for a virtio descriptor chain.
 * Each segment is checked as iodirty_dma_write() checks its range before
 * any byte of it is written; the call stops at the first segment that
 * fails and returns that segment's error. The segments before it were
 * written and marked dirty; the failing one was not written, except on
 * -EFAULT, where its part that was written is marked dirty too.
 * @segs:    @nr_segs segments; NULL only with @nr_segs 0 (which returns 0).
 * @done:    optional; receives the bytes of the segments completed before
 *           the failing one, or of all of them on success: the length of a
 *           short transfer, for the device to report.
 * Return: 0 or the failing segment's errno as for iodirty_dma_write();
 * also -EINVAL (@segs NULL with segments, a segment's @buf NULL) and
 * -EOVERFLOW (the lengths add up past 2^64), both before any transfer
 * (*@done is 0 then). Thread safety and concurrent unmaps as for
 * iodirty_dma_write(), segment by segment: a segment is one transfer.
 */
int iodirty_dma_writev(struct iodirty_domain *dom,
		       const struct iodirty_dma_seg *segs, size_t nr_segs,
		       uint64_t *done);

/**
 * iodirty_dma_readv() - iodirty_dma_read() of each segment in turn; the
 * contract of iodirty_dma_writev() with reads (nothing is marked).
 */
int iodirty_dma_readv(struct iodirty_domain *dom,
		      const struct iodirty_dma_seg *segs, size_t nr_segs,
		      uint64_t *done);

/* A piece of a held range: @length bytes of the caller's memory at @addr. */
struct iodirty_sg {
	void *addr;
	uint64_t length;
};

/* iodirty_sg_get(): the device will write through the list. */
#define IODIRTY_SG_WRITE	(1u << 0)

struct iodirty_sg_hold;

/**
 * iodirty_sg_get() - hold [iova, iova + length) for direct access: zero-copy
 * DMA for device emulators. Fills @sg with the pieces of user memory the
 * range maps to, in IOVA order (one piece per run that is contiguous in
 * user address), and returns a hold that iodirty_sg_put() releases. The
 * device reads or writes through the pointers while it holds them; with
 * IODIRTY_SG_WRITE, iodirty_sg_put() marks what was written dirty.
 * @flags:  IODIRTY_SG_WRITE (every page must be mapped with
 *          IODIRTY_MAP_WRITE), or 0 to read (IODIRTY_MAP_READ).
 * @sg:     @*nr_sg entries; may be NULL when *@nr_sg is 0.
 * @nr_sg:  in: entries of @sg; out: entries used, or needed (-EMSGSIZE).
 * @hold:   receives the hold.
 *
 * Unmap while held: an unmap may remove pages of a held range (it does not
 * wait). If the hold is writable and the unmap reports dirty pages, the
 * held pages it removes are reported dirty by it, written or not: a write
 * through the list before the unmap returns is never lost. The hold becomes
 * stale: iodirty_sg_put() then marks only the pages still mapped, releases
 * the hold and returns -ESTALE, the device's sign that part of its
 * transfer went to memory the IO address space no longer maps (a real
 * IOMMU would have faulted it). Writes to memory after the unmap returned
 * are not the domain's to report. Read-and-clear calls do not report held
 * pages: what was written is marked at the put and reported by the next
 * read. Dirty tracking may start or stop while lists are held.
 *
 * Thread safety: like iodirty_dma_write(); a hold may be put by another
 * thread than the one that got it. Holds must be put before
 * iodirty_domain_destroy().
 * Return: 0, -EINVAL (NULL @nr_sg or @hold, zero length), -EOPNOTSUPP (an
 * unknown flag, or no IODIRTY_CAP_SG), -EOVERFLOW, -ERANGE, -ENOENT (a page
 * is unmapped), -EACCES (a page lacks the permission), -EMSGSIZE (*@nr_sg
 * receives the entries needed), -ENOMEM. Nothing is held on failure.
 */
int iodirty_sg_get(struct iodirty_domain *dom, uint64_t iova, uint64_t length,
		   uint32_t flags, struct iodirty_sg *sg, size_t *nr_sg,
		   struct iodirty_sg_hold **hold);

/**
 * iodirty_sg_put() - release a hold from iodirty_sg_get().
 * @written: bytes written from the start of the range (0 for a read
 *           hold); those pages are marked dirty if tracking is on. The
 *           device may also pass the whole length when it does not know.
 * Return: 0; -ESTALE (an unmap removed pages of the range while held, see
 * iodirty_sg_get(); the hold is released, and the pages still mapped are
 * marked); -EINVAL (NULL, @written beyond the range, or non-zero for a
 * read hold: the hold is kept, put it again).
 */
int iodirty_sg_put(struct iodirty_domain *dom, struct iodirty_sg_hold *hold,
		   uint64_t written);

/* ------------------------------------------------------------------ */
/* Vector map and unmap (since 0.5)                                   */
/* ------------------------------------------------------------------ */

/*
 * One range of iodirty_map_vec(): the arguments of one iodirty_map().
 * @__reserved pads the struct to 32 bytes, the layout of the kernel
 * module's segment, so "kmod" passes the vector to the kernel unconverted
 * once addr is seen as a 64-bit number.
 */
struct iodirty_map_seg {
	uint64_t iova;
	void *addr;
	uint64_t length;
	uint32_t flags;		/* IODIRTY_MAP_READ and/or IODIRTY_MAP_WRITE */
	uint32_t __reserved;	/* must be 0 */
};

/*
 * One range of iodirty_unmap_vec(): the arguments of one iodirty_unmap().
 * Not struct iodirty_range: that one has an inclusive last address and a
 * type, made for listing regions; a segment is what an unmap takes.
 */
struct iodirty_unmap_seg {
	uint64_t iova;
	uint64_t length;
};

/*
 * The kernel module takes at most this many segments in one vector
 * (-E2BIG beyond); "soft" has no limit but memory.
 */
#define IODIRTY_VEC_MAX_KMOD	(1u << 20)

/**
 * iodirty_map_vec() - iodirty_map() of every segment, in one step: all or
 * nothing. For many small changes, such as the 4 KiB shared/private
 * conversions of a confidential guest: one lock section (one system call
 * on "kmod") for the whole vector.
 * @segs:   @nr segments; NULL only with @nr 0 (which returns 0). Segments
 *          must not overlap each other (adjacent is fine).
 * @failed: optional; on the error of a segment, receives its index;
 *          otherwise (success, -ENOMEM, ...) receives @nr.
 *
 * Either every segment is mapped or, on failure, nothing changed. The
 * checks come in rounds, and the first round that finds a fault decides
 * (*@failed: the lowest index at fault in it): each segment's arguments
 * as iodirty_map() checks them (and __reserved, -EOPNOTSUPP); then that
 * no segment overlaps one of lower index (-EINVAL); then each segment
 * against the domain as it was before the call (-EEXIST, -EADDRNOTAVAIL;
 * on "kmod" pinning, -EFAULT, and the memory limit, -ENOMEM).
 *
 * Thread safety: as iodirty_map(), once for the whole vector. A DMA or
 * read running concurrently sees the domain before or after the vector,
 * never in between.
 * Return: 0, -EINVAL, -EOPNOTSUPP (also: no IODIRTY_CAP_MAP_VEC),
 * -EOVERFLOW, -ERANGE, -EEXIST, -EADDRNOTAVAIL, -EFAULT, -E2BIG (more
 * segments than IODIRTY_VEC_MAX_KMOD on "kmod"), -ENOMEM.
 */
int iodirty_map_vec(struct iodirty_domain *dom,
		    const struct iodirty_map_seg *segs, size_t nr,
		    size_t *failed);

/**
 * iodirty_unmap_vec() - iodirty_unmap() of every segment, in one step:
 * all or nothing, with an atomic dirty report per segment.
 * @segs:   @nr segments; NULL only with @nr 0 (which returns 0). Segments
 *          must not overlap each other. Each must hold a mapped page.
 * @dirty:  optional bitmap of @nr bits (little-endian uint64_t words, as
 *          iodirty_read_dirty()'s): bit i is OR-ed in when a granule of
 *          segment i was dirty. Its dirty state is read and cleared in the
 *          same step as the unmap (the atomic unmap of iodirty_unmap()).
 *          Tracking must then be on (-ENODATA), and every segment aligned
 *          to the domain's dirty granule (-EINVAL). With @dirty NULL the
 *          dirty bits of the unmapped pages are dropped.
 * @failed: as for iodirty_map_vec().
 *
 * Checks in rounds as for iodirty_map_vec(): arguments, overlaps, then
 * -ENODATA (*@failed: @nr), then each segment against the domain as it
 * was before the call (-ENOENT: no mapped page in it). Nothing is written
 * to @dirty on failure.
 *
 * Thread safety: as iodirty_unmap(), once for the whole vector. On
 * backends with IODIRTY_CAP_UNMAP_DIRTY_ATOMIC, every write completed
 * before the call returns is in @dirty or was reported by an earlier read,
 * and DMA after it fails with -ENOENT.
 * Return: 0, -EINVAL, -EOPNOTSUPP (also: no IODIRTY_CAP_MAP_VEC),
 * -EOVERFLOW, -ERANGE, -ENOENT, -ENODATA, -E2BIG (as for
 * iodirty_map_vec()), -ENOMEM.
 */
int iodirty_unmap_vec(struct iodirty_domain *dom,
		      const struct iodirty_unmap_seg *segs, size_t nr,
		      uint64_t *dirty, size_t *failed);

/* ------------------------------------------------------------------ */
/* Counters                                                           */
/* ------------------------------------------------------------------ */

struct iodirty_stats {
	size_t sz;
	uint64_t mapped_bytes;	/* bytes mapped, holes excluded */
	uint64_t mappings;	/* linear IOVA->address runs (areas) */
	uint64_t holes;		/* pages unmapped inside mappings */
	uint64_t dirty_pending;	/* dirty granules not yet read-and-cleared */
	uint64_t reads;		/* successful dirty read calls, including
				 * unmaps with a dirty report: one each,
				 * however the backend splits the work */
	uint64_t clears;	/* of those, the calls that cleared at least
				 * one dirty granule, whether or not the
				 * caller's bitmap already had its bit: the
				 * IOTLB flushes a hardware IOMMU would
				 * need. None for IODIRTY_READ_NO_CLEAR, nor
				 * for a read that only reported granules it
				 * could not clear (see
				 * iodirty_read_dirty_uaddr()) */
	uint64_t mem_bytes;	/* library memory held by the domain */
	uint64_t granule;	/* dirty granule in bytes */
	uint32_t iova_bits;
	uint32_t tracking;	/* 1 while dirty tracking is on */
	/* Hardware model (0 without IODIRTY_DOMAIN_HW_MODEL): */
	uint64_t hw_huge_leaves;	/* 2 MiB and 1 GiB leaves now, unsplit */
	uint64_t hw_splits;	/* huge leaves split (tracking starts) */
	uint64_t hw_collapses;	/* huge leaves collapsed (tracking stops) */
	/* Since 0.3; "iommufd" only, else 0: hardware reads that recorded an
	 * IOPTE past their range (see iodirty_domain_attach()). */
	uint64_t hw_read_overflows;
	/* Since 0.3; "kmod" only, else 0: the IO address space's system-wide
	 * handle, as "iodirty-ctl list" and "show" name it. */
	uint64_t handle;
	/*
	 * Since 0.5, for convergence estimates: counters since the domain was
	 * created, and when they were read. A rate is the difference of two
	 * readings over the difference of their time_ns; dirtied * granule
	 * gives bytes.
	 */
	uint64_t time_ns;	/* CLOCK_MONOTONIC of this reading, in ns */
	uint64_t dirtied;	/* granules changed from clean to dirty by
				 * software DMA, marks and puts (each change
				 * once: a granule dirtied again after a
				 * read counts again); "iommufd": also the
				 * IOMMU's dirty bits, when a read collects
				 * them */
	uint64_t dma_written;	/* bytes written by successful software
				 * DMA (iodirty_dma_write(), _writev()) and
				 * reported by iodirty_sg_put() */
	uint64_t dma_read;	/* bytes read by successful software DMA */
};

/**
 * iodirty_domain_stats() - read the domain's counters.
 * @st: st->sz must be set (use IODIRTY_OPTS); fields past st->sz are not
 *      written, bytes past what the library knows are zeroed.
 * Return: 0, -EINVAL (NULL, or st->sz < sizeof(size_t)).
 */
int iodirty_domain_stats(struct iodirty_domain *dom, struct iodirty_stats *st);

/**
 * iodirty_strerror() - short description of a negative errno of this API;
 * other values get the C library's text. Never NULL; static storage.
 */
const char *iodirty_strerror(int err);

/**
 * iodirty_version() - the version of the library loaded at run time, as
 * IODIRTY_VERSION_CODE() of it; compare it with the header's
 * IODIRTY_VERSION_CODE(IODIRTY_VERSION_MAJOR, IODIRTY_VERSION_MINOR,
 * IODIRTY_VERSION_PATCH) to learn whether the library is older than the
 * header a program was built with. Since 0.3; thread-safe.
 * @str: if not NULL, receives the version as a string ("0.3.0"), in static
 *       storage.
 */
uint32_t iodirty_version(const char **str);

#ifdef __cplusplus
}
#endif

/* Dirty logs shared with device processes (since 0.6). */
#include <libiodirty/shared_log.h>

#endif /* LIBIODIRTY_IODIRTY_H */
