/* The single socket (net/socket.h): a listener described for another kernel, its replica
 * made and installed there, and the listing of this kernel's listeners. Kernel code. */
#include "net/sock.h"
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "kernel/syscall.h"
#include "kernel/urpc/shared.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"
#include "net/tcp.h"

int sock_share_describe(struct proc *p, uint64_t fd, struct sock_share *out)
{
	int64_t err = 0;
	struct socket *s = sock_get(p, fd, &err);
	if (!s)
		return (int)err;
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (s->tcp->state != TCP_LISTEN)
		return -EINVAL;         /* only a listener is shared: as accept() on one says */
	*out = (struct sock_share){
		.origin_core = s->origin_core, .origin_id = s->origin_id,
		.addr = s->tcp->laddr, .port = s->tcp->lport,
		.backlog = s->tcp->backlog, .rcvbuf = s->rcvbuf, .sndbuf = s->sndbuf,
	};
	out->flags = (uint16_t)((s->reuse ? SOCK_SHARE_F_REUSE : 0) |
				(s->nodelay ? SOCK_SHARE_F_NODELAY : 0) |
				(s->keepalive ? SOCK_SHARE_F_KEEPALIVE : 0) |
				(s->nonblock ? SOCK_SHARE_F_NONBLOCK : 0));
	return 0;
}

/* A description from another kernel: one that sock_share_describe could have written. */
static bool share_valid(const struct sock_share *d)
{
	return d->port != 0 && d->backlog >= 1 && d->backlog <= 65535 &&
	       d->origin_core < MAX_KERNELS && d->origin_id != 0 &&
	       d->rcvbuf >= TCP_BUF_MIN && d->rcvbuf <= TCP_BUF_MAX &&
	       d->sndbuf >= TCP_BUF_MIN && d->sndbuf <= TCP_BUF_MAX;
}

int sock_replica_make(const struct sock_share *d, struct socket **out)
{
	struct netif *nif = sock_netif();
	if (!nif)
		return -ENETDOWN;
	if (!share_valid(d) || (d->addr != INADDR_ANY && d->addr != nif->ip))
		return -EINVAL;
	struct socket *s = sock_new(SOCK_STREAM, true);
	if (!s)
		return -ENOMEM;
	s->origin_core = d->origin_core;
	s->origin_id = d->origin_id;
	s->reuse = d->flags & SOCK_SHARE_F_REUSE;
	s->nodelay = d->flags & SOCK_SHARE_F_NODELAY;
	s->keepalive = d->flags & SOCK_SHARE_F_KEEPALIVE;
	s->nonblock = d->flags & SOCK_SHARE_F_NONBLOCK;
	s->rcvbuf = d->rcvbuf;
	s->sndbuf = d->sndbuf;
	tcp_set_buffers(s->tcp, s->rcvbuf, s->sndbuf);
	s->tcp->nodelay = s->nodelay;
	s->tcp->keepalive = s->keepalive;
	int err = tcp_bind(s->tcp, d->addr, d->port, s->reuse);
	if (!err)
		err = tcp_listen(s->tcp, d->backlog);
	if (err) {
		sock_release(s);
		return err;
	}
	*out = s;
	return 0;
}

int sock_install_at(struct proc *p, int fd, struct socket *s)
{
	if (fd < 3 || (unsigned)fd >= p->nfds || p->fds[fd].kind != FD_NONE) {
		sock_release(s);
		return -EBADF;
	}
	p->fds[fd] = (struct proc_fd){ .kind = FD_SOCKET, .sock = s };
	return 0;
}

void sock_drop(struct socket *s)
{
	sock_release(s);
}

unsigned sock_listeners(struct sys_listener *out, unsigned max)
{
	const struct tcp_stack *st = sock_tcp_stack();
	const struct tcp_conn *c;
	unsigned n = 0;
	if (!st)
		return 0;
	list_for_each_entry(c, &st->listeners, hash_node) {
		const struct socket *s = c->owner;
		if (n == max)
			break;
		out[n++] = (struct sys_listener){
			.core = kself.core,
			.origin_core = s ? s->origin_core : kself.core,
			.origin_id = s ? s->origin_id : 0,     /* the kernel's own: no socket */
			.addr = c->laddr, .port = c->lport,
			.replica = s && (s->origin_core != kself.core || s->origin_id != s->id),
			.backlog = c->backlog, .queued = c->accept_count,
		};
	}
	return n;
}
