/* Fault-path tests: each provokes a fault under kcatch and checks that the CPU reported it
 * with the right vector, error code and address, and that W^X holds. */
#include "kernel/ktest.h"
#include "kernel/kcatch.h"
#include "kernel/tests/crashtest.h"
#include "kernel/ksyms.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/kstack.h"
#include "kernel/mm/vmm.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/trap.h"
#include "lib/string.h"

extern char _text_start[], _rodata_start[];

/* The symbol that holds rip must be the function that faulted. */
static bool rip_in(uint64_t rip, const char *func)
{
	const char *name = ksym_lookup(rip, NULL);
	return name && strcmp(name, func) == 0;
}

KTEST(fault_page_fault_read_unmapped)
{
	struct kcatch c;
	if (kcatch_try(&c) == 0) {
		crashtest_read(CRASHTEST_BAD_ADDR);
		kcatch_end();
	}
	KASSERT(c.kind == KCATCH_TRAP);
	KEXPECT_EQ(c.vector, VEC_PF);
	KEXPECT_EQ(c.cr2, CRASHTEST_BAD_ADDR);
	KEXPECT_EQ(c.error & (PF_PRESENT | PF_WRITE | PF_USER | PF_FETCH), 0);
	KEXPECT(rip_in(c.rip, "crashtest_read"));
}

static const uint64_t rodata_word = 0x1234;

KTEST(fault_wx_rodata_is_not_writable)
{
	struct kcatch c;
	volatile uint64_t *p = (volatile uint64_t *)&rodata_word;
	if (kcatch_try(&c) == 0) {
		*p = 1;
		kcatch_end();
	}
	KASSERT(c.kind == KCATCH_TRAP);
	KEXPECT_EQ(c.vector, VEC_PF);
	KEXPECT_EQ(c.cr2, (uint64_t)(uintptr_t)&rodata_word);
	KEXPECT_EQ(c.error & (PF_PRESENT | PF_WRITE), PF_PRESENT | PF_WRITE);
	KEXPECT_EQ(rodata_word, 0x1234);
}

KTEST(fault_wx_text_is_not_writable)
{
	struct kcatch c;
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)crashtest_invalid_opcode;
	uint8_t before = *p;
	if (kcatch_try(&c) == 0) {
		*p = 0x90;
		kcatch_end();
	}
	KASSERT(c.kind == KCATCH_TRAP);
	KEXPECT_EQ(c.vector, VEC_PF);
	KEXPECT_EQ(c.error & (PF_PRESENT | PF_WRITE), PF_PRESENT | PF_WRITE);
	KEXPECT_EQ(*p, before);
}

/* A "ret" placed in writable data must not run: NX on data (needs EFER.NXE). */
static uint8_t data_code[16] = { 0xC3 };

KTEST(fault_wx_data_is_not_executable)
{
	struct kcatch c;
	KASSERT(vmm_nx_enabled());
	if (kcatch_try(&c) == 0) {
		((void (*)(void))(uintptr_t)data_code)();
		kcatch_end();
	}
	KASSERT(c.kind == KCATCH_TRAP);
	KEXPECT_EQ(c.vector, VEC_PF);
	KEXPECT_EQ(c.cr2, (uint64_t)(uintptr_t)data_code);
	KEXPECT(c.error & PF_FETCH);
}

KTEST(fault_divide_error)
{
	struct kcatch c;
	if (kcatch_try(&c) == 0) {
		crashtest_divide(7, 0);
		kcatch_end();
	}
	KASSERT(c.kind == KCATCH_TRAP);
	KEXPECT_EQ(c.vector, VEC_DE);
	KEXPECT(rip_in(c.rip, "crashtest_divide"));
}

KTEST(fault_invalid_opcode)
{
	struct kcatch c;
	if (kcatch_try(&c) == 0) {
		crashtest_invalid_opcode();
		kcatch_end();
	}
	KASSERT(c.kind == KCATCH_TRAP);
	KEXPECT_EQ(c.vector, VEC_UD);
	KEXPECT(rip_in(c.rip, "crashtest_invalid_opcode"));
}

/* Runs into the guard page: the #PF cannot be pushed on the dead stack, so it becomes a
 * double fault on its IST stack, with CR2 in the guard area of this stack. */
KTEST(fault_stack_overflow_hits_guard_page)
{
	struct kcatch c;
	struct kstack *ks = kstack_alloc(2);
	KASSERT(ks);
	if (kcatch_try(&c) == 0) {
		stack_call((void *)ks->top, crashtest_recurse, NULL);
		kcatch_end();
	}
	KEXPECT(c.kind == KCATCH_TRAP);
	KEXPECT_EQ(c.vector, VEC_DF);
	KEXPECT(kstack_guard_owner(c.cr2) == ks);
	KEXPECT(c.cr2 < ks->base && c.cr2 >= ks->base - 4096);
	kstack_free(ks);
}

KTEST(fault_after_recovery_interrupts_are_back)
{
	struct kcatch c;
	KASSERT(rflags_read() & RFLAGS_IF);
	if (kcatch_try(&c) == 0) {
		crashtest_read(CRASHTEST_BAD_ADDR);
		kcatch_end();
	}
	KEXPECT(c.kind == KCATCH_TRAP);
	KEXPECT(rflags_read() & RFLAGS_IF);
}

KTEST(heap_detects_double_free)
{
	struct kcatch c;
	void *p = kmalloc(64);
	KASSERT(p);
	kfree(p);
	if (kcatch_try(&c) == 0) {
		kfree(p);
		kcatch_end();
	}
	KASSERT(c.kind == KCATCH_PANIC);
	KEXPECT(ktest_contains(c.message, "double free"));
}

#ifdef KDEBUG        /* canaries exist only in debug builds */
KTEST(heap_detects_overflow)
{
	struct kcatch c;
	uint8_t *p = kmalloc(40);
	KASSERT(p);
	memset(p, 0x41, 41);    /* one byte too many */
	if (kcatch_try(&c) == 0) {
		kfree(p);
		kcatch_end();
	}
	KASSERT(c.kind == KCATCH_PANIC);
	KEXPECT(ktest_contains(c.message, "overflow"));
	/* The block stays allocated after the failed free: repair and release it. */
	p[40] = 0xCB;
	kfree(p);
}
#endif

KTEST(heap_detects_wild_pointer)
{
	struct kcatch c;
	uint8_t *p = kmalloc(64);
	KASSERT(p);
	if (kcatch_try(&c) == 0) {
		kfree(p + 32);
		kcatch_end();
	}
	KASSERT(c.kind == KCATCH_PANIC);
	KEXPECT(ktest_contains(c.message, "no heap header"));
	kfree(p);
}
