/* igb (82576) control part, in the kernel that owns the device: attach (reset, MAC, PHY and
 * link), queue start, MSI-X routing, RSS, statistics, and the owner's interface (igb_ops).
 * The registers are in igb_hw.h; a queue pair's data path, start and stop are
 * drivers/nic/adv_queue.c's, over igb_adv. */
#include "drivers/igb/igb.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/console.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"

static uint32_t rd(const struct igb *e, uint32_t reg) { return nic_rd32(e->regs, reg); }
static void wr(const struct igb *e, uint32_t reg, uint32_t v) { nic_wr32(e->regs, reg, v); }

static void igb_reset(struct igb *e)
{
	wr(e, IGB_IMC, 0xFFFFFFFF);
	wr(e, IGB_EIMC, 0xFFFFFFFF);
	wr(e, IGB_CTRL, rd(e, IGB_CTRL) | IGB_CTRL_RST);
	pit_wait_ms(1);
	nic_wait_bit(e->regs, IGB_CTRL, IGB_CTRL_RST, false, 100);
	wr(e, IGB_IMC, 0xFFFFFFFF);
	wr(e, IGB_EIMC, 0xFFFFFFFF);
	rd(e, IGB_ICR);
	rd(e, IGB_EICR);
}

static int phy_write(struct igb *e, uint32_t reg, uint16_t v)
{
	wr(e, IGB_MDIC, IGB_MDIC_DATA(v) | IGB_MDIC_REG(reg) | IGB_MDIC_PHY(IGB_PHY_ADDR) |
	   IGB_MDIC_OP_WRITE);
	if (!nic_wait_bit(e->regs, IGB_MDIC, IGB_MDIC_READY, true, 10))
		return -ETIMEDOUT;
	return (rd(e, IGB_MDIC) & IGB_MDIC_ERROR) ? -EIO : 0;
}

/* The datasheet's receive and transmit initialization and queue disable steps (7.1.2,
 * 7.2.1) are the 82599's too: drivers/nic/adv_queue.c. */
int igb_queue_start(struct igb *e, const struct adv_queue *q)
{
	return adv_queue_start(e->regs, &igb_adv, q);
}

int igb_queue_stop(struct igb *e, unsigned queue)
{
	return adv_queue_stop(e->regs, &igb_adv, queue);
}

/* RSS: the NIC hashes each TCP/IPv4 frame's 4-tuple (other IPv4 on its addresses) with
 * rss_key_symmetric and writes the hash into the receive descriptor. Every redirection entry
 * names queue 0 until kernel 0's steering writes the table (kernel/netsteer.c), which gives
 * each kernel with a queue its buckets; the kernels check the hashes. */
static void igb_rss_setup(struct igb *e)
{
	for (uint32_t i = 0; i < RSS_KEY_LEN / 4; i++)       /* key byte 0 is RSSRK0's low byte */
		wr(e, IGB_RSSRK(i), rd32le(rss_key_symmetric + 4 * i));
	static const uint8_t all_to_queue0[IGB_RETA_ENTRIES];
	igb_reta_write(e, all_to_queue0);
	wr(e, IGB_MRQC, IGB_MRQC_RSS | IGB_MRQC_TCPIPV4 | IGB_MRQC_IPV4);
}

void igb_reta_write(struct igb *e, const uint8_t queue_of[IGB_RETA_ENTRIES])
{
	for (uint32_t i = 0; i < IGB_RETA_ENTRIES / 4; i++)  /* entry 4i is RETA(i)'s low byte */
		wr(e, IGB_RETA(i), rd32le(queue_of + 4 * i));
}

/* The receiver and transmitter are enabled last, after the one step that can fail: a
 * failure leaves them as the reset left them, off. */
int igb_rings_up(struct igb *e)
{
	int err = adv_queue0_up(&e->adv.q0, &igb_adv, e->regs, e->mac);
	if (err)
		return err;
	wr(e, IGB_RCTL, IGB_RCTL_EN | IGB_RCTL_BAM | IGB_RCTL_SECRC);
	wr(e, IGB_TCTL, IGB_TCTL_EN | IGB_TCTL_PSP | IGB_TCTL_CT(0xF) | IGB_TCTL_COLD(0x40));
	return 0;
}

/* Queue 0 stops before the receiver and transmitter go off: the datasheet disables the
 * receive path only once its queues are disabled. */
int igb_rings_down(struct igb *e)
{
	int err = igb_queue_stop(e, 0);
	wr(e, IGB_RCTL, 0);
	wr(e, IGB_TCTL, 0);
	if (err)
		return err;
	adv_queue_free(&e->adv.q0);
	return 0;
}

static int igb_attach(void *dev, const struct pci_dev *pci)
{
	struct igb *e = dev;
	int err;
	memset(e, 0, sizeof(*e));
	e->pci = pci;
	if (!(e->regs = nic_enable(pci)))
		return -ENODEV;
	igb_reset(e);
	if ((err = nic_read_mac(e->regs, IGB_RAL0, IGB_RAH0, e->mac))) {
		pr_err("igb: no MAC address in receive address 0\n");
		return err;
	}
	for (uint32_t i = 0; i < 128; i++)
		wr(e, IGB_MTA(i), 0);
	wr(e, IGB_RXCSUM, IGB_RXCSUM_PCSD);     /* the stack checks checksums itself */
	igb_rss_setup(e);
	/* The reset took the link down; the PHY negotiates it again (the link comes up some
	 * time later, with a link status change interrupt). */
	wr(e, IGB_CTRL, rd(e, IGB_CTRL) | IGB_CTRL_SLU);
	if ((err = phy_write(e, MII_BMCR, MII_BMCR_AN_ENABLE | MII_BMCR_AN_RESTART |
			     MII_BMCR_FULL_DUPLEX | MII_BMCR_SPEED1000)))
		pr_warn("igb: PHY write failed (%d); the link may stay down\n", err);
	if ((err = igb_rings_up(e)))
		return err;
	pr_info("igb: " NIC_MAC_FMT ", %u queue pairs, link negotiating\n", NIC_MAC_ARGS(e->mac),
		IGB_QUEUES);
	return 0;
}

static struct igb nic0_dev, *nic0;      /* nic0: nic0_dev once attached, else NULL */

void igb_init(void)
{
	nic0 = nic_probe("igb", (const uint16_t[]){ 0x10C9, 0 }, igb_attach, &nic0_dev);
}

struct igb *igb_nic(void) { return nic0; }

/* ---- interrupts ---- */

int igb_irq_msix(struct igb *e, uint32_t apic_id, uint8_t vec_queue, uint8_t vec_other,
		 unsigned throttle_us)
{
	int err = adv_msix_own(e->pci, apic_id, vec_queue, vec_other);
	if (err)
		return err;
	wr(e, IGB_GPIE, IGB_GPIE_NSICR | IGB_GPIE_MSIX_MODE | IGB_GPIE_EIAME | IGB_GPIE_PBA);
	/* Queue 0's receive cause to entry 0; no transmit interrupts (send reclaims). */
	wr(e, IGB_IVAR(0), IGB_IVAR_VALID | 0);
	wr(e, IGB_IVAR_MISC, (IGB_IVAR_VALID | 1) << 8);
	wr(e, IGB_EITR(0), IGB_EITR_US(throttle_us));
	wr(e, IGB_EITR(1), 0);
	wr(e, IGB_EIAC, (1u << 0) | (1u << 1));
	wr(e, IGB_EIMS, (1u << 0) | (1u << 1));
	wr(e, IGB_IMS, IGB_ICR_LSC | IGB_ICR_RXO);
	return 0;
}

/* In MSI-X mode the queues' causes are EICR's, and every cause of ICR is an "other cause",
 * which IVAR_MISC sends to entry 1 (82576 datasheet 7.3, 8.8): the link change, and the
 * receive overrun (RXO), which the device raises for any queue (ICR is one register for
 * the whole device). GPIE.NSICR makes the read clear them all. */
uint32_t igb_irq_other(struct igb *e)
{
	uint32_t icr = rd(e, IGB_ICR);
	e->adv.hw.rx_overruns += (icr & IGB_ICR_RXO) != 0;
	return icr;
}

void igb_irq_test_overrun(struct igb *e)
{
	wr(e, IGB_ICS, IGB_ICR_RXO);
}

unsigned igb_queues_routable(const struct igb *e)
{
	return adv_queues_routable(e->pci, &igb_adv);
}

int igb_queue_route(struct igb *e, unsigned queue, uint32_t apic_id, uint8_t vector,
		    unsigned throttle_us)
{
	int entry = adv_msix_queue(e->pci, &igb_adv, queue, apic_id, vector);
	if (entry < 0)
		return entry;
	/* IVAR(n): byte 0 is RX queue n's entry, byte 2 RX queue n + 8's. */
	unsigned shift = queue < 8 ? 0 : 16;
	uint32_t ivar = rd(e, IGB_IVAR(queue % 8)) & ~(0xFFu << shift);
	wr(e, IGB_IVAR(queue % 8), ivar | (IGB_IVAR_VALID | entry) << shift);
	wr(e, IGB_EITR(entry), IGB_EITR_US(throttle_us));
	wr(e, IGB_EIAC, rd(e, IGB_EIAC) | 1u << entry);
	wr(e, IGB_EIMS, 1u << entry);
	return 0;
}

/* ---- the network interface's view (struct nic_ops) ---- */

/* The link speed STATUS reports, 0 while the link is down. */
static unsigned igb_status_mbps(uint32_t status)
{
	static const unsigned mbps[4] = { 10, 100, 1000, 1000 };
	return status & IGB_STATUS_LU ? mbps[IGB_STATUS_SPEED(status)] : 0;
}

ADV_QUEUE_REGS_CHECK(IGB_, IGB_QUEUES);

const struct adv_nic igb_adv = {
	.queues = IGB_QUEUES,
	.regs = ADV_QUEUE_REGS(IGB_),
	.srrctl = IGB_SRRCTL_BSIZEPKT_KB(NIC_BUF_SIZE / 1024) | IGB_SRRCTL_DESC_ADV_ONEBUF |
		  IGB_SRRCTL_DROP_EN,
	.rx_err_mask = IGB_RXD_ERR_RXE,
	.link_reg = IGB_STATUS, .link_up = IGB_STATUS_LU, .link_mbps = igb_status_mbps,
	.eics = IGB_EICS,
	/* The link-change cause, which IVAR_MISC (igb_irq_msix) sends to the other-causes
	 * entry: a cause nothing else raises while the link stays up. */
	.lsc_set = IGB_ICS, .lsc = IGB_ICR_LSC,
	.stats = { IGB_GPRC, IGB_GPTC, IGB_MPC, IGB_CRCERRS },
};

_Static_assert(offsetof(struct igb, adv) == 0, "igb_ops's device is its struct adv_dev");
const struct nic_ops igb_ops = ADV_DEV_OPS("igb");
const struct nic_ops igb_queue_ops = ADV_QUEUE_OPS("igb queue");

/* ---- the control part as kernel 0 runs it for any multi-queue NIC (drivers/nic.h) ---- */

static int ctl_irq_own(void *e, uint32_t apic_id, uint8_t vec_queue, uint8_t vec_other,
		       unsigned throttle_us)
{
	return igb_irq_msix(e, apic_id, vec_queue, vec_other, throttle_us);
}

static bool ctl_irq_other(void *e) { return igb_irq_other(e) & IGB_ICR_LSC; }

static int ctl_queue_route(void *e, unsigned queue, uint32_t apic_id, uint8_t vector,
			   unsigned throttle_us)
{
	return igb_queue_route(e, queue, apic_id, vector, throttle_us);
}

static int ctl_queue_start(void *e, unsigned queue, uint64_t rx_ring_pa, uint64_t tx_ring_pa)
{
	return adv_queue_start_rings(((struct igb *)e)->regs, &igb_adv, queue, rx_ring_pa, tx_ring_pa);
}

static int ctl_queue_stop(void *e, unsigned queue) { return igb_queue_stop(e, queue); }

static int ctl_steer_write(void *e, const uint8_t queue_of[NIC_BUCKETS])
{
	for (unsigned b = 0; b < NIC_BUCKETS; b++)
		if (queue_of[b] >= IGB_QUEUES)
			return -EINVAL;
	igb_reta_write(e, queue_of);
	return 0;
}

_Static_assert(IGB_RETA_ENTRIES == NIC_BUCKETS && IGB_QUEUES <= NIC_QUEUES_MAX,
	       "the 82576's table and queues fit the control interface");

/* No Flow Director on the 82576: RSS alone steers. */
const struct nic_ctl_ops igb_ctl_ops = {
	.kind = NIC_KIND_IGB, .name = "igb", .adv = &igb_adv, .queue_ops = &igb_queue_ops,
	.irq_own = ctl_irq_own, .irq_other = ctl_irq_other,
	.queue_route = ctl_queue_route,
	.queue_start = ctl_queue_start, .queue_stop = ctl_queue_stop,
	.steer_write = ctl_steer_write, .group_write = NULL,
};
