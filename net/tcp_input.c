/* TCP input: the segment is parsed, then taken through the steps of RFC 9293 3.10.7 by
 * state (LISTEN, SYN-SENT, the rest). Where a later RFC changes a step (RFC 5961 for RST, SYN
 * and ACK checks, RFC 7323 for PAWS) the comment names it. */
#include "net/tcp_var.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"
#include "lib/util.h"

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

/* RFC 5681 3.1's initial window. */
static uint32_t initial_window(uint32_t mss)
{
	return mss > 2190 ? 2 * mss : mss > 1095 ? 3 * mss : 4 * mss;
}

/* The options a SYN brought, applied to the connection. We always offer window scaling and
 * timestamps (a passive open answers in kind), so both are on exactly when the peer's SYN
 * had them (RFC 7323 1.3 and 2.2). */
void tcp_apply_syn_options(struct tcp_conn *c, const struct seg *s)
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

static void accept_enqueue(struct tcp_conn *l, struct tcp_conn *c)
{
	l->syn_count--;
	l->accept_count++;
	list_add_tail(&l->accept_q, &c->queue_node);
	tcp_count(l->stack, TCP_PASSIVE_OPENS);
	tcp_notify(l);
}

/* Becoming ESTABLISHED: the window from the segment, buffers allocated. */
static int establish(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	if (tcp_alloc_buffers(c))
		return -ENOMEM;
	c->snd_wnd = s->wnd << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->last_rx = now;
	if (c->keepalive)
		c->t_keep = now + TCP_KEEPIDLE_MS;
	tcp_set_state(c, TCP_ESTABLISHED);
	return 0;
}

static void listen_input(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = l->stack;
	if (s->flags & RST) {
		tcp_drop(st, DROP_TCP_NO_SOCKET);
		return;
	}
	if (s->flags & ACK) {
		/* The third step of a handshake answered with a cookie, or a stray ACK. */
		struct tcp_conn *c = NULL;
		if (!(s->flags & SYN) && now < l->cookies_until) {
			if (l->accept_count >= l->backlog) {
				tcp_drop(st, DROP_TCP_ACCEPT_FULL);
				return;
			}
			c = tcp_cookie_check(l, s, now);
			if (!c) {
				tcp_drop(st, DROP_TCP_BAD_COOKIE);
				tcp_send_reset(st, s, now);
				return;
			}
			list_add_tail(tcp_bucket(st, c->laddr, c->lport, c->raddr, c->rport), &c->hash_node);
			tcp_set_state(c, TCP_SYN_RECEIVED);
			l->syn_count++;
			if (establish(c, s, now)) {
				tcp_conn_free(c);
				return;
			}
			accept_enqueue(l, c);
			return;         /* data on the cookie ACK is left for a retransmission */
		}
		tcp_drop(st, DROP_TCP_NO_SOCKET);
		tcp_send_reset(st, s, now);
		return;
	}
	if (!(s->flags & SYN)) {
		tcp_drop(st, DROP_TCP_FLAGS);
		return;
	}
	if (l->accept_count >= l->backlog) {
		tcp_drop(st, DROP_TCP_ACCEPT_FULL);         /* the client will retry */
		return;
	}
	if (l->syn_count >= MIN((unsigned)TCP_SYNQ_MAX, MAX(l->backlog, 8u))) {
		tcp_count(st, TCP_SYN_QUEUE_FULL);
		tcp_cookie_send(l, s, now);
		return;
	}
	struct tcp_conn *c = tcp_child_new(l, s);
	if (!c) {
		tcp_cookie_send(l, s, now);                 /* out of memory: state-free instead */
		return;
	}
	tcp_apply_syn_options(c, s);
	c->iss = tcp_isn(c, now);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->recover = c->iss;
	c->snd_wnd = s->wnd;                    /* unscaled in a SYN */
	l->syn_count++;
	list_add_tail(tcp_bucket(st, c->laddr, c->lport, c->raddr, c->rport), &c->hash_node);
	tcp_set_state(c, TCP_SYN_RECEIVED);
	tcp_send_syn(c, now);
}

static void syn_sent_input(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	if ((s->flags & ACK) && (seq_leq(s->ack, c->iss) || seq_gt(s->ack, c->snd_max))) {
		tcp_drop(st, DROP_TCP_BAD_ACK);
		tcp_send_reset(st, s, now);
		return;
	}
	if (s->flags & RST) {
		if (s->flags & ACK) {
			tcp_count(st, TCP_ATTEMPT_FAILS);
			tcp_conn_finish(c, -ECONNREFUSED);
		} else {
			tcp_drop(st, DROP_TCP_RST_BLIND);
		}
		return;
	}
	if (!(s->flags & SYN)) {
		tcp_drop(st, DROP_TCP_FLAGS);
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	tcp_apply_syn_options(c, s);
	if (s->flags & ACK) {
		c->snd_una = s->ack;
		c->t_rexmt = 0;
		c->retries = 0;
		if (c->ts_ok && s->tsecr)
			tcp_rtt_sample(c, tcp_ts_now(now) - s->tsecr);
		if (establish(c, s, now)) {
			tcp_abort(c, now);
			return;
		}
		tcp_count(st, TCP_ACTIVE_OPENS);
		c->ack_now = true;
		tcp_output(c, now);
		tcp_notify(c);
		return;
	}
	/* Simultaneous open (RFC 9293 3.5, figure 7). */
	tcp_set_state(c, TCP_SYN_RECEIVED);
	c->snd_wnd = s->wnd;
	tcp_send_syn(c, now);
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
	tcp_ring_put(c->rbuf, c->rcap, c->rhead + c->rlen + off, data, len);
	uint32_t end = seq + len;
	if (off > 0) {
		/* An island: merge it into the list of out-of-order ranges. */
		tcp_count(st, TCP_OOO_SEGS);
		unsigned i = 0;
		while (i < c->nooo && seq_lt(c->ooo[i].seq, seq))
			i++;
		if (c->nooo == TCP_OOO_RANGES) {
			tcp_drop(st, DROP_TCP_OOO_FULL);    /* still in the buffer, just not remembered */
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
		tcp_drop(st, DROP_TCP_BAD_ACK);
		tcp_send_ack(c, now);
		return false;
	}
	if (seq_lt(s->ack, c->snd_una - c->max_snd_wnd)) {
		tcp_drop(st, DROP_TCP_BAD_ACK);
		tcp_send_ack(c, now);
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
			tcp_rtt_sample(c, tcp_ts_now(now) - s->tsecr);
		else if (c->rtt_timing && seq_gt(s->ack, c->rtt_seq)) {
			c->rtt_timing = false;
			tcp_rtt_sample(c, (uint32_t)(now - c->rtt_start));
		}
		tcp_congestion_on_ack(c, data ? data : acked, now);
		c->t_rexmt = c->snd_una == c->snd_max ? 0 : now + c->rto;
		if (data)
			tcp_notify(c);              /* room in the send buffer */
	} else if (s->ack == c->snd_una && seglen == 0 && c->snd_max != c->snd_una &&
		   (s->wnd << c->snd_wscale) == c->snd_wnd) {
		tcp_dup_ack(c, now);
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
			tcp_set_state(c, TCP_FIN_WAIT_2);
			if (c->user_closed)
				c->t_wait = now + TCP_FIN_WAIT_2_MS;
		}
		break;
	case TCP_CLOSING:
		if (fin_acked) {
			tcp_enter_time_wait(c, now);
			return false;
		}
		break;
	case TCP_LAST_ACK:
		if (fin_acked) {
			tcp_conn_finish(c, 0);
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
			tcp_drop(st, DROP_TCP_PAWS);
			if (s->has_ts)
				tcp_send_ack(c, now);
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
		tcp_drop(st, DROP_TCP_OUT_OF_WINDOW);
		if (c->state == TCP_TIME_WAIT && (s->flags & FIN))
			tcp_time_wait_restart(c, now);      /* the peer lost our last ACK */
		if (!(s->flags & RST))
			tcp_send_ack(c, now);
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
			tcp_drop(st, DROP_TCP_RST_BLIND);
			tcp_challenge_ack(c, now);
			return;
		}
		if (c->state == TCP_SYN_RECEIVED && c->listener) {
			tcp_conn_free(c);           /* a half-open child: back to nothing */
			return;
		}
		if (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT)
			tcp_count(st, TCP_ESTAB_RESETS);
		bool quiet = c->state == TCP_CLOSING || c->state == TCP_LAST_ACK || c->state == TCP_TIME_WAIT;
		tcp_conn_finish(c, quiet ? 0 : -ECONNRESET);
		return;
	}
	/* Fourth: a SYN on a synchronized connection gets a challenge ACK (RFC 5961 4.2). */
	if (s->flags & SYN) {
		tcp_drop(st, DROP_TCP_SYN_IN_WINDOW);
		tcp_challenge_ack(c, now);
		return;
	}
	/* Fifth: the ACK. */
	if (!(s->flags & ACK)) {
		tcp_drop(st, DROP_TCP_FLAGS);
		return;
	}
	c->last_rx = now;
	c->keep_probes = 0;
	if (c->keepalive && c->t_keep)
		c->t_keep = now + TCP_KEEPIDLE_MS;
	if (c->state == TCP_SYN_RECEIVED) {
		if (seq_leq(s->ack, c->snd_una) || seq_gt(s->ack, c->snd_max)) {
			tcp_drop(st, DROP_TCP_BAD_ACK);
			tcp_send_reset(st, s, now);
			return;
		}
		struct tcp_conn *l = c->listener;
		if (l && l->accept_count >= l->backlog) {
			tcp_drop(st, DROP_TCP_ACCEPT_FULL);         /* the SYN-ACK is retransmitted */
			return;
		}
		c->snd_una = c->iss + 1;                    /* the SYN is acknowledged */
		c->t_rexmt = 0;
		c->retries = 0;
		if (c->ts_ok && s->has_ts && s->tsecr)
			tcp_rtt_sample(c, tcp_ts_now(now) - s->tsecr);
		if (establish(c, s, now)) {
			tcp_abort(c, now);
			return;
		}
		if (l)
			accept_enqueue(l, c);
		else {
			tcp_count(st, TCP_ACTIVE_OPENS);
			tcp_notify(c);
		}
	}
	if (!ack_input(c, s, seglen, now))
		return;
	if (c->state == TCP_TIME_WAIT) {
		if (s->flags & FIN) {
			tcp_time_wait_restart(c, now);
			tcp_send_ack(c, now);
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
				tcp_notify(c);
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
			tcp_set_state(c, TCP_CLOSE_WAIT);
			break;
		case TCP_FIN_WAIT_1:
			tcp_set_state(c, TCP_CLOSING);
			break;
		case TCP_FIN_WAIT_2:
			tcp_send_ack(c, now);
			tcp_enter_time_wait(c, now);
			return;
		default:
			break;
		}
		tcp_notify(c);
	} else if ((s->flags & FIN) && !c->fin_rcvd) {
		c->ack_now = true;              /* a FIN past a hole: wait for the hole */
	}
	tcp_output(c, now);
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
	tcp_count(st, TCP_RSS_CHECKED);
	if (toeplitz_ipv4_tcp(nif->rss_key, s->src, s->dst, s->sport, s->dport) != nif->rx_hash)
		tcp_count(st, TCP_RSS_MISMATCHES);
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
	tcp_count(st, TCP_IN_SEGS);
	if (nif->rx_hashed && nif->rss_key && (s.flags & (SYN | ACK)) == SYN)
		check_flow_hash(st, nif, &s);
	struct tcp_conn *c = tcp_lookup(st, &s);
	/* A new SYN may end a TIME-WAIT early if it is clearly newer (RFC 6191, RFC 9293 3.10.7.4). */
	if (c && c->state == TCP_TIME_WAIT && (s.flags & (SYN | ACK)) == SYN &&
	    ((c->ts_ok && s.has_ts) ? seq_gt(s.tsval, c->ts_recent) : seq_gt(s.seq, c->rcv_nxt))) {
		if (c->user_closed || !c->owner)
			tcp_conn_free(c);
		else
			tcp_conn_finish(c, 0);
		c = NULL;
	}
	if (!c) {
		struct tcp_conn *l = tcp_lookup_listener(st, s.dst, s.dport);
		if (l) {
			listen_input(l, &s, now);
			return;
		}
		tcp_drop(st, DROP_TCP_NO_SOCKET);
		tcp_send_reset(st, &s, now);
		return;
	}
	if (c->state == TCP_SYN_SENT)
		syn_sent_input(c, &s, now);
	else
		conn_input(c, &s, now);
}
