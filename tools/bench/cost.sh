#!/usr/bin/env bash
# What one request costs a kernel in the events that cost most under emulation, counted by
# the kernel itself (kernel/cost.h, /status "cost"): NIC register reads and writes, LAPIC
# writes, interrupts (all, and the NIC's), timer ticks, system calls, context switches,
# halts, and bytes copied across the user boundary; the frames each way; and the QEMU
# threads' CPU per request (the vCPU thread apart from the main loop, which runs the device
# models and the tap). The floor is what QEMU spends whatever the guest does: the time inside
# the NIC's register accesses (a tail write runs the device model's transmit, and the host's
# tap and network stack behind it, on the vCPU's thread; kernel/cost.h times it) plus the
# main loop's CPU (receive: the tap, the DMA, the interrupt). The rest of the vCPU's time
# is the guest's own.
# Flotilla at 1 vCPU, its stack on kernel 0 (/etc/net.conf), on a tap in a network namespace
# made for the run, under wrk: a 1 KiB page, a new connection per request and keep-alive,
# at each concurrency of CONNS. Each point reads /status before and after its wrk run and
# divides the counters' growth by the run's requests (the two /status requests add about
# one request's worth; not subtracted). Prints a Markdown table per NIC. Needs root.
#
# Environment: NICS ("e1000 igb"), CONNS ("1 16 64 256"), DURATION (seconds per point, 5),
# MODES ("close keepalive"), CMDLINE (extra kernel command-line words, to compare a setting).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/bench/lib.sh

BUILD=${BUILD:-build}
OUT=$BUILD/bench/cost
NICS=${NICS:-"e1000 igb"}
CONNS=${CONNS:-"1 16 64 256"}
MODES=${MODES:-"close keepalive"}
DURATION=${DURATION:-5}
mkdir -p "$OUT"
[ "$(id -u)" -eq 0 ] || { echo "cost: needs root for the network namespace" >&2; exit 1; }
command -v wrk >/dev/null || { echo "cost: wrk is missing (tools/setup.sh installs it)" >&2; exit 1; }

bench_netns "flotilla-cost-$$" flt-qtap0
tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/cost.iso" \
	"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 loglevel=warn net=kernel0 init=/etc/net.conf ${CMDLINE:-}" \
	>/dev/null || exit 1

boot() {
	rm -f "$OUT/guest.log" "$OUT/qemu.pid"
	in_ns tools/qemu.sh "$OUT/cost.iso" --cpus 1 --mem 1G --timeout 3600 --serial "$OUT/guest.log" \
		-- -pidfile "$OUT/qemu.pid" -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device "$1,netdev=n0" -name "cost,debug-threads=on" >"$OUT/qemu.out" 2>&1 &
	qpid=$!
	for _ in $(seq 1200); do
		in_ns curl -s -o /dev/null --max-time 1 "http://$GUEST_IP/1k.html" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "cost: the guest did not serve on the $1; see $OUT/guest.log" >&2
	exit 1
}

# cost_now: the kernel's counters, space-separated in COST_FIELDS' order.
COST_FIELDS="nic_reads nic_writes lapic_writes interrupts nic_interrupts ticks syscalls switches halts nic_ns user_copy_bytes"
cost_now() {
	in_ns curl -s --max-time 10 "http://$GUEST_IP/status" |
		python3 -c 'import json, sys; s = json.load(sys.stdin); i = s["net"]["interface"]
print(i["rx_frames"], i["tx_frames"], *[s["cost"][f] for f in sys.argv[1:]])' $COST_FIELDS
}

: >"$OUT/results.txt"
for nic in $NICS; do
	boot "$nic"
	in_ns wrk -t 1 -c 4 -d 2s "http://$GUEST_IP/1k.html" >/dev/null 2>&1   # warm-up
	for mode in $MODES; do
		for c in $CONNS; do
			before=$(cost_now)
			line=$(wrk_point "http://$GUEST_IP/1k.html" "$mode" "$c" "$DURATION")
			after=$(cost_now)
			echo "$nic $mode $c | $before | $after | $line" >>"$OUT/results.txt"
			echo "cost: $nic $mode c=$c: $line" >&2
		done
	done
	stop_guest
done

python3 - "$OUT/results.txt" "$(getconf CLK_TCK)" <<'PY'
import sys
hz = int(sys.argv[2])
print("Per request: the kernel's counts (their growth over the run / requests), the QEMU "
      "threads' CPU in microseconds, the device model's time inside the vCPU's NIC accesses, "
      "the floor (that + the main loop) and the guest's own (vCPU - device).\n")
hdr = ("| NIC | load | conns | req/s | frames in/out | NIC reads/writes | interrupts (NIC) "
       "| ticks | syscalls | switches | halts | copied B | vCPU us | main us | device us "
       "| floor us | guest's own us |")
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
for line in open(sys.argv[1]):
    head, before, after, pct = [p.split() for p in line.split("|")]
    nic, mode, c = head
    d = [int(y) - int(x) for x, y in zip(before, after)]
    # PCT p50 p99 p999 requests errors timeouts duration_us cpu main vcpu waits
    n, dur_us, main = max(int(pct[4]), 1), int(pct[7]), int(pct[9])
    vcpu = sum(int(x) for x in pct[10].split(","))
    f = lambda i: d[i] / n
    # rx tx nic_reads nic_writes lapic interrupts nic_irqs ticks syscalls switches halts nic_ns copied
    vcpu_us, main_us, dev_us = vcpu / hz / n * 1e6, main / hz / n * 1e6, f(11) / 1000
    print("| %s | %s | %s | %.0f | %.2f / %.2f | %.2f / %.2f | %.2f (%.2f) | %.3f | %.2f | %.2f "
          "| %.2f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |" % (
              nic, "new conn" if mode == "close" else "keep-alive", c, n / (dur_us / 1e6),
              f(0), f(1), f(2), f(3), f(5), f(6), f(7), f(8), f(9), f(10), f(12),
              vcpu_us, main_us, dev_us, dev_us + main_us, vcpu_us - dev_us))
PY
