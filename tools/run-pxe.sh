#!/usr/bin/env bash
# Boots QEMU off the network-boot tree tools/mkpxe.sh made, as a lab machine boots: no ISO,
# the e1000's own PXE ROM asks for DHCP, dnsmasq (with the tree's dnsmasq.conf) answers and
# serves GRUB, grub.cfg, the kernel and the initrd over TFTP. dnsmasq runs in a network
# namespace of its own, on a tap whose host side is 198.18.0.1; the guest gets 198.18.0.2.
# Needs root (the namespace and the tap).
#
# Usage: tools/run-pxe.sh [options] TREE
#   --firmware bios|uefi   the machine's firmware (default bios)
#   --cpus N --mem SIZE    as tools/qemu.sh
#   --check SECONDS        for tests: serial console to LOGDIR/serial.log, wait until httpd
#                          on 198.18.0.2 answers GET / with 200, then stop. Exit 0 if it
#                          did within SECONDS, 1 if not.
#   --logdir DIR           where serial.log, dnsmasq.log and the leases go (default
#                          TREE/../pxe-run)
# Without --check the serial console is this terminal (Ctrl-a x quits), and a line on
# standard error says when httpd first answers.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

HOST_IP=198.18.0.1
GUEST_IP=198.18.0.2
GUEST_MAC=52:54:00:f1:07:02
TAP=flt-pxe0            # dnsmasq.conf's interface=

firmware=bios cpus=1 mem=512M check=0 logdir= tree=
while [ $# -gt 0 ]; do
	case $1 in
	--firmware) firmware=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--check) check=$2; shift 2 ;;
	--logdir) logdir=$2; shift 2 ;;
	-*) echo "run-pxe: unknown option $1" >&2; exit 2 ;;
	*) tree=$1; shift ;;
	esac
done
[ -n "$tree" ] && [ -f "$tree/dnsmasq.conf" ] ||
	{ echo "run-pxe: ${tree:-no tree given}: no dnsmasq.conf (make pxe builds the tree)" >&2; exit 2; }
tree=$(cd "$tree" && pwd)
logdir=${logdir:-$tree/../pxe-run}
mkdir -p "$logdir" && logdir=$(cd "$logdir" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "******** run-pxe NOT RUN: it needs root to make a network namespace and a tap ********" >&2
	echo "******** (sudo make run-pxe) ********" >&2
	exit 2
fi
command -v dnsmasq >/dev/null ||
	{ echo "run-pxe: dnsmasq missing (tools/setup.sh installs dnsmasq-base)" >&2; exit 2; }

ns=flotilla-pxe-$$
dpid= qpid= watch=
cleanup() {
	[ -n "$watch" ] && kill "$watch" 2>/dev/null
	[ -s "$logdir/qemu.pid" ] && kill "$(cat "$logdir/qemu.pid")" 2>/dev/null
	[ -n "$qpid" ] && wait "$qpid" 2>/dev/null
	[ -s "$logdir/dnsmasq.pid" ] && kill "$(cat "$logdir/dnsmasq.pid")" 2>/dev/null
	[ -n "$dpid" ] && wait "$dpid" 2>/dev/null
	rm -f "$logdir/qemu.pid" "$logdir/dnsmasq.pid"
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns" &&
	in_ns ip link set lo up &&
	in_ns ip tuntap add dev "$TAP" mode tap &&
	in_ns ip addr add "$HOST_IP/24" dev "$TAP" &&
	in_ns ip link set "$TAP" up ||
	{ echo "run-pxe: could not make the namespace and its tap" >&2; exit 1; }

# The tree's own configuration; what differs per run (files, and the guest's fixed address
# by its MAC, so that the ROM's, GRUB's and the kernel's DHCP all get the same one) is added.
rm -f "$logdir/dnsmasq.log" "$logdir/leases" "$logdir/dnsmasq.pid"
in_ns dnsmasq --conf-file="$tree/dnsmasq.conf" --keep-in-foreground --user=root \
	--pid-file="$logdir/dnsmasq.pid" --dhcp-leasefile="$logdir/leases" \
	--log-facility="$logdir/dnsmasq.log" --dhcp-host="$GUEST_MAC,$GUEST_IP" &
dpid=$!
for _ in $(seq 50); do [ -s "$logdir/dnsmasq.pid" ] && break; sleep 0.1; done
kill -0 "$dpid" 2>/dev/null || { echo "run-pxe: dnsmasq did not start; see $logdir/dnsmasq.log" >&2; exit 1; }

# http_up: httpd on the guest answers GET / with 200.
http_up() {
	[ "$(in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$GUEST_IP/")" = 200 ]
}

nic=(-netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no"
     -device "e1000,netdev=n0,mac=$GUEST_MAC,bootindex=1")
qemu=(tools/qemu.sh --netboot --firmware "$firmware" --cpus "$cpus" --mem "$mem")
cd "$here"
if [ "$check" = 0 ]; then
	( for _ in $(seq 600); do
		http_up && { echo "run-pxe: httpd on $GUEST_IP answers (ip netns exec $ns curl http://$GUEST_IP/)" >&2; exit 0; }
		sleep 1
	  done ) &
	watch=$!
	in_ns "${qemu[@]}" -- -pidfile "$logdir/qemu.pid" "${nic[@]}"
	status=$?
	[ "$status" -eq 33 ] && status=0      # the kernel's shutdown
	exit "$status"
fi

rm -f "$logdir/serial.log"
in_ns "${qemu[@]}" --serial "$logdir/serial.log" --timeout $((check + 10)) \
	-- -pidfile "$logdir/qemu.pid" "${nic[@]}" >"$logdir/qemu.out" 2>&1 &
qpid=$!
end=$(($(date +%s) + check))
while [ "$(date +%s)" -lt "$end" ]; do
	if http_up; then
		echo "run-pxe: $firmware: httpd on $GUEST_IP answered 200 after $((check - end + $(date +%s))) s"
		exit 0
	fi
	kill -0 "$qpid" 2>/dev/null || { echo "run-pxe: QEMU ended; see $logdir/serial.log and qemu.out" >&2; exit 1; }
	sleep 1
done
echo "run-pxe: $firmware: no 200 from $GUEST_IP within $check s; see $logdir/serial.log, dnsmasq.log" >&2
exit 1
