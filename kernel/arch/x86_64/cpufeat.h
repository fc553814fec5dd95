/* CPU identification and the features the kernel uses. */
#ifndef ARCH_X86_64_CPUFEAT_H
#define ARCH_X86_64_CPUFEAT_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_info {
	char vendor[13];
	char brand[49];
	unsigned family, model, stepping;
	bool nx, pge, pse, huge1g, apic, x2apic, tsc, tsc_invariant, tsc_deadline;
	bool smep, smap, fsgsbase, pcid, invpcid, hypervisor, rdrand;
	uint64_t tsc_hz;        /* measured against the PIT */
	uint64_t tsc_hz_cpuid;  /* from CPUID 0x15, 0 if not given */
};

extern struct cpu_info cpu_info;

void cpu_identify(void);
/* Kernel 0: the TSC's rate into cpu_info.tsc_hz; returns the LAPIC timer's (after its divider).
 * late_ms: 0, or (debug) how late the first PIT window's end is noticed. */
uint64_t cpu_measure_clocks(unsigned late_ms);
void cpu_print(void);
uint64_t tsc_to_ns(uint64_t cycles);

/* A hardware random number (RDRAND); false if the CPU has none or gave none after retries. */
static inline bool rdrand64(uint64_t *out)
{
	if (!cpu_info.rdrand)
		return false;
	for (int i = 0; i < 10; i++) {
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok) :: "cc");
		if (ok)
			return true;
	}
	return false;
}

#endif
