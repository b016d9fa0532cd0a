// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: parsing of numbers and sizes given on the command line.
 */
#ifndef IODIRTY_CTL_PARSE_H
#define IODIRTY_CTL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Parses a decimal (or 0x hexadecimal) unsigned number that fills all of
 * @s. Returns false on a malformed or too large number.
 */
bool parse_u64(const char *s, uint64_t *out);

/*
 * Parses a size: a number as for parse_u64(), optionally followed by one
 * of K, M, G, T (powers of 1024, either case) and an optional "B" or
 * "iB": "4096", "64M", "1GiB". Returns false when malformed or > 2^64 - 1.
 */
bool parse_size(const char *s, uint64_t *out);

/*
 * Parses a percentage: a decimal number with at most two decimals and an
 * optional "%": "5", "5%", "2.5%", "0.25". Stores it in hundredths of a
 * percent (basis points). Returns false when malformed or above 100%.
 */
bool parse_percent(const char *s, uint32_t *bp);

#endif /* IODIRTY_CTL_PARSE_H */
