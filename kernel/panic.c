/* panic: message, registers and a symbolised backtrace on the console, then a failing exit. */
#include "kernel/panic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/kcatch.h"
#include "kernel/ksyms.h"
#include "kernel/mm/vmm.h"
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

void backtrace_print(uint64_t rbp)
{
	kprintf("backtrace:\n");
	for (int i = 0; i < BACKTRACE_MAX_FRAMES && rbp && frame_readable(rbp); i++) {
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

void kernel_exit(uint8_t code)
{
	outb(ISA_DEBUG_EXIT_PORT, code);
	cpu_halt_forever();
}

static __attribute__((noreturn)) void panic_finish(void)
{
	kprintf("panic: system halted\n");
	kernel_exit(KEXIT_FAIL);
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
	irq_disable();
	if (panic_depth++ > 0)
		panic_finish();
	kprintf("panic: unhandled %s in kernel mode\n", trap_name(f->vector));
	backtrace_print(f->rbp);
	panic_finish();
}
