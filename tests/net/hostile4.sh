# The hostile-traffic, SYN-flood and lossy-link checks against the distributed stack:
# sourced by tests/net/run.sh (which has boot, check, run_checks, syn_flood, lossy_link_up
# and status_of) after tests/net/dist.sh (dist_kernels_up, net-dist.iso) and
# tests/net/moveload.sh. The guest is 4 kernels on the e1000, each
# serving on a stack of its own (/etc/net-per-kernel.conf): kernel 0 takes every frame and
# steers the other kernels' buckets to them in software. Counters are summed over the
# kernels: /status "totals" and "kernels", and each kernel's own drops
# (tests/net/malformed.py --every-kernel). Names are literal (tests/lib/expected.sh reads
# them here).

HOSTILE4_FLOOD=50000            # SYNs, at 5,000 a second

# hostile4_run: malformed packets, then the SYN flood, on one boot.
hostile4_run() {
	local log="$OUT/hostile4.log" r
	if ! BOOT_CPUS=4 BOOT_ISO=$OUT/net-dist.iso boot hostile4 \
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device "e1000,netdev=n0,mac=$GUEST_MAC" || ! dist_kernels_up e1000 4 "$log" ||
		! spread_settled 4; then
		fail net.dist_e1000_4k_hostile_up "not every kernel came up with its stack and buckets; see $log"
		stop_guest
		return
	fi
	pass net.dist_e1000_4k_hostile_up
	# Broken and hostile packets: each counted under its reason on whichever kernel took
	# it; every kernel serves on.
	run_checks net.dist_e1000_4k_malformed 240 's/ net\.malformed\./ net.dist_e1000_4k_malformed./' \
		$PY tests/net/malformed.py "$tap" "$GUEST_IP" "$GUEST_MAC" "$HOST_IP" --every-kernel
	r=$(in_ns $PY tests/net/kernel_status.py "$HOST_IP" "$GUEST_IP" | wc -l)
	[ "$r" -eq 4 ] && pass net.dist_e1000_4k_every_kernel_serves_after_malformed_packets ||
		fail net.dist_e1000_4k_every_kernel_serves_after_malformed_packets "/status from $r kernels of 4"
	hostile4_flood
	stop_guest
}

# hostile4_flood: the flood of tests/net/run.sh at 4 kernels: spread over every kernel by the
# sources' hash, served by each, answered with cookies by each, as a whole at least 95%.
hostile4_flood() {
	local n=$HOSTILE4_FLOOD c0 s0 c s k0 k
	local counts='s["totals"]["syn_cookies_sent"], s["totals"]["in_segs"], *[r["syn_cookies_sent"] for r in s["kernels"]]'
	read -r c0 s0 k0 <<<"$(status_of "$counts")"
	syn_flood "$n" 5000
	[ "$flood_status" -eq 0 ] || fail net.dist_e1000_4k_syn_flood "synflood.py exited $flood_status: $(tail -3 "$OUT/$guest.synflood.txt")"
	if [ "$flood_tries" -ge 5 ] && [ "$flood_served" -eq "$flood_tries" ]; then
		pass net.dist_e1000_4k_curl_served_during_syn_flood
	else
		fail net.dist_e1000_4k_curl_served_during_syn_flood "$flood_served of $flood_tries fetches answered within 2 s; failed:$flood_slow"
	fi
	sleep 2
	read -r c s k <<<"$(status_of "$counts")"
	[ -n "$s" ] && [ $((s - s0)) -ge $((n * 95 / 100)) ] && pass net.dist_e1000_4k_syn_flood_reached_the_guest ||
		fail net.dist_e1000_4k_syn_flood_reached_the_guest "totals.in_segs ${s0:-?} -> ${s:-?}, want +$((n * 95 / 100)) or more"
	[ -n "$c" ] && [ $((c - c0)) -ge $((n * 95 / 100)) ] && pass net.dist_e1000_4k_syn_flood_answered_with_cookies ||
		fail net.dist_e1000_4k_syn_flood_answered_with_cookies "totals.syn_cookies_sent ${c0:-?} -> ${c:-?}, want +$((n * 95 / 100)) or more of $n"
	# Each kernel answered its share (a quarter of the buckets): 15% of the flood at least.
	local -a b a
	local i d low=0 per=""
	read -r -a b <<<"$k0"
	read -r -a a <<<"$k"
	for i in 0 1 2 3; do
		d=$((${a[i]:-0} - ${b[i]:-0}))
		per+=" $d"
		[ "$d" -ge $((n * 15 / 100)) ] || low=1
	done
	[ "${#a[@]}" -eq 4 ] && [ "$low" -eq 0 ] && pass net.dist_e1000_4k_syn_flood_answered_on_every_kernel ||
		fail net.dist_e1000_4k_syn_flood_answered_on_every_kernel "syn_cookies_sent per kernel grew by$per, want $((n * 15 / 100)) each at least"
	echo "net: dist_e1000_4k flood: $flood_served of $flood_tries fetches served; totals.syn_cookies_sent +$((${c:-0} - ${c0:-0})) (per kernel:$per), totals.in_segs +$((${s:-0} - ${s0:-0}))"
}

# hostile4_lossy: behind the lossy link (lossy_link_up), 16 MiB in one fetch, no retries,
# byte-exact, from a source port whose bucket is kernel 3's: every frame of it goes through
# kernel 0's software steering, both ways.
hostile4_lossy() {
	local port got tx0 tx t0
	lossy_link_up
	if ! BOOT_CPUS=4 BOOT_ISO=$OUT/net-dist.iso boot lossy4 -netdev "$LOSSY_NETDEV" \
		-device "e1000,netdev=n0,mac=$GUEST_MAC" || ! dist_kernels_up e1000 4 "$OUT/lossy4.log" ||
		! spread_settled 4; then
		fail net.dist_e1000_4k_lossy_link_up "not every kernel came up behind the lossy link; see $OUT/lossy4.log"
		stop_guest
		return
	fi
	port=$(in_ns $PY tests/net/kernel_status.py "$HOST_IP" "$GUEST_IP" --port-of 3)
	tx0=$(status_of 's["kernels"][3]["tx_frames"]')
	t0=$SECONDS
	got=$(in_ns curl -sf --max-time 300 --local-port "${port:-0}" "http://$GUEST_IP/big.bin" |
		sha256sum | cut -d' ' -f1)
	t0=$((SECONDS - t0))
	tx=$(status_of 's["kernels"][3]["tx_frames"]')
	echo "net: dist_e1000_4k lossy link: 16 MiB from kernel 3 in $t0 s; its TCP: $(in_ns $PY \
		tests/net/kernel_status.py "$HOST_IP" "$GUEST_IP" | sed -n 4p | $PY -c 'import json,sys
t = json.load(sys.stdin)["net"]["tcp"]
print(", ".join("%s %d" % (k, t[k]) for k in ("out_segs", "retrans_segs", "fast_retrans", "rto_timeouts")))')"
	# Kernel 3 sent it: 16 MiB is 11,500 frames of 1460 bytes at least.
	[ -n "$port" ] && [ "$got" = "$big_sum" ] && [ $((${tx:-0} - ${tx0:-0})) -ge 11500 ] &&
		pass net.dist_e1000_4k_lossy_link_16mib_byte_exact ||
		fail net.dist_e1000_4k_lossy_link_16mib_byte_exact "from port ${port:-none} (kernel 3's): sha256 $got, expected $big_sum; kernel 3's tx_frames ${tx0:-?} -> ${tx:-?}"
	stop_guest
}
