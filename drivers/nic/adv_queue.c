/* One queue pair of advanced descriptors (drivers/nic/adv.h), for every NIC that uses the
 * format: its data path in the kernel that drives it, its start, stop and MSI-X entry in the
 * kernel that owns the device. */
#include "drivers/nic/adv.h"
#include "drivers/pci/pci.h"
#include "kernel/mm/layout.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

/* ---- the data path ---- */

/* The smallest range that holds every buffer of both rings. The rings keep their buffers for
 * life (adv.c writes only r->buf[i]'s address into a descriptor), so every address the
 * queue's descriptors will ever name lies in it. */
static void buffer_span(struct adv_queue *q)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (unsigned i = 0; i < ADV_RX_DESCS + ADV_TX_DESCS; i++) {
		void *buf = i < ADV_RX_DESCS ? q->rx.buf[i] : q->tx.buf[i - ADV_RX_DESCS];
		uint64_t pa = virt_to_phys(buf);
		lo = MIN(lo, pa);
		hi = MAX(hi, pa + NIC_BUF_SIZE);
	}
	q->buf_pa = lo;
	q->buf_len = hi - lo;
}

int adv_queue_alloc(struct adv_queue *q, const struct adv_nic *nic, unsigned index)
{
	int err;
	if (nic && index >= nic->queues)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->index = index;
	if ((err = adv_rx_alloc(&q->rx, &q->rx_ring_pa)))
		return err;
	if ((err = adv_tx_alloc(&q->tx, &q->tx_ring_pa))) {
		adv_rx_free(&q->rx, &q->rx_ring_pa);
		return err;
	}
	buffer_span(q);
	return nic ? adv_queue_bind(q, nic) : 0;
}

int adv_queue_bind(struct adv_queue *q, const struct adv_nic *nic)
{
	if (q->index >= nic->queues)
		return -EINVAL;
	q->nic = nic;
	q->rx.err_mask = nic->rx_err_mask;
	return 0;
}

void adv_queue_free(struct adv_queue *q)
{
	adv_rx_free(&q->rx, &q->rx_ring_pa);
	adv_tx_free(&q->tx, &q->tx_ring_pa);
}

/* Queue n's register reg0 is queue 0's plus n strides. */
static uint32_t qreg(const struct adv_nic *nic, uint32_t reg0, unsigned n)
{
	return reg0 + n * nic->regs.stride;
}

void adv_queue_map(struct adv_queue *q, volatile uint8_t *regs)
{
	const struct adv_nic *nic = q->nic;
	q->regs = regs;
	q->rx.tail = (volatile uint32_t *)(regs + qreg(nic, nic->regs.rdt, q->index));
	q->tx.tail = (volatile uint32_t *)(regs + qreg(nic, nic->regs.tdt, q->index));
}

int adv_queue_send(struct adv_queue *q, const void *frame, size_t len, bool more)
{
	int err = adv_send(&q->tx, frame, len, more);
	q->counts.tx_good = q->tx.frames;
	return err;
}

void adv_queue_flush(struct adv_queue *q)
{
	adv_tx_flush(&q->tx);
}

unsigned adv_queue_poll(struct adv_queue *q, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	unsigned n = adv_poll(&q->rx, deliver, arg, budget);
	q->counts.rx_good = q->rx.frames;
	return n;
}

bool adv_queue_rx_pending(const struct adv_queue *q)
{
	return adv_rx_pending(&q->rx);
}

bool adv_queue_link_up(const struct adv_queue *q)
{
	return nic_rd32(q->regs, q->nic->link_reg) & q->nic->link_up;
}

/* ---- the control part: queue start and stop ---- */

static uint32_t rd(volatile uint8_t *regs, const struct adv_nic *nic, uint32_t reg0, unsigned n)
{
	return nic_rd32(regs, qreg(nic, reg0, n));
}

static void wr(volatile uint8_t *regs, const struct adv_nic *nic, uint32_t reg0, unsigned n,
	       uint32_t v)
{
	nic_wr32(regs, qreg(nic, reg0, n), v);
}

/* Queue n's RXDCTL or TXDCTL (reg0) with ENABLE set (on) or clear. */
static void set_enable(volatile uint8_t *regs, const struct adv_nic *nic, uint32_t reg0,
		       unsigned n, bool on)
{
	uint32_t v = rd(regs, nic, reg0, n) & ~ADV_DCTL_ENABLE;
	wr(regs, nic, reg0, n, v | (on ? ADV_DCTL_ENABLE : 0));
}

/* Sets or clears queue n's enable bits and waits until the NIC reports the queue so. */
static bool queue_enable(volatile uint8_t *regs, const struct adv_nic *nic, unsigned n, bool on)
{
	const struct adv_queue_regs *r = &nic->regs;
	set_enable(regs, nic, r->rxdctl, n, on);
	set_enable(regs, nic, r->txdctl, n, on);
	return !(on && nic_fault(NIC_FAULT_QUEUE_ENABLE)) &&
	       nic_wait_bit(regs, qreg(nic, r->rxdctl, n), ADV_DCTL_ENABLE, on, 10) &&
	       nic_wait_bit(regs, qreg(nic, r->txdctl, n), ADV_DCTL_ENABLE, on, 10);
}

/* The order of both datasheets' receive and transmit initialization (82576 7.1.2, 7.2.1;
 * 82599 4.6.7, 4.6.8): ring registers, then the queue enable bits (read back until set),
 * then the receive tail. */
int adv_queue_start(volatile uint8_t *regs, const struct adv_nic *nic, const struct adv_queue *q)
{
	const struct adv_queue_regs *r = &nic->regs;
	unsigned n = q->index;
	if (n >= nic->queues)
		return -EINVAL;
	wr(regs, nic, r->rdbal, n, (uint32_t)q->rx_ring_pa);
	wr(regs, nic, r->rdbah, n, (uint32_t)(q->rx_ring_pa >> 32));
	wr(regs, nic, r->rdlen, n, ADV_RX_DESCS * sizeof(union adv_rx_desc));
	wr(regs, nic, r->srrctl, n, nic->srrctl);
	wr(regs, nic, r->rdh, n, 0);
	wr(regs, nic, r->rdt, n, 0);
	wr(regs, nic, r->tdbal, n, (uint32_t)q->tx_ring_pa);
	wr(regs, nic, r->tdbah, n, (uint32_t)(q->tx_ring_pa >> 32));
	wr(regs, nic, r->tdlen, n, ADV_TX_DESCS * sizeof(union adv_tx_desc));
	wr(regs, nic, r->tdh, n, 0);
	wr(regs, nic, r->tdt, n, 0);
	if (!queue_enable(regs, nic, n, true))
		return adv_queue_stop(regs, nic, n) ? -EBUSY : -ETIMEDOUT;
	wr(regs, nic, r->rdt, n, ADV_RX_DESCS - 1);        /* all but one descriptor to the NIC */
	return 0;
}

int adv_queue_start_rings(volatile uint8_t *regs, const struct adv_nic *nic, unsigned queue,
			  uint64_t rx_ring_pa, uint64_t tx_ring_pa)
{
	/* Only these three fields are read; the whole struct (its buffer tables) is too large
	 * for a kernel stack. */
	static struct adv_queue q;
	q.index = queue;
	q.rx_ring_pa = rx_ring_pa;
	q.tx_ring_pa = tx_ring_pa;
	return adv_queue_start(regs, nic, &q);
}

/* The queue disable steps (82576 7.1.2, 7.2.1; 82599 4.6.7.1, 4.6.8.1): clear the enable
 * bits, read them back until the NIC has let go of the rings, then clear the ring
 * registers. Frames still queued for sending are dropped. */
int adv_queue_stop(volatile uint8_t *regs, const struct adv_nic *nic, unsigned queue)
{
	const struct adv_queue_regs *r = &nic->regs;
	if (queue >= nic->queues)
		return -EINVAL;
	if (!queue_enable(regs, nic, queue, false))
		return -ETIMEDOUT;
	const uint32_t ring_regs[] = {
		r->rdbal, r->rdbah, r->rdlen, r->rdh, r->rdt,
		r->tdbal, r->tdbah, r->tdlen, r->tdh, r->tdt,
	};
	for (unsigned i = 0; i < sizeof(ring_regs) / sizeof(ring_regs[0]); i++)
		wr(regs, nic, ring_regs[i], queue, 0);
	return 0;
}

int adv_queue0_up(struct adv_queue *q, const struct adv_nic *nic, volatile uint8_t *regs,
		  const uint8_t mac[6])
{
	int err = adv_queue_alloc(q, nic, 0);
	if (err)
		return err;
	if ((err = adv_queue_start(regs, nic, q))) {
		if (err != -EBUSY)
			adv_queue_free(q);
		return err;
	}
	adv_queue_map(q, regs);
	memcpy(q->mac, mac, 6);
	return 0;
}

/* ---- the control part: MSI-X entries ---- */

unsigned adv_queues_routable(const struct pci_dev *pci, const struct adv_nic *nic)
{
	unsigned entries = pci_msix_entries(pci);
	return entries < 2 ? 0 : MIN(entries - 1, nic->queues);
}

int adv_msix_own(const struct pci_dev *pci, uint32_t apic_id, uint8_t vec_queue,
		 uint8_t vec_other)
{
	int err = pci_msix_enable(pci, 0, apic_id, vec_queue);
	return err ? err : pci_msix_enable(pci, 1, apic_id, vec_other);
}

int adv_msix_queue(const struct pci_dev *pci, const struct adv_nic *nic, unsigned queue,
		   uint32_t apic_id, uint8_t vector)
{
	if (queue == 0 || queue >= adv_queues_routable(pci, nic))
		return -EINVAL;
	unsigned entry = queue + 1;
	int err = pci_msix_enable(pci, entry, apic_id, vector);
	return err ? err : (int)entry;
}
