# shellcheck shell=bash
# SPDX-License-Identifier: MIT
#
# The API fuzzer's tier and commands (tests/fuzz/README.md), sourced by
# scripts/run.sh from the top of the tree, whose helpers (log, configure,
# record, install_deps) and FUZZ_BUILD_OPTS they use. The build directory
# is build-fuzz (clang).

FUZZ_DIR=build-fuzz
FUZZ_BIN=$FUZZ_DIR/tests/fuzz/iodirty-fuzz-api
# The shared dirty log's take against a hostile writer; no corpus.
FUZZ_SHLOG_BIN=$FUZZ_DIR/tests/fuzz/iodirty-fuzz-shlog
FUZZ_SEEDS=tests/fuzz/corpus/api
# One input may take 10 s (one takes about 10 ms), of up to 64 calls; 2 GiB
# of memory at most.
FUZZ_ARGS=(-timeout=10 -rss_limit_mb=2048 -max_len=1026 -print_final_stats=1)
# Where "run.sh fuzz" keeps what it finds: outside the repository.
FUZZ_KEEP=${IODIRTY_FUZZ_DIR:-$HOME/.cache/libiodirty-fuzz}

# fuzz_build DIR [MESON-OPTION...]: set up DIR with clang and build the
# fuzzer. A build directory set up with another compiler is made again.
fuzz_build() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ] &&
		! grep -q '^ command = clang ' "$dir/build.ninja"; then
		log "[$dir] not a clang build: wiping it"
		rm -rf "$dir"
	fi
	log "[$dir] configuring: ${FUZZ_BUILD_OPTS[*]} $*"
	CC=clang configure "$dir" "${FUZZ_BUILD_OPTS[@]}" "$@" &&
		log "[$dir] building the fuzzer" &&
		meson compile -C "$dir" iodirty-fuzz-api iodirty-fuzz-shlog
}

# Tier 1 with the API fuzzer: the committed corpus replayed (every input
# must pass), then 60 s of fuzzing from it; then 30 s of the shared log's
# fuzzer (tests/fuzz/fuzz_shlog.c). Its line counts the three as one
# test each; a crash, failed check, leak or timeout fails it, the input
# being left in build-fuzz/ (crash-*, leak-*, timeout-*; shlog-* for the
# shared log).
tier_fuzz() {
	local passed=0 failed=0 note='' work

	if ! fuzz_build "$FUZZ_DIR"; then
		record fuzz 0 1 0 "build failed"
		return
	fi
	log "[fuzz] replaying $FUZZ_SEEDS"
	if "$FUZZ_BIN" "${FUZZ_ARGS[@]}" -runs=0 "$FUZZ_SEEDS"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		note="the corpus fails"
	fi
	# New inputs of this run are not kept: "run.sh fuzz" is for that.
	work=$(mktemp -d)
	log "[fuzz] fuzzing for 60 s"
	if "$FUZZ_BIN" "${FUZZ_ARGS[@]}" -max_total_time=60 \
		-artifact_prefix="$FUZZ_DIR/" "$work" "$FUZZ_SEEDS"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		note="${note:+$note; }input in $FUZZ_DIR/"
	fi
	rm -rf "$work"
	work=$(mktemp -d)
	log "[fuzz] the shared log's take, hostile writer, for 30 s"
	if "$FUZZ_SHLOG_BIN" -timeout=10 -rss_limit_mb=2048 -len_control=0 \
		-max_total_time=30 -print_final_stats=1 \
		-artifact_prefix="$FUZZ_DIR/shlog-" "$work"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		note="${note:+$note; }shared log: input in $FUZZ_DIR/shlog-*"
	fi
	rm -rf "$work"
	if [ -n "$note" ]; then
		record fuzz "$passed" "$failed" 0 "$note"
	else
		record fuzz "$passed" "$failed" 0
	fi
}

# run.sh fuzz SECONDS: fuzz longer from the seeds and what earlier runs
# found (kept in $FUZZ_KEEP/api); a failing input is left in $FUZZ_KEEP.
cmd_fuzz() {
	local secs=$1

	[[ $secs =~ ^[0-9]+$ ]] || die "fuzz: SECONDS must be a number"
	install_deps "${DEPS[@]}" "${FUZZ_DEPS[@]}"
	fuzz_build "$FUZZ_DIR" || die "building the fuzzer failed"
	mkdir -p "$FUZZ_KEEP/api"
	log "[fuzz] fuzzing for $secs s; new inputs go to $FUZZ_KEEP/api"
	"$FUZZ_BIN" "${FUZZ_ARGS[@]}" -max_total_time="$secs" \
		-artifact_prefix="$FUZZ_KEEP/" "$FUZZ_KEEP/api" "$FUZZ_SEEDS"
}

# run.sh fuzz-coverage: line and function coverage of lib/core reached by
# the seeds (and by $FUZZ_KEEP/api, when "run.sh fuzz" left inputs there),
# from a build with clang's source-based coverage (build-fuzz-cov).
cmd_fuzz_coverage() {
	local dir=build-fuzz-cov flags="-fprofile-instr-generate -fcoverage-mapping"
	local corpora=("$FUZZ_SEEDS")

	install_deps "${DEPS[@]}" "${FUZZ_DEPS[@]}"
	# Programs the build runs write no profile into the tree.
	LLVM_PROFILE_FILE=/dev/null \
		fuzz_build "$dir" -Dc_args="$flags" -Dc_link_args="$flags" ||
		die "building the fuzzer failed"
	[ ! -d "$FUZZ_KEEP/api" ] || corpora+=("$FUZZ_KEEP/api")
	rm -f "$dir"/fuzz-*.profraw
	LLVM_PROFILE_FILE="$PWD/$dir/fuzz-%p.profraw" \
		"$dir/tests/fuzz/iodirty-fuzz-api" -runs=0 "${corpora[@]}"
	llvm-profdata merge -sparse "$dir"/fuzz-*.profraw -o "$dir/fuzz.profdata"
	log "[fuzz-coverage] lib/core reached by ${corpora[*]}"
	# lib/core only: the tests, headers, backends and API layer left out.
	llvm-cov report "$dir/tests/fuzz/iodirty-fuzz-api" \
		-instr-profile="$dir/fuzz.profdata" \
		-ignore-filename-regex='(tests/|include/|lib/backend/|lib/[^/]+$)'
}
