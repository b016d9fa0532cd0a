// SPDX-License-Identifier: GPL-2.0-only
/*
 * The object table of an open /dev/iodirty: objects by ID, two-phase
 * creation, reference counting and destruction.
 *
 * Creation reserves an ID with a placeholder (xa_alloc of a NULL entry,
 * which lookups do not see), builds the object, replies to userspace and
 * only then publishes it: once another thread can find an object, it can
 * hold it, so nothing after publishing may fail.
 */
#include <linux/bug.h>
#include <linux/xarray.h>

#include "priv.h"

void iodirty_file_init(struct iodirty_file *ctx)
{
	/* IDs start at 1, so that 0 never names an object. */
	xa_init_flags(&ctx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
}

static void iodirty_obj_destroy(struct iodirty_obj *obj)
{
	switch (obj->type) {
	case IODIRTY_OBJ_IOAS:
		iodirty_ioas_destroy(container_of(obj, struct iodirty_ioas,
						  obj));
		break;
	}
}

/* The file is gone: no ioctl can run, every object is ours to destroy. */
void iodirty_file_fini(struct iodirty_file *ctx)
{
	struct iodirty_obj *obj;
	unsigned long id;

	xa_for_each(&ctx->objects, id, obj) {
		xa_erase(&ctx->objects, id);
		WARN_ON(!refcount_dec_and_test(&obj->users));
		iodirty_obj_destroy(obj);
	}
	xa_destroy(&ctx->objects);
}

int iodirty_obj_reserve(struct iodirty_file *ctx, struct iodirty_obj *obj,
			enum iodirty_obj_type type)
{
	int ret;

	obj->type = type;
	/* The table's reference. */
	refcount_set(&obj->users, 1);
	/*
	 * Cyclic: an ID is not handed out again until the 31-bit space
	 * wraps, so a stale ID in userspace finds ENOENT, not a newer
	 * object. Returns 1 when it wrapped, which is success too.
	 */
	ret = xa_alloc_cyclic(&ctx->objects, &obj->id, NULL, xa_limit_31b,
			      &ctx->next_id, GFP_KERNEL_ACCOUNT);
	return ret < 0 ? ret : 0;
}

void iodirty_obj_publish(struct iodirty_file *ctx, struct iodirty_obj *obj)
{
	void *old;

	/* Replaces the placeholder in place: no allocation, cannot fail. */
	old = xa_store(&ctx->objects, obj->id, obj, GFP_KERNEL);
	WARN_ON(old);
}

/* Drops a reserved, never published ID; the caller frees the object. */
void iodirty_obj_abort(struct iodirty_file *ctx, struct iodirty_obj *obj)
{
	xa_erase(&ctx->objects, obj->id);
}

struct iodirty_obj *iodirty_obj_get(struct iodirty_file *ctx, u32 id,
				    enum iodirty_obj_type type)
{
	struct iodirty_obj *obj;

	/*
	 * Under the table lock, so that DESTROY cannot take the object out
	 * between the lookup and the reference.
	 */
	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, id);
	if (!obj || obj->type != type || !refcount_inc_not_zero(&obj->users))
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ctx->objects);
	return obj;
}

/* The table holds a reference for as long as an ioctl can get one. */
void iodirty_obj_put(struct iodirty_obj *obj)
{
	refcount_dec(&obj->users);
}

/*
 * Removes the object if no ioctl is using it. Busy objects give EBUSY
 * rather than a wait: the call that holds the object may be long (pinning
 * gigabytes), and userspace that destroys what it is still using has a
 * bug that waiting would only hide.
 */
int iodirty_ioctl_destroy(struct iodirty_ucmd *ucmd)
{
	struct iodirty_destroy *cmd = ucmd->cmd;
	struct xarray *xa = &ucmd->ctx->objects;
	struct iodirty_obj *obj;

	xa_lock(xa);
	obj = xa_load(xa, cmd->id);
	if (!obj) {
		xa_unlock(xa);
		return -ENOENT;
	}
	if (!refcount_dec_if_one(&obj->users)) {
		xa_unlock(xa);
		return -EBUSY;
	}
	__xa_erase(xa, cmd->id);
	xa_unlock(xa);
	iodirty_obj_destroy(obj);
	return 0;
}
