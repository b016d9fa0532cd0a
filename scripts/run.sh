#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The two commands for a fresh Debian 12 machine:
#
#   scripts/run.sh demo [ARGS...]   install build dependencies, build into
#                                   build/, run "iodirty-ctl demo ARGS..."
#   scripts/run.sh test             install build dependencies, build and
#                                   run every test tier; exit status is
#                                   non-zero if anything failed
#   scripts/run.sh fuzz [SECONDS]   the API fuzzer for SECONDS (600), new
#                                   inputs kept in ~/.cache/libiodirty-fuzz
#   scripts/run.sh fuzz-coverage    lib/core line coverage of the corpus
#
# Works from any directory. Installs missing Debian packages with apt-get
# (through sudo when not root), never prompts.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

# Debian packages needed to build and test.
DEPS=(
	build-essential
	g++
	meson
	ninja-build
	pkg-config
	libcmocka-dev
	libnl-3-dev
	libnl-genl-3-dev
	liburcu-dev
	python3-yaml
	python3-jsonschema
	abigail-tools
	git
	python3
)

# Debian packages the ThreadSanitizer tier needs (test only): clang, and
# its sanitizer runtimes, which clang only recommends.
TSAN_DEPS=(
	clang
	libclang-rt-dev
)

# Debian packages the fuzz tier needs (test only): clang with libFuzzer
# and the sanitizer runtimes, and llvm-profdata/llvm-cov for coverage.
FUZZ_DEPS=(
	clang
	libclang-rt-dev
	llvm
)

# Debian packages the packaging tier needs (test only): building,
# linting, installing the packages and their DKMS module, and their man
# pages.
PKG_DEPS=(
	dpkg-dev
	debhelper
	dh-dkms
	dkms
	lintian
	man-db
)

# Debian packages the VM tier needs besides DEPS (test only): the kernel
# source and what building it takes, QEMU, and a static busybox for the
# guest's userspace.
VM_DEPS=(
	linux-source-6.12
	linux-source-6.1
	bc
	bison
	flex
	libelf-dev
	libssl-dev
	dwarves
	xz-utils
	cpio
	kmod
	qemu-system-x86
	busybox-static
)

log() {
	printf '==> %s\n' "$*"
}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

usage() {
	sed -n '4,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# install_deps PACKAGE...: install those of the Debian PACKAGEs that are
# missing.
install_deps() {
	local p missing=() sudo=()

	if ! command -v dpkg-query >/dev/null 2>&1; then
		log "not a Debian system: make sure these (or equivalents) are installed: $*"
		return 0
	fi
	for p in "$@"; do
		if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		log "build dependencies are installed"
		return 0
	fi

	log "installing missing packages: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 ||
			die "not root and no sudo: install as root: apt-get install ${missing[*]}"
		sudo=(sudo)
		# Without a terminal a password prompt could only hang.
		[ -t 0 ] || sudo=(sudo -n)
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${missing[@]}"
}

# configure DIR MESON-OPTIONS...: set up DIR, or reconfigure it if it exists.
configure() {
	local dir=$1
	shift
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		if ! meson setup --reconfigure "$dir" "$@"; then
			log "reconfiguring $dir failed; wiping it"
			meson setup --wipe "$dir" "$@"
		fi
	else
		meson setup "$dir" "$@"
	fi
}

# Options of the two build directories. Everything is set explicitly so a
# build directory configured by hand is brought back to what is tested.
BUILD_OPTS=(-Dbuildtype=debugoptimized -Db_sanitize=none -Db_lundef=true -Dwerror=true -Dtests=enabled -Dtools=enabled -Dbench=enabled -Dman=enabled -Ddefault_library=both)
# The fuzzer's build (clang, tests/fuzz/README.md): the library linked in
# statically, everything instrumented for libFuzzer, ASan and UBSan.
FUZZ_BUILD_OPTS=(-Dbuildtype=debugoptimized -Db_sanitize=none -Db_lundef=false -Dwerror=true -Dtests=enabled -Dtools=disabled -Dbench=disabled -Dman=disabled -Ddefault_library=static -Dfuzz=enabled)
ASAN_BUILD_OPTS=(-Dbuildtype=debugoptimized "-Db_sanitize=address,undefined" -Db_lundef=false -Dwerror=true -Dtests=enabled -Dtools=enabled -Dbench=enabled -Dman=enabled -Ddefault_library=both)
# The ThreadSanitizer build (clang): the library and its unit and API
# tests only. b_lundef=false: clang links the TSan runtime into the
# executables, the shared library leaves its symbols undefined.
TSAN_BUILD_OPTS=(-Dbuildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false -Dwerror=true -Dtests=enabled -Dtools=disabled -Dbench=disabled -Dman=disabled -Ddefault_library=shared)

cmd_demo() {
	install_deps "${DEPS[@]}"
	log "configuring build/"
	configure build "${BUILD_OPTS[@]}"
	log "building"
	meson compile -C build
	log "build/tools/iodirty-ctl/iodirty-ctl demo${*:+ $*}"
	exec build/tools/iodirty-ctl/iodirty-ctl demo "$@"
}

# ---------------------------------------------------------------------------
# Test tiers. Each records one line for the summary.
# ---------------------------------------------------------------------------
summary=()
total_passed=0
total_failed=0
total_skipped=0

# record NAME PASSED FAILED SKIPPED [NOTE]
record() {
	local line
	line=$(printf '%-12s %s passed, %s failed, %s skipped' "$1:" "$2" "$3" "$4")
	[ $# -lt 5 ] || line="$line ($5)"
	summary+=("$line")
	total_passed=$((total_passed + $2))
	total_failed=$((total_failed + $3))
	total_skipped=$((total_skipped + $4))
}

# count_results TESTLOG SUITE...: prints "passed failed skipped missing",
# where missing lists the SUITEs of which no test ran.
count_results() {
	python3 - "$@" <<'PY'
import json, sys

log, required = sys.argv[1], sys.argv[2:]
passed = failed = skipped = 0
suites = set()
try:
    with open(log, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            r = t.get("result")
            if r in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif r == "SKIP":
                skipped += 1
            else:
                failed += 1
            # "project:suite1+suite2 / test name"
            head = t.get("name", "").split(" / ", 1)[0]
            for s in t.get("suite") or head.split(":", 1)[-1].split("+"):
                suites.add(s.split(":", 1)[-1])
except FileNotFoundError:
    pass
missing = [s for s in required if s not in suites]
print(passed, failed, skipped, ",".join(missing) or "-")
PY
}

# meson_tier NAME DIR "MESON-TEST-ARGS" ENV-ASSIGNMENTS... -- MESON-OPTIONS...
# The tier fails unless a test of each suite in $tier_suites (default: abi
# and install) ran.
meson_tier() {
	local name=$1 dir=$2 test_args=$3
	shift 3
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	local rc=0 results passed failed skipped missing

	log "[$name] configuring $dir: $*"
	if ! configure "$dir" "$@"; then
		record "$name" 0 1 0 "configure failed"
		return
	fi
	log "[$name] building"
	if ! meson compile -C "$dir"; then
		record "$name" 0 1 0 "build failed"
		return
	fi
	log "[$name] meson test ${envs[*]}"
	rm -f "$dir/meson-logs/testlog.json"
	# shellcheck disable=SC2086 # test_args is a word list
	env "${envs[@]}" meson test -C "$dir" --print-errorlogs $test_args || rc=$?
	# shellcheck disable=SC2086 # tier_suites is a word list
	results=$(count_results "$dir/meson-logs/testlog.json" ${tier_suites:-abi install}) ||
		results="0 1 0 -"
	read -r passed failed skipped missing <<<"$results"
	if [ "$missing" != - ]; then
		record "$name" "$passed" $((failed + 1)) "$skipped" \
			"suite(s) $missing did not run"
	elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		record "$name" "$passed" 1 "$skipped" "meson test exited $rc"
	elif [ $((passed + failed)) -eq 0 ]; then
		record "$name" 0 1 "$skipped" "no test ran"
	else
		record "$name" "$passed" "$failed" "$skipped"
	fi
}

# Tier 1: unit, API, ABI and install tests, optimised build.
tier_native() {
	meson_tier build build "" -- "${BUILD_OPTS[@]}"
}

# Tier 1 again under AddressSanitizer (with LeakSanitizer) and UBSan.
tier_sanitizers() {
	meson_tier build-asan build-asan "--timeout-multiplier 3" \
		ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		-- "${ASAN_BUILD_OPTS[@]}"
}

# Tier 1 once more under ThreadSanitizer, built with Debian's clang: the
# core unit tests and the API suite, which hold the concurrency oracles
# (api_concurrency, api_unmap_atomic, core dirty_concurrency): every race
# TSan sees fails the test (halt_on_error, exit status 66).
#
# No suppression file. liburcu (liburcu-memb, the core lock's read side)
# is not built with TSan, and under TSan the library calls its read-side
# functions in liburcu-memb.so rather than inlining them (see
# lib/core/port_user_rwlock.h: liburcu's inline unlock reads its
# grace-period futex word with a plain volatile load that TSan would
# report, though liburcu orders it with its own barriers). Uninstrumented
# code reports nothing, and the ordering a grace period gives (every fast
# reader's exit before the writer's return from synchronize_rcu(), which
# TSan cannot see through membarrier) is told to TSan by
# __tsan_release()/__tsan_acquire() in lib/core/port_user_rwlock.[ch].
# Should liburcu ever need one, add a TSAN_OPTIONS=suppressions=FILE here,
# with each entry explained.
tier_tsan() {
	local tier_suites="core api"
	# The compiler of a build directory is fixed when it is set up: one
	# set up with another compiler is made again.
	if [ -f build-tsan/build.ninja ] &&
		! grep -q '^ command = clang ' build-tsan/build.ninja; then
		log "[build-tsan] not a clang build: wiping it"
		rm -rf build-tsan
	fi
	CC=clang meson_tier build-tsan build-tsan \
		"--suite core --suite api --timeout-multiplier 3" \
		TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		-- "${TSAN_BUILD_OPTS[@]}"
}

# The stable update before the newest one that changed iommufd's dirty
# reads: the iommufd suites also run on it, so that the library is shown
# correct on the old behaviour as well as the new (README: kernel versions).
PREV_LINUX_VERSION=6.12.117-1~deb12u1

# Tier 3: a kernel built from Debian's linux-source-6.12, booted in QEMU
# with iodirty.ko, runs the test programs of build/ against the module and
# checks the kernel log (tests/vm/run.sh). Its last line, also in
# OUT-DIR/summary, is "vm: N passed, N failed, N skipped [(note)]", the
# note naming the kernel package.
# vm_tier NAME OUT-DIR [ENV-ASSIGNMENT...]
vm_tier() {
	local name=$1 out=$2 rc=0 line note
	local re='^vm: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped( \((.*)\))?$'
	shift 2

	log "[$name] ${*:+$* }tests/vm/run.sh build"
	rm -f "$out/summary"
	env IODIRTY_VM_OUT="$out" "$@" bash tests/vm/run.sh build || rc=$?
	line=$(cat "$out/summary" 2>/dev/null) || line=
	if [[ ! $line =~ $re ]]; then
		record "$name" 0 1 0 "tests/vm/run.sh exited $rc without a summary"
		return
	fi
	note=${BASH_REMATCH[5]}
	if [ "$rc" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
		record "$name" "${BASH_REMATCH[1]}" 1 "${BASH_REMATCH[3]}" \
			"tests/vm/run.sh exited $rc${note:+; $note}"
	elif [ -n "$note" ]; then
		record "$name" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "$note"
	else
		record "$name" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
	fi
}

# Tier 3: the Debian packages (tests/packaging/run.sh), built from this
# tree, linted, installed on this machine and used: C and C++ programs,
# shared and static, against the installed libiodirty-dev. They stay
# installed for the VM tiers, which build the module with DKMS from the
# installed iodirty-dkms sources, and are purged when the command ends.
packages_out=build/packaging
packages_installed=0
tier_packages() {
	local step out passed=0 failed=0 skipped=0 rc args
	local re='^packages: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'
	for step in build install check; do
		args=("$step")
		[ "$step" = check ] || args+=("$packages_out")
		log "[packages] tests/packaging/run.sh ${args[*]}"
		rc=0
		out=$(tests/packaging/run.sh "${args[@]}" 2>&1 | tee /dev/stderr | tail -n 1) || rc=$?
		[ "$step" != install ] || packages_installed=1
		if [[ $out =~ $re ]]; then
			passed=$((passed + BASH_REMATCH[1]))
			failed=$((failed + BASH_REMATCH[2]))
			skipped=$((skipped + BASH_REMATCH[3]))
		else
			failed=$((failed + 1))
		fi
		if [ "$rc" -ne 0 ]; then
			[ "$failed" -gt 0 ] || failed=1
			record packages "$passed" "$failed" "$skipped" "$step failed"
			return
		fi
	done
	record packages "$passed" "$failed" "$skipped"
}

remove_packages() {
	[ "$packages_installed" = 1 ] || return 0
	log "[packages] tests/packaging/run.sh remove"
	tests/packaging/run.sh remove || log "removing the packages failed"
	packages_installed=0
}

# The module sources the installed iodirty-dkms package put in /usr/src.
dkms_src() {
	echo "/usr/src/iodirty-$(scripts/version.sh)"
}

# Every suite on the installed (newest) linux-source-6.12, with the module
# built by DKMS from the installed package.
tier_vm() {
	vm_tier vm build/vm IODIRTY_VM_DKMS_SRC="$(dkms_src)"
}

# Debian 12's default kernel series: the module and its suites on
# linux-source-6.1 (no iommufd there: those suites skip), module by DKMS.
tier_vm_61() {
	vm_tier vm-6.1 build/vm-6.1 IODIRTY_VM_LINUX_PACKAGE=linux-source-6.1 \
		IODIRTY_VM_DKMS_SRC="$(dkms_src)"
}

# The iommufd suites again on the previous stable update.
tier_vm_prev() {
	vm_tier vm-prev build/vm-prev IODIRTY_VM_LINUX_VERSION="$PREV_LINUX_VERSION" \
		IODIRTY_VM_SUITES="iommufd api-iommufd"
}

# The uapi suite and the uAPI fuzzer on the KASAN kernel
# (tests/vm/kernel-kasan.config: KASAN and the hung-task detector over
# the lockdep kernel), module by DKMS.
tier_vm_kasan() {
	vm_tier vm-kasan build/vm-kasan IODIRTY_VM_KERNEL_FLAVOUR=kasan \
		IODIRTY_VM_SUITES="uapi uapi-fuzz" IODIRTY_VM_DKMS_SRC="$(dkms_src)"
}

# The fuzz tier and the fuzz commands.
# shellcheck source=scripts/fuzz.sh
. "$root/scripts/fuzz.sh"

cmd_test() {
	install_deps "${DEPS[@]}" "${TSAN_DEPS[@]}" "${FUZZ_DEPS[@]}" "${PKG_DEPS[@]}" "${VM_DEPS[@]}"
	trap remove_packages EXIT
	tier_native
	tier_sanitizers
	tier_tsan
	tier_fuzz
	tier_packages
	tier_vm
	tier_vm_prev
	tier_vm_61
	tier_vm_kasan
	remove_packages

	echo
	log "summary"
	printf '  %s\n' "${summary[@]}"
	echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
	[ "$total_failed" -eq 0 ]
}

case ${1:-} in
demo)
	shift
	cmd_demo "$@"
	;;
fuzz)
	shift
	[ $# -le 1 ] || die "fuzz takes at most one argument (seconds)"
	cmd_fuzz "${1:-600}"
	;;
fuzz-coverage)
	shift
	[ $# -eq 0 ] || die "fuzz-coverage takes no arguments"
	cmd_fuzz_coverage
	;;
test)
	shift
	[ $# -eq 0 ] || die "test takes no arguments"
	cmd_test
	;;
-h | --help | help)
	usage
	;;
*)
	usage >&2
	exit 2
	;;
esac
