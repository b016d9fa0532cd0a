/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * /dev/iodirty: io-pagetables with dirty tracking, driven from userspace.
 *
 * Copyright (c) the libiodirty authors.
 */
#ifndef _UAPI_LINUX_IODIRTY_H
#define _UAPI_LINUX_IODIRTY_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IODIRTY_TYPE	0xDD

/**
 * DOC: General ioctl format
 *
 * Every ioctl takes a pointer to a struct whose first field is ``__u32
 * size``, the number of bytes userspace passes; the second is ``__u32
 * flags`` (except for DESTROY). The kernel reads ``size`` bytes; a command
 * with output fields replies in place, writing ``min(size, sizeof(struct))``
 * bytes back, and one without writes nothing back.
 *
 * Size rules (the same for every ioctl):
 *
 * - ``size`` below the command's minimum size: EINVAL. The minimum is the
 *   struct as the command was introduced, fixed forever; for every
 *   command of uAPI version 1 it is the whole struct below;
 * - ``size`` larger than the kernel's struct with any non-zero byte past
 *   the end it knows: E2BIG (new userspace asked for something this
 *   module cannot do); zero bytes past the end are ignored;
 * - a shorter struct from old userspace is zero-extended, and fields added
 *   later always treat zero as "behave as before".
 *
 * Error codes with one meaning across the whole uAPI:
 *
 * - ENOTTY: unknown ioctl number. The whole 32-bit number must be one of
 *   the IODIRTY_* below: type IODIRTY_TYPE, a known command number, and
 *   the direction and size bits zero (as _IO() makes them), so that a
 *   known number with another type, _IOR(), _IOW() or _IOWR() is ENOTTY;
 * - EOPNOTSUPP: unknown bit in ``flags``, a non-zero ``__reserved``
 *   input field (reserved fields may gain a meaning later; reserved
 *   fields of the reply are written as 0 and ignored on input), or a
 *   known flag whose capability bit (enum iodirty_info_caps) is clear;
 * - EINVAL: ``size`` below the minimum, or a value the command cannot
 *   take (alignment, zero length, page size, NULL user pointer where one
 *   is needed, a field that must be 0 in the mode the flags chose);
 * - EOVERFLOW: ``start + length`` wraps around 2^64;
 * - ERANGE: an address beyond the IO address space of the io-pagetable;
 * - ENOENT: an unknown object ID, or an IOVA that is not mapped;
 * - EFAULT: a user pointer the kernel could not read or write;
 * - ENOMEM: out of memory, or pinning would exceed RLIMIT_MEMLOCK;
 * - EINTR: a fatal signal stopped a long pin, copy or bitmap walk (the
 *   process is exiting; the command's state is as after a failure);
 * - EBADF: a command that changes state, on an fd opened without write
 *   access (O_RDONLY), which may only query: GET_INFO, IOAS_TRANSLATE,
 *   IOAS_IOVA_RANGES, IOAS_STATS, IOAS_MAPPINGS, and GET_DIRTY_BITMAP and
 *   GET_DIRTY_EXTENTS with IODIRTY_DIRTY_NO_CLEAR.
 *
 * Each command lists the other errors it returns. A failing command
 * changes nothing, unless its description says otherwise. One exception
 * holds for every command with a reply: if the reply cannot be written
 * back (the argument's memory became unwritable during the call), the
 * call fails with EFAULT after its work is done, except IOAS_ALLOC, which
 * then destroys the new io-pagetable.
 */
enum {
	IODIRTY_CMD_BASE = 0x80,
	IODIRTY_CMD_GET_INFO = IODIRTY_CMD_BASE,
	IODIRTY_CMD_DESTROY,
	IODIRTY_CMD_IOAS_ALLOC,
	IODIRTY_CMD_IOAS_MAP,
	IODIRTY_CMD_IOAS_UNMAP,
	IODIRTY_CMD_IOAS_TRANSLATE,
	IODIRTY_CMD_IOAS_IOVA_RANGES,
	IODIRTY_CMD_IOAS_RESERVE,
	IODIRTY_CMD_SET_DIRTY_TRACKING,
	IODIRTY_CMD_GET_DIRTY_BITMAP,
	IODIRTY_CMD_DMA_RW,
	IODIRTY_CMD_IOAS_STATS,
	IODIRTY_CMD_DMA_RWV,
	IODIRTY_CMD_SG_GET,
	IODIRTY_CMD_SG_PUT,
	IODIRTY_CMD_IOAS_MAPPINGS,
	IODIRTY_CMD_GET_DIRTY_EXTENTS,
	IODIRTY_CMD_SET_DIRTY,
	IODIRTY_CMD_IOAS_MAP_VEC,
	IODIRTY_CMD_IOAS_UNMAP_VEC,
};

/*
 * A new command goes at the end of the enum above and needs a row in the
 * command table of tests/uapi/uapi_cmds.c, against which test_uapi_sizes.c
 * checks the size, flag and reserved-field rules of every command. The
 * table fails to compile while it does not reach the last command, which
 * uapi_cmds.h names in one place (LAST_CMD): move LAST_CMD to it too.
 */

/**
 * enum iodirty_info_caps - what the module can do
 * @IODIRTY_INFO_CAP_DIRTY_TRACKING: SET_DIRTY_TRACKING and GET_DIRTY_BITMAP
 * @IODIRTY_INFO_CAP_UNMAP_DIRTY: IOAS_UNMAP returns dirty bits atomically
 * @IODIRTY_INFO_CAP_PARTIAL_UNMAP: IOAS_UNMAP may cut a mapping (holes)
 * @IODIRTY_INFO_CAP_DMA_RW: DMA_RW
 * @IODIRTY_INFO_CAP_UADDR_REPORT: GET_DIRTY_BITMAP with IODIRTY_DIRTY_UADDR
 * @IODIRTY_INFO_CAP_RESERVE: IOAS_RESERVE
 * @IODIRTY_INFO_CAP_HW_MODEL: IOAS_ALLOC with IODIRTY_IOAS_HW_MODEL
 * @IODIRTY_INFO_CAP_SG: SG_GET and SG_PUT (uAPI version 2)
 * @IODIRTY_INFO_CAP_MAP_VEC: IOAS_MAP_VEC and IOAS_UNMAP_VEC (uAPI version 3)
 * @IODIRTY_INFO_CAP_EXTENTS: GET_DIRTY_EXTENTS (uAPI version 3)
 * @IODIRTY_INFO_CAP_SET_DIRTY: SET_DIRTY (uAPI version 3)
 * @IODIRTY_INFO_CAP_MAPPINGS: IOAS_MAPPINGS (uAPI version 3)
 *
 * DMA_RWV (uAPI version 2) needs IODIRTY_INFO_CAP_DMA_RW: it is the same
 * feature, vectored.
 */
enum iodirty_info_caps {
	IODIRTY_INFO_CAP_DIRTY_TRACKING = 1 << 0,
	IODIRTY_INFO_CAP_UNMAP_DIRTY = 1 << 1,
	IODIRTY_INFO_CAP_PARTIAL_UNMAP = 1 << 2,
	IODIRTY_INFO_CAP_DMA_RW = 1 << 3,
	IODIRTY_INFO_CAP_UADDR_REPORT = 1 << 4,
	IODIRTY_INFO_CAP_RESERVE = 1 << 5,
	IODIRTY_INFO_CAP_HW_MODEL = 1 << 6,
	IODIRTY_INFO_CAP_SG = 1 << 7,
	IODIRTY_INFO_CAP_MAP_VEC = 1 << 8,
	IODIRTY_INFO_CAP_EXTENTS = 1 << 9,
	IODIRTY_INFO_CAP_SET_DIRTY = 1 << 10,
	IODIRTY_INFO_CAP_MAPPINGS = 1 << 11,
};

/**
 * struct iodirty_info - ioctl(IODIRTY_GET_INFO)
 * @size: sizeof(struct iodirty_info)
 * @flags: must be 0
 * @out_uapi_version: 3 (2 before IOAS_MAPPINGS, GET_DIRTY_EXTENTS,
 *                    SET_DIRTY, IOAS_MAP_VEC, IOAS_UNMAP_VEC,
 *                    IODIRTY_DIRTY_COUNT_ALL, @out_nr_dirty of
 *                    IOAS_UNMAP and unmap reports that cut report pages; 1
 *                    before DMA_RWV, SG_GET and SG_PUT); grows when
 *                    commands, flags or fields are added
 * @out_max_iova_bits: widest IO address space IOAS_ALLOC accepts
 * @out_capabilities: enum iodirty_info_caps
 * @out_page_sizes: bit n set: 2^n is a valid mapping alignment
 * @out_granules: bit n set: 2^n is a valid dirty granule for IOAS_ALLOC
 * @out_default_iova_bits: IO address space width when IOAS_ALLOC gets 0
 * @__reserved: must be 0
 * @out_max_mappings: mappings per io-pagetable, 0 if only memory limits it
 *
 * Capability discovery: a new userspace on an old module reads
 * @out_capabilities (and @out_uapi_version) instead of probing.
 */
struct iodirty_info {
	__u32 size;
	__u32 flags;
	__u32 out_uapi_version;
	__u32 out_max_iova_bits;
	__aligned_u64 out_capabilities;
	__aligned_u64 out_page_sizes;
	__aligned_u64 out_granules;
	__u32 out_default_iova_bits;
	__u32 __reserved;
	__aligned_u64 out_max_mappings;
};
#define IODIRTY_GET_INFO _IO(IODIRTY_TYPE, IODIRTY_CMD_GET_INFO)

/**
 * struct iodirty_destroy - ioctl(IODIRTY_DESTROY)
 * @size: sizeof(struct iodirty_destroy)
 * @id: object to destroy
 *
 * Destroys an object of this fd: for an io-pagetable, unmaps everything,
 * unpins the pages and undoes their locked_vm charge (see IOAS_MAP);
 * unread dirty state is dropped. ENOENT if there is no such object; EBUSY if
 * another call is using the object right now (try again). Closing the fd
 * destroys every object left. IDs are handed out cyclically, so a
 * destroyed ID is not reused until the 31-bit ID space wraps.
 */
struct iodirty_destroy {
	__u32 size;
	__u32 id;
};
#define IODIRTY_DESTROY _IO(IODIRTY_TYPE, IODIRTY_CMD_DESTROY)

/**
 * enum iodirty_ioas_alloc_flags - flags for IOAS_ALLOC
 * @IODIRTY_IOAS_HW_MODEL: model IOMMU page-table leaves: writes dirty whole
 *                         4 KiB, 2 MiB or 1 GiB leaves (see IOAS_ALLOC);
 *                         needs IODIRTY_INFO_CAP_HW_MODEL
 */
enum iodirty_ioas_alloc_flags {
	IODIRTY_IOAS_HW_MODEL = 1 << 0,
};

/**
 * enum iodirty_ioas_hw_split - huge leaf policy of a HW_MODEL io-pagetable
 * @IODIRTY_IOAS_HW_SPLIT_NONE: huge leaves stay huge while tracking
 * @IODIRTY_IOAS_HW_SPLIT_EAGER: tracking start splits them to 4 KiB, stop
 *                               collapses them
 */
enum iodirty_ioas_hw_split {
	IODIRTY_IOAS_HW_SPLIT_NONE = 0,
	IODIRTY_IOAS_HW_SPLIT_EAGER = 1,
};

/**
 * struct iodirty_ioas_alloc - ioctl(IODIRTY_IOAS_ALLOC)
 * @size: sizeof(struct iodirty_ioas_alloc)
 * @flags: enum iodirty_ioas_alloc_flags
 * @iova_bits: width of the IO address space, 20..out_max_iova_bits of
 *             GET_INFO; 0: out_default_iova_bits
 * @granule_shift: log2 of the dirty granule, 12..min(30, @iova_bits - 1)
 *                 (the bits of out_granules); 0: 12
 * @hw_split: enum iodirty_ioas_hw_split; non-zero needs
 *            IODIRTY_IOAS_HW_MODEL
 * @out_ioas_id: ID of the new io-pagetable
 * @out_handle: (since the inspection family) its system-wide handle, the
 *              one the "iodirty" generic netlink family and iodirty-ctl
 *              show; written if @size covers it. IOAS_STATS gives it too.
 *
 * Creates an empty io-pagetable with dirty tracking off.
 *
 * With IODIRTY_IOAS_HW_MODEL the io-pagetable behaves like an IOMMU page
 * table: each mapped run is covered by leaves of 4 KiB, 2 MiB or 1 GiB,
 * the largest whose IOVA block is fully mapped (no holes) and whose IOVA
 * and user address are both aligned to the leaf size, and while tracking,
 * a DMA_RW write (or MARK_ONLY) dirties every granule of its whole leaf.
 * @hw_split
 * chooses whether huge leaves are split while tracking. Reads still report
 * only the range asked for: the part of a dirty leaf outside it stays
 * dirty. IOAS_STATS counts the leaves (out_hw_*). A module without
 * IODIRTY_INFO_CAP_HW_MODEL refuses the flag with EOPNOTSUPP.
 *
 * Errors: EINVAL for an out-of-range @iova_bits or @granule_shift, an
 * unknown @hw_split, or a non-zero @hw_split without the hardware model.
 */
struct iodirty_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 iova_bits;
	__u32 granule_shift;
	__u32 hw_split;
	__u32 out_ioas_id;
	__u32 out_handle;
};
#define IODIRTY_IOAS_ALLOC _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_ALLOC)

/**
 * enum iodirty_ioas_map_flags - device access of a mapping
 * @IODIRTY_IOAS_MAP_READ: the device may read
 * @IODIRTY_IOAS_MAP_WRITE: the device may write (pins the pages for write)
 */
enum iodirty_ioas_map_flags {
	IODIRTY_IOAS_MAP_READ = 1 << 0,
	IODIRTY_IOAS_MAP_WRITE = 1 << 1,
};

/**
 * struct iodirty_ioas_map - ioctl(IODIRTY_IOAS_MAP)
 * @size: sizeof(struct iodirty_ioas_map)
 * @flags: enum iodirty_ioas_map_flags, at least one of them (else EINVAL)
 * @ioas_id: io-pagetable
 * @__reserved: must be 0
 * @user_va: page-aligned start of the memory in the caller's address space
 * @length: page-aligned, non-zero length
 * @iova: page-aligned IOVA; the caller always chooses it
 *
 * Pins the pages of [@user_va, @user_va + @length) (for write when
 * IODIRTY_IOAS_MAP_WRITE, so copy-on-write is broken now, not on DMA) and
 * maps them at @iova. Pinned pages are charged, like iommufd and VFIO
 * charge them, to the locked_vm of the user that created the io-pagetable
 * (the charge stays there when the fd is passed on), against the
 * RLIMIT_MEMLOCK of the task calling IOAS_MAP: going over gives ENOMEM
 * and nothing is pinned or charged. A mapping task with CAP_IPC_LOCK is
 * not held to the limit, but its pins are still charged, so the account
 * always matches what is pinned. Two mappings of the same memory pin and
 * charge it twice. The charge is undone as pages stop being mapped.
 *
 * Errors: EEXIST if a page of the range is already mapped; EADDRNOTAVAIL
 * if it overlaps a reserved region; EFAULT if @user_va is 0 (no process
 * can map page 0; checked with the other values, before EEXIST and
 * EADDRNOTAVAIL) or the memory cannot be pinned (not mapped, PROT_NONE,
 * or read-only with IODIRTY_IOAS_MAP_WRITE).
 */
struct iodirty_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IODIRTY_IOAS_MAP _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_MAP)

/**
 * enum iodirty_unmap_flags - flags for IOAS_UNMAP
 * @IODIRTY_UNMAP_EXACT: fail with ENOENT, unmapping nothing, unless every
 *                       page of the range is mapped
 * @IODIRTY_UNMAP_DIRTY_BITMAP: report the dirty state of the range in
 *                              @dirty_bitmap, atomically with the unmap
 */
enum iodirty_unmap_flags {
	IODIRTY_UNMAP_EXACT = 1 << 0,
	IODIRTY_UNMAP_DIRTY_BITMAP = 1 << 1,
};

/**
 * struct iodirty_ioas_unmap - ioctl(IODIRTY_IOAS_UNMAP)
 * @size: sizeof(struct iodirty_ioas_unmap)
 * @flags: enum iodirty_unmap_flags
 * @ioas_id: io-pagetable
 * @__reserved: must be 0
 * @iova: page-aligned start
 * @length: page-aligned, non-zero length
 * @page_size: with IODIRTY_UNMAP_DIRTY_BITMAP: bytes per bitmap bit, a
 *             power of two not smaller than the granule; else must be 0
 *             (EINVAL)
 * @dirty_bitmap: with IODIRTY_UNMAP_DIRTY_BITMAP: 8-byte aligned user
 *                pointer (else EINVAL) to the report's bits (below) in
 *                little-endian 64-bit words; else must be 0 (EINVAL)
 * @out_unmapped: bytes that were mapped and are now unmapped
 * @out_nr_dirty: (uAPI version 3) with IODIRTY_UNMAP_DIRTY_BITMAP: bits of
 *                the report found dirty, whether the bitmap had them set
 *                before or not; else 0
 *
 * Unmaps every mapped page of [@iova, @iova + @length) and unpins it.
 * Without IODIRTY_UNMAP_EXACT the range may cut mappings (the cut pages
 * become holes) and contain unmapped pages, but must hold at least one
 * mapped page (else ENOENT). Without IODIRTY_UNMAP_DIRTY_BITMAP, dirty
 * state is dropped with the pages (a granule larger than a page keeps it
 * while some of its pages stay mapped). With it, the dirty
 * state of the range is harvested under the same lock that unmaps it, so
 * no device write between the last read and the unmap is lost. The bitmap
 * is written as by GET_DIRTY_BITMAP: bit n covers [base + n * @page_size,
 * + @page_size), where base is @iova rounded down to @page_size, bits are
 * only set, never cleared, nothing past the last 64-bit word of the
 * bitmap is written, and the bits of that word past the report keep their
 * value. Up to uAPI version 2, @iova and @length must be multiples of
 * @page_size (else EINVAL). From version 3 they need only be page-aligned:
 * the report then has one bit per @page_size block the range touches,
 * ((@iova + @length - 1) / @page_size - @iova / @page_size + 1 bits),
 * partial blocks at either end counting whole; only dirty state inside
 * the range is cleared, so a granule cut by the range's edges is
 * reported and stays dirty while a page of it stays mapped. The bitmap's pages are pinned before
 * anything is unmapped, so writing it cannot fail afterwards (EFAULT from
 * the bitmap means nothing was unmapped; EFAULT from writing
 * @out_unmapped back, as with any reply, comes after the unmap). ENODATA
 * if a bitmap is asked for while tracking is off.
 */
struct iodirty_ioas_unmap {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 dirty_bitmap;
	__aligned_u64 out_unmapped;
	__aligned_u64 out_nr_dirty;
};
#define IODIRTY_IOAS_UNMAP _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_UNMAP)

/**
 * struct iodirty_ioas_translate - ioctl(IODIRTY_IOAS_TRANSLATE)
 * @size: sizeof(struct iodirty_ioas_translate)
 * @flags: must be 0
 * @ioas_id: io-pagetable
 * @__reserved: must be 0
 * @iova: any IOVA (need not be aligned)
 * @out_user_va: user address @iova maps to
 * @out_contig: bytes from @iova that map linearly, up to a hole or the
 *              end of the run (adjacent mappings that continue linearly
 *              in user address with equal permissions form one run)
 *
 * ENOENT if @iova is not mapped; ERANGE if it lies beyond the IO address
 * space.
 */
struct iodirty_ioas_translate {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 out_user_va;
	__aligned_u64 out_contig;
};
#define IODIRTY_IOAS_TRANSLATE _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_TRANSLATE)

/**
 * enum iodirty_range_type - type of a range in IOAS_IOVA_RANGES
 * @IODIRTY_RANGE_USABLE: may be mapped
 * @IODIRTY_RANGE_RESV_MSI: reserved: an MSI doorbell window
 * @IODIRTY_RANGE_RESV_DIRECT: reserved: identity-mapped by firmware
 */
enum iodirty_range_type {
	IODIRTY_RANGE_USABLE = 0,
	IODIRTY_RANGE_RESV_MSI = 1,
	IODIRTY_RANGE_RESV_DIRECT = 2,
};

/**
 * struct iodirty_iova_range - one range of IOAS_IOVA_RANGES
 * @start: first byte
 * @last: last byte, inclusive (so the whole 2^64 space fits)
 * @type: enum iodirty_range_type
 * @__reserved: written as 0
 */
struct iodirty_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
	__u32 type;
	__u32 __reserved;
};

/**
 * enum iodirty_iova_ranges_flags - flags for IOAS_IOVA_RANGES
 * @IODIRTY_RANGES_RESERVED: list the reserved regions instead of the
 *                           usable ranges
 */
enum iodirty_iova_ranges_flags {
	IODIRTY_RANGES_RESERVED = 1 << 0,
};

/**
 * struct iodirty_ioas_iova_ranges - ioctl(IODIRTY_IOAS_IOVA_RANGES)
 * @size: sizeof(struct iodirty_ioas_iova_ranges)
 * @flags: enum iodirty_iova_ranges_flags
 * @ioas_id: io-pagetable
 * @num_ranges: in: entries @ranges can hold; out: entries that exist
 * @ranges: user pointer to an array of @num_ranges entries of
 *          @entry_size bytes; may be 0 only when @num_ranges is 0 (else
 *          EINVAL)
 * @entry_size: in: bytes of one entry of the caller's array, normally
 *              sizeof(struct iodirty_iova_range); 0 means 24, the entry
 *              of uAPI version 1, and a non-zero value below 24 is
 *              EINVAL. Out: sizeof(struct iodirty_iova_range) of the
 *              module.
 * @__reserved: must be 0
 *
 * Usable ranges (type IODIRTY_RANGE_USABLE) are the IO address space minus
 * the reserved regions; IODIRTY_RANGES_RESERVED lists the regions
 * themselves, with their types. Both come in ascending order.
 *
 * The entry may grow in a later uAPI version. The module writes the first
 * min(@entry_size, its own entry size) bytes of each entry and zero-fills
 * the rest of a larger caller entry, so an array sized for any version is
 * filled within its bounds, and fields the module does not know read as 0.
 *
 * When the array is too small, as many entries as fit are written (the
 * others are untouched), @num_ranges says how many exist and the call
 * fails with EMSGSIZE, like iommufd, still writing the reply: call again
 * with a larger array.
 */
struct iodirty_ioas_iova_ranges {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 num_ranges;
	__aligned_u64 ranges;
	__u32 entry_size;
	__u32 __reserved;
};
#define IODIRTY_IOAS_IOVA_RANGES _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_IOVA_RANGES)

/**
 * enum iodirty_reserve_flags - flags for IOAS_RESERVE
 * @IODIRTY_RESERVE_REMOVE: remove the reserved region that is exactly the
 *                          range instead
 */
enum iodirty_reserve_flags {
	IODIRTY_RESERVE_REMOVE = 1 << 0,
};

/**
 * struct iodirty_ioas_reserve - ioctl(IODIRTY_IOAS_RESERVE)
 * @size: sizeof(struct iodirty_ioas_reserve)
 * @flags: enum iodirty_reserve_flags
 * @ioas_id: io-pagetable
 * @type: IODIRTY_RANGE_RESV_MSI or IODIRTY_RANGE_RESV_DIRECT (else
 *        EINVAL); must be 0 with IODIRTY_RESERVE_REMOVE (else EINVAL)
 * @iova: page-aligned start
 * @length: page-aligned, non-zero length
 *
 * Reserves [@iova, @iova + @length) so that nothing can be mapped there:
 * EEXIST if it overlaps another reserved region, else EBUSY if the range
 * holds a mapped page. With IODIRTY_RESERVE_REMOVE, removes the reserved
 * region that is exactly this range (ENOENT if there is none). Needs
 * IODIRTY_INFO_CAP_RESERVE.
 */
struct iodirty_ioas_reserve {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 type;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IODIRTY_IOAS_RESERVE _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_RESERVE)

/**
 * enum iodirty_tracking_flags - flags for SET_DIRTY_TRACKING
 * @IODIRTY_TRACKING_ENABLE: turn tracking on (else off)
 */
enum iodirty_tracking_flags {
	IODIRTY_TRACKING_ENABLE = 1 << 0,
};

/**
 * struct iodirty_set_dirty_tracking - ioctl(IODIRTY_SET_DIRTY_TRACKING)
 * @size: sizeof(struct iodirty_set_dirty_tracking)
 * @flags: enum iodirty_tracking_flags
 * @ioas_id: io-pagetable
 * @__reserved: must be 0
 *
 * Enabling starts with every page clean; enabling while already enabled
 * is a no-op that keeps every bit not yet read (iommufd clears them, so a
 * second enable there loses writes). Disabling drops the dirty state: read
 * what you need first. Both are idempotent.
 */
struct iodirty_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
};
#define IODIRTY_SET_DIRTY_TRACKING _IO(IODIRTY_TYPE, IODIRTY_CMD_SET_DIRTY_TRACKING)

/**
 * enum iodirty_dirty_flags - flags for GET_DIRTY_BITMAP
 * @IODIRTY_DIRTY_NO_CLEAR: report without clearing
 * @IODIRTY_DIRTY_UADDR: @iova is a user address: report the dirty state
 *                       of the caller's memory, whatever IOVAs map it;
 *                       needs IODIRTY_INFO_CAP_UADDR_REPORT
 * @IODIRTY_DIRTY_COUNT_ALL: (uAPI version 3; older modules refuse it with
 *                           EOPNOTSUPP) @out_nr_set counts the bits found
 *                           dirty, whether the bitmap had them set before
 *                           or not; with IODIRTY_DIRTY_UADDR it may fail
 *                           with ENOMEM (a scratch bitmap of the piece)
 */
enum iodirty_dirty_flags {
	IODIRTY_DIRTY_NO_CLEAR = 1 << 0,
	IODIRTY_DIRTY_UADDR = 1 << 1,
	IODIRTY_DIRTY_COUNT_ALL = 1 << 2,
};

/**
 * struct iodirty_get_dirty_bitmap - ioctl(IODIRTY_GET_DIRTY_BITMAP)
 * @size: sizeof(struct iodirty_get_dirty_bitmap)
 * @flags: enum iodirty_dirty_flags
 * @ioas_id: io-pagetable
 * @__reserved: must be 0
 * @iova: start, aligned to @page_size (a user address with
 *        IODIRTY_DIRTY_UADDR)
 * @length: non-zero multiple of @page_size
 * @page_size: bytes per bit: a power of two, at least the granule (so a
 *             granule never spans two bits of an IOVA report)
 * @data: 8-byte aligned user pointer to @length / @page_size bits,
 *        little-endian 64-bit words (bit n is bit n % 64 of word n / 64)
 * @out_nr_set: bits this call changed from 0 to 1; with
 *              IODIRTY_DIRTY_COUNT_ALL, bits it found dirty
 *
 * Reads (and, without NO_CLEAR, clears) the dirty state of any range:
 * it may start and end anywhere, span several mappings and holes; unmapped
 * pages read clean. Bit n covers [@iova + n * @page_size, + @page_size)
 * and is set if a granule in it is dirty. Bits are only set, never
 * cleared, so bitmaps of several calls can be OR-ed. Nothing past the last
 * 64-bit word of the bitmap is written, and the bits of that word past
 * the range keep their value.
 *
 * With IODIRTY_DIRTY_UADDR, bit n covers the user pages [@iova + n *
 * @page_size, + @page_size) instead, and is set when a dirty granule has a
 * mapped page whose memory lies there, through whichever IOVA maps it
 * (aliases merge). A granule larger than a page may map to memory partly
 * inside and partly outside the range (its IOVA and user address need not
 * be aligned alike): such a dirty granule sets the bits of its pages
 * inside the range and is not cleared, so that a read of the neighbouring
 * memory still sees it: a granule is cleared only when the memory of all
 * its mapped pages lies inside the range. User addresses have no width
 * limit, so this mode has no ERANGE.
 *
 * Errors: ENODATA if tracking is off; ERANGE past the IO address space
 * (IOVA mode); EINVAL if @data is 0 or not 8-byte aligned. The bitmap's
 * pages are pinned before anything is cleared, so a bit is never cleared
 * without being reported (EFAULT: nothing was cleared in the piece that
 * failed). Large bitmaps are handled in pieces of up to 2 MiB of bitmap,
 * in ascending order, each read and cleared in one pass under the
 * io-pagetable's lock; when a piece fails, the earlier ones stay reported
 * in the bitmap and cleared.
 * With IODIRTY_DIRTY_UADDR, the edges between pieces count as edges of
 * the range: a granule whose memory straddles one is reported in both
 * pieces and not cleared.
 */
struct iodirty_get_dirty_bitmap {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
	__aligned_u64 out_nr_set;
};
#define IODIRTY_GET_DIRTY_BITMAP _IO(IODIRTY_TYPE, IODIRTY_CMD_GET_DIRTY_BITMAP)

/**
 * enum iodirty_dma_flags - flags for DMA_RW
 * @IODIRTY_DMA_WRITE: device writes: copy from @data into the mapped
 *                     pages and mark them dirty (else: device reads, copy
 *                     from the pages to @data)
 * @IODIRTY_DMA_MARK_ONLY: copy nothing, mark [@iova, +@length) dirty as if
 *                         written (a device that wrote through its own
 *                         mapping); needs IODIRTY_DMA_WRITE and @data 0
 *                         (else EINVAL)
 */
enum iodirty_dma_flags {
	IODIRTY_DMA_WRITE = 1 << 0,
	IODIRTY_DMA_MARK_ONLY = 1 << 1,
};

/**
 * struct iodirty_dma_rw - ioctl(IODIRTY_DMA_RW)
 * @size: sizeof(struct iodirty_dma_rw)
 * @flags: enum iodirty_dma_flags
 * @ioas_id: io-pagetable
 * @__reserved: must be 0
 * @iova: any start (byte granular)
 * @length: non-zero byte count
 * @data: user pointer to the buffer; must be 0 with MARK_ONLY and
 *        non-zero without (else EINVAL)
 *
 * A software device's DMA: the kernel walks the io-pagetable and copies
 * to or from the pinned pages, so the bytes land in the pages pinned at
 * map time even if the caller remapped its memory since. The range may
 * cross mappings that are contiguous in IOVA. The whole range is checked
 * first: ENOENT if a byte is not mapped, EACCES if a mapping lacks the
 * permission (nothing copied). A write marks what it copied dirty, under
 * the same read lock, so a concurrent GET_DIRTY_BITMAP sees it either
 * before or after, never in between. The dirty state's memory is
 * allocated before anything is copied, so ENOMEM means nothing was
 * written. EFAULT from @data, or EINTR, may come after part of a write
 * landed; the whole range is then marked dirty (reporting too much is
 * safe, missing a write is not). While tracking is off, writes are copied
 * and nothing is marked. @data is pinned before the io-pagetable's lock
 * is taken, a chunk of up to 1 MiB at a time (memory that cannot be
 * pinned is EFAULT), so a fault on it never delays a map or an unmap; a
 * map or unmap between two chunks can fail a later chunk after earlier
 * ones landed.
 *
 * MARK_ONLY is accepted on a mapping without IODIRTY_IOAS_MAP_WRITE (the
 * range must be mapped, writable or not): marking is bookkeeping for a
 * write the device made through its own mapping of the memory, and the
 * io-pagetable's permissions govern only the copies DMA_RW makes itself.
 * Its ENOMEM means nothing was marked.
 */
struct iodirty_dma_rw {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 data;
};
#define IODIRTY_DMA_RW _IO(IODIRTY_TYPE, IODIRTY_CMD_DMA_RW)

/**
 * struct iodirty_ioas_stats - ioctl(IODIRTY_IOAS_STATS)
 * @size: sizeof(struct iodirty_ioas_stats)
 * @flags: must be 0
 * @ioas_id: io-pagetable
 * @out_tracking: 1 while dirty tracking is on
 * @out_mapped_bytes: bytes mapped (and pinned), holes excluded
 * @out_mappings: linear IOVA->address runs
 * @out_holes: pages unmapped inside mappings
 * @out_dirty_pending: dirty granules not yet read-and-cleared
 * @out_reads: successful GET_DIRTY_BITMAP calls and IOAS_UNMAP reports,
 *             one each (up to uAPI version 2: one per piece of a
 *             GET_DIRTY_BITMAP)
 * @out_clears: of those, the ones that cleared at least one dirty granule
 *              (up to version 2: the pieces that turned a bit on)
 * @out_mem_bytes: kernel memory held by the io-pagetable's core
 * @out_granule: dirty granule in bytes
 * @out_iova_bits: width of the IO address space
 * @__reserved: written as 0
 * @out_hw_huge_leaves: HW_MODEL: 2 MiB and 1 GiB leaves now
 * @out_hw_splits: HW_MODEL: huge leaves split
 * @out_hw_collapses: HW_MODEL: huge leaves collapsed
 * @out_handle: system-wide handle of the io-pagetable (see IOAS_ALLOC);
 *              written if @size covers it
 * @__reserved2: written as 0
 * @out_holds: (uAPI version 2) holds of SG_GET not yet put; written if
 *             @size covers it
 * @out_dirtied: (uAPI version 3) granules changed from clean to dirty
 *               since the io-pagetable was made (a granule dirtied again
 *               after a read counts again); written if @size covers it
 * @out_dma_written: (uAPI version 3) bytes written by successful DMA_RW
 *                   and DMA_RWV calls and reported by SG_PUT
 * @out_dma_read: (uAPI version 3) bytes read by successful DMA_RW and
 *                DMA_RWV calls
 */
struct iodirty_ioas_stats {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 out_tracking;
	__aligned_u64 out_mapped_bytes;
	__aligned_u64 out_mappings;
	__aligned_u64 out_holes;
	__aligned_u64 out_dirty_pending;
	__aligned_u64 out_reads;
	__aligned_u64 out_clears;
	__aligned_u64 out_mem_bytes;
	__aligned_u64 out_granule;
	__u32 out_iova_bits;
	__u32 __reserved;
	__aligned_u64 out_hw_huge_leaves;
	__aligned_u64 out_hw_splits;
	__aligned_u64 out_hw_collapses;
	__u32 out_handle;
	__u32 __reserved2;
	__aligned_u64 out_holds;
	__aligned_u64 out_dirtied;
	__aligned_u64 out_dma_written;
	__aligned_u64 out_dma_read;
};
#define IODIRTY_IOAS_STATS _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_STATS)

/**
 * struct iodirty_dma_vec - one segment of DMA_RWV
 * @iova: any start (byte granular)
 * @length: non-zero byte count
 * @data: user pointer to the segment's buffer, non-zero
 *
 * The layout is fixed (24 bytes): a segment with more fields would come
 * with a new DMA_RWV flag that selects it, which an older module refuses
 * with EOPNOTSUPP.
 */
struct iodirty_dma_vec {
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 data;
};

/**
 * struct iodirty_dma_rwv - ioctl(IODIRTY_DMA_RWV)
 * @size: sizeof(struct iodirty_dma_rwv)
 * @flags: IODIRTY_DMA_WRITE or 0 (MARK_ONLY is not accepted here:
 *         EOPNOTSUPP)
 * @ioas_id: io-pagetable
 * @num_segs: entries of @segs; 0 is a transfer of nothing (success)
 * @segs: user pointer to @num_segs struct iodirty_dma_vec; may be 0 only
 *        when @num_segs is 0 (else EINVAL)
 * @out_done: bytes of the segments completed before the failing one, or
 *            of all of them on success; written on failure too (below)
 *
 * DMA_RW of each segment in turn, in one call: a device's descriptor
 * chain. Needs IODIRTY_INFO_CAP_DMA_RW and uAPI version 2.
 *
 * The whole list is checked before anything is transferred: EINVAL if a
 * segment's @data is 0, then EOVERFLOW if the lengths add up past 2^64.
 * Then each segment is checked and copied as DMA_RW does it (EINVAL for a
 * zero length, EOVERFLOW, ERANGE, ENOENT, EACCES before any byte of the
 * segment moves, ENOMEM before anything of it is written), in order, and the call
 * stops at the first segment that fails and returns its error. The
 * segments before it were transferred (and, written, marked dirty); the
 * failing one was not, except on EFAULT from its buffer or EINTR, where
 * part of it may have landed and the whole segment is marked dirty.
 *
 * @out_done is written back whenever the list was read: on success and
 * on every error from the checks of the list or of a segment, so a
 * device reports a short transfer from it. Errors of the argument itself
 * (size, flags, ID, @segs 0, EFAULT reading the list) write nothing back:
 * nothing was transferred, and a caller that zeroes @out_done before the
 * call reads 0 after any failure. If @out_done cannot be written, the
 * call fails with EFAULT instead of the segment's error.
 *
 * The list has no length limit: the module reads it in pieces, so its
 * kernel memory does not grow with @num_segs, and each piece of segments
 * is transferred under one hold of the io-pagetable's read lock (an unmap
 * waits at most for one piece). Like readv(), the list is read twice
 * (checked, then transferred): a list changed by another thread during
 * the call gets the checks of what is read the second time, segment by
 * segment, never a transfer the checks would refuse.
 */
struct iodirty_dma_rwv {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 num_segs;
	__aligned_u64 segs;
	__aligned_u64 out_done;
};
#define IODIRTY_DMA_RWV _IO(IODIRTY_TYPE, IODIRTY_CMD_DMA_RWV)

/**
 * enum iodirty_sg_get_flags - flags for SG_GET
 * @IODIRTY_SG_GET_WRITE: the device will write through the pieces: every
 *                        page must be mapped with IODIRTY_IOAS_MAP_WRITE
 *                        (else IODIRTY_IOAS_MAP_READ), and SG_PUT marks
 *                        what was written dirty
 */
enum iodirty_sg_get_flags {
	IODIRTY_SG_GET_WRITE = 1 << 0,
};

/**
 * struct iodirty_sg_piece - one piece of a held range
 * @uaddr: user address of the piece, in the memory IOAS_MAP mapped
 * @length: bytes
 */
struct iodirty_sg_piece {
	__aligned_u64 uaddr;
	__aligned_u64 length;
};

/**
 * struct iodirty_sg_get - ioctl(IODIRTY_SG_GET)
 * @size: sizeof(struct iodirty_sg_get)
 * @flags: enum iodirty_sg_get_flags
 * @ioas_id: io-pagetable
 * @num_pieces: in: entries @pieces can hold; out: entries used, or needed
 *              (EMSGSIZE)
 * @iova: any start (byte granular)
 * @length: non-zero byte count
 * @pieces: user pointer to @num_pieces struct iodirty_sg_piece; may be 0
 *          only when @num_pieces is 0 (else EINVAL)
 * @out_hold_id: the hold, for SG_PUT
 * @__reserved: must be 0
 *
 * Holds [@iova, @iova + @length) for direct access (zero-copy DMA of a
 * device emulator): fills @pieces with the user memory the range maps to,
 * in IOVA order, one piece per run that is contiguous in user address,
 * and returns a hold that SG_PUT releases. Needs IODIRTY_INFO_CAP_SG.
 * The pieces are addresses in the caller's memory as IOAS_MAP was given
 * it: they reach the pinned pages as long as the caller has not remapped
 * that memory (as with TRANSLATE).
 *
 * Checks as DMA_RW: EOVERFLOW, ERANGE, ENOENT (a page is unmapped), then
 * EACCES (a page lacks the permission); a write hold allocates the dirty
 * state SG_PUT will mark (ENOMEM) before anything is held. When
 * @num_pieces is too small, as many entries as fit are written, the
 * others are untouched, @num_pieces says how many are needed, the reply
 * is written and the call fails with EMSGSIZE: nothing is held. (0 and
 * @pieces 0 ask for the count.) Nothing is held on any failure; if the
 * reply cannot be written, the hold is released and the call fails with
 * EFAULT.
 *
 * A hold belongs to its io-pagetable: its ID means nothing to another
 * one (ENOENT there). Hold IDs start at 1 and are handed out cyclically,
 * like object IDs. DESTROY of the io-pagetable and close of the fd release
 * the holds left (without marking anything). Holds are kernel memory
 * charged to the caller's memory cgroup, and IOAS_STATS counts them.
 *
 * Unmap while held: IOAS_UNMAP does not wait for holds. If it removes
 * pages of a write hold and reports dirty state (IODIRTY_UNMAP_DIRTY_BITMAP),
 * the held pages it removes are reported dirty, written or not, so a
 * write through the pieces before the unmap returned is never lost. The
 * hold becomes stale: SG_PUT then marks only the pages still mapped and
 * fails with ESTALE. GET_DIRTY_BITMAP does not report held pages: what
 * was written is marked at SG_PUT and reported by the next read.
 */
struct iodirty_sg_get {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 num_pieces;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 pieces;
	__u32 out_hold_id;
	__u32 __reserved;
};
#define IODIRTY_SG_GET _IO(IODIRTY_TYPE, IODIRTY_CMD_SG_GET)

/**
 * struct iodirty_sg_put - ioctl(IODIRTY_SG_PUT)
 * @size: sizeof(struct iodirty_sg_put)
 * @flags: must be 0
 * @ioas_id: io-pagetable the hold belongs to
 * @hold_id: out_hold_id of SG_GET
 * @written: bytes written from the start of the range, at most its
 *           length, 0 for a read hold (else EINVAL, and the hold is kept);
 *           a device that does not know passes the whole length
 *
 * Releases a hold of SG_GET, marking the pages of [iova, iova + @written)
 * that are still mapped dirty if tracking is on. Needs
 * IODIRTY_INFO_CAP_SG.
 *
 * Errors: ENOENT (no such hold in this io-pagetable, or put already);
 * ESTALE (an unmap removed pages of the range while held: the hold is
 * released all the same, and the pages still mapped are marked).
 */
struct iodirty_sg_put {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 hold_id;
	__aligned_u64 written;
};
#define IODIRTY_SG_PUT _IO(IODIRTY_TYPE, IODIRTY_CMD_SG_PUT)

/**
 * struct iodirty_mapping_entry - one run of IOAS_MAPPINGS
 * @iova: first byte
 * @length: bytes
 * @user_va: address of @iova in the process that mapped it
 * @flags: enum iodirty_ioas_map_flags of the mapping
 * @__reserved: written as 0
 */
struct iodirty_mapping_entry {
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 user_va;
	__u32 flags;
	__u32 __reserved;
};

/**
 * struct iodirty_ioas_mappings - ioctl(IODIRTY_IOAS_MAPPINGS)
 * @size: sizeof(struct iodirty_ioas_mappings)
 * @flags: must be 0
 * @ioas_id: io-pagetable
 * @num_entries: in: entries @entries can hold, at least 1; out: entries
 *               written
 * @iova: where to start (any byte address)
 * @entries: user pointer to an array of @num_entries struct
 *           iodirty_mapping_entry
 *
 * Lists the runs of mapped pages (the parts of mappings between the holes
 * that IOAS_UNMAP cut) from the page that holds @iova up, in IOVA order,
 * the first one starting at that page. Runs of separate IOAS_MAP calls
 * that continue each other may come as one entry or as several. At most
 * @num_entries are written, fewer only when nothing more is mapped; to go
 * on, call again from the end of the last one. The list is read in steps
 * of up to 64 runs under the io-pagetable's read lock, so a call that
 * returns more may see a concurrent map or unmap in its later steps only.
 * Needs IODIRTY_INFO_CAP_MAPPINGS.
 *
 * Errors: EINVAL (@num_entries or @entries 0); ERANGE (@iova beyond the
 * IO address space); EFAULT (@entries not writable: entries before the
 * fault may have been written).
 */
struct iodirty_ioas_mappings {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 num_entries;
	__aligned_u64 iova;
	__aligned_u64 entries;
};
#define IODIRTY_IOAS_MAPPINGS _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_MAPPINGS)

/**
 * struct iodirty_dirty_extent - a run of dirty memory
 * @start: first byte
 * @length: bytes
 */
struct iodirty_dirty_extent {
	__aligned_u64 start;
	__aligned_u64 length;
};

/* GET_DIRTY_EXTENTS returns at most this many extents a call. */
#define IODIRTY_EXTENTS_MAX (1u << 16)

/**
 * struct iodirty_get_dirty_extents - ioctl(IODIRTY_GET_DIRTY_EXTENTS)
 * @size: sizeof(struct iodirty_get_dirty_extents)
 * @flags: enum iodirty_dirty_flags (NO_CLEAR, UADDR), as for
 *         GET_DIRTY_BITMAP
 * @ioas_id: io-pagetable
 * @nr_extents: entries of @extents, at least 1
 * @iova: start, aligned to @page_size (a user address with
 *        IODIRTY_DIRTY_UADDR)
 * @length: non-zero multiple of @page_size
 * @page_size: the unit of the runs: a power of two, at least the granule
 * @extents: 8-byte aligned user pointer to @nr_extents struct
 *           iodirty_dirty_extent
 * @out_nr: extents written
 * @out_next: where to resume: @iova + @length when the range is done
 *            (0 if that is 2^64), else the start of the first run that
 *            did not fit
 *
 * Reads (and, without NO_CLEAR, clears) the dirty state of the range as
 * GET_DIRTY_BITMAP does, but returns runs of dirty pages of @page_size
 * bytes (start and length in bytes, in increasing order, adjacent runs
 * merged): exactly the pages the bitmap read would set. At most
 * min(@nr_extents, IODIRTY_EXTENTS_MAX) runs are returned; only they are
 * cleared, and nothing at or past @out_next is read or cleared. With
 * IODIRTY_DIRTY_UADDR a granule partly outside the range (or outside the
 * runs returned) is reported and not cleared. Needs
 * IODIRTY_INFO_CAP_EXTENTS.
 *
 * Errors: as GET_DIRTY_BITMAP; EINVAL if @extents is 0 or not 8-byte
 * aligned or @nr_extents is 0; ENOMEM. EFAULT if the array cannot be
 * pinned for writing: that is known before anything is read, so nothing
 * is cleared.
 */
struct iodirty_get_dirty_extents {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 nr_extents;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 extents;
	__aligned_u64 out_nr;
	__aligned_u64 out_next;
};
#define IODIRTY_GET_DIRTY_EXTENTS _IO(IODIRTY_TYPE, IODIRTY_CMD_GET_DIRTY_EXTENTS)

/**
 * enum iodirty_set_dirty_flags - flags for SET_DIRTY
 * @IODIRTY_SET_DIRTY_UADDR: addresses are user addresses: every IOVA that
 *                           maps the memory is marked
 * @IODIRTY_SET_DIRTY_EXTENTS: @data holds @nr_extents struct
 *                             iodirty_dirty_extent, not a bitmap
 */
enum iodirty_set_dirty_flags {
	IODIRTY_SET_DIRTY_UADDR = 1 << 0,
	IODIRTY_SET_DIRTY_EXTENTS = 1 << 1,
};

/* SET_DIRTY copies its input whole: at most this many bytes of it. */
#define IODIRTY_SET_DIRTY_MAX_BYTES (32u << 20)

/**
 * struct iodirty_set_dirty - ioctl(IODIRTY_SET_DIRTY)
 * @size: sizeof(struct iodirty_set_dirty)
 * @flags: enum iodirty_set_dirty_flags
 * @ioas_id: io-pagetable
 * @__reserved: must be 0
 * @iova: bitmap mode: start, aligned to @page_size (a user address with
 *        IODIRTY_SET_DIRTY_UADDR); must be 0 with extents
 * @length: bitmap mode: non-zero multiple of @page_size; 0 with extents
 * @page_size: bitmap mode: bytes per bit, as for GET_DIRTY_BITMAP; 0
 *             with extents
 * @data: 8-byte aligned user pointer: the bitmap (@length / @page_size
 *        bits, laid out as GET_DIRTY_BITMAP's), or the extents
 * @nr_extents: extents mode: entries of @data (start and length multiples
 *              of the page size, length non-zero); 0 in bitmap mode
 *
 * Put-back: marks the mapped pages of the set bits, or of the extents,
 * dirty, as a write would (every alias with IODIRTY_SET_DIRTY_UADDR), in
 * one step under the io-pagetable's lock, so that a concurrent read sees
 * all of it or none. Pages with nothing mapped are skipped. The input is
 * copied in whole first: at most IODIRTY_SET_DIRTY_MAX_BYTES (ENOMEM past
 * it). Needs IODIRTY_INFO_CAP_SET_DIRTY.
 *
 * Errors: ENODATA if tracking is off; EINVAL (alignment, a zero length,
 * @data 0 or misaligned, fields of the other mode not 0); EOVERFLOW;
 * ERANGE (IOVA mode); EFAULT; ENOMEM. Nothing is marked on failure.
 */
struct iodirty_set_dirty {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
	__aligned_u64 nr_extents;
};
#define IODIRTY_SET_DIRTY _IO(IODIRTY_TYPE, IODIRTY_CMD_SET_DIRTY)

/*
 * IODIRTY_VEC_MAX_SEGS - most segments IOAS_MAP_VEC and IOAS_UNMAP_VEC take
 * in one call (E2BIG beyond). The module copies a vector whole, so that
 * it can check and apply it in one step: this bounds that copy (32 MiB of
 * map segments).
 */
#define IODIRTY_VEC_MAX_SEGS (1U << 20)

/**
 * struct iodirty_map_vec_seg - one range of IOAS_MAP_VEC
 * @iova: as @iova of IOAS_MAP
 * @user_va: as @user_va of IOAS_MAP
 * @length: as @length of IOAS_MAP
 * @flags: enum iodirty_ioas_map_flags, at least one (else EINVAL)
 * @__reserved: must be 0 (else EOPNOTSUPP)
 */
struct iodirty_map_vec_seg {
	__aligned_u64 iova;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__u32 flags;
	__u32 __reserved;
};

/**
 * struct iodirty_ioas_map_vec - ioctl(IODIRTY_IOAS_MAP_VEC)
 * @size: sizeof(struct iodirty_ioas_map_vec)
 * @flags: must be 0
 * @ioas_id: io-pagetable
 * @__reserved: must be 0
 * @num_segs: entries of @segs, at most IODIRTY_VEC_MAX_SEGS (else E2BIG);
 *            0 maps nothing (success)
 * @segs: user pointer to @num_segs struct iodirty_map_vec_seg; may be 0
 *        only when @num_segs is 0 (else EINVAL)
 * @out_failed: the index of the segment at fault, or @num_segs when none
 *              is; written on failure too (below)
 *
 * IOAS_MAP of every segment, all or nothing: on any error nothing is
 * mapped, pinned or charged. Needs IODIRTY_INFO_CAP_MAP_VEC (uAPI
 * version 3). For many small changes, such as the 4 KiB shared/private
 * conversions of a confidential guest, in one call and one hold of the
 * io-pagetable's write lock.
 *
 * The vector is copied in whole, then checked in rounds; the first round
 * that finds a fault decides the error and @out_failed (the lowest index
 * at fault in that round): each segment's fields as IOAS_MAP checks them
 * (EOPNOTSUPP, EINVAL, EOVERFLOW, ERANGE); then that no segment overlaps
 * one of lower index (EINVAL); then each segment against the io-pagetable
 * as it was before the call (EEXIST, EADDRNOTAVAIL). Then the segments'
 * pages are pinned and charged, in order, before the write lock is taken;
 * a segment that cannot be pinned fails the call (EFAULT, ENOMEM for the
 * memory limit, EINTR) with its index, and what was pinned for the
 * segments before it is unpinned. Last, the maps are applied in one write
 * lock section, which can only fail for memory (ENOMEM, @out_failed
 * @num_segs).
 *
 * @out_failed is written back whenever the vector was read: on success
 * and on every error of the checks, pinning or mapping. Errors of the
 * argument itself (size, flags, ID, @num_segs, @segs 0, EFAULT reading the
 * vector) write nothing back. If it cannot be written, the call fails
 * with EFAULT (after a success: the maps stay).
 */
struct iodirty_ioas_map_vec {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 num_segs;
	__aligned_u64 segs;
	__aligned_u64 out_failed;
};
#define IODIRTY_IOAS_MAP_VEC _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_MAP_VEC)

/**
 * struct iodirty_unmap_vec_seg - one range of IOAS_UNMAP_VEC
 * @iova: page-aligned start
 * @length: page-aligned, non-zero length
 */
struct iodirty_unmap_vec_seg {
	__aligned_u64 iova;
	__aligned_u64 length;
};

/**
 * enum iodirty_unmap_vec_flags - flags for IOAS_UNMAP_VEC
 * @IODIRTY_UNMAP_VEC_DIRTY_BITMAP: report one dirty bit per segment in
 *                                  @dirty_bitmap, atomically with the unmap
 */
enum iodirty_unmap_vec_flags {
	IODIRTY_UNMAP_VEC_DIRTY_BITMAP = 1 << 0,
};

/**
 * struct iodirty_ioas_unmap_vec - ioctl(IODIRTY_IOAS_UNMAP_VEC)
 * @size: sizeof(struct iodirty_ioas_unmap_vec)
 * @flags: enum iodirty_unmap_vec_flags
 * @ioas_id: io-pagetable
 * @__reserved: must be 0
 * @num_segs: entries of @segs, at most IODIRTY_VEC_MAX_SEGS (else E2BIG);
 *            0 unmaps nothing (success)
 * @segs: user pointer to @num_segs struct iodirty_unmap_vec_seg; may be 0
 *        only when @num_segs is 0 (else EINVAL)
 * @dirty_bitmap: with IODIRTY_UNMAP_VEC_DIRTY_BITMAP: 8-byte aligned user
 *                pointer (else EINVAL) to @num_segs bits in little-endian
 *                64-bit words; else must be 0 (EINVAL)
 * @out_failed: as for IOAS_MAP_VEC
 *
 * IOAS_UNMAP (without IODIRTY_UNMAP_EXACT) of every segment, all or
 * nothing. Needs IODIRTY_INFO_CAP_MAP_VEC. Each segment must hold a
 * mapped page (ENOENT). Checks in rounds as IOAS_MAP_VEC: fields, then
 * overlaps (EINVAL), then ENODATA if a bitmap is asked for while tracking
 * is off (@out_failed @num_segs), then each segment's state. With
 * IODIRTY_UNMAP_VEC_DIRTY_BITMAP, every segment must be aligned to the
 * dirty granule (EINVAL), and bit i is set when a granule of segment i
 * was dirty; the dirty state of all segments is harvested under the
 * write lock that unmaps them. Bits are only set, never cleared; nothing
 * past the last 64-bit word of the bitmap is written. The bitmap is pinned
 * before the checks of the segments' state (EFAULT, @out_failed
 * @num_segs: nothing was unmapped). A report counts the segments found
 * dirty in the unmap-dirty event (whose range is the vector's span) and
 * their bytes in dirty-reported-bytes. Without the flag, dirty state is
 * dropped with the pages, as IOAS_UNMAP drops it.
 */
struct iodirty_ioas_unmap_vec {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 num_segs;
	__aligned_u64 segs;
	__aligned_u64 dirty_bitmap;
	__aligned_u64 out_failed;
};
#define IODIRTY_IOAS_UNMAP_VEC _IO(IODIRTY_TYPE, IODIRTY_CMD_IOAS_UNMAP_VEC)

#endif /* _UAPI_LINUX_IODIRTY_H */
