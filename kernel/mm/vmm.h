/* Kernel page tables: 4-level paging with per-section rights (W^X) and a direct map. */
#ifndef KERNEL_MM_VMM_H
#define KERNEL_MM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/bootinfo.h"

/* Rights of a mapping; a page is never both writable and executable. */
#define VM_READ     0u
#define VM_WRITE    (1u << 0)
#define VM_EXEC     (1u << 1)
#define VM_NOCACHE  (1u << 2)   /* device memory: PCD|PWT */
#define VM_USER     (1u << 3)

/* The lower half, where user programs live (canonical addresses below 2^47). */
#define USER_TOP 0x0000800000000000ul

/* A user address space: its own lower half, the kernel's upper half. */
struct vm_space {
	uint64_t pml4_pa;
};

int vmm_init(const struct boot_info *bi);
int vm_space_create(struct vm_space *s);
void vm_space_destroy(struct vm_space *s);
void vm_space_activate(const struct vm_space *s);       /* NULL: the kernel's own tables */
int vm_map_user(struct vm_space *s, uintptr_t va, uint64_t pa, unsigned rights);
int vm_translate(const struct vm_space *s, uintptr_t va, uint64_t *pa, unsigned *rights);
int vmm_map(uintptr_t va, uint64_t pa, size_t len, unsigned rights);
int vmm_unmap(uintptr_t va, size_t len);
int vmm_translate(uintptr_t va, uint64_t *pa, unsigned *rights);
bool vmm_is_mapped(uintptr_t va);
void *vmm_map_mmio(uint64_t pa, size_t len);
void *vmm_map_phys(uint64_t pa, size_t len, unsigned rights);
bool vmm_nx_enabled(void);
size_t vmm_table_pages(void);

#endif
