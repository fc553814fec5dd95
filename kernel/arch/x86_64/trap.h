/* Interrupt and exception entry: the saved register frame, vectors, and handler registration. */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include <stdint.h>

/* Exception vectors (SDM 3A table 6-1). */
#define VEC_DE          0       /* divide error */
#define VEC_DB          1
#define VEC_NMI         2
#define VEC_BP          3       /* int3 */
#define VEC_UD          6       /* invalid opcode */
#define VEC_DF          8       /* double fault: runs on IST_DF */
#define VEC_GP          13
#define VEC_PF          14
#define VEC_MC          18
#define VEC_NUM_EXCEPTIONS 32

/* Every device and IPI vector of the kernel, and of its tests. Each kernel has its own
 * CPU, so a vector names the same job on every kernel. Which kernel takes which NIC queue's
 * interrupts, through which MSI-X entry, is kernel/nicplan.h's. */
#define VEC_LAPIC_TIMER 0x40
#define VEC_URPC_WAKE   0x41    /* a peer sent a message while we slept */
#define VEC_NIC         0x42    /* this kernel's NIC queue (igb), or the e1000's INTx */
#define VEC_NIC_OTHER   0x43    /* igb, kernel 0: link change and the other causes */
#define VEC_NICQ_TEST   0x44    /* a queue a test drives from another kernel */
#define VEC_NIC_PROBE   0x50    /* 0x50 + n, n < 8: the e1000 probe of PCI GSI 16 + n */
#define VEC_MSI_TEST    0x60    /* the MSI and MSI-X tests (kernel/tests/ktest_pci.c) */
#define VEC_MSIX_TEST   0x61
#define VEC_SPURIOUS    0xFF

/* Page-fault error code bits (SDM 3A 4.7). */
#define PF_PRESENT      (1u << 0)
#define PF_WRITE        (1u << 1)
#define PF_USER         (1u << 2)
#define PF_RSVD         (1u << 3)
#define PF_FETCH        (1u << 4)

/* Pushed by isr.asm in this order below the CPU's own frame; the layout is shared with it. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame must match isr.asm");

typedef void (*irq_handler_fn)(struct trap_frame *f);

void idt_init(void);
void idt_load(void);
int irq_register(uint8_t vector, irq_handler_fn fn);
irq_handler_fn irq_handler(uint8_t vector);
void trap_dispatch(struct trap_frame *f);
const char *trap_name(uint64_t vector);
void trap_dump(const struct trap_frame *f);

#endif
