/* Software steering (kernel/swsteer.h), with a stack on every kernel: one with a stack but no
 * queue (kernel 1 on the e1000, one past the MSI-X seats on the igb); kernel 0 hands it the
 * frames of its RSS buckets and sends its frames, both by reference into the packet pool.
 * The kernel suite boots this on -nic user,model=e1000 with 2 kernels and on the igb with
 * 12. */
#include "kernel/ktest.h"
#include "drivers/e1000/e1000.h"
#include "drivers/igb/igb.h"
#include "kernel/bootinfo.h"
#include "kernel/netdev.h"
#include "kernel/netports.h"
#include "kernel/netsteer.h"
#include "kernel/nicplan.h"
#include "drivers/pci/pci.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/swsteer.h"
#include "kernel/tests/smptest.h"
#include "kernel/urpc/peer.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "net/dhcp.h"
#include "net/steer.h"

/* Kernel 0's lease and the gateway's MAC (else a failure is recorded), and kernel k alive. */
static bool lease_and_gateway(const struct netif *nif, unsigned k)
{
	uint8_t gw[6];
	KEXPECT(peer_alive(k));
	for (int i = 0; i < 300 && !dhcp_bound(nif); i++)
		sched_sleep_ms(100);
	bool known = false;
	for (int i = 0; i < 50 && dhcp_bound(nif) && !(known = netdev_arp(nif->gateway, gw)); i++)
		sched_sleep_ms(100);
	KEXPECT(known);
	return known && peer_alive(k) && swsteer_pool();
}

/* An e1000 and no igb, a second kernel, a stack on every kernel (else the test is skipped). */
static bool soft_ready(const struct netif **nif)
{
	*nif = netdev_netif();
	if (!e1000_nic() || igb_nic() || !*nif || kself.ncores < 2 || !netdev_stack_per_kernel()) {
		ktest_skip("needs an e1000 alone, a second kernel and a stack on every kernel");
		return false;
	}
	return lease_and_gateway(*nif, 1);
}

/* Kernel 0's main loop must run while kernel 1 works: it steers and sends kernel 1's frames. */
static int ask_kernel1(const struct urpc_test *req, struct urpc_test *rep, unsigned timeout_ms)
{
	return smptest_ask_serving(1, req, rep, timeout_ms);
}

/* Kernel k attaches to software steering once kernel 0 has shared the interface. */
static int ask_attached(unsigned k, const struct urpc_test *req, struct urpc_test *rep)
{
	int err = -ENODEV;
	for (int i = 0; i < 100 && err == -ENODEV; i++) {
		err = smptest_ask_serving(k, req, rep, 5000);
		if (err == -ENODEV)
			sched_sleep_ms(100);
	}
	return err;
}

static int steer_all_to(uint8_t k)
{
	uint8_t kernel_of[STEER_BUCKETS];
	memset(kernel_of, k, sizeof(kernel_of));
	return netsteer_write(kernel_of);
}

/* Every buffer kernel 0 lent comes back, and nobody gave back what it did not hold. */
static void pool_settles(void)
{
	const struct pktpool *p = swsteer_pool();
	for (int i = 0; i < 40 && pktpool_in_use(p); i++)
		sched_sleep_ms(50);
	KEXPECT_EQ(pktpool_in_use(p), 0);
	KEXPECT_EQ(p->stats.double_returns, 0);
	KEXPECT_EQ(p->stats.not_held, 0);
	KEXPECT_EQ(p->stats.bad_refs, 0);
	KEXPECT(p->stats.returned > 0);
}

/* With every bucket on kernel 1, kernel 1's stack pings the gateway: its echo requests go
 * out through kernel 0's TX ring, and the answers (IPv4 hashed on the addresses, as the igb
 * does) are handed to kernel 1, counted on both sides. With the buckets back on kernel 0,
 * the answers land on kernel 0, which hands each on to kernel 1 by its echo identifier
 * (kernel/netports.h): the bucket decides where they land, the identifier whose they are. */
KTEST_NEEDS(net_kernel1_pings_through_software_steering, "e1000 kernels>=2 !net=kernel0")
{
	const struct netif *nif;
	struct urpc_test rep = { 0 };
	if (!soft_ready(&nif))
		return;
	KASSERT(steer_all_to(1) == 0);
	struct swsteer_stats s0 = *swsteer_stats();
	struct urpc_test req = { .op = TEST_OP_STACK_PING, .arg = { nif->gateway, 3 } };
	KEXPECT_EQ(ask_attached(1, &req, &rep), 0);
	KEXPECT_EQ(rep.arg[0], 3);              /* every answer, to kernel 1's stack */
	KEXPECT(rep.arg[1] >= 3);               /* handed over by kernel 0 */
	KEXPECT(swsteer_stats()->rx_handed - s0.rx_handed >= 3);
	KEXPECT(swsteer_stats()->tx_relayed - s0.tx_relayed >= 3);

	KASSERT(steer_all_to(0) == 0);
	uint64_t here = nif->stats.icmp_echo_replies_in, handed = netports_stats()->handed;
	req.arg[1] = 2;
	KEXPECT_EQ(ask_kernel1(&req, &rep, 5000), 0);
	KEXPECT_EQ(rep.arg[0], 2);              /* kernel 1's, through kernel 0 */
	KEXPECT_EQ(nif->stats.icmp_echo_replies_in, here);
	KEXPECT(netports_stats()->handed - handed >= 2);
	pool_settles();
}

/* TCP flows by their 4-tuple: with the buckets split between kernels 0 and 1, kernel 1
 * connects eight times to a port of the gateway where nothing listens, from source ports
 * whose hash is its own; kernel 0 hashes each RST in software and hands it to kernel 1, so
 * every connection is refused at once. */
KTEST_NEEDS(net_kernel1_connects_out_steered_in_software, "e1000 kernels>=2 !net=kernel0")
{
	const struct netif *nif;
	struct urpc_test rep = { 0 };
	if (!soft_ready(&nif))
		return;
	KASSERT(steer_all_to(0) == 0);
	struct urpc_test req = { .op = TEST_OP_STACK_PING, .arg = { nif->gateway, 0 } };
	KEXPECT_EQ(ask_attached(1, &req, &rep), 0);        /* kernel 1 is attached */
	uint8_t kernel_of[STEER_BUCKETS];
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		kernel_of[b] = (uint8_t)(b % 2);
	KASSERT(netsteer_write(kernel_of) == 0);
	sched_sleep_ms(100);                    /* kernel 1 hears which buckets are its own */
	struct swsteer_stats s0 = *swsteer_stats();
	req = (struct urpc_test){ .op = TEST_OP_STACK_CONNECT, .arg = { nif->gateway, 8, 1 } };
	KEXPECT_EQ(ask_kernel1(&req, &rep, 15000), 0);
	KEXPECT_EQ(rep.arg[0], 8);              /* refused, each RST steered to kernel 1 */
	KEXPECT_EQ(rep.arg[1], 0);
	KEXPECT(swsteer_stats()->rx_handed - s0.rx_handed >= 8);
	KEXPECT_EQ(steer_all_to(0), 0);
	pool_settles();
}

/* The igb seats only the kernels its MSI-X table can route an interrupt for (QEMU's: 9);
 * with a stack on every kernel the last kernel, past them, is steered in software: with every
 * bucket on it (queue 0 in the NIC's table, then kernel 0's hand-over), its pings to
 * the gateway are all answered to it. */
KTEST_NEEDS(net_kernel_past_msix_seats_steered_in_software, "igb kernels>=10 !net=kernel0")
{
	struct igb *g = igb_nic();
	const struct netif *nif = netdev_netif();
	struct urpc_test rep = { 0 };
	if (!g || !nif || !netdev_stack_per_kernel() ||
	    nic_plan_queues(kself.ncores, IGB_QUEUES, pci_msix_entries(g->pci)) >= kself.ncores) {
		ktest_skip("needs an igb, more kernels than it seats and a stack on every kernel");
		return;
	}
	unsigned k = kself.ncores - 1;
	if (!lease_and_gateway(nif, k))
		return;
	struct urpc_test req = { .op = TEST_OP_STACK_PING, .arg = { nif->gateway, 0 } };
	KEXPECT_EQ(ask_attached(k, &req, &rep), 0);
	KASSERT(steer_all_to((uint8_t)k) == 0);
	struct swsteer_stats s0 = *swsteer_stats();
	req.arg[1] = 3;
	KEXPECT_EQ(smptest_ask_serving(k, &req, &rep, 10000), 0);
	KEXPECT_EQ(rep.arg[0], 3);              /* every answer, to kernel k's stack */
	KEXPECT(rep.arg[1] >= 3);               /* handed over by kernel 0 */
	KEXPECT(swsteer_stats()->rx_handed - s0.rx_handed >= 3);
	KEXPECT(swsteer_stats()->tx_relayed - s0.tx_relayed >= 3);
	KEXPECT_EQ(steer_all_to(0), 0);
	pool_settles();
}
