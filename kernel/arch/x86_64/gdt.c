/* GDT with kernel and user segments and a 64-bit TSS holding the IST stacks. */
#include "kernel/arch/x86_64/gdt.h"
#include "lib/util.h"

/* 64-bit TSS (SDM 3A 8.7, figure 8-11). */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");

/* Descriptor bits (SDM 3A 3.4.5). */
#define DESC_ACCESSED   (1ull << 40)
#define DESC_RW         (1ull << 41)
#define DESC_CODE       (1ull << 43)
#define DESC_S          (1ull << 44)    /* code/data, not system */
#define DESC_DPL3       (3ull << 45)
#define DESC_P          (1ull << 47)
#define DESC_L          (1ull << 53)    /* 64-bit code */
#define DESC_TSS_AVAIL  (9ull << 40)

#define GDT_ENTRIES 8                   /* null, kcode, kdata, (unused), udata, ucode, tss x2 */

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));

/* Early IST stacks, used until kernel/mm gives guarded ones (tss_set_ist). */
static uint8_t early_ist_stacks[IST_COUNT][4096] __attribute__((aligned(16)));

static void gdt_set_tss(unsigned idx, uint64_t base, uint32_t limit)
{
	gdt[idx] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | DESC_TSS_AVAIL | DESC_P |
		   ((uint64_t)((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[idx + 1] = base >> 32;
}

void gdt_init(void)
{
	const uint64_t seg = DESC_P | DESC_S | DESC_RW | DESC_ACCESSED;

	gdt[0] = 0;
	gdt[SEL_KCODE / 8] = seg | DESC_CODE | DESC_L;
	gdt[SEL_KDATA / 8] = seg;
	gdt[3] = 0;     /* SYSRET's 32-bit user code slot; Flotilla runs no 32-bit code */
	gdt[SEL_UDATA / 8] = seg | DESC_DPL3;
	gdt[SEL_UCODE / 8] = seg | DESC_CODE | DESC_L | DESC_DPL3;
	for (unsigned i = 0; i < IST_COUNT; i++)
		tss.ist[i] = (uint64_t)&early_ist_stacks[i][sizeof(early_ist_stacks[i])];
	tss.iomap_base = sizeof(tss);   /* no I/O permission bitmap */
	gdt_set_tss(SEL_TSS / 8, (uint64_t)&tss, sizeof(tss) - 1);
	gdt_load();
}

/* Loads the GDT, reloads every segment register (CS through a far return) and the TR. */
void gdt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(gdt) - 1, (uint64_t)gdt };

	/* The TSS descriptor must be "available" to be loaded; a reload after ltr finds it busy. */
	gdt[SEL_TSS / 8] &= ~(2ull << 40);
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%gs\n\t"
		"movw %3, %%ax\n\t"
		"ltr %%ax\n\t"
		:: "m"(ptr), "i"(SEL_KCODE), "i"(SEL_KDATA), "i"(SEL_TSS)
		: "rax", "memory");
}

void tss_set_ist(unsigned ist, uint64_t stack_top)
{
	if (ist >= 1 && ist <= IST_COUNT)
		tss.ist[ist - 1] = stack_top;
}

void tss_set_rsp0(uint64_t stack_top)
{
	tss.rsp[0] = stack_top;
}
