/* ixgbe (82599) control part, in the kernel that owns the device: attach (reset, MAC, link),
 * queue start and stop, MSI-X routing, RSS, statistics, and the owner's interface
 * (ixgbe_ops). The registers are in ixgbe_hw.h; Flow Director is in ixgbe_fdir.c, a queue's
 * data path in ixgbe_queue.c. Section numbers are the 82599 datasheet's. */
#include "drivers/ixgbe/ixgbe.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/console.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"
#include "lib/util.h"

static uint32_t rd(const struct ixgbe *e, uint32_t reg) { return nic_rd32(e->regs, reg); }
static void wr(const struct ixgbe *e, uint32_t reg, uint32_t v) { nic_wr32(e->regs, reg, v); }

static bool wait_bit(struct ixgbe *e, uint32_t reg, uint32_t bit, bool want, unsigned ms)
{
	return nic_wait_bit(e->regs, reg, bit, want, ms);
}

static void irqs_off(struct ixgbe *e)
{
	wr(e, IXGBE_EIMC, 0x7FFFFFFF);
	wr(e, IXGBE_EIMC_EX(0), 0xFFFFFFFF);
	wr(e, IXGBE_EIMC_EX(1), 0xFFFFFFFF);
}

/* The initialization of 4.6.3: interrupts off, master requests drained (5.2.5.3.2), the
 * global reset, interrupts off again, then the two completions software must see before it
 * touches the rest: the EEPROM auto-read (EEC.ARD) and the DMA initialisation
 * (RDRXCTL.DMAIDONE). Each step that never completes is named. */
static int ixgbe_reset(struct ixgbe *e)
{
	irqs_off(e);
	wr(e, IXGBE_CTRL, rd(e, IXGBE_CTRL) | IXGBE_CTRL_MASTER_DIS);
	/* The specification update's advice when the status never clears (flow control, link
	 * down) is two resets more than a microsecond apart; one is done. */
	if (!wait_bit(e, IXGBE_STATUS, IXGBE_STATUS_MASTER_EN, false, 100))
		pr_warn("ixgbe: master requests still pending; resetting anyway\n");
	wr(e, IXGBE_CTRL, rd(e, IXGBE_CTRL) | IXGBE_CTRL_RST | IXGBE_CTRL_LRST);
	pit_wait_ms(1);
	if (!wait_bit(e, IXGBE_CTRL, IXGBE_CTRL_RST, false, 100)) {
		pr_err("ixgbe: reset did not complete (CTRL.RST still set)\n");
		return -ETIMEDOUT;
	}
	pit_wait_ms(10);        /* 4.6.3.2: at least 10 ms after the reset before init */
	irqs_off(e);
	rd(e, IXGBE_EICR);
	if (!wait_bit(e, IXGBE_EEC, IXGBE_EEC_ARD, true, 100)) {
		pr_err("ixgbe: EEPROM auto-read not done (EEC.ARD clear)\n");
		return -ETIMEDOUT;
	}
	if (!wait_bit(e, IXGBE_RDRXCTL, IXGBE_RDRXCTL_DMAIDONE, true, 100)) {
		pr_err("ixgbe: DMA initialisation not done (RDRXCTL.DMAIDONE clear)\n");
		return -ETIMEDOUT;
	}
	return 0;
}

/* The MAC the EEPROM loaded into receive address 0 at reset. */
static int ixgbe_read_mac(struct ixgbe *e)
{
	uint32_t lo = rd(e, IXGBE_RAL(0)), hi = rd(e, IXGBE_RAH(0));
	if (!(hi & IXGBE_RAH_AV) || (lo == 0 && (hi & 0xFFFF) == 0))
		return -ENODEV;
	for (int i = 0; i < 4; i++)
		e->mac[i] = (uint8_t)(lo >> (8 * i));
	e->mac[4] = (uint8_t)hi;
	e->mac[5] = (uint8_t)(hi >> 8);
	return 0;
}

static const char *lms_name(unsigned lms)
{
	static const char *const names[8] = {
		"1G fixed (BX)", "10G parallel (KX4/XAUI)", "1G with AN (KX/BX)",
		"10G serial (SFI/KR) without AN", "KX/KX4/KR backplane AN", "reserved (5)",
		"SGMII", "KX/KX4/KR AN with SGMII",
	};
	return names[lms & 7];
}

/* The link (4.6.4): the EEPROM sets AUTOC for the board; this driver sets up SFI, the SFP+
 * cage of the X520 (AUTOC.LMS 10G serial, AUTOC2 serial PMA SFI), and refuses the rest
 * rather than guess: backplane KX/KX4/KR, XAUI to an external PHY such as a 10GBASE-T one,
 * and SGMII. The SFP+ module itself is not identified (no I2C reads): the link comes up if
 * the module and the EEPROM agree. */
static int ixgbe_link_start(struct ixgbe *e)
{
	uint32_t autoc = rd(e, IXGBE_AUTOC), autoc2 = rd(e, IXGBE_AUTOC2);
	unsigned lms = IXGBE_AUTOC_LMS(autoc);
	unsigned pma = IXGBE_AUTOC2_PMA_SERIAL(autoc2);
	if (lms != IXGBE_AUTOC_LMS_10G_SERIAL || pma != IXGBE_AUTOC2_PMA_SFI) {
		pr_err("ixgbe: link mode %s (AUTOC.LMS %u, AUTOC2 serial PMA %u) not supported; "
		       "only SFI (SFP+) is\n", lms_name(lms), lms, pma);
		return -ENOTSUP;
	}
	wr(e, IXGBE_AUTOC, autoc | IXGBE_AUTOC_RESTART_AN);
	return 0;
}

int ixgbe_link_wait(struct ixgbe *e, unsigned ms)
{
	if (wait_bit(e, IXGBE_LINKS, IXGBE_LINKS_UP, true, ms))
		return 0;
	pr_err("ixgbe: link still down after %u ms (LINKS %08x): check the SFP+ module and "
	       "cable\n", ms, rd(e, IXGBE_LINKS));
	return -ETIMEDOUT;
}

/* RSS (7.1.2.8): TCP/IPv4 on the 4-tuple, other IPv4 on the addresses, with
 * rss_key_symmetric, so both directions of a flow land on one queue; every entry names
 * queue 0 until the balancer writes the table. */
static void ixgbe_rss_setup(struct ixgbe *e)
{
	for (uint32_t i = 0; i < RSS_KEY_LEN / 4; i++)  /* key byte 0 is RSSRK(0)'s low byte */
		wr(e, IXGBE_RSSRK(i), rd32le(rss_key_symmetric + 4 * i));
	static const uint8_t all_to_queue0[IXGBE_RETA_ENTRIES];
	ixgbe_reta_write(e, all_to_queue0);
	wr(e, IXGBE_RXCSUM, IXGBE_RXCSUM_PCSD);
	wr(e, IXGBE_MRQC, IXGBE_MRQC_RSS | IXGBE_MRQC_TCPIPV4 | IXGBE_MRQC_IPV4);
}

int ixgbe_reta_write(struct ixgbe *e, const uint8_t queue_of[IXGBE_RETA_ENTRIES])
{
	for (unsigned b = 0; b < IXGBE_RETA_ENTRIES; b++)
		if (queue_of[b] >= IXGBE_QUEUES)
			return -EINVAL;
	for (uint32_t i = 0; i < IXGBE_RETA_ENTRIES / 4; i++)   /* entry 4i: RETA(i)'s low byte */
		wr(e, IXGBE_RETA(i), rd32le(queue_of + 4 * i));
	return 0;
}

/* Receive and transmit set-up that is not per queue (4.6.7, 4.6.8): CRC stripped (HLREG0 and
 * RDRXCTL must agree), broadcast accepted, CRC and padding added on transmit, the transmit
 * DMA on before any transmit queue is enabled (TXDCTL.ENABLE does not stick without it). */
static void ixgbe_mac_setup(struct ixgbe *e)
{
	for (uint32_t i = 0; i < 128; i++)
		wr(e, IXGBE_MTA(i), 0);
	wr(e, IXGBE_FCTRL, IXGBE_FCTRL_BAM);
	wr(e, IXGBE_HLREG0, IXGBE_HLREG0_TXCRCEN | IXGBE_HLREG0_RXCRCSTRP | IXGBE_HLREG0_TXPADEN);
	wr(e, IXGBE_RDRXCTL, rd(e, IXGBE_RDRXCTL) | IXGBE_RDRXCTL_CRCSTRIP);
	wr(e, IXGBE_DMATXCTL, IXGBE_DMATXCTL_TE);
}

/* Sets queue n's enable bits and waits until the NIC reports the queue on. */
static bool queue_enable(struct ixgbe *e, unsigned n)
{
	wr(e, IXGBE_RXDCTL(n), rd(e, IXGBE_RXDCTL(n)) | IXGBE_RXDCTL_ENABLE);
	wr(e, IXGBE_TXDCTL(n), rd(e, IXGBE_TXDCTL(n)) | IXGBE_TXDCTL_ENABLE);
	return !nic_fault(NIC_FAULT_QUEUE_ENABLE) &&
	       wait_bit(e, IXGBE_RXDCTL(n), IXGBE_RXDCTL_ENABLE, true, 10) &&
	       wait_bit(e, IXGBE_TXDCTL(n), IXGBE_TXDCTL_ENABLE, true, 10);
}

/* 4.6.7 and 4.6.8 per queue: ring registers, then the enable bits (read back until set),
 * then the receive tail. */
int ixgbe_queue_start(struct ixgbe *e, const struct ixgbe_queue *q)
{
	unsigned n = q->index;
	if (n >= IXGBE_QUEUES)
		return -EINVAL;
	wr(e, IXGBE_RDBAL(n), (uint32_t)q->rx_ring_pa);
	wr(e, IXGBE_RDBAH(n), (uint32_t)(q->rx_ring_pa >> 32));
	wr(e, IXGBE_RDLEN(n), ADV_DESCS * sizeof(union adv_rx_desc));
	wr(e, IXGBE_SRRCTL(n), IXGBE_SRRCTL_BSIZEPKT_KB(NIC_BUF_SIZE / 1024) |
	   IXGBE_SRRCTL_DESC_ADV_ONEBUF | IXGBE_SRRCTL_DROP_EN);
	wr(e, IXGBE_RDH(n), 0);
	wr(e, IXGBE_RDT(n), 0);
	wr(e, IXGBE_TDBAL(n), (uint32_t)q->tx_ring_pa);
	wr(e, IXGBE_TDBAH(n), (uint32_t)(q->tx_ring_pa >> 32));
	wr(e, IXGBE_TDLEN(n), ADV_DESCS * sizeof(union adv_tx_desc));
	wr(e, IXGBE_TDH(n), 0);
	wr(e, IXGBE_TDT(n), 0);
	if (!queue_enable(e, n))
		return ixgbe_queue_stop(e, n) ? -EBUSY : -ETIMEDOUT;
	wr(e, IXGBE_RDT(n), ADV_DESCS - 1);     /* all but one descriptor to the NIC */
	return 0;
}

/* 4.6.7.1 and 4.6.8.1: clear the enable bits, read them back until the NIC has let go of
 * the rings, then clear the ring registers. Frames still queued for sending are dropped. */
int ixgbe_queue_stop(struct ixgbe *e, unsigned queue)
{
	if (queue >= IXGBE_QUEUES)
		return -EINVAL;
	wr(e, IXGBE_RXDCTL(queue), rd(e, IXGBE_RXDCTL(queue)) & ~IXGBE_RXDCTL_ENABLE);
	wr(e, IXGBE_TXDCTL(queue), rd(e, IXGBE_TXDCTL(queue)) & ~IXGBE_TXDCTL_ENABLE);
	if (!wait_bit(e, IXGBE_RXDCTL(queue), IXGBE_RXDCTL_ENABLE, false, 10) ||
	    !wait_bit(e, IXGBE_TXDCTL(queue), IXGBE_TXDCTL_ENABLE, false, 10))
		return -ETIMEDOUT;
	const uint32_t ring_regs[] = {
		IXGBE_RDBAL(queue), IXGBE_RDBAH(queue), IXGBE_RDLEN(queue), IXGBE_RDH(queue),
		IXGBE_RDT(queue), IXGBE_TDBAL(queue), IXGBE_TDBAH(queue), IXGBE_TDLEN(queue),
		IXGBE_TDH(queue), IXGBE_TDT(queue),
	};
	for (unsigned i = 0; i < sizeof(ring_regs) / sizeof(ring_regs[0]); i++)
		wr(e, ring_regs[i], 0);
	return 0;
}

/* Queue 0 up, then the receiver on (4.6.7: RXCTRL.RXEN after the queues are set up). */
static int ixgbe_rings_up(struct ixgbe *e)
{
	int err = ixgbe_queue_alloc(&e->q0, 0);
	if (err)
		return err;
	if ((err = ixgbe_queue_start(e, &e->q0))) {
		if (err != -EBUSY)
			ixgbe_queue_free(&e->q0);
		return err;
	}
	ixgbe_queue_map(&e->q0, e->regs);
	wr(e, IXGBE_RXCTRL, IXGBE_RXCTRL_RXEN);
	return 0;
}

int ixgbe_attach(struct ixgbe *e, const struct pci_dev *pci)
{
	int err;
	memset(e, 0, sizeof(*e));
	e->pci = pci;
	pci_enable(pci);
	if (!(e->regs = (volatile uint8_t *)pci_map_bar(pci, 0)))
		return -ENODEV;
	if ((err = ixgbe_reset(e)))
		return err;
	if ((err = ixgbe_read_mac(e))) {
		pr_err("ixgbe: no MAC address in receive address 0\n");
		return err;
	}
	if ((err = ixgbe_link_start(e)))
		return err;
	ixgbe_mac_setup(e);
	ixgbe_rss_setup(e);
	if ((err = ixgbe_fdir_init(e)) || (err = ixgbe_rings_up(e)))
		return err;
	pr_info("ixgbe: %02x:%02x:%02x:%02x:%02x:%02x, %u queue pairs, SFI link starting\n",
		e->mac[0], e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5], IXGBE_QUEUES);
	return 0;
}

static struct ixgbe nic0;
static bool nic0_up;

static int attach_any(void *dev, const struct pci_dev *pci)
{
	return ixgbe_attach(dev, pci);
}

/* 82599ES SFI/SFP+ (the X520-DA2 and -SR2) and 82599EB KX4 (which the link step refuses,
 * by name). Other X520 ids exist; only these two were checked. */
void ixgbe_init(void)
{
	static const uint16_t ids[] = { 0x10FB, 0x10F7 };
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]) && !nic0_up; i++)
		nic0_up = nic_probe(0x8086, ids[i], "ixgbe", attach_any, &nic0);
}

struct ixgbe *ixgbe_nic(void)
{
	return nic0_up ? &nic0 : NULL;
}

/* ---- interrupts (7.3) ---- */

/* MSI-X entry entry's cause unmasked, and auto-cleared as its message goes out: EIAC holds
 * the first 16 entries; the datasheet has no auto-clear bit for later ones (unverified that
 * they auto-clear; the kernel's handlers acknowledge nothing either way). */
static void entry_unmask(struct ixgbe *e, unsigned entry, unsigned throttle_us)
{
	if (entry < 24)
		wr(e, IXGBE_EITR(entry), IXGBE_EITR_US(throttle_us));
	if (entry < 16)
		wr(e, IXGBE_EIAC, rd(e, IXGBE_EIAC) | 1u << entry);
	wr(e, IXGBE_EIMS_EX(entry / 32), 1u << (entry % 32));
}

/* RX queue's cause to MSI-X entry (IVAR(queue / 2), the queue's byte). */
static void ivar_rx(struct ixgbe *e, unsigned queue, unsigned entry)
{
	unsigned shift = IXGBE_IVAR_RX_SHIFT(queue);
	uint32_t ivar = rd(e, IXGBE_IVAR(queue / 2)) & ~(0xFFu << shift);
	wr(e, IXGBE_IVAR(queue / 2), ivar | (IXGBE_IVAR_VALID | entry) << shift);
}

int ixgbe_irq_msix(struct ixgbe *e, uint32_t apic_id, uint8_t vec_queue, uint8_t vec_other,
		   unsigned throttle_us)
{
	int err;
	if ((err = pci_msix_enable(e->pci, 0, apic_id, vec_queue)) ||
	    (err = pci_msix_enable(e->pci, 1, apic_id, vec_other)))
		return err;
	wr(e, IXGBE_GPIE, IXGBE_GPIE_MSIX_MODE | IXGBE_GPIE_EIAME | IXGBE_GPIE_PBA);
	ivar_rx(e, 0, 0);
	wr(e, IXGBE_IVAR_MISC, (IXGBE_IVAR_VALID | 1) << 8);
	entry_unmask(e, 0, throttle_us);
	entry_unmask(e, 1, 0);
	wr(e, IXGBE_EIMS, IXGBE_EICR_LSC);
	return 0;
}

unsigned ixgbe_queues_routable(const struct ixgbe *e)
{
	unsigned entries = pci_msix_entries(e->pci);
	return entries < 2 ? 0 : MIN(entries - 1, IXGBE_QUEUES);
}

int ixgbe_queue_route(struct ixgbe *e, unsigned queue, uint32_t apic_id, uint8_t vector,
		      unsigned throttle_us)
{
	if (queue == 0 || queue >= ixgbe_queues_routable(e))
		return -EINVAL;
	unsigned entry = queue + 1;             /* entries 0 and 1: queue 0, the other causes */
	int err = pci_msix_enable(e->pci, entry, apic_id, vector);
	if (err)
		return err;
	ivar_rx(e, queue, entry);
	entry_unmask(e, entry, throttle_us);
	return 0;
}

/* ---- the network interface's view (struct nic_ops) ---- */

unsigned ixgbe_links_mbps(uint32_t links)
{
	static const unsigned mbps[4] = { 0, 100, 1000, 10000 };
	return links & IXGBE_LINKS_UP ? mbps[IXGBE_LINKS_SPEED(links)] : 0;
}

static bool ops_link_up(const void *nic) { return rd(nic, IXGBE_LINKS) & IXGBE_LINKS_UP; }
static unsigned ops_link_mbps(const void *nic) { return ixgbe_links_mbps(rd(nic, IXGBE_LINKS)); }

static bool ops_update(void *nic)
{
	struct ixgbe *e = nic;
	e->hw.rx_good += rd(e, IXGBE_GPRC);
	e->hw.tx_good += rd(e, IXGBE_GPTC);
	e->hw.rx_crc_errors += rd(e, IXGBE_CRCERRS);
	bool up = ops_link_up(e), changed = up != e->link_up;
	e->link_up = up;
	return changed;
}

static int ops_send(void *nic, const void *frame, size_t len, bool more)
{
	return ixgbe_send(&((struct ixgbe *)nic)->q0, frame, len, more);
}

static void ops_tx_flush(void *nic) { ixgbe_tx_flush(&((struct ixgbe *)nic)->q0); }

static unsigned ops_poll(void *nic, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	return ixgbe_poll(&((struct ixgbe *)nic)->q0, deliver, arg, budget);
}

static bool ops_rx_pending(const void *nic)
{
	return ixgbe_rx_pending(&((const struct ixgbe *)nic)->q0);
}

static const struct nic_stats *ops_stats(const void *nic)
{
	return &((const struct ixgbe *)nic)->hw;
}
static const uint8_t *ops_mac(const void *nic) { return ((const struct ixgbe *)nic)->mac; }
/* The link-change cause, which IVAR_MISC sends to the other-causes entry. */
static void ops_irq_test(void *nic) { wr(nic, IXGBE_EICS, IXGBE_EICR_LSC); }

const struct nic_ops ixgbe_ops = {
	.name = "ixgbe",
	.rss_key = rss_key_symmetric,
	.send = ops_send,
	.tx_flush = ops_tx_flush,
	.poll = ops_poll,
	.rx_pending = ops_rx_pending,
	.update = ops_update,
	.link_up = ops_link_up,
	.link_mbps = ops_link_mbps,
	.stats = ops_stats,
	.mac = ops_mac,
	.irq_test = ops_irq_test,
};
