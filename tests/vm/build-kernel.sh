#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# build-kernel.sh: builds the VM tier's kernel from Debian's
# linux-source-6.12 ("make tinyconfig" + kernel.config), or reuses the one
# already built for the same config, script and source version. Prints the
# kernel build directory (KDIR for out-of-tree modules; bzImage is at
# arch/x86/boot/bzImage).
#
# The cache lives outside the repository, in $IODIRTY_VM_CACHE (default
# ~/.cache/libiodirty-vm), one directory per key, so CI rebuilds only when
# the config changes.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
src=/usr/src/linux-source-6.12.tar.xz
cache=${IODIRTY_VM_CACHE:-$HOME/.cache/libiodirty-vm}

[ -f "$src" ] || { echo "build-kernel: $src missing (apt-get install linux-source-6.12)" >&2; exit 1; }
version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(cat "$here/kernel.config" "$here/build-kernel.sh" | sha256sum | cut -c1-16)
dir=$cache/linux-$version-$key

if [ -f "$dir/.built" ]; then
	echo "$dir/linux"
	exit 0
fi

log() { printf 'build-kernel: %s\n' "$*" >&2; }
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
log "unpacking $src into $dir"
tar -xf "$src" -C "$dir.tmp"
mv "$dir.tmp"/linux-source-6.12 "$dir.tmp/linux"
cd "$dir.tmp/linux"
make -s tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "$here/kernel.config" >&2
make -s olddefconfig >&2
# merge_config only warns when Kconfig drops a request: insist instead.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	if ! grep -qx "$line" .config; then
		log "not set as requested: $line"
		missing=1
	fi
done < "$here/kernel.config"
[ "$missing" = 0 ] || exit 1
log "make bzImage modules (a few minutes on 2 cores)"
make -s -j"$(nproc)" bzImage modules >&2
touch .built-tree
cd /
mv "$dir.tmp" "$dir"
touch "$dir/.built"
echo "$dir/linux"
