#!/usr/bin/env bash
# In-emulator kernel tests. Boots the kernel in QEMU with ktest= and crash= command lines and
# prints one "PASS name" or "FAIL name: why" line per check, for tests/run.sh to count.
#   - every KTEST on 1, 2, 4 and 8 kernels by BIOS, on 4 by UEFI, and on 4 with the xAPIC
#     forced;
#   - a boot where one AP is never sent its start-up IPIs: reported, skipped, boot goes on;
#   - a boot where one AP starts past its window: parked, and it never runs in the partition
#     of the kernel started after it;
#   - a kernel that panics on purpose, which the others must notice and outlive (on the igb
#     too, where kernel 0 must stop its queue and take its buckets);
#   - console lines of 4 kernels that never interleave and are all tagged;
#   - the e1000 and igb drivers against QEMU's user-mode network (the e1000 in the 4-kernel
#     BIOS boot, the igb in 2-kernel ones of its own and in a 12-kernel one);
#   - each deliberate crash, whose report must name the right vector, address and symbol and
#     whose exit must be the failure code;
#   - a Bochs boot that must reach the banner.
# Exit status: 0 when every check passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/report.sh

BUILD=${BUILD:-build}
KERNEL=$BUILD/kernel.elf
OUT=$BUILD/test/kernel
BOOT_TIMEOUT=${BOOT_TIMEOUT:-180}
EXIT_PASS=33
EXIT_FAIL=35
failures=0

mkdir -p "$OUT"
reported=()
pass() { echo "PASS $1"; reported+=("PASS $1"); }
fail() { echo "FAIL $1: $2"; reported+=("FAIL $1"); failures=$((failures + 1)); }

# iso NAME CMDLINE: builds $OUT/NAME.iso once per run.
iso() {
	tools/mkiso.sh "$KERNEL" "$OUT/$1.iso" "$2" || { echo "mkiso failed for $1" >&2; return 1; }
}

# boot NAME ISO FIRMWARE [qemu.sh options...]: boots, leaves the serial log in $OUT/NAME.log
# and QEMU's exit status in $status.
boot() {
	local name=$1 image=$2 fw=$3
	shift 3
	rm -f "$OUT/$name.log"
	tools/qemu.sh "$image" --firmware "$fw" --timeout "$BOOT_TIMEOUT" --serial "$OUT/$name.log" "$@" \
		>"$OUT/$name.qemu" 2>&1
	status=$?
	[ -f "$OUT/$name.log" ] || : >"$OUT/$name.log"
}

# Kernel 0's lines of a log, without the "[k0] " tag.
k0_lines() {
	tr -d '\r' <"$1" | sed -n 's/^\[k0\] //p'
}

# needs_met NEEDS FACTS: every word of a KTEST_NEEDS string (kernel/ktest.h) holds on a
# machine FACTS describes ("kernels=N" and the other words it has; "!word": not that word).
needs_met() {
	local w have
	have=$(sed -n 's/.*kernels=\([0-9]*\).*/\1/p' <<<"$2")
	for w in $1; do
		case $w in
		-) ;;
		kernels\>=*) [ "${have:-1}" -ge "${w#kernels>=}" ] || return 1 ;;
		!*) [[ " $2 " != *" ${w#!} "* ]] || return 1 ;;
		*) [[ " $2 " == *" $w "* ]] || return 1 ;;
		esac
	done
}

# The KTESTs that SPEC selects, "name needs" a line, as kernel/ktest.c's ktest_selected()
# picks them: "all" leaves out *_alone and bench_*. A name SPEC gives that no KTEST has is
# listed with the needs "?".
selected_ktests() {
	local spec=$1 name needs
	if [ "$spec" = all ]; then
		grep -v -e '_alone' -e '^bench_' "$OUT/ktests.expected"
		return
	fi
	for name in ${spec//,/ }; do
		needs=$(sed -n "s/^$name //p" "$OUT/ktests.expected")
		echo "$name ${needs:-?}"
	done
}

runs=0 na=0
configs=()
declare -A distinct=()
# judge_ktests NAME LOG FACTS SPEC: one PASS/FAIL per selected KTEST from kernel 0's lines of
# LOG. A test must run; it must skip exactly when FACTS lack what it needs (then it counts
# neither way: not applicable here).
judge_ktests() {
	local name=$1 log=$2 facts=$3 spec=$4 t needs lines met why
	lines=$(k0_lines "$log")
	configs+=("$name")
	while read -r t needs; do
		runs=$((runs + 1))
		met=0
		needs_met "$needs" "$facts" && met=1
		if [ "$needs" = "?" ]; then
			fail "kernel.$name.$t" "named by this configuration, but no KTEST has that name"
		elif ! grep -qx "ktest: RUN $t" <<<"$lines"; then
			fail "kernel.$name.$t" "expected but never ran (exit $status); see $log"
		elif grep -qx "ktest: PASS $t" <<<"$lines"; then
			if [ "$met" -eq 1 ]; then
				pass "kernel.$name.$t"
			else
				fail "kernel.$name.$t" "passed on a machine without what it needs ($needs): it tested nothing"
			fi
		elif grep -q "^ktest: SKIP $t:" <<<"$lines"; then
			why=$(sed -n "s/^ktest: SKIP $t: //p" <<<"$lines")
			if [ "$met" -eq 1 ]; then
				fail "kernel.$name.$t" "skipped ($why), but this machine has what it needs ($needs)"
			else
				na=$((na + 1)) runs=$((runs - 1))
				continue
			fi
		elif grep -qx "ktest: FAIL $t" <<<"$lines"; then
			fail "kernel.$name.$t" "$(sed -n "/^ktest: RUN $t\$/,/^ktest: FAIL $t\$/p" <<<"$lines" | grep '^ktest:   ' | head -3 | tr '\n' ' ')"
		else
			fail "kernel.$name.$t" "kernel died during the test (exit $status$([ "$status" -eq 124 ] && echo ", QEMU's $BOOT_TIMEOUT s limit")); see $log"
		fi
		distinct[$t]=1
	done < <(selected_ktests "$spec")
	grep -Eq "^ktest: [0-9]+ passed, [0-9]+ failed$" <<<"$lines" ||
		fail "kernel.$name.summary" "no 'ktest: N passed, M failed' line (exit $status); see $log"
}

# ktests NAME FIRMWARE KERNELS SPEC NICS CMDLINE-EXTRA [qemu.sh options...]: one PASS/FAIL
# per kernel test that SPEC selects, run with KERNELS CPUs on a machine whose NICs are NICS
# (what the qemu.sh options give it; q35 alone has an e1000e, QEMU's default NIC there).
ktests() {
	local name=$1 fw=$2 n=$3 spec=$4 nics=$5 extra=$6 facts
	shift 6
	iso "ktest-$name" "ktest=$spec loglevel=info heartbeat=0 expect_kernels=$n $extra" ||
		{ fail "kernel.$name" "no ISO"; return; }
	boot "ktest-$name" "$OUT/ktest-$name.iso" "$fw" --cpus "$n" "$@"
	local log=$OUT/ktest-$name.log lines
	facts="kernels=$n $nics $extra"
	[[ " $nics " == *" e1000 "* || " $nics " == *" igb "* ]] && facts+=" nic"
	judge_ktests "$name" "$log" "$facts" "$spec"
	lines=$(k0_lines "$log")
	# The user-space test program's own checks: the random system calls from bios2, which
	# alone runs them (sysfuzz=1), the rest from bios4.
	if [ "$name" = bios4 ]; then
		judge_usertests "$lines" "$(tests/lib/expected.sh usertests | grep -vx "$SYSFUZZ_TEST")"
	elif [ "$name" = bios2 ]; then
		judge_usertests "$lines" "$SYSFUZZ_TEST"
	fi
	if [ "$status" -ne "$EXIT_PASS" ] && ! grep -q '^ktest: FAIL' <<<"$lines"; then
		fail "kernel.$name.exit" "QEMU exit $status, expected $EXIT_PASS"
	fi
}

# judge_usertests LINES NAMES: usertests' verdicts on the checks NAMES lists (one a line);
# each must report.
judge_usertests() {
	local t
	while read -r t; do
		if grep -Eq "^usertests: PASS $t\$" <<<"$1"; then
			pass "user.$t"
		elif grep -Eq "^usertests: FAIL $t\$" <<<"$1"; then
			fail "user.$t" "$(sed -n "/^usertests: PASS /,/^usertests: FAIL $t\$/p" <<<"$1" | grep '^usertests:   ' | tail -3 | tr '\n' ' ')"
		else
			fail "user.$t" "expected but never ran"
		fi
	done <<<"$2"
}
SYSFUZZ_TEST=random_system_calls_get_errnos_and_leak_nothing

# crash KIND PATTERN...: the deliberate fault KIND must end the run with the failure exit
# and a report containing every PATTERN (fixed strings).
crash() {
	local kind=$1 p missing=
	local log=$OUT/crash-$kind.log
	shift
	iso "crash-$kind" "crash=$kind heartbeat=0" || { fail "kernel.crash.$kind" "no ISO"; return; }
	boot "crash-$kind" "$OUT/crash-$kind.iso" bios
	for p in "$@"; do
		grep -qF -- "$p" "$log" || missing="$missing [$p]"
	done
	if [ "$status" -ne "$EXIT_FAIL" ]; then
		fail "kernel.crash.$kind" "QEMU exit $status, expected $EXIT_FAIL; see $log"
	elif [ -n "$missing" ]; then
		fail "kernel.crash.$kind" "report lacks$missing; see $log"
	else
		pass "kernel.crash.$kind"
	fi
}

[ -f "$KERNEL" ] || { fail kernel.build "$KERNEL missing"; exit 1; }
tests/lib/expected.sh ktests >"$OUT/ktests.expected" || { fail kernel.expected "no KTEST list"; exit 1; }

# bios1's clocks are measured with their first PIT window noticed 30 ms late, as on a busy
# host (time_tsc_rate_survives_a_late_window).
ktests bios1 bios 1 all e1000e "clock_late_window=30"
# bios2 also makes random system calls from user space (usertests sysfuzz): some seconds,
# so on this boot alone.
ktests bios2 bios 2 all e1000e "profile=1 sysfuzz=1"
# With an e1000 on QEMU's user-mode network: the NIC's tests run (an ARP request to the
# virtual gateway, and DHCP from QEMU's own server, neither of which leaves QEMU); elsewhere
# they are skipped.
# bios4 also has an e1000e, the QEMU NIC that offers MSI and MSI-X, for their test.
ktests bios4 bios 4 all "e1000 e1000e" "ip=dhcp" -- -nic user,model=e1000 -device e1000e
# The igb (82576, QEMU 8 and later) on its own, the stack confined to kernel 0 (net=kernel0):
# the same NIC tests through its driver, with MSI-X, and DHCP on the interface it carries;
# and queue 1 driven by a test on kernel 1 while kernel 0 owns the device.
ktests igb2 bios 2 nic_attaches_with_a_mac_and_link,nic_interrupt_reaches_the_kernel,nic_overrun_cause_is_counted,nic_arp_request_gets_the_gateways_reply,net_dhcp_configures_the_interface,net_other_kernels_learn_the_interface_and_arp_from_kernel0,nic_igb_queue_driven_by_another_kernel igb "ip=dhcp net=kernel0" -- -nic user,model=igb
# The igb driver's error paths on the same NIC: an attach stating buffers outside the asker's
# partition, a failed attach, a queue past the MSI-X table and a full transmit ring (the spec
# of the boot above has no room left for their names), confined to kernel 0 too, so that the
# tests' queues are the only ones.
ktests igbfail bios 2 nicq_buffers_outside_the_partition_are_refused_unstarted,nic_igb_attach_failing_after_its_rings_gives_them_back_queue_off,nic_igb_queue_past_the_msix_table_is_refused_and_left_disabled,net_a_full_tx_ring_is_counted_and_drains \
	igb "ip=dhcp net=kernel0" -- -nic user,model=igb
# A stack on every kernel (the default): each kernel attaches the igb queue pair with its
# number at boot and runs a stack of its own over it; kernel 1 pings through its own queue
# when the RSS buckets point there. The attach protocol refuses a queue the MSI-X table
# cannot route and gives up a queue whose requester never confirms. A listener handed to a
# worker on kernel 1 is replicated there, one socket, and closed when the worker is killed
# (here and on the e1000). Both 2-kernel boots move a live connection's bucket between the
# kernels: QEMU runs `cat` for each connection to 10.0.2.100 port 7 (guestfwd), an echo
# server on the host side.
ktests igbq bios 2 user_listener_replicated_for_a_worker_on_kernel1,net_kernel1_pings_through_its_own_stack_and_queue,net_kernel1_connects_out_on_ports_that_steer_to_it,nicq_only_seated_kernels_drive_queues,nicq_unroutable_queue_is_refused_unstarted,nicq_unconfirmed_queue_is_given_up,net_move_keeps_a_live_connection,net_move_refuses_a_bucket_mid_move \
	igb "ip=dhcp echo7=10.0.2.100" -- -nic user,model=igb,guestfwd=tcp:10.0.2.100:7-cmd:cat
# The same on the e1000, which has one queue: kernel 0 steers kernel 1's buckets to it in
# software and sends its frames, by reference into the packet pool.
ktests e1000q bios 2 user_listener_replicated_for_a_worker_on_kernel1,net_kernel1_pings_through_software_steering,net_kernel1_connects_out_steered_in_software,net_move_keeps_a_live_connection,net_move_refuses_a_bucket_mid_move \
	e1000 "ip=dhcp echo7=10.0.2.100" -- -nic user,model=e1000,guestfwd=tcp:10.0.2.100:7-cmd:cat
# More kernels than QEMU's 82576 has MSI-X entries for queues (9 of its 16): kernels 1-8
# drive their queues, kernels 9-11 none, and queues 9-15 never run; kernel 11 is served by
# software steering instead.
ktests igb12 bios 12 nicq_only_seated_kernels_drive_queues,net_kernel_past_msix_seats_steered_in_software \
	igb "ip=dhcp" --mem 1G -- -nic user,model=igb
ktests bios8 bios 8 all e1000e ""
ktests uefi4 uefi 4 all e1000e ""
ktests xapic4 bios 4 all e1000e "apic=xapic loglevel=warn"
ktests panic4 bios 4 smp_peer_panic_is_noticed_alone e1000e ""
# A kernel with a stack and a queue of its own dies on the igb: kernel 0 stops its queue and
# takes its buckets, and kernel 1 goes on serving through its own queue.
ktests igbdeath bios 3 net_dead_kernel_s_queue_stops_and_its_buckets_go_alone igb "ip=dhcp" \
	-- -nic user,model=igb
plog=$(tr -d '\r' <"$OUT/ktest-panic4.log")
if grep -q "^\[k3\] panic: smptest: panic requested by kernel 0" <<<"$plog" &&
   grep -q "^\[k3\] panic: kernel 3 halted" <<<"$plog"; then
	pass kernel.panic4.victim_reported_its_panic
else
	fail kernel.panic4.victim_reported_its_panic "no panic report from kernel 3 in $OUT/ktest-panic4.log"
fi

# The boot table (/etc/init.conf: "* /bin/hello ...") starts hello on every kernel, each
# from its own copy of the initrd. QEMU runs until all four have spoken, or 90 s.
iso boottable "heartbeat=0" || fail kernel.boot_table "no ISO"
rm -f "$OUT/boottable.log"
tools/qemu.sh --cpus 4 --timeout 90 --serial "$OUT/boottable.log" "$OUT/boottable.iso" >/dev/null 2>&1 &
qpid=$!
for _ in $(seq 180); do
	[ "$(tr -d '\r' 2>/dev/null <"$OUT/boottable.log" | grep -c 'hello from kernel .* of 4, pid .*, booted by the boot table')" -ge 4 ] && break
	kill -0 "$qpid" 2>/dev/null || break
	sleep 0.5
done
kill "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
blog=$(tr -d '\r' <"$OUT/boottable.log")
ok=1
for k in 0 1 2 3; do
	grep -q "^\[k$k\] hello from kernel $k of 4, pid 1, booted by the boot table" <<<"$blog" || ok=0
done
if [ "$ok" -eq 1 ]; then
	pass kernel.boot_table_starts_hello_on_every_kernel
else
	fail kernel.boot_table_starts_hello_on_every_kernel "not every kernel said hello; see $OUT/boottable.log"
fi

# The shell, driven over the serial console like a person would: every command of the issue,
# a program started on another kernel (the boot table starts hello and httpd on every kernel,
# so it is kernel 3's pid 3), a faulting program that dies alone, bad input.
iso shell "heartbeat=0 ip=dhcp" || fail kernel.shell "no ISO"
tests/kernel/shell.sh "$OUT/shell.iso" "$OUT/shell.log" 4 help "ls /bin" "cat /etc/init.conf" kernels \
	"run /bin/utest-child sleep @3" ps "kill 3 @3" ps "run /bin/hello from the shell" \
	"run /bin/hello remote @2" "run /bin/utest-child null" "bogus cmd" "cat /nope" "run /bin/hello @9" \
	"kill 77" mem netstat shutdown
status=$?
slog=$(tr -d '\r' <"$OUT/shell.log" | sed 's/^\[k[0-9]*\] //')
shell_check() {         # NAME PATTERN: a line of the conversation matches PATTERN (grep -E)
	if grep -Eq -- "$2" <<<"$slog"; then pass "shell.$1"; else fail "shell.$1" "no line matching '$2' in $OUT/shell.log"; fi
}
[ "$status" -eq "$EXIT_PASS" ] && pass shell.shutdown_ends_the_run || fail shell.shutdown_ends_the_run "QEMU exit $status"
shell_check help_lists_commands '^  run PROG \[ARGS\] \[@KERNEL\]'
shell_check ls_lists_bin '^usertests  [1-9][0-9]*$'
shell_check cat_prints_the_boot_table '^0 /bin/sh$'
# kernels: a row per kernel, each with numbers that can be true: uptime past 0, idle time a
# percentage, free memory within the partition (16 MiB at least, less than the 512 MiB
# machine), kernel 0 running the shell and httpd.
krows=$(awk '$2 == "up" && $3 ~ /^[0-9]+\.[0-9]s$/ && $4 ~ /^[0-9]+%$/ && $6 == "MiB" &&
	$3 + 0 > 0 && $4 + 0 <= 100 && $5 >= 16 && $5 < 512 && ($1 != 0 || $7 >= 2) { print $1 }' <<<"$slog" |
	sort -un | tr '\n' ' ')
if [ "$krows" = "0 1 2 3 " ]; then
	pass shell.kernels_reports_every_kernel
else
	fail shell.kernels_reports_every_kernel "plausible rows for kernels '$krows', want 0 1 2 3; see $OUT/shell.log"
fi
shell_check kernels_reports_dropped_messages '^3 +up +[0-9]+\.[0-9]s +[0-9]+% +[0-9]+ MiB +[0-9]+ +[0-9]+ +[0-9]+$'
shell_check run_at_kernel_starts_there 'started /bin/utest-child on kernel 3 as pid 3'
shell_check ps_sees_other_kernels '^3 +3 +0 +wait +[0-9]+ +utest-child$'
shell_check kill_at_kernel_ends_it 'pid 3 \(utest-child\) exited: killed'
shell_check remote_program_ran_there '^hello from kernel 2 of 4, pid [0-9]+, remote$'
shell_check local_program_ran '^hello from kernel 0 of 4, pid [0-9]+, from the shell$'
shell_check faulting_program_dies_alone '^/bin/utest-child: exit status 139$'
shell_check unknown_command_is_named '^bogus: unknown command; try help$'
shell_check missing_file_is_reported '^cat: /nope: no such file or directory$'
shell_check bad_kernel_is_refused '^run: /bin/hello on kernel 9: invalid argument$'
shell_check kill_of_nothing_is_reported '^kill: 77: no such process$'
# mem: kernel 0's free memory, the figure `kernels` gave for it (within 2 MiB).
mem0=$(sed -n 's/^kernel 0: \([0-9]*\) MiB free, [0-9]* processes$/\1/p' <<<"$slog")
row0=$(awk '$1 == 0 && $2 == "up" && $6 == "MiB" { print $5 }' <<<"$slog")
if [ -n "$mem0" ] && [ -n "$row0" ] && [ "$mem0" -ge 16 ] && [ $((mem0 - row0)) -le 2 ] && [ $((row0 - mem0)) -le 2 ]; then
	pass shell.mem_reports_free_memory
else
	fail shell.mem_reports_free_memory "mem says '${mem0:-nothing}' MiB, kernels '${row0:-nothing}'"
fi
shell_check netstat_shows_the_dhcp_address '^mac 52:54:00:12:34:56, ip 10\.0\.2\.15 mask 255\.255\.255\.0 gateway 10\.0\.2\.2$'
# netstat's counters after DHCP (2 datagrams each way at least, RFC 2131 3.1) and one ARP
# request: the stack's frame counts match the NIC's own, and the link is up at 1000 Mb/s.
nstat=$(grep -E '^rx [0-9]+ frames|^link up' <<<"$slog" | tr '\n' ' ')
if [[ $nstat =~ ^rx\ ([0-9]+)\ frames,\ tx\ ([0-9]+)\ frames,\ arp\ replies\ [0-9]+,\ arp\ requests\ ([0-9]+).*link\ up\ 1000\ Mb/s\;\ nic\ rx\ ([0-9]+),\ tx\ ([0-9]+),.*udp\ in\ ([0-9]+),\ out\ ([0-9]+) ]] &&
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[4]}" ] && [ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[5]}" ] &&
	[ "${BASH_REMATCH[3]}" -ge 1 ] && [ "${BASH_REMATCH[6]}" -ge 2 ] && [ "${BASH_REMATCH[7]}" -ge 2 ]; then
	pass shell.netstat_counts_frames
else
	fail shell.netstat_counts_frames "counters do not add up: $nstat"
fi
# netstat's line per kernel (netstat_all): all four up, the 128 RSS buckets owned once over
# them (kernel 0 all of them: its stack alone runs), and the totals line their sums.
nk=$(awk '$1 == "net" && $2 ~ /^[0-9]+:$/ && $3 == "up," { k = k $2 " "; b += $4; rx += $14 }
	$1 == "net" && $2 == "all:" && $3 " " $4 " " $5 " " $6 == "4 of 4 up," { tb = $7; trx = $17 }
	END { print k, b, ((rx == trx + 0 && rx > 0) ? "sums" : "no-sums"), tb }' <<<"$slog")
if [ "$nk" = "0: 1: 2: 3:  128 sums 128" ]; then
	pass shell.netstat_lists_every_kernel
else
	fail shell.netstat_lists_every_kernel "kernels, buckets, totals: '$nk'; see $OUT/shell.log"
fi

# Without ACPI the CPUs cannot be enumerated: one kernel, said plainly, and the boot goes on.
iso ktest-noacpi "ktest=boot_memory_map_has_usable_ram heartbeat=0 acpi=off" &&
	boot ktest-noacpi "$OUT/ktest-noacpi.iso" bios --cpus 4
alog=$(tr -d '\r' <"$OUT/ktest-noacpi.log")
if [ "$status" -eq "$EXIT_PASS" ] && grep -q '^\[k0\] acpi: off on the command line; running on the boot CPU only' <<<"$alog" &&
   grep -q '^\[k0\] kernels up: 1/1' <<<"$alog"; then
	pass kernel.smp_without_acpi_runs_one_kernel
else
	fail kernel.smp_without_acpi_runs_one_kernel "exit $status; see $OUT/ktest-noacpi.log"
fi

# Kernel 2 is never sent its SIPIs (fault injection): kernel 0 must say so and go on with 3.
iso ktest-noap "ktest=boot_memory_map_has_usable_ram heartbeat=0 smp_skip_sipi=2" &&
	boot ktest-noap "$OUT/ktest-noap.iso" bios --cpus 4
nlog=$(tr -d '\r' <"$OUT/ktest-noap.log")
if [ "$status" -eq "$EXIT_PASS" ] && grep -q '^\[k0\] smp: kernel 2 (APIC 2) did not start' <<<"$nlog" &&
   grep -q '^\[k0\] kernels up: 3/4' <<<"$nlog" && grep -q '^\[k3\] kernel 3: APIC 3' <<<"$nlog"; then
	pass kernel.smp_failed_ap_is_reported_and_skipped
else
	fail kernel.smp_failed_ap_is_reported_and_skipped "exit $status; see $OUT/ktest-noap.log"
fi

# Kernel 2's CPU waits in the trampoline past its start window (fault injection): kernel 0 must
# park it and go on with 3, and it must never run on kernel 3's start-up data: kernel 3 reports
# in once, and nothing reports in from APIC 2.
ktests lateap bios 4 smp_late_ap_is_parked_and_disturbs_no_one e1000e "smp_late_ap=2"
llog=$(tr -d '\r' <"$OUT/ktest-lateap.log")
if grep -q '^\[k0\] smp: kernel 2 (APIC 2) did not start' <<<"$llog" &&
   grep -q '^\[k0\] kernels up: 3/4' <<<"$llog" &&
   [ "$(grep -c '^\[k3\] kernel 3: APIC 3,' <<<"$llog")" -eq 1 ] &&
   ! grep -q '^\[k[0-9]*\] kernel [0-9]*: APIC 2,' <<<"$llog"; then
	pass kernel.smp_late_ap_is_reported_and_never_reports_in
else
	fail kernel.smp_late_ap_is_reported_and_never_reports_in "see $OUT/ktest-lateap.log"
fi

# After GRUB hands over, every line of a 4-kernel boot is one kernel's whole line: tagged at
# its start, with no second tag inside it. (The log is read once: grep -q ending a pipe
# early would make tr die of SIGPIPE, which pipefail counts as a failure.)
clog=$(tr -d '\r' <"$OUT/ktest-bios4.log")
if sed -n '/Flotilla .*: a multikernel/,$p' <<<"$clog" | grep -v '^$' | grep -Ev '^\[k[0-9]+\] ' | grep -c . >/dev/null ||
   grep -Eq '.\[k[0-9]+\] ' <<<"$clog"; then
	fail kernel.console_lines_whole_and_tagged "untagged or interleaved lines in $OUT/ktest-bios4.log"
elif grep -q '^\[k3\] kernel 3: APIC' <<<"$clog" && grep -q '^\[k0\] kernels up: 4/4' <<<"$clog"; then
	pass kernel.console_lines_whole_and_tagged
else
	fail kernel.console_lines_whole_and_tagged "kernel 3's report or 'kernels up: 4/4' missing"
fi

# profile=1 on the 2-kernel boot: a report each second, of about 100 samples, whose groups
# are functions named from the symbol table (the tests' own time).
plog=$(tr -d '\r' <"$OUT/ktest-bios2.log" | grep "^\[k0\] prof:" || true)
psamples=$(sed -n 's/^\[k0\] prof: \([0-9]*\) samples.*/\1/p' <<<"$plog" | head -1)
pnamed=$(grep -c "^\[k0\] prof: *[0-9.]*% *[0-9]* [a-z_]" <<<"$plog" || true)
if [ "${psamples:-0}" -ge 50 ] && [ "${pnamed:-0}" -ge 2 ]; then
	pass kernel.profile_reports_sampled_functions
else
	fail kernel.profile_reports_sampled_functions "no report of >= 50 samples with named functions in $OUT/ktest-bios2.log"
fi

# loglevel=warn (the last one on the line wins) must silence the boot's info lines.
xlog=$(tr -d '\r' <"$OUT/ktest-xapic4.log")
if grep -q "^\[k0\] memory map" <<<"$xlog" || ! grep -q "^\[k0\] Flotilla " <<<"$xlog"; then
	fail kernel.loglevel_warn_hides_info "info lines printed at loglevel=warn, or no banner"
else
	pass kernel.loglevel_warn_hides_info
fi

crash pagefault "exception: vector 14 (#PF page fault)" "cr2=0xfffff7ffdead0000 (not present, read, kernel)" \
	"<crashtest_read+" "backtrace:" "<crashtest_run+" "panic: unhandled #PF page fault in kernel mode"
crash divide "exception: vector 0 (#DE divide error)" "<crashtest_divide+" "<crashtest_run+"
crash invalidop "exception: vector 6 (#UD invalid opcode)" "<crashtest_invalid_opcode+"
crash stackoverflow "exception: vector 8 (#DF double fault)" "kernel stack overflow" "<crashtest_recurse+"
crash panic "panic: crashtest: deliberate panic" "cr3=" "backtrace:" "<crashtest_run+" "<kmain_late+" "<stack_call+"
crash doublefree "panic: kfree: double free of 0x" "<kfree+" "<crashtest_run+"
crash overflow "panic: kfree: heap overflow: 40-byte block" "<kfree+"

# Bochs has no isa-debug-exit: the kernel tests' summary line is the verdict there.
if [ "${SKIP_BOCHS:-0}" = 1 ]; then
	echo "SKIP kernel.bochs.boots: SKIP_BOCHS=1"
	reported+=("SKIP kernel.bochs.boots")
else
	iso bochs "ktest=all loglevel=info heartbeat=0 expect_kernels=1" &&
		BOCHS_DONE='ktest: [0-9]+ passed, [0-9]+ failed|panic: system halted' \
		timeout -k 10 "$BOOT_TIMEOUT" tools/bochs.sh --test "$OUT/bochs.iso" "$OUT/bochs.log" \
		>"$OUT/bochs.out" 2>&1
	status=$?
	[ -f "$OUT/bochs.log" ] || : >"$OUT/bochs.log"
	blog=$(tr -d '\r' <"$OUT/bochs.log")
	if grep -q "Flotilla .*: a multikernel for x86-64" <<<"$blog" && grep -q "flotilla: kernel up" <<<"$blog"; then
		pass kernel.bochs.boots
	else
		fail kernel.bochs.boots "Bochs did not bring the kernel up (exit $status); see $OUT/bochs.log and $OUT/bochs.out"
	fi
	# Bochs's machine: one CPU, no NIC.
	judge_ktests bochs "$OUT/bochs.log" "kernels=1" all
fi

# Every check of this script's own must have reported, as every KTEST did above.
tests/lib/expected.sh kernel >"$OUT/script.expected"
missing_checks "$OUT/script.expected" <(printf '%s\n' "${reported[@]}") || failures=$((failures + 1))

# Every KTEST but the benchmarks must have run on some boot: needs that no configuration
# meets would leave a test never run at all.
while read -r t needs; do
	[ -n "${distinct[$t]:-}" ] || [[ $t == bench_* ]] ||
		fail "kernel.$t" "ran on no boot of this suite: none has what it needs ($needs)"
done <"$OUT/ktests.expected"

nuser=$(printf '%s\n' "${reported[@]}" | grep -c '^[A-Z]* user\.')
echo "summary: ${#distinct[@]} distinct kernel tests, $runs runs across ${#configs[@]}" \
	"configurations (${configs[*]}), $na runs not applicable by the tests' needs;" \
	"$nuser usertests; $(grep -c . "$OUT/script.expected") checks of boots, crashes and the shell"

[ "$failures" -eq 0 ]
