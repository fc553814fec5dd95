/* What the boot loader told us, copied out of the multiboot2 information (kernel/mb2.c). */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include <stdbool.h>
#include <stdint.h>

#define BOOT_MAX_MEM_REGIONS 128
#define BOOT_MAX_MODULES     16
#define BOOT_CMDLINE_MAX     512

/* Memory map types as multiboot2 (and E820) number them. */
enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIMABLE = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
};

struct mem_region {
	uint64_t base, len;
	uint32_t type;
};

struct boot_module {
	uint64_t start, end;    /* physical, end exclusive */
	char name[64];
};

struct boot_framebuffer {
	bool present;
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;      /* type: 0 indexed, 1 RGB, 2 EGA text */
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	struct mem_region mem[BOOT_MAX_MEM_REGIONS];
	unsigned nmem;
	unsigned mem_dropped;   /* regions beyond BOOT_MAX_MEM_REGIONS */
	struct boot_module mods[BOOT_MAX_MODULES];
	unsigned nmods;
	unsigned mods_dropped;
	uint64_t info_phys, info_size;  /* the multiboot2 structure itself */
	uint8_t rsdp[36];               /* copy of the ACPI RSDP (v1: 20 bytes, v2: 36) */
	unsigned rsdp_len;
	struct boot_framebuffer fb;
	bool efi;                       /* booted by UEFI firmware (EFI system table tag) */
	uint64_t early_map_end;         /* physical memory mapped before vmm_init; 0: 4 GiB */
};

const char *mem_type_name(uint32_t type);

/* This kernel's copy: from multiboot2 on kernel 0, from its boot record on the others. */
extern struct boot_info boot_info;

#endif
