/* Per kernel: the NIC queue pair it drives, the MSI-X entry and the vector its interrupts
 * take (STYLE.md practice 7). netdev, the queue-attach protocol and the tests ask here. */
#ifndef KERNEL_NICPLAN_H
#define KERNEL_NICPLAN_H

#include <stdbool.h>
#include <stdint.h>

struct nic_seat {
	uint8_t queue;          /* queue pair; 0 is kernel 0's, which owns the device */
	uint8_t msix_entry;     /* the MSI-X table entry that carries its receive interrupt */
	uint8_t vector;         /* the vector it arrives on, on that kernel's own CPU */
};

/* igb: MSI-X entry 0 is queue 0's, entry 1 the link change's and the other causes'
 * (kernel 0's, on VEC_NIC_OTHER), entry q + 1 queue q's for q >= 1, as igb_irq_msix and
 * igb_queue_route (drivers/igb/igb.c) program the IVAR registers. */
#define NIC_PLAN_OTHER_ENTRY 1
/* Every queue's receive interrupts: at most 20,000 a second. */
#define NIC_PLAN_THROTTLE_US 50
unsigned nic_plan_entry(unsigned queue);
/* Can queue q raise an interrupt on a NIC with nic_queues queue pairs and an MSI-X table of
 * msix_entries? A queue that cannot is never started for anyone. */
bool nic_plan_routable(unsigned queue, unsigned nic_queues, unsigned msix_entries);
/* How many kernels get a queue pair of their own: kernel k drives queue k, for every k below
 * ncores whose queue is routable. QEMU's 82576 has 16 queue pairs and a table of 10
 * entries: at most 9 kernels. The others get their frames from kernel 0. */
unsigned nic_plan_queues(unsigned ncores, unsigned nic_queues, unsigned msix_entries);
/* Kernel k's seat when `queues` kernels have one (nic_plan_queues); false: it has none. */
bool nic_plan_seat(unsigned k, unsigned queues, struct nic_seat *s);

#endif
