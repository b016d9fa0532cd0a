// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: command-line parsing shared by main.c and the subcommands.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

int ctl_getopt(const struct ctl_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c != '?' && c != ':')
		return c;
	if (optind > 0 && optind <= argc &&
	    argv[optind - 1][0] == '-' && argv[optind - 1][1] == '-') {
		const char *o = argv[optind - 1];

		const char *eq = strchr(o, '=');

		if (c == ':')
			ctl_usage_err(cmd, "option '%s' requires an argument", o);
		else if (optopt && eq)	/* glibc: optopt is the option's val */
			ctl_usage_err(cmd, "option '%.*s' takes no argument",
				      (int)(eq - o), o);
		else
			ctl_usage_err(cmd, "unrecognized option '%s'", o);
	} else if (c == ':') {
		ctl_usage_err(cmd, "option requires an argument -- '%c'", optopt);
	} else {
		ctl_usage_err(cmd, "invalid option -- '%c'", optopt);
	}
	return '?';
}

int ctl_common_opt(const struct ctl_cmd *cmd, struct ctl_global *g, int c,
		   const char *arg)
{
	switch (c) {
	case 'b':
		if (!ctl_backend_known(arg))
			return ctl_usage_err(cmd, "unknown backend '%s' (soft, "
					     "kmod or iommufd)", arg);
		g->backend = arg;
		return -1;
	case 'h':
		cmd->usage(stdout);
		return CTL_EXIT_OK;
	case '?':
		return CTL_EXIT_USAGE;	/* already reported by ctl_getopt() */
	default:
		return ctl_usage_err(cmd, "unexpected option");
	}
}
