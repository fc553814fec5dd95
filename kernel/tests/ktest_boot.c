/* Boot tests: what the loader handed over was parsed and kept, and the symbol table works. */
#include "kernel/ktest.h"
#include "kernel/bootinfo.h"
#include "kernel/ksyms.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "lib/format.h"
#include "lib/string.h"

extern struct boot_info boot_info;
extern char _text_start[], _kernel_end[];

KTEST(boot_memory_map_has_usable_ram)
{
	uint64_t usable = 0;
	for (unsigned i = 0; i < boot_info.nmem; i++)
		if (boot_info.mem[i].type == MEM_USABLE)
			usable += boot_info.mem[i].len;
	/* The tests boot with 512 MiB: most of it must be reported usable. */
	KEXPECT(usable > (256ul << 20));
	KEXPECT(usable <= (512ul << 20));
}

/* grub.cfg loads the kernel image again as a module (the pristine copy for other cores). */
KTEST(boot_module_is_the_kernel_elf_and_reserved)
{
	const struct boot_module *m = NULL;
	for (unsigned i = 0; i < boot_info.nmods; i++)
		if (strcmp(boot_info.mods[i].name, "kernel.elf") == 0)
			m = &boot_info.mods[i];
	KASSERT(m != NULL);
	KASSERT(m->end > m->start + 64);
	const uint8_t *p = phys_to_virt(m->start);
	KEXPECT(memcmp(p, "\x7f" "ELF", 4) == 0);
	KEXPECT_EQ(p[4], 2);    /* ELFCLASS64 */
	for (uint64_t a = m->start & ~0xFFFul; a < m->end; a += 4096)
		KEXPECT(!pmm_is_free(a));
}

KTEST(boot_kernel_image_and_info_are_reserved)
{
	for (uint64_t a = kimage_virt_to_phys(_text_start); a < kimage_virt_to_phys(_kernel_end); a += 4096)
		KEXPECT(!pmm_is_free(a));
	KEXPECT(!pmm_is_free(boot_info.info_phys));
	KEXPECT(!pmm_is_free(0));
}

KTEST(boot_acpi_rsdp_found)
{
	KASSERT(boot_info.rsdp_len >= 20);
	KEXPECT(memcmp(boot_info.rsdp, "RSD PTR ", 8) == 0);
	uint8_t sum = 0;
	for (unsigned i = 0; i < 20; i++)       /* ACPI 6.5 5.2.5.3: first 20 bytes sum to 0 */
		sum += boot_info.rsdp[i];
	KEXPECT_EQ(sum, 0);
}

KTEST(ksyms_resolve_kernel_functions)
{
	uint64_t off = 99;
	const char *name = ksym_lookup((uint64_t)(uintptr_t)ksym_lookup + 3, &off);
	KASSERT(name != NULL);
	KEXPECT(strcmp(name, "ksym_lookup") == 0);
	KEXPECT_EQ(off, 3);
	KEXPECT_EQ(ksym_address("ktest_run"), (uint64_t)(uintptr_t)ktest_run);
	KEXPECT(ksym_lookup(0x1000, NULL) == NULL);
	KEXPECT(ksym_count() > 100);
}

KTEST(lib_format_in_kernel)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%s-%5d|%-4x|%p", "ab", -42, 0xbeef, (void *)0x10);
	KEXPECT_EQ(n, (int)strlen("ab-  -42|beef|0x0000000000000010"));
	KEXPECT(strcmp(buf, "ab-  -42|beef|0x0000000000000010") == 0);
}
