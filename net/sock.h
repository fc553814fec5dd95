/* The socket layer's objects and the helpers its files share (net/socket.c, net/sockio.c,
 * net/poll.c). Kernel code: these use the process table, wait queues and user-memory copies,
 * and are not part of the host build. */
#ifndef NET_SOCK_H
#define NET_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/sched.h"
#include "kernel/time.h"
#include "lib/list.h"
#include "net/socket.h"

struct proc;

/* A datagram waiting in a UDP socket's receive queue, with its sender. */
struct dgram {
	struct list_node node;
	uint32_t src;
	uint16_t sport;
	uint16_t len;
	uint8_t data[];
};

struct socket {
	int type;                       /* SOCK_STREAM or SOCK_DGRAM */
	bool nonblock, reuse, nodelay, keepalive, shut_rd;
	uint32_t rcvbuf, sndbuf;
	struct tcp_conn *tcp;
	/* UDP: the bound port, a default destination, and the datagrams waiting. */
	uint16_t uport, rport;
	uint32_t raddr;
	struct list_node dgrams;
	uint32_t queued;
	struct waitq wq;
	struct list_node watchers;      /* epoll items that watch it */
	/* Which socket this is across kernels (net/socket.h, the single socket): id numbers
	 * this kernel's sockets from 1; a listener made here has origin (this kernel, id), a
	 * replica the origin of the socket it copies. */
	uint32_t id;
	uint32_t origin_core, origin_id;
};

/* An epoll set: the items it watches, and those that may be ready (checked again on wait). */
struct epoll {
	struct list_node items;
	struct list_node ready;
	struct waitq wq;
};

/* One socket in one epoll set: on the set's items, the socket's watchers, and the set's
 * ready list while it may be ready (ready_node points at itself otherwise). */
struct epoll_item {
	struct list_node ep_node, sock_node, ready_node;
	struct epoll *ep;
	struct socket *sock;
	int fd;
	uint32_t events;
	uint64_t data;
};

static inline uint64_t sock_now(void)
{
	return time_uptime_ms();
}

/* This kernel's interface (NULL: it has none, and socket() is -ENETDOWN). */
struct netif *sock_netif(void);
/* The socket behind fd, or NULL with *err -EBADF or -ENOTSOCK. */
struct socket *sock_get(struct proc *p, uint64_t fd, int64_t *err);
/* Sleeps on q until woken or timeout_ticks pass (0: no limit); -EINTR if p was killed. */
int sock_wait(struct proc *p, struct waitq *q, uint64_t timeout_ticks, bool *timed_out);
/* Wakes everyone waiting on s: its own waiters, poll() callers and the epoll sets watching it. */
void sock_wake(struct socket *s);

/* A struct sockaddr_in from or to the user (socket.c). */
int addr_from_user(uint64_t uaddr, uint64_t len, uint32_t *addr, uint16_t *port);
/* Writes an address the way accept/recvfrom/getsockname do: at most *ulen bytes, then the
 * full length back into *ulen. */
int addr_to_user(uint64_t uaddr, uint64_t ulen, uint32_t addr, uint16_t port);
/* Checks accept's or recvfrom's address arguments before anything is taken off a queue. */
int addr_args_check(uint64_t uaddr, uint64_t ulen);

/* A socket of type (SOCK_STREAM with a TCP connection when with_conn), counted and
 * numbered; and its release (socket.c). */
struct socket *sock_new(int type, bool with_conn);
void sock_release(struct socket *s);

/* Binds a UDP socket to port, or to a free ephemeral port for 0 (sockio.c). */
int sock_udp_bind(struct socket *s, uint16_t port);

/* Removes every epoll item that watches s (poll.c); frees an epoll set and its items. */
void epoll_forget(struct socket *s);
void epoll_release(struct epoll *ep);

#endif
