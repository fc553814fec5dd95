/* Threads and the round-robin scheduler of one kernel (sched.h). */
#include "kernel/sched.h"
#include "kernel/cost.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/console.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/kstack.h"
#include "kernel/mm/vmm.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/time.h"
#include "lib/string.h"

void switch_context(uint64_t *save_rsp, uint64_t new_rsp);
void thread_start(void);

/* The kernel stack top for SYSCALL entry (syscall_entry.asm): the running thread's. */
uint64_t syscall_kstack_top;

static struct thread boot_thread;       /* the kernel's first context: becomes the idle loop */
static struct thread *current = &boot_thread;
static struct list_node run_queue = LIST_HEAD_INIT(run_queue);
static struct list_node sleepers = LIST_HEAD_INIT(sleepers);
static bool need_resched;
static unsigned next_tid = 1, nr_threads = 1;
static uint8_t fpu_initial[512] __attribute__((aligned(16)));

static void fxsave(uint8_t *area) { __asm__ volatile("fxsave64 (%0)" :: "r"(area) : "memory"); }
static void fxrstor(const uint8_t *area) { __asm__ volatile("fxrstor64 (%0)" :: "r"(area) : "memory"); }

/* User threads get SSE (CR4.OSFXSR, OSXMMEXCPT); the kernel never touches it
 * (-mgeneral-regs-only), so the state only moves when user threads switch. */
static void fpu_init(void)
{
	cr0_write((cr0_read() & ~(1ul << 2)) | (1ul << 1));    /* EM off, MP on */
	cr4_write(cr4_read() | CR4_OSFXSR | (1ul << 10));       /* OSFXSR, OSXMMEXCPT */
	__asm__ volatile("fninit");
	uint32_t mxcsr = 0x1F80;                                /* all exceptions masked */
	__asm__ volatile("ldmxcsr %0" :: "m"(mxcsr));
	fxsave(fpu_initial);
}

void sched_init(void)
{
	strlcpy(boot_thread.name, "idle", sizeof(boot_thread.name));
	boot_thread.state = THREAD_RUNNING;
	list_init(&boot_thread.node);
	list_init(&boot_thread.sleep_node);
	fpu_init();
}

struct thread *sched_current(void)
{
	return current;
}

unsigned sched_nr_threads(void)
{
	return nr_threads;
}

void thread_start_c(void (*fn)(void *), void *arg)
{
	irq_enable();
	fn(arg);
	thread_exit();
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->kstack = kstack_alloc(KSTACK_DEFAULT_PAGES);
	if (!t->kstack) {
		kfree(t);
		return NULL;
	}
	/* The frame switch_context pops: r15 r14 r13=fn r12=arg rbx rbp, then thread_start. */
	uint64_t *sp = (uint64_t *)t->kstack->top;
	*--sp = 0;                              /* keeps the entry stack 16-byte aligned */
	*--sp = (uint64_t)(uintptr_t)thread_start;
	*--sp = 0;                              /* rbp */
	*--sp = 0;                              /* rbx */
	*--sp = (uint64_t)(uintptr_t)arg;       /* r12 */
	*--sp = (uint64_t)(uintptr_t)fn;        /* r13 */
	*--sp = 0;                              /* r14 */
	*--sp = 0;                              /* r15 */
	t->rsp = (uint64_t)(uintptr_t)sp;
	t->tid = next_tid++;
	strlcpy(t->name, name, sizeof(t->name));
	memcpy(t->fpu, fpu_initial, sizeof(t->fpu));
	list_init(&t->node);
	list_init(&t->sleep_node);
	t->state = THREAD_BLOCKED;
	nr_threads++;
	return t;
}

void thread_free(struct thread *t)
{
	if (t == current || t == &boot_thread || t->state != THREAD_DEAD)
		panic("thread_free: thread %u is not a dead thread", t->tid);
	kstack_free(t->kstack);
	kfree(t);
	nr_threads--;
}

void sched_make_runnable(struct thread *t)
{
	bool irq = irq_save();
	if (t->state == THREAD_BLOCKED) {
		list_del(&t->sleep_node);
		t->state = THREAD_RUNNABLE;
		list_add_tail(&run_queue, &t->node);
	}
	irq_restore(irq);
}

/* The next thread: the run queue's head; else the current thread if it may go on; else the
 * boot context, which idles. If that one is blocked too (kernel 0 waiting in a test, say),
 * the CPU halts here, on whatever stack, until an interrupt makes someone runnable. */
void sched_interrupt(struct thread *t)
{
	bool irq = irq_save();
	if (t->state == THREAD_BLOCKED) {
		list_del(&t->node);
		t->wake_tick = 0;
		sched_make_runnable(t);
	}
	irq_restore(irq);
}

static struct thread *pick_next(void)
{
	for (;;) {
		struct list_node *n = list_first(&run_queue);
		if (n) {
			list_del(n);
			return list_entry(n, struct thread, node);
		}
		if (current->state == THREAD_RUNNING)
			return current;
		if (boot_thread.state != THREAD_BLOCKED && boot_thread.state != THREAD_DEAD)
			return &boot_thread;
		cpu_idle_wait();
		irq_disable();
	}
}

/* A thread that used up its slice hands the CPU to the boot context first, which polls
 * URPC and the NIC once and gives the CPU on (kernel/main.c's idle loop): a compute-bound
 * process slows its kernel's network and messages down to a poll per slice, but never stops
 * them. Without this a lone runnable process would keep the CPU for good, and its kernel
 * would look dead to every other. A boot context woken from a wait is on the run queue and
 * comes in its turn from there. */
static bool boot_context_is_due(const struct thread *prev)
{
	return prev != &boot_thread && prev->state == THREAD_RUNNING && prev->slice == 0 &&
	       boot_thread.state == THREAD_RUNNABLE && list_empty(&boot_thread.node);
}

/* Switches to the next thread. Call with interrupts off; the caller has already queued or
 * parked the current thread as it should be. */
static void schedule(void)
{
	struct thread *prev = current;
	struct thread *next = boot_context_is_due(prev) ? &boot_thread : pick_next();

	need_resched = false;
	if (prev->state == THREAD_RUNNING && next != prev) {
		prev->state = THREAD_RUNNABLE;
		if (prev != &boot_thread)
			list_add_tail(&run_queue, &prev->node);
	}
	next->state = THREAD_RUNNING;
	next->slice = SCHED_SLICE_TICKS;
	if (next == prev)
		return;
	if (prev->proc)
		fxsave(prev->fpu);
	if (next->proc)
		fxrstor(next->fpu);
	if (next != &boot_thread) {
		tss_set_rsp0(next->kstack->top);
		syscall_kstack_top = next->kstack->top;
	}
	vm_space_activate(next->proc ? &next->proc->vm : NULL);
	current = next;
	kcost.switches++;
	switch_context(&prev->rsp, next->rsp);
}

void sched_yield(void)
{
	bool irq = irq_save();
	schedule();
	irq_restore(irq);
}

bool sched_has_work(void)
{
	return !list_empty(&run_queue);
}

void sched_preempt_point(void)
{
	if (need_resched)
		sched_yield();
}

__attribute__((noreturn)) void thread_exit(void)
{
	irq_disable();
	if (current == &boot_thread)
		panic("thread_exit: the idle context cannot exit");
	current->state = THREAD_DEAD;
	proc_thread_exited(current);    /* lets a waiter free it */
	schedule();
	panic("thread_exit: a dead thread was scheduled");
}

/* Called from the timer interrupt. */
void sched_tick(void)
{
	uint64_t now = time_ticks();

	current->ticks++;
	for (struct list_node *n = sleepers.next, *nx; n != &sleepers; n = nx) {
		nx = n->next;
		struct thread *t = list_entry(n, struct thread, sleep_node);
		if (t->wake_tick && t->wake_tick <= now) {
			list_del(&t->node);     /* from whatever wait queue it was on */
			t->wake_tick = 0;
			t->timed_out = true;
			sched_make_runnable(t);
		}
	}
	if (current->slice > 0)
		current->slice--;
	if (current == &boot_thread ? !list_empty(&run_queue) : current->slice == 0)
		need_resched = true;    /* a thread's slice is over: the boot context is due */
}

static void block_current(struct list_node *queue, uint64_t timeout_ticks)
{
	current->state = THREAD_BLOCKED;
	current->timed_out = false;
	if (queue)
		list_add_tail(queue, &current->node);
	if (timeout_ticks) {
		current->wake_tick = time_ticks() + timeout_ticks;
		list_add_tail(&sleepers, &current->sleep_node);
	}
	schedule();
}

/* At least ms by the clock (time_uptime_ns): a wait of n ticks that starts late in a tick
 * ends up to a tick short, so what is left is slept again; a wake-up that is not the
 * deadline's (sched_interrupt: a kill) ends the sleep. 0 still gives up the CPU for a tick. */
void sched_sleep_ms(uint64_t ms)
{
	uint64_t until = time_uptime_ns() + ms * 1000000;
	bool irq = irq_save();
	do {
		uint64_t now = time_uptime_ns();
		uint64_t left_ms = now < until ? (until - now + 999999) / 1000000 : 0;
		block_current(NULL, MAX((left_ms * HZ + 999) / 1000, 1));
	} while (current->timed_out && time_uptime_ns() < until);
	irq_restore(irq);
}

void waitq_init(struct waitq *q)
{
	list_init(&q->waiters);
}

bool waitq_wait(struct waitq *q, uint64_t timeout_ticks)
{
	bool irq = irq_save();
	block_current(&q->waiters, timeout_ticks);
	bool timed_out = current->timed_out;
	irq_restore(irq);
	return !timed_out;
}

void waitq_wake_all(struct waitq *q)
{
	bool irq = irq_save();
	while (!list_empty(&q->waiters)) {
		struct thread *t = list_entry(list_first(&q->waiters), struct thread, node);
		list_del(&t->node);
		t->wake_tick = 0;
		sched_make_runnable(t);         /* also takes it off the sleep list */
	}
	irq_restore(irq);
}
