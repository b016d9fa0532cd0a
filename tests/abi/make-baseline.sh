#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make-baseline.sh BUILDDIR OUTPUT
#
# Writes the ABI baseline (abidw's ABIXML) of the library built in BUILDDIR,
# for check-layout.sh. Run it on the released sources, e.g. for 0.3 (0.3.0
# is commit f83890f; 0.2's baseline came from 16d6d82^):
#
#   git worktree add /tmp/wt-03 f83890f
#   cd /tmp/wt-03 && meson setup build --buildtype debugoptimized && ninja -C build
#   /work/main/tests/abi/make-baseline.sh build /tmp/libiodirty-0.3.abi
#
# (run the script of the tree being checked: /work/main/tests/abi/... when
# the release predates it) and copy OUTPUT into tests/abi/ of the main tree.
# The build needs debug info (buildtype debug or debugoptimized) and no
# sanitizers. 0.4's baseline came from 8004ae5, 0.5's from fea021a. The command it runs, from the top of the source tree:
#
#   abidw --headers-dir include/libiodirty \
#         [--headers-dir BUILDDIR/include/libiodirty]   (if it exists)
#         --drop-private-types --drop-undefined-syms --no-elf-needed \
#         --no-corpus-path --no-comp-dir-path --short-locs \
#         --type-id-style hash \
#         --out-file OUTPUT BUILDDIR/lib/libiodirty.so.0
#
# --headers-dir ... --drop-private-types: only types defined in the public
# headers are kept (the opaque handles stay as bare declarations);
# --no-corpus-path, --no-comp-dir-path, --short-locs: no absolute path, so
# the file does not depend on where the tree was built; --type-id-style
# hash: type ids do not renumber when an unrelated type is added, so a
# regenerated baseline diffs readably; --no-elf-needed,
# --drop-undefined-syms: DT_NEEDED and imported symbols are not the ABI.
#
# After a release, also update the version nodes that
# libiodirty.abignore treats as closed (its symbol_version_regexp).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILDDIR OUTPUT" >&2
	exit 2
fi
builddir=$1
out=$2
srcdir=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || true)
# The sources are the tree BUILDDIR was configured from.
if [ -r "$builddir/meson-info/meson-info.json" ]; then
	srcdir=$(sed -n 's/.*"source": *"\([^"]*\)".*/\1/p' \
		"$builddir/meson-info/meson-info.json" | head -n 1)
fi
lib=$builddir/lib/libiodirty.so.0
for f in "$lib" "$srcdir/include/libiodirty/iodirty.h"; do
	if [ ! -r "$f" ]; then
		echo "$0: cannot read $f" >&2
		exit 1
	fi
done
hd=(--headers-dir "$srcdir/include/libiodirty")
if [ -d "$builddir/include/libiodirty" ]; then
	hd+=(--headers-dir "$builddir/include/libiodirty")
fi
abidw "${hd[@]}" \
	--drop-private-types --drop-undefined-syms --no-elf-needed \
	--no-corpus-path --no-comp-dir-path --short-locs \
	--type-id-style hash \
	--out-file "$out" "$lib"
if grep -q "$srcdir\|$(cd "$builddir" && pwd)" "$out"; then
	echo "$0: $out still holds an absolute path" >&2
	exit 1
fi
echo "wrote $out"
