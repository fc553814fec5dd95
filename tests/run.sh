#!/usr/bin/env bash
# Runs every test suite (or those named: host urpc fuzz httpd kernel net lab) and ends with one line "N passed, N failed, N skipped" covering all
# of them; it is the last line printed. Each suite prints "PASS name", "FAIL name: why" and
# "SKIP name: why" lines. What decides the count:
#   - every check the sources define (tests/lib/expected.sh) must report; one that does not
#     is a FAIL "expected but never ran" (the kernel suite compares its own boots);
#   - each suite runs under a time limit; its expiry is a FAIL naming the suite and the last
#     line it printed;
#   - a suite that exits non-zero without a FAIL line counts as one failure of its own;
#   - run as root, as CI is, every SKIP counts as a FAIL: root can run every suite, so a
#     skip there hides a check that should have run. CI must show 0 skipped. Run as an
#     ordinary user, the network suite skips each of its checks by name, loudly.
# Above the closing line, a summary per suite: distinct checks, and for the kernel suite the
# runs across its boot configurations.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib/report.sh
BUILD=${BUILD:-build}
mkdir -p "$BUILD/test"

total_pass=0 total_fail=0 total_skip=0
summary=()

# run_suite NAME SECONDS EXPECTED COMMAND...: EXPECTED is tests/lib/expected.sh's argument
# for the suite's list, or - where the suite compares its own.
run_suite() {
	local name=$1 secs=$2 expected=$3 status p f s distinct line rootfails more
	local log=$BUILD/test/$name.log
	shift 3
	echo "== $name: $*"
	tests/lib/limit.sh "$name.time_limit" "$secs" "$@" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	if [ "$expected" != - ]; then
		if ! tests/lib/expected.sh "$expected" >"$BUILD/test/$name.expected"; then
			echo "FAIL $name.expected: tests/lib/expected.sh $expected failed" | tee -a "$log"
		fi
		missing_checks "$BUILD/test/$name.expected" "$log" | tee -a "$log"
	fi
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	s=$(grep -c '^SKIP ' "$log")
	if [ "$(id -u)" -eq 0 ] && [ "$s" -gt 0 ]; then
		rootfails=$(sed -n 's/^SKIP \([^:]*\): \(.*\)/FAIL \1: skipped in a root run, where it must run (\2)/p' "$log")
		echo "$rootfails" | tee -a "$log"
		f=$((f + s)) s=0
	fi
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: suite exited $status without naming a failing test"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "FAIL $name: the suite ran no test"
		f=1
	fi
	# A suite may say what it ran itself (the kernel suite: distinct tests and runs per
	# configuration); else each check runs once.
	more=$(sed -n 's/^summary: //p' "$log")
	distinct=$(reported_names "$log" | sort -u | wc -l)
	line="$name: $p passed, $f failed, $s skipped; ${more:-$distinct distinct checks}"
	echo "== $line"
	summary+=("$line")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
}

# The limits are several times what a loaded 2-core machine takes.
suites=("$@")
[ $# -gt 0 ] || suites=(host urpc fuzz httpd kernel net lab)
start=$(date +%s)
for suite in "${suites[@]}"; do
	case $suite in
	host) run_suite host 1200 host make --no-print-directory host-test ;;
	urpc) run_suite urpc 1200 urpc make --no-print-directory urpc-test ;;
	fuzz) run_suite fuzz 600 fuzz make --no-print-directory -j2 fuzz-test ;;
	httpd) run_suite httpd 1200 httpd tests/httpd/run.sh ;;
	kernel) run_suite kernel 5400 - tests/kernel/run.sh ;;
	net) run_suite net 3600 net tests/net/run.sh ;;
	lab) run_suite lab 900 lab tests/lab/run.sh ;;
	*) echo "FAIL $suite: no such suite"; total_fail=$((total_fail + 1)) ;;
	esac
done
echo "== all suites took $(( $(date +%s) - start )) s"
for line in "${summary[@]}"; do
	echo "   $line"
done
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
