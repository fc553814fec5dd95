/* TCP after RFC 9293, with RFC 7323 (window scale, timestamps, PAWS), RFC 6298 (RTO),
 * RFC 5681 and RFC 6582 (congestion control, NewReno), RFC 5961 (blind RST, SYN and ACK
 * checks), RFC 6528 (initial sequence numbers) and SYN cookies. One stack per netif, single
 * threaded like the rest of a kernel; time is handed in (milliseconds) so the host tests
 * drive it by hand. The socket layer sits on the calls below and is told of every change a
 * waiter could care about through tcp_stack.event. */
#ifndef NET_TCP_H
#define NET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"
#include "lib/siphash.h"
#include "net/net.h"
#include "net/tcp_wheel.h"

#define TCP_HDR                 20
#define TCP_MSS_OURS            (1500 - 20 - TCP_HDR)   /* Ethernet MTU less IPv4 and TCP */
#define TCP_MSS_DEFAULT         536     /* when the peer sends no MSS option (RFC 9293 3.7.1) */
#define TCP_RCVBUF_DEFAULT      (64 * 1024)
#define TCP_SNDBUF_DEFAULT      (64 * 1024)
#define TCP_BUF_MIN             2048
#define TCP_BUF_MAX             (4 * 1024 * 1024)
#define TCP_BUF_FIRST           2024    /* a buffer's first size: a 2 KiB heap block */
#define TCP_RTO_INITIAL_MS      1000    /* RFC 6298 2.1 */
#define TCP_RTO_MIN_MS          200     /* RFC 6298 2.4 says 1 s; 200 ms as Linux (ARCHITECTURE.md) */
#define TCP_RTO_MAX_MS          60000
#define TCP_SYN_RETRIES         5       /* a SYN-ACK's: about 63 s with backoff, then dropped */
#define TCP_SYN_SENT_RETRIES    7       /* a SYN's: 3 min 3 s, RFC 9293 MUST-23 asks >= 3 min */
#define TCP_DATA_RETRIES        12      /* R2 of RFC 1122 4.2.3.5: well over 100 s */
#define TCP_DELACK_MS           40      /* under RFC 1122's 500 ms bound (4.2.3.2) */
#define TCP_MSL_MS              30000
#define TCP_TIME_WAIT_MS        (2 * TCP_MSL_MS)
#define TCP_FIN_WAIT_2_MS       60000   /* an orphan waiting for the peer's FIN */
#define TCP_KEEPIDLE_MS         (2 * 3600 * 1000ull)    /* RFC 1122 4.2.3.6: >= 2 hours */
#define TCP_KEEPINTVL_MS        75000
#define TCP_KEEPCNT             9
#define TCP_PERSIST_MIN_MS      500
#define TCP_OOO_RANGES          8       /* out-of-order islands kept per connection */
#define TCP_SYNQ_MAX            256     /* half-open connections per listener before cookies */
#define TCP_TIME_WAIT_MAX       16384   /* past this, a closing connection skips TIME_WAIT */
#define TCP_CHALLENGE_ACKS_PER_S 1000   /* RFC 5961 7 */
#define TCP_HASH_BUCKETS        16384   /* chains of 2 at 25,000 connections, 6 at 100,000 */
#define TCP_LISTEN_BUCKETS      64
#define TCP_EPHEMERAL_FIRST     49152   /* RFC 6335's dynamic range */
#define TCP_RSS_BUCKETS         128     /* RSS buckets: the low 7 bits of a flow's Toeplitz
					   hash, the 82576's redirection table (net/steer.h) */
#define TCP_EPHEMERAL_COUNT     (65536 - TCP_EPHEMERAL_FIRST)

/* What tcp_poll reports (the POLL* values of kernel/syscall.h). */
#define TCP_EV_IN       0x001
#define TCP_EV_OUT      0x004
#define TCP_EV_ERR      0x008
#define TCP_EV_HUP      0x010
#define TCP_EV_RDHUP    0x2000

struct tcp_range {
	uint32_t seq, end;
};

struct tcp_conn {
	struct list_node hash_node;     /* bucket of the connection table, or the listener list */
	struct list_node all_node;      /* the stack's all or time_wait list, for the timers */
	struct list_node queue_node;    /* a child's place in its listener's accept queue; a
					 * listener's (never queued) in the stack's listen_hash */
	struct tcp_stack *stack;
	enum tcp_state state;
	uint32_t laddr, raddr;
	uint16_t lport, rport;

	/* Send sequence space (RFC 9293 3.3.1). snd_max is the highest snd_nxt ever sent:
	 * snd_nxt goes back to snd_una when the retransmission timer fires. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, max_snd_wnd, snd_wl1, snd_wl2;
	uint8_t snd_wscale, rcv_wscale;
	uint16_t mss;                   /* bytes of data per segment, options excluded */
	uint16_t peer_mss;
	/* Receive sequence space; rcv_adv is the right edge last advertised. */
	uint32_t irs, rcv_nxt, rcv_adv;
	/* RFC 7323 timestamps. ts_oldest is our TSval on the oldest segment still
	 * unacknowledged: an echo older than that, or newer than our clock, was never ours. */
	bool ts_ok, ws_ok;
	uint32_t ts_recent, ts_oldest;
	uint64_t ts_recent_ms;
	/* Congestion control (RFC 5681, 6582). */
	uint32_t cwnd, ssthresh, recover;
	unsigned dupacks;
	bool in_recovery;
	/* RTT (RFC 6298), in milliseconds scaled by 8 and 4; rtt_seq times one segment when
	 * timestamps are off. */
	uint32_t srtt8, rttvar4, rto;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	unsigned retries;
	/* Timers: absolute milliseconds, 0 when off, set through tcp_timer_set so that `timer`
	 * stays in the stack's wheel at the earliest of them. */
	uint64_t t_rexmt, t_delack, t_persist, t_keep, t_wait;
	struct tcp_wheel_entry timer;
	unsigned persist_backoff;
	unsigned keep_probes;           /* keepalive and window probes since the peer was heard */
	/* Send buffer: bytes from snd_una on (sent and unsent), then the FIN if fin_queued; a
	 * ring of salloc bytes (0 while there is none) that grows up to scap. */
	uint8_t *sbuf;
	uint32_t scap, salloc, shead, slen;
	/* Receive buffer: rlen in-order bytes from rhead, then room; islands of out-of-order
	 * data sit in that room at their place. A ring of ralloc bytes that grows up to rcap,
	 * the size the window offers. */
	uint8_t *rbuf;
	uint32_t rcap, ralloc, rhead, rlen;
	struct tcp_range ooo[TCP_OOO_RANGES];
	unsigned nooo;
	unsigned ack_pending;           /* in-order segments received but not acknowledged */
	bool ack_now;
	bool fin_queued, fin_sent, fin_rcvd, user_closed, nodelay, keepalive;
	/* The last send said more follows (MSG_MORE): a last partial segment waits for the
	 * next send, the FIN (so a reply and its FIN leave as one segment) or the persist
	 * timer, whichever comes first. */
	bool more;
	uint32_t fin_seq;               /* our FIN's sequence number, once sent */
	int error;                      /* a pending -errno: ECONNRESET, ETIMEDOUT, ECONNREFUSED */
	int soft_error;                 /* the last ICMP error heard: reported on a timeout */
	/* Listener: half-open children, and established ones waiting for accept. */
	struct tcp_conn *listener;      /* set while a child is half-open or queued */
	struct list_node accept_q;
	unsigned backlog, syn_count, accept_count;
	uint64_t cookies_until;         /* cookie ACKs are checked until then */
	uint8_t rss_bucket;             /* its flow's RSS bucket, once it left CLOSED */
	void *owner;                    /* the socket layer's */
};

/* The tables every lookup goes through are hashed, so that nothing on the input path or in
 * connect() walks every connection: connections by 4-tuple (buckets), listeners by port
 * (listen_hash), and how many connections hold each local port (port_users, for bind()). */
struct tcp_stack {
	struct netif *nif;
	struct list_node buckets[TCP_HASH_BUCKETS];
	struct list_node listen_hash[TCP_LISTEN_BUCKETS];
	uint32_t port_users[65536];
	struct list_node listeners;     /* every listener, in the order they listened */
	struct list_node all;           /* every connection not in TIME_WAIT */
	struct list_node time_wait;     /* TIME_WAIT ones, oldest first */
	struct tcp_wheel wheel;         /* every connection with a timer armed, by the earliest */
	struct siphash_key key;         /* RFC 6528's secret, the cookies' and the table's */
	uint32_t next_ephemeral;        /* RFC 6056 3.3.3's counter */
	uint64_t lookup_steps;          /* table entries compared by lookups, ever */
	unsigned nconns, ntime_wait;
	unsigned conns_by_state[TCP_STATES];
	/* Per RSS bucket: connections opened since tcp_init, and those live now (from leaving
	 * CLOSED until TIME-WAIT or CLOSED): what the load balancer weighs a bucket by
	 * (kernel/netload.h). */
	uint32_t bucket_opened[TCP_RSS_BUCKETS];
	uint32_t bucket_live[TCP_RSS_BUCKETS];
	uint64_t challenge_second;
	unsigned challenge_count;
	/* Called after anything a waiter on c could care about changed. */
	void (*event)(struct tcp_conn *c);
	/* With flow steering the NIC hands a flow to the kernel owning its hash bucket, so
	 * connect() takes an ephemeral port only if this says the answers will come here, and a
	 * SYN opens a connection only if its flow is steered here. NULL: every flow is. */
	bool (*port_ok)(const struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
			uint16_t rport);
	/* The RSS bucket (below TCP_RSS_BUCKETS) a flow's segments are steered by, for the
	 * per-bucket counts: the NIC's rule, which may be its Flow Director group rather than its
	 * hash. NULL: the Toeplitz hash with the interface's RSS key (the symmetric one
	 * without). */
	unsigned (*bucket_of)(const struct tcp_stack *st, uint32_t laddr, uint16_t lport,
			      uint32_t raddr, uint16_t rport);
	/* A segment of a flow no connection here knows (TIME-WAIT ones included), other than a
	 * SYN that opens and the ACK of a cookie this stack sent, before its RST or cookie check:
	 * true when the hook took it away (the frame is in the interface's rx_frame). A moved
	 * bucket's new owner hands such segments to the previous owner (kernel/netmove.h,
	 * DESIGN.md section 4). Never called for a frame another kernel handed on. NULL: none. */
	bool (*stray)(struct tcp_stack *st, uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport);
	/* A SYN of this flow was answered with a cookie, which leaves no state here: the peer's
	 * ACK, or data standing for it, may come much later (a full accept queue drops it), and
	 * only this stack can check it. A bucket's move waits for it (kernel/netmove.h). NULL:
	 * none. */
	void (*cookie_sent)(struct tcp_stack *st, uint32_t src, uint32_t dst, uint16_t sport,
			    uint16_t dport, uint64_t now);
	/* Memory for connections and their buffers (kmalloc in the kernel, malloc in tests). */
	void *(*alloc)(size_t n);
	void (*free)(void *p);
};

/* Sets the stack up on nif; key is the secret (random at boot, fixed in tests). */
int tcp_init(struct tcp_stack *st, struct netif *nif, const struct siphash_key *key,
	     void *(*alloc)(size_t), void (*free_fn)(void *));
void tcp_input(struct netif *nif, const uint8_t *ip, const uint8_t *seg, size_t len, uint64_t now);
/* Runs the timers that are due; call it every few milliseconds. It costs nothing for
 * connections with no timer due. */
void tcp_tick(struct tcp_stack *st, uint64_t now);

/* A connection in CLOSED, with default buffers; then listen or connect. */
struct tcp_conn *tcp_conn_new(struct tcp_stack *st);
/* Sets the local address (port 0: an ephemeral port at listen/connect). -EADDRINUSE. */
int tcp_bind(struct tcp_conn *c, uint32_t addr, uint16_t port, bool reuse);
int tcp_listen(struct tcp_conn *c, unsigned backlog);
/* Sends the SYN; the connection is then SYN_SENT, and the event tells when it is done. */
int tcp_connect(struct tcp_conn *c, uint32_t addr, uint16_t port, uint64_t now);
/* The next established connection of a listener, or NULL (then -EAGAIN for the caller). */
struct tcp_conn *tcp_accept(struct tcp_conn *listener);
/* Queues up to len bytes: returns how many (0 when the buffer is full), or -errno. */
long tcp_send(struct tcp_conn *c, const void *data, size_t len, uint64_t now);
/* Takes up to len bytes: returns how many, 0 at the end of the stream, or -EAGAIN/-errno. */
long tcp_recv(struct tcp_conn *c, void *buf, size_t len, bool peek, uint64_t now);
/* Sends a FIN after the queued data (shutdown SHUT_WR). */
int tcp_shutdown_send(struct tcp_conn *c, uint64_t now);
/* The user is done with c: a graceful close (RST if unread data is thrown away, RFC 9293
 * 3.10.4 and RFC 2525 2.17); the stack frees it when the connection ends. */
void tcp_close(struct tcp_conn *c, uint64_t now);
/* Sends a RST and frees the connection at once. */
void tcp_abort(struct tcp_conn *c, uint64_t now);
unsigned tcp_poll(const struct tcp_conn *c);
int tcp_set_buffers(struct tcp_conn *c, uint32_t rcv, uint32_t snd);
/* SO_KEEPALIVE: probes after TCP_KEEPIDLE_MS of silence on an established connection. */
void tcp_set_keepalive(struct tcp_conn *c, bool on, uint64_t now);
/* Bytes that can be read now. */
uint32_t tcp_readable(const struct tcp_conn *c);

#endif
