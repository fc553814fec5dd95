#!/usr/bin/env bash
# Flotilla against Linux on the same emulated machine (QEMU q35, TCG, CPUS vCPUs, 1 GiB, an
# e1000 or an igb on a tap in a network namespace made for the run), driven by the same wrk load from
# the namespace: a 1 KiB page, a new connection per request and keep-alive, at each
# concurrency of CONNS. Four servers: Flotilla distributed (the default boot: a stack on every
# kernel, one httpd listen() on kernel 0 served on every kernel by a worker, -w:
# /etc/net-workers.conf), Flotilla confined to kernel 0 (net=kernel0, /etc/net.conf), nginx
# on Linux, and Flotilla's httpd (glibc build) on Linux, which holds the program fixed and
# varies only the operating system. Each round boots the systems in turn (Flotilla
# distributed, Flotilla kernel 0, Linux, then again); the table gives medians over the rounds,
# with their range, each Flotilla figure as a ratio to the better Linux server of the same
# run, distributed against kernel 0 alone, and the CPU time of each QEMU vCPU thread and of
# the main loop per 1,000 requests (QEMU runs with debug-threads=on to tell them apart).
# Writes OUT/table.md, OUT/*.png (when matplotlib is there), prints the table, and puts both
# into docs/BENCHMARKS.md (the block marked "bench compare NIC Ncpu"). Needs root.
#
# Environment: CPUS (default 1), ROUNDS (3), DURATION (seconds per point, 5),
# CONNS ("1 16 64 256"), NIC (e1000 or igb), DOCS (the docs folder to write into, or none),
# SYSTEMS ("flotilla flotilla-k0 linux": which to boot each round), H2LOAD (1: the second
# opinion at 64 keep-alive connections; 0 leaves it out), ACCEL (QEMU's -accel, for
# instance tcg,thread=single to compare against multi-threaded TCG; default QEMU's own).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/bench/lib.sh

BUILD=${BUILD:-build}
CPUS=${CPUS:-1}
NIC=${NIC:-e1000}
OUT=$BUILD/bench/compare-$NIC-${CPUS}cpu
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-"1 16 64 256"}
mkdir -p "$OUT"
[ "$(id -u)" -eq 0 ] || { echo "compare: needs root for the network namespace" >&2; exit 1; }
case "$NIC" in e1000|igb) ;; *) echo "compare: NIC=$NIC: Flotilla drives e1000 and igb" >&2; exit 1 ;; esac
# The plots need matplotlib and the second opinion h2load, which only the benchmark wants:
# installed here, not by setup.sh.
for pkg in python3-matplotlib nghttp2-client; do
	dpkg -s "$pkg" >/dev/null 2>&1 ||
		apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 ||
		echo "compare: $pkg could not be installed: no plots or no h2load" >&2
done

SYSTEMS=${SYSTEMS:-"flotilla flotilla-k0 linux"}
H2LOAD=${H2LOAD:-1}
nservers=$(( $(wc -w <<<"${SYSTEMS//linux/linux linux}") ))
npoints=$(( ROUNDS * nservers * (2 * $(wc -w <<<"$CONNS") + H2LOAD) ))
echo "compare: $ROUNDS rounds of $SYSTEMS, $npoints points of ${DURATION}s, $CPUS guest CPUs; about $(( (npoints * (DURATION + 3) + ROUNDS * 30) / 60 )) minutes" >&2

[[ " $SYSTEMS " != *" linux "* ]] || tools/linux_guest.sh "$BUILD/linux" >&2 || exit 1
flt_cmdline="ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 loglevel=warn"
tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/flotilla.iso" \
	"$flt_cmdline init=/etc/net-workers.conf" >/dev/null || exit 1
tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/flotilla-k0.iso" \
	"$flt_cmdline net=kernel0 init=/etc/net.conf" >/dev/null || exit 1

bench_netns "flotilla-cmp-$$" flt-ctap0

# boot SYSTEM: starts it and prints the seconds from QEMU's start to the first HTTP 200.
boot() {
	local sys=$1 start t
	rm -f "$OUT/guest.log" "$OUT/qemu.pid"
	local net=(-pidfile "$OUT/qemu.pid" -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no"
		   -device "$NIC,netdev=n0" -name "$sys,debug-threads=on" ${ACCEL:+-accel "$ACCEL"})
	start=$(date +%s.%N)
	if [ "$sys" != linux ]; then
		in_ns tools/qemu.sh "$OUT/$sys.iso" --cpus "$CPUS" --mem 1G --timeout 3600 \
			--serial "$OUT/guest.log" -- "${net[@]}" >"$OUT/qemu.out" 2>&1 &
	else
		in_ns tools/qemu.sh --kernel "$BUILD/linux/vmlinuz" --initrd "$BUILD/linux/initramfs.gz" \
			--append "console=ttyS0 quiet ip=$GUEST_IP/24" --cpus "$CPUS" --mem 1G --timeout 3600 \
			--serial "$OUT/guest.log" -- "${net[@]}" >"$OUT/qemu.out" 2>&1 &
	fi
	qpid=$!
	for _ in $(seq 1200); do
		if in_ns curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://$GUEST_IP/1k.html" 2>/dev/null |
			grep -q 200; then
			t=$(date +%s.%N)
			awk -v a="$t" -v b="$start" 'BEGIN { printf "%.1f\n", a - b }'
			return 0
		fi
		sleep 0.1
	done
	echo "compare: $sys did not serve; see $OUT/guest.log" >&2
	exit 1
}

# save_status SYSTEM ROUND: the guest's /status as each kernel answers it (its "net" member is
# the answering kernel's own counters), as status-SYSTEM-ROUND-kK.json: new connections land
# on the kernels by their hash, so a few tries reach each.
save_status() {
	local i k
	for i in $(seq $((4 * CPUS))); do
		in_ns curl -s --max-time 5 "http://$GUEST_IP/status" >"$OUT/status.tmp" 2>/dev/null || continue
		k=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["kernel"])' \
			"$OUT/status.tmp" 2>/dev/null) && mv "$OUT/status.tmp" "$OUT/status-$1-$2-k$k.json"
	done
	rm -f "$OUT/status.tmp"
}

# point SERVER PORT MODE CONNS ROUND: one wrk run, one line of results.
point() {
	local line
	line=$(wrk_point "http://$GUEST_IP:$2/1k.html" "$3" "$4" "$DURATION")
	echo "$1 $3 $4 $5 $line" >>"$OUT/results.txt"
	echo "compare: round $5 $1 $3 c=$4: $line" >&2
}

rm -f "$OUT"/compare-*.png
: >"$OUT/results.txt"
: >"$OUT/boots.txt"
: >"$OUT/h2load.txt"
: >"$OUT/threads.txt"
for round in $(seq "$ROUNDS"); do
	for sys in $SYSTEMS; do
		secs=$(boot "$sys")
		echo "$sys $secs" >>"$OUT/boots.txt"
		echo "compare: round $round: $sys served its first page after ${secs}s" >&2
		# Which threads QEMU runs (one per vCPU under multi-threaded TCG), once per boot.
		echo "$sys $(cat /proc/"$(cat "$OUT/qemu.pid")"/task/*/comm | sort | uniq -c | tr -s ' \n' ' ')" >>"$OUT/threads.txt"
		if [ "$sys" != linux ]; then servers=("$sys 80"); else servers=("linux-nginx 80" "linux-httpd 8080"); fi
		# The client side's TCP counters over this boot's points (retransmissions it saw,
		# duplicates it received), beside the guest's own in status-*.json.
		NSTAT_HISTORY=$OUT/nstat.hist in_ns nstat -n
		for sp in "${servers[@]}"; do
			set -- $sp
			in_ns wrk -t 1 -c 4 -d 2s "http://$GUEST_IP:$2/1k.html" >/dev/null 2>&1     # warm-up
			for mode in close keepalive; do
				for c in $CONNS; do point "$1" "$2" "$mode" "$c" "$round"; done
			done
			# A second opinion on keep-alive at 64 connections: h2load, HTTP/1.1.
			if [ "$H2LOAD" = 1 ] && command -v h2load >/dev/null; then
				h=$(in_ns timeout $((DURATION + 30)) h2load --h1 -t 2 -c 64 -D "$DURATION" \
					"http://$GUEST_IP:$2/1k.html" 2>&1 | sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p')
				echo "$1 $round ${h:-0}" >>"$OUT/h2load.txt"
				echo "compare: round $round $1 h2load keep-alive c=64: ${h:-no result} req/s" >&2
			fi
		done
		# The guest's own counters after its points (drops, retransmissions, each kernel's
		# share): what explains a latency tail.
		[ "$sys" = linux ] || save_status "$sys" "$round"
		NSTAT_HISTORY=$OUT/nstat.hist in_ns nstat >"$OUT/nstat-$sys-$round.txt"
		stop_guest
	done
done

/usr/bin/python3 tools/bench/compare_table.py "$OUT" "$(getconf CLK_TCK)" "$CPUS" "$NIC" | tee "$OUT/table.md"
# Into docs/BENCHMARKS.md, in the block of this NIC and CPU count (DOCS=none leaves it alone).
if [ "${DOCS:-docs}" != none ]; then
	/usr/bin/python3 tools/bench/put_in_docs.py "${DOCS:-docs}/BENCHMARKS.md" "compare $NIC ${CPUS}cpu" \
		"$OUT/table.md" "${DOCS:-docs}/img" "$OUT/compare-rps.png" "$OUT/compare-p99.png"
fi
