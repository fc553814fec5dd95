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
		mss = mss > TS_LEN ? mss - TS_LEN : 0;  /* a peer's MSS may be under 12 */
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

/* Becoming ESTABLISHED: the window from the segment (the buffers come with the first
 * bytes, tcp_subr.c). */
static void establish(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	c->snd_wnd = s->wnd << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (c->keepalive)
		tcp_timer_set(c, &c->t_keep, now + TCP_KEEPIDLE_MS);
	tcp_set_state(c, TCP_ESTABLISHED);
	if (c->fin_queued) {
		tcp_set_state(c, TCP_FIN_WAIT_1);       /* shut down in SYN-RECEIVED: the FIN */
		tcp_output(c, now);                     /* waited for this (RFC 9293 3.10.4) */
	} else if (c->user_closed) {
		tcp_queue_fin(c, now);          /* closed in SYN-RECEIVED: the FIN goes now */
	}
}

static void conn_input(struct tcp_conn *c, const struct seg *s, uint64_t now);

/* LISTEN, an ACK (RFC 9293 3.10.7.2, second): the third step of a handshake we answered
 * with a cookie, or a stray that draws a RST. */
static void listen_ack(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = l->stack;
	if ((s->flags & SYN) || now >= l->cookies_until) {
		tcp_drop(st, DROP_TCP_NO_SOCKET);
		tcp_send_reset(st, s, now);
		return;
	}
	if (l->accept_count >= l->backlog) {
		tcp_drop(st, DROP_TCP_ACCEPT_FULL);
		return;
	}
	struct tcp_conn *c = tcp_cookie_check(l, s, now);
	if (!c) {
		tcp_drop(st, DROP_TCP_BAD_COOKIE);
		tcp_send_reset(st, s, now);
		return;
	}
	list_add_tail(tcp_bucket(st, c->laddr, c->lport, c->raddr, c->rport), &c->hash_node);
	tcp_set_state(c, TCP_SYN_RECEIVED);
	l->syn_count++;
	establish(c, s, now);
	accept_enqueue(l, c);
	/* Data or a FIN on the cookie ACK is taken as on any ACK that completes a handshake. */
	if (s->len || (s->flags & FIN))
		conn_input(c, s, now);
}

/* LISTEN, a SYN (RFC 9293 3.10.7.2, third): a half-open child answered with a SYN-ACK, or
 * a cookie and no state when the SYN queue is full. Only a flow steered here opens here
 * (port_ok): a SYN steered before its bucket moved away would leave a half-open connection
 * whose ACK reaches the new owner, which answers it with a RST once this kernel's drain is
 * over (kernel/netmove.h). Dropped instead; its sender's retry reaches the new owner. A SYN
 * another kernel handed here (a port only this kernel serves, kernel/netports.h) opens here:
 * its flow's later segments are handed here the same way. */
static void listen_syn(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = l->stack;
	if (st->port_ok && !st->nif->rx_forwarded &&
	    !st->port_ok(st, s->dst, s->dport, s->src, s->sport)) {
		tcp_drop(st, DROP_TCP_SYN_NOT_HERE);
		return;
	}
	if (l->accept_count >= l->backlog) {
		tcp_drop(st, DROP_TCP_ACCEPT_FULL);     /* the client will retry */
		return;
	}
	if (l->syn_count >= MIN((unsigned)TCP_SYNQ_MAX, MAX(l->backlog, 8u))) {
		tcp_count(st, TCP_SYN_QUEUE_FULL);
		tcp_cookie_send(l, s, now);
		return;
	}
	struct tcp_conn *c = tcp_child_new(l, s);
	if (!c) {
		tcp_cookie_send(l, s, now);             /* out of memory: state-free instead */
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

/* RFC 9293 3.10.7.2: a RST is ignored, an ACK is a cookie or draws a RST, a SYN opens. */
static void listen_input(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	if (s->flags & RST)
		tcp_drop(l->stack, DROP_TCP_NO_SOCKET);
	else if (s->flags & ACK)
		listen_ack(l, s, now);
	else if (s->flags & SYN)
		listen_syn(l, s, now);
	else
		tcp_drop(l->stack, DROP_TCP_FLAGS);
}

/* SYN-SENT, our SYN acknowledged with the peer's (RFC 9293 3.10.7.3, fourth). */
static void syn_sent_established(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	c->snd_una = s->ack;
	tcp_timer_set(c, &c->t_rexmt, 0);
	c->retries = 0;
	if (c->ts_ok)
		tcp_rtt_ts_sample(c, s->tsecr, now);
	establish(c, s, now);
	tcp_count(c->stack, TCP_ACTIVE_OPENS);
	c->ack_now = true;
	tcp_output(c, now);
	tcp_notify(c);
}

/* RFC 9293 3.10.7.3, its steps in order: the ACK, the RST, (security,) the SYN. */
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
		syn_sent_established(c, s, now);
		return;
	}
	/* Simultaneous open (RFC 9293 3.5, figure 7). */
	tcp_set_state(c, TCP_SYN_RECEIVED);
	c->snd_wnd = s->wnd;
	tcp_send_syn(c, now);
}

/* PAWS (RFC 7323 5.3), ahead of the first check: an older timestamp than the last in-order
 * one is a stale duplicate. A connection with timestamps drops segments without them (3.2). */
static bool paws_ok(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	if (!c->ts_ok || (s->flags & RST))
		return true;
	if (s->has_ts && (!seq_lt(s->tsval, c->ts_recent) ||
			  now - c->ts_recent_ms >= 24ull * 24 * 3600 * 1000))
		return true;
	tcp_drop(c->stack, DROP_TCP_PAWS);
	if (s->has_ts)
		tcp_send_ack(c, now);
	return false;
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

/* First: is the sequence number acceptable? A zero window still takes the ACK of a segment
 * at RCV.NXT (ibid.: "special allowance"); *ack_only says its data and FIN are not. */
static bool check_sequence(struct tcp_conn *c, const struct seg *s, uint32_t seglen,
			   bool *ack_only, uint64_t now)
{
	*ack_only = false;
	if (!acceptable(c, s, seglen)) {
		if (s->seq != c->rcv_nxt || (s->flags & (RST | SYN))) {
			tcp_drop(c->stack, DROP_TCP_OUT_OF_WINDOW);
			if (c->state == TCP_TIME_WAIT && (s->flags & FIN))
				tcp_time_wait_restart(c, now);  /* the peer lost our last ACK */
			if (!(s->flags & RST))
				tcp_send_ack(c, now);
			return false;
		}
		*ack_only = true;
	}
	/* RFC 7323 4.3: remember the timestamp of a segment that starts in order. */
	if (c->ts_ok && s->has_ts && seq_leq(s->seq, c->rcv_nxt) && seq_geq(s->tsval, c->ts_recent)) {
		c->ts_recent = s->tsval;
		c->ts_recent_ms = now;
	}
	return true;
}

/* Second: a RST, exactly at RCV.NXT or it only draws a challenge (RFC 5961 3.2). */
static void rst_input(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	if (s->seq != c->rcv_nxt) {
		tcp_drop(st, DROP_TCP_RST_BLIND);
		tcp_challenge_ack(c, now);
		return;
	}
	if (c->state == TCP_SYN_RECEIVED && c->listener) {
		tcp_conn_free(c);       /* a half-open child: back to nothing */
		return;
	}
	if (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT)
		tcp_count(st, TCP_ESTAB_RESETS);
	bool quiet = c->state == TCP_CLOSING || c->state == TCP_LAST_ACK || c->state == TCP_TIME_WAIT;
	tcp_conn_finish(c, quiet ? 0 : -ECONNRESET);
}

/* Fifth, in SYN-RECEIVED: an ACK of our SYN makes the connection (RFC 9293 3.10.7.4).
 * Returns false when the segment goes no further. */
static bool syn_received_ack(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	if (seq_leq(s->ack, c->snd_una) || seq_gt(s->ack, c->snd_max)) {
		tcp_drop(st, DROP_TCP_BAD_ACK);
		tcp_send_reset(st, s, now);
		return false;
	}
	struct tcp_conn *l = c->listener;
	if (l && l->accept_count >= l->backlog) {
		tcp_drop(st, DROP_TCP_ACCEPT_FULL);     /* the SYN-ACK is retransmitted */
		return false;
	}
	c->snd_una = c->iss + 1;                        /* the SYN is acknowledged */
	tcp_timer_set(c, &c->t_rexmt, 0);
	c->retries = 0;
	if (c->ts_ok && s->has_ts)
		tcp_rtt_ts_sample(c, s->tsecr, now);
	establish(c, s, now);
	if (l) {
		accept_enqueue(l, c);
	} else {
		tcp_count(st, TCP_ACTIVE_OPENS);
		tcp_notify(c);
	}
	return true;
}

/* RFC 5961 5.2: the ACK must lie in [SND.UNA - MAX.SND.WND, SND.NXT], or it is dropped and
 * answered with an ACK. */
static bool ack_acceptable(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	if (seq_gt(s->ack, c->snd_max) || seq_lt(s->ack, c->snd_una - c->max_snd_wnd)) {
		tcp_drop(c->stack, DROP_TCP_BAD_ACK);
		tcp_send_ack(c, now);
		return false;
	}
	return true;
}

/* SND.UNA < SEG.ACK: the acknowledged bytes leave the send buffer, the RTT is sampled, the
 * congestion window grows. */
static void ack_new_data(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	uint32_t acked = s->ack - c->snd_una;
	uint32_t data = MIN(acked, c->slen);
	c->shead = (c->shead + data) % (c->salloc ? c->salloc : 1);
	c->slen -= data;
	tcp_buffers_trim(c);            /* all acknowledged: the send buffer goes back */
	c->snd_una = s->ack;
	if (seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	c->retries = 0;
	/* RFC 6298: a sample per ACK by timestamps, else per timed segment (Karn). */
	if (c->ts_ok && s->has_ts)
		tcp_rtt_ts_sample(c, s->tsecr, now);
	else if (c->rtt_timing && seq_gt(s->ack, c->rtt_seq)) {
		c->rtt_timing = false;
		tcp_rtt_sample(c, (uint32_t)(now - c->rtt_start));
	}
	tcp_congestion_on_ack(c, data ? data : acked, now);
	tcp_timer_set(c, &c->t_rexmt, c->snd_una == c->snd_max ? 0 : now + c->rto);
	if (data)
		tcp_notify(c);          /* room in the send buffer */
}

/* The send window, from the newest segment by SND.WL1 and SND.WL2 (RFC 9293 3.10.7.4). */
static void window_update(struct tcp_conn *c, const struct seg *s)
{
	if (!seq_lt(c->snd_wl1, s->seq) && (c->snd_wl1 != s->seq || seq_gt(c->snd_wl2, s->ack)))
		return;
	uint32_t old_wnd = c->snd_wnd;
	c->snd_wnd = s->wnd << c->snd_wscale;
	c->max_snd_wnd = MAX(c->max_snd_wnd, c->snd_wnd);
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (c->snd_wnd > 0 && old_wnd == 0) {
		tcp_timer_set(c, &c->t_persist, 0);
		c->persist_backoff = 0;
	}
}

/* Our FIN acknowledged in FIN-WAIT-1, CLOSING or LAST-ACK. Returns false when the
 * connection has moved past taking the rest of the segment. */
static bool fin_acked(struct tcp_conn *c, uint64_t now)
{
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		tcp_set_state(c, TCP_FIN_WAIT_2);
		if (c->user_closed)
			tcp_timer_set(c, &c->t_wait, now + TCP_FIN_WAIT_2_MS);
		return true;
	case TCP_CLOSING:
		tcp_enter_time_wait(c, now);
		return false;
	case TCP_LAST_ACK:
		tcp_conn_finish(c, 0);
		return false;
	default:
		return true;
	}
}

/* Fifth, in a synchronized state: the ACK (RFC 9293 3.10.7.4). Returns false when the
 * segment goes no further. */
static bool ack_input(struct tcp_conn *c, const struct seg *s, uint32_t seglen, uint64_t now)
{
	if (!ack_acceptable(c, s, now))
		return false;
	if (seq_gt(s->ack, c->snd_una))
		ack_new_data(c, s, now);
	else if (s->ack == c->snd_una && seglen == 0 && c->snd_max != c->snd_una &&
		 (s->wnd << c->snd_wscale) == c->snd_wnd)
		tcp_dup_ack(c, now);
	window_update(c, s);
	if (c->fin_sent && seq_gt(s->ack, c->fin_seq))
		return fin_acked(c, now);
	return true;
}

/* Seventh: the data, taken in ESTABLISHED and FIN-WAIT (ignored in the other states, which
 * have seen the peer's FIN). Returns false when the connection is gone. */
static bool data_input(struct tcp_conn *c, const struct seg *s, bool ack_only, uint64_t now)
{
	if (ack_only) {
		/* A zero window took only the ACK; ours shows it still shut (RFC 9293 3.8.6.1). */
		tcp_drop(c->stack, DROP_TCP_ZERO_WINDOW);
		c->ack_now = true;
		return true;
	}
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 && c->state != TCP_FIN_WAIT_2)
		return true;
	if (c->user_closed) {
		/* Nobody will read it: reset, as Linux does for a closed socket. */
		tcp_abort(c, now);
		return false;
	}
	bool had_hole = c->nooo > 0;
	if (tcp_reass(c, s->seq, s->data, s->len)) {
		c->ack_pending++;
		/* RFC 5681 4.2: at once when it fills (part of) a hole. */
		if (c->ack_pending >= 2 || (s->flags & FIN) || had_hole)
			c->ack_now = true;
		else if (!c->t_delack)
			tcp_timer_set(c, &c->t_delack, now + TCP_DELACK_MS);
		tcp_notify(c);
	} else {
		c->ack_now = true;      /* out of order: a duplicate ACK at once (RFC 5681 4.2) */
	}
	if (c->nooo)
		c->ack_now = true;      /* still a hole: keep the sender informed */
	return true;
}

/* Eighth: the FIN, once everything before it has arrived; one past a hole waits for the
 * hole. Returns false when the connection has entered TIME_WAIT. */
static bool fin_input(struct tcp_conn *c, const struct seg *s, bool ack_only, uint64_t now)
{
	if (c->fin_rcvd)
		return true;
	c->ack_now = true;
	if (ack_only || s->seq + s->len != c->rcv_nxt)
		return true;
	c->fin_rcvd = true;
	c->rcv_nxt++;
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
		return false;
	default:
		break;
	}
	tcp_notify(c);
	return true;
}

/* Keepalive's idle clock starts again at anything the peer sends (RFC 1122 4.2.3.6). */
static void peer_heard(struct tcp_conn *c, uint64_t now)
{
	c->keep_probes = 0;
	if (c->keepalive && c->t_keep)
		tcp_timer_set(c, &c->t_keep, now + TCP_KEEPIDLE_MS);
}

/* A segment for a connection past LISTEN and SYN-SENT, through the steps of RFC 9293
 * 3.10.7.4 in their order; each step that ends the segment's journey returns. */
static void conn_input(struct tcp_conn *c, const struct seg *s, uint64_t now)
{
	uint32_t seglen = s->len + !!(s->flags & SYN) + !!(s->flags & FIN);
	bool ack_only;

	if (!paws_ok(c, s, now) || !check_sequence(c, s, seglen, &ack_only, now))
		return;                                         /* first */
	if (s->flags & RST) {
		rst_input(c, s, now);                           /* second */
		return;
	}
	/* Third, security: no IP security option is sent or expected, so there is none to
	 * match. Fourth: a SYN on a synchronized connection draws a challenge (RFC 5961 4.2). */
	if (s->flags & SYN) {
		tcp_drop(c->stack, DROP_TCP_SYN_IN_WINDOW);
		tcp_challenge_ack(c, now);
		return;
	}
	if (!(s->flags & ACK)) {                                /* fifth */
		tcp_drop(c->stack, DROP_TCP_FLAGS);
		return;
	}
	peer_heard(c, now);
	if (c->state == TCP_SYN_RECEIVED && !syn_received_ack(c, s, now))
		return;
	if (!ack_input(c, s, seglen, now))
		return;
	if (c->state == TCP_TIME_WAIT) {
		if (s->flags & FIN) {                           /* the peer lost our last ACK */
			tcp_time_wait_restart(c, now);
			tcp_send_ack(c, now);
		}
		return;
	}
	/* Sixth, URG: no urgent mode; the pointer is ignored and the data read in line, as
	 * RFC 6093 advises. */
	if (s->len && !data_input(c, s, ack_only, now))        /* seventh */
		return;
	if ((s->flags & FIN) && !fin_input(c, s, ack_only, now))        /* eighth */
		return;
	tcp_output(c, now);
}

/* Checks the segment's framing and returns 0, or the drop reason. The flags are judged later
 * (flags_ok): a closed port answers any segment without RST (RFC 9293 3.10.7.1). Port 0
 * names no socket, and a RST to it would name none either: such a segment is only counted. */
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
	if (s->sport == 0 || s->dport == 0)
		return DROP_TCP_PORT_ZERO;
	if (parse_options(p + TCP_HDR, off - TCP_HDR, s))
		return DROP_TCP_OPTIONS;
	return 0;
}

/* Flags a listener or a connection takes: at least one of SYN, ACK, RST and FIN, and no SYN
 * with FIN or RST (no state of RFC 9293 3.10.7 does anything useful with those). */
static bool flags_ok(const struct seg *s)
{
	if (!(s->flags & (SYN | ACK | RST | FIN)))
		return false;
	return !((s->flags & SYN) && (s->flags & (FIN | RST)));
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

/* A segment of a flow this stack does not know (or of a half-open one it may not be ours
 * to answer: answers_another_syn_ack), handed to whoever the stray hook says serves it (a
 * moved bucket's previous owner, DESIGN.md section 4): any segment but a SYN that opens
 * (the bucket's new owner takes those at once) and the ACK of a cookie this stack sent;
 * only the frame as it was received (not one reassembled here), and never one another
 * kernel handed on, so that no segment goes round. */
static bool stray_elsewhere(struct tcp_stack *st, const struct netif *nif, const uint8_t *ip,
			    const struct seg *s, uint64_t now)
{
	if (!st->stray || nif->rx_forwarded || (s->flags & (SYN | ACK)) == SYN ||
	    !nif->rx_frame || ip != nif->rx_frame + ETH_HDR)
		return false;
	struct tcp_conn *l = tcp_lookup_listener(st, s->dst, s->dport);
	if (l && tcp_cookie_ours(l, s, now))
		return false;
	return st->stray(st, s->src, s->dst, s->sport, s->dport);
}

/* SYN-RECEIVED, an ACK that does not answer our SYN-ACK (RFC 9293 3.10.7.4, fifth). Where a
 * bucket has just moved it may answer the previous owner's: the peer's SYN, sent again
 * across the move, opened a connection on both kernels and the peer took the other's
 * SYN-ACK. Such a segment is a stray too, before it draws a RST. */
static bool answers_another_syn_ack(const struct tcp_conn *c, const struct seg *s)
{
	return c->state == TCP_SYN_RECEIVED && (s->flags & (SYN | RST | ACK)) == ACK &&
	       (seq_leq(s->ack, c->snd_una) || seq_gt(s->ack, c->snd_max));
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
	if (c && c->state == TCP_TIME_WAIT && (s.flags & (SYN | ACK)) == SYN && flags_ok(&s) &&
	    ((c->ts_ok && s.has_ts) ? seq_gt(s.tsval, c->ts_recent) : seq_gt(s.seq, c->rcv_nxt))) {
		tcp_conn_finish(c, 0);  /* freed, unless its user holds it yet */
		c = NULL;
	}
	if ((!c || answers_another_syn_ack(c, &s)) && stray_elsewhere(st, nif, ip, &s, now))
		return;
	struct tcp_conn *l = c ? NULL : tcp_lookup_listener(st, s.dst, s.dport);
	if (!c && !l && net_elsewhere(nif, ip, IP_PROTO_TCP, s.dport))
		return;                 /* a port another kernel serves */
	if (!c && !l) {
		/* CLOSED: whatever the flags, every segment without RST draws a RST. */
		tcp_drop(st, DROP_TCP_NO_SOCKET);
		tcp_send_reset(st, &s, now);
		return;
	}
	if (!flags_ok(&s)) {
		tcp_drop(st, DROP_TCP_FLAGS);
		return;
	}
	if (l)
		listen_input(l, &s, now);
	else if (c->state == TCP_SYN_SENT)
		syn_sent_input(c, &s, now);
	else
		conn_input(c, &s, now);
}
