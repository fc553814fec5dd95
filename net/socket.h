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

#endif
