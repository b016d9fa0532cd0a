#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check-version.sh BUILD-DIR IODIRTY-CTL
#
# The version is written once, in VERSION; everything that shows it must
# come from there. Checks, for the built tree: the generated header's
# macros, the shared object's file name, the pkg-config file, the man pages
# as built, iodirty-ctl --version, the newest symbol-map node (not newer
# than VERSION), NEWS (has a section for VERSION), the module's source
# (reads VERSION, no version of its own) and, when present,
# debian/changelog (the packages' upstream version).
# Exit status: 0 pass, 1 fail.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 BUILD-DIR IODIRTY-CTL" >&2; exit 99; }
build=$1
ctl=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
v=$("$root/scripts/version.sh")
IFS=. read -r major minor patch <<<"$v"
errors=0
fail() {
	echo "FAIL: $*"
	errors=$((errors + 1))
}
ok() {
	echo "ok: $*"
}
echo "VERSION: $v"

h=$build/include/libiodirty/iodirty_version.h
for m in "MAJOR $major" "MINOR $minor" "PATCH $patch" "STRING \"$v\""; do
	if grep -qx "#define IODIRTY_VERSION_${m% *} ${m#* }" "$h"; then
		ok "iodirty_version.h: IODIRTY_VERSION_$m"
	else
		fail "$h lacks #define IODIRTY_VERSION_$m"
	fi
done
if grep -nE '^#define IODIRTY_VERSION_(MAJOR|MINOR|PATCH|STRING)' \
	"$root/include/libiodirty/iodirty.h"; then
	fail "include/libiodirty/iodirty.h defines a version of its own"
fi

if [ -e "$build/lib/libiodirty.so.$major.$minor.$patch" ]; then
	ok "lib/libiodirty.so.$major.$minor.$patch"
else
	fail "no $build/lib/libiodirty.so.$major.$minor.$patch"
fi

pc=$build/meson-private/libiodirty.pc
if grep -qx "Version: $v" "$pc"; then
	ok "libiodirty.pc: Version: $v"
else
	fail "$pc: $(grep '^Version' "$pc" || echo 'no Version line')"
fi

for page in "$build"/docs/man/*.[137]; do
	if ! grep -q "^\.TH .* \"libiodirty $v\"" "$page"; then
		fail "$(basename "$page"): .TH does not name libiodirty $v"
	fi
done
ok "man pages as built name libiodirty $v"

out=$("$ctl" --version)
if [[ $out == "iodirty-ctl $v (libiodirty $v, built against $v)" ]]; then
	ok "iodirty-ctl --version: $out"
else
	fail "iodirty-ctl --version: '$out'"
fi

# Nodes LIBIODIRTY_<major>.<minor>: none newer than VERSION.
newest=$(sed -n 's/^\(LIBIODIRTY_[0-9]*\.[0-9]*\) *{.*/\1/p' "$root/lib/libiodirty.sym" |
	sort -t. -k1,1 -k2,2n | tail -n 1)
nmajor=${newest#LIBIODIRTY_}
nminor=${nmajor#*.}
nmajor=${nmajor%.*}
if [ "$nmajor" -lt "$major" ] || { [ "$nmajor" -eq "$major" ] && [ "$nminor" -le "$minor" ]; }; then
	ok "newest symbol node $newest is not newer than $v"
elif [ "$nmajor" -eq "$major" ] && [ "$nminor" -eq $((minor + 1)) ] &&
     grep -qx "$major.$nminor.0" "$root/NEWS"; then
	# The release in the making: NEWS already has its section.
	ok "newest symbol node $newest is the next release, in NEWS"
else
	fail "lib/libiodirty.sym has $newest, newer than VERSION $v"
fi

if grep -qx "$v" "$root/NEWS"; then
	ok "NEWS has a section for $v"
else
	fail "NEWS has no section '$v'"
fi

if grep -q 'VERSION' "$root/kmod/Makefile" && ! grep -rqE 'MODULE_VERSION\("[0-9]' "$root/kmod"; then
	ok "kmod takes its version from VERSION"
else
	fail "kmod/Makefile does not read VERSION, or kmod/ spells a version itself"
fi

if [ -f "$root/debian/changelog" ]; then
	deb=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$root/debian/changelog")
	upstream=${deb#*:}
	upstream=${upstream%-*}
	if [ "$upstream" = "$v" ]; then
		ok "debian/changelog: $deb"
	else
		fail "debian/changelog's upstream version is '$upstream', VERSION is $v"
	fi
fi

if [ "$errors" -ne 0 ]; then
	echo "$errors version problem(s)"
	exit 1
fi
echo "ok: every version shown is VERSION's ($v)"
