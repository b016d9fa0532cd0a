// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Contexts: backend selection, capabilities. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Backends by name: every build of the library has all three. */
static const struct {
	const char *name;
	const struct iodirty_backend_ops *ops;
} backends[] = {
	{ "soft", &iodirty_soft_ops },
	{ "kmod", &iodirty_kmod_ops },
	{ "iommufd", &iodirty_iommufd_ops },
};

/*
 * The backend iodirty_ctx_open() opens when it is given no name: the
 * environment's choice; else the kernel module when its device exists, as
 * a loaded module is there to be used; else the in-process one. Existence
 * alone decides, so that a device that cannot be opened (no permission, an
 * unusable module) fails the open instead of quietly becoming "soft".
 */
static const char *default_backend(void)
{
	const char *env = getenv(IODIRTY_BACKEND_ENV);

	if (env && *env)
		return env;
	return access(IODIRTY_KMOD_DEVICE, F_OK) == 0 ? "kmod" : "soft";
}

IODIRTY_EXPORT int iodirty_ctx_open(const char *backend,
				    const struct iodirty_ctx_opts *opts,
				    struct iodirty_ctx **out)
{
	struct iodirty_ctx_opts o;
	struct iodirty_ctx *ctx;
	const struct iodirty_backend_ops *ops = NULL;
	size_t i;
	int ret;

	if (!out)
		return -EINVAL;
	ret = iodirty_opts_copy_in(&o, sizeof(o), opts);
	if (ret)
		return ret;
	if ((o.flags & ~IODIRTY_CTX_ADOPT_FD) || o.__reserved ||
	    o.__reserved2)
		return -EOPNOTSUPP;
	if ((o.flags & IODIRTY_CTX_ADOPT_FD) && o.fd < 0)
		return -EINVAL;
	if (!backend)
		backend = default_backend();
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (!strcmp(backend, backends[i].name))
			ops = backends[i].ops;
	}
	if (!ops)
		return -EINVAL;
	if ((o.flags & IODIRTY_CTX_ADOPT_FD) && !ops->adopts_fd)
		return -EOPNOTSUPP;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->ops = ops;
	ctx->adopt_fd = (o.flags & IODIRTY_CTX_ADOPT_FD) ? o.fd : -1;
	ret = ops->open(ctx);
	if (ret) {
		free(ctx);
		return ret;
	}
	*out = ctx;
	return 0;
}

IODIRTY_EXPORT void iodirty_ctx_close(struct iodirty_ctx *ctx)
{
	if (!ctx)
		return;
	ctx->ops->close(ctx);
	free(ctx);
}

IODIRTY_EXPORT const char *iodirty_ctx_backend(const struct iodirty_ctx *ctx)
{
	return ctx ? ctx->ops->name : NULL;
}

IODIRTY_EXPORT int iodirty_ctx_caps(struct iodirty_ctx *ctx,
				    struct iodirty_caps *caps)
{
	struct iodirty_caps full;

	if (!ctx || !caps)
		return -EINVAL;
	memset(&full, 0, sizeof(full));
	full.sz = sizeof(full);
	ctx->ops->caps(ctx, &full);
	/* Logs are taken with the backend's mark (see api_log.c). */
	if (full.flags & IODIRTY_CAP_SET_DIRTY)
		full.flags |= IODIRTY_CAP_SHARED_LOG;
	return iodirty_opts_copy_out(caps, &full, sizeof(full));
}
