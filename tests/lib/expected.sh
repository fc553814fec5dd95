#!/usr/bin/env bash
# The checks each suite must report, read from the sources that define them, one a line
# (a name may hold a * where the source builds it from a number).
#   tests/lib/expected.sh host        TEST(suite, name) in tests/host/test_*.c
#   tests/lib/expected.sh urpc        check(..., "name", ...) in tests/urpc/*.c
#   tests/lib/expected.sh fuzz        fuzz.T.replay and fuzz.T.run for each FUZZ_TARGETS
#                                     word T of tests/fuzz/fuzz.mk
#   tests/lib/expected.sh httpd       @check("name") in tests/httpd/checks.py and the pass
#                                     calls of tests/httpd/run.sh, as run on its own server
#   tests/lib/expected.sh httpd-guest the same checks against another server: those of
#                                     LOCAL_ONLY_CHECKS in tests/httpd/run.sh and NEEDS_PID
#                                     in tests/httpd/checks.py left out
#   tests/lib/expected.sh net         tests/net/run.sh's pass and check calls, the checks of
#                                     tests/net/malformed.py (twice: one kernel, and 4
#                                     as net.dist_e1000_4k_malformed), the distributed
#                                     matrix's (tests/net/dist.sh, with rss_check.py's),
#                                     the moves under load (tests/net/moveload.sh), the
#                                     checks of tests/net/hostile4.sh, the load balancer's
#                                     (tests/net/monitor.sh, hog_check.py's and
#                                     status_page.py's), a kernel's death's, the held
#                                     connections', and httpd's own as net.guest_httpd
#   tests/lib/expected.sh lab         tests/lab/run.sh's pass calls
#   tests/lib/expected.sh ktests      "name needs..." for every KTEST and KTEST_NEEDS
#   tests/lib/expected.sh usertests   run("name", ...) in user/tests/usertests.c
#   tests/lib/expected.sh kernel      tests/kernel/run.sh's own checks (not the ktests)
# A check is expected where its script can pass it: names given only to `fail` are the
# failures of set-up steps, which no good run prints.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The names a shell script passes: `pass NAME`, `check NAME` and `check_* NAME` with a
# literal name.
script_passes() {
	perl -ne 'print "$1\n" while /(?:^|[^a-z_])(?:pass|check|check_[a-z_]+) "?([a-z][a-z0-9_.]*)(?=["\s;)|&]|$)/g' "$1" |
		LC_ALL=C sort -u
}

host() {
	cat tests/host/test_*.c | perl -0777 -ne 'print "host.$1.$2\n" while /\bTEST\(\s*(\w+)\s*,\s*(\w+)\s*\)/g'
}

urpc() {
	perl -0777 -ne 'print "urpc.$1\n" while /\bcheck\([^;]*?,\s*"([a-z0-9_]+)"\s*,/g;
		while (/snprintf\(name, sizeof\(name\), "([a-z0-9_%]+)"/g) {
			(my $n = $1) =~ s/%[a-z]+/*/g; print "urpc.$n\n" }' tests/urpc/*.c |
		LC_ALL=C sort -u
}

fuzz() {
	sed -n 's/^FUZZ_TARGETS *:= *//p' tests/fuzz/fuzz.mk | tr ' ' '\n' | grep . |
		sed 's/.*/fuzz.&.replay\nfuzz.&.run/' | LC_ALL=C sort
}

httpd_all() {
	{
		perl -ne 'print "$1\n" if /^\@check\("([a-z0-9_]+)"\)/' tests/httpd/checks.py
		script_passes tests/httpd/run.sh
	} | LC_ALL=C sort -u
}

httpd_local_only() {
	{
		sed -n 's/^LOCAL_ONLY_CHECKS="\(.*\)"$/\1/p' tests/httpd/run.sh
		sed -n 's/^NEEDS_PID = "\(.*\)"$/\1/p' tests/httpd/checks.py
	} | tr ' ' '\n' | grep .
}

httpd() { httpd_all | sed 's/^/httpd./'; }

httpd_guest() {
	httpd_all | grep -vxF -f <(httpd_local_only) | sed 's/^/httpd./'
}

net() {
	{
		script_passes tests/net/run.sh | grep '^net\.'
		script_passes tests/net/hostile4.sh | grep '^net\.'
		perl -ne 'print "net.malformed.$1\nnet.dist_e1000_4k_malformed.$1\n"
			while /\b(?:check|report)\("([a-z0-9_]+)"/g' tests/net/malformed.py
		(. tests/net/dist.sh && dist_expected)
		(. tests/net/death.sh && death_expected)
		(. tests/net/monitor.sh && monitor_expected)
		script_passes tests/net/conns.sh | grep '^net\.'
		(. tests/net/moveload.sh && moveload_expected)
		perl -ne 'print "net.$1\n" while /\breport\("([a-z0-9_]+)"/g' tests/net/close_check.py
		perl -ne 'print "net.workers_$1\n" while /\breport\("per_kernel_([a-z0-9_]+)"/g' \
			tests/net/rss_check.py          # the httpd -w boot's
		httpd_guest | sed 's/^httpd\./net.guest_httpd./'
	} | LC_ALL=C sort -u
}

lab() { script_passes tests/lab/run.sh | grep '^lab\.'; }

# "name needs": needs is the KTEST_NEEDS string, "-" for a plain KTEST.
ktests() {
	grep -rhE --include='*.c' '^KTEST(_NEEDS)?\(' kernel drivers net lib |
		perl -ne 'print "$1 -\n" if /^KTEST\((\w+)\)/;
			print "$1 $2\n" if /^KTEST_NEEDS\((\w+),\s*"([^"]*)"\)/'
}

usertests() {
	perl -ne 'print "$1\n" while /\brun\("([a-z0-9_]+)"/g' user/tests/usertests.c
}

# The kernel suite's own checks: pass calls, shell_check NAME (shell.NAME) and crash KIND
# (kernel.crash.KIND).
kernel() {
	{
		script_passes tests/kernel/run.sh | grep -E '^(kernel|shell|user)\.'
		sed -nE 's/^shell_check ([a-z0-9_]+) .*/shell.\1/p; s/^crash ([a-z0-9_]+) .*/kernel.crash.\1/p' \
			tests/kernel/run.sh
	} | LC_ALL=C sort -u
}

case ${1:-} in
host | urpc | fuzz | httpd | net | lab | ktests | usertests | kernel) "$1" ;;
httpd-guest) httpd_guest ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
