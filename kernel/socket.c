/* Sockets, poll and epoll (socket.h). Kernel code is single-core and cooperative, and the NIC
 * is served from the idle loop, so a call checks its condition and sleeps on the socket's
 * wait queue without a race: nothing can change the socket between the two. */
#include "kernel/socket.h"
#include "kernel/netdev.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/mm/heap.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/time.h"
#include "kernel/uaccess.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "lib/string.h"
#include "lib/util.h"
#include "net/tcp.h"

#define IO_CHUNK        2048            /* bytes moved per copy through the kernel stack */
#define UDP_RCVBUF      (64 * 1024)
#define UDP_PAYLOAD_MAX (ETH_FRAME_MAX - ETH_HDR - 20 - 8)
#define O_CLOEXEC_FLAG  02000000

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
};

struct epoll {
	struct list_node items;
	struct list_node ready;
	struct waitq wq;
};

struct epoll_item {
	struct list_node ep_node, sock_node, ready_node;
	struct epoll *ep;
	struct socket *sock;
	int fd;
	uint32_t events;
	uint64_t data;
};

static struct netif *net;
static struct tcp_stack tcp;
static struct waitq pollq;              /* every poll() waiter: woken by any socket event */
static uint64_t last_tick;

static uint64_t now_ms(void)
{
	return time_uptime_ms();
}

static void sock_wake(struct socket *s)
{
	waitq_wake_all(&s->wq);
	waitq_wake_all(&pollq);
	list_for_each(n, &s->watchers) {
		struct epoll_item *it = list_entry(n, struct epoll_item, sock_node);
		if (list_empty(&it->ready_node))
			list_add_tail(&it->ep->ready, &it->ready_node);
		waitq_wake_all(&it->ep->wq);
	}
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
	waitq_init(&pollq);
	net = nif;
	tcp_init(&tcp, nif, &key, net_alloc, net_free);
	tcp.event = tcp_event;
	tcp.port_ok = netdev_port_ok;
}

void sock_net_tick(uint64_t now)
{
	if (!net || now == last_tick)
		return;
	last_tick = now;
	arp_tick(net, now);
	tcp_tick(&tcp, now);
}

struct tcp_stack *sock_tcp_stack(void)
{
	return net ? &tcp : NULL;
}

/* ---- descriptors ---- */

int fd_alloc(struct proc *p)
{
	for (int fd = 3; fd < PROC_MAX_FDS; fd++)
		if (p->fds[fd].kind == FD_NONE)
			return fd;
	return -EMFILE;
}

static struct socket *sock_get(struct proc *p, uint64_t fd, int64_t *err)
{
	if (fd >= PROC_MAX_FDS || p->fds[fd].kind == FD_NONE) {
		*err = -EBADF;
		return NULL;
	}
	if (p->fds[fd].kind != FD_SOCKET) {
		*err = -ENOTSOCK;
		return NULL;
	}
	return p->fds[fd].sock;
}

static void item_free(struct epoll_item *it)
{
	list_del(&it->ep_node);
	list_del(&it->sock_node);
	list_del(&it->ready_node);
	kfree(it);
}

static void sock_release(struct socket *s)
{
	while (!list_empty(&s->watchers))
		item_free(list_entry(list_first(&s->watchers), struct epoll_item, sock_node));
	if (s->tcp) {
		s->tcp->owner = NULL;
		tcp_close(s->tcp, now_ms());
	}
	if (s->uport)
		udp_unbind(net, s->uport);
	while (!list_empty(&s->dgrams)) {
		struct dgram *d = list_entry(list_first(&s->dgrams), struct dgram, node);
		list_del(&d->node);
		kfree(d);
	}
	kfree(s);
}

static void epoll_release(struct epoll *ep)
{
	while (!list_empty(&ep->items))
		item_free(list_entry(list_first(&ep->items), struct epoll_item, ep_node));
	kfree(ep);
}

int fd_close(struct proc *p, uint64_t fd)
{
	if (fd >= PROC_MAX_FDS || fd < 3 || p->fds[fd].kind == FD_NONE)
		return -EBADF;
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
	for (int fd = 3; fd < PROC_MAX_FDS; fd++)
		if (p->fds[fd].kind == FD_EPOLL)
			fd_close(p, (uint64_t)fd);
	for (int fd = 3; fd < PROC_MAX_FDS; fd++)
		if (p->fds[fd].kind != FD_NONE)
			fd_close(p, (uint64_t)fd);
}

/* Sleeps until the socket's state changes; -EINTR if the process was killed meanwhile. */
static int sock_wait(struct proc *p, struct waitq *q, uint64_t timeout_ticks, bool *timed_out)
{
	if (p->killed)
		return -EINTR;
	bool woke = waitq_wait(q, timeout_ticks);
	if (timed_out)
		*timed_out = !woke;
	return p->killed ? -EINTR : 0;
}

/* ---- addresses ---- */

static int get_addr(uint64_t uaddr, uint64_t len, uint32_t *addr, uint16_t *port)
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
static int put_addr(uint64_t uaddr, uint64_t ulen, uint32_t addr, uint16_t port)
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
static int check_addr_args(uint64_t uaddr, uint64_t ulen)
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

/* ---- socket, bind, listen, accept, connect ---- */

static struct socket *sock_new(int type, bool with_conn)
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
	if (type == SOCK_STREAM && with_conn) {
		s->tcp = tcp_conn_new(&tcp);
		if (!s->tcp) {
			kfree(s);
			return NULL;
		}
		s->tcp->owner = s;
	}
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

static int udp_bind_port(struct socket *s, uint16_t port);

/* The socket behind fd and the IPv4 address and port at uaddr, or NULL with *err set. */
static struct socket *sock_get_addr(struct proc *p, uint64_t fd, uint64_t uaddr, uint64_t len,
				    uint32_t *addr, uint16_t *port, int64_t *err)
{
	struct socket *s = sock_get(p, fd, err);
	if (s && (*err = get_addr(uaddr, len, addr, port)))
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
		return s->uport ? -EINVAL : udp_bind_port(s, port);
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
	if ((err = check_addr_args(uaddr, ulen)))
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
			put_addr(uaddr, ulen, ns->tcp->raddr, ns->tcp->rport);
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
		if (!s->uport && (err = udp_bind_port(s, 0)))
			return err;
		s->raddr = addr;
		s->rport = port;
		return 0;
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
	if ((err = tcp_connect(c, addr, port, now_ms())))
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

/* ---- data ---- */

static void udp_sock_input(struct netif *nif, void *arg, uint32_t src, uint16_t sport,
			   const uint8_t *data, size_t len, uint64_t now)
{
	struct socket *s = arg;
	(void)now;
	if (s->raddr && (src != s->raddr || sport != s->rport))
		return;                 /* a connected socket takes only its peer's datagrams */
	if (s->queued + len > s->rcvbuf) {
		nif->stats.drops[DROP_UDP_RCVBUF]++;
		return;
	}
	struct dgram *d = kmalloc(sizeof(*d) + len);
	if (!d) {
		nif->stats.drops[DROP_UDP_RCVBUF]++;
		return;
	}
	d->src = src;
	d->sport = sport;
	d->len = (uint16_t)len;
	memcpy(d->data, data, len);
	list_add_tail(&s->dgrams, &d->node);
	s->queued += (uint32_t)len;
	sock_wake(s);
}

static int udp_bind_port(struct socket *s, uint16_t port)
{
	static uint16_t next = TCP_EPHEMERAL_FIRST;
	if (port) {
		int err = udp_bind(net, port, udp_sock_input, s);
		if (!err)
			s->uport = port;
		return err == -ENOSPC ? -ENOBUFS : err;        /* the port table is full */
	}
	for (unsigned tries = 0; tries < 65536 - TCP_EPHEMERAL_FIRST; tries++) {
		uint16_t p = next;
		next = p == 65535 ? TCP_EPHEMERAL_FIRST : (uint16_t)(p + 1);
		int err = udp_bind(net, p, udp_sock_input, s);
		if (err == 0) {
			s->uport = p;
			return 0;
		}
		if (err != -EADDRINUSE)
			return -ENOBUFS;        /* the port table is full */
	}
	return -EADDRNOTAVAIL;
}

static int64_t udp_send(struct socket *s, uint64_t ubuf, uint64_t len, uint64_t uaddr, uint64_t alen)
{
	uint8_t buf[UDP_PAYLOAD_MAX];
	uint32_t addr = s->raddr;
	uint16_t port = s->rport;
	int64_t err = 0;
	if (uaddr && (err = get_addr(uaddr, alen, &addr, &port)))
		return err;
	if (!addr || !port)
		return uaddr ? -EINVAL : -EDESTADDRREQ;
	if (len > sizeof(buf))
		return -EMSGSIZE;
	if ((err = copy_from_user(buf, ubuf, len)))
		return err;
	if (!s->uport && (err = udp_bind_port(s, 0)))
		return err;
	err = udp_output(net, s->uport, addr, port, buf, len, now_ms());
	if (err < 0)
		return err == -ENETUNREACH ? err : -ENOBUFS;   /* else the NIC's queue was full */
	return (int64_t)len;
}

/* The socket of a send or receive call whose flags and length are acceptable, or NULL. */
static struct socket *sock_io(struct proc *p, uint64_t fd, uint64_t len, uint64_t flags,
			      uint64_t allowed, int64_t *err)
{
	struct socket *s = sock_get(p, fd, err);
	if (s && (flags & ~allowed)) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if (s && len > INT32_MAX) {
		*err = -EINVAL;
		return NULL;
	}
	return s;
}

int64_t sock_sendto(struct proc *p, uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t flags,
		    uint64_t uaddr, uint64_t alen)
{
	uint8_t chunk[IO_CHUNK];
	int64_t err = 0;
	struct socket *s = sock_io(p, fd, len, flags, MSG_DONTWAIT | MSG_NOSIGNAL, &err);
	if (!s)
		return err;
	if (s->type == SOCK_DGRAM)
		return udp_send(s, ubuf, len, uaddr, alen);
	bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
	struct tcp_conn *c = s->tcp;
	uint64_t done = 0;
	while (done < len) {
		size_t n = MIN((size_t)(len - done), sizeof(chunk));
		if ((err = copy_from_user(chunk, ubuf + done, n)))
			return done ? (int64_t)done : err;
		long r = tcp_send(c, chunk, n, now_ms());
		if (r < 0)
			return done ? (int64_t)done : r;
		done += (uint64_t)r;
		if (r > 0)
			continue;
		if (c->state == TCP_CLOSED && !c->error)
			return done ? (int64_t)done : -ENOTCONN;
		if (nonblock)
			return done ? (int64_t)done : -EAGAIN;
		if ((err = sock_wait(p, &s->wq, 0, NULL)))
			return done ? (int64_t)done : err;
	}
	return (int64_t)done;
}

/* Copies readable bytes to the user: up to len, or one chunk when peeking. */
static int64_t tcp_read(struct tcp_conn *c, uint64_t ubuf, uint64_t len, bool peek, uint8_t *chunk)
{
	uint64_t done = 0;
	while (done < len && tcp_readable(c)) {
		size_t want = MIN((size_t)(len - done), (size_t)IO_CHUNK);
		long r = tcp_recv(c, chunk, want, peek, now_ms());
		if (r <= 0)
			break;
		int err = copy_to_user(ubuf + done, chunk, (size_t)r);
		if (err)
			return done ? (int64_t)done : err;  /* a peeked or lost chunk: the caller's fault */
		done += (uint64_t)r;
		if (peek)
			break;
	}
	return (int64_t)done;
}

int64_t sock_recvfrom(struct proc *p, uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t flags,
		      uint64_t uaddr, uint64_t ualen)
{
	uint8_t chunk[IO_CHUNK];
	int64_t err = 0;
	struct socket *s = sock_io(p, fd, len, flags, MSG_DONTWAIT | MSG_PEEK, &err);
	if (!s)
		return err;
	if ((err = check_addr_args(uaddr, ualen)) || (err = check_user_buffer(ubuf, len)))
		return err;
	bool nonblock = s->nonblock || (flags & MSG_DONTWAIT), peek = flags & MSG_PEEK;
	for (;;) {
		if (s->type == SOCK_DGRAM) {
			struct list_node *n = list_first(&s->dgrams);
			if (n) {
				struct dgram *d = list_entry(n, struct dgram, node);
				size_t take = MIN((size_t)len, (size_t)d->len);
				if ((err = copy_to_user(ubuf, d->data, take)))
					return err;
				put_addr(uaddr, ualen, d->src, d->sport);
				if (!peek) {
					list_del(&d->node);
					s->queued -= d->len;
					kfree(d);
				}
				return (int64_t)take;   /* the rest of a longer datagram is discarded */
			}
		} else {
			struct tcp_conn *c = s->tcp;
			if (s->shut_rd || len == 0)
				return 0;
			if (c->state == TCP_LISTEN)
				return -ENOTCONN;
			if (tcp_readable(c))
				return tcp_read(c, ubuf, len, peek, chunk);
			if (c->error) {
				err = c->error;
				c->error = 0;   /* reported once, as SO_ERROR would */
				return err;
			}
			if (c->state == TCP_CLOSED && !c->iss)
				return -ENOTCONN;       /* never connected */
			if (c->fin_rcvd || c->state == TCP_CLOSED)
				return 0;       /* the end of the stream */
		}
		if (nonblock)
			return -EAGAIN;
		if ((err = sock_wait(p, &s->wq, 0, NULL)))
			return err;
	}
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
		err = tcp_shutdown_send(s->tcp, now_ms());
	sock_wake(s);
	return err;
}

/* ---- options ---- */

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
			if (s->tcp) {
				s->tcp->keepalive = s->keepalive;
				s->tcp->t_keep = s->keepalive && s->tcp->state == TCP_ESTABLISHED
						 ? now_ms() + TCP_KEEPIDLE_MS : 0;
			}
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
			tcp_send(s->tcp, NULL, 0, now_ms());    /* flush what Nagle held */
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
	if (fd >= PROC_MAX_FDS || p->fds[fd].kind == FD_NONE)
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
		return put_addr(uaddr, ulen, peer ? s->raddr : net->ip, peer ? s->rport : s->uport);
	}
	struct tcp_conn *c = s->tcp;
	if (peer && (c->state == TCP_CLOSED || c->state == TCP_LISTEN))
		return -ENOTCONN;
	return put_addr(uaddr, ulen, peer ? c->raddr : c->laddr, peer ? c->rport : c->lport);
}

/* ---- poll and epoll ---- */

static unsigned sock_events(const struct socket *s)
{
	if (s->type == SOCK_DGRAM)
		return POLLOUT | (list_empty(&s->dgrams) ? 0 : POLLIN);
	if (s->tcp->state == TCP_CLOSED && !s->tcp->error && !s->tcp->fin_rcvd && !s->tcp->iss)
		return POLLOUT | POLLHUP;       /* never connected, as Linux reports */
	unsigned ev = tcp_poll(s->tcp);
	if (s->shut_rd)
		ev |= POLLIN | POLLRDHUP;
	return ev;
}

static unsigned fd_events(struct proc *p, int32_t fd)
{
	if (fd >= 0 && fd <= 2)
		return fd == 0 ? 0 : POLLOUT;
	if (fd < 0 || fd >= PROC_MAX_FDS || p->fds[fd].kind == FD_NONE)
		return POLLNVAL;
	if (p->fds[fd].kind == FD_SOCKET)
		return sock_events(p->fds[fd].sock);
	if (p->fds[fd].kind == FD_EPOLL)
		return list_empty(&p->fds[fd].ep->ready) ? 0 : POLLIN;
	return POLLIN | POLLOUT;        /* files never block */
}

static uint64_t ms_to_ticks(uint64_t ms)
{
	uint64_t t = (ms * HZ + 999) / 1000;
	return t ? t : 1;
}

int64_t sock_poll(struct proc *p, uint64_t ufds, uint64_t n, int64_t timeout_ms)
{
	if (n > PROC_MAX_FDS)
		return -EINVAL;
	struct pollfd *fds = n ? kmalloc(n * sizeof(*fds)) : NULL;
	int64_t err = 0;
	if (n && !fds)
		return -ENOMEM;
	if (n && (err = copy_from_user(fds, ufds, n * sizeof(*fds)))) {
		kfree(fds);
		return err;
	}
	uint64_t deadline = timeout_ms > 0 ? now_ms() + (uint64_t)timeout_ms : 0;
	for (;;) {
		int64_t ready = 0;
		for (uint64_t i = 0; i < n; i++) {
			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			unsigned ev = fd_events(p, fds[i].fd);
			ev &= (unsigned)(uint16_t)fds[i].events | POLLERR | POLLHUP | POLLNVAL;
			fds[i].revents = (int16_t)ev;
			if (ev)
				ready++;
		}
		uint64_t now = now_ms();
		if (ready || timeout_ms == 0 || (timeout_ms > 0 && now >= deadline)) {
			err = n ? copy_to_user(ufds, fds, n * sizeof(*fds)) : 0;
			kfree(fds);
			return err ? err : ready;
		}
		err = sock_wait(p, &pollq, timeout_ms > 0 ? ms_to_ticks(deadline - now) : 0, NULL);
		if (err) {
			kfree(fds);
			return err;
		}
	}
}

int64_t sock_epoll_create(struct proc *p, uint64_t flags)
{
	if (flags & ~(uint64_t)O_CLOEXEC_FLAG)
		return -EINVAL;
	int fd = fd_alloc(p);
	if (fd < 0)
		return fd;
	struct epoll *ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	list_init(&ep->items);
	list_init(&ep->ready);
	waitq_init(&ep->wq);
	p->fds[fd] = (struct proc_fd){ .kind = FD_EPOLL, .ep = ep };
	return fd;
}

static struct epoll_item *item_find(struct epoll *ep, int fd)
{
	list_for_each(n, &ep->items) {
		struct epoll_item *it = list_entry(n, struct epoll_item, ep_node);
		if (it->fd == fd)
			return it;
	}
	return NULL;
}

int64_t sock_epoll_ctl(struct proc *p, uint64_t epfd, uint64_t op, uint64_t fd, uint64_t uev)
{
	struct epoll_event ev;
	int64_t err = 0;
	if (epfd >= PROC_MAX_FDS || p->fds[epfd].kind == FD_NONE || fd >= PROC_MAX_FDS ||
	    p->fds[fd].kind == FD_NONE)
		return fd <= 2 && fd != epfd && epfd < PROC_MAX_FDS ? -EPERM : -EBADF;
	if (p->fds[epfd].kind != FD_EPOLL || fd == epfd)
		return -EINVAL;
	if (p->fds[fd].kind != FD_SOCKET)
		return -EPERM;          /* as Linux for files that are always ready */
	struct epoll *ep = p->fds[epfd].ep;
	struct socket *s = p->fds[fd].sock;
	struct epoll_item *it = item_find(ep, (int)fd);
	if (op != EPOLL_CTL_DEL && (err = copy_from_user(&ev, uev, sizeof(ev))))
		return err;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return -EEXIST;
		it = kzalloc(sizeof(*it));
		if (!it)
			return -ENOMEM;
		it->ep = ep;
		it->sock = s;
		it->fd = (int)fd;
		list_init(&it->ready_node);
		list_add_tail(&ep->items, &it->ep_node);
		list_add_tail(&s->watchers, &it->sock_node);
		break;
	case EPOLL_CTL_MOD:
		if (!it)
			return -ENOENT;
		break;
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		item_free(it);
		return 0;
	default:
		return -EINVAL;
	}
	it->events = ev.events;
	it->data = ev.data.u64;
	if (list_empty(&it->ready_node) && (sock_events(s) & (ev.events | EPOLLERR | EPOLLHUP)))
		list_add_tail(&ep->ready, &it->ready_node);
	return 0;
}

int64_t sock_epoll_wait(struct proc *p, uint64_t epfd, uint64_t uevs, int64_t max, int64_t timeout_ms)
{
	int64_t err = 0;
	if (epfd >= PROC_MAX_FDS || p->fds[epfd].kind == FD_NONE)
		return -EBADF;
	if (p->fds[epfd].kind != FD_EPOLL || max <= 0 || max > PROC_MAX_FDS)
		return -EINVAL;
	if ((err = check_user_buffer(uevs, (size_t)max * sizeof(struct epoll_event))))
		return err;
	struct epoll *ep = p->fds[epfd].ep;
	uint64_t deadline = timeout_ms > 0 ? now_ms() + (uint64_t)timeout_ms : 0;
	for (;;) {
		int64_t n = 0;
		struct list_node again = LIST_HEAD_INIT(again);
		while (n < max && !list_empty(&ep->ready)) {
			struct epoll_item *it = list_entry(list_first(&ep->ready), struct epoll_item, ready_node);
			list_del(&it->ready_node);
			unsigned ev = sock_events(it->sock) & (it->events | EPOLLERR | EPOLLHUP);
			if (!ev)
				continue;       /* no longer ready: off the list until the next event */
			struct epoll_event out = { .events = ev, .data.u64 = it->data };
			if ((err = copy_to_user(uevs + (uint64_t)n * sizeof(out), &out, sizeof(out))))
				return err;
			n++;
			if (!(it->events & EPOLLET))
				list_add_tail(&again, &it->ready_node);         /* level: look again next time */
		}
		/* Reported level-triggered items go to the back, so no one starves the rest. */
		while (!list_empty(&again)) {
			struct list_node *x = list_first(&again);
			list_del(x);
			list_add_tail(&ep->ready, x);
		}
		uint64_t now = now_ms();
		if (n || timeout_ms == 0 || (timeout_ms > 0 && now >= deadline))
			return n;
		if ((err = sock_wait(p, &ep->wq, timeout_ms > 0 ? ms_to_ticks(deadline - now) : 0, NULL)))
			return err;
	}
}
