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

/* The earliest of c's deadlines, 0 when none is set. */
static uint64_t earliest(const struct tcp_conn *c)
{
	const uint64_t t[] = { c->t_rexmt, c->t_delack, c->t_persist, c->t_keep, c->t_wait };
	uint64_t first = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i] && (!first || t[i] < first))
			first = t[i];
	return first;
}

/* A connection is in the wheel once, at its earliest deadline: the five timers of RFC 9293
 * and RFC 1122 cost one entry, and a tick visits a connection only when one is due. */
void tcp_timer_sync(struct tcp_conn *c)
{
	struct tcp_wheel *w = &c->stack->wheel;
	uint64_t when = earliest(c);
	if (!when)
		tcp_wheel_cancel(w, &c->timer);
	else if (!tcp_wheel_armed(&c->timer) || c->timer.when != when)
		tcp_wheel_arm(w, &c->timer, when);
}

void tcp_timer_set(struct tcp_conn *c, uint64_t *deadline, uint64_t when)
{
	*deadline = when;
	tcp_timer_sync(c);
}

/* RFC 6298 5.4 to 5.7, and the give-up of RFC 1122 4.2.3.5. False when c is gone. */
static bool rexmt_timeout(struct tcp_conn *c, uint64_t now)
{
	struct tcp_stack *st = c->stack;
	tcp_timer_set(c, &c->t_rexmt, 0);
	tcp_count(st, TCP_RTO_TIMEOUTS);
	bool handshake = c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED;
	unsigned limit = c->state == TCP_SYN_SENT ? TCP_SYN_SENT_RETRIES
			 : handshake ? TCP_SYN_RETRIES : TCP_DATA_RETRIES;
	if (++c->retries > limit) {
		if (c->state == TCP_SYN_SENT)
			tcp_count(st, TCP_ATTEMPT_FAILS);
		/* What ICMP said of the peer explains the timeout (RFC 1122 4.2.3.9). */
		return !tcp_conn_finish(c, c->soft_error ? c->soft_error : -ETIMEDOUT);
	}
	c->rto = MIN(c->rto * 2, (uint32_t)TCP_RTO_MAX_MS);     /* RFC 6298 5.5 */
	c->rtt_timing = false;
	if (handshake) {
		tcp_count(st, TCP_RETRANS_SEGS);
		tcp_send_syn(c, now);
		return true;
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
		tcp_timer_set(c, &c->t_rexmt, now + c->rto);
	return true;
}

/* The persist timer: the SWS override when the window is open (RFC 9293 3.8.6.2.1), else a
 * zero-window probe with backoff. False when c is gone. */
static bool persist_timeout(struct tcp_conn *c, uint64_t now)
{
	if (c->snd_wnd > 0) {
		tcp_timer_set(c, &c->t_persist, 0);
		tcp_send_override(c, now);
		return true;
	}
	/* The window may stay shut while the peer answers the probes (RFC 1122 4.2.2.17); a
	 * peer that answers none of TCP_DATA_RETRIES of them is gone, as after that many
	 * unanswered retransmissions. keep_probes counts them: anything heard from the peer
	 * zeroes it. */
	if (c->keep_probes >= TCP_DATA_RETRIES)
		return !tcp_conn_finish(c, -ETIMEDOUT);
	c->keep_probes++;
	tcp_count(c->stack, TCP_WINDOW_PROBES);
	tcp_send_probe(c, now);
	if (c->persist_backoff < 7)
		c->persist_backoff++;
	uint64_t wait = MAX((uint64_t)TCP_PERSIST_MIN_MS, (uint64_t)c->rto) << c->persist_backoff;
	tcp_timer_set(c, &c->t_persist, now + MIN(wait, (uint64_t)TCP_RTO_MAX_MS));
	return true;
}

/* Keepalive (RFC 1122 4.2.3.6), on established connections only: a deadline reached in
 * another state is dropped. False when c is gone. */
static bool keep_timeout(struct tcp_conn *c, uint64_t now)
{
	if (c->state != TCP_ESTABLISHED) {
		tcp_timer_set(c, &c->t_keep, 0);
		return true;
	}
	if (c->keep_probes >= TCP_KEEPCNT)
		return !tcp_conn_finish(c, -ETIMEDOUT);
	tcp_count(c->stack, TCP_KEEPALIVE_PROBES);
	c->keep_probes++;
	tcp_send_probe(c, now);
	tcp_timer_set(c, &c->t_keep, now + TCP_KEEPINTVL_MS);
	return true;
}

/* Runs what is due of c's timers; false when c is gone. A retransmission timeout ends the
 * visit: what else is due then waits for the next tick. */
static bool conn_tick(struct tcp_conn *c, uint64_t now)
{
	if (c->t_wait && now >= c->t_wait) {
		tcp_timer_set(c, &c->t_wait, 0);
		if (c->state == TCP_TIME_WAIT || c->state == TCP_FIN_WAIT_2)
			return !tcp_conn_finish(c, 0);
	}
	if (c->t_rexmt && now >= c->t_rexmt)
		return rexmt_timeout(c, now);
	if (c->t_persist && now >= c->t_persist && !persist_timeout(c, now))
		return false;
	if (c->t_keep && now >= c->t_keep && !keep_timeout(c, now))
		return false;
	if (c->t_delack && now >= c->t_delack) {
		tcp_count(c->stack, TCP_DELAYED_ACKS);
		tcp_send_ack(c, now);
	}
	return true;
}

/* Only the connections the wheel says are due are visited; each that is still there after
 * its visit goes back in at its next deadline. */
void tcp_tick(struct tcp_stack *st, uint64_t now)
{
	struct tcp_wheel_entry *e;
	tcp_wheel_begin(&st->wheel, now);
	while ((e = tcp_wheel_take(&st->wheel))) {
		struct tcp_conn *c = container_of(e, struct tcp_conn, timer);
		if (conn_tick(c, now))
			tcp_timer_sync(c);
	}
}
