/* e1000 (82540EM) driver: the control part (reset, MAC, link, queue set-up, INTx) and the data
 * path of its one queue pair (send, poll). */
#ifndef DRIVERS_E1000_H
#define DRIVERS_E1000_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/e1000/e1000_hw.h"
#include "drivers/nic.h"
#include "drivers/pci/pci.h"

#define E1000_RX_DESCS  256     /* multiples of 8; 256 * 16 B = 4 KiB per ring */
#define E1000_TX_DESCS  256
_Static_assert(NIC_BUF_SIZE == 2048, "RCTL.BSIZE 00: 2048-byte receive buffers");

/* One RX/TX queue pair. Index ownership: the hardware advances RDH/TDH; the driver owns
 * rx_next (next descriptor it will look at) and tx_next (next it will fill). */
struct e1000_queue {
	uint64_t rx_ring_pa, tx_ring_pa;
	volatile struct e1000_rx_desc *rx;
	volatile struct e1000_tx_desc *tx;
	uint8_t *rx_buf[E1000_RX_DESCS];
	uint8_t *tx_buf[E1000_TX_DESCS];
	uint32_t rx_next, tx_next, tx_clean;
	uint32_t tx_tail;               /* tx_next as last written to TDT */
};

struct e1000 {
	const struct pci_dev *pci;
	volatile uint8_t *regs;
	uint8_t mac[6];
	struct e1000_queue q;
	uint64_t rx_frames, tx_frames, rx_errors, tx_full;
	struct nic_stats hw;
	bool link_up;
};

/* Kernel 0 at boot: attaches the first 82540EM, if there is one. */
void e1000_init(void);
/* The attached NIC, or NULL. */
struct e1000 *e1000_nic(void);
/* The attach's second half, after reset and MAC, on a device without rings: both rings
 * allocated, then programmed, then the receiver and transmitter enabled. On failure nothing
 * stays allocated and both stay off. e1000_rings_down turns both off and gives the rings
 * back. The ktests call both, and e1000_eeprom_read: one EEPROM word by EERD, -ETIMEDOUT if
 * it does not finish. */
int e1000_rings_up(struct e1000 *e);
void e1000_rings_down(struct e1000 *e);
int e1000_eeprom_read(struct e1000 *e, unsigned word, uint16_t *v);
/* Interrupts (INTx): the causes the driver wants (frames arrived, overrun, link change),
 * throttled to at most one per ~100 us. e1000_irq_ack reads and so clears ICR, which lowers
 * INTx, and counts an overrun among the causes (hw.rx_overruns); the handler calls it.
 * e1000_irq_test raises a cause by ICS, for finding where INTx lands;
 * e1000_irq_test_overrun raises the overrun cause, for the ktest of its count. */
void e1000_irq_enable(struct e1000 *e);
void e1000_irq_disable(struct e1000 *e);
uint32_t e1000_irq_ack(struct e1000 *e);
void e1000_irq_test(struct e1000 *e);
void e1000_irq_test_overrun(struct e1000 *e);
/* The data path (send, poll, flush), link state and counters: through these. */
extern const struct nic_ops e1000_ops;

#endif
