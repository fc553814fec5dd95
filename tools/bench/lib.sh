# Shared by the network benchmarks (http_bench.sh, compare.sh), sourced with OUT set: the
# namespace with its tap, stopping a guest, one wrk point, QEMU's CPU time.
GUEST_IP=198.18.0.2
HOST_IP=198.18.0.1
qpid=

in_ns() { ip netns exec "$ns" "$@"; }

# stop_guest: ip netns exec passes no signal on, so QEMU (started with -pidfile
# $OUT/qemu.pid) is killed by its own pid.
stop_guest() {
	[ -s "$OUT/qemu.pid" ] && kill "$(cat "$OUT/qemu.pid")" 2>/dev/null
	[ -n "$qpid" ] && wait "$qpid" 2>/dev/null
	rm -f "$OUT/qemu.pid"
	qpid=
}

# bench_netns NAME TAP: the namespace and its tap (host side $HOST_IP), removed on exit.
bench_netns() {
	ns=$1 tap=$2
	trap 'stop_guest; ip netns del "$ns" 2>/dev/null' EXIT
	ip netns add "$ns" && in_ns ip link set lo up && in_ns ip tuntap add dev "$tap" mode tap &&
		in_ns ip addr add "$HOST_IP/24" dev "$tap" && in_ns ip link set "$tap" up || exit 1
	# With Connection: close the server closes first, but the client's ports still cycle
	# fast: a wide range, and TIME_WAIT reuse on this side.
	in_ns sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65000"
	# p99.9 is not in wrk's --latency output: a done() hook prints it, with the counts.
	cat >"$OUT/pct.lua" <<'LUA'
done = function(summary, latency, requests)
	io.write(string.format("PCT %d %d %d %d %d %d %d\n", latency:percentile(50),
		latency:percentile(99), latency:percentile(99.9), summary.requests,
		summary.errors.connect + summary.errors.read + summary.errors.write +
		summary.errors.status, summary.errors.timeout, summary.duration))
end
LUA
}

# The QEMU process's utime + stime, in clock ticks.
qemu_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$(cat "$OUT/qemu.pid")/stat"; }

# qemu_thread_ticks: utime + stime of QEMU's threads, in clock ticks, as "MAIN VCPUS": the main
# loop (the thread whose id is the process's: device models, the tap, timers) and the vCPU
# threads comma-separated in CPU order. QEMU must run with -name NAME,debug-threads=on, which
# names a vCPU thread "CPU n/TCG" under multi-threaded TCG and the one thread that runs every
# vCPU "ALL CPUs/TCG" under single-threaded TCG (then VCPUS is that one figure). The stat
# line is read after the ")" that ends the name, since the name has spaces.
qemu_thread_ticks() {
	local pid t comm rest main=0 n ticks
	local -a cpu=()
	pid=$(cat "$OUT/qemu.pid")
	for t in /proc/"$pid"/task/*; do
		comm=$(cat "$t/comm" 2>/dev/null) && rest=$(cat "$t/stat" 2>/dev/null) || continue
		rest=${rest##*) }
		ticks=$(awk '{ print $12 + $13 }' <<<"$rest")
		case $comm in
		"CPU "*/TCG) n=${comm#CPU }; cpu[${n%%/*}]=$ticks ;;
		"ALL CPUs/TCG") cpu[0]=$ticks ;;
		*) [ "${t##*/}" = "$pid" ] && main=$ticks ;;
		esac
	done
	local IFS=,
	echo "$main ${cpu[*]:-0}"
}

# ticks_delta "MAIN VCPUS" "MAIN VCPUS": the second snapshot less the first, same format.
ticks_delta() {
	local -a a b
	local i out
	read -r -a a <<<"${1//,/ }"
	read -r -a b <<<"${2//,/ }"
	out="$(( b[0] - a[0] ))"
	for (( i = 1; i < ${#b[@]}; i++ )); do
		out+="$([ "$i" -eq 1 ] && echo ' ' || echo ,)$(( b[i] - ${a[i]:-0} ))"
	done
	echo "$out"
}

# wrk_point URL MODE CONNS SECONDS: one wrk run ("close" adds Connection: close); prints
# "PCT p50_us p99_us p999_us requests errors timeouts duration_us CPU_TICKS MAIN_TICKS
# VCPU_TICKS" (VCPU_TICKS comma-separated per vCPU thread; see qemu_thread_ticks).
wrk_point() {
	local url=$1 mode=$2 c=$3 secs=$4 hdr=() before after tb ta line
	[ "$mode" = close ] && hdr=(-H "Connection: close")
	before=$(qemu_cpu_ticks)
	tb=$(qemu_thread_ticks)
	line=$(in_ns timeout $((secs + 30)) wrk -t $((c < 2 ? 1 : 2)) -c "$c" -d "${secs}s" \
		--timeout 5s -s "$OUT/pct.lua" "${hdr[@]}" "$url" 2>&1 | grep '^PCT')
	ta=$(qemu_thread_ticks)
	after=$(qemu_cpu_ticks)
	echo "${line:-PCT 0 0 0 0 1 0 1} $((after - before)) $(ticks_delta "$tb" "$ta")"
}
