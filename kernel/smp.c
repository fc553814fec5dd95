/* The multikernel boot. Kernel 0 (the one GRUB started) divides memory into one private
 * partition per core plus the shared region, loads a fresh copy of the pristine kernel ELF
 * (a GRUB module) into each AP's partition, and starts each AP through the trampoline. Each
 * AP then runs kmain_ap on its own image, stack, heap and page tables, maps only its
 * partition, the shared region and devices, and says hello over URPC. */
#include "kernel/smp.h"
#include "kernel/acpi.h"
#include "kernel/console.h"
#include "kernel/elf.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/vmm.h"
#include "kernel/panic.h"
#include "kernel/urpc/peer.h"
#include "kernel/platform.h"
#include "kernel/rcall.h"
#include "kernel/urpc/shared.h"
#include "kernel/tests/smptest.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/pit.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

#define TRAMP_ADDR      0x8000ul        /* = trampoline.asm's; SIPI vector 0x08 */
#define TRAMP_PT        0x10000ul       /* 8 pages of temporary page tables */
#define TRAMP_PT_PAGES  8
#define TRAMP_END       (TRAMP_PT + TRAMP_PT_PAGES * PAGE_SIZE)
#define PART_ALIGN      (2ul << 20)
#define KERNEL0_MIN     (32ul << 20)    /* kernel 0 keeps at least this much */
#define AP_START_MS     5000            /* from SIPI to the AP's own page tables */
#define AP_HELLO_MS     20000           /* until every AP has said hello */
#define EARLY_MAP       (1ul << 30)     /* of the partition, mapped by the temporary tables */

struct kernel_self kself = { .ncores = 1 };

extern const uint8_t trampoline_start[], trampoline_end[], trampoline_data[];
extern uint8_t boot_stack_top[];
extern char _kernel_end[];

/* = trampoline.asm's data slots, which a CPU claims before it reads the others. */
#define TRAMP_TAKEN     0xFFFFFFFEu     /* apic_id once the CPU it was written for has it */
#define TRAMP_NOBODY    0xFFFFFFFFu     /* apic_id while no CPU may claim it: a broadcast id */

struct trampoline_data {
	uint64_t cr3, efer, stack, record, entry;
	uint32_t apic_id;       /* the CPU it is for; TRAMP_TAKEN, TRAMP_NOBODY */
	uint32_t pad;
	uint64_t delay;         /* debug (smp_late_ap=): TSC cycles before the claim */
};

static bool ap_said_hello[MAX_KERNELS];
static unsigned kernels_up = 1;

uint32_t kself_apic_of(unsigned core)
{
	return shared_header()->kernels[core].apic_id;
}

unsigned smp_kernels_up(void)
{
	return kernels_up;
}

/* --- console and hello messages, on kernel 0 --- */

struct line_buf {
	char text[256];
	size_t len;
};
static struct line_buf peer_lines[MAX_KERNELS];

static void on_console(unsigned from, const struct urpc_msg *m)
{
	struct line_buf *lb = &peer_lines[from];
	size_t n = MIN((size_t)URPC_HDR_LEN(m->hdr), sizeof(lb->text) - lb->len);
	memcpy(lb->text + lb->len, m->payload, n);
	lb->len += n;
	if ((URPC_HDR_FLAGS(m->hdr) & URPC_F_END) || lb->len == sizeof(lb->text)) {
		console_write_line(from, lb->text, lb->len);
		lb->len = 0;
	}
}

static void on_hello(unsigned from, const struct urpc_msg *m)
{
	(void)m;
	if (!ap_said_hello[from]) {
		ap_said_hello[from] = true;
		kernels_up++;
	}
}

void smp_kernel0_init(void)
{
	peer_register(URPC_CONSOLE, on_console, 0, URPC_PAYLOAD);
	PEER_REGISTER_STRUCT(URPC_HELLO, on_hello, struct urpc_hello);
}

/* --- partitions and images --- */

static int load_image(const struct boot_module *mod, uint64_t part_base, uint64_t part_size,
		      uint64_t *image_end)
{
	struct elf_image img;
	const char *why;
	int err = elf_parse(phys_to_virt(mod->start), mod->end - mod->start, &img, &why);
	if (err) {
		pr_err("smp: kernel module %s: %s\n", mod->name, why);
		return err;
	}
	*image_end = part_base;
	for (unsigned i = 0; i < img.nsegs; i++) {
		const struct elf_segment *s = &img.segs[i];
		if (s->vaddr < KERNEL_VMA)
			continue;       /* the boot stub: APs enter through the trampoline */
		uint64_t pa = part_base + (s->vaddr - KERNEL_VMA);
		if (pa + s->memsz > part_base + part_size)
			return -ENOMEM;
		uint8_t *dst = phys_to_virt(pa);
		memcpy(dst, (const uint8_t *)phys_to_virt(mod->start) + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		*image_end = MAX(*image_end, pa + s->memsz);
	}
	return 0;
}

static const struct boot_module *kernel_module(void)
{
	for (unsigned i = 0; i < boot_info.nmods; i++)
		if (strcmp(boot_info.mods[i].name, "kernel.elf") == 0)
			return &boot_info.mods[i];
	return NULL;
}

/* The record an AP starts from, at the base of its partition (below its image). */
static void write_record(unsigned core, uint64_t base, uint64_t size, uint64_t image_end)
{
	struct smp_boot_record *r = phys_to_virt(base);
	memset(r, 0, sizeof(*r));
	r->magic = SMP_RECORD_MAGIC;
	memcpy(r->bi.cmdline, boot_info.cmdline, sizeof(r->bi.cmdline));
	memcpy(r->bi.rsdp, boot_info.rsdp, sizeof(r->bi.rsdp));
	r->bi.rsdp_len = boot_info.rsdp_len;
	r->bi.mem[0] = (struct mem_region){ base, size, MEM_USABLE };
	r->bi.nmem = 1;
	r->bi.early_map_end = base + MIN(size, EARLY_MAP);
	r->self = (struct kernel_self){ core, kself.ncores, kself_apic_of(core), base, size,
					kself.shared_base, kself.shared_size };
	r->tsc_hz = cpu_info.tsc_hz;
	r->lapic_timer_hz = lapic_timer_hz();
	r->allow_x2apic = lapic_mode() == LAPIC_X2APIC;
	r->image_end = image_end;
}

/* Each kernel reads programs from its own copy of the initrd, placed after its image. */
static void copy_initrd(struct smp_boot_record *r, uint64_t part_end)
{
	for (unsigned i = 0; i < boot_info.nmods; i++) {
		const struct boot_module *m = &boot_info.mods[i];
		if (strcmp(m->name, "initrd") != 0)
			continue;
		uint64_t at = ALIGN_UP(r->image_end, PAGE_SIZE), len = m->end - m->start;
		if (at + len > part_end) {
			pr_warn("smp: the initrd does not fit kernel %u's partition\n", r->self.core);
			return;
		}
		memcpy(phys_to_virt(at), phys_to_virt(m->start), len);
		r->bi.mods[0] = (struct boot_module){ at, at + len, "initrd" };
		r->bi.nmods = 1;
		r->image_end = at + len;
		return;
	}
}

/* --- starting an AP --- */

static uint64_t *tramp_page(unsigned i)
{
	uint64_t *p = phys_to_virt(TRAMP_PT + i * PAGE_SIZE);
	return p;
}

/* Temporary tables: identity 0-2 MiB (the trampoline), the kernel image window, and the
 * first EARLY_MAP bytes of the partition in the direct map; 2 MiB pages, all RW. */
static uint64_t build_tramp_tables(uint64_t base, uint64_t size)
{
	const uint64_t rw = 0x3, ps = 0x80;
	uint64_t *pml4 = tramp_page(0), *pdpt_lo = tramp_page(1), *pd_lo = tramp_page(2);
	uint64_t *pdpt_hi = tramp_page(3), *pd_hi = tramp_page(4), *pdpt_pm = tramp_page(5);

	memset(pml4, 0, TRAMP_PT_PAGES * PAGE_SIZE);
	pml4[0] = (TRAMP_PT + 1 * PAGE_SIZE) | rw;
	pdpt_lo[0] = (TRAMP_PT + 2 * PAGE_SIZE) | rw;
	pd_lo[0] = 0 | rw | ps;
	pml4[511] = (TRAMP_PT + 3 * PAGE_SIZE) | rw;
	pdpt_hi[510] = (TRAMP_PT + 4 * PAGE_SIZE) | rw;
	uint64_t image_span = ALIGN_UP((uint64_t)(uintptr_t)_kernel_end - KERNEL_VMA, PART_ALIGN);
	for (uint64_t off = 0; off < image_span; off += PART_ALIGN)
		pd_hi[off / PART_ALIGN] = (base + off) | rw | ps;
	pml4[256] = (TRAMP_PT + 5 * PAGE_SIZE) | rw;
	uint64_t end = base + MIN(size, EARLY_MAP);
	for (uint64_t pa = base, pd = 0; pa < end; pa += PART_ALIGN) {
		unsigned gi = (unsigned)((pa >> 30) & 511);
		if (!(pdpt_pm[gi] & 1))
			pdpt_pm[gi] = (TRAMP_PT + (6 + pd++) * PAGE_SIZE) | rw;
		uint64_t *pdt = phys_to_virt(pdpt_pm[gi] & ~0xFFFul);
		pdt[(pa >> 21) & 511] = pa | rw | ps;
	}
	return TRAMP_PT;
}

static bool wait_state(unsigned core, uint32_t state, unsigned ms)
{
	uint64_t deadline = rdtsc() + cpu_info.tsc_hz / 1000 * ms;
	while (rdtsc() < deadline) {
		if (__atomic_load_n(&shared_status(core)->state, __ATOMIC_ACQUIRE) >= state)
			return true;
		cpu_relax();
	}
	return false;
}

/* A CPU that missed its window must never run on: first no CPU may claim the trampoline's
 * data any more, then INIT puts this one in wait-for-SIPI wherever it is, claimed or not
 * (SDM 3A 8.4.4.1 and 10.6.1: INIT, then INIT level de-assert). Only after that does kernel 0
 * write the data for the next CPU. */
static void park_ap(struct trampoline_data *td, uint32_t apic_id)
{
	__atomic_store_n(&td->apic_id, TRAMP_NOBODY, __ATOMIC_SEQ_CST);
	lapic_send_init(apic_id);
	pit_wait_ms(10);
	lapic_send_init_deassert(apic_id);
	pit_wait_ms(10);
}

static uint64_t late_ap_delay(unsigned core)
{
	uint64_t late = 0;
	if (cmdline_get_u64(boot_info.cmdline, "smp_late_ap", &late) || late != core)
		return 0;
	return cpu_info.tsc_hz / 1000 * SMP_LATE_AP_MS;
}

static bool start_ap(unsigned core, const struct kernel_desc *kd)
{
	struct trampoline_data *td = phys_to_virt(TRAMP_ADDR + (trampoline_data - trampoline_start));
	td->delay = late_ap_delay(core);
	td->cr3 = build_tramp_tables(kd->part_base, kd->part_size);
	td->efer = EFER_LME | (vmm_nx_enabled() ? EFER_NXE : 0);
	td->stack = (uint64_t)(uintptr_t)boot_stack_top;        /* same address in every image */
	td->record = kd->part_base;
	td->entry = (uint64_t)(uintptr_t)kmain_ap;
	__atomic_store_n(&td->apic_id, kd->apic_id, __ATOMIC_RELEASE);  /* claimable: written */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* Two SIPIs after the INIT (init_aps; SDM 3A 8.4.4.1, "universal start-up algorithm").
	 * The command line can withhold them from one kernel, to test what a dead CPU does to
	 * boot. */
	uint64_t skip = 0;
	bool withhold = cmdline_get_u64(boot_info.cmdline, "smp_skip_sipi", &skip) == 0 && skip == core;
	for (int i = 0; i < 2 && !withhold && !wait_state(core, KSTATE_STARTED, 1); i++)
		lapic_send_sipi(kd->apic_id, TRAMP_ADDR >> 12);
	if (wait_state(core, KSTATE_STARTED, AP_START_MS))
		return true;
	park_ap(td, kd->apic_id);
	return false;
}

/* INIT to every AP to be started, then the 10 ms the start-up algorithm waits after it
 * (SDM 3A 8.4.4.1), once for all: an AP then waits for its SIPI however long that takes, so
 * each is started in turn without a wait of its own. */
static void init_aps(const bool *prepared)
{
	bool sent = false;
	for (unsigned core = 1; core < kself.ncores; core++) {
		if (prepared[core]) {
			lapic_send_init(shared_header()->kernels[core].apic_id);
			sent = true;
		}
	}
	if (sent)
		pit_wait_ms(10);
}

static bool trampoline_room(void)
{
	bool usable = false;
	for (unsigned i = 0; i < boot_info.nmem; i++) {
		const struct mem_region *r = &boot_info.mem[i];
		if (r->type == MEM_USABLE && r->base <= TRAMP_ADDR && r->base + r->len >= TRAMP_END)
			usable = true;
	}
	for (unsigned i = 0; i < boot_info.nmods; i++)
		if (boot_info.mods[i].start < TRAMP_END && boot_info.mods[i].end > TRAMP_ADDR)
			return false;
	return usable;
}

/* GRUB may load a module into low memory (UEFI's GRUB does when the module is small),
 * over the AP trampoline and its page tables (TRAMP_ADDR to TRAMP_END). Kernel 0 moves such
 * a module into frames of its own before anything reads it; the old copy stays in the low
 * memory kernel 0 reserves. Without room for the copy the module stays, and
 * trampoline_room() keeps the APs off, as it would have. */
void smp_move_modules_off_trampoline(void)
{
	for (unsigned i = 0; i < boot_info.nmods; i++) {
		struct boot_module *m = &boot_info.mods[i];
		uint64_t len = m->end - m->start, pa;
		if (m->start >= TRAMP_END || m->end <= TRAMP_ADDR)
			continue;
		if (pmm_alloc_contig(ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE, &pa)) {
			pr_warn("smp: no memory to move module %s off the AP trampoline\n", m->name);
			continue;
		}
		memcpy(phys_to_virt(pa), phys_to_virt(m->start), len);
		pr_info("smp: module %s moved to %p, off the AP trampoline\n", m->name, (void *)pa);
		m->start = pa;
		m->end = pa + len;
	}
}

static unsigned smp_ncores(void)
{
	uint64_t limit = MAX_KERNELS;
	const struct acpi_info *ai = platform_acpi();

	cmdline_get_u64(boot_info.cmdline, "kernels", &limit);
	if (!ai)
		return 1;
	unsigned n = MIN((unsigned)MIN(limit, (uint64_t)MAX_KERNELS), ai->ncpus);
	return n ? n : 1;
}

/* Orders the CPUs so that the boot CPU is kernel 0. */
static void fill_kernel_table(struct shared_header *h)
{
	const struct acpi_info *ai = platform_acpi();
	unsigned k = 1;

	h->kernels[0].apic_id = kself.apic_id;
	for (unsigned i = 0; ai && i < ai->ncpus && k < kself.ncores; i++)
		if (ai->cpus[i].apic_id != kself.apic_id)
			h->kernels[k++].apic_id = ai->cpus[i].apic_id;
}

static int smp_setup_shared(void)
{
	uint64_t size = shared_size_for(kself.ncores), pa;
	int err = pmm_alloc_contig_aligned(size / PAGE_SIZE, PART_ALIGN / PAGE_SIZE, &pa);
	if (err)
		return err;
	kself.shared_base = pa;
	kself.shared_size = size;
	if ((err = shared_init(phys_to_virt(pa), size, kself.ncores)))
		return err;
	fill_kernel_table(shared_header());
	return 0;
}

static uint64_t partition_size(void)
{
	uint64_t free = pmm_free_frames() * PAGE_SIZE;
	if (kself.ncores == 1 || free < KERNEL0_MIN)
		return 0;
	return ALIGN_DOWN(free / kself.ncores, PART_ALIGN);
}

static bool prepare_ap(unsigned core, uint64_t size, const struct boot_module *mod)
{
	struct kernel_desc *kd = &shared_header()->kernels[core];
	uint64_t base, image_end;

	if (pmm_alloc_contig_aligned(size / PAGE_SIZE, PART_ALIGN / PAGE_SIZE, &base)) {
		pr_err("smp: no %lu MiB partition for kernel %u\n", size >> 20, core);
		return false;
	}
	kd->part_base = base;
	kd->part_size = size;
	if (load_image(mod, base, size, &image_end)) {
		pmm_free(base, size / PAGE_SIZE);
		kd->part_size = 0;
		return false;
	}
	write_record(core, base, size, image_end);
	copy_initrd(phys_to_virt(base), base + size);
	return true;
}

/* Kernel 0 stops mapping a partition once its kernel runs: from then on it is not ours. */
static void give_away(const struct kernel_desc *kd)
{
	vmm_unmap(PHYSMAP_BASE + kd->part_base, kd->part_size);
}

static void wait_hellos(unsigned started)
{
	uint64_t deadline = rdtsc() + cpu_info.tsc_hz / 1000 * AP_HELLO_MS;
	while (kernels_up < started && rdtsc() < deadline)
		if (!peer_poll())
			peer_idle();
}

void smp_boot_aps(void)
{
	const struct boot_module *mod = kernel_module();
	unsigned started = 1;

	kself.ncores = smp_ncores();
	if (kself.ncores > 1 && (!mod || !trampoline_room())) {
		pr_warn("smp: %s; running kernel 0 alone\n",
			mod ? "low memory for the AP trampoline is not free" : "no kernel.elf module");
		kself.ncores = 1;
	}
	if (smp_setup_shared())
		panic("smp_boot_aps: no memory for the shared region");
	struct shared_header *h = shared_header();
	h->kernels[0].part_base = 0;
	h->kernels[0].part_size = 0;   /* kernel 0 owns what is left; see ARCHITECTURE.md */
	if (peer_init())
		panic("smp_boot_aps: URPC set-up failed");
	smp_kernel0_init();
	smptest_init();
	rcall_init();
	peer_set_state(KSTATE_UP);
	uint64_t size = partition_size();
	memcpy(phys_to_virt(TRAMP_ADDR), trampoline_start, (size_t)(trampoline_end - trampoline_start));
	bool prepared[MAX_KERNELS] = { false };
	for (unsigned core = 1; core < kself.ncores; core++)
		prepared[core] = prepare_ap(core, size, mod);
	init_aps(prepared);
	for (unsigned core = 1; core < kself.ncores; core++) {
		struct kernel_desc *kd = &h->kernels[core];
		if (!prepared[core])
			continue;
		if (start_ap(core, kd)) {
			started++;
			give_away(kd);
		} else {
			pr_err("smp: kernel %u (APIC %u) did not start; going on without it\n", core,
			       kd->apic_id);
		}
	}
	kprintf("kernel 0: APIC %u, keeps the memory not given away: %zu MiB free\n",
		kself.apic_id, pmm_free_frames() * PAGE_SIZE >> 20);
	wait_hellos(started);
	kprintf("kernels up: %u/%u\n", kernels_up, kself.ncores);
}

/* --- on an AP --- */

void smp_ap_attach_shared(void)
{
	if (vmm_map(PHYSMAP_BASE + kself.shared_base, kself.shared_base, kself.shared_size, VM_WRITE))
		panic("kmain_ap: cannot map the shared region");
	shared_attach(phys_to_virt(kself.shared_base));
	/* From here on kernel 0 may reuse the trampoline's page tables for the next AP. */
	peer_set_state(KSTATE_STARTED);
}

void smp_ap_hello(void)
{
	struct urpc_hello h = {
		.apic_id = kself.apic_id,
		.free_mib = (uint32_t)(pmm_free_frames() * PAGE_SIZE >> 20),
		.part_base = kself.part_base,
		.part_size = kself.part_size,
	};
	kprintf("kernel %u: APIC %u, partition [%p-%p] %lu MiB, %u MiB free\n", kself.core,
		kself.apic_id, (void *)kself.part_base, (void *)(kself.part_base + kself.part_size - 1),
		kself.part_size >> 20, h.free_mib);
	if (peer_send_wait(0, URPC_HELLO, 0, &h, sizeof(h), AP_HELLO_MS))
		pr_err("kernel %u: could not say hello to kernel 0\n", kself.core);
}
