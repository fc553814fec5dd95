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
	SYS_SOCKET = 22,
	SYS_BIND = 23,
	SYS_LISTEN = 24,
	SYS_ACCEPT4 = 25,
	SYS_CONNECT = 26,
	SYS_SENDTO = 27,
	SYS_RECVFROM = 28,
	SYS_SHUTDOWN_SOCK = 29,
	SYS_SETSOCKOPT = 30,
	SYS_GETSOCKOPT = 31,
	SYS_POLL = 32,
	SYS_EPOLL_CREATE = 33,
	SYS_EPOLL_CTL = 34,
	SYS_EPOLL_WAIT = 35,
	SYS_FCNTL = 36,
	SYS_GETSOCKNAME = 37,
	SYS_GETPEERNAME = 38,
	SYS_LISTENERS = 39,
	SYS_NETSTAT_ALL = 40,
	SYS_STEER = 41,
	SYS_LOAD = 42,
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
	uint32_t mtime;         /* seconds since 1970, as the initrd archive recorded it */
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
	/* The kernel heap (kernel/mm/heap.h): live blocks and their bytes, and the bytes of the
	 * frames its small blocks are carved from (kept once taken, so not in free_bytes). */
	uint64_t heap_live_blocks, heap_live_bytes, heap_slab_bytes;
	/* What this kernel has spent since boot on the events that cost most under emulation
	 * (kernel/cost.h: struct kcost, in its order), and its timer ticks and NIC interrupts. */
	uint64_t nic_reads, nic_writes, lapic_writes, interrupts, syscalls, switches, halts;
	uint64_t user_copy_bytes, ticks, nic_interrupts;
	uint64_t nic_ns;                /* time inside NIC register accesses */
	/* The clock: milliseconds since boot are (TSC - tsc_boot) * 1000 / tsc_hz, which user
	 * mode can compute itself (rdtsc is not withheld from it). */
	uint64_t tsc_boot, tsc_hz;
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
	uint64_t urpc_unknown;          /* URPC messages dropped: no handler for the type */
	uint64_t urpc_malformed;        /* URPC messages dropped: wrong length for the type */
};
/* One listening TCP socket on one kernel, as SYS_LISTENERS lists them. A socket shared with
 * workers on other kernels (the single socket, net/socket.h) shows once per kernel, every
 * time with the same origin: the kernel where listen() was called and the socket's number
 * there. Address in host order. */
struct sys_listener {
	uint32_t core;                  /* the kernel it listens on */
	uint32_t origin_core, origin_id;
	uint32_t addr;
	uint16_t port;
	uint16_t replica;               /* 1: made from another kernel's listener */
	uint32_t backlog;
	uint32_t queued;                /* connections established, waiting for accept() */
	uint8_t reserved[20];
};

_Static_assert(sizeof(struct sys_procinfo) == 48 && sizeof(struct sys_kinfo) == 48 &&
	       sizeof(struct sys_listener) == 48,
	       "one URPC reply piece each");

/* One kernel's network in brief, as SYS_NETSTAT_ALL lists it for every kernel at once (its
 * own computed locally, the others' by RCALL_NETSUM): four URPC reply pieces. A kernel that
 * did not answer within the call's time limit has alive = 0 and nothing else but core. */
#define SYS_NETSUM_STATES 11
struct sys_netsum {
	uint32_t core;
	uint32_t alive;
	uint32_t has_net;               /* a network stack runs there */
	uint32_t nbuckets;              /* RSS buckets it owns: the bits set in buckets[] */
	uint64_t buckets[2];            /* bucket b (hash bits 6:0) is bit b % 64 of [b / 64] */
	uint64_t rx_frames, tx_frames;  /* frames into and out of its stack */
	uint64_t drops;                 /* every drop reason of enum net_drop, summed */
	uint64_t interrupts;            /* its NIC interrupts */
	uint64_t steered_out, steered_in;       /* as struct sys_netstat counts them */
	uint32_t sockets;
	uint32_t accept_queue;          /* connections waiting in its listeners' accept queues */
	uint32_t pool_in_use, pool_size;
	uint32_t established;
	uint32_t connections;           /* TCP connections in every state but CLOSED and LISTEN */
	uint16_t nstates;               /* of conns[]: names from tcp_state_name */
	uint16_t conns[SYS_NETSUM_STATES];      /* by state, listeners too; at most 65535 each */
	uint64_t pool_exhausted;
	/* TCP's own counts (struct sys_netstat's tcp[], by name): segments in, RSTs sent, SYNs
	 * answered with a cookie. */
	uint64_t in_segs, out_rsts, syn_cookies_sent;
	/* The move exchange (kernel/netmove.h): segments this kernel, as a bucket's new owner,
	 * handed to its previous owner, and those it could not; kernel 0's moves since boot
	 * (begun, tables written, given up for want of READY), zeros elsewhere. */
	uint64_t move_forwarded, move_fwd_failed;
	uint32_t moves_begun, moves_done, moves_aborted;
	/* Receive overruns its NIC interrupts carried (struct nic_stats's rx_overruns): kernel
	 * 0's, the device owner's, where the NIC has one cause register; at most 2^32 - 1. */
	uint32_t hw_rx_overruns;
};
_Static_assert(sizeof(struct sys_netsum) == 4 * 48, "four URPC reply pieces");

/* This kernel's network interface and its counters, as SYS_NETSTAT reports them; drops are
 * indexed by enum net_drop (net/net.h, names from net_drop_name). */
/* SYS_STEER(op, arg, to): the RSS buckets' kernels (kernel/netsteer.h). STEER_TABLE fills a
 * struct sys_steer_table at arg (kernel 0 only: -EOPNOTSUPP elsewhere); STEER_MOVE moves the
 * buckets of the 128-bit mask at arg (two uint64_t, bit b = bucket b) to kernel `to`, from
 * any kernel, and returns how many moves began or netsteer_move's -errno. */
enum sys_steer_op { STEER_TABLE = 0, STEER_MOVE = 1 };
#define SYS_STEER_BUCKETS 128
struct sys_steer_table {
	uint8_t kernel_of[SYS_STEER_BUCKETS];   /* the table as written */
	uint8_t moving[SYS_STEER_BUCKETS];      /* a move's step (net/move.h), 0: none */
	uint64_t can_own;                       /* bit k: kernel k may be given buckets */
	uint32_t nkernels;
	uint32_t in_flight;                     /* moves kernel 0 has in flight */
	uint64_t requested, done, refused, aborted;     /* kernel 0's moves since boot */
};

/* SYS_LOAD(op, buf, n): the load balancer's inputs and its log (kernel/netload.h).
 * LOAD_REPORTS fills buf with one struct sys_load per kernel, in kernel order, and returns
 * the kernel count (n under it: -ERANGE, nothing written). LOAD_NOTE adds the n (at most
 * SYS_LOAD_NOTE_MAX) struct sys_load_move at buf to the log of moves, on kernel 0 only
 * (-EOPNOTSUPP elsewhere: the table and the monitor are there). LOAD_MOVES fills buf with up
 * to n of the log's latest moves, oldest first, on any kernel, and returns how many. */
enum sys_load_op { LOAD_REPORTS = 0, LOAD_NOTE = 1, LOAD_MOVES = 2 };
#define SYS_LOAD_BUCKETS  128
#define SYS_LOAD_NOTE_MAX 16
#define SYS_LOAD_LOG      32    /* moves the log keeps */

/* One kernel's latest period (NETLOAD_PERIOD_MS): twelve URPC reply pieces. A kernel that did
 * not answer in time has reported = 0 and nothing but core and alive. Counts per bucket stop
 * at 65535. */
struct sys_load {
	uint32_t core;
	uint32_t alive;                 /* its heartbeat runs (a slow kernel is still alive) */
	uint32_t reported;              /* it answered: what follows is its report */
	uint32_t has_net;               /* it runs a network stack */
	uint64_t seq;                   /* periods it has measured since boot */
	uint32_t period_ms;             /* how long the period was */
	uint32_t age_ms;                /* since the period ended, when the caller got it */
	uint32_t busy_pm;               /* thousandths of the period not halted in the idle loop */
	uint32_t accept_queue;          /* connections waiting for accept() at its end */
	uint32_t new_conns;             /* connections opened in it, every bucket */
	uint32_t live_conns;            /* connections live at its end (not TIME-WAIT) */
	uint64_t opened;                /* connections opened since boot, every bucket */
	uint64_t reserved;
	uint16_t new_by_bucket[SYS_LOAD_BUCKETS];
	uint16_t live_by_bucket[SYS_LOAD_BUCKETS];
};
_Static_assert(sizeof(struct sys_load) == 12 * 48, "twelve URPC reply pieces");

/* One move the balancer asked for, as it noted it (LOAD_NOTE); loads in thousandths. */
struct sys_load_move {
	uint64_t seq;                   /* the kernel's number for it: 1, 2, ... since boot */
	uint64_t time_ms;               /* kernel 0's uptime when it was noted */
	uint16_t bucket, from, to;
	uint8_t reason;                 /* the policy's (net/balance.h enum lb_reason) */
	uint8_t refused;                /* SYS_STEER refused it */
	uint32_t from_load_pm, to_load_pm, mean_load_pm;
	uint32_t new_conns, live;       /* the bucket's in the period decided on */
	uint32_t reserved;
};
_Static_assert(sizeof(struct sys_load_move) == 48, "one URPC reply piece");

#define SYS_NETSTAT_DROPS 64
#define SYS_NETSTAT_TCP   32
#define SYS_NETSTAT_STATES 16
struct sys_netstat {
	uint32_t configured;
	uint32_t ip, mask, gateway;
	uint8_t mac[6];
	uint16_t ndrops;                /* entries of drops[] in use: names from net_drop_name */
	uint16_t ntcp;                  /* of tcp[]: names from tcp_counter_name */
	uint16_t nstates;               /* of conns[]: names from tcp_state_name */
	uint32_t reserved;
	uint64_t rx_frames, tx_frames, arp_replies, arp_requests, echo_replies;
	uint64_t udp_in, udp_out;
	/* The NIC's own statistics registers (0 where the driver has none), and the receive
	 * overruns its interrupts carried (struct nic_stats). */
	uint64_t hw_rx_packets, hw_tx_packets, hw_rx_missed, hw_rx_crc_errors, hw_rx_overruns;
	uint32_t link_up, link_mbps;
	uint64_t drops[SYS_NETSTAT_DROPS];
	uint64_t tcp[SYS_NETSTAT_TCP];
	uint32_t conns[SYS_NETSTAT_STATES];     /* TCP connections by state (listeners too) */
	/* Software steering (kernel/swsteer.h) and this kernel's block of the packet pool
	 * (kernel/urpc/pool.h): frames handed to and taken from other kernels, buffers in use,
	 * allocations refused for want of one, wrong returns, buffers taken back from dead
	 * kernels. */
	uint64_t steered_out, steered_in;
	uint32_t pool_in_use, pool_size;
	uint64_t pool_exhausted, pool_double_returns, pool_not_held, pool_reclaimed;
	uint64_t interrupts;            /* this kernel's NIC interrupts (its queue's, per kernel) */
	uint32_t sockets;               /* this kernel's open sockets */
	uint32_t reserved2;
	/* The move exchange on this kernel and kernel 0's moves, as struct sys_netsum has them. */
	uint64_t move_forwarded, move_fwd_failed;
	uint64_t moves_begun, moves_done, moves_aborted;
};

/* Sockets: the constants and layouts are Linux's x86-64 ones, so programs written for POSIX
 * (user/httpd) build unchanged against either libc. Addresses and ports in sockaddr_in are
 * in network byte order, as everywhere. */
#define AF_INET         2
#define SOCK_STREAM     1
#define SOCK_DGRAM      2
#define SOCK_NONBLOCK   04000
#define SOCK_CLOEXEC    02000000        /* accepted and ignored: there is no exec */
#define IPPROTO_TCP     6
#define IPPROTO_UDP     17
#define INADDR_ANY      0u
#define SOL_SOCKET      1
#define SO_REUSEADDR    2
#define SO_ERROR        4
#define SO_SNDBUF       7
#define SO_RCVBUF       8
#define SO_KEEPALIVE    9
#define TCP_NODELAY     1
#define SHUT_RD         0
#define SHUT_WR         1
#define SHUT_RDWR       2
#define MSG_PEEK        2
#define MSG_DONTWAIT    0x40
#define MSG_NOSIGNAL    0x4000          /* accepted: there are no signals */
#define MSG_MORE        0x8000          /* TCP: more follows; hold a last partial segment */
#define O_NONBLOCK      04000
#define F_GETFL         3
#define F_SETFL         4
#define POLLIN          0x001
#define POLLPRI         0x002
#define POLLOUT         0x004
#define POLLERR         0x008
#define POLLHUP         0x010
#define POLLNVAL        0x020
#define POLLRDHUP       0x2000
#define EPOLLIN         0x001
#define EPOLLOUT        0x004
#define EPOLLERR        0x008
#define EPOLLHUP        0x010
#define EPOLLRDHUP      0x2000
#define EPOLLET         (1u << 31)
#define EPOLL_CTL_ADD   1
#define EPOLL_CTL_DEL   2
#define EPOLL_CTL_MOD   3
#define SOMAXCONN       4096

typedef uint32_t socklen_t;

struct in_addr {
	uint32_t s_addr;
};

struct sockaddr {
	uint16_t sa_family;
	char sa_data[14];
};

struct sockaddr_in {
	uint16_t sin_family;
	uint16_t sin_port;
	struct in_addr sin_addr;
	uint8_t sin_zero[8];
};

struct pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

typedef union epoll_data {
	void *ptr;
	int32_t fd;
	uint32_t u32;
	uint64_t u64;
} epoll_data_t;

struct epoll_event {
	uint32_t events;
	epoll_data_t data;
} __attribute__((packed));

_Static_assert(sizeof(struct sockaddr_in) == 16 && sizeof(struct epoll_event) == 12 &&
	       sizeof(struct pollfd) == 8, "Linux's layouts");

void syscall_init(void);
uint64_t syscall_dispatch(struct syscall_frame *f);

#endif
