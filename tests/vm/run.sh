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
# (a compiler warning fails the tier), from the tree or with DKMS from a
# packaged source tree; pack an initramfs with busybox, the module, the
# programs of the meson suites api (run on the kmod and on the iommufd
# backend), iommufd, uapi, ctl and nl with their libraries at their build
# paths, and ./init; boot; parse the console. After the suites the guest
# unloads the module, checks that no page is left pinned
# (nr_foll_pin_acquired equals nr_foll_pin_released in /proc/vmstat:
# vm/foll-pin), installs the module under /lib/modules, and checks that
# opening a /dev/iodirty made from modules.devname loads it again
# (vm/autoload). On a kernel without iommufd (6.1) the iommufd suites are
# skipped, each test with the reason.
#
# Output in BUILD-DIR/vm/: console.log (the whole serial console),
# kmod-build.log, initramfs.gz and its listing, plan.sh (what the guest
# runs), summary (the last line printed: "vm: N passed, N failed,
# N skipped [(note)]"). Exit status 0 if nothing failed.
#
# Environment:
#   IODIRTY_VM_KMOD_DIR   module source directory (default: kmod/)
#   IODIRTY_VM_KO         the module it builds (default: KMOD_DIR/.build/iodirty.ko)
#   IODIRTY_VM_DKMS_SRC   a DKMS source tree, e.g. /usr/src/iodirty-0.3.0
#                         as the iodirty-dkms package installs it: the
#                         module is built from it by "dkms build" (private
#                         dkms and source trees in the output directory, no
#                         system state touched; W=1, warnings fail) and
#                         loaded instead of the tree's
#   IODIRTY_VM_SUITES     suites to run (default: "api api-iommufd iommufd
#                         uapi ctl nl"; api-iommufd: the api programs on the
#                         iommufd backend; uapi-fuzz: the uAPI fuzzer, not
#                         in the default, which IODIRTY_UAPI_FUZZ_SECONDS
#                         etc. of this environment reach)
#   IODIRTY_VM_KERNEL_FLAVOUR  "kasan": the kernel with kernel-kasan.config
#                         (KASAN, hung-task detector), cached apart (see
#                         build-kernel.sh); empty (default): the plain one
#   IODIRTY_VM_MEMORY     guest RAM (default 2G; 3G with the kasan flavour,
#                         whose shadow memory takes an eighth of it and
#                         whose quarantine holds freed memory back)
#   IODIRTY_VM_TIMEOUT    seconds before the whole VM is killed (default 1800)
#   IODIRTY_VM_TIMEOUT_MULTIPLIER  scales each test's meson timeout (default 1)
#   IODIRTY_VM_ACCEL      QEMU accelerator (default tcg; kvm if the host has it)
#   IODIRTY_VM_CACHE      kernel cache (see build-kernel.sh)
#   IODIRTY_VM_LINUX_PACKAGE  the kernel source package (default
#                         linux-source-6.12; linux-source-6.1 for the
#                         oldest supported series; see build-kernel.sh)
#   IODIRTY_VM_LINUX_VERSION  a version of that package to build and boot
#                         instead of the installed one (see build-kernel.sh);
#                         if apt cannot get it, the tier is one skip
#   IODIRTY_VM_OUT        output directory (default: BUILD-DIR/vm)
#
# The summary names the kernel package it ran and the module, e.g. "vm: 40
# passed, 0 failed, 0 skipped (linux-source-6.12 6.12.118-1~deb12u1;
# module 0.3.0 from the tree)".
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
FLAVOUR=${IODIRTY_VM_KERNEL_FLAVOUR:-}
if [ "$FLAVOUR" = kasan ]; then
	MEMORY=${IODIRTY_VM_MEMORY:-3G}
else
	MEMORY=${IODIRTY_VM_MEMORY:-2G}
fi

case ${1:-} in
-h | --help)
	sed -n '4,64s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
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
# Absolute: dkms and make run in other directories.
out=$(cd "$out" && pwd)
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
	line="vm: 0 passed, 0 failed, 1 skipped (${IODIRTY_VM_LINUX_PACKAGE:-linux-source-6.12} $IODIRTY_VM_LINUX_VERSION: not to be had from apt)"
	echo "$line" >"$out/summary"
	echo "$line"
	exit 0
fi
[ "$rc" -eq 0 ] || setup_fail "kernel build failed"
bzimage=$kdir/arch/x86/boot/bzImage
[ -f "$bzimage" ] || setup_fail "no $bzimage"
IODIRTY_VM_KERNEL_PACKAGE=$(cat "$kdir/../package" 2>/dev/null) ||
	IODIRTY_VM_KERNEL_PACKAGE="${IODIRTY_VM_LINUX_PACKAGE:-linux-source-6.12} (version unknown)"
[ -z "$FLAVOUR" ] || IODIRTY_VM_KERNEL_PACKAGE="$IODIRTY_VM_KERNEL_PACKAGE, $FLAVOUR"
krel=$(cat "$kdir/include/config/kernel.release") ||
	setup_fail "no $kdir/include/config/kernel.release"
# vmtest.py reads these: what the kernel is and what it was built with.
IODIRTY_VM_KERNEL_RELEASE=$krel
IODIRTY_VM_KERNEL_CONFIG=$kdir/.config
export IODIRTY_VM_KERNEL_PACKAGE IODIRTY_VM_KERNEL_RELEASE IODIRTY_VM_KERNEL_CONFIG
log "kernel: $kdir, release $krel, built from $IODIRTY_VM_KERNEL_PACKAGE ($(elapsed "$t") s)"

# 2. Module, rebuilt from clean so that warnings of a previous build are
# not hidden by an up-to-date object.
t=$(date +%s)
kmod_log=$out/kmod-build.log

# check_warnings LOG: compiler warnings and modpost's (section mismatches,
# missing licence...) fail the tier.
check_warnings() {
	if grep -E 'warning:|WARNING:' "$1" >"$out/kmod-warnings.log"; then
		sed 's/^/  | /' "$out/kmod-warnings.log"
		setup_fail "module build warnings: $(wc -l <"$out/kmod-warnings.log") line(s)"
	fi
}

# dkms_conf KEY: a value of the DKMS source tree's dkms.conf.
dkms_conf() {
	sed -n "s/^$1=\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$dkms_src/dkms.conf"
}

if [ -n "${IODIRTY_VM_DKMS_SRC:-}" ]; then
	# The packaged sources, built as DKMS builds them on a user's machine,
	# but in private dkms and source trees: "dkms add" links
	# OUT/dkms/NAME/VERSION/source to the tree, "dkms build" copies it
	# to a build directory there and leaves the module under
	# OUT/dkms/NAME/VERSION/RELEASE/. Nothing is signed (the tier's
	# kernel does not check signatures): a sign-file that does not exist
	# keeps dkms from making a signing key under /var/lib/dkms.
	command -v dkms >/dev/null 2>&1 || setup_fail "dkms not found (apt-get install dkms)"
	dkms_src=$(readlink -f "$IODIRTY_VM_DKMS_SRC")
	[ -f "$dkms_src/dkms.conf" ] || setup_fail "no dkms.conf in $IODIRTY_VM_DKMS_SRC"
	dkms_name=$(dkms_conf PACKAGE_NAME)
	dkms_ver=$(dkms_conf PACKAGE_VERSION)
	if [ -z "$dkms_name" ] || [ -z "$dkms_ver" ]; then
		setup_fail "$dkms_src/dkms.conf names no PACKAGE_NAME and PACKAGE_VERSION"
	fi
	[ "$(basename "$dkms_src")" = "$dkms_name-$dkms_ver" ] ||
		setup_fail "DKMS sources must be in a directory named $dkms_name-$dkms_ver, not $dkms_src"
	dkms_tree=$out/dkms
	rm -rf "$dkms_tree"
	mkdir -p "$dkms_tree"
	dkms_opts=(-m "$dkms_name" -v "$dkms_ver" --dkmstree "$dkms_tree"
		   --sourcetree "$(dirname "$dkms_src")")
	log "module: dkms build ${dkms_opts[*]} -k $krel --kernelsourcedir $kdir (W=1)"
	# KBUILD_EXTRA_WARN=1 is what W=1 sets; dkms passes it on to kbuild.
	if ! { dkms add "${dkms_opts[@]}" &&
	       sign_file=/nonexistent/sign-file KBUILD_EXTRA_WARN=1 \
		       dkms build "${dkms_opts[@]}" -k "$krel" --kernelsourcedir "$kdir"
	     } >"$out/dkms.log" 2>&1; then
		cat "$dkms_tree/$dkms_name/$dkms_ver/build/make.log" >>"$out/dkms.log" 2>/dev/null || true
		setup_fail "dkms build failed" "$out/dkms.log"
	fi
	cp "$dkms_tree/$dkms_name/$dkms_ver/$krel"/*/log/make.log "$kmod_log" ||
		setup_fail "dkms build left no make.log" "$out/dkms.log"
	KO=$(find "$dkms_tree/$dkms_name/$dkms_ver/$krel" -name iodirty.ko | head -n 1)
	[ -n "$KO" ] || setup_fail "dkms build left no iodirty.ko" "$out/dkms.log"
	check_warnings "$kmod_log"
	IODIRTY_VM_MODULE="module $(modinfo -F version "$KO") from dkms $dkms_src"
else
	[ -f "$KMOD_DIR/Makefile" ] ||
		setup_fail "module missing: no $KMOD_DIR/Makefile"
	log "module: make -C $KMOD_DIR KDIR=$kdir W=1"
	make -C "$KMOD_DIR" KDIR="$kdir" clean >/dev/null 2>&1 || true
	rm -f "$KO"
	if ! make -C "$KMOD_DIR" KDIR="$kdir" W=1 -j"$(nproc)" >"$kmod_log" 2>&1; then
		setup_fail "module build failed" "$kmod_log"
	fi
	[ -f "$KO" ] || setup_fail "module build left no $KO" "$kmod_log"
	check_warnings "$kmod_log"
	IODIRTY_VM_MODULE="module $(modinfo -F version "$KO") from the tree"
fi
[ "$(modinfo -F vermagic "$KO" | cut -d' ' -f1)" = "$krel" ] ||
	setup_fail "$KO is not built for $krel: $(modinfo -F vermagic "$KO")"
export IODIRTY_VM_MODULE
log "module: $KO, version $(modinfo -F version "$KO") ($(elapsed "$t") s)"

# What the system's depmod (kmod) makes of the module: the guest creates
# /dev/iodirty from this modules.devname, as "kmod static-nodes" does at
# boot, for the autoload test.
modroot=$out/modroot
rm -rf "$modroot"
mkdir -p "$modroot/lib/modules/$krel/extra"
cp "$KO" "$modroot/lib/modules/$krel/extra/"
: >"$modroot/lib/modules/$krel/modules.order"
: >"$modroot/lib/modules/$krel/modules.builtin"
: >"$modroot/lib/modules/$krel/modules.builtin.modinfo"
IODIRTY_VM_MODULES_DEVNAME=
if command -v depmod >/dev/null 2>&1 || [ -x /sbin/depmod ]; then
	PATH=$PATH:/sbin depmod -b "$modroot" "$krel" >"$out/depmod.log" 2>&1 &&
		IODIRTY_VM_MODULES_DEVNAME=$modroot/lib/modules/$krel/modules.devname
fi
export IODIRTY_VM_MODULES_DEVNAME

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
# worse as they happen, which matters if the guest hangs. oops=panic
# with panic=-1 ends the VM at the first oops: the task that died may
# hold a lock every other test then waits for (or a CPU may spin), and
# the run would sit out the whole timeout with the report long printed.
# Under TCG,
# -cpu max gives the guest SMEP/SMAP, so a stray kernel access to user
# memory faults; under KVM the host's CPU is passed through.
# Two sockets rather than QEMU's default of two cores: the kernel has no
# ACPI and SeaBIOS's MP table lists one CPU per socket.
t=$(date +%s)
cpu=max
[ "$ACCEL" != kvm ] || cpu=host
qemu=(
	qemu-system-x86_64 -accel "$ACCEL" -cpu "$cpu" -smp "2,sockets=2" -m "$MEMORY"
	-nodefaults -display none -serial stdio -no-reboot
	-kernel "$bzimage" -initrd "$out/initramfs.gz"
	-append "console=ttyS0 panic=-1 oops=panic loglevel=5 no_hash_pointers"
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
