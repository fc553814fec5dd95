/* What the TCP files share that is not the public API of tcp.h: header bits, the parsed
 * segment, sequence arithmetic and each file's calls into the others. The files are
 *   tcp_subr.c       the tables (connections, listeners, ports), ephemeral ports, allocation
 *                    and release, ISN, buffers, TIME_WAIT
 *   tcp_input.c      parsing and the segment-arrives steps of RFC 9293 3.10.7
 *   tcp_reass.c      the receive buffer and its out-of-order islands
 *   tcp_syncookie.c  the SYN-ACK without state, and the ACK that rebuilds it
 *   tcp_output.c     windows, segments, ACKs, RSTs, SYNs
 *   tcp_timer.c      timers, the RTT estimate and the congestion window
 *   tcp_wheel.c      the timing wheel the timers wait in (tcp_wheel.h)
 *   tcp_usrreq.c     the user's calls (bind, listen, connect, send, recv, close, poll ...) */
#ifndef NET_TCP_VAR_H
#define NET_TCP_VAR_H

#include "net/tcp.h"

/* Header flags (RFC 9293 3.1). */
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10
#define URG 0x20

/* Option kinds (RFC 9293 3.2, RFC 7323 2 and 3). */
#define OPT_END 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS  3
#define OPT_TS  8
#define TS_LEN  12                      /* NOP NOP kind len TSval TSecr */
#define WS_MAX  14                      /* RFC 7323 2.3 */

/* Sequence numbers compare modulo 2^32 (RFC 9293 3.4). */
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

static inline bool tcp_synchronized(enum tcp_state s)
{
	return s >= TCP_ESTABLISHED;
}

static inline void tcp_count(struct tcp_stack *st, enum tcp_counter what)
{
	st->nif->stats.tcp[what]++;
}

static inline void tcp_drop(struct tcp_stack *st, enum net_drop why)
{
	st->nif->stats.drops[why]++;
}

/* Tells the socket layer that something a waiter on c could care about changed. */
static inline void tcp_notify(struct tcp_conn *c)
{
	if (c->owner && c->stack->event)
		c->stack->event(c);
}

/* Our timestamp clock (RFC 7323 5.4): one tick a millisecond. */
static inline uint32_t tcp_ts_now(uint64_t now)
{
	return (uint32_t)now;
}

/* Bytes sent and not yet acknowledged (RFC 5681's FlightSize). */
static inline uint32_t tcp_flight(const struct tcp_conn *c)
{
	return c->snd_nxt - c->snd_una;
}

/* tcp_subr.c */
void tcp_set_state(struct tcp_conn *c, enum tcp_state s);
struct list_node *tcp_bucket(struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
			     uint16_t rport);
struct tcp_conn *tcp_lookup(struct tcp_stack *st, const struct seg *s);
/* The listener on port for local address addr (0: any), or NULL. */
struct tcp_conn *tcp_lookup_listener(struct tcp_stack *st, uint32_t addr, uint16_t port);
/* Puts c (bound, in LISTEN) into the listener tables. */
void tcp_listener_add(struct tcp_conn *c);
/* Whether bind() may not take port: a listener holds it, or (without SO_REUSEADDR) any
 * connection does. */
bool tcp_port_in_use(struct tcp_stack *st, uint32_t addr, uint16_t port, bool reuse);
/* c takes the local port (bind, a listener's child); the port is held until c is freed. */
void tcp_port_take(struct tcp_conn *c, uint16_t port);
/* An ephemeral port for c: for a listener (connecting false) one nobody holds; for a
 * connection to c's peer, one that makes a new 4-tuple (RFC 6056). -EADDRNOTAVAIL. */
int tcp_port_pick(struct tcp_conn *c, bool connecting);
uint32_t tcp_isn(const struct tcp_conn *c, uint64_t now);
uint8_t tcp_wscale_for(uint32_t space);
void tcp_ring_put(uint8_t *ring, uint32_t cap, uint32_t pos, const uint8_t *src, uint32_t n);
void tcp_ring_get(const uint8_t *ring, uint32_t cap, uint32_t pos, uint8_t *dst, uint32_t n);
/* c's receive or send buffer, made to hold need bytes (from the ring's head; need is within
 * rcap, scap): false when memory is short. */
bool tcp_rbuf_fit(struct tcp_conn *c, uint32_t need);
bool tcp_sbuf_fit(struct tcp_conn *c, uint32_t need);
/* Gives back the buffers that hold nothing; tcp_free_buffers gives back both. */
void tcp_buffers_trim(struct tcp_conn *c);
void tcp_free_buffers(struct tcp_conn *c);
struct tcp_conn *tcp_conn_alloc(struct tcp_stack *st);
void tcp_conn_free(struct tcp_conn *c);
/* True when c was freed (nobody holds it). */
bool tcp_conn_finish(struct tcp_conn *c, int error);
void tcp_time_wait_restart(struct tcp_conn *c, uint64_t now);
void tcp_enter_time_wait(struct tcp_conn *c, uint64_t now);
struct tcp_conn *tcp_child_new(struct tcp_conn *l, const struct seg *s);

/* tcp_input.c */
void tcp_apply_syn_options(struct tcp_conn *c, const struct seg *s);

/* tcp_reass.c: puts in-window data into the receive buffer, cut to its room (counted);
 * true when rcv_nxt moved. */
bool tcp_reass(struct tcp_conn *c, uint32_t seq, const uint8_t *data, uint32_t len);

/* tcp_syncookie.c */
void tcp_cookie_send(struct tcp_conn *l, const struct seg *s, uint64_t now);
struct tcp_conn *tcp_cookie_check(struct tcp_conn *l, const struct seg *s, uint64_t now);
/* Is s the ACK of a cookie listener l sent, within its cookie period? Nothing is made. */
bool tcp_cookie_ours(struct tcp_conn *l, const struct seg *s, uint64_t now);

/* tcp_output.c */
int tcp_xmit(struct tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t data_off, uint32_t len,
	     uint64_t now);
void tcp_send_ack(struct tcp_conn *c, uint64_t now);
void tcp_challenge_ack(struct tcp_conn *c, uint64_t now);
void tcp_send_reset(struct tcp_stack *st, const struct seg *s, uint64_t now);
void tcp_send_syn(struct tcp_conn *c, uint64_t now);
void tcp_send_probe(struct tcp_conn *c, uint64_t now);
void tcp_send_override(struct tcp_conn *c, uint64_t now);
void tcp_send_rst(struct tcp_conn *c, uint64_t now);
void tcp_output(struct tcp_conn *c, uint64_t now);
void tcp_queue_fin(struct tcp_conn *c, uint64_t now);

/* tcp_timer.c */
/* Sets one of c's deadlines (&c->t_rexmt ... &c->t_wait; 0 stops it) and moves c in the
 * wheel to the earliest; tcp_timer_sync does the latter after fields were set directly. */
void tcp_timer_set(struct tcp_conn *c, uint64_t *deadline, uint64_t when);
void tcp_timer_sync(struct tcp_conn *c);
void tcp_rtt_sample(struct tcp_conn *c, uint32_t r);
void tcp_rtt_ts_sample(struct tcp_conn *c, uint32_t tsecr, uint64_t now);
void tcp_congestion_on_ack(struct tcp_conn *c, uint32_t acked, uint64_t now);
void tcp_dup_ack(struct tcp_conn *c, uint64_t now);

#endif
