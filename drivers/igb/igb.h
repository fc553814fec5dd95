/* igb (82576) driver. The control part (attach: reset, MAC, PHY and link, queue set-up,
 * MSI-X routing) is separate from the data path of a queue pair (send, poll), so that a queue
 * can be driven by a kernel other than the one that owns the device: the queue's rings and
 * buffers live in struct igb_queue, in the memory of the kernel that drives it, and the
 * control part only programs their physical addresses into the queue's registers. */
#ifndef DRIVERS_IGB_H
#define DRIVERS_IGB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/igb/igb_hw.h"
#include "drivers/nic.h"
#include "drivers/pci/pci.h"

#define IGB_RX_DESCS    256     /* multiples of 8; 256 * 16 B = 4 KiB per ring */
#define IGB_TX_DESCS    256

/* One RX/TX queue pair. The hardware advances RDH/TDH; the driver owns rx_next (the next
 * descriptor it will look at), tx_next (the next it will fill) and tx_clean. */
struct igb_queue {
	unsigned index;
	volatile union igb_rx_desc *rx;
	volatile union igb_tx_desc *tx;
	uint64_t rx_ring_pa, tx_ring_pa;
	uint8_t *rx_buf[IGB_RX_DESCS];
	uint8_t *tx_buf[IGB_TX_DESCS];
	uint32_t rx_next, tx_next, tx_clean;
	uint32_t tx_tail;               /* tx_next as last written to TDT */
	volatile uint32_t *rdt, *tdt;   /* the queue's tail registers */
	struct nic_stats counts;        /* frames this queue took and sent (rx_good, tx_good) */
	uint64_t rx_errors, tx_full;
	/* For a queue another kernel drives as its interface (igb_queue_ops): the registers
	 * as it mapped them, and the NIC's MAC. */
	volatile uint8_t *regs;
	uint8_t mac[6];
};

struct igb {
	const struct pci_dev *pci;
	volatile uint8_t *regs;
	uint8_t mac[6];
	struct igb_queue q0;            /* the queue of the kernel that owns the device */
	struct nic_stats hw;
	bool link_up;
};

/* Kernel 0 at boot: attaches the first 82576, if there is one. */
void igb_init(void);
/* The attached NIC, or NULL. */
struct igb *igb_nic(void);

/* Data path side: the rings and buffers of queue index, in this kernel's memory. */
int igb_queue_alloc(struct igb_queue *q, unsigned index);
/* Gives them back; only for a queue the device was never started on (or has stopped). */
void igb_queue_free(struct igb_queue *q);
/* Control part: points queue q->index at q's rings and enables it. Only q's index and ring
 * addresses are read, so q may be a copy describing another kernel's queue. */
int igb_queue_start(struct igb *e, struct igb_queue *q);
/* Control part: queue's receive interrupts to vector on the CPU with apic_id, by MSI-X
 * table entry queue + 1 (queue >= 1; queue 0 is igb_irq_msix's), at most once per
 * throttle_us; EIAC clears the cause as the message goes out. */
int igb_queue_route(struct igb *e, unsigned queue, uint32_t apic_id, uint8_t vector,
		    unsigned throttle_us);
/* Control part: RSS sends a frame whose hash has low 7 bits h to queue queue_of[h]. */
void igb_reta_write(struct igb *e, const uint8_t queue_of[IGB_RETA_ENTRIES]);
/* Data path side, in the kernel that drives q once the owner started it: q's tail
 * registers through this kernel's own mapping of the device's registers (BAR 0). */
void igb_queue_map(struct igb_queue *q, volatile uint8_t *regs);
/* One queue pair as a whole interface, for a kernel other than the owner: its data path, the
 * link state read from the shared registers, and the queue's own frame counts. The device
 * argument is the struct igb_queue, mapped and with its MAC set. */
extern const struct nic_ops igb_queue_ops;

/* Interrupts by MSI-X: table entry 0 is queue 0's receive cause, entry 1 the other causes
 * (link change, overrun), both to the CPU with apic_id; each vector at most once per
 * throttle_us. EIAC clears a queue's cause as its message is sent, so the handler of
 * vec_queue has nothing to acknowledge; the handler of vec_other calls igb_irq_other, which
 * reads (and so clears) ICR. igb_irq_test raises queue 0's cause by EICS. */
int igb_irq_msix(struct igb *e, uint32_t apic_id, uint8_t vec_queue, uint8_t vec_other,
		 unsigned throttle_us);
uint32_t igb_irq_other(struct igb *e);
void igb_irq_test(struct igb *e);

/* With more, TDT may wait for igb_tx_flush (struct nic_ops's send). */
int igb_send(struct igb_queue *q, const void *frame, size_t len, bool more);
void igb_tx_flush(struct igb_queue *q);
unsigned igb_poll(struct igb_queue *q, nic_deliver_fn deliver, void *arg, unsigned budget);
bool igb_rx_pending(const struct igb_queue *q);

extern const struct nic_ops igb_ops;

#endif
