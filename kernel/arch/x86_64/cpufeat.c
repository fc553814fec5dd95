/* CPUID decoding (SDM 2A, CPUID) and the measurement of the TSC's and the LAPIC timer's rates. */
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/console.h"
#include "lib/string.h"
#include "lib/util.h"

#define CLOCK_WINDOWS   5       /* PIT windows both clocks are counted over */
#define CLOCK_WINDOW_MS 5

struct cpu_info cpu_info;

static void copy_regs(char *dst, const struct cpuid_regs *r)
{
	memcpy(dst + 0, &r->eax, 4);
	memcpy(dst + 4, &r->ebx, 4);
	memcpy(dst + 8, &r->ecx, 4);
	memcpy(dst + 12, &r->edx, 4);
}

static void identify_brand(uint32_t max_ext)
{
	if (max_ext < 0x80000004) {
		strlcpy(cpu_info.brand, "(no brand string)", sizeof(cpu_info.brand));
		return;
	}
	for (uint32_t i = 0; i < 3; i++) {
		struct cpuid_regs r = cpuid(0x80000002 + i, 0);
		copy_regs(cpu_info.brand + 16 * i, &r);
	}
	cpu_info.brand[48] = '\0';
	/* Intel pads the brand string on the left. */
	size_t lead = 0;
	while (cpu_info.brand[lead] == ' ')
		lead++;
	memmove(cpu_info.brand, cpu_info.brand + lead, sizeof(cpu_info.brand) - lead);
}

void cpu_identify(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t max = r.eax;

	memcpy(cpu_info.vendor + 0, &r.ebx, 4);
	memcpy(cpu_info.vendor + 4, &r.edx, 4);
	memcpy(cpu_info.vendor + 8, &r.ecx, 4);
	r = cpuid(1, 0);
	unsigned fam = (r.eax >> 8) & 0xF, model = (r.eax >> 4) & 0xF;
	if (fam == 0xF)
		fam += (r.eax >> 20) & 0xFF;
	if (fam >= 6)
		model |= ((r.eax >> 16) & 0xF) << 4;
	cpu_info.family = fam;
	cpu_info.model = model;
	cpu_info.stepping = r.eax & 0xF;
	cpu_info.pse = r.edx & (1u << 3);
	cpu_info.tsc = r.edx & (1u << 4);
	cpu_info.apic = r.edx & (1u << 9);
	cpu_info.pge = r.edx & (1u << 13);
	cpu_info.pcid = r.ecx & (1u << 17);
	cpu_info.x2apic = r.ecx & (1u << 21);
	cpu_info.tsc_deadline = r.ecx & (1u << 24);
	cpu_info.hypervisor = r.ecx & (1u << 31);
	cpu_info.rdrand = r.ecx & (1u << 30);
	if (max >= 7) {
		r = cpuid(7, 0);
		cpu_info.fsgsbase = r.ebx & (1u << 0);
		cpu_info.smep = r.ebx & (1u << 7);
		cpu_info.invpcid = r.ebx & (1u << 10);
		cpu_info.smap = r.ebx & (1u << 20);
	}
	if (max >= 0x15) {
		r = cpuid(0x15, 0);     /* TSC = crystal * ebx / eax */
		if (r.eax && r.ebx && r.ecx)
			cpu_info.tsc_hz_cpuid = (uint64_t)r.ecx * r.ebx / r.eax;
	}
	uint32_t max_ext = cpuid(0x80000000, 0).eax;
	if (max_ext >= 0x80000001) {
		r = cpuid(0x80000001, 0);
		cpu_info.nx = r.edx & (1u << 20);
		cpu_info.huge1g = r.edx & (1u << 26);
	}
	if (max_ext >= 0x80000007)
		cpu_info.tsc_invariant = cpuid(0x80000007, 0).edx & (1u << 8);
	identify_brand(max_ext);
}

/* Both clocks are counted across the same short windows of the PIT, which runs at PIT_HZ
 * whatever the processor's clocks do, and each rate comes from the window in which it
 * counted least. A window can only count too much: when its end is noticed late (a virtual
 * CPU that a busy host descheduled then, an SMI), never too early; one 50 ms window was
 * seen to make the TSC 2.25x its rate on a host shared with other QEMUs. late_ms (debug,
 * clock_late_window= on the command line) notices the first window's end that much late. */
uint64_t cpu_measure_clocks(unsigned late_ms)
{
	uint64_t tsc = UINT64_MAX, timer = UINT64_MAX;
	for (unsigned i = 0; i < CLOCK_WINDOWS; i++) {
		lapic_timer_count_begin();
		uint64_t t0 = rdtsc();
		pit_wait_ms(CLOCK_WINDOW_MS);
		if (i == 0 && late_ms)
			pit_wait_ms(late_ms);
		uint64_t t1 = rdtsc();
		uint64_t counted = lapic_timer_count_end();
		tsc = MIN(tsc, t1 - t0);
		timer = MIN(timer, counted);
	}
	cpu_info.tsc_hz = tsc * 1000 / CLOCK_WINDOW_MS;
	return timer * 1000 / CLOCK_WINDOW_MS;
}

uint64_t tsc_to_ns(uint64_t cycles)
{
	if (!cpu_info.tsc_hz)
		return 0;
	/* Split to keep cycles * 1e9 from overflowing for long uptimes. */
	uint64_t s = cycles / cpu_info.tsc_hz, rem = cycles % cpu_info.tsc_hz;
	return s * 1000000000ull + rem * 1000000000ull / cpu_info.tsc_hz;
}

static void print_flag(bool on, const char *name)
{
	if (on)
		kprintf(" %s", name);
}

void cpu_print(void)
{
	const struct cpu_info *c = &cpu_info;

	if (console_level() < LOG_INFO)
		return;
	kprintf("cpu: %s, %s, family %u model %u stepping %u\n", c->vendor, c->brand, c->family,
		c->model, c->stepping);
	kprintf("cpu: features used:");
	print_flag(c->nx, "nx");
	print_flag(c->pge, "pge");
	print_flag(c->apic, "apic");
	print_flag(c->x2apic, "x2apic");
	print_flag(c->tsc, "tsc");
	print_flag(c->tsc_invariant, "invariant-tsc");
	kprintf("; present, not yet used:");
	print_flag(c->smep, "smep");
	print_flag(c->smap, "smap");
	print_flag(c->huge1g, "1g-pages");
	print_flag(c->pcid, "pcid");
	print_flag(c->fsgsbase, "fsgsbase");
	print_flag(c->tsc_deadline, "tsc-deadline");
	print_flag(c->hypervisor, "hypervisor");
	kprintf("\n");
	kprintf("cpu: tsc %lu.%03lu MHz measured against the PIT", c->tsc_hz / 1000000,
		(c->tsc_hz / 1000) % 1000);
	if (c->tsc_hz_cpuid)
		kprintf(" (CPUID 0x15 says %lu MHz)", c->tsc_hz_cpuid / 1000000);
	kprintf("\n");
}
