// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: error and usage messages.
 */
#include <stdarg.h>
#include <stdio.h>

#include <libiodirty/iodirty.h>

#include "ctl.h"

void ctl_err(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("iodirty-ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", iodirty_strerror(err));
}

void ctl_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("iodirty-ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_usage_err(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("iodirty-ctl: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'iodirty-ctl %s%s--help' for more information.\n",
		cmd ? cmd->name : "", cmd ? " " : "");
	return CTL_EXIT_USAGE;
}
