/* panic: message, registers and a symbolised backtrace on the console, then a failing exit. */
#include "kernel/panic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/kcatch.h"
#include "kernel/ksyms.h"
#include "kernel/mm/vmm.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "kernel/smp.h"
#include "lib/format.h"

#define ISA_DEBUG_EXIT_PORT 0xF4
#define BACKTRACE_MAX_FRAMES 32

static int panic_depth;

/* A frame pointer is followed only while it points at mapped kernel memory, so a corrupt
 * chain ends the trace instead of faulting inside the panic. */
static bool frame_readable(uint64_t rbp)
{
	return (rbp & 7) == 0 && rbp >= 0xFFFF800000000000ul && vmm_is_mapped(rbp) &&
	       vmm_is_mapped(rbp + 8);
}

static void backtrace_frames(uint64_t rbp, int first)
{
	for (int i = first; i < BACKTRACE_MAX_FRAMES && rbp && frame_readable(rbp); i++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (!ret)
			break;
		kprintf("  #%d %p ", i, (void *)ret);
		ksym_print(ret - 1);    /* the call instruction, not the one after it */
		kprintf("\n");
		if (frame[0] == rbp)
			break;
		rbp = frame[0];
	}
}

void backtrace_print(uint64_t rbp)
{
	kprintf("backtrace:\n");
	backtrace_frames(rbp, 0);
}

extern char _text_start[], _text_end[];

/* A value on the stack that points just past a near call (E8 rel32) in kernel text. */
static bool looks_like_return(uint64_t v)
{
	return v >= (uint64_t)(uintptr_t)_text_start + 5 && v < (uint64_t)(uintptr_t)_text_end &&
	       *(const uint8_t *)(uintptr_t)(v - 5) == 0xE8;
}

/* GCC sets up no frame in leaf functions that use no stack, so at a trap in one of them
 * RBP is still the caller's and the caller's caller would be shown next. The return address
 * then sits at RSP; it is printed marked "?" (a guess, as Linux marks them). */
static void backtrace_print_trap(const struct trap_frame *f)
{
	kprintf("backtrace:\n  #0 %p ", (void *)f->rip);
	ksym_print(f->rip);
	kprintf("\n");
	if (frame_readable(f->rsp) && looks_like_return(*(const uint64_t *)f->rsp) &&
	    !(frame_readable(f->rbp) && ((const uint64_t *)f->rbp)[1] == *(const uint64_t *)f->rsp)) {
		uint64_t ret = *(const uint64_t *)f->rsp;
		kprintf("  ?  %p ", (void *)ret);
		ksym_print(ret - 1);
		kprintf("\n");
	}
	backtrace_frames(f->rbp, 1);
}

void kernel_exit(uint8_t code)
{
	outb(ISA_DEBUG_EXIT_PORT, code);
	cpu_halt_forever();
}

/* Kernel 0's panic ends the run; another kernel's stops only that kernel, and its peers
 * notice from its status line. */
static __attribute__((noreturn)) void panic_finish(void)
{
	if (kself.core == 0) {
		kprintf("panic: system halted\n");
		kernel_exit(KEXIT_FAIL);
	}
	kprintf("panic: kernel %u halted; the other kernels go on\n", kself.core);
	/* Only now, with the report sent, do the others learn that this kernel is gone. */
	if (peer_ready())
		peer_set_state(KSTATE_PANICKED);
	cpu_halt_forever();
}

/* An AP's report still goes through kernel 0 while it can (console_forward turns direct by
 * itself if kernel 0 is dead), so that its lines stay whole; a nested panic, or one before
 * the channels exist, writes to the port. */
void panic_begin(void)
{
	irq_disable();
	if (panic_depth > 0 || !peer_ready())
		console_set_direct();
}

void panic(const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	irq_disable();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kcatch_panic(msg);      /* returns unless a test is expecting this panic */

	panic_begin();
	if (panic_depth++ > 0) {
		kprintf("panic: nested panic: %s\n", msg);
		panic_finish();
	}
	kprintf("panic: %s\n", msg);
	kprintf("  rsp=%p rbp=%p rflags=0x%lx\n", (void *)rsp_read(), (void *)rbp_read(),
		rflags_read());
	kprintf("  cr0=0x%lx cr2=%p cr3=%p cr4=0x%lx\n", cr0_read(), (void *)cr2_read(),
		(void *)cr3_read(), cr4_read());
	backtrace_print(rbp_read());
	panic_finish();
}

void panic_after_trap(const struct trap_frame *f)
{
	panic_begin();
	if (panic_depth++ > 0)
		panic_finish();
	kprintf("panic: unhandled %s in kernel mode\n", trap_name(f->vector));
	backtrace_print_trap(f);
	panic_finish();
}
