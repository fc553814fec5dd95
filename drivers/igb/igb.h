/* igb (82576) driver. The control part (igb.c: attach, reset, MAC, PHY and link, queue
 * set-up, MSI-X routing, RSS, statistics) is separate from the data path of a queue pair
 * (struct adv_queue of drivers/nic/adv.h, which igb_adv describes for the 82576), so that a
 * queue can be driven by a kernel other than the one that owns the device: the queue's rings
 * and buffers live in the memory of the kernel that drives it, and the control part only
 * programs their physical addresses into the queue's registers. */
#ifndef DRIVERS_IGB_H
#define DRIVERS_IGB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/igb/igb_hw.h"
#include "drivers/nic/adv.h"
#include "drivers/nic.h"
#include "drivers/pci/pci.h"

#define IGB_RX_DESCS    ADV_RX_DESCS
#define IGB_TX_DESCS    ADV_TX_DESCS
/* The descriptors by their igb names, which kernel/netdev.c sizes the rings it checks with. */
#define igb_rx_desc     adv_rx_desc
#define igb_tx_desc     adv_tx_desc

/* The device. adv (queue 0, the counters, the link) comes first: igb_ops is ADV_DEV_OPS. */
struct igb {
	struct adv_dev adv;
	const struct pci_dev *pci;
	volatile uint8_t *regs;
	uint8_t mac[6];
};

/* Kernel 0 at boot: attaches the first 82576, if there is one. */
void igb_init(void);
/* The attached NIC, or NULL. */
struct igb *igb_nic(void);
/* The attach's second half, after reset, MAC and link: queue 0's rings allocated and
 * started, then the receiver and transmitter enabled. On failure nothing stays allocated
 * and the receiver, the transmitter and queue 0 stay disabled. igb_rings_down undoes it
 * (-ETIMEDOUT, and the rings kept, if queue 0 does not stop). The ktests call both. */
int igb_rings_up(struct igb *e);
int igb_rings_down(struct igb *e);

/* ---- the control part (igb.c), in the kernel that owns the device ---- */

/* Points queue q->index at q's rings and enables it. Only q's index and ring addresses are
 * read, so q may be a copy describing another kernel's queue. On failure the queue is left
 * disabled with its ring registers cleared, so the rings may be freed, except after -EBUSY:
 * the queue neither started nor stopped, and may still point at them. */
int igb_queue_start(struct igb *e, const struct adv_queue *q);
/* Disables queue and waits until the NIC says it is off, then clears its ring registers:
 * after 0 the NIC no longer touches the rings it pointed at. -ETIMEDOUT if the queue does
 * not stop; its rings must then not be freed. */
int igb_queue_stop(struct igb *e, unsigned queue);
/* Queue pairs that can have an interrupt of their own: queue q's receive cause goes to
 * MSI-X entry q + 1 (0 for queue 0, whose entry 1 is the other causes), so queues
 * 0 .. igb_queues_routable - 1 fit the device's MSI-X table. */
unsigned igb_queues_routable(const struct igb *e);
/* Queue's receive interrupts to vector on the CPU with apic_id, by MSI-X table entry
 * queue + 1 (queue >= 1; queue 0 is igb_irq_msix's), at most once per throttle_us; EIAC
 * clears the cause as the message goes out. -EINVAL, with nothing changed, for a queue
 * that is 0 or has no entry in the table (igb_queues_routable). */
int igb_queue_route(struct igb *e, unsigned queue, uint32_t apic_id, uint8_t vector,
		    unsigned throttle_us);
/* RSS sends a frame whose hash has low 7 bits h to queue queue_of[h]. */
void igb_reta_write(struct igb *e, const uint8_t queue_of[IGB_RETA_ENTRIES]);

/* Interrupts by MSI-X: table entry 0 is queue 0's receive cause, entry 1 the other causes
 * (link change, overrun), both to the CPU with apic_id; each vector at most once per
 * throttle_us. EIAC clears a queue's cause as its message is sent, so the handler of
 * vec_queue has nothing to acknowledge; the handler of vec_other calls igb_irq_other, which
 * reads (and so clears) ICR and counts an overrun among its causes (adv.hw.rx_overruns).
 * igb_ops's irq_test raises the link-change cause by ICS; igb_irq_test_overrun the
 * overrun cause, for the ktest of its count. */
int igb_irq_msix(struct igb *e, uint32_t apic_id, uint8_t vec_queue, uint8_t vec_other,
		 unsigned throttle_us);
uint32_t igb_irq_other(struct igb *e);
void igb_irq_test_overrun(struct igb *e);
/* The owner's interface: queue 0's data path, the link, the device's statistics. */
extern const struct nic_ops igb_ops;

/* ---- the data path, in the kernel that drives the queue ---- */

/* The 82576's queue pairs, for adv_queue_alloc (drivers/nic/adv.h). */
extern const struct adv_nic igb_adv;
/* One queue pair as a whole interface, for a kernel other than the owner: its data path, the
 * link state read from the shared registers, and the queue's own frame counts. The device
 * argument is the struct adv_queue, mapped and with its MAC set (ADV_QUEUE_OPS). */
extern const struct nic_ops igb_queue_ops;

/* The control part behind kernel 0's interface for every multi-queue NIC (drivers/nic.h);
 * its device argument is the struct igb. */
extern const struct nic_ctl_ops igb_ctl_ops;

#endif
