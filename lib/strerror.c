// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Messages for the negative errnos of this API, in its own words. */
#include <string.h>

#include "internal.h"

IODIRTY_EXPORT const char *iodirty_strerror(int err)
{
	switch (-err) {
	case 0:
		return "success";
	case EINVAL:
		return "invalid argument (alignment, length, page size or NULL)";
	case EOPNOTSUPP:
		return "unknown flag, non-zero reserved field, or unsupported by the backend";
	case E2BIG:
		return "options struct has unknown non-zero fields";
	case EOVERFLOW:
		return "address range wraps around";
	case ERANGE:
		return "range beyond the domain's IOVA width";
	case EEXIST:
		return "range overlaps an existing mapping or reserved region";
	case EADDRNOTAVAIL:
		return "range overlaps a reserved region";
	case EBUSY:
		return "range overlaps a mapped page";
	case ENOENT:
		return "nothing mapped there";
	case EACCES:
		return "mapping lacks the needed permission";
	case ENODATA:
		return "dirty tracking is off";
	case EMSGSIZE:
		return "output array too small";
	case ENOMEM:
		return "out of memory";
	case ENODEV:
		return "backend device not present";
	case ESTALE:
		return "held range was unmapped while held";
	default:
		break;
	}
	/* strerrordesc_np(), unlike strerror(), is thread-safe. */
	if (err < 0 && strerrordesc_np(-err))
		return strerrordesc_np(-err);
	return "unknown error";
}
