#!/bin/sh
# SPDX-License-Identifier: MIT
# iodirty-ctl demo --device-process: the device threads run in a child
# process that writes the shared RAM through its own pointer and marks
# through three dirty logs the demo exported; the migration is verified
# byte for byte, also with a failed pass put back. On a backend without
# shared logs the demo refuses the option.
ctl=$1
. "$(dirname "$0")/lib.sh"

if "$ctl" --backend "$backend" info 2>/dev/null | grep -q "shared-log"; then
	expect_rc 0 "demo --device-process exits 0" -- \
		"$ctl" --backend "$backend" demo --ram 32M --threads 2 \
		--seed 7 --max-passes 6 --device-process
	expect_grep "in a separate process (pid [0-9]*), marking through" \
		"$tmp/out" "the intro says where the device runs"
	expect_grep "ok .*the destination equals the source, byte for byte" \
		"$tmp/out" "the migration is verified"

	expect_rc 0 "demo --device-process --inject-failure exits 0" -- \
		"$ctl" --backend "$backend" demo --ram 16M --threads 2 \
		--seed 8 --max-passes 4 --device-process --inject-failure
	expect_grep "ok .*the retry of the failed pass harvested all [0-9]* pages put back (0 missed)" \
		"$tmp/out" "the retry harvested every page put back"
	expect_grep "ok .*the destination equals the source, byte for byte" \
		"$tmp/out" "the migration with a failed pass is verified"

	expect_rc 0 "demo --device-process --json exits 0" -- \
		"$ctl" --backend "$backend" demo --ram 16M --threads 2 \
		--seed 9 --device-process --json
	cp "$tmp/out" "$tmp/process.json"
	check_json "$tmp/process.json"
	expect_grep '^  "device_process": true' "$tmp/process.json" \
		"JSON says the device ran in a process"
	expect_grep '^  "verified": true' "$tmp/process.json" "JSON says verified"
else
	expect_rc 1 "demo --device-process without shared logs exits 1" -- \
		"$ctl" --backend "$backend" demo --ram 16M --threads 2 \
		--device-process
	expect_grep "lacks shared-log" "$tmp/err" "the error names the capability"
fi

finish
