/* This kernel's network interface (netdev.h). Kernel 0 puts it on the igb, the ixgbe or the
 * e1000, configured from the command line (ip=A.B.C.D/N, gw=A.B.C.D, or ip=dhcp). Every kernel
 * runs a stack of its own (DESIGN.md sections 3-4): each kernel that kernel/nicplan.h seats
 * puts its interface on its own queue pair of the multi-queue NIC, and every other kernel
 * (all but 0 on the e1000)
 * one that kernel 0 steers frames to in software (kernel/swsteer.h), each configured as
 * kernel 0 shares (kernel/netshare.c). net=kernel0 confines the stack to kernel 0. The NIC's
 * interrupts note work that the idle loop does (netdev_poll). */
#include "kernel/netdev.h"
#include "drivers/e1000/e1000.h"
#include "drivers/igb/igb.h"
#include "drivers/ixgbe/ixgbe.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/netirq.h"
#include "kernel/netmove.h"
#include "kernel/netports.h"
#include "kernel/netshare.h"
#include "kernel/netsteer.h"
#include "kernel/nicplan.h"
#include "kernel/nicq.h"
#include "kernel/smp.h"
#include "kernel/swsteer.h"
#include "kernel/urpc/peer.h"
#include "net/socket.h"
#include "kernel/time.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"
#include "net/dhcp.h"

static struct netif nif;
static const struct nic_ops *ops;       /* the driver behind the interface */
static void *nic;                       /* its device, or this kernel's queue */
static struct nic_ctl ctl;              /* kernel 0: the multi-queue NIC's control part */
static bool stack_per_kernel;           /* not net=kernel0 */
static unsigned msix_entries;           /* kernel 0: the multi-queue NIC's MSI-X table size */
static struct adv_queue own_queue;      /* another kernel's queue pair */
static bool own_queue_tried;
/* Kernel 0: it steers frames to kernels without a queue in software; another kernel: its
 * interface gets and sends frames that way (kernel/swsteer.h). */
static bool soft_steering;
static bool soft_planned;               /* kernel 0 */
static uint64_t last_stats_ms;
static struct dhcp_client dhcp;
static bool dhcp_reported;

/* The stack's frames wait for netdev_tx_flush, which comes at the end of every poll and
 * system call and at each tick (NIC_TX_BATCH at most wait in between). */
static int netdev_tx(void *drv, const uint8_t *frame, size_t len)
{
	return ops->send(drv, frame, len, true);
}

void netdev_tx_flush(void)
{
	if (nic)
		ops->tx_flush(nic);
}

static void netdev_rx(void *arg, const uint8_t *frame, size_t len, const struct nic_rx_info *info)
{
	(void)arg;
	nif.rx_hash = info->rss_hash;
	nif.rx_hashed = info->rss_tcp4;
	if (soft_steering && swsteer_divert(&nif, frame, len))
		return;                 /* another kernel's bucket */
	eth_input(&nif, frame, len, time_uptime_ms());
}

bool netdev_pending(void)
{
	return (nic && netirq_pending()) || swsteer_pending();
}

/* The NIC hashes a received segment with the source first: the peer's address and port. On
 * a NIC that steers TCP by Flow Director groups the bucket is the peer's port's
 * (netsteer_tcp_bucket), whatever lport is: an outgoing connection reaches this kernel only
 * if the server's port falls in one of its buckets (docs/HARDWARE.md). A bucket on its way
 * here (this kernel forwards its strays, kernel/netmove.h) counts as here already: the table
 * may send its SYNs here before this kernel hears it owns it. */
unsigned netdev_tcp_bucket(const struct tcp_stack *st, uint32_t laddr, uint16_t lport,
			   uint32_t raddr, uint16_t rport)
{
	const uint8_t *key = nif.rss_key ? nif.rss_key : rss_key_symmetric;
	(void)st;
	uint32_t hash = netsteer_by_group() ? 0 : toeplitz_ipv4_tcp(key, raddr, laddr, rport, lport);
	return netsteer_tcp_bucket(hash, rport);
}

bool netdev_port_ok(const struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport)
{
	if (!nif.rss_key)
		return true;            /* no RSS: this interface takes every flow */
	unsigned b = netdev_tcp_bucket(st, laddr, lport, raddr, rport);
	return netsteer_bucket_mine(b) || move_fwd_to(netmove_local(), b) >= 0;
}

/* url= on the command line: where the host reaches this machine's port 80 (make run's QEMU
 * forward). Printed once the interface has an address. */
static void report_url(void)
{
	char url[96];
	if (cmdline_get(boot_info.cmdline, "url", url, sizeof(url)) >= 0)
		kprintf("net: httpd is at %s on the host (forwarded to port 80 here)\n", url);
}

/* Every kernel runs a stack unless net=kernel0 (for comparisons and debugging); any other
 * value of net= is refused with a warning, and the default holds. */
static bool want_stack_per_kernel(void)
{
	char net[16];
	if (cmdline_get(boot_info.cmdline, "net", net, sizeof(net)) < 0 ||
	    strcmp(net, "per-kernel") == 0)
		return true;
	if (strcmp(net, "kernel0") == 0)
		return false;
	if (kself.core == 0)
		pr_warn("net: net=%s is neither per-kernel nor kernel0; every kernel runs a stack\n",
			net);
	return true;
}

/* Another kernel, seated by kernel 0's offer: asks for its queue pair and makes it this
 * kernel's interface, under the stack that exists since boot (DESIGN.md section 3), with the
 * queue ops of the driver kernel 0's answer named. Which flows reach it is kernel 0's choice,
 * through the RSS redirection table (and the Flow Director groups). */
static void attach_own_queue(void)
{
	struct nic_seat seat;
	own_queue_tried = true;
	if (!nic_plan_seat(kself.core, netshare_queues_offered(), &seat))
		return;
	netirq_queue_setup(seat.vector);
	int err = nicq_attach(&own_queue, seat.queue, seat.vector);
	if (err) {
		pr_warn("net: kernel %u could not attach NIC queue %u: %d\n", kself.core,
			seat.queue, err);
		return;
	}
	memcpy(own_queue.mac, nif.mac, 6);
	ops = nicq_queue_ops(&own_queue);
	nic = &own_queue;
	nif.tx = netdev_tx;
	nif.drv = nic;
	nif.rss_key = ops->rss_key;
	if (!sock_tcp_stack())
		sock_net_init(&nif);
	pr_info("net: kernel %u drives %s %u with a stack of its own\n", kself.core, ops->name,
		seat.queue);
}

/* Another kernel that kernel 0 serves by software steering: its interface sends through
 * kernel 0 and hears the frames of its buckets from it (DESIGN.md section 4). */
static void attach_soft(void)
{
	soft_steering = true;
	nif.tx = swsteer_tx;
	nif.drv = NULL;
	nif.rss_key = rss_key_symmetric;
	pr_info("net: kernel %u has a stack of its own, steered in software by kernel 0\n",
		kself.core);
}

/* Unless net=kernel0, this kernel's stack exists from boot, so that the programs the boot
 * table starts can listen at once; it sends nothing (-ENETDOWN) until its queue is attached. */
void netdev_ap_init(void)
{
	nicq_init(NULL);
	netsteer_ap_init();
	netshare_init(&nif);
	netports_init(&nif);
	swsteer_init(&nif);
	netmove_init();
	if (want_stack_per_kernel())
		sock_net_init(&nif);
}

bool netdev_stack_per_kernel(void)
{
	return want_stack_per_kernel();
}

const struct netif *netdev_view(void)
{
	return &nif;
}

int netdev_ping(uint32_t dst, uint16_t seq)
{
	if (!netdev_netif())
		return -ENODEV;
	int err = icmp_echo_request(&nif, dst, (uint16_t)(NETDEV_PING_ID + kself.core), seq, 56,
				    time_uptime_ms());
	netdev_tx_flush();
	return err;
}

bool netdev_arp(uint32_t ip, uint8_t mac[6])
{
	return netdev_netif() && arp_resolve(&nif, ip, mac, time_uptime_ms());
}

/* The NIC behind kernel 0's interface: a multi-queue NIC when there is one, the igb first
 * (QEMU's) and else an 82599, each with its control part for the other kernels' queues
 * and its interrupts by MSI-X; else the e1000; false if none. */
static bool pick_nic(void)
{
	struct e1000 *e;
	struct igb *g;
	struct ixgbe *x;
	if ((g = igb_nic())) {
		ops = &igb_ops;
		nic = g;
		ctl = (struct nic_ctl){ &igb_ctl_ops, g, g->pci };
	} else if ((x = ixgbe_nic())) {
		ops = &ixgbe_ops;
		nic = x;
		ctl = (struct nic_ctl){ &ixgbe_ctl_ops, x, x->pci };
	} else if ((e = e1000_nic())) {
		ops = &e1000_ops;
		nic = e;
		netirq_e1000_setup(e);
	}
	if (ctl.ops) {
		netirq_msix_setup(&ctl);
		msix_entries = pci_msix_entries(ctl.pci);
	}
	return nic != NULL;
}

/* ip=dhcp: the lease comes later (netdev_poll reports it). */
static void start_dhcp(void)
{
	/* The xid only has to differ between clients and boots. */
	uint32_t xid = (uint32_t)rdtsc() ^ ((uint32_t)nif.mac[4] << 24 | (uint32_t)nif.mac[5] << 16);
	if (dhcp_start(&nif, &dhcp, xid, time_uptime_ms()))
		pr_warn("net: DHCP could not start\n");
}

/* ip=A.B.C.D/N and gw=A.B.C.D; false if the address does not parse. */
static bool configure_static(const char *addr)
{
	char gw[32];
	if (net_parse_cidr(addr, &nif.ip, &nif.mask)) {
		pr_warn("net: ip=%s is not an address/prefix; the interface stays unconfigured\n", addr);
		nif.ip = 0;
		return false;
	}
	if (cmdline_get(boot_info.cmdline, "gw", gw, sizeof(gw)) >= 0 &&
	    net_parse_cidr(gw, &nif.gateway, NULL))
		pr_warn("net: gw=%s is not an address; no gateway\n", gw);
	unsigned prefix = 0;
	for (uint32_t m = nif.mask; m & 0x80000000u; m <<= 1)
		prefix++;
	pr_info("net: %u.%u.%u.%u/%u on the %s\n", nif.ip >> 24, (nif.ip >> 16) & 255,
		(nif.ip >> 8) & 255, nif.ip & 255, prefix, ops->name);
	return true;
}

void netdev_init(void)
{
	char addr[32];
	stack_per_kernel = want_stack_per_kernel();
	bool found = pick_nic();
	nicq_init(ctl.ops ? &ctl : NULL);
	netsteer_init(ctl.ops ? &ctl : NULL, stack_per_kernel);
	netshare_init(&nif);
	netports_init(&nif);
	swsteer_init(&nif);
	netmove_init();
	if (!found)
		return;
	memcpy(nif.mac, ops->mac(nic), 6);
	nif.tx = netdev_tx;
	nif.drv = nic;
	nif.rss_key = ops->rss_key;
	sock_net_init(&nif);
	if (cmdline_get(boot_info.cmdline, "ip", addr, sizeof(addr)) < 0) {
		pr_info("net: no ip= on the command line; the interface stays unconfigured\n");
	} else if (strcmp(addr, "dhcp") == 0) {
		start_dhcp();
	} else if (configure_static(addr)) {
		arp_announce(&nif);
		report_url();
	}
}

static void report_dhcp(void)
{
	uint32_t g = nif.gateway;
	dhcp_reported = true;
	arp_announce(&nif);
	pr_info("net: DHCP lease of %u s: %u.%u.%u.%u/%u, gateway %u.%u.%u.%u\n", dhcp.lease_s,
		nif.ip >> 24, (nif.ip >> 16) & 255, (nif.ip >> 8) & 255, nif.ip & 255,
		32 - (unsigned)__builtin_ctz(nif.mask ? nif.mask : 1), g >> 24, (g >> 16) & 255,
		(g >> 8) & 255, g & 255);
	report_url();
}

/* The link state when an interrupt says it changed, and the counters once a second. */
static void update_link(uint32_t work, uint64_t now)
{
	if (!(work & NETIRQ_LINK) && now - last_stats_ms < 1000)
		return;
	last_stats_ms = now;
	if (!ops->update(nic))
		return;
	if (ops->link_up(nic))
		pr_info("net: %s link up, %u Mb/s\n", ops->name, ops->link_mbps(nic));
	else
		pr_info("net: %s link down\n", ops->name);
}

/* Kernel 0: how many kernels get a queue pair of their own (the cores are counted after
 * netdev_init, when the other kernels start). */
static unsigned queues_offered(void)
{
	if (!stack_per_kernel)
		return 0;
	return ctl.ops ? nic_plan_queues(kself.ncores, ctl.ops->adv->queues, msix_entries) : 1;
}

/* Kernel 0, once the kernels are counted: unless net=kernel0, those the NIC gives no
 * queue (all but 0 on the e1000, those past the NIC's MSI-X seats) are steered in software,
 * by the rule the NIC steers by: the same symmetric hash (DESIGN.md sections 3-4), or on an
 * 82599 the Flow Director group for TCP (netsteer_tcp_bucket). */
static void plan_soft_steering(void)
{
	soft_planned = true;
	unsigned seated = queues_offered();
	if (!seated || seated >= kself.ncores)
		return;
	soft_steering = true;
	nif.rss_key = rss_key_symmetric;
	netsteer_soft_from(seated);
	swsteer_enable(ops, nic, seated);
	pr_info("net: kernels %u-%u are steered in software\n", seated, kself.ncores - 1);
}

/* Another kernel steered in software: no NIC to poll, only what kernel 0 hands over. */
static void poll_soft(void)
{
	uint64_t now = time_uptime_ms();
	swsteer_poll(now);
	sock_net_tick(now);
	netshare_poll(false, 0, false);
	netports_poll(now);
	netmove_poll(now);
}

void netdev_poll(void)
{
	nicq_serve();
	if (kself.core != 0 && !own_queue_tried && netshare_queues_offered() > kself.core)
		attach_own_queue();
	if (kself.core != 0 && !soft_steering && !nic && sock_tcp_stack() &&
	    netshare_soft_steered())
		attach_soft();
	if (!nic) {
		if (soft_steering)
			poll_soft();
		return;
	}
	if (kself.core == 0 && !soft_planned && peer_ready())
		plan_soft_steering();
	uint32_t work = netirq_take();
	ops->poll(nic, netdev_rx, NULL, 64);
	if (ops->rx_pending(nic))
		netirq_note(NETIRQ_RX);         /* more than the budget: come back soon */
	uint64_t now = time_uptime_ms();
	update_link(work, now);
	dhcp_tick(&nif, now);
	sock_net_tick(now);
	if (dhcp_bound(&nif) && !dhcp_reported)
		report_dhcp();
	netports_poll(now);
	netshare_poll(nif.ip && (!nif.dhcp || dhcp_bound(&nif)), queues_offered(),
		      soft_steering);
	netsteer_poll(now);
	swsteer_poll(now);
	netmove_poll(now);
	ops->tx_flush(nic);
}

const struct netif *netdev_netif(void)
{
	return nic || soft_steering ? &nif : NULL;
}

bool netdev_nic_state(const struct nic_stats **stats, bool *link_up, unsigned *link_mbps)
{
	if (!nic)
		return false;
	*stats = ops->stats(nic);
	*link_up = ops->link_up(nic);
	*link_mbps = ops->link_mbps(nic);
	return true;
}

const struct nic_ops *netdev_driver(void **dev)
{
	*dev = nic;
	return nic ? ops : NULL;
}

uint64_t netdev_interrupts(void)
{
	return netirq_count();
}

uint64_t netdev_link_interrupts(void)
{
	return netirq_link_count();
}
