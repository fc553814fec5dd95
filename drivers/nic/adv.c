/* The walk over a queue pair's rings of advanced descriptors: allocation, send, flush and
 * poll, for every NIC that uses the format (drivers/nic/adv.h). */
#include "drivers/nic/adv.h"
#include "kernel/mm/layout.h"
#include "lib/errno.h"
#include "lib/string.h"

int adv_rx_alloc(struct adv_rx_ring *r, uint64_t *ring_pa)
{
	memset(r, 0, sizeof(*r));
	int err = nic_alloc_ring(ring_pa, r->buf, ADV_RX_DESCS);
	if (err)
		return err;
	r->desc = phys_to_virt(*ring_pa);
	for (unsigned i = 0; i < ADV_RX_DESCS; i++)
		r->desc[i].read.pkt_addr = virt_to_phys(r->buf[i]);
	return 0;
}

int adv_tx_alloc(struct adv_tx_ring *t, uint64_t *ring_pa)
{
	memset(t, 0, sizeof(*t));
	int err = nic_alloc_ring(ring_pa, t->buf, ADV_TX_DESCS);
	if (err)
		return err;
	t->desc = phys_to_virt(*ring_pa);
	return 0;
}

void adv_rx_free(struct adv_rx_ring *r, uint64_t *ring_pa)
{
	nic_free_ring(ring_pa, r->buf, ADV_RX_DESCS);
	r->desc = NULL;
}

void adv_tx_free(struct adv_tx_ring *t, uint64_t *ring_pa)
{
	nic_free_ring(ring_pa, t->buf, ADV_TX_DESCS);
	t->desc = NULL;
}

/* Takes back the descriptors the NIC has sent (DD set). */
static void tx_reclaim(struct adv_tx_ring *t)
{
	while (t->clean != t->next && (t->desc[adv_tx_slot(t->clean)].wb.status & ADV_TXD_STAT_DD))
		t->clean++;
}

/* Also called from the timer interrupt: it writes only what next already covers, so a send
 * it interrupts loses nothing. */
void adv_tx_flush(struct adv_tx_ring *t)
{
	uint32_t next = t->next;
	if (t->tail_written == next)
		return;
	nic_dma_barrier();
	t->tail_written = next;
	nic_wr_tail(t->tail, adv_tx_slot(next));
}

int adv_send(struct adv_tx_ring *t, const void *frame, size_t len, bool more)
{
	if (len < 14 || len > NIC_FRAME_MAX)
		return -EINVAL;
	tx_reclaim(t);
	if (adv_tx_unused(t) == 0) {
		t->full++;
		return -EAGAIN;
	}
	unsigned i = adv_tx_slot(t->next);
	volatile union adv_tx_desc *d = &t->desc[i];
	memcpy(t->buf[i], frame, len);
	d->read.buffer_addr = virt_to_phys(t->buf[i]);
	d->read.cmd_type_len = ADV_TXD_LEN(len) | ADV_TXD_DTYP_DATA | ADV_TXD_DEXT | ADV_TXD_EOP |
			       ADV_TXD_IFCS | ADV_TXD_RS;
	d->read.olinfo_status = ADV_TXD_PAYLEN(len);
	nic_dma_barrier();
	t->next++;
	t->frames++;
	if (!more || t->next - t->tail_written >= NIC_TX_BATCH)
		adv_tx_flush(t);
	return 0;
}

bool adv_rx_pending(const struct adv_rx_ring *r)
{
	return r->desc[adv_rx_slot(r->next)].wb.status_error & ADV_RXD_DD;
}

/* One filled descriptor: delivered if it holds a whole good frame (nic_rx_whole), else
 * counted in errors. */
static void rx_take(struct adv_rx_ring *r, volatile union adv_rx_desc *d, const uint8_t *buf,
		    nic_deliver_fn deliver, void *arg)
{
	uint32_t st = d->wb.status_error;
	uint16_t len = d->wb.length;
	if (nic_rx_whole(st & ADV_RXD_EOP, st & r->err_mask, len)) {
		struct nic_rx_info info = {
			.rss_hash = d->wb.rss_hash,
			.rss_tcp4 = ADV_RXD_RSS_TYPE(d->wb.pkt_info) == ADV_RSS_TYPE_TCPIPV4,
		};
		deliver(arg, buf, len, &info);
		r->frames++;
	} else {
		r->errors++;
	}
}

unsigned adv_poll(struct adv_rx_ring *r, nic_deliver_fn deliver, void *arg, unsigned budget)
{
	unsigned n = 0;
	while (n < budget) {
		unsigned i = adv_rx_slot(r->next);
		volatile union adv_rx_desc *d = &r->desc[i];
		if (!(d->wb.status_error & ADV_RXD_DD))
			break;
		nic_dma_barrier();
		rx_take(r, d, r->buf[i], deliver, arg);
		/* Back to the read format: the write-back overwrote the buffer address. */
		d->read.pkt_addr = virt_to_phys(r->buf[i]);
		d->read.hdr_addr = 0;
		r->next++;
		n++;
	}
	/* The slots go back to the NIC with one tail write per batch, not one per frame: each
	 * write is an MMIO access (under QEMU, a call into the device model). */
	if (n) {
		nic_dma_barrier();
		nic_wr_tail(r->tail, adv_rx_slot(r->next - 1));
	}
	return n;
}
