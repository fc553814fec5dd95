/* TCP receive buffer: in-window data put in place, in order or as out-of-order islands that
 * join the stream when the hole before them fills (RFC 9293 3.10.7.4, seventh step). */
#include "net/tcp_var.h"
#include "lib/string.h"
#include "lib/util.h"

/* Joins neighbouring islands that touch or overlap. */
static void ooo_coalesce(struct tcp_conn *c)
{
	for (unsigned j = 0; j + 1 < c->nooo; ) {
		if (seq_geq(c->ooo[j].end, c->ooo[j + 1].seq)) {
			if (seq_gt(c->ooo[j + 1].end, c->ooo[j].end))
				c->ooo[j].end = c->ooo[j + 1].end;
			memmove(&c->ooo[j + 1], &c->ooo[j + 2], (c->nooo - j - 2) * sizeof(c->ooo[0]));
			c->nooo--;
		} else {
			j++;
		}
	}
}

/* Remembers [seq, end), already in the buffer past a hole, in the sorted island list. */
static void ooo_insert(struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	struct tcp_stack *st = c->stack;
	tcp_count(st, TCP_OOO_SEGS);
	if (c->nooo == TCP_OOO_RANGES) {
		tcp_drop(st, DROP_TCP_OOO_FULL);        /* still in the buffer, just not remembered */
		return;
	}
	unsigned i = 0;
	while (i < c->nooo && seq_lt(c->ooo[i].seq, seq))
		i++;
	memmove(&c->ooo[i + 1], &c->ooo[i], (c->nooo - i) * sizeof(c->ooo[0]));
	c->ooo[i] = (struct tcp_range){ seq, end };
	c->nooo++;
	ooo_coalesce(c);
}

/* In-order data up to end arrived: rcv_nxt moves, and over the islands it now reaches. */
static void advance_rcv_nxt(struct tcp_conn *c, uint32_t end)
{
	c->rlen += end - c->rcv_nxt;
	c->rcv_nxt = end;
	while (c->nooo && seq_leq(c->ooo[0].seq, c->rcv_nxt)) {
		if (seq_gt(c->ooo[0].end, c->rcv_nxt)) {
			c->rlen += c->ooo[0].end - c->rcv_nxt;
			c->rcv_nxt = c->ooo[0].end;
		}
		memmove(&c->ooo[0], &c->ooo[1], (c->nooo - 1) * sizeof(c->ooo[0]));
		c->nooo--;
	}
}

bool tcp_reass(struct tcp_conn *c, uint32_t seq, const uint8_t *data, uint32_t len)
{
	if (seq_lt(seq, c->rcv_nxt)) {
		uint32_t cut = c->rcv_nxt - seq;
		if (cut >= len)
			return false;
		data += cut;
		len -= cut;
		seq = c->rcv_nxt;
	}
	uint32_t room = c->rcap - c->rlen, off = seq - c->rcv_nxt;
	if (off >= room || len > room - off)
		tcp_drop(c->stack, DROP_TCP_RCVBUF_TRIM);
	if (off >= room)
		return false;
	len = MIN(len, room - off);
	if (!tcp_rbuf_fit(c, c->rlen + off + len)) {
		tcp_drop(c->stack, DROP_TCP_NO_BUFFER);       /* the peer sends it again */
		return false;
	}
	tcp_ring_put(c->rbuf, c->ralloc, c->rhead + c->rlen + off, data, len);
	if (off > 0) {
		ooo_insert(c, seq, seq + len);
		return false;
	}
	advance_rcv_nxt(c, seq + len);
	return true;
}
