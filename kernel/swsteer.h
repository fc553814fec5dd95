/* Software steering (DESIGN.md section 4): a NIC queue's owner, kernel 0, hands each received
 * IPv4 frame whose RSS bucket another kernel owns to that kernel, and sends the frames of
 * kernels without a queue of their own on its TX ring; both by reference into the packet pool
 * (kernel/urpc/pool.h), with URPC_PKT_RX, URPC_PKT_TX and URPC_PKT_RETURN (kernel/urpc/msg.h).
 * It serves every kernel on the e1000 but 0 and those past the igb's MSI-X seats
 * (kernel/nicplan.h), unless net=kernel0; the buckets go to them by the same policy as to
 * kernels with a queue (kernel/netsteer.h).
 *
 *   kernel 0                                          kernel k (no queue)
 *   e1000 RX -> bucket of k? -> pool buffer (0's) --RX-->  eth_input, then RETURN --> freed
 *   e1000 TX <- send, RETURN --> freed in k's pool <--TX-- pool buffer (k's) <- netif tx
 *
 * Any kernel may also hand a frame it received to any other (swsteer_forward: a moved
 * bucket's new owner to the previous one, kernel/netmove.h): copied once into one of the
 * sender's pool buffers, since a queue's buffers lie in its kernel's own partition, and
 * marked so that the receiver takes it as it is and never hands it on again (no loops).
 *
 *   kernel j                                           kernel k
 *   frame -> pool buffer (j's) --RX, forwarded-->  eth_input (rx_forwarded), RETURN --> freed
 *
 * The URPC handlers only queue what arrives; netdev_poll does the work, in the main loop. */
#ifndef KERNEL_SWSTEER_H
#define KERNEL_SWSTEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/urpc/pool.h"

struct netif;
struct nic_ops;

/* Counted since boot, beside the pool's own (struct pktpool_stats). */
struct swsteer_stats {
	uint64_t rx_handed;             /* kernel 0: frames passed to their bucket's kernel */
	uint64_t rx_taken;              /* frames received from kernel 0 and input here */
	uint64_t tx_handed;             /* frames passed to kernel 0 to send */
	uint64_t tx_relayed;            /* kernel 0: other kernels' frames put on the TX ring */
	uint64_t ring_full;             /* frames dropped: the URPC ring to the peer was full */
	uint64_t backlog_full;          /* frames dropped: too many waiting for netdev_poll */
	uint64_t tx_refused;            /* kernel 0: the NIC refused a relayed frame */
	uint64_t fwd_handed;            /* frames this kernel received and handed on */
	uint64_t fwd_taken;             /* frames another kernel handed on, input here */
};

/* Every kernel, before its stack takes frames: its view of the pool, and the handlers. */
void swsteer_init(struct netif *nif);
/* Kernel 0: from now on it steers to kernels `first` and up (a NIC that cannot give every
 * kernel a queue), and sends their frames on nic. */
void swsteer_enable(const struct nic_ops *ops, void *nic, unsigned first);
bool swsteer_enabled(void);
/* Kernel 0, for each received frame before its own stack: true when the frame went to
 * another kernel (or was dropped for want of a buffer or room, and counted). Sets the
 * interface's rx hash for a frame it keeps. */
bool swsteer_divert(struct netif *nif, const uint8_t *frame, size_t len);
/* Any kernel: hands frame, which this kernel received, to kernel k, whose stack takes it
 * without handing it on again (hash and tcp4 as the NIC's flow hash). 0; -EINVAL for
 * this kernel, a kernel out of range or a dead one; -ENODEV without the pool or for a
 * frame over a buffer; -EAGAIN when no buffer is free or k's ring is full (both counted:
 * the pool's exhausted, ring_full). */
int swsteer_forward(unsigned k, const uint8_t *frame, size_t len, uint32_t hash, bool tcp4);
/* Another kernel's interface's tx: the frame goes to kernel 0 in a pool buffer; -EHOSTDOWN
 * once kernel 0 is dead, whose NIC then sends nothing for anyone. */
int swsteer_tx(void *drv, const uint8_t *frame, size_t len);
/* Any kernel, from netdev_poll: inputs or sends what arrived, gives buffers back, takes back
 * those dead kernels held. */
void swsteer_poll(uint64_t now);
bool swsteer_pending(void);
const struct swsteer_stats *swsteer_stats(void);
const struct pktpool *swsteer_pool(void);

/* What netstat and the every-kernel summary report of it: frames handed out and taken in,
 * and this kernel's block of the pool (zero before the pool is attached). */
struct swsteer_figures {
	uint64_t steered_out, steered_in;
	uint32_t pool_in_use, pool_size;
	struct pktpool_stats pool;
};
void swsteer_figures(struct swsteer_figures *f);

#endif
