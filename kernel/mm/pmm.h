/* Physical frame allocator: a bitmap over the frames of this kernel's memory. */
#ifndef KERNEL_MM_PMM_H
#define KERNEL_MM_PMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/bootinfo.h"

struct phys_range {
	uint64_t start, end;    /* end exclusive */
	const char *what;
};

int pmm_init(const struct boot_info *bi, const struct phys_range *reserved, unsigned nreserved);
int pmm_alloc(uint64_t *pa);
int pmm_alloc_contig(size_t frames, uint64_t *pa);
/* A run whose first frame number is a multiple of align_frames. */
int pmm_alloc_contig_aligned(size_t frames, size_t align_frames, uint64_t *pa);
void pmm_free(uint64_t pa, size_t frames);
bool pmm_is_free(uint64_t pa);
size_t pmm_free_frames(void);
size_t pmm_total_frames(void);

#endif
