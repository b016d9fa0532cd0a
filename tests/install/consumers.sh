#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# consumers.sh [SANITIZE]
#
# Builds and runs programs against an installed libiodirty, with flags
# from "pkg-config libiodirty" only, as a downstream project would:
#   c-shared    install-test.c, C11, linked with the shared library
#   cpp-shared  install-test.cpp, C++20, shared
#   c-static    install-test.c linked with -static and
#               "pkg-config --static --libs": no libiodirty.so needed
#   cpp-static  install-test.cpp, the same
#   uapi        uapi-test.c: the module's uAPI headers alone
# Which installation is used is up to the caller's pkg-config environment
# (tests/install/run.sh points it at a staged tree; tests/packaging/run.sh
# uses the system's, after installing the Debian packages).
#
# SANITIZE: meson's b_sanitize value ("none" or e.g. "address,undefined");
# the programs are then built with the same sanitizers, as an instrumented
# library needs the runtime in the executable. A sanitizer runtime cannot
# be linked -static, so with one the static programs link libiodirty.a
# into an otherwise dynamic executable.
# Environment: CC (default cc), CXX (default c++), PKG_CONFIG (default
# pkg-config), EXPECT_LIBDIR (if set, the shared programs must load
# libiodirty.so.0 from there).
# Exit status: 0 pass, 1 fail, 77 skip (the default backend lacks a
# feature the programs need).
set -euo pipefail

sanitize=${1:-none}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CC=${CC:-cc}
CXX=${CXX:-c++}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

for tool in "$CC" "$CXX" "$PKG_CONFIG"; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "FAIL: $tool not found"
		exit 1
	}
done
if ! "$PKG_CONFIG" --exists --print-errors libiodirty; then
	echo "FAIL: pkg-config does not find libiodirty"
	exit 1
fi
cflags=$("$PKG_CONFIG" --cflags libiodirty)
libs=$("$PKG_CONFIG" --libs libiodirty)
static_libs=$("$PKG_CONFIG" --static --libs libiodirty)
echo "pkg-config libiodirty $("$PKG_CONFIG" --modversion libiodirty)"
echo "  --cflags:        $cflags"
echo "  --libs:          $libs"
echo "  --static --libs: $static_libs"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
errors=0
skipped=0
fail() {
	echo "FAIL: $*"
	errors=$((errors + 1))
}

san=()
static=(-static)
if [ "$sanitize" != none ] && [ -n "$sanitize" ]; then
	san=("-fsanitize=$sanitize" -fno-sanitize-recover=all -fno-omit-frame-pointer)
	static=()
	# -l:libiodirty.a: the archive, whatever else is dynamic.
	static_libs=${static_libs//-liodirty/-l:libiodirty.a}
fi

# build_and_run NAME LINK(shared|static|none) COMPILER FLAGS... -- SOURCE
build_and_run() {
	local name=$1 link=$2 compiler=$3
	shift 3
	local flags=() linkflags=()
	while [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	local src=$2 exe=$tmp/$name rc=0 deps
	case $link in
	shared) read -r -a linkflags <<<"$libs" ;;
	static) read -r -a linkflags <<<"$static_libs"
		linkflags=("${static[@]}" "${linkflags[@]}") ;;
	none) ;;
	esac
	local cflag_words
	read -r -a cflag_words <<<"$cflags"
	echo "== $name: $compiler ${flags[*]} ${san[*]} $(basename "$src") ${cflag_words[*]} ${linkflags[*]}"
	if ! (cd "$tmp" && "$compiler" "${flags[@]}" "${san[@]}" "${cflag_words[@]}" \
		-o "$exe" "$src" "${linkflags[@]}") >"$tmp/$name.log" 2>&1; then
		head -n 40 "$tmp/$name.log"
		fail "$name: does not build against the installed libiodirty"
		return
	fi
	cat "$tmp/$name.log"
	deps=$(ldd "$exe" 2>&1) || true
	case $link in
	shared)
		if [[ $deps != *"libiodirty.so.0 => ${EXPECT_LIBDIR:-/}"* ]]; then
			fail "$name: does not load libiodirty.so.0${EXPECT_LIBDIR:+ from $EXPECT_LIBDIR}:"
			printf '%s\n' "$deps" | sed 's/^/    /'
			return
		fi
		;;
	static)
		if [[ $deps == *libiodirty.so* ]]; then
			fail "$name: linked statically but loads libiodirty.so:"
			printf '%s\n' "$deps" | sed 's/^/    /'
			return
		fi
		;;
	esac
	"$exe" || rc=$?
	case $rc in
	0) ;;
	77) skipped=$((skipped + 1)) ;;
	*) fail "$name: exited with status $rc" ;;
	esac
}

c_flags=(-std=c11 -Wall -Wextra -Wpedantic -Werror -g)
cxx_flags=(-std=c++20 -Wall -Wextra -Werror -g)
build_and_run c-shared shared "$CC" "${c_flags[@]}" -- "$here/install-test.c"
build_and_run cpp-shared shared "$CXX" "${cxx_flags[@]}" -- "$here/install-test.cpp"
build_and_run c-static static "$CC" "${c_flags[@]}" -- "$here/install-test.c"
build_and_run cpp-static static "$CXX" "${cxx_flags[@]}" -- "$here/install-test.cpp"
build_and_run uapi none "$CC" "${c_flags[@]}" -- "$here/uapi-test.c"

if [ "$errors" -ne 0 ]; then
	echo "$errors consumer problem(s)"
	exit 1
fi
if [ "$skipped" -ne 0 ]; then
	exit 77
fi
echo "ok: C and C++ programs, shared and static, and the uAPI headers build against the installed libiodirty and run"
