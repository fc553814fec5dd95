/* The TCP tests' harness: the wire and the scripted peer of tcp_harness.h. */
#include <stdlib.h>
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "lib/util.h"

static const uint8_t a_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t b_mac[6] = { 0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE };

struct end A, B;
uint64_t now;
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
unsigned loss_pct, dup_pct, reorder_pct;
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
unsigned ncap;

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

unsigned long frames_from_a;

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

static void arp_answer(void);

/* Moves time on to `until`, step milliseconds at a time: frames due are delivered, timers
 * run. */
static void run_until(uint64_t until, uint64_t step)
{
	while (now < until) {
		now = MIN(now + step, until);
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

void run_for(uint64_t ms)
{
	run_until(now + ms, 1);
}

void idle_for(uint64_t ms)
{
	run_until(now + ms, 1000);
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

void wire_setup(void)
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
void wire_done(void)
{
	loss_pct = dup_pct = reorder_pct = 0;
	run_for(3 * 60 * 1000);
	EXPECT_EQ_U64(A.st.nconns, 0);
	EXPECT_EQ_U64(B.st.nconns, 0);
	EXPECT_EQ_U64(live_allocs, 0);
}

struct tcp_conn *listener(struct end *e, uint16_t port, unsigned backlog)
{
	struct tcp_conn *l = tcp_conn_new(&e->st);
	EXPECT(tcp_bind(l, 0, port, false) == 0);
	EXPECT(tcp_listen(l, backlog) == 0);
	return l;
}

/* B connects to A's port; returns both ends once established. */
void connect_pair(uint16_t port, struct tcp_conn **client, struct tcp_conn **server)
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
bool transfer(struct tcp_conn *from, struct tcp_conn *to, size_t len, uint64_t limit_ms)
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

bool parse_cap(unsigned i, struct out_seg *s)
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
	s->src = rd32be(ip + 12);
	s->dst = rd32be(ip + 16);
	s->sport = rd16be(t);
	s->dport = rd16be(t + 2);
	s->opt = t + 20;
	s->optlen = (uint32_t)(off - 20);
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
struct out_seg last(void)
{
	struct out_seg s;
	memset(&s, 0, sizeof(s));
	EXPECT(ncap > 0);
	if (ncap)
		parse_cap(ncap - 1, &s);
	return s;
}

uint16_t peer_port = 40000;

size_t build(uint8_t *f, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
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

void peer(uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		 const void *data, size_t len, const struct peer_opts *o)
{
	uint8_t f[ETH_FRAME_MAX + 64];
	eth_input(&A.nif, f, build(f, dport, flags, seq, ack, win, data, len, o), now);
}

uint32_t a_iss;

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

void raw_setup(void)
{
	wire_setup();
	raw_peer = true;
	arp_answer();
	ncap = 0;
}

/* The peer opens a connection to the listener l on port 80 with ISN 1000 (options as given)
 * and completes the handshake; returns A's accepted connection, its ISN in a_iss. */
struct tcp_conn *raw_accept(struct tcp_conn *l, const struct peer_opts *o)
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
void raw_done(void)
{
	while (!list_empty(&A.st.all))
		tcp_abort(list_entry(list_first(&A.st.all), struct tcp_conn, all_node), now);
	while (!list_empty(&A.st.time_wait))
		tcp_abort(list_entry(list_first(&A.st.time_wait), struct tcp_conn, all_node), now);
	EXPECT_EQ_U64(live_allocs, 0);
}

