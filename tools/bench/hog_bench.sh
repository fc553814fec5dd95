#!/usr/bin/env bash
# The load balancer against a CPU hog, under wrk (issue 15's benchmark): Flotilla in QEMU (TCG,
# q35, 4 vCPUs, 1 GiB), 4 kernels each on its own igb queue pair serving one httpd (-q -w) on
# a tap in a network namespace made for the run (guest 198.18.0.2, host side 198.18.0.1).
# Two boot tables that differ in one thing, the moves: ON is /etc/net-monitor.conf, the
# monitor balancing; OFF is /etc/net-monitor-off.conf, the same monitor with -n, which
# gathers the same reports every period and decides the same way, and moves nothing.
# ROUNDS boots of each, alternating ON, OFF, ON, OFF, so the host's drift falls on both.
#
# In each boot, once every kernel serves port 80 and owns its 32 buckets, these phases, each
# a wrk run (-t2 -c48, /1k.html) from the namespace, back to back:
#   idle        no hog, a new connection per request (Connection: close), DURATION s
#   idle-ka     no hog, keep-alive, KA_DURATION s
#   (`run /bin/spin @1` typed into kernel 0's shell)
#   hog-0-5     the first EARLY s of the hog: the balancer's time to act falls in it
#   hog         from the end of hog-0-5 on, DURATION s
#   hog-ka      still the hog, keep-alive, KA_DURATION s
#   (`kill PID @1`)
#   after-0-5   the first EARLY s after the kill: ON spreads back in it
#   after       from the end of after-0-5 on, DURATION s
# Between runs wrk is stopped (a second or two to read /status and type), and with no new
# connection the balancer has nothing to weigh a group by, so it moves nothing then.
# Each run records requests/s, p50, p99 and p99.9 (a wrk Lua done() hook), socket errors,
# timeouts and non-2xx answers; each kernel's share of the new connections opened over it
# (the difference of /status "load" "opened", every kernel's count since boot, before and
# after); the monitor's moves ("monitor: move" lines in the console) or, OFF, the moves it
# would have made ("monitor: would move"); each kernel's buckets at its end; the segments
# forwarded to a moved bucket's previous owner; and the host CPU of each QEMU thread over it
# (with -name hog,debug-threads=on, lib.sh's qemu_thread_ticks). Prints a Markdown table (medians over the rounds, [min-max],
# and ON/OFF of each round's pair) and puts it into docs/BENCHMARKS.md (DOCS=none: not).
# Needs root. Nothing here asserts a speed.
#
# Options (environment): ROUNDS (boots of each, default 2), DURATION (s, default 20),
# KA_DURATION (s of the keep-alive runs, default 10; 0 leaves them out), EARLY (s, default 5),
# ON_CONF (the ON boot table, default net-monitor; net-monitor-defaults runs the monitor with
# its own thresholds, into build/bench/hog-defaults and the docs' block "hog-defaults"),
# TABLE_ONLY=1 (no run: the table of the last run's results again), DOCS=none (the table is
# not put into the docs).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/bench/lib.sh

BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-20}
KA_DURATION=${KA_DURATION:-10}
EARLY=${EARLY:-5}
ON_CONF=${ON_CONF:-net-monitor}
OUT=$BUILD/bench/hog${ON_CONF#net-monitor}
KERNELS=4
PY=/usr/bin/python3
mkdir -p "$OUT"

# setup: the ISOs of both boot tables, the namespace, wrk's hook; exits if it cannot.
setup() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "hog_bench: needs root for the network namespace" >&2
		exit 1
	fi
	command -v wrk >/dev/null || { echo "hog_bench: wrk is missing (tools/setup.sh installs it)" >&2; exit 1; }
	for conf in "$ON_CONF" net-monitor-off; do
		tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/$conf.iso" \
			"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 loglevel=warn init=/etc/$conf.conf" >/dev/null || exit 1
	done
	bench_netns "flotilla-hbench-$$" flt-hbtap0
	# wrk's own figures, one line: p50 p99 p99.9 (us), requests, then its error counts by
	# kind, then the run's length (us).
	cat >"$OUT/hog.lua" <<'LUA'
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("HOG %d %d %d %d %d %d %d %d %d %d\n", latency:percentile(50),
		latency:percentile(99), latency:percentile(99.9), summary.requests, e.connect,
		e.read, e.write, e.status, e.timeout, summary.duration))
end
LUA
}

# up LINE: LINE (a fixed string) is in the guest's log within 120 s, while QEMU runs.
up() {
	for _ in $(seq 1200); do
		tr -d '\r' 2>/dev/null <"$OUT/guest.log" | grep -qF "$1" && return 0
		kill -0 "$qpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# boot CONF: the guest with /etc/CONF.conf, up and serving on every kernel, or exit.
boot() {
	rm -f "$OUT/guest.log" "$OUT/guest.sock" "$OUT/qemu.pid"
	in_ns tools/qemu.sh "$OUT/$1.iso" --cpus "$KERNELS" --mem 1G --timeout 3600 \
		--serial "$OUT/guest.log" --serial-input "$OUT/guest.sock" -- -pidfile "$OUT/qemu.pid" \
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device igb,netdev=n0 \
		-name "hog,debug-threads=on" >"$OUT/qemu.out" 2>&1 &
	qpid=$!
	if ! up "echod: echoing" || ! up "monitor: balancing over kernels 0,1,2,3" ||
		! wait_serving "$OUT/guest.log" "$KERNELS"; then
		echo "hog_bench: the guest did not come up serving on $KERNELS kernels; see $OUT/guest.log" >&2
		exit 1
	fi
}

# console LINE EXPECT: types LINE into kernel 0's shell (tests/net/guest_console.py) and
# prints the first group of EXPECT (a regex) once the log shows it, or nothing after 30 s.
console() {
	$PY - "$OUT/guest.sock" "$OUT/guest.log" "$1" "$2" <<'PY'
import sys
sys.path.insert(0, "tests/net")
from guest_console import type_line
m = type_line(*sys.argv[1:5])
print(m.group(1) if m else "")
PY
}

# snapshot: "OPENED BUCKETS FORWARDED": each kernel's connections opened since boot (as of
# its latest period) and the buckets it owns, comma-separated, and the segments the kernels
# have forwarded to a moved bucket's previous owner since boot (kernel/netmove.h); a kernel
# whose report did not come in time is asked again, and shows as "-" after 20 tries.
snapshot() {
	local line=
	for _ in $(seq 20); do
		line=$(guest_status '",".join(str(l["opened"]) if l["reported"] else "-" for l in s["load"]),
			",".join(str(k["nbuckets"]) for k in s["kernels"]), s["totals"]["move_forwarded"]')
		[ -n "$line" ] && [[ $line != *-* ]] && break
		sleep 0.3
	done
	echo "${line:--,-,-,- -,-,-,- 0}"
}

# moves_so_far: the monitor's move lines in the log, made (ON) or only decided (OFF, -n).
moves_so_far() { tr -d '\r' <"$OUT/guest.log" | grep -cE 'monitor: (would )?move bucket'; }

# phase NAME close|keepalive SECONDS: one wrk run and what the guest and QEMU did over it,
# a line in $results: TAG NAME MODE, wrk's HOG figures, opened before, opened after, buckets
# after, segments forwarded, moves, QEMU's thread ticks (main, vCPUs, vCPUs' waits: lib.sh),
# the run's wall seconds.
phase() {
	local name=$1 mode=$2 secs=$3 hdr=() s0 s1 m0 m1 t0 t1 w0 w1 fig o0 o1 b1 f0 f1
	[ "$mode" = close ] && hdr=(-H "Connection: close")
	s0=$(snapshot)
	m0=$(moves_so_far)
	t0=$(qemu_thread_ticks)
	w0=$(date +%s.%N)
	in_ns timeout $((secs + 30)) wrk -t 2 -c 48 -d "${secs}s" --timeout 10s --latency \
		-s "$OUT/hog.lua" "${hdr[@]}" "http://$GUEST_IP/1k.html" >"$OUT/wrk-$tag-$name.txt" 2>&1
	w1=$(date +%s.%N)
	t1=$(qemu_thread_ticks)
	m1=$(moves_so_far)
	sleep 0.3               # every kernel's period ends: its count of opened takes the run's last
	s1=$(snapshot)
	fig=$(grep '^HOG' "$OUT/wrk-$tag-$name.txt")
	read -r o0 _ f0 <<<"$s0"
	read -r o1 b1 f1 <<<"$s1"
	echo "$tag $name $mode ${fig:-HOG 0 0 0 0 0 0 0 0 0 1} $o0 $o1 $b1 $((f1 - f0)) $((m1 - m0))" \
		"$(ticks_delta "$t0" "$t1") $(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.2f", b - a }')" >>"$results"
	tail -n 1 "$results" >&2
}

# hog_and_back: the phases of one boot.
hog_and_back() {
	local pid
	phase idle close "$DURATION"
	[ "$KA_DURATION" -gt 0 ] && phase idle-ka keepalive "$KA_DURATION"
	pid=$(console "run /bin/spin @1" 'started /bin/spin on kernel 1 as pid (\d+)')
	[ -n "$pid" ] || { echo "hog_bench: the hog did not start; see $OUT/guest.log" >&2; exit 1; }
	phase hog-0-5 close "$EARLY"
	phase hog close "$DURATION"
	[ "$KA_DURATION" -gt 0 ] && phase hog-ka keepalive "$KA_DURATION"
	[ -n "$(console "kill $pid @1" "pid $pid \\((spin)\\) exited: killed")" ] ||
		{ echo "hog_bench: the hog was not killed; see $OUT/guest.log" >&2; exit 1; }
	phase after-0-5 close "$EARLY"
	phase after close "$DURATION"
}

# measure: ROUNDS boots of each boot table, alternating, each boot's phases into $results.
measure() {
	local nphase=$((3 * DURATION + 2 * EARLY + (KA_DURATION > 0 ? 2 * KA_DURATION : 0))) conf
	setup
	: >"$results"
	echo "hog_bench: $ROUNDS rounds of ON ($ON_CONF) and OFF, ${nphase}s of wrk a boot; about" \
		"$(( ROUNDS * 2 * (nphase + 60) / 60 )) minutes" >&2
	for round in $(seq "$ROUNDS"); do
		for conf in "$ON_CONF" net-monitor-off; do
			tag=$([ "$conf" = "$ON_CONF" ] && echo ON || echo OFF)-$round
			boot "$conf"
			in_ns wrk -t 1 -c 4 -d 2s "http://$GUEST_IP/1k.html" >/dev/null 2>&1   # warm-up
			hog_and_back
			stop_guest
			cp "$OUT/guest.log" "$OUT/guest-$tag.log"
		done
	done
}

# table: the Markdown table of $results.
table() {
	$PY - "$results" "$(getconf CLK_TCK)" "$ON_CONF" <<'PY'
import statistics, sys
hz, on_conf = int(sys.argv[2]), sys.argv[3]
# Each phase, what it is called, and the phase whose length goes into that (%d).
PHASES = [("idle", "no hog", None), ("idle-ka", "no hog, keep-alive", None),
          ("hog-0-5", "hog, its first %d s", "hog-0-5"), ("hog", "hog, from %d s on", "hog-0-5"),
          ("hog-ka", "hog, keep-alive", None), ("after-0-5", "hog killed, first %d s", "after-0-5"),
          ("after", "hog killed, from %d s on", "after-0-5")]
runs = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 23 or f[3] != "HOG":
        continue
    mode, rnd = f[0].split("-")
    p50, p99, p999, reqs, conn, rd, wr, status, tmo, dur = map(int, f[4:14])
    opened = [[int(x) if x != "-" else None for x in s.split(",")] for s in (f[14], f[15])]
    new = [b - a if a is not None and b is not None else None for a, b in zip(*opened)]
    known = sum(x for x in new if x is not None)
    vcpu = [int(t) for t in f[20].split(",")]
    wall = float(f[22])
    runs[(f[1], mode, rnd)] = dict(
        rps=reqs / (dur / 1e6), p50=p50 / 1000, p99=p99 / 1000, p999=p999 / 1000,
        sock=conn + rd + wr + tmo, tmo=tmo, non2xx=status, secs=dur / 1e6,
        share=[x / known if x is not None and known else None for x in new],
        k1=int(f[16].split(",")[1]) if f[16].split(",")[1] != "-" else None,
        fwd=int(f[17]), moves=int(f[18]), cores=[t / hz / wall for t in vcpu],
        ms_req=sum(vcpu) / hz * 1000 / max(reqs, 1),
        wait=sum(int(w) for w in f[21].split(",")) / 1000 / wall / len(vcpu))
rounds = sorted({r for _, _, r in runs}, key=int)

def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

def rng(v, fmt):
    v = [x for x in v if x is not None]
    if not v:
        return "-"
    if len(v) == 1:
        return fmt % v[0]
    return (fmt + " [" + fmt + "-" + fmt + "]") % (statistics.median(v), min(v), max(v))

def ratio(phase, key):
    r = [runs[(phase, "ON", n)][key] / runs[(phase, "OFF", n)][key] for n in rounds
         if (phase, "ON", n) in runs and (phase, "OFF", n) in runs and runs[(phase, "OFF", n)][key]]
    return rng(r, "%.2f")

print("ON: /etc/%s.conf; OFF: /etc/net-monitor-off.conf. "
      "4 kernels on the igb, wrk -t2 -c48 on /1k.html, a new connection per request unless "
      "keep-alive; %d rounds, each an ON boot then an OFF boot; medians over the rounds "
      "[min-max]. ON/OFF: each round's ON over the same round's OFF, median [min-max]. "
      "Shares: each kernel's part of the connections opened over the run, kernels 0/1/2/3. "
      "Moves: ON made, OFF would have made (-n); forwarded: segments a moved bucket's new "
      "owner handed to its previous owner. vCPU cores: each vCPU thread's host CPU "
      "over the run; vCPU ms/req: the four's CPU per request; waiting: the share of the "
      "run a vCPU thread waited runnable for a host CPU, their mean." % (on_conf, len(rounds)))
print()
print("| phase | balancer | requests/s | ON/OFF requests/s | p50 ms | p99 ms | ON/OFF p99 | "
      "p99.9 ms | socket errors (timeouts) | non-2xx | shares % | moves | kernel 1's "
      "buckets at the end | forwarded | vCPU cores | vCPU ms/req | waiting |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for phase, what, length in PHASES:
    for mode in ("ON", "OFF"):
        v = [r for (p, m, _), r in sorted(runs.items()) if p == phase and m == mode]
        if not v:
            continue
        name = what % round(med(r["secs"] for (p, _, _), r in runs.items() if p == length)) \
            if length else what
        share = "/".join("%.0f" % (100 * m) if m is not None else "-"
                         for m in (med(r["share"][k] for r in v) for k in range(4)))
        cores = "/".join("%.2f" % med(r["cores"][k] for r in v) for k in range(len(v[0]["cores"])))
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %d (%d) | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            name, mode, rng([r["rps"] for r in v], "%.0f"),
            ratio(phase, "rps") if mode == "ON" else "",
            rng([r["p50"] for r in v], "%.1f"), rng([r["p99"] for r in v], "%.0f"),
            ratio(phase, "p99") if mode == "ON" else "",
            rng([r["p999"] for r in v], "%.0f"), sum(r["sock"] for r in v),
            sum(r["tmo"] for r in v), sum(r["non2xx"] for r in v), share,
            rng([r["moves"] for r in v], "%d"), rng([r["k1"] for r in v], "%d"),
            rng([r["fwd"] for r in v], "%d"), cores,
            rng([r["ms_req"] for r in v], "%.2f"), "%.2f" % med(r["wait"] for r in v)))
PY
}

results=$OUT/results.txt
[ "${TABLE_ONLY:-0}" != 0 ] || measure
table | tee "$OUT/table.md"
if [ "${DOCS:-docs}" != none ]; then
	$PY tools/bench/put_in_docs.py "${DOCS:-docs}/BENCHMARKS.md" \
		"hog${ON_CONF#net-monitor}" "$OUT/table.md" "${DOCS:-docs}/img"
fi
