/* Memory tests: frames, page tables, kernel stacks and the heap. */
#include "kernel/ktest.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/kstack.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/vmm.h"
#include "lib/errno.h"
#include "lib/string.h"

extern char _text_start[], _rodata_start[], _data_start[];

KTEST(pmm_alloc_free_accounting)
{
	uint64_t pa[64];
	size_t before = pmm_free_frames();
	for (int i = 0; i < 64; i++) {
		KASSERT(pmm_alloc(&pa[i]) == 0);
		KEXPECT(!pmm_is_free(pa[i]));
		KEXPECT_EQ(pa[i] & 0xFFF, 0);
		for (int j = 0; j < i; j++)
			KEXPECT(pa[i] != pa[j]);
	}
	KEXPECT_EQ(pmm_free_frames(), before - 64);
	for (int i = 0; i < 64; i++)
		pmm_free(pa[i], 1);
	KEXPECT_EQ(pmm_free_frames(), before);
}

KTEST(pmm_contiguous_run)
{
	uint64_t pa;
	KASSERT(pmm_alloc_contig(37, &pa) == 0);
	for (int i = 0; i < 37; i++)
		KEXPECT(!pmm_is_free(pa + i * PAGE_SIZE));
	/* Each frame of the run is usable memory through the direct map. */
	memset(phys_to_virt(pa), 0x5A, 37 * PAGE_SIZE);
	KEXPECT_EQ(((uint8_t *)phys_to_virt(pa))[37 * PAGE_SIZE - 1], 0x5A);
	pmm_free(pa, 37);
	KEXPECT(pmm_is_free(pa));
	KEXPECT(pmm_alloc_contig(pmm_free_frames() + 1, &pa) == -ENOMEM);
}

KTEST(vmm_kernel_sections_have_wx_rights)
{
	unsigned r;
	KASSERT(vmm_translate((uintptr_t)_text_start, NULL, &r) == 0);
	KEXPECT_EQ(r & (VM_WRITE | VM_EXEC), VM_EXEC);
	KASSERT(vmm_translate((uintptr_t)_rodata_start, NULL, &r) == 0);
	KEXPECT_EQ(r & (VM_WRITE | VM_EXEC), 0);
	KASSERT(vmm_translate((uintptr_t)_data_start, NULL, &r) == 0);
	KEXPECT_EQ(r & (VM_WRITE | VM_EXEC), VM_WRITE);
	/* The direct map's alias of kernel text is read-only too. */
	KASSERT(vmm_translate((uintptr_t)phys_to_virt(kimage_virt_to_phys(_text_start)), NULL, &r) == 0);
	KEXPECT_EQ(r & (VM_WRITE | VM_EXEC), 0);
	KEXPECT(vmm_map(MMIO_BASE + MMIO_MAX - 0x10000, 0x100000, 4096, VM_WRITE | VM_EXEC) == -EINVAL);
}

KTEST(vmm_map_translate_unmap)
{
	uint64_t pa, got;
	const uintptr_t va = MMIO_BASE + MMIO_MAX - 0x200000;   /* top of the MMIO window, unused */
	KASSERT(pmm_alloc(&pa) == 0);
	KEXPECT(!vmm_is_mapped(va));
	KASSERT(vmm_map(va, pa, PAGE_SIZE, VM_WRITE) == 0);
	KEXPECT(vmm_translate(va + 0x123, &got, NULL) == 0);
	KEXPECT_EQ(got, pa + 0x123);
	*(volatile uint64_t *)va = 0xFEEDFACE;
	KEXPECT_EQ(*(volatile uint64_t *)phys_to_virt(pa), 0xFEEDFACE);
	KEXPECT(vmm_unmap(va, PAGE_SIZE) == 0);
	KEXPECT(!vmm_is_mapped(va));
	pmm_free(pa, 1);
}

KTEST(kstack_has_guard_page)
{
	struct kstack *ks = kstack_alloc(3);
	KASSERT(ks);
	KEXPECT_EQ(ks->top - ks->base, 3 * PAGE_SIZE);
	KEXPECT(vmm_is_mapped(ks->base));
	KEXPECT(vmm_is_mapped(ks->top - 1));
	KEXPECT(!vmm_is_mapped(ks->base - 1));
	KEXPECT(kstack_guard_owner(ks->base - 8) == ks);
	KEXPECT(kstack_guard_owner(ks->base) == NULL);
	kstack_free(ks);
	KEXPECT(!vmm_is_mapped(ks->base));
	KEXPECT(kstack_alloc(0) == NULL);
	KEXPECT(kstack_alloc(16) == NULL);
}

/* Many sizes, each filled with its own pattern, freed in a different order. */
KTEST(heap_many_sizes_keep_their_contents)
{
	enum { N = 200 };
	uint8_t *p[N];
	for (int i = 0; i < N; i++) {
		size_t sz = 1 + (size_t)i * 37 % 9000;
		p[i] = kmalloc(sz);
		KASSERT(p[i]);
		KEXPECT_EQ((uintptr_t)p[i] & 15, 0);
		memset(p[i], i, sz);
	}
	for (int i = 0; i < N; i++) {
		size_t sz = 1 + (size_t)i * 37 % 9000;
		for (size_t k = 0; k < sz; k += 97)
			KEXPECT_EQ(p[i][k], (uint8_t)i);
	}
	for (int i = 0; i < N; i += 2)
		kfree(p[i]);
	for (int i = 1; i < N; i += 2)
		kfree(p[i]);
	KEXPECT(kmalloc(0) == NULL);
	kfree(NULL);
}

KTEST(heap_reuses_freed_blocks)
{
	void *a = kmalloc(100);
	KASSERT(a);
	kfree(a);
	void *b = kmalloc(100);
	KEXPECT(a == b);
	kfree(b);
	uint8_t *z = kzalloc(300);
	KASSERT(z);
	for (int i = 0; i < 300; i++)
		KEXPECT_EQ(z[i], 0);
	kfree(z);
}

KTEST(heap_large_blocks_return_frames)
{
	size_t before = pmm_free_frames();
	void *p = kmalloc(5 * PAGE_SIZE);
	KASSERT(p);
	KEXPECT(pmm_free_frames() <= before - 6);
	kfree(p);
	KEXPECT_EQ(pmm_free_frames(), before);
}
