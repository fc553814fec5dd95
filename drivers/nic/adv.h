/* Advanced descriptors and the walk over a queue pair's rings: the receive (82576 datasheet
 * 7.1.5) and transmit (7.2.2) formats, which the 82599 shares. What differs between the two
 * NICs is where a queue's tail registers sit and which status bits mark a bad frame; the
 * driver supplies both (struct adv_rx_ring's tail and err_mask, struct adv_tx_ring's tail)
 * and programs the ring addresses into its own registers. */
#ifndef DRIVERS_NIC_ADV_H
#define DRIVERS_NIC_ADV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/nic.h"
#include "lib/ring.h"

/* Descriptors per ring, receive and transmit alike: one page of 16-byte descriptors; a
 * multiple of 8, since RDLEN and TDLEN count bytes in multiples of 128. */
#define ADV_DESCS       256
_Static_assert(RING_IS_POW2(ADV_DESCS) && ADV_DESCS % 8 == 0, "ring size");

/* Receive descriptor, one buffer (7.1.5). The driver writes the read format; the
 * NIC overwrites the whole descriptor with the write-back format, so the buffer's address is
 * kept in struct adv_rx_ring too. read.hdr_addr's bit 0 is where wb's DD lands: writing the
 * read format back with hdr_addr 0 hands the slot to the NIC again. */
union adv_rx_desc {
	struct {
		uint64_t pkt_addr;      /* the buffer's physical address */
		uint64_t hdr_addr;      /* no header split: 0 */
	} read;
	struct {
		uint16_t pkt_info;
#define ADV_RXD_RSS_TYPE(info)  ((info) & 0xFu)         /* the hash's input, bits 3:0 */
#define ADV_RSS_TYPE_TCPIPV4    1u                      /* the TCP/IPv4 4-tuple */
		uint16_t hdr_info;
		uint32_t rss_hash;
		uint32_t status_error;
#define ADV_RXD_DD              (1u << 0)       /* descriptor done */
#define ADV_RXD_EOP             (1u << 1)       /* end of packet */
		uint16_t length;        /* bytes in the buffer */
		uint16_t vlan;
	} wb;
};
_Static_assert(sizeof(union adv_rx_desc) == 16, "receive descriptors are 16 bytes");

/* Transmit data descriptor (7.2.2). The NIC writes back only DD, in wb.status, and only
 * for a descriptor with RS. */
union adv_tx_desc {
	struct {
		uint64_t buffer_addr;
		uint32_t cmd_type_len;
#define ADV_TXD_LEN(n)          ((uint32_t)(n) & 0xFFFFu)       /* this buffer's bytes */
#define ADV_TXD_DTYP_DATA       (3u << 20)      /* a data descriptor */
#define ADV_TXD_EOP             (1u << 24)      /* the frame's last buffer */
#define ADV_TXD_IFCS            (1u << 25)      /* insert the Ethernet CRC */
#define ADV_TXD_RS              (1u << 27)      /* report status: set DD when sent */
#define ADV_TXD_DEXT            (1u << 29)      /* the advanced format */
		uint32_t olinfo_status;
#define ADV_TXD_PAYLEN(n)       ((uint32_t)(n) << 14)   /* the whole frame's bytes, 31:14 */
	} read;
	struct {
		uint64_t rsvd;
		uint32_t nxtseq_seed;
		uint32_t status;
#define ADV_TXD_STAT_DD         (1u << 0)
	} wb;
};
_Static_assert(sizeof(union adv_tx_desc) == 16, "transmit descriptors are 16 bytes");

/* A receive ring. Indices run free (lib/ring.h); adv_slot names the descriptor. The driver
 * alone writes next (the next descriptor it will look at) and the tail register (the last
 * slot it handed to the NIC); the NIC writes its head (RDH) and the descriptors it fills. */
struct adv_rx_ring {
	volatile union adv_rx_desc *desc;
	uint8_t *buf[ADV_DESCS];
	uint32_t next;
	volatile uint32_t *tail;        /* RDT, in this kernel's mapping of the registers */
	uint32_t err_mask;              /* status_error bits that mark a bad frame */
	uint64_t frames, errors;        /* delivered; dropped as bad or spanning buffers */
};

/* A transmit ring. The driver alone writes next (the next slot it fills), clean (the
 * oldest slot not yet seen done) and tail_written (next as last written to TDT); the NIC
 * writes its head (TDH) and DD in the descriptors it sent. */
struct adv_tx_ring {
	volatile union adv_tx_desc *desc;
	uint8_t *buf[ADV_DESCS];
	uint32_t next, clean, tail_written;
	volatile uint32_t *tail;        /* TDT, in this kernel's mapping of the registers */
	uint64_t frames, full;          /* queued; refused for want of a free slot */
};

/* The descriptor an index names. */
static inline unsigned adv_slot(uint32_t i) { return ring_slot(i, ADV_DESCS); }

/* Slots the driver may still fill. One stays empty: TDT == TDH means an empty ring. */
static inline uint32_t adv_tx_unused(const struct adv_tx_ring *t)
{
	return ADV_DESCS - 1 - ring_used(t->next, t->clean);
}

/* The rings and buffers in this kernel's memory, zeroed counters, each receive descriptor
 * pointing at its buffer; *ring_pa is the ring's physical address. On failure nothing stays
 * allocated. */
int adv_rx_alloc(struct adv_rx_ring *r, uint64_t *ring_pa);
int adv_tx_alloc(struct adv_tx_ring *t, uint64_t *ring_pa);
/* Give back what the allocations took (an empty ring is skipped); only for rings no enabled
 * queue points at. */
void adv_rx_free(struct adv_rx_ring *r, uint64_t *ring_pa);
void adv_tx_free(struct adv_tx_ring *t, uint64_t *ring_pa);

/* Queues one frame (copied); -EAGAIN when the ring is full, -EINVAL for a bad length. With
 * more, TDT may wait for adv_tx_flush (or NIC_TX_BATCH frames). */
int adv_send(struct adv_tx_ring *t, const void *frame, size_t len, bool more);
void adv_tx_flush(struct adv_tx_ring *t);
/* Hands up to budget received frames to deliver; returns the descriptors it took. */
unsigned adv_poll(struct adv_rx_ring *r, nic_deliver_fn deliver, void *arg, unsigned budget);
bool adv_rx_pending(const struct adv_rx_ring *r);

#endif
