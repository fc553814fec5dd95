/* igb (82576) driver: the control part (attach, link, queue set-up, MSI-X) and the data path
 * of a queue pair, with advanced descriptors. The register and descriptor layouts are in
 * igb_hw.h. */
#include "drivers/igb/igb.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/console.h"
#include "kernel/mm/layout.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/ring.h"
#include "lib/string.h"
#include "lib/toeplitz.h"

_Static_assert(IGB_RX_DESCS % 8 == 0 && RING_IS_POW2(IGB_RX_DESCS), "RX ring size");
_Static_assert(IGB_TX_DESCS % 8 == 0 && RING_IS_POW2(IGB_TX_DESCS), "TX ring size");

static uint32_t rd(const struct igb *e, uint32_t reg) { return nic_rd32(e->regs, reg); }
static void wr(const struct igb *e, uint32_t reg, uint32_t v) { nic_wr32(e->regs, reg, v); }

/* Waits up to ms milliseconds for (reg & bit) == want. */
static bool wait_bit(const struct igb *e, uint32_t reg, uint32_t bit, bool want, unsigned ms)
{
	for (unsigned i = 0; i <= ms; i++) {
		if (((rd(e, reg) & bit) != 0) == want)
			return true;
		pit_wait_ms(1);
	}
	return false;
}

static void igb_reset(struct igb *e)
{
	wr(e, IGB_IMC, 0xFFFFFFFF);
	wr(e, IGB_EIMC, 0xFFFFFFFF);
	wr(e, IGB_CTRL, rd(e, IGB_CTRL) | IGB_CTRL_RST);
	pit_wait_ms(1);
	wait_bit(e, IGB_CTRL, IGB_CTRL_RST, false, 100);
	wr(e, IGB_IMC, 0xFFFFFFFF);
	wr(e, IGB_EIMC, 0xFFFFFFFF);
	rd(e, IGB_ICR);
	rd(e, IGB_EICR);
}

static int phy_write(struct igb *e, uint32_t reg, uint16_t v)
{
	wr(e, IGB_MDIC, IGB_MDIC_DATA(v) | IGB_MDIC_REG(reg) | IGB_MDIC_PHY(IGB_PHY_ADDR) |
	   IGB_MDIC_OP_WRITE);
	if (!wait_bit(e, IGB_MDIC, IGB_MDIC_READY, true, 10))
		return -ETIMEDOUT;
	return (rd(e, IGB_MDIC) & IGB_MDIC_ERROR) ? -EIO : 0;
}

/* The MAC the NVM loaded into receive address 0 at reset. */
static int igb_read_mac(struct igb *e)
{
	uint32_t lo = rd(e, IGB_RAL0), hi = rd(e, IGB_RAH0);
	if (!(hi & IGB_RAH_AV) || (lo == 0 && (hi & 0xFFFF) == 0))
		return -ENODEV;
	for (int i = 0; i < 4; i++)
		e->mac[i] = (uint8_t)(lo >> (8 * i));
	e->mac[4] = (uint8_t)hi;
	e->mac[5] = (uint8_t)(hi >> 8);
	return 0;
}

int igb_queue_alloc(struct igb_queue *q, unsigned index)
{
	int err;
	if (index >= IGB_QUEUES)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->index = index;
	if ((err = nic_alloc_ring(&q->rx_ring_pa, q->rx_buf, IGB_RX_DESCS)))
		return err;
	if ((err = nic_alloc_ring(&q->tx_ring_pa, q->tx_buf, IGB_TX_DESCS))) {
		nic_free_ring(&q->rx_ring_pa, q->rx_buf, IGB_RX_DESCS);
		return err;
	}
	q->rx = phys_to_virt(q->rx_ring_pa);
	q->tx = phys_to_virt(q->tx_ring_pa);
	for (unsigned i = 0; i < IGB_RX_DESCS; i++)
		q->rx[i].read.pkt_addr = virt_to_phys(q->rx_buf[i]);
	return 0;
}

void igb_queue_free(struct igb_queue *q)
{
	nic_free_ring(&q->rx_ring_pa, q->rx_buf, IGB_RX_DESCS);
	nic_free_ring(&q->tx_ring_pa, q->tx_buf, IGB_TX_DESCS);
	q->rx = NULL;
	q->tx = NULL;
}

/* The order of the datasheet's receive and transmit initialization: ring registers, then the
 * queue enable bit (read back until set), then the tails. */
int igb_queue_start(struct igb *e, struct igb_queue *q)
{
	unsigned n = q->index;
	wr(e, IGB_RDBAL(n), (uint32_t)q->rx_ring_pa);
	wr(e, IGB_RDBAH(n), (uint32_t)(q->rx_ring_pa >> 32));
	wr(e, IGB_RDLEN(n), IGB_RX_DESCS * sizeof(union igb_rx_desc));
	wr(e, IGB_SRRCTL(n), IGB_SRRCTL_BSIZEPKT_KB(NIC_BUF_SIZE / 1024) |
	   IGB_SRRCTL_DESC_ADV_ONEBUF | IGB_SRRCTL_DROP_EN);
	wr(e, IGB_RDH(n), 0);
	wr(e, IGB_RDT(n), 0);
	wr(e, IGB_RXDCTL(n), rd(e, IGB_RXDCTL(n)) | IGB_RXDCTL_ENABLE);
	wr(e, IGB_TDBAL(n), (uint32_t)q->tx_ring_pa);
	wr(e, IGB_TDBAH(n), (uint32_t)(q->tx_ring_pa >> 32));
	wr(e, IGB_TDLEN(n), IGB_TX_DESCS * sizeof(union igb_tx_desc));
	wr(e, IGB_TDH(n), 0);
	wr(e, IGB_TDT(n), 0);
	wr(e, IGB_TXDCTL(n), rd(e, IGB_TXDCTL(n)) | IGB_TXDCTL_ENABLE);
	if (!wait_bit(e, IGB_RXDCTL(n), IGB_RXDCTL_ENABLE, true, 10) ||
	    !wait_bit(e, IGB_TXDCTL(n), IGB_TXDCTL_ENABLE, true, 10))
		return -ETIMEDOUT;
	q->rdt = (volatile uint32_t *)(e->regs + IGB_RDT(n));
	q->tdt = (volatile uint32_t *)(e->regs + IGB_TDT(n));
	*q->rdt = IGB_RX_DESCS - 1;     /* all but one descriptor to the NIC */
	return 0;
}

/* RSS: the NIC hashes each TCP/IPv4 frame's 4-tuple (other IPv4 on its addresses) with
 * rss_key_symmetric and writes the hash into the receive descriptor. Every redirection entry
 * names queue 0 for now: one queue pair is driven, and the kernel checks the hashes. */
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

static int igb_attach(struct igb *e, const struct pci_dev *pci)
{
	int err;
	memset(e, 0, sizeof(*e));
	e->pci = pci;
	pci_enable(pci);
	e->regs = (volatile uint8_t *)pci_map_bar(pci, 0);
	if (!e->regs)
		return -ENODEV;
	igb_reset(e);
	if ((err = igb_read_mac(e))) {
		pr_err("igb: no MAC address in receive address 0\n");
		return err;
	}
	for (uint32_t i = 0; i < 128; i++)
		wr(e, IGB_MTA + 4 * i, 0);
	wr(e, IGB_RXCSUM, IGB_RXCSUM_PCSD);     /* the stack checks checksums itself */
	igb_rss_setup(e);
	/* The reset took the link down; the PHY negotiates it again (the link comes up some
	 * time later, with a link status change interrupt). */
	wr(e, IGB_CTRL, rd(e, IGB_CTRL) | IGB_CTRL_SLU);
	if ((err = phy_write(e, MII_BMCR, MII_BMCR_AN_ENABLE | MII_BMCR_AN_RESTART |
			     MII_BMCR_FULL_DUPLEX | MII_BMCR_SPEED1000)))
		pr_warn("igb: PHY write failed (%d); the link may stay down\n", err);
	if ((err = igb_queue_alloc(&e->q0, 0)) || (err = igb_queue_start(e, &e->q0)))
		return err;
	wr(e, IGB_RCTL, IGB_RCTL_EN | IGB_RCTL_BAM | IGB_RCTL_SECRC);
	wr(e, IGB_TCTL, IGB_TCTL_EN | IGB_TCTL_PSP | IGB_TCTL_CT(0xF) | IGB_TCTL_COLD(0x40));
	pr_info("igb: %02x:%02x:%02x:%02x:%02x:%02x, %u queue pairs, link negotiating\n",
		e->mac[0], e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5], IGB_QUEUES);
	return 0;
}

static struct igb nic0;
static bool nic0_up;

static int attach_any(void *dev, const struct pci_dev *pci)
{
	return igb_attach(dev, pci);
}

void igb_init(void)
{
	nic0_up = nic_probe(0x8086, 0x10C9, "igb", attach_any, &nic0);
}

struct igb *igb_nic(void)
{
	return nic0_up ? &nic0 : NULL;
}

/* ---- interrupts ---- */

int igb_irq_msix(struct igb *e, uint32_t apic_id, uint8_t vec_queue, uint8_t vec_other,
		 unsigned throttle_us)
{
	int err;
	if ((err = pci_msix_enable(e->pci, 0, apic_id, vec_queue)) ||
	    (err = pci_msix_enable(e->pci, 1, apic_id, vec_other)))
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

uint32_t igb_irq_other(struct igb *e)
{
	return rd(e, IGB_ICR);
}

/* Raises the link-change cause, which IVAR_MISC (igb_irq_msix) sends to the other-causes
 * entry: a cause nothing else raises while the link stays up. */
void igb_irq_test(struct igb *e)
{
	wr(e, IGB_ICS, IGB_ICR_LSC);
}

int igb_queue_route(struct igb *e, unsigned queue, uint32_t apic_id, uint8_t vector,
		    unsigned throttle_us)
{
	if (queue == 0 || queue >= IGB_QUEUES)
		return -EINVAL;
	unsigned entry = queue + 1;             /* entries 0 and 1: queue 0, the other causes */
	int err = pci_msix_enable(e->pci, entry, apic_id, vector);
	if (err)
		return err;
	/* IVAR(n): byte 0 is RX queue n's entry, byte 2 RX queue n + 8's. */
	unsigned shift = queue < 8 ? 0 : 16;
	uint32_t ivar = rd(e, IGB_IVAR(queue % 8)) & ~(0xFFu << shift);
	wr(e, IGB_IVAR(queue % 8), ivar | (IGB_IVAR_VALID | entry) << shift);
	wr(e, IGB_EITR(entry), IGB_EITR_US(throttle_us));
	wr(e, IGB_EIAC, rd(e, IGB_EIAC) | 1u << entry);
	wr(e, IGB_EIMS, 1u << entry);
	return 0;
}

void igb_queue_map(struct igb_queue *q, volatile uint8_t *regs)
{
	q->regs = regs;
	q->rdt = (volatile uint32_t *)(regs + IGB_RDT(q->index));
	q->tdt = (volatile uint32_t *)(regs + IGB_TDT(q->index));
}

/* ---- data path ---- */

/* Takes back descriptors the NIC has sent (DD set). */
static void tx_reclaim(struct igb_queue *q)
{
	while (q->tx_clean != q->tx_next) {
		volatile union igb_tx_desc *d = &q->tx[ring_slot(q->tx_clean, IGB_TX_DESCS)];
		if (!(d->wb.status & IGB_TXD_STAT_DD))
			break;
		q->tx_clean++;
	}
}

/* Tells the NIC about every queued frame. Also called from the timer interrupt: it writes
 * only what tx_next already covers, so a send it interrupts loses nothing. */
void igb_tx_flush(struct igb_queue *q)
{
	uint32_t next = q->tx_next;
	if (q->tx_tail == next)
		return;
	nic_dma_barrier();
	q->tx_tail = next;
	*q->tdt = ring_slot(next, IGB_TX_DESCS);
}

int igb_send(struct igb_queue *q, const void *frame, size_t len, bool more)
{
	if (len < 14 || len > NIC_FRAME_MAX)
		return -EINVAL;
	tx_reclaim(q);
	/* One slot stays empty: TDT == TDH means an empty ring to the NIC. */
	if (ring_used(q->tx_next, q->tx_clean) >= IGB_TX_DESCS - 1) {
		q->tx_full++;
		return -EAGAIN;
	}
	unsigned i = ring_slot(q->tx_next, IGB_TX_DESCS);
	volatile union igb_tx_desc *d = &q->tx[i];
	memcpy(q->tx_buf[i], frame, len);
	d->read.buffer_addr = virt_to_phys(q->tx_buf[i]);
	d->read.cmd_type_len = (uint32_t)len | IGB_TXD_DTYP_DATA | IGB_TXD_DEXT | IGB_TXD_EOP |
			       IGB_TXD_IFCS | IGB_TXD_RS;
	d->read.olinfo_status = IGB_TXD_PAYLEN(len);
	nic_dma_barrier();
	q->tx_next++;
	q->counts.tx_good++;
	if (!more || q->tx_next - q->tx_tail >= NIC_TX_BATCH)
		igb_tx_flush(q);
	return 0;
}

bool igb_rx_pending(const struct igb_queue *q)
{
	return q->rx[ring_slot(q->rx_next, IGB_RX_DESCS)].wb.status_error & IGB_RXD_DD;
}

unsigned igb_poll(struct igb_queue *q, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	unsigned n = 0;
	while (n < budget) {
		unsigned i = ring_slot(q->rx_next, IGB_RX_DESCS);
		volatile union igb_rx_desc *d = &q->rx[i];
		uint32_t st = d->wb.status_error;
		if (!(st & IGB_RXD_DD))
			break;
		nic_dma_barrier();
		/* A frame that spans buffers cannot happen with 2 KiB buffers and no jumbo frames;
		 * one that claims to is counted and dropped, as is one with a frame error. */
		uint16_t len = d->wb.length;
		if ((st & IGB_RXD_EOP) && !(st & IGB_RXD_ERR_RXE) && len <= NIC_BUF_SIZE) {
			struct nic_rx_info info = {
				.rss_hash = d->wb.rss_hash,
				.rss_tcp4 = IGB_RSS_TYPE(d->wb.pkt_info) == IGB_RSS_TYPE_TCPIPV4,
			};
			deliver(arg, q->rx_buf[i], len, &info);
			q->counts.rx_good++;
		} else {
			q->rx_errors++;
		}
		/* Back to the read format: the write-back overwrote the buffer address. */
		d->read.pkt_addr = virt_to_phys(q->rx_buf[i]);
		d->read.hdr_addr = 0;
		q->rx_next++;
		n++;
	}
	/* The slots go back to the NIC with one tail write per batch, not one per frame: each
	 * write is an MMIO access (under QEMU, a call into the device model). */
	if (n) {
		nic_dma_barrier();
		*q->rdt = ring_slot(q->rx_next - 1, IGB_RX_DESCS);
	}
	return n;
}

/* ---- the network interface's view (struct nic_ops) ---- */

static bool igb_link_up(const void *nic)
{
	const struct igb *e = nic;
	return rd(e, IGB_STATUS) & IGB_STATUS_LU;
}

static unsigned status_mbps(uint32_t status)
{
	static const unsigned mbps[4] = { 10, 100, 1000, 1000 };
	return status & IGB_STATUS_LU ? mbps[IGB_STATUS_SPEED(status)] : 0;
}

static unsigned igb_link_mbps(const void *nic)
{
	return status_mbps(rd(nic, IGB_STATUS));
}

static bool igb_update(void *nic)
{
	struct igb *e = nic;
	e->hw.rx_good += rd(e, IGB_GPRC);
	e->hw.tx_good += rd(e, IGB_GPTC);
	e->hw.rx_missed += rd(e, IGB_MPC);
	e->hw.rx_crc_errors += rd(e, IGB_CRCERRS);
	bool up = igb_link_up(e), changed = up != e->link_up;
	e->link_up = up;
	return changed;
}

static int ops_send(void *nic, const void *frame, size_t len, bool more)
{
	return igb_send(&((struct igb *)nic)->q0, frame, len, more);
}

static void ops_tx_flush(void *nic)
{
	igb_tx_flush(&((struct igb *)nic)->q0);
}

static unsigned ops_poll(void *nic, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	return igb_poll(&((struct igb *)nic)->q0, deliver, arg, budget);
}

static bool ops_rx_pending(const void *nic)
{
	return igb_rx_pending(&((const struct igb *)nic)->q0);
}

static const struct nic_stats *ops_stats(const void *nic)
{
	return &((const struct igb *)nic)->hw;
}

static const uint8_t *ops_mac(const void *nic)
{
	return ((const struct igb *)nic)->mac;
}

static void ops_irq_test(void *nic) { igb_irq_test(nic); }

const struct nic_ops igb_ops = {
	.name = "igb",
	.rss_key = rss_key_symmetric,
	.send = ops_send,
	.tx_flush = ops_tx_flush,
	.poll = ops_poll,
	.rx_pending = ops_rx_pending,
	.update = igb_update,
	.link_up = igb_link_up,
	.link_mbps = igb_link_mbps,
	.stats = ops_stats,
	.mac = ops_mac,
	.irq_test = ops_irq_test,
};

/* ---- one queue pair as another kernel's interface ---- */

static int q_send(void *nic, const void *frame, size_t len, bool more)
{
	return igb_send(nic, frame, len, more);
}

static void q_tx_flush(void *nic) { igb_tx_flush(nic); }

static unsigned q_poll(void *nic, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	return igb_poll(nic, deliver, arg, budget);
}

static bool q_rx_pending(const void *nic) { return igb_rx_pending(nic); }

static uint32_t q_status(const void *nic)
{
	return nic_rd32(((const struct igb_queue *)nic)->regs, IGB_STATUS);
}

/* The link is the owner's to watch; the queue only reads it. */
static bool q_update(void *nic)
{
	(void)nic;
	return false;
}

static bool q_link_up(const void *nic) { return q_status(nic) & IGB_STATUS_LU; }
static unsigned q_link_mbps(const void *nic) { return status_mbps(q_status(nic)); }
static const struct nic_stats *q_stats(const void *nic)
{
	return &((const struct igb_queue *)nic)->counts;
}
static const uint8_t *q_mac(const void *nic) { return ((const struct igb_queue *)nic)->mac; }
/* The queue's receive cause is MSI-X entry index + 1 (igb_queue_route). */
static void q_irq_test(void *nic)
{
	struct igb_queue *q = nic;
	nic_wr32(q->regs, IGB_EICS, 1u << (q->index + 1));
}

const struct nic_ops igb_queue_ops = {
	.name = "igb queue",
	.rss_key = rss_key_symmetric,
	.send = q_send,
	.tx_flush = q_tx_flush,
	.poll = q_poll,
	.rx_pending = q_rx_pending,
	.update = q_update,
	.link_up = q_link_up,
	.link_mbps = q_link_mbps,
	.stats = q_stats,
	.mac = q_mac,
	.irq_test = q_irq_test,
};
