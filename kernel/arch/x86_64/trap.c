/* Trap dispatch: device interrupts go to their handlers; exceptions are reported in full
 * and either caught (kcatch, for tests) or fatal. */
#include "kernel/arch/x86_64/trap.h"
#include "kernel/cost.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/console.h"
#include "kernel/kcatch.h"
#include "kernel/ksyms.h"
#include "kernel/mm/kstack.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/sched.h"

static const char *const exception_names[VEC_NUM_EXCEPTIONS] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD exception",
	[20] = "#VE virtualization",
	[21] = "#CP control protection",
};

const char *trap_name(uint64_t vector)
{
	if (vector < VEC_NUM_EXCEPTIONS && exception_names[vector])
		return exception_names[vector];
	return vector < VEC_NUM_EXCEPTIONS ? "reserved exception" : "interrupt";
}

static void trap_dump_pf(const struct trap_frame *f, uint64_t cr2)
{
	kprintf("  cr2=%p (%s, %s, %s%s)\n", (void *)cr2,
		(f->error & PF_PRESENT) ? "protection violation" : "not present",
		(f->error & PF_FETCH) ? "fetch" : (f->error & PF_WRITE) ? "write" : "read",
		(f->error & PF_USER) ? "user" : "kernel",
		(f->error & PF_RSVD) ? ", reserved bit" : "");
}

/* Prints the vector, the faulting code's symbol, and every saved register. */
void trap_dump(const struct trap_frame *f)
{
	uint64_t cr2 = cr2_read();

	kprintf("exception: vector %lu (%s), error 0x%lx\n", f->vector, trap_name(f->vector),
		f->error);
	kprintf("  rip=%p ", (void *)f->rip);
	ksym_print(f->rip);
	kprintf("\n");
	if (f->vector == VEC_PF)
		trap_dump_pf(f, cr2);
	if (f->vector == VEC_DF) {
		const struct kstack *ks = kstack_guard_owner(cr2);
		kprintf("  cr2=%p%s\n", (void *)cr2,
			ks ? " in a kernel stack guard page: kernel stack overflow" : "");
	}
	kprintf("  rax=%p rbx=%p rcx=%p rdx=%p\n", (void *)f->rax, (void *)f->rbx,
		(void *)f->rcx, (void *)f->rdx);
	kprintf("  rsi=%p rdi=%p rbp=%p rsp=%p\n", (void *)f->rsi, (void *)f->rdi,
		(void *)f->rbp, (void *)f->rsp);
	kprintf("  r8 =%p r9 =%p r10=%p r11=%p\n", (void *)f->r8, (void *)f->r9,
		(void *)f->r10, (void *)f->r11);
	kprintf("  r12=%p r13=%p r14=%p r15=%p\n", (void *)f->r12, (void *)f->r13,
		(void *)f->r14, (void *)f->r15);
	kprintf("  cs=0x%lx ss=0x%lx rflags=0x%lx cr3=%p\n", f->cs, f->ss, f->rflags,
		(void *)cr3_read());
}

static bool from_user(const struct trap_frame *f)
{
	return (f->cs & 3) == 3;
}

static void trap_exception(struct trap_frame *f)
{
	if (from_user(f))
		proc_kill_current(trap_name(f->vector), f->rip,
				  f->vector == VEC_PF ? cr2_read() : f->rip);
	kcatch_trap(f, cr2_read());     /* returns only when no test is waiting for a fault */
	panic_begin();
	trap_dump(f);
	panic_after_trap(f);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < VEC_NUM_EXCEPTIONS) {
		trap_exception(f);
		return;
	}
	kcost.interrupts++;
	irq_handler_fn fn = irq_handler((uint8_t)f->vector);
	if (fn) {
		fn(f);
		if (from_user(f)) {
			sched_preempt_point();  /* user code is preempted; kernel code is not */
			proc_check_killed();
		}
		return;
	}
	if (f->vector == VEC_SPURIOUS)
		return;         /* spurious LAPIC interrupts need no EOI (SDM 3A 11.9) */
	pr_warn("trap: unexpected interrupt vector %lu\n", f->vector);
	lapic_eoi();
}
