# The load balancer's network checks, sourced by tests/net/run.sh (which has the namespace,
# boot, seen, run_checks and the image): 4 kernels on an igb running the default boot
# table's server and the monitor (/etc/net-monitor.conf). Under wrk, a CPU hog on kernel 1
# must lose its buckets to the others and get them back once killed, with no client error,
# and the shell's `monitor` shows it (tests/net/hog_check.py); then the live page, in
# headless Chromium, shows every kernel, the bucket map and the moves, and a move
# (tests/net/status_page.py).
# Defines functions only: tests/lib/expected.sh sources it for the names it passes.

MONITOR_KERNELS=4

# monitor_expected: every name these checks pass (for tests/lib/expected.sh).
monitor_expected() {
	echo net.monitor_up
	perl -ne 'print "net.$1\n" while /\breport\("(monitor_[a-z0-9_]+)"/g' \
		tests/net/hog_check.py tests/net/status_page.py
}

monitor_run_all() {
	local log=$OUT/monitor.log
	tools/mkiso.sh "$img/kernel.elf" "$OUT/net-monitor.iso" \
		"ip=$GUEST_IP/24 gw=$HOST_IP heartbeat=0 init=/etc/net-monitor.conf" >/dev/null ||
		{ fail net.monitor_iso "mkiso failed"; return; }
	if ! BOOT_ISO=$OUT/net-monitor.iso BOOT_CPUS=$MONITOR_KERNELS boot monitor \
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "igb,netdev=n0,mac=$GUEST_MAC" ||
		! seen "monitor: balancing over kernels 0,1,2,3" "$log" ||
		! httpd_on_every_kernel "$log" "$MONITOR_KERNELS" || ! spread_settled "$MONITOR_KERNELS"; then
		fail net.monitor_up "the monitor is not balancing over 4 kernels; see $log"
		stop_guest
		return
	fi
	pass net.monitor_up
	run_checks net.monitor_hog 180 "" \
		$PY tests/net/hog_check.py "$GUEST_IP" "$OUT/monitor.sock" "$log" "$MONITOR_KERNELS"
	sleep 2         # the last moves done; with wrk gone the monitor has nothing to move
	run_checks net.monitor_page 120 "" \
		$PY tests/net/status_page.py "$GUEST_IP" "$OUT/monitor.sock" "$log" "$MONITOR_KERNELS" "$OUT"
	stop_guest
}
