/* httpd's one portability layer: what differs between Flotilla (user/lib, built with
 * -D__flotilla__) and Linux (glibc). Everything else in user/httpd is plain POSIX code. */
#ifndef USER_HTTPD_PORT_H
#define USER_HTTPD_PORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __flotilla__

#include "user/lib/flotilla.h"  /* sockets, epoll, files, malloc, printf, string functions */

/* A process may hold this many descriptors (the kernel's per-process table). */
#define PORT_MAX_FDS    65536
#define PORT_S_IFMT     0170000u
#define PORT_S_IFREG    0100000u

/* The initrd is read-only: open takes no flags. */
static inline int port_open_file(const char *path) { return open(path, 0); }

/* Milliseconds since this kernel started: the only clock there is. */
static inline uint64_t port_now_ms(void) { return uptime_ms(); }

/* Where the heap began (user/httpd/sysinfo.c): /status reports how far it grew. */
extern uintptr_t port_heap_start;

static inline int port_init(void)
{
	port_heap_start = (uintptr_t)sbrk(0);
	return PORT_MAX_FDS;
}

#define PORT_WORKER_FD  SPAWN_LISTEN_FD_FIRST

/* httpd -w: a worker on every other live kernel, started with argv and a replica of the
 * listening socket listen_fd at descriptor SPAWN_LISTEN_FD_FIRST (the single socket,
 * docs/SYSCALLS.md). Says which started and why any did not (a kernel without a stack of
 * its own: ENETDOWN); returns how many started, -1 if the kernels could not be listed. */
static inline int port_spawn_workers(char *const argv[], int listen_fd)
{
	struct sys_kinfo k[64];
	struct sys_kernel_info me;
	int n = kernels(k, 64), started = 0;
	if (n < 0 || kernel_info(&me) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (!k[i].alive || k[i].core == me.core)
			continue;
		int pid = spawn_on_with(k[i].core, argv[0], argv, &listen_fd, 1);
		if (pid < 0) {
			printf("httpd: no worker on kernel %u: %s\n", k[i].core, strerror(errno));
			continue;
		}
		printf("httpd: worker pid %d on kernel %u\n", pid, k[i].core);
		started++;
	}
	return started;
}

#else /* Linux */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* O_NONBLOCK so that a FIFO in the document root cannot stall the event loop in open. */
static inline int port_open_file(const char *path)
{
	return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

static inline uint64_t port_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Line-buffered output (the tests read the log as it is written), no SIGPIPE (send uses
 * MSG_NOSIGNAL, this is for anything else), and as many descriptors as the hard limit
 * allows. Returns that many. */
static inline int port_init(void)
{
	struct rlimit rl;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur > 1u << 20 ? 1 << 20 : (int)rl.rlim_cur;
}

#define PORT_WORKER_FD  3

/* Workers on other kernels are Flotilla's (one kernel per core, processes that do not
 * migrate); on Linux, one process serves every core, or several with SO_REUSEPORT. */
static inline int port_spawn_workers(char *const argv[], int listen_fd)
{
	(void)argv;
	(void)listen_fd;
	printf("httpd: -w: workers on other kernels need Flotilla\n");
	errno = ENOSYS;
	return -1;
}

#endif

/* What httpd needs to know about a file it is about to serve. */
struct port_stat {
	uint64_t size;
	int64_t mtime;          /* seconds since 1970 (UTC) */
	bool regular;           /* a plain file, not a directory or anything else */
};

static inline int port_fstat(int fd, struct port_stat *ps)
{
#ifdef __flotilla__
	struct sys_stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	ps->size = st.size;
	ps->mtime = st.mtime;
	ps->regular = (st.mode & PORT_S_IFMT) == PORT_S_IFREG;
#else
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	ps->size = (uint64_t)st.st_size;
	ps->mtime = (int64_t)st.st_mtime;
	ps->regular = S_ISREG(st.st_mode);
#endif
	return 0;
}

/* The system's part of /status (sysinfo.c): Flotilla's kernel number and kernel 0's network
 * counters from netstat(), or Linux's /proc/net/snmp. Appends `"system": ..., "kernel": ...,
 * "net": {...}` members to the JSON object being built in b. */
struct strbuf;
void port_status_system(struct strbuf *b);
/* The load balancer's part of /status: "load" and "moves" (balance.c). */
void port_status_balance(struct strbuf *b);

#endif
