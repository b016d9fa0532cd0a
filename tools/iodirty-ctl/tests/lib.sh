# SPDX-License-Identifier: MIT
# Helpers for the iodirty-ctl tests. Source it after setting $ctl.

backend=${IODIRTY_CTL_TEST_BACKEND:-soft}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

pass() {
	echo "ok: $*"
}

# expect_rc RC DESCRIPTION -- COMMAND...: runs COMMAND, output to files
# $tmp/out and $tmp/err, and checks its exit status.
expect_rc() {
	want=$1
	what=$2
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$what: exit status $got, want $want"
		sed 's/^/  stdout: /' "$tmp/out" >&2
		sed 's/^/  stderr: /' "$tmp/err" >&2
		return 1
	fi
	pass "$what"
}

# expect_grep PATTERN FILE DESCRIPTION
expect_grep() {
	if grep -q -- "$1" "$2"; then
		pass "$3"
	else
		fail "$3: no '$1' in $(basename "$2")"
		sed 's/^/  /' "$2" >&2
	fi
}

# check_json FILE: one JSON object; python3 validates it when present.
check_json() {
	first=$(tr -d ' \t\n' <"$1" | cut -c1)
	last=$(tr -d ' \t\n' <"$1" | tail -c 1)
	if [ "$first" = "{" ] && [ "$last" = "}" ]; then
		pass "output is one JSON object"
	else
		fail "output is not one JSON object"
	fi
	if command -v python3 >/dev/null 2>&1; then
		if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"; then
			pass "python3 parses the JSON"
		else
			fail "python3 cannot parse the JSON"
		fi
	fi
	if grep -q "$(printf '\033')" "$1"; then
		fail "JSON output carries terminal control codes"
	fi
}

finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) failed" >&2
		exit 1
	fi
	exit 0
}
