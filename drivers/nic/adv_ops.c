/* struct nic_ops over a queue pair of advanced descriptors (drivers/nic/adv.h): as the
 * interface of a queue another kernel drives (ADV_QUEUE_OPS), and as the owner's, over its
 * queue 0 and the device's own registers (ADV_DEV_OPS). */
#include "drivers/nic/adv.h"

/* ---- what both interfaces take from the queue ---- */

int adv_nic_send(void *q, const void *frame, size_t len, bool more)
{
	return adv_queue_send(q, frame, len, more);
}

void adv_nic_tx_flush(void *q) { adv_queue_flush(q); }

unsigned adv_nic_poll(void *q, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	return adv_queue_poll(q, deliver, arg, budget);
}

bool adv_nic_rx_pending(const void *q) { return adv_queue_rx_pending(q); }
bool adv_nic_link_up(const void *q) { return adv_queue_link_up(q); }

unsigned adv_nic_link_mbps(const void *nic)
{
	const struct adv_queue *q = nic;
	return q->nic->link_mbps(nic_rd32(q->regs, q->nic->link_reg));
}

const uint8_t *adv_nic_mac(const void *q) { return ((const struct adv_queue *)q)->mac; }

/* ---- a queue another kernel drives ---- */

bool adv_queue_no_update(void *q)
{
	(void)q;
	return false;
}

const struct nic_stats *adv_queue_counts(const void *q)
{
	return &((const struct adv_queue *)q)->counts;
}

void adv_queue_irq_test(void *nic)
{
	struct adv_queue *q = nic;
	nic_wr32(q->regs, q->nic->eics, 1u << (q->index + 1));
}

/* ---- the owner's device ---- */

/* Adds a statistics register (clear on read; 0: the NIC has none) to its running total. */
static void count(const struct adv_queue *q0, uint32_t reg, uint64_t *total)
{
	if (reg)
		*total += nic_rd32(q0->regs, reg);
}

bool adv_dev_update(void *dev)
{
	struct adv_dev *d = dev;
	const struct adv_nic *nic = d->q0.nic;
	count(&d->q0, nic->stats.rx_good, &d->hw.rx_good);
	count(&d->q0, nic->stats.tx_good, &d->hw.tx_good);
	count(&d->q0, nic->stats.rx_missed, &d->hw.rx_missed);
	count(&d->q0, nic->stats.rx_crc_errors, &d->hw.rx_crc_errors);
	bool up = adv_queue_link_up(&d->q0), changed = up != d->link_up;
	d->link_up = up;
	return changed;
}

const struct nic_stats *adv_dev_stats(const void *dev)
{
	return &((const struct adv_dev *)dev)->hw;
}

void adv_dev_irq_test(void *dev)
{
	const struct adv_dev *d = dev;
	nic_wr32(d->q0.regs, d->q0.nic->lsc_set, d->q0.nic->lsc);
}
