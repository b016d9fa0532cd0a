// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: what list, show, monitor and top share: options without a
 * backend, handles, and an IOAS as JSON.
 */
#ifndef IODIRTY_CTL_INSPECT_H
#define IODIRTY_CTL_INSPECT_H

#include "ctl.h"
#include "nl.h"
#include "output.h"

/*
 * Parses the options of an inspection command: --json (if @json is not
 * NULL), --help, and options of its own through @own (its short options
 * in @shortopts after ':', long ones in @longopts, which must end with
 * CTL_COMMON_LONGOPTS and a zero entry). @own returns -1 to go on or an
 * exit code. Returns -1 when parsing is done, else the exit code.
 */
int inspect_getopt(const struct ctl_cmd *cmd, struct ctl_global *g,
		   int argc, char **argv, const char *shortopts,
		   const struct option *longopts, bool *json,
		   int (*own)(void *arg, int c, const char *optarg), void *arg);

/* Parses a handle (1..2^32-1); false if @s is not one. */
bool inspect_handle(const char *s, uint32_t *out);

/* Connects to the family; prints why not and returns the exit code. */
int inspect_open(struct ctl_nl *nl, const char *what);

/* The fields of @o as members of the current JSON object. */
void inspect_json_ioas(struct json *j, const struct ctl_ioas *o);

/* "rw", "r-", "-w" for a mapping's prot. */
const char *inspect_prot(uint32_t prot);

#endif /* IODIRTY_CTL_INSPECT_H */
