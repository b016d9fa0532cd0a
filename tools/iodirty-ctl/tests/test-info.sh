#!/bin/sh
# SPDX-License-Identifier: MIT
# iodirty-ctl info: text and JSON output, backend selection.
ctl=$1
. "$(dirname "$0")/lib.sh"

expect_rc 0 "info exits 0" -- "$ctl" --backend "$backend" info
for key in backend capabilities "page sizes" "dirty granules" "IOVA bits" \
	   "max mappings"; do
	expect_grep "^$key " "$tmp/out" "info shows '$key'"
done
if grep -q "$(printf '\033')" "$tmp/out"; then
	fail "info prints control codes to a pipe"
fi

expect_rc 0 "info --json exits 0" -- "$ctl" --backend "$backend" info --json
cp "$tmp/out" "$tmp/info.json"
check_json "$tmp/info.json"
for key in backend capabilities capability_flags page_sizes granules \
	   max_iova_bits default_iova_bits max_mappings; do
	expect_grep "\"$key\": " "$tmp/info.json" "JSON has \"$key\""
done
expect_grep "\"backend\": \"$backend\"" "$tmp/info.json" "JSON names the backend"

# --backend after the subcommand works too.
expect_rc 0 "info --backend after the command" -- "$ctl" info --backend "$backend"

# Without --backend, IODIRTY_BACKEND picks the backend.
expect_rc 0 "info honours IODIRTY_BACKEND" -- \
	env IODIRTY_BACKEND="$backend" "$ctl" info
expect_grep "^backend  *$backend\$" "$tmp/out" "IODIRTY_BACKEND=$backend is used"
expect_rc 1 "an unknown backend name is an error" -- \
	env IODIRTY_BACKEND=no-such-backend "$ctl" info
expect_grep "^iodirty-ctl: .*: " "$tmp/err" "the error names what failed"
expect_rc 2 "an unknown --backend is a usage error" -- \
	"$ctl" --backend no-such-backend info
expect_grep "unknown backend 'no-such-backend'" "$tmp/err" "the bad name is named"
expect_rc 2 "an unknown --backend after the command too" -- \
	"$ctl" info --backend no-such-backend

finish
