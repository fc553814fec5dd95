/* Sockets (net/socket.h): the socket objects, the descriptors that hold them, addresses, and
 * the calls that make, bind, connect, accept, shut down, name and configure sockets. Kernel
 * code (processes, wait queues, user-memory copies), so not in the host build. A kernel's code
 * runs on one core and is not preempted, and the NIC is served from the idle loop, so a call
 * checks its condition and sleeps on the socket's wait queue without a race: nothing can
 * change the socket between the two. */
#include "net/sock.h"
#include "kernel/netdev.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/mm/heap.h"
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "kernel/syscall.h"
#include "kernel/uaccess.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"
#include "net/ip_reass.h"
#include "net/tcp.h"

#define UDP_RCVBUF      (64 * 1024)

static struct netif *net;
static struct tcp_stack tcp;
static uint64_t last_tick;

struct netif *sock_netif(void)
{
	return net;
}

static void tcp_event(struct tcp_conn *c)
{
	if (c->owner)                   /* the kernel's own connections have no socket */
		sock_wake(c->owner);
}

static void *net_alloc(size_t n)
{
	return kmalloc(n);
}

static void net_free(void *p)
{
	kfree(p);
}

void sock_net_init(struct netif *nif)
{
	struct siphash_key key = { rdtsc(), rdtsc() * 0x9E3779B97F4A7C15ull };
	uint64_t r;
	/* RDRAND where the CPU has it; the TSC's low bits otherwise (RFC 6528 asks for a
	 * secret the attacker cannot guess, not for a perfect one). */
	if (rdrand64(&r))
		key.k0 ^= r;
	if (rdrand64(&r))
		key.k1 ^= r;
	net = nif;
	/* Reassembly's fixed table, from the heap (about 260 KiB: ip_reass.h); without it,
	 * fragments are counted and dropped. */
	nif->reass = net_alloc(sizeof(*nif->reass));
	if (nif->reass)
		ip_reass_init(nif->reass);
	tcp_init(&tcp, nif, &key, net_alloc, net_free);
	tcp.event = tcp_event;
	tcp.port_ok = netdev_port_ok;
	tcp.bucket_of = netdev_tcp_bucket;
}

void sock_net_tick(uint64_t now)
{
	if (!net || now == last_tick)
		return;
	last_tick = now;
	arp_tick(net, now);
	ip_reass_tick(net, now);
	tcp_tick(&tcp, now);
}

struct tcp_stack *sock_tcp_stack(void)
{
	return net ? &tcp : NULL;
}

/* ---- descriptors ---- */

/* Doubles p's descriptor table, up to PROC_MAX_FDS. */
static int fd_table_grow(struct proc *p)
{
	unsigned n = MIN(p->nfds * 2, (unsigned)PROC_MAX_FDS);
	if (n <= p->nfds)
		return -EMFILE;
	struct proc_fd *fds = kzalloc(n * sizeof(*fds));
	if (!fds)
		return -EMFILE;
	memcpy(fds, p->fds, p->nfds * sizeof(*fds));
	kfree(p->fds);
	p->fds = fds;
	p->nfds = n;
	return 0;
}

/* The lowest free descriptor (POSIX), the table grown when it is full. The search starts at
 * fd_hint, below which every descriptor is taken, so that a process holding a hundred
 * thousand sockets does not look at them all for each one it accepts. */
int fd_alloc(struct proc *p)
{
	for (unsigned fd = p->fd_hint; fd < p->nfds; fd++)
		if (p->fds[fd].kind == FD_NONE) {
			p->fd_hint = fd;
			return (int)fd;
		}
	unsigned fd = p->nfds;
	if (fd_table_grow(p))
		return -EMFILE;
	p->fd_hint = fd;
	return (int)fd;
}

struct socket *sock_get(struct proc *p, uint64_t fd, int64_t *err)
{
	if (fd >= p->nfds || p->fds[fd].kind == FD_NONE) {
		*err = -EBADF;
		return NULL;
	}
	if (p->fds[fd].kind != FD_SOCKET) {
		*err = -ENOTSOCK;
		return NULL;
	}
	return p->fds[fd].sock;
}

static unsigned nsockets;              /* this kernel's sockets, for netstat */
static uint32_t last_id;                /* the number the newest socket was given */

unsigned sock_count(void)
{
	return nsockets;
}

void sock_release(struct socket *s)
{
	epoll_forget(s);
	if (s->tcp) {
		s->tcp->owner = NULL;
		tcp_close(s->tcp, sock_now());
	}
	if (s->uport)
		udp_unbind(net, s->uport);
	while (!list_empty(&s->dgrams)) {
		struct dgram *d = list_entry(list_first(&s->dgrams), struct dgram, node);
		list_del(&d->node);
		kfree(d);
	}
	kfree(s);
	nsockets--;
}

int fd_close(struct proc *p, uint64_t fd)
{
	if (fd >= p->nfds || fd < 3 || p->fds[fd].kind == FD_NONE)
		return -EBADF;
	if (fd < p->fd_hint)
		p->fd_hint = (unsigned)fd;
	struct proc_fd *f = &p->fds[fd];
	if (f->kind == FD_SOCKET)
		sock_release(f->sock);
	else if (f->kind == FD_EPOLL)
		epoll_release(f->ep);
	memset(f, 0, sizeof(*f));
	return 0;
}

void fd_close_all(struct proc *p)
{
	if (!p->fds)
		return;
	/* Sockets first, so epoll sets never point at a freed socket in between. */
	for (unsigned fd = 3; fd < p->nfds; fd++)
		if (p->fds[fd].kind == FD_EPOLL)
			fd_close(p, (uint64_t)fd);
	for (unsigned fd = 3; fd < p->nfds; fd++)
		if (p->fds[fd].kind != FD_NONE)
			fd_close(p, (uint64_t)fd);
}

/* Sleeps until the socket's state changes; -EINTR if the process was killed meanwhile. */
int sock_wait(struct proc *p, struct waitq *q, uint64_t timeout_ticks, bool *timed_out)
{
	if (p->killed)
		return -EINTR;
	bool woke = waitq_wait(q, timeout_ticks);
	if (timed_out)
		*timed_out = !woke;
	return p->killed ? -EINTR : 0;
}

/* ---- addresses ---- */

int addr_from_user(uint64_t uaddr, uint64_t len, uint32_t *addr, uint16_t *port)
{
	struct sockaddr_in sin;
	if (len < sizeof(sin))
		return -EINVAL;
	int err = copy_from_user(&sin, uaddr, sizeof(sin));
	if (err)
		return err;
	if (sin.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	*addr = __builtin_bswap32(sin.sin_addr.s_addr);
	*port = __builtin_bswap16(sin.sin_port);
	return 0;
}

/* Writes an address the way accept/recvfrom/getsockname do: at most *ulen bytes, then the
 * full length back into *ulen. */
int addr_to_user(uint64_t uaddr, uint64_t ulen, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint32_t len;
	int err;
	if (!uaddr)
		return 0;
	if ((err = copy_from_user(&len, ulen, sizeof(len))))
		return err;
	if ((int32_t)len < 0)
		return -EINVAL;
	sin.sin_addr.s_addr = __builtin_bswap32(addr);
	sin.sin_port = __builtin_bswap16(port);
	if ((err = copy_to_user(uaddr, &sin, MIN((size_t)len, sizeof(sin)))))
		return err;
	len = sizeof(sin);
	return copy_to_user(ulen, &len, sizeof(len));
}

/* Checks accept's or recvfrom's address arguments before anything is taken off a queue. */
int addr_args_check(uint64_t uaddr, uint64_t ulen)
{
	uint32_t len;
	int err;
	if (!uaddr)
		return 0;
	if ((err = copy_from_user(&len, ulen, sizeof(len))) || (err = check_user_buffer(ulen, sizeof(len))))
		return err;
	if ((int32_t)len < 0)
		return -EINVAL;
	return len ? check_user_buffer(uaddr, MIN((size_t)len, sizeof(struct sockaddr_in))) : 0;
}

/* ---- socket, bind, listen, accept, connect, shutdown ---- */

struct socket *sock_new(int type, bool with_conn)
{
	struct socket *s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	s->type = type;
	s->rcvbuf = type == SOCK_STREAM ? TCP_RCVBUF_DEFAULT : UDP_RCVBUF;
	s->sndbuf = TCP_SNDBUF_DEFAULT;
	list_init(&s->dgrams);
	list_init(&s->watchers);
	waitq_init(&s->wq);
	if (++last_id == 0)
		last_id = 1;            /* 0 is no socket's */
	s->id = last_id;
	s->origin_core = kself.core;
	s->origin_id = s->id;
	if (type == SOCK_STREAM && with_conn) {
		s->tcp = tcp_conn_new(&tcp);
		if (!s->tcp) {
			kfree(s);
			return NULL;
		}
		s->tcp->owner = s;
	}
	nsockets++;
	return s;
}

static int64_t install(struct proc *p, struct socket *s)
{
	int fd = fd_alloc(p);
	if (fd < 0) {
		sock_release(s);
		return fd;
	}
	p->fds[fd] = (struct proc_fd){ .kind = FD_SOCKET, .sock = s };
	return fd;
}

int64_t sock_socket(struct proc *p, uint64_t domain, uint64_t type, uint64_t proto)
{
	uint64_t base = type & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (domain != AF_INET)
		return -EAFNOSUPPORT;
	if (base == SOCK_STREAM) {
		if (proto != 0 && proto != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
	} else if (base == SOCK_DGRAM) {
		if (proto != 0 && proto != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
	} else {
		return -EINVAL;
	}
	if (!net)
		return -ENETDOWN;       /* this kernel has no network interface */
	if (fd_alloc(p) < 0)
		return -EMFILE;
	struct socket *s = sock_new((int)base, true);
	if (!s)
		return -ENOMEM;
	s->nonblock = type & SOCK_NONBLOCK;
	return install(p, s);
}

/* The socket behind fd and the IPv4 address and port at uaddr, or NULL with *err set. */
static struct socket *sock_get_addr(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t len,
				    uint32_t *addr, uint16_t *port, int64_t *err)
{
	struct socket *s = sock_get(p, fd, err);
	if (s && (*err = addr_from_user(uaddr, len, addr, port)))
		return NULL;
	return s;
}

int64_t sock_bind(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t len)
{
	int64_t err = 0;
	uint32_t addr;
	uint16_t port;
	struct socket *s = sock_get_addr(p, fd, uaddr, len, &addr, &port, &err);
	if (!s)
		return err;
	if (addr != INADDR_ANY && addr != net->ip)
		return -EADDRNOTAVAIL;
	if (s->type == SOCK_DGRAM)
		return s->uport ? -EINVAL : sock_udp_bind(s, port);
	tcp_set_buffers(s->tcp, s->rcvbuf, s->sndbuf);
	return tcp_bind(s->tcp, addr, port, s->reuse);
}

int64_t sock_listen(struct proc *p, uint64_t fd, int64_t backlog)
{
	int64_t err = 0;
	struct socket *s = sock_get(p, fd, &err);
	if (!s)
		return err;
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (backlog <= 0 || backlog > SOMAXCONN)
		backlog = SOMAXCONN;    /* as Linux: out-of-range means the maximum */
	tcp_set_buffers(s->tcp, s->rcvbuf, s->sndbuf);
	s->tcp->nodelay = s->nodelay;
	s->tcp->keepalive = s->keepalive;
	return tcp_listen(s->tcp, (unsigned)backlog);
}

int64_t sock_accept(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t flags)
{
	int64_t err = 0;
	struct socket *s = sock_get(p, fd, &err);
	if (!s)
		return err;
	if (flags & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (s->tcp->state != TCP_LISTEN)
		return -EINVAL;
	if ((err = addr_args_check(uaddr, ulen)))
		return err;
	for (;;) {
		if (fd_alloc(p) < 0)
			return -EMFILE;         /* checked first, so no connection is lost */
		if (s->tcp->accept_count) {
			struct socket *ns = sock_new(SOCK_STREAM, false);
			if (!ns)
				return -ENOMEM;
			ns->tcp = tcp_accept(s->tcp);
			ns->tcp->owner = ns;
			ns->nonblock = flags & SOCK_NONBLOCK;
			ns->nodelay = ns->tcp->nodelay;
			ns->keepalive = ns->tcp->keepalive;
			int64_t nfd = install(p, ns);
			addr_to_user(uaddr, ulen, ns->tcp->raddr, ns->tcp->rport);
			return nfd;
		}
		if (s->nonblock)
			return -EAGAIN;
		if ((err = sock_wait(p, &s->wq, 0, NULL)))
			return err;
	}
}

static bool connecting(const struct tcp_conn *c)
{
	return c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED;
}

int64_t sock_connect(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t len)
{
	int64_t err = 0;
	uint32_t addr;
	uint16_t port;
	struct socket *s = sock_get_addr(p, fd, uaddr, len, &addr, &port, &err);
	if (!s)
		return err;
	if (s->type == SOCK_DGRAM) {
		if (!s->uport && (err = sock_udp_bind(s, 0)))
			return err;
		s->raddr = addr;
		s->rport = port;
		return udp_connect(net, s->uport, addr, port);  /* the stack filters the rest */
	}
	struct tcp_conn *c = s->tcp;
	if (connecting(c))
		return -EALREADY;
	if (c->state == TCP_LISTEN)
		return -EINVAL;
	if (c->state != TCP_CLOSED)
		return -EISCONN;
	if (c->error)
		return -EINVAL;         /* a failed connection cannot be reused, as in Linux */
	if (addr == 0 || port == 0)
		return -ECONNREFUSED;
	tcp_set_buffers(c, s->rcvbuf, s->sndbuf);
	c->nodelay = s->nodelay;
	c->keepalive = s->keepalive;
	if ((err = tcp_connect(c, addr, port, sock_now())))
		return err;
	if (s->nonblock)
		return -EINPROGRESS;
	while (connecting(c))
		if ((err = sock_wait(p, &s->wq, 0, NULL)))
			return err;
	if (c->state == TCP_CLOSED) {
		err = c->error ? c->error : -ECONNREFUSED;
		return err;
	}
	return 0;
}

int64_t sock_shutdown(struct proc *p, uint64_t fd, uint64_t how)
{
	int64_t err = 0;
	struct socket *s = sock_get(p, fd, &err);
	if (!s)
		return err;
	if (how > SHUT_RDWR)
		return -EINVAL;
	if (s->type == SOCK_DGRAM)
		return s->raddr ? 0 : -ENOTCONN;
	if (s->tcp->state == TCP_CLOSED || s->tcp->state == TCP_LISTEN || connecting(s->tcp))
		return -ENOTCONN;
	if (how != SHUT_WR)
		s->shut_rd = true;
	if (how != SHUT_RD)
		err = tcp_shutdown_send(s->tcp, sock_now());
	sock_wake(s);
	return err;
}

/* ---- options and names ---- */

int64_t sock_setsockopt(struct proc *p, uint64_t fd, uint64_t level, uint64_t name, uint64_t uval,
			uint64_t len)
{
	int64_t err = 0;
	int32_t v;
	struct socket *s = sock_get(p, fd, &err);
	if (!s)
		return err;
	if (len < sizeof(v))
		return -EINVAL;
	if ((err = copy_from_user(&v, uval, sizeof(v))))
		return err;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR: s->reuse = v != 0; return 0;
		case SO_KEEPALIVE:
			s->keepalive = v != 0;
			if (s->tcp)
				tcp_set_keepalive(s->tcp, s->keepalive, sock_now());
			return 0;
		case SO_RCVBUF:
		case SO_SNDBUF:
			if (v < 0)
				return -EINVAL;
			v = (int32_t)MIN(MAX((uint32_t)v, (uint32_t)TCP_BUF_MIN), (uint32_t)TCP_BUF_MAX);
			if (name == SO_RCVBUF)
				s->rcvbuf = (uint32_t)v;
			else
				s->sndbuf = (uint32_t)v;
			/* Takes effect before the connection exists; later, as in Linux, the
			 * buffers already made stay (tcp_set_buffers says -EISCONN). */
			if (s->tcp)
				tcp_set_buffers(s->tcp, s->rcvbuf, s->sndbuf);
			return 0;
		default:
			return -ENOPROTOOPT;
		}
	}
	if (level == IPPROTO_TCP && s->type == SOCK_STREAM && name == TCP_NODELAY) {
		s->nodelay = v != 0;
		s->tcp->nodelay = s->nodelay;
		if (s->nodelay)
			tcp_send(s->tcp, NULL, 0, sock_now());    /* flush what Nagle held */
		return 0;
	}
	return -ENOPROTOOPT;
}

int64_t sock_getsockopt(struct proc *p, uint64_t fd, uint64_t level, uint64_t name, uint64_t uval,
			uint64_t ulen)
{
	int64_t err = 0;
	int32_t v;
	uint32_t len;
	struct socket *s = sock_get(p, fd, &err);
	if (!s)
		return err;
	if ((err = copy_from_user(&len, ulen, sizeof(len))))
		return err;
	if (len < sizeof(v))
		return -EINVAL;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR: v = s->reuse; break;
		case SO_KEEPALIVE: v = s->keepalive; break;
		case SO_RCVBUF: v = (int32_t)s->rcvbuf; break;
		case SO_SNDBUF: v = (int32_t)s->sndbuf; break;
		case 3 /* SO_TYPE */: v = s->type; break;
		case SO_ERROR:
			v = s->tcp ? -s->tcp->error : 0;
			if (s->tcp)
				s->tcp->error = 0;
			break;
		default: return -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_TCP && s->type == SOCK_STREAM && name == TCP_NODELAY) {
		v = s->nodelay;
	} else {
		return -ENOPROTOOPT;
	}
	len = sizeof(v);
	if ((err = copy_to_user(uval, &v, sizeof(v))))
		return err;
	return copy_to_user(ulen, &len, sizeof(len));
}

int64_t sock_fcntl(struct proc *p, uint64_t fd, uint64_t cmd, uint64_t arg)
{
	if (fd >= p->nfds || p->fds[fd].kind == FD_NONE)
		return fd <= 2 ? 0 : -EBADF;
	struct socket *s = p->fds[fd].kind == FD_SOCKET ? p->fds[fd].sock : NULL;
	switch (cmd) {
	case F_GETFL:
		return s && s->nonblock ? O_NONBLOCK | 2 : 2;   /* O_RDWR */
	case F_SETFL:
		if (s)
			s->nonblock = arg & O_NONBLOCK;
		return 0;
	default:
		return -EINVAL;
	}
}

int64_t sock_name(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t ulen, bool peer)
{
	int64_t err = 0;
	struct socket *s = sock_get(p, fd, &err);
	if (!s)
		return err;
	if (!uaddr)
		return -EFAULT;
	if (s->type == SOCK_DGRAM) {
		if (peer && !s->raddr)
			return -ENOTCONN;
		return addr_to_user(uaddr, ulen, peer ? s->raddr : net->ip, peer ? s->rport : s->uport);
	}
	struct tcp_conn *c = s->tcp;
	if (peer && (c->state == TCP_CLOSED || c->state == TCP_LISTEN))
		return -ENOTCONN;
	return addr_to_user(uaddr, ulen, peer ? c->raddr : c->laddr, peer ? c->rport : c->lport);
}

