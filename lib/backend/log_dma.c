// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Translation and DMA through an imported log (since 0.6): the device's
 * side of the mapping table (IODIRTY_LOG_MAPPINGS). An IOVA goes through
 * the VMM's table to the VMM's user address, then through the memory the
 * device described with iodirty_log_add_memory() to its own pointer; a
 * write is copied, then marked in the log. The table is the VMM's and is
 * read under its sequence count (maptab.c); nothing read from it is used
 * without a bounds check against the device's own memory list.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_import.h"
#include "maptab.h"

void log_tab_fini(struct log_import *imp)
{
	struct log_tab_map *t, *older;

	for (t = imp->tab; t; t = older) {
		older = t->older;
		munmap((void *)(uintptr_t)t->base, (size_t)t->size);
		free(t);
	}
	imp->tab = NULL;
	if (imp->tab_fd >= 0)
		close(imp->tab_fd);
	imp->tab_fd = -1;
	free(imp->mem);
	imp->mem = NULL;
	imp->nmem = imp->capmem = 0;
	pthread_rwlock_destroy(&imp->lock);
}

/* Maps the table's file at its size now; write-locked. */
static int tab_map(struct log_import *imp)
{
	struct log_tab_map *t;
	struct stat st;
	void *p;

	if (fstat(imp->tab_fd, &st))
		return -errno;
	if (st.st_size < IOD_MAPTAB_HDR_SIZE || (uint64_t)st.st_size > SIZE_MAX)
		return -EINVAL;
	if (imp->tab && imp->tab->size >= (uint64_t)st.st_size)
		return 0;	/* another thread mapped it */
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, imp->tab_fd,
		 0);
	if (p == MAP_FAILED) {
		free(t);
		return -errno;
	}
	t->base = p;
	t->size = (uint64_t)st.st_size;
	/* DMA in other threads may still read the older mapping. */
	t->older = imp->tab;
	imp->tab = t;
	return 0;
}

/*
 * The table entry that holds @iova, with the read lock held (and held
 * again on return, even after a grown table was mapped).
 */
static int tab_find(struct log_import *imp, uint64_t iova,
		    struct iod_maptab_ent *e)
{
	uint64_t need = 0;
	int ret, tries;

	for (tries = 0; tries < 4; tries++) {
		ret = iod_maptab_find(imp->tab->base, imp->tab->size, iova, e,
				      &need);
		if (ret != -ENOSPC)
			return ret;
		pthread_rwlock_unlock(&imp->lock);
		pthread_rwlock_wrlock(&imp->lock);
		ret = tab_map(imp);
		pthread_rwlock_unlock(&imp->lock);
		pthread_rwlock_rdlock(&imp->lock);
		if (ret)
			return ret;
	}
	return -EAGAIN;	/* the table kept growing */
}

/* Our pointer for VMM address @vmm and how many bytes follow it here. */
static char *mem_find(const struct log_import *imp, uint64_t vmm,
		      uint64_t *room)
{
	size_t lo = 0, hi = imp->nmem, mid;
	const struct log_mem *m;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (imp->mem[mid].vmm <= vmm)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	m = &imp->mem[lo - 1];
	if (vmm - m->vmm >= m->length)
		return NULL;
	*room = m->length - (vmm - m->vmm);
	return m->addr + (vmm - m->vmm);
}

/*
 * One piece of a transfer at @iova: our pointer and its length (up to
 * @want), where the table entry and our memory both go on.
 */
static int piece(struct log_import *imp, uint64_t iova, uint64_t want,
		 uint64_t need_flag, char **p, uint64_t *len)
{
	struct iod_maptab_ent e;
	uint64_t vmm, room, n;
	int ret;

	if (!imp->tab)
		return -EPERM;	/* no table imported: mark-only */
	ret = tab_find(imp, iova, &e);
	if (ret)
		return ret;
	if (need_flag && !(e.flags & need_flag))
		return -EACCES;
	n = e.length - (iova - e.iova);
	vmm = e.uaddr + (iova - e.iova);
	if (vmm < e.uaddr)
		return -EFAULT;	/* the VMM's table wraps: not ours to use */
	*p = mem_find(imp, vmm, &room);
	if (!*p)
		return -EFAULT;
	n = n < room ? n : room;
	*len = n < want ? n : want;
	return 0;
}

int log_translate(struct iodirty_domain *dom, uint64_t iova,
		  uint64_t *uaddr, uint64_t *contig)
{
	struct log_import *imp = dom->priv;
	uint64_t len;
	char *p;
	int ret;

	pthread_rwlock_rdlock(&imp->lock);
	ret = piece(imp, iova, UINT64_MAX, 0, &p, &len);
	pthread_rwlock_unlock(&imp->lock);
	if (ret)
		return ret;
	*uaddr = (uint64_t)(uintptr_t)p;
	if (contig)
		*contig = len;
	return 0;
}

int log_dma(struct iodirty_domain *dom, uint64_t iova, void *buf,
	    uint64_t length, bool write)
{
	struct log_import *imp = dom->priv;
	uint64_t len, flag = write ? IODIRTY_MAP_WRITE : IODIRTY_MAP_READ;
	char *b = buf, *p;
	int ret = 0;

	pthread_rwlock_rdlock(&imp->lock);
	if (!imp->tab)
		ret = -EPERM;	/* mark-only, as without a table */
	else if (!length)
		ret = -EINVAL;
	else if (iova + length - 1 < iova)
		ret = -EOVERFLOW;
	while (!ret && length) {
		ret = piece(imp, iova, length, flag, &p, &len);
		if (ret)
			break;
		if (write) {
			memcpy(p, b, (size_t)len);
			/* Outside the log's window: -ERANGE, as a mark. */
			ret = log_mark(dom, iova, len);
			if (ret)
				break;
		} else {
			memcpy(b, p, (size_t)len);
		}
		b += len;
		iova += len;
		length -= len;
	}
	pthread_rwlock_unlock(&imp->lock);
	return ret;
}

IODIRTY_EXPORT int iodirty_log_import_maps(struct iodirty_domain *dom,
					   int fd, uint32_t flags)
{
	struct log_import *imp;
	struct iod_maptab_hdr h;
	int seals, ret;

	if (!dom || dom->ops != &iodirty_log_ops)
		return -EINVAL;
	if (flags)
		return -EOPNOTSUPP;
	if (fd < 0)
		return -EBADF;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 && errno == EBADF)
		return -EBADF;
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EINVAL;
	imp = dom->priv;
	pthread_rwlock_wrlock(&imp->lock);
	if (imp->tab_fd >= 0) {
		ret = -EBUSY;
		goto out;
	}
	imp->tab_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (imp->tab_fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = tab_map(imp);
	if (!ret) {
		memcpy(&h, imp->tab->base, sizeof(h));
		if (h.magic != IOD_MAPTAB_MAGIC ||
		    h.version != IOD_MAPTAB_VERSION)
			ret = -EINVAL;
	}
	if (ret) {
		struct log_tab_map *t = imp->tab;

		if (t) {
			munmap((void *)(uintptr_t)t->base, (size_t)t->size);
			free(t);
		}
		imp->tab = NULL;
		close(imp->tab_fd);
		imp->tab_fd = -1;
	}
out:
	pthread_rwlock_unlock(&imp->lock);
	return ret;
}

IODIRTY_EXPORT int iodirty_log_add_memory(struct iodirty_domain *dom,
					  uint64_t vmm_addr, void *addr,
					  uint64_t length)
{
	struct log_import *imp;
	struct log_mem *v;
	size_t i, cap;
	int ret = 0;

	if (!dom || dom->ops != &iodirty_log_ops || !addr || !length)
		return -EINVAL;
	if (vmm_addr + length - 1 < vmm_addr ||
	    (uintptr_t)addr + length - 1 < (uintptr_t)addr)
		return -EOVERFLOW;
	imp = dom->priv;
	pthread_rwlock_wrlock(&imp->lock);
	for (i = 0; i < imp->nmem && imp->mem[i].vmm < vmm_addr; i++)
		;
	if ((i && imp->mem[i - 1].vmm + (imp->mem[i - 1].length - 1) >=
		  vmm_addr) ||
	    (i < imp->nmem && vmm_addr + (length - 1) >= imp->mem[i].vmm)) {
		ret = -EEXIST;
		goto out;
	}
	if (imp->nmem == imp->capmem) {
		cap = imp->capmem ? imp->capmem * 2 : 8;
		v = cap < SIZE_MAX / sizeof(*v) ?
		    realloc(imp->mem, cap * sizeof(*v)) : NULL;
		if (!v) {
			ret = -ENOMEM;
			goto out;
		}
		imp->mem = v;
		imp->capmem = cap;
	}
	memmove(&imp->mem[i + 1], &imp->mem[i],
		(imp->nmem - i) * sizeof(*imp->mem));
	imp->mem[i] = (struct log_mem){ vmm_addr, length, addr };
	imp->nmem++;
out:
	pthread_rwlock_unlock(&imp->lock);
	return ret;
}
