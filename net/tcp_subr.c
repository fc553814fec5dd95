/* TCP connections: the tables (connections, listeners, ports) and the ephemeral port choice
 * (RFC 6056), allocation and release, the initial sequence number (RFC 6528), the buffers,
 * TIME_WAIT, and setting a stack up. */
#include "net/tcp_var.h"
#include "lib/bytes.h"
#include "lib/toeplitz.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

/* Live: between the first segment of the handshake and TIME-WAIT or CLOSED. */
static bool tcp_state_live(enum tcp_state s)
{
	return s != TCP_CLOSED && s != TCP_LISTEN && s != TCP_TIME_WAIT;
}

/* The bucket the NIC (or software steering) puts c's flow in (tcp.h, bucket_of). */
static uint8_t tcp_bucket_of(const struct tcp_conn *c)
{
	const struct tcp_stack *st = c->stack;
	const uint8_t *key = st->nif->rss_key ? st->nif->rss_key : rss_key_symmetric;
	if (st->bucket_of)
		return (uint8_t)(st->bucket_of(st, c->laddr, c->lport, c->raddr, c->rport) %
				 TCP_RSS_BUCKETS);
	return (uint8_t)(toeplitz_ipv4_tcp(key, c->raddr, c->laddr, c->rport, c->lport) %
			 TCP_RSS_BUCKETS);
}

/* The per-bucket counts (tcp.h) as c goes from its state to s. */
static void tcp_count_bucket(struct tcp_conn *c, enum tcp_state s)
{
	struct tcp_stack *st = c->stack;
	bool was = tcp_state_live(c->state), is = tcp_state_live(s);
	if (!was && is && c->state == TCP_CLOSED) {
		c->rss_bucket = tcp_bucket_of(c);
		st->bucket_opened[c->rss_bucket]++;
		st->bucket_live[c->rss_bucket]++;
	} else if (was && !is) {
		st->bucket_live[c->rss_bucket]--;
	}
}

void tcp_set_state(struct tcp_conn *c, enum tcp_state s)
{
	tcp_count_bucket(c, s);
	c->stack->conns_by_state[c->state]--;
	c->stack->conns_by_state[s]++;
	if (s == TCP_TIME_WAIT)
		c->stack->ntime_wait++;
	if (c->state == TCP_TIME_WAIT)
		c->stack->ntime_wait--;
	c->state = s;
}

static uint64_t tuple_hash(const struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
			   uint16_t rport)
{
	uint8_t t[12];
	wr32be(t, laddr);
	wr32be(t + 4, raddr);
	wr16be(t + 8, lport);
	wr16be(t + 10, rport);
	return siphash24(&st->key, t, sizeof(t));
}

/* tcp_init leaves the table's heads zeroed, and a head is made an empty list when first
 * used: a stack is set up by one memset, not a loop over 16,384 heads (which the fuzzers,
 * setting one up per input, would pay for every input). */
static struct list_node *head_of(struct list_node *h)
{
	if (!h->next)
		list_init(h);
	return h;
}

struct list_node *tcp_bucket(struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
				uint16_t rport)
{
	return head_of(&st->buckets[tuple_hash(st, laddr, lport, raddr, rport) % TCP_HASH_BUCKETS]);
}

struct tcp_conn *tcp_lookup(struct tcp_stack *st, const struct seg *s)
{
	struct list_node *b = tcp_bucket(st, s->dst, s->dport, s->src, s->sport);
	list_for_each(n, b) {
		struct tcp_conn *c = list_entry(n, struct tcp_conn, hash_node);
		st->lookup_steps++;
		if (c->lport == s->dport && c->rport == s->sport && c->raddr == s->src &&
		    c->laddr == s->dst)
			return c;
	}
	return NULL;
}

static struct list_node *listen_bucket(struct tcp_stack *st, uint16_t port)
{
	return head_of(&st->listen_hash[port % TCP_LISTEN_BUCKETS]);
}

/* Addresses agree when they are equal or either is the wildcard 0. */
struct tcp_conn *tcp_lookup_listener(struct tcp_stack *st, uint32_t addr, uint16_t port)
{
	struct tcp_conn *c;
	list_for_each_entry(c, listen_bucket(st, port), queue_node) {
		st->lookup_steps++;
		if (c->lport == port && (c->laddr == 0 || addr == 0 || c->laddr == addr))
			return c;
	}
	return NULL;
}

void tcp_listener_add(struct tcp_conn *c)
{
	list_del(&c->hash_node);
	list_add_tail(&c->stack->listeners, &c->hash_node);
	list_add_tail(listen_bucket(c->stack, c->lport), &c->queue_node);
}

/* ---- local ports ---- */

/* A stack has one address (the socket layer binds nothing else), so a port is in use for
 * bind() whoever's address holds it. */
bool tcp_port_in_use(struct tcp_stack *st, uint32_t addr, uint16_t port, bool reuse)
{
	if (tcp_lookup_listener(st, addr, port))
		return true;            /* SO_REUSEADDR binds over connections, never a listener */
	return !reuse && st->port_users[port] > 0;
}

void tcp_port_take(struct tcp_conn *c, uint16_t port)
{
	c->lport = port;
	c->stack->port_users[port]++;
}

static uint16_t ephemeral(uint32_t n)
{
	return (uint16_t)(TCP_EPHEMERAL_FIRST + n % TCP_EPHEMERAL_COUNT);
}

/* A listening port: the next one of the range nobody holds. */
static int pick_listen_port(struct tcp_conn *c)
{
	struct tcp_stack *st = c->stack;
	for (unsigned tries = 0; tries < TCP_EPHEMERAL_COUNT; tries++) {
		uint16_t p = ephemeral(st->next_ephemeral++);
		if (!st->port_users[p]) {
			tcp_port_take(c, p);
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

static bool tuple_in_use(struct tcp_stack *st, const struct tcp_conn *c, uint16_t lport)
{
	struct seg probe = { .src = c->raddr, .dst = c->laddr, .sport = c->rport, .dport = lport };
	return tcp_lookup(st, &probe) != NULL;
}

/* RFC 6056 3.3.3, the simple hash-based algorithm: the search starts at a keyed hash of the
 * local address and the peer's, so that the ports used towards one peer tell nothing of
 * those used towards another, and goes on by a counter all connections share. A port is
 * suitable when its answers come to this stack (port_ok: flow steering), no listener has
 * it, and the 4-tuple is new; each probe is a few hash lookups, whatever the number of
 * connections. */
static int pick_connect_port(struct tcp_conn *c)
{
	struct tcp_stack *st = c->stack;
	uint32_t offset = (uint32_t)tuple_hash(st, c->laddr, 0, c->raddr, c->rport);
	for (unsigned tries = 0; tries < TCP_EPHEMERAL_COUNT; tries++) {
		uint16_t p = ephemeral(offset + st->next_ephemeral++);
		if (st->port_ok && !st->port_ok(st, c->laddr, p, c->raddr, c->rport))
			continue;
		if (!tcp_lookup_listener(st, c->laddr, p) && !tuple_in_use(st, c, p)) {
			tcp_port_take(c, p);
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

int tcp_port_pick(struct tcp_conn *c, bool connecting)
{
	return connecting ? pick_connect_port(c) : pick_listen_port(c);
}

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 us clock. */
uint32_t tcp_isn(const struct tcp_conn *c, uint64_t now)
{
	return (uint32_t)(now * 250) +
	       (uint32_t)tuple_hash(c->stack, c->laddr, c->lport, c->raddr, c->rport);
}

uint8_t tcp_wscale_for(uint32_t space)
{
	uint8_t ws = 0;
	while (ws < WS_MAX && (space >> ws) > 0xFFFF)
		ws++;
	return ws;
}

/* ---- buffers ---- */

void tcp_ring_put(uint8_t *ring, uint32_t cap, uint32_t pos, const uint8_t *src, uint32_t n)
{
	pos %= cap;
	uint32_t first = MIN(n, cap - pos);
	memcpy(ring + pos, src, first);
	memcpy(ring, src + first, n - first);
}

void tcp_ring_get(const uint8_t *ring, uint32_t cap, uint32_t pos, uint8_t *dst, uint32_t n)
{
	pos %= cap;
	uint32_t first = MIN(n, cap - pos);
	memcpy(dst, ring + pos, first);
	memcpy(dst + first, ring, n - first);
}

/* A connection holds a buffer only while it holds bytes: the receive buffer from the first
 * byte that arrives to the last one read, the send buffer from the first byte queued to the
 * last one acknowledged. An idle connection, however long it stays open, costs its control
 * block alone (a keep-alive HTTP connection between requests, say). A buffer also holds no
 * more than its bytes need: it starts in a 2 KiB heap block and doubles as they grow, up to
 * the socket's size (rcap, scap: what the window offers and send() takes). A request and its
 * answer cost a few KiB, so a burst of 25,000 of them on one kernel fits in its memory, where
 * buffers of the full 64 KiB would need 3 GiB. */
static uint32_t grown(uint32_t have, uint32_t need, uint32_t cap)
{
	uint32_t n = have ? have * 2 : TCP_BUF_FIRST;
	while (n < need)
		n *= 2;
	return MIN(n, cap);
}

/* Makes the ring *buf (*alloc bytes, its live bytes span from *head on) hold need bytes
 * (need <= cap): a bigger ring takes the live bytes at its start. False when memory is
 * short, the ring left as it was. */
static bool ring_fit(struct tcp_stack *st, uint8_t **buf, uint32_t *alloc, uint32_t *head,
		     uint32_t span, uint32_t need, uint32_t cap)
{
	if (*buf && need <= *alloc)
		return true;
	uint32_t n = grown(*alloc, need, cap);
	uint8_t *b = st->alloc(n);
	if (!b)
		return false;
	if (*buf) {
		tcp_ring_get(*buf, *alloc, *head, b, span);
		st->free(*buf);
	}
	*buf = b;
	*alloc = n;
	*head = 0;
	return true;
}

bool tcp_rbuf_fit(struct tcp_conn *c, uint32_t need)
{
	/* In-order bytes, then the room up to the last island's end. */
	uint32_t span = c->rlen + (c->nooo ? c->ooo[c->nooo - 1].end - c->rcv_nxt : 0);
	return ring_fit(c->stack, &c->rbuf, &c->ralloc, &c->rhead, span, need, c->rcap);
}

bool tcp_sbuf_fit(struct tcp_conn *c, uint32_t need)
{
	return ring_fit(c->stack, &c->sbuf, &c->salloc, &c->shead, c->slen, need, c->scap);
}

void tcp_buffers_trim(struct tcp_conn *c)
{
	if (c->rbuf && c->rlen == 0 && c->nooo == 0) {
		c->stack->free(c->rbuf);
		c->rbuf = NULL;
		c->rhead = c->ralloc = 0;
	}
	if (c->sbuf && c->slen == 0) {
		c->stack->free(c->sbuf);
		c->sbuf = NULL;
		c->shead = c->salloc = 0;
	}
}

/* The user is done with c's bytes (or c with them): whatever they held is gone. */
void tcp_free_buffers(struct tcp_conn *c)
{
	if (c->rbuf)
		c->stack->free(c->rbuf);
	if (c->sbuf)
		c->stack->free(c->sbuf);
	c->rbuf = c->sbuf = NULL;
	c->ralloc = c->salloc = 0;
	c->rhead = c->rlen = c->shead = c->slen = 0;
	c->nooo = 0;
}

/* ---- connections ---- */

struct tcp_conn *tcp_conn_alloc(struct tcp_stack *st)
{
	struct tcp_conn *c = st->alloc(sizeof(*c));
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->stack = st;
	c->state = TCP_CLOSED;
	st->conns_by_state[TCP_CLOSED]++;
	list_init(&c->hash_node);
	list_init(&c->queue_node);
	list_init(&c->accept_q);
	list_add_tail(&st->all, &c->all_node);
	tcp_wheel_entry_init(&c->timer);
	c->rcap = TCP_RCVBUF_DEFAULT;
	c->scap = TCP_SNDBUF_DEFAULT;
	c->rto = TCP_RTO_INITIAL_MS;
	c->mss = TCP_MSS_DEFAULT;
	st->nconns++;
	return c;
}

void tcp_conn_free(struct tcp_conn *c)
{
	struct tcp_stack *st = c->stack;
	if (c->listener) {
		if (list_empty(&c->queue_node))
			c->listener->syn_count--;
		else
			c->listener->accept_count--;
	}
	list_del(&c->queue_node);
	list_del(&c->hash_node);
	list_del(&c->all_node);
	tcp_wheel_cancel(&st->wheel, &c->timer);
	if (c->lport)
		st->port_users[c->lport]--;
	st->conns_by_state[c->state]--;
	if (c->state == TCP_TIME_WAIT)
		st->ntime_wait--;
	if (tcp_state_live(c->state))
		st->bucket_live[c->rss_bucket]--;
	tcp_free_buffers(c);
	st->nconns--;
	st->free(c);
}

/* The connection is over. One the user still holds stays, CLOSED, for it to see the error or
 * the end; one nobody holds goes. */
bool tcp_conn_finish(struct tcp_conn *c, int error)
{
	if (error && !c->error)
		c->error = error;
	tcp_set_state(c, TCP_CLOSED);
	c->t_rexmt = c->t_delack = c->t_persist = c->t_keep = c->t_wait = 0;
	tcp_timer_sync(c);
	list_del(&c->all_node);                 /* off the TIME_WAIT list, if it was there */
	list_add_tail(&c->stack->all, &c->all_node);
	list_del(&c->hash_node);
	if (c->user_closed || c->listener) {       /* closed by its user, or never accepted */
		tcp_conn_free(c);
		return true;
	}
	tcp_notify(c);
	return false;
}

/* TIME_WAIT connections wait on a list of their own, in the order they expire (all wait
 * as long): the oldest is at its head. Their 2 MSL is the wheel's t_wait like any timer. */
void tcp_time_wait_restart(struct tcp_conn *c, uint64_t now)
{
	tcp_timer_set(c, &c->t_wait, now + TCP_TIME_WAIT_MS);
	list_del(&c->all_node);
	list_add_tail(&c->stack->time_wait, &c->all_node);
}

/* The TIME_WAIT table is bounded: past TCP_TIME_WAIT_MAX the connection closing now skips
 * it, as Linux does past tcp_max_tw_buckets. Those already waiting keep the 2 MSL they were
 * given (RFC 9293 3.6.1), a flood of closes cannot cut them short, and the choice costs
 * nothing. One its user still holds waits all the same: the user sees its state. */
void tcp_enter_time_wait(struct tcp_conn *c, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	c->t_rexmt = c->t_persist = c->t_keep = 0;
	tcp_timer_sync(c);
	if (c->user_closed && st->ntime_wait >= TCP_TIME_WAIT_MAX) {
		tcp_conn_finish(c, 0);
		return;
	}
	tcp_set_state(c, TCP_TIME_WAIT);
	tcp_time_wait_restart(c, now);
	if (c->user_closed)
		tcp_free_buffers(c);
	tcp_notify(c);
}

struct tcp_conn *tcp_child_new(struct tcp_conn *l, const struct seg *s)
{
	struct tcp_conn *c = tcp_conn_alloc(l->stack);
	if (!c)
		return NULL;
	c->laddr = s->dst;
	tcp_port_take(c, s->dport);
	c->raddr = s->src;
	c->rport = s->sport;
	c->rcap = l->rcap;
	c->scap = l->scap;
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	c->rcv_wscale = tcp_wscale_for(c->rcap);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->listener = l;
	return c;
}

int tcp_init(struct tcp_stack *st, struct netif *nif, const struct siphash_key *key,
	     void *(*alloc)(size_t), void (*free_fn)(void *))
{
	memset(st, 0, sizeof(*st));
	st->nif = nif;
	list_init(&st->listeners);
	list_init(&st->all);
	list_init(&st->time_wait);
	tcp_wheel_init(&st->wheel);
	st->key = *key;
	st->alloc = alloc;
	st->free = free_fn;
	st->next_ephemeral = (uint32_t)(key->k0 % TCP_EPHEMERAL_COUNT);
	nif->tcp = st;
	return 0;
}

/* The errno an ICMP error stands for (RFC 792 codes). */
static int icmp_errno(uint8_t type, uint8_t code)
{
	if (type != 3)
		return -EHOSTUNREACH;           /* time exceeded, parameter problem */
	if (code == 2 || code == 3)
		return -ECONNREFUSED;           /* protocol or port unreachable */
	return code == 0 || code == 6 ? -ENETUNREACH : -EHOSTUNREACH;
}

/* RFC 9293 3.9.2.2 (MUST-54, MUST-56) with RFC 5927's check: an ICMP error about a segment
 * we sent goes to its connection if the quoted sequence number is one in flight. Protocol
 * and port unreachable end a connection still in SYN-SENT (RFC 1122 4.2.3.9's SHOULD);
 * every other error is soft: kept, and reported only if the connection times out. */
void tcp_icmp_error(struct netif *nif, uint8_t type, uint8_t code, const uint8_t *ip,
		    size_t len, uint64_t now)
{
	size_t ihl = (size_t)(ip[0] & 0xF) * 4;
	if (!nif->tcp || len < ihl + 8)
		return;
	const uint8_t *t = ip + ihl;
	struct seg probe = { .src = rd32be(ip + 16), .dst = rd32be(ip + 12),
			     .sport = rd16be(t + 2), .dport = rd16be(t) };
	struct tcp_conn *c = tcp_lookup(nif->tcp, &probe);
	uint32_t seq = rd32be(t + 4);
	if (!c || c->state == TCP_LISTEN || c->state == TCP_TIME_WAIT ||
	    !seq_geq(seq, c->snd_una) || !seq_lt(seq, c->snd_max)) {
		nif->stats.drops[DROP_ICMP_TYPE]++;
		return;
	}
	nif->stats.icmp_errors_in++;
	c->soft_error = icmp_errno(type, code);
	if (c->state == TCP_SYN_SENT && c->soft_error == -ECONNREFUSED) {
		tcp_count(c->stack, TCP_ATTEMPT_FAILS);
		tcp_conn_finish(c, -ECONNREFUSED);
	}
	(void)now;
}
