/* TCP output: the window we offer, building and sending segments (data, ACKs, RSTs, SYNs,
 * probes), and what the send and congestion windows let go. */
#include "net/tcp_var.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "lib/util.h"

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

/* Writes the options at o and returns their end: MSS and window scale on a SYN (scale on a
 * SYN-ACK only in answer to the peer's), timestamps on every segment once both sides use
 * them, and on our own SYN as the offer (RFC 9293 3.7.1, RFC 7323 1.3 and 3.2). */
static uint8_t *put_options(const struct tcp_conn *c, uint8_t *o, uint8_t flags, uint64_t now)
{
	bool offering = (flags & SYN) && (c->state == TCP_SYN_SENT || c->state == TCP_CLOSED);
	if (flags & SYN) {
		*o++ = OPT_MSS;
		*o++ = 4;
		wr16be(o, TCP_MSS_OURS);
		o += 2;
		if (c->ws_ok || offering) {
			*o++ = OPT_NOP;
			*o++ = OPT_WS;
			*o++ = 3;
			*o++ = c->rcv_wscale;
		}
	}
	if (c->ts_ok || offering) {
		*o++ = OPT_NOP;
		*o++ = OPT_NOP;
		*o++ = OPT_TS;
		*o++ = 10;
		wr32be(o, tcp_ts_now(now));
		wr32be(o + 4, (flags & ACK) ? c->ts_recent : 0);
		o += 8;
	}
	return o;
}

/* The window field of a segment we send, with rcv_adv moved to the right edge it offers. */
static uint16_t window_field(struct tcp_conn *c, uint8_t flags)
{
	uint32_t win;
	if (flags & SYN) {
		win = MIN(c->rcap, 0xFFFFu);    /* never scaled in a SYN (RFC 7323 2.2) */
		if (flags & ACK)
			c->rcv_adv = c->rcv_nxt + win;
		return (uint16_t)win;
	}
	win = rcv_window(c);
	if (seq_gt(c->rcv_nxt + win, c->rcv_adv) || !(flags & ACK))
		c->rcv_adv = c->rcv_nxt + ((win >> c->rcv_wscale) << c->rcv_wscale);
	return (uint16_t)(win >> c->rcv_wscale);
}

/* Builds and sends one segment; data, if any, is len bytes of the send buffer at data_off
 * bytes past snd_una. */
int tcp_xmit(struct tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t data_off, uint32_t len,
	     uint64_t now)
{
	struct tcp_stack *st = c->stack;
	uint8_t seg[TCP_HDR + 40 + TCP_MSS_OURS];
	size_t hlen = (size_t)(put_options(c, seg + TCP_HDR, flags, now) - seg);
	len = MIN(len, (uint32_t)(sizeof(seg) - hlen));
	wr16be(seg, c->lport);
	wr16be(seg + 2, c->rport);
	wr32be(seg + 4, seq);
	wr32be(seg + 8, (flags & ACK) ? c->rcv_nxt : 0);
	seg[12] = (uint8_t)((hlen / 4) << 4);
	seg[13] = flags;
	wr16be(seg + 14, window_field(c, flags));
	wr16be(seg + 16, 0);
	wr16be(seg + 18, 0);
	if (len)
		tcp_ring_get(c->sbuf, c->salloc, c->shead + data_off, seg + hlen, len);
	uint64_t sum = inet_pseudo_sum(c->laddr, c->raddr, IP_PROTO_TCP, hlen + len);
	wr16be(seg + 16, inet_fold(inet_sum(seg, hlen + len, sum)));
	if ((len || (flags & (SYN | FIN))) && c->snd_una == c->snd_max)
		c->ts_oldest = tcp_ts_now(now);         /* the first unacknowledged byte leaves */
	if (flags & ACK) {
		c->ack_pending = 0;
		c->ack_now = false;
		if (c->t_delack)
			tcp_timer_set(c, &c->t_delack, 0);
	}
	tcp_count(st, TCP_OUT_SEGS);
	if (flags & RST)
		tcp_count(st, TCP_OUT_RSTS);
	return ipv4_output(st->nif, c->raddr, IP_PROTO_TCP, seg, hlen + len, now);
}

void tcp_send_ack(struct tcp_conn *c, uint64_t now)
{
	tcp_xmit(c, c->snd_nxt, ACK, 0, 0, now);
}

/* RFC 5961 7: challenge ACKs are rate limited, so they cannot be used as an amplifier. */
void tcp_challenge_ack(struct tcp_conn *c, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	if (now / 1000 != st->challenge_second) {
		st->challenge_second = now / 1000;
		st->challenge_count = 0;
	}
	if (st->challenge_count++ < TCP_CHALLENGE_ACKS_PER_S) {
		tcp_count(st, TCP_CHALLENGE_ACKS);
		tcp_send_ack(c, now);
	}
}

/* A RST for a segment no connection takes (RFC 9293 3.10.7.1). */
void tcp_send_reset(struct tcp_stack *st, const struct seg *s, uint64_t now)
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
	tcp_count(st, TCP_OUT_SEGS);
	tcp_count(st, TCP_OUT_RSTS);
	ipv4_output(st->nif, s->src, IP_PROTO_TCP, h, TCP_HDR, now);
}

void tcp_send_syn(struct tcp_conn *c, uint64_t now)
{
	uint8_t flags = c->state == TCP_SYN_SENT ? SYN : SYN | ACK;
	tcp_xmit(c, c->iss, flags, 0, 0, now);
	c->snd_nxt = c->iss + 1;
	if (seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	tcp_timer_set(c, &c->t_rexmt, now + c->rto);
}

/* Sends len bytes at snd_nxt, and the FIN after them if fin, and moves snd_nxt on. Without
 * timestamps one new segment at a time is timed for the RTT (RFC 6298 3, Karn: never a
 * retransmitted one). */
static void send_data(struct tcp_conn *c, uint32_t len, bool fin, bool push, uint64_t now)
{
	if (seq_lt(c->snd_nxt, c->snd_max))
		tcp_count(c->stack, TCP_RETRANS_SEGS);
	uint8_t flags = ACK | (fin ? FIN : 0) | (push ? PSH : 0);
	tcp_xmit(c, c->snd_nxt, flags, c->snd_nxt - c->snd_una, len, now);
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
		tcp_timer_set(c, &c->t_rexmt, now + c->rto);
}

/* Data waiting and nothing in flight: the window is zero, to be probed (RFC 9293 3.8.6.1),
 * or too small for sender SWS avoidance, which waits for the override timeout (3.8.6.2.1).
 * The persist timer serves both. */
static void persist_arm(struct tcp_conn *c, uint64_t now)
{
	if (c->slen > tcp_flight(c) && tcp_flight(c) == 0 && !c->t_persist) {
		c->persist_backoff = 0;
		tcp_timer_set(c, &c->t_persist, now + MAX((uint32_t)TCP_PERSIST_MIN_MS, c->rto));
	}
}

/* Sends what the windows allow: new data, the FIN, or an owed ACK. */
void tcp_output(struct tcp_conn *c, uint64_t now)
{
	bool sent = false;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED || c->state == TCP_LISTEN ||
	    c->state == TCP_CLOSED)
		return;
	while (c->slen || c->fin_queued) {
		uint32_t off = c->snd_nxt - c->snd_una;
		if (off > c->slen || (c->fin_sent && seq_gt(c->snd_nxt, c->fin_seq)))
			break;                  /* the FIN is out (and maybe acknowledged) */
		uint32_t unsent = c->slen - off;
		uint32_t wnd = MIN(c->snd_wnd, c->cwnd);
		uint32_t usable = wnd > tcp_flight(c) ? wnd - tcp_flight(c) : 0;
		uint32_t len = MIN(MIN(unsent, (uint32_t)c->mss), usable);
		bool fin = c->fin_queued && len == unsent && (usable > len || unsent == 0);
		if (len == 0 && !fin)
			break;
		if (len < unsent && len < c->mss)
			break;                  /* sender SWS avoidance: wait for a whole segment */
		if (len == unsent && len < c->mss && tcp_flight(c) > 0 && !c->nodelay && !fin)
			break;                  /* Nagle (RFC 9293 3.7.4) */
		if (len == unsent && len < c->mss && c->more && !c->fin_queued)
			break;                  /* MSG_MORE: the rest of it, or the FIN, is coming */
		send_data(c, len, fin, len && len == unsent, now);
		sent = true;
		if (fin)
			break;
	}
	persist_arm(c, now);
	if (!sent && c->ack_now)
		tcp_send_ack(c, now);
}

/* The SWS override timeout (RFC 9293 3.8.6.2.1, RFC 1122 4.2.3.4): with nothing in
 * flight, what the window takes goes now, however small. */
void tcp_send_override(struct tcp_conn *c, uint64_t now)
{
	if (tcp_flight(c) > 0 || c->snd_nxt != c->snd_una)
		return;                 /* something went out since: its ACK moves the rest */
	uint32_t unsent = c->slen;
	uint32_t len = MIN(MIN(unsent, (uint32_t)c->mss), c->snd_wnd);
	bool fin = c->fin_queued && len == unsent && c->snd_wnd > len;
	if (len || fin)
		send_data(c, len, fin, len == unsent, now);
}

/* Queues the FIN and moves the state on (RFC 9293 3.10.4 CLOSE). */
void tcp_queue_fin(struct tcp_conn *c, uint64_t now)
{
	if (c->fin_queued)
		return;
	c->fin_queued = true;
	c->more = false;
	if (c->state == TCP_ESTABLISHED)
		tcp_set_state(c, TCP_FIN_WAIT_1);
	else if (c->state == TCP_CLOSE_WAIT)
		tcp_set_state(c, TCP_LAST_ACK);
	tcp_output(c, now);
}

/* Zero-window probes and keepalives both send SEG.SEQ = SND.UNA - 1 with no data, which the
 * peer must answer with an ACK carrying its window (RFC 9293 3.8.6.1, RFC 1122 4.2.3.6). */
void tcp_send_probe(struct tcp_conn *c, uint64_t now)
{
	tcp_xmit(c, c->snd_una - 1, ACK, 0, 0, now);
}

void tcp_send_rst(struct tcp_conn *c, uint64_t now)
{
	tcp_xmit(c, c->snd_nxt, RST | ACK, 0, 0, now);
}
