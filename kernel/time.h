/* Kernel time: the periodic tick and the TSC clock. */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

#define HZ 100

int time_init(uint64_t timer_hz);
uint64_t time_ticks(void);
uint64_t time_uptime_ns(void);
/* Milliseconds since boot: the network stack's clock. */
static inline uint64_t time_uptime_ms(void) { return time_uptime_ns() / 1000000; }
/* The TSC when uptime began (SYS_KERNEL_INFO hands it to user mode with the frequency). */
uint64_t time_tsc_boot(void);
/* The idle loop reports the cycles it spent halted; the percentage is since boot. */
void time_account_idle(uint64_t cycles);
unsigned time_idle_percent(void);
/* TSC cycles the idle loop has spent halted since boot. */
uint64_t time_idle_cycles(void);

#endif
