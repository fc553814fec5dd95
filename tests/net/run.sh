#!/usr/bin/env bash
# Network tests over a tap device in a network namespace made for the run: the host side is
# 198.18.0.1, the guest 198.18.0.2 (RFC 2544's benchmarking range). Traffic goes only there,
# bounded in count and time. Needs root for the namespace; without it, says so loudly.
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
OUT=$BUILD/test/net
HOST_IP=198.18.0.1
GUEST_IP=198.18.0.2
mkdir -p "$OUT"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "******** network tests SKIPPED: they need root to create a network namespace ********" >&2
	echo "SKIP net: not root, no network namespace"
	exit 0
fi

ns=flotilla-test-$$
tap=flt-tap0
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$ns" &&
	ip netns exec "$ns" ip link set lo up &&
	ip netns exec "$ns" ip tuntap add dev "$tap" mode tap &&
	ip netns exec "$ns" ip addr add "$HOST_IP/24" dev "$tap" &&
	ip netns exec "$ns" ip link set "$tap" up ||
	{ fail net.namespace "could not create the namespace and tap"; exit 1; }

tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/net.iso" "ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 init=none" ||
	{ fail net.iso "mkiso failed"; exit 1; }
rm -f "$OUT/net.log"
ip netns exec "$ns" tools/qemu.sh "$OUT/net.iso" --cpus 2 --timeout 300 --serial "$OUT/net.log" -- \
	-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device e1000,netdev=n0 \
	>"$OUT/qemu.out" 2>&1 &
qpid=$!

for _ in $(seq 600); do
	tr -d '\r' 2>/dev/null <"$OUT/net.log" | grep -q "flotilla: idle" && break
	kill -0 "$qpid" 2>/dev/null || break
	sleep 0.1
done
if ! tr -d '\r' <"$OUT/net.log" | grep -q "net: $GUEST_IP/24 on the e1000"; then
	fail net.guest_configured "the guest did not bring up $GUEST_IP; see $OUT/net.log"
	exit 1
fi
pass net.guest_configured

# ping COUNT SIZE: how many of COUNT echo requests of SIZE data bytes were answered.
ping_replies() {
	ip netns exec "$ns" ping -n -q -c "$1" -s "$2" -i 0.2 -W 2 "$GUEST_IP" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

r=$(ping_replies 5 56)
[ "${r:-0}" -eq 5 ] && pass net.ping_is_answered || fail net.ping_is_answered "${r:-0} of 5 answered"
r=$(ping_replies 3 1400)
[ "${r:-0}" -eq 3 ] && pass net.large_ping_is_answered || fail net.large_ping_is_answered "${r:-0} of 3 answered"
# A 3000-byte ping arrives in fragments, which this kernel refuses (counted), so no answer.
r=$(ping_replies 2 3000)
[ "${r:-0}" -eq 0 ] && pass net.fragmented_ping_is_refused || fail net.fragmented_ping_is_refused "$r answered"
# ... and is still there afterwards.
r=$(ping_replies 2 56)
[ "${r:-0}" -eq 2 ] && pass net.ping_answered_after_fragments || fail net.ping_answered_after_fragments "${r:-0} of 2 answered"
# The guest learned the host's MAC from its ARP request and answers ARP itself.
if ip netns exec "$ns" ip neigh show "$GUEST_IP" | grep -q "lladdr"; then
	pass net.arp_reply_taught_the_host
else
	fail net.arp_reply_taught_the_host "no neighbour entry for $GUEST_IP"
fi
