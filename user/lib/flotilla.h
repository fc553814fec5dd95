/* Flotilla's small libc for user programs: system calls, errno, stdio-like output, memory. */
#ifndef USER_FLOTILLA_H
#define USER_FLOTILLA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/syscall.h"     /* numbers and the structures they fill: shared with the kernel */
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

extern int errno;
extern char **environ;

/* The raw call: returns the kernel's result, a negative errno on failure. */
long sys_call(long nr, long a, long b, long c, long d);
long sys_call6(long nr, long a, long b, long c, long d, long e, long f);

/* POSIX-shaped wrappers: -1 and errno on failure. */
__attribute__((noreturn)) void exit(int status);
long write(int fd, const void *buf, size_t n);
long read(int fd, void *buf, size_t n);
long pread(int fd, void *buf, size_t n, uint64_t off);
int open(const char *path, int flags);
int close(int fd);
int fstat(int fd, struct sys_stat *st);
int getpid(void);
int sleep_ms(uint64_t ms);
void *sbrk(long incr);
int spawn(const char *path, char *const argv[]);
int wait(int pid, int *status);
int yield(void);
uint64_t uptime_ms(void);               /* from the TSC: no system call after the first */
uint64_t uptime_ms_syscall(void);       /* the kernel's own count, SYS_UPTIME_MS */
int readdir(const char *path, unsigned index, struct sys_dirent *ent);
int kernel_info(struct sys_kernel_info *ki);
int spawn_on(unsigned core, const char *path, char *const argv[]);
/* spawn_on, handing the program on another kernel the listening sockets fds[0..nfds): it
 * finds a replica of each at descriptors 3, 4, ... (docs/SYSCALLS.md, the single socket). */
#define SPAWN_LISTEN_FD_FIRST 3
int spawn_on_with(unsigned core, const char *path, char *const argv[], const int *fds, unsigned nfds);
/* Every kernel's listening sockets (one record per kernel a shared socket spans). */
int listeners(struct sys_listener *out, unsigned max);
int ps(struct sys_procinfo *out, unsigned max);
int kernels(struct sys_kinfo *out, unsigned max);
int kill(unsigned core, int pid);
/* Stops the machine (kernel 0 only): QEMU exits 33 for status 0, 35 otherwise. */
int poweroff(int status);
int netstat(struct sys_netstat *ns);
/* Every kernel's network summary, in kernel order; returns the number of kernels (ERANGE
 * when max is fewer). */
int netstat_all(struct sys_netsum *out, unsigned max);
/* The RSS table and moves in flight (kernel 0 only); a move of the buckets of mask to kernel
 * `to`: how many moves began, or -1 with errno (SYS_STEER). */
int steer_table(struct sys_steer_table *t);
int steer_move(const uint64_t mask[2], unsigned to);
/* The load balancer's inputs and log (SYS_LOAD): every kernel's latest load report (returns
 * the kernel count; ERANGE when max is fewer), a note of moves made (kernel 0 only), the
 * latest moves noted, oldest first. */
int load_reports(struct sys_load *out, unsigned max);
int load_note(const struct sys_load_move *m, unsigned n);
int load_moves(struct sys_load_move *out, unsigned max);

/* Sockets, poll and epoll: POSIX/Linux signatures (constants in kernel/syscall.h). */
int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *a, socklen_t len);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr *a, socklen_t *len);
int accept4(int fd, struct sockaddr *a, socklen_t *len, int flags);
int connect(int fd, const struct sockaddr *a, socklen_t len);
long sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *a, socklen_t len);
long recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *a, socklen_t *len);
long send(int fd, const void *buf, size_t n, int flags);
long recv(int fd, void *buf, size_t n, int flags);
int shutdown(int fd, int how);
int setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int poll(struct pollfd *fds, unsigned long n, int timeout_ms);
int epoll_create(int size);
int epoll_create1(int flags);
int epoll_ctl(int ep, int op, int fd, struct epoll_event *ev);
int epoll_wait(int ep, struct epoll_event *evs, int max, int timeout_ms);
int fcntl(int fd, int cmd, long arg);
int getsockname(int fd, struct sockaddr *a, socklen_t *len);
int getpeername(int fd, struct sockaddr *a, socklen_t *len);

static inline uint16_t htons(uint16_t v) { return __builtin_bswap16(v); }
static inline uint16_t ntohs(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t htonl(uint32_t v) { return __builtin_bswap32(v); }
static inline uint32_t ntohl(uint32_t v) { return __builtin_bswap32(v); }

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int puts(const char *s);
const char *strerror(int err);

void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);

#endif
