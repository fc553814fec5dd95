#!/usr/bin/env bash
# What one request costs a kernel in the events that cost most under emulation, counted by
# the kernel itself (kernel/cost.h, /status "cost"): NIC register reads and writes, LAPIC
# writes, interrupts (all, and the NIC's), timer ticks, system calls, context switches,
# halts, and bytes copied across the user boundary; and the QEMU threads' CPU per request
# (the vCPU thread apart from the main loop, which runs the device models and the tap).
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
COST_FIELDS="nic_reads nic_writes lapic_writes interrupts nic_interrupts ticks syscalls switches halts user_copy_bytes"
cost_now() {
	in_ns curl -s --max-time 10 "http://$GUEST_IP/status" |
		python3 -c 'import json, sys; c = json.load(sys.stdin)["cost"]
print(*[c[f] for f in sys.argv[1:]])' $COST_FIELDS
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
print("Per request, counted by the kernel (growth over the run / requests); CPU in ms of the "
      "QEMU threads per request (vCPU, main loop).\n")
hdr = ("| NIC | load | conns | req/s | NIC reads | NIC writes | LAPIC writes | interrupts | NIC irqs "
       "| ticks | syscalls | switches | halts | copied B | vCPU ms | main ms |")
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
for line in open(sys.argv[1]):
    head, before, after, pct = [p.split() for p in line.split("|")]
    nic, mode, c = head
    b, a = list(map(int, before)), list(map(int, after))
    # PCT p50 p99 p999 requests errors timeouts duration_us cpu main vcpu waits
    reqs, dur_us, main, vcpu = int(pct[4]), int(pct[7]), int(pct[9]), pct[10]
    vcpu = sum(int(x) for x in vcpu.split(","))
    n = max(reqs, 1)
    per = ["%.2f" % ((y - x) / n) for x, y in zip(b, a)]
    per[-1] = "%.0f" % ((a[-1] - b[-1]) / n)
    print("| %s | %s | %s | %.0f | %s | %.3f | %.3f |" % (
        nic, "new conn" if mode == "close" else "keep-alive", c, reqs / (dur_us / 1e6),
        " | ".join(per), vcpu / hz / n * 1000, main / hz / n * 1000))
PY
