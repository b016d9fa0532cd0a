#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run.sh subproject-dir|subproject-wrap|minimal
#
# libiodirty as a downstream project meets it, built from a copy of this
# tree (the files git tracks, plus new ones not ignored):
#   subproject-dir   parent/ with subprojects/libiodirty/ a copy of the
#                    tree; parent uses dependency('libiodirty',
#                    fallback : 'libiodirty')
#   subproject-wrap  the same through subprojects/libiodirty.wrap, a
#                    wrap-file whose [provide] names the dependency, with
#                    a release tarball in subprojects/packagecache/
#   minimal          the tree alone with -Dtests=false -Dtools=false
#                    -Dbench=false -Dman=false: configures, builds and
#                    installs the library
# pkg-config sees nothing (PKG_CONFIG_LIBDIR is an empty directory): a
# subproject, or a minimal build, needs no cmocka, no libnl and no installed
# libiodirty. For the subprojects it checks that the parent builds and runs,
# that "meson test" runs the parent's test only, and that "meson install"
# installs the parent's files only.
# Environment: MESON (default meson).
# Exit status: 0 pass, 1 fail.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 subproject-dir|subproject-wrap|minimal" >&2; exit 99; }
mode=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
MESON=${MESON:-meson}
version=$("$root/scripts/version.sh")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/no-pkgconfig"
export PKG_CONFIG_LIBDIR=$tmp/no-pkgconfig PKG_CONFIG_PATH=
errors=0
fail() {
	echo "FAIL: $*"
	errors=$((errors + 1))
}

# copy_tree DEST: this tree without build directories.
copy_tree() {
	mkdir -p "$1"
	if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$root" && git ls-files -z -co --exclude-standard |
			xargs -0 cp --parents -t "$1" 2>/dev/null) ||
			(cd "$root" && git ls-files -z -co --exclude-standard |
				while IFS= read -r -d '' f; do
					[ -e "$f" ] && cp --parents -t "$1" "$f"
				done)
	else
		(cd "$root" && tar --exclude='./build*' --exclude=./kmod/.build -cf - .) |
			tar -xf - -C "$1"
	fi
}

# run LOG COMMAND...: run quietly; on failure show the end of LOG.
run() {
	local log=$1
	shift
	echo "== $*"
	if ! "$@" >"$log" 2>&1; then
		tail -n 30 "$log"
		fail "$* (log above)"
		return 1
	fi
}

# test_names BUILD-DIR: the tests registered in a build, one per line.
test_names() {
	"$MESON" introspect --tests "$1" |
		python3 -c 'import json, sys; print("\n".join(t["name"] for t in json.load(sys.stdin)))'
}

check_parent() {
	local b=$tmp/parent/build stage=$tmp/stage tests extra
	run "$tmp/setup.log" "$MESON" setup "$b" "$tmp/parent" || return
	grep -E '^ *(tests|tools|bench|install|man pages) *:' "$tmp/setup.log" | sed 's/^/   /'
	run "$tmp/compile.log" "$MESON" compile -C "$b" || return
	run "$tmp/test.log" "$MESON" test -C "$b" || return
	tests=$(test_names "$b")
	echo "   tests of the parent build: $(echo "$tests" | tr '\n' ' ')"
	[ "$tests" = "parent-runs" ] ||
		fail "meson test lists more than the parent's one test: $tests"
	if ls "$b"/subprojects/*/tools/iodirty-ctl/iodirty-ctl >/dev/null 2>&1; then
		fail "the subproject built iodirty-ctl"
	fi
	run "$tmp/install.log" "$MESON" install -C "$b" --destdir "$stage" || return
	extra=$(cd "$stage" && find . ! -type d ! -path '*/bin/parent' | sort)
	[ -z "$extra" ] || fail "meson install installed files of the subproject:
$extra"
	"$b/parent" || fail "the parent program failed"
}

case $mode in
subproject-dir)
	mkdir -p "$tmp/parent/subprojects"
	cp "$here/parent/meson.build" "$here/parent/main.c" "$tmp/parent/"
	copy_tree "$tmp/parent/subprojects/libiodirty"
	check_parent
	;;
subproject-wrap)
	mkdir -p "$tmp/parent/subprojects/packagecache" "$tmp/src"
	cp "$here/parent/meson.build" "$here/parent/main.c" "$tmp/parent/"
	# The parent asks for the dependency by name only: the wrap provides it.
	sed -i "s/dependency('libiodirty', fallback : 'libiodirty')/dependency('libiodirty')/" \
		"$tmp/parent/meson.build"
	grep -q "dependency('libiodirty')" "$tmp/parent/meson.build" ||
		fail "parent/meson.build does not call dependency() as expected"
	copy_tree "$tmp/src/libiodirty-$version"
	tarball=libiodirty-$version.tar.xz
	tar -C "$tmp/src" -cJf "$tmp/parent/subprojects/packagecache/$tarball" \
		"libiodirty-$version"
	# source_url is never fetched: meson takes the file from packagecache/
	# when its hash matches.
	cat >"$tmp/parent/subprojects/libiodirty.wrap" <<WRAP
[wrap-file]
directory = libiodirty-$version
source_url = https://example.invalid/libiodirty/$tarball
source_filename = $tarball
source_hash = $(sha256sum "$tmp/parent/subprojects/packagecache/$tarball" | cut -d' ' -f1)

[provide]
dependency_names = libiodirty
WRAP
	check_parent
	;;
minimal)
	copy_tree "$tmp/tree"
	b=$tmp/tree/build
	if run "$tmp/setup.log" "$MESON" setup "$b" "$tmp/tree" -Dtests=false \
		-Dtools=false -Dbench=false -Dman=false -Dwerror=true; then
		grep -E 'cmocka|libnl' "$tmp/setup.log" | sed 's/^/   /' || true
		if grep -qE 'Run-time dependency (cmocka|libnl-genl-3.0) found: YES' "$tmp/setup.log"; then
			fail "a disabled part's dependency was looked up and found"
		fi
		run "$tmp/compile.log" "$MESON" compile -C "$b" &&
			run "$tmp/install.log" "$MESON" install -C "$b" --destdir "$tmp/stage" &&
			{ find "$tmp/stage" -name 'libiodirty.so.*' | grep -q . ||
				fail "no libiodirty.so installed"; }
		n=$(test_names "$b")
		[ -z "$n" ] || fail "tests registered with -Dtests=false: $n"
	fi
	;;
*)
	echo "unknown mode '$mode'" >&2
	exit 99
	;;
esac

if [ "$errors" -ne 0 ]; then
	echo "$errors problem(s)"
	exit 1
fi
echo "ok: $mode"
