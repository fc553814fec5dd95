/* Kernel 0's network interface on the igb or the e1000, configured from the command line
 * (ip=A.B.C.D/N, gw=A.B.C.D, or ip=dhcp); the NIC's interrupts note work that the idle loop
 * does (netdev_poll). Kernel 0 also starts igb queue pairs for other kernels that ask
 * (netdev_queue_attach), which then drive them alone. */
#include "kernel/netdev.h"
#include "drivers/e1000/e1000.h"
#include "drivers/igb/igb.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "net/dhcp.h"
#include "net/tcp.h"
#include "kernel/time.h"
#include "kernel/socket.h"
#include "kernel/platform.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/mm/vmm.h"
#include "kernel/peer.h"
#include "kernel/shared.h"
#include "kernel/smp.h"
#include "kernel/urpc_msg.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/list.h"
#include "lib/string.h"
#include "lib/toeplitz.h"
#include "lib/util.h"

#define VEC_NIC         0x42    /* e1000 INTx; igb: queue 0 */
#define VEC_NIC_OTHER   0x43    /* igb: link change and the other causes */
#define VEC_NIC_PROBE   0x50    /* 0x50 + n: the probe of GSI 16 + n */
#define PCI_GSI_FIRST   16      /* PCI INTx on the I/O APIC: PIRQ A-H are GSIs 16-23 */
#define PCI_GSI_COUNT   8
#define IGB_THROTTLE_US 50      /* at most 20,000 receive interrupts/s */

/* Work for netdev_poll, noted by the interrupt handlers. */
#define WORK_RX         (1u << 0)
#define WORK_LINK       (1u << 1)

static struct netif nif;
static const struct nic_ops *ops;       /* the driver behind the interface */
static void *nic;
static struct e1000 *e1000;             /* whichever of the two it is */
static struct igb *igb;
static volatile uint32_t work;
static volatile uint64_t interrupts;
static volatile uint64_t link_interrupts;       /* those whose causes held a link change */
static volatile int probe_hit = -1;
static uint32_t nic_gsi;
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
	eth_input(&nif, frame, len, time_uptime_ms());
}

static void e1000_irq(struct trap_frame *f)
{
	(void)f;
	uint32_t icr = e1000_irq_ack(e1000);    /* reading ICR lowers the level-triggered line */
	work |= WORK_RX | ((icr & E1000_ICR_LSC) ? WORK_LINK : 0);
	interrupts++;
	link_interrupts += (icr & E1000_ICR_LSC) != 0;
	lapic_eoi();
}

static void probe_irq(struct trap_frame *f)
{
	probe_hit = (int)(f->vector - VEC_NIC_PROBE);
	e1000_irq_ack(e1000);
	lapic_eoi();
}

/* Finds the GSI the e1000's INTx reaches without reading the ACPI _PRT (AML): every PCI GSI
 * is unmasked onto its own vector, the NIC raises a cause by ICS, and the vector that fires
 * names the pin. Then only that pin stays routed, to the NIC's handler. */
static void e1000_irq_setup(void)
{
	if (!ioapic_init(platform_acpi())) {
		pr_info("net: no I/O APIC: the e1000 is polled\n");
		return;
	}
	uint32_t me = lapic_id();
	pci_intx(e1000->pci, true);
	for (unsigned g = 0; g < PCI_GSI_COUNT; g++) {
		irq_register((uint8_t)(VEC_NIC_PROBE + g), probe_irq);
		ioapic_route(PCI_GSI_FIRST + g, (uint8_t)(VEC_NIC_PROBE + g), me, true, true);
	}
	bool irq = irq_save();
	irq_enable();
	e1000_irq_test(e1000);
	uint64_t until = time_uptime_ns() + 50 * 1000000ull;
	while (probe_hit < 0 && time_uptime_ns() < until)
		cpu_relax();
	irq_restore(irq);
	for (unsigned g = 0; g < PCI_GSI_COUNT; g++)
		ioapic_mask(PCI_GSI_FIRST + g, true);
	e1000_irq_disable(e1000);
	if (probe_hit < 0) {
		pci_intx(e1000->pci, false);
		pr_warn("net: the e1000's interrupt reached no PCI GSI: it is polled\n");
		return;
	}
	nic_gsi = PCI_GSI_FIRST + (uint32_t)probe_hit;
	irq_register(VEC_NIC, e1000_irq);
	ioapic_route(nic_gsi, VEC_NIC, me, true, true);
	e1000_irq_enable(e1000);
	pr_info("net: e1000 interrupts on GSI %u\n", nic_gsi);
}

static void igb_queue_irq(struct trap_frame *f)
{
	(void)f;
	work |= WORK_RX;                /* EIAC cleared the cause as the message went out */
	interrupts++;
	lapic_eoi();
}

static void igb_other_irq(struct trap_frame *f)
{
	(void)f;
	uint32_t icr = igb_irq_other(igb);
	work |= WORK_RX | ((icr & IGB_ICR_LSC) ? WORK_LINK : 0);
	interrupts++;
	link_interrupts += (icr & IGB_ICR_LSC) != 0;
	lapic_eoi();
}

static void igb_irq_setup(void)
{
	irq_register(VEC_NIC, igb_queue_irq);
	irq_register(VEC_NIC_OTHER, igb_other_irq);
	int err = igb_irq_msix(igb, lapic_id(), VEC_NIC, VEC_NIC_OTHER, IGB_THROTTLE_US);
	if (err)
		pr_warn("net: igb MSI-X set-up failed (%d): it is polled\n", err);
	else
		pr_info("net: igb interrupts by MSI-X, vectors %#x and %#x\n", VEC_NIC, VEC_NIC_OTHER);
}

bool netdev_pending(void)
{
	return nic && work;
}

/* url= on the command line: where the host reaches this machine's port 80 (make run's QEMU
 * forward). Printed once the interface has an address. */
static void report_url(void)
{
	char url[96];
	if (cmdline_get(boot_info.cmdline, "url", url, sizeof(url)) >= 0)
		kprintf("net: httpd is at %s on the host (forwarded to port 80 here)\n", url);
}

/* ---- queue pairs driven by other kernels (DESIGN.md section 3) ---- */

/* Owner side: one request at a time, recorded by the handler, served from the main loop
 * (starting a queue waits for the device). */
static struct urpc_nicq_attach attach_req;
static unsigned attach_from;
static bool attach_pending;
static uint32_t queues_attached;        /* bit n: queue n is some kernel's */
static uint8_t queue_of_kernel[MAX_KERNELS];    /* the queue each kernel drives; 0: none */
static bool steer_dirty;                /* kernel 0: the bucket policy's inputs changed */

static void on_nicq_attach(unsigned from, const struct urpc_msg *m)
{
	if (__atomic_load_n(&attach_pending, __ATOMIC_ACQUIRE)) {
		struct urpc_nicq_attached busy = { .status = -EBUSY };
		memcpy(&busy.queue, m->payload + offsetof(struct urpc_nicq_attach, queue), 4);
		peer_send(from, URPC_NICQ_ATTACHED, 0, &busy, sizeof(busy));
		return;
	}
	memcpy(&attach_req, m->payload, sizeof(attach_req));
	attach_from = from;
	__atomic_store_n(&attach_pending, true, __ATOMIC_RELEASE);
}

/* A ring the NIC will write must lie in the asking kernel's own partition: a wrong address
 * would have the device overwrite another kernel's memory. */
static bool ring_in_partition(unsigned core, uint64_t pa, uint64_t len)
{
	const struct kernel_desc *k = &shared_header()->kernels[core];
	return pa >= k->part_base && len <= k->part_size && pa - k->part_base <= k->part_size - len;
}

void netdev_serve_attach(void)
{
	if (!__atomic_exchange_n(&attach_pending, false, __ATOMIC_ACQ_REL))
		return;
	struct urpc_nicq_attach r = attach_req;
	struct urpc_nicq_attached a = { .queue = r.queue };
	const uint64_t rx_len = sizeof(union igb_rx_desc[IGB_RX_DESCS]);
	const uint64_t tx_len = sizeof(union igb_tx_desc[IGB_TX_DESCS]);
	if (!igb)
		a.status = -ENODEV;             /* only the igb has queues to give */
	else if (r.queue == 0 || r.queue >= IGB_QUEUES)
		a.status = -EINVAL;
	else if (queues_attached & (1u << r.queue))
		a.status = -EBUSY;
	else if (!ring_in_partition(attach_from, r.rx_ring_pa, rx_len) ||
		 !ring_in_partition(attach_from, r.tx_ring_pa, tx_len))
		a.status = -EFAULT;
	else {
		struct igb_queue q = { .index = r.queue, .rx_ring_pa = r.rx_ring_pa,
				       .tx_ring_pa = r.tx_ring_pa };
		a.status = igb_queue_start(igb, &q);
		if (!a.status)
			a.status = igb_queue_route(igb, r.queue, r.apic_id, r.vector,
						   IGB_THROTTLE_US);
		if (!a.status) {
			queues_attached |= 1u << r.queue;
			queue_of_kernel[attach_from] = (uint8_t)r.queue;
			steer_dirty = true;
			a.regs_pa = igb->pci->bars[0].addr;
			a.regs_size = igb->pci->bars[0].size;
			pr_info("net: igb queue %u driven by kernel %u\n", r.queue, attach_from);
		}
	}
	peer_send_wait(attach_from, URPC_NICQ_ATTACHED, 0, &a, sizeof(a), 1000);
}

/* Requesting side. */
static struct urpc_nicq_attached attach_reply;
static volatile bool attach_replied;

static void on_nicq_attached(unsigned from, const struct urpc_msg *m)
{
	(void)from;
	memcpy(&attach_reply, m->payload, sizeof(attach_reply));
	attach_replied = true;
}

int netdev_queue_ask(const struct urpc_nicq_attach *r, struct urpc_nicq_attached *a,
		     unsigned timeout_ms)
{
	if (kself.core == 0)
		return -EINVAL;
	PEER_REGISTER_STRUCT(URPC_NICQ_ATTACHED, on_nicq_attached, struct urpc_nicq_attached);
	attach_replied = false;
	int err = peer_send_wait(0, URPC_NICQ_ATTACH, 0, r, sizeof(*r), timeout_ms);
	if (err)
		return err;
	uint64_t deadline = rdtsc() + cpu_info.tsc_hz / 1000 * timeout_ms;
	while (!attach_replied || attach_reply.queue != r->queue) {
		peer_poll();
		if (!peer_alive(0))
			return -EHOSTDOWN;
		if (rdtsc() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
	*a = attach_reply;
	return a->status;
}

int netdev_queue_attach(struct igb_queue *q, unsigned queue, uint8_t vector, unsigned timeout_ms)
{
	if (kself.core == 0 || queue == 0)
		return -EINVAL;
	int err = igb_queue_alloc(q, queue);
	if (err)
		return err;
	struct urpc_nicq_attach r = { .rx_ring_pa = q->rx_ring_pa, .tx_ring_pa = q->tx_ring_pa,
				      .queue = queue, .apic_id = lapic_id(), .vector = vector };
	struct urpc_nicq_attached a;
	if ((err = netdev_queue_ask(&r, &a, timeout_ms))) {
		/* Refused, or no answer: the device was not started on these rings, unless the
		 * answer is merely late; only a refusal gives them back. */
		if (err != -ETIMEDOUT && err != -EHOSTDOWN)
			igb_queue_free(q);
		return err;
	}
	volatile uint8_t *regs = vmm_map_mmio(a.regs_pa, a.regs_size);
	if (!regs)
		return -ENOMEM;
	igb_queue_map(q, regs);
	return 0;
}

/* --- The interface as every kernel knows it (DESIGN.md section 4) ---
 * Kernel 0 tells each other kernel what the interface is, once it is configured and to each
 * kernel that comes up later, and then every address whose MAC its ARP cache learns: ARP
 * frames are not hashed and reach queue 0 only. The other kernels keep the copy in their own
 * nif, for the queue each will drive. */
static bool config_sent[MAX_KERNELS];
static struct urpc_net_config config_shared;   /* kernel 0: as sent; others: as received */
static bool queues_per_kernel;                  /* kernel 0: queues=per-kernel */
static struct igb_queue own_queue;              /* another kernel's queue pair */
static bool own_queue_tried;
static uint64_t bad_shares;

/* What the kernels tell each other here comes from kernel 0 (listening reports go to it), in
 * exactly its structure's size; anything else is counted, named once, and ignored. */
static bool well_formed(bool ok, unsigned from, const char *what)
{
	if (!ok && !bad_shares++)
		pr_warn("net: ignored a malformed %s message from kernel %u\n", what, from);
	return ok;
}

static int send_arp(unsigned k, uint32_t ip, const uint8_t mac[6])
{
	struct urpc_arp_learned a = { .ip = ip };
	memcpy(a.mac, mac, 6);
	return peer_send(k, URPC_ARP_LEARNED, 0, &a, sizeof(a));
}

static int share_with(unsigned k)
{
	int err = peer_send(k, URPC_NET_CONFIG, 0, &config_shared, sizeof(config_shared));
	for (unsigned i = 0; !err && i < ARP_CACHE_SIZE; i++)
		if (nif.arp[i].ip)
			err = send_arp(k, nif.arp[i].ip, nif.arp[i].mac);
	return err;
}

/* Kernel 0, from netdev_poll. A kernel whose ring was full is told all of it again later. */
static void share_config(void)
{
	if (kself.core != 0 || !nic || !nif.ip || (nif.dhcp && !dhcp_bound(&nif)))
		return;
	struct urpc_net_config now = { .ip = nif.ip, .mask = nif.mask, .gateway = nif.gateway };
	memcpy(now.mac, nif.mac, 6);
	if (igb && queues_per_kernel)
		now.queues = (uint8_t)MIN(kself.ncores, IGB_QUEUES);
	if (memcmp(&now, &config_shared, sizeof(now)) != 0) {
		config_shared = now;
		memset(config_sent, 0, sizeof(config_sent));
	}
	for (unsigned k = 1; k < kself.ncores; k++)
		if (!config_sent[k] && peer_alive(k) &&
		    __atomic_load_n(&shared_status(k)->state, __ATOMIC_ACQUIRE) == KSTATE_UP &&
		    share_with(k) == 0)
			config_sent[k] = true;
}

static void arp_learned_here(struct netif *n, uint32_t ip, const uint8_t mac[6])
{
	(void)n;
	for (unsigned k = 1; k < kself.ncores; k++)
		if (config_sent[k] && send_arp(k, ip, mac))
			config_sent[k] = false;
}

static void on_net_config(unsigned from, const struct urpc_msg *m)
{
	struct urpc_net_config c;
	if (!well_formed(from == 0 && URPC_HDR_LEN(m->hdr) == sizeof(c), from, "interface"))
		return;
	memcpy(&c, m->payload, sizeof(c));
	config_shared = c;
	memcpy(nif.mac, c.mac, 6);
	nif.ip = c.ip;
	nif.mask = c.mask;
	nif.gateway = c.gateway;
}

static void on_arp_learned(unsigned from, const struct urpc_msg *m)
{
	struct urpc_arp_learned a = { 0 };
	if (URPC_HDR_LEN(m->hdr) == sizeof(a))
		memcpy(&a, m->payload, sizeof(a));
	if (!well_formed(from == 0 && a.ip, from, "ARP"))
		return;
	arp_learn(&nif, a.ip, a.mac, time_uptime_ms());
}

/* --- Which kernels the RSS buckets go to (kernel 0, with queues=per-kernel) ---
 * A kernel is given flow groups for a port only while it has a local accepter for that port
 * (DESIGN.md section 4). RSS buckets hold every port at once, so another kernel gets buckets
 * only while it listens on every TCP port kernel 0 listens on (and kernel 0 listens on
 * something), and the buckets are spread evenly over kernel 0 and those kernels. Each
 * kernel tells kernel 0 its listening ports when they change (URPC_LISTENING). Buckets move
 * only when that set of kernels changes: connections in a moved bucket are not carried over
 * yet (DESIGN.md's forwarding), which is why the policy waits for listeners, at boot. */
static struct urpc_listening listening[MAX_KERNELS];    /* kernel 0: each kernel's report */
static struct urpc_listening listening_told;            /* others: what kernel 0 last heard */
static bool listening_told_ok;
static uint64_t listening_checked_ms;
static uint8_t kernel_of_bucket[IGB_RETA_ENTRIES];      /* kernel 0: as last written */
static bool buckets_told[MAX_KERNELS];                  /* kernel 0: kernel k knows its own */
/* This kernel's buckets: kernel 0 has them all until it steers, the others none until told. */
static struct urpc_buckets buckets_here;

static struct urpc_buckets buckets_of(unsigned k)
{
	struct urpc_buckets m = { { 0, 0 } };
	for (unsigned b = 0; b < IGB_RETA_ENTRIES; b++)
		if (kernel_of_bucket[b] == k)
			m.mine[b / 64] |= 1ull << (b % 64);
	return m;
}

static void tell_buckets(void)
{
	for (unsigned k = 1; k < kself.ncores; k++) {
		if (buckets_told[k] || !queue_of_kernel[k])
			continue;
		struct urpc_buckets m = buckets_of(k);
		buckets_told[k] = peer_send(k, URPC_BUCKETS, 0, &m, sizeof(m)) == 0;
	}
}

_Static_assert(IGB_RETA_ENTRIES == 128, "netdev.h says 128 buckets");

int netdev_steer(const uint8_t kernel_of[IGB_RETA_ENTRIES])
{
	uint8_t reta[IGB_RETA_ENTRIES];
	if (kself.core != 0 || !igb)
		return -ENODEV;
	for (unsigned b = 0; b < IGB_RETA_ENTRIES; b++) {
		unsigned k = kernel_of[b];
		if (k >= kself.ncores || (k && !queue_of_kernel[k]))
			return -EINVAL;
		reta[b] = queue_of_kernel[k];
	}
	igb_reta_write(igb, reta);
	memcpy(kernel_of_bucket, kernel_of, sizeof(kernel_of_bucket));
	buckets_here = buckets_of(0);
	memset(buckets_told, 0, sizeof(buckets_told));
	tell_buckets();
	return 0;
}

static void on_buckets(unsigned from, const struct urpc_msg *m)
{
	if (!well_formed(from == 0 && URPC_HDR_LEN(m->hdr) == sizeof(buckets_here), from, "bucket"))
		return;
	memcpy(&buckets_here, m->payload, sizeof(buckets_here));
}

/* The NIC hashes a received segment with the source first: the peer's address and port. */
bool netdev_port_ok(const struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport)
{
	(void)st;
	if (!nif.rss_key)
		return true;            /* no RSS: this interface takes every flow */
	uint32_t hash = toeplitz_ipv4_tcp(nif.rss_key, raddr, laddr, rport, lport);
	unsigned b = hash & (IGB_RETA_ENTRIES - 1);
	return buckets_here.mine[b / 64] >> (b % 64) & 1;
}

static bool ports_has(const struct urpc_listening *l, uint16_t port)
{
	for (unsigned i = 0; i < MIN(l->count, URPC_LISTEN_PORTS); i++)
		if (l->port[i] == port)
			return true;
	return false;
}

/* This kernel's listening ports, each once, in the listeners' order. */
static struct urpc_listening listening_here(void)
{
	struct urpc_listening l = { 0 };
	const struct tcp_stack *st = sock_tcp_stack();
	const struct tcp_conn *c;
	if (!st)
		return l;
	list_for_each_entry(c, &st->listeners, hash_node) {
		if (ports_has(&l, c->lport))
			continue;
		if (l.count < URPC_LISTEN_PORTS)
			l.port[l.count] = c->lport;
		l.count++;
	}
	return l;
}

/* Does `has` hold every port of `need`? A list that did not fit covers nothing for sure. */
static bool ports_cover(const struct urpc_listening *has, const struct urpc_listening *need)
{
	if (need->count > URPC_LISTEN_PORTS || has->count > URPC_LISTEN_PORTS)
		return false;
	for (unsigned i = 0; i < need->count; i++)
		if (!ports_has(has, need->port[i]))
			return false;
	return true;
}

static void on_listening(unsigned from, const struct urpc_msg *m)
{
	if (!well_formed(from < MAX_KERNELS && URPC_HDR_LEN(m->hdr) == sizeof(listening[0]), from,
			 "listening"))
		return;
	memcpy(&listening[from], m->payload, sizeof(listening[0]));
	steer_dirty = true;
}

/* Every kernel with a stack, every 100 ms: has its set of listening ports changed? */
static void check_listening(uint64_t now)
{
	if (!sock_tcp_stack() || now - listening_checked_ms < 100)
		return;
	listening_checked_ms = now;
	struct urpc_listening l = listening_here();
	if (kself.core == 0) {
		if (memcmp(&l, &listening[0], sizeof(l)) != 0) {
			listening[0] = l;
			steer_dirty = true;
		}
		return;
	}
	if (listening_told_ok && memcmp(&l, &listening_told, sizeof(l)) == 0)
		return;
	listening_told_ok = peer_send(0, URPC_LISTENING, 0, &l, sizeof(l)) == 0;
	if (listening_told_ok)
		listening_told = l;
}

static void steer(void)
{
	static uint64_t last_ms;
	uint64_t now = time_uptime_ms();
	if (kself.core != 0 || !igb)
		return;
	tell_buckets();                 /* a kernel whose ring was full is told now */
	if (!queues_per_kernel || (!steer_dirty && now - last_ms < 1000))
		return;
	steer_dirty = false;
	last_ms = now;
	unsigned kernels[MAX_KERNELS], n = 0;
	kernels[n++] = 0;
	for (unsigned k = 1; k < kself.ncores && listening[0].count; k++)
		if (queue_of_kernel[k] && peer_alive(k) && ports_cover(&listening[k], &listening[0]))
			kernels[n++] = k;
	static bool spread;             /* the table is this policy's spread */
	if (n == 1 && !spread)
		return;                 /* nothing to give away: the table stays as it is */
	uint8_t kernel_of[IGB_RETA_ENTRIES];
	for (unsigned b = 0; b < IGB_RETA_ENTRIES; b++)
		kernel_of[b] = (uint8_t)kernels[b % n];
	if (memcmp(kernel_of, kernel_of_bucket, sizeof(kernel_of)) == 0)
		return;
	if (netdev_steer(kernel_of))
		return;
	spread = n > 1;
	char list[4 * MAX_KERNELS] = "";
	for (unsigned i = 0, at = 0; i < n && at < sizeof(list) - 4; i++)
		at += (unsigned)snprintf(list + at, sizeof(list) - at, i ? ",%u" : "%u", kernels[i]);
	pr_info("net: RSS buckets spread over kernels %s\n", list);
}

/* Another kernel, offered a queue pair: asks kernel 0 for the one with its own number and
 * makes it this kernel's interface, with a stack of its own over it (DESIGN.md section 3).
 * Which flows reach it is kernel 0's choice, through the RSS redirection table. */
static void attach_own_queue(void)
{
	own_queue_tried = true;
	irq_register(VEC_NIC, igb_queue_irq);
	int err = netdev_queue_attach(&own_queue, kself.core, VEC_NIC, 2000);
	if (err) {
		pr_warn("net: kernel %u could not attach igb queue %u: %d\n", kself.core, kself.core,
			err);
		return;
	}
	memcpy(own_queue.mac, nif.mac, 6);
	ops = &igb_queue_ops;
	nic = &own_queue;
	nif.tx = netdev_tx;
	nif.drv = nic;
	nif.rss_key = ops->rss_key;
	if (!sock_tcp_stack())
		sock_net_init(&nif);
	pr_info("net: kernel %u drives igb queue %u with a stack of its own\n", kself.core,
		kself.core);
}

static bool want_queues_per_kernel(void)
{
	char queues[16];
	return cmdline_get(boot_info.cmdline, "queues", queues, sizeof(queues)) >= 0 &&
	       strcmp(queues, "per-kernel") == 0;
}

/* With queues=per-kernel this kernel's stack exists from boot, so that the programs the boot
 * table starts can listen at once; it sends nothing (-ENETDOWN) until its queue is attached. */
void netdev_ap_init(void)
{
	PEER_REGISTER_STRUCT(URPC_BUCKETS, on_buckets, struct urpc_buckets);
	PEER_REGISTER_STRUCT(URPC_NET_CONFIG, on_net_config, struct urpc_net_config);
	PEER_REGISTER_STRUCT(URPC_ARP_LEARNED, on_arp_learned, struct urpc_arp_learned);
	if (want_queues_per_kernel())
		sock_net_init(&nif);
}

const struct netif *netdev_view(void)
{
	return &nif;
}

int netdev_ping(uint32_t dst, uint16_t seq)
{
	if (!nic)
		return -ENODEV;
	int err = icmp_echo_request(&nif, dst, NETDEV_PING_ID, seq, 56, time_uptime_ms());
	netdev_tx_flush();
	return err;
}

bool netdev_arp(uint32_t ip, uint8_t mac[6])
{
	return nic && arp_resolve(&nif, ip, mac, time_uptime_ms());
}

/* The interface goes on the igb when there is one (the multi-queue NIC), else the e1000. */
void netdev_init(void)
{
	char addr[32];
	PEER_REGISTER_STRUCT(URPC_NICQ_ATTACH, on_nicq_attach, struct urpc_nicq_attach);
	PEER_REGISTER_STRUCT(URPC_LISTENING, on_listening, struct urpc_listening);
	if ((igb = igb_nic())) {
		ops = &igb_ops;
		nic = igb;
		igb_irq_setup();
	} else if ((e1000 = e1000_nic())) {
		ops = &e1000_ops;
		nic = e1000;
		e1000_irq_setup();
	} else {
		return;
	}
	memcpy(nif.mac, ops->mac(nic), 6);
	nif.tx = netdev_tx;
	nif.drv = nic;
	nif.rss_key = ops->rss_key;
	memset(&buckets_here, 0xFF, sizeof(buckets_here));
	nif.arp_learned = arp_learned_here;
	queues_per_kernel = want_queues_per_kernel();
	sock_net_init(&nif);
	if (cmdline_get(boot_info.cmdline, "ip", addr, sizeof(addr)) < 0) {
		pr_info("net: no ip= on the command line; the interface stays unconfigured\n");
		return;
	}
	if (strcmp(addr, "dhcp") == 0) {
		/* The xid only has to differ between clients and boots. */
		uint32_t xid = (uint32_t)rdtsc() ^ ((uint32_t)nif.mac[4] << 24 | (uint32_t)nif.mac[5] << 16);
		if (dhcp_start(&nif, &dhcp, xid, time_uptime_ms()))
			pr_warn("net: DHCP could not start\n");
		return;
	}
	if (net_parse_cidr(addr, &nif.ip, &nif.mask)) {
		pr_warn("net: ip=%s is not an address/prefix; the interface stays unconfigured\n", addr);
		nif.ip = 0;
		return;
	}
	if (cmdline_get(boot_info.cmdline, "gw", addr, sizeof(addr)) >= 0 &&
	    net_parse_cidr(addr, &nif.gateway, NULL))
		pr_warn("net: gw=%s is not an address; no gateway\n", addr);
	unsigned prefix = 0;
	for (uint32_t m = nif.mask; m & 0x80000000u; m <<= 1)
		prefix++;
	pr_info("net: %u.%u.%u.%u/%u on the %s\n", nif.ip >> 24, (nif.ip >> 16) & 255,
		(nif.ip >> 8) & 255, nif.ip & 255, prefix, ops->name);
	arp_announce(&nif);
	report_url();
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

void netdev_poll(void)
{
	netdev_serve_attach();
	if (kself.core != 0 && !own_queue_tried && config_shared.queues > kself.core)
		attach_own_queue();
	if (!nic)
		return;
	bool irq = irq_save();
	uint32_t w = work;
	work = 0;
	irq_restore(irq);
	ops->poll(nic, netdev_rx, NULL, 64);
	if (ops->rx_pending(nic))
		work |= WORK_RX;                /* more than the budget: come back soon */
	uint64_t now = time_uptime_ms();
	if ((w & WORK_LINK) || now - last_stats_ms >= 1000) {
		last_stats_ms = now;
		if (ops->update(nic)) {
			if (ops->link_up(nic))
				pr_info("net: %s link up, %u Mb/s\n", ops->name, ops->link_mbps(nic));
			else
				pr_info("net: %s link down\n", ops->name);
		}
	}
	dhcp_tick(&nif, now);
	sock_net_tick(now);
	if (dhcp_bound(&nif) && !dhcp_reported)
		report_dhcp();
	share_config();
	check_listening(now);
	steer();
	ops->tx_flush(nic);
}

const struct netif *netdev_netif(void)
{
	return nic ? &nif : NULL;
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
	return interrupts;
}

uint64_t netdev_link_interrupts(void)
{
	return link_interrupts;
}
