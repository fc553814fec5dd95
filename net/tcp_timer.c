/* TCP timers (retransmission, persist, keepalive, delayed ACK, TIME_WAIT), the RTT estimate
 * (RFC 6298) and the congestion window (RFC 5681, RFC 6582). */
#include "net/tcp_var.h"
#include "lib/errno.h"
#include "lib/util.h"

/* ---- RTT and congestion ---- */

/* RFC 6298 2.2 and 2.3. A sample is taken as at most the largest RTO, which also keeps the
 * scaled sums below from overflowing. */
void tcp_rtt_sample(struct tcp_conn *c, uint32_t r)
{
	r = MIN(MAX(r, 1u), (uint32_t)TCP_RTO_MAX_MS);
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

/* The RTT by timestamps, from an ACK of new data (RFC 7323 4.3 and Appendix G): TSecr is a
 * sample only if it is one of our own timestamps for data that ACK covers, so not later than
 * our clock and not earlier than the oldest unacknowledged send. Anything else is a peer's
 * error or forgery and leaves the estimate alone. */
void tcp_rtt_ts_sample(struct tcp_conn *c, uint32_t tsecr, uint64_t now)
{
	uint32_t ts = tcp_ts_now(now);
	if (seq_gt(tsecr, ts) || seq_lt(tsecr, c->ts_oldest))
		return;
	tcp_rtt_sample(c, ts - tsecr);
}

static void retransmit_first(struct tcp_conn *c, uint64_t now)
{
	uint32_t len = MIN(c->slen, (uint32_t)c->mss);
	bool fin = c->fin_queued && len == c->slen && seq_gt(c->snd_max, c->snd_una + c->slen);
	tcp_count(c->stack, TCP_RETRANS_SEGS);
	tcp_xmit(c, c->snd_una, ACK | (fin ? FIN : 0), 0, len, now);
	c->rtt_timing = false;          /* Karn: no sample from a retransmitted segment */
}

/* The send side of an ACK that moved snd_una by acked bytes (RFC 5681 3.1, RFC 6582 3.2). */
void tcp_congestion_on_ack(struct tcp_conn *c, uint32_t acked, uint64_t now)
{
	if (c->in_recovery) {
		if (seq_geq(c->snd_una, c->recover)) {
			/* Full acknowledgement: deflate the window and leave recovery. */
			c->cwnd = MIN(c->ssthresh, MAX(tcp_flight(c), (uint32_t)c->mss) + c->mss);
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

void tcp_dup_ack(struct tcp_conn *c, uint64_t now)
{
	c->dupacks++;
	if (c->in_recovery) {
		c->cwnd += c->mss;      /* each dupack: a segment has left the network */
		tcp_output(c, now);
		return;
	}
	if (c->dupacks != 3 || !seq_gt(c->snd_una - 1, c->recover))
		return;
	tcp_count(c->stack, TCP_FAST_RETRANS);
	c->ssthresh = MAX(tcp_flight(c) / 2, 2u * c->mss);
	c->recover = c->snd_max;
	c->in_recovery = true;
	retransmit_first(c, now);
	c->cwnd = c->ssthresh + 3u * c->mss;
	tcp_output(c, now);
}

/* ---- timers ---- */

static void rexmt_timeout(struct tcp_conn *c, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	c->t_rexmt = 0;
	tcp_count(st, TCP_RTO_TIMEOUTS);
	bool handshake = c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED;
	unsigned limit = c->state == TCP_SYN_SENT ? TCP_SYN_SENT_RETRIES
			 : handshake ? TCP_SYN_RETRIES : TCP_DATA_RETRIES;
	if (++c->retries > limit) {
		if (c->state == TCP_SYN_SENT)
			tcp_count(st, TCP_ATTEMPT_FAILS);
		/* What ICMP said of the peer explains the timeout (RFC 1122 4.2.3.9). */
		tcp_conn_finish(c, c->soft_error ? c->soft_error : -ETIMEDOUT);
		return;
	}
	c->rto = MIN(c->rto * 2, (uint32_t)TCP_RTO_MAX_MS);     /* RFC 6298 5.5 */
	c->rtt_timing = false;
	if (handshake) {
		tcp_count(st, TCP_RETRANS_SEGS);
		tcp_send_syn(c, now);
		return;
	}
	/* RFC 5681 3.1 eq. 4, and the loss window; RFC 6582 ends recovery. A segment timed out
	 * again keeps the ssthresh of its first timeout (ibid., the note to eq. 4). */
	if (c->retries == 1)
		c->ssthresh = MAX(tcp_flight(c) / 2, 2u * c->mss);
	c->cwnd = c->mss;
	c->in_recovery = false;
	c->dupacks = 0;
	c->recover = c->snd_max;
	c->snd_nxt = c->snd_una;
	tcp_output(c, now);
	if (!c->t_rexmt)
		c->t_rexmt = now + c->rto;
}

static void conn_tick(struct tcp_conn *c, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	if (c->t_wait && now >= c->t_wait) {
		c->t_wait = 0;
		if (c->state == TCP_TIME_WAIT || c->state == TCP_FIN_WAIT_2) {
			tcp_conn_finish(c, 0);
			return;
		}
	}
	if (c->t_rexmt && now >= c->t_rexmt) {
		rexmt_timeout(c, now);
		return;                 /* c may be gone */
	}
	if (c->t_persist && now >= c->t_persist && c->snd_wnd > 0) {
		c->t_persist = 0;
		tcp_send_override(c, now);
	} else if (c->t_persist && now >= c->t_persist) {
		/* The window may stay shut while the peer answers the probes (RFC 1122
		 * 4.2.2.17); a peer that answers none of TCP_DATA_RETRIES of them is gone, as
		 * after that many unanswered retransmissions. keep_probes counts them: anything
		 * heard from the peer zeroes it. */
		if (c->keep_probes >= TCP_DATA_RETRIES) {
			tcp_conn_finish(c, -ETIMEDOUT);
			return;
		}
		c->keep_probes++;
		tcp_count(st, TCP_WINDOW_PROBES);
		tcp_send_probe(c, now);
		if (c->persist_backoff < 7)
			c->persist_backoff++;
		uint64_t wait = MAX((uint64_t)TCP_PERSIST_MIN_MS, (uint64_t)c->rto) << c->persist_backoff;
		c->t_persist = now + MIN(wait, (uint64_t)TCP_RTO_MAX_MS);
	}
	if (c->t_keep && now >= c->t_keep && c->state == TCP_ESTABLISHED) {
		if (c->keep_probes >= TCP_KEEPCNT) {
			tcp_conn_finish(c, -ETIMEDOUT);
			return;
		}
		tcp_count(st, TCP_KEEPALIVE_PROBES);
		c->keep_probes++;
		tcp_send_probe(c, now);
		c->t_keep = now + TCP_KEEPINTVL_MS;
	}
	if (c->t_delack && now >= c->t_delack) {
		tcp_count(st, TCP_DELAYED_ACKS);
		tcp_send_ack(c, now);
	}
}

void tcp_tick(struct tcp_stack *st, uint64_t now)
{
	list_for_each_safe(n, &st->all) {
		struct tcp_conn *c = list_entry(n, struct tcp_conn, all_node);
		if (c->t_wait || c->t_rexmt || c->t_persist || c->t_keep || c->t_delack)
			conn_tick(c, now);
	}
	while (!list_empty(&st->time_wait)) {
		struct tcp_conn *c = list_entry(list_first(&st->time_wait), struct tcp_conn, all_node);
		if (now < c->t_wait)
			break;
		tcp_conn_finish(c, 0);
	}
}
