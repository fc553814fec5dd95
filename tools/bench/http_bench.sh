#!/usr/bin/env bash
# httpd under wrk: Flotilla in QEMU (TCG) on a tap in a network namespace made for the run
# (guest 198.18.0.2, host side 198.18.0.1), a 1 KiB page, a new connection per request
# (Connection: close) and keep-alive, at 1, 16, 64 and 256 connections. Prints a Markdown
# table of requests/s and p50/p99/p99.9 latency, with errors, and the host CPU seconds of
# the QEMU process per 1,000 requests (the steadiest figure on a noisy host). Needs root.
#
# Options (environment): CPUS (guest CPUs, default 2), DURATION (s per point, default 10),
# CONNS (default "1 16 64 256"), BOOTS (fresh guest boots, default 3: the table gives the
# median and the range over them).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/bench/lib.sh

BUILD=${BUILD:-build}
OUT=$BUILD/bench/http
CPUS=${CPUS:-2}
DURATION=${DURATION:-10}
CONNS=${CONNS:-"1 16 64 256"}
BOOTS=${BOOTS:-3}
mkdir -p "$OUT"

if [ "$(id -u)" -ne 0 ]; then
	echo "http_bench: needs root for the network namespace" >&2
	exit 1
fi
command -v wrk >/dev/null || { echo "http_bench: wrk is missing (tools/setup.sh installs it)" >&2; exit 1; }

bench_netns "flotilla-bench-$$" flt-btap0

tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/bench.iso" \
	"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 loglevel=warn init=/etc/net.conf" >/dev/null || exit 1

boot() {
	rm -f "$OUT/guest.log" "$OUT/qemu.pid"
	in_ns tools/qemu.sh "$OUT/bench.iso" --cpus "$CPUS" --mem 1G --timeout 3600 --serial "$OUT/guest.log" \
		-- -pidfile "$OUT/qemu.pid" -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device e1000,netdev=n0 \
		>"$OUT/qemu.out" 2>&1 &
	qpid=$!
	for _ in $(seq 600); do
		grep -q "echod: echoing" "$OUT/guest.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "http_bench: the guest did not come up; see $OUT/guest.log" >&2
	exit 1
}

results=$OUT/results.txt
: >"$results"
echo "http_bench: $BOOTS boots x 2 modes x $(wc -w <<<"$CONNS") concurrencies x ${DURATION}s, guest CPUs $CPUS" >&2
hz=$(getconf CLK_TCK)
for b in $(seq "$BOOTS"); do
	boot
	in_ns wrk -t 1 -c 4 -d 2s "http://$GUEST_IP/1k.html" >/dev/null 2>&1   # warm-up
	for mode in close keepalive; do
		for c in $CONNS; do
			line=$(wrk_point "http://$GUEST_IP/1k.html" "$mode" "$c" "$DURATION")
			echo "boot $b $mode c=$c: $line" >&2
			echo "$mode $c $line" >>"$results"
		done
	done
	stop_guest
done

# One row per (mode, concurrency): medians over the boots, [min-max] for requests/s.
python3 - "$results" "$hz" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 11:
        continue
    mode, c = f[0], int(f[1])
    p50, p99, p999, reqs, errs, tmo, dur_us, ticks = map(int, f[3:11])
    rows.setdefault((mode, c), []).append((reqs / (dur_us / 1e6), p50, p99, p999, errs, tmo,
                                           ticks / int(sys.argv[2]) / max(reqs, 1) * 1000))
print("| mode | conns | requests/s median [min-max] | p50 ms | p99 ms | p99.9 ms | errors | timeouts | QEMU CPU s / 1k req |")
print("|---|---|---|---|---|---|---|---|---|")
for (mode, c), v in sorted(rows.items()):
    rps = [x[0] for x in v]
    med = lambda i: statistics.median(x[i] for x in v)
    print("| %s | %d | %.0f [%.0f-%.0f] | %.2f | %.2f | %.2f | %d | %d | %.3f |" % (
        "new connection" if mode == "close" else "keep-alive", c, statistics.median(rps), min(rps),
        max(rps), med(1) / 1000, med(2) / 1000, med(3) / 1000, sum(x[4] for x in v),
        sum(x[5] for x in v), med(6)))
PY
