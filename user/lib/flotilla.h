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
uint64_t uptime_ms(void);
int readdir(const char *path, unsigned index, struct sys_dirent *ent);
int kernel_info(struct sys_kernel_info *ki);
int spawn_on(unsigned core, const char *path, char *const argv[]);
int ps(struct sys_procinfo *out, unsigned max);
int kernels(struct sys_kinfo *out, unsigned max);
int kill(unsigned core, int pid);
int shutdown(int status);
int netstat(struct sys_netstat *ns);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int puts(const char *s);
const char *strerror(int err);

void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);

#endif
