/* TCP user calls (RFC 9293 3.10.1 to 3.10.6): open, bind, listen, connect, accept, send,
 * receive, shutdown, close, abort, poll. */
#include "net/tcp_var.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

struct tcp_conn *tcp_conn_new(struct tcp_stack *st)
{
	return tcp_conn_alloc(st);
}

int tcp_bind(struct tcp_conn *c, uint32_t addr, uint16_t port, bool reuse)
{
	if (c->state != TCP_CLOSED || c->lport)
		return -EINVAL;
	if (port && tcp_port_in_use(c->stack, addr, port, reuse))
		return -EADDRINUSE;
	c->laddr = addr;
	if (port)
		tcp_port_take(c, port);         /* 0: picked at listen or connect */
	return 0;
}

int tcp_listen(struct tcp_conn *c, unsigned backlog)
{
	int err;
	if (c->state == TCP_LISTEN) {
		c->backlog = MAX(backlog, 1u);         /* listen() again resizes the queue */
		return 0;
	}
	if (c->state != TCP_CLOSED)
		return -EINVAL;
	if (!c->lport && (err = tcp_port_pick(c, false)))
		return err;
	/* Two sockets may bind one port with SO_REUSEADDR; only one of them may listen. */
	if (tcp_lookup_listener(c->stack, c->laddr, c->lport))
		return -EADDRINUSE;
	c->backlog = MAX(MIN(backlog, 65535u), 1u);
	tcp_listener_add(c);
	tcp_set_state(c, TCP_LISTEN);
	return 0;
}

int tcp_connect(struct tcp_conn *c, uint32_t addr, uint16_t port, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	int err;
	if (c->state != TCP_CLOSED || c->error)
		return c->state == TCP_SYN_SENT ? -EALREADY : -EISCONN;
	if (addr == 0 || port == 0)
		return -EINVAL;
	/* No connection to a broadcast or multicast address (RFC 9293 MUST-46, 3.9.1.1). */
	if (addr >> 28 >= 0xE || (st->nif->mask != 0xFFFFFFFF && addr == (st->nif->ip | ~st->nif->mask)))
		return -ENETUNREACH;
	if (!c->laddr)
		c->laddr = st->nif->ip;
	c->raddr = addr;
	c->rport = port;
	if (!c->lport && (err = tcp_port_pick(c, true)))
		return err;
	struct seg probe = { .src = addr, .dst = c->laddr, .sport = port, .dport = c->lport };
	if (tcp_lookup(st, &probe))
		return -EADDRINUSE;
	c->rcv_wscale = tcp_wscale_for(c->rcap);
	c->iss = tcp_isn(c, now);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->recover = c->iss;
	c->rto = TCP_RTO_INITIAL_MS;
	list_add_tail(tcp_bucket(st, c->laddr, c->lport, c->raddr, c->rport), &c->hash_node);
	tcp_set_state(c, TCP_SYN_SENT);
	tcp_send_syn(c, now);
	return 0;
}

struct tcp_conn *tcp_accept(struct tcp_conn *l)
{
	struct list_node *n = list_first(&l->accept_q);
	if (!n)
		return NULL;
	struct tcp_conn *c = list_entry(n, struct tcp_conn, queue_node);
	list_del(&c->queue_node);
	l->accept_count--;
	c->listener = NULL;
	return c;
}

long tcp_send(struct tcp_conn *c, const void *data, size_t len, uint64_t now)
{
	if (c->error)
		return c->error;
	switch (c->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		return 0;               /* not yet: the caller waits for the connection */
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	case TCP_CLOSED:
	case TCP_LISTEN:
		return -ENOTCONN;
	default:
		return -EPIPE;          /* the sending side is shut */
	}
	if (c->fin_queued)
		return -EPIPE;
	uint32_t n = (uint32_t)MIN(len, (size_t)(c->scap - c->slen));
	if (n) {
		if (!tcp_sbuf_fit(c, c->slen + n))
			return -ENOMEM;
		tcp_ring_put(c->sbuf, c->salloc, c->shead + c->slen, data, n);
		c->slen += n;
	}
	tcp_output(c, now);
	return n;
}

long tcp_recv(struct tcp_conn *c, void *buf, size_t len, bool peek, uint64_t now)
{
	if (c->rlen == 0) {
		if (c->error)
			return c->error;
		if (c->fin_rcvd || c->state == TCP_CLOSED)
			return 0;
		if (c->state == TCP_LISTEN)
			return -ENOTCONN;
		return -EAGAIN;
	}
	uint32_t n = (uint32_t)MIN(len, (size_t)c->rlen);
	tcp_ring_get(c->rbuf, c->ralloc, c->rhead, buf, n);
	if (peek)
		return n;
	uint32_t before = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	c->rhead = (c->rhead + n) % c->ralloc;
	c->rlen -= n;
	tcp_buffers_trim(c);            /* all read: the receive buffer goes back */
	/* A window update when reading opened the window a good deal (RFC 9293 3.8.6.2.2). */
	if (tcp_synchronized(c->state) && !c->fin_rcvd && c->state != TCP_TIME_WAIT) {
		uint32_t space = c->rcap - c->rlen;
		if (space - before >= MIN(c->rcap / 2, 2u * c->mss))
			tcp_send_ack(c, now);
	}
	return n;
}

int tcp_shutdown_send(struct tcp_conn *c, uint64_t now)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_SYN_RECEIVED:
		tcp_queue_fin(c, now);
		return 0;
	case TCP_SYN_SENT:
		tcp_conn_finish(c, 0);
		return 0;
	default:
		return c->state == TCP_CLOSED || c->state == TCP_LISTEN ? -ENOTCONN : 0;
	}
}

void tcp_abort(struct tcp_conn *c, uint64_t now)
{
	if (tcp_synchronized(c->state) && c->state != TCP_TIME_WAIT)
		tcp_send_rst(c, now);
	else if (c->state == TCP_SYN_RECEIVED)
		tcp_send_rst(c, now);
	if (c->state == TCP_LISTEN) {
		/* Half-open and unaccepted children go with their listener. */
		list_for_each_safe(n, &c->stack->all) {
			struct tcp_conn *ch = list_entry(n, struct tcp_conn, all_node);
			if (ch->listener == c) {
				if (ch->state != TCP_CLOSED)
					tcp_send_rst(ch, now);
				tcp_conn_free(ch);
			}
		}
	}
	tcp_conn_free(c);
}

void tcp_close(struct tcp_conn *c, uint64_t now)
{
	c->user_closed = true;
	switch (c->state) {
	case TCP_CLOSED:
	case TCP_SYN_SENT:
	case TCP_LISTEN:
		tcp_abort(c, now);
		return;
	case TCP_SYN_RECEIVED:
		/* Our SYN is not acknowledged yet, so no FIN can follow it: the close waits for
		 * ESTABLISHED (RFC 9293 3.10.4, CLOSE call in SYN-RECEIVED). */
		return;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (c->rlen) {
			/* Unread data would be lost without the peer knowing: RST (RFC 2525 2.17). */
			tcp_abort(c, now);
			return;
		}
		tcp_queue_fin(c, now);
		return;
	case TCP_FIN_WAIT_2:
		if (!c->t_wait)
			tcp_timer_set(c, &c->t_wait, now + TCP_FIN_WAIT_2_MS);
		return;
	case TCP_TIME_WAIT:
		tcp_free_buffers(c);
		return;
	default:
		return;                 /* FIN_WAIT_1, CLOSING, LAST_ACK: the FIN is on its way */
	}
}

unsigned tcp_poll(const struct tcp_conn *c)
{
	unsigned ev = 0;
	if (c->state == TCP_LISTEN)
		return c->accept_count ? TCP_EV_IN : 0;
	if (c->rlen || c->fin_rcvd)
		ev |= TCP_EV_IN;
	if (c->fin_rcvd)
		ev |= TCP_EV_RDHUP;
	if ((c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT) && !c->fin_queued &&
	    c->scap - c->slen >= MIN(c->scap / 2, 4096u))
		ev |= TCP_EV_OUT;
	if (c->error)
		ev |= TCP_EV_ERR | TCP_EV_IN | TCP_EV_OUT;
	if (c->state == TCP_CLOSED && (c->error || c->fin_rcvd || c->user_closed || c->iss))
		ev |= TCP_EV_HUP;
	if (c->fin_rcvd && c->fin_queued)
		ev |= TCP_EV_HUP;
	return ev;
}

int tcp_set_buffers(struct tcp_conn *c, uint32_t rcv, uint32_t snd)
{
	if (c->rbuf || c->sbuf || (c->state != TCP_CLOSED && c->state != TCP_LISTEN))
		return -EISCONN;        /* sizes are fixed once buffers exist */
	if (rcv)
		c->rcap = MIN(MAX(rcv, (uint32_t)TCP_BUF_MIN), (uint32_t)TCP_BUF_MAX);
	if (snd)
		c->scap = MIN(MAX(snd, (uint32_t)TCP_BUF_MIN), (uint32_t)TCP_BUF_MAX);
	return 0;
}

void tcp_set_keepalive(struct tcp_conn *c, bool on, uint64_t now)
{
	c->keepalive = on;
	tcp_timer_set(c, &c->t_keep, on && c->state == TCP_ESTABLISHED ? now + TCP_KEEPIDLE_MS : 0);
}

uint32_t tcp_readable(const struct tcp_conn *c)
{
	return c->rlen;
}
