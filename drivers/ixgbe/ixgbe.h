/* ixgbe (82599, the X520 family) driver. As with the igb (drivers/igb/igb.h), the control
 * part (ixgbe.c: attach, reset, link, MAC, queue start and stop, MSI-X routing, RSS;
 * ixgbe_fdir.c: Flow Director) is separate from the data path of a queue pair (struct
 * adv_queue of drivers/nic/adv.h, which ixgbe_adv describes for the 82599): a queue's rings
 * live in the memory of the kernel that drives it, and the control part only programs their
 * physical addresses into the queue's registers. */
#ifndef DRIVERS_IXGBE_H
#define DRIVERS_IXGBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/ixgbe/ixgbe_hw.h"
#include "drivers/nic/adv.h"
#include "drivers/nic.h"
#include "drivers/pci/pci.h"

/* Flow Director groups (the NetPopcorn / Affinity-Accept scheme): a received TCP segment
 * belongs to the group named by the low 12 bits of its source port, the client's port, and
 * one perfect filter per group sends the group to a queue.
 *
 * How the groups meet the kernel's steering (drivers/nic.h, kernel/netsteer.c): the 128 RSS
 * buckets stay the unit the policy and the move exchange move, and group g belongs to
 * bucket g % 128, so a bucket is 32 groups and its 32 filters name its queue. Kernel 0
 * writes the RSS table and then the group table spread from it (group_write: only the
 * groups whose queue changed are repointed, so moving a bucket costs 32 filter commands).
 * Once the groups are written every TCP segment matches a filter, so its bucket is its
 * source port % 128 (nic_tcp_bucket), and that is what every kernel computes for it (its
 * buckets for connect(), the move exchange's drains and forwarding, software steering);
 * other IPv4 traffic follows RSS's address hash. A consequence: the replies of an outgoing
 * connection come from the server's port, so they reach the kernel that owns that port's
 * bucket, whatever source port the client picked (docs/HARDWARE.md). */
#define IXGBE_FDIR_GROUP_BITS   12
#define IXGBE_FDIR_GROUPS       (1u << IXGBE_FDIR_GROUP_BITS)
#define IXGBE_FDIR_NONE         0xFF    /* a group with no filter: RSS places its segments */

/* The device. adv (queue 0, the counters, the link) comes first: ixgbe_ops is ADV_DEV_OPS. */
struct ixgbe {
	struct adv_dev adv;
	const struct pci_dev *pci;
	volatile uint8_t *regs;
	uint8_t mac[6];
	bool fdir_ready;                        /* FDIRCTRL programmed, INIT_DONE seen */
	uint8_t fdir_queue[IXGBE_FDIR_GROUPS];  /* the queue each group's filter names */
	uint64_t fdir_writes;                   /* filters added, repointed or removed */
};

/* Kernel 0 at boot: attaches the first 82599 of the device ids it knows, if there is one. */
void ixgbe_init(void);
/* The attached NIC, or NULL. */
struct ixgbe *ixgbe_nic(void);
/* Reset, MAC, link start, RSS, Flow Director, queue 0 started, receiver and transmitter on.
 * -ETIMEDOUT (with a log line naming the step) if the reset, the EEPROM auto-read or the
 * DMA initialisation does not complete; -ENOTSUP if the board's link mode is not one this
 * driver sets up (the log line names the mode found). */
int ixgbe_attach(struct ixgbe *e, const struct pci_dev *pci);
/* Waits up to ms for LINKS to say the link is up: 0, or -ETIMEDOUT with a log line. */
int ixgbe_link_wait(struct ixgbe *e, unsigned ms);

/* ---- the control part (ixgbe.c), in the kernel that owns the device ---- */

/* As igb_queue_start and igb_queue_stop (drivers/igb/igb.h), for the 82599's queues. */
int ixgbe_queue_start(struct ixgbe *e, const struct adv_queue *q);
int ixgbe_queue_stop(struct ixgbe *e, unsigned queue);
/* Queue's receive interrupts to vector on the CPU with apic_id, by its MSI-X entry (q + 1,
 * kernel/nicplan.h's layout), at most once per throttle_us. -EINVAL for queue 0
 * (ixgbe_irq_msix's) or one past the table (adv_queues_routable). */
int ixgbe_queue_route(struct ixgbe *e, unsigned queue, uint32_t apic_id, uint8_t vector,
		      unsigned throttle_us);
/* Entry 0 queue 0's receive cause, entry 1 the other causes (link change). */
int ixgbe_irq_msix(struct ixgbe *e, uint32_t apic_id, uint8_t vec_queue, uint8_t vec_other,
		   unsigned throttle_us);
/* The handler of the other causes' vector: reads and clears them (EICR), unmasks them again;
 * the causes it read. */
uint32_t ixgbe_irq_other(struct ixgbe *e);
/* RSS sends a frame whose hash has low 7 bits h to queue queue_of[h] (< IXGBE_QUEUES). */
int ixgbe_reta_write(struct ixgbe *e, const uint8_t queue_of[IXGBE_RETA_ENTRIES]);
extern const struct nic_ops ixgbe_ops;

/* ---- Flow Director (ixgbe_fdir.c) ---- */

/* Perfect-match filters on the low 12 bits of the TCP source port, no filter yet: every
 * group goes where RSS sends it. -ETIMEDOUT if the table does not initialise. */
int ixgbe_fdir_init(struct ixgbe *e);
/* Points group's filter at queue (IXGBE_FDIR_NONE removes it): one filter written, none if
 * it already points there. -EINVAL for a bad group or queue, -ETIMEDOUT if the NIC does not
 * take the command. */
int ixgbe_fdir_point(struct ixgbe *e, unsigned group, unsigned queue);
/* The whole table, shaped like kernel/netsteer.c's RSS write: each group whose queue
 * changed is reprogrammed, and only those. -EINVAL, with nothing written, for a bad queue;
 * a command that fails stops the walk (the groups before it are moved). */
int ixgbe_fdir_write(struct ixgbe *e, const uint8_t queue_of[IXGBE_FDIR_GROUPS]);
/* The bucket hash, with key, of a filter on flow type flow (IXGBE_FDIR_FLOW_TCPV4) and an
 * IPv4 4-tuple (host order, already masked, no VM pool or VLAN): the 13-bit FDIRHASH bucket
 * of a perfect filter. */
uint32_t ixgbe_fdir_hash(uint32_t key, unsigned flow, uint32_t src, uint32_t dst,
			 uint16_t sport, uint16_t dport);

/* ---- the data path, in the kernel that drives the queue ---- */

/* The 82599's queue pairs, for adv_queue_alloc (drivers/nic/adv.h), and one queue pair as a
 * whole interface (as igb_queue_ops). */
extern const struct adv_nic ixgbe_adv;
extern const struct nic_ops ixgbe_queue_ops;

/* The control part behind kernel 0's interface for every multi-queue NIC (drivers/nic.h):
 * queues for other kernels, their MSI-X entries, RSS through steer_write and the 4,096 Flow
 * Director groups through group_write. Its device argument is the struct ixgbe. */
extern const struct nic_ctl_ops ixgbe_ctl_ops;

#endif
