#!/bin/sh
# SPDX-License-Identifier: MIT
#
# version.sh: prints the version of libiodirty, kept in the file VERSION at
# the top of the tree (MAJOR.MINOR.PATCH), the one place it is written.
# meson.build, kmod/Makefile and the packaging read it from there.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
v=$(cat "$top/VERSION")
case $v in
*[!0-9.]* | .* | *. | *..*)
	echo "version.sh: $top/VERSION: '$v' is not MAJOR.MINOR.PATCH" >&2
	exit 1
	;;
esac
[ "$(echo "$v" | tr -cd . | wc -c)" -eq 2 ] || {
	echo "version.sh: $top/VERSION: '$v' is not MAJOR.MINOR.PATCH" >&2
	exit 1
}
echo "$v"
