/* GDT and TSS: segment selectors, and the IST stacks for faults that cannot trust RSP. */
#ifndef ARCH_X86_64_GDT_H
#define ARCH_X86_64_GDT_H

#include <stdint.h>

/* Selector order is fixed by SYSCALL/SYSRET (SDM 3B 5.8.8): user data must sit 8 below user
 * 64-bit code, kernel data 8 above kernel code. */
#define SEL_KCODE       0x08
#define SEL_KDATA       0x10
#define SEL_UDATA       0x20
#define SEL_UCODE       0x28
#define SEL_TSS         0x30

/* Interrupt stack table slots (1-based as in the IDT gate). */
#define IST_DF          1       /* double fault: a kernel stack overflow lands here */
#define IST_NMI         2
#define IST_MC          3
#define IST_COUNT       3

void gdt_init(void);
void gdt_load(void);
void tss_set_ist(unsigned ist, uint64_t stack_top);
void tss_set_rsp0(uint64_t stack_top);

#endif
