// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Size-extensible options structs: accept older (shorter) structs, refuse
 * newer (longer) ones only when they carry something this library would
 * have to ignore.
 */
#include <string.h>

#include "internal.h"

int iodirty_opts_check(const void *opts, size_t user_sz, size_t known_sz)
{
	const unsigned char *p = opts;
	size_t i;

	if (user_sz < sizeof(size_t))
		return -EINVAL;
	for (i = known_sz; i < user_sz; i++)
		if (p[i])
			return -E2BIG;
	return 0;
}

int iodirty_opts_copy_in(void *dst, size_t known_sz, const void *opts)
{
	size_t user_sz;
	int ret;

	memset(dst, 0, known_sz);
	if (!opts)
		return 0;
	memcpy(&user_sz, opts, sizeof(user_sz));
	ret = iodirty_opts_check(opts, user_sz, known_sz);
	if (ret)
		return ret;
	memcpy(dst, opts, user_sz < known_sz ? user_sz : known_sz);
	return 0;
}

int iodirty_opts_copy_out(void *dst, const void *src, size_t known_sz)
{
	size_t user_sz;

	if (!dst)
		return -EINVAL;
	memcpy(&user_sz, dst, sizeof(user_sz));
	if (user_sz < sizeof(size_t))
		return -EINVAL;
	/* Keep the caller's sz; copy the fields after it that fit. */
	if (user_sz > known_sz) {
		memset((char *)dst + known_sz, 0, user_sz - known_sz);
		user_sz = known_sz;
	}
	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       user_sz - sizeof(size_t));
	return 0;
}

/* Options structs are padding-free only where size_t is 64 bits wide. */
_Static_assert(sizeof(size_t) == 8 && sizeof(void *) == 8,
	       "libiodirty supports LP64 targets only");
