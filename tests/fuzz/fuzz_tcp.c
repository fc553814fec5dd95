/* Fuzzes TCP through whole connections (net/tcp_*.c behind eth_input): a stack with two
 * listeners and four established connections, made by a scripted handshake, takes a
 * sequence of steps chosen by the input (peer segments, time, the user's calls) and is
 * checked after each step (check_stack): sequence space, buffer accounting, timers, the
 * connection counts. At the end every connection is closed and time runs on with the peer
 * silent: nothing may stay allocated.
 *
 * Input: steps, each an opcode byte and its operands (missing bytes read as 0):
 *   0 segment   conn, flags, seq delta (s16), ack delta (s16), window (u16), opts, n, n bytes
 *               to one of the connections made so far, seq relative to its RCV.NXT and ack
 *               to its SND.UNA (or the last seen, once it is gone)
 *   1 answer    conn, window (u16), n, n bytes: the peer acknowledges what the stack sent
 *               last on that connection, sending n bytes from where the stack expects them
 *   2 time      k: time moves on by steps_ms[k % 16], the timers run every 10 or 100 ms
 *   3 send      conn, k: the user queues k * 16 bytes
 *   4 recv      conn, k: the user reads up to k * 64 bytes (peeks when k is odd)
 *   5 close     conn, how: close, shutdown for sending, or abort
 *   6 open      what: a SYN from a new peer port (to port 80 or 81, or a closed one), an
 *               accept, or a connect() by the user
 *   7 raw       sport, dport (u16 each), seq, ack (u32 each), flags, window, n, n bytes
 * where opts bit 0 adds timestamps, 1 an MSS option, 2 window scale, 3 a bad checksum. */
#include "tests/fuzz/frame_check.h"
#include "tests/fuzz/fuzz.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "net/tcp_var.h"

#define A_IP 0xC6120002u        /* the stack under test */
#define B_IP 0xC6120001u        /* the peer, played by this harness */
#define USER_MAX 16
#define FLOWS_MAX 32
#define TRACK_MAX 64

static const uint8_t a_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t b_mac[6] = { 0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE };
static const uint64_t steps_ms[16] = { 0, 1, 5, 40, 100, 200, 500, 1000, 3000, 10000,
				       30000, 60000, 120000, 600000, 3600000, 7300000 };

static struct netif nif;
static struct tcp_stack st;
static uint64_t now;
static long live_allocs;

/* One connection as the peer knows it: its ports, the last segment the stack sent on it
 * and that segment's timestamp, and the last sequence numbers it saw. */
struct flow {
	uint16_t lport, rport;
	bool ts;
	uint32_t ts_recent;
	bool sent_any;
	struct sent_tcp last;
	uint32_t rcv_nxt, snd_una;
};
static struct flow flows[FLOWS_MAX];
static unsigned nflows;

/* Connections the user holds (accepted or connected, not yet closed) and the listeners. */
static struct tcp_conn *user[USER_MAX];
static unsigned nuser;
static struct tcp_conn *listeners[2];

/* The last RCV.NXT and SND.UNA seen on each synchronized connection: neither goes back. */
struct track {
	const struct tcp_conn *c;
	uint32_t rcv_nxt, snd_una;
};
static struct track tracks[TRACK_MAX];

/* ---- the input ---- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t in8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t in16(struct in *in)
{
	return (uint16_t)(in8(in) << 8 | in8(in));
}

static uint32_t in32(struct in *in)
{
	return (uint32_t)in16(in) << 16 | in16(in);
}

/* Up to n bytes of payload from the input (fewer if it runs out). */
static size_t in_bytes(struct in *in, uint8_t *out, size_t n)
{
	n = n < in->n ? n : in->n;
	memcpy(out, in->p, n);
	in->p += n;
	in->n -= n;
	return n;
}

/* ---- memory and the wire ---- */

static void *f_alloc(size_t n)
{
	live_allocs++;
	return malloc(n);
}

static void f_free(void *p)
{
	for (unsigned i = 0; i < TRACK_MAX; i++)
		if (tracks[i].c == p)
			tracks[i].c = NULL;
	live_allocs--;
	free(p);
}

static struct flow *flow_of(uint16_t lport, uint16_t rport)
{
	for (unsigned i = 0; i < nflows; i++)
		if (flows[i].lport == lport && flows[i].rport == rport)
			return &flows[i];
	if (nflows == FLOWS_MAX)
		return NULL;
	flows[nflows] = (struct flow){ .lport = lport, .rport = rport };
	return &flows[nflows++];
}

/* The TSval of a segment's timestamp option, if it has one. */
static bool find_tsval(const uint8_t *f, uint32_t *tsval)
{
	const uint8_t *t = f + ETH_HDR + IP_HDR;
	size_t off = (size_t)(t[12] >> 4) * 4;
	for (size_t o = TCP_HDR; o < off && t[o] != OPT_END; ) {
		if (t[o] == OPT_NOP) {
			o++;
			continue;
		}
		if (o + 1 >= off || t[o + 1] < 2)
			return false;
		if (t[o] == OPT_TS && t[o + 1] == 10 && o + 10 <= off) {
			*tsval = rd32be(t + o + 2);
			return true;
		}
		o += t[o + 1];
	}
	return false;
}

/* Every frame is checked (frame_check.h); a segment is remembered for its flow. */
static int tx(void *drv, const uint8_t *f, size_t len)
{
	struct sent_tcp t;
	(void)drv;
	if (!frame_check(&nif, f, len, &t))
		return 0;
	FUZZ_CHECK(t.dst == B_IP, "segment to %#x", t.dst);
	struct flow *fl = flow_of(t.sport, t.dport);
	if (!fl)
		return 0;
	fl->last = t;
	fl->sent_any = true;
	uint32_t tsval;
	if (find_tsval(f, &tsval))
		fl->ts_recent = tsval;
	return 0;
}

struct opts {
	bool ts, mss, ws, bad_sum;
	uint32_t tsval, tsecr;
	uint16_t mss_val;
	uint8_t ws_val;
};

/* The peer sends one segment to the stack. */
static void peer_send(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
		      uint16_t win, const uint8_t *data, size_t len, const struct opts *o)
{
	static uint8_t f[ETH_FRAME_MAX + 64];
	uint8_t *ip = f + ETH_HDR, *t = ip + IP_HDR, *p = t + TCP_HDR;
	if (len > TCP_MSS_OURS)
		len = TCP_MSS_OURS;
	memset(f, 0, ETH_HDR + IP_HDR + 60);
	memcpy(f, a_mac, 6);
	memcpy(f + 6, b_mac, 6);
	wr16be(f + 12, ETH_TYPE_IPV4);
	if (o->mss) {
		*p++ = OPT_MSS, *p++ = 4;
		wr16be(p, o->mss_val), p += 2;
	}
	if (o->ws) {
		*p++ = OPT_NOP, *p++ = OPT_WS, *p++ = 3, *p++ = o->ws_val;
	}
	if (o->ts) {
		*p++ = OPT_NOP, *p++ = OPT_NOP, *p++ = OPT_TS, *p++ = 10;
		wr32be(p, o->tsval), wr32be(p + 4, o->tsecr), p += 8;
	}
	size_t off = (size_t)(p - t), tlen = off + len;
	memcpy(p, data, len);
	ipv4_header(ip, B_IP, A_IP, IP_PROTO_TCP, tlen, 1);
	wr16be(t, sport);
	wr16be(t + 2, dport);
	wr32be(t + 4, seq);
	wr32be(t + 8, ack);
	t[12] = (uint8_t)(off / 4 << 4);
	t[13] = flags;
	wr16be(t + 14, win);
	wr16be(t + 16, inet_fold(inet_sum(t, tlen, inet_pseudo_sum(B_IP, A_IP, IP_PROTO_TCP, tlen))));
	if (o->bad_sum)
		t[16] ^= 0x5A;
	size_t n = ETH_HDR + IP_HDR + tlen;
	eth_input(&nif, f, n < 60 ? 60 : n, now);
}

/* ---- the invariants ---- */

static struct track *track_of(const struct tcp_conn *c)
{
	struct track *free_slot = NULL;
	for (unsigned i = 0; i < TRACK_MAX; i++) {
		if (tracks[i].c == c)
			return &tracks[i];
		if (!tracks[i].c && !free_slot)
			free_slot = &tracks[i];
	}
	if (free_slot)
		*free_slot = (struct track){ c, c->rcv_nxt, c->snd_una };
	return free_slot;
}

/* The send side: SND.UNA <= SND.NXT <= SND.MAX, and what is in flight is data the buffer
 * holds (and the FIN); something in flight, or held back with nothing in flight, has a
 * timer that will send it. */
static void check_send(const struct tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;
	uint32_t fin = c->fin_sent && seq_leq(c->snd_una, c->fin_seq) ? 1 : 0;  /* FIN in flight */
	/* A connection closed in SYN-RECEIVED goes to FIN-WAIT-1 with its SYN unacknowledged
	 * (RFC 9293 3.10.4): the SYN is in flight too. */
	uint32_t syn = seq_leq(c->snd_una, c->iss) && c->snd_max != c->snd_una ? 1 : 0;
	FUZZ_CHECK(seq_leq(c->snd_una, c->snd_nxt) && seq_leq(c->snd_nxt, c->snd_max),
		   "%s: una %u nxt %u max %u", tcp_state_name(c->state), c->snd_una, c->snd_nxt,
		   c->snd_max);
	FUZZ_CHECK(!c->slen || (c->sbuf && c->slen <= c->salloc), "%u bytes in a send ring of %u",
		   c->slen, c->salloc);
	FUZZ_CHECK(c->salloc <= c->scap && !c->sbuf == !c->salloc, "send ring %u of %u",
		   c->salloc, c->scap);
	if (!tcp_synchronized(c->state) || c->state == TCP_TIME_WAIT)
		return;
	FUZZ_CHECK(c->slen <= c->scap, "send buffer %u of %u", c->slen, c->scap);
	FUZZ_CHECK(flight <= c->slen + fin + syn, "%s: %u in flight, %u buffered",
		   tcp_state_name(c->state), flight, c->slen);
	FUZZ_CHECK(c->snd_wscale <= WS_MAX && c->rcv_wscale <= WS_MAX, "window scale");
	FUZZ_CHECK(c->mss > 0 && c->mss <= TCP_MSS_OURS, "mss %u", c->mss);
	FUZZ_CHECK(c->cwnd > 0, "cwnd 0");
	if (flight)
		FUZZ_CHECK(c->t_rexmt || c->t_persist, "%s: %u bytes in flight and no timer",
			   tcp_state_name(c->state), flight);
	bool unsent = c->slen > flight - fin - syn || (c->fin_queued && !c->fin_sent);
	if (!flight && unsent)
		FUZZ_CHECK(c->t_rexmt || c->t_persist, "%s: data held back and no timer",
			   tcp_state_name(c->state));
}

/* The receive side: RCV.NXT at or left of the window's edge, data and islands within the
 * buffer, islands sorted past RCV.NXT. */
static void check_recv(const struct tcp_conn *c)
{
	uint32_t span = c->rlen + (c->nooo ? c->ooo[c->nooo - 1].end - c->rcv_nxt : 0);
	FUZZ_CHECK(!span || (c->rbuf && span <= c->ralloc), "%s%s: %u bytes spanned in a receive ring of %u",
		   tcp_state_name(c->state), c->user_closed ? " closed" : "", span, c->ralloc);
	FUZZ_CHECK(c->ralloc <= c->rcap && !c->rbuf == !c->ralloc, "receive ring %u of %u",
		   c->ralloc, c->rcap);
	if (!tcp_synchronized(c->state) || c->state == TCP_TIME_WAIT)
		return;
	FUZZ_CHECK(c->rlen <= c->rcap, "receive buffer %u of %u", c->rlen, c->rcap);
	FUZZ_CHECK(c->nooo <= TCP_OOO_RANGES, "%u islands", c->nooo);
	uint32_t prev = c->rcv_nxt;
	for (unsigned i = 0; i < c->nooo; i++) {
		const struct tcp_range *r = &c->ooo[i];
		FUZZ_CHECK(seq_gt(r->seq, prev) && seq_lt(r->seq, r->end), "island %u [%u, %u) after %u",
			   i, r->seq, r->end, prev);
		FUZZ_CHECK(r->end - c->rcv_nxt <= c->rcap - c->rlen, "island %u past the buffer", i);
		prev = r->end;
	}
	FUZZ_CHECK(c->rcv_adv - c->rcv_nxt <= c->rcap + (1u << c->rcv_wscale) ||
		   seq_lt(c->rcv_adv, c->rcv_nxt), "window %u past a buffer of %u",
		   c->rcv_adv - c->rcv_nxt, c->rcap);
}

/* Neither RCV.NXT nor SND.UNA ever goes back. */
static void check_monotone(const struct tcp_conn *c)
{
	if (!tcp_synchronized(c->state))
		return;
	struct track *t = track_of(c);
	if (!t)
		return;
	FUZZ_CHECK(seq_geq(c->rcv_nxt, t->rcv_nxt), "RCV.NXT went back from %u to %u",
		   t->rcv_nxt, c->rcv_nxt);
	FUZZ_CHECK(seq_geq(c->snd_una, t->snd_una), "SND.UNA went back from %u to %u",
		   t->snd_una, c->snd_una);
	t->rcv_nxt = c->rcv_nxt;
	t->snd_una = c->snd_una;
}

/* A connection with a deadline is in the timing wheel at the earliest of them, and one
 * without is not: a deadline the wheel does not hold would never fire. */
static void check_wheel(const struct tcp_conn *c)
{
	const uint64_t t[5] = { c->t_rexmt, c->t_delack, c->t_persist, c->t_keep, c->t_wait };
	uint64_t first = 0;
	for (unsigned i = 0; i < 5; i++)
		if (t[i] && (!first || t[i] < first))
			first = t[i];
	FUZZ_CHECK(tcp_wheel_armed(&c->timer) == (first != 0), "%s: deadline %lu, wheel %s",
		   tcp_state_name(c->state), (unsigned long)first,
		   tcp_wheel_armed(&c->timer) ? "armed" : "not armed");
	FUZZ_CHECK(!first || c->timer.when == first, "%s: earliest deadline %lu, wheel at %lu",
		   tcp_state_name(c->state), (unsigned long)first, (unsigned long)c->timer.when);
}

static void check_conn(const struct tcp_conn *c, unsigned *by_state)
{
	FUZZ_CHECK(c->state < TCP_STATES, "state %u", c->state);
	by_state[c->state]++;
	check_send(c);
	check_recv(c);
	check_monotone(c);
	check_wheel(c);
	if (c->state == TCP_TIME_WAIT)
		FUZZ_CHECK(c->t_wait, "TIME_WAIT without its timer");
	if (c->state == TCP_FIN_WAIT_2 && c->user_closed)
		FUZZ_CHECK(c->t_wait, "an orphan in FIN_WAIT_2 without its timer");
	if (c->state == TCP_LISTEN)
		FUZZ_CHECK(c->accept_count <= c->backlog + 1 && c->syn_count <= TCP_SYNQ_MAX,
			   "listener: %u queued, %u half-open", c->accept_count, c->syn_count);
}

/* The per-bucket live counts (net/tcp.h) add up to the connections between the handshake's
 * first segment and TIME-WAIT, each counted in its own bucket. */
static void check_bucket_counts(void)
{
	unsigned live[TCP_RSS_BUCKETS] = { 0 };
	const struct tcp_conn *c;
	list_for_each_entry(c, &st.all, all_node)
		if (c->state != TCP_CLOSED && c->state != TCP_LISTEN)
			live[c->rss_bucket]++;
	for (unsigned b = 0; b < TCP_RSS_BUCKETS; b++)
		FUZZ_CHECK(live[b] == st.bucket_live[b], "bucket %u: %u live, counted %u", b,
			   live[b], st.bucket_live[b]);
}

/* Every connection, and the stack's counts of them. */
static void check_stack(void)
{
	unsigned by_state[TCP_STATES] = { 0 }, n = 0, ntw = 0;
	const struct tcp_conn *c;
	list_for_each_entry(c, &st.all, all_node) {
		check_conn(c, by_state);
		n++;
	}
	list_for_each_entry(c, &st.time_wait, all_node) {
		FUZZ_CHECK(c->state == TCP_TIME_WAIT, "%s on the TIME_WAIT list",
			   tcp_state_name(c->state));
		check_conn(c, by_state);
		n++, ntw++;
	}
	FUZZ_CHECK(n == st.nconns, "%u connections listed, %u counted", n, st.nconns);
	FUZZ_CHECK(ntw == st.ntime_wait, "%u in TIME_WAIT, %u counted", ntw, st.ntime_wait);
	for (unsigned s = 0; s < TCP_STATES; s++)
		FUZZ_CHECK(by_state[s] == st.conns_by_state[s], "%s: %u, counted %u",
			   tcp_state_name(s), by_state[s], st.conns_by_state[s]);
	FUZZ_CHECK(live_allocs >= (long)st.nconns, "%ld allocations for %u connections",
		   live_allocs, st.nconns);
	check_bucket_counts();
}

/* ---- the set-up: listeners and four connections ---- */

static void user_add(struct tcp_conn *c)
{
	FUZZ_CHECK(c != NULL, "no connection");
	if (nuser < USER_MAX)
		user[nuser++] = c;
	else
		tcp_close(c, now);
}

static struct tcp_conn *listen_on(uint16_t port, uint32_t buf)
{
	struct tcp_conn *l = tcp_conn_new(&st);
	FUZZ_CHECK(l && tcp_set_buffers(l, buf, buf) == 0 && tcp_bind(l, 0, port, false) == 0 &&
		   tcp_listen(l, 8) == 0, "listener on %u", port);
	return l;
}

/* The peer opens a connection from rport to lport with ISN isn and the options given. */
static void handshake(uint16_t rport, uint16_t lport, uint32_t isn, const struct opts *o)
{
	static const struct opts none;
	struct flow *fl = flow_of(lport, rport);
	peer_send(rport, lport, SYN, isn, 0, 65535, NULL, 0, o);
	FUZZ_CHECK(fl->sent_any && fl->last.flags == (SYN | ACK), "no SYN-ACK to port %u", rport);
	struct opts ack = o->ts ? (struct opts){ .ts = true, .tsval = o->tsval + 1,
						 .tsecr = fl->ts_recent } : none;
	fl->ts = o->ts;
	peer_send(rport, lport, ACK, isn + 1, fl->last.seq + 1, 65535, NULL, 0, &ack);
	user_add(tcp_accept(listeners[lport - 80]));
}

/* The user connects to the peer's port 9000; the peer answers with window scaling. */
static void active_open(void)
{
	struct tcp_conn *c = tcp_conn_new(&st);
	FUZZ_CHECK(c && tcp_set_buffers(c, 4096, 4096) == 0 && tcp_connect(c, B_IP, 9000, now) == 0,
		   "connect");
	struct flow *fl = flow_of(c->lport, 9000);
	FUZZ_CHECK(fl && fl->sent_any && fl->last.flags == SYN, "no SYN");
	struct opts o = { .mss = true, .mss_val = 1000, .ws = true, .ws_val = 2 };
	peer_send(9000, c->lport, SYN | ACK, 7000, fl->last.seq + 1, 16384, NULL, 0, &o);
	FUZZ_CHECK(c->state == TCP_ESTABLISHED, "active open ends in %s", tcp_state_name(c->state));
	user_add(c);
}

static void setup(void)
{
	static const struct siphash_key key = { 11, 12 };
	memset(&nif, 0, sizeof(nif));
	memcpy(nif.mac, a_mac, 6);
	nif.ip = A_IP;
	nif.mask = 0xFFFFFF00;
	nif.tx = tx;
	now = 1000;
	live_allocs = 0;
	nflows = nuser = 0;
	memset(tracks, 0, sizeof(tracks));
	arp_learn(&nif, B_IP, b_mac, now);
	tcp_init(&st, &nif, &key, f_alloc, f_free);
	listeners[0] = listen_on(80, TCP_RCVBUF_DEFAULT);
	listeners[1] = listen_on(81, TCP_BUF_MIN);
	handshake(40000, 80, 1000, &(struct opts){ 0 });
	handshake(40001, 80, 2000, &(struct opts){ .ts = true, .tsval = 100, .mss = true,
						  .mss_val = 1460, .ws = true, .ws_val = 7 });
	handshake(40002, 81, 3000, &(struct opts){ .ts = true, .tsval = 500, .mss = true,
						  .mss_val = 536 });
	active_open();
	check_stack();
}

/* ---- the steps ---- */

/* The live connection of a flow, if the stack still has one. */
static struct tcp_conn *conn_of(const struct flow *fl)
{
	struct tcp_conn *c;
	list_for_each_entry(c, &st.all, all_node)
		if (c->lport == fl->lport && c->rport == fl->rport && c->state != TCP_LISTEN &&
		    c->state != TCP_CLOSED)
			return c;
	list_for_each_entry(c, &st.time_wait, all_node)
		if (c->lport == fl->lport && c->rport == fl->rport)
			return c;
	return NULL;
}

static struct opts opts_for(struct flow *fl, uint8_t bits, struct in *in)
{
	struct opts o = { .ts = (bits & 1) != 0, .mss = (bits & 2) != 0, .ws = (bits & 4) != 0,
			  .bad_sum = (bits & 8) != 0 };
	o.tsval = (uint32_t)(now * 3) + (bits >> 4);
	o.tsecr = fl->ts_recent;
	if (o.mss)
		o.mss_val = in16(in);
	if (o.ws)
		o.ws_val = in8(in);
	return o;
}

static void step_segment(struct in *in)
{
	uint8_t buf[TCP_MSS_OURS];
	if (!nflows)
		return;
	struct flow *fl = &flows[in8(in) % nflows];
	uint8_t flags = in8(in);
	int16_t dseq = (int16_t)in16(in), dack = (int16_t)in16(in);
	uint16_t win = in16(in);
	struct opts o = opts_for(fl, in8(in), in);
	size_t n = in_bytes(in, buf, in8(in) * 8u);
	const struct tcp_conn *c = conn_of(fl);
	if (c) {
		fl->rcv_nxt = c->rcv_nxt;
		fl->snd_una = c->snd_una;
	}
	peer_send(fl->rport, fl->lport, flags, fl->rcv_nxt + (uint32_t)dseq,
		  fl->snd_una + (uint32_t)dack, win, buf, n, &o);
}

/* The peer acknowledges all the stack sent last on a flow, with n bytes of its own. */
static void step_answer(struct in *in)
{
	uint8_t buf[TCP_MSS_OURS];
	if (!nflows)
		return;
	struct flow *fl = &flows[in8(in) % nflows];
	uint16_t win = in16(in);
	size_t n = in_bytes(in, buf, in8(in) * 8u);
	if (!fl->sent_any)
		return;
	const struct sent_tcp *s = &fl->last;
	uint32_t ack = s->seq + s->len + ((s->flags & SYN) ? 1 : 0) + ((s->flags & FIN) ? 1 : 0);
	struct opts o = { .ts = fl->ts, .tsval = (uint32_t)(now * 3), .tsecr = fl->ts_recent };
	uint8_t flags = ACK | ((s->flags & (SYN | ACK)) == SYN ? SYN : 0);
	peer_send(fl->rport, fl->lport, flags, s->ack, ack, win, buf, n, &o);
}

/* The earliest timer of any connection, or 0 when none is armed. */
static uint64_t next_timer(void)
{
	uint64_t next = 0;
	const struct tcp_conn *c;
	list_for_each_entry(c, &st.all, all_node) {
		const uint64_t t[5] = { c->t_rexmt, c->t_delack, c->t_persist, c->t_keep, c->t_wait };
		for (unsigned i = 0; i < 5; i++)
			if (t[i] && (!next || t[i] < next))
				next = t[i];
	}
	if (!list_empty(&st.time_wait)) {
		c = list_entry(list_first(&st.time_wait), struct tcp_conn, all_node);
		if (!next || c->t_wait < next)
			next = c->t_wait;
	}
	return next;
}

/* Time moves on to until, the timers running at each deadline on the way (as a tick every
 * millisecond would run them), with the peer's ARP entry kept fresh. */
static void run_until(uint64_t until)
{
	while (now < until) {
		uint64_t next = next_timer();
		if (!next)
			next = until;
		else if (next <= now)
			next = now + 10;        /* one due but not run (conn_tick runs one a tick) */
		now = next < until ? next : until;
		arp_learn(&nif, B_IP, b_mac, now);
		tcp_tick(&st, now);
	}
}

static void step_time(struct in *in)
{
	run_until(now + steps_ms[in8(in) % 16]);
}

static struct tcp_conn *pick_user(struct in *in, unsigned *at)
{
	uint8_t k = in8(in);
	if (!nuser)
		return NULL;
	*at = k % nuser;
	return user[*at];
}

static void step_send(struct in *in)
{
	static uint8_t buf[255 * 16];
	unsigned at;
	struct tcp_conn *c = pick_user(in, &at);
	size_t n = in8(in) * 16u;
	if (!c)
		return;
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 7 + now);
	uint32_t before = c->slen;
	long r = tcp_send(c, buf, n, now);
	FUZZ_CHECK(r < 0 || ((size_t)r <= n && c->slen == before + (uint32_t)r),
		   "send of %zu returned %ld, buffer %u -> %u", n, r, before, c->slen);
}

static void step_recv(struct in *in)
{
	static uint8_t buf[255 * 64];
	unsigned at;
	struct tcp_conn *c = pick_user(in, &at);
	uint8_t k = in8(in);
	if (!c)
		return;
	uint32_t before = c->rlen;
	long r = tcp_recv(c, buf, k * 64u, k & 1, now);
	FUZZ_CHECK(r < 0 || (size_t)r <= MIN((size_t)k * 64u, (size_t)before),
		   "recv of %u returned %ld with %u readable", k * 64u, r, before);
}

static void step_close(struct in *in)
{
	unsigned at;
	struct tcp_conn *c = pick_user(in, &at);
	uint8_t how = in8(in) % 3;
	if (!c)
		return;
	if (how == 1) {
		tcp_shutdown_send(c, now);
		return;
	}
	user[at] = user[--nuser];
	if (how == 0)
		tcp_close(c, now);
	else
		tcp_abort(c, now);
}

static void step_open(struct in *in)
{
	static uint16_t next_port = 41000;
	uint8_t what = in8(in);
	if (what % 4 == 3) {
		struct tcp_conn *c = tcp_accept(listeners[what / 4 % 2]);
		if (c)
			user_add(c);
		return;
	}
	if (what % 4 == 2) {
		struct tcp_conn *c = tcp_conn_new(&st);
		if (c && tcp_connect(c, B_IP, 9000 + what / 4 % 4, now) == 0)
			user_add(c);
		else if (c)
			tcp_abort(c, now);
		return;
	}
	uint16_t rport = next_port++, lport = what % 4 == 0 ? 80 : 81 + what / 4 % 2;
	struct flow *fl = flow_of(lport, rport);
	if (!fl)
		return;
	struct opts o = opts_for(fl, in8(in), in);
	fl->ts = o.ts;
	peer_send(rport, lport, SYN, in32(in), 0, in16(in), NULL, 0, &o);
}

static void step_raw(struct in *in)
{
	uint8_t buf[TCP_MSS_OURS];
	uint16_t sport = in16(in), dport = in16(in);
	uint32_t seq = in32(in), ack = in32(in);
	uint8_t flags = in8(in);
	uint16_t win = in16(in);
	size_t n = in_bytes(in, buf, in8(in) * 8u);
	peer_send(sport, dport, flags, seq, ack, win, buf, n, &(struct opts){ 0 });
}

/* Every connection closed, the peer silent: all of them must end and free everything. */
static void teardown(void)
{
	while (nuser)
		tcp_close(user[--nuser], now);
	tcp_close(listeners[0], now);
	tcp_close(listeners[1], now);
	run_until(now + 30 * 60 * 1000);
	check_stack();
	FUZZ_CHECK(st.nconns == 0, "%u connections left after 30 minutes: the first in %s",
		   st.nconns, list_empty(&st.all) ? "TIME_WAIT" :
		   tcp_state_name(list_entry(list_first(&st.all), struct tcp_conn, all_node)->state));
	FUZZ_CHECK(live_allocs == 0, "%ld allocations left", live_allocs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const steps[8])(struct in *) = {
		step_segment, step_answer, step_time, step_send, step_recv, step_close, step_open,
		step_raw,
	};
	struct in in = { data, size };
	setup();
	while (in.n) {
		steps[in8(&in) % 8](&in);
		check_stack();
	}
	teardown();
	return 0;
}
