/* Platform discovery through ACPI, with the kernel's way of reaching firmware tables. */
#include "kernel/platform.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/vmm.h"
#include "lib/cmdline.h"
#include "lib/string.h"

static struct acpi_info acpi;
static bool acpi_ok;

/* Tables in RAM are in the direct map; others (QEMU puts them in "reserved" memory) get a
 * read-only window. */
static const void *acpi_map(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	if (vmm_is_mapped((uintptr_t)phys_to_virt(pa)) && vmm_is_mapped((uintptr_t)phys_to_virt(pa + len - 1)))
		return phys_to_virt(pa);
	return vmm_map_phys(pa, len, VM_READ);
}

void platform_init(void)
{
	const struct acpi_mem mem = { acpi_map, NULL };
	const char *why;
	char opt[8] = "";

	cmdline_get(boot_info.cmdline, "acpi", opt, sizeof(opt));
	if (strcmp(opt, "off") == 0) {
		pr_warn("acpi: off on the command line; running on the boot CPU only\n");
		return;
	}
	if (acpi_parse(boot_info.rsdp, boot_info.rsdp_len, &mem, &acpi, &why)) {
		pr_warn("acpi: %s; running on the boot CPU only\n", why);
		return;
	}
	acpi_ok = true;
	pr_info("acpi: revision %u, %u CPUs enabled%s, %u IOAPICs, %u overrides, ECAM %s, PM timer %s\n",
		acpi.revision, acpi.ncpus, acpi.cpus_dropped ? " (more ignored)" : "", acpi.nioapics,
		acpi.nisos, acpi.nmcfg ? "yes" : "no", acpi.pm_timer_port ? "yes" : "no");
}

const struct acpi_info *platform_acpi(void)
{
	return acpi_ok ? &acpi : NULL;
}
