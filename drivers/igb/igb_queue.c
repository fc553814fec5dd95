/* igb (82576) data path of one queue pair, in the kernel that drives it: the rings, send,
 * flush and poll over drivers/nic/adv.c, and the queue as a whole interface (igb_queue_ops). */
#include "drivers/igb/igb.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"

int igb_queue_alloc(struct igb_queue *q, unsigned index)
{
	int err;
	if (index >= IGB_QUEUES)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->index = index;
	if ((err = adv_rx_alloc(&q->rx, &q->rx_ring_pa)))
		return err;
	if ((err = adv_tx_alloc(&q->tx, &q->tx_ring_pa))) {
		adv_rx_free(&q->rx, &q->rx_ring_pa);
		return err;
	}
	q->rx.err_mask = IGB_RXD_ERR_RXE;
	return 0;
}

void igb_queue_free(struct igb_queue *q)
{
	adv_rx_free(&q->rx, &q->rx_ring_pa);
	adv_tx_free(&q->tx, &q->tx_ring_pa);
}

void igb_queue_map(struct igb_queue *q, volatile uint8_t *regs)
{
	q->regs = regs;
	q->rx.tail = (volatile uint32_t *)(regs + IGB_RDT(q->index));
	q->tx.tail = (volatile uint32_t *)(regs + IGB_TDT(q->index));
}

int igb_send(struct igb_queue *q, const void *frame, size_t len, bool more)
{
	int err = adv_send(&q->tx, frame, len, more);
	q->counts.tx_good = q->tx.frames;
	return err;
}

void igb_tx_flush(struct igb_queue *q)
{
	adv_tx_flush(&q->tx);
}

unsigned igb_poll(struct igb_queue *q, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	unsigned n = adv_poll(&q->rx, deliver, arg, budget);
	q->counts.rx_good = q->rx.frames;
	return n;
}

bool igb_rx_pending(const struct igb_queue *q)
{
	return adv_rx_pending(&q->rx);
}

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
static unsigned q_link_mbps(const void *nic) { return igb_status_mbps(q_status(nic)); }
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
