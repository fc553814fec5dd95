#!/usr/bin/env bash
# Boots a Flotilla ISO in QEMU (TCG). Used by `make run`, `make debug` and the tests, so all
# of them boot the same machine.
#
# Usage: tools/qemu.sh [options] ISO [-- extra QEMU arguments]
#   --firmware bios|uefi   firmware (default bios)
#   --cpus N               CPUs (default 1)
#   --mem SIZE             guest RAM (default 512M)
#   --cpu MODEL            QEMU CPU model (default max)
#   --serial FILE          serial console to FILE instead of the terminal (none: no serial port)
#   --serial-stdio         serial console on stdin/stdout, no QEMU monitor (for scripts)
#   --serial-input SOCK    with --serial FILE: the console's input from a Unix socket QEMU
#                          listens on at SOCK (tools/guest-type.sh types into it)
#   --nic-user             a NIC on QEMU's user-mode network (NAT, with its own DHCP)
#   --nic-model MODEL      that NIC's model: e1000 (default) or igb
#   --netboot              no ISO: the firmware boots from a NIC's PXE ROM (give the NIC after --)
#   --kernel F --initrd F --append S   boot a Linux kernel directly instead of an ISO (same machine)
#   --http-port PORT       with --nic-user: the host's 127.0.0.1:PORT forwards to the guest's port 80
#   --gdb                  start halted, with the gdb stub on tcp::1234
#   --timeout SECONDS      kill QEMU after this long (exit status 124)
# The exit status is QEMU's: 33 when the kernel reports success through isa-debug-exit,
# 35 for failure.
set -euo pipefail

firmware=bios cpus=1 mem=512M cpu=max serial= serial_in= gdb=0 tmo=0 nic=0 netboot=0 nic_model=e1000 http_port= kernel= initrd= append=
while [ $# -gt 0 ]; do
	case $1 in
	--firmware) firmware=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--serial) serial=$2; shift 2 ;;
	--serial-stdio) serial=-; shift ;;
	--serial-input) serial_in=$2; shift 2 ;;
	--gdb) gdb=1; shift ;;
	--nic-user) nic=1; shift ;;
	--netboot) netboot=1; shift ;;
	--nic-model) nic_model=$2; shift 2 ;;
	--http-port) http_port=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
	*) iso=$1; shift ;;
	esac
done
[ -n "${iso:-}" ] || [ -n "$kernel" ] || [ "$netboot" -eq 1 ] || { echo "qemu.sh: no ISO given" >&2; exit 2; }

args=(-machine q35 -cpu "$cpu" -smp "$cpus" -m "$mem" -no-reboot -display none
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [ -n "$kernel" ]; then       # another OS on the same machine (the Linux peer of the benchmarks)
	args+=(-kernel "$kernel" -initrd "$initrd" -append "$append")
elif [ "$netboot" -eq 0 ]; then
	args+=(-drive "file=$iso,media=cdrom,if=ide,format=raw,readonly=on")
fi

case $firmware in
bios) ;;
uefi)
	code=/usr/share/OVMF/OVMF_CODE_4M.fd
	vars_src=/usr/share/OVMF/OVMF_VARS_4M.fd
	[ -r "$code" ] || { echo "qemu.sh: $code missing (tools/setup.sh installs ovmf)" >&2; exit 2; }
	vars=$(mktemp "${TMPDIR:-/tmp}/flotilla-vars.XXXXXX")
	trap 'rm -f "$vars"' EXIT
	cp "$vars_src" "$vars"
	# The exec below replaces this shell, so the trap never runs once QEMU does: a watcher
	# removes the copy when this pid (then QEMU's, or timeout's) is gone.
	( while kill -0 $$ 2>/dev/null; do sleep 1; done; rm -f "$vars" ) >/dev/null 2>&1 </dev/null &
	args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
	       -drive "if=pflash,format=raw,unit=1,file=$vars")
	;;
*) echo "qemu.sh: firmware must be bios or uefi" >&2; exit 2 ;;
esac

if [ "$serial" = none ]; then
	args+=(-serial none -monitor none)
elif [ "$serial" = - ]; then
	args+=(-serial stdio -monitor none)
elif [ -n "$serial" ] && [ -n "$serial_in" ]; then
	args+=(-chardev "socket,id=ser0,path=$serial_in,server=on,wait=off,logfile=$serial,logappend=off"
		-serial chardev:ser0 -monitor none)
elif [ -n "$serial" ]; then
	args+=(-serial "file:$serial" -monitor none)
else
	args+=(-serial mon:stdio)
fi
[ "$gdb" -eq 1 ] && args+=(-s -S)
if [ "$nic" -eq 1 ]; then
	fwd=${http_port:+,hostfwd=tcp:127.0.0.1:$http_port-:80}
	args+=(-nic "user,model=$nic_model$fwd")
fi

runner=()
# --foreground keeps the terminal usable; -k makes sure a hung QEMU goes. exec, so that a
# signal to this script's pid reaches timeout, which passes it on to QEMU.
[ "$tmo" != 0 ] && runner=(timeout --foreground -k 5 "$tmo")
exec "${runner[@]}" qemu-system-x86_64 "${args[@]}" "$@"
