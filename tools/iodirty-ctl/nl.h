// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: the client of the "iodirty" generic netlink family of
 * iodirty.ko, through libnl-genl-3: list and read IO address spaces
 * (IOASes), their mappings and reserved regions, and follow their events.
 */
#ifndef IODIRTY_CTL_NL_H
#define IODIRTY_CTL_NL_H

#include <stdbool.h>
#include <stdint.h>

struct nl_sock;

/* An IOAS as the family reports it (docs/netlink/specs/iodirty.yaml). */
struct ctl_ioas {
	uint32_t handle;
	uint32_t owner_tgid;
	uint32_t owner_uid;
	char owner_comm[32];
	uint64_t created_ns;
	uint64_t mapped_bytes;
	uint64_t mappings;
	uint64_t holes;
	uint64_t pinned_pages;
	uint64_t memlock_bytes;
	uint32_t reserved_regions;
	bool tracking;
	uint64_t granule;
	uint64_t dirty_pending;
	uint64_t reads;
	uint64_t clears;
	uint64_t dirty_reported_bytes;
	uint64_t dma_writes;
	uint64_t dma_write_bytes;
	uint64_t dma_reads;
	uint64_t dma_read_bytes;
	uint64_t unmaps_reported;
	uint32_t generation;
};

/* A run of mapped pages (a mapping without its holes). */
struct ctl_run {
	uint64_t iova;
	uint64_t length;
	uint64_t uaddr;
	bool has_uaddr;
	uint32_t prot;		/* 1 read, 2 write */
	uint64_t area_iova;
	uint64_t area_length;
};

/* An event of the "events" group. */
struct ctl_event {
	uint32_t type;		/* enum iodirty_nl_event */
	uint32_t handle;
	uint32_t owner_uid;
	uint64_t iova;
	uint64_t length;
	uint64_t dirty_pages;
	bool has_range;
	bool has_dirty_pages;
};

struct ctl_nl {
	struct nl_sock *sk;
	int family;
	/* The kernel's extended ack message of the last error, or "". */
	char ext_msg[256];
};

/*
 * Connects and resolves the family. Returns 0, or -ENOENT (the family is
 * not registered: iodirty.ko not loaded) or another negative errno; prints
 * nothing.
 */
int ctl_nl_open(struct ctl_nl *nl);
void ctl_nl_close(struct ctl_nl *nl);

/*
 * Every IOAS the caller may see (of @uid only, unless it is -1), in handle
 * order, to @fn, which returns 0 to go on. Returns 0 or a negative errno.
 */
int ctl_nl_ioas_dump(struct ctl_nl *nl, int64_t uid,
		     int (*fn)(void *arg, const struct ctl_ioas *ioas),
		     void *arg);

/* One IOAS: 0, -ENOENT (no such handle), -EPERM (another user's). */
int ctl_nl_ioas_get(struct ctl_nl *nl, uint32_t handle, struct ctl_ioas *out);

/*
 * The mapped runs of IOAS @handle, in IOVA order, all of one consistent
 * state: a dump interrupted by a change is repeated (up to @tries times;
 * *@retries says how many were needed). @fn is called for the runs of the
 * final, complete dump only: the runs are collected first. Returns 0,
 * -ENOENT, -EPERM, -EAGAIN (still changing after @tries), or an errno.
 */
int ctl_nl_runs(struct ctl_nl *nl, uint32_t handle, unsigned int tries,
		unsigned int *retries,
		int (*fn)(void *arg, const struct ctl_run *run), void *arg);

/* Reserved regions of IOAS @handle: [start, last] and type (0 MSI,
 * 1 direct), to @fn. */
int ctl_nl_resv(struct ctl_nl *nl, uint32_t handle,
		int (*fn)(void *arg, uint64_t start, uint64_t last,
			  uint32_t type),
		void *arg);

/*
 * Joins the events group, and the controller's notifications so that the
 * family's removal (rmmod) is seen. Then ctl_nl_event_wait() waits up to
 * @timeout_ms (-1: forever) for events: calls @fn for each, returns 1
 * when the family went away, 0 after a timeout or a signal, or a negative
 * errno.
 */
int ctl_nl_events_join(struct ctl_nl *nl);
int ctl_nl_event_wait(struct ctl_nl *nl, int timeout_ms,
		      int (*fn)(void *arg, const struct ctl_event *ev),
		      void *arg);

/* Name of an event type ("ioas-created"), or NULL. */
const char *ctl_nl_event_name(uint32_t type);

/* Prints "iodirty-ctl: WHAT: <reason>" for an error of this file and
 * returns the exit code for it. */
int ctl_nl_fail(const struct ctl_nl *nl, int err, const char *what);

#endif /* IODIRTY_CTL_NL_H */
