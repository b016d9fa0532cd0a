// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The version of the library as built, which a program compares with the
 * header it was compiled against (the macros come from the same VERSION).
 */
#include "internal.h"

IODIRTY_EXPORT uint32_t iodirty_version(const char **str)
{
	if (str)
		*str = IODIRTY_VERSION_STRING;
	return IODIRTY_VERSION_CODE(IODIRTY_VERSION_MAJOR,
				    IODIRTY_VERSION_MINOR,
				    IODIRTY_VERSION_PATCH);
}
