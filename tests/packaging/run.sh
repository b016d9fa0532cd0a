#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The Debian packages of libiodirty, built and tried on this machine (as
# root, Debian 12):
#
#   tests/packaging/run.sh build OUTDIR    build the packages from a clean
#                                          copy of the tree, lint them and
#                                          check what each one holds
#   tests/packaging/run.sh install OUTDIR  install OUTDIR's packages
#   tests/packaging/run.sh check           use the installed packages
#   tests/packaging/run.sh remove          purge what "install" installed
#   tests/packaging/run.sh all OUTDIR      build, install, check, remove
#
# Every command ends with "packages: N passed, N failed, N skipped" and
# exits non-zero if a check failed. See docs/packaging.md.
#
# Environment:
#   DEB_BUILD_OPTIONS      for "build"; default "nocheck parallel=<cores>"
#                          (the test suites run in scripts/run.sh test).
#                          nocheck and nodoc also select the build profiles
#                          of the same name.
#   IODIRTY_PKG_STATE      where "install" records what it installed for
#                          "remove" (default /var/lib/libiodirty-packaging)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
here=$root/tests/packaging
state_dir=${IODIRTY_PKG_STATE:-/var/lib/libiodirty-packaging}
PACKAGES=(libiodirty0 libiodirty-dev iodirty-ctl iodirty-dkms)

passed=0
failed=0
skipped=0
pass() {
	passed=$((passed + 1))
	echo "PASS: $*"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}
skip() {
	skipped=$((skipped + 1))
	echo "SKIP: $*"
}
log() {
	printf '==> %s\n' "$*"
}
die() {
	echo "error: $*" >&2
	exit 2
}
summary() {
	echo "packages: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}
# check DESCRIPTION COMMAND...: one check, passed if COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

usage() {
	sed -n '4,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

version=$(cat "$root/VERSION")
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)

need_root() {
	[ "$(id -u)" -eq 0 ] || die "$1 needs root (it installs or removes Debian packages)"
}

# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------

# The files that make the tree: tracked and untracked but not ignored, so
# uncommitted work is packaged and build directories are not.
tree_files() {
	if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$root" ls-files -z -co --exclude-standard |
			while IFS= read -r -d '' f; do
				# Tracked files deleted in the work tree are still listed.
				if [ -e "$root/$f" ] || [ -L "$root/$f" ]; then
					printf '%s\0' "$f"
				fi
			done
	else
		(cd "$root" && find . \( -path ./.git -o -path './build*' -o -path ./kmod/.build \
			-o -path ./obj-\* \) -prune -o \( -type f -o -type l \) -print0 |
			sed -z 's|^\./||')
	fi
}

# deb_paths DEB: the paths DEB holds, without the leading "." and without
# the " -> TARGET" of symbolic links.
deb_paths() {
	dpkg-deb -c "$1" | awk '{ p = $6; for (i = 7; i <= NF; i++) p = p " " $i;
		sub(/^\./, "", p); sub(/ -> .*/, "", p); print p }'
}

# deb_has DEB GLOB...: every GLOB (shell pattern, matched against the
# paths of "dpkg-deb -c" without the leading ".") names something in DEB.
deb_has() {
	local deb=$1 glob p missing=0
	shift
	local list
	list=$(deb_paths "$deb")
	for glob in "$@"; do
		local found=0
		while IFS= read -r p; do
			# shellcheck disable=SC2053 # glob match on purpose
			if [[ $p == $glob ]]; then
				found=1
				break
			fi
		done <<<"$list"
		if [ "$found" -eq 0 ]; then
			echo "    $(basename "$deb"): nothing matches $glob"
			missing=1
		fi
	done
	return "$missing"
}

# deb_lacks DEB GLOB...: no path of DEB matches any GLOB.
deb_lacks() {
	local deb=$1 glob p bad=0
	shift
	local list
	list=$(deb_paths "$deb")
	for glob in "$@"; do
		while IFS= read -r p; do
			# shellcheck disable=SC2053
			if [[ $p == $glob ]]; then
				echo "    $(basename "$deb"): should not hold $p"
				bad=1
			fi
		done <<<"$list"
	done
	return "$bad"
}

# Source-level consistency, checked before the (slower) build.
check_sources() {
	local cv nodes node missing=()

	cv=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)
	check "debian/changelog version ($cv) is VERSION ($version)" \
		test "${cv%-*}" = "$version"

	nodes=$(sed -n 's/^[[:space:]]*\(LIBIODIRTY_[0-9.]*\)[[:space:]]*{.*/\1/p' "$root/lib/libiodirty.sym")
	for node in $nodes; do
		grep -q "^ (symver)$node " "$root/debian/libiodirty0.symbols" || missing+=("$node")
	done
	if [ -z "$nodes" ]; then
		fail "no version node found in lib/libiodirty.sym"
	elif [ ${#missing[@]} -eq 0 ]; then
		pass "debian/libiodirty0.symbols lists every version node of lib/libiodirty.sym ($(echo "$nodes" | tr "\n" " " | sed "s/ $//"))"
	else
		fail "debian/libiodirty0.symbols lacks ${missing[*]}: add ' (symver)NODE VERSION-THAT-ADDED-IT'"
	fi

	if tree_files | tr '\0' '\n' | python3 "$here/check-copyright.py" "$root"; then
		pass "debian/copyright agrees with every file's SPDX-License-Identifier"
	else
		fail "debian/copyright disagrees with SPDX-License-Identifier lines (above)"
	fi
}

# check_contents OUTDIR NODOC
check_contents() {
	local out=$1 nodoc=$2 pkg deb
	local -A debs=()
	for pkg in "${PACKAGES[@]}"; do
		deb=$(find "$out" -maxdepth 1 -name "${pkg}_${version}*.deb" -print -quit)
		if [ -z "$deb" ]; then
			fail "$pkg: no ${pkg}_${version}*.deb in $out"
		else
			debs[$pkg]=$deb
			pass "$pkg: built $(basename "$deb")"
		fi
	done

	local lib=/usr/lib/$multiarch
	local man1=() man3=() man7=()
	if [ "$nodoc" = 0 ]; then
		man1=(/usr/share/man/man1/iodirty-ctl.1.gz)
		man7=(/usr/share/man/man7/libiodirty.7.gz)
		local page
		for page in "$root"/docs/man/*.3; do
			man3+=("/usr/share/man/man3/$(basename "$page").gz")
		done
	else
		skip "manual pages (nodoc build)"
	fi

	if [ -n "${debs[libiodirty0]:-}" ]; then
		check "libiodirty0 holds $lib/libiodirty.so.0 and libiodirty.so.0.*" \
			deb_has "${debs[libiodirty0]}" "$lib/libiodirty.so.0" "$lib/libiodirty.so.0.*"
		check "libiodirty0 holds no development files" \
			deb_lacks "${debs[libiodirty0]}" "$lib/libiodirty.so" "*.a" "/usr/include/*" "*.pc"
	fi
	if [ -n "${debs[libiodirty-dev]:-}" ]; then
		check "libiodirty-dev holds libiodirty.so, libiodirty.a, libiodirty.pc" \
			deb_has "${debs[libiodirty-dev]}" "$lib/libiodirty.so" "$lib/libiodirty.a" \
			"$lib/pkgconfig/libiodirty.pc"
		check "libiodirty-dev holds iodirty.h, iodirty_version.h and the uAPI headers" \
			deb_has "${debs[libiodirty-dev]}" /usr/include/libiodirty/iodirty.h \
			/usr/include/libiodirty/iodirty_version.h \
			/usr/include/libiodirty/linux/iodirty.h \
			/usr/include/libiodirty/linux/iodirty_nl.h
		if [ "$nodoc" = 0 ]; then
			check "libiodirty-dev holds libiodirty(7) and the ${#man3[@]} section 3 pages of docs/man" \
				deb_has "${debs[libiodirty-dev]}" "${man7[@]}" "${man3[@]}"
		fi
		check_dev_files "${debs[libiodirty-dev]}"
	fi
	if [ -n "${debs[iodirty-ctl]:-}" ]; then
		check "iodirty-ctl holds /usr/bin/iodirty-ctl${man1:+ and iodirty-ctl(1)}" \
			deb_has "${debs[iodirty-ctl]}" /usr/bin/iodirty-ctl "${man1[@]}"
	fi
	if [ -n "${debs[iodirty-dkms]:-}" ]; then
		check "iodirty-dkms holds /usr/src/iodirty-$version/dkms.conf, Makefile and the udev rule" \
			deb_has "${debs[iodirty-dkms]}" "/usr/src/iodirty-$version/dkms.conf" \
			"/usr/src/iodirty-$version/*Makefile" \
			/usr/lib/udev/rules.d/60-iodirty.rules
		check_dkms_files "${debs[iodirty-dkms]}"
	fi
}

# What the -dev package's files say: .pc version, uAPI headers as in the tree.
check_dev_files() {
	local deb=$1 x pcver h
	x=$(mktemp -d)
	dpkg-deb -x "$deb" "$x"
	pcver=$(sed -n 's/^Version: *//p' "$x/usr/lib/$multiarch/pkgconfig/libiodirty.pc" 2>/dev/null || true)
	check "libiodirty.pc says Version: $version (it says '${pcver}')" test "$pcver" = "$version"
	for h in iodirty.h iodirty_nl.h; do
		check "libiodirty/linux/$h is include/uapi/linux/$h" \
			cmp -s "$x/usr/include/libiodirty/linux/$h" "$root/include/uapi/linux/$h"
	done
	rm -rf "$x"
}

# What the DKMS package's files say: dkms.conf names, postinst, udev rule.
check_dkms_files() {
	local deb=$1 x conf name ver rule
	x=$(mktemp -d)
	dpkg-deb -R "$deb" "$x"
	conf=$x/usr/src/iodirty-$version/dkms.conf
	name=$(sed -n 's/^PACKAGE_NAME=["'\'']\{0,1\}\([^"'\'']*\).*/\1/p' "$conf" 2>/dev/null || true)
	ver=$(sed -n 's/^PACKAGE_VERSION=["'\'']\{0,1\}\([^"'\'']*\).*/\1/p' "$conf" 2>/dev/null || true)
	check "dkms.conf: PACKAGE_NAME iodirty, PACKAGE_VERSION $version (it says '$name' '$ver')" \
		test "$name/$ver" = "iodirty/$version"
	check "iodirty-dkms's postinst adds and builds iodirty/$version through dkms" \
		grep -q "DKMS_VERSION=$version" "$x/DEBIAN/postinst"
	rule=$x/usr/lib/udev/rules.d/60-iodirty.rules
	if [ -f "$rule" ] && grep -q 'GROUP="kvm"' "$rule" && grep -q 'MODE="0660"' "$rule"; then
		pass "60-iodirty.rules gives /dev/iodirty to group kvm, mode 0660"
	else
		fail "60-iodirty.rules does not give /dev/iodirty to group kvm, mode 0660"
	fi
	rm -rf "$x"
}

cmd_build() {
	local out=$1 tmp src rc=0 opts profiles=() nodoc=0 t0 t1
	for t in dpkg-buildpackage lintian dh dh_dkms meson python3; do
		command -v "$t" >/dev/null 2>&1 ||
			die "$t missing: apt-get install --no-install-recommends dpkg-dev debhelper dh-dkms lintian meson python3"
	done
	mkdir -p "$out"
	out=$(cd "$out" && pwd)

	check_sources

	opts=${DEB_BUILD_OPTIONS-nocheck parallel=$(nproc)}
	case " $opts " in *" nocheck "*) profiles+=(nocheck) ;; esac
	case " $opts " in *" nodoc "*) profiles+=(nodoc); nodoc=1 ;; esac

	tmp=$(mktemp -d /tmp/libiodirty-deb.XXXXXX)
	# shellcheck disable=SC2064 # expand now
	trap "rm -rf '$tmp'" EXIT
	src=$tmp/libiodirty-$version
	mkdir -p "$src"
	tree_files | (cd "$root" && tar --null -T - -cf -) | tar -xf - -C "$src"
	log "copied $(tree_files | tr -cd '\0' | wc -c) files to $src"

	# The source package too, for lintian's source checks (debian/copyright
	# patterns, control fields); built before the binaries dirty the tree.
	log "dpkg-source -b (for lintian), log in $out/source.log"
	if (cd "$tmp" && dpkg-source -b "libiodirty-$version") >"$out/source.log" 2>&1; then
		pass "dpkg-source -b (3.0 native)"
	else
		cat "$out/source.log"
		fail "dpkg-source -b"
	fi

	log "dpkg-buildpackage -us -uc -b${profiles:+ -P$(IFS=,; echo "${profiles[*]}")} (DEB_BUILD_OPTIONS=\"$opts\"), log in $out/build.log"
	t0=$(date +%s)
	(cd "$src" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc -b \
		${profiles:+"-P$(IFS=,; echo "${profiles[*]}")"}) >"$out/build.log" 2>&1 || rc=$?
	t1=$(date +%s)
	if [ "$rc" -ne 0 ]; then
		tail -n 60 "$out/build.log"
		fail "dpkg-buildpackage exited $rc (log: $out/build.log)"
		return 1
	fi
	pass "dpkg-buildpackage -us -uc -b ($((t1 - t0)) s)"
	grep -E '^dpkg-gensymbols: warning' "$out/build.log" || true

	# Only this build's artifacts in OUTDIR, so that "install" takes them.
	local pkg
	for pkg in "${PACKAGES[@]}"; do
		rm -f "$out/${pkg}_"*.deb "$out/${pkg}-dbgsym_"*.deb "$out/${pkg}-dbgsym_"*.ddeb
	done
	rm -f "$out"/libiodirty_*.changes "$out"/libiodirty_*.buildinfo \
		"$out"/libiodirty_*.dsc "$out"/libiodirty_*.tar.*
	find "$tmp" -maxdepth 1 -type f \( -name '*.deb' -o -name '*.ddeb' -o -name '*.changes' \
		-o -name '*.buildinfo' -o -name '*.dsc' -o -name '*.tar.*' \) -exec cp -t "$out" {} +
	find "$out" -maxdepth 1 -type f \( -name '*.deb' -o -name '*.ddeb' -o -name '*.changes' \
		-o -name '*.buildinfo' -o -name '*.dsc' -o -name '*.tar.*' \) -printf '    %f (%s bytes)\n' | sort

	check_contents "$out" "$nodoc"

	local changes dsc lrc=0
	changes=$(find "$out" -maxdepth 1 -name "libiodirty_${version}*.changes" -print -quit)
	dsc=$(find "$out" -maxdepth 1 -name "libiodirty_${version}*.dsc" -print -quit)
	log "lintian --pedantic -I --fail-on error,warning $(basename "$changes") ${dsc:+$(basename "$dsc")}, log in $out/lintian.log"
	t0=$(date +%s)
	# A nodoc build leaves the programs without manual pages on purpose.
	local suppress=()
	[ "$nodoc" = 0 ] || suppress=(--suppress-tags no-manual-page)
	lintian --pedantic -I --show-overrides --fail-on error,warning --tag-display-limit 0 \
		"${suppress[@]}" "$changes" ${dsc:+"$dsc"} >"$out/lintian.log" 2>&1 || lrc=$?
	t1=$(date +%s)
	cat "$out/lintian.log"
	local e w i p o
	e=$(grep -c '^E: ' "$out/lintian.log" || true)
	w=$(grep -c '^W: ' "$out/lintian.log" || true)
	i=$(grep -c '^I: ' "$out/lintian.log" || true)
	p=$(grep -c '^P: ' "$out/lintian.log" || true)
	o=$(grep -c '^O: ' "$out/lintian.log" || true)
	if [ "$lrc" -eq 0 ] && [ "$e" -eq 0 ] && [ "$w" -eq 0 ]; then
		pass "lintian: $e errors, $w warnings, $i info, $p pedantic, $o overridden ($((t1 - t0)) s)"
	else
		fail "lintian exited $lrc: $e errors, $w warnings, $i info, $p pedantic, $o overridden"
	fi
}

# ---------------------------------------------------------------------------
# install, check, remove
# ---------------------------------------------------------------------------

installed_packages() {
	dpkg-query -W -f='${db:Status-Status} ${binary:Package}\n' 2>/dev/null |
		awk '$1 == "installed" { print $2 }' | sort
}

is_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

cmd_install() {
	local out=$1 pkg deb files=() before after rc=0
	need_root install
	out=$(cd "$out" && pwd)
	for pkg in "${PACKAGES[@]}"; do
		deb=$(find "$out" -maxdepth 1 -name "${pkg}_${version}*.deb" -print -quit)
		[ -n "$deb" ] || die "no ${pkg}_${version}*.deb in $out: run '$0 build $out' first"
		files+=("$deb")
	done
	for pkg in "${PACKAGES[@]}"; do
		if is_installed "$pkg"; then
			echo "note: $pkg $(dpkg-query -W -f='${Version}' "$pkg") is already installed; \"remove\" will purge it"
		fi
	done

	mkdir -p "$state_dir"
	before=$(installed_packages)
	# --no-install-recommends: dkms recommends the headers of Debian's
	# default kernel, which would make it build the module for that kernel.
	log "apt-get install --no-install-recommends ${files[*]}"
	apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${files[@]}" >"$state_dir/install.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] && grep -q -E "Unable to locate|has no installation candidate|Unable to correct problems" "$state_dir/install.log"; then
		log "apt-get update, then once more"
		apt-get update -q >/dev/null 2>&1 || true
		rc=0
		apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${files[@]}" >"$state_dir/install.log" 2>&1 || rc=$?
	fi
	cat "$state_dir/install.log"
	after=$(installed_packages)
	# What this command installed, ours and their dependencies; kept across
	# repeated installs so that "remove" undoes all of them.
	{
		comm -13 <(echo "$before") <(echo "$after")
		cat "$state_dir/installed" 2>/dev/null || true
		printf '%s\n' "${PACKAGES[@]}"
	} | sed 's/:.*//' | sort -u >"$state_dir/installed.new"
	mv "$state_dir/installed.new" "$state_dir/installed"
	echo "recorded in $state_dir/installed: $(tr '\n' ' ' <"$state_dir/installed")"

	if [ "$rc" -ne 0 ]; then
		fail "apt-get install exited $rc"
		return 1
	fi
	pass "apt-get install of ${#files[@]} packages"
	for pkg in "${PACKAGES[@]}"; do
		check "$pkg $version installed" \
			test "$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$pkg" 2>/dev/null)" = "installed $version"
	done
	# What dkms's postinst did: without headers for the running kernel it
	# only registers the sources and says why it built nothing.
	local said
	said=$(sed -n '/Setting up iodirty-dkms/,/^Setting up\|^Processing triggers/p' "$state_dir/install.log" |
		grep -v '^Setting up\|^Processing' | tr '\n' ' ' | sed 's/  */ /g')
	echo "iodirty-dkms postinst: ${said:-(nothing)}"
}

# The installed DKMS tree builds on its own: "dkms build" against a built
# 6.12 kernel tree, $IODIRTY_PKG_KDIR or else the newest one the VM tier
# cached, then "dkms unbuild" (the sources stay added).
check_dkms_build() {
	local kdir=${IODIRTY_PKG_KDIR:-} d krel rc=0 ko
	if [ -z "$kdir" ]; then
		# Newest first.
		while IFS= read -r d; do
			if [ -f "$d/Module.symvers" ] && [ -f "$d/include/config/kernel.release" ]; then
				kdir=$d
				break
			fi
		done < <(find "${IODIRTY_VM_CACHE:-$HOME/.cache/libiodirty-vm}" -mindepth 2 -maxdepth 2 \
			-path '*/linux-6.12*/linux' -type d -printf '%T@ %p\n' 2>/dev/null | sort -rn | cut -d' ' -f2-)
	fi
	if [ -z "$kdir" ]; then
		skip "dkms build: no built kernel tree (set IODIRTY_PKG_KDIR, or run the VM tier first)"
		return 0
	fi
	krel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null || true)
	if [ -z "$krel" ]; then
		fail "dkms build: $kdir has no include/config/kernel.release"
		return 0
	fi
	log "dkms build -m iodirty -v $version -k $krel --kernelsourcedir $kdir"
	dkms build -m iodirty -v "$version" -k "$krel" --kernelsourcedir "$kdir" || rc=$?
	ko=$(find "/var/lib/dkms/iodirty/$version/$krel" -name 'iodirty.ko*' -print -quit 2>/dev/null || true)
	if [ "$rc" -eq 0 ] && [ -n "$ko" ]; then
		pass "dkms built iodirty.ko from /usr/src/iodirty-$version for $krel"
	elif [ "$rc" -eq 77 ]; then
		skip "dkms build for $krel: excluded by dkms.conf (BUILD_EXCLUSIVE_*)"
	else
		tail -n 40 "/var/lib/dkms/iodirty/$version/build/make.log" 2>/dev/null || true
		fail "dkms build for $krel exited $rc${ko:-, no iodirty.ko}"
	fi
	dkms unbuild -m iodirty -v "$version" -k "$krel" >/dev/null 2>&1 || true
}

cmd_check() {
	local out pc rc=0 pkg
	for pkg in "${PACKAGES[@]}"; do
		if ! is_installed "$pkg"; then
			fail "$pkg is not installed: run '$0 install OUTDIR' first"
		fi
	done
	[ "$failed" -eq 0 ] || return 1

	# The tool and the library it loads.
	out=$(iodirty-ctl --version 2>&1) || rc=$?
	echo "    $out"
	check "iodirty-ctl --version names $version for the tool and the library" \
		test "$rc" -eq 0 -a "$out" = "iodirty-ctl $version (libiodirty $version, built against $version)"

	local so
	so=$(ldconfig -p | awk '/libiodirty\.so\.0 .*'"${multiarch%%-*}"'/ { print $NF; exit }')
	if [ -n "$so" ] && dpkg -S "$(readlink -f "$so")" 2>/dev/null | grep -q '^libiodirty0:'; then
		pass "the dynamic linker finds libiodirty.so.0 of libiodirty0 ($so -> $(readlink -f "$so"))"
	else
		fail "the dynamic linker's libiodirty.so.0 is '${so:-none}', not the one of libiodirty0"
	fi

	# Manual pages.
	local page
	if ! command -v man >/dev/null 2>&1; then
		skip "man -w (man-db not installed)"
	else
		for page in iodirty_map.3 libiodirty.7 iodirty-ctl.1; do
			local name=${page%.*} sec=${page##*.} p
			p=$(man -w "$sec" "$name" 2>/dev/null || true)
			if [ -n "$p" ]; then
				pass "man -w $sec $name: $p"
			elif dpkg -L libiodirty-dev iodirty-ctl | grep -q "/man$sec/$page.gz$"; then
				# Listed by dpkg but absent: a path-exclude of /usr/share/man
				# in /etc/dpkg/dpkg.cfg.d (minimal container images).
				skip "man -w $sec $name: in the package but not on disk (dpkg path-exclude?)"
			else
				fail "man -w $sec $name: no such page installed"
			fi
		done
	fi

	# pkg-config: the system's, unchanged, must find the -dev package's file.
	unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR PKG_CONFIG
	pc=$(pkg-config --variable=pcfiledir libiodirty 2>/dev/null || true)/libiodirty.pc
	if dpkg -S "$pc" 2>/dev/null | grep -q '^libiodirty-dev:'; then
		pass "pkg-config libiodirty is $pc of libiodirty-dev, version $(pkg-config --modversion libiodirty)"
	else
		fail "pkg-config libiodirty finds '$pc', not the file of libiodirty-dev (a local install under /usr/local?)"
	fi
	if [ -x "$root/tests/install/consumers.sh" ] || [ -f "$root/tests/install/consumers.sh" ]; then
		log "tests/install/consumers.sh (system pkg-config)"
		rc=0
		bash "$root/tests/install/consumers.sh" || rc=$?
		case $rc in
		0) pass "consumers.sh: C and C++ programs, shared and static, and the uAPI headers against the installed packages" ;;
		77) skip "consumers.sh: the programs skipped (default backend lacks a feature)" ;;
		*) fail "consumers.sh exited $rc" ;;
		esac
	else
		skip "tests/install/consumers.sh missing"
	fi

	# DKMS and udev.
	check "/usr/src/iodirty-$version/dkms.conf installed" test -f "/usr/src/iodirty-$version/dkms.conf"
	local st
	st=$(dkms status -m iodirty -v "$version" 2>&1 || true)
	echo "    dkms status: ${st:-(empty)}"
	if [[ $st == *"iodirty/$version"*": added"* || $st == *"iodirty/$version"*": built"* ||
		$st == *"iodirty/$version"*": installed"* ]]; then
		pass "dkms knows iodirty/$version"
	else
		fail "dkms status does not show iodirty/$version"
	fi
	local kver
	kver=$(uname -r)
	if [ ! -d "/lib/modules/$kver/build" ]; then
		skip "module build for the running kernel $kver: no headers (/lib/modules/$kver/build), dkms only added the sources"
	elif [[ $st == *"$kver"*": installed"* ]]; then
		pass "dkms built and installed iodirty.ko for $kver"
	else
		fail "headers for $kver are installed but dkms did not install iodirty.ko for it"
	fi
	check_dkms_build

	local rule=/usr/lib/udev/rules.d/60-iodirty.rules
	if [ -f "$rule" ] && grep -q 'GROUP="kvm"' "$rule" && grep -q 'MODE="0660"' "$rule"; then
		pass "$rule installed (group kvm, mode 0660)"
	else
		fail "$rule missing or not group kvm, mode 0660"
	fi
}

cmd_remove() {
	local list=() pkg present=()
	need_root remove
	if [ -f "$state_dir/installed" ]; then
		mapfile -t list <"$state_dir/installed"
	fi
	list+=("${PACKAGES[@]}")
	for pkg in $(printf '%s\n' "${list[@]}" | sort -u); do
		if dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -q -v '^not-installed$'; then
			present+=("$pkg")
		fi
	done
	if [ ${#present[@]} -eq 0 ]; then
		pass "nothing to purge"
	else
		log "apt-get purge ${present[*]}"
		if apt-get purge -y -q -o Dpkg::Use-Pty=0 "${present[@]}"; then
			pass "apt-get purge of ${#present[@]} packages"
		else
			fail "apt-get purge ${present[*]}"
		fi
	fi
	local left=()
	for pkg in "${present[@]}"; do
		dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -q -v '^not-installed$' &&
			left+=("$pkg")
	done
	check "no package left (${left[*]:-none})" test ${#left[@]} -eq 0

	# The DKMS registration goes with the package (its prerm); make sure.
	if command -v dkms >/dev/null 2>&1 && [ -n "$(dkms status -m iodirty 2>/dev/null)" ]; then
		dkms status -m iodirty
		local v
		for v in $(dkms status -m iodirty | sed -n 's|^iodirty/\([^,:]*\).*|\1|p' | sort -u); do
			dkms remove -m iodirty -v "$v" --all || true
		done
	fi
	check "dkms has no iodirty registered" test ! -e /var/lib/dkms/iodirty
	check "no /usr/src/iodirty-* left" test -z "$(find /usr/src -maxdepth 1 -name 'iodirty-*' -print -quit)"
	check "no udev rule left" test ! -e /usr/lib/udev/rules.d/60-iodirty.rules
	if [ "$failed" -eq 0 ]; then
		rm -f "$state_dir/installed" "$state_dir/install.log"
		rmdir "$state_dir" 2>/dev/null || true
	fi
}

cmd=${1:-}
case $cmd in
build | install)
	[ $# -eq 2 ] || die "usage: $0 $cmd OUTDIR"
	"cmd_$cmd" "$2" || true
	summary
	;;
check | remove)
	[ $# -eq 1 ] || die "usage: $0 $cmd"
	"cmd_$cmd" || true
	summary
	;;
all)
	[ $# -eq 2 ] || die "usage: $0 all OUTDIR"
	need_root all
	if cmd_build "$2" && [ "$failed" -eq 0 ]; then
		if cmd_install "$2"; then
			cmd_check || true
		fi
	fi
	cmd_remove || true
	summary
	;;
-h | --help | help)
	usage
	;;
*)
	usage >&2
	exit 2
	;;
esac
