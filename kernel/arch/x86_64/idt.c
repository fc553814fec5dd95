/* The IDT: a gate per vector pointing at isr.asm's stubs, and the table of device handlers. */
#include "kernel/arch/x86_64/trap.h"
#include "kernel/arch/x86_64/gdt.h"
#include "lib/errno.h"

/* 64-bit interrupt gate (SDM 3A 6.14.1, figure 6-8). */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;            /* bits 2:0 */
	uint8_t type_attr;      /* P | DPL | type */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gates are 16 bytes");

#define GATE_INTERRUPT  0x8E    /* present, DPL 0, 64-bit interrupt gate (clears IF) */

extern const uint64_t isr_stub_table[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_fn irq_handlers[256];

static void idt_set_gate(unsigned vec, uint64_t handler, unsigned ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = handler & 0xFFFF,
		.selector = SEL_KCODE,
		.ist = ist & 7,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (handler >> 16) & 0xFFFF,
		.offset_hi = handler >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set_gate(v, isr_stub_table[v], 0);
	/* These must not run on a stack that may be the cause of the fault. */
	idt[VEC_DF].ist = IST_DF;
	idt[VEC_NMI].ist = IST_NMI;
	idt[VEC_MC].ist = IST_MC;
	idt_load();
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" :: "m"(ptr) : "memory");
}

/* Device vectors only: exceptions are handled by trap.c. */
int irq_register(uint8_t vector, irq_handler_fn fn)
{
	if (vector < VEC_NUM_EXCEPTIONS || !fn)
		return -EINVAL;
	if (irq_handlers[vector])
		return -EBUSY;
	irq_handlers[vector] = fn;
	return 0;
}

irq_handler_fn irq_handler(uint8_t vector)
{
	return irq_handlers[vector];
}
