#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# build-kernel.sh: builds the VM tier's kernel from a Debian linux-source
# package ("make tinyconfig" + kernel.config, + kernel-iommufd.config when
# the source has iommufd), or reuses the one already built for the same
# package, version, configs and script. Prints the kernel build directory
# (KDIR for out-of-tree modules; bzImage is at arch/x86/boot/bzImage).
#
# The cache lives outside the repository, in $IODIRTY_VM_CACHE (default
# ~/.cache/libiodirty-vm), one directory per key, so CI rebuilds only when
# the config changes. The directory above the printed one holds "package",
# the Debian package and version the kernel was built from.
#
# IODIRTY_VM_LINUX_PACKAGE: the source package (default linux-source-6.12;
# linux-source-6.1 builds the oldest supported series, which has no
# iommufd).
# IODIRTY_VM_LINUX_VERSION: build that version of the package instead of
# the installed one; unless already built, its package is fetched with
# apt-get download. Exit status 3 if apt cannot get it (an old stable
# update the archive has dropped).
# IODIRTY_VM_KERNEL_FLAVOUR: "kasan" merges kernel-kasan.config last (KASAN
# and the hung-task detector); its kernel is cached under a key of its own,
# next to the plain one. Empty (the default): the plain kernel.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
cache=${IODIRTY_VM_CACHE:-$HOME/.cache/libiodirty-vm}
pkg=${IODIRTY_VM_LINUX_PACKAGE:-linux-source-6.12}
flavour=${IODIRTY_VM_KERNEL_FLAVOUR:-}
log() { printf 'build-kernel: %s\n' "$*" >&2; }

version=${IODIRTY_VM_LINUX_VERSION:-}
if [ -z "$version" ]; then
	version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) ||
		{ log "$pkg is not installed (apt-get install $pkg)"; exit 1; }
fi
case $pkg in
linux-source-[0-9]*) ;;
*) log "IODIRTY_VM_LINUX_PACKAGE=$pkg: not a linux-source-X.Y package"; exit 1 ;;
esac
case $flavour in
'') flavour_config= ;;
kasan) flavour_config=$here/kernel-$flavour.config ;;
*) log "IODIRTY_VM_KERNEL_FLAVOUR=$flavour: not empty or kasan"; exit 1 ;;
esac
# A flavour's fragment is part of its key; the plain kernel's key does not
# depend on any flavour's fragment.
key=$({ echo "$pkg"; cat "$here/kernel.config" "$here/kernel-iommufd.config" \
	"$here/build-kernel.sh" ${flavour_config:+"$flavour_config"}; } |
	sha256sum | cut -c1-16)
dir=$cache/linux-$version${flavour:+-$flavour}-$key

if [ -f "$dir/.built" ]; then
	echo "$dir/linux"
	exit 0
fi

rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
if [ -n "${IODIRTY_VM_LINUX_VERSION:-}" ]; then
	# A version other than the installed one: its .deb, unpacked here.
	log "fetching $pkg=$version"
	if ! (cd "$dir.tmp" && apt-get download -q "$pkg=$version" >&2 ||
	      { apt-get update -q >&2 && apt-get download -q "$pkg=$version" >&2; }); then
		log "apt cannot get $pkg=$version"
		rm -rf "$dir.tmp"
		exit 3
	fi
	dpkg-deb -x "$dir.tmp"/"$pkg"_*.deb "$dir.tmp/deb"
	src=$dir.tmp/deb/usr/src/$pkg.tar.xz
else
	src=/usr/src/$pkg.tar.xz
fi
[ -f "$src" ] || { log "$src missing (apt-get install $pkg)"; exit 1; }
log "unpacking $src ($pkg $version) into $dir"
tar -xf "$src" -C "$dir.tmp"
rm -rf "$dir.tmp/deb" "$dir.tmp"/*.deb
echo "$pkg $version" >"$dir.tmp/package"
mv "$dir.tmp/$pkg" "$dir.tmp/linux"
cd "$dir.tmp/linux"
configs=("$here/kernel.config")
# iommufd came with Linux 6.2; older series build without that part.
if [ -f drivers/iommu/iommufd/Kconfig ]; then
	configs+=("$here/kernel-iommufd.config")
else
	log "$pkg $version has no iommufd: kernel-iommufd.config left out"
fi
# Last, so that it can undo what tinyconfig and the others set.
[ -z "$flavour_config" ] || configs+=("$flavour_config")
make -s tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "${configs[@]}" >&2
make -s olddefconfig >&2
# merge_config only warns when Kconfig drops a request: insist instead.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	if ! grep -qx "$line" .config; then
		log "not set as requested: $line"
		missing=1
	fi
done < <(cat "${configs[@]}")
[ "$missing" = 0 ] || exit 1
log "make bzImage modules (a few minutes on 2 cores)"
make -s -j"$(nproc)" bzImage modules >&2
touch .built-tree
cd /
mv "$dir.tmp" "$dir"
touch "$dir/.built"
echo "$dir/linux"
