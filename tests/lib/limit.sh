#!/usr/bin/env bash
# Runs a command under a time limit, its output passed through (standard error untouched,
# not part of "last line"). If the limit expires the
# command is killed and one "FAIL NAME: ..." line says so, with the last line the command
# printed (what it was doing when it hung). Exit status: the command's, 124 on expiry.
# Usage: tests/lib/limit.sh NAME SECONDS COMMAND...
set -uo pipefail
name=$1 secs=$2
shift 2
last=$(mktemp "${TMPDIR:-/tmp}/flotilla-limit.XXXXXX")
trap 'rm -f "$last"' EXIT

# Each line goes on to stdout and into $last, which so holds the last line printed.
timeout -k 10 "$secs" "$@" | while IFS= read -r line; do
	printf '%s\n' "$line"
	printf '%s\n' "$line" >"$last"
done
status=${PIPESTATUS[0]}
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
	echo "FAIL $name: no end after $secs s, killed; last line before: $(cat "$last")"
	exit 124
fi
exit "$status"
