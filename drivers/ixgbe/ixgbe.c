/* ixgbe (82599) control part, in the kernel that owns the device: attach (reset, MAC, link),
 * queue start and stop, MSI-X routing, RSS, statistics, and the owner's interface
 * (ixgbe_ops). The registers are in ixgbe_hw.h; Flow Director is in ixgbe_fdir.c; a queue
 * pair's data path, start and stop are drivers/nic/adv_queue.c's, over ixgbe_adv. Section
 * numbers are the 82599 datasheet's. */
#include "drivers/ixgbe/ixgbe.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/console.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"

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
 * RDRXCTL must agree), RDRXCTL's fields with required values written so (RSC's first size 0,
 * RSCACKC and FCOE_WRFIX 1, as the Linux driver writes them on the 82599 whatever RSC and
 * FCoE do), broadcast accepted, CRC and padding added on transmit, the transmit DMA on
 * before any transmit queue is enabled (TXDCTL.ENABLE does not stick without it). */
static void ixgbe_mac_setup(struct ixgbe *e)
{
	for (uint32_t i = 0; i < 128; i++)
		wr(e, IXGBE_MTA(i), 0);
	wr(e, IXGBE_FCTRL, IXGBE_FCTRL_BAM);
	wr(e, IXGBE_HLREG0, IXGBE_HLREG0_TXCRCEN | IXGBE_HLREG0_RXCRCSTRP | IXGBE_HLREG0_TXPADEN);
	wr(e, IXGBE_RDRXCTL, (rd(e, IXGBE_RDRXCTL) & ~IXGBE_RDRXCTL_RSCFRSTSIZE) |
	   IXGBE_RDRXCTL_CRCSTRIP | IXGBE_RDRXCTL_RSCACKC | IXGBE_RDRXCTL_FCOE_WRFIX);
	wr(e, IXGBE_DMATXCTL, IXGBE_DMATXCTL_TE);
}

/* 4.6.7 and 4.6.8 per queue, and their queue disable steps (4.6.7.1, 4.6.8.1), are the
 * 82576's too: drivers/nic/adv_queue.c. What the 82599 needs before a queue's enable bit
 * sticks (DMATXCTL.TE, RDRXCTL) is done once, by ixgbe_mac_setup. */
int ixgbe_queue_start(struct ixgbe *e, const struct adv_queue *q)
{
	return adv_queue_start(e->regs, &ixgbe_adv, q);
}

int ixgbe_queue_stop(struct ixgbe *e, unsigned queue)
{
	return adv_queue_stop(e->regs, &ixgbe_adv, queue);
}

/* Queue 0 up, then the receiver on (4.6.7: RXCTRL.RXEN after the queues are set up). */
static int ixgbe_rings_up(struct ixgbe *e)
{
	int err = adv_queue0_up(&e->adv.q0, &ixgbe_adv, e->regs, e->mac);
	if (err)
		return err;
	wr(e, IXGBE_RXCTRL, IXGBE_RXCTRL_RXEN);
	return 0;
}

int ixgbe_attach(struct ixgbe *e, const struct pci_dev *pci)
{
	int err;
	memset(e, 0, sizeof(*e));
	e->pci = pci;
	if (!(e->regs = nic_enable(pci)))
		return -ENODEV;
	if ((err = ixgbe_reset(e)))
		return err;
	if ((err = nic_read_mac(e->regs, IXGBE_RAL(0), IXGBE_RAH(0), e->mac))) {
		pr_err("ixgbe: no MAC address in receive address 0\n");
		return err;
	}
	if ((err = ixgbe_link_start(e)))
		return err;
	ixgbe_mac_setup(e);
	ixgbe_rss_setup(e);
	if ((err = ixgbe_fdir_init(e)) || (err = ixgbe_rings_up(e)))
		return err;
	pr_info("ixgbe: " NIC_MAC_FMT ", %u queue pairs, SFI link starting\n", NIC_MAC_ARGS(e->mac),
		IXGBE_QUEUES);
	return 0;
}

static struct ixgbe nic0_dev, *nic0;    /* nic0: nic0_dev once attached, else NULL */

static int attach_any(void *dev, const struct pci_dev *pci) { return ixgbe_attach(dev, pci); }

/* 82599ES SFI/SFP+ (the X520-DA2 and -SR2) and 82599EB KX4 (which the link step refuses,
 * by name). Other X520 ids exist; only these two were checked. */
void ixgbe_init(void)
{
	nic0 = nic_probe("ixgbe", (const uint16_t[]){ 0x10FB, 0x10F7, 0 }, attach_any, &nic0_dev);
}

struct ixgbe *ixgbe_nic(void) { return nic0; }

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
	int err = adv_msix_own(e->pci, apic_id, vec_queue, vec_other);
	if (err)
		return err;
	wr(e, IXGBE_GPIE, IXGBE_GPIE_MSIX_MODE | IXGBE_GPIE_EIAME | IXGBE_GPIE_PBA);
	wr(e, IXGBE_EIAM_EX(0), 0);     /* no entry masked as its message goes out: the */
	wr(e, IXGBE_EIAM_EX(1), 0);     /* handlers never unmask a queue's entry again */
	ivar_rx(e, 0, 0);
	wr(e, IXGBE_IVAR_MISC, (IXGBE_IVAR_VALID | 1) << 8);
	entry_unmask(e, 0, throttle_us);
	entry_unmask(e, 1, 0);
	wr(e, IXGBE_EIMS, IXGBE_EICR_LSC);
	return 0;
}

/* Whether reading EICR clears it depends on GPIE (8.2.3.5.1; UNVERIFIED which bit): writing
 * back what was read clears it either way, EICR being write-1-to-clear. The link change
 * stays unmasked (EIAM_EX is 0); EIMS is written again all the same, one write a change. */
uint32_t ixgbe_irq_other(struct ixgbe *e)
{
	uint32_t eicr = rd(e, IXGBE_EICR);
	wr(e, IXGBE_EICR, eicr);
	wr(e, IXGBE_EIMS, IXGBE_EICR_LSC);
	return eicr;
}

int ixgbe_queue_route(struct ixgbe *e, unsigned queue, uint32_t apic_id, uint8_t vector,
		      unsigned throttle_us)
{
	int entry = adv_msix_queue(e->pci, &ixgbe_adv, queue, apic_id, vector);
	if (entry < 0)
		return entry;
	ivar_rx(e, queue, entry);
	entry_unmask(e, entry, throttle_us);
	return 0;
}

/* ---- the network interface's view (struct nic_ops) ---- */

/* The link speed LINKS reports, 0 while the link is down. */
static unsigned ixgbe_links_mbps(uint32_t links)
{
	static const unsigned mbps[4] = { 0, 100, 1000, 10000 };
	return links & IXGBE_LINKS_UP ? mbps[IXGBE_LINKS_SPEED(links)] : 0;
}

ADV_QUEUE_REGS_CHECK(IXGBE_, IXGBE_QUEUES);

/* EICS reaches MSI-X entries below 16 only: queues 0-14 raise their own (adv_queue_irq_test). */
const struct adv_nic ixgbe_adv = {
	.queues = IXGBE_QUEUES,
	.regs = ADV_QUEUE_REGS(IXGBE_),
	.srrctl = IXGBE_SRRCTL_BSIZEPKT_KB(NIC_BUF_SIZE / 1024) | IXGBE_SRRCTL_DESC_ADV_ONEBUF |
		  IXGBE_SRRCTL_DROP_EN,
	.rx_err_mask = IXGBE_RXD_ERR_RXE,
	.link_reg = IXGBE_LINKS, .link_up = IXGBE_LINKS_UP, .link_mbps = ixgbe_links_mbps,
	.eics = IXGBE_EICS,
	.lsc_set = IXGBE_EICS, .lsc = IXGBE_EICR_LSC,   /* sent to the other-causes entry */
	.stats = { IXGBE_GPRC, IXGBE_GPTC, 0, IXGBE_CRCERRS },  /* missed frames: not read */
};

_Static_assert(offsetof(struct ixgbe, adv) == 0, "ixgbe_ops's device is its struct adv_dev");
const struct nic_ops ixgbe_ops = ADV_DEV_OPS("ixgbe");
const struct nic_ops ixgbe_queue_ops = ADV_QUEUE_OPS("ixgbe queue");

/* ---- the control part as kernel 0 runs it for any multi-queue NIC (drivers/nic.h) ---- */

static int ctl_irq_own(void *e, uint32_t apic_id, uint8_t vec_queue, uint8_t vec_other,
		       unsigned throttle_us)
{
	return ixgbe_irq_msix(e, apic_id, vec_queue, vec_other, throttle_us);
}

static bool ctl_irq_other(void *e) { return ixgbe_irq_other(e) & IXGBE_EICR_LSC; }

static int ctl_queue_route(void *e, unsigned queue, uint32_t apic_id, uint8_t vector,
			   unsigned throttle_us)
{
	return ixgbe_queue_route(e, queue, apic_id, vector, throttle_us);
}

static int ctl_queue_start(void *e, unsigned queue, uint64_t rx_ring_pa, uint64_t tx_ring_pa)
{
	return adv_queue_start_rings(((struct ixgbe *)e)->regs, &ixgbe_adv, queue, rx_ring_pa, tx_ring_pa);
}

static int ctl_queue_stop(void *e, unsigned queue) { return ixgbe_queue_stop(e, queue); }

static int ctl_steer_write(void *e, const uint8_t queue_of[NIC_BUCKETS])
{
	return ixgbe_reta_write(e, queue_of);
}

static int ctl_group_write(void *e, const uint8_t queue_of[NIC_GROUPS])
{
	return ixgbe_fdir_write(e, queue_of);
}

_Static_assert(IXGBE_RETA_ENTRIES == NIC_BUCKETS && IXGBE_FDIR_GROUPS == NIC_GROUPS &&
	       IXGBE_QUEUES <= NIC_QUEUES_MAX, "the 82599's tables fit the control interface");

const struct nic_ctl_ops ixgbe_ctl_ops = {
	.kind = NIC_KIND_IXGBE, .name = "ixgbe", .adv = &ixgbe_adv, .queue_ops = &ixgbe_queue_ops,
	.irq_own = ctl_irq_own, .irq_other = ctl_irq_other,
	.queue_route = ctl_queue_route, .queue_start = ctl_queue_start,
	.queue_stop = ctl_queue_stop, .steer_write = ctl_steer_write,
	.group_write = ctl_group_write,
};
