#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/netlink-gen.sh [--check]: generates the code of the iodirty
# generic netlink family from its spec, docs/netlink/specs/iodirty.yaml,
# with the kernel's own generator (tools/net/ynl/ynl-gen-c.py of Debian's
# linux-source-6.12), which first validates the spec against the kernel's
# schema (Documentation/netlink/genetlink-c.yaml):
#
#   kmod/nl-gen.c, kmod/nl-gen.h       policies, op table, family struct
#   include/uapi/linux/iodirty_nl.h    the family's uAPI header
#
# The generated files are checked in. --check generates into a temporary
# directory instead and fails if the checked-in files differ from what the
# spec gives (the "netlink" test suite runs it); exit status 77 if no
# kernel source is to be had.
#
# The generator comes from $IODIRTY_YNL_KERNEL (an unpacked kernel tree),
# else from /usr/src/linux-source-6.12.tar.xz, unpacked in part into the
# VM tier's cache ($IODIRTY_VM_CACHE, default ~/.cache/libiodirty-vm).
# It needs python3 with PyYAML and jsonschema.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
spec=$root/docs/netlink/specs/iodirty.yaml
check=0
case ${1:-} in
--check) check=1 ;;
"") ;;
*) echo "usage: scripts/netlink-gen.sh [--check]" >&2; exit 2 ;;
esac

skip() {
	echo "netlink-gen: $*: not checked" >&2
	exit 77
}

for mod in yaml jsonschema; do
	python3 -c "import $mod" 2>/dev/null ||
		skip "python3 module $mod missing (apt-get install python3-$mod)"
done

kernel=${IODIRTY_YNL_KERNEL:-}
if [ -z "$kernel" ]; then
	# shellcheck source=scripts/kernel-source.sh
	. "$root/scripts/kernel-source.sh"
	kernel_source_unpack ynl tools/net/ynl Documentation/netlink ||
		skip "$kernel_source_missing"
	kernel=$kernel_source
fi
gen=$kernel/tools/net/ynl/ynl-gen-c.py
[ -f "$gen" ] || skip "no $gen"

# The generator finds its schema at ../<protocol>.yaml from the spec and
# names the spec by its path under the tree that has a MAINTAINERS file:
# a scratch tree gives it both, with the spec at its path in this project.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree/docs/netlink/specs" "$work/out"
touch "$work/tree/MAINTAINERS"
cp "$kernel"/Documentation/netlink/genetlink*.yaml "$work/tree/docs/netlink/"
cp "$spec" "$work/tree/docs/netlink/specs/"
tspec=$work/tree/docs/netlink/specs/iodirty.yaml

run_gen() {
	python3 "$gen" --spec "$tspec" "$@" >"$work/gen.log" 2>&1 || {
		cat "$work/gen.log" >&2
		echo "netlink-gen: ynl-gen-c.py $* failed" >&2
		exit 1
	}
}
run_gen --mode kernel --source -o "$work/out/nl-gen.c"
run_gen --mode kernel --header -o "$work/out/nl-gen.h"
run_gen --mode uapi --header -o "$work/out/iodirty_nl.h"

declare -A dest=(
	[nl-gen.c]=kmod/nl-gen.c
	[nl-gen.h]=kmod/nl-gen.h
	[iodirty_nl.h]=include/uapi/linux/iodirty_nl.h
)
status=0
for f in "${!dest[@]}"; do
	if [ "$check" = 1 ]; then
		if ! diff -u "$root/${dest[$f]}" "$work/out/$f"; then
			echo "netlink-gen: ${dest[$f]} differs from what the spec gives (run scripts/netlink-gen.sh)" >&2
			status=1
		fi
	else
		cp "$work/out/$f" "$root/${dest[$f]}"
		echo "wrote ${dest[$f]}"
	fi
done
[ "$check" = 0 ] || [ "$status" = 1 ] ||
	echo "netlink-gen: the spec is valid and the generated files are up to date"

exit $status
