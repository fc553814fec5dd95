#!/usr/bin/env bash
# Network tests over a tap device in a network namespace made for the run: the host side is
# 198.18.0.1, the guest 198.18.0.2 (RFC 2544's benchmarking range). Traffic goes only there,
# bounded in count and time. Needs root for the namespace; without it, says so loudly.
#
# The guest boots with init=/etc/net.conf (httpd on ports 80 and 81, the echo service on 7)
# and an initrd that also holds /www/big.bin and /www/64k.bin, 16 MiB and 64 KiB of random
# bytes made for this run.
# Boots: one kernel on the tap directly with an e1000 (ARP, ping, UDP, TCP, HTTP, 500
# connections, wrk, malformed packets, a SYN flood), one the same way with an igb (ping, UDP,
# TCP, HTTP, wrk); the distributed stack's matrix, e1000 and igb with 1, 2 and 4 kernels
# serving (tests/net/dist.sh); httpd -w's single socket; a kernel's death under load
# (tests/net/death.sh); the load balancer against a CPU hog (tests/net/monitor.sh); 5,000
# held connections (tests/net/conns.sh); buckets moved under load, 4 kernels on each NIC
# (tests/net/moveload.sh); malformed packets and the SYN flood against 4 kernels on the
# e1000 (tests/net/hostile4.sh); and through tests/net/lossy_link.py, which loses 5% of the
# frames each way and reorders 10%, where every byte must still arrive, one kernel and then 4.
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
OUT=$BUILD/test/net
HOST_IP=198.18.0.1
GUEST_IP=198.18.0.2
# Not QEMU's default MAC, so that a guest answering ARP with a MAC of its own making fails.
GUEST_MAC=52:54:00:f1:07:02
PY=/usr/bin/python3             # Debian's, which has scapy (another python3 may come first)
mkdir -p "$OUT"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
check() { # check NAME WHY COMMAND...: PASS if the command succeeds
	local name=$1 why=$2 status
	shift 2
	"$@"
	status=$?
	if [ "$status" -eq 0 ]; then
		pass "$name"
	elif [ "$status" -eq 124 ]; then
		fail "$name" "$why: no end within its time limit ($*)"
	else
		fail "$name" "$why (exit $status)"
	fi
}

# Without root there is no namespace: every check is skipped by name, so that the closing
# line's skip count shows them. NET_TEST_AS_USER=1 takes this path as root too (to see it).
if [ "$(id -u)" -ne 0 ] || [ "${NET_TEST_AS_USER:-0}" = 1 ]; then
	echo "******** network tests SKIPPED: they need root to create a network namespace ********" >&2
	echo "******** $(tests/lib/expected.sh net | wc -l) checks not run: run as root to run them ********" >&2
	tests/lib/expected.sh net | sed 's/$/: not root, so no network namespace to run in/; s/^/SKIP /'
	exit 0
fi

ns=flotilla-test-$$
tap=flt-tap0
qpid= rpid= guest=
# ip netns exec does not pass signals on, so QEMU and the relay are killed by their own pids.
# A guest that ended before it was stopped (a crash, or QEMU's own time limit, exit 124)
# is a failure: the checks it answered may not cover what came after.
stop_guest() {
	local status
	if [ -n "$qpid" ] && ! kill -0 "$qpid" 2>/dev/null; then
		wait "$qpid"
		status=$?
		fail "net.$guest.guest_ended_early" "QEMU exited $status before the checks were done; see $OUT/$guest.log"
		qpid=
	fi
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	[ -s "$OUT/qemu.pid" ] && kill "$(cat "$OUT/qemu.pid")" 2>/dev/null
	[ -n "$qpid" ] && wait "$qpid" 2>/dev/null
	rm -f "$OUT/qemu.pid"
	qpid= rpid=
}
cleanup() {
	stop_guest
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
in_ns() { ip netns exec "$ns" "$@"; }

# run_checks NAME SECONDS SED COMMAND...: a script of checks of its own, in the namespace,
# under a time limit (expiry: a FAIL naming NAME), its lines edited by the sed -E script SED
# (if not empty). Exiting non-zero without a FAIL line of its own is a failure too.
run_checks() {
	local name=$1 secs=$2 edit=$3 out status
	shift 3
	out=$(mktemp "${TMPDIR:-/tmp}/flotilla-net.XXXXXX")
	in_ns tests/lib/limit.sh "$name.time_limit" "$secs" "$@" 2>"$OUT/$name.err" | sed -E "$edit" | tee "$out"
	status=${PIPESTATUS[0]}
	if [ "$status" -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
		fail "$name" "exited $status without naming a failed check: $(tail -3 "$OUT/$name.err" | tr '\n' ' ')"
	fi
	rm -f "$out"
}

ip netns add "$ns" &&
	in_ns ip link set lo up &&
	in_ns ip tuntap add dev "$tap" mode tap &&
	in_ns ip addr add "$HOST_IP/24" dev "$tap" &&
	in_ns ip link set "$tap" up ||
	{ fail net.namespace "could not create the namespace and tap"; exit 1; }

# The image: the kernel, and the usual initrd plus the big file.
img=$OUT/img
rm -rf "$img" "$OUT/lossy.err" && mkdir -p "$img/initrd/www"
cp -a "$BUILD/initrd/." "$img/initrd/"
head -c $((16 << 20)) /dev/urandom >"$img/initrd/www/big.bin"
cp "$img/initrd/www/big.bin" "$OUT/big.bin"
head -c $((64 << 10)) /dev/urandom >"$img/initrd/www/64k.bin"     # tests/net/moveload.sh's
cp "$img/initrd/www/64k.bin" "$OUT/64k.bin"
(cd "$img/initrd" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >../initrd.cpio)
cp "$BUILD/kernel.elf" "$img/kernel.elf"
tools/mkiso.sh "$img/kernel.elf" "$OUT/net.iso" \
	"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 init=/etc/net.conf" >/dev/null ||
	{ fail net.iso "mkiso failed"; exit 1; }

# boot NAME NETDEV...: starts the guest (BOOT_ISO, or net.iso; BOOT_CPUS kernels, or 2) with
# those QEMU network arguments and waits until its services are up (60 s at most).
boot() {
	local name=$1
	shift
	guest=$name
	rm -f "$OUT/$name.log" "$OUT/$name.sock"
	rm -f "$OUT/qemu.pid"
	in_ns tools/qemu.sh "${BOOT_ISO:-$OUT/net.iso}" --cpus "${BOOT_CPUS:-2}" --mem 1G --timeout 600 \
		--serial "$OUT/$name.log" --serial-input "$OUT/$name.sock" \
		-- -pidfile "$OUT/qemu.pid" "$@" >"$OUT/$name.qemu.out" 2>&1 &
	qpid=$!
	for _ in $(seq 600); do
		tr -d '\r' 2>/dev/null <"$OUT/$name.log" | grep -q "echod: echoing" && return 0
		kill -0 "$qpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# seen LINE LOG: LINE (a fixed string) appears in LOG within 10 s.
seen() {
	for _ in $(seq 100); do
		grep -qF "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}

# guest_type LINE: LINE typed into the running guest's serial console (kernel 0's shell),
# as tools/guest-type.sh types it, but with the connection held until the guest has echoed
# the whole line and its Enter (5 s at most): kernel 0 reads its UART only at its tick (kernel/console.c),
# which a loaded guest may not reach for a while, and QEMU drops whatever it had not read
# yet when the connection closes.
guest_type() {
	$PY - "$OUT/$guest.sock" "$1" "$OUT/$guest.log" <<'PY'
import os, socket, sys, time
sock, line, log = sys.argv[1:4]
start = os.path.getsize(log)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock)
for c in line + "\r":
    s.sendall(c.encode())
    time.sleep(0.002)
end = time.monotonic() + 5
while time.monotonic() < end:
    with open(log, "rb") as f:
        f.seek(start)
        # The echo: the line's characters (a line from another kernel redraws those typed
        # so far on a line of their own), then the end of the line, once Enter was read.
        if line.encode() + b"\n" in f.read().replace(b"\r", b""):
            break
    time.sleep(0.05)
time.sleep(0.1)
s.close()
PY
}

# ping COUNT SIZE: how many of COUNT echo requests of SIZE data bytes were answered.
ping_replies() {
	in_ns ping -n -q -c "$1" -s "$2" -i 0.2 -W 2 "$GUEST_IP" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# status_of EXPR: EXPR (Python, over the guest's /status as s) printed, or nothing.
status_of() {
	in_ns curl -sf --max-time 20 "http://$GUEST_IP/status" |
		$PY -c "import json,sys; s=json.load(sys.stdin); print(*[$1])" 2>/dev/null
}

# spread_settled N: within 30 s, each of the N kernels owns 128/N buckets: the policy's even
# spread is reached. Its "spread over kernels" line comes when its moves begin, and a bucket
# that must move again waits for the drain of its last move (kernel/netmove.h), which lasts
# as long as that bucket's connections and lingers.
spread_settled() {
	for _ in $(seq 60); do
		[ "$(status_of "[r['nbuckets'] for r in s['kernels']] == [128 // $1] * $1")" = True ] &&
			return 0
		sleep 0.5
	done
	return 1
}

# httpd_on_every_kernel LOG N: within 30 s, httpd listens on port 80 on each of N kernels (its
# workers start once buckets are spread, which the echo service's port is enough for), and a
# moment more for kernel 0 to hear of the last: until then port 80's segments go to the
# kernels already listening.
httpd_on_every_kernel() {
	for _ in $(seq 150); do
		[ "$(tr -d '\r' <"$1" | grep -cE '^\[k[0-9]+\] httpd: listening on port 80')" -ge "$2" ] &&
			sleep 2 && return 0
		sleep 0.2
	done
	return 1
}

# check_wrk NAME keepalive|close: wrk, briefly: no errors of any kind.
check_wrk() {
	local name=$1 mode=$2 out reqs hdr=()
	[ "$mode" = close ] && hdr=(-H "Connection: close")
	out=$(in_ns timeout 60 wrk -t 2 -c 16 -d 3s "${hdr[@]}" "http://$GUEST_IP/1k.html" 2>&1)
	echo "$out" >"$OUT/$name.txt"
	reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")
	if [ "${reqs:-0}" -gt 0 ] && ! grep -q "Socket errors\|Non-2xx" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "$(grep -E 'requests in|errors|Non-2xx' <<<"$out" | tr '\n' ' ')"
	fi
}

# syn_flood COUNT RATE: COUNT SYNs at RATE a second from spoofed sources that never answer
# (tests/net/synflood.py), while the home page is fetched again and again over the whole
# flood, each fetch given 2 s. Sets flood_status (the flood script's exit status),
# flood_tries, flood_served (answered whole in time) and flood_slow (the others).
syn_flood() {
	local flood t
	in_ns timeout 120 $PY tests/net/synflood.py "$tap" "$GUEST_MAC" "$host_mac" "$GUEST_IP" "$1" "$2" \
		>"$OUT/$guest.synflood.txt" 2>&1 &
	flood=$!
	sleep 1
	flood_served=0 flood_tries=0 flood_slow=""
	while kill -0 "$flood" 2>/dev/null; do
		flood_tries=$((flood_tries + 1))
		t=$(in_ns curl -sf --max-time 2 -w '%{time_total}' -o "$OUT/during-flood.html" "http://$GUEST_IP/")
		if [ $? -eq 0 ] && cmp -s "$OUT/during-flood.html" user/initrd/www/index.html; then
			flood_served=$((flood_served + 1))
		else
			flood_slow+=" #$flood_tries(${t:-none})"
		fi
		sleep 0.25
	done
	wait "$flood"
	flood_status=$?
}

# lossy_link_up: the tap replaced by tests/net/lossy_link.py's relay, which loses 5% and
# reorders 10% of the frames each way (its pid in rpid: stop_guest ends it with the guest);
# QEMU reaches it through LOSSY_NETDEV.
LOSSY_NETDEV="dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=10000,remote.type=inet,remote.host=127.0.0.1,remote.port=10001"
lossy_link_up() {
	rm -f "$OUT/relay.pid"
	in_ns ip link del "$tap" 2>/dev/null        # the namespace's tap; the relay's goes with it
	in_ns sh -c 'echo $$ >"$1"; exec "$2" tests/net/lossy_link.py "$3" 10000 10001 5 10 42' relay \
		"$OUT/relay.pid" "$PY" "$tap" 2>>"$OUT/lossy.err" &
	for _ in $(seq 50); do [ -s "$OUT/relay.pid" ] && break; sleep 0.1; done
	rpid=$(cat "$OUT/relay.pid")
	for _ in $(seq 50); do in_ns ip link show "$tap" >/dev/null 2>&1 && break; sleep 0.1; done
	in_ns ip addr add "$HOST_IP/24" dev "$tap" && in_ns ip link set "$tap" up
}

big_sum=$(sha256sum <"$OUT/big.bin" | cut -d' ' -f1)
host_mac=$(in_ns cat "/sys/class/net/$tap/address")

. tests/net/death.sh && death_run_all          # a kernel's death under load (NET_ONLY=death: alone)

# NET_ONLY=dist runs the distributed matrix alone (for work on it; every other check of the
# suite is then missing, which the harness counts as failed); NET_ONLY=monitor the load
# balancer's boot alone.
if [ "${NET_ONLY:-}" = dist ]; then
	. tests/net/dist.sh
	dist_run_all
	exit 0
fi
if [ "${NET_ONLY:-}" = monitor ]; then
	. tests/net/monitor.sh
	monitor_run_all
	exit 0
fi
if [ "${NET_ONLY:-}" = conns ]; then             # the held connections' boot alone
	. tests/net/conns.sh
	conns_run
	exit 0
fi
# NET_ONLY=moveload runs the moves under load alone (tests/net/moveload.sh), NET_ONLY=hostile4
# the hostile traffic and the lossy link against 4 kernels (tests/net/hostile4.sh), the same way.
if [ "${NET_ONLY:-}" = moveload ] || [ "${NET_ONLY:-}" = hostile4 ]; then
	. tests/net/dist.sh
	. tests/net/moveload.sh
	. tests/net/hostile4.sh
	dist_make_iso || exit 1
	if [ "$NET_ONLY" = moveload ]; then
		moveload_run_all
	else
		hostile4_run
		hostile4_lossy
	fi
	exit 0
fi

if ! BOOT_CPUS=1 boot net -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "e1000,netdev=n0,mac=$GUEST_MAC" ||
	! grep -q "net: $GUEST_IP/24 on the e1000" "$OUT/net.log"; then
	fail net.guest_configured "the guest did not bring up $GUEST_IP and its services; see $OUT/net.log"
	exit 1
fi
pass net.guest_configured

# What the guest holds (/status): TCP connections in any state but LISTEN, open sockets, the
# kernel heap's live bytes, and memory: free, in the heap's small-block frames (kept once
# taken), and in httpd's heap (grown, never given back).
HELD='sum(n for k, n in s["net"]["tcp_states"].items() if k != "LISTEN"), s["net"]["sockets"], s["memory"]["kernel_heap_live_bytes"], s["memory"]["kernel_free_bytes"] + s["memory"]["kernel_heap_slab_bytes"] + s["memory"]["httpd_heap_bytes"]'
# Slack for what a run may leave that is no leak: heap blocks of ARP entries and the like, and
# the page tables of a grown heap. A leak of a few hundred bytes per connection is more.
# The TCP stack also keeps up to 64 spare 64 KiB buffers while it has any connection
# (net/tcp_subr.c, TCP_SPARE_BUFFERS): reused memory, not a leak.
SPARES=$((64 * (64 << 10)))
HEAP_SLACK=$(((64 << 10) + SPARES))
MEM_SLACK=$(((2 << 20) + SPARES))

# check_sockets_back NAME BASELINE: within 150 s (TIME_WAIT's 60 s, and a flood's SYN_RECEIVED
# giving up after about 63 s) the guest holds no more connections and sockets than BASELINE
# (what HELD printed before the heavy runs), its kernel heap no more live bytes, and its
# memory is all accounted for as before: nothing the heavy runs opened leaks.
check_sockets_back() {
	local name=$1 base=$2 now=
	for _ in $(seq 75); do
		now=$(status_of "$HELD")
		back_to $base $now && break
		sleep 2
	done
	if back_to $base $now; then
		pass "$name"
	else
		fail "$name" "connections, sockets, heap live bytes, memory: ${base:-?} before, ${now:-?} 150 s on: $(status_of 's["net"]["tcp_states"]')"
	fi
	echo "net: $name: connections, sockets, heap live bytes, memory: ${base:-?} -> ${now:-?}"
}
# back_to C0 S0 H0 M0 C S H M: the second four within the first's bounds.
back_to() {
	[ $# -eq 8 ] && [ "$5" -le "$1" ] && [ "$6" -le "$2" ] && [ "$7" -le $(($3 + HEAP_SLACK)) ] &&
		[ "$8" -ge $(($4 - MEM_SLACK)) ]
}

# check_interrupts NAME BEFORE: the NIC's interrupts on this kernel moved since BEFORE (its
# /status count), and so did its received frames: the interrupt is routed and its handler
# runs, seen by its effect (a polled NIC still receives, but counts no interrupt).
IRQS='s["net"]["interface"]["interrupts"], s["net"]["interface"]["rx_frames"]'
check_interrupts() {
	local name=$1 i0 f0 i f
	read -r i0 f0 <<<"$2"
	read -r i f <<<"$(status_of "$IRQS")"
	if [ -n "$i0" ] && [ -n "$i" ] && [ "$i" -gt "$i0" ] && [ "$f" -gt "$f0" ]; then
		pass "$name"
	else
		fail "$name" "interrupts ${i0:-?} -> ${i:-?}, rx_frames ${f0:-?} -> ${f:-?} during pings"
	fi
}


held_before=$(status_of "$HELD")
irqs_before=$(status_of "$IRQS")
r=$(ping_replies 5 56)
[ "${r:-0}" -eq 5 ] && pass net.ping_is_answered || fail net.ping_is_answered "${r:-0} of 5 answered"
check_interrupts net.e1000_interrupts_counted "$irqs_before"
r=$(ping_replies 3 1400)
[ "${r:-0}" -eq 3 ] && pass net.large_ping_is_answered || fail net.large_ping_is_answered "${r:-0} of 3 answered"
# A 3000-byte ping leaves the host in 3 fragments (1480 + 1480 + 48 bytes of IP payload at an
# MTU of 1500), which the guest reassembles (RFC 1122 3.3.2) and answers in fragments: both
# pings answered, and no fragment refused under any reason.
frag_drops='sum(n for k, n in s["net"]["drops"].items() if k.startswith("ip_reass") or k.startswith("ip_frag"))'
frags_before=$(status_of "$frag_drops")
r=$(ping_replies 2 3000)
frags_after=$(status_of "$frag_drops")
if [ "${r:-0}" -eq 2 ] && [ -n "$frags_before" ] && [ -n "$frags_after" ] &&
	[ "$frags_after" -eq "$frags_before" ]; then
	pass net.fragmented_ping_is_reassembled
else
	fail net.fragmented_ping_is_reassembled "${r:-0} of 2 answered; fragment drops ${frags_before:-?} -> ${frags_after:-?}, want no change"
fi
# ... and is still there afterwards.
r=$(ping_replies 2 56)
[ "${r:-0}" -eq 2 ] && pass net.ping_answered_after_fragments || fail net.ping_answered_after_fragments "${r:-0} of 2 answered"
guest_mac=$GUEST_MAC

# UDP and TCP through the echo service (RFC 862).
check net.udp_echo "datagrams did not come back unchanged" \
	in_ns timeout 60 $PY tests/net/echo_check.py udp "$GUEST_IP" 7
check net.tcp_echo_1mib_both_ways "the stream did not come back whole" \
	in_ns timeout 120 $PY tests/net/echo_check.py tcp "$GUEST_IP" 7 $((1 << 20))
# A burst faster than echod reads (64 frames a poll, 64 KiB a UDP socket) fills its receive
# queue: the datagrams past it are counted as udp_rcvbuf, and echod still answers after.
check net.udp_rcvbuf_full_is_counted "no udp_rcvbuf drop counted, or more than were lost" \
	in_ns timeout 120 $PY tests/net/echo_check.py udp-flood "$GUEST_IP" 7 3000

# HTTP as a real client: the home page and the 16 MiB file, byte-exact.
if in_ns curl -sf --max-time 20 "http://$GUEST_IP/" -o "$OUT/index.html" &&
	cmp -s "$OUT/index.html" user/initrd/www/index.html; then
	pass net.curl_home_page
else
	fail net.curl_home_page "curl failed or the page differs from user/initrd/www/index.html"
fi
got_sum=$(in_ns curl -sf --max-time 120 "http://$GUEST_IP/big.bin" | sha256sum | cut -d' ' -f1)
[ "$got_sum" = "$big_sum" ] && pass net.curl_16mib_byte_exact ||
	fail net.curl_16mib_byte_exact "sha256 $got_sum, expected $big_sum"

# httpd's own suite against the guest: methods, errors, keep-alive, pipelining, limits, 500
# connections at once, /status. Its lines are renamed into this suite.
run_checks net.guest_httpd 900 's/^(PASS|FAIL|SKIP) httpd\./\1 net.guest_httpd./' \
	tests/httpd/run.sh --target "$GUEST_IP:80" --docroot user/initrd/www \
	--big "/big.bin=$OUT/big.bin" --idle-target "$GUEST_IP:81" --idle 1 --conns 500
# httpd's memory bound on the guest: a client that sends 4000 pipelined requests and reads
# nothing for a second grows its heap (/status) by 16 MiB at most. The script's own verdict
# line is kept as a note, so that it counts once, under this suite's name.
guest_httpd_memory() {
	in_ns timeout 120 $PY tests/httpd/checks.py --target "$GUEST_IP:80" --docroot user/initrd/www \
		--status-memory --only pipelined_flood_memory_bounded >"$OUT/httpd-memory.txt" 2>&1
	local status=$?
	sed -E 's/^(PASS|FAIL|SKIP) httpd\./net: httpd memory: \1 /' "$OUT/httpd-memory.txt"
	return $status
}
check net.guest_httpd_memory_bounded "httpd's heap grew past its bound, or /status did not say" \
	guest_httpd_memory

# The kernel's cost counters (kernel/cost.h, /status "cost") count what fetching them costs:
# between two /status answers of this one kernel, its system calls, NIC register writes,
# interrupts and the time inside NIC accesses all grow.
status_costs_grow() {
	local fields='s["cost"]["syscalls"], s["cost"]["nic_writes"], s["cost"]["interrupts"], s["cost"]["nic_ns"]'
	local -a a b
	read -r -a a <<<"$(status_of "$fields")"
	read -r -a b <<<"$(status_of "$fields")"
	echo "net: cost counters ${a[*]:-none} -> ${b[*]:-none}"
	[ "${#a[@]}" -eq 4 ] && [ "${#b[@]}" -eq 4 ] || return 1
	for i in 0 1 2 3; do
		[ "${b[i]}" -gt "${a[i]}" ] || return 1
	done
}
check net.status_cost_counters_grow "a cost counter did not grow between two /status answers" \
	status_costs_grow

check_wrk net.wrk_keepalive_without_errors keepalive
check_wrk net.wrk_close_without_errors close

# A reply that ends its connection carries the FIN (httpd's MSG_MORE and close).
run_checks net.httpd_close 60 "" $PY tests/net/close_check.py "$tap" "$GUEST_IP"

# Broken and hostile packets: each counted under its reason; httpd serves on.
run_checks net.malformed 120 "" $PY tests/net/malformed.py "$tap" "$GUEST_IP" "$guest_mac" "$HOST_IP"
in_ns curl -sf --max-time 20 "http://$GUEST_IP/" -o /dev/null &&
	pass net.httpd_serves_after_malformed_packets ||
	fail net.httpd_serves_after_malformed_packets "no page after the malformed packets"

# A SYN flood of 50,000 SYNs at 5,000 a second, from spoofed sources that never answer: the
# SYN queue fills at once and SYN cookies (RFC 4987 3.6) must answer nearly all the rest,
# while the home page is fetched again and again over the whole flood, each answer within
# 2 s (5 fetches at least). 95% of the 50,000 at least must reach the guest's TCP (the NIC may miss a few).
flood_counters='s["net"]["tcp"]["syn_cookies_sent"], s["net"]["tcp"]["in_segs"]'
read -r cookies_before segs_before <<<"$(status_of "$flood_counters")"
syn_flood 50000 5000
[ "$flood_status" -eq 0 ] || fail net.syn_flood "synflood.py exited $flood_status: $(tail -3 "$OUT/$guest.synflood.txt")"
served=$flood_served tries=$flood_tries
if [ "$tries" -ge 5 ] && [ "$served" -eq "$tries" ]; then
	pass net.curl_served_during_syn_flood
else
	fail net.curl_served_during_syn_flood "$served of $tries fetches answered within 2 s; failed:$flood_slow"
fi
sleep 2
read -r cookies_after segs_after <<<"$(status_of "$flood_counters")"
if [ -n "$segs_after" ] && [ $((segs_after - segs_before)) -ge 47500 ]; then
	pass net.syn_flood_reached_the_guest
else
	fail net.syn_flood_reached_the_guest "tcp in_segs ${segs_before:-?} -> ${segs_after:-?}, want +47500 or more"
fi
# Of the segments that reached TCP, at most the SYN queue's worth (256) and the fetches' own
# (10 each at most) went without a cookie; how many reached it is the check above's.
want_cookies=$((${segs_after:-0} - ${segs_before:-0} - 256 - 10 * tries))
if [ -n "$cookies_after" ] && [ $((cookies_after - cookies_before)) -ge 45000 ] &&
	[ $((cookies_after - cookies_before)) -ge "$want_cookies" ]; then
	pass net.syn_flood_answered_with_cookies
else
	fail net.syn_flood_answered_with_cookies "syn_cookies_sent ${cookies_before:-?} -> ${cookies_after:-?}, want +$want_cookies or more (in_segs +$((${segs_after:-0} - ${segs_before:-0})) less 256 and 10 a fetch)"
fi
echo "net: the flood: $served of $tries fetches served; syn_cookies_sent +$((${cookies_after:-0} - ${cookies_before:-0})), tcp in_segs +$((${segs_after:-0} - ${segs_before:-0}))"
# ARP (RFC 826), last on this boot (a wrong answer would cut the host off): with the host's
# entry for the guest flushed, a ping makes the host ask; the guest's reply must leave the
# entry reachable with the NIC's own MAC.
in_ns ip neigh flush dev "$tap"
r=$(ping_replies 1 56)
neigh=$(in_ns ip neigh show "$GUEST_IP" dev "$tap")
if [ "${r:-0}" -eq 1 ] && [[ $neigh == *"lladdr $GUEST_MAC "*REACHABLE* ]]; then
	pass net.arp_reply_taught_the_host
else
	fail net.arp_reply_taught_the_host "neighbour entry '$neigh', want lladdr $GUEST_MAC REACHABLE"
fi
# After 500 connections at once, wrk, malformed segments and the flood.
check_sockets_back net.guest_back_to_baseline_after_heavy_runs "$held_before"
stop_guest

# Second boot: the same guest on an igb (82576) instead: MSI-X, advanced descriptors. The
# interface goes on the igb; its link comes up once the PHY has negotiated.
if BOOT_CPUS=1 boot igb -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "igb,netdev=n0,mac=$GUEST_MAC" &&
	grep -q "net: $GUEST_IP/24 on the igb" "$OUT/igb.log"; then
	pass net.igb_guest_configured
	# The igb interrupts by MSI-X only (kernel/netirq.c): any interrupt counted is one.
	irqs_before=$(status_of "$IRQS")
	r=$(ping_replies 5 56)
	[ "${r:-0}" -eq 5 ] && pass net.igb_ping_is_answered || fail net.igb_ping_is_answered "${r:-0} of 5 answered"
	check_interrupts net.igb_interrupts_by_msix_counted "$irqs_before"
	check net.igb_udp_echo "datagrams did not come back unchanged" \
		in_ns timeout 60 $PY tests/net/echo_check.py udp "$GUEST_IP" 7
	check net.igb_tcp_echo_1mib_both_ways "the stream did not come back whole" \
		in_ns timeout 120 $PY tests/net/echo_check.py tcp "$GUEST_IP" 7 $((1 << 20))
	got_sum=$(in_ns curl -sf --max-time 120 "http://$GUEST_IP/big.bin" | sha256sum | cut -d' ' -f1)
	[ "$got_sum" = "$big_sum" ] && pass net.igb_curl_16mib_byte_exact ||
		fail net.igb_curl_16mib_byte_exact "sha256 $got_sum, expected $big_sum"
	check_wrk net.igb_wrk_keepalive_without_errors keepalive
	check_wrk net.igb_wrk_close_without_errors close
	link=$(in_ns curl -sf --max-time 20 "http://$GUEST_IP/status" |
		$PY -c 'import json,sys; n=json.load(sys.stdin)["net"]["interface"]; print(n["link_up"], n["link_mbps"], n["hw_rx_packets"] > 0)')
	[ "$link" = "True 1000 True" ] && pass net.igb_link_and_counters_in_status ||
		fail net.igb_link_and_counters_in_status "/status says link_up, link_mbps, hw_rx_packets>0: ${link:-nothing}"
	# RSS: the igb hashed every connection's SYN (wrk and curl above opened hundreds), and
	# the kernel's own Toeplitz hash of each agreed with the NIC's.
	rss=$(in_ns curl -sf --max-time 20 "http://$GUEST_IP/status" |
		$PY -c 'import json,sys; t=json.load(sys.stdin)["net"]["tcp"]; print(t["rss_hash_checked"], t["rss_hash_mismatches"])')
	if [ "${rss%% *}" -gt 100 ] 2>/dev/null && [ "${rss#* }" = 0 ]; then
		pass net.igb_rss_hash_matches_software_toeplitz
	else
		fail net.igb_rss_hash_matches_software_toeplitz "rss_hash_checked, rss_hash_mismatches: ${rss:-nothing}"
	fi
else
	fail net.igb_guest_configured "the guest did not bring up $GUEST_IP on the igb; see $OUT/igb.log"
fi
stop_guest

# The distributed stack: the same checks on the e1000 and the igb with 1, 2 and 4 kernels,
# each kernel serving on a stack of its own (tests/net/dist.sh).
. tests/net/dist.sh
dist_run_all

# The single socket (net/socket.h): httpd -w on kernel 0 listens once and starts a worker on
# kernel 1 that holds a replica of that socket; through it kernel 1 listens where kernel 0
# does, gets its buckets, and each of 1,000 connections is served by its bucket's kernel, as
# with independent servers; the shell's netstat shows one socket on both. Then the worker
# is killed from kernel 0's shell: its replica closes with it, kernel 1's listening report
# drops port 80, kernel 0 takes kernel 1's buckets back (a kernel has buckets for a port
# only while it has a local accepter), and every one of 200 fetches is served, by kernel 0.
tools/mkiso.sh "$img/kernel.elf" "$OUT/net-workers.iso" \
	"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 init=/etc/net-workers.conf" \
	>/dev/null || fail net.workers_iso "mkiso failed"
BOOT_ISO=$OUT/net-workers.iso
# log_count PATTERN: lines of the guest's log matching the extended regex PATTERN.
log_count() { tr -d '\r' <"$OUT/$guest.log" | grep -cE "$1"; }
if boot workers -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "igb,netdev=n0,mac=$GUEST_MAC" &&
	seen "net: RSS buckets spread over kernels 0,1" "$OUT/workers.log"; then
	pass net.workers_buckets_spread_once_the_worker_listens
	run_checks net.workers_rss_check 300 's/ net\.per_kernel_/ net.workers_/' \
		$PY tests/net/rss_check.py "$HOST_IP" "$GUEST_IP" 1000 2
	# One socket on both kernels: the shell's netstat groups listeners by their origin.
	guest_type "netstat"
	seen "port 80: listening on kernels 0,1, one socket" "$OUT/workers.log" &&
		pass net.workers_netstat_shows_one_socket_on_both_kernels ||
		fail net.workers_netstat_shows_one_socket_on_both_kernels "no such line after netstat; see $OUT/workers.log"
	worker=$(tr -d '\r' <"$OUT/workers.log" | sed -n 's/.*httpd: worker pid \([0-9]*\) on kernel 1$/\1/p' | head -1)
	alone=$(log_count "RSS buckets spread over kernels 0$")
	guest_type "kill ${worker:-none} @1"
	for _ in $(seq 100); do
		[ "$(log_count "RSS buckets spread over kernels 0$")" -gt "$alone" ] && break
		sleep 0.1
	done
	[ -n "$worker" ] && [ "$(log_count "RSS buckets spread over kernels 0$")" -gt "$alone" ] &&
		pass net.workers_killed_worker_s_buckets_go_to_kernel0 ||
		fail net.workers_killed_worker_s_buckets_go_to_kernel0 "worker pid '${worker}' killed, no 'spread over kernels 0' line after it within 10 s; see $OUT/workers.log"
	served=$(in_ns $PY - "$GUEST_IP" <<'PY'
import http.client, json, sys
by = {}
for i in range(200):
    c = http.client.HTTPConnection(sys.argv[1], 80, timeout=10)
    try:
        c.request("GET", "/status")
        k = json.loads(c.getresponse().read())["kernel"]
    except (OSError, ValueError, KeyError, http.client.HTTPException):
        k = "failed"
    finally:
        c.close()
    by[k] = by.get(k, 0) + 1
print(" ".join("%s:%d" % kv for kv in sorted(by.items(), key=str)))
PY
)
	[ "$served" = "0:200" ] && pass net.workers_service_goes_on_after_the_kill ||
		fail net.workers_service_goes_on_after_the_kill "kernel:fetches of 200 (all must be 0): ${served:-nothing}"
else
	fail net.workers_buckets_spread_once_the_worker_listens "kernel 1's worker did not get buckets; see $OUT/workers.log"
fi
stop_guest
BOOT_ISO=

# The load balancer against a CPU hog, and the live page (tests/net/monitor.sh).
. tests/net/monitor.sh
monitor_run_all
# 5,000 idle connections held across 4 kernels, served again, freed (tests/net/conns.sh).
. tests/net/conns.sh && conns_run

# Moves of buckets under load, on the igb and the e1000 with 4 kernels (tests/net/moveload.sh);
# malformed packets and the SYN flood against 4 kernels on the e1000 (tests/net/hostile4.sh).
. tests/net/moveload.sh
moveload_run_all
. tests/net/hostile4.sh
hostile4_run

# Last boots: the same guest behind a link that loses 5% and reorders 10% each way.
lossy_link_up
if ! BOOT_CPUS=1 boot lossy -netdev "$LOSSY_NETDEV" -device "e1000,netdev=n0,mac=$GUEST_MAC"; then
	fail net.lossy_guest_up "the guest did not come up behind the lossy link; see $OUT/lossy.log"
	exit 1
fi
# One fetch, no retries: TCP itself must carry every byte through the loss.
lossy_held_before=$(status_of "$HELD")
got_sum=$(in_ns curl -sf --max-time 300 "http://$GUEST_IP/big.bin" | sha256sum | cut -d' ' -f1)
[ "$got_sum" = "$big_sum" ] && pass net.lossy_link_16mib_byte_exact ||
	fail net.lossy_link_16mib_byte_exact "sha256 $got_sum, expected $big_sum"
check net.lossy_link_tcp_echo "the stream did not come back whole through loss" \
	in_ns timeout 300 $PY tests/net/echo_check.py tcp "$GUEST_IP" 7 $((1 << 20))
retrans=$(in_ns curl -sf --max-time 30 --retry 3 "http://$GUEST_IP/status" |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["net"]["tcp"]["retrans_segs"])')
[ "${retrans:-0}" -gt 0 ] && pass net.lossy_link_made_the_guest_retransmit ||
	fail net.lossy_link_made_the_guest_retransmit "retrans_segs ${retrans:-?}: was anything lost?"
check_sockets_back net.lossy_link_guest_back_to_baseline "$lossy_held_before"
stop_guest
# ... and with 4 kernels, the fetch served by kernel 3 (tests/net/hostile4.sh).
hostile4_lossy
