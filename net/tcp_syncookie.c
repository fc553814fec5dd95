/* TCP SYN cookies: when the SYN queue is full, a listener answers with a SYN-ACK whose ISN
 * encodes what the connection needs, and keeps nothing until the ACK returns it. */
#include "net/tcp_var.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "lib/util.h"

#define COOKIE_PERIOD_MS 64000
#define COOKIE_LIFETIME_MS (2 * 60 * 1000)

/* The cookie is the ISN of our SYN-ACK (the technique of RFC 4987 3.6):
 *
 *    31  29 28 27 26   23 22                                     0
 *   +------+-----+-------+----------------------------------------+
 *   | time | mss |  ws   |                  hash                  |
 *   +------+-----+-------+----------------------------------------+
 *
 *   time  the low 3 bits of the period counter, now / COOKIE_PERIOD_MS. A cookie is good in
 *         its period and the next (64 to 128 s); the hash covers the whole counter, so one
 *         eight periods old does not pass for a fresh one.
 *   mss   index of the largest cookie_mss entry not above the peer's MSS.
 *   ws    the peer's window scale, 0 to 14, or COOKIE_NO_WS when its SYN had none: we scale
 *         only if it offered to (RFC 7323 2.2), and it does not say so again in the ACK.
 *   hash  23 bits of SipHash over the addresses, the ports, the client's ISN, the counter
 *         and the mss and ws fields, so that none of them can be changed.
 *
 * Timestamps need no room: the ACK carries one exactly when both SYNs did (RFC 7323 3.2). */
#define COOKIE_TIME_SHIFT 29
#define COOKIE_MSS_SHIFT  27
#define COOKIE_WS_SHIFT   23
#define COOKIE_HASH_MASK  0x7FFFFFu
#define COOKIE_NO_WS      15

static const uint16_t cookie_mss[4] = { 536, 1220, 1440, 1460 };

/* fields: the cookie's mss and ws bits, in place. */
static uint32_t cookie_hash(struct tcp_stack *st, const struct seg *s, uint32_t client_isn,
			    uint32_t counter, uint32_t fields)
{
	uint8_t b[24];
	wr32be(b, s->src);
	wr32be(b + 4, s->dst);
	wr16be(b + 8, s->sport);
	wr16be(b + 10, s->dport);
	wr32be(b + 12, client_isn);
	wr32be(b + 16, counter);
	wr32be(b + 20, fields);
	return (uint32_t)siphash24(&st->key, b, sizeof(b)) & COOKIE_HASH_MASK;
}

static uint32_t cookie_make(struct tcp_stack *st, const struct seg *s, uint64_t now)
{
	uint32_t counter = (uint32_t)(now / COOKIE_PERIOD_MS), mi = 0;
	uint16_t mss = s->has_mss ? s->mss : TCP_MSS_DEFAULT;
	for (unsigned i = 0; i < 4; i++)
		if (cookie_mss[i] <= mss)
			mi = i;
	uint32_t ws = s->has_ws ? s->ws : COOKIE_NO_WS;
	uint32_t fields = mi << COOKIE_MSS_SHIFT | ws << COOKIE_WS_SHIFT;
	return (counter & 7) << COOKIE_TIME_SHIFT | fields | cookie_hash(st, s, s->seq, counter, fields);
}

void tcp_cookie_send(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = l->stack;
	/* A stand-in connection that lives only for this one reply. */
	struct tcp_conn tmp;
	memset(&tmp, 0, sizeof(tmp));
	tcp_wheel_entry_init(&tmp.timer);        /* never armed */
	tmp.stack = st;
	tmp.state = TCP_SYN_RECEIVED;
	tmp.laddr = s->dst;
	tmp.lport = s->dport;
	tmp.raddr = s->src;
	tmp.rport = s->sport;
	tmp.rcap = l->rcap;
	tmp.ws_ok = s->has_ws;
	tmp.rcv_wscale = s->has_ws ? tcp_wscale_for(l->rcap) : 0;
	tmp.ts_ok = s->has_ts;
	tmp.ts_recent = s->tsval;
	tmp.rcv_nxt = s->seq + 1;
	l->cookies_until = now + COOKIE_LIFETIME_MS;
	tcp_count(st, TCP_SYN_COOKIES_SENT);
	if (st->cookie_sent)
		st->cookie_sent(st, s->src, s->dst, s->sport, s->dport, now);
	tcp_xmit(&tmp, cookie_make(st, s, now), SYN | ACK, 0, 0, now);
}

/* The options of the SYN a valid cookie answered, rebuilt into syn; false if not valid. */
static bool cookie_valid(struct tcp_stack *st, const struct seg *s, uint64_t now, struct seg *syn)
{
	uint32_t cookie = s->ack - 1, counter = (uint32_t)(now / COOKIE_PERIOD_MS);
	uint32_t age = (counter - (cookie >> COOKIE_TIME_SHIFT)) & 7;
	uint32_t fields = cookie & ~(7u << COOKIE_TIME_SHIFT) & ~COOKIE_HASH_MASK;
	if (age > 1 || (cookie & COOKIE_HASH_MASK) != cookie_hash(st, s, s->seq - 1, counter - age, fields))
		return false;
	uint32_t ws = (cookie >> COOKIE_WS_SHIFT) & 15;
	memset(syn, 0, sizeof(*syn));
	syn->has_mss = true;
	syn->mss = cookie_mss[(cookie >> COOKIE_MSS_SHIFT) & 3];
	syn->has_ws = ws != COOKIE_NO_WS;
	syn->ws = syn->has_ws ? (uint8_t)ws : 0;
	syn->has_ts = s->has_ts;
	syn->tsval = s->tsval;
	return true;
}

bool tcp_cookie_ours(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct seg syn;
	return now < l->cookies_until && (s->flags & (SYN | ACK | RST)) == ACK &&
	       cookie_valid(l->stack, s, now, &syn);
}

struct tcp_conn *tcp_cookie_check(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct seg syn;
	if (!cookie_valid(l->stack, s, now, &syn))
		return NULL;
	struct tcp_conn *c = tcp_child_new(l, s);
	if (!c)
		return NULL;
	c->irs = s->seq - 1;
	c->rcv_nxt = s->seq;
	c->rcv_wscale = syn.has_ws ? tcp_wscale_for(c->rcap) : 0;
	tcp_apply_syn_options(c, &syn);
	c->iss = s->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = s->ack;
	c->rcv_adv = c->rcv_nxt + MIN(c->rcap, 0xFFFFu);      /* what the SYN-ACK offered */
	c->recover = c->iss;
	tcp_count(l->stack, TCP_SYN_COOKIES_OK);
	return c;
}
