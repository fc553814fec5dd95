/* Platform discovery: the ACPI tables as this kernel found them. */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include "kernel/acpi.h"

/* Parses ACPI from the boot information's RSDP; on failure says why and leaves
 * platform_acpi() NULL, and the system runs on the boot CPU alone. */
void platform_init(void);
const struct acpi_info *platform_acpi(void);

#endif
