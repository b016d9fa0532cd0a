#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/checkpatch.sh: the kernel's checkpatch.pl --strict over the
# module's sources (kmod/*.c, kmod/*.h), as a review of the module would
# run it; any finding fails (exit 1). The "lint" test suite runs it; exit
# status 77 if no checkpatch.pl is to be had.
#
# The port layer's types (kmod/port_kernel.h) are typedefs by design: the
# io-pagetable core, shared with the library, names its locks and atomics
# through them. scripts/checkpatch.typedefs declares them to checkpatch,
# which otherwise warns of any new typedef.
#
# checkpatch.pl comes from $IODIRTY_CHECKPATCH, else from
# /usr/src/linux-source-6.12.tar.xz, unpacked in part into the VM tier's
# cache ($IODIRTY_VM_CACHE, default ~/.cache/libiodirty-vm).
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

skip() {
	echo "checkpatch: $*: not checked" >&2
	exit 77
}

command -v perl >/dev/null 2>&1 || skip "no perl"
checkpatch=${IODIRTY_CHECKPATCH:-}
if [ -z "$checkpatch" ]; then
	# shellcheck source=scripts/kernel-source.sh
	. "$root/scripts/kernel-source.sh"
	# spelling.txt and const_structs.checkpatch: checks checkpatch.pl
	# makes when it finds them beside it.
	kernel_source_unpack checkpatch scripts/checkpatch.pl \
		scripts/spelling.txt scripts/const_structs.checkpatch ||
		skip "$kernel_source_missing"
	checkpatch=$kernel_source/scripts/checkpatch.pl
fi
[ -f "$checkpatch" ] || skip "no $checkpatch"

cd "$root"
out=$(perl "$checkpatch" --strict --no-tree --terse --show-types \
	--typedefsfile scripts/checkpatch.typedefs -f kmod/*.c kmod/*.h 2>&1 |
	grep -v '^total: 0 errors, 0 warnings, 0 checks' || true)
if [ -n "$out" ]; then
	echo "$out"
	echo "checkpatch: findings in kmod/ (checkpatch.pl --strict)"
	exit 1
fi
echo "checkpatch: kmod/ is clean ($(ls kmod/*.c kmod/*.h | wc -l) files, --strict, $(perl "$checkpatch" --version 2>/dev/null | sed -n 's/^Version: *//p' | head -n 1))"
