/* Deliberate faults for testing the kernel's fault reports (in the spirit of Linux's lkdtm). */
#include "kernel/tests/crashtest.h"
#include "kernel/console.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/kstack.h"
#include "kernel/panic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/bootinfo.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "lib/cmdline.h"
#include "lib/string.h"

__attribute__((noinline)) uint64_t crashtest_read(uint64_t addr)
{
	return *(volatile uint64_t *)(uintptr_t)addr;
}

__attribute__((noinline)) uint64_t crashtest_divide(uint64_t a, uint64_t b)
{
	uint64_t q;
	/* Written as the instruction itself so the compiler cannot fold or trap-check it. */
	__asm__ volatile("xor %%edx, %%edx; divq %2" : "=a"(q) : "a"(a), "r"(b) : "rdx");
	return q;
}

/* Recurses until the stack runs into its guard page. The frame is large and touched so
 * that neither inlining nor tail calls can turn it into a loop. */
static volatile uintptr_t crashtest_depth_limit = UINTPTR_MAX;

__attribute__((noinline)) void crashtest_recurse(void *depth)
{
	volatile uint8_t frame[512];
	frame[0] = (uint8_t)(uintptr_t)depth;
	if ((uintptr_t)depth < crashtest_depth_limit)
		crashtest_recurse((uint8_t *)depth + 1);
	frame[1] = frame[0];
}

__attribute__((noinline)) void crashtest_invalid_opcode(void)
{
	__asm__ volatile("ud2");
}

static void crash_double_free(void)
{
	void *p = kmalloc(64);
	kfree(p);
	kfree(p);
}

static void crash_overflow(void)
{
	uint8_t *p = kmalloc(40);
	memset(p, 0x41, 48);
	kfree(p);
}

static void crash_stack_overflow(void)
{
	struct kstack *ks = kstack_alloc(2);
	if (!ks)
		panic("crashtest: no stack");
	stack_call((void *)ks->top, crashtest_recurse, NULL);
}

void crashtest_run(const char *kind)
{
	kprintf("crashtest: provoking %s\n", kind);
	if (strcmp(kind, "pagefault") == 0)
		crashtest_read(CRASHTEST_BAD_ADDR);
	else if (strcmp(kind, "divide") == 0)
		crashtest_divide(1, 0);
	else if (strcmp(kind, "stackoverflow") == 0)
		crash_stack_overflow();
	else if (strcmp(kind, "invalidop") == 0)
		crashtest_invalid_opcode();
	else if (strcmp(kind, "panic") == 0)
		panic("crashtest: deliberate panic");
	else if (strcmp(kind, "doublefree") == 0)
		crash_double_free();
	else if (strcmp(kind, "overflow") == 0)
		crash_overflow();
	else
		kprintf("crashtest: unknown kind \"%s\" (pagefault, divide, stackoverflow, "
			"invalidop, panic, doublefree, overflow)\n", kind);
	kprintf("crashtest: %s did not crash\n", kind);
}

/* kill_kernel=K@S: this kernel's deadline in its own uptime, or 0 when it is not K. */
static uint64_t kill_at_ms;

/* Parses "K@S" (decimal); false for anything else. */
static bool parse_kill(const char *spec, uint64_t *k, uint64_t *s)
{
	const char *at = strchr(spec, '@');
	return at && str_to_u64(spec, (size_t)(at - spec), 10, k) == 0 &&
	       str_to_u64(at + 1, strlen(at + 1), 10, s) == 0;
}

void crashtest_kill_arm(void)
{
	char spec[32];
	uint64_t k, s;
	if (cmdline_get(boot_info.cmdline, "kill_kernel", spec, sizeof(spec)) < 0)
		return;
	if (!parse_kill(spec, &k, &s) || k == 0) {
		if (kself.core == 0)
			pr_warn("crashtest: kill_kernel=%s ignored: K@S with K a kernel other than 0\n",
				spec);
		return;
	}
	if (k == kself.core)
		kill_at_ms = s ? s * 1000 : 1;      /* 0 is "not armed" */
}

void crashtest_kill_poll(void)
{
	if (kill_at_ms && time_uptime_ms() >= kill_at_ms)
		panic("crashtest: kill_kernel: kernel %u stops at %lu s as asked", kself.core,
		      kill_at_ms / 1000);
}
