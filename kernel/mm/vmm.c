/* Kernel page tables (SDM 3A chapter 4, 4-level paging). vmm_init builds the final tables:
 * the kernel image with per-section rights, the direct map of RAM, then switches CR3. Large
 * (2 MiB) pages are used wherever a range allows; a large page is split when part of it
 * needs other rights. */
#include "kernel/mm/vmm.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

#define PTE_P           (1ul << 0)
#define PTE_W           (1ul << 1)
#define PTE_U           (1ul << 2)
#define PTE_PWT         (1ul << 3)
#define PTE_PCD         (1ul << 4)
#define PTE_PS          (1ul << 7)     /* in a PDE: maps 2 MiB */
#define PTE_G           (1ul << 8)
#define PTE_NX          (1ul << 63)
#define PTE_ADDR        0x000FFFFFFFFFF000ul
#define PTE_FLAGS       (~PTE_ADDR)

#define LEVEL_PT        1
#define LEVEL_PD        2
#define ENTRIES         512

static uint64_t *kernel_pml4;
static uint64_t kernel_pml4_pa;
static bool user_spaces_exist;  /* from then on the kernel half's top level is frozen */
static uint64_t pte_nx;         /* PTE_NX when EFER.NXE is on, else 0 */
static uint64_t mmio_next = MMIO_BASE;
static size_t table_pages;

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _bss_end[], _ksyms_start[], _kernel_end[];

static unsigned pt_index(uintptr_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (ENTRIES - 1);
}

static uint64_t *table_at(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

static uint64_t rights_to_pte(unsigned rights, uintptr_t va)
{
	uint64_t e = PTE_P;

	if (rights & VM_WRITE)
		e |= PTE_W;
	if (!(rights & VM_EXEC))
		e |= pte_nx;
	if (rights & VM_NOCACHE)
		e |= PTE_PCD | PTE_PWT;
	if (rights & VM_USER)
		e |= PTE_U;
	else if (va >= PHYSMAP_BASE)
		e |= PTE_G;     /* kernel mappings are the same in every address space */
	return e;
}

static int table_alloc(uint64_t *pa)
{
	int err = pmm_alloc(pa);
	if (err)
		return err;
	memset(phys_to_virt(*pa), 0, PAGE_SIZE);
	table_pages++;
	return 0;
}

/* Replaces a 2 MiB mapping with a page table of 512 4 KiB entries with the same rights. */
static int split_large(uint64_t *pde)
{
	uint64_t pa, old = *pde;
	int err = table_alloc(&pa);
	if (err)
		return err;
	uint64_t *pt = phys_to_virt(pa);
	uint64_t flags = (old & PTE_FLAGS) & ~PTE_PS;
	for (unsigned i = 0; i < ENTRIES; i++)
		pt[i] = ((old & PTE_ADDR) + i * PAGE_SIZE) | flags;
	*pde = pa | PTE_P | PTE_W | (old & PTE_U);
	return 0;
}

/* Returns the entry for va at `level` under root, creating tables on the way if asked.
 * Intermediate entries grant everything; rights are decided at the leaf. */
static uint64_t *pt_walk_root(uint64_t *root, uintptr_t va, int level, bool create, int *err)
{
	uint64_t *table = root;

	*err = 0;
	for (int l = 4; l > level; l--) {
		uint64_t *e = &table[pt_index(va, l)];
		if (!(*e & PTE_P)) {
			uint64_t pa;
			if (!create)
				return NULL;
			if (l == 4 && va >= PHYSMAP_BASE && user_spaces_exist)
				panic("vmm: new kernel top-level entry for %p after user spaces exist", (void *)va);
			if ((*err = table_alloc(&pa)))
				return NULL;
			*e = pa | PTE_P | PTE_W | (va < PHYSMAP_BASE ? PTE_U : 0);
		} else if (*e & PTE_PS) {
			if (!create)
				return e;       /* a large page covers va */
			if ((*err = split_large(e)))
				return NULL;
		}
		table = table_at(*e);
	}
	return &table[pt_index(va, level)];
}

/* Kernel addresses go through the kernel's tables (shared by every space above the half);
 * before vmm_init, lookups (backtraces of an early panic) read the boot tables. */
static uint64_t *pt_walk(uintptr_t va, int level, bool create, int *err)
{
	uint64_t *root = kernel_pml4 ? kernel_pml4 : phys_to_virt(cr3_read() & PTE_ADDR);
	if (va < PHYSMAP_BASE && kernel_pml4)
		root = phys_to_virt(cr3_read() & PTE_ADDR);     /* the current user space */
	return pt_walk_root(root, va, level, create, err);
}

static void tlb_flush_page(uintptr_t va)
{
	if ((cr3_read() & PTE_ADDR) == kernel_pml4_pa)
		invlpg(va);
}

static int map_one(uintptr_t va, uint64_t pa, size_t left, unsigned rights, size_t *done)
{
	int err;
	bool large = IS_ALIGNED(va, LARGE_PAGE_SIZE) && IS_ALIGNED(pa, LARGE_PAGE_SIZE) &&
		     left >= LARGE_PAGE_SIZE;

	if (large) {
		uint64_t *pde = pt_walk(va, LEVEL_PD, true, &err);
		if (!pde)
			return err;
		if (!(*pde & PTE_P) || (*pde & PTE_PS)) {
			*pde = pa | rights_to_pte(rights, va) | PTE_PS;
			tlb_flush_page(va);
			*done = LARGE_PAGE_SIZE;
			return 0;
		}
		/* A page table already lives here: fill it with small pages instead. */
	}
	uint64_t *pte = pt_walk(va, LEVEL_PT, true, &err);
	if (!pte)
		return err;
	*pte = pa | rights_to_pte(rights, va);
	tlb_flush_page(va);
	*done = PAGE_SIZE;
	return 0;
}

int vmm_map(uintptr_t va, uint64_t pa, size_t len, unsigned rights)
{
	if (!kernel_pml4)
		return -EAGAIN;
	if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(pa, PAGE_SIZE) || len == 0)
		return -EINVAL;
	if ((rights & VM_WRITE) && (rights & VM_EXEC))
		return -EINVAL;         /* W^X */
	len = ALIGN_UP(len, PAGE_SIZE);
	for (size_t off = 0, step = 0; off < len; off += step) {
		int err = map_one(va + off, pa + off, len - off, rights, &step);
		if (err)
			return err;
	}
	return 0;
}

int vmm_unmap(uintptr_t va, size_t len)
{
	int err;

	if (!kernel_pml4)
		return -EAGAIN;
	if (!IS_ALIGNED(va, PAGE_SIZE))
		return -EINVAL;
	for (size_t off = 0, step = PAGE_SIZE; off < len; off += step) {
		uint64_t *pte = pt_walk(va + off, LEVEL_PT, false, &err);
		step = PAGE_SIZE;
		if (pte && (*pte & PTE_PS) && IS_ALIGNED(va + off, LARGE_PAGE_SIZE) &&
		    len - off >= LARGE_PAGE_SIZE) {
			*pte = 0;               /* a whole large page goes at once */
			tlb_flush_page(va + off);
			step = LARGE_PAGE_SIZE;
			continue;
		}
		if (pte && (*pte & PTE_PS)) {   /* unmapping part of a large page splits it */
			pte = pt_walk(va + off, LEVEL_PT, true, &err);
			if (!pte)
				return err;
		}
		if (pte) {
			*pte = 0;
			tlb_flush_page(va + off);
		}
	}
	return 0;
}

int vmm_translate(uintptr_t va, uint64_t *pa, unsigned *rights)
{
	int err;
	uint64_t *e = pt_walk(va, LEVEL_PT, false, &err);
	if (!e || !(*e & PTE_P))
		return -ENOENT;
	uint64_t page = (*e & PTE_PS) ? LARGE_PAGE_SIZE : PAGE_SIZE;
	if (pa)
		*pa = (*e & PTE_ADDR & ~(page - 1)) + (va & (page - 1));
	if (rights)
		*rights = ((*e & PTE_W) ? VM_WRITE : 0) | ((*e & pte_nx) ? 0 : VM_EXEC) |
			  ((*e & PTE_PCD) ? VM_NOCACHE : 0) | ((*e & PTE_U) ? VM_USER : 0);
	return 0;
}

bool vmm_is_mapped(uintptr_t va)
{
	return vmm_translate(va, NULL, NULL) == 0;
}

/* Windows onto physical memory outside the direct map (device registers, firmware tables)
 * are handed out once and kept: devices are not unplugged. */
void *vmm_map_phys(uint64_t pa, size_t len, unsigned rights)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t span = ALIGN_UP(pa + len, PAGE_SIZE) - base;

	if (len == 0 || mmio_next + span > MMIO_BASE + MMIO_MAX)
		return NULL;
	if (vmm_map(mmio_next, base, span, rights))
		return NULL;
	void *va = (void *)(uintptr_t)(mmio_next + (pa - base));
	mmio_next += span;
	return va;
}

void *vmm_map_mmio(uint64_t pa, size_t len)
{
	return vmm_map_phys(pa, len, VM_WRITE | VM_NOCACHE);
}

bool vmm_nx_enabled(void)
{
	return pte_nx != 0;
}

size_t vmm_table_pages(void)
{
	return table_pages;
}

static int map_kernel_section(const char *start, const char *end, unsigned rights)
{
	uintptr_t s = ALIGN_DOWN((uintptr_t)start, PAGE_SIZE);
	uintptr_t e = ALIGN_UP((uintptr_t)end, PAGE_SIZE);
	if (e == s)
		return 0;
	return vmm_map(s, kimage_virt_to_phys((const void *)s), e - s, rights);
}

/* The direct map covers RAM only (usable and ACPI), never device holes, with the kernel's
 * own text and rodata read-only there too so the alias cannot defeat W^X. */
static int map_physmap(const struct boot_info *bi)
{
	int err = 0;

	for (unsigned i = 0; !err && i < bi->nmem; i++) {
		const struct mem_region *r = &bi->mem[i];
		if (r->type != MEM_USABLE && r->type != MEM_ACPI_RECLAIMABLE && r->type != MEM_ACPI_NVS)
			continue;
		uint64_t s = ALIGN_DOWN(r->base, PAGE_SIZE), e = ALIGN_UP(r->base + r->len, PAGE_SIZE);
		if (e > PHYSMAP_MAX)
			e = PHYSMAP_MAX;
		if (s < e)
			err = vmm_map(PHYSMAP_BASE + s, s, e - s, VM_WRITE);
	}
	if (err)
		return err;
	uint64_t ro_start = kimage_virt_to_phys(_text_start), ro_end = kimage_virt_to_phys(_rodata_end);
	return vmm_map(PHYSMAP_BASE + ro_start, ro_start, ALIGN_UP(ro_end - ro_start, PAGE_SIZE), VM_READ);
}

static void enable_paging_features(void)
{
	struct cpuid_regs ext = cpuid(0x80000001, 0);

	if (ext.edx & (1u << 20)) {     /* NX */
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		pte_nx = PTE_NX;
	}
	cr0_write(cr0_read() | CR0_WP);
	cr4_write(cr4_read() | CR4_PGE);
}

int vmm_init(const struct boot_info *bi)
{
	int err;

	enable_paging_features();
	if ((err = table_alloc(&kernel_pml4_pa)))
		return err;
	kernel_pml4 = phys_to_virt(kernel_pml4_pa);
	if ((err = map_kernel_section(_text_start, _text_end, VM_EXEC)) ||
	    (err = map_kernel_section(_rodata_start, _rodata_end, VM_READ)) ||
	    (err = map_kernel_section(_data_start, _bss_end, VM_WRITE)) ||
	    (err = map_kernel_section(_ksyms_start, _kernel_end, VM_READ)) ||
	    (err = map_physmap(bi)))
		return err;
	cr3_write(kernel_pml4_pa);
	return 0;
}

/* --- user address spaces --- */

/* The kernel half's top-level entries that exist at boot; made before any user space copies
 * them, so every space sees the same kernel. */
static const uintptr_t kernel_regions[] = { PHYSMAP_BASE, KSTACK_BASE, MMIO_BASE, KERNEL_VMA };

static int vmm_freeze_kernel_half(void)
{
	int err;
	for (unsigned i = 0; i < ARRAY_SIZE(kernel_regions); i++)
		if (!pt_walk_root(kernel_pml4, kernel_regions[i], 3, true, &err))
			return err;
	user_spaces_exist = true;
	return 0;
}

int vm_space_create(struct vm_space *s)
{
	int err;
	if (!user_spaces_exist && (err = vmm_freeze_kernel_half()))
		return err;
	if ((err = table_alloc(&s->pml4_pa)))
		return err;
	uint64_t *pml4 = phys_to_virt(s->pml4_pa);
	memcpy(pml4 + ENTRIES / 2, kernel_pml4 + ENTRIES / 2, ENTRIES / 2 * sizeof(uint64_t));
	return 0;
}

/* Maps frames the space owns (vm_space_destroy frees them) at a user address. */
int vm_map_user(struct vm_space *s, uintptr_t va, uint64_t pa, unsigned rights)
{
	int err;
	if (va >= USER_TOP || !IS_ALIGNED(va, PAGE_SIZE) || ((rights & VM_WRITE) && (rights & VM_EXEC)))
		return -EINVAL;
	uint64_t *pte = pt_walk_root(phys_to_virt(s->pml4_pa), va, LEVEL_PT, true, &err);
	if (!pte)
		return err;
	if (*pte & PTE_P)
		return -EEXIST;
	*pte = pa | rights_to_pte(rights | VM_USER, va);
	return 0;
}

int vm_translate(const struct vm_space *s, uintptr_t va, uint64_t *pa, unsigned *rights)
{
	int err;
	if (va >= USER_TOP)
		return -EFAULT;
	uint64_t *e = pt_walk_root(phys_to_virt(s->pml4_pa), va, LEVEL_PT, false, &err);
	if (!e || !(*e & PTE_P))
		return -EFAULT;
	if (pa)
		*pa = (*e & PTE_ADDR) + (va & (PAGE_SIZE - 1));
	if (rights)
		*rights = ((*e & PTE_W) ? VM_WRITE : 0) | ((*e & pte_nx) ? 0 : VM_EXEC) |
			  ((*e & PTE_U) ? VM_USER : 0);
	return 0;
}

void vm_space_activate(const struct vm_space *s)
{
	uint64_t pa = s ? s->pml4_pa : kernel_pml4_pa;
	if ((cr3_read() & PTE_ADDR) != pa)
		cr3_write(pa);
}

/* Frees every page of the lower half and the tables holding them. */
static void free_level(uint64_t *table, int level)
{
	for (unsigned i = 0; i < (level == 4 ? ENTRIES / 2 : ENTRIES); i++) {
		uint64_t e = table[i];
		if (!(e & PTE_P))
			continue;
		if (level > 1)
			free_level(table_at(e), level - 1);
		pmm_free(e & PTE_ADDR, 1);
		if (level > 1)
			table_pages--;
	}
}

void vm_space_destroy(struct vm_space *s)
{
	if (!s->pml4_pa)
		return;
	if ((cr3_read() & PTE_ADDR) == s->pml4_pa)
		cr3_write(kernel_pml4_pa);
	free_level(phys_to_virt(s->pml4_pa), 4);
	pmm_free(s->pml4_pa, 1);
	table_pages--;
	s->pml4_pa = 0;
}
