/* The serving side of the cross-kernel tests. Message handlers only record what arrived;
 * requests that take time run from the main loop (smp_service), never inside a poll. */
#include "kernel/tests/smptest.h"
#include "drivers/igb/igb.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/netdev.h"
#include "kernel/nicq.h"
#include "lib/bytes.h"
#include "lib/sort.h"
#include "net/net.h"
#include "kernel/kcatch.h"
#include "kernel/panic.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/swsteer.h"
#include "net/socket.h"
#include "kernel/time.h"
#include "net/tcp.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

#define PINGPONG_MAX 2048
#define PONG_QUEUE   64

volatile uint64_t smp_test_global = SMPTEST_GLOBAL_INITIAL;

/* A request waiting for the main loop (one at a time; kernel 0 asks one at a time). */
static struct urpc_test pending_req;
static unsigned pending_from;
static bool pending;

/* Replies, one slot per kernel; ok set by the handler, cleared by the waiter. */
static struct urpc_test replies[MAX_KERNELS];
static bool reply_ready[MAX_KERNELS];

/* Pings answered from the main loop when the answer did not fit at once. */
static struct { unsigned to; struct urpc_ping p; } pong_queue[PONG_QUEUE];
static unsigned pong_head, pong_tail;

static struct urpc_ping last_pong[MAX_KERNELS];
static bool pong_ready[MAX_KERNELS];

static uint64_t fills, fill_errors, fill_next;

static void ping_pattern(uint64_t seq, uint8_t *p)
{
	for (unsigned i = 0; i < sizeof(((struct urpc_ping *)0)->pattern); i++)
		p[i] = (uint8_t)(seq * 131 + i * 7);
}

static void on_ping(unsigned from, const struct urpc_msg *m)
{
	struct urpc_ping p;
	memcpy(&p, m->payload, sizeof(p));
	if (peer_send(from, URPC_PONG, 0, &p, sizeof(p)) == -EAGAIN &&
	    pong_tail - pong_head < PONG_QUEUE) {
		pong_queue[pong_tail % PONG_QUEUE].to = from;
		pong_queue[pong_tail % PONG_QUEUE].p = p;
		pong_tail++;
	}
}

static void on_pong(unsigned from, const struct urpc_msg *m)
{
	memcpy(&last_pong[from], m->payload, sizeof(last_pong[from]));
	pong_ready[from] = true;
}

static void on_test_req(unsigned from, const struct urpc_msg *m)
{
	struct urpc_test req;
	memcpy(&req, m->payload, sizeof(req));
	if (pending) {
		req.status = -EBUSY;
		peer_send(from, URPC_TEST_REPLY, 0, &req, sizeof(req));
		return;
	}
	pending_req = req;
	pending_from = from;
	pending = true;
}

static void on_test_reply(unsigned from, const struct urpc_msg *m)
{
	memcpy(&replies[from], m->payload, sizeof(replies[from]));
	reply_ready[from] = true;
}

static void on_fill(unsigned from, const struct urpc_msg *m)
{
	struct urpc_fill f;
	(void)from;
	memcpy(&f, m->payload, sizeof(f));
	if (f.seq != fill_next)
		fill_errors++;
	fill_next = f.seq + 1;
	fills++;
}

void smptest_init(void)
{
	PEER_REGISTER_STRUCT(URPC_PING, on_ping, struct urpc_ping);
	PEER_REGISTER_STRUCT(URPC_PONG, on_pong, struct urpc_ping);
	PEER_REGISTER_STRUCT(URPC_TEST_REQ, on_test_req, struct urpc_test);
	PEER_REGISTER_STRUCT(URPC_TEST_REPLY, on_test_reply, struct urpc_test);
	PEER_REGISTER_STRUCT(URPC_FILL, on_fill, struct urpc_fill);
}

uint64_t smptest_fills_seen(void)
{
	return fills;
}

static uint64_t deadline_ms(unsigned ms)
{
	return rdtsc() + cpu_info.tsc_hz / 1000 * ms;
}

int smptest_send(unsigned core, const struct urpc_test *req)
{
	reply_ready[core] = false;
	return peer_send_wait(core, URPC_TEST_REQ, 0, req, sizeof(*req), 2000);
}

int smptest_wait_reply(unsigned core, uint32_t op, struct urpc_test *reply, unsigned timeout_ms)
{
	uint64_t deadline = deadline_ms(timeout_ms);
	for (;;) {
		peer_poll();
		if (reply_ready[core] && replies[core].op == op) {
			reply_ready[core] = false;
			*reply = replies[core];
			return reply->status;
		}
		if (!peer_alive(core))
			return -EHOSTDOWN;
		if (rdtsc() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
}

int smptest_request(unsigned core, const struct urpc_test *req, struct urpc_test *reply,
		    unsigned timeout_ms)
{
	int err = smptest_send(core, req);
	return err ? err : smptest_wait_reply(core, req->op, reply, timeout_ms);
}

int smptest_ask_serving(unsigned core, const struct urpc_test *req, struct urpc_test *reply,
			unsigned timeout_ms)
{
	int err = smptest_send(core, req);
	for (unsigned ms = 0; !err && ms < timeout_ms; ms += 10) {
		err = smptest_wait_reply(core, req->op, reply, 0);
		if (err != -ETIMEDOUT)
			return err;
		err = 0;
		sched_sleep_ms(10);
	}
	return err ? err : -ETIMEDOUT;
}

static int wait_pong(unsigned peer, uint64_t seq, struct urpc_ping *out)
{
	uint64_t deadline = deadline_ms(2000);
	for (;;) {
		peer_poll();
		if (pong_ready[peer] && last_pong[peer].seq == seq) {
			pong_ready[peer] = false;
			*out = last_pong[peer];
			return 0;
		}
		if (!peer_alive(peer))
			return -EHOSTDOWN;
		if (rdtsc() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
}

int smptest_pingpong(unsigned peer, unsigned count, struct pingpong_result *res)
{
	static uint64_t rtt[PINGPONG_MAX];
	struct urpc_ping p, back;
	unsigned n = count < PINGPONG_MAX ? count : PINGPONG_MAX;

	memset(res, 0, sizeof(*res));
	for (unsigned i = 0; i < n; i++) {
		p.seq = ((uint64_t)kself.core << 48) | i;
		ping_pattern(p.seq, p.pattern);
		p.tsc = rdtsc();
		int err = peer_send_wait(peer, URPC_PING, 0, &p, sizeof(p), 2000);
		if (!err)
			err = wait_pong(peer, p.seq, &back);
		if (err)
			return err;
		rtt[i] = rdtsc() - back.tsc;
		if (back.tsc == p.tsc && memcmp(back.pattern, p.pattern, sizeof(p.pattern)) == 0)
			res->ok++;
	}
	sort_u64(rtt, n);
	res->rtt_min = rtt[0];
	res->rtt_median = rtt[n / 2];
	res->rtt_p99 = rtt[n * 99 / 100];
	res->rtt_max = rtt[n - 1];
	return 0;
}

static void reply_to(unsigned to, struct urpc_test *r)
{
	peer_send_wait(to, URPC_TEST_REPLY, 0, r, sizeof(*r), 2000);
}

static void op_probe(unsigned from, struct urpc_test *r)
{
	(void)from;
	struct kcatch c;
	uint64_t addr = r->arg[0];
	r->arg[0] = r->arg[1] = r->arg[2] = 0;
	if (kcatch_try(&c) == 0) {
		r->arg[3] = *(volatile uint64_t *)(uintptr_t)addr;
		kcatch_end();
	} else {
		r->arg[0] = 1;
		r->arg[1] = c.vector;
		r->arg[2] = c.cr2;
	}
}

/* Stops polling for a while so that the requester can fill our ring, then takes it all. */
static void op_deaf(unsigned from, struct urpc_test *r)
{
	uint64_t ms = r->arg[0], expect = r->arg[1];
	fills = fill_errors = fill_next = 0;
	r->arg[2] = 0;
	reply_to(from, r);
	uint64_t until = deadline_ms((unsigned)ms);
	while (rdtsc() < until)
		cpu_relax();
	uint64_t deadline = deadline_ms(2000);
	while (fills < expect && rdtsc() < deadline)
		peer_poll();
	r->arg[0] = fills;
	r->arg[1] = fill_errors;
	r->arg[2] = 1;
}

/* ---- an igb queue driven by this kernel while another owns the device ---- */

static struct adv_queue nicq;
static volatile uint64_t nicq_irqs;

static void nicq_irq(struct trap_frame *f)
{
	(void)f;
	nicq_irqs++;            /* EIAC cleared the cause as the message went out */
	lapic_eoi();
}

static void op_nicq_attach(unsigned from, struct urpc_test *r)
{
	(void)from;
	irq_register((uint8_t)r->arg[1], nicq_irq);
	r->status = nicq_attach(&nicq, (unsigned)r->arg[0], (uint8_t)r->arg[1]);
}

/* Asks for a queue on rings of its own and never confirms: the owner must give the queue
 * up. Rings are given back only after a refusal that says the NIC never saw them. */
static void op_nicq_unconfirmed(unsigned from, struct urpc_test *r)
{
	(void)from;
	static struct adv_queue q;
	struct urpc_nicq_attached a = { 0 };
	r->status = adv_queue_alloc(&q, &igb_adv, (unsigned)r->arg[0]);
	if (r->status)
		return;
	struct urpc_nicq_attach ask = { .rx_ring_pa = q.rx_ring_pa, .tx_ring_pa = q.tx_ring_pa,
					.queue = (uint32_t)r->arg[0], .apic_id = lapic_id(),
					.vector = VEC_NICQ_TEST };
	int err = nicq_ask(&ask, &a);
	r->status = err ? err : a.status;
	if (!err && a.status && !a.rings_held)
		adv_queue_free(&q);             /* refused before the NIC heard of them */
	else
		memset(&q, 0, sizeof(q));       /* kept for good: the NIC may write there */
}

#define NICQ_PING_ID 0x4b31

/* Ethernet + IPv4 + ICMP echo request (seq 1), 98 bytes like ping's, for the raw queue. */
static size_t echo_request(uint8_t *f, uint64_t src_mac, uint64_t dst_mac, uint32_t src,
			   uint32_t dst)
{
	wr48be(f, dst_mac);
	wr48be(f + 6, src_mac);
	wr16be(f + 12, ETH_TYPE_IPV4);
	size_t len = icmp_echo_build(f + ETH_HDR + IP_HDR, NICQ_PING_ID, 1, ICMP_ECHO_DATA_MAX);
	ipv4_header(f + ETH_HDR, src, dst, IP_PROTO_ICMP, len, 0);
	return ETH_HDR + IP_HDR + len;
}

struct echo_seen { uint32_t from; bool reply; uint64_t frames; };

static void on_nicq_frame(void *arg, const uint8_t *f, size_t len, const struct nic_rx_info *info)
{
	struct echo_seen *s = arg;
	(void)info;
	s->frames++;
	if (len >= 42 && rd16be(f + 12) == ETH_TYPE_IPV4 && f[23] == IP_PROTO_ICMP &&
	    rd32be(f + 26) == s->from && f[34] == 0 && rd16be(f + 38) == NICQ_PING_ID)
		s->reply = true;
}

static void op_nicq_ping(unsigned from, struct urpc_test *r)
{
	(void)from;
	uint8_t frame[128];
	struct echo_seen seen = { .from = (uint32_t)r->arg[4] };
	uint64_t irqs0 = nicq_irqs;
	size_t len = echo_request(frame, r->arg[2], r->arg[3], (uint32_t)(r->arg[4] >> 32),
				  seen.from);
	r->status = adv_queue_send(&nicq, frame, len, false);
	uint64_t end = deadline_ms(2000);
	while (!r->status && !seen.reply && rdtsc() < end) {
		adv_queue_poll(&nicq, on_nicq_frame, &seen, 16);
		cpu_relax();
	}
	if (!r->status && !seen.reply)
		r->status = -ETIMEDOUT;
	r->arg[0] = nicq_irqs - irqs0;
	r->arg[1] = seen.frames;
}

/* Frames this kernel's interface received: from its NIC queue, or (st NULL) handed over by
 * kernel 0's software steering. */
static uint64_t frames_in(const struct nic_stats *st)
{
	return st ? st->rx_good : swsteer_stats()->rx_taken;
}

/* This kernel's own stack pings arg[0], arg[1] times, each answer awaited up to a second. */
static void op_stack_ping(unsigned from, struct urpc_test *r)
{
	(void)from;
	const struct netif *n = netdev_netif();
	const struct nic_stats *st = NULL;
	bool up;
	unsigned mbps;
	if (!n) {
		r->status = -ENODEV;
		return;
	}
	if (!netdev_nic_state(&st, &up, &mbps))
		st = NULL;              /* steered in software: frames come from kernel 0 */
	uint64_t replies0 = n->stats.icmp_echo_replies_in, rx0 = frames_in(st);
	uint64_t irqs0 = netdev_interrupts();
	for (uint64_t seq = 1; seq <= r->arg[1] && !r->status; seq++) {
		uint64_t want = n->stats.icmp_echo_replies_in + 1, end = deadline_ms(1000);
		r->status = netdev_ping((uint32_t)r->arg[0], (uint16_t)seq);
		while (!r->status && n->stats.icmp_echo_replies_in < want && rdtsc() < end) {
			peer_poll();            /* an ARP answer comes from kernel 0 */
			netdev_poll();
			cpu_relax();
		}
	}
	r->arg[0] = n->stats.icmp_echo_replies_in - replies0;
	r->arg[1] = frames_in(st) - rx0;
	r->arg[2] = netdev_interrupts() - irqs0;
}

/* arg[1] connections from this kernel's own TCP stack to arg[0]:arg[2], where nothing listens:
 * each should be refused by a RST that reaches this kernel. */
static void op_stack_connect(unsigned from, struct urpc_test *r)
{
	(void)from;
	struct tcp_stack *st = sock_tcp_stack();
	uint64_t refused = 0, silent = 0, other = 0;
	if (!st || !netdev_netif()) {
		r->status = -ENODEV;
		return;
	}
	for (uint64_t i = 0; i < r->arg[1] && !r->status; i++) {
		struct tcp_conn *c = tcp_conn_new(st);
		if (!c) {
			r->status = -ENOMEM;
			break;
		}
		r->status = tcp_connect(c, (uint32_t)r->arg[0], (uint16_t)r->arg[2],
					time_uptime_ms());
		netdev_tx_flush();
		uint64_t end = deadline_ms(1000);
		while (!r->status && c->state == TCP_SYN_SENT && rdtsc() < end) {
			peer_poll();
			netdev_poll();
			cpu_relax();
		}
		if (c->state == TCP_CLOSED && c->error == -ECONNREFUSED)
			refused++;
		else if (c->state == TCP_SYN_SENT)
			silent++;
		else
			other++;
		tcp_close(c, time_uptime_ms());
	}
	r->arg[0] = refused;
	r->arg[1] = silent;
	r->arg[2] = other;
}

/* The connection TEST_OP_MOVE_* keep, and the network work done while waiting on it. */
static struct tcp_conn *move_conn;

static void net_work(void)
{
	peer_poll();
	netdev_poll();
	netdev_tx_flush();
	cpu_relax();
}

static void op_move_open(unsigned from, struct urpc_test *r)
{
	(void)from;
	struct tcp_stack *st = sock_tcp_stack();
	if (!st || !netdev_netif() || move_conn || !(move_conn = tcp_conn_new(st))) {
		r->status = move_conn ? -EBUSY : -ENODEV;
		return;
	}
	r->status = tcp_connect(move_conn, (uint32_t)r->arg[0], (uint16_t)r->arg[1],
				time_uptime_ms());
	netdev_tx_flush();
	uint64_t end = deadline_ms(3000);
	while (!r->status && move_conn->state == TCP_SYN_SENT && rdtsc() < end)
		net_work();
	if (!r->status && move_conn->state != TCP_ESTABLISHED)
		r->status = -ETIMEDOUT;
	r->arg[0] = move_conn->lport;
	r->arg[1] = move_conn->state;
}

static uint8_t move_byte(uint64_t seed, size_t i)
{
	return (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static void op_move_echo(unsigned from, struct urpc_test *r)
{
	(void)from;
	uint8_t buf[512];
	size_t len = (size_t)r->arg[0], sent = 0, back = 0, equal = 0;
	uint64_t end = deadline_ms(5000);
	while (move_conn && back < len && !move_conn->error && rdtsc() < end) {
		for (size_t n = MIN(len - sent, sizeof(buf)), i = 0; i < n; i++)
			buf[i] = move_byte(r->arg[1], sent + i);
		long w = sent < len ? tcp_send(move_conn, buf, MIN(len - sent, sizeof(buf)),
					       time_uptime_ms()) : 0;
		sent += w > 0 ? (size_t)w : 0;
		long got = tcp_recv(move_conn, buf, sizeof(buf), false, time_uptime_ms());
		for (long i = 0; i < got; i++, back++)
			equal += buf[i] == move_byte(r->arg[1], back);
		if (got == 0)
			break;                  /* the peer closed */
		net_work();
	}
	r->status = move_conn ? 0 : -ENOTCONN;
	r->arg[0] = equal;
	r->arg[1] = move_conn ? move_conn->state : TCP_CLOSED;
	r->arg[2] = move_conn ? (uint64_t)(int64_t)move_conn->error : 0;
}

static void op_move_close(unsigned from, struct urpc_test *r)
{
	(void)from;
	if (!move_conn) {
		r->status = -ENOTCONN;
		return;
	}
	struct tcp_conn *c = move_conn;
	tcp_shutdown_send(c, time_uptime_ms());
	uint64_t end = deadline_ms(3000);
	while (c->state != TCP_TIME_WAIT && c->state != TCP_CLOSED && rdtsc() < end)
		net_work();
	r->arg[1] = c->state;
	tcp_close(c, time_uptime_ms());
	move_conn = NULL;
}

static void op_read_global(unsigned from, struct urpc_test *r)
{
	(void)from;
	r->arg[0] = smp_test_global;
}

static void op_pingpong(unsigned from, struct urpc_test *r)
{
	struct pingpong_result pr;
	(void)from;
	r->status = smptest_pingpong((unsigned)r->arg[0], (unsigned)r->arg[1], &pr);
	r->arg[2] = pr.ok;
	r->arg[3] = pr.rtt_median;
}

static void op_panic(unsigned from, struct urpc_test *r)
{
	(void)r;
	panic("smptest: panic requested by kernel %u", from);
}

static void op_echo(unsigned from, struct urpc_test *r)
{
	(void)from;
	r->arg[0] += kself.core;
}

static void op_peer_drops(unsigned from, struct urpc_test *r)
{
	(void)from;
	r->arg[0] = peer_unknown_messages();
	r->arg[1] = peer_malformed_messages();
}

static void op_fill_stats(unsigned from, struct urpc_test *r)
{
	(void)from;
	if (r->arg[0])
		fills = fill_errors = fill_next = 0;
	r->arg[0] = fills;
	r->arg[1] = fill_errors;
}

/* No rings and no handler: the test sends only requests the owner must refuse. */
static void op_nicq_ask(unsigned from, struct urpc_test *r)
{
	(void)from;
	struct urpc_nicq_attach ask = { .queue = (uint32_t)r->arg[0], .apic_id = lapic_id(),
					.vector = VEC_NICQ_TEST };
	struct urpc_nicq_attached ans;
	r->status = nicq_ask(&ask, &ans);
	if (!r->status)
		r->status = ans.status;
}

static void op_net_view(unsigned from, struct urpc_test *r)
{
	(void)from;
	const struct netif *n = netdev_view();
	uint8_t gw[6] = { 0 };
	arp_cached(n, n->gateway, gw);
	r->arg[0] = n->ip;
	r->arg[1] = n->mask;
	r->arg[2] = n->gateway;
	r->arg[3] = rd48be(n->mac);
	r->arg[4] = rd48be(gw);
}

typedef void (*test_op_fn)(unsigned from, struct urpc_test *r);

/* Every operation of enum urpc_test_op (kernel/tests/ktest_msg.h). */
static const test_op_fn test_ops[] = {
	[TEST_OP_READ_GLOBAL] = op_read_global,
	[TEST_OP_PROBE] = op_probe,
	[TEST_OP_PINGPONG] = op_pingpong,
	[TEST_OP_DEAF] = op_deaf,
	[TEST_OP_PANIC] = op_panic,
	[TEST_OP_ECHO] = op_echo,
	[TEST_OP_FILL_STATS] = op_fill_stats,
	[TEST_OP_NICQ_ATTACH] = op_nicq_attach,
	[TEST_OP_NICQ_PING] = op_nicq_ping,
	[TEST_OP_NICQ_ASK] = op_nicq_ask,
	[TEST_OP_NET_VIEW] = op_net_view,
	[TEST_OP_STACK_PING] = op_stack_ping,
	[TEST_OP_STACK_CONNECT] = op_stack_connect,
	[TEST_OP_PEER_DROPS] = op_peer_drops,
	[TEST_OP_NICQ_UNCONFIRMED] = op_nicq_unconfirmed,
	[TEST_OP_MOVE_OPEN] = op_move_open,
	[TEST_OP_MOVE_ECHO] = op_move_echo,
	[TEST_OP_MOVE_CLOSE] = op_move_close,
};

static void run_request(unsigned from, struct urpc_test *r)
{
	r->status = 0;
	if (r->op < ARRAY_SIZE(test_ops) && test_ops[r->op])
		test_ops[r->op](from, r);
	else
		r->status = -ENOSYS;
	reply_to(from, r);
}

void smp_service(void)
{
	while (pong_head != pong_tail) {
		unsigned i = pong_head % PONG_QUEUE;
		if (peer_send(pong_queue[i].to, URPC_PONG, 0, &pong_queue[i].p, sizeof(pong_queue[i].p)))
			break;
		pong_head++;
	}
	if (pending) {
		struct urpc_test r = pending_req;
		unsigned from = pending_from;
		pending = false;
		run_request(from, &r);
	}
}
