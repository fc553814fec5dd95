/* The kernel's virtual address layout, and physical <-> virtual conversions.
 *
 *   0xFFFF800000000000  direct map of physical memory (RAM, not MMIO), RW NX
 *   0xFFFFE00000000000  kernel stacks: 64 KiB slots, the lowest page of each unmapped
 *   0xFFFFF00000000000  device MMIO windows, uncached NX
 *   0xFFFFFFFF80000000  kernel image (linker.ld): text RX, rodata R, data/bss RW
 *
 * The lower half is left for user processes.
 */
#ifndef KERNEL_MM_LAYOUT_H
#define KERNEL_MM_LAYOUT_H

#include <stdint.h>

#define PAGE_SIZE       4096ul
#define PAGE_SHIFT      12
#define LARGE_PAGE_SIZE (2ul << 20)

#define PHYSMAP_BASE    0xFFFF800000000000ul
#define PHYSMAP_MAX     (32ul << 40)
#define KSTACK_BASE     0xFFFFE00000000000ul
#define MMIO_BASE       0xFFFFF00000000000ul
#define MMIO_MAX        (64ul << 30)
#define KERNEL_VMA      0xFFFFFFFF80000000ul

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(PHYSMAP_BASE + pa);
}

static inline uint64_t virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va - PHYSMAP_BASE;
}

/* Kernel image symbols sit at their link address; the image is loaded at KERNEL_VMA's
 * physical counterpart kimage_phys_base (0 for the boot kernel: linker.ld loads it there). */
extern uint64_t kimage_phys_base;

static inline uint64_t kimage_virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va - KERNEL_VMA + kimage_phys_base;
}

#endif
