#!/bin/sh
# SPDX-License-Identifier: MIT
# iodirty-ctl demo --inject-failure: pass 1 fails after its harvest, puts
# the pages it did not send back (iodirty_set_dirty) and is retried; the
# migration is still verified byte for byte. On a backend without
# put-back the demo refuses the option.
ctl=$1
. "$(dirname "$0")/lib.sh"

if "$ctl" --backend "$backend" info 2>/dev/null | grep -q "set-dirty"; then
	expect_rc 0 "demo --inject-failure exits 0" -- \
		"$ctl" --backend "$backend" demo --ram 16M --threads 2 \
		--seed 3 --max-passes 4 --inject-failure
	expect_grep "inject-failure: pass 1 failed after sending [0-9]* of its pages; [1-9][0-9]* put back" \
		"$tmp/err" "the failure and the put-back are announced"
	expect_grep "injected failure *pass 1 failed; [1-9][0-9]* pages put back" \
		"$tmp/out" "the summary names the pages put back"
	expect_grep "ok .*the retry of the failed pass harvested all [0-9]* pages put back (0 missed)" \
		"$tmp/out" "the retry harvested every page put back"
	expect_grep "ok .*the destination equals the source, byte for byte" \
		"$tmp/out" "the migration is verified"

	expect_rc 0 "demo --inject-failure --json exits 0" -- \
		"$ctl" --backend "$backend" demo --ram 16M --threads 2 \
		--seed 4 --inject-failure --json
	cp "$tmp/out" "$tmp/failure.json"
	check_json "$tmp/failure.json"
	expect_grep '^  "verified": true' "$tmp/failure.json" "JSON says verified"
else
	expect_rc 1 "demo --inject-failure without put-back exits 1" -- \
		"$ctl" --backend "$backend" demo --ram 16M --threads 2 \
		--inject-failure
	expect_grep "lacks set-dirty" "$tmp/err" "the error names the capability"
fi

finish
