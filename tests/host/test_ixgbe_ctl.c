/* The control part kernel 0 runs for every multi-queue NIC (struct nic_ctl_ops, drivers/nic.h)
 * on the ixgbe, against the host model of the 82599 (tests/ixgbe/): a queue per kernel
 * started on rings at given addresses with its MSI-X entry routed to the given APIC id and
 * vector, a frame each way through each of four queues, a bucket moved by repointing exactly
 * its 32 Flow Director filters, the software's view of a flow's bucket (nic_tcp_bucket)
 * agreeing with where the model's filters and RSS put it, a stopped queue's rings left alone,
 * and bad arguments refused. kernel/nicq.c and kernel/netsteer.c, which call these
 * operations, run on the same model in test_ixgbe_kpath.c. */
#include <stdlib.h>
#include <string.h>
#include "drivers/ixgbe/ixgbe.h"
#include "lib/errno.h"
#include "lib/toeplitz.h"
#include "tests/host/test.h"
#include "tests/ixgbe/frame.h"
#include "tests/ixgbe/model.h"
#include "tests/ixgbe/shim.h"

#define CLIENT  0xC0A80A02u     /* 192.168.10.2 */
#define SERVER  0xC0A80A01u     /* 192.168.10.1 */
#define NQ      4               /* kernels 0-3, each driving the queue of its number */

/* Kernel 0's device and control part, and kernels 1-3's queues as nicq_attach makes them:
 * rings allocated before the NIC is known, bound to it once kernel 0 has answered. */
struct bench {
	struct ixm *m;
	struct ixgbe *e;
	struct nic_ctl ctl;
	struct adv_queue q[NQ];         /* q[0] unused: queue 0 is e->adv.q0 */
};

static struct bench bench_up(void)
{
	struct bench b = { .m = calloc(1, sizeof(struct ixm)), .e = calloc(1, sizeof(struct ixgbe)) };
	ixm_init(b.m);
	EXPECT_EQ_U64(ixgbe_attach(b.e, shim_use(b.m)), 0);
	b.ctl = (struct nic_ctl){ &ixgbe_ctl_ops, b.e, b.e->pci };
	return b;
}

static void *dev(struct bench *b) { return b->ctl.dev; }
static const struct nic_ctl_ops *ops(struct bench *b) { return b->ctl.ops; }

/* Kernel k's queue: rings here, routed to APIC id 10 + k on vector 0x40 + k, started. */
static void kernel_queue_up(struct bench *b, unsigned k)
{
	struct adv_queue *q = &b->q[k];
	EXPECT_EQ_U64(adv_queue_alloc(q, NULL, k), 0);
	EXPECT_EQ_U64(ops(b)->queue_route(dev(b), k, 10 + k, (uint8_t)(0x40 + k), 50), 0);
	EXPECT_EQ_U64(ops(b)->queue_start(dev(b), k, q->rx_ring_pa, q->tx_ring_pa), 0);
	EXPECT_EQ_U64(adv_queue_bind(q, ops(b)->adv), 0);
	adv_queue_map(q, b->e->regs);
}

static void bench_down(struct bench *b, unsigned kernels)
{
	for (unsigned k = 1; k < kernels; k++) {
		EXPECT_EQ_U64(ops(b)->queue_stop(dev(b), k), 0);
		adv_queue_free(&b->q[k]);
	}
	EXPECT_EQ_U64(ixgbe_queue_stop(b->e, 0), 0);
	adv_queue_free(&b->e->adv.q0);
	EXPECT_EQ_U64(b->m->violations, 0);
	if (b->m->violations)
		test_fail(__FILE__, __LINE__, "model: %s", b->m->first_violation);
	EXPECT_EQ_U64(shim_pages_held(), 0);
	free(b->m);
	free(b->e);
}

static struct adv_queue *queue_of(struct bench *b, unsigned k)
{
	return k ? &b->q[k] : &b->e->adv.q0;
}

/* The bucket table written as netsteer_write writes it: RSS, then the groups. */
static int steer(struct bench *b, const uint8_t bucket_queue[NIC_BUCKETS])
{
	static uint8_t groups[NIC_GROUPS];
	int err = ops(b)->steer_write(dev(b), bucket_queue);
	nic_groups_of_buckets(bucket_queue, groups);
	return err ? err : ops(b)->group_write(dev(b), groups);
}

static size_t frame(uint8_t f[60], uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst,
		    uint16_t dport)
{
	return ixm_frame(f, proto, src, sport, dst, dport);
}

static uint32_t tcp_hash(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	return toeplitz_ipv4_tcp(rss_key_symmetric, src, dst, sport, dport);
}

/* A client port whose segments to the server's port 80 the software puts in bucket b. */
static uint16_t port_in_bucket(unsigned b, bool by_group, uint16_t from)
{
	for (uint16_t p = from;; p++)
		if (nic_tcp_bucket(by_group, tcp_hash(CLIENT, p, SERVER, 80), p) == b)
			return p;
}

static void count(void *arg, const uint8_t *f, size_t len, const struct nic_rx_info *info)
{
	(void)f, (void)len, (void)info;
	(*(unsigned *)arg)++;
}

TEST(ixgbe_ctl, queue_starts_on_the_given_rings_with_its_msix_entry_routed)
{
	struct bench b = bench_up();
	EXPECT_EQ_U64(ops(&b)->irq_own(dev(&b), 10, 0x42, 0x43, 50), 0);
	for (unsigned k = 1; k < NQ; k++) {
		kernel_queue_up(&b, k);
		uint64_t rx = (uint64_t)ixm_read(b.m, IXGBE_RDBAH(k)) << 32 | ixm_read(b.m, IXGBE_RDBAL(k));
		uint64_t tx = (uint64_t)ixm_read(b.m, IXGBE_TDBAH(k)) << 32 | ixm_read(b.m, IXGBE_TDBAL(k));
		EXPECT_EQ_U64(rx, b.q[k].rx_ring_pa);
		EXPECT_EQ_U64(tx, b.q[k].tx_ring_pa);
		EXPECT(ixm_read(b.m, IXGBE_RXDCTL(k)) & IXGBE_RXDCTL_ENABLE);
		EXPECT_EQ_U64(shim_msix_vector(k + 1), 0x40 + k);     /* entry q + 1 (nicplan.h) */
		EXPECT_EQ_U64(shim_msix_apic(k + 1), 10 + k);
	}
	EXPECT_EQ_U64(shim_msix_vector(0), 0x42);
	EXPECT_EQ_U64(shim_msix_vector(1), 0x43);
	bench_down(&b, NQ);
}

/* RSS alone (no group written yet): each kernel's queue gets the segment of a client port
 * whose bucket is its own, raises that queue's MSI-X entry, and sends the reply from its own
 * transmit ring; the requester's queue ops are the driver's. */
TEST(ixgbe_ctl, a_frame_each_way_through_each_of_4_kernels_queues)
{
	struct bench b = bench_up();
	EXPECT_EQ_U64(ops(&b)->irq_own(dev(&b), 10, 0x42, 0x43, 0), 0);
	for (unsigned k = 1; k < NQ; k++)
		kernel_queue_up(&b, k);
	uint8_t table[NIC_BUCKETS], f[60], out[64];
	for (unsigned i = 0; i < NIC_BUCKETS; i++)
		table[i] = (uint8_t)(i % NQ);
	EXPECT_EQ_U64(ops(&b)->steer_write(dev(&b), table), 0);
	for (unsigned k = 0; k < NQ; k++) {
		uint16_t p = port_in_bucket(k + NQ, false, 40000);
		unsigned got = 0;
		EXPECT_EQ_U64(ixm_receive(b.m, f, frame(f, 6, CLIENT, p, SERVER, 80)), k);
		EXPECT_EQ_U64(b.m->raised[k == 0 ? 0 : k + 1], 1);
		EXPECT_EQ_U64(ops(&b)->queue_ops->poll(queue_of(&b, k), count, &got, 8), 1);
		size_t reply = frame(f, 6, SERVER, 80, CLIENT, p);
		EXPECT_EQ_U64(adv_queue_send(queue_of(&b, k), f, reply, false), 0);
		EXPECT_EQ_U64(ixm_transmit(b.m, k, out, sizeof(out)), reply);
		EXPECT_EQ_MEM(out, f, reply);
	}
	bench_down(&b, NQ);
}

/* The balancer's move of one bucket (netsteer_give writes the whole table): its 32 groups'
 * filters are repointed, one command each, no other filter is touched, one RETA entry
 * changes, and the group's next segment reaches the new queue. */
TEST(ixgbe_ctl, moving_a_bucket_repoints_exactly_its_32_filters)
{
	struct bench b = bench_up();
	for (unsigned k = 1; k < NQ; k++)
		kernel_queue_up(&b, k);
	uint8_t table[NIC_BUCKETS], f[60];
	for (unsigned i = 0; i < NIC_BUCKETS; i++)
		table[i] = (uint8_t)(i % NQ);
	EXPECT_EQ_U64(steer(&b, table), 0);
	EXPECT_EQ_U64(ixm_filters(b.m), NIC_GROUPS);
	const unsigned moved = 5;                       /* queue 1's, to queue 3 */
	uint16_t p = port_in_bucket(moved, true, 0x9000);
	EXPECT_EQ_U64(ixm_receive(b.m, f, frame(f, 6, CLIENT, p, SERVER, 80)), 1);
	unsigned before = b.m->fdir_commands;
	uint32_t reta_before = ixm_read(b.m, IXGBE_RETA(moved / 4));
	table[moved] = 3;
	EXPECT_EQ_U64(steer(&b, table), 0);
	EXPECT_EQ_U64(b.m->fdir_commands - before, NIC_GROUPS / NIC_BUCKETS);
	EXPECT_EQ_U64(ixm_filters(b.m), NIC_GROUPS);
	EXPECT(ixm_read(b.m, IXGBE_RETA(moved / 4)) != reta_before);
	for (unsigned g = moved; g < NIC_GROUPS; g += NIC_BUCKETS)
		EXPECT_EQ_U64(b.e->fdir_queue[g], 3);
	EXPECT_EQ_U64(ixm_receive(b.m, f, frame(f, 6, CLIENT, p, SERVER, 80)), 3);
	EXPECT_EQ_U64(ixm_receive(b.m, f, frame(f, 6, CLIENT, (uint16_t)(p + 1), SERVER, 80)),
		      table[(moved + 1) % NIC_BUCKETS]);
	unsigned got = 0;
	adv_queue_poll(&b.q[3], count, &got, 8);
	EXPECT_EQ_U64(got, 1);
	bench_down(&b, NQ);
}

/* What the kernel computes of a flow (nic_tcp_bucket: netdev_port_ok, the move exchange,
 * software steering) is where the NIC sends it: TCP by its group once the groups are
 * written, by its hash before; UDP by its address hash (RSS's IPv4 hash) either way. */
TEST(ixgbe_ctl, software_bucket_of_a_flow_is_where_the_nic_sends_it)
{
	struct bench b = bench_up();
	for (unsigned k = 1; k < NQ; k++)
		kernel_queue_up(&b, k);
	uint8_t table[NIC_BUCKETS], f[60];
	uint32_t x = 2463534242u;
	for (unsigned i = 0; i < NIC_BUCKETS; i++, x = x * 1664525u + 1013904223u)
		table[i] = (uint8_t)(x >> 28) % NQ;
	EXPECT_EQ_U64(ops(&b)->steer_write(dev(&b), table), 0);
	for (int pass = 0; pass < 2; pass++) {
		bool by_group = pass == 1;
		for (unsigned i = 0; i < 300; i++, x = x * 1664525u + 1013904223u) {
			uint32_t client = CLIENT + (x >> 24);
			uint16_t p = (uint16_t)(x >> 5), sp = (uint16_t)(80 + (x & 1) * 363);
			unsigned want = table[nic_tcp_bucket(by_group, tcp_hash(client, p, SERVER, sp), p)];
			EXPECT_EQ_U64(ixm_receive(b.m, f, frame(f, 6, client, p, SERVER, sp)), want);
			want = table[toeplitz_ipv4(rss_key_symmetric, client, SERVER) % NIC_BUCKETS];
			EXPECT_EQ_U64(ixm_receive(b.m, f, frame(f, 17, client, p, SERVER, sp)), want);
			for (unsigned k = 0; k < NQ; k++)
				adv_queue_poll(queue_of(&b, k), count, &(unsigned){ 0 }, 8);
		}
		EXPECT_EQ_U64(steer(&b, table), 0);    /* the second pass: with the groups */
	}
	bench_down(&b, NQ);
}

/* After queue_stop the NIC points at no ring of the queue's: its ring registers are clear,
 * a frame steered to it is dropped without touching the old ring, and nothing is sent. */
TEST(ixgbe_ctl, stopped_queue_leaves_its_rings_unreferenced)
{
	struct bench b = bench_up();
	kernel_queue_up(&b, 1);
	uint8_t table[NIC_BUCKETS], f[60], out[64];
	memset(table, 1, sizeof(table));
	EXPECT_EQ_U64(steer(&b, table), 0);
	EXPECT_EQ_U64(adv_queue_send(&b.q[1], f, frame(f, 6, SERVER, 80, CLIENT, 1), false), 0);
	EXPECT_EQ_U64(ops(&b)->queue_stop(dev(&b), 1), 0);
	const uint32_t regs[] = { IXGBE_RDBAL(1), IXGBE_RDBAH(1), IXGBE_RDLEN(1), IXGBE_TDBAL(1),
				  IXGBE_TDBAH(1), IXGBE_TDLEN(1), IXGBE_RDT(1), IXGBE_TDT(1) };
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		EXPECT_EQ_U64(ixm_read(b.m, regs[i]), 0);
	EXPECT(!(ixm_read(b.m, IXGBE_RXDCTL(1)) & IXGBE_RXDCTL_ENABLE));
	EXPECT(!(ixm_read(b.m, IXGBE_TXDCTL(1)) & IXGBE_TXDCTL_ENABLE));
	unsigned dropped = b.m->rx_dropped;
	EXPECT_EQ_U64(ixm_receive(b.m, f, frame(f, 6, CLIENT, 1234, SERVER, 80)), (uint64_t)-1);
	EXPECT_EQ_U64(b.m->rx_dropped, dropped + 1);
	EXPECT(!adv_queue_rx_pending(&b.q[1]));
	EXPECT_EQ_U64(ixm_transmit(b.m, 1, out, sizeof(out)), (uint64_t)-1);
	adv_queue_free(&b.q[1]);
	memset(table, 0, sizeof(table));
	EXPECT_EQ_U64(steer(&b, table), 0);
	bench_down(&b, 1);
}

TEST(ixgbe_ctl, bad_arguments_are_refused_with_nothing_written)
{
	struct bench b = bench_up();
	struct adv_queue q;
	EXPECT_EQ_U64(ops(&b)->queue_route(dev(&b), 0, 1, 0x40, 0), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(ops(&b)->queue_route(dev(&b), IXGBE_QUEUES, 1, 0x40, 0), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(ops(&b)->queue_start(dev(&b), IXGBE_QUEUES, 0x1000, 0x2000), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(ops(&b)->queue_stop(dev(&b), IXGBE_QUEUES), (uint64_t)-EINVAL);
	uint8_t table[NIC_BUCKETS] = { 0 };
	static uint8_t groups[NIC_GROUPS];
	table[77] = IXGBE_QUEUES;
	uint32_t reta = ixm_read(b.m, IXGBE_RETA(77 / 4));
	EXPECT_EQ_U64(ops(&b)->steer_write(dev(&b), table), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(ixm_read(b.m, IXGBE_RETA(77 / 4)), reta);
	groups[4000] = IXGBE_QUEUES;
	EXPECT_EQ_U64(ops(&b)->group_write(dev(&b), groups), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(b.m->fdir_commands, 0);
	/* A requester's rings bound to a NIC with fewer queues than its index. */
	EXPECT_EQ_U64(adv_queue_alloc(&q, NULL, IXGBE_QUEUES), 0);
	EXPECT_EQ_U64(adv_queue_bind(&q, ops(&b)->adv), (uint64_t)-EINVAL);
	adv_queue_free(&q);
	bench_down(&b, 1);
}

/* Kernel 0's other-causes handler: the link change reaches entry 1, irq_other says so once. */
TEST(ixgbe_ctl, link_change_is_read_and_cleared_by_irq_other)
{
	struct bench b = bench_up();
	EXPECT_EQ_U64(ops(&b)->irq_own(dev(&b), 10, 0x42, 0x43, 0), 0);
	ixgbe_ops.irq_test(b.e);
	EXPECT_EQ_U64(b.m->raised[1], 1);
	EXPECT(ops(&b)->irq_other(dev(&b)));
	EXPECT(!ops(&b)->irq_other(dev(&b)));
	bench_down(&b, 1);
}
