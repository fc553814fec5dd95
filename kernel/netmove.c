/* The move exchange's messages and each kernel's part in it (netmove.h draws it). */
#include "kernel/netmove.h"
#include "kernel/netports.h"
#include "kernel/netsteer.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/swsteer.h"
#include "kernel/time.h"
#include "kernel/urpc/msg.h"
#include "kernel/urpc/peer.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "lib/string.h"
#include "lib/toeplitz.h"
#include "net/socket.h"
#include "net/tcp.h"

#define COUNT_MS 100            /* a previous owner counts its connections this often */
#define ASK_MS   1000           /* another kernel waits this long for kernel 0's answer */

_Static_assert(sizeof(struct urpc_move) == 24 && sizeof(struct steer_mask) == 16,
	       "a move's mask is a steer_mask");

static struct move_ctl ctl;             /* kernel 0's */
static struct move_local local;
static uint64_t cookie_at[STEER_BUCKETS];      /* when this kernel last sent a cookie there */
static struct netmove_stats stats;
static uint64_t counted_ms;
static uint32_t ask_seq;
static struct urpc_move_answer answer;  /* the last answer to this kernel's ask */

typedef void (*move_fn)(unsigned from, const void *payload);
static void on_begin(unsigned from, const void *p);
static void on_ready(unsigned from, const void *p);
static void on_leave(unsigned from, const void *p);
static void on_draining(unsigned from, const void *p);
static void on_drained(unsigned from, const void *p);
static void on_abort(unsigned from, const void *p);

/* A message of the exchange; to this kernel itself (kernel 0 moving its own buckets) it is
 * taken at once, without a channel. */
static int send_move(unsigned to, uint8_t type, const void *p, size_t len)
{
	static const move_fn self[] = {
		[URPC_MOVE_BEGIN] = on_begin, [URPC_MOVE_READY] = on_ready,
		[URPC_MOVE_LEAVE] = on_leave, [URPC_MOVE_DRAINING] = on_draining,
		[URPC_MOVE_DRAINED] = on_drained, [URPC_MOVE_ABORT] = on_abort,
	};
	if (to != kself.core)
		return peer_send(to, type, 0, p, len);
	self[type](to, p);
	return 0;
}

static bool alive(unsigned k)
{
	return k == kself.core || (k < kself.ncores && peer_alive(k));
}

static uint64_t alive_mask(void)
{
	uint64_t m = 0;
	for (unsigned k = 0; k < kself.ncores && k < 64; k++)
		if (alive(k))
			m |= 1ull << k;
	return m;
}

static bool from_kernel0(unsigned from)
{
	if (from != 0)
		stats.not_from_kernel0++;
	return from == 0;
}

static struct steer_mask mask_of(const struct urpc_move *m)
{
	struct steer_mask s;
	memcpy(s.mine, m->mask, sizeof(s.mine));
	return s;
}

/* New owner: forward from now on, then say so. */
static void on_begin(unsigned from, const void *p)
{
	struct urpc_move m;
	memcpy(&m, p, sizeof(m));
	if (!from_kernel0(from))
		return;
	struct steer_mask s = mask_of(&m);
	move_fwd_begin(&local, m.id, &s, m.peer, time_uptime_ms());
	struct urpc_move_note r = { m.id, 0 };
	send_move(0, URPC_MOVE_READY, &r, sizeof(r));  /* lost: kernel 0 aborts */
}

static void on_ready(unsigned from, const void *p)
{
	struct urpc_move_note r;
	memcpy(&r, p, sizeof(r));
	if (kself.core == 0)
		move_ctl_ready(&ctl, r.id, from, time_uptime_ms());
}

/* Previous owner: the buckets are no longer its own; its connections there drain. */
static void on_leave(unsigned from, const void *p)
{
	struct urpc_move m;
	memcpy(&m, p, sizeof(m));
	if (!from_kernel0(from))
		return;
	struct steer_mask s = mask_of(&m);
	move_drain_begin(&local, m.id, &s, m.peer, time_uptime_ms());   /* full: counted */
	counted_ms = 0;                                                 /* count at once */
}

/* A report reaches kernel 0 (the move) and the new owner (its forwarding), which may be
 * one kernel. */
static void on_draining(unsigned from, const void *p)
{
	struct urpc_move_note r;
	memcpy(&r, p, sizeof(r));
	uint64_t now = time_uptime_ms();
	if (kself.core == 0)
		move_ctl_progress(&ctl, r.id, from, now);
	move_fwd_heard(&local, r.id, now);
}

static void on_drained(unsigned from, const void *p)
{
	struct urpc_move_note r;
	memcpy(&r, p, sizeof(r));
	if (kself.core == 0)
		move_ctl_drained(&ctl, r.id, from);
	move_fwd_drained(&local, r.id);
}

static void on_abort(unsigned from, const void *p)
{
	struct urpc_move_note r;
	memcpy(&r, p, sizeof(r));
	if (from_kernel0(from))
		move_fwd_end(&local, r.id);
}

/* Kernel 0: another kernel's request, answered with what netsteer_move says. */
static void on_ask(unsigned from, const struct urpc_msg *msg)
{
	struct urpc_move_ask a;
	memcpy(&a, msg->payload, sizeof(a));
	struct steer_mask s;
	memcpy(s.mine, a.mask, sizeof(s.mine));
	struct urpc_move_answer r = { a.seq, kself.core == 0 ? netsteer_move(&s, a.to) : -EINVAL };
	peer_send(from, URPC_MOVE_ANSWER, 0, &r, sizeof(r));   /* lost: the asker times out */
}

static void on_answer(unsigned from, const struct urpc_msg *msg)
{
	if (from == 0)
		memcpy(&answer, msg->payload, sizeof(answer));
}

#define PEER_MOVE_HANDLER(name, fn)                                                     \
	static void name(unsigned from, const struct urpc_msg *m) { fn(from, m->payload); }
PEER_MOVE_HANDLER(msg_begin, on_begin)
PEER_MOVE_HANDLER(msg_ready, on_ready)
PEER_MOVE_HANDLER(msg_leave, on_leave)
PEER_MOVE_HANDLER(msg_draining, on_draining)
PEER_MOVE_HANDLER(msg_drained, on_drained)
PEER_MOVE_HANDLER(msg_abort, on_abort)

void netmove_init(void)
{
	move_ctl_init(&ctl);
	move_local_init(&local);
	PEER_REGISTER_STRUCT(URPC_MOVE_BEGIN, msg_begin, struct urpc_move);
	PEER_REGISTER_STRUCT(URPC_MOVE_READY, msg_ready, struct urpc_move_note);
	PEER_REGISTER_STRUCT(URPC_MOVE_LEAVE, msg_leave, struct urpc_move);
	PEER_REGISTER_STRUCT(URPC_MOVE_DRAINING, msg_draining, struct urpc_move_note);
	PEER_REGISTER_STRUCT(URPC_MOVE_DRAINED, msg_drained, struct urpc_move_note);
	PEER_REGISTER_STRUCT(URPC_MOVE_ABORT, msg_abort, struct urpc_move_note);
	PEER_REGISTER_STRUCT(URPC_MOVE_ASK, on_ask, struct urpc_move_ask);
	PEER_REGISTER_STRUCT(URPC_MOVE_ANSWER, on_answer, struct urpc_move_answer);
}

/* The stack's stray hook (net/tcp.h): a segment of a flow this kernel does not know, in a
 * bucket it forwards, goes to the bucket's previous owner. One that cannot go for want of a
 * buffer or room is dropped (counted), not reset: its sender will send it again. */
static bool on_stray(struct tcp_stack *st, uint32_t src, uint32_t dst, uint16_t sport,
		     uint16_t dport)
{
	struct netif *nif = st->nif;
	if (!nif->rss_key || !nif->rx_frame)
		return false;
	uint32_t hash = toeplitz_ipv4_tcp(nif->rss_key, src, dst, sport, dport);
	int k = move_fwd_to(&local, netsteer_tcp_bucket(hash, sport));
	if (k < 0)
		return false;
	if (!netports_listens((unsigned)k, dport) && !netports_listens(kself.core, dport) &&
	    netports_server(IP_PROTO_TCP, dport) >= 0)
		return false;   /* a port the previous owner never served: its server has it */
	int err = swsteer_forward((unsigned)k, nif->rx_frame, nif->rx_frame_len, hash, true);
	if (err == -EINVAL)
		return false;                   /* dead: the flow is gone with it */
	if (err)
		stats.fwd_failed++;
	else
		stats.forwarded++;
	return true;
}

/* The stack's cookie hook (net/tcp.h): the bucket's drains, if it leaves, wait for the ACK. */
static void on_cookie(struct tcp_stack *st, uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport, uint64_t now)
{
	if (st->nif->rss_key)
		cookie_at[netsteer_tcp_bucket(toeplitz_ipv4_tcp(st->nif->rss_key, src, dst, sport,
								 dport), sport)] = now ? now : 1;
}

/* The bucket of a connection, as the NIC steers the peer's segments (source first). */
static unsigned bucket_of(const struct netif *nif, const struct tcp_conn *c)
{
	return netsteer_tcp_bucket(toeplitz_ipv4_tcp(nif->rss_key, c->raddr, c->laddr, c->rport,
						      c->lport), c->rport);
}

static bool draining(void)
{
	for (unsigned i = 0; i < MOVE_DRAINS; i++)
		if (local.drain[i].on)
			return true;
	return false;
}

/* Connection c counts for every drain of its bucket. */
static void count_conn(const struct netif *nif, const struct tcp_conn *c,
		       unsigned remaining[MOVE_DRAINS])
{
	unsigned b = bucket_of(nif, c);
	for (unsigned i = 0; i < MOVE_DRAINS; i++)
		if (local.drain[i].on && steer_mask_has(&local.drain[i].mask, b))
			remaining[i]++;
}

/* A cookie sent in a drain's buckets within MOVE_COOKIE_MS counts as one connection more:
 * the peer's ACK may yet come. */
static void count_cookies(unsigned remaining[MOVE_DRAINS], uint64_t now)
{
	for (unsigned i = 0; i < MOVE_DRAINS; i++) {
		const struct move_drain *d = &local.drain[i];
		for (unsigned b = 0; d->on && b < STEER_BUCKETS; b++)
			if (steer_mask_has(&d->mask, b) && cookie_at[b] &&
			    cookie_at[b] + MOVE_COOKIE_MS > now) {
				remaining[i]++;
				break;
			}
	}
}

/* Previous owner: each drain's connections not yet closed, those in TIME-WAIT for less
 * than MOVE_TIME_WAIT_MS (the others are not waited for: they last 2 MSL), and a recent
 * cookie (count_cookies). The walk hashes every connection, so it runs only while a drain
 * is on: a kernel holding 25,000 idle connections would otherwise hash them all ten times
 * a second. */
static void count_drains(struct tcp_stack *st, unsigned remaining[MOVE_DRAINS], uint64_t now)
{
	const struct tcp_conn *c;
	memset(remaining, 0, sizeof(unsigned) * MOVE_DRAINS);
	if (!st || !st->nif->rss_key || !draining())
		return;
	list_for_each_entry(c, &st->all, all_node)
		if (c->state != TCP_LISTEN && c->state != TCP_CLOSED)
			count_conn(st->nif, c, remaining);
	list_for_each_entry(c, &st->time_wait, all_node)
		if (c->t_wait + MOVE_TIME_WAIT_MS > now + TCP_TIME_WAIT_MS)
			count_conn(st->nif, c, remaining);
	count_cookies(remaining, now);
}

/* A report goes to the new owner and to kernel 0 (once, if they are one kernel); 0 when
 * every living one took it. */
static int report(const struct move_drain *d, uint8_t type, unsigned remaining)
{
	struct urpc_move_note r = { d->id, remaining };
	int err = alive(d->to) ? send_move(d->to, type, &r, sizeof(r)) : 0;
	if (d->to != 0 && send_move(0, type, &r, sizeof(r)) && !err)
		err = -EAGAIN;
	return err;
}

static void poll_drains(uint64_t now)
{
	unsigned remaining[MOVE_DRAINS];
	if (now - counted_ms < COUNT_MS)
		return;
	counted_ms = now;
	count_drains(sock_tcp_stack(), remaining, now);
	for (unsigned i = 0; i < MOVE_DRAINS; i++) {
		enum move_report what = move_drain_check(&local, i, remaining[i], now);
		if (what == MOVE_REPORT_DRAINING &&
		    report(&local.drain[i], URPC_MOVE_DRAINING, remaining[i]))
			move_drain_unsent(&local, i);   /* again at the next count */
		else if (what == MOVE_REPORT_DRAINED &&
			 report(&local.drain[i], URPC_MOVE_DRAINED, 0) == 0)
			move_drain_done(&local, i);
	}
}

/* Kernel 0: what each move's step asks for. */
static void act(struct move *m)
{
	struct urpc_move msg = { .id = m->id };
	struct urpc_move_note note = { m->id, 0 };
	enum move_step step = m->step;
	int err = -EAGAIN;
	memcpy(msg.mask, m->mask.mine, sizeof(msg.mask));
	if (step == MOVE_BEGIN_DUE) {
		msg.peer = m->from;
		err = send_move(m->to, URPC_MOVE_BEGIN, &msg, sizeof(msg));
	} else if (step == MOVE_WRITE_DUE) {
		err = netsteer_give(&m->mask, m->to);
	} else if (step == MOVE_LEAVE_DUE) {
		msg.peer = m->to;
		err = send_move(m->from, URPC_MOVE_LEAVE, &msg, sizeof(msg));
	} else if (step == MOVE_ABORT_DUE) {
		err = send_move(m->to, URPC_MOVE_ABORT, &note, sizeof(note));
	}
	if (!err)
		move_ctl_sent(&ctl, m, step, time_uptime_ms());
}

static void poll_moves(uint64_t now)
{
	move_ctl_tick(&ctl, now, alive_mask());
	for (unsigned i = 0; i < MOVE_MAX; i++)
		for (unsigned n = 0; n < 4 && ctl.moves[i].step != MOVE_FREE &&
				     ctl.moves[i].step != MOVE_AWAIT_READY &&
				     ctl.moves[i].step != MOVE_DRAINING; n++)
			act(&ctl.moves[i]);     /* a step done at once may lead to the next */
}

void netmove_poll(uint64_t now)
{
	struct tcp_stack *st = sock_tcp_stack();
	if (st && !st->stray) {
		st->stray = on_stray;
		st->cookie_sent = on_cookie;
	}
	move_fwd_tick(&local, now, alive_mask());
	poll_drains(now);
	if (kself.core == 0)
		poll_moves(now);
}

int netmove_request(const uint8_t table[STEER_BUCKETS], const struct steer_mask *m,
		    unsigned to)
{
	uint64_t now = time_uptime_ms();
	int n = move_ctl_request(&ctl, table, m, to, now);
	if (n > 0)
		poll_moves(now);                /* BEGIN goes at once */
	return n;
}

int netmove_ask(const struct steer_mask *m, unsigned to)
{
	struct urpc_move_ask a = { .seq = ++ask_seq, .to = (uint8_t)to };
	if (kself.core == 0)
		return netsteer_move(m, to);
	memcpy(a.mask, m->mine, sizeof(a.mask));
	int err = peer_send_wait(0, URPC_MOVE_ASK, 0, &a, sizeof(a), ASK_MS);
	for (unsigned ms = 0; !err && answer.seq != a.seq && ms < ASK_MS; ms += 10)
		sched_sleep_ms(10);
	if (err)
		return err;
	return answer.seq == a.seq ? answer.status : -ETIMEDOUT;
}

const struct move_ctl *netmove_ctl(void)
{
	return &ctl;
}

const struct move_local *netmove_local(void)
{
	return &local;
}

const struct netmove_stats *netmove_stats(void)
{
	return &stats;
}

struct netmove_counts netmove_counts(void)
{
	return (struct netmove_counts){
		.forwarded = stats.forwarded, .fwd_failed = stats.fwd_failed,
		.begun = ctl.stats.requested, .done = ctl.stats.done,
		.aborted = ctl.stats.aborted,
	};
}
