#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed" covering all of them.
# Each suite prints "PASS name" / "FAIL name: why" lines; a suite that exits non-zero
# without a FAIL line counts as one failure of its own.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD/test"

total_pass=0 total_fail=0

run_suite() {
	local name=$1 status p f
	local log=$BUILD/test/$name.log
	shift
	echo "== $name: $*"
	"$@" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: suite exited $status without naming a failing test"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		if grep -q '^SKIP ' "$log"; then
			echo "== $name: SKIPPED (see above)"
		else
			echo "FAIL $name: the suite ran no test"
			f=1
		fi
	fi
	echo "== $name: $p passed, $f failed"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

start=$(date +%s)
run_suite host make --no-print-directory host-test
run_suite urpc make --no-print-directory urpc-test
run_suite httpd tests/httpd/run.sh
run_suite kernel tests/kernel/run.sh
run_suite net tests/net/run.sh
echo "== all suites took $(( $(date +%s) - start )) s"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
