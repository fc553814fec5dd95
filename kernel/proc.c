/* Processes: ELF loading from the initrd, the user stack, exit, wait and fault kills. */
#include "kernel/proc.h"
#include "net/socket.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/elf.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/panic.h"
#include "kernel/smp.h"
#include "kernel/syscall.h"
#include "kernel/arch/x86_64/cpu.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/util.h"

__attribute__((noreturn)) void user_enter(uint64_t rip, uint64_t rsp, uint64_t argc,
					  uint64_t argv, uint64_t envp);

struct initrd kernel_initrd;
static struct list_node procs = LIST_HEAD_INIT(procs);
static int next_pid = 1;

int initrd_init(void)
{
	const char *why;
	for (unsigned i = 0; i < boot_info.nmods; i++) {
		const struct boot_module *m = &boot_info.mods[i];
		if (strcmp(m->name, "initrd") != 0)
			continue;
		if (initrd_parse(&kernel_initrd, phys_to_virt(m->start), m->end - m->start, &why)) {
			pr_err("initrd: rejected: %s\n", why);
			return -EINVAL;
		}
		pr_info("initrd: %u files\n", kernel_initrd.nfiles);
		return 0;
	}
	pr_warn("initrd: no initrd module; no programs to run\n");
	return -ENOENT;
}

struct proc *proc_current(void)
{
	return sched_current()->proc;
}

struct proc *proc_find(int pid)
{
	struct proc *p;
	list_for_each_entry(p, &procs, node)
		if (p->pid == pid)
			return p;
	return NULL;
}

unsigned proc_count(void)
{
	unsigned n = 0;
	list_for_each(pos, &procs)
		n++;
	return n;
}

/* Maps fresh zeroed pages over [va, va + len) with rights; copies src (n bytes) to va. */
static int map_fill(struct proc *p, uint64_t va, uint64_t len, unsigned rights,
		    const uint8_t *src, uint64_t n)
{
	uint64_t start = ALIGN_DOWN(va, PAGE_SIZE), end = ALIGN_UP(va + len, PAGE_SIZE);
	for (uint64_t page = start; page < end; page += PAGE_SIZE) {
		uint64_t pa;
		int err;
		if (vm_translate(&p->vm, page, &pa, NULL) == 0) {
			err = -EINVAL;          /* segments must not share pages */
			return err;
		}
		if ((err = pmm_alloc(&pa)))
			return err;
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		if ((err = vm_map_user(&p->vm, page, pa, rights))) {
			pmm_free(pa, 1);
			return err;
		}
		/* The part of src that lands in this page. */
		uint64_t lo = MAX(page, va), hi = MIN(page + PAGE_SIZE, va + n);
		if (lo < hi)
			memcpy((uint8_t *)phys_to_virt(pa) + (lo - page), src + (lo - va), hi - lo);
	}
	return 0;
}

static int load_elf(struct proc *p, const struct initrd_file *f, uint64_t *entry)
{
	struct elf_image img;
	const char *why;
	int err = elf_parse(f->data, f->size, &img, &why);
	if (err)
		return err;
	uint64_t top = 0;
	for (unsigned i = 0; i < img.nsegs; i++) {
		const struct elf_segment *s = &img.segs[i];
		if (s->vaddr < PAGE_SIZE || s->vaddr + s->memsz > USER_STACK_TOP - (64ul << 20))
			return -ENOEXEC;
		if ((s->flags & ELF_PF_W) && (s->flags & ELF_PF_X))
			return -ENOEXEC;        /* W^X holds in user space too */
		unsigned rights = (s->flags & ELF_PF_W) ? VM_WRITE : 0;
		rights |= (s->flags & ELF_PF_X) ? VM_EXEC : 0;
		if ((err = map_fill(p, s->vaddr, s->memsz, rights, f->data + s->offset, s->filesz)))
			return err;
		top = MAX(top, s->vaddr + s->memsz);
	}
	if (img.entry < PAGE_SIZE || img.entry >= top)
		return -ENOEXEC;
	*entry = img.entry;
	p->brk_base = p->brk = ALIGN_UP(top, PAGE_SIZE) + PAGE_SIZE;   /* a gap below the heap */
	return 0;
}

/* Copies into mapped pages of a space that need not be the current one. */
static int copy_to_space(struct vm_space *vm, uint64_t va, const uint8_t *src, size_t n)
{
	while (n > 0) {
		uint64_t pa;
		size_t chunk = MIN(n, (size_t)(PAGE_SIZE - (va & (PAGE_SIZE - 1))));
		if (vm_translate(vm, va, &pa, NULL))
			return -EFAULT;
		memcpy(phys_to_virt(pa), src, chunk);
		va += chunk;
		src += chunk;
		n -= chunk;
	}
	return 0;
}

/* The stack: argv strings at the top, then the argv and envp arrays. */
static int build_stack(struct proc *p, int argc, const char *const *argv, uint64_t *sp,
		       uint64_t *uargv, uint64_t *uenvp)
{
	uint8_t block[PROC_ARG_BYTES + (PROC_MAX_ARGS + 4) * 8];
	uint64_t ptrs[PROC_MAX_ARGS + 4];
	char env[32];
	size_t used = 0;
	uint64_t base = USER_STACK_TOP - sizeof(block);

	if (argc < 0 || argc > PROC_MAX_ARGS)
		return -E2BIG;
	snprintf(env, sizeof(env), "KERNEL=%u", kself.core);
	for (int i = 0; i <= argc; i++) {
		const char *s = i < argc ? argv[i] : env;
		size_t n = strlen(s) + 1;
		if (used + n > PROC_ARG_BYTES)
			return -E2BIG;
		memcpy(block + used, s, n);
		ptrs[i] = base + used;
		used += n;
	}
	used = ALIGN_UP(used, 16);
	uint64_t arr = base + used;
	uint64_t vec[PROC_MAX_ARGS + 4];
	int k = 0;
	for (int i = 0; i < argc; i++)
		vec[k++] = ptrs[i];
	vec[k++] = 0;                   /* argv[argc] */
	vec[k++] = ptrs[argc];          /* envp[0] */
	vec[k++] = 0;
	memcpy(block + used, vec, (size_t)k * 8);
	int err = map_fill(p, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
			   USER_STACK_PAGES * PAGE_SIZE, VM_WRITE, NULL, 0);
	if (err)
		return err;
	if ((err = copy_to_space(&p->vm, base, block, sizeof(block))))
		return err;
	*uargv = arr;
	*uenvp = arr + (uint64_t)(argc + 1) * 8;
	*sp = ALIGN_DOWN(base, 16) - 8;         /* as if called: RSP+8 is 16-byte aligned */
	return 0;
}

static void proc_user_start(void *arg)
{
	struct proc *p = arg;
	vm_space_activate(&p->vm);
	irq_disable();
	user_enter(p->entry, p->start_sp, p->start_argc, p->start_argv, p->start_envp);
}

static void proc_free(struct proc *p)
{
	list_del(&p->node);
	vm_space_destroy(&p->vm);
	if (p->thread)
		thread_free(p->thread);
	if (p->fds)
		kfree(p->fds);
	kfree(p);
}

int proc_spawn(const char *path, int argc, const char *const *argv, int parent, int *pid)
{
	const struct initrd_file *f = initrd_lookup(&kernel_initrd, path);
	int err;

	if (!f)
		return -ENOENT;
	if (initrd_is_dir(f))
		return -EACCES;
	struct proc *p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fds = kzalloc(PROC_FDS_FIRST * sizeof(*p->fds));
	if (!p->fds) {
		kfree(p);
		return -ENOMEM;
	}
	p->nfds = PROC_FDS_FIRST;
	p->fd_hint = 3;                 /* 0 to 2 are the console */
	list_init(&p->node);
	list_add_tail(&procs, &p->node);
	waitq_init(&p->exited);
	const char *base = strrchr(f->path, '/');
	strlcpy(p->name, base ? base + 1 : f->path, sizeof(p->name));
	p->parent = parent;
	if ((err = vm_space_create(&p->vm)) || (err = load_elf(p, f, &p->entry)) ||
	    (err = build_stack(p, argc, argv, &p->start_sp, &p->start_argv, &p->start_envp))) {
		proc_free(p);
		return err;
	}
	p->start_argc = (uint64_t)argc;
	p->thread = thread_create(p->name, proc_user_start, p);
	if (!p->thread) {
		proc_free(p);
		return -ENOMEM;
	}
	p->thread->proc = p;
	p->pid = next_pid++;
	*pid = p->pid;
	sched_make_runnable(p->thread);
	return 0;
}

/* Runs on the exiting thread: its memory goes now, its stack when it is reaped. */
void proc_exit(int status)
{
	struct proc *p = proc_current();
	if (!p)
		panic("proc_exit: not a process");
	irq_disable();
	p->exit_status = status;
	p->state = PROC_ZOMBIE;
	irq_enable();
	fd_close_all(p);        /* sockets are shut down as by close() */
	irq_disable();
	vm_space_destroy(&p->vm);
	waitq_wake_all(&p->exited);
	thread_exit();
}

void proc_kill_current(const char *why, uint64_t rip, uint64_t addr)
{
	struct proc *p = proc_current();
	kprintf("pid %d (%s) killed: %s at rip %p, address %p\n", p->pid, p->name, why,
		(void *)rip, (void *)addr);
	proc_exit(EXIT_KILLED);
}

void proc_thread_exited(struct thread *t)
{
	(void)t;        /* the waiter, or the orphan reaper, frees it */
}

int proc_wait(int parent, int pid, int *status)
{
	struct proc *p = proc_find(pid);
	if (!p || p->parent != parent)
		return -ECHILD;
	while (p->state != PROC_ZOMBIE || p->thread->state != THREAD_DEAD) {
		struct proc *me = proc_current();
		if (me && me->killed)
			return -EINTR;
		waitq_wait(&p->exited, 1);
	}
	if (status)
		*status = p->exit_status;
	proc_free(p);
	return pid;
}

void proc_reap_orphans(void)
{
	for (struct list_node *n = procs.next, *nx; n != &procs; n = nx) {
		nx = n->next;
		struct proc *p = list_entry(n, struct proc, node);
		bool orphan = p->parent == 0 || (p->parent > 0 && !proc_find(p->parent));
		if (orphan && p->state == PROC_ZOMBIE && p->thread->state == THREAD_DEAD)
			proc_free(p);
	}
}

unsigned proc_list(struct sys_procinfo *out, unsigned max)
{
	unsigned n = 0;
	struct proc *p;
	list_for_each_entry(p, &procs, node) {
		if (n == max)
			break;
		struct sys_procinfo *e = &out[n++];
		memset(e, 0, sizeof(*e));
		e->core = kself.core;
		e->pid = p->pid;
		e->parent = p->parent;
		e->state = p->state == PROC_ZOMBIE ? 2 : p->thread->state == THREAD_BLOCKED ? 1 : 0;
		e->ticks = p->thread->ticks;
		strlcpy(e->name, p->name, sizeof(e->name));
	}
	return n;
}

int proc_kill(int pid)
{
	struct proc *p = proc_find(pid);
	if (!p || p->state == PROC_ZOMBIE)
		return -ESRCH;
	p->killed = true;
	sched_interrupt(p->thread);
	return 0;
}

void proc_check_killed(void)
{
	struct proc *p = proc_current();
	if (p && p->killed) {
		kprintf("pid %d (%s) exited: killed on request\n", p->pid, p->name);
		proc_exit(EXIT_KILLED_BY_REQUEST);
	}
}
