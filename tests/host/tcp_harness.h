/* The TCP tests' harness (tcp_harness.c): our stack on the host with time driven by hand,
 * and two ways to talk to it:
 * - a scripted peer: the test writes each segment the peer sends and reads each one our stack
 *   answers, to check single rules of RFC 9293 and its companions (named in each test);
 * - a wire: two of our stacks joined by a link that can lose, duplicate and reorder frames,
 *   to check that whole transfers arrive byte-exact and that both ends finish cleanly.
 * The tests are test_tcp.c (handshake, input rules, listener queues and cookies),
 * test_tcp_send.c (sending, timers, RTT and congestion), test_tcp_musts.c (RFC 9293 MUSTs
 * checked one by one, as docs/CONFORMANCE.md lists them) and test_tcp_wire.c. */
#ifndef TESTS_HOST_TCP_HARNESS_H
#define TESTS_HOST_TCP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include "net/tcp.h"

#define A_IP 0xC6120002u        /* 198.18.0.2: the stack under test */
#define B_IP 0xC6120001u        /* 198.18.0.1: the peer */
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

/* One end: an interface and its stack. A is the stack under test; B is the other stack on
 * the wire (unused by scripted tests, whose peer is the test itself). */
struct end {
	struct netif nif;
	struct tcp_stack st;
};
extern struct end A, B;
extern uint64_t now;                    /* milliseconds, moved only by run_for */

/* ---- the wire ---- */

extern unsigned loss_pct, dup_pct, reorder_pct;
extern unsigned long frames_from_a;

/* Fresh ends on a clean wire at now = 1000. */
void wire_setup(void);
/* Everything closed and timed out: nothing may be left allocated. */
void wire_done(void);
/* Moves time on by ms, a millisecond at a time: frames due are delivered, timers run. */
void run_for(uint64_t ms);
/* The same a second at a time, for hours of quiet: timers fire and frames arrive up to 999 ms
 * late, and an hour takes milliseconds to run. */
void idle_for(uint64_t ms);
/* A listener on e's port with the given backlog. */
struct tcp_conn *listener(struct end *e, uint16_t port, unsigned backlog);
/* B connects to A's port; returns both ends once established. */
void connect_pair(uint16_t port, struct tcp_conn **client, struct tcp_conn **server);
/* Sends len pseudo-random bytes from `from` and reads them at `to`, checking every byte. */
bool transfer(struct tcp_conn *from, struct tcp_conn *to, size_t len, uint64_t limit_ms);

/* ---- the scripted peer ---- */

/* A segment A sent, parsed. */
struct out_seg {
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t win;
	uint32_t len;
	bool has_mss, has_ws, has_ts;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	const uint8_t *data;
	uint32_t src, dst;              /* the IP header's addresses */
	uint16_t sport, dport;
	const uint8_t *opt;             /* the option bytes as sent, optlen of them */
	uint32_t optlen;
};

/* What the peer puts in a segment besides the header fields. */
struct peer_opts {
	bool mss, ws, ts;
	uint16_t mss_val;
	uint8_t ws_val;
	uint32_t tsval, tsecr;
	bool bad_sum;
	int doff_words;         /* 0: computed */
};

extern unsigned ncap;                   /* segments A sent since the count was last zeroed */
extern uint16_t peer_port;              /* the peer's port, 40000 unless a test moves it */
extern uint32_t a_iss;                  /* A's ISN in the last raw_accept */

/* Sets the scripted peer up: A's frames are captured, the peer's MAC known to A. */
void raw_setup(void);
/* Ends a scripted test: whatever is left is aborted; nothing may stay allocated. */
void raw_done(void);
/* The i-th captured segment, parsed; false if there is none. */
bool parse_cap(unsigned i, struct out_seg *s);
/* The last segment A sent. */
struct out_seg last(void);
/* Writes the frame of one peer segment to f and returns its length. */
size_t build(uint8_t *f, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
	     const void *data, size_t len, const struct peer_opts *o);
/* The peer sends one segment to A. */
void peer(uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
	  const void *data, size_t len, const struct peer_opts *o);
/* The peer opens a connection to the listener l on port 80 with ISN 1000 (options as given)
 * and completes the handshake; returns A's accepted connection, its ISN in a_iss. */
struct tcp_conn *raw_accept(struct tcp_conn *l, const struct peer_opts *o);

#endif
