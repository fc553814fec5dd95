/* The kernel's own path on the 82599, against the host model (tests/ixgbe/): two kernels as
 * processes (tests/ixgbe/kernels.h) run the real kernel/nicq.c, both sides, over the real
 * URPC (kernel/urpc/), and kernel 0 runs the real kernel/netsteer.c table writer over the
 * ixgbe's control part. Kernel 1 attaches queue 1 by the protocol; kernel 0's table gives it
 * buckets; the test, as the wire, hands the model segments and sees where they land, what
 * interrupt entry they raise and what kernel 1's poll, through the queue ops nicq bound,
 * hands up. What stays out: MSI-X messages reaching a CPU (the model counts them per entry),
 * interrupt handlers, the move exchange (netsteer_give writes the table at once), and real
 * silicon (tests/ixgbe/README). */
#include <string.h>
#include "drivers/ixgbe/ixgbe.h"
#include "kernel/mm/layout.h"
#include "kernel/netsteer.h"
#include "kernel/nicq.h"
#include "kernel/urpc/msg.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "lib/errno.h"
#include "lib/toeplitz.h"
#include "net/steer.h"
#include "tests/host/test.h"
#include "tests/ixgbe/frame.h"
#include "tests/ixgbe/kernels.h"
#include "tests/ixgbe/shim.h"

#define CLIENT  0xC0A80A02u     /* 192.168.10.2 */
#define SERVER  0xC0A80A01u     /* 192.168.10.1 */
#define VECTOR  0x51            /* kernel 1's receive vector for queue 1 */
#define ENTRIES (NIC_QUEUES_MAX + 1)

/* What the test and the calls it runs in the kernels exchange, in the arena's scratch. */
struct seen {
	/* asked of the call */
	unsigned queue, bucket, variant, entries;
	uint8_t vector;
	uint8_t kernel_of[NIC_BUCKETS];
	/* given back */
	bool ops_ixgbe;
	uint64_t rx_ring_pa, tx_ring_pa;
	long held_before, held_after;
	unsigned queue_of[KP_KERNELS];
	uint8_t state[NIC_QUEUES_MAX];
	uint8_t msix_vector[ENTRIES];
	uint32_t msix_apic[ENTRIES];
	bool mine[NIC_BUCKETS];
	struct urpc_nicq_attached answer;
	unsigned frames;
	size_t len;
	uint8_t frame[128];
	struct nic_rx_info info;
};
_Static_assert(sizeof(struct seen) <= KP_SCRATCH, "the scratch holds it");

/* ---- run in kernel 1 ---- */

/* Kernel 1's queues (its own copy of these), by index; the last for any index past them. */
static struct adv_queue queues[NIC_QUEUES_MAX + 1];
static struct adv_queue spare;                  /* rings for the requests sent by hand */

static int k1_attach(void *arg)
{
	struct seen *s = arg;
	struct adv_queue *q = &queues[s->queue < NIC_QUEUES_MAX ? s->queue : NIC_QUEUES_MAX];
	s->held_before = shim_pages_held();
	int err = nicq_attach(q, s->queue, s->vector);
	s->held_after = shim_pages_held();
	s->ops_ixgbe = nicq_queue_ops(q) == &ixgbe_queue_ops;
	s->rx_ring_pa = q->rx_ring_pa;
	s->tx_ring_pa = q->tx_ring_pa;
	return err;
}

static void take(void *arg, const uint8_t *f, size_t len, const struct nic_rx_info *info)
{
	struct seen *s = arg;
	if (s->frames++ == 0 && len <= sizeof(s->frame)) {
		memcpy(s->frame, f, len);
		s->len = len;
		s->info = *info;
	}
}

/* Kernel 1's poll of its queue, through the interface nicq bound it to. */
static int k1_poll(void *arg)
{
	struct seen *s = arg;
	struct adv_queue *q = &queues[s->queue];
	const struct nic_ops *ops = nicq_queue_ops(q);
	s->frames = 0;
	return ops ? (int)ops->poll(q, take, s, 8) : -ENODEV;
}

static int k1_send(void *arg)
{
	struct seen *s = arg;
	struct adv_queue *q = &queues[s->queue];
	const struct nic_ops *ops = nicq_queue_ops(q);
	return ops ? ops->send(q, s->frame, s->len, false) : -ENODEV;
}

/* The buckets kernel 1 holds as kernel 0 told it (URPC_BUCKETS). */
static int k1_buckets(void *arg)
{
	struct seen *s = arg;
	for (unsigned b = 0; b < NIC_BUCKETS; b++)
		s->mine[b] = netsteer_bucket_mine(b);
	return 0;
}

/* A request for queue 2 on good rings of kernel 1's, but for one thing outside its
 * partition: 0 the receive ring (in kernel 0's), 1 the transmit ring (its last 2 KiB
 * inside, the rest past the end), 2 the buffers' range (one page past the end). */
static int k1_ask_outside(void *arg)
{
	struct seen *s = arg;
	const struct kernel_desc *me = &shared_header()->kernels[1];
	uint64_t end = me->part_base + me->part_size;
	if (!spare.rx_ring_pa && adv_queue_alloc(&spare, NULL, 2))
		return -ENOMEM;
	struct urpc_nicq_attach r = { .rx_ring_pa = spare.rx_ring_pa, .tx_ring_pa = spare.tx_ring_pa,
				      .buf_pa = spare.buf_pa, .buf_len = spare.buf_len, .queue = 2,
				      .apic_id = KP_APIC(1), .vector = 0x52 };
	if (s->variant == 0)
		r.rx_ring_pa = shared_header()->kernels[0].part_base;
	else if (s->variant == 1)
		r.tx_ring_pa = end - 2048;
	else
		r.buf_len = end - r.buf_pa + 4096;
	memset(&s->answer, 0x55, sizeof(s->answer));
	return nicq_ask(&r, &s->answer);
}

/* ---- run in kernel 0 ---- */

/* What kernel 0 counts of the queues, and the MSI-X entries as the driver set them. */
static int k0_view(void *arg)
{
	struct seen *s = arg;
	for (unsigned k = 0; k < KP_KERNELS; k++)
		s->queue_of[k] = nicq_queue_of(k);
	for (unsigned q = 0; q < NIC_QUEUES_MAX; q++)
		s->state[q] = (uint8_t)nicq_queue_state(q);
	for (unsigned e = 0; e < ENTRIES; e++) {
		s->msix_vector[e] = shim_msix_vector(e);
		s->msix_apic[e] = shim_msix_apic(e);
	}
	return 0;
}

/* The device's MSI-X table cut to s->entries (the shim's, as kernel 0 reads it). */
static int k0_msix_table(void *arg)
{
	struct seen *s = arg;
	shim_msix_table(s->entries);
	return 0;
}

static int k0_write(void *arg)
{
	struct seen *s = arg;
	return netsteer_write(s->kernel_of);
}

/* One bucket to kernel 0 through the writer the move exchange ends in. */
static int k0_give_to_0(void *arg)
{
	struct seen *s = arg;
	struct steer_mask m = { { 0, 0 } };
	steer_mask_set(&m, s->bucket);
	return netsteer_give(&m, 0);
}

/* ---- the test's side ---- */

/* A 60-byte TCP/IPv4 segment src:sport -> dst:dport. */
static size_t segment(uint8_t f[60], uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	return ixm_frame(f, 6, src, sport, dst, dport);
}

static struct kp_arena *up(void)
{
	struct kp_arena *a = kp_start();
	if (!a)
		test_fail(__FILE__, __LINE__, "the kernels did not come up");
	else
		memset(a->scratch, 0, sizeof(struct seen));
	return a;
}

static struct seen *seen(struct kp_arena *a) { return (struct seen *)a->scratch; }

/* Kernel 1 attaches queue 1 by the protocol. */
static int attach(struct kp_arena *a, unsigned queue, uint8_t vector)
{
	seen(a)->queue = queue;
	seen(a)->vector = vector;
	return kp_run(a, 1, k1_attach, seen(a));
}

static void down(struct kp_arena *a)
{
	EXPECT_EQ_U64(a->model.violations, 0);
	if (a->model.violations)
		test_fail(__FILE__, __LINE__, "model: %s", a->model.first_violation);
	EXPECT_EQ_U64(kp_stop(a), 0);
}

static uint64_t ring_reg(struct kp_arena *a, uint32_t lo, uint32_t hi)
{
	return (uint64_t)kp_reg(a, hi) << 32 | kp_reg(a, lo);
}

/* The buckets' table: even buckets kernel 0's, odd ones kernel 1's, written by netsteer. */
static void split_table(struct kp_arena *a)
{
	for (unsigned b = 0; b < NIC_BUCKETS; b++)
		seen(a)->kernel_of[b] = (uint8_t)(b % 2);
	EXPECT_EQ_U64(kp_run(a, 0, k0_write, seen(a)), 0);
}

/* Flow Director filters that send their group to queue q. */
static unsigned filters_to(struct kp_arena *a, unsigned q)
{
	unsigned n = 0;
	shim_lock();
	for (unsigned i = 0; i < IXM_FILTERS; i++)
		n += a->model.filter[i].used && a->model.filter[i].queue == q;
	shim_unlock();
	return n;
}

/* A client port in group g (its low 12 bits), high bits from 0xA000. */
static uint16_t port_of_group(unsigned g) { return (uint16_t)(0xA000 | g); }

/* URPC messages kernel `to` has taken from kernel `from`: the count the receiver publishes
 * in the channel whenever its poll finds the ring empty (kernel/urpc/urpc.h). */
static uint32_t taken(unsigned from, unsigned to)
{
	return __atomic_load_n(&shared_chan(from, to)->cons, __ATOMIC_ACQUIRE);
}

/* Every MSI-X message the model has raised, on any entry. */
static unsigned raised_total(struct kp_arena *a)
{
	unsigned n = 0;
	for (unsigned e = 0; e < IXM_ENTRIES; e++)
		n += a->model.raised[e];
	return n;
}

/* RETA's entry for bucket b (8.2.3.7.14: entry 4i + j in byte j of RETA(i), the queue in
 * bits 3:0). */
static unsigned reta_queue(struct kp_arena *a, unsigned b)
{
	return kp_reg(a, IXGBE_RETA(b / 4)) >> (8 * (b % 4)) & 0xF;
}

TEST(ixgbe_kpath, attach_binds_the_82599_queue_ops_and_routes_the_requesters_entry)
{
	struct kp_arena *a = up();
	if (!a)
		return;
	struct seen *s = seen(a);
	EXPECT_EQ_U64(attach(a, 1, VECTOR), 0);
	EXPECT(s->ops_ixgbe);
	EXPECT_EQ_U64(kp_run(a, 0, k0_view, s), 0);
	EXPECT_EQ_U64(taken(1, 0), 2);                 /* URPC_NICQ_ATTACH, URPC_NICQ_CONFIRM */
	EXPECT_EQ_U64(taken(0, 1), 1);                 /* URPC_NICQ_ATTACHED */
	EXPECT_EQ_U64(s->queue_of[1], 1);
	EXPECT_EQ_U64(s->state[1], NICQ_ATTACHED);
	EXPECT_EQ_U64(s->msix_apic[2], KP_APIC(1));     /* entry queue + 1 (kernel/nicplan.h) */
	EXPECT_EQ_U64(s->msix_vector[2], VECTOR);
	/* The queue runs on the rings kernel 1 allocated, in its own partition. */
	uint64_t base = virt_to_phys(a->part[1]);
	EXPECT(s->rx_ring_pa >= base && s->rx_ring_pa < base + KP_PART_SIZE);
	EXPECT_EQ_U64(ring_reg(a, IXGBE_RDBAL(1), IXGBE_RDBAH(1)), s->rx_ring_pa);
	EXPECT_EQ_U64(ring_reg(a, IXGBE_TDBAL(1), IXGBE_TDBAH(1)), s->tx_ring_pa);
	EXPECT(kp_reg(a, IXGBE_RXDCTL(1)) & IXGBE_RXDCTL_ENABLE);
	down(a);
}

/* A segment of a group whose bucket kernel 0's table gives kernel 1 lands in kernel 1's
 * ring, raises queue 1's entry alone, and kernel 1's poll hands it up; its reply goes out
 * of kernel 1's transmit ring. */
TEST(ixgbe_kpath, segment_for_kernel_1s_bucket_reaches_its_poll_and_its_reply_the_wire)
{
	struct kp_arena *a = up();
	if (!a)
		return;
	struct seen *s = seen(a);
	uint8_t f[60], out[64];
	EXPECT_EQ_U64(attach(a, 1, VECTOR), 0);
	split_table(a);
	EXPECT_EQ_U64(filters_to(a, 1), NIC_GROUPS / 2);
	EXPECT_EQ_U64(kp_run(a, 1, k1_buckets, s), 0);
	EXPECT(s->mine[5] && !s->mine[4]);
	uint16_t sport = port_of_group(5 + 3 * NIC_BUCKETS);
	size_t n = segment(f, CLIENT, sport, SERVER, 80);
	unsigned raised = a->model.raised[2], all = raised_total(a);
	EXPECT_EQ_U64(kp_receive(a, f, n), 1);
	EXPECT_EQ_U64(a->model.raised[2] - raised, 1);
	EXPECT_EQ_U64(raised_total(a) - all, 1);
	s->queue = 1;
	EXPECT_EQ_U64(kp_run(a, 1, k1_poll, s), 1);
	EXPECT_EQ_U64(s->frames, 1);
	EXPECT_EQ_U64(s->len, n);
	EXPECT_EQ_MEM(s->frame, f, n);
	EXPECT(s->info.rss_tcp4);
	EXPECT_EQ_U64(s->info.rss_hash, toeplitz_ipv4_tcp(rss_key_symmetric, CLIENT, SERVER, sport, 80));
	s->len = segment(s->frame, SERVER, 80, CLIENT, sport);
	EXPECT_EQ_U64(kp_run(a, 1, k1_send, s), 0);
	EXPECT_EQ_U64(kp_transmit(a, 1, out, sizeof(out)), s->len);
	EXPECT_EQ_MEM(out, s->frame, s->len);
	down(a);
}

/* netsteer's writer moves bucket 5 from kernel 1 to kernel 0: one RETA entry and exactly
 * the bucket's 32 filters change, each of its groups' next segment lands on queue 0, its
 * neighbours stay, and kernel 1 hears that the bucket is no longer its. */
TEST(ixgbe_kpath, moving_a_bucket_to_kernel_0_repoints_exactly_its_32_filters)
{
	struct kp_arena *a = up();
	if (!a)
		return;
	struct seen *s = seen(a);
	const unsigned moved = 5, per_bucket = NIC_GROUPS / NIC_BUCKETS;
	uint8_t f[60];
	EXPECT_EQ_U64(attach(a, 1, VECTOR), 0);
	split_table(a);
	EXPECT_EQ_U64(reta_queue(a, moved), 1);
	unsigned commands = a->model.fdir_commands;
	s->bucket = moved;
	EXPECT_EQ_U64(kp_run(a, 0, k0_give_to_0, s), 0);
	EXPECT_EQ_U64(a->model.fdir_commands - commands, per_bucket);
	EXPECT_EQ_U64(filters_to(a, 1), NIC_GROUPS / 2 - per_bucket);
	EXPECT_EQ_U64(filters_to(a, 0), NIC_GROUPS / 2 + per_bucket);
	EXPECT_EQ_U64(reta_queue(a, moved), 0);
	EXPECT_EQ_U64(reta_queue(a, moved + 2), 1);
	for (unsigned g = moved; g < NIC_GROUPS; g += NIC_BUCKETS)
		EXPECT_EQ_U64(kp_receive(a, f, segment(f, CLIENT, port_of_group(g), SERVER, 80)), 0);
	EXPECT_EQ_U64(kp_receive(a, f, segment(f, CLIENT, port_of_group(moved + 2), SERVER, 80)), 1);
	EXPECT_EQ_U64(kp_receive(a, f, segment(f, CLIENT, port_of_group(moved + 1), SERVER, 80)), 0);
	EXPECT_EQ_U64(kp_run(a, 1, k1_buckets, s), 0);
	EXPECT(!s->mine[moved] && s->mine[moved + 2]);
	down(a);
}

/* An attach kernel 0 refuses (-EINVAL): one request, no confirm, and the requester has
 * freed its rings. */
static void refused(struct kp_arena *a, unsigned queue)
{
	uint32_t requests = taken(1, 0);
	EXPECT_EQ_U64(attach(a, queue, 0x52), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(seen(a)->held_after, seen(a)->held_before);
	EXPECT_EQ_U64(kp_run(a, 0, k0_view, seen(a)), 0);
	EXPECT_EQ_U64(taken(1, 0) - requests, 1);
}

/* Requests kernel 0 must refuse: queues it cannot route (one past the NIC's queue pairs;
 * one whose MSI-X entry is past a table of 3 entries) and rings or buffers outside the
 * requester's partition. Each is refused with rings_held 0 (the requester frees them) and
 * the model never hears of them: no queue register points anywhere but queue 0's, no MSI-X
 * entry is routed past kernel 0's own. Queue 2 was free, and routable with the whole table:
 * then its proper request is taken. */
TEST(ixgbe_kpath, refused_requests_never_give_the_rings_to_the_model)
{
	struct kp_arena *a = up();
	if (!a)
		return;
	struct seen *s = seen(a);
	refused(a, IXGBE_QUEUES);
	s->entries = 3;                                 /* entries 0-2: queues 0 and 1 */
	EXPECT_EQ_U64(kp_run(a, 0, k0_msix_table, s), 0);
	refused(a, 2);
	s->entries = IXM_ENTRIES;
	EXPECT_EQ_U64(kp_run(a, 0, k0_msix_table, s), 0);
	for (s->variant = 0; s->variant < 3; s->variant++) {
		EXPECT_EQ_U64(kp_run(a, 1, k1_ask_outside, s), 0);
		EXPECT_EQ_U64(s->answer.status, (uint64_t)-EFAULT);
		EXPECT_EQ_U64(s->answer.rings_held, 0);
	}
	for (unsigned q = 1; q < IXM_QUEUES; q++) {
		EXPECT_EQ_U64(ring_reg(a, IXGBE_RDBAL(q), IXGBE_RDBAH(q)), 0);
		EXPECT_EQ_U64(ring_reg(a, IXGBE_TDBAL(q), IXGBE_TDBAH(q)), 0);
		EXPECT(!(kp_reg(a, IXGBE_RXDCTL(q)) & IXGBE_RXDCTL_ENABLE));
	}
	EXPECT_EQ_U64(kp_run(a, 0, k0_view, s), 0);
	EXPECT_EQ_U64(s->state[2], NICQ_FREE);
	for (unsigned e = 2; e < ENTRIES; e++)
		EXPECT_EQ_U64(s->msix_vector[e] | s->msix_apic[e], 0);
	EXPECT_EQ_U64(attach(a, 2, 0x52), 0);
	EXPECT_EQ_U64(ring_reg(a, IXGBE_RDBAL(2), IXGBE_RDBAH(2)), s->rx_ring_pa);
	EXPECT_EQ_U64(kp_run(a, 0, k0_view, s), 0);
	EXPECT_EQ_U64(s->state[2], NICQ_ATTACHED);
	EXPECT_EQ_U64(s->msix_vector[3], 0x52);
	down(a);
}
