/* Multiboot2 boot information parser. */
#ifndef KERNEL_MB2_H
#define KERNEL_MB2_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/bootinfo.h"

#define MB2_BOOTLOADER_MAGIC 0x36D76289u

/* Parses the information structure at info (physical address info_phys, at most avail bytes
 * readable). Never trusts a length: a tag that runs past the end is an error. Returns 0, or
 * -EINVAL with *why naming the problem. */
int mb2_parse(const void *info, size_t avail, uint64_t info_phys, struct boot_info *bi,
	      const char **why);

#endif
