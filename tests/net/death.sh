# A kernel's death under load, sourced by tests/net/run.sh (which has the namespace, boot,
# run_checks and stop_guest): 4 kernels each serving httpd on a stack of its own
# (/etc/net-per-kernel.conf), booted with kill_kernel=2@S so that kernel 2 panics S seconds
# into its life while tests/net/death_check.py holds connections to it and opens new ones to
# every kernel. Kernel 0 must notice, stop kernel 2's queue (igb), take its buckets and
# spread them over the living; the connections kernel 2 held end with a reset, never hang;
# after the liveness timeout no new connection fails. On the igb and on the e1000 (where
# kernel 0 lends kernel 2 pool buffers for every frame it steers there, and takes back those
# it held when it died).
# NET_ONLY=death runs this alone; NET_ONLY=dist skips it.

DEATH_CONFIGS=${DEATH_CONFIGS:-"igb:4 e1000:4"}
DEATH_VICTIM=2
# Seconds into the victim's life: past the boot (about 15 s under TCG) and the client's
# set-up, with room for a loaded machine; the client fails loudly if the kill came first.
DEATH_AT=${DEATH_AT:-35}
DEATH_CHECKS="up victim_noticed_and_buckets_spread_over_the_living"
DEATH_CHECKS_PY="held_connections_served_by_the_victim victim_died_while_the_load_ran"
DEATH_CHECKS_PY+=" held_connections_reset_not_hung no_errors_before_the_death"
DEATH_CHECKS_PY+=" no_errors_after_the_liveness_timeout"
DEATH_CHECKS_PY+=" status_shows_the_victim_dead_and_its_buckets_on_the_living"
DEATH_CHECKS_PY+=" every_living_kernel_still_serves"

# death_expected: every name this file passes (for tests/lib/expected.sh).
death_expected() {
	local c r
	for c in $DEATH_CONFIGS; do
		for r in $DEATH_CHECKS $DEATH_CHECKS_PY; do echo "net.death_${c%:*}_${c#*:}k_$r"; done
		[ "${c%:*}" = igb ] && echo "net.death_${c%:*}_${c#*:}k_victim_queue_stopped"
	done
	return 0
}

# death_config NIC N: one machine booted, the victim killed under load, checked, stopped.
death_config() {
	local nic=$1 n=$2 p="death_${1}_${2}k" log=$OUT/death-$1-$2.log living
	if ! BOOT_CPUS=$n boot "death-$nic-$n" -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device "$nic,netdev=n0,mac=$GUEST_MAC" || ! dist_kernels_up "$nic" "$n" "$log"; then
		fail "net.${p}_up" "not every kernel came up with its stack and buckets; see $log"
		stop_guest
		return
	fi
	pass "net.${p}_up"
	run_checks "net.$p" 300 "" $PY tests/net/death_check.py "$p" "$HOST_IP" "$GUEST_IP" \
		"$log" "$n" "$DEATH_VICTIM"
	living=$(seq 0 $((n - 1)) | grep -vx "$DEATH_VICTIM" | paste -sd,)
	seen "[k0] net: kernel $DEATH_VICTIM is dead (panicked)" "$log" &&
		tr -d '\r' <"$log" | sed -n "/kernel $DEATH_VICTIM is dead/,\$p" |
		grep -q "net: RSS buckets spread over kernels $living\$" &&
		pass "net.${p}_victim_noticed_and_buckets_spread_over_the_living" ||
		fail "net.${p}_victim_noticed_and_buckets_spread_over_the_living" "no 'kernel $DEATH_VICTIM is dead' then 'spread over kernels $living' in $log"
	if [ "$nic" = igb ]; then
		grep -qF "net: igb queue $DEATH_VICTIM given up (stopped): its kernel died" "$log" &&
			pass "net.${p}_victim_queue_stopped" ||
			fail "net.${p}_victim_queue_stopped" "kernel 0 did not stop queue $DEATH_VICTIM; see $log"
	fi
	stop_guest
}

death_run_all() {
	local c
	[ "${NET_ONLY:-}" = dist ] && return 0
	tools/mkiso.sh "$img/kernel.elf" "$OUT/net-death.iso" \
		"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 init=/etc/net-per-kernel.conf kill_kernel=$DEATH_VICTIM@$DEATH_AT" \
		>/dev/null || { fail net.death_iso "mkiso failed"; return; }
	. tests/net/dist.sh
	for c in $DEATH_CONFIGS; do
		BOOT_ISO=$OUT/net-death.iso death_config "${c%:*}" "${c#*:}"
	done
	[ "${NET_ONLY:-}" != death ] || exit 0
}
