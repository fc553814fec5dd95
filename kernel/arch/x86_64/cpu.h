/* x86-64 instruction, control-register and MSR accessors: the only place inline asm for them lives. */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

#include <stdint.h>
#include <stdbool.h>

#define CR0_WP          (1ul << 16)            /* SDM 3A 2.5: supervisor writes honour R/O */
#define CR4_PSE         (1ul << 4)
#define CR4_PAE         (1ul << 5)
#define CR4_PGE         (1ul << 7)             /* global pages survive CR3 loads */
#define CR4_OSFXSR      (1ul << 9)
#define CR4_SMEP        (1ul << 20)
#define CR4_SMAP        (1ul << 21)

#define MSR_APIC_BASE   0x1Bu                   /* SDM 3A 11.4.4 */
#define MSR_EFER        0xC0000080u
#define EFER_SCE        (1ul << 0)
#define EFER_LME        (1ul << 8)
#define EFER_NXE        (1ul << 11)            /* enables the XD/NX page bit */
#define MSR_FS_BASE     0xC0000100u
#define MSR_GS_BASE     0xC0000101u

#define RFLAGS_IF       (1ul << 9)

static inline uint64_t cr0_read(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void cr0_write(uint64_t v) { __asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline uint64_t cr2_read(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t cr3_read(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void cr3_write(uint64_t v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline uint64_t cr4_read(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void cr4_write(uint64_t v) { __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void invlpg(uintptr_t va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }

/* sti takes effect after the next instruction, so no interrupt can slip in between the two
 * and leave us halted with work pending. */
static inline void cpu_idle_wait(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

static inline uint64_t rflags_read(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; pop %0" : "=r"(v) :: "memory");
	return v;
}

/* Disables interrupts and returns whether they were on, for irq_restore(). */
static inline bool irq_save(void)
{
	bool on = rflags_read() & RFLAGS_IF;
	irq_disable();
	return on;
}

static inline void irq_restore(bool on)
{
	if (on)
		irq_enable();
}

static inline uint64_t rbp_read(void) { uint64_t v; __asm__ volatile("mov %%rbp, %0" : "=r"(v)); return v; }
static inline uint64_t rsp_read(void) { uint64_t v; __asm__ volatile("mov %%rsp, %0" : "=r"(v)); return v; }

static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Runs fn(arg) with RSP at stack_top and returns to the caller's stack (setjmp.asm). */
void stack_call(void *stack_top, void (*fn)(void *), void *arg);

#endif
