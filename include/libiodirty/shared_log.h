/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * libiodirty: dirty logs shared with device processes (since 0.6).
 * Included by <libiodirty/iodirty.h>; do not include it on its own.
 *
 * A device emulated in another process (a vhost-user backend, a vfio-user
 * server) writes guest RAM through its own mapping of it: neither the VMM
 * nor an IOMMU sees those writes. The VMM exports a log of one of its
 * domains for each such device: a memory file (memfd) it passes to the
 * device process (over a UNIX socket, SCM_RIGHTS). The device imports it
 * and marks what it wrote with iodirty_mark_dirty(), at the cost of an
 * in-process mark and without a system call. The VMM's dirty reads of the
 * domain then report those pages too, merged with every other log and with
 * its own marks, by IOVA or by user address.
 *
 * The log holds no pointer: a header and bits, one per granule of the
 * exported window, with summary bits above them so that a read costs what
 * was marked, not the window's size. The VMM does not trust it: a device
 * process that writes anything at all into the log can make pages of the
 * domain's mappings read as dirty, and nothing else (see docs/design.md,
 * "Device processes").
 */
#ifndef LIBIODIRTY_SHARED_LOG_H
#define LIBIODIRTY_SHARED_LOG_H

#ifndef LIBIODIRTY_IODIRTY_H
#error "include <libiodirty/iodirty.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* iodirty_log_export() and iodirty_log_import() are available (since 0.6). */
#define IODIRTY_CAP_SHARED_LOG		(1ULL << 13)

/*
 * iodirty_log_export() flag: a mapping table beside the log, so that the
 * device can translate IOVAs and do DMA through its handle (since 0.6).
 */
#define IODIRTY_LOG_MAPPINGS		(1u << 0)

/* A log exported for one device; owned by the VMM. */
struct iodirty_log;

/**
 * iodirty_log_export() - a dirty log of [@iova, @iova + @length) of @dom,
 * in shared memory, for one device process.
 * @iova, @length: the window the device may mark, multiples of the
 *        domain's granule, within its IOVA width; need not be mapped.
 * @flags: 0, or IODIRTY_LOG_MAPPINGS: also share the domain's mappings
 *        within the window, read-only (iodirty_log_maps_fd()).
 * @log:  receives the log. iodirty_log_fd() gives the descriptor to pass.
 *
 * The memory file is sealed against shrinking and growing, so neither side
 * can take the memory from under the other. From this call on, every dirty
 * read of @dom (iodirty_read_dirty(), iodirty_read_dirty_uaddr(),
 * iodirty_read_extents(), and iodirty_unmap()/iodirty_unmap_vec() with a
 * report) first takes what the device marked and records it as
 * iodirty_mark_dirty() would: only mapped pages, and only while tracking is
 * on (iodirty_set_dirty_tracking() takes the logs before it changes the
 * state, so marks made while tracking was off are dropped). A mark that
 * returned in the device before a read-and-clear began is reported by it.
 * Granules the device marks outside the domain's mappings are dropped.
 * A read-and-clear of extents by IOVA (iodirty_read_extents() without
 * flags, @nr >= 2) merges the device's runs into its output instead of
 * recording them in the domain first: the same result, at a fraction of
 * the cost for sparse marks, but those granules are not counted in the
 * domain's iodirty_stats (dirtied, clears), and the read runs under the
 * lock below. Domains with the hardware model (whose marks widen to
 * their leaf) always record first.
 * Taking a log costs what it holds within the domain's mappings: a few
 * loads per marked granule, the summary words above them, and one lookup
 * per mapped run the marks reach; what a device marks outside the
 * mappings costs neither time nor memory. A take that fails (-ENOMEM)
 * leaves its marks in the log and fails the call before the call's own
 * argument checks (so -ENOMEM may come first); a call that fails its
 * checks after a take leaves what it took in the domain.
 *
 * Thread-safe. Exports, revokes, tracking changes and the taking of logs
 * serialise with each other on a lock of the domain, so on a domain with
 * logs the dirty reads (which take them) run one at a time; DMA, marks and
 * translation do not take the lock.
 * Needs IODIRTY_CAP_SHARED_LOG (the backends with IODIRTY_CAP_SET_DIRTY).
 *
 * Return: 0, -EINVAL (NULL, alignment, zero length), -EOVERFLOW (the
 * window wraps), -ERANGE (beyond the IOVA width), -EOPNOTSUPP (unknown
 * flags, no IODIRTY_CAP_SHARED_LOG, or IODIRTY_LOG_MAPPINGS on a backend
 * that cannot list its mappings), -EPERM (@dom is an imported log),
 * -ENOMEM, or another negative errno of memfd_create(), ftruncate() or
 * mmap() (or, with IODIRTY_LOG_MAPPINGS, of open() of /proc/self/fd).
 */
int iodirty_log_export(struct iodirty_domain *dom, uint64_t iova,
		       uint64_t length, uint32_t flags,
		       struct iodirty_log **log);

/**
 * iodirty_log_fd() - the memory file of @log, to pass to the device
 * process. It stays owned by the log (close-on-exec; do not close it);
 * the receiving process owns its copy. Return: the fd, or -EINVAL.
 */
int iodirty_log_fd(const struct iodirty_log *log);

/**
 * iodirty_log_revoke() - stop taking marks from @log's device and free it.
 *
 * What the device marked before the call is taken into the domain first,
 * so a device that died or was unplugged loses nothing it marked. Its
 * marks after the call go to memory nobody reads. Destroying the domain
 * revokes its logs (their handles are then invalid).
 *
 * Return: 0, -EINVAL (NULL), or a negative errno of the domain's mark
 * (-ENOMEM): then the log stays exported, with its marks.
 */
int iodirty_log_revoke(struct iodirty_log *log);

/**
 * iodirty_log_import() - the device process's handle on an exported log.
 * @fd:    the descriptor iodirty_log_fd() gave the VMM, received by any
 *         means; the call maps it and does not keep it (close it after).
 * @flags: 0.
 * @dom:   receives a mark-only domain handle; iodirty_domain_destroy()
 *         releases it.
 *
 * The handle supports iodirty_mark_dirty() (byte granular, in the IOVA of
 * the exported window; -ERANGE outside it) and iodirty_domain_destroy(),
 * and, once given the VMM's mapping table (iodirty_log_import_maps()),
 * iodirty_translate(), iodirty_dma_write() and iodirty_dma_read().
 * Every other call on it fails with -EPERM, but for calls given nothing
 * to do (an empty array or vector), which may return 0 first, as on any
 * domain. A mark records nothing else
 * than bits in the shared memory; it does not check that the pages are
 * mapped (the VMM does, when it takes them). Marks are thread-safe and
 * take no lock.
 *
 * Return: 0, -EINVAL (NULL @dom, or @fd is not a log of this version),
 * -EOPNOTSUPP (unknown flags), -EBADF, -ENOMEM, or another negative errno
 * of fstat() or mmap().
 */
int iodirty_log_import(int fd, uint32_t flags, struct iodirty_domain **dom);

/**
 * iodirty_log_maps_fd() - the mapping table of @log (exported with
 * IODIRTY_LOG_MAPPINGS), to pass to the device beside iodirty_log_fd().
 * The descriptor is read-only, and the file is sealed against writes
 * through any mapping but the library's own (F_SEAL_FUTURE_WRITE), so the
 * device cannot write the table even by opening it again through /proc,
 * nor seal it. It stays owned by the log (close-on-exec; do not close it).
 * After a revoke the table is emptied: the device translates nothing.
 * The table lists the domain's mappings within the window (IOVA, length,
 * the VMM's user address, permissions). The library writes it again after
 * every iodirty_map(), iodirty_unmap(), iodirty_map_vec() and
 * iodirty_unmap_vec() of the domain, at a cost of O(mappings in the
 * window) a call, and never reads it back. If it cannot grow (-ENOMEM) it
 * is published empty, so that no translation is stale, until it can.
 * The table is a translation, not a fence: a device that translated an
 * IOVA before an unmap may still write through it after. As with
 * vhost-user or vfio-user, the VMM must have the device stop using a
 * range (by its own protocol, acknowledged) before an unmap whose report
 * must hold the device's writes; writes the device marked before the
 * unmap began are in the report.
 * Return: the fd, -EINVAL (NULL), -ENOENT (exported without the flag).
 */
int iodirty_log_maps_fd(const struct iodirty_log *log);

/**
 * iodirty_log_import_maps() - give an imported handle the VMM's mapping
 * table, so that it translates and does DMA.
 * @dom:   a handle of iodirty_log_import().
 * @fd:    the descriptor of iodirty_log_maps_fd(), received by any means;
 *         the call keeps its own duplicate (close yours after).
 * @flags: 0.
 * With the table, the handle also supports iodirty_translate(),
 * iodirty_dma_write() and iodirty_dma_read(): an IOVA is translated to the
 * VMM's user address by the table, then to this process's pointer by the
 * memory given with iodirty_log_add_memory(); a write is copied, then
 * marked in the log. They stop at the first byte that cannot be
 * translated, with the bytes before it transferred (and marked):
 * -ENOENT (not mapped in the window), -EACCES (the mapping lacks the
 * permission), -EFAULT (the VMM's address is in no memory given here),
 * -ERANGE (a write outside the log's window), -EAGAIN (the VMM rewrote the
 * table during every one of many tries), or a negative errno of fstat() or
 * mmap() when a grown table is mapped again. Thread-safe; they take no
 * lock (iodirty_log_import_maps() and iodirty_log_add_memory() publish a
 * new view of the table and the memory, and keep the old ones until the
 * handle is destroyed).
 * Return: 0, -EINVAL (@dom is not an imported handle, or @fd is not a
 * table of this version), -EOPNOTSUPP (unknown flags), -EBADF, -EBUSY (it
 * has a table already), -ENOMEM, or a negative errno of fcntl(), fstat()
 * or mmap().
 */
int iodirty_log_import_maps(struct iodirty_domain *dom, int fd,
			    uint32_t flags);

/**
 * iodirty_log_add_memory() - how the VMM's user addresses
 * [@vmm_addr, @vmm_addr + @length) appear in this process: at @addr (the
 * same memory file, mapped here). A vhost-user backend knows this from
 * the VMM's memory table (its userspace_addr, fd and offset).
 * Return: 0, -EINVAL (@dom is not an imported handle, NULL @addr, zero
 * @length), -EOVERFLOW, -EEXIST (overlaps a range given before),
 * -ENOMEM. Thread-safe.
 */
int iodirty_log_add_memory(struct iodirty_domain *dom, uint64_t vmm_addr,
			   void *addr, uint64_t length);

#ifdef __cplusplus
}
#endif

#endif /* LIBIODIRTY_SHARED_LOG_H */
