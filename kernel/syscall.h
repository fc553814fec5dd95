/* System calls: numbers and the frame syscall_entry.asm builds (docs/SYSCALLS.md). */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <stdint.h>

enum syscall_nr {
	SYS_EXIT = 0,
	SYS_WRITE = 1,
	SYS_READ = 2,
	SYS_OPEN = 3,
	SYS_CLOSE = 4,
	SYS_GETPID = 5,
	SYS_SLEEP_MS = 6,
	SYS_SBRK = 7,
	SYS_SPAWN = 8,
	SYS_WAIT = 9,
	SYS_YIELD = 10,
	SYS_UPTIME_MS = 11,
	SYS_PREAD = 12,
	SYS_FSTAT = 13,
	SYS_READDIR = 14,
	SYS_KERNEL_INFO = 15,
	SYS_SPAWN_ON = 16,
	SYS_PS = 17,
	SYS_KERNELS = 18,
	SYS_KILL = 19,
	SYS_SHUTDOWN = 20,
	SYS_NETSTAT = 21,
	SYS_COUNT
};

/* Pushed by syscall_entry.asm, lowest address first. */
struct syscall_frame {
	uint64_t nr, rdi, rsi, rdx, r10, r8, r9;
	uint64_t rip, rflags, rsp;
};

/* What SYS_FSTAT and SYS_READDIR fill in (user/lib/flotilla.h has the same layout). */
struct sys_stat {
	uint64_t size;
	uint32_t mode;
	uint32_t reserved;
};

struct sys_dirent {
	char name[64];
	uint64_t size;
	uint32_t mode;
	uint32_t reserved;
};

struct sys_kernel_info {
	uint32_t core, ncores;
	uint64_t free_bytes;
	uint32_t nprocs, reserved;
};

/* One process, as SYS_PS lists it (48 bytes: one URPC reply piece). */
struct sys_procinfo {
	uint32_t core;
	int32_t pid;
	int32_t parent;
	uint32_t state;         /* 0 running or runnable, 1 blocked, 2 exited */
	uint64_t ticks;         /* timer ticks it has run for */
	char name[24];
};

/* One kernel, as SYS_KERNELS lists it. */
struct sys_kinfo {
	uint32_t core;
	uint32_t alive;
	uint64_t uptime_ms;
	uint32_t idle_pct;
	uint32_t nprocs;
	uint64_t free_bytes;
	uint64_t reserved[2];
};
_Static_assert(sizeof(struct sys_procinfo) == 48 && sizeof(struct sys_kinfo) == 48,
	       "one URPC reply piece each");

/* Kernel 0's network interface and its counters, as SYS_NETSTAT reports them; drops are
 * indexed by enum net_drop (net/net.h, names from net_drop_name). */
#define SYS_NETSTAT_DROPS 32
struct sys_netstat {
	uint32_t configured;
	uint32_t ip, mask, gateway;
	uint8_t mac[6];
	uint16_t ndrops;
	uint64_t rx_frames, tx_frames, arp_replies, arp_requests, echo_replies;
	uint64_t drops[SYS_NETSTAT_DROPS];
};

void syscall_init(void);
uint64_t syscall_dispatch(struct syscall_frame *f);

#endif
