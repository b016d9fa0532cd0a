#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run.sh BUILD_DIR [SANITIZE]
#
# Installs BUILD_DIR (configured with -Ddefault_library=both) into a
# staging directory (DESTDIR), checks that the staged tree holds the
# headers (the library's and the module's uAPI), the versioned shared
# library, the static one and libiodirty.pc, then runs consumers.sh with
# pkg-config pointed at the staged tree only: C and C++ programs, shared
# and static, and a uAPI program, built and run against the staged files.
# SANITIZE is meson's b_sanitize value ("none" or e.g.
# "address,undefined"), passed on to consumers.sh.
# Environment: MESON (default meson), CC (default cc), CXX (default c++),
# PKG_CONFIG (default pkg-config).
# Exit status: 0 pass, 1 fail, 77 skip (the selected backend lacks a feature).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILD_DIR [SANITIZE]" >&2
	exit 99
fi
build=$(cd "$1" && pwd)
sanitize=${2:-none}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MESON=${MESON:-meson}
CC=${CC:-cc}
CXX=${CXX:-c++}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

for tool in "$MESON" "$CC" "$CXX" "$PKG_CONFIG"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL: $tool not found (install the build dependencies: scripts/run.sh test)"
		exit 1
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
errors=0
fail() {
	echo "FAIL: $*"
	errors=$((errors + 1))
}

echo "== meson install -C $build --destdir $stage"
if ! "$MESON" install -C "$build" --destdir "$stage" --quiet >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL: meson install failed"
	exit 1
fi

# --- the staged tree ---------------------------------------------------
header=$(find "$stage" -path '*/include/libiodirty/iodirty.h' -type f -print -quit)
[ -n "$header" ] || fail "no include/libiodirty/iodirty.h in the installed tree"
realso=$(find "$stage" -path '*/lib*/libiodirty.so.0.*' -type f -print -quit)
[ -n "$realso" ] || fail "no lib*/libiodirty.so.0.* (the library file) in the installed tree"
solink=$(find "$stage" -path '*/lib*/libiodirty.so.0' -print -quit)
[ -n "$solink" ] || fail "no lib*/libiodirty.so.0 (SONAME link) in the installed tree"
devlink=$(find "$stage" -path '*/lib*/libiodirty.so' -print -quit)
[ -n "$devlink" ] || fail "no lib*/libiodirty.so (development link) in the installed tree"
pcfile=$(find "$stage" -name libiodirty.pc -type f -print -quit)
[ -n "$pcfile" ] || fail "no libiodirty.pc in the installed tree"
archive=$(find "$stage" -path '*/lib*/libiodirty.a' -type f -print -quit)
[ -n "$archive" ] || fail "no lib*/libiodirty.a (static library) in the installed tree"
vheader=$(find "$stage" -path '*/include/libiodirty/iodirty_version.h' -type f -print -quit)
[ -n "$vheader" ] || fail "no include/libiodirty/iodirty_version.h in the installed tree"
for h in iodirty.h iodirty_nl.h; do
	uh=$(find "$stage" -path "*/include/libiodirty/linux/$h" -type f -print -quit)
	if [ -z "$uh" ]; then
		fail "no include/libiodirty/linux/$h (the module's uAPI) in the installed tree"
	elif ! cmp -s "$uh" "$here/../../include/uapi/linux/$h"; then
		fail "installed libiodirty/linux/$h differs from include/uapi/linux/$h"
	fi
done
if [ "$errors" -ne 0 ]; then
	echo "installed files:"
	(cd "$stage" && find . ! -type d | sort | sed 's/^/    /')
	exit 1
fi
if [ -n "$header" ] && ! cmp -s "$header" "$here/../../include/libiodirty/iodirty.h"; then
	fail "installed iodirty.h differs from include/libiodirty/iodirty.h"
fi
libdir=$(dirname "$solink")

# --- pkg-config on the staged tree --------------------------------------
# PKG_CONFIG_LIBDIR: consult only the staged .pc. SYSROOT_DIR: prefix its
# -I/-L paths with the staging directory. ALLOW_SYSTEM_*: keep them even when
# the prefix is /usr.
export PKG_CONFIG_LIBDIR
PKG_CONFIG_LIBDIR=$(dirname "$pcfile")
export PKG_CONFIG_PATH=
export PKG_CONFIG_SYSROOT_DIR=$stage
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1
export PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
if ! "$PKG_CONFIG" --exists --print-errors libiodirty; then
	echo "FAIL: pkg-config cannot use $pcfile"
	exit 1
fi
cflags=$("$PKG_CONFIG" --cflags libiodirty)
libs=$("$PKG_CONFIG" --libs libiodirty)
echo "pkg-config --cflags: $cflags"
echo "pkg-config --libs:   $libs"
echo "pkg-config version:  $("$PKG_CONFIG" --modversion libiodirty)"
case " $cflags " in
*" -I$stage/"*) ;;
*) fail "pkg-config --cflags does not point into the staged tree: '$cflags'" ;;
esac
case " $libs " in
*" -L$stage/"*) ;;
*) fail "pkg-config --libs does not point into the staged tree: '$libs'" ;;
esac
[ "$errors" -eq 0 ] || exit 1

# --- consumers -------------------------------------------------------
rc=0
EXPECT_LIBDIR=$libdir/ LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
	"$here/consumers.sh" "$sanitize" || rc=$?
exit "$rc"
