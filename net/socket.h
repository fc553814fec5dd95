/* Sockets, poll and epoll over the stack in net/ (docs/SYSCALLS.md): the system calls, the
 * file descriptors they live in, and the waits. Kernel code (net/socket.c, net/sockio.c,
 * net/poll.c), not in the host build. Every kernel with a network interface has sockets over
 * a stack of its own (kernel/netdev.c calls sock_net_init): kernel 0, which drives the NIC,
 * and unless net=kernel0 every other kernel, from boot, its stack sending once it is
 * seated (kernel/nicplan.h) and its igb queue pair attached, or steered in software. On a kernel without an
 * interface socket() is -ENETDOWN. */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include <stdbool.h>
#include <stdint.h>
#include "net/net.h"

struct proc;
struct socket;

/* Gives this kernel's sockets the interface nif (and its TCP stack). */
void sock_net_init(struct netif *nif);
/* Runs TCP's timers; the idle loop calls it. */
void sock_net_tick(uint64_t now_ms);
/* This kernel's TCP stack (NULL without sock_net_init), for netstat and its own connections. */
struct tcp_stack *sock_tcp_stack(void);
/* This kernel's open sockets (listeners and accepted connections each count one). */
unsigned sock_count(void);

/* The lowest free descriptor from 3 up, or -EMFILE. */
int fd_alloc(struct proc *p);
int fd_close(struct proc *p, uint64_t fd);
void fd_close_all(struct proc *p);

int64_t sock_socket(struct proc *p, uint64_t domain, uint64_t type, uint64_t proto);
int64_t sock_bind(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t len);
int64_t sock_listen(struct proc *p, uint64_t fd, int64_t backlog);
int64_t sock_accept(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t flags);
int64_t sock_connect(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t len);
int64_t sock_sendto(struct proc *p, uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t flags,
		    uint64_t uaddr, uint64_t alen);
int64_t sock_recvfrom(struct proc *p, uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t flags,
		      uint64_t uaddr, uint64_t ualen);
int64_t sock_shutdown(struct proc *p, uint64_t fd, uint64_t how);
int64_t sock_setsockopt(struct proc *p, uint64_t fd, uint64_t level, uint64_t name, uint64_t uval,
			uint64_t len);
int64_t sock_getsockopt(struct proc *p, uint64_t fd, uint64_t level, uint64_t name, uint64_t uval,
			uint64_t ulen);
int64_t sock_poll(struct proc *p, uint64_t ufds, uint64_t n, int64_t timeout_ms);
int64_t sock_epoll_create(struct proc *p, uint64_t flags);
int64_t sock_epoll_ctl(struct proc *p, uint64_t epfd, uint64_t op, uint64_t fd, uint64_t uev);
int64_t sock_epoll_wait(struct proc *p, uint64_t epfd, uint64_t uevs, int64_t max, int64_t timeout_ms);
int64_t sock_fcntl(struct proc *p, uint64_t fd, uint64_t cmd, uint64_t arg);
int64_t sock_name(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t ulen, bool peer);

/* The single socket (net/sockshare.c): a listening socket handed to a worker spawned on
 * another kernel (SYS_SPAWN_ON with descriptors) becomes there a replica, a listener of its
 * own over that kernel's stack with the same address, port, backlog and options, which
 * carries the identity of the socket it copies: the kernel where listen() was called and
 * the socket's number there. Each kernel completes handshakes into its own replica's accept
 * queue; an accept() takes from the local one. The worker finds the replicas at descriptors
 * SOCK_SHARE_FD_FIRST and up, in the order the spawner named them (as systemd's socket
 * activation hands listeners from descriptor 3). */
#define SOCK_SHARE_MAX          4       /* listeners one spawn may hand over */
#define SOCK_SHARE_FD_FIRST     3

/* A listener as it crosses to another kernel, inside RCALL_SPAWN's data (kernel/urpc/msg.h).
 * The address is in host order. */
struct sock_share {
	uint32_t origin_core;           /* where listen() was called */
	uint32_t origin_id;             /* the socket's number there */
	uint32_t addr;                  /* bound address (0: any) */
	uint16_t port;
	uint16_t flags;                 /* SOCK_SHARE_F_* */
	uint32_t backlog;
	uint32_t rcvbuf, sndbuf;
};
#define SOCK_SHARE_F_REUSE      0x1     /* SO_REUSEADDR */
#define SOCK_SHARE_F_NODELAY    0x2     /* TCP_NODELAY, inherited by accepted connections */
#define SOCK_SHARE_F_KEEPALIVE  0x4     /* SO_KEEPALIVE, likewise */
#define SOCK_SHARE_F_NONBLOCK   0x8     /* O_NONBLOCK: a file status flag, which goes along */
_Static_assert(sizeof(struct sock_share) == 28, "the layout RCALL_SPAWN carries");

/* Describes p's descriptor fd for a replica: -EBADF, -ENOTSOCK, -EOPNOTSUPP for a datagram
 * socket, -EINVAL for a stream socket that does not listen. */
int sock_share_describe(struct proc *p, uint64_t fd, struct sock_share *out);
/* Makes a replica of d on this kernel's stack, not yet in any process: -ENETDOWN without a
 * stack, -EINVAL for a description no listener can have, -EADDRINUSE if something here
 * listens on the port already (an independent server, say). */
int sock_replica_make(const struct sock_share *d, struct socket **out);
/* Puts s in p at descriptor fd, which must be free (-EBADF otherwise, s released). */
int sock_install_at(struct proc *p, int fd, struct socket *s);
/* Releases a socket no descriptor holds (a replica whose process could not start). */
void sock_drop(struct socket *s);

/* One listener of this kernel as SYS_LISTENERS reports it (kernel/syscall.h). */
struct sys_listener;
/* This kernel's listening TCP sockets, at most max of them, into out; returns how many. */
unsigned sock_listeners(struct sys_listener *out, unsigned max);

#endif
