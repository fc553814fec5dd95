/* Advanced descriptors, the walk over a queue pair's rings, and the queue pair itself: the
 * receive (82576 datasheet 7.1.5) and transmit (7.2.2) formats, which the 82599 shares, and
 * the per-queue registers both lay out alike. What differs between the two NICs is where
 * the queue registers sit, the receive buffer set-up, which status bits mark a bad frame,
 * where the link state is read and where a queue's interrupt is raised: each driver
 * describes that in one struct adv_nic. */
#ifndef DRIVERS_NIC_ADV_H
#define DRIVERS_NIC_ADV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/nic.h"
#include "lib/ring.h"
#include "lib/toeplitz.h"

/* Descriptors per ring, each a multiple of 8 (RDLEN and TDLEN count bytes in multiples of
 * 128). With several queues a NIC drops a frame whose receive queue is full while others have
 * room (SRRCTL.DROP_EN; QEMU's model does the same), where a single queue holds it back: the
 * receive ring is what a kernel that is not running (a vCPU its host has descheduled) can
 * fall behind by. 256 lost 2,380 frames in 8 s at 256 connections on 2 vCPUs
 * (docs/BENCHMARKS.md, "Two kernels on the igb"). Sending needs no such slack. */
#define ADV_RX_DESCS    1024
#define ADV_TX_DESCS    256
_Static_assert(RING_IS_POW2(ADV_RX_DESCS) && ADV_RX_DESCS % 8 == 0, "ring size");
_Static_assert(RING_IS_POW2(ADV_TX_DESCS) && ADV_TX_DESCS % 8 == 0, "ring size");

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

/* A receive ring. Indices run free (lib/ring.h); adv_rx_slot names the descriptor. The driver
 * alone writes next (the next descriptor it will look at) and the tail register (the last
 * slot it handed to the NIC); the NIC writes its head (RDH) and the descriptors it fills. */
struct adv_rx_ring {
	volatile union adv_rx_desc *desc;
	uint8_t *buf[ADV_RX_DESCS];
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
	uint8_t *buf[ADV_TX_DESCS];
	uint32_t next, clean, tail_written;
	volatile uint32_t *tail;        /* TDT, in this kernel's mapping of the registers */
	uint64_t frames, full;          /* queued; refused for want of a free slot */
};

/* The descriptor an index names. */
static inline unsigned adv_rx_slot(uint32_t i) { return ring_slot(i, ADV_RX_DESCS); }
static inline unsigned adv_tx_slot(uint32_t i) { return ring_slot(i, ADV_TX_DESCS); }

/* Slots the driver may still fill. One stays empty: TDT == TDH means an empty ring. */
static inline uint32_t adv_tx_unused(const struct adv_tx_ring *t)
{
	return ADV_TX_DESCS - 1 - ring_used(t->next, t->clean);
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

/* ---- one queue pair (adv_queue.c) ---- */

/* Queue 0's registers of one NIC; queue q's sit stride bytes per queue further on. */
struct adv_queue_regs {
	uint32_t rdbal, rdbah, rdlen, srrctl, rdh, rdt, rxdctl;
	uint32_t tdbal, tdbah, tdlen, tdh, tdt, txdctl;
	uint32_t stride;
};

/* RXDCTL.ENABLE and TXDCTL.ENABLE: bit 25 on both NICs (82576 8.10, 8.12; 82599 8.2.3.8.6,
 * 8.2.3.9.10). */
#define ADV_DCTL_ENABLE (1u << 25)

/* The struct adv_queue_regs of a NIC whose hardware header names its per-queue registers
 * prefix##RDBAL(q) .. prefix##TXDCTL(q), as igb_hw.h (IGB_) and ixgbe_hw.h (IXGBE_) do. */
#define ADV_QUEUE_REGS(P) {                                                              \
	.rdbal = P##RDBAL(0), .rdbah = P##RDBAH(0), .rdlen = P##RDLEN(0),                 \
	.srrctl = P##SRRCTL(0), .rdh = P##RDH(0), .rdt = P##RDT(0), .rxdctl = P##RXDCTL(0), \
	.tdbal = P##TDBAL(0), .tdbah = P##TDBAH(0), .tdlen = P##TDLEN(0),                 \
	.tdh = P##TDH(0), .tdt = P##TDT(0), .txdctl = P##TXDCTL(0),                       \
	.stride = P##RDBAL(1) - P##RDBAL(0),                                             \
}
/* Checks at build time that queue n - 1's registers sit where the stride puts them (the
 * 82599's receive queues from 64 on sit elsewhere, so n must stay below that), and that the
 * NIC's queue enable bits are ADV_DCTL_ENABLE. */
#define ADV_QREG_AT(P, R, n) (P##R((n) - 1) == P##R(0) + ((n) - 1) * (P##RDBAL(1) - P##RDBAL(0)))
#define ADV_QUEUE_REGS_CHECK(P, n) _Static_assert(                                      \
	ADV_QREG_AT(P, RDBAL, n) && ADV_QREG_AT(P, RDBAH, n) && ADV_QREG_AT(P, RDLEN, n) &&  \
	ADV_QREG_AT(P, SRRCTL, n) && ADV_QREG_AT(P, RDH, n) && ADV_QREG_AT(P, RDT, n) &&     \
	ADV_QREG_AT(P, RXDCTL, n) && ADV_QREG_AT(P, TDBAL, n) && ADV_QREG_AT(P, TDBAH, n) && \
	ADV_QREG_AT(P, TDLEN, n) && ADV_QREG_AT(P, TDH, n) && ADV_QREG_AT(P, TDT, n) &&      \
	ADV_QREG_AT(P, TXDCTL, n) &&                                                         \
	P##RXDCTL_ENABLE == ADV_DCTL_ENABLE && P##TXDCTL_ENABLE == ADV_DCTL_ENABLE,          \
	#P " queue registers one stride apart, enable bits where adv_queue.c sets them")

/* What tells one NIC's queue pairs from another's. */
struct adv_nic {
	unsigned queues;                /* queue pairs the driver drives */
	struct adv_queue_regs regs;
	uint32_t srrctl;                /* SRRCTL: one NIC_BUF_SIZE buffer, advanced descriptors,
					 * drop (not stall) when the queue has no buffer */
	uint32_t rx_err_mask;           /* status_error bits that mark a bad frame */
	uint32_t link_reg, link_up;     /* the register that reports the link, and its up bit */
	unsigned (*link_mbps)(uint32_t link);   /* the speed link_reg says, 0 while down */
	uint32_t eics;                  /* extended interrupt cause set: bit e raises entry e */
	uint32_t lsc_set, lsc;          /* the register that raises the link-change cause, and
					 * its bit there */
	struct {                        /* the statistics registers, clear on read; 0: none */
		uint32_t rx_good, tx_good, rx_missed, rx_crc_errors;
	} stats;
};

/* One RX/TX queue pair: rings and buffers in the memory of the kernel that drives it. The
 * control part (adv_queue_start) reads only index and the two ring addresses, so a copy
 * holding those describes another kernel's queue. */
struct adv_queue {
	const struct adv_nic *nic;
	unsigned index;
	uint64_t rx_ring_pa, tx_ring_pa;
	/* Where every buffer of both rings lies, [buf_pa, buf_pa + buf_len): the attach request
	 * states it for kernel 0 to check (kernel/nicq.h). */
	uint64_t buf_pa, buf_len;
	struct adv_rx_ring rx;
	struct adv_tx_ring tx;
	struct nic_stats counts;        /* frames this queue took and sent (rx_good, tx_good) */
	/* Set by adv_queue_map: the registers as the driving kernel mapped them; the NIC's
	 * MAC is the driving kernel's to set. */
	volatile uint8_t *regs;
	uint8_t mac[6];
};

/* The data path, in the kernel that drives the queue. adv_queue_alloc: the rings and buffers
 * of queue index of nic, in this kernel's memory (-EINVAL for an index past nic->queues).
 * adv_queue_free gives them back, only for a queue the device never started or has stopped.
 * adv_queue_map: once the owner started q, its tail registers through this kernel's own
 * mapping of the device's registers (BAR 0). With more, adv_queue_send may leave TDT for
 * adv_queue_flush. */
int adv_queue_alloc(struct adv_queue *q, const struct adv_nic *nic, unsigned index);
/* A queue allocated with nic NULL (the attach protocol's requester, which learns the NIC from
 * kernel 0's answer: kernel/nicq.h) is bound to its NIC before it is mapped; -EINVAL for an
 * index past nic->queues. */
int adv_queue_bind(struct adv_queue *q, const struct adv_nic *nic);
void adv_queue_free(struct adv_queue *q);
void adv_queue_map(struct adv_queue *q, volatile uint8_t *regs);
int adv_queue_send(struct adv_queue *q, const void *frame, size_t len, bool more);
void adv_queue_flush(struct adv_queue *q);
unsigned adv_queue_poll(struct adv_queue *q, nic_deliver_fn deliver, void *arg, unsigned budget);
bool adv_queue_rx_pending(const struct adv_queue *q);
bool adv_queue_link_up(const struct adv_queue *q);

/* The control part, in the kernel that owns the device at regs. adv_queue_start points queue
 * q->index at q's rings and enables it; on failure the queue is left disabled with its ring
 * registers cleared, except after -EBUSY: it neither started nor stopped, and may still
 * point at them. adv_queue_stop disables queue and waits until the NIC has let go of its
 * rings, then clears its ring registers; -ETIMEDOUT if it does not stop (its rings must
 * then not be freed). adv_queue0_up: the owner's queue 0 allocated, started and mapped, with
 * the NIC's mac; on failure nothing stays allocated, except after -EBUSY. */
int adv_queue_start(volatile uint8_t *regs, const struct adv_nic *nic, const struct adv_queue *q);
/* The same for a queue another kernel owns, known by its index and ring addresses alone;
 * kernel 0's nicq_serve is its one caller at a time. */
int adv_queue_start_rings(volatile uint8_t *regs, const struct adv_nic *nic, unsigned queue,
			  uint64_t rx_ring_pa, uint64_t tx_ring_pa);
int adv_queue_stop(volatile uint8_t *regs, const struct adv_nic *nic, unsigned queue);
int adv_queue0_up(struct adv_queue *q, const struct adv_nic *nic, volatile uint8_t *regs,
		  const uint8_t mac[6]);

/* MSI-X entries, in kernel/nicplan.h's layout: entry 0 is queue 0's receive cause, entry 1
 * the other causes', entry q + 1 queue q's, so a table of n entries routes queues 0 .. n - 2.
 * adv_queues_routable: how many of nic's queue pairs the device's table routes.
 * adv_msix_own: entries 0 and 1 to vec_queue and vec_other on the CPU with apic_id.
 * adv_msix_queue: queue's entry to vector on the CPU with apic_id; the entry, or -EINVAL with
 * nothing changed for queue 0 or a queue the table does not route. The driver points the
 * queue's cause at the entry (its IVAR layout is its own). */
struct pci_dev;
unsigned adv_queues_routable(const struct pci_dev *pci, const struct adv_nic *nic);
int adv_msix_own(const struct pci_dev *pci, uint32_t apic_id, uint8_t vec_queue,
		 uint8_t vec_other);
int adv_msix_queue(const struct pci_dev *pci, const struct adv_nic *nic, unsigned queue,
		   uint32_t apic_id, uint8_t vector);

/* The owner's side of a device: its queue 0 and the device's own counters and link. A
 * driver's device starts with one, so that the struct adv_dev, its queue 0 and the device
 * are at one address (ADV_DEV_OPS). */
struct adv_dev {
	struct adv_queue q0;
	struct nic_stats hw;            /* the statistics registers' running totals */
	bool link_up;                   /* as the last update saw it */
};

/* ---- struct nic_ops over a queue pair (adv_ops.c) ---- */

/* ADV_QUEUE_OPS is the interface of a queue another kernel drives; its device argument is the
 * struct adv_queue, mapped and with its MAC set. Its data path, link and MAC are the queue's;
 * the link is the owner's to watch (update reports no change), the counts are the queue's
 * own, and irq_test raises the queue's receive cause, MSI-X entry index + 1
 * (kernel/nicplan.h). ADV_DEV_OPS is the owner's: its device argument is the driver's device,
 * which starts with a struct adv_dev; the data path, link and MAC are queue 0's, the counts
 * the device's statistics registers', and irq_test raises the link-change cause. */
#define ADV_QUEUE_OPS(nic_name) \
	ADV_NIC_OPS(nic_name, adv_queue_no_update, adv_queue_counts, adv_queue_irq_test)
#define ADV_DEV_OPS(nic_name) ADV_NIC_OPS(nic_name, adv_dev_update, adv_dev_stats, adv_dev_irq_test)

#define ADV_NIC_OPS(nic_name, update_fn, stats_fn, irq_test_fn) {                       \
	.name = (nic_name), .rss_key = rss_key_symmetric,                                \
	.send = adv_nic_send, .tx_flush = adv_nic_tx_flush, .poll = adv_nic_poll,        \
	.rx_pending = adv_nic_rx_pending, .link_up = adv_nic_link_up,                    \
	.link_mbps = adv_nic_link_mbps, .mac = adv_nic_mac,                              \
	.update = (update_fn), .stats = (stats_fn), .irq_test = (irq_test_fn),           \
}
int adv_nic_send(void *q, const void *frame, size_t len, bool more);
void adv_nic_tx_flush(void *q);
unsigned adv_nic_poll(void *q, nic_deliver_fn deliver, void *arg, unsigned budget);
bool adv_nic_rx_pending(const void *q);
bool adv_nic_link_up(const void *q);
unsigned adv_nic_link_mbps(const void *q);
const uint8_t *adv_nic_mac(const void *q);
bool adv_queue_no_update(void *q);
const struct nic_stats *adv_queue_counts(const void *q);
void adv_queue_irq_test(void *q);
bool adv_dev_update(void *dev);
const struct nic_stats *adv_dev_stats(const void *dev);
void adv_dev_irq_test(void *dev);

#endif
