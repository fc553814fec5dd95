/* e1000 (82540EM) driver. The register and descriptor layouts are in e1000_hw.h; this file
 * is the control part (attach: reset, MAC, link, rings) and the data path (send, poll). */
#include "drivers/e1000/e1000.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/console.h"
#include "kernel/mm/layout.h"
#include "lib/errno.h"
#include "lib/ring.h"
#include "lib/string.h"

_Static_assert(E1000_RX_DESCS % 8 == 0 && RING_IS_POW2(E1000_RX_DESCS), "RX ring size");
_Static_assert(E1000_TX_DESCS % 8 == 0 && RING_IS_POW2(E1000_TX_DESCS), "TX ring size");

static uint32_t rd(const struct e1000 *e, uint32_t reg) { return nic_rd32(e->regs, reg); }
static void wr(const struct e1000 *e, uint32_t reg, uint32_t v) { nic_wr32(e->regs, reg, v); }

static void e1000_reset(struct e1000 *e)
{
	wr(e, E1000_IMC, 0xFFFFFFFF);
	wr(e, E1000_CTRL, rd(e, E1000_CTRL) | E1000_CTRL_RST);
	pit_wait_ms(1);                 /* 14.5: wait at least 1 us before reading again */
	nic_wait_bit(e->regs, E1000_CTRL, E1000_CTRL_RST, false, 1000);
	wr(e, E1000_IMC, 0xFFFFFFFF);
	rd(e, E1000_ICR);
}

/* One EEPROM word by EERD (13.4.4): a read takes microseconds, so one that is not
 * done within E1000_EERD_MS is given up. */
#define E1000_EERD_MS   10

int e1000_eeprom_read(struct e1000 *e, unsigned word, uint16_t *v)
{
	wr(e, E1000_EERD, E1000_EERD_START | E1000_EERD_ADDR(word));
	if (!nic_wait_bit(e->regs, E1000_EERD, E1000_EERD_DONE, true, E1000_EERD_MS))
		return -ETIMEDOUT;
	*v = E1000_EERD_DATA(rd(e, E1000_EERD));
	return 0;
}

/* The MAC from the receive address registers, which the EEPROM loads at reset (13.4.41);
 * read from the EEPROM itself (words 0-2) if they are empty. */
static int e1000_read_mac(struct e1000 *e)
{
	uint32_t lo = rd(e, E1000_RAL0), hi = rd(e, E1000_RAH0);
	if (!(hi & E1000_RAH_AV)) {
		uint16_t w[3];
		for (unsigned i = 0; i < 3; i++) {
			int err = e1000_eeprom_read(e, i, &w[i]);
			if (err)
				return err;
		}
		lo = w[0] | (uint32_t)w[1] << 16;
		hi = w[2];
	}
	nic_mac_from_ra(lo, hi, e->mac);
	wr(e, E1000_RAL0, lo);
	wr(e, E1000_RAH0, (hi & 0xFFFF) | E1000_RAH_AV);
	return 0;
}

static bool e1000_update(struct e1000 *e);

/* Both rings in this kernel's memory, each receive descriptor pointing at its buffer. */
static int rings_alloc(struct e1000_queue *q)
{
	int err;
	if ((err = nic_alloc_ring(&q->rx_ring_pa, q->rx_buf, E1000_RX_DESCS)))
		return err;
	if ((err = nic_alloc_ring(&q->tx_ring_pa, q->tx_buf, E1000_TX_DESCS))) {
		nic_free_ring(&q->rx_ring_pa, q->rx_buf, E1000_RX_DESCS);
		return err;
	}
	q->rx = phys_to_virt(q->rx_ring_pa);
	q->tx = phys_to_virt(q->tx_ring_pa);
	for (unsigned i = 0; i < E1000_RX_DESCS; i++)
		q->rx[i].addr = virt_to_phys(q->rx_buf[i]);
	return 0;
}

static void setup_rx(struct e1000 *e)
{
	wr(e, E1000_RDBAL, (uint32_t)e->q.rx_ring_pa);
	wr(e, E1000_RDBAH, (uint32_t)(e->q.rx_ring_pa >> 32));
	wr(e, E1000_RDLEN, E1000_RX_DESCS * sizeof(struct e1000_rx_desc));
	wr(e, E1000_RDH, 0);
	wr(e, E1000_RDT, E1000_RX_DESCS - 1);   /* all but one descriptor to the NIC */
	wr(e, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC);
}

static void setup_tx(struct e1000 *e)
{
	wr(e, E1000_TDBAL, (uint32_t)e->q.tx_ring_pa);
	wr(e, E1000_TDBAH, (uint32_t)(e->q.tx_ring_pa >> 32));
	wr(e, E1000_TDLEN, E1000_TX_DESCS * sizeof(struct e1000_tx_desc));
	wr(e, E1000_TDH, 0);
	wr(e, E1000_TDT, 0);
	wr(e, E1000_TIPG, E1000_TIPG_802_3);
	wr(e, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT(0x10) |
	   E1000_TCTL_COLD(0x40));
}

/* Everything that can fail comes before the first register write, so a failure has only
 * memory to give back and leaves the receiver and transmitter as the reset left them: off. */
int e1000_rings_up(struct e1000 *e)
{
	memset(&e->q, 0, sizeof(e->q));
	int err = rings_alloc(&e->q);
	if (err)
		return err;
	setup_rx(e);
	setup_tx(e);
	return 0;
}

/* The receiver and transmitter off (13.4.22, 13.4.33), then the rings forgotten by the NIC
 * and given back. */
void e1000_rings_down(struct e1000 *e)
{
	wr(e, E1000_RCTL, 0);
	wr(e, E1000_TCTL, 0);
	static const uint32_t ring_regs[] = {
		E1000_RDBAL, E1000_RDBAH, E1000_RDLEN, E1000_RDH, E1000_RDT,
		E1000_TDBAL, E1000_TDBAH, E1000_TDLEN, E1000_TDH, E1000_TDT,
	};
	for (unsigned i = 0; i < sizeof(ring_regs) / sizeof(ring_regs[0]); i++)
		wr(e, ring_regs[i], 0);
	nic_free_ring(&e->q.rx_ring_pa, e->q.rx_buf, E1000_RX_DESCS);
	nic_free_ring(&e->q.tx_ring_pa, e->q.tx_buf, E1000_TX_DESCS);
	memset(&e->q, 0, sizeof(e->q));
}

static int e1000_attach(void *dev, const struct pci_dev *pci)
{
	struct e1000 *e = dev;
	int err;
	memset(e, 0, sizeof(*e));
	e->pci = pci;
	if (!(e->regs = nic_enable(pci)))
		return -ENODEV;
	e1000_reset(e);
	wr(e, E1000_CTRL, rd(e, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE);
	if ((err = e1000_read_mac(e)))
		return err;
	for (uint32_t i = 0; i < 128; i++)
		wr(e, E1000_MTA + 4 * i, 0);
	if ((err = e1000_rings_up(e)))
		return err;
	e1000_update(e);
	pr_info("e1000: " NIC_MAC_FMT ", link %s\n", NIC_MAC_ARGS(e->mac), e->link_up ? "up" : "down");
	return 0;
}

static struct e1000 nic0_dev, *nic0;    /* nic0: nic0_dev once attached, else NULL */

void e1000_init(void)
{
	nic0 = nic_probe("e1000", (const uint16_t[]){ 0x100E, 0 }, e1000_attach, &nic0_dev);
}

struct e1000 *e1000_nic(void) { return nic0; }

static bool e1000_link_up(const struct e1000 *e)
{
	return rd(e, E1000_STATUS) & E1000_STATUS_LU;
}

static unsigned e1000_link_mbps(const struct e1000 *e)
{
	static const unsigned mbps[4] = { 10, 100, 1000, 1000 };
	return e1000_link_up(e) ? mbps[E1000_STATUS_SPEED(rd(e, E1000_STATUS))] : 0;
}

#define E1000_IRQ_CAUSES (E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0 | E1000_ICR_LSC)
#define E1000_ITR_100US  390            /* 390 * 256 ns: about 10,000 interrupts/s at most */

void e1000_irq_enable(struct e1000 *e)
{
	wr(e, E1000_ITR, E1000_ITR_100US);
	wr(e, E1000_IMS, E1000_IRQ_CAUSES);
}

/* Reads (and so clears) ICR, counting the receive overrun among its causes: the cause is
 * lost with the read, so every read goes through here. */
static uint32_t icr_read(struct e1000 *e)
{
	uint32_t icr = rd(e, E1000_ICR);
	e->hw.rx_overruns += (icr & E1000_ICR_RXO) != 0;
	return icr;
}

void e1000_irq_disable(struct e1000 *e)
{
	wr(e, E1000_IMC, 0xFFFFFFFF);
	icr_read(e);
}

uint32_t e1000_irq_ack(struct e1000 *e)
{
	return icr_read(e);
}

void e1000_irq_test(struct e1000 *e)
{
	wr(e, E1000_IMS, E1000_ICR_LSC);
	wr(e, E1000_ICS, E1000_ICR_LSC);
}

/* ICS sets a cause as the hardware would (13.4.19): the interrupt that follows is the one a
 * real overrun raises. */
void e1000_irq_test_overrun(struct e1000 *e)
{
	wr(e, E1000_ICS, E1000_ICR_RXO);
}

static bool e1000_update(struct e1000 *e)
{
	e->hw.rx_good += rd(e, E1000_GPRC);
	e->hw.tx_good += rd(e, E1000_GPTC);
	e->hw.rx_missed += rd(e, E1000_MPC);
	e->hw.rx_crc_errors += rd(e, E1000_CRCERRS);
	bool up = e1000_link_up(e), changed = up != e->link_up;
	e->link_up = up;
	return changed;
}

/* Takes back descriptors the NIC has sent (DD set). */
static void tx_reclaim(struct e1000 *e)
{
	while (e->q.tx_clean != e->q.tx_next) {
		volatile struct e1000_tx_desc *d = &e->q.tx[ring_slot(e->q.tx_clean, E1000_TX_DESCS)];
		if (!(d->status & E1000_TXD_DD))
			break;
		e->q.tx_clean++;
	}
}

/* Tells the NIC about every queued frame. Also called from the timer interrupt: it writes
 * only what tx_next already covers, so a send it interrupts loses nothing. */
static void e1000_tx_flush(struct e1000 *e)
{
	uint32_t next = e->q.tx_next;
	if (e->q.tx_tail == next)
		return;
	nic_dma_barrier();
	e->q.tx_tail = next;
	wr(e, E1000_TDT, ring_slot(next, E1000_TX_DESCS));
}

static int e1000_send(struct e1000 *e, const void *frame, size_t len, bool more)
{
	if (len < 14 || len > NIC_FRAME_MAX)
		return -EINVAL;
	tx_reclaim(e);
	/* One slot stays empty: TDT == TDH means an empty ring to the NIC (3.4). */
	if (ring_used(e->q.tx_next, e->q.tx_clean) >= E1000_TX_DESCS - 1) {
		e->tx_full++;
		return -EAGAIN;
	}
	unsigned i = ring_slot(e->q.tx_next, E1000_TX_DESCS);
	volatile struct e1000_tx_desc *d = &e->q.tx[i];
	memcpy(e->q.tx_buf[i], frame, len);
	d->addr = virt_to_phys(e->q.tx_buf[i]);
	d->length = (uint16_t)len;
	d->cmd = E1000_TXD_EOP | E1000_TXD_IFCS | E1000_TXD_RS;
	d->status = 0;
	nic_dma_barrier();
	e->q.tx_next++;
	e->tx_frames++;
	if (!more || e->q.tx_next - e->q.tx_tail >= NIC_TX_BATCH)
		e1000_tx_flush(e);
	return 0;
}

static bool e1000_rx_pending(const struct e1000 *e)
{
	return e->q.rx[ring_slot(e->q.rx_next, E1000_RX_DESCS)].status & E1000_RXD_DD;
}

static unsigned e1000_poll(struct e1000 *e, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	static const struct nic_rx_info no_hash = { 0, false };   /* the 82540EM has no RSS */
	unsigned n = 0;
	while (n < budget) {
		unsigned i = ring_slot(e->q.rx_next, E1000_RX_DESCS);
		volatile struct e1000_rx_desc *d = &e->q.rx[i];
		if (!(d->status & E1000_RXD_DD))
			break;
		nic_dma_barrier();
		uint8_t st = d->status, errors = d->errors;
		uint16_t len = d->length;
		if (nic_rx_whole(st & E1000_RXD_EOP, errors, len)) {
			deliver(arg, e->q.rx_buf[i], len, &no_hash);
			e->rx_frames++;
		} else {
			e->rx_errors++;
		}
		d->status = 0;
		e->q.rx_next++;
		n++;
	}
	/* The slots go back to the NIC with one tail write per batch, not one per frame: each
	 * write is an MMIO access (under QEMU, a call into the device model). */
	if (n) {
		nic_dma_barrier();
		wr(e, E1000_RDT, ring_slot(e->q.rx_next - 1, E1000_RX_DESCS));
	}
	return n;
}

/* ---- the network interface's view (struct nic_ops) ---- */

static int ops_send(void *nic, const void *frame, size_t len, bool more)
{
	return e1000_send(nic, frame, len, more);
}
static void ops_tx_flush(void *nic) { e1000_tx_flush(nic); }
static unsigned ops_poll(void *nic, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	return e1000_poll(nic, deliver, arg, budget);
}
static bool ops_rx_pending(const void *nic) { return e1000_rx_pending(nic); }
static bool ops_update(void *nic) { return e1000_update(nic); }
static bool ops_link_up(const void *nic) { return e1000_link_up(nic); }
static unsigned ops_link_mbps(const void *nic) { return e1000_link_mbps(nic); }
static const struct nic_stats *ops_stats(const void *nic)
{
	return &((const struct e1000 *)nic)->hw;
}
static const uint8_t *ops_mac(const void *nic) { return ((const struct e1000 *)nic)->mac; }

static void ops_irq_test(void *nic) { e1000_irq_test(nic); }

const struct nic_ops e1000_ops = {
	.name = "e1000",
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
