/* NIC tests against QEMU's user-mode network (the kernel suite boots with -nic
 * user,model=e1000 and, separately, -nic user,model=igb): the NIC comes up with a MAC and
 * link, its interrupt reaches this kernel, an ARP request for the gateway 10.0.2.2 is
 * answered (the transmit and the receive path), and DHCP configures the interface. They run
 * on whichever of the drivers attached, through the same struct nic_ops netdev uses. */
#include "kernel/ktest.h"
#include "drivers/e1000/e1000.h"
#include "drivers/igb/igb.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/bootinfo.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/netdev.h"
#include "kernel/netports.h"
#include "kernel/netsteer.h"
#include "kernel/nicq.h"
#include "kernel/rcall.h"
#include "kernel/syscall.h"
#include "kernel/urpc/peer.h"
#include "kernel/smp.h"
#include "kernel/tests/smptest.h"
#include "kernel/urpc/msg.h"
#include "lib/bytes.h"
#include "kernel/sched.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"
#include "net/dhcp.h"

static const uint8_t guest_ip[4] = { 10, 0, 2, 15 }, gateway_ip[4] = { 10, 0, 2, 2 };

struct nic_under_test {
	const struct nic_ops *ops;
	void *dev;
};

/* The attached NICs; a NIC on the bus that did not attach is a failure. */
static unsigned nics_ready(struct nic_under_test *t)
{
	unsigned n = 0;
	struct e1000 *e = e1000_nic();
	struct igb *g = igb_nic();
	KEXPECT(e || !pci_find(0x8086, 0x100E));
	KEXPECT(g || !pci_find(0x8086, 0x10C9));
	if (e)
		t[n++] = (struct nic_under_test){ &e1000_ops, e };
	if (g)
		t[n++] = (struct nic_under_test){ &igb_ops, g };
	if (n == 0)
		ktest_skip("no e1000 or igb on this machine");
	return n;
}

/* An igb's PHY negotiates after the reset at attach: the link comes up some time later. */
static bool link_comes_up(const struct nic_under_test *t)
{
	for (int i = 0; i < 50 && !t->ops->link_up(t->dev); i++)
		sched_sleep_ms(100);
	return t->ops->link_up(t->dev);
}

KTEST_NEEDS(nic_attaches_with_a_mac_and_link, "nic")
{
	struct nic_under_test t[2];
	unsigned n = nics_ready(t);
	static const uint8_t zero[6];
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *mac = t[i].ops->mac(t[i].dev);
		KEXPECT(memcmp(mac, zero, 6) != 0);
		KEXPECT((mac[0] & 1) == 0);             /* unicast */
		KEXPECT(link_comes_up(&t[i]));
		KEXPECT(t[i].ops->link_mbps(t[i].dev) == 1000);
		KEXPECT(t[i].ops->send(t[i].dev, "short", 5, false) < 0);
	}
}

/* The NIC behind the interface raises the link-change cause by software; the handler must
 * see that cause here. Any interrupt would not do: received frames raise them all along. */
KTEST_NEEDS(nic_interrupt_reaches_the_kernel, "nic")
{
	void *dev;
	const struct nic_ops *ops = netdev_driver(&dev);
	if (!ops) {
		ktest_skip("no network interface");
		return;
	}
	uint64_t before = netdev_link_interrupts();
	ops->irq_test(dev);
	for (int i = 0; i < 100 && netdev_link_interrupts() == before; i++)
		sched_sleep_ms(1);
	KEXPECT(netdev_link_interrupts() > before);
}

/* The receive-overrun cause, set by ICS as the NIC sets it when a frame finds no free
 * buffer, must reach the handler that reads ICR (the e1000's INTx; the igb's other-causes
 * MSI-X entry, which carries every ICR cause in MSI-X mode) and be counted there: in the
 * driver's counters, and so in what netstat_all reports of this kernel (/status). */
KTEST_NEEDS(nic_overrun_cause_is_counted, "nic")
{
	void *dev;
	const struct nic_ops *ops = netdev_driver(&dev);
	if (!ops) {
		ktest_skip("no network interface");
		return;
	}
	KASSERT(ops == &e1000_ops || ops == &igb_ops);
	uint64_t before = ops->stats(dev)->rx_overruns;
	if (ops == &e1000_ops)
		e1000_irq_test_overrun(dev);
	else
		igb_irq_test_overrun(dev);
	for (int i = 0; i < 100 && ops->stats(dev)->rx_overruns == before; i++)
		sched_sleep_ms(1);
	uint64_t after = ops->stats(dev)->rx_overruns;
	KEXPECT(after > before);
	struct sys_netsum ns;
	rcall_local_netsum(&ns);
	KEXPECT(ns.hw_rx_overruns >= after);
}

/* Builds "who has 10.0.2.2, tell 10.0.2.15" (RFC 826), broadcast. */
static size_t arp_request(uint8_t *f, const uint8_t *mac)
{
	memset(f, 0, 60);
	memset(f, 0xFF, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;             /* EtherType ARP */
	f[14] = 0, f[15] = 1;                   /* hardware: Ethernet */
	f[16] = 0x08, f[17] = 0x00;             /* protocol: IPv4 */
	f[18] = 6, f[19] = 4;
	f[20] = 0, f[21] = 1;                   /* request */
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, guest_ip, 4);
	memcpy(f + 38, gateway_ip, 4);
	return 60;
}

struct arp_seen {
	const uint8_t *mac;
	bool reply;
	uint8_t sha[6];
};

static void on_frame(void *arg, const uint8_t *f, size_t len, const struct nic_rx_info *info)
{
	(void)info;
	struct arp_seen *s = arg;
	if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2 &&
	    memcmp(f + 28, gateway_ip, 4) == 0 && memcmp(f + 32, s->mac, 6) == 0 &&
	    memcmp(f + 38, guest_ip, 4) == 0) {
		s->reply = true;
		memcpy(s->sha, f + 22, 6);
	}
}

/* Asks the gateway for its MAC, three times at most, polling the ring itself without
 * yielding, so the idle loop's netdev_poll does not take the reply first. False if a send
 * failed or no reply came. */
static bool ask_gateway(const struct nic_under_test *t, struct arp_seen *seen)
{
	uint8_t frame[64];
	seen->mac = t->ops->mac(t->dev);
	for (int attempt = 0; attempt < 3 && !seen->reply; attempt++) {
		if (t->ops->send(t->dev, frame, arp_request(frame, seen->mac), false) != 0)
			return false;
		uint64_t end = rdtsc() + cpu_info.tsc_hz / 2;
		while (!seen->reply && rdtsc() < end)
			t->ops->poll(t->dev, on_frame, seen, 16);
	}
	return seen->reply;
}

KTEST_NEEDS(nic_arp_request_gets_the_gateways_reply, "nic")
{
	struct nic_under_test t[2];
	unsigned n = nics_ready(t);
	for (unsigned i = 0; i < n; i++) {
		struct arp_seen seen = { 0 };
		KASSERT(link_comes_up(&t[i]));
		KEXPECT(ask_gateway(&t[i], &seen));
		static const uint8_t zero[6];
		KEXPECT(memcmp(seen.sha, zero, 6) != 0);
		t[i].ops->update(t[i].dev);
		const struct nic_stats *hw = t[i].ops->stats(t[i].dev);
		KEXPECT(hw->rx_good >= 1 && hw->tx_good >= 1);
	}
}

/* With ip=dhcp, kernel 0 asks QEMU's user-mode DHCP server, which hands out 10.0.2.15/24
 * with the gateway 10.0.2.2. The idle loop runs the client; this test sleeps meanwhile. */
KTEST_NEEDS(net_dhcp_configures_the_interface, "nic ip=dhcp")
{
	char how[8] = "";
	cmdline_get(boot_info.cmdline, "ip", how, sizeof(how));
	const struct netif *nif = netdev_netif();
	if (!nif || strcmp(how, "dhcp") != 0) {
		ktest_skip("no network interface or no ip=dhcp");
		return;
	}
	for (int i = 0; i < 300 && !dhcp_bound(nif); i++)
		sched_sleep_ms(100);
	KASSERT(dhcp_bound(nif));
	KEXPECT_EQ(nif->ip, 0x0A00020F);
	KEXPECT_EQ(nif->mask, 0xFFFFFF00);
	KEXPECT_EQ(nif->gateway, 0x0A000202);
}

/* Kernel 0's configuration with the gateway's MAC, once its ARP cache has it; false if not
 * within 5 s or without a DHCP lease. */
static bool kernel0_knows_gateway(const struct netif *nif, uint8_t gw[6])
{
	for (int i = 0; i < 300 && !dhcp_bound(nif); i++)
		sched_sleep_ms(100);
	bool known = false;
	for (int i = 0; i < 50 && dhcp_bound(nif) && !(known = netdev_arp(nif->gateway, gw)); i++)
		sched_sleep_ms(100);
	return known;
}

/* Turns the transmitter of the NIC behind kernel 0's interface off or on (TCTL.EN: the
 * e1000's 13.4.33, the igb's 8.12, the same offset and bit). On again, the tail of the ring
 * kernel 0 sends on (the igb's queue 0) is written once more: the doorbell, on which the NIC
 * looks at the ring again (QEMU's igb does not on the TCTL write). False for another NIC. */
static bool tx_enable(const struct nic_ops *ops, void *dev, bool on)
{
	volatile uint8_t *regs;
	uint32_t tdt;
	if (ops == &e1000_ops)
		regs = ((struct e1000 *)dev)->regs, tdt = E1000_TDT;
	else if (ops == &igb_ops)
		regs = ((struct igb *)dev)->regs, tdt = IGB_TDT(0);
	else
		return false;
	uint32_t tctl = nic_rd32(regs, E1000_TCTL);
	nic_wr32(regs, E1000_TCTL, on ? tctl | E1000_TCTL_EN : tctl & ~E1000_TCTL_EN);
	if (on)
		nic_wr32(regs, tdt, nic_rd32(regs, tdt));
	return true;
}
_Static_assert(IGB_TCTL == E1000_TCTL && IGB_TCTL_EN == E1000_TCTL_EN, "one TCTL for both");
_Static_assert(IGB_TX_DESCS == E1000_TX_DESCS, "one ring size for both");

/* With the transmitter off the NIC takes no descriptor, so the stack's frames (pings to
 * the gateway) fill the ring until the driver refuses one: the stack counts it as tx_full.
 * Turned on again, the NIC sends what waits and the ring takes frames again. No sleep while
 * the transmitter is off, so nothing else of this kernel sends meanwhile. */
KTEST_NEEDS(net_a_full_tx_ring_is_counted_and_drains, "nic ip=dhcp")
{
	void *dev;
	const struct nic_ops *ops = netdev_driver(&dev);
	const struct netif *nif = netdev_netif();
	uint8_t gw[6];
	if (!ops || !nif) {
		ktest_skip("no network interface");
		return;
	}
	KASSERT(kernel0_knows_gateway(nif, gw));
	ops->update(dev);
	uint64_t full0 = nif->stats.drops[DROP_TX_FULL], sent0 = ops->stats(dev)->tx_good;
	KASSERT(tx_enable(ops, dev, false));
	unsigned queued = 0;
	while (queued <= E1000_TX_DESCS && netdev_ping(nif->gateway, (uint16_t)queued) == 0)
		queued++;
	uint64_t full1 = nif->stats.drops[DROP_TX_FULL];
	tx_enable(ops, dev, true);
	KEXPECT_EQ(full1, full0 + 1);
	KEXPECT(queued >= E1000_TX_DESCS / 2 && queued < E1000_TX_DESCS);
	for (int i = 0; i < 100 && ops->stats(dev)->tx_good < sent0 + queued; i++) {
		sched_sleep_ms(10);
		ops->update(dev);
	}
	KEXPECT(ops->stats(dev)->tx_good >= sent0 + queued);
	KEXPECT_EQ(netdev_ping(nif->gateway, 0), 0);
	KEXPECT_EQ(nif->stats.drops[DROP_TX_FULL], full1);
}

/* Kernel k's view of the interface (TEST_OP_NET_VIEW) once it shows kernel 0's address and
 * gateway MAC, or its last answer after 20 tries: kernel 0 shares from its main loop. */
static int view_of_kernel(unsigned k, const struct netif *nif, const uint8_t gw[6],
			  struct urpc_test *rep)
{
	struct urpc_test req = { .op = TEST_OP_NET_VIEW };
	for (int i = 0; i < 20; i++) {
		int err = smptest_send(k, &req);
		if (!err)
			err = smptest_wait_reply(k, req.op, rep, 2000);
		if (err)
			return err;
		if (rep->arg[0] == nif->ip && rep->arg[4] == rd48be(gw))
			return 0;
		sched_sleep_ms(100);
	}
	return 0;
}

/* What kernel 0 learns reaches the others (DESIGN.md section 4): after the DHCP lease and an
 * ARP exchange with the gateway on kernel 0, every other kernel knows the interface's address,
 * mask, gateway and MAC, and the gateway's MAC, though it never saw a frame. */
KTEST_NEEDS(net_other_kernels_learn_the_interface_and_arp_from_kernel0, "nic ip=dhcp kernels>=2")
{
	char how[8] = "";
	cmdline_get(boot_info.cmdline, "ip", how, sizeof(how));
	const struct netif *nif = netdev_netif();
	if (!nif || strcmp(how, "dhcp") != 0 || kself.ncores < 2) {
		ktest_skip("needs a network interface, ip=dhcp and a second kernel");
		return;
	}
	uint8_t gw[6];
	KASSERT(kernel0_knows_gateway(nif, gw));
	for (unsigned k = 1; k < kself.ncores; k++) {
		KASSERT(peer_alive(k));         /* a kernel that is down has learned nothing */
		struct urpc_test rep = { 0 };
		KASSERT(view_of_kernel(k, nif, gw, &rep) == 0);
		KEXPECT_EQ(rep.arg[0], nif->ip);
		KEXPECT_EQ(rep.arg[1], nif->mask);
		KEXPECT_EQ(rep.arg[2], nif->gateway);
		KEXPECT_EQ(rep.arg[3], rd48be(nif->mac));
		KEXPECT_EQ(rep.arg[4], rd48be(gw));
	}
}

/* The per-kernel tests' start: an igb, a second kernel, a stack on each (else the test is
 * skipped), then kernel 1 up, kernel 0's lease and the gateway's MAC, known to kernel 1 too
 * (else a failure is recorded). False: the test stops there. */
struct per_kernel {
	struct igb *g;
	const struct netif *nif;
	uint8_t gw[6];
};

static bool per_kernel_ready(struct per_kernel *pk)
{
	struct igb **g = &pk->g;
	const struct netif **nif = &pk->nif;
	uint8_t *gw = pk->gw;
	*g = igb_nic();
	*nif = netdev_netif();
	if (!*g || !*nif || kself.ncores < 2 || !netdev_stack_per_kernel()) {
		ktest_skip("needs an igb, a second kernel and a stack on each (not net=kernel0)");
		return false;
	}
	KEXPECT(peer_alive(1));         /* booted but down: a failure, not a machine without it */
	if (!peer_alive(1))
		return false;
	struct urpc_test rep = { 0 };
	bool ready = kernel0_knows_gateway(*nif, gw) && view_of_kernel(1, *nif, gw, &rep) == 0 &&
		     rep.arg[4] == rd48be(gw);
	KEXPECT(ready);
	return ready;
}

/* A stack on another kernel over its own queue (DESIGN.md sections 3-4): unless
 * net=kernel0, kernel 1 attaches igb queue 1 at boot, configured from what kernel 0
 * shares. With every RSS bucket on queue 1, kernel 1's own stack pings the gateway, and the
 * answers reach that stack through its queue, by interrupt. With the buckets back on queue 0,
 * the NIC steers the answers to kernel 0, which hands each on to kernel 1 by its echo
 * identifier (kernel/netports.h): the bucket decides where they land, the identifier whose
 * they are. */
KTEST_NEEDS(net_kernel1_pings_through_its_own_stack_and_queue, "igb kernels>=2 !net=kernel0")
{
	struct per_kernel pk;
	struct urpc_test rep = { 0 };
	if (!per_kernel_ready(&pk))
		return;
	uint8_t reta[IGB_RETA_ENTRIES];
	memset(reta, 1, sizeof(reta));
	igb_reta_write(pk.g, reta);
	struct urpc_test req = { .op = TEST_OP_STACK_PING, .arg = { pk.nif->gateway, 3 } };
	int err = -ENODEV;
	for (int i = 0; i < 50 && err == -ENODEV; i++) {       /* kernel 1 may still attach */
		err = smptest_send(1, &req);
		if (!err)
			err = smptest_wait_reply(1, req.op, &rep, 5000);
		if (!err)
			err = rep.status;
		if (err == -ENODEV)
			sched_sleep_ms(100);
	}
	KEXPECT_EQ(err, 0);
	KEXPECT_EQ(rep.arg[0], 3);              /* every answer, to kernel 1's stack */
	KEXPECT(rep.arg[1] >= 3);               /* through its queue */
	KEXPECT(rep.arg[2] >= 1);               /* announced by its interrupt */

	memset(reta, 0, sizeof(reta));
	igb_reta_write(pk.g, reta);
	sched_sleep_ms(100);                    /* kernel 0's main loop takes what came */
	uint64_t here = pk.nif->stats.icmp_echo_replies_in, handed = netports_stats()->handed;
	req.arg[1] = 2;
	KEXPECT_EQ(smptest_ask_serving(1, &req, &rep, 5000), 0);   /* kernel 0 hands them on */
	KEXPECT_EQ(rep.arg[0], 2);              /* kernel 1's, through kernel 0 */
	KEXPECT_EQ(pk.nif->stats.icmp_echo_replies_in, here);
	KEXPECT(netports_stats()->handed - handed >= 2);
}

/* Outgoing connections under flow steering (DESIGN.md section 4): with the buckets split
 * between kernels 0 and 1, kernel 1's stack connects to a port of the gateway where nothing
 * listens, eight times. Each answer (a RST) is steered by its hash; kernel 1 picks source
 * ports whose hash is one of its own buckets, so every RST reaches it and every connection is
 * refused at once. Picking ports blindly, about half the RSTs would go to kernel 0. */
KTEST_NEEDS(net_kernel1_connects_out_on_ports_that_steer_to_it, "igb kernels>=2 !net=kernel0")
{
	struct per_kernel pk;
	struct urpc_test rep = { 0 };
	if (!per_kernel_ready(&pk))
		return;
	/* No bucket is kernel 1's yet: it has no port to connect from. */
	struct urpc_test req = { .op = TEST_OP_STACK_CONNECT, .arg = { pk.nif->gateway, 1, 1 } };
	KEXPECT_EQ(smptest_send(1, &req), 0);
	KEXPECT_EQ(smptest_wait_reply(1, req.op, &rep, 15000), -EADDRNOTAVAIL);
	uint8_t kernel_of[IGB_RETA_ENTRIES];
	for (unsigned b = 0; b < IGB_RETA_ENTRIES; b++)
		kernel_of[b] = (uint8_t)(b % 2);
	int err = -EINVAL;
	for (int i = 0; i < 50 && err == -EINVAL; i++) {       /* kernel 1 may still attach */
		err = netsteer_write(kernel_of);
		if (err)
			sched_sleep_ms(100);
	}
	KASSERT(err == 0);
	sched_sleep_ms(100);                    /* kernel 1 hears which buckets are its own */
	req.arg[1] = 8;
	KEXPECT_EQ(smptest_send(1, &req), 0);
	KEXPECT_EQ(smptest_wait_reply(1, req.op, &rep, 15000), 0);
	KEXPECT_EQ(rep.status, 0);
	KEXPECT_EQ(rep.arg[0], 8);              /* refused, each RST steered to kernel 1 */
	KEXPECT_EQ(rep.arg[1], 0);
	memset(kernel_of, 0, sizeof(kernel_of));
	KEXPECT_EQ(netsteer_write(kernel_of), 0);
}

/* The split driver across kernels (DESIGN.md section 3): kernel 1 asks kernel 0, the owner,
 * for igb queue 1 on rings in its own memory (kernel/nicq.h); kernel 0 routes the queue's
 * MSI-X entry to kernel 1's APIC and starts it, and kernel 1 confirms; this test, as the owner's policy, points
 * every RSS bucket at queue 1; kernel 1 pings the gateway from its queue and must see the
 * answer arrive on that queue, announced by an interrupt on its own CPU. The buckets go back
 * to queue 0 after. */

/* Asks kernel 1 to run req while this thread stands in for kernel 0's main loop, serving the
 * queue requests kernel 1 sends meanwhile; kernel 1's answer's status, or -ETIMEDOUT. */
static int ask_kernel1_serving(const struct urpc_test *req, struct urpc_test *rep)
{
	int err = smptest_send(1, req);
	if (err)
		return err;
	err = -ETIMEDOUT;
	uint64_t end = rdtsc() + cpu_info.tsc_hz * 5;
	while (err == -ETIMEDOUT && rdtsc() < end) {
		nicq_serve();
		err = smptest_wait_reply(1, req->op, rep, 20);
	}
	return err;
}

KTEST_NEEDS(nic_igb_queue_driven_by_another_kernel, "igb kernels>=2")
{
	struct igb *g = igb_nic();
	if (!g || kself.ncores < 2) {
		ktest_skip("needs an igb and a second kernel");
		return;
	}
	KASSERT(peer_alive(1));                 /* booted but down: a failure */
	struct nic_under_test t = { &igb_ops, g };
	struct arp_seen seen = { 0 };
	KASSERT(link_comes_up(&t));
	KASSERT(ask_gateway(&t, &seen));        /* the gateway's MAC, for kernel 1's frame */

	struct urpc_test req = { .op = TEST_OP_NICQ_ATTACH, .arg = { 1, VEC_NICQ_TEST } }, rep;
	KASSERT(ask_kernel1_serving(&req, &rep) == 0);

	uint8_t reta[IGB_RETA_ENTRIES];
	memset(reta, 1, sizeof(reta));
	igb_reta_write(g, reta);
	uint64_t mac = 0, gw = 0;
	for (int i = 0; i < 6; i++) {
		mac = mac << 8 | g->mac[i];
		gw = gw << 8 | seen.sha[i];
	}
	req = (struct urpc_test){ .op = TEST_OP_NICQ_PING, .arg = {
		0, 0, mac, gw, (uint64_t)rd32be(guest_ip) << 32 | rd32be(gateway_ip) } };
	int err = smptest_request(1, &req, &rep, 5000);
	memset(reta, 0, sizeof(reta));
	igb_reta_write(g, reta);
	KEXPECT_EQ(err, 0);
	KEXPECT(rep.arg[1] >= 1);               /* frames came in on queue 1 */
	KEXPECT(rep.arg[0] >= 1);               /* and kernel 1 took the interrupt */

	/* Requests the owner refuses before touching the device: queue 0 (its own), a queue
	 * past the 82576's 16, queue 1 again, and rings at address 0, outside kernel 1. */
	static const struct { uint64_t queue; int want; } refused[] = {
		{ 0, -EINVAL }, { IGB_QUEUES, -EINVAL }, { 1, -EBUSY }, { 2, -EFAULT },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(refused); i++) {
		req = (struct urpc_test){ .op = TEST_OP_NICQ_ASK, .arg = { refused[i].queue } };
		KEXPECT_EQ(ask_kernel1_serving(&req, &rep), refused[i].want);
	}
}

/* A queue's rings and buffers go back to the frame allocator whole. Interrupts stay off
 * from count to count, so no other thread of this kernel allocates in between. */
KTEST(nic_igb_queue_memory_is_given_back)
{
	static struct adv_queue q;
	bool irq = irq_save();
	size_t before = pmm_free_frames();
	int err = adv_queue_alloc(&q, &igb_adv, 3);
	size_t during = pmm_free_frames();
	bool filled = q.rx_ring_pa != 0 && q.rx.buf[IGB_RX_DESCS - 1] != NULL;
	if (!err)
		adv_queue_free(&q);
	size_t after = pmm_free_frames();
	irq_restore(irq);
	KASSERT(err == 0);
	KEXPECT(filled);
	/* Each ring in whole frames of its own, two 2 KiB buffers a frame. */
	size_t rings = (sizeof(union adv_rx_desc[IGB_RX_DESCS]) + PAGE_SIZE - 1) / PAGE_SIZE +
		       (sizeof(union adv_tx_desc[IGB_TX_DESCS]) + PAGE_SIZE - 1) / PAGE_SIZE;
	KEXPECT_EQ(before - during, rings + (IGB_RX_DESCS + IGB_TX_DESCS) / 2);
	KEXPECT_EQ(after, before);
	KEXPECT(q.rx_ring_pa == 0 && q.tx_ring_pa == 0 && q.rx.buf[0] == NULL);
}

/* ---- attach error paths (each driver's rings taken down and put up again) ----
 * The device's own rings come down first and go up again at the end, interrupts off
 * throughout, so nothing else on this kernel touches the NIC or takes frames meanwhile (as in
 * nic_igb_queue_memory_is_given_back); the NIC must then answer ARP again. */

/* An attach whose transmit ring cannot be had, after its receive ring was: every frame comes
 * back, and the receiver and transmitter stay off. */
KTEST_NEEDS(nic_e1000_attach_failing_after_its_rings_gives_them_back_receiver_off, "e1000")
{
	struct e1000 *e = e1000_nic();
	if (!e) {
		ktest_skip("no e1000");
		return;
	}
	bool irq = irq_save();
	e1000_rings_down(e);
	size_t before = pmm_free_frames();
	nic_fault_arm(NIC_FAULT_RING_ALLOC, 2);
	int err = e1000_rings_up(e);
	nic_fault_arm(NIC_FAULT_NONE, 0);
	size_t after = pmm_free_frames();
	uint32_t rctl = nic_rd32(e->regs, E1000_RCTL), tctl = nic_rd32(e->regs, E1000_TCTL);
	int again = e1000_rings_up(e);
	irq_restore(irq);
	KEXPECT_EQ(err, -ENOMEM);
	KEXPECT_EQ(after, before);
	KEXPECT(!(rctl & E1000_RCTL_EN));
	KEXPECT(!(tctl & E1000_TCTL_EN));
	KASSERT(again == 0);
	struct nic_under_test t = { &e1000_ops, e };
	struct arp_seen seen = { 0 };
	KEXPECT(ask_gateway(&t, &seen));
}

/* An attach whose queue 0 never reports itself enabled: every frame comes back, and queue 0,
 * the receiver and the transmitter stay off, the queue pointing at no ring. */
KTEST_NEEDS(nic_igb_attach_failing_after_its_rings_gives_them_back_queue_off, "igb")
{
	struct igb *g = igb_nic();
	if (!g) {
		ktest_skip("no igb");
		return;
	}
	bool irq = irq_save();
	int down = igb_rings_down(g);
	size_t before = pmm_free_frames();
	nic_fault_arm(NIC_FAULT_QUEUE_ENABLE, 1);
	int err = igb_rings_up(g);
	nic_fault_arm(NIC_FAULT_NONE, 0);
	size_t after = pmm_free_frames();
	uint32_t ctl = nic_rd32(g->regs, IGB_RCTL) | nic_rd32(g->regs, IGB_TCTL);
	uint32_t qctl = nic_rd32(g->regs, IGB_RXDCTL(0)) | nic_rd32(g->regs, IGB_TXDCTL(0));
	uint32_t base = nic_rd32(g->regs, IGB_RDBAL(0)) | nic_rd32(g->regs, IGB_TDBAL(0));
	int again = igb_rings_up(g);
	irq_restore(irq);
	KEXPECT_EQ(down, 0);
	KEXPECT_EQ(err, -ETIMEDOUT);
	KEXPECT_EQ(after, before);
	KEXPECT(!(ctl & (IGB_RCTL_EN | IGB_TCTL_EN)));
	KEXPECT(!(qctl & IGB_RXDCTL_ENABLE));
	KEXPECT_EQ(base, 0);
	KASSERT(again == 0);
	struct nic_under_test t = { &igb_ops, g };
	struct arp_seen seen = { 0 };
	KEXPECT(ask_gateway(&t, &seen));
}

/* An EEPROM read whose done bit never comes gives up within E1000_EERD_MS, not never: the
 * registers here are plain memory, where EERD keeps what the driver wrote, done clear. On a
 * real e1000 the read works: words 0-2 are the MAC. */
KTEST(nic_e1000_eeprom_read_gives_up_when_done_never_comes)
{
	static struct e1000 fake;
	uint64_t pa;
	KASSERT(pmm_alloc(&pa) == 0);
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	fake.regs = phys_to_virt(pa);
	uint16_t w = 0xBEEF;
	uint64_t start = rdtsc();
	int err = e1000_eeprom_read(&fake, 1, &w);
	uint64_t took = rdtsc() - start;
	pmm_free(pa, 1);
	KEXPECT_EQ(err, -ETIMEDOUT);
	KEXPECT_EQ(w, 0xBEEF);
	KEXPECT(took < cpu_info.tsc_hz / 10);
	struct e1000 *e = e1000_nic();
	if (!e)
		return;
	KEXPECT_EQ(e1000_eeprom_read(e, 0, &w), 0);
	KEXPECT_EQ(w, e->mac[0] | e->mac[1] << 8);
}

/* Reads queue n's state: either enable bit set, and either ring base. */
static void queue_state(const struct igb *g, unsigned n, uint32_t *enables, uint32_t *bases)
{
	*enables = (nic_rd32(g->regs, IGB_RXDCTL(n)) & IGB_RXDCTL_ENABLE) |
		   (nic_rd32(g->regs, IGB_TXDCTL(n)) & IGB_TXDCTL_ENABLE);
	*bases = nic_rd32(g->regs, IGB_RDBAL(n)) | nic_rd32(g->regs, IGB_TDBAL(n));
}

/* QEMU's 82576 has fewer MSI-X entries than queues. The first queue without an entry of its
 * own (igb_queues_routable) is refused by igb_queue_route with nothing changed; started on
 * rings of this test's own (no RSS bucket names it), then stopped as an owner does when the
 * routing fails, it is disabled and points at no ring, so the rings can be freed. A start
 * that fails leaves it the same way. */
KTEST_NEEDS(nic_igb_queue_past_the_msix_table_is_refused_and_left_disabled, "igb")
{
	static struct adv_queue q;
	struct igb *g = igb_nic();
	if (!g) {
		ktest_skip("no igb");
		return;
	}
	unsigned n = igb_queues_routable(g), entries = pci_msix_entries(g->pci);
	KEXPECT_EQ(n, MIN(entries - 1, IGB_QUEUES));
	if (n >= IGB_QUEUES) {
		ktest_skip("every queue has an MSI-X entry");
		return;
	}
	uint32_t ivar = nic_rd32(g->regs, IGB_IVAR(n % 8)), eiac = nic_rd32(g->regs, IGB_EIAC);
	uint32_t on, base;
	KASSERT(adv_queue_alloc(&q, &igb_adv, n) == 0);
	KEXPECT_EQ(igb_queue_start(g, &q), 0);
	queue_state(g, n, &on, &base);
	KEXPECT(on && base);
	KEXPECT_EQ(igb_queue_route(g, n, lapic_id(), VEC_NICQ_TEST, 50), -EINVAL);
	KEXPECT_EQ(nic_rd32(g->regs, IGB_IVAR(n % 8)), ivar);
	KEXPECT_EQ(nic_rd32(g->regs, IGB_EIAC), eiac);
	int stopped = igb_queue_stop(g, n);
	queue_state(g, n, &on, &base);
	KEXPECT_EQ(stopped, 0);
	KEXPECT(!on && !base);
	if (stopped == 0)
		adv_queue_free(&q);

	KASSERT(adv_queue_alloc(&q, &igb_adv, n) == 0);
	nic_fault_arm(NIC_FAULT_QUEUE_ENABLE, 1);
	int started = igb_queue_start(g, &q);
	nic_fault_arm(NIC_FAULT_NONE, 0);
	queue_state(g, n, &on, &base);
	KEXPECT_EQ(started, -ETIMEDOUT);
	KEXPECT(!on && !base);
	if (started != -EBUSY)
		adv_queue_free(&q);
}
