/* The multikernel: this kernel's identity, and (on kernel 0) starting the others. */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/bootinfo.h"

/* Who this kernel is. Kernel 0 is the one GRUB started; it owns the console. */
struct kernel_self {
	unsigned core;          /* kernel index, 0..ncores-1 */
	unsigned ncores;
	uint32_t apic_id;
	uint64_t part_base, part_size;
	uint64_t shared_base, shared_size;
};
extern struct kernel_self kself;

#define SMP_RECORD_MAGIC 0x4443524B544F4C46ull  /* "FLOTKRCD" */

/* Kernel 0 writes this at the start of an AP's partition; the AP copies it out first. */
struct smp_boot_record {
	uint64_t magic;
	struct boot_info bi;    /* memory map = the partition; cmdline, RSDP, modules */
	struct kernel_self self;
	uint64_t tsc_hz, lapic_timer_hz;
	bool allow_x2apic;
	uint64_t image_end;     /* physical end of the kernel image in the partition */
};

uint32_t kself_apic_of(unsigned core);

/* Debug: smp_late_ap=N on the command line holds kernel N's CPU in the trampoline this long
 * before it claims its start-up data, past its start window (AP_START_MS in smp.c), to test
 * what a CPU that starts late does to the boot. */
#define SMP_LATE_AP_MS 7000

/* Kernel 0, once its frame allocator is up and before the modules are read: any module the
 * loader put over the AP trampoline is moved into frames of its own. */
void smp_move_modules_off_trampoline(void);
/* Kernel 0: plans the partitions, loads and starts every other kernel, waits for them. */
void smp_boot_aps(void);
/* Kernel 0: handles the others' hello and console messages. */
void smp_kernel0_init(void);
unsigned smp_kernels_up(void);

/* On an AP: map the shared region and tell kernel 0 we left its page tables; later, report
 * in with a hello. */
void smp_ap_attach_shared(void);
void smp_ap_hello(void);
/* Work that message handlers queued for the main loop (kernel/tests/smptest.c). */
void smp_service(void);

/* AP entry from the trampoline, on the AP's own image and stack. */
__attribute__((noreturn)) void kmain_ap(uint64_t record_pa);

#endif
