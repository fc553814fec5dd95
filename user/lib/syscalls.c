/* System call stubs (docs/SYSCALLS.md: number in RAX, arguments in RDI RSI RDX R10). */
#include "user/lib/flotilla.h"

int errno;
char **environ;

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
uint64_t uptime_ms(void) { return (uint64_t)sys_call(SYS_UPTIME_MS, 0, 0, 0, 0); }
int readdir(const char *path, unsigned index, struct sys_dirent *ent) { return (int)posix(sys_call(SYS_READDIR, (long)path, index, (long)ent, 0)); }
int kernel_info(struct sys_kernel_info *ki) { return (int)posix(sys_call(SYS_KERNEL_INFO, (long)ki, 0, 0, 0)); }
int spawn_on(unsigned core, const char *path, char *const argv[]) { return (int)posix(sys_call(SYS_SPAWN_ON, core, (long)path, (long)argv, 0)); }
int ps(struct sys_procinfo *out, unsigned max) { return (int)posix(sys_call(SYS_PS, (long)out, max, 0, 0)); }
int kernels(struct sys_kinfo *out, unsigned max) { return (int)posix(sys_call(SYS_KERNELS, (long)out, max, 0, 0)); }
int kill(unsigned core, int pid) { return (int)posix(sys_call(SYS_KILL, core, pid, 0, 0)); }
int shutdown(int status) { return (int)posix(sys_call(SYS_SHUTDOWN, status, 0, 0, 0)); }
int netstat(struct sys_netstat *ns) { return (int)posix(sys_call(SYS_NETSTAT, (long)ns, 0, 0, 0)); }

void *sbrk(long incr)
{
	long r = sys_call(SYS_SBRK, incr, 0, 0, 0);
	if (r < 0) {
		errno = (int)-r;
		return (void *)-1;
	}
	return (void *)r;
}
