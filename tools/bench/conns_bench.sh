#!/usr/bin/env bash
# Many idle connections held, and what they cost a new one: Flotilla in QEMU (TCG), 4
# kernels on the igb serving one httpd (-w, /etc/net-conns.conf: idle connections kept 10
# minutes), on a tap in a network namespace made for the run (guest 198.18.0.2, host side
# 198.18.0.1). In one boot, twice: hold 100 keep-alive connections, then CONNS (each opened,
# answered once, left idle: tests/net/hold_conns.py); with them held, wrk opens a new
# connection per request (Connection: close) for DURATION seconds; then every held one is
# asked again and must answer whole, and all are closed. Prints a Markdown table: connects/s
# while opening, new-connection requests/s and latency with them held, the kernels' heap and
# httpd's per held connection. Needs root.
#
# The held connections come from HOLDERS processes (this host allows 20,000 descriptors a
# process), each from its own address of 198.18.0.10 and up, aliases on the tap: an address
# gives about 64,000 ports to one guest port, so 100,000 need two at least.
#
# Options (environment): CONNS (default 100000), HOLDERS (default 8), CPUS (default 4), MEM
# (guest RAM, default 2G), DURATION (s of wrk, default 10), WRK_CONNS (default 16).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/bench/lib.sh

BUILD=${BUILD:-build}
OUT=$BUILD/bench/conns
CONNS=${CONNS:-100000}
HOLDERS=${HOLDERS:-8}
CPUS=${CPUS:-4}
MEM=${MEM:-2G}
DURATION=${DURATION:-10}
WRK_CONNS=${WRK_CONNS:-16}
PY=/usr/bin/python3
mkdir -p "$OUT"

if [ "$(id -u)" -ne 0 ]; then
	echo "conns_bench: needs root for the network namespace" >&2
	exit 1
fi
command -v wrk >/dev/null || { echo "conns_bench: wrk is missing (tools/setup.sh installs it)" >&2; exit 1; }

bench_netns "flotilla-cbench-$$" flt-cbtap0
for i in $(seq "$HOLDERS"); do
	in_ns ip addr add "198.18.0.$((9 + i))/24" dev "$tap" || exit 1
done

tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/conns.iso" \
	"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 init=/etc/net-conns.conf" >/dev/null || exit 1
start_guest_igb "$OUT/conns.iso" "$CPUS" "$MEM"
guest_serving "$CPUS" || { echo "conns_bench: the guest did not come up; see $OUT/guest.log" >&2; exit 1; }

# kernel_memory: "kernel heap_live httpd_heap" for each kernel, from its own /status.
kernel_memory() {
	kernel_statuses "$CPUS" | $PY -c 'import json,sys
for line in sys.stdin:
    s = json.loads(line); m = s["memory"]
    print(s["kernel"], m["kernel_heap_live_bytes"], m["httpd_heap_bytes"])'
}

# established: the kernels' established connections, summed.
established() {
	in_ns curl -sf --max-time 20 "http://$GUEST_IP/status" |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["totals"]["established"])' 2>/dev/null
}

# holder_says WORD I PID: holder I has printed its WORD line, or has ended.
holder_says() {
	until grep -q "^$1" "$OUT/hold$2.out"; do
		kill -0 "$3" 2>/dev/null || return
		sleep 0.5
	done
}

# hold N: N connections from min(HOLDERS, N / 100) processes, then the measurements; prints
# one result line "N open_s held checked established rps p50 p99 errors heap_B httpd_B".
hold() {
	local n=$1 h=$((HOLDERS < $1 / 100 ? HOLDERS : ($1 / 100 > 0 ? $1 / 100 : 1))) i fd fds=() pids=()
	local t0 t1 mem0 mem1 line est
	mem0=$(kernel_memory)
	t0=$(date +%s.%N)
	for i in $(seq "$h"); do
		rm -f "$OUT/hold$i.in" "$OUT/hold$i.out" && mkfifo "$OUT/hold$i.in"
		in_ns $PY tests/net/hold_conns.py "$GUEST_IP" 80 $((n / h)) /1k.html user/initrd/www/1k.html \
			--sources "198.18.0.$((9 + i))" --timeout 900 <"$OUT/hold$i.in" >"$OUT/hold$i.out" 2>&1 &
		pids+=($!)
		exec {fd}>"$OUT/hold$i.in"
		fds+=("$fd")
	done
	for i in $(seq "$h"); do
		holder_says HELD "$i" "${pids[i - 1]}"
	done
	t1=$(date +%s.%N)
	est=$(established)
	mem1=$(kernel_memory)
	line=$(wrk_point "http://$GUEST_IP/1k.html" close "$WRK_CONNS" "$DURATION")
	for fd in "${fds[@]}"; do echo check >&"$fd"; done
	for i in $(seq "$h"); do
		holder_says CHECKED "$i" "${pids[i - 1]}"
	done
	for fd in "${fds[@]}"; do exec {fd}>&-; done
	wait "${pids[@]}" 2>/dev/null
	cat "$OUT"/hold*.out >&2
	$PY - "$n" "$t0" "$t1" "${est:-0}" "$line" "$OUT" "$h" "$mem0" "$mem1" "$(getconf CLK_TCK)" <<'PY'
import re, sys
n, t0, t1, est, pct, out, h = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5].split(), sys.argv[6], int(sys.argv[7])
hz = int(sys.argv[10])
held = checked = 0
for i in range(1, h + 1):
    text = open("%s/hold%d.out" % (out, i)).read()
    m = re.search(r"^HELD (\d+)", text, re.M); held += int(m.group(1)) if m else 0
    m = re.search(r"^CHECKED (\d+)", text, re.M); checked += int(m.group(1)) if m else 0
def mem(s):
    return {int(f[0]): (int(f[1]), int(f[2])) for f in (l.split() for l in s.splitlines()) if len(f) == 3}
m0, m1 = mem(sys.argv[8]), mem(sys.argv[9])
heap = sum(m1[k][0] - m0[k][0] for k in m1 if k in m0)
httpd = sum(m1[k][1] - m0[k][1] for k in m1 if k in m0)
p50, p99, p999, reqs, errs, tmo, dur_us, ticks = map(int, pct[1:9])
cpu_ms = ticks / hz / max(reqs, 1) * 1000
print(n, "%.1f" % (t1 - t0), held, checked, est, "%.0f" % (reqs / (dur_us / 1e6)), p50, p99,
      errs + tmo, heap, httpd, len(m1), "%.2f" % cpu_ms)
PY
	# The next phase starts from a guest that has let these go.
	for _ in $(seq 60); do
		[ "$(established)" -le 2 ] && break
		sleep 2
	done
}

echo "conns_bench: 100 then $CONNS held, wrk -c $WRK_CONNS Connection: close ${DURATION}s, $CPUS kernels, -m $MEM" >&2
in_ns wrk -t 1 -c 4 -d 2s "http://$GUEST_IP/1k.html" >/dev/null 2>&1   # warm-up
small=$(hold 100)
echo "held 100: $small" >&2
big=$(hold "$CONNS")
echo "held $CONNS: $big" >&2
stop_guest

$PY - "$small" "$big" <<'PY'
import sys
rows = [l.split() for l in sys.argv[1:]]
print("| held | opened in s (connects/s) | held / answered again | established | new conns/s (Connection: close) | p50 ms | p99 ms | errors | QEMU CPU ms / new conn | kernels' heap per held | httpd heap per held |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
base = float(rows[0][5]) if rows and len(rows[0]) > 5 and float(rows[0][5]) else 0
for r in rows:
    if len(r) < 13:
        print("| (no result) |" + " |" * 10)
        continue
    n, secs, held, checked, est, rps, p50, p99, errs, heap, httpd, nk, cpu = r
    n = int(n)
    ratio = " (%.0f%%)" % (100 * float(rps) / base) if base else ""
    per = lambda b: "%d B" % (int(b) / n) if n >= 1000 else "-"
    print("| %s | %s (%.0f) | %s / %s | %s | %s%s | %.1f | %.1f | %s | %s | %s | %s |" % (
        format(n, ","), secs, int(held) / max(float(secs), 0.001), held, checked, est, rps, ratio,
        int(p50) / 1000, int(p99) / 1000, errs, cpu, per(heap), per(httpd)))
PY
