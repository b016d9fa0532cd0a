#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks the manual pages: each renders without groff warnings, and every
# function declared in the public header has a section 3 page.
# Usage: check-man.sh HEADER PAGE...
header=$1
shift
dir=$(dirname "$0")
failures=0

if ! command -v groff >/dev/null 2>&1; then
	echo "groff not found: skipping"
	exit 77
fi

for page in "$@"; do
	if grep -q '@VERSION@' "$page"; then
		echo "FAIL: $page still holds @VERSION@ (not made by the build)"
		failures=$((failures + 1))
	fi
	warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	if [ -n "$warnings" ]; then
		echo "FAIL: $page renders with warnings:"
		echo "$warnings" | sed 's/^/  /'
		failures=$((failures + 1))
	else
		echo "ok: $(basename "$page") renders cleanly"
	fi
done

# Function names: identifiers followed by '(' at the start of a declaration.
# The header and the sub-headers it includes from its own directory.
subs=$(sed -n 's|^#include <libiodirty/\([a-z_]*\.h\)>.*|\1|p' "$header" |
	while read -r h; do
		[ -f "$(dirname "$header")/$h" ] && echo "$(dirname "$header")/$h"
	done)
fns=$(sed -n 's/^[a-z].*[ *]\(iodirty_[a-z_0-9]*\)(.*/\1/p' "$header" $subs |
	sort -u)
for fn in $fns; do
	if [ -f "$dir/$fn.3" ]; then
		echo "ok: $fn has a man page"
	else
		echo "FAIL: $fn has no man page $dir/$fn.3"
		failures=$((failures + 1))
	fi
done

[ "$failures" -eq 0 ]
