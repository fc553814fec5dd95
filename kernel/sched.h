/* Threads and the per-kernel scheduler: round robin, preemptive for user code (at the tick,
 * on the way back to user mode), cooperative inside the kernel, which is single-core code
 * without locks (DESIGN.md section 1). */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/list.h"

#define SCHED_SLICE_TICKS 2

struct proc;
struct kstack;

enum thread_state {
	THREAD_RUNNABLE,
	THREAD_RUNNING,
	THREAD_BLOCKED,
	THREAD_DEAD,
};

struct thread {
	uint64_t rsp;                   /* saved kernel stack pointer while switched out */
	struct kstack *kstack;
	enum thread_state state;
	struct list_node node;          /* run queue, or a wait queue while blocked */
	struct list_node sleep_node;    /* the sleep list while sleeping with a deadline */
	uint64_t wake_tick;             /* 0: no deadline */
	bool timed_out;                 /* the deadline, not a wake-up, ended the last wait */
	unsigned slice;
	struct proc *proc;              /* NULL for kernel threads */
	unsigned tid;
	char name[16];
	uint64_t ticks;                 /* ticks it was running at */
	uint8_t fpu[512] __attribute__((aligned(16)));  /* FXSAVE area of user threads */
};

struct waitq {
	struct list_node waiters;
};

void sched_init(void);
struct thread *sched_current(void);
/* A kernel thread that runs fn(arg), then exits. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg);
void thread_free(struct thread *t);     /* a dead thread's stack and struct */
__attribute__((noreturn)) void thread_exit(void);
void sched_make_runnable(struct thread *t);
/* Takes a blocked thread off whatever it waits on and makes it runnable. */
void sched_interrupt(struct thread *t);
void sched_yield(void);
/* Gives the CPU away if the tick said so; the return-to-user paths call it. */
void sched_preempt_point(void);
void sched_tick(void);
bool sched_has_work(void);
void sched_sleep_ms(uint64_t ms);

void waitq_init(struct waitq *q);
/* Blocks until waitq_wake_all, or until timeout_ticks pass (0: no limit). Returns false on
 * timeout. */
bool waitq_wait(struct waitq *q, uint64_t timeout_ticks);
void waitq_wake_all(struct waitq *q);

unsigned sched_nr_threads(void);

#endif
