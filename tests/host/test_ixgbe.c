/* The ixgbe (82599) driver, unchanged kernel code, against the host model of the 82599
 * (tests/ixgbe/model.c) through the host shim (tests/ixgbe/shim.c): the datasheet's init
 * order, the link, a frame each way through each of four queues with its MSI-X entry, RSS
 * keeping both directions of a flow on one queue, Flow Director steering a client-port
 * group and moving it with one filter write, and the errors a stuck or unsupported part
 * gives. */
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

struct rig {
	struct ixm *m;
	struct ixgbe *e;
	struct adv_queue q[4];        /* q[0] unused: queue 0 is e->adv.q0 */
	int attach_err;
};

static struct rig rig_up(enum ixm_fault fault, unsigned lms)
{
	struct rig r = { .m = calloc(1, sizeof(struct ixm)), .e = calloc(1, sizeof(struct ixgbe)) };
	ixm_init(r.m);
	r.m->fault = fault;
	r.m->eeprom_autoc = lms << 13;
	r.attach_err = ixgbe_attach(r.e, shim_use(r.m));
	return r;
}

static void rig_down(struct rig *r, unsigned extra_queues)
{
	for (unsigned i = 1; i <= extra_queues; i++) {
		EXPECT_EQ_U64(ixgbe_queue_stop(r->e, i), 0);
		adv_queue_free(&r->q[i]);
	}
	if (r->attach_err == 0) {
		EXPECT_EQ_U64(ixgbe_queue_stop(r->e, 0), 0);
		adv_queue_free(&r->e->adv.q0);
	}
	EXPECT_EQ_U64(shim_pages_held(), 0);
	free(r->m);
	free(r->e);
}

/* Queues 1..n started as another kernel's would be: rings here, routed to entry q + 1. */
static void queues_up(struct rig *r, unsigned n)
{
	for (unsigned i = 1; i <= n; i++) {
		EXPECT_EQ_U64(adv_queue_alloc(&r->q[i], &ixgbe_adv, i), 0);
		EXPECT_EQ_U64(ixgbe_queue_route(r->e, i, 0, (uint8_t)(0x40 + i), 0), 0);
		EXPECT_EQ_U64(ixgbe_queue_start(r->e, &r->q[i]), 0);
		adv_queue_map(&r->q[i], r->e->regs);
	}
}

static struct adv_queue *queue(struct rig *r, unsigned i) { return i ? &r->q[i] : &r->e->adv.q0; }

/* A 60-byte Ethernet frame holding a TCP/IPv4 segment header, src:sport -> dst:dport. */
static size_t tcp_frame(uint8_t f[60], uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	return ixm_frame(f, 6, src, sport, dst, dport);
}

struct got {
	unsigned n;
	uint8_t frame[64];
	size_t len;
	struct nic_rx_info info;
};

static void take(void *arg, const uint8_t *frame, size_t len, const struct nic_rx_info *info)
{
	struct got *g = arg;
	g->n++;
	g->len = len;
	g->info = *info;
	memcpy(g->frame, frame, len < sizeof(g->frame) ? len : sizeof(g->frame));
}

/* The RSS bucket (low 7 hash bits) of a client's segment to port 80. */
static unsigned bucket_of(uint16_t client_port)
{
	return toeplitz_ipv4_tcp(rss_key_symmetric, CLIENT, SERVER, client_port, 80) & 127;
}

TEST(ixgbe, init_follows_the_datasheet_order)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	EXPECT_EQ_U64(r.attach_err, 0);
	EXPECT_EQ_U64(r.m->violations, 0);
	if (r.m->violations)
		test_fail(__FILE__, __LINE__, "model: %s", r.m->first_violation);
	EXPECT(r.m->seen_ard && r.m->seen_dmaidone);
	EXPECT_EQ_U64(r.e->mac[0] | r.e->mac[1] << 8 | r.e->mac[5] << 16, 0x00 | 0x1b << 8 | 0xcc << 16);
	EXPECT(ixm_read(r.m, IXGBE_RXCTRL) & IXGBE_RXCTRL_RXEN);
	EXPECT(ixm_read(r.m, IXGBE_RXDCTL(0)) & IXGBE_RXDCTL_ENABLE);
	EXPECT(ixm_read(r.m, IXGBE_TXDCTL(0)) & IXGBE_TXDCTL_ENABLE);
	rig_down(&r, 0);
}

/* The model is strict enough to catch a driver that skips the reset's completions. */
TEST(ixgbe, model_flags_a_queue_enabled_before_reset_completes)
{
	struct ixm *m = calloc(1, sizeof(*m));
	ixm_init(m);
	ixm_write(m, IXGBE_RDLEN(0), 4096);
	ixm_write(m, IXGBE_RXDCTL(0), IXGBE_RXDCTL_ENABLE);
	ixm_write(m, IXGBE_TXDCTL(0), IXGBE_TXDCTL_ENABLE);
	EXPECT(m->violations >= 3);
	EXPECT(strstr(m->first_violation, "before EEC.ARD") != NULL);
	EXPECT(!(ixm_read(m, IXGBE_TXDCTL(0)) & IXGBE_TXDCTL_ENABLE));
	free(m);
}

/* And strict enough to catch a Flow Director table started on packet buffer it was not given:
 * the driver's attach leaves buffer 0 256 KiB; given all 512 back, FDIRCTRL is flagged. */
TEST(ixgbe, model_flags_a_filter_table_over_the_packet_buffer)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	EXPECT_EQ_U64(r.m->violations, 0);
	EXPECT_EQ_U64(ixm_read(r.m, IXGBE_RXPBSIZE(0)), 256u << 10);
	ixm_write(r.m, IXGBE_RXPBSIZE(0), 512u << 10);
	ixm_write(r.m, IXGBE_FDIRCTRL, IXGBE_FDIRCTRL_PBALLOC_256K | IXGBE_FDIRCTRL_PERFECT);
	EXPECT_EQ_U64(r.m->violations, 1);
	EXPECT(strstr(r.m->first_violation, "RX packet buffers hold 512 KiB") != NULL);
	rig_down(&r, 0);
}

TEST(ixgbe, link_comes_up_at_10g_on_sfi)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	EXPECT(!ixgbe_ops.link_up(r.e));
	EXPECT_EQ_U64(ixgbe_link_wait(r.e, 100), 0);
	EXPECT(ixgbe_ops.link_up(r.e));
	EXPECT_EQ_U64(ixgbe_ops.link_mbps(r.e), 10000);
	EXPECT(ixgbe_ops.update(r.e));                  /* the change is reported once */
	EXPECT(!ixgbe_ops.update(r.e));
	rig_down(&r, 0);
}

/* For each queue a client port whose RSS bucket the table gives that queue: the segment
 * lands in that queue's ring, raises that queue's MSI-X entry, and the queue's reply goes
 * out of that queue's transmit ring. */
TEST(ixgbe, a_frame_each_way_through_each_of_4_queues)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	EXPECT_EQ_U64(ixgbe_irq_msix(r.e, 0, 0x30, 0x31, 0), 0);
	queues_up(&r, 3);
	uint8_t reta[IXGBE_RETA_ENTRIES] = { 0 }, f[60], out[64];
	uint16_t port[4] = { 0 };
	for (uint16_t p = 40000, q = 1; q < 4; p++)
		if (reta[bucket_of(p)] == 0 && bucket_of(p) != bucket_of(40000))
			reta[bucket_of(p)] = (uint8_t)q, port[q++] = p;
	port[0] = 40000;
	EXPECT_EQ_U64(ixgbe_reta_write(r.e, reta), 0);
	for (unsigned q = 0; q < 4; q++) {
		struct got g = { 0 };
		size_t len = tcp_frame(f, CLIENT, port[q], SERVER, 80);
		EXPECT_EQ_U64(ixm_receive(r.m, f, len), q);
		EXPECT_EQ_U64(r.m->raised[q == 0 ? 0 : q + 1], 1);
		EXPECT_EQ_U64(adv_queue_poll(queue(&r, q), take, &g, 8), 1);
		EXPECT_EQ_U64(g.len, len);
		EXPECT_EQ_MEM(g.frame, f, len);
		EXPECT(g.info.rss_tcp4);
		EXPECT_EQ_U64(g.info.rss_hash & 127, bucket_of(port[q]));
		size_t reply = tcp_frame(f, SERVER, 80, CLIENT, port[q]);
		EXPECT_EQ_U64(adv_queue_send(queue(&r, q), f, reply, false), 0);
		EXPECT_EQ_U64(ixm_transmit(r.m, q, out, sizeof(out)), reply);
		EXPECT_EQ_MEM(out, f, reply);
		EXPECT_EQ_U64(ixm_transmit(r.m, q, out, sizeof(out)), (uint64_t)-1);
	}
	EXPECT_EQ_U64(shim_msix_vector(3 + 1), 0x43);
	EXPECT_EQ_U64(r.m->violations, 0);
	rig_down(&r, 3);
}

/* Nothing unmasks a queue's MSI-X entry after its message: each frame raises one. (The
 * model auto-masks every entry out of reset unless EIAM_EX says otherwise.) */
TEST(ixgbe, every_frame_raises_its_queues_interrupt)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	EXPECT_EQ_U64(ixgbe_irq_msix(r.e, 0, 0x30, 0x31, 0), 0);
	queues_up(&r, 1);
	uint8_t reta[IXGBE_RETA_ENTRIES], f[60];
	memset(reta, 1, sizeof(reta));
	EXPECT_EQ_U64(ixgbe_reta_write(r.e, reta), 0);
	for (unsigned i = 0; i < 3; i++) {
		struct got g = { 0 };
		EXPECT_EQ_U64(ixm_receive(r.m, f, tcp_frame(f, CLIENT, (uint16_t)(40000 + i),
							     SERVER, 80)), 1);
		EXPECT_EQ_U64(r.m->raised[2], i + 1);
		EXPECT_EQ_U64(adv_queue_poll(queue(&r, 1), take, &g, 8), 1);
	}
	ixgbe_ops.irq_test(r.e);
	ixgbe_ops.irq_test(r.e);
	EXPECT_EQ_U64(r.m->raised[1], 2);               /* the other causes' entry likewise */
	rig_down(&r, 1);
}

/* rss_key_symmetric: the segment and its reply hash alike, so one queue sees both; the
 * table spreads flows, so "alike" is not "everything on one queue". */
TEST(ixgbe, rss_sends_both_directions_of_a_flow_to_one_queue)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	queues_up(&r, 3);
	uint8_t reta[IXGBE_RETA_ENTRIES], f[60];
	unsigned used = 0;
	for (unsigned b = 0; b < IXGBE_RETA_ENTRIES; b++)
		reta[b] = (uint8_t)(b % 4);
	EXPECT_EQ_U64(ixgbe_reta_write(r.e, reta), 0);
	for (uint16_t p = 50000; p < 50016; p++) {
		int there = ixm_receive(r.m, f, tcp_frame(f, CLIENT, p, SERVER, 80));
		int back = ixm_receive(r.m, f, tcp_frame(f, SERVER, 80, CLIENT, p));
		EXPECT(there >= 0 && there == back);
		used |= there >= 0 ? 1u << there : 0;
		struct got g = { 0 };
		adv_queue_poll(queue(&r, (unsigned)there & 3), take, &g, 8);
		EXPECT_EQ_U64(g.n, 2);
	}
	EXPECT(__builtin_popcount(used) >= 2);
	rig_down(&r, 3);
}

TEST(ixgbe, flow_director_steers_a_client_port_group)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	queues_up(&r, 3);
	uint8_t reta[IXGBE_RETA_ENTRIES], f[60];
	memset(reta, 1, sizeof(reta));                  /* RSS alone: everything to queue 1 */
	EXPECT_EQ_U64(ixgbe_reta_write(r.e, reta), 0);
	EXPECT_EQ_U64(ixgbe_fdir_point(r.e, 0x123, 2), 0);
	/* The group is the port's low 12 bits, whatever its top bits and the addresses. */
	EXPECT_EQ_U64(ixm_receive(r.m, f, tcp_frame(f, CLIENT, 0x1123, SERVER, 80)), 2);
	EXPECT_EQ_U64(ixm_receive(r.m, f, tcp_frame(f, CLIENT + 7, 0xA123, SERVER, 443)), 2);
	EXPECT_EQ_U64(ixm_receive(r.m, f, tcp_frame(f, CLIENT, 0x1124, SERVER, 80)), 1);
	EXPECT_EQ_U64(ixgbe_fdir_point(r.e, 0x123, IXGBE_FDIR_NONE), 0);
	EXPECT_EQ_U64(ixm_filters(r.m), 0);
	EXPECT_EQ_U64(ixm_receive(r.m, f, tcp_frame(f, CLIENT, 0x1123, SERVER, 80)), 1);
	EXPECT_EQ_U64(ixgbe_fdir_point(r.e, IXGBE_FDIR_GROUPS, 1), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(ixgbe_fdir_point(r.e, 1, IXGBE_QUEUES), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(r.m->violations, 0);
	rig_down(&r, 3);
}

/* The balancer's shape (kernel/netsteer.c writes a whole table): all 4,096 groups placed,
 * then one moved, which costs one filter command. */
TEST(ixgbe, moving_a_group_reprograms_exactly_one_filter)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	queues_up(&r, 3);
	static uint8_t table[IXGBE_FDIR_GROUPS];
	uint8_t f[60];
	for (unsigned g = 0; g < IXGBE_FDIR_GROUPS; g++)
		table[g] = (uint8_t)(g % 4);
	EXPECT_EQ_U64(ixgbe_fdir_write(r.e, table), 0);
	EXPECT_EQ_U64(ixm_filters(r.m), IXGBE_FDIR_GROUPS);
	unsigned before = r.m->fdir_commands;
	table[0x7AB] = (uint8_t)((table[0x7AB] + 1) % 4);
	EXPECT_EQ_U64(ixgbe_fdir_write(r.e, table), 0);
	EXPECT_EQ_U64(r.m->fdir_commands - before, 1);
	EXPECT_EQ_U64(ixm_filters(r.m), IXGBE_FDIR_GROUPS);
	EXPECT_EQ_U64(ixm_receive(r.m, f, tcp_frame(f, CLIENT, 0x77AB, SERVER, 80)), table[0x7AB]);
	EXPECT_EQ_U64(ixm_receive(r.m, f, tcp_frame(f, CLIENT, 0x77AC, SERVER, 80)), table[0x7AC]);
	table[5] = 9 + IXGBE_QUEUES;                    /* a bad table writes nothing */
	before = r.m->fdir_commands;
	EXPECT_EQ_U64(ixgbe_fdir_write(r.e, table), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(r.m->fdir_commands, before);
	EXPECT_EQ_U64(r.m->violations, 0);
	rig_down(&r, 3);
}

/* A filter command takes the NIC microseconds (the model: three reads of FDIRCMD), so the
 * first table, 4,096 commands, takes no millisecond sleeps; polled once a millisecond it
 * took over 4 s. */
TEST(ixgbe, the_first_table_of_4096_filters_is_written_without_sleeping)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	queues_up(&r, 3);
	static uint8_t table[IXGBE_FDIR_GROUPS];
	for (unsigned g = 0; g < IXGBE_FDIR_GROUPS; g++)
		table[g] = (uint8_t)(g % 4);
	unsigned before = r.m->now_ms;
	EXPECT_EQ_U64(ixgbe_fdir_write(r.e, table), 0);
	EXPECT_EQ_U64(ixm_filters(r.m), IXGBE_FDIR_GROUPS);
	EXPECT(r.m->now_ms - before < 5);
	EXPECT_EQ_U64(r.m->violations, 0);
	rig_down(&r, 3);
}

/* Two implementations of the bucket hash (the driver's folded words, the model's stream laid
 * out field by field) agree over keys, flow types, addresses and ports. */
TEST(ixgbe, fdir_bucket_hash_matches_the_model)
{
	uint32_t x = 12345;
	for (unsigned i = 0; i < 400; i++) {
		x = x * 1103515245u + 12345u;
		uint32_t key = x ^ 0x5A5A5A5Au, a = x * 7, b = x * 13;
		uint16_t s = (uint16_t)(x >> 3), d = (uint16_t)(x >> 11);
		unsigned flow = i % 8;
		EXPECT_EQ_U64(ixgbe_fdir_hash(key, flow, a, b, s, d),
			      ixm_fdir_hash(key, flow, a, b, s, d));
	}
	/* The flow type is hashed: a TCP and a UDP filter on one port sit apart. */
	unsigned apart = 0;
	for (uint16_t port = 0; port < 64; port++)
		apart += ixgbe_fdir_hash(0x3DAD14E2u, 2, 0, 0, port, 0) !=
			 ixgbe_fdir_hash(0x3DAD14E2u, 1, 0, 0, port, 0);
	EXPECT(apart > 32);
}

/* A group pointed nowhere is removed only after a query finds it; a remove the NIC's table
 * does not need (the filter already gone) is not sent. */
TEST(ixgbe, removing_a_group_queries_the_filter_first)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	queues_up(&r, 1);
	uint8_t f[60];
	EXPECT_EQ_U64(ixgbe_fdir_point(r.e, 0x42, 1), 0);
	unsigned adds = r.m->fdir_commands;
	EXPECT_EQ_U64(ixgbe_fdir_point(r.e, 0x42, IXGBE_FDIR_NONE), 0);
	EXPECT_EQ_U64(r.m->fdir_queries, 1);
	EXPECT_EQ_U64(r.m->fdir_commands - adds, 1);
	EXPECT_EQ_U64(ixm_filters(r.m), 0);
	EXPECT_EQ_U64(ixm_receive(r.m, f, tcp_frame(f, CLIENT, 0x0042, SERVER, 80)), 0);
	EXPECT_EQ_U64(ixgbe_fdir_point(r.e, 0x43, 1), 0);
	memset(&r.m->filter[0x43], 0, sizeof(r.m->filter[0x43]));     /* the NIC lost it */
	adds = r.m->fdir_commands;
	EXPECT_EQ_U64(ixgbe_fdir_point(r.e, 0x43, IXGBE_FDIR_NONE), 0);
	EXPECT_EQ_U64(r.m->fdir_queries, 2);
	EXPECT_EQ_U64(r.m->fdir_commands, adds);
	EXPECT_EQ_U64(r.e->fdir_queue[0x43], IXGBE_FDIR_NONE);
	EXPECT_EQ_U64(r.m->violations, 0);
	rig_down(&r, 1);
}

TEST(ixgbe, link_change_interrupt_goes_to_the_other_causes_entry)
{
	struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
	EXPECT_EQ_U64(ixgbe_irq_msix(r.e, 0, 0x30, 0x31, 0), 0);
	ixgbe_ops.irq_test(r.e);
	EXPECT_EQ_U64(r.m->raised[1], 1);
	EXPECT_EQ_U64(r.m->raised[0], 0);
	EXPECT_EQ_U64(shim_msix_vector(1), 0x31);
	EXPECT_EQ_U64(ixgbe_queue_route(r.e, 0, 0, 0x40, 0), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(ixgbe_queue_route(r.e, IXGBE_QUEUES, 0, 0x40, 0), (uint64_t)-EINVAL);
	rig_down(&r, 0);
}

static void expect_attach_fails(enum ixm_fault fault, unsigned lms, int err, const char *says)
{
	struct rig r = rig_up(fault, lms);
	EXPECT_EQ_U64(r.attach_err, (uint64_t)err);
	if (!strstr(shim_last_log(), says))
		test_fail(__FILE__, __LINE__, "log \"%s\" does not say \"%s\"", shim_last_log(), says);
	rig_down(&r, 0);
}

TEST(ixgbe, reset_and_init_timeouts_name_the_step)
{
	expect_attach_fails(IXM_RESET_STUCK, IXGBE_AUTOC_LMS_10G_SERIAL, -ETIMEDOUT, "CTRL.RST");
	expect_attach_fails(IXM_EEPROM_STUCK, IXGBE_AUTOC_LMS_10G_SERIAL, -ETIMEDOUT, "EEC.ARD");
	expect_attach_fails(IXM_DMA_STUCK, IXGBE_AUTOC_LMS_10G_SERIAL, -ETIMEDOUT, "DMAIDONE");
}

TEST(ixgbe, unsupported_link_mode_is_refused_by_name)
{
	expect_attach_fails(IXM_OK, 4, -ENOTSUP, "KX/KX4/KR backplane AN");
	expect_attach_fails(IXM_OK, 1, -ENOTSUP, "10G parallel (KX4/XAUI)");
}

TEST(ixgbe, link_that_never_comes_up_times_out)
{
	struct rig r = rig_up(IXM_LINK_DOWN, IXGBE_AUTOC_LMS_10G_SERIAL);
	EXPECT_EQ_U64(r.attach_err, 0);
	EXPECT_EQ_U64(ixgbe_link_wait(r.e, 50), (uint64_t)-ETIMEDOUT);
	EXPECT(strstr(shim_last_log(), "link still down") != NULL);
	EXPECT_EQ_U64(ixgbe_ops.link_mbps(r.e), 0);
	rig_down(&r, 0);
}

TEST(ixgbe, flow_director_command_not_taken_times_out)
{
	struct rig r = rig_up(IXM_FDIR_CMD_STUCK, IXGBE_AUTOC_LMS_10G_SERIAL);
	EXPECT_EQ_U64(r.attach_err, 0);
	EXPECT_EQ_U64(ixgbe_fdir_point(r.e, 3, 0), (uint64_t)-ETIMEDOUT);
	EXPECT(strstr(shim_last_log(), "group 3 not taken") != NULL);
	EXPECT_EQ_U64(r.e->fdir_queue[3], IXGBE_FDIR_NONE);
	rig_down(&r, 0);
}

/* A receive write-back the driver cannot take whole (length past the buffer, length 0, EOP
 * clear as for a frame spanning buffers) is counted and dropped, its descriptor given back,
 * and the ring goes on: the next good frame is delivered. */
TEST(ixgbe, bad_receive_write_back_is_counted_and_dropped)
{
	const enum ixm_fault bad[] = { IXM_RX_LEN_PAST_BUF, IXM_RX_LEN_ZERO, IXM_RX_NO_EOP };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rig r = rig_up(IXM_OK, IXGBE_AUTOC_LMS_10G_SERIAL);
		struct adv_queue *q0 = queue(&r, 0);
		struct got g = { 0 };
		uint8_t f[60];
		size_t len = tcp_frame(f, CLIENT, 40000, SERVER, 80);
		r.m->fault = bad[i];
		EXPECT_EQ_U64(ixm_receive(r.m, f, len), 0);
		EXPECT_EQ_U64(adv_queue_poll(q0, take, &g, 8), 1);
		EXPECT_EQ_U64(g.n, 0);
		EXPECT_EQ_U64(q0->rx.errors, 1);
		EXPECT_EQ_U64(q0->counts.rx_good, 0);
		r.m->fault = IXM_OK;
		EXPECT_EQ_U64(ixm_receive(r.m, f, len), 0);
		EXPECT_EQ_U64(adv_queue_poll(q0, take, &g, 8), 1);
		EXPECT_EQ_U64(g.n, 1);
		EXPECT_EQ_U64(g.len, len);
		EXPECT_EQ_U64(q0->rx.errors, 1);
		EXPECT_EQ_U64(q0->counts.rx_good, 1);
		EXPECT_EQ_U64(r.m->violations, 0);
		rig_down(&r, 0);
	}
}
