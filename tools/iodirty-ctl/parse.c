// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: parsing of numbers and sizes given on the command line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* Parses the leading number of @s; *end points past it. */
static bool parse_prefix(const char *s, uint64_t *out, char **end)
{
	unsigned long long v;

	/* strtoull() accepts signs and leading blanks; we do not. */
	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return false;
		v = strtoull(s, end, 16);
	} else {
		v = strtoull(s, end, 10);	/* no octal: "010" is ten */
	}
	if (errno || *end == s)
		return false;
	*out = v;
	return true;
}

bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	return parse_prefix(s, out, &end) && *end == '\0';
}

bool parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	const char *u;
	unsigned int shift = 0;
	uint64_t v;
	char *end;

	if (!parse_prefix(s, &v, &end))
		return false;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (u) {
			shift = 10 * (unsigned int)(u - units + 1);
			end++;
			if (!strcmp(end, "iB") || !strcmp(end, "ib"))
				end += 2;
		}
		if (!strcmp(end, "B") || !strcmp(end, "b"))
			end++;
		if (*end)
			return false;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

bool parse_percent(const char *s, uint32_t *bp)
{
	uint64_t v = 0;
	unsigned int decimals = 0;
	bool point = false, digits = false;

	for (; *s && *s != '%'; s++) {
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (!isdigit((unsigned char)*s) || (point && decimals == 2))
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		decimals += point;
		digits = true;
		if (v > 1000000)	/* far above 100%, and no overflow */
			return false;
	}
	if (!digits || (*s == '%' && s[1]))
		return false;
	while (decimals++ < 2)
		v *= 10;
	if (v > 10000)
		return false;
	*bp = (uint32_t)v;
	return true;
}
