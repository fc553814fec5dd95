/* TCP SYN cookies: when the SYN queue is full, a listener answers with a SYN-ACK whose ISN
 * encodes what the connection needs, and keeps nothing until the ACK returns it. */
#include "net/tcp_var.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "lib/util.h"

#define COOKIE_PERIOD_MS 64000
#define COOKIE_LIFETIME_MS (2 * 60 * 1000)

/* SYN cookies: the SYN-ACK's ISN carries a 5-bit time counter, 2 bits of MSS and 25 bits of
 * keyed hash over the connection and the client's ISN; the timestamp we send carries the
 * client's window scale. An ACK that returns a valid cookie rebuilds the connection. */
static const uint16_t cookie_mss[4] = { 536, 1220, 1440, 1460 };

static uint32_t cookie_hash(struct tcp_stack *st, const struct seg *s, uint32_t client_isn, uint32_t t)
{
	uint8_t b[20];
	wr32be(b, s->src);
	wr32be(b + 4, s->dst);
	wr16be(b + 8, s->sport);
	wr16be(b + 10, s->dport);
	wr32be(b + 12, client_isn);
	wr32be(b + 16, t);
	return (uint32_t)siphash24(&st->key, b, sizeof(b)) & 0x1FFFFFF;
}

void tcp_cookie_send(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = l->stack;
	uint32_t t = (uint32_t)(now / COOKIE_PERIOD_MS) & 31, mi = 0;
	uint16_t mss = s->has_mss ? s->mss : TCP_MSS_DEFAULT;
	for (unsigned i = 0; i < 4; i++)
		if (cookie_mss[i] <= mss)
			mi = i;
	/* A stand-in connection that lives only for this one reply. */
	struct tcp_conn tmp;
	memset(&tmp, 0, sizeof(tmp));
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
	uint32_t isn = t << 27 | mi << 25 | cookie_hash(st, s, s->seq, t);
	/* Below every later timestamp, so the peer's PAWS never rejects us afterwards. */
	uint32_t tsval = ((tcp_ts_now(now) - 32) & ~31u) | (s->has_ws ? 0x10u | s->ws : 0);
	l->cookies_until = now + COOKIE_LIFETIME_MS;
	tcp_count(st, TCP_SYN_COOKIES_SENT);
	tcp_xmit(&tmp, isn, SYN | ACK, 0, 0, now, tsval);
}

struct tcp_conn *tcp_cookie_check(struct tcp_conn *l, const struct seg *s, uint64_t now)
{
	struct tcp_stack *st = l->stack;
	uint32_t cookie = s->ack - 1, t = cookie >> 27, cur = (uint32_t)(now / COOKIE_PERIOD_MS) & 31;
	if (((cur - t) & 31) > 1 || (cookie & 0x1FFFFFF) != cookie_hash(st, s, s->seq - 1, t))
		return NULL;
	struct tcp_conn *c = tcp_child_new(l, s);
	if (!c)
		return NULL;
	c->irs = s->seq - 1;
	c->rcv_nxt = s->seq;
	struct seg syn = { .has_mss = true, .mss = cookie_mss[(cookie >> 25) & 3] };
	if (s->has_ts) {
		syn.has_ts = true;
		syn.tsval = s->tsval;
		if (s->tsecr & 0x10) {
			syn.has_ws = true;
			syn.ws = s->tsecr & 0xF;
		}
	}
	c->rcv_wscale = syn.has_ws ? tcp_wscale_for(c->rcap) : 0;
	tcp_apply_syn_options(c, &syn);
	c->iss = cookie;
	c->snd_una = c->snd_nxt = c->snd_max = cookie + 1;
	c->rcv_adv = c->rcv_nxt + MIN(c->rcap, 0xFFFFu);      /* what the SYN-ACK offered */
	c->recover = c->iss;
	tcp_count(st, TCP_SYN_COOKIES_OK);
	return c;
}
