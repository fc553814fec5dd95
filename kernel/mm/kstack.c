/* Kernel stack allocator: fixed slots in their own region of the kernel half, each a guard
 * page (never mapped) followed by the stack's pages. */
#include "kernel/mm/kstack.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/vmm.h"
#include "kernel/panic.h"

#define KSTACK_MAX_PAGES (KSTACK_SLOT_SIZE / PAGE_SIZE - 1)

static struct kstack kstacks[KSTACK_SLOTS];     /* pages == 0: slot free */

static uintptr_t slot_va(unsigned i)
{
	return KSTACK_BASE + i * KSTACK_SLOT_SIZE;
}

static void kstack_release_pages(struct kstack *ks, unsigned mapped)
{
	for (unsigned p = 0; p < mapped; p++) {
		uint64_t pa;
		uintptr_t va = ks->base + p * PAGE_SIZE;
		if (vmm_translate(va, &pa, NULL) == 0) {
			vmm_unmap(va, PAGE_SIZE);
			pmm_free(pa, 1);
		}
	}
}

struct kstack *kstack_alloc(unsigned pages)
{
	if (pages == 0 || pages > KSTACK_MAX_PAGES)
		return NULL;
	for (unsigned i = 0; i < KSTACK_SLOTS; i++) {
		struct kstack *ks = &kstacks[i];
		if (ks->pages)
			continue;
		ks->base = slot_va(i) + KSTACK_SLOT_SIZE - pages * PAGE_SIZE;
		for (unsigned p = 0; p < pages; p++) {
			uint64_t pa;
			if (pmm_alloc(&pa) || vmm_map(ks->base + p * PAGE_SIZE, pa, PAGE_SIZE, VM_WRITE)) {
				kstack_release_pages(ks, p + 1);
				return NULL;
			}
		}
		ks->pages = pages;
		ks->top = ks->base + pages * PAGE_SIZE;
		return ks;
	}
	return NULL;
}

void kstack_free(struct kstack *ks)
{
	if (ks < kstacks || ks >= kstacks + KSTACK_SLOTS || !ks->pages)
		panic("kstack_free: %p is not an allocated stack", (void *)ks);
	kstack_release_pages(ks, ks->pages);
	ks->pages = 0;
}

const struct kstack *kstack_guard_owner(uintptr_t addr)
{
	if (addr < KSTACK_BASE || addr >= KSTACK_BASE + KSTACK_SLOTS * KSTACK_SLOT_SIZE)
		return NULL;
	const struct kstack *ks = &kstacks[(addr - KSTACK_BASE) / KSTACK_SLOT_SIZE];
	if (!ks->pages || addr >= ks->base)     /* all of the slot below the stack is unmapped */
		return NULL;
	return ks;
}
