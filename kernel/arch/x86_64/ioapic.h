/* I/O APICs (82093AA datasheet; ACPI MADT for where they are): routing a global system
 * interrupt (GSI) to a vector on one CPU. */
#ifndef ARCH_X86_64_IOAPIC_H
#define ARCH_X86_64_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_info;

/* Maps every I/O APIC the MADT lists and masks all their pins. Returns how many. */
unsigned ioapic_init(const struct acpi_info *acpi);
/* Sends gsi to vector on the CPU with apic_id; level/active_low as the source needs (PCI
 * INTx: level, active low). -ENOENT if no I/O APIC has that pin. */
int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, bool level, bool active_low);
void ioapic_mask(uint32_t gsi, bool masked);

#endif
