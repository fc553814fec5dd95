/* ACPI tables the kernels need: the MADT (CPUs, IOAPICs, interrupt overrides), MCFG (PCI
 * ECAM) and FADT (PM timer). The parser reads physical memory only through acpi_mem, so it
 * can be tested on the host with tables built in a buffer. */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS    64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS    16
#define ACPI_MAX_MCFG    4

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

/* An ISA interrupt that arrives on another GSI, or with other polarity/trigger. */
struct acpi_iso {
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
};

struct acpi_mcfg {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

struct acpi_info {
	uint8_t revision;               /* of the RSDP: 0 = ACPI 1.0 (RSDT), 2+ = XSDT */
	uint32_t lapic_addr;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned ncpus;
	unsigned cpus_dropped;          /* enabled CPUs beyond ACPI_MAX_CPUS */
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned nioapics;
	struct acpi_iso isos[ACPI_MAX_ISOS];
	unsigned nisos;
	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];
	unsigned nmcfg;
	uint32_t pm_timer_port;         /* 0: none */
	bool pm_timer_32bit;
	bool have_madt, have_fadt;
};

/* How the parser reaches a physical range: a pointer to len readable bytes, or NULL. What
 * it returns must stay readable until acpi_parse returns. The parser asks only for ranges
 * below 2^52 (so pa + len never wraps), whatever addresses the tables hold. */
struct acpi_mem {
	const void *(*map)(void *ctx, uint64_t pa, size_t len);
	void *ctx;
};

/* The MCFG entry of PCI segment `segment` (the one this kernel scans is 0), NULL if none:
 * firmware may list other segments first. */
const struct acpi_mcfg *acpi_mcfg_of(const struct acpi_info *info, uint16_t segment);

/* Parses the tables reached from the RSDP copy (rsdp, len bytes). Returns 0, or -EINVAL /
 * -ENOENT with *why saying what was wrong; info holds whatever was valid. */
int acpi_parse(const uint8_t *rsdp, size_t len, const struct acpi_mem *mem,
	       struct acpi_info *info, const char **why);

#endif
