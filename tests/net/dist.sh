# The distributed stack's network suite, sourced by tests/net/run.sh (which has the namespace,
# boot, check, run_checks and the 16 MiB file): the same checks on the e1000 and on the igb
# with 1, 2 and 4 kernels, every kernel running httpd and the echo service on a stack of its
# own (/etc/net-per-kernel.conf). On the igb each kernel drives its own queue pair; on the
# e1000 kernel 0 steers the other kernels' frames to them in software (kernel/swsteer.h).
# Defines functions only: tests/lib/expected.sh sources it for the names it passes.

DIST_CONFIGS="e1000:1 e1000:2 e1000:4 igb:1 igb:2 igb:4"
# What every configuration reports, each as net.dist_<nic>_<n>k_<check>:
DIST_CHECKS="up ping_is_answered curl_16mib_byte_exact conns_500_at_once_all_answered"
DIST_CHECKS+=" wrk_keepalive_without_errors wrk_close_without_errors"
# ... with more than one kernel, tests/net/rss_check.py's checks too (its per_kernel_ names
# renamed the same way), ports tracked one by one (a port only kernel 0 serves, UDP clients
# on every kernel), and on the e1000 the packet pool's:
DIST_CHECKS_MULTI="port_only_kernel0_serves_is_served_from_every_bucket"
DIST_CHECKS_MULTI+=" udp_client_on_every_kernel_gets_its_echoes"
DIST_CHECKS_SOFT="pool_returns_all_proper"

# dist_expected: every name the matrix passes (for tests/lib/expected.sh).
dist_expected() {
	local c nic n r
	for c in $DIST_CONFIGS; do
		nic=${c%:*} n=${c#*:}
		for r in $DIST_CHECKS; do echo "net.dist_${nic}_${n}k_$r"; done
		[ "$n" -gt 1 ] || continue
		for r in $DIST_CHECKS_MULTI; do echo "net.dist_${nic}_${n}k_$r"; done
		perl -ne 'print "$1\n" while /\breport\("per_kernel_([a-z0-9_]+)"/g' tests/net/rss_check.py |
			sed "s/^/net.dist_${nic}_${n}k_/"
		[ "$nic" = e1000 ] && for r in $DIST_CHECKS_SOFT; do echo "net.dist_${nic}_${n}k_$r"; done
	done
	return 0
}

# dist_kernels_up NIC N LOG: every kernel has its interface (its own queue, or software
# steering) and, with more than one, kernel 0 has spread the buckets over all of them.
dist_kernels_up() {
	local nic=$1 n=$2 log=$3 k all=0
	for ((k = 1; k < n; k++)); do
		if [ "$nic" = igb ]; then
			seen "net: kernel $k drives igb queue $k" "$log" || return 1
		else
			seen "net: kernel $k has a stack of its own, steered in software" "$log" || return 1
		fi
		all+=",$k"
	done
	[ "$n" -eq 1 ] || seen "net: RSS buckets spread over kernels $all" "$log"
}

# dist_pool_proper P: each kernel owns a block of the pool; over 40 /status answers (from
# random source ports, so that every kernel answers some: the host's own ephemeral ports go
# in steps that can keep to one kernel's buckets) every block's owner saw no double return
# and no return from a kernel not holding the buffer.
dist_pool_proper() {
	local p=$1 pools=
	for _ in $(seq 40); do
		pools+=" $(in_ns curl -sf --max-time 20 --local-port $((RANDOM % 20000 + 10000)) \
			"http://$GUEST_IP/status" | $PY -c 'import json,sys; s=json.load(sys.stdin)
p = s["net"]["interface"]["pool"]; print("%d:%d" % (s["kernel"], p["double_returns"] + p["not_held"]))' 2>/dev/null)"
	done
	[[ "$pools" == *" 0:0"* && "$pools" == *" 1:0"* && "$pools" != *:[1-9]* ]] &&
		pass "${p}_pool_returns_all_proper" ||
		fail "${p}_pool_returns_all_proper" "kernel:wrong returns of 40 /status: $pools"
}

# dist_udp_clients P N: udpcheck on every kernel, typed into the shell, sends 10 datagrams
# from an ephemeral port of its kernel to a UDP echo on the host; the answers are hashed on
# the address pair only, so most land on another kernel, which hands them on by the port's
# slice (kernel/netports.h): every kernel's line must say 10 of 10.
dist_udp_clients() {
	local p=$1 n=$2 k echo missing=
	in_ns $PY -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'"$HOST_IP"'", 7777))
s.settimeout(60)
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
' 2>/dev/null &
	echo=$!
	sleep 0.5
	for ((k = 0; k < n; k++)); do
		guest_type "run /bin/udpcheck $HOST_IP 7777 10 @$k"
		sleep 0.5
	done
	for ((k = 0; k < n; k++)); do
		seen "[k$k] udpcheck: 10 of 10 echoed" "$OUT/$guest.log" || missing+=" $k"
	done
	kill "$echo" 2>/dev/null
	wait "$echo" 2>/dev/null
	[ -z "$missing" ] && pass "${p}_udp_client_on_every_kernel_gets_its_echoes" ||
		fail "${p}_udp_client_on_every_kernel_gets_its_echoes" "no '10 of 10' from kernels$missing: $(grep -a 'udpcheck:' "$OUT/$guest.log" | tr '\n' ' ')"
}

# dist_config NIC N: one machine of the matrix, booted, checked and stopped.
dist_config() {
	local nic=$1 n=$2 p="net.dist_${1}_${2}k" steered= got r
	if ! BOOT_CPUS=$n boot "dist-$nic-$n" -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device "$nic,netdev=n0,mac=$GUEST_MAC" || ! dist_kernels_up "$nic" "$n" "$OUT/dist-$nic-$n.log"; then
		fail "${p}_up" "not every kernel came up with its stack and buckets; see $OUT/dist-$nic-$n.log"
		stop_guest
		return
	fi
	pass "${p}_up"
	r=$(ping_replies 5 56)
	[ "${r:-0}" -eq 5 ] && pass "${p}_ping_is_answered" || fail "${p}_ping_is_answered" "${r:-0} of 5 answered"
	got=$(in_ns curl -sf --max-time 120 "http://$GUEST_IP/big.bin" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$big_sum" ] && pass "${p}_curl_16mib_byte_exact" ||
		fail "${p}_curl_16mib_byte_exact" "sha256 $got, expected $big_sum"
	check "${p}_conns_500_at_once_all_answered" "not every one of 500 connections was answered whole" \
		in_ns timeout 120 $PY tests/net/many_conns.py "$GUEST_IP" 80 500 /1k.html user/initrd/www/1k.html
	check_wrk "${p}_wrk_keepalive_without_errors" keepalive
	check_wrk "${p}_wrk_close_without_errors" close
	if [ "$n" -gt 1 ]; then
		[ "$nic" = e1000 ] && steered=$(seq -s, 1 $((n - 1)))
		run_checks "${p}_rss_check" 300 "s/ net\\.per_kernel_/ ${p//./\\.}_/" \
			$PY tests/net/rss_check.py "$HOST_IP" "$GUEST_IP" 1000 "$n" $steered
		check "${p}_port_only_kernel0_serves_is_served_from_every_bucket" \
			"a connection to port 81 (kernel 0's alone) was refused or answered elsewhere" \
			in_ns timeout 120 $PY tests/net/port_check.py "$HOST_IP" "$GUEST_IP" 81 200 0
		dist_udp_clients "$p" "$n"
		[ "$nic" = e1000 ] && dist_pool_proper "$p"
	fi
	stop_guest
}

# dist_make_iso: net-dist.iso, every kernel serving (also for tests/net/moveload.sh).
dist_make_iso() {
	tools/mkiso.sh "$img/kernel.elf" "$OUT/net-dist.iso" \
		"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 init=/etc/net-per-kernel.conf" >/dev/null ||
		{ fail net.dist_iso "mkiso failed"; return 1; }
}

dist_run_all() {
	local c
	dist_make_iso || return
	for c in $DIST_CONFIGS; do
		BOOT_ISO=$OUT/net-dist.iso dist_config "${c%:*}" "${c#*:}"
	done
}
