#!/usr/bin/env bash
# Boot to the first HTTP 200 through GRUB, and where the time goes. Flotilla's ISO (the
# default boot table, as `make run` boots it: SeaBIOS, GRUB, 512 MiB) in QEMU (TCG) on a tap
# in a network namespace made for the run (guest 198.18.0.2, host side 198.18.0.1); curl
# asks for http://198.18.0.2/ every INTERVAL seconds from QEMU's start until it gets a 200.
# Each stage's time is when the first byte of its line reached the host: SeaBIOS's log (its
# debug port, 0x402) and the serial console, each line stamped as it arrives by a reader
# that is running before QEMU starts. The kernel's own line "boot: ... by the TSC" gives the
# same milestones as the guest's clock saw them. RUNS boots of each NIC x CPUS x NET,
# interleaved; prints a Markdown table per machine (median time of each stage, from QEMU's
# start, and the median step from the stage before) and the time to the first 200, median
# [min-max]. Needs root.
#
# Options (environment): RUNS (default 5), CPUS (default "1 4"), NICS (default "e1000 igb"),
# NET ("static": ip= and gw= on the command line, "dhcp": ip=dhcp with dnsmasq answering in
# the namespace; default "static"), INTERVAL (s between curl's tries, default 0.02), MEM
# (default 512M, make run's).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/bench/lib.sh

BUILD=${BUILD:-build}
OUT=$BUILD/bench/boot
RUNS=${RUNS:-5}
CPUS=${CPUS:-"1 4"}
NICS=${NICS:-"e1000 igb"}
NET=${NET:-static}
INTERVAL=${INTERVAL:-0.02}
MEM=${MEM:-512M}
BOOT_S=60               # a boot that serves nothing by then has failed
PY=/usr/bin/python3
mkdir -p "$OUT"

[ "$(id -u)" -eq 0 ] || { echo "boot_bench: needs root for the network namespace" >&2; exit 1; }
for net in $NET; do
	case $net in static|dhcp) ;; *) echo "boot_bench: NET=$net: static or dhcp" >&2; exit 1 ;; esac
done
[[ " $NET " != *" dhcp "* ]] || command -v dnsmasq >/dev/null ||
	{ echo "boot_bench: NET=dhcp needs dnsmasq (tools/setup.sh installs dnsmasq-base)" >&2; exit 1; }

bench_netns "flotilla-boot-$$" flt-boot0
dpid= spid=
cleanup() {
	stop_guest
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	[ -s "$OUT/dnsmasq.pid" ] && kill "$(cat "$OUT/dnsmasq.pid")" 2>/dev/null
	[ -n "$dpid" ] && wait "$dpid" 2>/dev/null
	rm -f "$OUT/dnsmasq.pid"
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT

for net in $NET; do
	if [ "$net" = static ]; then cmdline="ip=$GUEST_IP/24 gw=$HOST_IP"; else cmdline="ip=dhcp"; fi
	tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/boot-$net.iso" "loglevel=info $cmdline" >/dev/null || exit 1
done
if [[ " $NET " == *" dhcp "* ]]; then
	rm -f "$OUT/dnsmasq.pid" "$OUT/leases"
	abs=$(cd "$OUT" && pwd)         # dnsmasq works from /
	# --no-ping: dnsmasq would otherwise ping an address before its first offer and wait
	# for no answer, which made the first boot's lease 3 s later than the others'.
	in_ns dnsmasq --keep-in-foreground --port=0 --interface="$tap" --bind-interfaces \
		--dhcp-range="$GUEST_IP,$GUEST_IP,255.255.255.0,1h" --dhcp-authoritative --no-ping --user=root \
		--pid-file="$abs/dnsmasq.pid" --dhcp-leasefile="$abs/leases" \
		--log-facility="$abs/dnsmasq.log" &
	dpid=$!
	for _ in $(seq 50); do [ -s "$OUT/dnsmasq.pid" ] && break; sleep 0.1; done
	[ -s "$OUT/dnsmasq.pid" ] || { echo "boot_bench: dnsmasq did not start; see $OUT/dnsmasq.log" >&2; exit 1; }
fi

# The stamper: reads the serial console's FIFO and SeaBIOS's, and writes each line as
# "EPOCH_SECONDS SOURCE TEXT", the time being when the line's first byte arrived. It opens
# the FIFOs read-write, so that it never waits for QEMU, and says it is ready in a file.
# It and curl's loop run at a real-time priority (they only wait and read), so that a busy
# host delays their stamps no more than it must: on a host shared with other QEMUs an
# ordinary process was seen to read a tenth of a second of lines at once.
RT=(chrt -f 1)
"${RT[@]}" true 2>/dev/null || RT=(nice -n -20)
cat >"$OUT/stamp.py" <<'PY'
import os, select, sys, time
out = open(sys.argv[1], "w", buffering=1)
fds = {os.open(p, os.O_RDWR): [name, b"", 0.0] for name, p in zip(("fw", "ser"), sys.argv[3:5])}
open(sys.argv[2], "w").close()
while True:
    for fd in select.select(list(fds), [], [])[0]:
        data, now = os.read(fd, 65536).replace(b"\r", b""), time.time()
        st = fds[fd]
        for piece in data.splitlines(keepends=True):
            if not st[1]:
                st[2] = now
            st[1] += piece
            if piece.endswith(b"\n"):
                out.write("%.6f %s %s\n" % (st[2], st[0], st[1][:-1].decode("latin1")))
                st[1] = b""
PY

# The stages, each marked by the first line that matches (source fw: SeaBIOS's log, ser:
# the serial console), in seconds from QEMU's start; "one LOG" prints one boot's, "table
# NET NIC CPUS" the Markdown table over that machine's boots.
cat >"$OUT/stages.py" <<'PY'
import glob, re, statistics, sys
# (key, what marks it, source, pattern); the kernel's "boot:" line names its keys.
STAGES = [
    ("fw", "SeaBIOS's first line", "fw", r"^SeaBIOS \(version"),
    ("grub", "SeaBIOS jumps to GRUB's boot sector", "fw", r"^Booting from [0-9a-f]{4}:7c00"),
    ("menu", "GRUB starts the menu entry", "ser", r"Booting `"),
    ("entry", "kernel 0 entered (its first line)", "ser", r"^\[k0\] Flotilla .*multikernel"),
    ("clocks", "kernel 0's clocks measured", "ser", r"^\[k0\] lapic: "),
    ("nics", "the NIC's driver attached (its first line)", "ser", r"^\[k0\] (e1000|igb|ixgbe): "),
    ("net", "the interface has its address", "ser", r"^\[k0\] net: ([0-9./]+ on the |DHCP lease)"),
    ("kernels", "every kernel up", "ser", r"^\[k0\] kernels up: "),
    ("init", "the boot table started", "ser", r"^\[k0\] init: started"),
    ("httpd", "httpd listens on kernel 0", "ser", r"^\[k0\] httpd: listening"),
    ("link", "the link is up (a change after the driver's start)", "ser", r"^\[k0\] net: \S+ link up"),
]
NAME = {k: name for k, name, _, _ in STAGES}
NAME.update(all="httpd listens on every kernel", ok="the first HTTP 200")
TSC = re.compile(r"^\[k0\] boot: by the TSC, ms from reset: (.*)")

# parse LOG: {key: seconds from QEMU's start} by the host's stamps, and by the guest's TSC.
def parse(path):
    start, t200, at, tsc, listening = None, None, {}, {}, {}
    for line in open(path, encoding="latin1"):
        f = line.rstrip("\n").split(" ", 2)
        if f[1] == "start":
            start = float(f[0])
        elif f[1] == "200":
            t200 = float(f[0])
        if len(f) < 3:
            continue
        t, src, text = float(f[0]), f[1], f[2]
        for k, _, s, rx in STAGES:
            if s == src and k not in at and re.search(rx, text):
                at[k] = t
        m = re.match(r"^\[k(\d+)\] httpd: listening", text) if src == "ser" else None
        if m:
            listening.setdefault(m.group(1), t)
        m = TSC.match(text) if src == "ser" else None
        if m:
            for kv in m.group(1).split(", "):
                k, v = kv.split(" ")
                tsc[k] = int(v) / 1000
    at = {k: v - start for k, v in at.items()}
    if listening:
        at["all"] = max(listening.values()) - start
    at["ok"] = t200 - start
    return at, tsc

if sys.argv[1] == "one":
    at, _ = parse(sys.argv[2])
    print("first 200 after %.3f s (GRUB at %.3f, kernel %.3f, httpd %.3f)" % (
        at["ok"], at.get("grub", 0), at.get("entry", 0), at.get("httpd", 0)))
    sys.exit(0)
out, net, nic, cpus = sys.argv[2:6]
boots = [parse(p) for p in sorted(glob.glob("%s/log-%s-%s-%s-*.txt" % (out, net, nic, cpus)))]
keys = {k for at, _ in boots for k in at}
med = {k: statistics.median(at[k] for at, _ in boots if k in at) for k in keys}
print("%s, %s vCPU%s, %s, %d boots:\n" % (nic, cpus, "s" if cpus != "1" else "", net, len(boots)))
print("| stage (the line that marks it) | at, s from QEMU's start (median) | step from the row above, s | the guest's TSC, s |")
print("|---|---|---|---|")
prev = 0.0
for k in sorted(keys, key=lambda k: med[k]):
    tscs = [tsc[k] for _, tsc in boots if k in tsc]
    print("| %s | %.3f | %.3f | %s |" % (NAME[k], med[k], med[k] - prev,
                                        "%.3f" % statistics.median(tscs) if tscs else ""))
    prev = med[k]
firsts = [at["ok"] for at, _ in boots]
print("\nFirst 200: %.2f s median [%.2f-%.2f].\n" % (statistics.median(firsts), min(firsts), max(firsts)))
PY

# boot NET NIC CPUS RUN: one boot, its stamped lines in OUT/log-NET-NIC-CPUS-RUN.txt, and a
# line "start EPOCH" and "200 EPOCH" at their end.
boot() {
	local log=$OUT/log-$1-$2-$3-$4.txt t200
	rm -f "$OUT/fw.fifo" "$OUT/ser.fifo" "$OUT/stamp.ready" "$OUT/qemu.pid"
	mkfifo "$OUT/fw.fifo" "$OUT/ser.fifo"
	"${RT[@]}" $PY "$OUT/stamp.py" "$log" "$OUT/stamp.ready" "$OUT/fw.fifo" "$OUT/ser.fifo" &
	spid=$!
	while [ ! -e "$OUT/stamp.ready" ]; do sleep 0.01; done
	local tpid=
	if [ "${PCAP:-0}" = 1 ]; then   # ip netns exec execs tcpdump: $! is its pid
		ip netns exec "$ns" tcpdump -q -n -i "$tap" -w "${log%.txt}.pcap" 2>/dev/null &
		tpid=$!
		sleep 0.5
	fi
	local start=$EPOCHREALTIME
	in_ns tools/qemu.sh "$OUT/boot-$1.iso" --cpus "$3" --mem "$MEM" --timeout $((BOOT_S + 10)) \
		--serial "$OUT/ser.fifo" -- -pidfile "$OUT/qemu.pid" \
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "$2,netdev=n0" \
		-chardev "file,id=fw,path=$OUT/fw.fifo" -device isa-debugcon,iobase=0x402,chardev=fw \
		>"$OUT/qemu.out" 2>&1 &
	qpid=$!
	# curl exits at once on a refused connection; --connect-timeout bounds a SYN lost before
	# the guest's stack is up, which would otherwise wait a second for its retransmission.
	t200=$(in_ns "${RT[@]}" bash -c 'end=$((EPOCHSECONDS + $1))
		while [ "$EPOCHSECONDS" -lt "$end" ]; do
			code=$(curl -s -o /dev/null --connect-timeout 0.2 --max-time 2 -w "%{http_code}" "$2")
			[ "$code" = 200 ] && { echo "$EPOCHREALTIME"; exit 0; }
			sleep "$3"
		done' poll "$BOOT_S" "http://$GUEST_IP/" "$INTERVAL")
	sleep 0.5               # the other kernels' lines that follow
	stop_guest
	[ -n "$tpid" ] && kill "$tpid" && wait "$tpid" 2>/dev/null
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=
	echo "$start start" >>"$log"
	[ -n "$t200" ] || { echo "boot_bench: $1 $2 $3 cpus: no 200 within ${BOOT_S}s; see $log" >&2; exit 1; }
	echo "$t200 200" >>"$log"
}

echo "boot_bench: $RUNS runs x NET ($NET) x NICS ($NICS) x CPUS ($CPUS)" >&2
rm -f "$OUT"/log-*.txt
for run in $(seq "$RUNS"); do
	for net in $NET; do
		for nic in $NICS; do
			for cpus in $CPUS; do
				boot "$net" "$nic" "$cpus" "$run"
				echo "boot_bench: run $run $net $nic $cpus cpus: $($PY "$OUT/stages.py" one \
					"$OUT/log-$net-$nic-$cpus-$run.txt")" >&2
			done
		done
	done
done 2> >(tee "$OUT/runs.txt" >&2)

for net in $NET; do
	for nic in $NICS; do
		for cpus in $CPUS; do
			$PY "$OUT/stages.py" table "$OUT" "$net" "$nic" "$cpus"
		done
	done
done | tee "$OUT/table.md"
