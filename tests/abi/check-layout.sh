#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check-layout.sh LIBRARY BASELINE SUPPRESSIONS HEADERS-DIR...
#
# Compares the ABI of the built LIBRARY (from its DWARF) with BASELINE, the
# ABIXML of the last release (libiodirty-0.5.abi), with libabigail's
# abidiff: functions, their parameter and return types, and the layout of
# every public struct reachable from them. Only types defined in a
# HEADERS-DIR count (the public headers: include/libiodirty of the source
# tree and, once the build generates headers, include/libiodirty of the
# build tree); SUPPRESSIONS (libiodirty.abignore) lists the compatible
# changes that are let through: the opaque handles, members appended to
# the sz-structs, functions in new version nodes.
#
# Two passes:
#  1. abidiff with SUPPRESSIONS. Its exit status is a bit field:
#     1 error, 2 usage error, 4 ABI change, 8 incompatible ABI change
#     (a function or variable removed; 4 is set too). Anything but 0 fails.
#  2. libabigail's has_data_member_inserted_at = end only checks where the
#     new members are: a change that also moves or retypes old members of
#     the same struct (a reorder, a member inserted in the middle) is
#     suppressed with it. So abidiff runs again without the suppression
#     sections that use has_data_member_inserted_at, in leaf mode, and the
#     report may then only hold, for the structs those sections name, a
#     larger size and members inserted at or past the old size. Any other
#     line (member changes, deletions, another type) fails. This pass runs
#     without --headers-dir2: that filter counts every type not defined in
#     the given dirs as private, <stdint.h>'s typedefs included, so a member
#     retyped from uint32_t to uint16_t is filtered out with it. The
#     baseline already holds public types only (abidw --drop-private-types)
#     and the opaque handles are suppressed by name, so nothing private is
#     reported here unless a public signature starts using it.
#
# The baseline is made by make-baseline.sh (it holds the exact abidw
# command); regenerate it from the sources of each release.
#
# Environment: ABIDIFF (default: abidiff; Debian package abigail-tools).
# Exit status: 0 pass, 1 fail, 77 skip (abidiff not installed), 99 usage.
set -uo pipefail

if [ $# -lt 4 ]; then
	echo "usage: $0 LIBRARY BASELINE SUPPRESSIONS HEADERS-DIR..." >&2
	exit 99
fi
lib=$1
baseline=$2
suppr=$3
shift 3
ABIDIFF=${ABIDIFF:-abidiff}

if ! command -v "$ABIDIFF" >/dev/null 2>&1; then
	echo "SKIP: $ABIDIFF not found; install abigail-tools (Debian, Ubuntu)" \
		"or libabigail to run the ABI layout check"
	exit 77
fi
for f in "$lib" "$baseline" "$suppr"; do
	if [ ! -r "$f" ]; then
		echo "FAIL: cannot read $f"
		exit 1
	fi
done
# A wrong headers dir would make every type private, so every change
# would be filtered out: insist on existing dirs holding headers.
hd=()
nheaders=0
for d in "$@"; do
	if [ ! -d "$d" ]; then
		echo "FAIL: headers dir $d does not exist"
		exit 1
	fi
	n=$(find "$d" -maxdepth 1 -name '*.h' | wc -l)
	nheaders=$((nheaders + n))
	hd+=(--headers-dir2 "$d")
done
if [ "$nheaders" -eq 0 ]; then
	echo "FAIL: no header in $*"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# abidiff's exit status in words.
describe() {
	local rc=$1 words=()
	[ $((rc & 1)) -ne 0 ] && words+=("error")
	[ $((rc & 2)) -ne 0 ] && words+=("usage error")
	[ $((rc & 4)) -ne 0 ] && words+=("ABI change")
	[ $((rc & 8)) -ne 0 ] && words+=("incompatible ABI change")
	[ "$rc" -gt 15 ] && words+=("unknown bits")
	[ ${#words[@]} -eq 0 ] && words+=("no change")
	local IFS=,
	echo "${words[*]}"
}

# --no-default-suppression: only SUPPRESSIONS, not whatever the system's
# libabigail ships; --fail-no-debug-info: a library built without debug
# info has no types to compare, which must not pass as "no change".
common=(--no-default-suppression --fail-no-debug-info --show-bits --show-dec)

# --- pass 1: abidiff with the suppressions ------------------------------
echo "== $ABIDIFF ${common[*]} ${hd[*]} --suppressions $suppr $baseline $lib"
"$ABIDIFF" "${common[@]}" "${hd[@]}" --suppressions "$suppr" "$baseline" "$lib" \
	>"$tmp/report1" 2>&1
rc1=$?
cat "$tmp/report1"
echo "== abidiff exit status $rc1: $(describe $rc1)"
if [ $((rc1 & 3)) -ne 0 ]; then
	echo "FAIL: abidiff could not compare $(basename "$lib") with $(basename "$baseline")" \
		"(a library without debug info? configure with buildtype debug or debugoptimized)"
	exit 1
fi
if [ $((rc1 & 8)) -ne 0 ]; then
	echo "FAIL: incompatible ABI change since $(basename "$baseline") (see above)"
	exit 1
fi
if [ $((rc1 & 4)) -ne 0 ]; then
	echo "FAIL: ABI change since $(basename "$baseline") that $(basename "$suppr") does not allow (see above)"
	exit 1
fi
if [ "$rc1" -ne 0 ]; then
	echo "FAIL: unexpected abidiff exit status $rc1"
	exit 1
fi

# --- pass 2: appended members only --------------------------------------
# Split SUPPRESSIONS into its sections; keep those without
# has_data_member_inserted_at and collect the name_regexp (or name) of the
# others: the extensible structs.
awk -v keep="$tmp/suppr2" -v names="$tmp/extensible" '
	function flush() {
		if (sec == "") return
		if (append) { if (nm != "") print nm >names }
		else printf "%s", sec >keep
		sec = ""; append = 0; nm = ""
	}
	/^[ \t]*\[/ { flush() }
	/^[ \t]*[#;]/ || /^[ \t]*$/ { next }
	{
		sec = sec $0 "\n"
		if ($0 ~ /^[ \t]*has_data_member_inserted_at[ \t]*=/) append = 1
		if ($0 ~ /^[ \t]*name_regexp[ \t]*=/) {
			nm = $0; sub(/^[^=]*=[ \t]*/, "", nm); sub(/[ \t]*$/, "", nm)
		} else if ($0 ~ /^[ \t]*name[ \t]*=/) {
			nm = $0; sub(/^[^=]*=[ \t]*/, "", nm); sub(/[ \t]*$/, "", nm)
			gsub(/[].[^$*+?(){}|\\]/, "\\\\&", nm); nm = "^" nm "$"
		}
	}
	END { flush() }' "$suppr"
touch "$tmp/suppr2" "$tmp/extensible"
if [ ! -s "$tmp/extensible" ]; then
	echo "ok: no ABI change since $(basename "$baseline") (no extensible structs listed in $(basename "$suppr"))"
	exit 0
fi

"$ABIDIFF" "${common[@]}" --leaf-changes-only --suppressions "$tmp/suppr2" \
	"$baseline" "$lib" >"$tmp/report2" 2>&1
rc2=$?
if [ $((rc2 & 3)) -ne 0 ] || [ $((rc2 & 8)) -ne 0 ] || [ "$rc2" -gt 15 ]; then
	cat "$tmp/report2"
	echo "FAIL: second abidiff pass (without the append rule): exit status $rc2: $(describe $rc2)"
	exit 1
fi

# Old size in bits of struct $1 in the baseline.
baseline_size() {
	sed -n "s/.*<class-decl name='$1' size-in-bits='\([0-9]*\)'.*/\1/p" "$baseline" | head -n 1
}

bad=$(mktemp -p "$tmp")
appended=0
block=""		# struct of the current report block; "" outside
old_size=""
while IFS= read -r line; do
	case $line in
	"") continue ;;
	*" summary: "*)
		# Leaf changes / Changed leaf types / functions / variables
		[ -z "$block" ] && continue ;;
	"'"*"' changed:")
		# A changed type: 'struct NAME at FILE:LINE:COL' changed:
		t=${line#\'}
		t=${t%%\' changed:}
		t=${t%% at *}
		block=""
		if [[ $t == "struct "* ]] &&
			grep -qE -- "$(paste -sd'|' "$tmp/extensible")" <<<"${t#struct }"; then
			block=${t#struct }
			old_size=$(baseline_size "$block")
		else
			echo "$line (not an extensible struct)" >>"$bad"
			block="-"
		fi
		continue ;;
	esac
	if [ -z "$block" ] || [ "$block" = "-" ]; then
		echo "$line" >>"$bad"
		continue
	fi
	if [[ $line =~ ^\ +type\ size\ changed\ from\ ([0-9]+)\ to\ ([0-9]+)\ \(in\ bits\)$ ]]; then
		old_size=${BASH_REMATCH[1]}
		if [ "${BASH_REMATCH[2]}" -lt "$old_size" ]; then
			echo "struct $block: $line" >>"$bad"
		fi
	elif [[ $line =~ ^\ +[0-9]+\ data\ member\ insertions?:$ ]]; then
		:
	elif [[ $line =~ ^\ +\'.*\',\ at\ offset\ ([0-9]+)\ \(in\ bits\)( at .*)?$ ]]; then
		if [ -z "$old_size" ] || [ "${BASH_REMATCH[1]}" -lt "$old_size" ]; then
			echo "struct $block: inserted inside the old layout (old size ${old_size:-?} bits): ${line#"${line%%[! ]*}"}" >>"$bad"
		else
			appended=$((appended + 1))
		fi
	else
		echo "struct $block: ${line#"${line%%[! ]*}"}" >>"$bad"
	fi
done <"$tmp/report2"

if [ -s "$bad" ]; then
	echo "== $ABIDIFF ${common[*]} --leaf-changes-only --suppressions <$(basename "$suppr") without has_data_member_inserted_at> $baseline $lib"
	cat "$tmp/report2"
	echo "== changes that are not members appended to an extensible struct:"
	sed 's/^/    /' "$bad"
	echo "FAIL: the layout of a public struct changed since $(basename "$baseline")" \
		"beyond appended members (reordered, retyped, inserted or removed members)"
	exit 1
fi
echo "ok: ABI compatible with $(basename "$baseline"); $appended member(s) appended to extensible structs"
exit 0
