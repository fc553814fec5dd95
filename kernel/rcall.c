/* Remote calls between kernels on behalf of processes (rcall.h). */
#include "kernel/rcall.h"
#include "drivers/nic.h"
#include "kernel/console.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/netdev.h"
#include "kernel/netload.h"
#include "kernel/netmove.h"
#include "kernel/netsteer.h"
#include "kernel/swsteer.h"
#include "kernel/urpc/peer.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/urpc/shared.h"
#include "kernel/smp.h"
#include "kernel/syscall.h"
#include "kernel/time.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/list.h"
#include "lib/util.h"
#include "net/socket.h"
#include "net/steer.h"
#include "net/tcp.h"

#define RCALL_CALLS     8       /* calls this kernel's processes have under way */
#define RCALL_REQS      32      /* requests from other kernels being served here */
#define RCALL_TIMEOUT_S 5

/* A call this kernel's processes are waiting on. */
struct rcall_slot {
	bool used, done;
	uint32_t id;
	unsigned core;
	int status;
	uint8_t *out;
	unsigned out_max, pieces;
	struct waitq wq;
};

/* A request from another kernel being assembled or waiting to be served. Another kernel may
 * have several calls to this one under way at once (one per process waiting there), so a
 * request is known by its sender and the sender's call id, and each has a slot of its own
 * until it is answered. */
struct rcall_req {
	bool used, complete;
	unsigned from;
	uint32_t id;
	uint16_t op;
	size_t len;
	uint8_t data[RCALL_REQ_MAX];
};

static struct rcall_slot calls[RCALL_CALLS];
static struct rcall_req reqs[RCALL_REQS];
static uint32_t next_id = 1;

static struct rcall_req *req_of(unsigned from, uint32_t id)
{
	for (unsigned i = 0; i < RCALL_REQS; i++)
		if (reqs[i].used && !reqs[i].complete && reqs[i].from == from && reqs[i].id == id)
			return &reqs[i];
	return NULL;
}

static struct rcall_req *req_take(unsigned from, const struct urpc_rcall *r)
{
	for (unsigned i = 0; i < RCALL_REQS; i++)
		if (!reqs[i].used) {
			reqs[i] = (struct rcall_req){ .used = true, .from = from, .id = r->id,
						      .op = r->op };
			return &reqs[i];
		}
	return NULL;
}

/* Every slot is taken: the caller hears -EBUSY at once instead of waiting out its time. If
 * even that cannot be sent now, it waits out its time. */
static void refuse(unsigned to, uint32_t id)
{
	struct urpc_rcall_reply r = { .id = id, .status = -EBUSY };
	peer_send(to, URPC_RCALL_REPLY, URPC_F_END, &r, sizeof(r));
}

/* A request's pieces come in order on the sender's channel; the first takes a slot, and the
 * pieces of one that found none are dropped until its last, which is refused. */
static void on_request(unsigned from, const struct urpc_msg *m)
{
	struct urpc_rcall r;
	uint8_t flags = URPC_HDR_FLAGS(m->hdr);
	memcpy(&r, m->payload, sizeof(r));
	struct rcall_req *q = req_of(from, r.id);
	if (!q && (flags & URPC_F_FIRST))
		q = req_take(from, &r);
	if (!q) {
		if (flags & URPC_F_END)
			refuse(from, r.id);
		return;
	}
	size_t n = MIN((size_t)r.len, (size_t)URPC_RCALL_DATA);
	if (q->len + n <= sizeof(q->data)) {
		memcpy(q->data + q->len, r.data, n);
		q->len += n;
	}
	if (flags & URPC_F_END)
		q->complete = true;
}

static struct rcall_slot *slot_of(unsigned core, uint32_t id)
{
	for (unsigned i = 0; i < RCALL_CALLS; i++)
		if (calls[i].used && calls[i].id == id && calls[i].core == core)
			return &calls[i];
	return NULL;
}

static void on_reply(unsigned from, const struct urpc_msg *m)
{
	struct urpc_rcall_reply r;
	memcpy(&r, m->payload, sizeof(r));
	struct rcall_slot *s = slot_of(from, r.id);
	if (!s || s->done)
		return;
	bool end = URPC_HDR_FLAGS(m->hdr) & URPC_F_END;
	if (!end && s->pieces < s->out_max)
		memcpy(s->out + (size_t)s->pieces++ * URPC_RCALL_DATA, r.data, URPC_RCALL_DATA);
	if (end) {
		s->status = r.status;
		s->done = true;
		waitq_wake_all(&s->wq);
	}
}

void rcall_init(void)
{
	PEER_REGISTER_STRUCT(URPC_RCALL_REQ, on_request, struct urpc_rcall);
	PEER_REGISTER_STRUCT(URPC_RCALL_REPLY, on_reply, struct urpc_rcall_reply);
	for (unsigned i = 0; i < RCALL_CALLS; i++)
		waitq_init(&calls[i].wq);
}

void rcall_local_info(void *out)
{
	struct sys_kinfo ki = {
		.core = kself.core,
		.alive = 1,
		.uptime_ms = time_uptime_ms(),
		.idle_pct = time_idle_percent(),
		.nprocs = proc_count(),
		.free_bytes = pmm_free_frames() * PAGE_SIZE,
		.urpc_unknown = peer_unknown_messages(),
		.urpc_malformed = peer_malformed_messages(),
	};
	memcpy(out, &ki, sizeof(ki));
}

unsigned rcall_local_ps(void *out, unsigned max)
{
	return proc_list((struct sys_procinfo *)out, max);
}

static void netsum_buckets(struct sys_netsum *ns)
{
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		if (netsteer_bucket_mine(b)) {
			ns->buckets[b / 64] |= 1ull << (b % 64);
			ns->nbuckets++;
		}
}

static void netsum_tcp(struct sys_netsum *ns, const struct tcp_stack *st)
{
	const struct tcp_conn *l;
	_Static_assert(TCP_STATES <= SYS_NETSUM_STATES, "every TCP state fits");
	ns->nstates = TCP_STATES;
	for (unsigned i = 0; i < TCP_STATES; i++) {
		unsigned n = st->conns_by_state[i];
		ns->conns[i] = (uint16_t)MIN(n, 0xFFFFu);
		if (i != TCP_CLOSED && i != TCP_LISTEN)
			ns->connections += n;
	}
	ns->established = st->conns_by_state[TCP_ESTABLISHED];
	list_for_each_entry(l, &st->listeners, hash_node)
		ns->accept_queue += l->accept_count;
}

static void netsum_steering(struct sys_netsum *ns)
{
	struct swsteer_figures f;
	swsteer_figures(&f);
	ns->steered_out = f.steered_out;
	ns->steered_in = f.steered_in;
	ns->pool_in_use = f.pool_in_use;
	ns->pool_size = f.pool_size;
	ns->pool_exhausted = f.pool.exhausted;
}

static void netsum_counters(struct sys_netsum *ns, const struct netif *nif)
{
	struct netmove_counts mc = netmove_counts();
	const struct nic_stats *hw;
	bool link_up;
	unsigned mbps;
	if (netdev_nic_state(&hw, &link_up, &mbps))
		ns->hw_rx_overruns = (uint32_t)MIN(hw->rx_overruns, (uint64_t)UINT32_MAX);
	ns->move_forwarded = mc.forwarded;
	ns->move_fwd_failed = mc.fwd_failed;
	ns->moves_begun = (uint32_t)mc.begun;
	ns->moves_done = (uint32_t)mc.done;
	ns->moves_aborted = (uint32_t)mc.aborted;
	if (!nif)
		return;
	ns->in_segs = nif->stats.tcp[TCP_IN_SEGS];
	ns->out_rsts = nif->stats.tcp[TCP_OUT_RSTS];
	ns->syn_cookies_sent = nif->stats.tcp[TCP_SYN_COOKIES_SENT];
}

void rcall_local_netsum(struct sys_netsum *ns)
{
	const struct netif *nif = netdev_netif();
	const struct tcp_stack *st = sock_tcp_stack();
	memset(ns, 0, sizeof(*ns));
	ns->core = kself.core;
	ns->alive = 1;
	ns->has_net = nif != NULL;
	netsum_buckets(ns);
	netsum_steering(ns);
	ns->interrupts = netdev_interrupts();
	ns->sockets = sock_count();
	netsum_counters(ns, nif);
	if (st)
		netsum_tcp(ns, st);
	if (!nif)
		return;
	ns->rx_frames = nif->stats.rx_frames;
	ns->tx_frames = nif->stats.tx_frames;
	for (unsigned i = 0; i < DROP_REASONS; i++)
		ns->drops += nif->stats.drops[i];
}

static void reply(unsigned to, uint32_t id, int status, const void *piece, bool end)
{
	struct urpc_rcall_reply r = { .id = id, .status = status };
	if (piece)
		memcpy(r.data, piece, URPC_RCALL_DATA);
	peer_send_wait(to, URPC_RCALL_REPLY, end ? URPC_F_END : 0, &r, sizeof(r), 2000);
}

/* n pieces from data, then the end with status. */
static void reply_pieces(unsigned to, uint32_t id, int status, const void *data, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		reply(to, id, 0, (const uint8_t *)data + (size_t)i * URPC_RCALL_DATA, false);
	reply(to, id, status, NULL, true);
}

/* RCALL_LOAD and RCALL_MOVES (kernel/netload.h). */
static void serve_load(unsigned to, uint32_t id, uint16_t op)
{
	struct sys_load l;
	struct sys_load_move m[SYS_LOAD_LOG];
	if (op == RCALL_LOAD) {
		netload_report(&l);
		reply_pieces(to, id, 0, &l, sizeof(l) / URPC_RCALL_DATA);
		return;
	}
	unsigned n = netload_moves(m, SYS_LOAD_LOG);
	reply_pieces(to, id, (int)n, m, n);
}

/* "path\0arg\0arg\0" from data[at] on -> argv. */
static int unpack_args(struct rcall_req *q, size_t at, const char **argv, int max)
{
	int argc = 0;
	q->data[MIN(q->len, sizeof(q->data) - 1)] = '\0';
	while (at < q->len && argc < max) {
		argv[argc++] = (const char *)q->data + at;
		at += strlen((const char *)q->data + at) + 1;
	}
	return argc;
}

/* RCALL_SPAWN (msg.h): the replicas are made first, so that a listener this kernel cannot
 * have refuses the spawn; the new process has not run when they are put in its table. */
static int spawn_here(struct rcall_req *q)
{
	struct socket *socks[SOCK_SHARE_MAX];
	const char *argv[PROC_MAX_ARGS + 1];
	unsigned n = 0, want = q->len ? q->data[0] : 0;
	size_t at = 1 + (size_t)want * sizeof(struct sock_share);
	int pid, err = -EINVAL;

	if (q->len < at || want > SOCK_SHARE_MAX)
		return -EINVAL;
	for (; n < want; n++) {
		struct sock_share d;
		memcpy(&d, q->data + 1 + n * sizeof(d), sizeof(d));
		if ((err = sock_replica_make(&d, &socks[n])))
			goto undo;
	}
	/* argv[0] is the path; the program's argv starts with its name as given. */
	int argc = unpack_args(q, at, argv, PROC_MAX_ARGS + 1);
	if (argc == 0 || (err = proc_spawn(argv[0], MAX(argc - 1, 1), argc > 1 ? &argv[1] : argv, 0, &pid)))
		goto undo;
	struct proc *p = proc_find(pid);
	for (unsigned i = 0; i < n; i++)
		sock_install_at(p, SOCK_SHARE_FD_FIRST + (int)i, socks[i]);    /* all free in a new one */
	return pid;
undo:
	while (n--)
		sock_drop(socks[n]);
	return err ? err : -EINVAL;
}

static void serve_listeners(unsigned to, uint32_t id)
{
	struct sys_listener ls[PROC_MAX_LIST];
	unsigned n = sock_listeners(ls, PROC_MAX_LIST);
	for (unsigned i = 0; i < n; i++)
		reply(to, id, 0, &ls[i], false);
	reply(to, id, (int)n, NULL, true);
}

static void serve(unsigned from, struct rcall_req *q)
{
	struct sys_procinfo ps[PROC_MAX_LIST];
	uint8_t piece[URPC_RCALL_DATA];

	switch (q->op) {
	case RCALL_INFO:
		rcall_local_info(piece);
		reply(from, q->id, 0, piece, false);
		reply(from, q->id, 0, NULL, true);
		return;
	case RCALL_NETSUM: {
		struct sys_netsum ns;
		_Static_assert(sizeof(ns) % URPC_RCALL_DATA == 0, "whole reply pieces");
		rcall_local_netsum(&ns);
		for (unsigned at = 0; at < sizeof(ns); at += URPC_RCALL_DATA)
			reply(from, q->id, 0, (const uint8_t *)&ns + at, false);
		reply(from, q->id, 0, NULL, true);
		return;
	}
	case RCALL_PS: {
		unsigned n = rcall_local_ps(ps, PROC_MAX_LIST);
		for (unsigned i = 0; i < n; i++)
			reply(from, q->id, 0, &ps[i], false);
		reply(from, q->id, (int)n, NULL, true);
		return;
	}
	case RCALL_SPAWN:
		reply(from, q->id, spawn_here(q), NULL, true);
		return;
	case RCALL_LISTENERS:
		serve_listeners(from, q->id);
		return;
	case RCALL_LOAD:
	case RCALL_MOVES:
		serve_load(from, q->id, q->op);
		return;
	case RCALL_KILL: {
		uint32_t victim;
		memcpy(&victim, q->data, sizeof(victim));
		reply(from, q->id, q->len >= 4 ? proc_kill((int)victim) : -EINVAL, NULL, true);
		return;
	}
	default:
		reply(from, q->id, -ENOSYS, NULL, true);
	}
}

void rcall_service(void)
{
	for (unsigned i = 0; i < RCALL_REQS; i++) {
		if (!reqs[i].used || !reqs[i].complete)
			continue;
		serve(reqs[i].from, &reqs[i]);
		reqs[i].used = false;
	}
}

static struct rcall_slot *slot_take(unsigned core)
{
	for (unsigned i = 0; i < RCALL_CALLS; i++)
		if (!calls[i].used) {
			calls[i].used = true;
			calls[i].done = false;
			calls[i].id = next_id++;
			calls[i].core = core;
			calls[i].pieces = 0;
			return &calls[i];
		}
	return NULL;
}

int rcall_start(unsigned core, uint16_t op, const void *data, size_t len, void *out,
		unsigned out_max)
{
	if (core >= kself.ncores || core == kself.core || len > RCALL_REQ_MAX)
		return -EINVAL;
	if (!peer_alive(core))
		return -EHOSTDOWN;
	struct rcall_slot *s = slot_take(core);
	if (!s)
		return -EAGAIN;
	s->out = out;
	s->out_max = out_max;
	int err = 0;
	size_t at = 0;
	do {
		struct urpc_rcall r = { .id = s->id, .op = op };
		r.len = (uint16_t)MIN(len - at, (size_t)URPC_RCALL_DATA);
		memcpy(r.data, (const uint8_t *)data + at, r.len);
		at += r.len;
		uint8_t flags = (at == r.len ? URPC_F_FIRST : 0) | (at == len ? URPC_F_END : 0);
		err = peer_send_wait(core, URPC_RCALL_REQ, flags, &r, sizeof(r), 2000);
	} while (!err && at < len);
	if (err) {
		s->used = false;
		return err;
	}
	return (int)(s - calls);
}

int rcall_finish(int call, uint64_t deadline_ms, unsigned *npieces)
{
	struct rcall_slot *s = &calls[call];
	int err = 0;
	while (!err && !s->done) {
		if (proc_current() && proc_current()->killed)
			err = -EINTR;
		else if (!peer_alive(s->core))
			err = -EHOSTDOWN;
		else if (time_uptime_ms() >= deadline_ms)
			err = -ETIMEDOUT;
		else
			waitq_wait(&s->wq, HZ / 10);
	}
	if (npieces)
		*npieces = s->pieces;
	int status = err ? err : s->status;
	s->used = false;
	return status;
}

int rcall(unsigned core, uint16_t op, const void *data, size_t len, void *out, unsigned out_max,
	  unsigned *npieces)
{
	int call = rcall_start(core, op, data, len, out, out_max);
	if (call < 0)
		return call;
	return rcall_finish(call, time_uptime_ms() + RCALL_TIMEOUT_S * 1000ul, npieces);
}
