#!/usr/bin/env bash
# `make debug`: QEMU halted with its gdb stub, and gdb attached with the kernel's symbols.
# Usage: tools/debug.sh ISO KERNEL.elf [bios|uefi]
set -euo pipefail
iso=$1 kernel=$2 fw=${3:-bios}
here=$(cd "$(dirname "$0")" && pwd)
log=$(dirname "$kernel")/debug-serial.log

"$here/qemu.sh" --firmware "$fw" --gdb --serial "$log" "$iso" &
qemu=$!
trap 'kill $qemu 2>/dev/null; wait $qemu 2>/dev/null' EXIT
echo "debug: QEMU pid $qemu halted; serial console in $log"
sleep 1
gdb -q -x "$here/gdbinit" "$kernel" "${@:4}"
