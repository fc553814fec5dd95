/* Socket data (net/socket.h): datagrams delivered to UDP sockets, and send and receive on UDP
 * and TCP sockets. Kernel code (processes, wait queues, user-memory copies), so not in the
 * host build; it relies on what net/socket.c says about races. */
#include "net/sock.h"
#include "kernel/mm/heap.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/uaccess.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"
#include "net/tcp.h"

#define IO_CHUNK        2048            /* bytes moved per copy through the kernel stack */
#define UDP_PAYLOAD_MAX (ETH_FRAME_MAX - ETH_HDR - IP_HDR - 8)

static void udp_sock_input(struct netif *nif, void *arg, uint32_t src, uint16_t sport,
			   const uint8_t *data, size_t len, uint64_t now)
{
	struct socket *s = arg;
	(void)now;
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

int sock_udp_bind(struct socket *s, uint16_t port)
{
	static uint16_t next = TCP_EPHEMERAL_FIRST;
	if (port) {
		int err = udp_bind(sock_netif(), port, udp_sock_input, s);
		if (!err)
			s->uport = port;
		return err == -ENOSPC ? -ENOBUFS : err;        /* the port table is full */
	}
	const struct netif *nif = sock_netif();
	for (unsigned tries = 0; tries < 65536 - TCP_EPHEMERAL_FIRST; tries++) {
		uint16_t p = next;
		next = p == 65535 ? TCP_EPHEMERAL_FIRST : (uint16_t)(p + 1);
		if (nif->port_slices && p % nif->port_slices != nif->port_slice)
			continue;       /* another kernel's: answers to it would go there */
		int err = udp_bind(sock_netif(), p, udp_sock_input, s);
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
	if (uaddr && (err = addr_from_user(uaddr, alen, &addr, &port)))
		return err;
	if (!addr || !port)
		return uaddr ? -EINVAL : -EDESTADDRREQ;
	if (len > sizeof(buf))
		return -EMSGSIZE;
	if ((err = copy_from_user(buf, ubuf, len)))
		return err;
	if (!s->uport && (err = sock_udp_bind(s, 0)))
		return err;
	err = udp_output(sock_netif(), s->uport, addr, port, buf, len, sock_now());
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
	struct socket *s = sock_io(p, fd, len, flags, MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE, &err);
	if (!s)
		return err;
	if (s->type == SOCK_DGRAM)      /* no corking of datagrams here */
		return flags & MSG_MORE ? -EOPNOTSUPP : udp_send(s, ubuf, len, uaddr, alen);
	bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
	struct tcp_conn *c = s->tcp;
	c->more = (flags & MSG_MORE) != 0;
	uint64_t done = 0;
	while (done < len) {
		size_t n = MIN((size_t)(len - done), sizeof(chunk));
		if ((err = copy_from_user(chunk, ubuf + done, n)))
			return done ? (int64_t)done : err;
		long r = tcp_send(c, chunk, n, sock_now());
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
		long r = tcp_recv(c, chunk, want, peek, sock_now());
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
	if ((err = addr_args_check(uaddr, ualen)) || (err = check_user_buffer(ubuf, len)))
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
				addr_to_user(uaddr, ualen, d->src, d->sport);
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

