# A move under load, sourced by tests/net/run.sh (which has the namespace, boot, check,
# status_of, spread_settled and guest_type) after tests/net/dist.sh (dist_kernels_up,
# net-dist.iso): 4 kernels each serving on a stack of its own (/etc/net-per-kernel.conf),
# on the igb and on the e1000, with 200 keep-alive connections and a stream of new ones for
# 10 s while kernel 0's shell moves a random bucket to a random other kernel every 100 ms
# (`steer churn 100 10`, kernel/netmove.h). Defines functions only: tests/lib/expected.sh
# sources it for the names it passes.

MOVELOAD_CONFIGS="igb:4 e1000:4"
MOVELOAD_SECONDS=10
MOVELOAD_EVERY_MS=100
# What every configuration reports, each as net.moveload_<nic>_<n>k_<check>:
#   up                          every kernel up with its stack and an even share of buckets
#   every_response_whole        no connection failed, reset or stalled; every answer a 200
#                               with the file's bytes (tests/net/move_load.py)
#   churn_kept_its_pace         the churn's summary line: a move asked for every
#                               MOVELOAD_EVERY_MS, 90% of them at least (user/bin/steer.c
#                               paces by the clock)
#   moves_done                  ... and more than 50 moves done (the others refused: a
#                               bucket mid-move, or no slot; or aborted: no READY in time)
#   no_rst_sent                 no kernel sent a RST during the run (/status totals.out_rsts)
#   segments_forwarded          a new owner handed segments of flows it did not know to the
#                               previous owner (totals.move_forwarded grew; those that
#                               found no pool buffer or ring room, dropped and sent again by
#                               the client, are reported)
MOVELOAD_CHECKS="up every_response_whole churn_kept_its_pace moves_done no_rst_sent"
MOVELOAD_CHECKS+=" segments_forwarded"
MOVELOAD_MIN_MOVES=50

# moveload_expected: every name this section passes (for tests/lib/expected.sh).
moveload_expected() {
	local c r
	for c in $MOVELOAD_CONFIGS; do
		for r in $MOVELOAD_CHECKS; do echo "net.moveload_${c%:*}_${c#*:}k_$r"; done
	done
}

# moveload_churn_line LOG: the churn's summary line in LOG, within 30 s (the churn lasts
# MOVELOAD_SECONDS and 1.5 s more).
moveload_churn_line() {
	local line
	for _ in $(seq 300); do
		line=$(tr -d '\r' <"$1" | grep -m1 "steer churn: ")
		[ -n "$line" ] && { echo "$line"; return 0; }
		sleep 0.1
	done
	return 1
}

# moveload_config NIC N: one machine, booted, loaded while its buckets churn, checked, stopped.
moveload_config() {
	local nic=$1 n=$2 p="net.moveload_${1}_${2}k" log="$OUT/moveload-$1-$2.log" counts='
		s["totals"]["out_rsts"], s["totals"]["move_forwarded"], s["totals"]["move_fwd_failed"],
		s["totals"]["moves_done"]'
	local rst0 fwd0 ffail0 done0 rst fwd ffail done load status churn asked moves t0
	local pace=$((MOVELOAD_SECONDS * 1000 / MOVELOAD_EVERY_MS * 9 / 10))
	if ! BOOT_CPUS=$n boot "moveload-$nic-$n" -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device "$nic,netdev=n0,mac=$GUEST_MAC" || ! dist_kernels_up "$nic" "$n" "$log" ||
		! spread_settled "$n"; then
		fail "${p}_up" "not every kernel came up with its stack and buckets; see $log"
		stop_guest
		return
	fi
	pass "${p}_up"
	read -r rst0 fwd0 ffail0 done0 <<<"$(status_of "$counts")"
	t0=$SECONDS
	guest_type "run /bin/steer churn $MOVELOAD_EVERY_MS $MOVELOAD_SECONDS"
	in_ns timeout $((MOVELOAD_SECONDS + 60)) $PY tests/net/move_load.py "$GUEST_IP" 80 200 8 \
		"$MOVELOAD_SECONDS" /1k.html=user/initrd/www/1k.html /index.html=user/initrd/www/index.html \
		/64k.bin="$OUT/64k.bin" >"$OUT/$p.load.txt" 2>&1
	status=$?
	load=$(grep '^move_load: ' "$OUT/$p.load.txt" || tail -2 "$OUT/$p.load.txt")
	[ "$status" -eq 0 ] && pass "${p}_every_response_whole" ||
		fail "${p}_every_response_whole" "exit $status: $load"
	churn=$(moveload_churn_line "$log")
	asked=$(sed -n 's/.* \([0-9]*\) moves requested,.*/\1/p' <<<"$churn")
	[ "${asked:-0}" -ge "$pace" ] && pass "${p}_churn_kept_its_pace" ||
		fail "${p}_churn_kept_its_pace" "want $pace moves asked for at least: ${churn:-no churn summary in $log}"
	moves=$(sed -n 's/.* \([0-9]*\) done,.*/\1/p' <<<"$churn")
	[ "${moves:-0}" -gt "$MOVELOAD_MIN_MOVES" ] && pass "${p}_moves_done" ||
		fail "${p}_moves_done" "want more than $MOVELOAD_MIN_MOVES moves done: ${churn:-no churn summary in $log}"
	read -r rst fwd ffail done <<<"$(status_of "$counts")"
	# Each kernel's own counters (drops by reason, TCP's by name), for a reader of a failure.
	in_ns $PY tests/net/kernel_status.py "$HOST_IP" "$GUEST_IP" >"$OUT/$p.kernels.json"
	[ -n "$rst" ] && [ -n "$rst0" ] && [ "$rst" -eq "$rst0" ] && pass "${p}_no_rst_sent" ||
		fail "${p}_no_rst_sent" "totals.out_rsts ${rst0:-?} -> ${rst:-?} over the run"
	[ -n "$fwd" ] && [ -n "$fwd0" ] && [ "$fwd" -gt "$fwd0" ] && pass "${p}_segments_forwarded" ||
		fail "${p}_segments_forwarded" "totals.move_forwarded ${fwd0:-?} -> ${fwd:-?}: no segment went to a previous owner"
	echo "net: $p: $load; $churn; kernel 0's moves done ${done0:-?} -> ${done:-?}, RSTs sent ${rst0:-?} -> ${rst:-?}, segments forwarded ${fwd0:-?} -> ${fwd:-?} (failed ${ffail0:-?} -> ${ffail:-?}); $((SECONDS - t0)) s"
	stop_guest
}

# moveload_run_all: every configuration, on net-dist.iso (dist_make_iso), whose initrd holds
# /www/64k.bin, a copy of $OUT/64k.bin.
moveload_run_all() {
	local c
	for c in $MOVELOAD_CONFIGS; do
		BOOT_ISO=$OUT/net-dist.iso moveload_config "${c%:*}" "${c#*:}"
	done
}
