/* The NIC's interrupts: where they are routed, and the work they note for netdev_poll. */
#ifndef KERNEL_NETIRQ_H
#define KERNEL_NETIRQ_H

#include <stdbool.h>
#include <stdint.h>

#define NETIRQ_RX   (1u << 0)   /* frames may wait in the receive ring */
#define NETIRQ_LINK (1u << 1)   /* the link changed: read the NIC's state */

struct e1000;
struct nic_ctl;
/* Kernel 0: the e1000's INTx through the I/O APIC, found by probing; polled without it. */
void netirq_e1000_setup(struct e1000 *e);
/* Kernel 0: its multi-queue NIC's queue 0 and other causes by MSI-X, as kernel/nicplan.h
 * seats them. */
void netirq_msix_setup(const struct nic_ctl *c);
/* Another kernel: its own queue's interrupt, on its seat's vector. */
void netirq_queue_setup(uint8_t vector);
/* Notes work; safe against the handlers, which note work too. */
void netirq_note(uint32_t work);
/* The work noted since the last call, cleared in the same step. */
uint32_t netirq_take(void);
bool netirq_pending(void);
/* Interrupts the NIC raised here since boot. */
uint64_t netirq_count(void);
/* Those of them that carried the link-change cause (which nic_ops.irq_test raises). */
uint64_t netirq_link_count(void);

#endif
