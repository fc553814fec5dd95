/* System call dispatch and the calls themselves (docs/SYSCALLS.md). Every argument from user
 * space is checked: bad numbers, descriptors and pointers return an errno. */
#include "kernel/syscall.h"
#include "kernel/cost.h"
#include "kernel/netsteer.h"
#include "kernel/netload.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/console.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/heap.h"
#include "kernel/netdev.h"
#include "kernel/netmove.h"
#include "kernel/swsteer.h"
#include "drivers/nic.h"
#include "net/tcp.h"
#include "kernel/proc.h"
#include "kernel/rcall.h"
#include "kernel/urpc/msg.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "net/socket.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/netirq.h"
#include "kernel/time.h"
#include "kernel/uaccess.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

#define MSR_STAR        0xC0000081u
#define MSR_LSTAR       0xC0000082u
#define MSR_FMASK       0xC0000084u
#define WRITE_CHUNK     256

void syscall_entry(void);

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* SYSRET loads CS from STAR[63:48] + 16 and SS from + 8 (gdt.h's order). */
	wrmsr(MSR_STAR, ((uint64_t)(SEL_UDATA - 8) << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	/* IF off until the entry is on the kernel stack; DF, TF and AC (SMAP) off in the kernel. */
	wrmsr(MSR_FMASK, RFLAGS_IF | (1u << 10) | (1u << 8) | (1u << 18));
}

static int64_t sys_write(struct proc *p, uint64_t fd, uint64_t ubuf, uint64_t len)
{
	char chunk[WRITE_CHUNK];
	if (fd >= 3 && fd < p->nfds && p->fds[fd].kind == FD_SOCKET)
		return sock_sendto(p, fd, ubuf, len, 0, 0, 0);
	if (fd != 1 && fd != 2)
		return -EBADF;
	if (len > INT32_MAX)
		return -EINVAL;
	for (uint64_t done = 0; done < len; ) {
		size_t n = MIN((size_t)(len - done), sizeof(chunk));
		int err = copy_from_user(chunk, ubuf + done, n);
		if (err)
			return done ? (int64_t)done : err;
		console_user_write(chunk, n);
		done += n;
	}
	return (int64_t)len;
}

static struct proc_fd *fd_get(struct proc *p, uint64_t fd)
{
	if (fd < 3 || fd >= p->nfds || p->fds[fd].kind != FD_FILE)
		return NULL;
	return &p->fds[fd];
}

static int64_t file_read(struct proc_fd *f, uint64_t ubuf, uint64_t len, uint64_t off)
{
	if (len > INT32_MAX)
		return -EINVAL;
	if (initrd_is_dir(f->file))
		return -EISDIR;
	if (off >= f->file->size)
		return 0;
	uint64_t n = MIN(len, f->file->size - off);
	int err = copy_to_user(ubuf, f->file->data + off, n);
	return err ? err : (int64_t)n;
}

/* fd 0 is the console's input, which kernel 0 owns. */
static int64_t console_input(uint64_t ubuf, uint64_t len)
{
	char buf[WRITE_CHUNK];
	if (kself.core != 0)
		return -EBADF;
	if (len == 0)
		return 0;
	int err = check_user_buffer(ubuf, MIN(len, sizeof(buf)));
	if (err)
		return err;
	size_t n = console_read(buf, MIN(len, sizeof(buf)));
	err = copy_to_user(ubuf, buf, n);
	return err ? err : (int64_t)n;
}

static int64_t sys_read(struct proc *p, uint64_t fd, uint64_t ubuf, uint64_t len)
{
	if (fd == 0)
		return console_input(ubuf, len);
	if (fd < p->nfds && p->fds[fd].kind == FD_SOCKET)
		return sock_recvfrom(p, fd, ubuf, len, 0, 0, 0);
	struct proc_fd *f = fd_get(p, fd);
	if (!f)
		return -EBADF;
	int64_t n = file_read(f, ubuf, len, f->offset);
	if (n > 0)
		f->offset += (uint64_t)n;
	return n;
}

static int64_t sys_pread(struct proc *p, uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t off)
{
	struct proc_fd *f = fd_get(p, fd);
	return f ? file_read(f, ubuf, len, off) : -EBADF;
}

static int64_t sys_open(struct proc *p, uint64_t upath, uint64_t flags)
{
	char path[INITRD_PATH_MAX];
	int err = copy_string_from_user(path, upath, sizeof(path));
	if (err)
		return err;
	if (flags != 0)
		return -EACCES;         /* the initrd is read-only */
	const struct initrd_file *file = initrd_lookup(&kernel_initrd, path);
	if (!file)
		return -ENOENT;
	int fd = fd_alloc(p);
	if (fd >= 0)
		p->fds[fd] = (struct proc_fd){ .kind = FD_FILE, .file = file };
	return fd;
}

static int64_t sys_close(struct proc *p, uint64_t fd)
{
	return fd_close(p, fd);
}

static int64_t sys_fstat(struct proc *p, uint64_t fd, uint64_t ust)
{
	struct proc_fd *f = fd_get(p, fd);
	if (!f)
		return -EBADF;
	struct sys_stat st = { f->file->size, f->file->mode, f->file->mtime };
	return copy_to_user(ust, &st, sizeof(st));
}

static int64_t sys_readdir(uint64_t upath, uint64_t index, uint64_t uent)
{
	char path[INITRD_PATH_MAX];
	int err = copy_string_from_user(path, upath, sizeof(path));
	if (err)
		return err;
	const struct initrd_file *dir = initrd_lookup(&kernel_initrd, path);
	if (!dir)
		return -ENOENT;
	if (!initrd_is_dir(dir))
		return -ENOTDIR;
	const struct initrd_file *e = initrd_readdir(&kernel_initrd, path, (unsigned)MIN(index, UINT32_MAX));
	if (!e)
		return 0;               /* past the last entry */
	struct sys_dirent d = { .size = e->size, .mode = e->mode };
	const char *base = strrchr(e->path, '/');
	strlcpy(d.name, base ? base + 1 : e->path, sizeof(d.name));
	err = copy_to_user(uent, &d, sizeof(d));
	return err ? err : 1;
}

/* Grows (or, with a negative increment, shrinks back) the heap; returns the old break. */
static int64_t sys_sbrk(struct proc *p, int64_t incr)
{
	uint64_t old = p->brk, want = p->brk + (uint64_t)incr;
	if (incr < 0 && (uint64_t)-incr > p->brk - p->brk_base)
		return -EINVAL;
	if (incr > 0 && (want < old || want - p->brk_base > USER_HEAP_MAX))
		return -ENOMEM;
	for (uint64_t page = ALIGN_UP(old, PAGE_SIZE); page < want; page += PAGE_SIZE) {
		uint64_t pa;
		if (pmm_alloc(&pa))
			return -ENOMEM;
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		if (vm_map_user(&p->vm, page, pa, VM_WRITE)) {
			pmm_free(pa, 1);
			return -ENOMEM;
		}
	}
	p->brk = want;          /* shrinking keeps the pages: they are reused on growth */
	return (int64_t)old;
}

/* Copies argv from user memory into args as "path\0arg\0..." (for another kernel) or into
 * argv pointers (for this one). */
static int fetch_argv(uint64_t uargv, char *args, size_t cap, size_t *used, const char **argv, int *argc)
{
	int err;
	for (*argc = 0; uargv; (*argc)++) {
		uint64_t ptr;
		if ((err = copy_from_user(&ptr, uargv + (uint64_t)*argc * 8, sizeof(ptr))))
			return err;
		if (!ptr)
			break;
		if (*argc == PROC_MAX_ARGS || *used >= cap)
			return -E2BIG;
		if ((err = copy_string_from_user(args + *used, ptr, cap - *used)))
			return err == -ENAMETOOLONG ? -E2BIG : err;
		argv[*argc] = args + *used;
		*used += strlen(args + *used) + 1;
	}
	return 0;
}

static int64_t sys_spawn(struct proc *p, uint64_t upath, uint64_t uargv)
{
	char path[INITRD_PATH_MAX], args[PROC_ARG_BYTES];
	const char *argv[PROC_MAX_ARGS];
	size_t used = 0;
	int argc, err, pid;

	if ((err = copy_string_from_user(path, upath, sizeof(path))) ||
	    (err = fetch_argv(uargv, args, sizeof(args), &used, argv, &argc)))
		return err;
	err = proc_spawn(path, argc, argv, p->pid, &pid);
	return err ? err : pid;
}

/* RCALL_SPAWN's head (kernel/urpc/msg.h): how many listeners, and each described. */
static int pack_listeners(struct proc *p, uint64_t ufds, uint64_t n, char *buf, size_t *used)
{
	int32_t fds[SOCK_SHARE_MAX];
	struct sock_share d;
	int err;
	buf[0] = (char)n;
	*used = 1;
	if (n && (err = copy_from_user(fds, ufds, n * sizeof(fds[0]))))
		return err;
	for (uint64_t i = 0; i < n; i++) {
		if ((err = sock_share_describe(p, (uint64_t)(int64_t)fds[i], &d)))
			return err;
		memcpy(buf + *used, &d, sizeof(d));
		*used += sizeof(d);
	}
	return 0;
}

/* Starts a program on kernel core: a child of the caller here, the kernel's elsewhere. The
 * nfds listening sockets at ufds (int32 descriptors) go along as replicas, which the program
 * finds at descriptors 3 and up (net/socket.h); only to another kernel: on this one the
 * caller's own socket already serves. */
static int64_t sys_spawn_on(struct proc *p, uint64_t core, uint64_t upath, uint64_t uargv,
			    uint64_t ufds, uint64_t nfds)
{
	char buf[RCALL_REQ_MAX];
	const char *argv[PROC_MAX_ARGS];
	size_t used, at;
	int argc, err;

	if (core >= kself.ncores || nfds > SOCK_SHARE_MAX)
		return -EINVAL;
	if ((err = pack_listeners(p, ufds, nfds, buf, &at)))
		return err;
	if (core == kself.core)
		return nfds ? -EINVAL : sys_spawn(p, upath, uargv);
	if ((err = copy_string_from_user(buf + at, upath, sizeof(buf) - at)))
		return err;
	used = at + strlen(buf + at) + 1;
	if ((err = fetch_argv(uargv, buf, sizeof(buf), &used, argv, &argc)))
		return err;
	return rcall((unsigned)core, RCALL_SPAWN, buf, used, NULL, 0, NULL);
}

static unsigned local_listeners(void *out, unsigned max)
{
	return sock_listeners(out, max);
}

/* Lists op's 48-byte records (processes, listeners) of every kernel that answers, this one's
 * from local; returns how many were written. */
static int64_t list_all_kernels(uint16_t op, unsigned (*local)(void *, unsigned), uint64_t ubuf,
				uint64_t max)
{
	uint8_t (*all)[URPC_RCALL_DATA] = kmalloc(PROC_MAX_LIST * URPC_RCALL_DATA);
	uint64_t written = 0;
	int err = 0;

	if (!all)
		return -ENOMEM;
	for (unsigned k = 0; k < kself.ncores && written < max && !err; k++) {
		unsigned n = 0;
		if (k == kself.core)
			n = local(all, PROC_MAX_LIST);
		else if (rcall(k, op, NULL, 0, all, PROC_MAX_LIST, &n) < 0)
			continue;       /* a dead kernel lists nothing */
		n = (unsigned)MIN((uint64_t)n, max - written);
		err = copy_to_user(ubuf + written * URPC_RCALL_DATA, all, n * URPC_RCALL_DATA);
		written += n;
	}
	kfree(all);
	return err ? err : (int64_t)written;
}

static int64_t sys_kernels(uint64_t ubuf, uint64_t max)
{
	struct sys_kinfo ki;
	uint64_t n = 0;
	for (unsigned k = 0; k < kself.ncores && n < max; k++, n++) {
		unsigned got = 0;
		memset(&ki, 0, sizeof(ki));
		ki.core = k;
		if (k == kself.core)
			rcall_local_info(&ki);
		else if (rcall(k, RCALL_INFO, NULL, 0, &ki, 1, &got) < 0 || got != 1)
			ki = (struct sys_kinfo){ .core = k, .alive = 0 };
		int err = copy_to_user(ubuf + n * sizeof(ki), &ki, sizeof(ki));
		if (err)
			return err;
	}
	return (int64_t)n;
}

static void netstat_pool(struct sys_netstat *ns)
{
	struct swsteer_figures f;
	swsteer_figures(&f);
	ns->steered_out = f.steered_out;
	ns->steered_in = f.steered_in;
	ns->pool_in_use = f.pool_in_use;
	ns->pool_size = f.pool_size;
	ns->pool_exhausted = f.pool.exhausted;
	ns->pool_double_returns = f.pool.double_returns;
	ns->pool_not_held = f.pool.not_held;
	ns->pool_reclaimed = f.pool.reclaimed;
}

static void netstat_moves(struct sys_netstat *ns)
{
	struct netmove_counts mc = netmove_counts();
	ns->move_forwarded = mc.forwarded;
	ns->move_fwd_failed = mc.fwd_failed;
	ns->moves_begun = mc.begun;
	ns->moves_done = mc.done;
	ns->moves_aborted = mc.aborted;
}

static int64_t sys_netstat(uint64_t ubuf)
{
	const struct netif *nif = netdev_netif();
	struct sys_netstat ns;
	_Static_assert(DROP_REASONS <= SYS_NETSTAT_DROPS, "every drop reason fits");
	if (!nif)
		return -ENODEV;
	memset(&ns, 0, sizeof(ns));
	ns.configured = nif->ip != 0;
	ns.ip = nif->ip;
	ns.mask = nif->mask;
	ns.gateway = nif->gateway;
	memcpy(ns.mac, nif->mac, 6);
	ns.ndrops = DROP_REASONS;
	ns.rx_frames = nif->stats.rx_frames;
	ns.tx_frames = nif->stats.tx_frames;
	ns.arp_replies = nif->stats.arp_replies_sent;
	ns.arp_requests = nif->stats.arp_requests_sent;
	ns.echo_replies = nif->stats.icmp_echo_replies;
	ns.udp_in = nif->stats.udp_in;
	ns.udp_out = nif->stats.udp_out;
	memcpy(ns.drops, nif->stats.drops, sizeof(nif->stats.drops));
	_Static_assert(TCP_COUNTERS <= SYS_NETSTAT_TCP && TCP_STATES <= SYS_NETSTAT_STATES,
		       "every TCP counter and state fits");
	ns.ntcp = TCP_COUNTERS;
	ns.nstates = TCP_STATES;
	memcpy(ns.tcp, nif->stats.tcp, sizeof(nif->stats.tcp));
	const struct tcp_stack *st = sock_tcp_stack();
	for (unsigned i = 0; st && i < TCP_STATES; i++)
		ns.conns[i] = st->conns_by_state[i];
	ns.interrupts = netdev_interrupts();
	ns.sockets = sock_count();
	const struct nic_stats *hw;
	bool link_up;
	unsigned mbps;
	if (netdev_nic_state(&hw, &link_up, &mbps)) {
		ns.hw_rx_packets = hw->rx_good;
		ns.hw_tx_packets = hw->tx_good;
		ns.hw_rx_missed = hw->rx_missed;
		ns.hw_rx_crc_errors = hw->rx_crc_errors;
		ns.hw_rx_overruns = hw->rx_overruns;
		ns.link_up = link_up;
		ns.link_mbps = mbps;
	}
	netstat_pool(&ns);
	netstat_moves(&ns);
	return copy_to_user(ubuf, &ns, sizeof(ns));
}

/* Every kernel's network summary is asked for at once, NETSUM_BATCH calls at a time (leaving
 * rcall slots to other processes), each batch answered within NETSUM_TIMEOUT_MS or its
 * silent kernels reported not alive: /status is fetched often, and a dead kernel must not
 * hold it up. */
#define NETSUM_BATCH      4
#define NETSUM_TIMEOUT_MS 1000
#define NETSUM_PIECES     (sizeof(struct sys_netsum) / URPC_RCALL_DATA)

static void netsum_batch(struct sys_netsum *all, unsigned first, unsigned end)
{
	int call[NETSUM_BATCH];
	uint64_t deadline = time_uptime_ms() + NETSUM_TIMEOUT_MS;
	for (unsigned k = first; k < end; k++) {
		all[k] = (struct sys_netsum){ .core = k };
		call[k - first] = -1;
		if (k == kself.core)
			rcall_local_netsum(&all[k]);
		else
			call[k - first] = rcall_start(k, RCALL_NETSUM, NULL, 0, &all[k], NETSUM_PIECES);
	}
	for (unsigned k = first; k < end; k++) {
		unsigned got = 0;
		if (call[k - first] < 0)
			continue;
		if (rcall_finish(call[k - first], deadline, &got) < 0 || got != NETSUM_PIECES ||
		    all[k].core != k)
			all[k] = (struct sys_netsum){ .core = k };      /* not alive */
	}
}

/* Fills ubuf with one summary per kernel, in kernel order; a buffer of fewer than ncores
 * entries is -ERANGE with nothing written, so that no caller mistakes part for the whole. */
static int64_t sys_netstat_all(uint64_t ubuf, uint64_t max)
{
	size_t bytes = kself.ncores * sizeof(struct sys_netsum);
	if (max < kself.ncores)
		return -ERANGE;
	int err = check_user_buffer(ubuf, bytes);
	if (err)
		return err;
	struct sys_netsum *all = kmalloc(bytes);
	if (!all)
		return -ENOMEM;
	for (unsigned first = 0; first < kself.ncores; first += NETSUM_BATCH)
		netsum_batch(all, first, MIN(first + NETSUM_BATCH, kself.ncores));
	err = copy_to_user(ubuf, all, bytes);
	kfree(all);
	return err ? err : (int64_t)kself.ncores;
}

static int64_t sys_kill(uint64_t core, int64_t pid)
{
	uint32_t victim = (uint32_t)pid;
	if (core >= kself.ncores || pid <= 0 || pid > INT32_MAX)
		return -EINVAL;
	if (core == kself.core)
		return proc_kill((int)pid);
	return rcall((unsigned)core, RCALL_KILL, &victim, sizeof(victim), NULL, 0, NULL);
}

static int64_t sys_wait(struct proc *p, int64_t pid, uint64_t ustatus)
{
	int status, err;
	if (ustatus && (err = copy_to_user(ustatus, &status, sizeof(status))))
		return err;     /* checked before waiting, so the child is not lost */
	int r = proc_wait(p->pid, (int)pid, &status);
	if (r > 0 && ustatus)
		copy_to_user(ustatus, &status, sizeof(status));
	return r;
}

static int64_t sys_kernel_info(uint64_t uinfo)
{
	struct heap_stats hs;
	heap_stats(&hs);
	struct sys_kernel_info ki = {
		.core = kself.core,
		.ncores = kself.ncores,
		.free_bytes = pmm_free_frames() * PAGE_SIZE,
		.nprocs = proc_count(),
		.heap_live_blocks = hs.live_blocks,
		.heap_live_bytes = hs.live_bytes,
		.heap_slab_bytes = hs.slab_pages * PAGE_SIZE,
		.nic_reads = kcost.nic_reads,
		.nic_writes = kcost.nic_writes,
		.lapic_writes = kcost.lapic_writes,
		.interrupts = kcost.interrupts,
		.syscalls = kcost.syscalls,
		.switches = kcost.switches,
		.halts = kcost.halts,
		.user_copy_bytes = kcost.user_copy_bytes,
		.ticks = time_ticks(),
		.nic_interrupts = netirq_count(),
		.nic_ns = kcost.nic_cycles * 1000 / (cpu_info.tsc_hz / 1000000),
		.tsc_boot = time_tsc_boot(),
		.tsc_hz = cpu_info.tsc_hz,
	};
	return copy_to_user(uinfo, &ki, sizeof(ki));
}

static int64_t syscall_run(struct proc *p, const struct syscall_frame *f)
{
	switch (f->nr) {
	case SYS_EXIT: proc_exit((int)f->rdi);
	case SYS_WRITE: return sys_write(p, f->rdi, f->rsi, f->rdx);
	case SYS_READ: return sys_read(p, f->rdi, f->rsi, f->rdx);
	case SYS_OPEN: return sys_open(p, f->rdi, f->rsi);
	case SYS_CLOSE: return sys_close(p, f->rdi);
	case SYS_GETPID: return p->pid;
	case SYS_SLEEP_MS:
		if (f->rdi > 24ul * 3600 * 1000)
			return -EINVAL;
		sched_sleep_ms(f->rdi);
		return 0;
	case SYS_SBRK: return sys_sbrk(p, (int64_t)f->rdi);
	case SYS_SPAWN: return sys_spawn(p, f->rdi, f->rsi);
	case SYS_WAIT: return sys_wait(p, (int64_t)f->rdi, f->rsi);
	case SYS_YIELD: sched_yield(); return 0;
	case SYS_UPTIME_MS: return (int64_t)(time_uptime_ms());
	case SYS_PREAD: return sys_pread(p, f->rdi, f->rsi, f->rdx, f->r10);
	case SYS_FSTAT: return sys_fstat(p, f->rdi, f->rsi);
	case SYS_READDIR: return sys_readdir(f->rdi, f->rsi, f->rdx);
	case SYS_KERNEL_INFO: return sys_kernel_info(f->rdi);
	case SYS_SPAWN_ON: return sys_spawn_on(p, f->rdi, f->rsi, f->rdx, f->r10, f->r8);
	case SYS_PS: return list_all_kernels(RCALL_PS, rcall_local_ps, f->rdi, f->rsi);
	case SYS_KERNELS: return sys_kernels(f->rdi, f->rsi);
	case SYS_KILL: return sys_kill(f->rdi, (int64_t)f->rsi);
	case SYS_NETSTAT: return sys_netstat(f->rdi);
	case SYS_NETSTAT_ALL: return sys_netstat_all(f->rdi, f->rsi);
	case SYS_STEER: return netsteer_syscall(f->rdi, f->rsi, f->rdx);
	case SYS_LOAD: return netload_syscall(f->rdi, f->rsi, f->rdx);
	case SYS_SOCKET: return sock_socket(p, f->rdi, f->rsi, f->rdx);
	case SYS_BIND: return sock_bind(p, f->rdi, f->rsi, f->rdx);
	case SYS_LISTEN: return sock_listen(p, f->rdi, (int64_t)f->rsi);
	case SYS_ACCEPT4: return sock_accept(p, f->rdi, f->rsi, f->rdx, f->r10);
	case SYS_CONNECT: return sock_connect(p, f->rdi, f->rsi, f->rdx);
	case SYS_SENDTO: return sock_sendto(p, f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
	case SYS_RECVFROM: return sock_recvfrom(p, f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
	case SYS_SHUTDOWN_SOCK: return sock_shutdown(p, f->rdi, f->rsi);
	case SYS_SETSOCKOPT: return sock_setsockopt(p, f->rdi, f->rsi, f->rdx, f->r10, f->r8);
	case SYS_GETSOCKOPT: return sock_getsockopt(p, f->rdi, f->rsi, f->rdx, f->r10, f->r8);
	case SYS_POLL: return sock_poll(p, f->rdi, f->rsi, (int64_t)(int32_t)f->rdx);
	case SYS_EPOLL_CREATE: return sock_epoll_create(p, f->rdi);
	case SYS_EPOLL_CTL: return sock_epoll_ctl(p, f->rdi, f->rsi, f->rdx, f->r10);
	case SYS_EPOLL_WAIT: return sock_epoll_wait(p, f->rdi, f->rsi, (int64_t)(int32_t)f->rdx, (int64_t)(int32_t)f->r10);
	case SYS_FCNTL: return sock_fcntl(p, f->rdi, f->rsi, f->rdx);
	case SYS_GETSOCKNAME: return sock_name(p, f->rdi, f->rsi, f->rdx, false);
	case SYS_GETPEERNAME: return sock_name(p, f->rdi, f->rsi, f->rdx, true);
	case SYS_LISTENERS: return list_all_kernels(RCALL_LISTENERS, local_listeners, f->rdi, f->rsi);
	case SYS_SHUTDOWN:
		/* Ends the machine (under QEMU, its exit status) from kernel 0's console user. */
		if (kself.core != 0)
			return -EPERM;
		kprintf("shutdown: requested by pid %d, status %lu\n", p->pid, f->rdi);
		kernel_exit(f->rdi == 0 ? KEXIT_PASS : KEXIT_FAIL);
	default: return -ENOSYS;
	}
}

uint64_t syscall_dispatch(struct syscall_frame *f)
{
	struct proc *p = proc_current();
	if (!p)
		panic("syscall_dispatch: system call from a kernel thread");
	kcost.syscalls++;
	int64_t r = syscall_run(p, f);
	netdev_tx_flush();              /* what the call sent leaves now, not at the next tick */
	sched_preempt_point();
	proc_check_killed();
	/* SYSRET to a non-canonical RIP would fault in ring 0 (SDM 2B SYSRET); such a caller
	 * cannot have come from a real instruction, so it goes. */
	if (f->rip >= USER_TOP)
		proc_kill_current("system call returning to a bad address", f->rip, f->rip);
	return (uint64_t)r;
}
