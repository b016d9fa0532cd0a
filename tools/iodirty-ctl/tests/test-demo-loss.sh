#!/bin/sh
# SPDX-License-Identifier: MIT
# iodirty-ctl demo --inject-loss: a page left out of the stop-and-copy is
# caught by the verification, which names where it differs.
ctl=$1
. "$(dirname "$0")/lib.sh"

expect_rc 1 "demo --inject-loss exits 1" -- \
	"$ctl" --backend "$backend" demo --ram 16M --threads 2 --seed 1 \
	--inject-loss
expect_grep "verification failed: .* differs from the source at RAM offset 0x[0-9a-f]" \
	"$tmp/err" "the error names the differing offset"
expect_grep "mapped at IOVA 0x[0-9a-f]" "$tmp/err" "the error names its IOVA"
expect_grep "^iodirty-ctl: demo: " "$tmp/err" "errors follow the tool's format"
expect_grep "verification *FAILED" "$tmp/out" "the summary says FAILED"
expect_grep "injected loss *page [0-9]" "$tmp/out" "the summary names the lost page"

expect_rc 1 "demo --inject-loss --json exits 1" -- \
	"$ctl" --backend "$backend" demo --ram 16M --threads 2 --seed 2 \
	--inject-loss --json
cp "$tmp/out" "$tmp/loss.json"
check_json "$tmp/loss.json"
expect_grep '^  "verified": false' "$tmp/loss.json" "JSON says not verified"
expect_grep '"injected_loss_page": [0-9]' "$tmp/loss.json" "JSON names the lost page"
# The page lost is the page found: offset / 4096 is the lost page.
lost=$(sed -n 's/^  "injected_loss_page": \([0-9]*\),$/\1/p' "$tmp/loss.json")
page=$(sed -n '/"first_difference": {/,/}/s/^    "page": \([0-9]*\),$/\1/p' \
	"$tmp/loss.json")
if [ -n "$lost" ] && [ "$lost" = "$page" ]; then
	pass "the first difference is in the lost page ($lost)"
else
	fail "lost page '$lost', first difference in page '$page'"
fi

# Hidden: a testing aid, not an option for users.
"$ctl" demo --help >"$tmp/help" 2>&1
if grep -q "inject" "$tmp/help"; then
	fail "demo --help mentions --inject-loss"
else
	pass "demo --help does not mention --inject-loss"
fi

finish
