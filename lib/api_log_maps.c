// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The mapping table a VMM shares read-only beside a log (since 0.6,
 * IODIRTY_LOG_MAPPINGS): the VMM's side. The table is rewritten whole
 * after every map and unmap of the domain (iodirty_logs_publish()), so it
 * costs O(mappings in the window) a change; the layout and the reader are
 * maptab.c, the device's use backend/log_import.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_log.h"
#include "maptab.h"

/*
 * The file and our mapping hold @n entries; false when they cannot grow.
 * The device can grow the file too (reopened read-write through /proc),
 * so the size to grow from is the file's, never what we last set.
 */
static bool maps_room(struct log_maps *m, uint64_t n)
{
	uint64_t want = iod_maptab_bytes(n), size;
	struct stat st;
	void *p;

	if (want && want <= m->size)
		return true;
	if (!want || want > SIZE_MAX / 2 || want > INT64_MAX / 2 ||
	    fstat(m->fd, &st))
		return false;
	size = want * 2;	/* amortised: a table that grows by one */
	if ((uint64_t)st.st_size < size && ftruncate(m->fd, (off_t)size)) {
		if ((uint64_t)st.st_size < want)
			return false;
		size = want;
	}
	p = mremap(m->base, (size_t)m->size, (size_t)size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return false;
	m->base = p;
	m->size = size;
	return true;
}

/* The entries into m->ents, from the domain's mappings; false: ENOMEM. */
static bool maps_build(struct iodirty_log *log, uint64_t *count)
{
	const struct iod_shlog_geo *g = &log->geo;
	struct iodirty_domain *dom = log->dom;
	uint64_t wlast = g->iova + (g->granules << g->granule_shift) - 1;
	uint64_t cur = g->iova, n = 0, s, last;
	struct iodirty_mapping mv[64];
	struct log_maps *m = log->maps;
	struct iod_maptab_ent *v;
	int64_t got, i;
	size_t cap;

	for (;;) {
		/*
		 * An error ends the list: the entries so far are mapped, and
		 * what is missing only fails to translate.
		 */
		got = dom->ops->mappings(dom, cur, mv, 64);
		if (got <= 0)
			break;
		for (i = 0; i < got && mv[i].iova <= wlast; i++) {
			s = mv[i].iova > g->iova ? mv[i].iova : g->iova;
			last = mv[i].iova + mv[i].length - 1 < wlast ?
			       mv[i].iova + mv[i].length - 1 : wlast;
			if (n == m->cap) {
				cap = m->cap ? m->cap * 2 : 64;
				v = cap < SIZE_MAX / sizeof(*v) ?
				    realloc(m->ents, cap * sizeof(*v)) : NULL;
				if (!v)
					return false;
				m->ents = v;
				m->cap = cap;
			}
			m->ents[n].iova = s;
			m->ents[n].length = last - s + 1;
			m->ents[n].uaddr = (uint64_t)(uintptr_t)mv[i].addr +
					   (s - mv[i].iova);
			m->ents[n++].flags = mv[i].flags;
			if (last == wlast)
				goto out;
			cur = last + 1;
		}
		if (i < got || got < 64)
			break;
	}
out:
	*count = n;
	return true;
}

void log_maps_publish(struct iodirty_log *log)
{
	struct log_maps *m = log->maps;
	uint64_t n = 0;

	/* Built first, so the odd count lasts only the copy. */
	if (!maps_build(log, &n) || !maps_room(m, n))
		n = 0;	/* published empty: nothing stale */
	iod_maptab_write(m->base, &m->seq, m->ents, n);
}

void log_maps_free(struct log_maps *m)
{
	if (!m)
		return;
	/* A device that still holds it translates nothing from now on. */
	if (m->base)
		iod_maptab_write(m->base, &m->seq, NULL, 0);
	if (m->base)
		munmap(m->base, (size_t)m->size);
	if (m->fd >= 0)
		close(m->fd);
	if (m->ro_fd >= 0)
		close(m->ro_fd);
	free(m->ents);
	free(m);
}

int log_maps_create(struct iodirty_log *log)
{
	/*
	 * Our mapping is made before F_SEAL_FUTURE_WRITE: it alone can
	 * write. The device cannot map the file writable or write(2) it,
	 * even if it reopens it read-write through /proc.
	 */
	const unsigned int seals = F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE |
				   F_SEAL_SEAL;
	struct iod_maptab_hdr h = { .magic = IOD_MAPTAB_MAGIC,
				    .version = IOD_MAPTAB_VERSION };
	struct log_maps *m = calloc(1, sizeof(*m));
	char path[64];

	if (!m)
		return -ENOMEM;
	m->ro_fd = -1;
	log->maps = m;
	m->size = iod_maptab_bytes(64);
	m->fd = memfd_create("iodirty-maps", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m->fd < 0)
		return -errno;
	if (ftruncate(m->fd, (off_t)m->size))
		return -errno;
	m->base = mmap(NULL, (size_t)m->size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		return -errno;
	}
	memcpy(m->base, &h, sizeof(h));	/* count 0, no entries */
	if (fcntl(m->fd, F_ADD_SEALS, seals))
		return -errno;
	/* A read-only descriptor for the device (no write(2) either). */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->fd);
	m->ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->ro_fd < 0)
		return -errno;
	return 0;	/* published once the log is on the domain's list */
}

void iodirty_logs_publish_slow(struct iodirty_domain *dom)
{
	struct iodirty_log *log;

	pthread_mutex_lock(&dom->log_lock);
	for (log = dom->logs; log; log = log->next)
		if (log->maps)
			log_maps_publish(log);
	pthread_mutex_unlock(&dom->log_lock);
}

IODIRTY_EXPORT int iodirty_log_maps_fd(const struct iodirty_log *log)
{
	if (!log)
		return -EINVAL;
	return log->maps ? log->maps->ro_fd : -ENOENT;
}
