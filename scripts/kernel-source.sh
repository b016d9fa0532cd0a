# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Sourced by the scripts that use parts of Debian's kernel source
# (netlink-gen.sh: the YNL generator; checkpatch.sh: checkpatch.pl).
#
# kernel_source_unpack NAME PATH...: unpacks the PATHs (relative to the
# tarball's top directory) of /usr/src/linux-source-6.12.tar.xz, once per
# package version, into $IODIRTY_VM_CACHE/NAME-VERSION (default cache
# ~/.cache/libiodirty-vm, as the VM tier's), and sets kernel_source to the
# unpacked tree. Returns 1, with kernel_source_missing saying why, if the
# tarball is not installed.
kernel_source_unpack() {
	local name=$1 tarball=/usr/src/linux-source-6.12.tar.xz cache version dir p
	local paths=()

	shift
	if [ ! -f "$tarball" ]; then
		kernel_source_missing="$tarball missing (apt-get install linux-source-6.12)"
		return 1
	fi
	for p in "$@"; do
		paths+=("linux-source-6.12/$p")
	done
	cache=${IODIRTY_VM_CACHE:-$HOME/.cache/libiodirty-vm}
	version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || stat -c %Y "$tarball")
	dir=$cache/$name-$version
	kernel_source=$dir/linux-source-6.12
	mkdir -p "$cache"
	(
		flock 9
		if [ ! -f "$dir/.unpacked" ]; then
			rm -rf "$dir"
			mkdir -p "$dir"
			tar -xf "$tarball" -C "$dir" "${paths[@]}"
			touch "$dir/.unpacked"
		fi
	) 9>"$cache/.$name.lock"
}
