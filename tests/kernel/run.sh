#!/usr/bin/env bash
# In-emulator kernel tests. Boots the kernel in QEMU with ktest= and crash= command lines and
# prints one "PASS name" or "FAIL name: why" line per check, for tests/run.sh to count.
#   - every KTEST on 1, 2, 4 and 8 kernels by BIOS, on 4 by UEFI, and on 4 with the xAPIC
#     forced;
#   - a boot where one AP is never sent its start-up IPIs: reported, skipped, boot goes on;
#   - a boot where one AP starts past its window: parked, and it never runs in the partition
#     of the kernel started after it;
#   - a kernel that panics on purpose, which the others must notice and outlive;
#   - console lines of 4 kernels that never interleave and are all tagged;
#   - the e1000 and igb drivers against QEMU's user-mode network (the e1000 in the 4-kernel
#     BIOS boot, the igb in 2-kernel ones of its own and in a 12-kernel one);
#   - each deliberate crash, whose report must name the right vector, address and symbol and
#     whose exit must be the failure code;
#   - a Bochs boot that must reach the banner.
# Exit status: 0 when every check passed.
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
KERNEL=$BUILD/kernel.elf
OUT=$BUILD/test/kernel
BOOT_TIMEOUT=${BOOT_TIMEOUT:-180}
EXIT_PASS=33
EXIT_FAIL=35
failures=0

mkdir -p "$OUT"
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

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

# ktests NAME FIRMWARE KERNELS SPEC CMDLINE-EXTRA [qemu.sh options...]: one PASS/FAIL per
# kernel test that SPEC selects, run with KERNELS CPUs.
ktests() {
	local name=$1 fw=$2 n=$3 spec=$4 extra=$5
	shift 5
	iso "ktest-$name" "ktest=$spec loglevel=info heartbeat=0 expect_kernels=$n $extra" ||
		{ fail "kernel.$name" "no ISO"; return; }
	boot "ktest-$name" "$OUT/ktest-$name.iso" "$fw" --cpus "$n" "$@"
	local log=$OUT/ktest-$name.log ran=0 t lines
	lines=$(k0_lines "$log")
	while read -r t; do
		ran=$((ran + 1))
		if grep -qx "ktest: PASS $t" <<<"$lines"; then
			pass "kernel.$name.$t"
		elif grep -q "^ktest: SKIP $t:" <<<"$lines"; then
			echo "SKIP kernel.$name.$t: $(sed -n "s/^ktest: SKIP $t: //p" <<<"$lines")"
		elif grep -qx "ktest: FAIL $t" <<<"$lines"; then
			fail "kernel.$name.$t" "$(sed -n "/^ktest: RUN $t\$/,/^ktest: FAIL $t\$/p" <<<"$lines" | grep '^ktest:   ' | head -3 | tr '\n' ' ')"
		else
			fail "kernel.$name.$t" "kernel died during the test (exit $status); see $log"
		fi
	done < <(sed -n 's/^ktest: RUN //p' <<<"$lines")
	# The user-space test program's own checks, from the first boot that ran it.
	if [ "$name" = bios4 ]; then
		while read -r t; do
			pass "user.$t"
		done < <(sed -n 's/^usertests: PASS //p' <<<"$lines")
		while read -r t; do
			fail "user.$t" "$(sed -n "/^usertests: PASS /,/^usertests: FAIL $t\$/p" <<<"$lines" | grep '^usertests:   ' | tail -3 | tr '\n' ' ')"
		done < <(sed -n 's/^usertests: FAIL //p' <<<"$lines")
	fi
	if [ "$ran" -eq 0 ]; then
		fail "kernel.$name" "no test ran (exit $status); see $log"
	elif [ "$status" -ne "$EXIT_PASS" ] && ! grep -q '^ktest: FAIL' <<<"$lines"; then
		fail "kernel.$name.exit" "QEMU exit $status, expected $EXIT_PASS"
	fi
}

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

ktests bios1 bios 1 all ""
ktests bios2 bios 2 all "profile=1"
# With an e1000 on QEMU's user-mode network: the NIC's tests run (an ARP request to the
# virtual gateway, and DHCP from QEMU's own server, neither of which leaves QEMU); elsewhere
# they are skipped.
# bios4 also has an e1000e, the QEMU NIC that offers MSI and MSI-X, for their test.
ktests bios4 bios 4 all "ip=dhcp" -- -nic user,model=e1000 -device e1000e
# The igb (82576, QEMU 8 and later) on its own: the same NIC tests through its driver, with
# MSI-X, and DHCP on the interface it carries; and queue 1 driven by kernel 1 while kernel 0
# owns the device.
ktests igb2 bios 2 nic_attaches_with_a_mac_and_link,nic_interrupt_reaches_the_kernel,nic_arp_request_gets_the_gateways_reply,net_dhcp_configures_the_interface,net_other_kernels_learn_the_interface_and_arp_from_kernel0,nic_igb_queue_driven_by_another_kernel "ip=dhcp" -- -nic user,model=igb
# The igb driver's error paths on the same NIC: a failed attach and a queue past the MSI-X
# table (the spec of the boot above has no room left for their names).
ktests igbfail bios 2 nic_igb_attach_failing_after_its_rings_gives_them_back_queue_off,nic_igb_queue_past_the_msix_table_is_refused_and_left_disabled \
	"ip=dhcp" -- -nic user,model=igb
# queues=per-kernel: each kernel attaches the igb queue pair with its number at boot and runs
# a stack of its own over it; kernel 1 pings through its own queue when the RSS buckets
# point there. The attach protocol refuses a queue the MSI-X table cannot route and gives
# up a queue whose requester never confirms.
ktests igbq bios 2 net_kernel1_pings_through_its_own_stack_and_queue,net_kernel1_connects_out_on_ports_that_steer_to_it,nicq_only_seated_kernels_drive_queues,nicq_unroutable_queue_is_refused_unstarted,nicq_unconfirmed_queue_is_given_up \
	"ip=dhcp queues=per-kernel" -- -nic user,model=igb
# More kernels than QEMU's 82576 has MSI-X entries for queues (9 of its 16): kernels 1-8
# drive their queues, kernels 9-11 none, and queues 9-15 never run.
ktests igb12 bios 12 nicq_only_seated_kernels_drive_queues \
	"ip=dhcp queues=per-kernel" --mem 1G -- -nic user,model=igb
ktests bios8 bios 8 all ""
ktests uefi4 uefi 4 all ""
ktests xapic4 bios 4 all "apic=xapic loglevel=warn"
ktests panic4 bios 4 smp_peer_panic_is_noticed_alone ""
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
# a program started on another kernel, a faulting program that dies alone, bad input.
iso shell "heartbeat=0 ip=dhcp" || fail kernel.shell "no ISO"
tests/kernel/shell.sh "$OUT/shell.iso" "$OUT/shell.log" 4 help "ls /bin" "cat /etc/init.conf" kernels \
	"run /bin/utest-child sleep @3" ps "kill 2 @3" ps "run /bin/hello from the shell" \
	"run /bin/hello remote @2" "run /bin/utest-child null" "bogus cmd" "cat /nope" "run /bin/hello @9" \
	"kill 77" mem netstat shutdown
status=$?
slog=$(tr -d '\r' <"$OUT/shell.log" | sed 's/^\[k[0-9]*\] //')
shell_check() {         # NAME PATTERN: a line of the conversation matches PATTERN (grep -E)
	if grep -Eq -- "$2" <<<"$slog"; then pass "shell.$1"; else fail "shell.$1" "no line matching '$2' in $OUT/shell.log"; fi
}
[ "$status" -eq "$EXIT_PASS" ] && pass shell.shutdown_ends_the_run || fail shell.shutdown_ends_the_run "QEMU exit $status"
shell_check help_lists_commands '^  run PROG \[ARGS\] \[@KERNEL\]'
shell_check ls_lists_bin '^usertests  [0-9]+$'
shell_check cat_prints_the_boot_table '^0 /bin/sh$'
shell_check kernels_reports_every_kernel '^3 +up +[0-9]+\.[0-9]s +[0-9]+% +[0-9]+ MiB'
shell_check kernels_reports_dropped_messages '^3 +up +[0-9]+\.[0-9]s +[0-9]+% +[0-9]+ MiB +[0-9]+ +[0-9]+ +[0-9]+$'
shell_check run_at_kernel_starts_there 'started /bin/utest-child on kernel 3 as pid 2'
shell_check ps_sees_other_kernels '^3 +2 +0 +wait +[0-9]+ +utest-child$'
shell_check kill_at_kernel_ends_it 'pid 2 \(utest-child\) exited: killed'
shell_check remote_program_ran_there '^hello from kernel 2 of 4, pid [0-9]+, remote$'
shell_check local_program_ran '^hello from kernel 0 of 4, pid [0-9]+, from the shell$'
shell_check faulting_program_dies_alone '^/bin/utest-child: exit status 139$'
shell_check unknown_command_is_named '^bogus: unknown command; try help$'
shell_check missing_file_is_reported '^cat: /nope: no such file or directory$'
shell_check bad_kernel_is_refused '^run: /bin/hello on kernel 9: invalid argument$'
shell_check kill_of_nothing_is_reported '^kill: 77: no such process$'
shell_check mem_reports_free_memory '^kernel 0: [0-9]+ MiB free'
shell_check netstat_shows_the_dhcp_address '^mac 52:54:00:12:34:56, ip 10\.0\.2\.15 mask 255\.255\.255\.0 gateway 10\.0\.2\.2$'
shell_check netstat_counts_frames '^rx [1-9][0-9]* frames, tx [1-9][0-9]* frames'

# Without ACPI the CPUs cannot be enumerated: one kernel, said plainly, and the boot goes on.
iso ktest-noacpi "ktest=boot_cmdline_names_the_tests heartbeat=0 acpi=off" &&
	boot ktest-noacpi "$OUT/ktest-noacpi.iso" bios --cpus 4
alog=$(tr -d '\r' <"$OUT/ktest-noacpi.log")
if [ "$status" -eq "$EXIT_PASS" ] && grep -q '^\[k0\] acpi: off on the command line; running on the boot CPU only' <<<"$alog" &&
   grep -q '^\[k0\] kernels up: 1/1' <<<"$alog"; then
	pass kernel.smp_without_acpi_runs_one_kernel
else
	fail kernel.smp_without_acpi_runs_one_kernel "exit $status; see $OUT/ktest-noacpi.log"
fi

# Kernel 2 is never sent its SIPIs (fault injection): kernel 0 must say so and go on with 3.
iso ktest-noap "ktest=boot_cmdline_names_the_tests heartbeat=0 smp_skip_sipi=2" &&
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
ktests lateap bios 4 smp_late_ap_is_parked_and_disturbs_no_one "smp_late_ap=2"
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
	echo "SKIP kernel.bochs (SKIP_BOCHS=1)"
else
	iso bochs "ktest=all loglevel=info heartbeat=0 expect_kernels=1" &&
		BOCHS_DONE='ktest: [0-9]+ passed, [0-9]+ failed|panic: system halted' \
		tools/bochs.sh --test "$OUT/bochs.iso" "$OUT/bochs.log" >"$OUT/bochs.out" 2>&1
	blog=$(tr -d '\r' <"$OUT/bochs.log" 2>/dev/null)
	if grep -q "Flotilla .*: a multikernel for x86-64" <<<"$blog" && grep -q "flotilla: kernel up" <<<"$blog"; then
		pass kernel.bochs.boots
	else
		fail kernel.bochs.boots "Bochs did not bring the kernel up; see $OUT/bochs.log and $OUT/bochs.out"
	fi
	if grep -Eq "^\[k0\] ktest: [1-9][0-9]* passed, 0 failed$" <<<"$blog"; then
		pass kernel.bochs.ktests
	else
		fail kernel.bochs.ktests "$(grep -E 'ktest: (FAIL|  )|passed' <<<"$blog" | head -4 | tr '\n' ' ')"
	fi
fi

[ "$failures" -eq 0 ]
