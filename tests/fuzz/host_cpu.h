/* kernel/arch/x86_64/cpu.h for kernel code built into a fuzz harness (fuzz.mk passes it
 * with -include) or into the host tests of the kernel path (tests/host/host.mk does):
 * interrupts cannot be masked from user mode (cli faults), so the accessors kernel/urpc/peer.c
 * and kernel/nicq.c use are host stand-ins. It takes cpu.h's include guard, so that header
 * is never read. */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline uint64_t rdtsc(void) { return __builtin_ia32_rdtsc(); }
static inline void cpu_relax(void) { __builtin_ia32_pause(); }
static inline void irq_disable(void) { }
static inline void irq_enable(void) { }
static inline void cpu_idle_wait(void) { }
static inline bool irq_save(void) { return false; }
static inline void irq_restore(bool on) { (void)on; }

#endif
