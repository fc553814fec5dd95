#!/usr/bin/env bash
# Boots a Flotilla ISO in Bochs (BIOS, CD-ROM), a second emulator with stricter checks than
# QEMU's TCG.
# The display is Bochs's VNC server with no wait for a viewer (Debian's Bochs has no
# headless display); the serial console is what matters.
# Usage: tools/bochs.sh ISO                 serial console on this terminal
#        tools/bochs.sh --test ISO LOG      serial to LOG; stops once the kernel is idle or
#                                           has panicked (or the extended regex BOCHS_DONE
#                                           matches), or after BOCHS_TIMEOUT s (default 300)
set -uo pipefail

test_mode=0
if [ "${1:-}" = --test ]; then test_mode=1; shift; fi
iso=${1:?usage: bochs.sh [--test] ISO [LOG]}
log=${2:-/dev/stdout}
tmo=${BOCHS_TIMEOUT:-300}

rc=$(mktemp "${TMPDIR:-/tmp}/flotilla-bochsrc.XXXXXX")
dbg=$(mktemp "${TMPDIR:-/tmp}/flotilla-bochsdbg.XXXXXX")
trap 'rm -f "$rc" "$dbg"' EXIT
# Debian builds Bochs with its debugger, which stops before the first instruction: tell it
# to go on.
echo continue >"$dbg"
cat >"$rc" <<RC
megs: 512
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
# No VBE: GRUB 2.06's VBE code corrupts its own heap on Bochs 2.7's VBE extension ("out of
# range pointer") whenever the kernel's multiboot2 header asks for a framebuffer. Without
# VBE GRUB hands over a planar VGA mode, which the screen console declines, and this boot
# checks the serial console as before.
vga: extension=none
cpu: model=corei7_sandy_bridge_2600k, ips=200000000
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$log
display_library: rfb, options="timeout=0"
log: -
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
speaker: enabled=0
# No sound card: on a host without one, Debian's Bochs 2.7 sound mixer thread aborts
# ("buffer overflow detected") unless the dummy driver is chosen.
sound: driver=dummy
RC

if [ "$test_mode" -eq 0 ]; then
	bochs -q -f "$rc" -rc "$dbg"
	exit
fi

: >"$log"
bochs -q -f "$rc" -rc "$dbg" </dev/null &
pid=$!
done_re=${BOCHS_DONE:-'flotilla: idle|panic: system halted'}
for _ in $(seq "$tmo"); do
	grep -Eq "$done_re" "$log" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 1
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
grep -Eq "$done_re" "$log"
