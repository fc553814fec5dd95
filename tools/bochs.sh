#!/usr/bin/env bash
# Boots a Flotilla ISO in Bochs (BIOS, CD-ROM), a second emulator with stricter checks than
# QEMU's TCG.
# Usage: tools/bochs.sh ISO                 serial console on this terminal
#        tools/bochs.sh --test ISO LOG      serial to LOG; stops once the kernel is idle, or
#                                           after BOCHS_TIMEOUT seconds (default 300)
set -uo pipefail

test_mode=0
if [ "${1:-}" = --test ]; then test_mode=1; shift; fi
iso=${1:?usage: bochs.sh [--test] ISO [LOG]}
log=${2:-/dev/stdout}
tmo=${BOCHS_TIMEOUT:-300}

rc=$(mktemp "${TMPDIR:-/tmp}/flotilla-bochsrc.XXXXXX")
trap 'rm -f "$rc"' EXIT
cat >"$rc" <<RC
megs: 512
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=corei7_sandy_bridge_2600k, ips=200000000
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$log
display_library: nogui
log: -
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
RC

if [ "$test_mode" -eq 0 ]; then
	exec bochs -q -f "$rc"
fi

: >"$log"
bochs -q -f "$rc" </dev/null &
pid=$!
for _ in $(seq "$tmo"); do
	grep -q "flotilla: idle" "$log" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 1
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
grep -q "flotilla: idle" "$log"
