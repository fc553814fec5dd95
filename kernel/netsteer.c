/* Kernel 0's RSS redirection table (a multi-queue NIC's, with its Flow Director groups where
 * it has them, or kept for software steering) and every kernel's own buckets (netsteer.h). */
#include "kernel/netsteer.h"
#include "drivers/nic.h"
#include "kernel/console.h"
#include "kernel/netmove.h"
#include "kernel/netshare.h"
#include "kernel/nicq.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "kernel/smp.h"
#include "kernel/syscall.h"
#include "kernel/uaccess.h"
#include "kernel/time.h"
#include "kernel/urpc/msg.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "net/steer.h"

_Static_assert(NIC_BUCKETS == STEER_BUCKETS, "one bucket per redirection entry");
_Static_assert(MAX_KERNELS <= STEER_MAX_KERNELS, "the policy covers every kernel");
_Static_assert(sizeof(struct urpc_buckets) == sizeof(struct steer_mask), "a mask per message");

static struct nic_ctl ctl;                      /* kernel 0's NIC; ops NULL: none, or elsewhere */
/* TCP segments are steered by their Flow Director group (drivers/nic.h), not their hash. */
static bool by_group;
static bool policy_on;
/* Kernel 0: kernels from this one on get their buckets' frames by software steering
 * (kernel/swsteer.h), so the table is kept here for them; MAX_KERNELS: none does. */
static unsigned soft_from = MAX_KERNELS;
static struct steer_state state;
static struct steer_kernel kernels[MAX_KERNELS];
/* This kernel's buckets: kernel 0 has them all until it steers, the others none until told. */
static struct steer_mask buckets_here;
/* Kernel 0: the kernels it found dead (bit k). Found dead is dead for good: its queue is
 * stopped and its buckets given away, so a kernel that beats again after a silence of
 * SILENT_DEATH_MS gets neither back. */
static uint64_t dead;
#define SILENT_DEATH_MS 10000

void netsteer_init(const struct nic_ctl *c, bool policy)
{
	ctl = c ? *c : (struct nic_ctl){ 0 };
	by_group = ctl.ops && ctl.ops->group_write;
	policy_on = policy;
	steer_init(&state);
	memset(&buckets_here, 0xFF, sizeof(buckets_here));
}

static void on_buckets(unsigned from, const struct urpc_msg *m)
{
	if (netshare_from_kernel0(from, "bucket"))
		memcpy(&buckets_here, m->payload, sizeof(buckets_here));
}

void netsteer_ap_init(void)
{
	PEER_REGISTER_STRUCT(URPC_BUCKETS, on_buckets, struct urpc_buckets);
}

bool netsteer_bucket_mine(unsigned b)
{
	b %= STEER_BUCKETS;
	return buckets_here.mine[b / 64] >> (b % 64) & 1;
}

bool netsteer_by_group(void)
{
	return by_group;
}

void netsteer_set_by_group(bool on)
{
	if (kself.core != 0)
		by_group = on;
}

unsigned netsteer_tcp_bucket(uint32_t hash, uint16_t sport)
{
	return nic_tcp_bucket(by_group, hash, sport);
}

void netsteer_soft_from(unsigned k)
{
	soft_from = k ? k : MAX_KERNELS;
	steer_inputs_changed(&state);
}

unsigned netsteer_kernel_of(unsigned b)
{
	return state.kernel_of[b % STEER_BUCKETS];
}

static bool is_dead(unsigned k)
{
	return k < 64 && (dead >> k & 1);
}

/* Kernel 0: can kernel k own buckets, through a queue of its own or by software? */
static bool can_steer_to(unsigned k)
{
	return k == 0 || (!is_dead(k) &&
			  (nicq_queue_of(k) != 0 || (k >= soft_from && k < kself.ncores)));
}

/* Kernel 0: is there a table to keep (a NIC's, or the software steering's)? */
static bool steers(void)
{
	return ctl.ops || soft_from < kself.ncores;
}

void netsteer_listening(unsigned k, const struct steer_ports *p)
{
	if (k >= MAX_KERNELS || memcmp(p, &kernels[k].ports, sizeof(*p)) == 0)
		return;
	kernels[k].ports = *p;
	steer_inputs_changed(&state);
}

void netsteer_inputs_changed(void)
{
	steer_inputs_changed(&state);
}

/* Which kernels drive a queue now, and which are alive. */
static void refresh_kernels(void)
{
	for (unsigned k = 0; k < kself.ncores; k++) {
		kernels[k].alive = k == 0 || (!is_dead(k) && peer_alive(k));
		kernels[k].has_queue = can_steer_to(k) && kernels[k].alive;
	}
}

/* Each kernel that has not heard its buckets in the current table; one whose ring is full
 * stays due and hears them at a later poll. */
static void tell_buckets(void)
{
	refresh_kernels();
	uint64_t due = steer_to_tell(&state, kself.ncores, kernels);
	for (unsigned k = 1; due; k++, due >>= 1) {
		if (!(due & 2))
			continue;
		struct steer_mask m = steer_buckets_of(&state, k);
		if (peer_send(k, URPC_BUCKETS, 0, &m, sizeof(m)) == 0)
			steer_told(&state, k);
	}
}

/* The NIC's tables: RSS's, then the groups' (each bucket's 32 groups to its queue). A NIC
 * that stops taking filter commands leaves some groups where they were: said loudly, and the
 * table is not taken as written. */
static int nic_write(const uint8_t queue_of[NIC_BUCKETS])
{
	static uint8_t groups[NIC_GROUPS];
	if (!ctl.ops)
		return 0;
	int err = ctl.ops->steer_write(ctl.dev, queue_of);
	if (!err && ctl.ops->group_write) {
		nic_groups_of_buckets(queue_of, groups);
		err = ctl.ops->group_write(ctl.dev, groups);
	}
	if (err)
		pr_err("net: %s steering table not written (%d)\n", ctl.ops->name, err);
	return err;
}

/* A bucket may be given only to a kernel that can own it; one that stays where it is may
 * stay with a dead kernel while a move takes it away (its frames then reach queue 0, whose
 * kernel answers them as flows it does not know). */
int netsteer_write(const uint8_t kernel_of[NIC_BUCKETS])
{
	uint8_t reta[NIC_BUCKETS];
	if (kself.core != 0 || !steers())
		return -ENODEV;
	for (unsigned b = 0; b < NIC_BUCKETS; b++) {
		unsigned k = kernel_of[b];
		if (k >= kself.ncores || (!can_steer_to(k) && k != state.kernel_of[b]))
			return -EINVAL;
		reta[b] = (uint8_t)nicq_queue_of(k);    /* 0: steered by software, or dead */
	}
	int err = nic_write(reta);
	if (err)
		return err;
	steer_written(&state, kernel_of);
	buckets_here = steer_buckets_of(&state, 0);
	tell_buckets();
	return 0;
}

static bool has_buckets(const uint8_t table[NIC_BUCKETS], unsigned k)
{
	for (unsigned b = 0; b < NIC_BUCKETS; b++)
		if (table[b] == k)
			return true;
	return false;
}

static void report_spread(const uint8_t table[NIC_BUCKETS])
{
	char list[4 * MAX_KERNELS] = "";
	unsigned at = 0;
	for (unsigned k = 0; k < kself.ncores && at < sizeof(list) - 4; k++)
		if (has_buckets(table, k))
			at += (unsigned)snprintf(list + at, sizeof(list) - at, at ? ",%u" : "%u", k);
	pr_info("net: RSS buckets spread over kernels %s\n", list);
}

int netsteer_move(const struct steer_mask *buckets, unsigned to)
{
	if (kself.core != 0 || !steers())
		return -ENODEV;
	if (to >= kself.ncores || !can_steer_to(to) || (to != 0 && !peer_alive(to)))
		return -EINVAL;
	return netmove_request(state.kernel_of, buckets, to);
}

int netsteer_give(const struct steer_mask *buckets, unsigned to)
{
	uint8_t table[NIC_BUCKETS];
	memcpy(table, state.kernel_of, sizeof(table));
	for (unsigned b = 0; b < NIC_BUCKETS; b++)
		if (steer_mask_has(buckets, b))
			table[b] = (uint8_t)to;
	return netsteer_write(table);
}

/* The policy's table, reached through the move exchange, a kernel's buckets at a time. A
 * bucket that cannot move to its kernel now (mid-move) goes at a later run (the policy runs
 * again while the table differs from its choice), and is left out of the request: one such
 * bucket would have the exchange refuse all of the kernel's, and while connections come
 * and go (a drain lasts as long as its bucket's connections, and lingers) some bucket of a
 * large request often is. */
static void move_to(const uint8_t table[NIC_BUCKETS])
{
	const struct move_ctl *c = netmove_ctl();
	for (unsigned k = 0; k < kself.ncores; k++) {
		struct steer_mask m = { { 0, 0 } };
		for (unsigned b = 0; b < NIC_BUCKETS; b++)
			if (table[b] == k && state.kernel_of[b] != k && move_ctl_free_for(c, b, k))
				steer_mask_set(&m, b);
		if (!steer_mask_empty(&m))
			netsteer_move(&m, k);
	}
}

/* Kernel 0: a kernel that was up and is no longer alive is dead: at once when it panicked,
 * after SILENT_DEATH_MS of silence when it only stopped beating (kernel/urpc/peer.h's
 * liveness timeout is 2 s, which an emulated machine on a busy host can stall past and
 * recover from; until then it only loses its buckets to the policy, for as long as it is
 * silent). Its queue stops, so that the NIC no longer writes into its rings, and the
 * policy runs again without it. */
static void notice_deaths(void)
{
	static uint64_t silent_since[64];
	uint64_t now = time_uptime_ms();
	for (unsigned k = 1; k < kself.ncores && k < 64; k++) {
		uint32_t st = __atomic_load_n(&shared_status(k)->state, __ATOMIC_ACQUIRE);
		if (kernels[k].alive)
			silent_since[k] = 0;
		if (is_dead(k) || kernels[k].alive || (st != KSTATE_UP && st != KSTATE_PANICKED))
			continue;
		if (st == KSTATE_UP && !silent_since[k])
			silent_since[k] = now;
		if (st == KSTATE_UP && now - silent_since[k] < SILENT_DEATH_MS)
			continue;
		dead |= 1ull << k;
		pr_warn("net: kernel %u is dead (%s): its queue stops, its buckets go to the living\n",
			k, st == KSTATE_PANICKED ? "panicked" : "silent");
		nicq_kernel_died(k);
		kernels[k].has_queue = false;
		steer_inputs_changed(&state);
	}
}

/* Kernel 0: a dead kernel's buckets that no move is taking come to kernel 0 at once, by a
 * table write without the move exchange: the dead kernel has no connection left to drain
 * and takes no forwarded segment, and until then its buckets' frames went nowhere. The
 * policy then spreads them over the living through the exchange. A bucket mid-move is left
 * to its move, whose steps give up on a dead kernel (net/move.h). */
static void take_over_dead(void)
{
	uint8_t table[NIC_BUCKETS];
	unsigned taken = 0;
	if (!dead)
		return;
	memcpy(table, state.kernel_of, sizeof(table));
	for (unsigned b = 0; b < NIC_BUCKETS; b++)
		if (is_dead(table[b]) && !move_ctl_of(netmove_ctl(), b)) {
			table[b] = 0;
			taken++;
		}
	if (taken && netsteer_write(table) == 0)
		pr_info("net: kernel 0 took %u buckets of dead kernels\n", taken);
}

void netsteer_poll(uint64_t now)
{
	uint8_t table[NIC_BUCKETS];
	if (kself.core != 0 || !steers())
		return;
	tell_buckets();                 /* which also refreshes what the policy reads */
	notice_deaths();
	take_over_dead();
	if (!policy_on)
		return;
	if (steer_decide(&state, now, kself.ncores, kernels, table)) {
		report_spread(table);
		move_to(table);
	}
}

static int64_t table_to_user(uint64_t uarg)
{
	struct sys_steer_table t;
	const struct move_ctl *c = netmove_ctl();
	if (kself.core != 0)
		return -EOPNOTSUPP;
	memset(&t, 0, sizeof(t));
	memcpy(t.kernel_of, state.kernel_of, sizeof(t.kernel_of));
	for (unsigned b = 0; b < STEER_BUCKETS; b++) {
		const struct move *m = move_ctl_of(c, b);
		t.moving[b] = m ? m->step : 0;
	}
	refresh_kernels();
	for (unsigned k = 0; k < kself.ncores && k < 64; k++)
		if (kernels[k].has_queue && steers())
			t.can_own |= 1ull << k;
	for (unsigned i = 0; i < MOVE_MAX; i++)
		t.in_flight += c->moves[i].step != MOVE_FREE;
	t.nkernels = kself.ncores;
	t.requested = c->stats.requested;
	t.done = c->stats.done;
	t.refused = c->stats.refused;
	t.aborted = c->stats.aborted;
	return copy_to_user(uarg, &t, sizeof(t));
}

int64_t netsteer_syscall(uint64_t op, uint64_t uarg, uint64_t to)
{
	struct steer_mask m;
	if (op == STEER_TABLE)
		return table_to_user(uarg);
	if (op != STEER_MOVE)
		return -EINVAL;
	if (copy_from_user(m.mine, uarg, sizeof(m.mine)))
		return -EFAULT;
	return netmove_ask(&m, to >= MAX_KERNELS ? MAX_KERNELS : (unsigned)to);
}
