/* The tick (LAPIC timer, HZ per second) and uptime from the TSC. */
#include "kernel/time.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/netdev.h"
#include "kernel/urpc/peer.h"
#include "kernel/prof.h"
#include "kernel/sched.h"

static volatile uint64_t ticks;
static uint64_t tsc_boot;

static void time_tick(struct trap_frame *f)
{
	prof_tick(f);
	ticks++;
	netdev_tx_flush();      /* frames queued by code that has not flushed yet wait a tick at most */
	peer_tick();
	console_poll_input();
	sched_tick();
	lapic_eoi();
}

/* timer_hz: the LAPIC timer's frequency, as kernel 0 measured it (cpu_measure_clocks). */
int time_init(uint64_t timer_hz)
{
	int err = irq_register(VEC_LAPIC_TIMER, time_tick);
	if (err)
		return err;
	tsc_boot = rdtsc();
	return lapic_timer_start_known(HZ, timer_hz);
}

uint64_t time_tsc_boot(void)
{
	return tsc_boot;
}

uint64_t time_ticks(void)
{
	return ticks;
}

uint64_t time_uptime_ns(void)
{
	return tsc_to_ns(rdtsc() - tsc_boot);
}

static uint64_t idle_cycles;

void time_account_idle(uint64_t cycles)
{
	idle_cycles += cycles;
}

uint64_t time_idle_cycles(void)
{
	return idle_cycles;
}

unsigned time_idle_percent(void)
{
	uint64_t total = rdtsc() - tsc_boot;
	return total ? (unsigned)(idle_cycles * 100 / total) : 0;
}
