#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/vm/run.sh [BUILD-DIR]: the VM tier. Boots the kernel of
# build-kernel.sh in QEMU with iodirty.ko and the test programs of an
# existing meson build (default: build/), runs the suites against the
# module and the kernel's iommufd (with its selftest mock IOMMU), and fails
# on any failed test and on any warning, oops or lockdep report in the
# kernel log.
#
# Steps: build (or reuse) the kernel; build the module against it with W=1
# (a compiler warning fails the tier); pack an initramfs with busybox, the
# module, the programs of the meson suites api (run on the kmod and on the
# iommufd backend), iommufd, uapi and ctl with their libraries at their
# build paths, and ./init; boot; parse the console.
#
# Output in BUILD-DIR/vm/: console.log (the whole serial console),
# kmod-build.log, initramfs.gz and its listing, plan.sh (what the guest
# runs), summary (the last line printed: "vm: N passed, N failed,
# N skipped [(note)]"). Exit status 0 if nothing failed.
#
# Environment:
#   IODIRTY_VM_KMOD_DIR   module source directory (default: kmod/)
#   IODIRTY_VM_KO         the module it builds (default: KMOD_DIR/.build/iodirty.ko)
#   IODIRTY_VM_SUITES     suites to run (default: "api api-iommufd iommufd
#                         uapi ctl nl"; api-iommufd: the api programs on the
#                         iommufd backend)
#   IODIRTY_VM_TIMEOUT    seconds before the whole VM is killed (default 1800)
#   IODIRTY_VM_TIMEOUT_MULTIPLIER  scales each test's meson timeout (default 1)
#   IODIRTY_VM_ACCEL      QEMU accelerator (default tcg; kvm if the host has it)
#   IODIRTY_VM_CACHE      kernel cache (see build-kernel.sh)
#   IODIRTY_VM_LINUX_VERSION  a linux-source-6.12 version to build and boot
#                         instead of the installed one (see build-kernel.sh);
#                         if apt cannot get it, the tier is one skip
#   IODIRTY_VM_OUT        output directory (default: BUILD-DIR/vm)
#
# The summary names the kernel package it ran, e.g. "vm: 40 passed, 0
# failed, 0 skipped (linux-source-6.12 6.12.118-1~deb12u1)".
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$here/../.." && pwd)

# The module's build contract: "make -C KMOD_DIR KDIR=<kernel build dir>"
# leaves the module at KO.
KMOD_DIR=${IODIRTY_VM_KMOD_DIR:-$root/kmod}
KO=${IODIRTY_VM_KO:-$KMOD_DIR/.build/iodirty.ko}
read -r -a SUITES <<<"${IODIRTY_VM_SUITES:-api api-iommufd iommufd uapi ctl nl}"
VM_TIMEOUT=${IODIRTY_VM_TIMEOUT:-1800}
# TCG by default: it works on every CI machine, nested or not. The time it
# costs is in the README.
ACCEL=${IODIRTY_VM_ACCEL:-tcg}

case ${1:-} in
-h | --help)
	sed -n '4,38s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	exit 0
	;;
esac
[ $# -le 1 ] || { echo "usage: tests/vm/run.sh [BUILD-DIR]" >&2; exit 2; }
build=$(readlink -f "${1:-$root/build}")
out=${IODIRTY_VM_OUT:-$build/vm}

log() {
	printf '==> [vm] %s\n' "$*"
}

# setup_fail NOTE [LOG]: the tier could not run its tests; that is one
# failure, and the summary says why.
setup_fail() {
	local line="vm: 0 passed, 1 failed, 0 skipped (${IODIRTY_VM_KERNEL_PACKAGE:+$IODIRTY_VM_KERNEL_PACKAGE; }$1)"
	if [ $# -gt 1 ] && [ -f "$2" ]; then
		tail -n 40 "$2" | sed 's/^/  | /'
		echo "  (full log: $2)"
	fi
	echo "$line" >"$out/summary"
	echo "$line"
	exit 1
}

# elapsed SINCE: seconds since the epoch second SINCE.
elapsed() {
	echo $(($(date +%s) - $1))
}

[ -f "$build/meson-info/meson-info.json" ] || {
	echo "tests/vm/run.sh: $build is not a meson build directory (run scripts/run.sh test, or meson setup $build)" >&2
	exit 2
}
mkdir -p "$out"
rm -f "$out/summary" "$out/console.log"
t_all=$(date +%s)

for tool in qemu-system-x86_64 busybox python3 meson make ldd timeout flock; do
	command -v "$tool" >/dev/null 2>&1 || setup_fail "$tool not found"
done

# 1. Kernel. Two runs at once must not unpack into the same cache entry.
t=$(date +%s)
cache=${IODIRTY_VM_CACHE:-$HOME/.cache/libiodirty-vm}
mkdir -p "$cache"
log "kernel (tests/vm/build-kernel.sh)"
rc=0
kdir=$(flock "$cache/.lock" "$here/build-kernel.sh") || rc=$?
if [ "$rc" -eq 3 ]; then
	# Not a failure of ours: the archive no longer has that version.
	line="vm: 0 passed, 0 failed, 1 skipped (linux-source-6.12 $IODIRTY_VM_LINUX_VERSION: not to be had from apt)"
	echo "$line" >"$out/summary"
	echo "$line"
	exit 0
fi
[ "$rc" -eq 0 ] || setup_fail "kernel build failed"
bzimage=$kdir/arch/x86/boot/bzImage
[ -f "$bzimage" ] || setup_fail "no $bzimage"
IODIRTY_VM_KERNEL_PACKAGE=$(cat "$kdir/../package" 2>/dev/null) ||
	IODIRTY_VM_KERNEL_PACKAGE="linux-source-6.12 (version unknown)"
export IODIRTY_VM_KERNEL_PACKAGE
log "kernel: $kdir, built from $IODIRTY_VM_KERNEL_PACKAGE ($(elapsed "$t") s)"

# 2. Module, rebuilt from clean so that warnings of a previous build are
# not hidden by an up-to-date object.
t=$(date +%s)
[ -f "$KMOD_DIR/Makefile" ] ||
	setup_fail "module missing: no $KMOD_DIR/Makefile"
kmod_log=$out/kmod-build.log
log "module: make -C $KMOD_DIR KDIR=$kdir W=1"
make -C "$KMOD_DIR" KDIR="$kdir" clean >/dev/null 2>&1 || true
rm -f "$KO"
if ! make -C "$KMOD_DIR" KDIR="$kdir" W=1 -j"$(nproc)" >"$kmod_log" 2>&1; then
	setup_fail "module build failed" "$kmod_log"
fi
[ -f "$KO" ] || setup_fail "module build left no $KO" "$kmod_log"
# Compiler warnings and modpost's (section mismatches, missing licence...).
if grep -E 'warning:|WARNING:' "$kmod_log" >"$out/kmod-warnings.log"; then
	sed 's/^/  | /' "$out/kmod-warnings.log"
	setup_fail "module build warnings: $(wc -l <"$out/kmod-warnings.log") line(s)"
fi
log "module: $KO ($(elapsed "$t") s)"

# 3. Test programs, brought up to date, and the initramfs.
t=$(date +%s)
log "test programs: meson compile -C $build"
meson compile -C "$build" >"$out/meson-compile.log" 2>&1 ||
	setup_fail "meson compile -C $build failed" "$out/meson-compile.log"
python3 "$here/vmtest.py" initramfs "$build" "$KO" "$here/init" "$out" "${SUITES[@]}" ||
	setup_fail "packing the initramfs failed"
log "initramfs: $out/initramfs.gz, $(du -k "$out/initramfs.gz" | cut -f1) KiB ($(elapsed "$t") s)"

# 4. Boot. loglevel=5 keeps routine boot messages off the console (init
# dumps the kernel log after each test anyway) but shows warnings and
# worse as they happen, which matters if the guest hangs. Under TCG,
# -cpu max gives the guest SMEP/SMAP, so a stray kernel access to user
# memory faults; under KVM the host's CPU is passed through.
# Two sockets rather than QEMU's default of two cores: the kernel has no
# ACPI and SeaBIOS's MP table lists one CPU per socket.
t=$(date +%s)
cpu=max
[ "$ACCEL" != kvm ] || cpu=host
qemu=(
	qemu-system-x86_64 -accel "$ACCEL" -cpu "$cpu" -smp "2,sockets=2" -m 2G
	-nodefaults -display none -serial stdio -no-reboot
	-kernel "$bzimage" -initrd "$out/initramfs.gz"
	-append "console=ttyS0 panic=-1 loglevel=5 no_hash_pointers"
)
log "boot: ${qemu[*]}"
{
	rc=0
	timeout -k 10 "$VM_TIMEOUT" "${qemu[@]}" </dev/null 2>&1 || rc=$?
	echo "$rc" >"$out/qemu.rc"
} | python3 "$here/vmtest.py" tee "$out/console.log"
qemu_rc=$(cat "$out/qemu.rc")
note=
case $qemu_rc in
0) ;;
124 | 137) note="timed out after $VM_TIMEOUT s" ;;
*) note="qemu exited with status $qemu_rc" ;;
esac
log "vm ran $(elapsed "$t") s, whole tier $(elapsed "$t_all") s; console: $out/console.log"

# 5. Verdict.
exec python3 "$here/vmtest.py" parse "$out/console.log" "$out/expected" "$out/summary" "$note"
