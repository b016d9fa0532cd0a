// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: declarations shared by main.c and the subcommands.
 */
#ifndef IODIRTY_CTL_H
#define IODIRTY_CTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes. */
#define CTL_EXIT_OK	0
#define CTL_EXIT_FAIL	1	/* a library call or a check failed */
#define CTL_EXIT_USAGE	2	/* bad command line */
#define CTL_EXIT_NOMOD	3	/* iodirty.ko is not loaded */
#define CTL_EXIT_PERM	4	/* permission denied */
#define CTL_EXIT_NOENT	5	/* no IO address space with that handle */

/* Options that every subcommand accepts. */
struct ctl_global {
	const char *backend;	/* NULL: library default (IODIRTY_BACKEND) */
};

struct ctl_cmd {
	const char *name;
	const char *summary;
	/* argv[0] is the subcommand name; returns an exit code. */
	int (*run)(const struct ctl_cmd *cmd, struct ctl_global *g, int argc,
		   char **argv);
	void (*usage)(FILE *f);
};

/* Long-only options of a subcommand take values from here on. */
#define CTL_OPT_CMD_BASE 0x100

/* Options every subcommand accepts; put them in its tables. */
#define CTL_COMMON_SHORTOPTS "b:h"
#define CTL_COMMON_LONGOPTS \
	{ "backend", required_argument, NULL, 'b' }, \
	{ "help", no_argument, NULL, 'h' }

/*
 * getopt_long() for a subcommand (or main, with @cmd NULL). @shortopts
 * must start with ':' (after an optional '+'). Returns the next option,
 * -1 at the end, or '?' after it printed a usage error for an unknown
 * option or a missing argument.
 */
int ctl_getopt(const struct ctl_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts);

/*
 * Handles an option of CTL_COMMON_*OPTS, or anything else as a usage
 * error. Returns -1 to go on parsing, or the exit code to return now
 * (CTL_EXIT_OK after --help, CTL_EXIT_USAGE otherwise).
 */
int ctl_common_opt(const struct ctl_cmd *cmd, struct ctl_global *g, int c,
		   const char *arg);

/* Prints "iodirty-ctl: <what>: <iodirty_strerror(err)>" to stderr. */
void ctl_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "iodirty-ctl: <message>" to stderr. */
void ctl_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Prints "iodirty-ctl: [<cmd>: ]<message>" and a pointer to --help to
 * stderr; returns CTL_EXIT_USAGE.
 */
int ctl_usage_err(const struct ctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* True if @name is a backend the library knows. */
bool ctl_backend_known(const char *name);

/* Subcommands (cmd_*.c). */
extern const struct ctl_cmd ctl_cmd_info;
extern const struct ctl_cmd ctl_cmd_demo;
extern const struct ctl_cmd ctl_cmd_list;
extern const struct ctl_cmd ctl_cmd_show;
extern const struct ctl_cmd ctl_cmd_monitor;
extern const struct ctl_cmd ctl_cmd_top;

#endif /* IODIRTY_CTL_H */
