/* TCP (tcp.h). The input path follows RFC 9293 3.10.7 step by step; where a later RFC
 * changes a step (RFC 5961 for RST, SYN and ACK checks, RFC 7323 for PAWS) the comment names
 * it. Sequence numbers compare modulo 2^32. */
#include "net/tcp.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"
#include "lib/util.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10
#define URG 0x20

#define OPT_END 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS  3
#define OPT_TS  8
#define TS_LEN  12                      /* NOP NOP kind len TSval TSecr */
#define WS_MAX  14                      /* RFC 7323 2.3 */
#define COOKIE_PERIOD_MS 64000
#define COOKIE_LIFETIME_MS (2 * 60 * 1000)

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* One arriving segment, parsed and checked. */
struct seg {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack, wnd;
	uint8_t flags;
	const uint8_t *data;
	uint32_t len;                   /* data bytes */
	bool has_mss, has_ws, has_ts;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
};

static void output(struct tcp_conn *c, uint64_t now);

static bool synchronized(enum tcp_state s)
{
	return s >= TCP_ESTABLISHED;
}

static void count(struct tcp_stack *st, enum tcp_counter what)
{
	st->nif->stats.tcp[what]++;
}

static void drop(struct tcp_stack *st, enum net_drop why)
{
	st->nif->stats.drops[why]++;
}

static void notify(struct tcp_conn *c)
{
	if (c->owner && c->stack->event)
		c->stack->event(c);
}

static void set_state(struct tcp_conn *c, enum tcp_state s)
{
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

static struct list_node *bucket(struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
				uint16_t rport)
{
	return &st->buckets[tuple_hash(st, laddr, lport, raddr, rport) % TCP_HASH_BUCKETS];
}

static struct tcp_conn *lookup(struct tcp_stack *st, const struct seg *s)
{
	struct list_node *b = bucket(st, s->dst, s->dport, s->src, s->sport);
	list_for_each(n, b) {
		struct tcp_conn *c = list_entry(n, struct tcp_conn, hash_node);
		if (c->lport == s->dport && c->rport == s->sport && c->raddr == s->src &&
		    c->laddr == s->dst)
			return c;
	}
	return NULL;
}

static struct tcp_conn *lookup_listener(struct tcp_stack *st, uint32_t addr, uint16_t port)
{
	struct tcp_conn *c;
	list_for_each_entry(c, &st->listeners, hash_node)
		if (c->lport == port && (c->laddr == 0 || c->laddr == addr))
			return c;
	return NULL;
}

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 us clock. */
static uint32_t make_isn(const struct tcp_conn *c, uint64_t now)
{
	return (uint32_t)(now * 250) +
	       (uint32_t)tuple_hash(c->stack, c->laddr, c->lport, c->raddr, c->rport);
}

static uint8_t wscale_for(uint32_t space)
{
	uint8_t ws = 0;
	while (ws < WS_MAX && (space >> ws) > 0xFFFF)
		ws++;
	return ws;
}

/* RFC 5681 3.1's initial window. */
static uint32_t initial_window(uint32_t mss)
{
	return mss > 2190 ? 2 * mss : mss > 1095 ? 3 * mss : 4 * mss;
}

/* ---- buffers ---- */

static void ring_put(uint8_t *ring, uint32_t cap, uint32_t pos, const uint8_t *src, uint32_t n)
{
	pos %= cap;
	uint32_t first = MIN(n, cap - pos);
	memcpy(ring + pos, src, first);
	memcpy(ring, src + first, n - first);
}

static void ring_get(const uint8_t *ring, uint32_t cap, uint32_t pos, uint8_t *dst, uint32_t n)
{
	pos %= cap;
	uint32_t first = MIN(n, cap - pos);
	memcpy(dst, ring + pos, first);
	memcpy(dst + first, ring, n - first);
}

static int alloc_buffers(struct tcp_conn *c)
{
	struct tcp_stack *st = c->stack;
	if (!c->rbuf && !(c->rbuf = st->alloc(c->rcap)))
		return -ENOMEM;
	if (!c->sbuf && !(c->sbuf = st->alloc(c->scap)))
		return -ENOMEM;
	return 0;
}

static void free_buffers(struct tcp_conn *c)
{
	if (c->rbuf)
		c->stack->free(c->rbuf);
	if (c->sbuf)
		c->stack->free(c->sbuf);
	c->rbuf = c->sbuf = NULL;
}

/* ---- connections ---- */

static struct tcp_conn *conn_alloc(struct tcp_stack *st)
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
	c->rcap = TCP_RCVBUF_DEFAULT;
	c->scap = TCP_SNDBUF_DEFAULT;
	c->rto = TCP_RTO_INITIAL_MS;
	c->mss = TCP_MSS_DEFAULT;
	st->nconns++;
	return c;
}

static void conn_free(struct tcp_conn *c)
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
	st->conns_by_state[c->state]--;
	if (c->state == TCP_TIME_WAIT)
		st->ntime_wait--;
	free_buffers(c);
	st->nconns--;
	st->free(c);
}

/* The connection is over. One the user still holds stays, CLOSED, for it to see the error or
 * the end; one nobody holds goes. */
static void conn_finish(struct tcp_conn *c, int error)
{
	if (error && !c->error)
		c->error = error;
	set_state(c, TCP_CLOSED);
	c->t_rexmt = c->t_delack = c->t_persist = c->t_keep = c->t_wait = 0;
	list_del(&c->all_node);                 /* off the TIME_WAIT list, if it was there */
	list_add_tail(&c->stack->all, &c->all_node);
	list_del(&c->hash_node);
	if (c->user_closed || c->listener) {       /* closed by its user, or never accepted */
		conn_free(c);
		return;
	}
	notify(c);
}

/* TIME_WAIT connections wait on a list of their own, in the order they expire (all wait
 * as long), so the timers look only at its head however many thousands there are. */
static void time_wait_restart(struct tcp_conn *c, uint64_t now)
{
	c->t_wait = now + TCP_TIME_WAIT_MS;
	list_del(&c->all_node);
	list_add_tail(&c->stack->time_wait, &c->all_node);
}

static void enter_time_wait(struct tcp_conn *c, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	c->t_rexmt = c->t_persist = c->t_keep = 0;
	if (c->user_closed && st->ntime_wait >= TCP_TIME_WAIT_MAX) {
		conn_finish(c, 0);      /* a bounded table: the oldest protection goes first */
		return;
	}
	set_state(c, TCP_TIME_WAIT);
	time_wait_restart(c, now);
	if (c->user_closed)
		free_buffers(c);
	notify(c);
}

/* ---- output ---- */

static uint32_t ts_now(uint64_t now)
{
	return (uint32_t)now;
}

/* The window we can offer from rcv_nxt: never less than what was advertised (the right edge
 * does not move left, RFC 9293 3.8.6.2.2), and not grown in small steps (receiver-side
 * silly window avoidance, ibid.). */
static uint32_t rcv_window(const struct tcp_conn *c)
{
	uint32_t adv = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t space = c->rcap - c->rlen;
	uint32_t step = MIN(c->rcap / 2, (uint32_t)c->mss);
	if (space > adv && space - adv < step)
		space = adv;
	return MIN(space, (uint32_t)0xFFFF << c->rcv_wscale);
}

/* Builds and sends one segment; data, if any, is len bytes of the send buffer at data_off
 * bytes past snd_una. */
static int xmit(struct tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t data_off, uint32_t len,
		uint64_t now, uint32_t tsval)
{
	struct tcp_stack *st = c->stack;
	uint8_t seg[TCP_HDR + 40 + TCP_MSS_OURS];
	uint8_t *o = seg + TCP_HDR;
	uint32_t win;

	if (flags & SYN) {
		*o++ = OPT_MSS;
		*o++ = 4;
		wr16be(o, TCP_MSS_OURS);
		o += 2;
		if (c->ws_ok || c->state == TCP_SYN_SENT || c->state == TCP_CLOSED) {
			*o++ = OPT_NOP;
			*o++ = OPT_WS;
			*o++ = 3;
			*o++ = c->rcv_wscale;
		}
	}
	if (c->ts_ok || ((flags & SYN) && (c->state == TCP_SYN_SENT || c->state == TCP_CLOSED))) {
		*o++ = OPT_NOP;
		*o++ = OPT_NOP;
		*o++ = OPT_TS;
		*o++ = 10;
		wr32be(o, tsval ? tsval : ts_now(now));
		wr32be(o + 4, (flags & ACK) ? c->ts_recent : 0);
		o += 8;
	}
	size_t hlen = (size_t)(o - seg);
	if (len > sizeof(seg) - hlen)
		len = (uint32_t)(sizeof(seg) - hlen);
	if (flags & SYN) {
		win = MIN(c->rcap, 0xFFFFu);    /* never scaled in a SYN (RFC 7323 2.2) */
		if (flags & ACK)
			c->rcv_adv = c->rcv_nxt + win;
	} else {
		win = rcv_window(c);
		if (seq_gt(c->rcv_nxt + win, c->rcv_adv) || !(flags & ACK))
			c->rcv_adv = c->rcv_nxt + ((win >> c->rcv_wscale) << c->rcv_wscale);
		win >>= c->rcv_wscale;
	}
	wr16be(seg, c->lport);
	wr16be(seg + 2, c->rport);
	wr32be(seg + 4, seq);
	wr32be(seg + 8, (flags & ACK) ? c->rcv_nxt : 0);
	seg[12] = (uint8_t)((hlen / 4) << 4);
	seg[13] = flags;
	wr16be(seg + 14, (uint16_t)win);
	wr16be(seg + 16, 0);
	wr16be(seg + 18, 0);
	if (len)
		ring_get(c->sbuf, c->scap, c->shead + data_off, seg + hlen, len);
	uint64_t sum = inet_pseudo_sum(c->laddr, c->raddr, IP_PROTO_TCP, hlen + len);
	wr16be(seg + 16, inet_fold(inet_sum(seg, hlen + len, sum)));
	if (flags & ACK) {
		c->ack_pending = 0;
		c->ack_now = false;
		c->t_delack = 0;
	}
	count(st, TCP_OUT_SEGS);
	if (flags & RST)
		count(st, TCP_OUT_RSTS);
	return ipv4_output(st->nif, c->raddr, IP_PROTO_TCP, seg, hlen + len, now);
}

static void send_ack(struct tcp_conn *c, uint64_t now)
{
	xmit(c, c->snd_nxt, ACK, 0, 0, now, 0);
}

/* RFC 5961 7: challenge ACKs are rate limited, so they cannot be used as an amplifier. */
static void challenge_ack(struct tcp_conn *c, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	if (now / 1000 != st->challenge_second) {
		st->challenge_second = now / 1000;
		st->challenge_count = 0;
	}
	if (st->challenge_count++ < TCP_CHALLENGE_ACKS_PER_S) {
		count(st, TCP_CHALLENGE_ACKS);
		send_ack(c, now);
	}
}

/* A RST for a segment no connection takes (RFC 9293 3.10.7.1). */
static void send_reset(struct tcp_stack *st, const struct seg *s, uint64_t now)
{
	uint8_t h[TCP_HDR];
	if (s->flags & RST)
		return;
	memset(h, 0, sizeof(h));
	wr16be(h, s->dport);
	wr16be(h + 2, s->sport);
	if (s->flags & ACK) {
		wr32be(h + 4, s->ack);
		h[13] = RST;
	} else {
		uint32_t seglen = s->len + !!(s->flags & SYN) + !!(s->flags & FIN);
		wr32be(h + 8, s->seq + seglen);
		h[13] = RST | ACK;
	}
	h[12] = 5 << 4;
	wr16be(h + 16, inet_fold(inet_sum(h, TCP_HDR, inet_pseudo_sum(s->dst, s->src, IP_PROTO_TCP, TCP_HDR))));
	count(st, TCP_OUT_SEGS);
	count(st, TCP_OUT_RSTS);
	ipv4_output(st->nif, s->src, IP_PROTO_TCP, h, TCP_HDR, now);
}

static void send_syn(struct tcp_conn *c, uint64_t now)
{
	uint8_t flags = c->state == TCP_SYN_SENT ? SYN : SYN | ACK;
	xmit(c, c->iss, flags, 0, 0, now, 0);
	c->snd_nxt = c->iss + 1;
	if (seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	c->t_rexmt = now + c->rto;
}

static uint32_t flight(const struct tcp_conn *c)
{
	return c->snd_nxt - c->snd_una;
}

/* Sends what the windows allow: new data, the FIN, or an owed ACK. */
static void output(struct tcp_conn *c, uint64_t now)
{
	bool sent = false;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED || c->state == TCP_LISTEN ||
	    c->state == TCP_CLOSED)
		return;
	while (c->sbuf || c->fin_queued) {
		uint32_t off = c->snd_nxt - c->snd_una;
		if (off > c->slen || (c->fin_sent && seq_gt(c->snd_nxt, c->fin_seq)))
			break;                  /* the FIN is out (and maybe acknowledged) */
		uint32_t unsent = c->slen - off;
		uint32_t wnd = MIN(c->snd_wnd, c->cwnd);
		uint32_t usable = wnd > flight(c) ? wnd - flight(c) : 0;
		uint32_t len = MIN(MIN(unsent, (uint32_t)c->mss), usable);
		bool fin = c->fin_queued && len == unsent && (usable > len || unsent == 0);
		if (len == 0 && !fin)
			break;
		if (len < unsent && len < c->mss)
			break;                  /* sender SWS avoidance: wait for a whole segment */
		if (len == unsent && len < c->mss && flight(c) > 0 && !c->nodelay && !fin)
			break;                  /* Nagle (RFC 9293 3.7.4) */
		if (seq_lt(c->snd_nxt, c->snd_max))
			count(c->stack, TCP_RETRANS_SEGS);
		uint8_t flags = ACK | (fin ? FIN : 0) | (len && len == unsent ? PSH : 0);
		xmit(c, c->snd_nxt, flags, off, len, now, 0);
		sent = true;
		if (fin) {
			c->fin_sent = true;
			c->fin_seq = c->snd_nxt + len;
		}
		if (!c->rtt_timing && !c->ts_ok && len && !seq_lt(c->snd_nxt, c->snd_max)) {
			c->rtt_timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = now;
		}
		c->snd_nxt += len + fin;
		if (seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->t_rexmt)
			c->t_rexmt = now + c->rto;
		if (fin)
			break;
	}
	/* A zero window with data waiting and nothing in flight: probe it (RFC 9293 3.8.6.1). */
	if (c->snd_wnd == 0 && c->slen > flight(c) && flight(c) == 0 && !c->t_persist) {
		c->persist_backoff = 0;
		c->t_persist = now + MAX((uint32_t)TCP_PERSIST_MIN_MS, c->rto);
	}
	if (!sent && c->ack_now)
		send_ack(c, now);
}

/* Queues the FIN and moves the state on (RFC 9293 3.10.4 CLOSE). */
static void queue_fin(struct tcp_conn *c, uint64_t now)
{
	if (c->fin_queued)
		return;
	c->fin_queued = true;
	if (c->state == TCP_ESTABLISHED || c->state == TCP_SYN_RECEIVED)
		set_state(c, TCP_FIN_WAIT_1);
	else if (c->state == TCP_CLOSE_WAIT)
		set_state(c, TCP_LAST_ACK);
	output(c, now);
}

/* ---- RTT and congestion ---- */

/* RFC 6298 2.2 and 2.3. */
static void rtt_sample(struct tcp_conn *c, uint32_t r)
{
	if (r == 0)
		r = 1;
	if (c->srtt8 == 0) {
		c->srtt8 = r << 3;
		c->rttvar4 = r << 1;
	} else {
		int32_t err = (int32_t)r - (int32_t)(c->srtt8 >> 3);
		c->srtt8 = (uint32_t)((int32_t)c->srtt8 + err);                         /* += err/8, scaled */
		if (err < 0)
			err = -err;
		c->rttvar4 = (uint32_t)((int32_t)c->rttvar4 + err - (int32_t)(c->rttvar4 >> 2)); /* 3/4 + 1/4 */
	}
	uint32_t rto = (c->srtt8 >> 3) + MAX(1u, c->rttvar4);
	c->rto = MIN(MAX(rto, (uint32_t)TCP_RTO_MIN_MS), (uint32_t)TCP_RTO_MAX_MS);
}

static void retransmit_first(struct tcp_conn *c, uint64_t now)
{
	uint32_t len = MIN(c->slen, (uint32_t)c->mss);
	bool fin = c->fin_queued && len == c->slen && seq_gt(c->snd_max, c->snd_una + c->slen);
	count(c->stack, TCP_RETRANS_SEGS);
	xmit(c, c->snd_una, ACK | (fin ? FIN : 0), 0, len, now, 0);
	c->rtt_timing = false;          /* Karn: no sample from a retransmitted segment */
}

/* The send side of an ACK that moved snd_una by acked bytes (RFC 5681 3.1, RFC 6582 3.2). */
static void congestion_on_ack(struct tcp_conn *c, uint32_t acked, uint64_t now)
{
	if (c->in_recovery) {
		if (seq_geq(c->snd_una, c->recover)) {
			/* Full acknowledgement: deflate the window and leave recovery. */
			c->cwnd = MIN(c->ssthresh, MAX(flight(c), (uint32_t)c->mss) + c->mss);
			c->in_recovery = false;
			c->dupacks = 0;
		} else {
			/* Partial acknowledgement: the next hole is lost too. */
			retransmit_first(c, now);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= c->mss)
				c->cwnd += c->mss;
			c->cwnd = MAX(c->cwnd, (uint32_t)c->mss);
		}
		return;
	}
	c->dupacks = 0;
	if (c->cwnd < c->ssthresh)
		c->cwnd += MIN(acked, (uint32_t)c->mss);
	else
		c->cwnd += MAX(1u, (uint32_t)c->mss * c->mss / c->cwnd);
}

static void dup_ack(struct tcp_conn *c, uint64_t now)
{
	c->dupacks++;
	if (c->in_recovery) {
		c->cwnd += c->mss;      /* each dupack: a segment has left the network */
		output(c, now);
		return;
	}
	if (c->dupacks != 3 || !seq_gt(c->snd_una - 1, c->recover))
		return;
	count(c->stack, TCP_FAST_RETRANS);
	c->ssthresh = MAX(flight(c) / 2, 2u * c->mss);
	c->recover = c->snd_max;
	c->in_recovery = true;
	retransmit_first(c, now);
	c->cwnd = c->ssthresh + 3u * c->mss;
	output(c, now);
}

/* ---- input ---- */

static int parse_options(const uint8_t *o, size_t n, struct seg *s)
{
	while (n) {
		if (o[0] == OPT_END)
			return 0;
		if (o[0] == OPT_NOP) {
			o++;
			n--;
			continue;
		}
		if (n < 2 || o[1] < 2 || o[1] > n)
			return -1;
		switch (o[0]) {
		case OPT_MSS:
			if (o[1] != 4)
				return -1;
			s->has_mss = true;
			s->mss = rd16be(o + 2);
			break;
		case OPT_WS:
			if (o[1] != 3)
				return -1;
			s->has_ws = true;
			s->ws = MIN(o[2], (uint8_t)WS_MAX);     /* RFC 7323 2.3: larger is taken as 14 */
			break;
		case OPT_TS:
			if (o[1] != 10)
				return -1;
			s->has_ts = true;
			s->tsval = rd32be(o + 2);
			s->tsecr = rd32be(o + 6);
			break;
		default:
			break;                  /* unknown options are skipped (RFC 9293 MUST-6) */
		}
		n -= o[1];
		o += o[1];
	}
	return 0;
}

/* The options a SYN brought, applied to the connection. We always offer window scaling and
 * timestamps (a passive open answers in kind), so both are on exactly when the peer's SYN
 * had them (RFC 7323 1.3 and 2.2). */
static void apply_syn_options(struct tcp_conn *c, const struct seg *s)
{
	c->peer_mss = s->has_mss ? s->mss : TCP_MSS_DEFAULT;
	c->ws_ok = s->has_ws;
	c->snd_wscale = c->ws_ok ? s->ws : 0;
	if (!c->ws_ok)
		c->rcv_wscale = 0;
	c->ts_ok = s->has_ts;
	if (c->ts_ok)
		c->ts_recent = s->tsval;
	uint32_t mss = MIN((uint32_t)c->peer_mss, (uint32_t)TCP_MSS_OURS);
	if (c->ts_ok)
		mss -= TS_LEN;
	c->mss = (uint16_t)MAX(mss, 64u);
	c->cwnd = initial_window(c->mss);
	c->ssthresh = 0xFFFFFFFF;
}

static struct tcp_conn *child_new(struct tcp_conn *l, const struct seg *s)
{
	struct tcp_conn *c = conn_alloc(l->stack);
	if (!c)
		return NULL;
	c->laddr = s->dst;
	c->lport = s->dport;
	c->raddr = s->src;
	c->rport = s->sport;
	c->rcap = l->rcap;
	c->scap = l->scap;
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	c->rcv_wscale = wscale_for(c->rcap);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->listener = l;
	return c;
}

/* SYN cookies: the SYN-ACK's ISN carries a 5-bit time counter, 2 bits of MSS and 25 bits of
 * keyed hash over the connection and the client's ISN; the timestamp we send carries the
 * client's window scale. An ACK that returns a valid cookie rebuilds the connection. */
static const uint16_t cookie_mss[4] = { 536, 1220, 1440, 1460 };

static uint32_t cookie_hash(struct tcp_stack *st, const struct seg *s, uint32_t client_isn, uint32_t t)
{
	uint8_t b[20];
	wr32be(b, s->src);
	wr32be(b + 4, s->dst);
	wr16be(b + 8, s->sport);
	wr16be(b + 10, s->dport);
	wr32be(b + 12, client_isn);
	wr32be(b + 16, t);
	return (uint32_t)siphash24(&st->key, b, sizeof(b)) & 0x1FFFFFF;
}

static void send_cookie(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = l->stack;
	uint32_t t = (uint32_t)(now / COOKIE_PERIOD_MS) & 31, mi = 0;
	uint16_t mss = s->has_mss ? s->mss : TCP_MSS_DEFAULT;
	for (unsigned i = 0; i < 4; i++)
		if (cookie_mss[i] <= mss)
			mi = i;
	/* A stand-in connection that lives only for this one reply. */
	struct tcp_conn tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.stack = st;
	tmp.state = TCP_SYN_RECEIVED;
	tmp.laddr = s->dst;
	tmp.lport = s->dport;
	tmp.raddr = s->src;
	tmp.rport = s->sport;
	tmp.rcap = l->rcap;
	tmp.ws_ok = s->has_ws;
	tmp.rcv_wscale = s->has_ws ? wscale_for(l->rcap) : 0;
	tmp.ts_ok = s->has_ts;
	tmp.ts_recent = s->tsval;
	tmp.rcv_nxt = s->seq + 1;
	uint32_t isn = t << 27 | mi << 25 | cookie_hash(st, s, s->seq, t);
	/* Below every later timestamp, so the peer's PAWS never rejects us afterwards. */
	uint32_t tsval = ((ts_now(now) - 32) & ~31u) | (s->has_ws ? 0x10u | s->ws : 0);
	l->cookies_until = now + COOKIE_LIFETIME_MS;
	count(st, TCP_SYN_COOKIES_SENT);
	xmit(&tmp, isn, SYN | ACK, 0, 0, now, tsval);
}

static struct tcp_conn *check_cookie(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = l->stack;
	uint32_t cookie = s->ack - 1, t = cookie >> 27, cur = (uint32_t)(now / COOKIE_PERIOD_MS) & 31;
	if (((cur - t) & 31) > 1 || (cookie & 0x1FFFFFF) != cookie_hash(st, s, s->seq - 1, t))
		return NULL;
	struct tcp_conn *c = child_new(l, s);
	if (!c)
		return NULL;
	c->irs = s->seq - 1;
	c->rcv_nxt = s->seq;
	struct seg syn = { .has_mss = true, .mss = cookie_mss[(cookie >> 25) & 3] };
	if (s->has_ts) {
		syn.has_ts = true;
		syn.tsval = s->tsval;
		if (s->tsecr & 0x10) {
			syn.has_ws = true;
			syn.ws = s->tsecr & 0xF;
		}
	}
	c->rcv_wscale = syn.has_ws ? wscale_for(c->rcap) : 0;
	apply_syn_options(c, &syn);
	c->iss = cookie;
	c->snd_una = c->snd_nxt = c->snd_max = cookie + 1;
	c->rcv_adv = c->rcv_nxt + MIN(c->rcap, 0xFFFFu);      /* what the SYN-ACK offered */
	c->recover = c->iss;
	count(st, TCP_SYN_COOKIES_OK);
	return c;
}

static void accept_enqueue(struct tcp_conn *l, struct tcp_conn *c)
{
	l->syn_count--;
	l->accept_count++;
	list_add_tail(&l->accept_q, &c->queue_node);
	count(l->stack, TCP_PASSIVE_OPENS);
	notify(l);
}

/* Becoming ESTABLISHED: the window from the segment, buffers allocated. */
static int establish(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	if (alloc_buffers(c))
		return -ENOMEM;
	c->snd_wnd = s->wnd << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->last_rx = now;
	if (c->keepalive)
		c->t_keep = now + TCP_KEEPIDLE_MS;
	set_state(c, TCP_ESTABLISHED);
	return 0;
}

static void listen_input(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = l->stack;
	if (s->flags & RST) {
		drop(st, DROP_TCP_NO_SOCKET);
		return;
	}
	if (s->flags & ACK) {
		/* The third step of a handshake answered with a cookie, or a stray ACK. */
		struct tcp_conn *c = NULL;
		if (!(s->flags & SYN) && now < l->cookies_until) {
			if (l->accept_count >= l->backlog) {
				drop(st, DROP_TCP_ACCEPT_FULL);
				return;
			}
			c = check_cookie(l, s, now);
			if (!c) {
				drop(st, DROP_TCP_BAD_COOKIE);
				send_reset(st, s, now);
				return;
			}
			list_add_tail(bucket(st, c->laddr, c->lport, c->raddr, c->rport), &c->hash_node);
			set_state(c, TCP_SYN_RECEIVED);
			l->syn_count++;
			if (establish(c, s, now)) {
				conn_free(c);
				return;
			}
			accept_enqueue(l, c);
			return;         /* data on the cookie ACK is left for a retransmission */
		}
		drop(st, DROP_TCP_NO_SOCKET);
		send_reset(st, s, now);
		return;
	}
	if (!(s->flags & SYN)) {
		drop(st, DROP_TCP_FLAGS);
		return;
	}
	if (l->accept_count >= l->backlog) {
		drop(st, DROP_TCP_ACCEPT_FULL);         /* the client will retry */
		return;
	}
	if (l->syn_count >= MIN((unsigned)TCP_SYNQ_MAX, MAX(l->backlog, 8u))) {
		count(st, TCP_SYN_QUEUE_FULL);
		send_cookie(l, s, now);
		return;
	}
	struct tcp_conn *c = child_new(l, s);
	if (!c) {
		send_cookie(l, s, now);                 /* out of memory: state-free instead */
		return;
	}
	apply_syn_options(c, s);
	c->iss = make_isn(c, now);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->recover = c->iss;
	c->snd_wnd = s->wnd;                    /* unscaled in a SYN */
	l->syn_count++;
	list_add_tail(bucket(st, c->laddr, c->lport, c->raddr, c->rport), &c->hash_node);
	set_state(c, TCP_SYN_RECEIVED);
	send_syn(c, now);
}

static void syn_sent_input(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	if ((s->flags & ACK) && (seq_leq(s->ack, c->iss) || seq_gt(s->ack, c->snd_max))) {
		drop(st, DROP_TCP_BAD_ACK);
		send_reset(st, s, now);
		return;
	}
	if (s->flags & RST) {
		if (s->flags & ACK) {
			count(st, TCP_ATTEMPT_FAILS);
			conn_finish(c, -ECONNREFUSED);
		} else {
			drop(st, DROP_TCP_RST_BLIND);
		}
		return;
	}
	if (!(s->flags & SYN)) {
		drop(st, DROP_TCP_FLAGS);
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	apply_syn_options(c, s);
	if (s->flags & ACK) {
		c->snd_una = s->ack;
		c->t_rexmt = 0;
		c->retries = 0;
		if (c->ts_ok && s->tsecr)
			rtt_sample(c, ts_now(now) - s->tsecr);
		if (establish(c, s, now)) {
			tcp_abort(c, now);
			return;
		}
		count(st, TCP_ACTIVE_OPENS);
		c->ack_now = true;
		output(c, now);
		notify(c);
		return;
	}
	/* Simultaneous open (RFC 9293 3.5, figure 7). */
	set_state(c, TCP_SYN_RECEIVED);
	c->snd_wnd = s->wnd;
	send_syn(c, now);
}

/* RFC 9293 3.10.7.4's acceptability test, against the window we advertised. */
static bool acceptable(const struct tcp_conn *c, const struct seg *s, uint32_t seglen)
{
	uint32_t wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t end = c->rcv_nxt + wnd;
	if (seglen == 0)
		return wnd == 0 ? s->seq == c->rcv_nxt
				: seq_geq(s->seq, c->rcv_nxt) && seq_lt(s->seq, end);
	if (wnd == 0)
		return false;
	uint32_t last = s->seq + seglen - 1;
	return (seq_geq(s->seq, c->rcv_nxt) && seq_lt(s->seq, end)) ||
	       (seq_geq(last, c->rcv_nxt) && seq_lt(last, end));
}

/* Puts in-window data into the receive buffer; returns true when rcv_nxt moved. */
static bool take_data(struct tcp_conn *c, uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct tcp_stack *st = c->stack;
	if (seq_lt(seq, c->rcv_nxt)) {
		uint32_t cut = c->rcv_nxt - seq;
		if (cut >= len)
			return false;
		data += cut;
		len -= cut;
		seq = c->rcv_nxt;
	}
	uint32_t room = c->rcap - c->rlen, off = seq - c->rcv_nxt;
	if (off >= room)
		return false;
	len = MIN(len, room - off);
	ring_put(c->rbuf, c->rcap, c->rhead + c->rlen + off, data, len);
	uint32_t end = seq + len;
	if (off > 0) {
		/* An island: merge it into the list of out-of-order ranges. */
		count(st, TCP_OOO_SEGS);
		unsigned i = 0;
		while (i < c->nooo && seq_lt(c->ooo[i].seq, seq))
			i++;
		if (c->nooo == TCP_OOO_RANGES) {
			drop(st, DROP_TCP_OOO_FULL);    /* still in the buffer, just not remembered */
			return false;
		}
		memmove(&c->ooo[i + 1], &c->ooo[i], (c->nooo - i) * sizeof(c->ooo[0]));
		c->ooo[i] = (struct tcp_range){ seq, end };
		c->nooo++;
		/* Coalesce neighbours that now touch or overlap. */
		for (unsigned j = 0; j + 1 < c->nooo; ) {
			if (seq_geq(c->ooo[j].end, c->ooo[j + 1].seq)) {
				if (seq_gt(c->ooo[j + 1].end, c->ooo[j].end))
					c->ooo[j].end = c->ooo[j + 1].end;
				memmove(&c->ooo[j + 1], &c->ooo[j + 2], (c->nooo - j - 2) * sizeof(c->ooo[0]));
				c->nooo--;
			} else {
				j++;
			}
		}
		return false;
	}
	c->rlen += len;
	c->rcv_nxt = end;
	/* Islands the new data reaches are now in order too. */
	while (c->nooo && seq_leq(c->ooo[0].seq, c->rcv_nxt)) {
		if (seq_gt(c->ooo[0].end, c->rcv_nxt)) {
			c->rlen += c->ooo[0].end - c->rcv_nxt;
			c->rcv_nxt = c->ooo[0].end;
		}
		memmove(&c->ooo[0], &c->ooo[1], (c->nooo - 1) * sizeof(c->ooo[0]));
		c->nooo--;
	}
	return true;
}

/* Steps 5 (ACK) of RFC 9293 3.10.7.4 for a synchronized connection. Returns false when the
 * segment is to be dropped here. */
static bool ack_input(struct tcp_conn *c, const struct seg *s, uint32_t seglen, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	/* RFC 5961 5.2: the ACK must lie in [SND.UNA - MAX.SND.WND, SND.NXT]. */
	if (seq_gt(s->ack, c->snd_max)) {
		drop(st, DROP_TCP_BAD_ACK);
		send_ack(c, now);
		return false;
	}
	if (seq_lt(s->ack, c->snd_una - c->max_snd_wnd)) {
		drop(st, DROP_TCP_BAD_ACK);
		send_ack(c, now);
		return false;
	}
	uint32_t old_wnd = c->snd_wnd;
	if (seq_gt(s->ack, c->snd_una)) {
		uint32_t acked = s->ack - c->snd_una;
		uint32_t data = MIN(acked, c->slen);
		c->shead = (c->shead + data) % (c->scap ? c->scap : 1);
		c->slen -= data;
		c->snd_una = s->ack;
		if (seq_lt(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->retries = 0;
		/* RFC 6298: a sample per ACK by timestamps, else per timed segment (Karn). */
		if (c->ts_ok && s->has_ts && s->tsecr)
			rtt_sample(c, ts_now(now) - s->tsecr);
		else if (c->rtt_timing && seq_gt(s->ack, c->rtt_seq)) {
			c->rtt_timing = false;
			rtt_sample(c, (uint32_t)(now - c->rtt_start));
		}
		congestion_on_ack(c, data ? data : acked, now);
		c->t_rexmt = c->snd_una == c->snd_max ? 0 : now + c->rto;
		if (data)
			notify(c);              /* room in the send buffer */
	} else if (s->ack == c->snd_una && seglen == 0 && c->snd_max != c->snd_una &&
		   (s->wnd << c->snd_wscale) == c->snd_wnd) {
		dup_ack(c, now);
	}
	/* The send window (RFC 9293 3.10.7.4, fifth step, SND.WL1/WL2). */
	if (seq_lt(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && seq_leq(c->snd_wl2, s->ack))) {
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->max_snd_wnd = MAX(c->max_snd_wnd, c->snd_wnd);
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		if (c->snd_wnd > 0 && old_wnd == 0) {
			c->t_persist = 0;
			c->persist_backoff = 0;
		}
	}
	bool fin_acked = c->fin_sent && seq_gt(s->ack, c->fin_seq);
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked) {
			set_state(c, TCP_FIN_WAIT_2);
			if (c->user_closed)
				c->t_wait = now + TCP_FIN_WAIT_2_MS;
		}
		break;
	case TCP_CLOSING:
		if (fin_acked) {
			enter_time_wait(c, now);
			return false;
		}
		break;
	case TCP_LAST_ACK:
		if (fin_acked) {
			conn_finish(c, 0);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* A segment for a connection past LISTEN and SYN-SENT (RFC 9293 3.10.7.4). */
static void conn_input(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	uint32_t seglen = s->len + !!(s->flags & SYN) + !!(s->flags & FIN);

	/* PAWS (RFC 7323 5.3): an older timestamp than the last in-order one is a stale
	 * duplicate. A connection with timestamps drops segments without them (3.2). */
	if (c->ts_ok && !(s->flags & RST)) {
		if (!s->has_ts || (seq_lt(s->tsval, c->ts_recent) &&
				   now - c->ts_recent_ms < 24ull * 24 * 3600 * 1000)) {
			drop(st, DROP_TCP_PAWS);
			if (s->has_ts)
				send_ack(c, now);
			return;
		}
	}
	/* First: is the sequence number acceptable? A zero window still takes the ACK of a
	 * segment at RCV.NXT (ibid.: "special allowance"). */
	bool ok = acceptable(c, s, seglen);
	bool ack_only = false;
	if (!ok && s->seq == c->rcv_nxt && !(s->flags & (RST | SYN))) {
		ok = true;
		ack_only = true;
	}
	if (!ok) {
		drop(st, DROP_TCP_OUT_OF_WINDOW);
		if (c->state == TCP_TIME_WAIT && (s->flags & FIN))
			time_wait_restart(c, now);      /* the peer lost our last ACK */
		if (!(s->flags & RST))
			send_ack(c, now);
		return;
	}
	/* RFC 7323 4.3: remember the timestamp of a segment that starts in order. */
	if (c->ts_ok && s->has_ts && seq_leq(s->seq, c->rcv_nxt) && seq_geq(s->tsval, c->ts_recent)) {
		c->ts_recent = s->tsval;
		c->ts_recent_ms = now;
	}
	/* Second: RST, exactly at RCV.NXT or it only draws a challenge (RFC 5961 3.2). */
	if (s->flags & RST) {
		if (s->seq != c->rcv_nxt) {
			drop(st, DROP_TCP_RST_BLIND);
			challenge_ack(c, now);
			return;
		}
		if (c->state == TCP_SYN_RECEIVED && c->listener) {
			conn_free(c);           /* a half-open child: back to nothing */
			return;
		}
		if (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT)
			count(st, TCP_ESTAB_RESETS);
		bool quiet = c->state == TCP_CLOSING || c->state == TCP_LAST_ACK || c->state == TCP_TIME_WAIT;
		conn_finish(c, quiet ? 0 : -ECONNRESET);
		return;
	}
	/* Fourth: a SYN on a synchronized connection gets a challenge ACK (RFC 5961 4.2). */
	if (s->flags & SYN) {
		drop(st, DROP_TCP_SYN_IN_WINDOW);
		challenge_ack(c, now);
		return;
	}
	/* Fifth: the ACK. */
	if (!(s->flags & ACK)) {
		drop(st, DROP_TCP_FLAGS);
		return;
	}
	c->last_rx = now;
	c->keep_probes = 0;
	if (c->keepalive && c->t_keep)
		c->t_keep = now + TCP_KEEPIDLE_MS;
	if (c->state == TCP_SYN_RECEIVED) {
		if (seq_leq(s->ack, c->snd_una) || seq_gt(s->ack, c->snd_max)) {
			drop(st, DROP_TCP_BAD_ACK);
			send_reset(st, s, now);
			return;
		}
		struct tcp_conn *l = c->listener;
		if (l && l->accept_count >= l->backlog) {
			drop(st, DROP_TCP_ACCEPT_FULL);         /* the SYN-ACK is retransmitted */
			return;
		}
		c->snd_una = c->iss + 1;                    /* the SYN is acknowledged */
		c->t_rexmt = 0;
		c->retries = 0;
		if (c->ts_ok && s->has_ts && s->tsecr)
			rtt_sample(c, ts_now(now) - s->tsecr);
		if (establish(c, s, now)) {
			tcp_abort(c, now);
			return;
		}
		if (l)
			accept_enqueue(l, c);
		else {
			count(st, TCP_ACTIVE_OPENS);
			notify(c);
		}
	}
	if (!ack_input(c, s, seglen, now))
		return;
	if (c->state == TCP_TIME_WAIT) {
		if (s->flags & FIN) {
			time_wait_restart(c, now);
			send_ack(c, now);
		}
		return;
	}
	/* Seventh: the data. */
	bool in_order = false;
	if (s->len && !ack_only) {
		if (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 || c->state == TCP_FIN_WAIT_2) {
			if (c->user_closed) {
				/* Nobody will read it: reset, as Linux does for a closed socket. */
				tcp_abort(c, now);
				return;
			}
			bool had_hole = c->nooo > 0;
			in_order = take_data(c, s->seq, s->data, s->len);
			if (in_order) {
				c->ack_pending++;
				/* RFC 5681 4.2: at once when it fills (part of) a hole. */
				if (c->ack_pending >= 2 || (s->flags & FIN) || had_hole)
					c->ack_now = true;
				else if (!c->t_delack)
					c->t_delack = now + TCP_DELACK_MS;
				notify(c);
			} else {
				c->ack_now = true;      /* out of order: a duplicate ACK at once (RFC 5681 4.2) */
			}
			if (c->nooo)
				c->ack_now = true;      /* still a hole: keep the sender informed */
		}
	}
	/* Eighth: the FIN, once everything before it has arrived. */
	if ((s->flags & FIN) && !ack_only && s->seq + s->len == c->rcv_nxt && !c->fin_rcvd) {
		c->fin_rcvd = true;
		c->rcv_nxt++;
		c->ack_now = true;
		switch (c->state) {
		case TCP_SYN_RECEIVED:
		case TCP_ESTABLISHED:
			set_state(c, TCP_CLOSE_WAIT);
			break;
		case TCP_FIN_WAIT_1:
			set_state(c, TCP_CLOSING);
			break;
		case TCP_FIN_WAIT_2:
			send_ack(c, now);
			enter_time_wait(c, now);
			return;
		default:
			break;
		}
		notify(c);
	} else if ((s->flags & FIN) && !c->fin_rcvd) {
		c->ack_now = true;              /* a FIN past a hole: wait for the hole */
	}
	output(c, now);
}

/* Checks the segment's framing and returns 0, or the drop reason. */
static int parse(const uint8_t *ip, const uint8_t *p, size_t len, struct seg *s)
{
	if (len < TCP_HDR)
		return DROP_TCP_SHORT;
	size_t off = (size_t)(p[12] >> 4) * 4;
	if (off < TCP_HDR || off > len)
		return DROP_TCP_OFFSET;
	memset(s, 0, sizeof(*s));
	s->src = rd32be(ip + 12);
	s->dst = rd32be(ip + 16);
	if (inet_fold(inet_sum(p, len, inet_pseudo_sum(s->src, s->dst, IP_PROTO_TCP, len))) != 0)
		return DROP_TCP_CHECKSUM;
	s->sport = rd16be(p);
	s->dport = rd16be(p + 2);
	s->seq = rd32be(p + 4);
	s->ack = rd32be(p + 8);
	s->flags = p[13] & 0x3F;
	s->wnd = rd16be(p + 14);
	s->data = p + off;
	s->len = (uint32_t)(len - off);
	if (!(s->flags & (SYN | ACK | RST | FIN)) || ((s->flags & SYN) && (s->flags & (FIN | RST))) ||
	    s->sport == 0 || s->dport == 0)
		return DROP_TCP_FLAGS;
	if (parse_options(p + TCP_HDR, off - TCP_HDR, s))
		return DROP_TCP_OPTIONS;
	return 0;
}

/* A connection's first segment: the NIC's flow hash must be the one this kernel computes,
 * or steering flows by the hash (DESIGN.md section 4) would send them astray. Checked once
 * per connection, not per segment: the software hash is a loop over 96 input bits. */
static void check_flow_hash(struct tcp_stack *st, const struct netif *nif, const struct seg *s)
{
	count(st, TCP_RSS_CHECKED);
	if (toeplitz_ipv4_tcp(nif->rss_key, s->src, s->dst, s->sport, s->dport) != nif->rx_hash)
		count(st, TCP_RSS_MISMATCHES);
}

void tcp_input(struct netif *nif, const uint8_t *ip, const uint8_t *p, size_t len, uint64_t now)
{
	struct tcp_stack *st = nif->tcp;
	struct seg s;
	int why = parse(ip, p, len, &s);
	if (why) {
		nif->stats.drops[why]++;
		return;
	}
	count(st, TCP_IN_SEGS);
	if (nif->rx_hashed && nif->rss_key && (s.flags & (SYN | ACK)) == SYN)
		check_flow_hash(st, nif, &s);
	struct tcp_conn *c = lookup(st, &s);
	/* A new SYN may end a TIME-WAIT early if it is clearly newer (RFC 6191, RFC 9293 3.10.7.4). */
	if (c && c->state == TCP_TIME_WAIT && (s.flags & (SYN | ACK)) == SYN &&
	    ((c->ts_ok && s.has_ts) ? seq_gt(s.tsval, c->ts_recent) : seq_gt(s.seq, c->rcv_nxt))) {
		if (c->user_closed || !c->owner)
			conn_free(c);
		else
			conn_finish(c, 0);
		c = NULL;
	}
	if (!c) {
		struct tcp_conn *l = lookup_listener(st, s.dst, s.dport);
		if (l) {
			listen_input(l, &s, now);
			return;
		}
		drop(st, DROP_TCP_NO_SOCKET);
		send_reset(st, &s, now);
		return;
	}
	if (c->state == TCP_SYN_SENT)
		syn_sent_input(c, &s, now);
	else
		conn_input(c, &s, now);
}

/* ---- timers ---- */

static void rexmt_timeout(struct tcp_conn *c, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	c->t_rexmt = 0;
	count(st, TCP_RTO_TIMEOUTS);
	bool handshake = c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED;
	if (++c->retries > (handshake ? TCP_SYN_RETRIES : TCP_DATA_RETRIES)) {
		if (c->state == TCP_SYN_SENT)
			count(st, TCP_ATTEMPT_FAILS);
		conn_finish(c, -ETIMEDOUT);
		return;
	}
	c->rto = MIN(c->rto * 2, (uint32_t)TCP_RTO_MAX_MS);     /* RFC 6298 5.5 */
	c->rtt_timing = false;
	if (handshake) {
		count(st, TCP_RETRANS_SEGS);
		send_syn(c, now);
		return;
	}
	/* RFC 5681 3.1 eq. 4, and the loss window; RFC 6582 ends recovery. A segment timed out
	 * again keeps the ssthresh of its first timeout (ibid., the note to eq. 4). */
	if (c->retries == 1)
		c->ssthresh = MAX(flight(c) / 2, 2u * c->mss);
	c->cwnd = c->mss;
	c->in_recovery = false;
	c->dupacks = 0;
	c->recover = c->snd_max;
	c->snd_nxt = c->snd_una;
	output(c, now);
	if (!c->t_rexmt)
		c->t_rexmt = now + c->rto;
}

/* Zero-window probes and keepalives both send SEG.SEQ = SND.UNA - 1 with no data, which the
 * peer must answer with an ACK carrying its window (RFC 9293 3.8.6.1, RFC 1122 4.2.3.6). */
static void send_probe(struct tcp_conn *c, uint64_t now)
{
	xmit(c, c->snd_una - 1, ACK, 0, 0, now, 0);
}

static void conn_tick(struct tcp_conn *c, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	if (c->t_wait && now >= c->t_wait) {
		c->t_wait = 0;
		if (c->state == TCP_TIME_WAIT || c->state == TCP_FIN_WAIT_2) {
			conn_finish(c, 0);
			return;
		}
	}
	if (c->t_rexmt && now >= c->t_rexmt) {
		rexmt_timeout(c, now);
		return;                 /* c may be gone */
	}
	if (c->t_persist && now >= c->t_persist) {
		count(st, TCP_WINDOW_PROBES);
		send_probe(c, now);
		if (c->persist_backoff < 7)
			c->persist_backoff++;
		uint64_t wait = MAX((uint64_t)TCP_PERSIST_MIN_MS, (uint64_t)c->rto) << c->persist_backoff;
		c->t_persist = now + MIN(wait, (uint64_t)TCP_RTO_MAX_MS);
	}
	if (c->t_keep && now >= c->t_keep && c->state == TCP_ESTABLISHED) {
		if (c->keep_probes >= TCP_KEEPCNT) {
			conn_finish(c, -ETIMEDOUT);
			return;
		}
		count(st, TCP_KEEPALIVE_PROBES);
		c->keep_probes++;
		send_probe(c, now);
		c->t_keep = now + TCP_KEEPINTVL_MS;
	}
	if (c->t_delack && now >= c->t_delack) {
		count(st, TCP_DELAYED_ACKS);
		send_ack(c, now);
	}
}

void tcp_tick(struct tcp_stack *st, uint64_t now)
{
	st->last_tick = now;
	list_for_each_safe(n, &st->all) {
		struct tcp_conn *c = list_entry(n, struct tcp_conn, all_node);
		if (c->t_wait || c->t_rexmt || c->t_persist || c->t_keep || c->t_delack)
			conn_tick(c, now);
	}
	while (!list_empty(&st->time_wait)) {
		struct tcp_conn *c = list_entry(list_first(&st->time_wait), struct tcp_conn, all_node);
		if (now < c->t_wait)
			break;
		conn_finish(c, 0);
	}
}

/* ---- the user's calls ---- */

int tcp_init(struct tcp_stack *st, struct netif *nif, const struct siphash_key *key,
	     void *(*alloc)(size_t), void (*free_fn)(void *))
{
	memset(st, 0, sizeof(*st));
	st->nif = nif;
	for (unsigned i = 0; i < TCP_HASH_BUCKETS; i++)
		list_init(&st->buckets[i]);
	list_init(&st->listeners);
	list_init(&st->all);
	list_init(&st->time_wait);
	st->key = *key;
	st->alloc = alloc;
	st->free = free_fn;
	st->next_port = (uint16_t)(TCP_EPHEMERAL_FIRST + key->k0 % (65536 - TCP_EPHEMERAL_FIRST));
	nif->tcp = st;
	return 0;
}

struct tcp_conn *tcp_conn_new(struct tcp_stack *st)
{
	return conn_alloc(st);
}

static bool port_in_list(struct list_node *list, uint32_t addr, uint16_t port, bool reuse)
{
	struct tcp_conn *c;
	list_for_each_entry(c, list, all_node) {
		if (c->lport != port || (c->laddr && addr && c->laddr != addr))
			continue;
		/* SO_REUSEADDR lets a listener bind over connections, not over a listener. */
		if (!reuse || c->state == TCP_LISTEN)
			return true;
	}
	return false;
}

static bool port_in_use(struct tcp_stack *st, uint32_t addr, uint16_t port, bool reuse)
{
	return port_in_list(&st->all, addr, port, reuse) ||
	       port_in_list(&st->time_wait, addr, port, reuse);
}

int tcp_bind(struct tcp_conn *c, uint32_t addr, uint16_t port, bool reuse)
{
	if (c->state != TCP_CLOSED || c->lport)
		return -EINVAL;
	if (port && port_in_use(c->stack, addr, port, reuse))
		return -EADDRINUSE;
	c->laddr = addr;
	c->lport = port;                /* 0: picked at listen or connect */
	return 0;
}

/* An ephemeral port; for a connection (its peer known), one whose answers reach this stack. */
static int pick_port(struct tcp_conn *c, bool connecting)
{
	struct tcp_stack *st = c->stack;
	for (unsigned tries = 0; tries < 65536 - TCP_EPHEMERAL_FIRST; tries++) {
		uint16_t p = st->next_port;
		st->next_port = p == 65535 ? TCP_EPHEMERAL_FIRST : (uint16_t)(p + 1);
		if (connecting && st->port_ok && !st->port_ok(st, c->laddr, p, c->raddr, c->rport))
			continue;
		if (!port_in_use(st, c->laddr, p, false)) {
			c->lport = p;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
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
	if (!c->lport && (err = pick_port(c, false)))
		return err;
	/* Two sockets may bind one port with SO_REUSEADDR; only one of them may listen. */
	struct tcp_conn *l;
	list_for_each_entry(l, &c->stack->listeners, hash_node)
		if (l->lport == c->lport && (!l->laddr || !c->laddr || l->laddr == c->laddr))
			return -EADDRINUSE;
	c->backlog = MAX(MIN(backlog, 65535u), 1u);
	list_del(&c->hash_node);
	list_add_tail(&c->stack->listeners, &c->hash_node);
	set_state(c, TCP_LISTEN);
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
	if (!c->laddr)
		c->laddr = st->nif->ip;
	c->raddr = addr;
	c->rport = port;
	if (!c->lport && (err = pick_port(c, true)))
		return err;
	struct seg probe = { .src = addr, .dst = c->laddr, .sport = port, .dport = c->lport };
	if (lookup(st, &probe))
		return -EADDRINUSE;
	if ((err = alloc_buffers(c)))
		return err;
	c->rcv_wscale = wscale_for(c->rcap);
	c->iss = make_isn(c, now);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->recover = c->iss;
	c->rto = TCP_RTO_INITIAL_MS;
	list_add_tail(bucket(st, c->laddr, c->lport, c->raddr, c->rport), &c->hash_node);
	set_state(c, TCP_SYN_SENT);
	send_syn(c, now);
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
	ring_put(c->sbuf, c->scap, c->shead + c->slen, data, n);
	c->slen += n;
	output(c, now);
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
	ring_get(c->rbuf, c->rcap, c->rhead, buf, n);
	if (peek)
		return n;
	uint32_t before = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	c->rhead = (c->rhead + n) % c->rcap;
	c->rlen -= n;
	/* A window update when reading opened the window a good deal (RFC 9293 3.8.6.2.2). */
	if (synchronized(c->state) && !c->fin_rcvd && c->state != TCP_TIME_WAIT) {
		uint32_t space = c->rcap - c->rlen;
		if (space - before >= MIN(c->rcap / 2, 2u * c->mss))
			send_ack(c, now);
	}
	return n;
}

int tcp_shutdown_send(struct tcp_conn *c, uint64_t now)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_SYN_RECEIVED:
		queue_fin(c, now);
		return 0;
	case TCP_SYN_SENT:
		conn_finish(c, 0);
		return 0;
	default:
		return c->state == TCP_CLOSED || c->state == TCP_LISTEN ? -ENOTCONN : 0;
	}
}

static void send_rst_on(struct tcp_conn *c, uint64_t now)
{
	xmit(c, c->snd_nxt, RST | ACK, 0, 0, now, 0);
}

void tcp_abort(struct tcp_conn *c, uint64_t now)
{
	if (synchronized(c->state) && c->state != TCP_TIME_WAIT)
		send_rst_on(c, now);
	else if (c->state == TCP_SYN_RECEIVED)
		send_rst_on(c, now);
	if (c->state == TCP_LISTEN) {
		/* Half-open and unaccepted children go with their listener. */
		list_for_each_safe(n, &c->stack->all) {
			struct tcp_conn *ch = list_entry(n, struct tcp_conn, all_node);
			if (ch->listener == c) {
				if (ch->state != TCP_CLOSED)
					send_rst_on(ch, now);
				conn_free(ch);
			}
		}
	}
	conn_free(c);
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
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_SYN_RECEIVED:
		if (c->rlen) {
			/* Unread data would be lost without the peer knowing: RST (RFC 2525 2.17). */
			tcp_abort(c, now);
			return;
		}
		queue_fin(c, now);
		return;
	case TCP_FIN_WAIT_2:
		if (!c->t_wait)
			c->t_wait = now + TCP_FIN_WAIT_2_MS;
		return;
	case TCP_TIME_WAIT:
		free_buffers(c);
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

uint32_t tcp_readable(const struct tcp_conn *c)
{
	return c->rlen;
}
