/* Local APIC (xAPIC or x2APIC) and its timer. */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

enum lapic_mode {
	LAPIC_NONE,
	LAPIC_XAPIC,
	LAPIC_X2APIC,
};

int lapic_init(bool allow_x2apic);
enum lapic_mode lapic_mode(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Measures the timer against the PIT and starts it periodic at hz; returns 0 or -errno. */
int lapic_timer_start(unsigned hz);
uint64_t lapic_timer_hz(void);  /* timer input clock after the divider */

#endif
