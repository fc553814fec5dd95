/* Per-kernel load reports, SYS_LOAD, and kernel 0's log of the balancer's moves (netload.h). */
#include "kernel/netload.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/mm/heap.h"
#include "kernel/netdev.h"
#include "kernel/rcall.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/uaccess.h"
#include "kernel/urpc/msg.h"
#include "kernel/urpc/peer.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "lib/string.h"
#include "lib/util.h"
#include "net/socket.h"
#include "net/tcp.h"

_Static_assert(SYS_LOAD_BUCKETS == TCP_RSS_BUCKETS, "a report holds every bucket");
_Static_assert(sizeof(struct sys_load) % URPC_RCALL_DATA == 0, "whole reply pieces");

#define LOAD_PIECES (sizeof(struct sys_load) / URPC_RCALL_DATA)

/* The period being measured: where the clocks and the stack's counts stood when it began. */
static struct {
	bool begun;
	uint64_t start_ms, start_tsc, start_idle;
	uint32_t opened[TCP_RSS_BUCKETS];
} cur;

static struct sys_load last;            /* the latest period measured; age_ms unset */
static uint64_t last_end_ms;

/* Kernel 0: the balancer's last moves, a ring of SYS_LOAD_LOG; log_seq numbers them. */
static struct sys_load_move moves[SYS_LOAD_LOG];
static uint64_t log_seq;

static uint16_t sat16(uint32_t v)
{
	return (uint16_t)MIN(v, 0xFFFFu);
}

static void period_begin(uint64_t now_ms)
{
	const struct tcp_stack *st = sock_tcp_stack();
	cur.begun = true;
	cur.start_ms = now_ms;
	cur.start_tsc = rdtsc();
	cur.start_idle = time_idle_cycles();
	if (st)
		memcpy(cur.opened, st->bucket_opened, sizeof(cur.opened));
}

/* Busy: the share of the period's cycles not spent halted in the idle loop. */
static uint32_t period_busy_pm(void)
{
	uint64_t span = rdtsc() - cur.start_tsc;
	uint64_t idle = MIN(time_idle_cycles() - cur.start_idle, span);
	return span ? (uint32_t)((span - idle) * 1000 / span) : 0;
}

static void period_tcp(struct sys_load *l, const struct tcp_stack *st)
{
	const struct tcp_conn *c;
	for (unsigned b = 0; b < TCP_RSS_BUCKETS; b++) {
		uint32_t opened = st->bucket_opened[b] - cur.opened[b];       /* wraps as it should */
		l->new_by_bucket[b] = sat16(opened);
		l->live_by_bucket[b] = sat16(st->bucket_live[b]);
		l->new_conns += opened;
		l->live_conns += st->bucket_live[b];
		l->opened += st->bucket_opened[b];
	}
	list_for_each_entry(c, &st->listeners, hash_node)
		l->accept_queue += c->accept_count;
}

static void period_end(uint64_t now_ms)
{
	const struct tcp_stack *st = sock_tcp_stack();
	uint64_t seq = last.seq + 1;
	memset(&last, 0, sizeof(last));
	last.core = kself.core;
	last.alive = last.reported = 1;
	last.has_net = netdev_netif() != NULL;
	last.seq = seq;
	last.period_ms = (uint32_t)(now_ms - cur.start_ms);
	last.busy_pm = period_busy_pm();
	if (st)
		period_tcp(&last, st);
	last_end_ms = now_ms;
}

void netload_poll(void)
{
	uint64_t now = time_uptime_ms();
	if (cur.begun && now - cur.start_ms < NETLOAD_PERIOD_MS)
		return;
	if (cur.begun)
		period_end(now);
	period_begin(now);
}

void netload_report(struct sys_load *out)
{
	*out = last;
	out->core = kself.core;
	out->alive = 1;
	out->reported = last.seq != 0;          /* no period has ended yet: nothing to go on */
	out->age_ms = (uint32_t)MIN(time_uptime_ms() - last_end_ms, (uint64_t)UINT32_MAX);
}

/* Asks kernels [first, end) at once; each answer's age grows by the call's duration. */
static void gather_batch(struct sys_load *all, unsigned first, unsigned end)
{
	int call[NETLOAD_BATCH];
	uint64_t start = time_uptime_ms(), deadline = start + NETLOAD_TIMEOUT_MS;
	for (unsigned k = first; k < end; k++) {
		call[k - first] = -1;
		if (k == kself.core)
			netload_report(&all[k]);
		else
			call[k - first] = rcall_start(k, RCALL_LOAD, NULL, 0, &all[k], LOAD_PIECES);
	}
	for (unsigned k = first; k < end; k++) {
		unsigned got = 0;
		if (k == kself.core)
			continue;
		if (call[k - first] < 0 || rcall_finish(call[k - first], deadline, &got) < 0 ||
		    got != LOAD_PIECES || all[k].core != k) {
			all[k] = (struct sys_load){ .core = k, .alive = peer_alive(k) };
			continue;
		}
		uint64_t took = time_uptime_ms() - start;
		all[k].age_ms = (uint32_t)MIN((uint64_t)all[k].age_ms + took, (uint64_t)UINT32_MAX);
	}
}

void netload_gather(struct sys_load *all)
{
	for (unsigned first = 0; first < kself.ncores; first += NETLOAD_BATCH)
		gather_batch(all, first, MIN(first + NETLOAD_BATCH, kself.ncores));
}

static int64_t load_reports(uint64_t ubuf, uint64_t n)
{
	size_t bytes = kself.ncores * sizeof(struct sys_load);
	if (n < kself.ncores)
		return -ERANGE;
	int err = check_user_buffer(ubuf, bytes);
	if (err)
		return err;
	struct sys_load *all = kmalloc(bytes);
	if (!all)
		return -ENOMEM;
	netload_gather(all);
	err = copy_to_user(ubuf, all, bytes);
	kfree(all);
	return err ? err : (int64_t)kself.ncores;
}

/* Kernel 0: adds the caller's moves to the log, numbered and timed here. */
static int64_t load_note(uint64_t ubuf, uint64_t n)
{
	struct sys_load_move in[SYS_LOAD_NOTE_MAX];
	if (kself.core != 0)
		return -EOPNOTSUPP;
	if (n == 0 || n > SYS_LOAD_NOTE_MAX)
		return -EINVAL;
	int err = copy_from_user(in, ubuf, n * sizeof(in[0]));
	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		in[i].seq = ++log_seq;
		in[i].time_ms = time_uptime_ms();
		moves[(in[i].seq - 1) % SYS_LOAD_LOG] = in[i];
	}
	return (int64_t)n;
}

unsigned netload_moves(struct sys_load_move *out, unsigned max)
{
	unsigned n = (unsigned)MIN(MIN(log_seq, (uint64_t)SYS_LOAD_LOG), (uint64_t)max);
	for (unsigned i = 0; i < n; i++)
		out[i] = moves[(log_seq - n + i) % SYS_LOAD_LOG];
	return n;
}

/* The log from kernel 0, wherever the caller is. */
static int64_t load_moves(uint64_t ubuf, uint64_t n)
{
	n = MIN(n, (uint64_t)SYS_LOAD_LOG);
	int status = check_user_buffer(ubuf, n * sizeof(struct sys_load_move));
	if (status)
		return status;
	struct sys_load_move *m = kmalloc(SYS_LOAD_LOG * sizeof(*m));
	unsigned got = 0;
	if (!m)
		return -ENOMEM;
	if (kself.core == 0) {
		got = netload_moves(m, SYS_LOAD_LOG);
		status = 0;
	} else {
		status = rcall(0, RCALL_MOVES, NULL, 0, m, SYS_LOAD_LOG, &got);
	}
	unsigned take = (unsigned)MIN((uint64_t)got, n);
	if (status >= 0)        /* the latest take of them */
		status = copy_to_user(ubuf, m + (got - take), take * sizeof(*m));
	kfree(m);
	return status < 0 ? status : (int64_t)take;
}

int64_t netload_syscall(uint64_t op, uint64_t ubuf, uint64_t n)
{
	switch (op) {
	case LOAD_REPORTS:
		return load_reports(ubuf, n);
	case LOAD_NOTE:
		return load_note(ubuf, n);
	case LOAD_MOVES:
		return load_moves(ubuf, n);
	default:
		return -EINVAL;
	}
}
