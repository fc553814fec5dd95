#!/usr/bin/env bash
# In-emulator kernel tests. Boots the kernel in QEMU with ktest= and crash= command lines and
# prints one "PASS name" or "FAIL name: why" line per check, for tests/run.sh to count.
#   - every KTEST, booted by BIOS and by UEFI, and once with the xAPIC forced;
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
	tools/qemu.sh --firmware "$fw" --timeout "$BOOT_TIMEOUT" --serial "$OUT/$name.log" "$@" "$image" \
		>"$OUT/$name.qemu" 2>&1
	status=$?
	[ -f "$OUT/$name.log" ] || : >"$OUT/$name.log"
}

# ktests NAME FIRMWARE CMDLINE-EXTRA [qemu.sh options...]: one PASS/FAIL per kernel test.
ktests() {
	local name=$1 fw=$2 extra=$3
	shift 3
	iso "ktest-$name" "ktest=all loglevel=info heartbeat=0 $extra" || { fail "kernel.$name" "no ISO"; return; }
	boot "ktest-$name" "$OUT/ktest-$name.iso" "$fw" "$@"
	local log=$OUT/ktest-$name.log ran=0 t
	while read -r t; do
		ran=$((ran + 1))
		if grep -qx "ktest: PASS $t" < <(tr -d '\r' <"$log"); then
			pass "kernel.$name.$t"
		elif grep -qx "ktest: FAIL $t" < <(tr -d '\r' <"$log"); then
			fail "kernel.$name.$t" "$(tr -d '\r' <"$log" | sed -n "/^ktest: RUN $t\$/,/^ktest: FAIL $t\$/p" | grep '^ktest:   ' | head -3 | tr '\n' ' ')"
		else
			fail "kernel.$name.$t" "kernel died during the test (exit $status); see $log"
		fi
	done < <(tr -d '\r' <"$log" | sed -n 's/^ktest: RUN //p')
	if [ "$ran" -eq 0 ]; then
		fail "kernel.$name" "no test ran (exit $status); see $log"
	elif [ "$status" -ne "$EXIT_PASS" ] && ! grep -q '^ktest: FAIL' "$log"; then
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

ktests bios bios ""
ktests uefi uefi ""
ktests xapic bios "apic=xapic loglevel=warn"
# loglevel=warn (the last one on the line wins) must silence the boot's info lines.
if grep -q "^memory map" "$OUT/ktest-xapic.log" || ! grep -q "^Flotilla " "$OUT/ktest-xapic.log"; then
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
	iso bochs "ktest=all loglevel=info heartbeat=0" &&
		tools/bochs.sh --test "$OUT/bochs.iso" "$OUT/bochs.log" >"$OUT/bochs.out" 2>&1
	blog=$(tr -d '\r' <"$OUT/bochs.log" 2>/dev/null)
	if grep -q "Flotilla .*: a multikernel for x86-64" <<<"$blog" && grep -q "flotilla: kernel up" <<<"$blog"; then
		pass kernel.bochs.boots
	else
		fail kernel.bochs.boots "Bochs did not bring the kernel up; see $OUT/bochs.log and $OUT/bochs.out"
	fi
	if grep -Eq "^ktest: [1-9][0-9]* passed, 0 failed$" <<<"$blog"; then
		pass kernel.bochs.ktests
	else
		fail kernel.bochs.ktests "$(grep -E '^ktest: (FAIL|  )|passed' <<<"$blog" | head -4 | tr '\n' ' ')"
	fi
fi

[ "$failures" -eq 0 ]
