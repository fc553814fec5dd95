/* Processes: a user address space, one thread, open files and an exit status. */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/initrd.h"
#include "kernel/mm/vmm.h"
#include "kernel/sched.h"

#define PROC_MAX_FDS    65536           /* descriptors a process may hold */
#define PROC_FDS_FIRST  64              /* its table's size at first; it doubles when full */
#define PROC_NAME_MAX   32
#define PROC_MAX_ARGS   16
#define PROC_ARG_BYTES  1024
#define USER_STACK_TOP  0x00007FFFFFFFE000ul
#define USER_STACK_PAGES 16
#define USER_HEAP_MAX   (64ul << 20)
#define EXIT_KILLED     139             /* status of a process killed for a fault */
#define PROC_PARENT_KERNEL (-1)
#define PROC_MAX_LIST   64
#define EXIT_KILLED_BY_REQUEST 137

enum proc_state {
	PROC_LIVE,
	PROC_ZOMBIE,
};

enum fd_kind {
	FD_NONE,                        /* a free slot (fds 0 to 2 are the console) */
	FD_FILE,
	FD_SOCKET,
	FD_EPOLL,
};

struct socket;
struct epoll;

struct proc_fd {
	enum fd_kind kind;
	const struct initrd_file *file;
	uint64_t offset;
	struct socket *sock;
	struct epoll *ep;
};

struct proc {
	int pid;
	char name[PROC_NAME_MAX];
	struct vm_space vm;
	struct thread *thread;
	enum proc_state state;
	bool killed;                    /* dies on its next way back to user mode */
	int exit_status;
	int parent;                     /* pid; 0: started by the kernel, reaped when it exits;
					 * PROC_PARENT_KERNEL: a kernel caller will wait for it */
	struct waitq exited;            /* the parent waits here */
	uint64_t brk_base, brk;
	struct proc_fd *fds;            /* nfds of them (net/socket.c's fd_alloc grows it) */
	unsigned nfds;
	unsigned fd_hint;               /* every descriptor below it is taken */
	struct list_node node;
	/* Where the first return to user mode goes (registers of the program's _start). */
	uint64_t entry, start_sp, start_argc, start_argv, start_envp;
};

/* The initrd this kernel reads programs and files from. */
extern struct initrd kernel_initrd;
int initrd_init(void);

/* Starts the program at path with argv (argc strings) as a child of parent (0: none). */
int proc_spawn(const char *path, int argc, const char *const *argv, int parent, int *pid);
/* Waits for a child of parent to exit and reaps it: -ECHILD if pid is not one. */
int proc_wait(int parent, int pid, int *status);
struct proc *proc_current(void);
struct proc *proc_find(int pid);
__attribute__((noreturn)) void proc_exit(int status);
/* For a fault in user mode: reports it, and the process dies alone. */
__attribute__((noreturn)) void proc_kill_current(const char *why, uint64_t rip, uint64_t addr);
void proc_thread_exited(struct thread *t);
/* Frees processes nobody will wait for. */
void proc_reap_orphans(void);
unsigned proc_count(void);
struct sys_procinfo;
unsigned proc_list(struct sys_procinfo *out, unsigned max);
/* Marks pid to die, and wakes it if it waits. -ESRCH if there is no such live process. */
int proc_kill(int pid);
/* Where a process returns to user mode: dies here if it was killed. */
void proc_check_killed(void);

#endif
