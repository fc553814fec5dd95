#!/usr/bin/env bash
# Drives the shell over the serial console as a person would: waits for each prompt, types a
# command, and leaves the whole conversation in OUT (for tests/kernel/run.sh to check). The
# machine has an e1000 on QEMU's user-mode network, as `make run` does.
# Usage: tests/kernel/shell.sh ISO OUT CPUS COMMAND...
set -uo pipefail
iso=$1 out=$2 cpus=$3
shift 3
fifo=$(mktemp -u "${TMPDIR:-/tmp}/flotilla-sh.XXXXXX")
mkfifo "$fifo"
trap 'rm -f "$fifo"' EXIT
: >"$out"
"$(dirname "$0")/../../tools/qemu.sh" --cpus "$cpus" --timeout 120 --serial-stdio --nic-user "$iso" \
	<"$fifo" >"$out" 2>&1 &
qpid=$!
exec 3>"$fifo"

# ready SIZE: waits (up to 60 s) until the output has grown past SIZE bytes, ends with the
# prompt, and has stayed so for 0.3 s: the shell has finished the last command. Counting
# prompts would not do: the shell shows its prompt again when another kernel's line lands.
ready() {
	local stable=0
	for _ in $(seq 600); do
		kill -0 "$qpid" 2>/dev/null || return 1
		if [ "$(stat -c %s "$out")" -gt "$1" ] && [ "$(tail -c 10 "$out")" = "flotilla> " ]; then
			stable=$((stable + 1))
			[ "$stable" -ge 3 ] && return 0
		else
			stable=0
		fi
		sleep 0.1
	done
	return 1
}

size=0
for cmd in "$@"; do
	ready "$size" || break
	size=$(stat -c %s "$out")
	printf '%s\r' "$cmd" >&3
done
exec 3>&-
wait "$qpid"
