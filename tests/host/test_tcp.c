/* TCP (net/tcp.c) on the host, with time driven by hand. Two harnesses:
 * - a scripted peer: the test writes each segment the peer sends and reads each one our stack
 *   answers, to check single rules of RFC 9293 and its companions (named in each test);
 * - a wire: two of our stacks joined by a link that can lose, duplicate and reorder frames,
 *   to check that whole transfers arrive byte-exact and that both ends finish cleanly. */
#include <stdlib.h>
#include "tests/host/test.h"
#include "net/tcp.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "lib/util.h"
#include "lib/errno.h"

#define A_IP 0xC6120002u        /* 198.18.0.2: the stack under test */
#define B_IP 0xC6120001u        /* 198.18.0.1: the peer */
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

static const uint8_t a_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t b_mac[6] = { 0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE };

struct end {
	struct netif nif;
	struct tcp_stack st;
};
static struct end A, B;
static uint64_t now;
static long live_allocs;

static void *t_alloc(size_t n)
{
	live_allocs++;
	return malloc(n);
}

static void t_free(void *p)
{
	live_allocs--;
	free(p);
}

/* ---- the wire ---- */

#define WIRE_MAX 8192
struct wire_frame {
	uint8_t data[ETH_FRAME_MAX];
	size_t len;
	uint64_t due;
	struct end *to;
};
static struct wire_frame *wire;
static unsigned nwire;
static unsigned loss_pct, dup_pct, reorder_pct;
static uint64_t rng = 88172645463325252ull;
static bool raw_peer;           /* A's frames go to the capture list, not the wire */

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Frames A sent while raw_peer is set. */
#define CAP_MAX 64
static uint8_t cap[CAP_MAX][ETH_FRAME_MAX];
static size_t cap_len[CAP_MAX];
static unsigned ncap;

static void wire_put(struct end *to, const uint8_t *f, size_t len, uint64_t delay)
{
	if (nwire == WIRE_MAX)
		return;                 /* a full link loses frames, like a real one */
	memcpy(wire[nwire].data, f, len);
	wire[nwire].len = len;
	wire[nwire].due = now + delay;
	wire[nwire].to = to;
	nwire++;
}

static bool arp_asked;          /* A asked for the peer's MAC: answered at the next step */

static unsigned long frames_from_a;

static int tx(void *drv, const uint8_t *f, size_t len)
{
	struct end *from = drv, *to = from == &A ? &B : &A;
	if (from == &A)
		frames_from_a++;
	if (from == &A && raw_peer && rd16be(f + 12) == ETH_TYPE_ARP) {
		arp_asked = true;
		return 0;
	}
	if (from == &A && raw_peer) {
		if (ncap < CAP_MAX) {
			memcpy(cap[ncap], f, len);
			cap_len[ncap] = len;
		}
		ncap++;
		return 0;
	}
	if (rnd(100) < loss_pct)
		return 0;
	uint64_t delay = 1 + (rnd(100) < reorder_pct ? 1 + rnd(4) : 0);
	wire_put(to, f, len, delay);
	if (rnd(100) < dup_pct)
		wire_put(to, f, len, delay + 1);
	return 0;
}

/* Moves time on to `until`, a millisecond at a time: frames due are delivered, timers run. */
static void arp_answer(void);

static void run_until(uint64_t until)
{
	while (now < until) {
		now++;
		if (arp_asked)
			arp_answer();
		for (bool again = true; again; ) {
			again = false;
			for (unsigned i = 0; i < nwire; i++) {
				if (wire[i].due > now)
					continue;
				struct wire_frame f = wire[i];
				memmove(&wire[i], &wire[i + 1], (nwire - i - 1) * sizeof(wire[0]));
				nwire--;
				eth_input(&f.to->nif, f.data, f.len, now);
				again = true;
				break;
			}
		}
		tcp_tick(&A.st, now);
		tcp_tick(&B.st, now);
	}
}

static void run_for(uint64_t ms)
{
	run_until(now + ms);
}

static void end_setup(struct end *e, const uint8_t *mac, uint32_t ip, uint64_t seed)
{
	struct siphash_key key = { seed, seed * 31 + 7 };
	memset(e, 0, sizeof(*e));
	memcpy(e->nif.mac, mac, 6);
	e->nif.ip = ip;
	e->nif.mask = 0xFFFFFF00;
	e->nif.tx = tx;
	e->nif.drv = e;
	tcp_init(&e->st, &e->nif, &key, t_alloc, t_free);
}

static void setup(void)
{
	if (!wire)
		wire = malloc(sizeof(*wire) * WIRE_MAX);
	nwire = 0;
	loss_pct = dup_pct = reorder_pct = 0;
	raw_peer = false;
	ncap = 0;
	now = 1000;
	live_allocs = 0;
	end_setup(&A, a_mac, A_IP, 1);
	end_setup(&B, b_mac, B_IP, 2);
}

/* Everything closed and timed out: nothing may be left allocated. */
static void finish(void)
{
	loss_pct = dup_pct = reorder_pct = 0;
	run_for(3 * 60 * 1000);
	EXPECT_EQ_U64(A.st.nconns, 0);
	EXPECT_EQ_U64(B.st.nconns, 0);
	EXPECT_EQ_U64(live_allocs, 0);
}

static struct tcp_conn *listener(struct end *e, uint16_t port, unsigned backlog)
{
	struct tcp_conn *l = tcp_conn_new(&e->st);
	EXPECT(tcp_bind(l, 0, port, false) == 0);
	EXPECT(tcp_listen(l, backlog) == 0);
	return l;
}

/* B connects to A's port; returns both ends once established. */
static void connect_pair(uint16_t port, struct tcp_conn **client, struct tcp_conn **server)
{
	struct tcp_conn *l = listener(&A, port, 16);
	*client = tcp_conn_new(&B.st);
	EXPECT(tcp_connect(*client, A_IP, port, now) == 0);
	run_for(20);
	*server = tcp_accept(l);
	EXPECT(*server != NULL);
	EXPECT_EQ_U64((*client)->state, TCP_ESTABLISHED);
	tcp_close(l, now);
}

/* Sends len pseudo-random bytes from `from` and reads them at `to`, checking every byte. */
static bool transfer(struct tcp_conn *from, struct tcp_conn *to, size_t len, uint64_t limit_ms)
{
	uint8_t buf[4096];
	size_t sent = 0, got = 0;
	uint64_t start = now;
	bool ok = true;
	while (got < len && now - start < limit_ms) {
		while (sent < len) {
			size_t n = MIN(sizeof(buf), len - sent);
			for (size_t i = 0; i < n; i++)
				buf[i] = (uint8_t)((sent + i) * 7 + ((sent + i) >> 8));
			long r = tcp_send(from, buf, n, now);
			if (r <= 0)
				break;
			sent += (size_t)r;
		}
		long r;
		while ((r = tcp_recv(to, buf, sizeof(buf), false, now)) > 0) {
			for (long i = 0; i < r; i++)
				if (buf[i] != (uint8_t)((got + (size_t)i) * 7 + ((got + (size_t)i) >> 8)))
					ok = false;
			got += (size_t)r;
		}
		run_for(1);
	}
	return ok && got == len;
}

/* ---- the scripted peer ---- */

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
};

static bool parse_cap(unsigned i, struct out_seg *s)
{
	if (i >= ncap || i >= CAP_MAX)
		return false;
	const uint8_t *ip = cap[i] + ETH_HDR;
	if (rd16be(cap[i] + 12) != ETH_TYPE_IPV4 || ip[9] != IP_PROTO_TCP)
		return false;
	size_t total = rd16be(ip + 2), ihl = (size_t)(ip[0] & 15) * 4;
	const uint8_t *t = ip + ihl;
	size_t off = (size_t)(t[12] >> 4) * 4, tlen = total - ihl;
	memset(s, 0, sizeof(*s));
	s->seq = rd32be(t + 4);
	s->ack = rd32be(t + 8);
	s->flags = t[13];
	s->win = rd16be(t + 14);
	s->len = (uint32_t)(tlen - off);
	s->data = t + off;
	EXPECT(inet_fold(inet_sum(t, tlen, inet_pseudo_sum(rd32be(ip + 12), rd32be(ip + 16), IP_PROTO_TCP, tlen))) == 0);
	for (size_t o = 20; o < off; ) {
		if (t[o] == 0)
			break;
		if (t[o] == 1) {
			o++;
			continue;
		}
		if (t[o] == 2) {
			s->has_mss = true;
			s->mss = rd16be(t + o + 2);
		} else if (t[o] == 3) {
			s->has_ws = true;
			s->ws = t[o + 2];
		} else if (t[o] == 8) {
			s->has_ts = true;
			s->tsval = rd32be(t + o + 2);
			s->tsecr = rd32be(t + o + 6);
		}
		o += t[o + 1];
	}
	return true;
}

/* The last segment A sent. */
static struct out_seg last(void)
{
	struct out_seg s;
	memset(&s, 0, sizeof(s));
	EXPECT(ncap > 0);
	if (ncap)
		parse_cap(ncap - 1, &s);
	return s;
}

struct peer_opts {
	bool mss, ws, ts;
	uint16_t mss_val;
	uint8_t ws_val;
	uint32_t tsval, tsecr;
	bool bad_sum;
	int doff_words;         /* 0: computed */
};

static uint16_t peer_port = 40000;

static size_t build(uint8_t *f, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		    const void *data, size_t len, const struct peer_opts *o)
{
	uint8_t *ip = f + ETH_HDR, *t = ip + 20, *p = t + 20;
	memset(f, 0, ETH_HDR + 60);
	memcpy(f, a_mac, 6);
	memcpy(f + 6, b_mac, 6);
	wr16be(f + 12, ETH_TYPE_IPV4);
	if (o && o->mss) {
		*p++ = 2; *p++ = 4; wr16be(p, o->mss_val); p += 2;
	}
	if (o && o->ws) {
		*p++ = 1; *p++ = 3; *p++ = 3; *p++ = o->ws_val;
	}
	if (o && o->ts) {
		*p++ = 1; *p++ = 1; *p++ = 8; *p++ = 10;
		wr32be(p, o->tsval); wr32be(p + 4, o->tsecr); p += 8;
	}
	size_t off = (size_t)(p - t);
	memcpy(p, data, len);
	size_t tlen = off + len;
	ip[0] = 0x45;
	wr16be(ip + 2, (uint16_t)(20 + tlen));
	ip[8] = 64;
	ip[9] = IP_PROTO_TCP;
	wr32be(ip + 12, B_IP);
	wr32be(ip + 16, A_IP);
	wr16be(ip + 10, inet_checksum(ip, 20));
	wr16be(t, peer_port);
	wr16be(t + 2, dport);
	wr32be(t + 4, seq);
	wr32be(t + 8, ack);
	t[12] = (uint8_t)(((o && o->doff_words) ? (size_t)o->doff_words : off / 4) << 4);
	t[13] = flags;
	wr16be(t + 14, win);
	wr16be(t + 16, inet_fold(inet_sum(t, tlen, inet_pseudo_sum(B_IP, A_IP, IP_PROTO_TCP, tlen))));
	if (o && o->bad_sum)
		t[16] ^= 0x55;
	size_t n = ETH_HDR + 20 + tlen;
	return n < 60 ? 60 : n;
}

static void peer(uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		 const void *data, size_t len, const struct peer_opts *o)
{
	uint8_t f[ETH_FRAME_MAX + 64];
	eth_input(&A.nif, f, build(f, dport, flags, seq, ack, win, data, len, o), now);
}

/* Scripted set-up: A listens on 80, the peer opens with ISN 1000 (options as given) and
 * completes the handshake; returns A's accepted connection. */
static uint32_t a_iss;

/* The peer's ARP request for A, which also teaches A the peer's MAC (RFC 826's merge). */
static void arp_answer(void)
{
	uint8_t f[60];
	arp_asked = false;
	memset(f, 0, 60);
	memset(f, 0xFF, 6);
	memcpy(f + 6, b_mac, 6);
	wr16be(f + 12, ETH_TYPE_ARP);
	wr16be(f + 14, 1);
	wr16be(f + 16, ETH_TYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	wr16be(f + 20, 1);
	memcpy(f + 22, b_mac, 6);
	wr32be(f + 28, B_IP);
	wr32be(f + 38, A_IP);
	eth_input(&A.nif, f, 60, now);
}

static void raw_setup(void)
{
	setup();
	raw_peer = true;
	arp_answer();
	ncap = 0;
}

static struct tcp_conn *raw_accept(struct tcp_conn *l, const struct peer_opts *o)
{
	peer(80, SYN, 1000, 0, 65535, NULL, 0, o);
	struct out_seg sa = last();
	EXPECT_EQ_U64(sa.flags, SYN | ACK);
	EXPECT_EQ_U64(sa.ack, 1001);
	a_iss = sa.seq;
	struct peer_opts ack_o = { 0 };
	if (o && o->ts) {
		ack_o.ts = true;
		ack_o.tsval = o->tsval + 1;
		ack_o.tsecr = sa.tsval;
	}
	peer(80, ACK, 1001, a_iss + 1, 65535, NULL, 0, &ack_o);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	ncap = 0;
	return c;
}

/* Ends a scripted test: whatever is left is aborted; nothing may stay allocated. */
static void raw_done(void)
{
	while (!list_empty(&A.st.all))
		tcp_abort(list_entry(list_first(&A.st.all), struct tcp_conn, all_node), now);
	while (!list_empty(&A.st.time_wait))
		tcp_abort(list_entry(list_first(&A.st.time_wait), struct tcp_conn, all_node), now);
	EXPECT_EQ_U64(live_allocs, 0);
}

/* ---- handshake and options ---- */

TEST(tcp, three_way_handshake_and_options_mss_ws_ts)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .mss = true, .mss_val = 1400, .ws = true, .ws_val = 7, .ts = true, .tsval = 555 };
	peer(80, SYN, 1000, 0, 65535, NULL, 0, &o);
	struct out_seg s = last();
	/* RFC 9293 MUST-14/15: our MSS in the SYN; RFC 7323: WS and TS answered when offered. */
	EXPECT_EQ_U64(s.flags, SYN | ACK);
	EXPECT(s.has_mss && s.mss == TCP_MSS_OURS);
	EXPECT(s.has_ws);
	EXPECT(s.has_ts && s.tsecr == 555);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_SYN_RECEIVED], 1);
	EXPECT(tcp_accept(l) == NULL);
	struct peer_opts a = { .ts = true, .tsval = 556, .tsecr = s.tsval };
	peer(80, ACK, 1001, s.seq + 1, 100, NULL, 0, &a);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c) {
		EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
		EXPECT_EQ_U64(c->snd_wscale, 7);
		EXPECT_EQ_U64(c->snd_wnd, 100u << 7);   /* scaled after the SYN (RFC 7323 2.3) */
		EXPECT_EQ_U64(c->mss, 1400 - 12);       /* the peer's MSS less the timestamp option */
		EXPECT(c->ts_ok);
		tcp_close(c, now);
	}
	tcp_close(l, now);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_PASSIVE_OPENS], 1);
	raw_done();
}

TEST(tcp, no_options_means_mss_536_and_no_scaling)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	struct out_seg s = last();
	EXPECT(!s.has_ws);                      /* RFC 7323 1.3: only in answer to an offer */
	EXPECT(!s.has_ts);
	peer(80, ACK, 1001, s.seq + 1, 1000, NULL, 0, NULL);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c && c->mss == TCP_MSS_DEFAULT && c->snd_wnd == 1000 && !c->ts_ok);
	if (c)
		tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, isn_depends_on_the_tuple_and_the_clock_rfc6528)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	uint32_t i1 = last().seq;
	peer_port = 40001;
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	uint32_t i2 = last().seq;
	peer_port = 40000;
	EXPECT(i1 != i2);
	EXPECT(i2 - i1 > 1000);                 /* not a counter: a keyed hash apart */
	/* The first tuple again a second later, its connection reset meanwhile: M, the 4 us
	 * clock, has moved the ISN on by 250,000, and F by nothing. */
	peer(80, RST, 1001, 0, 0, NULL, 0, NULL);
	run_for(1000);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64((uint32_t)(last().seq - i1), 250000);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, segment_to_a_closed_port_gets_a_reset_rfc9293_3_10_7_1)
{
	raw_setup();
	peer(81, SYN, 5000, 0, 65535, NULL, 0, NULL);
	struct out_seg s = last();
	EXPECT_EQ_U64(s.flags, RST | ACK);      /* no ACK came: <SEQ=0><ACK=SEG.SEQ+SEG.LEN> */
	EXPECT_EQ_U64(s.seq, 0);
	EXPECT_EQ_U64(s.ack, 5001);
	peer(81, ACK, 5000, 777, 65535, NULL, 0, NULL);
	s = last();
	EXPECT_EQ_U64(s.flags, RST);            /* an ACK came: <SEQ=SEG.ACK><CTL=RST> */
	EXPECT_EQ_U64(s.seq, 777);
	unsigned before = ncap;
	peer(81, RST, 5000, 0, 0, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, before);            /* never a RST for a RST */
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_NO_SOCKET], 3);
	raw_done();
}

TEST(tcp, malformed_segments_are_counted_and_dropped)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts bad = { .bad_sum = true };
	peer(80, SYN, 1, 0, 100, NULL, 0, &bad);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_CHECKSUM], 1);
	struct peer_opts off4 = { .doff_words = 4 };
	peer(80, SYN, 1, 0, 100, NULL, 0, &off4);
	struct peer_opts off15 = { .doff_words = 15 };
	peer(80, SYN, 1, 0, 100, NULL, 0, &off15);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OFFSET], 2);
	peer(80, SYN | FIN, 1, 0, 100, NULL, 0, NULL);
	peer(80, SYN | RST, 1, 0, 100, NULL, 0, NULL);
	peer(80, 0, 1, 0, 100, NULL, 0, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_FLAGS], 3);
	/* An option whose length runs past the header. */
	uint8_t f[128];
	size_t n = build(f, 80, SYN, 1, 0, 100, NULL, 0, &(struct peer_opts){ .mss = true, .mss_val = 1000 });
	uint8_t *t = f + ETH_HDR + 20;
	t[21] = 9;                              /* MSS length 9 in a 4-byte option area */
	wr16be(t + 16, 0);
	wr16be(t + 16, inet_fold(inet_sum(t, 24, inet_pseudo_sum(B_IP, A_IP, IP_PROTO_TCP, 24))));
	eth_input(&A.nif, f, n, now);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OPTIONS], 1);
	/* A truncated header. */
	n = build(f, 80, SYN, 1, 0, 100, NULL, 0, NULL);
	uint8_t *ip = f + ETH_HDR;
	wr16be(ip + 2, 20 + 12);
	wr16be(ip + 10, 0);
	wr16be(ip + 10, inet_checksum(ip, 20));
	eth_input(&A.nif, f, n, now);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_SHORT], 1);
	EXPECT_EQ_U64(ncap, 0);                 /* nothing answered any of them */
	EXPECT_EQ_U64(A.st.nconns, 1);
	tcp_close(l, now);
	raw_done();
}

/* ---- RFC 5961 ---- */

TEST(tcp, rst_in_window_but_not_exact_draws_a_challenge_ack_rfc5961_3_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, RST, 1001 + 100, 0, 0, NULL, 0, NULL);
	struct out_seg s = last();
	EXPECT_EQ_U64(s.flags, ACK);
	EXPECT_EQ_U64(s.ack, 1001);
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_RST_BLIND], 1);
	/* Out of the window altogether: dropped silently. */
	unsigned before = ncap;
	peer(80, RST, 1001 + 10000000, 0, 0, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, before);
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	/* Exactly RCV.NXT: the connection is reset. */
	peer(80, RST, 1001, 0, 0, NULL, 0, NULL);
	EXPECT_EQ_U64(c->state, TCP_CLOSED);
	EXPECT_EQ_U64(c->error, -ECONNRESET);
	tcp_close(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, syn_on_an_established_connection_draws_a_challenge_ack_rfc5961_4_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, SYN, 1001 + 5, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(last().flags, ACK);
	EXPECT_EQ_U64(last().ack, 1001);
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_SYN_IN_WINDOW], 1);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_CHALLENGE_ACKS], 1);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, ack_of_unsent_data_is_dropped_and_answered_rfc5961_5_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK | PSH, 1001, a_iss + 1 + 5000, 65535, "hello", 5, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_BAD_ACK], 1);
	EXPECT_EQ_U64(tcp_readable(c), 0);      /* the data of such a segment is not taken */
	EXPECT_EQ_U64(last().flags, ACK);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, out_of_window_data_is_dropped_with_an_ack_rfc9293_3_10_7_4)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK, 1001 + 1000000, a_iss + 1, 65535, "x", 1, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OUT_OF_WINDOW], 1);
	EXPECT_EQ_U64(last().ack, 1001);
	/* An old duplicate, entirely before RCV.NXT. */
	peer(80, ACK, 1001, a_iss + 1, 65535, "abc", 3, NULL);
	peer(80, ACK, 1001, a_iss + 1, 65535, "abc", 3, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OUT_OF_WINDOW], 2);
	EXPECT_EQ_U64(tcp_readable(c), 3);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, paws_drops_an_old_timestamp_rfc7323_5_3)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .ts = true, .tsval = 1000 };
	struct tcp_conn *c = raw_accept(l, &o);
	struct peer_opts cur = { .ts = true, .tsval = 2000, .tsecr = 1 };
	peer(80, ACK, 1001, a_iss + 1, 65535, "new", 3, &cur);
	EXPECT_EQ_U64(tcp_readable(c), 3);
	struct peer_opts old = { .ts = true, .tsval = 1500, .tsecr = 1 };
	peer(80, ACK, 1004, a_iss + 1, 65535, "old", 3, &old);
	EXPECT_EQ_U64(tcp_readable(c), 3);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_PAWS], 1);
	/* RFC 7323 3.2: once negotiated, a segment without a timestamp is dropped too. */
	peer(80, ACK, 1004, a_iss + 1, 65535, "bare", 4, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_PAWS], 2);
	EXPECT_EQ_U64(tcp_readable(c), 3);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* ---- ACK generation ---- */

TEST(tcp, delayed_ack_every_second_segment_or_after_the_timer_rfc1122_4_2_3_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	uint8_t d[100] = { 0 };
	peer(80, ACK, 1001, a_iss + 1, 65535, d, 100, NULL);
	EXPECT_EQ_U64(ncap, 0);                 /* one segment: the ACK waits */
	peer(80, ACK, 1101, a_iss + 1, 65535, d, 100, NULL);
	EXPECT_EQ_U64(ncap, 1);                 /* the second: acknowledged at once */
	EXPECT_EQ_U64(last().ack, 1201);
	peer(80, ACK, 1201, a_iss + 1, 65535, d, 100, NULL);
	EXPECT_EQ_U64(ncap, 1);
	run_for(TCP_DELACK_MS - 2);
	EXPECT_EQ_U64(ncap, 1);
	run_for(3);
	EXPECT_EQ_U64(ncap, 2);                 /* the timer (well under 500 ms) */
	EXPECT_EQ_U64(last().ack, 1301);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_DELAYED_ACKS], 1);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, out_of_order_data_is_kept_and_acked_at_once_rfc5681_4_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK, 1004, a_iss + 1, 65535, "def", 3, NULL);
	EXPECT_EQ_U64(ncap, 1);                 /* a duplicate ACK for the hole */
	EXPECT_EQ_U64(last().ack, 1001);
	EXPECT_EQ_U64(tcp_readable(c), 0);
	peer(80, ACK, 1010, a_iss + 1, 65535, "jkl", 3, NULL);
	peer(80, ACK, 1001, a_iss + 1, 65535, "abc", 3, NULL);
	EXPECT_EQ_U64(last().ack, 1007);        /* the first hole filled, the second remains */
	peer(80, ACK, 1007, a_iss + 1, 65535, "ghi", 3, NULL);
	EXPECT_EQ_U64(last().ack, 1013);
	char buf[16] = { 0 };
	EXPECT_EQ_U64(tcp_recv(c, buf, sizeof(buf), false, now), 12);
	EXPECT_EQ_STR(buf, "abcdefghijkl");
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_OOO_SEGS], 2);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* ---- sending ---- */

TEST(tcp, nagle_holds_small_segments_and_nodelay_sends_them_rfc9293_3_7_4)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	EXPECT_EQ_U64(tcp_send(c, "a", 1, now), 1);
	EXPECT_EQ_U64(ncap, 1);                 /* nothing in flight: goes at once */
	EXPECT_EQ_U64(tcp_send(c, "b", 1, now), 1);
	EXPECT_EQ_U64(tcp_send(c, "c", 1, now), 1);
	EXPECT_EQ_U64(ncap, 1);                 /* "a" unacknowledged: held */
	peer(80, ACK, 1001, a_iss + 2, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, 2);
	EXPECT_EQ_U64(last().len, 2);           /* the held bytes go together */
	c->nodelay = true;
	tcp_send(c, "d", 1, now);
	tcp_send(c, "e", 1, now);
	EXPECT_EQ_U64(ncap, 4);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, retransmission_timeout_doubles_rfc6298_5_5)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	tcp_send(c, "data", 4, now);
	EXPECT_EQ_U64(ncap, 1);
	uint32_t rto = c->rto;
	run_for(rto - 1);
	EXPECT_EQ_U64(ncap, 1);
	run_for(1);
	EXPECT_EQ_U64(ncap, 2);
	EXPECT_EQ_U64(last().seq, a_iss + 1);
	EXPECT_EQ_U64(last().len, 4);
	EXPECT_EQ_U64(c->rto, 2 * rto);
	run_for(2 * rto);
	EXPECT_EQ_U64(ncap, 3);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_RTO_TIMEOUTS], 2);
	peer(80, ACK, 1001, a_iss + 5, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(c->t_rexmt, 0);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, a_second_timeout_keeps_the_first_ones_ssthresh_rfc5681_3_1)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	static uint8_t d[8 * 1460];
	c->nodelay = true;
	c->cwnd = 8u * c->mss;
	tcp_send(c, d, 8u * c->mss, now);
	EXPECT_EQ_U64(ncap, 8);
	run_for(c->rto);
	EXPECT_EQ_U64(c->ssthresh, 4u * c->mss);        /* eq. 4: FlightSize / 2 */
	EXPECT_EQ_U64(c->cwnd, c->mss);                 /* the loss window */
	run_for(c->rto);                                /* one segment in flight now */
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_RTO_TIMEOUTS], 2);
	EXPECT_EQ_U64(c->ssthresh, 4u * c->mss);        /* held, not halved from one segment */
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, three_duplicate_acks_trigger_fast_retransmit_rfc5681_3_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	c->nodelay = true;
	uint8_t d[4 * 1460];
	memset(d, 'x', sizeof(d));
	c->cwnd = 10 * c->mss;
	uint32_t mss = c->mss;
	tcp_send(c, d, 4 * mss, now);
	EXPECT_EQ_U64(ncap, 4);
	for (int i = 0; i < 4; i++)     /* one new ACK, then three duplicates */
		peer(80, ACK, 1001, a_iss + 1 + mss, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_FAST_RETRANS], 1);
	struct out_seg s;
	EXPECT(parse_cap(4, &s));
	EXPECT_EQ_U64(s.seq, a_iss + 1 + mss);  /* the missing segment, before its timer */
	EXPECT(c->in_recovery);
	/* A partial ACK (RFC 6582): the next hole goes out at once. */
	peer(80, ACK, 1001, a_iss + 1 + 2 * mss, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(last().seq, a_iss + 1 + 2 * mss);
	peer(80, ACK, 1001, a_iss + 1 + 4 * mss, 65535, NULL, 0, NULL);
	EXPECT(!c->in_recovery);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, zero_window_is_probed_with_backoff_and_resumes_rfc9293_3_8_6_1)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK, 1001, a_iss + 1, 0, NULL, 0, NULL);      /* the window closes */
	EXPECT_EQ_U64(c->snd_wnd, 0);
	tcp_send(c, "waiting", 7, now);
	EXPECT_EQ_U64(ncap, 0);
	run_for(10000);
	unsigned probes = (unsigned)A.nif.stats.tcp[TCP_WINDOW_PROBES];
	EXPECT(probes >= 2 && probes <= 5);     /* backed off, not every RTO */
	EXPECT_EQ_U64(last().seq, a_iss);        /* SND.UNA - 1: draws an ACK with the window */
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	peer(80, ACK, 1001, a_iss + 1, 1000, NULL, 0, NULL);   /* it opens */
	EXPECT_EQ_U64(last().len, 7);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, keepalive_probes_then_times_out_rfc1122_4_2_3_6)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	c->keepalive = true;
	c->t_keep = now + TCP_KEEPIDLE_MS;
	run_for(TCP_KEEPIDLE_MS - 1000);
	EXPECT_EQ_U64(ncap, 0);                 /* nothing for two hours of quiet */
	run_for(2000);
	EXPECT_EQ_U64(ncap, 1);
	EXPECT_EQ_U64(last().seq, a_iss);
	/* The peer answers: the count starts again. */
	peer(80, ACK, 1001, a_iss + 1, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(c->keep_probes, 0);
	/* The peer vanishes: KEEPCNT probes, then ETIMEDOUT. */
	run_for(TCP_KEEPIDLE_MS + (TCP_KEEPCNT + 1) * TCP_KEEPINTVL_MS + 1000);
	EXPECT_EQ_U64(c->state, TCP_CLOSED);
	EXPECT_EQ_U64(c->error, -ETIMEDOUT);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_KEEPALIVE_PROBES], 1 + TCP_KEEPCNT);
	tcp_close(c, now);
	tcp_close(l, now);
	raw_done();
}

/* ---- listener queues and SYN cookies ---- */

TEST(tcp, syn_queue_overflow_answers_with_cookies_that_complete)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);      /* SYN queue of 8 */
	for (unsigned i = 0; i < 8; i++) {
		peer_port = (uint16_t)(20000 + i);
		peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	}
	EXPECT_EQ_U64(l->syn_count, 8);
	peer_port = 30000;
	struct peer_opts o = { .mss = true, .mss_val = 1460, .ws = true, .ws_val = 5, .ts = true, .tsval = 42 };
	peer(80, SYN, 7000, 0, 65535, NULL, 0, &o);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_SENT], 1);
	EXPECT_EQ_U64(A.st.nconns, 9);          /* no state kept for it */
	struct out_seg s = last();
	EXPECT_EQ_U64(s.flags, SYN | ACK);
	/* A forged ACK with a wrong cookie is refused. */
	peer(80, ACK, 7001, s.seq + 2, 65535, NULL, 0, &(struct peer_opts){ .ts = true, .tsval = 43, .tsecr = s.tsval });
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_BAD_COOKIE], 1);
	peer(80, ACK, 7001, s.seq + 1, 65535, NULL, 0, &(struct peer_opts){ .ts = true, .tsval = 43, .tsecr = s.tsval });
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_OK], 1);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c) {
		EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
		EXPECT_EQ_U64(c->snd_wscale, 5);        /* carried in the timestamp */
		EXPECT(c->ts_ok);
		EXPECT_EQ_U64(c->mss, 1460 - 12);
		/* Data flows: the window the SYN-ACK offered holds. */
		peer(80, ACK | PSH, 7001, s.seq + 1, 65535, "GET", 3, &(struct peer_opts){ .ts = true, .tsval = 44, .tsecr = s.tsval });
		EXPECT_EQ_U64(tcp_readable(c), 3);
		tcp_abort(c, now);
	}
	peer_port = 40000;
	tcp_close(l, now);
	EXPECT_EQ_U64(A.st.nconns, 0);
	raw_done();
}

TEST(tcp, half_open_connections_time_out)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(l->syn_count, 1);
	run_for(200000);
	EXPECT_EQ_U64(l->syn_count, 0);
	EXPECT_EQ_U64(ncap, 1 + TCP_SYN_RETRIES);       /* the SYN-ACK and its retransmissions */
	tcp_close(l, now);
	EXPECT_EQ_U64(A.st.nconns, 0);
	raw_done();
}

/* ---- two stacks on a wire ---- */

TEST(tcp, connect_transfer_and_close_both_ways)
{
	setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	EXPECT(transfer(cl, sv, 100000, 10000));
	EXPECT(transfer(sv, cl, 300000, 10000));
	/* The client closes first: it goes through TIME_WAIT; the server through LAST_ACK. */
	tcp_shutdown_send(cl, now);
	run_for(10);
	char b[4];
	EXPECT_EQ_U64(tcp_recv(sv, b, sizeof(b), false, now), 0);     /* end of stream */
	EXPECT_EQ_U64(sv->state, TCP_CLOSE_WAIT);
	EXPECT_EQ_U64(cl->state, TCP_FIN_WAIT_2);
	tcp_close(sv, now);
	run_for(10);
	EXPECT_EQ_U64(cl->state, TCP_TIME_WAIT);
	EXPECT_EQ_U64(B.st.conns_by_state[TCP_TIME_WAIT], 1);
	tcp_close(cl, now);
	run_for(TCP_TIME_WAIT_MS + 10);
	EXPECT_EQ_U64(B.st.nconns, 0);
	finish();
}

TEST(tcp, connection_refused)
{
	setup();
	struct tcp_conn *c = tcp_conn_new(&B.st);
	EXPECT(tcp_connect(c, A_IP, 9, now) == 0);
	run_for(10);
	EXPECT_EQ_U64(c->state, TCP_CLOSED);
	EXPECT_EQ_U64(c->error, -ECONNREFUSED);
	tcp_close(c, now);
	finish();
}

static bool even_ports_only(const struct tcp_stack *st, uint32_t laddr, uint16_t lport,
			    uint32_t raddr, uint16_t rport)
{
	(void)st;
	(void)laddr;
	(void)raddr;
	(void)rport;
	return lport % 2 == 0;
}

static bool no_port(const struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport)
{
	(void)st;
	(void)laddr;
	(void)lport;
	(void)raddr;
	(void)rport;
	return false;
}

/* Flow steering's part in connect(): the ephemeral port is one whose answers come to this
 * stack (port_ok), or there is none to give (-EADDRNOTAVAIL); listen() is not concerned. */
TEST(tcp, connect_picks_a_port_the_steering_accepts)
{
	setup();
	B.st.port_ok = even_ports_only;
	for (int i = 0; i < 8; i++) {
		struct tcp_conn *c = tcp_conn_new(&B.st);
		EXPECT(tcp_connect(c, A_IP, 9, now) == 0);
		EXPECT_EQ_U64(c->lport % 2, 0);
		run_for(10);
		EXPECT_EQ_U64(c->error, -ECONNREFUSED);
		tcp_close(c, now);
	}
	B.st.port_ok = no_port;
	struct tcp_conn *c = tcp_conn_new(&B.st);
	EXPECT_EQ_U64(tcp_connect(c, A_IP, 9, now), -EADDRNOTAVAIL);
	struct tcp_conn *l = tcp_conn_new(&B.st);
	EXPECT_EQ_U64(tcp_listen(l, 4), 0);     /* an ephemeral listening port is still had */
	tcp_close(l, now);
	tcp_close(c, now);
	finish();
}

TEST(tcp, simultaneous_open_rfc9293_figure_7)
{
	setup();
	struct tcp_conn *a = tcp_conn_new(&A.st), *b = tcp_conn_new(&B.st);
	EXPECT(tcp_bind(a, 0, 5000, false) == 0);
	EXPECT(tcp_bind(b, 0, 6000, false) == 0);
	/* ARP first, so both SYNs cross on the wire. */
	uint8_t mac[6];
	arp_resolve(&A.nif, B_IP, mac, now);
	run_for(5);
	EXPECT(tcp_connect(a, B_IP, 6000, now) == 0);
	EXPECT(tcp_connect(b, A_IP, 5000, now) == 0);
	run_for(50);
	EXPECT_EQ_U64(a->state, TCP_ESTABLISHED);
	EXPECT_EQ_U64(b->state, TCP_ESTABLISHED);
	EXPECT(transfer(a, b, 5000, 1000));
	/* Simultaneous close: both FINs cross, both go CLOSING then TIME_WAIT. */
	tcp_close(a, now);
	tcp_close(b, now);
	run_for(50);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_TIME_WAIT], 1);
	EXPECT_EQ_U64(B.st.conns_by_state[TCP_TIME_WAIT], 1);
	finish();
}

TEST(tcp, bulk_transfer_survives_loss_reordering_and_duplication)
{
	setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	loss_pct = 5;
	reorder_pct = 10;
	dup_pct = 5;
	EXPECT(transfer(sv, cl, 1 << 20, 600000));
	EXPECT(A.nif.stats.tcp[TCP_RETRANS_SEGS] > 0);
	EXPECT(A.nif.stats.tcp[TCP_FAST_RETRANS] > 0);
	EXPECT(B.nif.stats.tcp[TCP_OOO_SEGS] > 0);
	tcp_close(cl, now);
	tcp_close(sv, now);
	finish();
}

TEST(tcp, slow_reader_closes_the_window_and_nothing_is_lost)
{
	setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	/* The server sends 1 MiB; the client reads only every 5 s for a while. */
	uint8_t buf[8192];
	size_t sent = 0, got = 0, total = 1 << 20;
	bool ok = true;
	for (unsigned round = 0; round < 2000 && got < total; round++) {
		while (sent < total) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = (uint8_t)(sent + i);
			long r = tcp_send(sv, buf, MIN(sizeof(buf), total - sent), now);
			if (r <= 0)
				break;
			sent += (size_t)r;
		}
		run_for(round < 10 ? 5000 : 10);
		long r = tcp_recv(cl, buf, sizeof(buf), false, now);
		for (long i = 0; i < r; i++)
			if (buf[i] != (uint8_t)(got + (size_t)i))
				ok = false;
		if (r > 0)
			got += (size_t)r;
	}
	EXPECT(ok);
	EXPECT_EQ_U64(got, total);
	tcp_close(cl, now);
	tcp_close(sv, now);
	finish();
}

TEST(tcp, close_with_unread_data_resets_rfc2525)
{
	setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	tcp_send(cl, "unread", 6, now);
	run_for(10);
	tcp_close(sv, now);
	run_for(10);
	EXPECT_EQ_U64(cl->state, TCP_CLOSED);
	EXPECT_EQ_U64(cl->error, -ECONNRESET);
	tcp_close(cl, now);
	finish();
}

TEST(tcp, peer_gone_times_out_after_retries)
{
	setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	loss_pct = 100;
	tcp_send(sv, "lost", 4, now);
	run_for(30 * 60 * 1000);
	EXPECT_EQ_U64(sv->state, TCP_CLOSED);
	EXPECT_EQ_U64(sv->error, -ETIMEDOUT);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_RTO_TIMEOUTS], TCP_DATA_RETRIES + 1);
	tcp_close(sv, now);
	tcp_abort(cl, now);
	finish();
}

TEST(tcp, time_wait_is_cut_short_by_a_newer_syn_rfc6191)
{
	setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *cl = tcp_conn_new(&B.st);
	tcp_bind(cl, 0, 45000, true);
	tcp_connect(cl, A_IP, 80, now);
	run_for(20);
	struct tcp_conn *sv = tcp_accept(l);
	EXPECT(sv != NULL);
	tcp_close(sv, now);                     /* the server closes first: TIME_WAIT on A */
	run_for(20);
	tcp_close(cl, now);
	run_for(20);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_TIME_WAIT], 1);
	run_for(1000);
	struct tcp_conn *again = tcp_conn_new(&B.st);
	EXPECT(tcp_bind(again, 0, 45000, true) == 0);
	EXPECT(tcp_connect(again, A_IP, 80, now) == 0);
	run_for(50);
	EXPECT_EQ_U64(again->state, TCP_ESTABLISHED);
	struct tcp_conn *sv2 = tcp_accept(l);
	EXPECT(sv2 != NULL);
	if (sv2)
		tcp_close(sv2, now);
	tcp_close(again, now);
	tcp_close(l, now);
	finish();
}

TEST(tcp, bind_conflicts)
{
	setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(tcp_bind(c, 0, 80, false), (uint64_t)-EADDRINUSE);
	EXPECT_EQ_U64(tcp_bind(c, 0, 80, true), (uint64_t)-EADDRINUSE);  /* never over a listener */
	EXPECT(tcp_bind(c, 0, 81, false) == 0);
	/* SO_REUSEADDR lets two sockets bind one port before either listens; one may listen. */
	struct tcp_conn *d = tcp_conn_new(&A.st);
	EXPECT(tcp_bind(d, 0, 81, true) == 0);
	EXPECT(tcp_listen(c, 4) == 0);
	EXPECT_EQ_U64(tcp_listen(d, 4), (uint64_t)-EADDRINUSE);
	tcp_close(d, now);
	tcp_close(c, now);
	tcp_close(l, now);
	finish();
}

TEST(tcp, siphash_matches_the_papers_test_vector)
{
	/* Appendix A of the SipHash paper: key 00..0f, message 00..0e. */
	struct siphash_key k = { 0x0706050403020100ull, 0x0F0E0D0C0B0A0908ull };
	uint8_t m[15];
	for (unsigned i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	EXPECT_EQ_U64(siphash24(&k, m, sizeof(m)), 0xA129CA6149BE45E5ull);
}

TEST(tcp, fin_wait_2_stays_quiet_while_the_peer_keeps_its_end_open)
{
	/* A closed server in FIN_WAIT_2 once resent its FIN past the acknowledged one on every
	 * ACK, and the two ends ping-ponged tens of thousands of frames a second. */
	setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	tcp_close(sv, now);
	run_for(100);
	EXPECT_EQ_U64(cl->state, TCP_CLOSE_WAIT);
	unsigned long before = frames_from_a;
	run_for(10000);
	EXPECT(frames_from_a - before < 5);
	tcp_close(cl, now);
	finish();
}
