/* Kernel entry: brings up the console, memory, CPU tables and timer, then runs the tests the
 * command line asks for or idles. */
#include "drivers/e1000/e1000.h"
#include "drivers/igb/igb.h"
#include "drivers/ixgbe/ixgbe.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/tests/crashtest.h"
#include "kernel/ksyms.h"
#include "kernel/ktest.h"
#include "kernel/mb2.h"
#include "kernel/fbcon.h"
#include "lib/errno.h"
#include "kernel/netdev.h"
#include "kernel/netload.h"
#include "kernel/prof.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/kstack.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/vmm.h"
#include "kernel/panic.h"
#include "kernel/urpc/peer.h"
#include "kernel/platform.h"
#include "kernel/init.h"
#include "kernel/proc.h"
#include "kernel/rcall.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/uaccess.h"
#include "kernel/urpc/shared.h"
#include "kernel/smp.h"
#include "kernel/tests/smptest.h"
#include "kernel/time.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

#ifndef FLOTILLA_VERSION
#define FLOTILLA_VERSION "unknown"
#endif

#define MB2_INFO_MAX    (1u << 20)      /* larger "information" is not believed */
#define HEARTBEAT_DEFAULT_S 60

uint64_t kimage_phys_base;              /* the boot kernel runs where linker.ld put it */
struct boot_info boot_info;

/* The TSC at kernel 0's milestones, printed as times once its rate is measured. The TSC
 * counts from the processor's reset (SDM 3B, "Time-Stamp Counter"), so these are times
 * since power-on; under QEMU, since the machine started. tools/bench/boot_bench.sh reads
 * the line. */
enum boot_mark { MARK_ENTRY, MARK_NICS, MARK_CLOCKS, MARK_KERNELS, BOOT_MARKS };
static uint64_t boot_tsc[BOOT_MARKS];

static uint64_t boot_ms(enum boot_mark m)
{
	return tsc_to_ns(boot_tsc[m]) / 1000000;
}

static void print_boot_times(void)
{
	pr_info("boot: by the TSC, ms from reset: entry %lu, nics %lu, clocks %lu, kernels %lu\n",
		boot_ms(MARK_ENTRY), boot_ms(MARK_NICS), boot_ms(MARK_CLOCKS), boot_ms(MARK_KERNELS));
}

extern char _boot_start[], _kernel_end[];

static void print_memory_map(const struct boot_info *bi)
{
	uint64_t usable = 0;

	pr_info("memory map (%s):\n", bi->loader[0] ? bi->loader : "unknown loader");
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct mem_region *r = &bi->mem[i];
		pr_info("  [%p-%p] %s\n", (void *)r->base, (void *)(r->base + r->len - 1),
			mem_type_name(r->type));
		if (r->type == MEM_USABLE)
			usable += r->len;
	}
	if (bi->mem_dropped)
		pr_warn("memory map: %u regions beyond the first %d ignored\n", bi->mem_dropped,
			BOOT_MAX_MEM_REGIONS);
	pr_info("memory: %lu MiB usable\n", usable >> 20);
}

static void apply_cmdline(const char *cmdline)
{
	char level[16];
	enum log_level lv;

	if (cmdline_get(cmdline, "loglevel", level, sizeof(level)) >= 0) {
		if (console_parse_level(level, &lv) == 0)
			console_set_level(lv);
		else
			pr_warn("cmdline: loglevel=%s not understood (err, warn, info, debug or 0-3)\n", level);
	}
}

static void boot_parse(uint32_t magic, uint64_t info_phys)
{
	const char *why;

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("kmain: not started by a multiboot2 loader (magic 0x%x)", magic);
	if (mb2_parse(phys_to_virt(info_phys), MB2_INFO_MAX, info_phys, &boot_info, &why))
		panic("kmain: multiboot2 information at %p is malformed: %s", (void *)info_phys, why);
	apply_cmdline(boot_info.cmdline);
	pr_info("cmdline: %s\n", boot_info.cmdline);
}

/* Ranges kernel 0's frame allocator must never hand out. */
static unsigned boot_reserved(const struct boot_info *bi, struct phys_range *r, unsigned max)
{
	unsigned n = 0;

	r[n++] = (struct phys_range){ 0, 1ul << 20, "low memory" };
	r[n++] = (struct phys_range){ (uint64_t)(uintptr_t)_boot_start,
				      kimage_virt_to_phys(_kernel_end), "kernel image" };
	r[n++] = (struct phys_range){ bi->info_phys, bi->info_phys + bi->info_size, "multiboot2 info" };
	for (unsigned i = 0; i < bi->nmods && n < max; i++)
		r[n++] = (struct phys_range){ bi->mods[i].start, bi->mods[i].end, "module" };
	return n;
}

static void mm_init(const struct phys_range *reserved, unsigned n)
{
	int err;

	if ((err = pmm_init(&boot_info, reserved, n)))
		panic("mm_init: no memory for the frame allocator (%d)", err);
	if ((err = vmm_init(&boot_info)))
		panic("mm_init: building the kernel page tables failed (%d)", err);
	pr_info("memory: %zu frames free of %zu, nx %s, kernel page tables %zu pages\n",
		pmm_free_frames(), pmm_total_frames(), vmm_nx_enabled() ? "on" : "off",
		vmm_table_pages());
}

/* Replaces the early static IST stacks with guarded ones. */
static void ist_init(void)
{
	for (unsigned ist = 1; ist <= IST_COUNT; ist++) {
		struct kstack *ks = kstack_alloc(KSTACK_DEFAULT_PAGES);
		if (!ks)
			panic("ist_init: no memory for IST stack %u", ist);
		tss_set_ist(ist, ks->top);
	}
}

/* Leaves the unguarded boot stack for a guarded one and goes on in fn. */
static __attribute__((noreturn)) void continue_on_kstack(void (*fn)(void *), void *arg)
{
	struct kstack *ks = kstack_alloc(KSTACK_DEFAULT_PAGES);
	if (!ks)
		panic("kmain: no memory for the kernel stack");
	stack_call((void *)ks->top, fn, arg);
	panic("kmain: the kernel's main function returned");
}

static bool x2apic_allowed(void)
{
	char mode[16] = "";
	cmdline_get(boot_info.cmdline, "apic", mode, sizeof(mode));
	return strcmp(mode, "xapic") != 0;
}

/* timer_hz: 0 to measure the TSC and the LAPIC timer against the PIT (kernel 0), else the
 * measured frequency handed down (APs). */
static void timer_init(bool allow_x2apic, uint64_t timer_hz)
{
	int err;

	if ((err = lapic_init(allow_x2apic)))
		panic("timer_init: no usable local APIC (%d)", err);
	kself.apic_id = lapic_id();
	if (!timer_hz) {
		uint64_t late_ms = 0;
		cmdline_get_u64(boot_info.cmdline, "clock_late_window", &late_ms);
		timer_hz = cpu_measure_clocks((unsigned)MIN(late_ms, 1000));
		cpu_print();
	}
	if ((err = time_init(timer_hz)))
		panic("timer_init: LAPIC timer did not start (%d)", err);
	pr_info("lapic: %s mode, id %u, timer %lu kHz, tick %d Hz\n",
		lapic_mode() == LAPIC_X2APIC ? "x2APIC" : "xAPIC", lapic_id(),
		lapic_timer_hz() / 1000, HZ);
}

static char test_spec[BOOT_CMDLINE_MAX];

/* The tests run in a kernel thread of their own, so that the boot context goes on serving
 * messages and other kernels' requests whenever a test waits. */
static void ktest_thread(void *arg)
{
	unsigned passed;
	int failed = ktest_run(arg, &passed);
	kernel_exit(failed ? KEXIT_FAIL : KEXIT_PASS);
}

static void run_tests(const char *spec)
{
	strlcpy(test_spec, spec, sizeof(test_spec));
	struct thread *t = thread_create("ktest", ktest_thread, test_spec);
	if (!t)
		panic("run_tests: no memory for the test thread");
	sched_make_runnable(t);
}

/* Idles with hlt, serving messages; kernel 0 prints a heartbeat with its idle fraction
 * every heartbeat= seconds. */
static __attribute__((noreturn)) void idle_loop(void)
{
	uint64_t period_s = HEARTBEAT_DEFAULT_S, next, idle = 0, mark = rdtsc();

	cmdline_get_u64(boot_info.cmdline, "heartbeat", &period_s);
	if (kself.core != 0)
		period_s = 0;
	next = time_ticks() + period_s * HZ;
	if (kself.core == 0)
		kprintf("flotilla: idle; heartbeat every %lu s (Ctrl-a x leaves QEMU)\n", period_s);
	for (;;) {
		peer_poll();
		netdev_poll();
		netload_poll();
		prof_poll();
		smp_service();
		rcall_service();
		crashtest_kill_poll();
		proc_reap_orphans();
		if (sched_has_work()) {
			sched_yield();
			continue;
		}
		uint64_t t0 = rdtsc();
		peer_idle();
		idle += rdtsc() - t0;
		time_account_idle(rdtsc() - t0);
		if (period_s && time_ticks() >= next) {
			uint64_t span = rdtsc() - mark;
			kprintf("heartbeat: up %lu s, %lu ticks, idle %lu%%\n",
				time_uptime_ns() / 1000000000ul, time_ticks(),
				span ? idle * 100 / span : 0);
			next += period_s * HZ;
			idle = 0;
			mark = rdtsc();
		}
	}
}

/* Threads, system calls, user-memory protection and the initrd. */
static void process_init(void)
{
	sched_init();
	syscall_init();
	uaccess_init();
	initrd_init();
}

/* The screen, for machines without a serial port: from here on it shows the console too,
 * starting with what was written before (up to FBCON_PENDING bytes). Clearing it takes
 * tens of milliseconds under QEMU, so it comes after the NICs have started. */
static void screen_init(void)
{
	const struct boot_framebuffer *fb = &boot_info.fb;
	int err = fbcon_init(fb);

	if (err == -ENODEV)
		pr_info("console: no framebuffer from the loader; serial port only\n");
	else if (err)
		pr_warn("console: framebuffer %ux%u, type %u, %u bits a pixel: not drawn (%d)\n",
			fb->width, fb->height, fb->type, fb->bpp, err);
	else
		pr_info("console: framebuffer %ux%u, %u bits a pixel, shows the console\n",
			fb->width, fb->height, fb->bpp);
}

/* The NICs are reset and started before the clocks are measured and the screen is cleared,
 * so that what follows a NIC's start runs while the rest of the boot does: its link's
 * negotiation (QEMU's igb takes 500 ms after the reset) and the opening of its receiver
 * (QEMU's e1000 holds what arrives for a second after each write of RCTL). ACPI and PCI
 * come first for them; their waits use only the PIT. */
static void nics_init(void)
{
	platform_init();
	pci_init();
	e1000_init();
	igb_init();
	ixgbe_init();
	boot_tsc[MARK_NICS] = rdtsc();
}

static void kmain_late(void *arg)
{
	char spec[BOOT_CMDLINE_MAX];

	(void)arg;
	process_init();
	nics_init();
	screen_init();
	timer_init(x2apic_allowed(), 0);
	boot_tsc[MARK_CLOCKS] = rdtsc();
	irq_enable();
	netdev_init();
	prof_init();
	smp_boot_aps();
	boot_tsc[MARK_KERNELS] = rdtsc();
	print_boot_times();
	pr_info("flotilla: kernel up, %lu symbols, %zu MiB free\n", ksym_count(),
		pmm_free_frames() * PAGE_SIZE >> 20);
	if (cmdline_get(boot_info.cmdline, "crash", spec, sizeof(spec)) >= 0)
		crashtest_run(spec);
	crashtest_kill_arm();
	int err = cmdline_get(boot_info.cmdline, "ktest", spec, sizeof(spec));
	if (err == -ENOSPC) {
		pr_err("ktest: the test list does not fit the command line: no test runs\n");
		kernel_exit(KEXIT_FAIL);
	}
	if (err >= 0)
		run_tests(spec);
	else
		init_start_programs();
	idle_loop();
}

void kmain(uint32_t magic, uint64_t info_phys)
{
	struct phys_range reserved[3 + BOOT_MAX_MODULES];

	boot_tsc[MARK_ENTRY] = rdtsc();
	console_init();
	gdt_init();
	idt_init();
	kprintf("Flotilla %s: a multikernel for x86-64\n", FLOTILLA_VERSION);
	boot_parse(magic, info_phys);
	cpu_identify();
	print_memory_map(&boot_info);
	for (unsigned i = 0; i < boot_info.nmods; i++)
		pr_info("module: %s [%p-%p]\n", boot_info.mods[i].name, (void *)boot_info.mods[i].start,
			(void *)boot_info.mods[i].end);
	mm_init(reserved, boot_reserved(&boot_info, reserved, ARRAY_SIZE(reserved)));
	smp_move_modules_off_trampoline();
	ist_init();
	continue_on_kstack(kmain_late, NULL);
}

/* --- the other kernels --- */

static struct smp_boot_record ap_record;

static void kmain_ap_late(void *arg)
{
	(void)arg;
	process_init();
	timer_init(ap_record.allow_x2apic, ap_record.lapic_timer_hz);
	if (peer_init())
		panic("kmain_ap: URPC set-up failed");
	smptest_init();
	crashtest_kill_arm();
	rcall_init();
	netdev_ap_init();
	peer_set_state(KSTATE_UP);
	irq_enable();
	console_flush_early();
	smp_ap_hello();
	if (!cmdline_has(boot_info.cmdline, "ktest"))
		init_start_programs();
	idle_loop();
}

void kmain_ap(uint64_t record_pa)
{
	const struct smp_boot_record *rec = phys_to_virt(record_pa);
	struct phys_range reserved[1];

	kimage_phys_base = rec->self.part_base;
	kself = rec->self;
	console_init();
	if (rec->magic != SMP_RECORD_MAGIC) {
		console_set_direct();
		panic("kmain_ap: no boot record at %p", (void *)record_pa);
	}
	ap_record = *rec;
	boot_info = rec->bi;
	gdt_init();
	idt_init();
	apply_cmdline(boot_info.cmdline);
	cpu_identify();
	cpu_info.tsc_hz = rec->tsc_hz;
	/* The record, the unused first MiB and the image: everything below image_end. */
	reserved[0] = (struct phys_range){ kself.part_base, ap_record.image_end, "record and image" };
	mm_init(reserved, 1);
	smp_ap_attach_shared();
	ist_init();
	continue_on_kstack(kmain_ap_late, NULL);
}
