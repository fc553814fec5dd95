/* Kernel stacks with an unmapped guard page below each, so an overflow faults at once. */
#ifndef KERNEL_MM_KSTACK_H
#define KERNEL_MM_KSTACK_H

#include <stddef.h>
#include <stdint.h>

#define KSTACK_SLOT_SIZE   (64ul << 10)        /* guard page + at most 15 stack pages */
#define KSTACK_SLOTS       1024
#define KSTACK_DEFAULT_PAGES 4

struct kstack {
	uintptr_t base;         /* lowest usable byte; the guard page is just below */
	uintptr_t top;          /* initial RSP */
	unsigned pages;
};

struct kstack *kstack_alloc(unsigned pages);
void kstack_free(struct kstack *ks);
/* The stack whose guard area (the unmapped part of its slot) holds addr, or NULL: tells a stack overflow from other faults. */
const struct kstack *kstack_guard_owner(uintptr_t addr);

#endif
