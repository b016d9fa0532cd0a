// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: inspect libiodirty backends and demonstrate DMA dirty-page
 * tracking. This file holds the subcommand table and the global options.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <libiodirty/iodirty.h>

#include "ctl.h"

#ifndef IODIRTY_CTL_VERSION
#define IODIRTY_CTL_VERSION "unknown"
#endif

static const struct ctl_cmd *const commands[] = {
	&ctl_cmd_info,
	&ctl_cmd_demo,
	&ctl_cmd_list,
	&ctl_cmd_show,
	&ctl_cmd_monitor,
	&ctl_cmd_top,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("Usage: iodirty-ctl [--backend NAME] COMMAND [OPTIONS]\n"
	      "       iodirty-ctl --help | --version\n"
	      "\n"
	      "Inspect libiodirty backends and demonstrate device DMA "
	      "dirty-page tracking.\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i]->name,
			commands[i]->summary);
	fputs("\n"
	      "Global options:\n"
	      "  -b, --backend NAME  backend to open: soft, kmod or iommufd\n"
	      "                      (default: $" IODIRTY_BACKEND_ENV
	      ", else kmod if\n"
	      "                      /dev/iodirty exists, else soft)\n"
	      "  -h, --help          show this help and exit\n"
	      "  -V, --version       show the version and exit\n"
	      "\n"
	      "Run 'iodirty-ctl COMMAND --help' for the options of a command.\n",
	      f);
}

static void version(void)
{
	const char *lib;

	iodirty_version(&lib);
	/* The library loaded may be newer than the one built against. */
	printf("iodirty-ctl %s (libiodirty %s, built against %s)\n",
	       IODIRTY_CTL_VERSION, lib, IODIRTY_VERSION_STRING);
}

static const struct ctl_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_global g = { .backend = NULL };
	const struct ctl_cmd *cmd;
	int c, ret;

	/* '+': stop at the subcommand name; its options are its own. */
	while ((c = ctl_getopt(NULL, argc, argv, "+:b:hV", longopts)) != -1) {
		switch (c) {
		case 'b':
			if (!ctl_backend_known(optarg))
				return ctl_usage_err(NULL, "unknown backend '%s' "
						     "(soft, kmod or iommufd)",
						     optarg);
			g.backend = optarg;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			version();
			return CTL_EXIT_OK;
		default:
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return ctl_usage_err(NULL, "no command given");
	cmd = find_command(argv[optind]);
	if (!cmd)
		return ctl_usage_err(NULL, "unknown command '%s'",
				     argv[optind]);

	argc -= optind;
	argv += optind;
	optind = 0;	/* glibc: full re-initialisation for the subcommand */
	ret = cmd->run(cmd, &g, argc, argv);

	if (fflush(stdout) == EOF || ferror(stdout)) {
		ctl_msg("writing to standard output failed");
		if (ret == CTL_EXIT_OK)
			ret = CTL_EXIT_FAIL;
	}
	return ret;
}
