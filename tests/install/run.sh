#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run.sh BUILD_DIR [SANITIZE]
#
# Installs BUILD_DIR into a staging directory (DESTDIR), checks that the
# staged tree holds the header, the versioned library and libiodirty.pc,
# then builds install-test.c (C11) and install-test.cpp (C++20) with flags
# from the staged libiodirty.pc only, and runs them against the staged
# library. SANITIZE is meson's b_sanitize value ("none" or e.g.
# "address,undefined"); the programs are then built with the same
# sanitizers, because an instrumented library needs the runtime in the
# executable.
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

# --- build and run ------------------------------------------------------
san=()
if [ -n "$sanitize" ] && [ "$sanitize" != none ]; then
	san=("-fsanitize=$sanitize" -fno-sanitize-recover=all -fno-omit-frame-pointer)
fi
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
skipped=0

# build_and_run NAME COMPILER STD-AND-WARNING-FLAGS... -- SOURCE
build_and_run() {
	local name=$1 compiler=$2
	shift 2
	local flags=()
	while [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	local src=$2 exe=$tmp/$name rc=0
	echo "== $compiler ${flags[*]} ${san[*]} $(basename "$src") \$(pkg-config --cflags --libs libiodirty)"
	# shellcheck disable=SC2086 # pkg-config output is a word list
	if ! (cd "$tmp" && "$compiler" "${flags[@]}" "${san[@]}" $cflags -o "$exe" "$src" $libs) \
		>"$tmp/$name.log" 2>&1; then
		head -n 40 "$tmp/$name.log"
		[ "$(wc -l <"$tmp/$name.log")" -le 40 ] ||
			echo "... ($(wc -l <"$tmp/$name.log") lines in all)"
		fail "$name: does not compile against the installed header and library"
		return
	fi
	cat "$tmp/$name.log"
	local deps
	deps=$(ldd "$exe")
	if [[ $deps != *"libiodirty.so.0 => $libdir/"* ]]; then
		fail "$name: does not resolve libiodirty.so.0 from the staged tree:"
		printf '%s\n' "$deps" | sed 's/^/    /'
		return
	fi
	"$exe" || rc=$?
	case $rc in
	0) ;;
	77) skipped=$((skipped + 1)) ;;
	*) fail "$name: exited with status $rc" ;;
	esac
}

build_and_run install-test-c "$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror -g \
	-- "$here/install-test.c"
build_and_run install-test-cpp "$CXX" -std=c++20 -Wall -Wextra -Werror -g \
	-- "$here/install-test.cpp"

if [ "$errors" -ne 0 ]; then
	echo "$errors install problem(s)"
	exit 1
fi
if [ "$skipped" -ne 0 ]; then
	exit 77
fi
echo "ok: installed tree complete; C and C++ programs build with pkg-config and run"
