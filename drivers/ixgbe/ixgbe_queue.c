/* ixgbe (82599) data path of one queue pair, in the kernel that drives it: the rings, send,
 * flush and poll over drivers/nic/adv.c, and the queue as a whole interface (ixgbe_queue_ops). */
#include "drivers/ixgbe/ixgbe.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"

int ixgbe_queue_alloc(struct ixgbe_queue *q, unsigned index)
{
	int err;
	if (index >= IXGBE_QUEUES)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->index = index;
	if ((err = adv_rx_alloc(&q->rx, &q->rx_ring_pa)))
		return err;
	if ((err = adv_tx_alloc(&q->tx, &q->tx_ring_pa))) {
		adv_rx_free(&q->rx, &q->rx_ring_pa);
		return err;
	}
	q->rx.err_mask = IXGBE_RXD_ERR_RXE;
	return 0;
}

void ixgbe_queue_free(struct ixgbe_queue *q)
{
	adv_rx_free(&q->rx, &q->rx_ring_pa);
	adv_tx_free(&q->tx, &q->tx_ring_pa);
}

void ixgbe_queue_map(struct ixgbe_queue *q, volatile uint8_t *regs)
{
	q->regs = regs;
	q->rx.tail = (volatile uint32_t *)(regs + IXGBE_RDT(q->index));
	q->tx.tail = (volatile uint32_t *)(regs + IXGBE_TDT(q->index));
}

int ixgbe_send(struct ixgbe_queue *q, const void *frame, size_t len, bool more)
{
	int err = adv_send(&q->tx, frame, len, more);
	q->counts.tx_good = q->tx.frames;
	return err;
}

void ixgbe_tx_flush(struct ixgbe_queue *q)
{
	adv_tx_flush(&q->tx);
}

unsigned ixgbe_poll(struct ixgbe_queue *q, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	unsigned n = adv_poll(&q->rx, deliver, arg, budget);
	q->counts.rx_good = q->rx.frames;
	return n;
}

bool ixgbe_rx_pending(const struct ixgbe_queue *q)
{
	return adv_rx_pending(&q->rx);
}

/* ---- one queue pair as another kernel's interface ---- */

static int q_send(void *nic, const void *frame, size_t len, bool more)
{
	return ixgbe_send(nic, frame, len, more);
}

static void q_tx_flush(void *nic) { ixgbe_tx_flush(nic); }

static unsigned q_poll(void *nic, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	return ixgbe_poll(nic, deliver, arg, budget);
}

static bool q_rx_pending(const void *nic) { return ixgbe_rx_pending(nic); }

static uint32_t q_links(const void *nic)
{
	return nic_rd32(((const struct ixgbe_queue *)nic)->regs, IXGBE_LINKS);
}

/* The link is the owner's to watch; the queue only reads it. */
static bool q_update(void *nic)
{
	(void)nic;
	return false;
}

static bool q_link_up(const void *nic) { return q_links(nic) & IXGBE_LINKS_UP; }
static unsigned q_link_mbps(const void *nic) { return ixgbe_links_mbps(q_links(nic)); }
static const struct nic_stats *q_stats(const void *nic)
{
	return &((const struct ixgbe_queue *)nic)->counts;
}
static const uint8_t *q_mac(const void *nic) { return ((const struct ixgbe_queue *)nic)->mac; }
/* The queue's receive cause is MSI-X entry index + 1 (ixgbe_queue_route); EICS reaches
 * entries below 16 only. */
static void q_irq_test(void *nic)
{
	struct ixgbe_queue *q = nic;
	nic_wr32(q->regs, IXGBE_EICS, 1u << (q->index + 1));
}

const struct nic_ops ixgbe_queue_ops = {
	.name = "ixgbe queue",
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
