#!/usr/bin/env bash
# The soak (make soak): a million new connections through httpd on the distributed stack, and
# then every kernel as it was before them. Flotilla in QEMU (TCG), CPUS kernels (default 4)
# on an igb, each on its own queue pair, serving one httpd (-w: a worker on every kernel, the
# monitor balancing; /etc/net-soak.conf), on a tap in a network namespace made for the run
# (guest 198.18.0.2, host side 198.18.0.1). Needs root.
#
# After a warm-up and the guest's TIME_WAIT (2 MSL, TCP_MSL_MS of net/tcp.h), each kernel's own
# /status is the baseline: its connections and sockets, its heap's live bytes and blocks,
# free memory, the frames its heap keeps cut into size classes, httpd's heap, its packet-pool
# buffers in use. Then wrk opens a connection per request (Connection: close), RUN_SECONDS at
# a time, until TOTAL requests have been answered; every answer must be 200 and whole (wrk
# counts a non-2xx status and a short body as errors; its bytes must be TOTAL responses of
# exactly the length one fetch measured), with no socket error or timeout. wrk ends each run
# by closing the connections still in flight, which it does not count: at most WRK_CONNS a
# run. Then 2 MSL again, and each kernel must be back where it started:
#   - connections and sockets equal;
#   - heap live bytes within HEAP_SLACK (default 4 KiB): the /status connection that asks
#     is among them, and its buffers (two 2 KiB blocks at most) depend on how far its
#     exchange has gone when httpd reads the figure;
#   - free memory plus the size-class frames plus httpd's heap within MEM_SLACK (default 16
#     KiB): the heap keeps a frame once it has cut it into blocks (kernel/mm/heap.c) and
#     httpd's break never shrinks, so free memory alone falls by their high-water marks,
#     which the table reports; the slack is the page tables a grown break needs and the
#     break's rounding to pages;
#   - packet-pool buffers in use equal, and no double or foreign return of one.
# Prints "PASS name" or "FAIL name: why" per check, then the Markdown table for
# docs/BENCHMARKS.md; exits non-zero if a check failed.
#
# The client's ports: the server closes first, so TIME_WAIT is the guest's (at most
# TCP_TIME_WAIT_MAX a kernel; past it a closing connection skips it) and the client's ports
# come free at once. Linux hands connect() the even half of its range (lib.sh widens it to
# 1024-65000) in turn, about 32,000 ports, so above about 530 connections/s a port comes
# back while the guest still holds its last connection in TIME_WAIT; the new SYN then ends
# that TIME_WAIT when its timestamp is newer (RFC 6191, net/tcp_input.c), which the soak
# exercises rather than avoids.
#
# Options (environment): TOTAL (default 1000000), CPUS (default 4), MEM (guest RAM, default
# 1G), WRK_CONNS (default 16), RUN_SECONDS (default 60), HEAP_SLACK, MEM_SLACK (bytes).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/bench/lib.sh

BUILD=${BUILD:-build}
OUT=$BUILD/bench/soak
TOTAL=${TOTAL:-1000000}
CPUS=${CPUS:-4}
MEM=${MEM:-1G}
WRK_CONNS=${WRK_CONNS:-16}
RUN_SECONDS=${RUN_SECONDS:-60}
HEAP_SLACK=${HEAP_SLACK:-4096}
MEM_SLACK=${MEM_SLACK:-16384}
PAGE=/1k.html
PY=/usr/bin/python3
mkdir -p "$OUT"

if [ "$(id -u)" -ne 0 ]; then
	echo "soak: needs root for the network namespace" >&2
	exit 1
fi
command -v wrk >/dev/null || { echo "soak: wrk is missing (tools/setup.sh installs it)" >&2; exit 1; }
msl_ms=$(sed -n 's/^#define TCP_MSL_MS *\([0-9]*\).*/\1/p' net/tcp.h)
[ -n "$msl_ms" ] || { echo "soak: no TCP_MSL_MS in net/tcp.h" >&2; exit 1; }
TIME_WAIT_S=$((2 * msl_ms / 1000))

bench_netns "flotilla-soak-$$" flt-stap0
# wrk's counts, each kind of error apart, and the bytes it read.
cat >"$OUT/soak.lua" <<'LUA'
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("SOAK %d %d %d %d %d %d %d %d %d %d\n", summary.requests,
		summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, summary.duration,
		latency:percentile(50), latency:percentile(99)))
end
LUA

# settle: wait 2 MSL and a little, for the guest's TIME_WAITs to expire.
settle() {
	echo "soak: waiting ${TIME_WAIT_S}s + 10s for the guest's TIME_WAITs to expire" >&2
	sleep $((TIME_WAIT_S + 10))
}

# response_bytes: the length of one whole response to wrk's request, headers and body.
response_bytes() {
	in_ns $PY - "$GUEST_IP" "$PAGE" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (sys.argv[2], sys.argv[1])).encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(len(data) if data.startswith(b"HTTP/1.1 200 ") else 0)
PY
}

# run_costs BEFORE AFTER: "CPU_TICKS WAIT_MS" between two qemu_thread_ticks snapshots: the QEMU
# process's CPU time (main loop and vCPU threads), and the time its vCPU threads were
# runnable but waited for a host CPU (the host's other load, not the guest's work).
run_costs() {
	local -a d
	read -r -a d <<<"$(ticks_delta "$1" "$2")"
	echo "$((d[0] + ${d[1]//,/ + })) $((${d[2]//,/ + }))"
}

# guest_now: "TIME_WAIT MOVES" from one /status: the kernels' TIME-WAIT connections, and the
# buckets kernel 0 has moved since boot ("- -" if it did not answer).
guest_now() {
	local v
	v=$(guest_status 'sum(r["tcp_states"]["TIME_WAIT"] for r in s["kernels"]), s["kernels"][0]["moves_done"]')
	echo "${v:-- -}"
}

# connect_phase: wrk runs until TOTAL requests were answered; appends one line per run to
# $OUT/runs.txt: "requests bytes connect read write status timeout duration_us p50_us p99_us
# cpu_ticks vcpu_wait_ms time_wait moves" (the last four: run_costs, guest_now).
connect_phase() {
	local done=0 secs line rate=0 n=0 f tb ta
	: >"$OUT/runs.txt"
	while [ "$done" -lt "$TOTAL" ]; do
		secs=$RUN_SECONDS
		[ "$rate" -gt 0 ] && [ $(((TOTAL - done) / rate + 2)) -lt "$secs" ] && secs=$(((TOTAL - done) / rate + 2))
		tb=$(qemu_thread_ticks)
		line=$(in_ns timeout $((secs + 60)) wrk -t 2 -c "$WRK_CONNS" -d "${secs}s" --timeout 5s \
			-s "$OUT/soak.lua" -H "Connection: close" "http://$GUEST_IP$PAGE" 2>&1 | grep '^SOAK ')
		ta=$(qemu_thread_ticks)
		n=$((n + 1))
		if [ -z "$line" ]; then
			echo "soak: run $n: wrk gave no result" >&2
			echo "0 0 0 0 0 0 1 0 0 0 0 0 - -" >>"$OUT/runs.txt"
			return 1
		fi
		read -r -a f <<<"${line#SOAK } $(run_costs "$tb" "$ta") $(guest_now)"
		echo "${f[*]}" >>"$OUT/runs.txt"
		done=$((done + f[0]))
		rate=$((f[0] * 1000000 / (f[7] > 0 ? f[7] : 1)))
		echo "soak: run $n: ${f[0]} requests in ${secs}s ($rate/s), $done of $TOTAL;" \
			"errors connect ${f[2]} read ${f[3]} write ${f[4]} status ${f[5]} timeout ${f[6]};" \
			"p99 $((f[9] / 1000)) ms, vCPUs waited $((f[11] / 1000)) s, TIME-WAIT ${f[12]}, moves ${f[13]}" >&2
	done
}

# judge [--quiet]: the checks over $OUT's before.jsonl, after.jsonl and runs.txt: "PASS
# name" or "FAIL name: why" each, then the tables; with --quiet only the exit status, 0 when
# every check passed.
judge() {
	$PY - "${1:-}" "$OUT" "$CPUS" "$len" "$TOTAL" "$HEAP_SLACK" "$MEM_SLACK" "$((t1 - t0))" \
		"$(((ticks1 - ticks0) / $(getconf CLK_TCK)))" "$(getconf CLK_TCK)" <<'PY'
import json, sys
quiet = sys.argv[1] == "--quiet"
out = sys.argv[2]
n, length, total, heap_slack, mem_slack, secs, cpu_s, hz = map(int, sys.argv[3:11])
load = lambda f: {s["kernel"]: s for s in map(json.loads, open("%s/%s" % (out, f)))}
before, after = load("before.jsonl"), load("after.jsonl")
runs = [l.split() for l in open(out + "/runs.txt")]
runs = [[int(x) if x.lstrip("-").isdigit() else -1 for x in r] for r in runs]
reqs, nbytes, e_conn, e_read, e_write, e_status, e_tmo = (sum(r[i] for r in runs) for i in range(7))
results = []

def check(name, ok, why):
    results.append((name, ok, why))

def figures(s):
    k, m, net = s["kernel"], s["memory"], s["net"]
    row = next(r for r in s["kernels"] if r["kernel"] == k)
    pool = net["interface"]["pool"]
    return {"connections": row["connections"], "sockets": net["sockets"],
            "heap": m["kernel_heap_live_bytes"], "blocks": m["kernel_heap_live_blocks"],
            "free": m["kernel_free_bytes"], "slab": m["kernel_heap_slab_bytes"],
            "httpd": m["httpd_heap_bytes"], "pool": pool["in_use"],
            "bad_returns": pool["double_returns"] + pool["not_held"],
            "opens": net["tcp"]["passive_opens"], "rsts": net["tcp"]["out_rsts"],
            "drops": sum(net["drops"].values()), "overruns": net["interface"]["hw_rx_overruns"],
            "missed": net["interface"]["hw_rx_missed"]}

check("soak.answered_them_all", reqs >= total, "%d requests answered, want %d" % (reqs, total))
check("soak.no_socket_errors", e_conn + e_read + e_write + e_tmo == 0,
      "connect %d, read %d, write %d, timeout %d" % (e_conn, e_read, e_write, e_tmo))
check("soak.every_status_200", e_status == 0, "%d answers not 2xx" % e_status)
check("soak.every_response_whole", length > 0 and nbytes == reqs * length,
      "%d bytes for %d responses of %d" % (nbytes, reqs, length))
check("soak.every_kernel_answered", sorted(before) == sorted(after) == list(range(n)),
      "before %s, after %s" % (sorted(before), sorted(after)))
fb = {k: figures(before[k]) for k in before}
fa = {k: figures(after[k]) for k in after}
for k in sorted(set(fb) & set(fa)):
    b, a = fb[k], fa[k]
    d = lambda f: a[f] - b[f]
    check("soak.k%d.connections_back" % k, d("connections") == 0, "%d -> %d" % (b["connections"], a["connections"]))
    check("soak.k%d.sockets_back" % k, d("sockets") == 0, "%d -> %d" % (b["sockets"], a["sockets"]))
    check("soak.k%d.heap_back" % k, abs(d("heap")) <= heap_slack,
          "live bytes %+d (%d blocks), slack %d" % (d("heap"), d("blocks"), heap_slack))
    lost = -(d("free") + d("slab") + d("httpd"))
    check("soak.k%d.memory_back" % k, abs(lost) <= mem_slack,
          "free %+d, size-class frames %+d, httpd heap %+d: %+d unaccounted, slack %d" %
          (d("free"), d("slab"), d("httpd"), -lost, mem_slack))
    check("soak.k%d.pool_back" % k, d("pool") == 0 and d("bad_returns") == 0,
          "in use %d -> %d, bad returns %+d" % (b["pool"], a["pool"], d("bad_returns")))
failed = [r for r in results if not r[1]]
if quiet:
    sys.exit(1 if failed else 0)
for name, ok, why in results:
    print("PASS %s" % name if ok else "FAIL %s: %s" % (name, why))
kib = lambda v: "{:,}".format(v // 1024)
print()
print("| connections answered | time connecting | connections/s | wrk runs (connections/s each) | errors (connect, read, write, status, timeout) | accepted by the guest | QEMU CPU s per 1,000 |")
print("|---|---|---|---|---|---|---|")
accepted = sum(fa[k]["opens"] - fb[k]["opens"] for k in fa if k in fb)
each = [r[0] * 1e6 / r[7] for r in runs if r[7] > 0]
print("| {:,} | {} min {} s | {:,.0f} | {} ({:,.0f}-{:,.0f}) | {}, {}, {}, {}, {} | {:,} | {:.2f} |".format(
    reqs, secs // 60, secs % 60, reqs / max(secs, 1), len(runs), min(each or [0]), max(each or [0]),
    e_conn, e_read, e_write, e_status, e_tmo, accepted, cpu_s * 1000 / max(reqs, 1)))
print()
print("| wrk run | connections | connections/s | p50 ms | p99 ms | QEMU CPU s per 1,000 | vCPU threads runnable, waiting for the host, s | TIME-WAIT after it | buckets moved by then |")
print("|---|---|---|---|---|---|---|---|---|")
for i, r in enumerate(runs, 1):
    print("| %d | {:,} | {:,.0f} | %.1f | %.1f | %.2f | %.1f | %s | %s |".format(
        r[0], r[0] * 1e6 / max(r[7], 1)) % (i, r[8] / 1000, r[9] / 1000,
        r[10] / hz * 1000 / max(r[0], 1), r[11] / 1000, "{:,}".format(r[12]) if r[12] >= 0 else "-",
        r[13] if r[13] >= 0 else "-"))
print()
print("| kernel | connections | sockets | heap live KiB (blocks) | free KiB | size-class frames KiB | httpd heap KiB | pool in use | accepted | RSTs sent | drops | NIC overruns |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for k in sorted(set(fb) & set(fa)):
    b, a = fb[k], fa[k]
    ba = lambda f, fmt=str: "%s -> %s" % (fmt(b[f]), fmt(a[f]))
    grew = lambda f: "{:,}".format(a[f] - b[f])
    cells = [str(k), ba("connections"), ba("sockets"), "%s (%s)" % (ba("heap", kib), ba("blocks")),
             ba("free", kib), ba("slab", kib), ba("httpd", kib), ba("pool"), grew("opens"),
             grew("rsts"), grew("drops"), grew("overruns")]
    print("| " + " | ".join(cells) + " |")
sys.exit(1 if failed else 0)
PY
}

tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/soak.iso" \
	"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 init=/etc/net-soak.conf" >/dev/null || exit 1
start_guest_igb "$OUT/soak.iso" "$CPUS" "$MEM"
guest_serving "$CPUS" || { echo "soak: the guest did not come up; see $OUT/guest.log" >&2; exit 1; }
echo "soak: $TOTAL connections, wrk -c $WRK_CONNS Connection: close ${RUN_SECONDS}s a run, $CPUS kernels, -m $MEM" >&2
in_ns wrk -t 1 -c 4 -d 5s "http://$GUEST_IP$PAGE" >/dev/null 2>&1     # warm-up
settle
kernel_statuses "$CPUS" >"$OUT/before.jsonl"
len=$(response_bytes)
t0=$(date +%s)
ticks0=$(qemu_cpu_ticks)
connect_phase
t1=$(date +%s)
ticks1=$(qemu_cpu_ticks)
settle
# The figures come back within 2 MSL; a connection still closing gets two more minutes.
for _ in $(seq 12); do
	kernel_statuses "$CPUS" >"$OUT/after.jsonl"
	judge --quiet && break
	sleep 10
done
stop_guest
judge | tee "$OUT/result.txt"
