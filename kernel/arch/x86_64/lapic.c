/* Local APIC driver (SDM 3A chapter 11). In x2APIC mode registers are MSRs 0x800 + offset/16
 * (SDM 3A 11.12.1); otherwise they are the 4 KiB MMIO page named by IA32_APIC_BASE. */
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/cost.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/mm/vmm.h"
#include "kernel/console.h"
#include "lib/errno.h"

/* Register offsets in the xAPIC page (SDM 3A table 11-1). */
#define LAPIC_ID        0x020   /* R: APIC id (bits 31:24 in xAPIC mode) */
#define LAPIC_VERSION   0x030   /* R */
#define LAPIC_TPR       0x080   /* RW: task priority */
#define LAPIC_EOI       0x0B0   /* W */
#define LAPIC_SVR       0x0F0   /* RW: spurious vector, bit 8 enables the APIC */
#define LAPIC_ESR       0x280   /* RW: error status */
#define LAPIC_ICR_LO    0x300   /* RW: interrupt command; in x2APIC one 64-bit MSR */
#define LAPIC_ICR_HI    0x310   /* RW: destination (xAPIC only) */
#define LAPIC_LVT_TIMER 0x320   /* RW */
#define LAPIC_LVT_LINT0 0x350   /* RW */
#define LAPIC_LVT_LINT1 0x360   /* RW */
#define LAPIC_LVT_ERROR 0x370   /* RW */
#define LAPIC_TIMER_INIT 0x380  /* RW: initial count */
#define LAPIC_TIMER_CUR 0x390   /* R: current count */
#define LAPIC_TIMER_DIV 0x3E0   /* RW: divide configuration */

#define APIC_BASE_ENABLE  (1ull << 11)
#define APIC_BASE_X2APIC  (1ull << 10)
#define APIC_BASE_ADDR    0x000FFFFFFFFFF000ull
#define SVR_ENABLE        (1u << 8)
#define LVT_MASKED        (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define TIMER_DIV_16      0x3u
#define ICR_FIXED         0x00000u
#define ICR_INIT          0x00500u
#define ICR_STARTUP       0x00600u
#define ICR_PENDING       (1u << 12)      /* xAPIC delivery status */
#define ICR_ASSERT        (1u << 14)
#define ICR_LEVEL_TRIGGER (1u << 15)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_EDX_APIC   (1u << 9)

#define PIC1_DATA       0x21
#define PIC2_DATA       0xA1

static enum lapic_mode mode;
static volatile uint32_t *xapic_regs;
static uint64_t timer_hz;

static uint32_t lapic_read(uint32_t reg)
{
	if (mode == LAPIC_X2APIC)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return xapic_regs[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	kcost.lapic_writes++;
	if (mode == LAPIC_X2APIC)
		wrmsr(0x800 + (reg >> 4), v);
	else
		xapic_regs[reg / 4] = v;
}

/* The 8259 PICs would otherwise deliver on vectors that are exceptions; all of their lines
 * stay masked, as every interrupt comes through the APICs. */
static void legacy_pic_disable(void)
{
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
}

static int lapic_enable(bool allow_x2apic)
{
	struct cpuid_regs r = cpuid(1, 0);
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(r.edx & CPUID1_EDX_APIC))
		return -ENODEV;
	if (allow_x2apic && (r.ecx & CPUID1_ECX_X2APIC)) {
		/* xAPIC must be enabled before x2APIC (SDM 3A 11.12.5). */
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
		mode = LAPIC_X2APIC;
		return 0;
	}
	if (base & APIC_BASE_X2APIC)
		return -EBUSY;  /* firmware left x2APIC on; leaving it needs a reset of the APIC */
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	xapic_regs = vmm_map_mmio(base & APIC_BASE_ADDR, 4096);
	if (!xapic_regs)
		return -ENOMEM;
	mode = LAPIC_XAPIC;
	return 0;
}

int lapic_init(bool allow_x2apic)
{
	int err;

	legacy_pic_disable();
	if ((err = lapic_enable(allow_x2apic)))
		return err;
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	return 0;
}

enum lapic_mode lapic_mode(void)
{
	return mode;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);
	return mode == LAPIC_X2APIC ? id : id >> 24;
}

void lapic_eoi(void)
{
	if (mode != LAPIC_NONE)
		lapic_write(LAPIC_EOI, 0);
}

/* The timer counts down from its maximum, masked, until lapic_timer_count_end: how far it
 * got over a window of known length gives its rate (cpu_measure_clocks). */
void lapic_timer_count_begin(void)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, UINT32_MAX);
}

uint32_t lapic_timer_count_end(void)
{
	uint32_t elapsed = UINT32_MAX - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	return elapsed;
}

int lapic_timer_start_known(unsigned hz, uint64_t measured_hz)
{
	if (mode == LAPIC_NONE || hz == 0)
		return -EINVAL;
	timer_hz = measured_hz;
	if (timer_hz < hz)
		return -EIO;    /* the timer did not move: no usable clock */
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)(timer_hz / hz));
	return 0;
}

uint64_t lapic_timer_hz(void)
{
	return timer_hz;
}

/* SDM 3A 11.6.1. In xAPIC mode the high half (destination) must be written first: the
 * write of the low half sends. */
static void lapic_icr(uint32_t apic_id, uint32_t low)
{
	if (mode == LAPIC_X2APIC) {
		wrmsr(0x800 + (LAPIC_ICR_LO >> 4), ((uint64_t)apic_id << 32) | low);
		return;
	}
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, low);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	lapic_icr(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_send_init(uint32_t apic_id)
{
	lapic_icr(apic_id, ICR_INIT | ICR_ASSERT);
}

/* INIT level de-assert, which follows an INIT in the MP start-up and parking sequence (SDM 3A
 * 10.6.1, Table 10-7: level-triggered INIT with the level bit clear). */
void lapic_send_init_deassert(uint32_t apic_id)
{
	lapic_icr(apic_id, ICR_INIT | ICR_LEVEL_TRIGGER);
}

void lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	lapic_icr(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}
