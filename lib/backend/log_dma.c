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
	struct log_view *v, *older;

	for (v = atomic_load(&imp->view); v; v = older) {
		older = v->older;
		if (v->tab_owner)
			munmap((void *)(uintptr_t)v->tab, (size_t)v->tab_size);
		free(v->mem);
		free(v);
	}
	atomic_store(&imp->view, NULL);
	if (imp->tab_fd >= 0)
		close(imp->tab_fd);
	imp->tab_fd = -1;
	pthread_mutex_destroy(&imp->lock);
}

/*
 * Publishes a view like the current one with @nmem entries of @mem (a
 * copy is made) and, if @tab, that table mapping. With imp->lock held.
 */
static int publish(struct log_import *imp, const void *tab, uint64_t size,
		   const struct log_mem *mem, size_t nmem)
{
	struct log_view *cur = atomic_load(&imp->view);
	struct log_view *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	if (nmem) {
		v->mem = nmem < SIZE_MAX / sizeof(*mem) ?
			 malloc(nmem * sizeof(*mem)) : NULL;
		if (!v->mem) {
			free(v);
			return -ENOMEM;
		}
		memcpy(v->mem, mem, nmem * sizeof(*mem));
	}
	v->nmem = nmem;
	v->tab = tab ? tab : cur ? cur->tab : NULL;
	v->tab_size = tab ? size : cur ? cur->tab_size : 0;
	v->tab_owner = tab != NULL;
	v->older = cur;
	atomic_store_explicit(&imp->view, v, memory_order_release);
	return 0;
}

/* Maps the table's file at its size now; with imp->lock held. */
static int tab_map(struct log_import *imp)
{
	struct log_view *cur = atomic_load(&imp->view);
	struct stat st;
	void *p;
	int ret;

	if (fstat(imp->tab_fd, &st))
		return -errno;
	if (st.st_size < IOD_MAPTAB_HDR_SIZE || (uint64_t)st.st_size > SIZE_MAX)
		return -EINVAL;
	if (cur && cur->tab && cur->tab_size >= (uint64_t)st.st_size)
		return 0;	/* another thread mapped it */
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, imp->tab_fd,
		 0);
	if (p == MAP_FAILED)
		return -errno;
	ret = publish(imp, p, (uint64_t)st.st_size, cur ? cur->mem : NULL,
		      cur ? cur->nmem : 0);
	if (ret)
		munmap(p, (size_t)st.st_size);
	return ret;
}

/* The table entry that holds @iova; *@v is the view it was read in. */
static int tab_find(struct log_import *imp, const struct log_view **v,
		    uint64_t iova, struct iod_maptab_ent *e)
{
	uint64_t need = 0;
	int ret, tries;

	for (tries = 0; tries < 4; tries++) {
		ret = iod_maptab_find((*v)->tab, (*v)->tab_size, iova, e,
				      &need);
		if (ret != -ENOSPC)
			return ret;
		pthread_mutex_lock(&imp->lock);
		ret = tab_map(imp);
		pthread_mutex_unlock(&imp->lock);
		if (ret)
			return ret;
		*v = atomic_load_explicit(&imp->view, memory_order_acquire);
	}
	return -EAGAIN;	/* the table kept growing */
}

/* Our pointer for VMM address @vmm and how many bytes follow it here. */
static char *mem_find(const struct log_view *v, uint64_t vmm, uint64_t *room)
{
	size_t lo = 0, hi = v->nmem, mid;
	const struct log_mem *m;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v->mem[mid].vmm <= vmm)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	m = &v->mem[lo - 1];
	if (vmm - m->vmm >= m->length)
		return NULL;
	*room = m->length - (vmm - m->vmm);
	return m->addr + (vmm - m->vmm);
}

/*
 * One piece of a transfer at @iova: our pointer and its length (up to
 * @want), where the table entry and our memory both go on.
 */
static int piece(struct log_import *imp, const struct log_view **v,
		 uint64_t iova, uint64_t want, uint64_t need_flag, char **p,
		 uint64_t *len)
{
	struct iod_maptab_ent e;
	uint64_t vmm, room, n;
	int ret;

	ret = tab_find(imp, v, iova, &e);
	if (ret)
		return ret;
	if (need_flag && !(e.flags & need_flag))
		return -EACCES;
	n = e.length - (iova - e.iova);
	vmm = e.uaddr + (iova - e.iova);
	if (vmm < e.uaddr)
		return -EFAULT;	/* the VMM's table wraps: not ours to use */
	*p = mem_find(*v, vmm, &room);
	if (!*p)
		return -EFAULT;
	n = n < room ? n : room;
	*len = n < want ? n : want;
	return 0;
}

/* The view to translate in, or NULL without a table (mark-only). */
static const struct log_view *view_of(struct log_import *imp)
{
	const struct log_view *v = atomic_load_explicit(&imp->view,
							memory_order_acquire);

	return v && v->tab ? v : NULL;
}

int log_translate(struct iodirty_domain *dom, uint64_t iova,
		  uint64_t *uaddr, uint64_t *contig)
{
	struct log_import *imp = dom->priv;
	const struct log_view *v = view_of(imp);
	uint64_t len;
	char *p;
	int ret;

	if (!v)
		return -EPERM;
	ret = piece(imp, &v, iova, UINT64_MAX, 0, &p, &len);
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
	const struct log_view *v = view_of(imp);
	char *b = buf, *p;
	int ret;

	if (!v)
		return -EPERM;	/* mark-only, as without a table */
	if (!length)
		return -EINVAL;
	if (iova + length - 1 < iova)
		return -EOVERFLOW;
	while (length) {
		ret = piece(imp, &v, iova, length, flag, &p, &len);
		if (ret)
			return ret;
		if (write) {
			memcpy(p, b, (size_t)len);
			/* Outside the log's window: -ERANGE, as a mark. */
			ret = log_mark(dom, iova, len);
			if (ret)
				return ret;
		} else {
			memcpy(b, p, (size_t)len);
		}
		b += len;
		iova += len;
		length -= len;
	}
	return 0;
}

IODIRTY_EXPORT int iodirty_log_import_maps(struct iodirty_domain *dom,
					   int fd, uint32_t flags)
{
	struct log_import *imp;
	struct iod_maptab_hdr h;
	int ret;

	if (!dom || dom->ops != &iodirty_log_ops)
		return -EINVAL;
	if (flags)
		return -EOPNOTSUPP;
	ret = log_fd_sealed(fd);
	if (ret)
		return ret;
	imp = dom->priv;
	pthread_mutex_lock(&imp->lock);
	if (imp->tab_fd >= 0) {
		ret = -EBUSY;
		goto out;
	}
	/* Checked before a view holds it: DMA may run at any time. */
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    h.magic != IOD_MAPTAB_MAGIC || h.version != IOD_MAPTAB_VERSION) {
		ret = -EINVAL;
		goto out;
	}
	imp->tab_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (imp->tab_fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = tab_map(imp);
	if (ret) {
		close(imp->tab_fd);
		imp->tab_fd = -1;
	}
out:
	pthread_mutex_unlock(&imp->lock);
	return ret;
}

IODIRTY_EXPORT int iodirty_log_add_memory(struct iodirty_domain *dom,
					  uint64_t vmm_addr, void *addr,
					  uint64_t length)
{
	const struct log_view *cur;
	struct log_import *imp;
	struct log_mem *mem;
	size_t i, n;
	int ret;

	if (!dom || dom->ops != &iodirty_log_ops || !addr || !length)
		return -EINVAL;
	if (vmm_addr + length - 1 < vmm_addr ||
	    (uintptr_t)addr + length - 1 < (uintptr_t)addr)
		return -EOVERFLOW;
	imp = dom->priv;
	pthread_mutex_lock(&imp->lock);
	cur = atomic_load(&imp->view);
	n = cur ? cur->nmem : 0;
	for (i = 0; i < n && cur->mem[i].vmm < vmm_addr; i++)
		;
	if ((i && cur->mem[i - 1].vmm + (cur->mem[i - 1].length - 1) >=
		  vmm_addr) ||
	    (i < n && vmm_addr + (length - 1) >= cur->mem[i].vmm)) {
		ret = -EEXIST;
		goto out;
	}
	mem = n + 1 < SIZE_MAX / sizeof(*mem) ?
	      malloc((n + 1) * sizeof(*mem)) : NULL;
	if (!mem) {
		ret = -ENOMEM;
		goto out;
	}
	if (n)
		memcpy(mem, cur->mem, i * sizeof(*mem));
	mem[i] = (struct log_mem){ vmm_addr, length, addr };
	if (n)
		memcpy(&mem[i + 1], &cur->mem[i], (n - i) * sizeof(*mem));
	ret = publish(imp, NULL, 0, mem, n + 1);
	free(mem);
out:
	pthread_mutex_unlock(&imp->lock);
	return ret;
}
