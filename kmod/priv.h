/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /dev/iodirty: types and functions shared by the module's files.
 *
 * Lock order, outermost first:
 *   ioas->map_lock (mutex: map, unmap, reserve, tracking start/stop)
 *   -> iopt->lock (the core's rw_semaphore)
 *   -> mmap_lock (taken by page faults in copy_{from,to}_user, which the
 *      DMA copy runs under the core's read lock)
 *   -> ioas->pages' xa_lock (spinlock)
 * ioas->holds' xa_lock (SG_GET, SG_PUT) is never held while another of
 * these is taken, nor taken under one.
 * pin_user_pages*() takes mmap_lock, so it is only called with map_lock
 * or nothing held, never under the core's lock.
 */
#ifndef IODIRTY_KMOD_PRIV_H
#define IODIRTY_KMOD_PRIV_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>
#include <linux/iodirty.h>

#include "compat.h"
#include "iopt.h"

struct user_struct;

/* One open file of /dev/iodirty. */
struct iodirty_file {
	struct xarray objects;		/* ID -> struct iodirty_obj */
	u32 next_id;			/* where the cyclic ID search starts */
};

enum iodirty_obj_type {
	IODIRTY_OBJ_IOAS,
};

/*
 * Object header. @users counts the table's reference (1) plus one per
 * ioctl using the object; DESTROY succeeds only when the table's is the
 * only one left (else EBUSY), so an object never goes away under a call.
 */
struct iodirty_obj {
	refcount_t users;
	u32 id;
	enum iodirty_obj_type type;
};

/* Who created an IOAS, as the inspection family reports it (nl.c). */
struct iodirty_owner {
	pid_t tgid;
	kuid_t euid;
	char comm[TASK_COMM_LEN];
	u64 created_ns;		/* CLOCK_REALTIME */
};

/*
 * Counters for inspection: atomics, so that the DMA and dirty-read paths
 * take no lock for them. The core counts reads and clears itself.
 */
struct iodirty_ioas_counters {
	atomic64_t dma_writes;
	atomic64_t dma_write_bytes;
	atomic64_t dma_reads;
	atomic64_t dma_read_bytes;
	atomic64_t unmaps_reported;
	atomic64_t dirty_reported_bytes;
	atomic64_t pinned_pages;
	/* Holds of SG_GET not yet put. */
	atomic64_t holds;
	/* Bumped after every change of the mappings; starts at 1. */
	atomic_t generation;
};

/* An io-pagetable and the pages its mappings pinned. */
struct iodirty_ioas {
	struct iodirty_obj obj;
	/* Serialises mapping changes; see the lock order above. */
	struct mutex map_lock;
	struct iod_iopt iopt;
	/*
	 * IOVA page number -> pinned struct page, tagged 1 when pinned for
	 * write. Holds exactly the pages the core has mapped, except while
	 * map_lock is held by a MAP that is adding or undoing its own.
	 */
	struct xarray pages;
	/*
	 * Hold ID -> struct iod_hold of SG_GET (ioas_hold.c). Per IOAS, so
	 * that a hold ID means nothing to another one; NULL while a hold is
	 * being created, so that SG_PUT cannot find it before it is whole.
	 */
	struct xarray holds;
	u32 next_hold_id;		/* where the cyclic ID search starts */
	/* Whose RLIMIT_MEMLOCK account the pins are charged to. */
	struct user_struct *user;
	/* System-wide handle (registry.c); 0 until registered. */
	u32 handle;
	/* Inspectors reading the IOAS (registry.c). */
	atomic_t inspectors;
	struct iodirty_owner owner;
	struct iodirty_ioas_counters cnt;
};

/* One ioctl call. */
struct iodirty_ucmd {
	struct iodirty_file *ctx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;			/* the kernel copy of the argument */
};

/* Copies the reply back: min(user size, @size) bytes of ucmd->cmd. */
int iodirty_respond(struct iodirty_ucmd *ucmd, size_t size);

/* object.c: the per-file object table. */
void iodirty_file_init(struct iodirty_file *ctx);
void iodirty_file_fini(struct iodirty_file *ctx);
int iodirty_obj_reserve(struct iodirty_file *ctx, struct iodirty_obj *obj,
			enum iodirty_obj_type type);
void iodirty_obj_publish(struct iodirty_file *ctx, struct iodirty_obj *obj);
void iodirty_obj_abort(struct iodirty_file *ctx, struct iodirty_obj *obj);
struct iodirty_obj *iodirty_obj_get(struct iodirty_file *ctx, u32 id,
				    enum iodirty_obj_type type);
void iodirty_obj_put(struct iodirty_obj *obj);
int iodirty_ioctl_destroy(struct iodirty_ucmd *ucmd);

/* ioas.c: lifetime and the calls that do not change mappings. */
void iodirty_ioas_destroy(struct iodirty_ioas *ioas);
struct iodirty_ioas *iodirty_ioas_get(struct iodirty_ucmd *ucmd, u32 id);
void iodirty_ioas_put(struct iodirty_ioas *ioas);
int iodirty_ioctl_ioas_alloc(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_ioas_translate(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_ioas_mappings(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_ioas_iova_ranges(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_ioas_reserve(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_ioas_stats(struct iodirty_ucmd *ucmd);
/* The reserved (or usable) ranges, in a kvmalloc'd array. */
int iodirty_list_ranges(struct iodirty_ioas *ioas, bool reserved,
			struct iod_range **out, size_t *count);

/*
 * registry.c: every IOAS of every file by system-wide handle, for the
 * inspection family. The registry's lock is held only to find an IOAS
 * and take a reference, never while an IOAS's locks are taken.
 */
int iodirty_registry_add(struct iodirty_ioas *ioas);
void iodirty_registry_publish(struct iodirty_ioas *ioas);
/* Out of the registry; returns once no inspector holds the IOAS. */
void iodirty_registry_remove(struct iodirty_ioas *ioas);
/*
 * The IOAS with the lowest handle >= *@handle, which it updates, held
 * for inspection until iodirty_registry_put(); or NULL.
 */
struct iodirty_ioas *iodirty_registry_get(u32 *handle);
void iodirty_registry_put(struct iodirty_ioas *ioas);

/* nl.c, nl_event.c: the generic netlink family "iodirty". */
int iodirty_nl_init(void);
void iodirty_nl_exit(void);
void iodirty_nl_event(struct iodirty_ioas *ioas, u32 type, u64 iova,
		      u64 length, u64 dirty_pages);

/*
 * Marks a change of the mappings for dumps, under map_lock, before the
 * core changes them and after (a dump batch between the two sees a
 * change either way). 0 would switch the dump check off: it is skipped.
 */
static inline void iodirty_ioas_changed(struct iodirty_ioas *ioas)
{
	if (!atomic_inc_return(&ioas->cnt.generation))
		atomic_inc(&ioas->cnt.generation);
}

/* ioas_map.c */
int iodirty_ioctl_ioas_map(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_ioas_unmap(struct iodirty_ucmd *ucmd);

/* ioas_vec.c */
int iodirty_ioctl_ioas_map_vec(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_ioas_unmap_vec(struct iodirty_ucmd *ucmd);

/* ioas_dirty.c */
int iodirty_ioctl_set_dirty_tracking(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_get_dirty_bitmap(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_dma_rw(struct iodirty_ucmd *ucmd);

/* ioas_extents.c */
int iodirty_ioctl_get_dirty_extents(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_set_dirty(struct iodirty_ucmd *ucmd);

/* ioas_dmav.c */
int iodirty_ioctl_dma_rwv(struct iodirty_ucmd *ucmd);

/* ioas_hold.c: holds of SG_GET, released by SG_PUT or with the IOAS. */
void iodirty_holds_init(struct iodirty_ioas *ioas);
void iodirty_holds_fini(struct iodirty_ioas *ioas);
int iodirty_ioctl_sg_get(struct iodirty_ucmd *ucmd);
int iodirty_ioctl_sg_put(struct iodirty_ucmd *ucmd);

/* pages.c: pinning, the page table of an IOAS, memlock accounting. */
int iodirty_pages_pin(struct iodirty_ioas *ioas, u64 iova, u64 uaddr,
		      u64 length, bool write);
void iodirty_pages_release(struct iodirty_ioas *ioas, u64 iova, u64 length);
void iodirty_unmap_hook(void *arg, u64 iova, u64 uaddr, u64 length);
struct page *iodirty_pages_lookup(struct iodirty_ioas *ioas, u64 iova);

/*
 * user_buf.c: a user buffer pinned for write and mapped into the kernel,
 * so that the core can write a dirty bitmap into it under its locks, where
 * a fault must not happen and an error would come too late.
 */
struct iodirty_ubuf {
	struct page **pages;
	unsigned int npages;
	bool vmapped;
	void *vaddr;			/* of the first page */
	u64 *words;			/* the buffer itself */
};

int iodirty_ubuf_map(struct iodirty_ubuf *b, u64 uaddr, u64 bytes);
void iodirty_ubuf_unmap(struct iodirty_ubuf *b);

#endif /* IODIRTY_KMOD_PRIV_H */
