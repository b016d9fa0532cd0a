#!/bin/sh
# SPDX-License-Identifier: MIT
# iodirty-ctl: usage errors exit 2, help and version exit 0.
ctl=$1
. "$(dirname "$0")/lib.sh"

expect_rc 0 "--help exits 0" -- "$ctl" --help
expect_grep "^Usage: iodirty-ctl" "$tmp/out" "--help prints usage to stdout"
expect_rc 0 "--version exits 0" -- "$ctl" --version
expect_grep "^iodirty-ctl [0-9]" "$tmp/out" "--version prints a version"
expect_rc 0 "info --help exits 0" -- "$ctl" info --help
expect_rc 0 "demo --help exits 0" -- "$ctl" demo --help

expect_rc 2 "no command exits 2" -- "$ctl"
expect_rc 2 "an unknown global option exits 2" -- "$ctl" --bogus info
expect_grep "unrecognized" "$tmp/err" "the bad option is named"
expect_rc 2 "an unknown short option exits 2" -- "$ctl" -Z info
expect_rc 2 "an unknown command exits 2" -- "$ctl" frobnicate
expect_rc 2 "an unknown info option exits 2" -- "$ctl" info --bogus
expect_rc 2 "a missing option argument exits 2" -- "$ctl" demo --ram
expect_rc 2 "--help with an argument exits 2" -- "$ctl" info --help=yes
expect_rc 2 "a stray argument exits 2" -- "$ctl" info extra
expect_rc 2 "a malformed size exits 2" -- "$ctl" demo --ram 12Q
expect_rc 2 "a negative size exits 2" -- "$ctl" demo --ram -8M
expect_rc 2 "an unaligned size exits 2" -- "$ctl" demo --ram 2049K
expect_rc 2 "too small a RAM exits 2" -- "$ctl" demo --ram 1M
expect_rc 2 "a removed demo option exits 2" -- "$ctl" demo --pages 5
expect_rc 2 "zero threads exits 2" -- "$ctl" demo --threads 0
expect_rc 2 "too many threads exits 2" -- "$ctl" demo --threads 65
expect_rc 2 "a negative rate exits 2" -- "$ctl" demo --rate -1
expect_rc 2 "a malformed bandwidth exits 2" -- "$ctl" demo --bandwidth 1G
expect_rc 2 "an empty hot set exits 2" -- "$ctl" demo --hot 0%
expect_rc 2 "a hot set above 100% exits 2" -- "$ctl" demo --hot 100.01%
expect_rc 2 "a malformed percentage exits 2" -- "$ctl" demo --hot-share 5%%
expect_rc 2 "three decimals exit 2" -- "$ctl" demo --hot 0.125
expect_rc 2 "a malformed downtime exits 2" -- "$ctl" demo --downtime-ms 3ms
expect_rc 2 "zero passes exits 2" -- "$ctl" demo --max-passes 0
expect_rc 2 "--json with an argument exits 2" -- "$ctl" demo --json=yes
expect_grep "takes no argument" "$tmp/err" "the stray argument is named"
expect_rc 2 "a malformed seed exits 2" -- "$ctl" demo --seed 1x
expect_rc 2 "an empty --backend exits 2" -- "$ctl" --backend "" info
expect_rc 0 "list --help exits 0" -- "$ctl" list --help
expect_rc 0 "show --help exits 0" -- "$ctl" show --help
expect_rc 0 "monitor --help exits 0" -- "$ctl" monitor --help
expect_rc 0 "top --help exits 0" -- "$ctl" top --help
expect_rc 2 "show without a handle exits 2" -- "$ctl" show
expect_rc 2 "show with a malformed handle exits 2" -- "$ctl" show 12x
expect_rc 2 "show with handle 0 exits 2" -- "$ctl" show 0
expect_rc 2 "show with two handles exits 2" -- "$ctl" show 1 2
expect_rc 2 "list with a malformed uid exits 2" -- "$ctl" list --uid x
expect_rc 2 "list with a stray argument exits 2" -- "$ctl" list extra
expect_rc 2 "list takes no --backend" -- "$ctl" list --backend kmod
expect_rc 2 "monitor --count 0 exits 2" -- "$ctl" monitor --count 0
expect_rc 2 "top with too short an interval exits 2" -- "$ctl" top --interval 0.01
expect_rc 2 "top with a malformed interval exits 2" -- "$ctl" top --interval 1s
expect_rc 2 "top --iterations 0 exits 2" -- "$ctl" top --iterations 0

finish
