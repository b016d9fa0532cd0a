#!/bin/sh
# SPDX-License-Identifier: MIT
# iodirty-ctl demo: runs and verifies on a small RAM.
ctl=$1
. "$(dirname "$0")/lib.sh"

expect_rc 0 "demo --ram 8M exits 0" -- \
	"$ctl" --backend "$backend" demo --ram 8M --seed 1
expect_grep "PASSED" "$tmp/out" "demo reports success"
if grep -q "$(printf '\033')" "$tmp/out"; then
	fail "demo prints control codes to a pipe"
fi

expect_rc 0 "demo --json exits 0" -- \
	"$ctl" --backend "$backend" demo --ram 8M --pages 200 --seed 2 --json
cp "$tmp/out" "$tmp/demo.json"
check_json "$tmp/demo.json"
for key in backend seed ram_bytes rounds stats mappings holes mapped_bytes \
	   mem_bytes checks verified; do
	expect_grep "\"$key\": " "$tmp/demo.json" "JSON has \"$key\""
done
expect_grep '"verified": true' "$tmp/demo.json" "JSON says verified"
expect_grep '"pages_written": 200' "$tmp/demo.json" "--pages is honoured"
expect_grep '"seed": 2,' "$tmp/demo.json" "--seed is honoured"

# The same seed gives the same run.
"$ctl" --backend "$backend" demo --ram 4M --seed 7 --json >"$tmp/a" 2>&1
"$ctl" --backend "$backend" demo --ram 4M --seed 7 --json >"$tmp/b" 2>&1
grep -v '"iova\|"mem_bytes' "$tmp/a" >"$tmp/a2"
grep -v '"iova\|"mem_bytes' "$tmp/b" >"$tmp/b2"
if cmp -s "$tmp/a2" "$tmp/b2"; then
	pass "a seed repeats the run"
else
	fail "two runs with --seed 7 differ"
fi

# Every writable page at once.
expect_rc 0 "demo writes every page but the hole" -- \
	"$ctl" --backend "$backend" demo --ram 2M --pages 511 --seed 3

finish
