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
/* The timer counting, masked, from its maximum (divided by 16); _end returns the count. */
void lapic_timer_count_begin(void);
uint32_t lapic_timer_count_end(void);
uint64_t lapic_timer_hz(void);  /* timer input clock after the divider */
/* Starts the timer periodic at hz, its input clock measured (cpu_measure_clocks, on kernel 0,
 * whose PIT it is) as timer_hz; returns 0 or -errno. */
int lapic_timer_start_known(unsigned hz, uint64_t timer_hz);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_init(uint32_t apic_id);
void lapic_send_init_deassert(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t page);

#endif
