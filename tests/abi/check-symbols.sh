#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check-symbols.sh LIBRARY VERSION_SCRIPT HEADER [CPPFLAG...]
#
# Checks the ABI of the built shared library:
#  - every exported (defined, global or weak) symbol is named iodirty_* and
#    carries a default version LIBIODIRTY_<n>.<m>;
#  - each symbol carries the version of the version-script node that lists it;
#  - the exported set equals the set listed in the version script;
#  - every iodirty_* function declared in the public header is exported, and
#    every exported symbol is declared there;
#  - the SONAME is libiodirty.so.0.
# CPPFLAGs (e.g. -I<srcdir>/include -I<builddir>/include) are passed to the
# compiler that preprocesses HEADER, for the headers it includes, some of
# which the build generates.
# Environment: NM, READELF, CC (a C compiler used only to preprocess HEADER).
# Exit status: 0 pass, 1 fail, 77 skip (tools missing), 99 usage error.
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 LIBRARY VERSION_SCRIPT HEADER [CPPFLAG...]" >&2
	exit 99
fi
lib=$1
map=$2
header=$3
shift 3
cppflags=("$@")
NM=${NM:-nm}
READELF=${READELF:-readelf}
CC=${CC:-cc}
expected_soname=libiodirty.so.0

# CC may be a command with arguments (e.g. "ccache cc").
read -ra cc_cmd <<<"$CC"
for tool in "$NM" "$READELF" "${cc_cmd[0]}"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found"
		exit 77
	fi
done
for f in "$lib" "$map" "$header"; do
	if [ ! -r "$f" ]; then
		echo "FAIL: cannot read $f" >&2
		exit 1
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
errors=0
fail() {
	echo "FAIL: $*"
	errors=$((errors + 1))
}
indent() {
	printf '%s\n' "$1" | sed 's/^/    /'
}

# --- SONAME -----------------------------------------------------------
soname=$("$READELF" -d -W "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" != "$expected_soname" ]; then
	fail "SONAME is '${soname:-<none>}', expected '$expected_soname'"
fi

# --- version script: "name node" for every global entry ---------------
# Strips /* */ and # comments, then walks NODE { global: a; b; local: *; } ...
awk '
	BEGIN { incomment = 0 }
	{
		line = $0
		out = ""
		while (length(line) > 0) {
			if (incomment) {
				i = index(line, "*/")
				if (i == 0) { line = ""; break }
				line = substr(line, i + 2)
				incomment = 0
			} else {
				i = index(line, "/*")
				if (i == 0) { out = out line; line = ""; break }
				out = out substr(line, 1, i - 1)
				line = substr(line, i + 2)
				incomment = 1
			}
		}
		sub(/#.*/, "", out)
		printf "%s ", out
	}' "$map" | tr -s ' \t' '  ' | sed -e 's/[{};]/ & /g' -e 's/:/ : /g' | tr ' ' '\n' |
	awk '
	BEGIN { node = ""; section = "global"; depth = 0 }
	$0 == "" { next }
	$0 == "{" { depth++; section = "global"; next }
	$0 == "}" { depth--; expect_parent = 1; next }
	$0 == ";" { if (depth == 0) node = ""; expect_parent = 0; next }
	$0 == ":" { next }
	depth == 0 { if (!expect_parent) node = $0; next }
	$0 == "global" || $0 == "local" { section = $0; next }
	section == "global" { print $0, node }
	' | sort >"$tmp/map.txt"

if [ ! -s "$tmp/map.txt" ]; then
	fail "no global symbols found in $map"
fi
awk '{ print $1 }' "$tmp/map.txt" | sort >"$tmp/map-names.txt"
dups=$(uniq -d "$tmp/map-names.txt")
if [ -n "$dups" ]; then
	fail "listed more than once in $map:"
	indent "$dups"
fi
badnode=$(awk '$2 !~ /^LIBIODIRTY_[0-9]+\.[0-9]+$/ { print $1 " (node " $2 ")" }' "$tmp/map.txt")
if [ -n "$badnode" ]; then
	fail "symbols in a version node not named LIBIODIRTY_<major>.<minor>:"
	indent "$badnode"
fi

# --- exported symbols: readelf for type, binding, section and version ---
# Columns: Num: Value Size Type Bind Vis Ndx Name[@[@]version]
"$READELF" --dyn-syms -W "$lib" | awk '
	$1 ~ /^[0-9]+:$/ && NF >= 8 {
		type = $4; bind = $5; ndx = $7; name = $8
		if (ndx == "UND") next
		if (bind != "GLOBAL" && bind != "WEAK" && bind != "UNIQUE") next
		print name, type, ndx
	}' >"$tmp/dyn-raw.txt"

: >"$tmp/exported.txt"
while read -r full type ndx; do
	name=${full%%@*}
	version=""
	default=""
	case $full in
	*@@*) version=${full#*@@}; default=yes ;;
	*@*) version=${full#*@} ;;
	esac
	# GNU ld emits an absolute symbol named after each version node.
	if [ "$ndx" = ABS ] && [ "$name" = "$version" ]; then
		continue
	fi
	if [ "$ndx" = ABS ] && [[ $name == LIBIODIRTY_* ]] && [ -z "$version" ]; then
		continue
	fi
	case $type in
	FUNC | OBJECT | TLS | IFUNC | COMMON | GNU_IFUNC | NOTYPE) ;;
	*) continue ;;
	esac
	echo "$name" >>"$tmp/exported.txt"
	if [[ $name != iodirty_* ]]; then
		fail "exported $type symbol '$name' is not prefixed iodirty_"
	fi
	if [ -z "$version" ]; then
		fail "exported symbol '$name' has no symbol version"
	elif [[ ! $version =~ ^LIBIODIRTY_[0-9]+\.[0-9]+$ ]]; then
		fail "exported symbol '$name' has version '$version', expected LIBIODIRTY_<major>.<minor>"
	elif [ -z "$default" ]; then
		fail "exported symbol '$name@$version' is a hidden (non-default) version"
	else
		node=$(awk -v n="$name" '$1 == n { print $2; exit }' "$tmp/map.txt")
		if [ -n "$node" ] && [ "$node" != "$version" ]; then
			fail "symbol '$name' has version $version but $map lists it under $node"
		fi
	fi
	if [ "$type" = NOTYPE ]; then
		fail "exported symbol '$name' has no type (NOTYPE)"
	fi
done <"$tmp/dyn-raw.txt"
sort -u -o "$tmp/exported.txt" "$tmp/exported.txt"

# Cross-check the exported set with nm -D --defined-only.
"$NM" -D --defined-only "$lib" | awk 'NF >= 3 && $2 != "A" { print $3 }' |
	sed 's/@.*//' | sort -u >"$tmp/nm.txt"
if ! cmp -s "$tmp/nm.txt" "$tmp/exported.txt"; then
	fail "nm -D and readelf --dyn-syms disagree on the exported set:"
	diff "$tmp/nm.txt" "$tmp/exported.txt" | sed -n 's/^[<>]/    &/p'
fi

if [ ! -s "$tmp/exported.txt" ]; then
	fail "$lib exports no symbols"
fi

# --- exported set == version script set --------------------------------
sort -u "$tmp/map-names.txt" >"$tmp/map-set.txt"
extra=$(comm -23 "$tmp/exported.txt" "$tmp/map-set.txt")
missing=$(comm -13 "$tmp/exported.txt" "$tmp/map-set.txt")
if [ -n "$extra" ]; then
	fail "exported but not listed in $map:"
	indent "$extra"
fi
if [ -n "$missing" ]; then
	fail "listed in $map but not exported (not defined, or hidden):"
	indent "$missing"
fi

# --- header declarations == exported set -------------------------------
# Preprocess so comments and macro bodies do not count, then take every
# identifier iodirty_* directly followed by '(' (function declarations).
if ! "${cc_cmd[@]}" "${cppflags[@]}" -E -P -x c "$header" -o "$tmp/header.i"; then
	echo "FAIL: cannot preprocess $header (include dirs given: ${cppflags[*]:-none})"
	exit 1
fi
tr '\n' ' ' <"$tmp/header.i" |
	grep -oE '\biodirty_[A-Za-z0-9_]*[[:space:]]*\(' |
	sed 's/[[:space:]]*($//' | sort -u >"$tmp/header.txt"
if [ ! -s "$tmp/header.txt" ]; then
	fail "no iodirty_* function declarations found in $header"
fi
undeclared=$(comm -23 "$tmp/exported.txt" "$tmp/header.txt")
unexported=$(comm -13 "$tmp/exported.txt" "$tmp/header.txt")
if [ -n "$unexported" ]; then
	fail "declared in $(basename "$header") but not exported:"
	indent "$unexported"
fi
if [ -n "$undeclared" ]; then
	fail "exported but not declared in $(basename "$header"):"
	indent "$undeclared"
fi

nexp=$(wc -l <"$tmp/exported.txt")
if [ "$errors" -ne 0 ]; then
	echo "$errors ABI problem(s) in $lib"
	exit 1
fi
echo "ok: $nexp symbols exported, all iodirty_* and versioned as listed in $(basename "$map"); SONAME $soname"
