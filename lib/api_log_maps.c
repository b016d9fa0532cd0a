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
#include <unistd.h>

#include "api_log.h"
#include "maptab.h"

void log_maps_free(struct log_maps *m)
{
	if (!m)
		return;
	if (m->base)
		munmap(m->base, (size_t)m->size);
	if (m->fd >= 0)
		close(m->fd);
	if (m->ro_fd >= 0)
		close(m->ro_fd);
	free(m);
}

/* A table of @n entries fits; false when the file cannot grow. */
static bool maps_room(struct log_maps *m, uint64_t n)
{
	uint64_t want = iod_maptab_bytes(n), size;
	void *p;

	if (want && want <= m->size)
		return true;
	if (!want || want > SIZE_MAX / 2 || want > INT64_MAX / 2)
		return false;
	size = want * 2;	/* amortised: a table that grows by one */
	if (ftruncate(m->fd, (off_t)size))
		return false;
	p = mremap(m->base, (size_t)m->size, (size_t)size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return false;
	m->base = p;
	m->size = size;
	return true;
}

void log_maps_publish(struct iodirty_log *log)
{
	const struct iod_shlog_geo *g = &log->geo;
	struct iodirty_domain *dom = log->dom;
	uint64_t wlast = g->iova + (g->granules << g->granule_shift) - 1;
	uint64_t cur = g->iova, n = 0, s, last;
	struct iodirty_mapping mv[64];
	struct log_maps *m = log->maps;
	struct iod_maptab_ent e;
	int64_t got, i;

	iod_maptab_begin(m->base);
	for (;;) {
		got = dom->ops->mappings(dom, cur, mv, 64);
		if (got <= 0)
			break;	/* an error lists nothing: no translation */
		for (i = 0; i < got && mv[i].iova <= wlast; i++) {
			s = mv[i].iova > g->iova ? mv[i].iova : g->iova;
			last = mv[i].iova + mv[i].length - 1 < wlast ?
			       mv[i].iova + mv[i].length - 1 : wlast;
			if (!maps_room(m, n + 1)) {
				n = 0;	/* published empty: nothing stale */
				goto out;
			}
			e.iova = s;
			e.length = last - s + 1;
			e.uaddr = (uint64_t)(uintptr_t)mv[i].addr +
				  (s - mv[i].iova);
			e.flags = mv[i].flags;
			iod_maptab_put(m->base, n++, &e);
			if (last == wlast)
				goto out;
			cur = last + 1;
		}
		if (i < got || got < 64)
			break;
	}
out:
	iod_maptab_end(m->base, n);
}

int log_maps_create(struct iodirty_log *log)
{
	const unsigned int seals = F_SEAL_SHRINK | F_SEAL_SEAL;
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
	if (ftruncate(m->fd, (off_t)m->size) ||
	    fcntl(m->fd, F_ADD_SEALS, seals))
		return -errno;
	m->base = mmap(NULL, (size_t)m->size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		return -errno;
	}
	/*
	 * The device's descriptor is opened read-only: it can neither write
	 * the table nor add a seal that would stop it growing.
	 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->fd);
	m->ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->ro_fd < 0)
		return -errno;
	memcpy(m->base, &h, sizeof(h));
	log_maps_publish(log);
	return 0;
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
