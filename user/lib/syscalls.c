/* System call stubs (docs/SYSCALLS.md: number in RAX, arguments in RDI RSI RDX R10). */
#include "user/lib/flotilla.h"

int errno;
char **environ;

long sys_call6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

long sys_call(long nr, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static long posix(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

void exit(int status)
{
	sys_call(SYS_EXIT, status, 0, 0, 0);
	for (;;)
		;
}

long write(int fd, const void *buf, size_t n) { return posix(sys_call(SYS_WRITE, fd, (long)buf, (long)n, 0)); }
long read(int fd, void *buf, size_t n) { return posix(sys_call(SYS_READ, fd, (long)buf, (long)n, 0)); }
long pread(int fd, void *buf, size_t n, uint64_t off) { return posix(sys_call(SYS_PREAD, fd, (long)buf, (long)n, (long)off)); }
int open(const char *path, int flags) { return (int)posix(sys_call(SYS_OPEN, (long)path, flags, 0, 0)); }
int close(int fd) { return (int)posix(sys_call(SYS_CLOSE, fd, 0, 0, 0)); }
int fstat(int fd, struct sys_stat *st) { return (int)posix(sys_call(SYS_FSTAT, fd, (long)st, 0, 0)); }
int getpid(void) { return (int)posix(sys_call(SYS_GETPID, 0, 0, 0, 0)); }
int sleep_ms(uint64_t ms) { return (int)posix(sys_call(SYS_SLEEP_MS, (long)ms, 0, 0, 0)); }
int spawn(const char *path, char *const argv[]) { return (int)posix(sys_call(SYS_SPAWN, (long)path, (long)argv, 0, 0)); }
int wait(int pid, int *status) { return (int)posix(sys_call(SYS_WAIT, pid, (long)status, 0, 0)); }
int yield(void) { return (int)posix(sys_call(SYS_YIELD, 0, 0, 0, 0)); }
uint64_t uptime_ms_syscall(void) { return (uint64_t)sys_call(SYS_UPTIME_MS, 0, 0, 0, 0); }

/* Milliseconds since this kernel started, as SYS_UPTIME_MS counts them, without a system
 * call: the TSC (readable in user mode) less the kernel's TSC at boot, over its measured
 * frequency, both fetched once. A process never leaves the kernel it started on. */
uint64_t uptime_ms(void)
{
	static uint64_t tsc_boot, tsc_hz;
	if (!tsc_hz) {
		struct sys_kernel_info ki;
		if (kernel_info(&ki) != 0 || ki.tsc_hz < 1000)
			return uptime_ms_syscall();
		tsc_boot = ki.tsc_boot;
		tsc_hz = ki.tsc_hz;
	}
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t cycles = ((uint64_t)hi << 32 | lo) - tsc_boot;
	return cycles / tsc_hz * 1000 + cycles % tsc_hz * 1000 / tsc_hz;
}
int readdir(const char *path, unsigned index, struct sys_dirent *ent) { return (int)posix(sys_call(SYS_READDIR, (long)path, index, (long)ent, 0)); }
int kernel_info(struct sys_kernel_info *ki) { return (int)posix(sys_call(SYS_KERNEL_INFO, (long)ki, 0, 0, 0)); }
int spawn_on(unsigned core, const char *path, char *const argv[]) { return spawn_on_with(core, path, argv, NULL, 0); }
int spawn_on_with(unsigned core, const char *path, char *const argv[], const int *fds, unsigned nfds)
{
	return (int)posix(sys_call6(SYS_SPAWN_ON, core, (long)path, (long)argv, (long)fds, nfds, 0));
}
int listeners(struct sys_listener *out, unsigned max) { return (int)posix(sys_call(SYS_LISTENERS, (long)out, max, 0, 0)); }
int ps(struct sys_procinfo *out, unsigned max) { return (int)posix(sys_call(SYS_PS, (long)out, max, 0, 0)); }
int kernels(struct sys_kinfo *out, unsigned max) { return (int)posix(sys_call(SYS_KERNELS, (long)out, max, 0, 0)); }
int kill(unsigned core, int pid) { return (int)posix(sys_call(SYS_KILL, core, pid, 0, 0)); }
int poweroff(int status) { return (int)posix(sys_call(SYS_SHUTDOWN, status, 0, 0, 0)); }
int netstat(struct sys_netstat *ns) { return (int)posix(sys_call(SYS_NETSTAT, (long)ns, 0, 0, 0)); }
int netstat_all(struct sys_netsum *out, unsigned max) { return (int)posix(sys_call(SYS_NETSTAT_ALL, (long)out, max, 0, 0)); }
int steer_table(struct sys_steer_table *t) { return (int)posix(sys_call(SYS_STEER, STEER_TABLE, (long)t, 0, 0)); }
int steer_move(const uint64_t mask[2], unsigned to) { return (int)posix(sys_call(SYS_STEER, STEER_MOVE, (long)mask, to, 0)); }
int load_reports(struct sys_load *out, unsigned max) { return (int)posix(sys_call(SYS_LOAD, LOAD_REPORTS, (long)out, max, 0)); }
int load_note(const struct sys_load_move *m, unsigned n) { return (int)posix(sys_call(SYS_LOAD, LOAD_NOTE, (long)m, n, 0)); }
int load_moves(struct sys_load_move *out, unsigned max) { return (int)posix(sys_call(SYS_LOAD, LOAD_MOVES, (long)out, max, 0)); }

void *sbrk(long incr)
{
	long r = sys_call(SYS_SBRK, incr, 0, 0, 0);
	if (r < 0) {
		errno = (int)-r;
		return (void *)-1;
	}
	return (void *)r;
}

int socket(int domain, int type, int protocol) { return (int)posix(sys_call(SYS_SOCKET, domain, type, protocol, 0)); }
int bind(int fd, const struct sockaddr *a, socklen_t len) { return (int)posix(sys_call(SYS_BIND, fd, (long)a, len, 0)); }
int listen(int fd, int backlog) { return (int)posix(sys_call(SYS_LISTEN, fd, backlog, 0, 0)); }
int accept4(int fd, struct sockaddr *a, socklen_t *len, int flags) { return (int)posix(sys_call(SYS_ACCEPT4, fd, (long)a, (long)len, flags)); }
int accept(int fd, struct sockaddr *a, socklen_t *len) { return accept4(fd, a, len, 0); }
int connect(int fd, const struct sockaddr *a, socklen_t len) { return (int)posix(sys_call(SYS_CONNECT, fd, (long)a, len, 0)); }
long sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *a, socklen_t len)
{
	return posix(sys_call6(SYS_SENDTO, fd, (long)buf, (long)n, flags, (long)a, len));
}
long recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *a, socklen_t *len)
{
	return posix(sys_call6(SYS_RECVFROM, fd, (long)buf, (long)n, flags, (long)a, (long)len));
}
long send(int fd, const void *buf, size_t n, int flags) { return sendto(fd, buf, n, flags, NULL, 0); }
long recv(int fd, void *buf, size_t n, int flags) { return recvfrom(fd, buf, n, flags, NULL, NULL); }
int shutdown(int fd, int how) { return (int)posix(sys_call(SYS_SHUTDOWN_SOCK, fd, how, 0, 0)); }
int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return (int)posix(sys_call6(SYS_SETSOCKOPT, fd, level, name, (long)val, len, 0));
}
int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return (int)posix(sys_call6(SYS_GETSOCKOPT, fd, level, name, (long)val, (long)len, 0));
}
int poll(struct pollfd *fds, unsigned long n, int timeout_ms) { return (int)posix(sys_call(SYS_POLL, (long)fds, (long)n, timeout_ms, 0)); }
int epoll_create1(int flags) { return (int)posix(sys_call(SYS_EPOLL_CREATE, flags, 0, 0, 0)); }
int epoll_create(int size) { return size <= 0 ? (errno = EINVAL, -1) : epoll_create1(0); }
int epoll_ctl(int ep, int op, int fd, struct epoll_event *ev) { return (int)posix(sys_call(SYS_EPOLL_CTL, ep, op, fd, (long)ev)); }
int epoll_wait(int ep, struct epoll_event *evs, int max, int timeout_ms) { return (int)posix(sys_call(SYS_EPOLL_WAIT, ep, (long)evs, max, timeout_ms)); }
int fcntl(int fd, int cmd, long arg) { return (int)posix(sys_call(SYS_FCNTL, fd, cmd, arg, 0)); }
int getsockname(int fd, struct sockaddr *a, socklen_t *len) { return (int)posix(sys_call(SYS_GETSOCKNAME, fd, (long)a, (long)len, 0)); }
int getpeername(int fd, struct sockaddr *a, socklen_t *len) { return (int)posix(sys_call(SYS_GETPEERNAME, fd, (long)a, (long)len, 0)); }
