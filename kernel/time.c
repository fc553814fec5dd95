/* The tick (LAPIC timer, HZ per second) and uptime from the TSC. */
#include "kernel/time.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"

static volatile uint64_t ticks;
static uint64_t tsc_boot;

static void time_tick(struct trap_frame *f)
{
	(void)f;
	ticks++;
	lapic_eoi();
}

int time_init(void)
{
	int err = irq_register(VEC_LAPIC_TIMER, time_tick);
	if (err)
		return err;
	tsc_boot = rdtsc();
	return lapic_timer_start(HZ);
}

uint64_t time_ticks(void)
{
	return ticks;
}

uint64_t time_uptime_ns(void)
{
	return tsc_to_ns(rdtsc() - tsc_boot);
}
