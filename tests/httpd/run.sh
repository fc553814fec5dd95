#!/usr/bin/env bash
# httpd end to end, as a real client (curl, and python3 for what curl cannot send). Prints
# "PASS httpd.NAME" / "FAIL httpd.NAME: why" per check, as tests/run.sh counts them, and
# exits non-zero if any failed.
#
# By default it starts the host build of httpd (build/host/httpd, glibc, ASan and UBSan) on
# 127.0.0.1 on a free port, with a temporary document root: a copy of user/initrd/www, a
# 16 MiB random file, one file per MIME type, a subdirectory, and a secret file just outside
# the root. A second instance with a 1 s idle timeout serves the 408 and idle-close checks.
# Both are killed on exit, whatever happens.
#
# Options:
#   --httpd PATH          the binary to start (default build/host/httpd, made if need be)
#   --target HOST:PORT    test a server that is already running (the Flotilla guest, say)
#                         instead of starting one. Checks that need the local docroot (MIME
#                         files, the big file, the secret, mtimes, memory) are skipped
#                         unless the options below supply what they need.
#   --docroot DIR         with --target: the files it serves at / (default user/initrd/www);
#                         bodies are compared with them
#   --big URLPATH=FILE    with --target: a big file it serves and a local copy (sha256)
#   --idle-target HOST:PORT --idle SECONDS
#                         with --target: a server with that idle timeout, for the 408 and
#                         idle-close checks (skipped without)
#   --conns N             connections held open at once (default 500)
#   --only NAME,...       run only these python checks (names without "httpd.")
#   --keep                keep the temporary directory and the server logs
#
# Every network step is bounded: curl --max-time, python socket timeouts, and timeout(1).
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
HTTPD=$BUILD/host/httpd
TARGET="" DOCROOT="" BIG="" IDLE_TARGET="" IDLE="" CONNS=500 ONLY="" KEEP=0
failed=0
pids=()
tmp=""

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--httpd) HTTPD=$2; shift 2 ;;
	--target) TARGET=$2; shift 2 ;;
	--docroot) DOCROOT=$2; shift 2 ;;
	--big) BIG=$2; shift 2 ;;
	--idle-target) IDLE_TARGET=$2; shift 2 ;;
	--idle) IDLE=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) usage ;;
	esac
done

# Checks of the server this script starts, which another server (--target) cannot give:
# its process and sanitizer log, and a docroot with a subdirectory. tests/lib/expected.sh
# leaves them out of what a run against --target must report.
LOCAL_ONLY_CHECKS="server_survived no_sanitizer_reports directory_index changed_file_served_new"

pass() { echo "PASS httpd.$1"; }
fail() { echo "FAIL httpd.$1: $2"; failed=1; }
skip() { echo "SKIP httpd.$1: $2"; }

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ -n "$tmp" ]; then
		if [ "$KEEP" -eq 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The local document root: what the checks expect to find.
make_docroot() {
	local root=$1 ext
	mkdir -p "$root/sub"
	cp -p user/initrd/www/* "$root/"
	head -c $((16 << 20)) /dev/urandom >"$root/big.bin"
	for ext in css js json txt png jpg jpeg svg ico bin html xyz PNG; do
		echo "a .$ext file" >"$root/t.$ext"
	done
	echo "no extension" >"$root/noext"
	echo "the sub index" >"$root/sub/index.html"
	echo "flotilla-secret-$$" >"$tmp/secret.txt"
}

# Starts httpd with the given options and waits until it says it is listening: sets
# started_pid and started_port.
start_httpd() {
	local log=$1 i
	shift
	"$HTTPD" "$@" >"$log" 2>&1 &
	started_pid=$!
	pids+=("$started_pid")
	for i in $(seq 100); do
		started_port=$(sed -n 's/^httpd: listening on port \([0-9]*\), root .*/\1/p' "$log")
		[ -n "$started_port" ] && return 0
		kill -0 "$started_pid" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

CURL=(curl -sS --max-time 30)

# HTTP status, body to a file: code FILE URLPATH [curl options]
fetch() {
	local out=$1 path=$2
	shift 2
	"${CURL[@]}" -o "$out" -w '%{http_code}' "$@" "http://$TARGET$path"
}

check_get_index() {
	local code
	code=$(fetch "$tmp/index.out" /)
	if [ "$code" != 200 ]; then
		fail get_index "status $code"
	elif ! cmp -s "$tmp/index.out" "$DOCROOT/index.html"; then
		fail get_index "body differs from index.html"
	else
		pass get_index
	fi
}

header_of() {
	tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | head -n1
}

check_head() {
	local size
	size=$(wc -c <"$DOCROOT/index.html")
	"${CURL[@]}" -o /dev/null -D "$tmp/get.h" "http://$TARGET/index.html"
	"${CURL[@]}" -I -o "$tmp/head.h" "http://$TARGET/index.html"
	if ! head -n1 "$tmp/head.h" | grep -q '^HTTP/1.1 200'; then
		fail head_same_headers "$(head -n1 "$tmp/head.h")"
	elif [ "$(header_of "$tmp/head.h" Content-Length)" != "$size" ]; then
		fail head_same_headers "Content-Length $(header_of "$tmp/head.h" Content-Length), file $size"
	elif ! diff <(tr -d '\r' <"$tmp/get.h") <(tr -d '\r' <"$tmp/head.h") >/dev/null; then
		fail head_same_headers "GET and HEAD headers differ"
	else
		pass head_same_headers
	fi
}

check_big() {
	local url=${BIG%%=*} file=${BIG#*=} code want got
	if [ -z "$BIG" ]; then
		skip big_file_sha256 "no --big URLPATH=FILE"
		return
	fi
	code=$(fetch "$tmp/big.out" "$url")
	want=$(sha256sum <"$file" | cut -d' ' -f1)
	got=$(sha256sum <"$tmp/big.out" | cut -d' ' -f1)
	if [ "$code" != 200 ]; then
		fail big_file_sha256 "status $code"
	elif [ "$want" != "$got" ]; then
		fail big_file_sha256 "sha256 $got, want $want ($(wc -c <"$tmp/big.out") bytes)"
	else
		pass big_file_sha256
	fi
	rm -f "$tmp/big.out"
}

check_keep_alive() {
	local out
	out=$("${CURL[@]}" -v -o /dev/null -o /dev/null "http://$TARGET/index.html" \
		"http://$TARGET/style.css" 2>&1)
	if grep -q 'Re-using existing connection' <<<"$out"; then
		pass keep_alive_curl_reuses
	else
		fail keep_alive_curl_reuses "curl opened a second connection"
	fi
}

# MIME types: those of user/initrd/www always; one file per type in a local docroot.
check_mime() {
	local spec path want got bad=""
	local specs=("/index.html=text/html; charset=utf-8" "/style.css=text/css; charset=utf-8"
		"/logo.svg=image/svg+xml" "/favicon.ico=image/vnd.microsoft.icon")
	if [ -e "$DOCROOT/t.css" ]; then
		specs+=("/t.js=text/javascript; charset=utf-8" "/t.json=application/json"
			"/t.txt=text/plain; charset=utf-8" "/t.png=image/png" "/t.PNG=image/png"
			"/t.jpg=image/jpeg" "/t.jpeg=image/jpeg" "/t.bin=application/octet-stream"
			"/t.xyz=application/octet-stream" "/noext=application/octet-stream")
	fi
	for spec in "${specs[@]}"; do
		path=${spec%%=*} want=${spec#*=}
		got=$("${CURL[@]}" -o /dev/null -w '%{content_type}' "http://$TARGET$path")
		[ "$got" = "$want" ] || bad+="$path is '$got', want '$want'; "
	done
	if [ -z "$bad" ]; then pass mime_types; else fail mime_types "$bad"; fi
}

check_404() {
	local code
	code=$(fetch /dev/null /nothing-here.html)
	if [ "$code" = 404 ]; then pass not_found_404; else fail not_found_404 "status $code"; fi
}

check_directory_index() {
	local code
	if [ ! -d "$DOCROOT/sub" ]; then
		fail directory_index "no sub/ in the docroot $DOCROOT"
		return
	fi
	code=$(fetch "$tmp/sub.out" /sub/)
	if [ "$code" = 200 ] && cmp -s "$tmp/sub.out" "$DOCROOT/sub/index.html"; then
		pass directory_index
	else
		fail directory_index "status $code or a different body"
	fi
}

# httpd keeps small files in memory and checks them against the file once a second
# (user/httpd/filecache.c): a file rewritten (a new size and time), then grown past what is
# kept, must be served as it is now within 1.5 s each time. (A body kept for its sender when
# its entry is replaced: tests/host/test_filecache.c.)
check_changed_file() {
	local f=$DOCROOT/changing.txt code bad=
	head -c 1000 /dev/urandom | base64 -w 0 >"$f"
	code=$(fetch "$tmp/chg.out" /changing.txt)
	[ "$code" = 200 ] && cmp -s "$tmp/chg.out" "$f" || bad="first fetch: $code or a different body"
	for size in 3000 200000; do
		[ -n "$bad" ] && break
		head -c "$size" /dev/urandom | base64 -w 0 >"$f.new" && mv "$f.new" "$f"
		touch -d "@$(( $(date +%s) + size ))" "$f"      # a new time whatever the clock's grain
		sleep 1.5
		code=$(fetch "$tmp/chg.out" /changing.txt)
		[ "$code" = 200 ] && cmp -s "$tmp/chg.out" "$f" ||
			bad="after rewriting it with $size random bytes: $code or a different body"
	done
	rm -f "$f"
	if [ -z "$bad" ]; then pass changed_file_served_new; else fail changed_file_served_new "$bad"; fi
}

check_status() {
	local code type
	code=$(fetch "$tmp/status.json" /status)
	type=$("${CURL[@]}" -o /dev/null -w '%{content_type}' "http://$TARGET/status")
	if [ "$code" != 200 ] || [ "$type" != application/json ]; then
		fail status_valid_json "status $code, type $type"
	elif ! python3 -m json.tool "$tmp/status.json" >/dev/null 2>"$tmp/json.err"; then
		fail status_valid_json "$(head -c 300 "$tmp/json.err")"
	else
		pass status_valid_json
	fi
	code=$(fetch "$tmp/status.html" /status.html)
	if [ "$code" = 200 ] && grep -q "fetch('/status'" "$tmp/status.html"; then
		pass status_html_page
	else
		fail status_html_page "status $code, or no fetch of /status in it"
	fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/httpd-test.XXXXXX")
pyargs=()
if [ -z "$TARGET" ]; then
	# Called from tests/run.sh, nothing may have built it yet; make keeps it current.
	if [ "$HTTPD" = "$BUILD/host/httpd" ] && ! make --no-print-directory -s BUILD="$BUILD" "$HTTPD" >&2; then
		fail build "make $HTTPD failed"
		exit 1
	fi
	if [ ! -x "$HTTPD" ]; then
		fail start "no httpd binary at $HTTPD"
		exit 1
	fi
	DOCROOT=$tmp/www
	make_docroot "$DOCROOT"
	BIG=/big.bin=$DOCROOT/big.bin
	start_httpd "$tmp/httpd.log" -p 0 -r "$DOCROOT" ||
		{ fail start "httpd did not start: $(head -c 2000 "$tmp/httpd.log")"; exit 1; }
	main_pid=$started_pid main_port=$started_port
	start_httpd "$tmp/httpd-idle.log" -p 0 -r "$DOCROOT" -t 1 -q ||
		{ fail start "httpd -t 1 did not start: $(head -c 2000 "$tmp/httpd-idle.log")"; exit 1; }
	idle_pid=$started_pid idle_port=$started_port
	TARGET=127.0.0.1:$main_port
	IDLE_TARGET=127.0.0.1:$idle_port IDLE=1
	pyargs+=(--secret "/../secret.txt:flotilla-secret-$$" --same-mtimes --pid "$main_pid")
	echo "httpd: pids $main_pid $idle_pid, ports $main_port $idle_port, root $DOCROOT"
else
	DOCROOT=${DOCROOT:-user/initrd/www}
fi
[ -n "$IDLE_TARGET" ] && pyargs+=(--idle-target "$IDLE_TARGET" --idle "${IDLE:-10}")
[ -n "$ONLY" ] && pyargs+=(--only "$ONLY")

if [ -z "$ONLY" ]; then
	check_get_index
	check_head
	check_big
	check_keep_alive
	check_mime
	check_404
	[ -n "${main_pid:-}" ] && check_directory_index
	[ -n "${main_pid:-}" ] && check_changed_file
	check_status
fi
tests/lib/limit.sh httpd.checks_time_limit 600 python3 tests/httpd/checks.py --target "$TARGET" \
	--docroot "$DOCROOT" --conns "$CONNS" "${pyargs[@]}" || failed=1

# The local servers must have lived through all that without a sanitizer report.
if [ -n "${main_pid:-}" ]; then
	if kill -0 "$main_pid" 2>/dev/null && kill -0 "$idle_pid" 2>/dev/null; then
		pass server_survived
	else
		fail server_survived "httpd exited: $(tail -n 20 "$tmp/httpd.log" "$tmp/httpd-idle.log")"
	fi
	# ASan and UBSan report when the error happens. Leaks are not looked for: LeakSanitizer
	# reports only at a normal exit, and httpd ends by signal.
	if grep -qE 'AddressSanitizer|runtime error' "$tmp"/httpd*.log; then
		fail no_sanitizer_reports "$(grep -hE -m3 'AddressSanitizer|runtime error' "$tmp"/httpd*.log)"
	else
		pass no_sanitizer_reports
	fi
fi
exit "$failed"
