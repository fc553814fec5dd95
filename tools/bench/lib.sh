# Shared by the network benchmarks (http_bench.sh, compare.sh, conns_bench.sh, hog_bench.sh,
# soak.sh), sourced with OUT set: the namespace with its tap, a guest on an igb, stopping a
# guest, one wrk point, QEMU's CPU time, the guest's /status and each kernel's own, waiting
# for every kernel to serve.
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

# start_guest_igb ISO CPUS MEM: QEMU booting ISO on the namespace's tap through an igb, in
# the background, its serial console in $OUT/guest.log and its pid in $OUT/qemu.pid, its
# threads named for qemu_thread_ticks.
start_guest_igb() {
	rm -f "$OUT/guest.log" "$OUT/qemu.pid"
	in_ns tools/qemu.sh "$1" --cpus "$2" --mem "$3" --timeout 7200 --serial "$OUT/guest.log" \
		-- -pidfile "$OUT/qemu.pid" -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device igb,netdev=n0 -name flotilla,debug-threads=on >"$OUT/qemu.out" 2>&1 &
	qpid=$!
}

# guest_serving N: the guest's network is up on its N kernels (kernel 0 has spread the RSS
# buckets over kernels 0 .. N-1, within 2 minutes of boot) and every kernel serves
# (wait_serving). False if either never comes.
guest_serving() {
	local spread="net: RSS buckets spread over kernels $(seq -s, 0 $(($1 - 1)))"
	for _ in $(seq 1200); do
		grep -q "$spread" "$OUT/guest.log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "$spread" "$OUT/guest.log" && wait_serving "$OUT/guest.log" "$1"
}

# kernel_statuses N: each of N kernels' own /status (each answer comes from the kernel its
# connection's RSS bucket names), one JSON line per kernel in kernel order, asked up to 200
# times until every kernel has answered; a kernel that never did has no line.
kernel_statuses() {
	local line k
	local -a seen=()
	for _ in $(seq 200); do
		line=$(in_ns curl -sf --max-time 20 "http://$GUEST_IP/status" | tr -d '\n') || continue
		k=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["kernel"])' \
			<<<"$line" 2>/dev/null) || continue
		[ -n "${seen[k]:-}" ] || seen[k]=$line
		[ "${#seen[@]}" -ge "$1" ] && break
	done
	printf '%s\n' "${seen[@]}"
}

# The QEMU process's utime + stime, in clock ticks.
qemu_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$(cat "$OUT/qemu.pid")/stat"; }

# qemu_thread_ticks: QEMU's threads' CPU time as "MAIN VCPUS WAITS": the main loop's utime +
# stime in clock ticks (the thread whose id is the process's: device models, the tap,
# timers), the vCPU threads' the same, comma-separated in CPU order, and the vCPU threads'
# time runnable but waiting for a host CPU (/proc/PID/task/TID/schedstat, second field), in
# milliseconds, the same way. QEMU must run with -name NAME,debug-threads=on, which names a
# vCPU thread "CPU n/TCG" under multi-threaded TCG and the one thread that runs every vCPU
# "ALL CPUs/TCG" under single-threaded TCG (then each list has that one figure). The stat
# line is read after the ")" that ends the name, since the name has spaces.
qemu_thread_ticks() {
	local pid t comm rest main=0 n ticks wait
	local -a cpu=() waits=()
	pid=$(cat "$OUT/qemu.pid")
	for t in /proc/"$pid"/task/*; do
		comm=$(cat "$t/comm" 2>/dev/null) && rest=$(cat "$t/stat" 2>/dev/null) &&
			wait=$(awk '{ printf "%d", $2 / 1000000 }' "$t/schedstat" 2>/dev/null) || continue
		rest=${rest##*) }
		ticks=$(awk '{ print $12 + $13 }' <<<"$rest")
		case $comm in
		"CPU "*/TCG) n=${comm#CPU }; n=${n%%/*}; cpu[n]=$ticks; waits[n]=$wait ;;
		"ALL CPUs/TCG") cpu[0]=$ticks; waits[0]=$wait ;;
		*) [ "${t##*/}" = "$pid" ] && main=$ticks ;;
		esac
	done
	local IFS=,
	echo "$main ${cpu[*]:-0} ${waits[*]:-0}"
}

# ticks_delta SNAPSHOT SNAPSHOT: the second of two qemu_thread_ticks snapshots less the
# first, figure by figure, in the same format.
ticks_delta() {
	local -a a b x y
	local g i out= part
	read -r -a a <<<"$1"
	read -r -a b <<<"$2"
	for (( g = 0; g < ${#b[@]}; g++ )); do
		IFS=, read -r -a x <<<"${a[g]:-}"
		IFS=, read -r -a y <<<"${b[g]}"
		part=
		for (( i = 0; i < ${#y[@]}; i++ )); do
			part+="${part:+,}$(( y[i] - ${x[i]:-0} ))"
		done
		out+="${out:+ }$part"
	done
	echo "$out"
}

# wrk_point URL MODE CONNS SECONDS: one wrk run ("close" adds Connection: close); prints
# "PCT p50_us p99_us p999_us requests errors timeouts duration_us CPU_TICKS MAIN_TICKS
# VCPU_TICKS VCPU_WAIT_MS" (the last two comma-separated per vCPU thread; qemu_thread_ticks).
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

# guest_status EXPR: EXPR (Python, over the guest's /status as s) printed, or nothing.
guest_status() {
	in_ns curl -sf --max-time 20 "http://$GUEST_IP/status" |
		/usr/bin/python3 -c "import json,sys; s=json.load(sys.stdin); print(*[$1])" 2>/dev/null
}

# wait_serving LOG N: within 30 s, httpd listens on port 80 on each of the N kernels (LOG's
# lines say so), then within 30 s more each owns 128/N RSS buckets, the policy's even
# spread: until both, port 80's segments go to the kernels already serving, unevenly.
# tests/net/run.sh's httpd_on_every_kernel and spread_settled wait the same way.
wait_serving() {
	local n
	for _ in $(seq 150); do
		n=$(tr -d '\r' <"$1" | grep -cE '^\[k[0-9]+\] httpd: listening on port 80')
		[ "$n" -ge "$2" ] && break
		sleep 0.2
	done
	[ "$n" -ge "$2" ] || return 1
	for _ in $(seq 60); do
		[ "$(guest_status "[k['nbuckets'] for k in s['kernels']] == [128 // $2] * $2")" = True ] &&
			return 0
		sleep 0.5
	done
	return 1
}
