# Many idle connections at once, sourced by tests/net/run.sh (which has the namespace, boot,
# check, pass, fail, status_of and spread_settled): 5,000 keep-alive connections held across
# 4 kernels on the igb, served by one httpd through every kernel (httpd -w,
# /etc/net-conns.conf, idle connections kept 10 minutes), opened once the policy's even spread
# is reached. Each connection is answered when opened (tests/net/
# hold_conns.py), every kernel holds its share, all of them are answered again after 10 s of
# idling, and once they are closed every kernel's connections and sockets go back to what
# they were before. The same holder at 100,000 is tools/bench/conns_bench.sh.
# Defines functions only: tests/lib/expected.sh reads the names passed here.

CONNS_HELD=5000

# conns_totals: connections (any state but LISTEN) and sockets, summed over the kernels.
conns_totals() {
	status_of 's["totals"]["connections"], s["totals"]["sockets"]'
}

# conns_every_kernel_holds MIN: each of the 4 kernels reports MIN established at least.
conns_every_kernel_holds() {
	local held
	held=$(status_of '" ".join(str(k["established"]) for k in s["kernels"])')
	echo "net: conns: established by kernel: ${held:-?}"
	[ -n "$held" ] && [ "$(wc -w <<<"$held")" -eq 4 ] &&
		! awk -v min="$1" '{ for (i = 1; i <= NF; i++) if ($i < min) exit 0; exit 1 }' <<<"$held"
}

# conns_back_to C0 S0: within 60 s the totals are no more than C0 connections, S0 sockets.
conns_back_to() {
	local c s
	for _ in $(seq 30); do
		read -r c s <<<"$(conns_totals)"
		[ -n "$s" ] && [ "$c" -le "$1" ] && [ "$s" -le "$2" ] && return 0
		sleep 2
	done
	echo "net: conns: connections, sockets ${c:-?} ${s:-?} after 60 s, were $1 $2"
	return 1
}

conns_run() {
	local iso=$OUT/net-conns.iso in=$OUT/conns.in out=$OUT/conns.out holder c0 s0 fd
	tools/mkiso.sh "$img/kernel.elf" "$iso" \
		"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 init=/etc/net-conns.conf" >/dev/null ||
		{ fail net.conns_iso "mkiso failed"; return; }
	if ! BOOT_CPUS=4 BOOT_ISO=$iso boot conns -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device "igb,netdev=n0,mac=$GUEST_MAC" ||
		! seen "net: RSS buckets spread over kernels 0,1,2,3" "$OUT/conns.log" ||
		! spread_settled 4 || ! httpd_on_every_kernel "$OUT/conns.log" 4; then
		fail net.conns_up "4 kernels did not come up serving port 80; see $OUT/conns.log"
		stop_guest
		return
	fi
	read -r c0 s0 <<<"$(conns_totals)"
	rm -f "$in" && mkfifo "$in"
	in_ns timeout 300 $PY tests/net/hold_conns.py "$GUEST_IP" 80 "$CONNS_HELD" /1k.html \
		user/initrd/www/1k.html --timeout 60 <"$in" >"$out" 2>&1 &
	holder=$!
	exec {fd}>"$in"
	for _ in $(seq 120); do
		grep -q '^HELD' "$out" || ! kill -0 "$holder" 2>/dev/null && break
		sleep 0.5
	done
	cat "$out"
	grep -q "^HELD $CONNS_HELD of $CONNS_HELD " "$out" &&
		pass net.conns_5000_opened_and_answered ||
		fail net.conns_5000_opened_and_answered "$(grep '^HELD' "$out" || tail -2 "$out")"
	# Each kernel holds about a quarter (32 buckets each); a fifth is plenty of margin.
	conns_every_kernel_holds $((CONNS_HELD / 5)) &&
		pass net.conns_every_kernel_holds_its_share ||
		fail net.conns_every_kernel_holds_its_share "a kernel holds under $((CONNS_HELD / 5)) established"
	sleep 10
	echo check >&"$fd"
	for _ in $(seq 120); do
		grep -q '^CHECKED' "$out" || ! kill -0 "$holder" 2>/dev/null && break
		sleep 0.5
	done
	grep -q "^CHECKED $CONNS_HELD of $CONNS_HELD$" "$out" &&
		pass net.conns_5000_answered_again_after_idling ||
		fail net.conns_5000_answered_again_after_idling "$(grep '^CHECKED' "$out" || tail -2 "$out")"
	exec {fd}>&-
	wait "$holder"
	conns_back_to "$c0" "$s0" && pass net.conns_freed_once_closed ||
		fail net.conns_freed_once_closed "connections or sockets left after the 5,000 closed"
	stop_guest
}
