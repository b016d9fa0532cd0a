#!/bin/sh
# SPDX-License-Identifier: MIT
# iodirty-ctl demo: a live migration of a small RAM converges, verifies,
# and prints plain text (or one JSON object) when stdout is not a terminal.
ctl=$1
. "$(dirname "$0")/lib.sh"

# json_num KEY FILE: the number of a top-level "KEY": N member.
json_num() {
	sed -n "s/^  \"$1\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" "$2"
}

expect_rc 0 "demo --ram 16M --threads 2 exits 0" -- \
	"$ctl" --backend "$backend" demo --ram 16M --threads 2 --seed 1
expect_grep "PASSED" "$tmp/out" "demo reports success"
expect_grep "^ *0  *4096 " "$tmp/out" "pass 0 copies all 4096 pages"
expect_grep "^ *stop " "$tmp/out" "the table ends with the stop-and-copy"
expect_grep "verification *PASSED" "$tmp/out" "the destination is verified"
if grep -q "$(printf '\033')" "$tmp/out"; then
	fail "demo prints escape sequences to a pipe"
else
	pass "no escape sequences in piped output"
fi
if grep -q "$(printf '\r')" "$tmp/out"; then
	fail "demo prints carriage returns to a pipe"
else
	pass "no carriage returns in piped output"
fi

expect_rc 0 "demo --json exits 0" -- \
	"$ctl" --backend "$backend" demo --ram 16M --threads 2 --seed 2 --json
cp "$tmp/out" "$tmp/demo.json"
check_json "$tmp/demo.json"
for key in backend seed ram_bytes threads layout passes pass_log \
	   stop_reason copied_bytes downtime_us device stats mappings holes \
	   mem_bytes reads clears checks verified dirty_rate_kib_s link_kib_s \
	   precopy_converges; do
	expect_grep "\"$key\": " "$tmp/demo.json" "JSON has \"$key\""
done
expect_grep '^  "verified": true' "$tmp/demo.json" "JSON says verified"
expect_grep '"seed": 2,' "$tmp/demo.json" "--seed is honoured"
expect_grep '"threads": 2,' "$tmp/demo.json" "--threads is honoured"
passes=$(json_num passes "$tmp/demo.json")
if [ -n "$passes" ] && [ "$passes" -ge 2 ]; then
	pass "JSON counts $passes passes (>= 2)"
else
	fail "JSON passes is '$passes', want >= 2"
fi
writes=$(sed -n '/"device": {/,/}/s/^    "writes": \([0-9]*\),$/\1/p' "$tmp/demo.json")
if [ -n "$writes" ] && [ "$writes" -gt 0 ]; then
	pass "the device wrote ($writes writes)"
else
	fail "the device made no writes ('$writes')"
fi

# The rates come from the domain's convergence counters: the device wrote
# by DMA while pass 1 ran, and dirtied memory doing so.
rate=$(json_num dirty_rate_kib_s "$tmp/demo.json")
if [ -n "$rate" ] && [ "$rate" -gt 0 ]; then
	pass "the dirty rate before the stop is $rate KiB/s (> 0)"
else
	fail "the dirty rate before the stop is '$rate', want > 0"
fi
dma=$(sed -n 's/^      "dma_rate_kib_s": \([0-9]*\)$/\1/p' "$tmp/demo.json" |
      sed -n 2p)
if [ -n "$dma" ] && [ "$dma" -gt 0 ]; then
	pass "pass 1 saw a DMA rate of $dma KiB/s (> 0)"
else
	fail "pass 1's DMA rate is '$dma', want > 0"
fi

# Without convergence (a target of 0 ms is never met), --max-passes
# decides: 3 pre-copy passes, then the stop-and-copy, still verified.
expect_rc 0 "demo --max-passes 3 --downtime-ms 0 exits 0" -- \
	"$ctl" --backend "$backend" demo --ram 8M --max-passes 3 \
	--downtime-ms 0 --seed 3 --json
expect_grep '"stop_reason": "max-passes"' "$tmp/out" "stopped by --max-passes"
if [ "$(json_num passes "$tmp/out")" = 4 ]; then
	pass "3 pre-copy passes and the stop-and-copy"
else
	fail "passes is '$(json_num passes "$tmp/out")', want 4"
fi
expect_grep '^  "verified": true' "$tmp/out" "verified after --max-passes"

# No limits at all: device and copy as fast as they go; one thread.
expect_rc 0 "demo unthrottled with one thread exits 0" -- \
	"$ctl" --backend "$backend" demo --ram 8M --threads 1 --rate 0 \
	--bandwidth 0 --hot 10% --hot-share 50 --seed 4

finish
