/* Timer tests: the LAPIC timer ticks at HZ as measured by the TSC, in the mode CPUID allows. */
#include "kernel/ktest.h"
#include "kernel/time.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/lapic.h"
#include "lib/cmdline.h"

extern struct boot_info boot_info;
#include "kernel/bootinfo.h"

KTEST(time_tick_advances_while_halted)
{
	uint64_t t0 = time_ticks();
	KASSERT(rflags_read() & RFLAGS_IF);
	for (int i = 0; i < 5; i++)
		cpu_idle_wait();        /* each hlt ends at the next interrupt */
	KEXPECT(time_ticks() > t0);
}

/* Over 300 ms of TSC time the tick count must match HZ. Emulation is slow and noisy, so the
 * bound is loose; it still catches a timer programmed 10x wrong. */
KTEST(time_tick_rate_matches_tsc)
{
	KASSERT(cpu_info.tsc_hz > 0);
	uint64_t t0 = time_ticks(), c0 = rdtsc();
	while (rdtsc() - c0 < cpu_info.tsc_hz * 3 / 10)
		cpu_idle_wait();
	uint64_t n = time_ticks() - t0;
	KEXPECT(n >= HZ * 3 / 10 / 2);
	KEXPECT(n <= HZ * 3 / 10 * 2);
}

KTEST(time_uptime_is_monotonic)
{
	uint64_t a = time_uptime_ns();
	cpu_idle_wait();
	uint64_t b = time_uptime_ns();
	KEXPECT(b > a);
	KEXPECT(cpu_info.tsc_hz > 10000000);    /* any x86-64 TSC runs faster than 10 MHz */
}

/* x2APIC is used whenever the CPU has it, unless apic=xapic asks otherwise. */
KTEST(lapic_mode_follows_cpuid)
{
	char mode[16] = "";
	cmdline_get(boot_info.cmdline, "apic", mode, sizeof(mode));
	bool forced_xapic = cmdline_list_contains(mode, "xapic");
	enum lapic_mode want = (cpu_info.x2apic && !forced_xapic) ? LAPIC_X2APIC : LAPIC_XAPIC;
	KEXPECT_EQ(lapic_mode(), want);
	KEXPECT_EQ(lapic_id(), 0);      /* the boot CPU is APIC 0 in QEMU's machines */
}
