// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/iodirty: io-pagetables with dirty tracking, driven from userspace.
 *
 * This file holds the device, the per-file context and the ioctl
 * dispatch; the commands live in ioas*.c, the object table in object.c.
 * The io-pagetables themselves are the core of lib/core/, compiled here
 * unchanged.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "priv.h"

/* The core's pages are the kernel's pages: one xarray slot per page. */
static_assert(IOD_PAGE_SIZE == PAGE_SIZE);

/*
 * 2: DMA_RWV, SG_GET, SG_PUT. 3: IOAS_MAPPINGS, GET_DIRTY_EXTENTS,
 * SET_DIRTY, IOAS_MAP_VEC, IOAS_UNMAP_VEC, IODIRTY_DIRTY_COUNT_ALL,
 * IOAS_UNMAP's out_nr_dirty and reports that cut report pages.
 */
#define IODIRTY_UAPI_VERSION 3

int iodirty_respond(struct iodirty_ucmd *ucmd, size_t size)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, size)))
		return -EFAULT;
	return 0;
}

static int iodirty_ioctl_get_info(struct iodirty_ucmd *ucmd)
{
	struct iodirty_info *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	cmd->out_uapi_version = IODIRTY_UAPI_VERSION;
	cmd->out_max_iova_bits = 64;
	/* The core implements every feature of the uAPI. */
	cmd->out_capabilities = IODIRTY_INFO_CAP_DIRTY_TRACKING |
				IODIRTY_INFO_CAP_UNMAP_DIRTY |
				IODIRTY_INFO_CAP_PARTIAL_UNMAP |
				IODIRTY_INFO_CAP_DMA_RW |
				IODIRTY_INFO_CAP_UADDR_REPORT |
				IODIRTY_INFO_CAP_RESERVE |
				IODIRTY_INFO_CAP_HW_MODEL |
				IODIRTY_INFO_CAP_SG |
				IODIRTY_INFO_CAP_MAP_VEC |
				IODIRTY_INFO_CAP_EXTENTS |
				IODIRTY_INFO_CAP_SET_DIRTY |
				IODIRTY_INFO_CAP_MAPPINGS;
	cmd->out_page_sizes = PAGE_SIZE;
	/* Any power of two from a page up to the core's limit (1 GiB). */
	cmd->out_granules = GENMASK_ULL(IOD_MAX_GRANULE_SHIFT, PAGE_SHIFT);
	cmd->out_default_iova_bits = 48;
	/* Mappings cost memory, charged to the caller; no count limit. */
	cmd->out_max_mappings = 0;
	return iodirty_respond(ucmd, sizeof(*cmd));
}

/* Every argument struct, so that one stack buffer holds any of them. */
union iodirty_ucmd_buffer {
	/* What every argument struct starts with. */
	struct {
		__u32 size;
		__u32 flags;
	} head;
	struct iodirty_info info;
	struct iodirty_destroy destroy;
	struct iodirty_ioas_alloc ioas_alloc;
	struct iodirty_ioas_map map;
	struct iodirty_ioas_unmap unmap;
	struct iodirty_ioas_translate translate;
	struct iodirty_ioas_iova_ranges ranges;
	struct iodirty_ioas_reserve reserve;
	struct iodirty_set_dirty_tracking tracking;
	struct iodirty_get_dirty_bitmap bitmap;
	struct iodirty_dma_rw dma;
	struct iodirty_ioas_stats stats;
	struct iodirty_dma_rwv dmav;
	struct iodirty_sg_get sg_get;
	struct iodirty_sg_put sg_put;
	struct iodirty_ioas_mappings mappings;
	struct iodirty_get_dirty_extents extents;
	struct iodirty_set_dirty set_dirty;
	struct iodirty_ioas_map_vec map_vec;
	struct iodirty_ioas_unmap_vec unmap_vec;
};

struct iodirty_ioctl_op {
	/* Size of the struct as the command was introduced, fixed forever. */
	unsigned int min_size;
	/* Size of the struct this module knows. */
	unsigned int size;
	int (*execute)(struct iodirty_ucmd *ucmd);
	/*
	 * A query: an fd opened without write access may make it, with all
	 * the flags of @query_flags set (a dirty read that clears nothing).
	 */
	bool query;
	u32 query_flags;
};

/*
 * @last is the last field of the struct as the command was introduced:
 * fields added later go after it and must treat zero as "as before".
 */
#define IODIRTY_OP_MODE(_ioctl, _fn, _struct, _last, _query, _qflags)	\
	[_IOC_NR(_ioctl) - IODIRTY_CMD_BASE] = {			\
		.min_size = offsetofend(_struct, _last),		\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union iodirty_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.execute = _fn,						\
		.query = _query,					\
		.query_flags = _qflags,					\
	}
/* A command that changes state: it needs an fd opened for writing. */
#define IODIRTY_OP(_ioctl, _fn, _struct, _last)				\
	IODIRTY_OP_MODE(_ioctl, _fn, _struct, _last, false, 0)
/* A query: any fd may make it (with @_qflags set, if any). */
#define IODIRTY_QUERY(_ioctl, _fn, _struct, _last, _qflags)		\
	IODIRTY_OP_MODE(_ioctl, _fn, _struct, _last, true, _qflags)

static const struct iodirty_ioctl_op iodirty_ops[] = {
	IODIRTY_QUERY(IODIRTY_GET_INFO, iodirty_ioctl_get_info, struct iodirty_info,
		      out_max_mappings, 0),
	IODIRTY_OP(IODIRTY_DESTROY, iodirty_ioctl_destroy, struct iodirty_destroy,
		   id),
	IODIRTY_OP(IODIRTY_IOAS_ALLOC, iodirty_ioctl_ioas_alloc,
		   struct iodirty_ioas_alloc, out_ioas_id),
	IODIRTY_OP(IODIRTY_IOAS_MAP, iodirty_ioctl_ioas_map,
		   struct iodirty_ioas_map, iova),
	IODIRTY_OP(IODIRTY_IOAS_UNMAP, iodirty_ioctl_ioas_unmap,
		   struct iodirty_ioas_unmap, out_unmapped),
	IODIRTY_QUERY(IODIRTY_IOAS_TRANSLATE, iodirty_ioctl_ioas_translate,
		      struct iodirty_ioas_translate, out_contig, 0),
	IODIRTY_QUERY(IODIRTY_IOAS_IOVA_RANGES, iodirty_ioctl_ioas_iova_ranges,
		      struct iodirty_ioas_iova_ranges, __reserved, 0),
	IODIRTY_OP(IODIRTY_IOAS_RESERVE, iodirty_ioctl_ioas_reserve,
		   struct iodirty_ioas_reserve, length),
	IODIRTY_OP(IODIRTY_SET_DIRTY_TRACKING, iodirty_ioctl_set_dirty_tracking,
		   struct iodirty_set_dirty_tracking, __reserved),
	IODIRTY_QUERY(IODIRTY_GET_DIRTY_BITMAP, iodirty_ioctl_get_dirty_bitmap,
		      struct iodirty_get_dirty_bitmap, out_nr_set,
		      IODIRTY_DIRTY_NO_CLEAR),
	IODIRTY_OP(IODIRTY_DMA_RW, iodirty_ioctl_dma_rw, struct iodirty_dma_rw,
		   data),
	IODIRTY_QUERY(IODIRTY_IOAS_STATS, iodirty_ioctl_ioas_stats,
		      struct iodirty_ioas_stats, out_hw_collapses, 0),
	IODIRTY_OP(IODIRTY_DMA_RWV, iodirty_ioctl_dma_rwv, struct iodirty_dma_rwv,
		   out_done),
	IODIRTY_OP(IODIRTY_SG_GET, iodirty_ioctl_sg_get, struct iodirty_sg_get,
		   __reserved),
	IODIRTY_OP(IODIRTY_SG_PUT, iodirty_ioctl_sg_put, struct iodirty_sg_put,
		   written),
	IODIRTY_QUERY(IODIRTY_IOAS_MAPPINGS, iodirty_ioctl_ioas_mappings,
		      struct iodirty_ioas_mappings, entries, 0),
	IODIRTY_QUERY(IODIRTY_GET_DIRTY_EXTENTS, iodirty_ioctl_get_dirty_extents,
		      struct iodirty_get_dirty_extents, out_next,
		      IODIRTY_DIRTY_NO_CLEAR),
	IODIRTY_OP(IODIRTY_SET_DIRTY, iodirty_ioctl_set_dirty,
		   struct iodirty_set_dirty, nr_extents),
	IODIRTY_OP(IODIRTY_IOAS_MAP_VEC, iodirty_ioctl_ioas_map_vec,
		   struct iodirty_ioas_map_vec, out_failed),
	IODIRTY_OP(IODIRTY_IOAS_UNMAP_VEC, iodirty_ioctl_ioas_unmap_vec,
		   struct iodirty_ioas_unmap_vec, out_failed),
};

static long iodirty_fops_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	const struct iodirty_ioctl_op *op;
	union iodirty_ucmd_buffer buf;
	struct iodirty_ucmd ucmd = {
		.ctx = file->private_data,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (nr < IODIRTY_CMD_BASE ||
	    nr - IODIRTY_CMD_BASE >= ARRAY_SIZE(iodirty_ops))
		return -ENOTTY;
	op = &iodirty_ops[nr - IODIRTY_CMD_BASE];
	/*
	 * The number alone is not enough: the type must be ours too, and
	 * every command is _IO() (the struct carries its own size).
	 */
	if (!op->execute || cmd != _IO(IODIRTY_TYPE, nr))
		return -ENOTTY;

	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	/* Zero-extends a short struct, E2BIG for unknown non-zero tails. */
	ret = copy_struct_from_user(&buf, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;
	/*
	 * The open mode: an fd opened without write access only looks. As
	 * write(2) on it, anything else is EBADF.
	 */
	if (!(file->f_mode & FMODE_WRITE) &&
	    (!op->query ||
	     (buf.head.flags & op->query_flags) != op->query_flags))
		return -EBADF;
	return op->execute(&ucmd);
}

static int iodirty_fops_open(struct inode *inode, struct file *file)
{
	struct iodirty_file *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	iodirty_file_init(ctx);
	file->private_data = ctx;
	return 0;
}

static int iodirty_fops_release(struct inode *inode, struct file *file)
{
	struct iodirty_file *ctx = file->private_data;

	iodirty_file_fini(ctx);
	kfree(ctx);
	return 0;
}

static const struct file_operations iodirty_fops = {
	.owner = THIS_MODULE,
	.open = iodirty_fops_open,
	.release = iodirty_fops_release,
	.unlocked_ioctl = iodirty_fops_ioctl,
	/* Every argument has the same layout for 32-bit callers. */
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * A fixed minor, so that the node can exist before the module is loaded:
 * depmod lists "devname:iodirty" with char 10:IODIRTY_MINOR in
 * modules.devname, "kmod static-nodes" has systemd-tmpfiles create
 * /dev/iodirty at boot, and its first open loads the module through the
 * char-major-10-IODIRTY_MINOR alias, as for /dev/kvm and /dev/vfio/vfio.
 *
 * devices.txt reserves misc minors 243-254 for local use: no in-tree
 * driver of Linux 6.1 or 6.12 registers one of them, and both kernels
 * allocate dynamic minors elsewhere (6.1 from 127 down to 0, 6.12 from
 * 256 up). 249 rather than the first of the range, which other local
 * drivers are the likeliest to have taken.
 */
#define IODIRTY_MINOR 249

/*
 * The kernel creates the node for root only: pins are charged to
 * RLIMIT_MEMLOCK, but the kernel memory behind objects, reserved regions
 * and dirty bitmaps is bounded only by the memory cgroup. The udev rule
 * installed with the module (kmod/60-iodirty.rules) hands it to the
 * group kvm, mode 0660, the users who already run VMs through /dev/kvm;
 * it also applies to the node created at boot before the module loads.
 */
static struct miscdevice iodirty_misc = {
	.minor = IODIRTY_MINOR,
	.name = "iodirty",
	.fops = &iodirty_fops,
	.mode = 0600,
};

/*
 * The inspection family first: events of the first IOAS need it. Both go
 * at exit, after the last file closed (each holds the module).
 */
static int __init iodirty_init(void)
{
	int ret;

	ret = iodirty_nl_init();
	if (ret)
		return ret;
	ret = misc_register(&iodirty_misc);
	if (ret) {
		if (ret == -EBUSY)
			pr_err("misc minor %d is taken by another driver\n",
			       IODIRTY_MINOR);
		iodirty_nl_exit();
	}
	return ret;
}

static void __exit iodirty_exit(void)
{
	misc_deregister(&iodirty_misc);
	iodirty_nl_exit();
}

module_init(iodirty_init);
module_exit(iodirty_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("io-pagetables with dirty tracking for userspace");
MODULE_VERSION(IODIRTY_VERSION);
MODULE_ALIAS_MISCDEV(IODIRTY_MINOR);
MODULE_ALIAS("devname:iodirty");
