#!/usr/bin/env bash
# Runs the fuzz harnesses built by fuzz.mk. For each target named:
#   fuzz.T.replay  every saved input of tests/fuzz/corpus/T/ once (crashes found earlier are
#                  kept there as regression cases); a target without a saved input fails;
#   fuzz.T.run     libFuzzer for SECONDS from that corpus; new inputs go to a scratch copy,
#                  a crash, leak, sanitizer report or broken check is a FAIL naming the input
#                  saved under BUILD/fuzz/crash/.
# Usage: tests/fuzz/run.sh [--build DIR] [--seconds N] TARGET...
set -uo pipefail
cd "$(dirname "$0")/../.."
build=build seconds=5
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	*) break ;;
	esac
done
failed=0

# fail NAME LOG WHY: the FAIL line, with the sanitizer's or the check's summary from LOG.
fail() {
	local why
	why=$(grep -m1 -E 'SUMMARY|fuzz check failed|ERROR: libFuzzer|runtime error' "$2" | cut -c1-200)
	echo "FAIL $1: $3${why:+: $why} (log $2)"
	failed=1
}

replay() {
	local t=$1 bin=$build/fuzz/fuzz_$1 log=$build/fuzz/$1.replay.log
	local -a inputs
	mapfile -t inputs < <(find "tests/fuzz/corpus/$t" -type f 2>/dev/null | LC_ALL=C sort)
	if [ "${#inputs[@]}" -eq 0 ]; then
		echo "FAIL fuzz.$t.replay: no saved input in tests/fuzz/corpus/$t"
		failed=1
		return
	fi
	if "$bin" -runs=1 "${inputs[@]}" >"$log" 2>&1; then
		echo "PASS fuzz.$t.replay (${#inputs[@]} inputs)"
	else
		fail "fuzz.$t.replay" "$log" "a saved input fails"
	fi
}

run() {
	local t=$1 bin=$build/fuzz/fuzz_$1 log=$build/fuzz/$1.run.log
	local work=$build/fuzz/work/$t crash=$build/fuzz/crash/$t
	rm -rf "$work"
	mkdir -p "$work" "$crash"
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-artifact_prefix="$crash/" -print_final_stats=1 "$work" "tests/fuzz/corpus/$t" \
		>"$log" 2>&1; then
		echo "PASS fuzz.$t.run ($(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs in $seconds s)"
	else
		fail "fuzz.$t.run" "$log" "crash saved in $crash/"
	fi
}

for t in "$@"; do
	if [ ! -x "$build/fuzz/fuzz_$t" ]; then
		echo "FAIL fuzz.$t.replay: $build/fuzz/fuzz_$t not built"
		echo "FAIL fuzz.$t.run: $build/fuzz/fuzz_$t not built"
		failed=1
		continue
	fi
	replay "$t"
	run "$t"
done
exit "$failed"
