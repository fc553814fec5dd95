/* The queue-attach protocol: another kernel drives a queue pair of a multi-queue NIC (the igb
 * or the ixgbe) that kernel 0, the NIC's owner, starts on rings in the requester's memory
 * (DESIGN.md section 3), through the NIC's control part (struct nic_ctl_ops, drivers/nic.h).
 *
 *   requester k                                      owner, kernel 0
 *   allocates rings in its own partition
 *   URPC_NICQ_ATTACH {seq, queue, rings, apic, vector} -->
 *                                                    refuses unless: a multi-queue NIC; the
 *                                                    queue is routable (nic_plan_routable)
 *                                                    and free;
 *                                                    the rings lie in k's partition.
 *                                                    routes the queue's MSI-X entry to k,
 *                                                    then starts the queue (the last step
 *                                                    that can fail): state OFFERED
 *          <-- URPC_NICQ_ATTACHED {seq, status, rings_held, nic, registers}
 *   binds the queue to the driver nic names
 *   (rings are alike on each such NIC),
 *   maps the registers
 *   URPC_NICQ_CONFIRM {seq, queue} -------------------->
 *                                                    state ATTACHED: the queue is k's, and
 *                                                    the RSS policy may give k buckets
 *
 * Timeouts, so that both sides agree on the outcome: the requester waits at most
 * NICQ_ANSWER_MS, counted from before its request, for the answer, and sends its confirm
 * before that same deadline, or never touches the queue. The owner waits NICQ_CONFIRM_MS,
 * longer and counted from after its answer, i.e. after the requester's clock started: a
 * confirm that was sent is in the owner's ring by its deadline (the second between the two
 * covers a send that overruns its deadline by a loop), where the owner drains the ring once
 * more before deciding. No confirm, or an answer it could not send: the owner gives the
 * queue up and stops it (queue_stop); it is never the kernel's, and it is FREE to offer
 * again, or LOST for good if it would not stop.
 *
 * Rings: a refusal with rings_held == 0 comes before the NIC was told of them, and the
 * requester frees them. After a timeout, a failed confirm or rings_held, the requester keeps
 * them for good: it cannot know when the owner stopped the queue, and until then the NIC
 * may write there.
 */
#ifndef KERNEL_NICQ_H
#define KERNEL_NICQ_H

#include <stdint.h>

#define NICQ_ANSWER_MS  2000
#define NICQ_CONFIRM_MS 3000
_Static_assert(NICQ_CONFIRM_MS > NICQ_ANSWER_MS, "the owner outwaits the requester");

/* An owned queue's state on kernel 0. */
enum nicq_state {
	NICQ_FREE,              /* not started for another kernel, or stopped again */
	NICQ_OFFERED,           /* started and answered; no confirm yet */
	NICQ_ATTACHED,          /* confirmed: the requester drives it */
	NICQ_LOST,              /* given up but would not stop: no one's, not offered again */
};

struct adv_queue;
struct nic_ctl;
struct nic_ops;
struct urpc_nicq_attach;
struct urpc_nicq_attached;

/* Every kernel: the handlers of its side. Kernel 0 passes its multi-queue NIC's control
 * part, or NULL. */
void nicq_init(const struct nic_ctl *owner);
/* Kernel 0: serves a waiting request and gives up offers past their deadline (netdev_poll
 * calls it; so may a thread that waits for a requester without returning to the main loop). */
void nicq_serve(void);
/* Kernel 0: the queue kernel k drives (confirmed), 0 if none. */
unsigned nicq_queue_of(unsigned k);
enum nicq_state nicq_queue_state(unsigned queue);

/* Another kernel: drives queue pair `queue` from here, its receive interrupts on `vector`,
 * waiting at most NICQ_ANSWER_MS for kernel 0. Its rings are allocated in this kernel's
 * memory; 0 once kernel 0 counts the queue as this kernel's. */
int nicq_attach(struct adv_queue *q, unsigned queue, uint8_t vector);
/* The interface of a queue nicq_attach attached (its driver's queue ops), NULL for another. */
const struct nic_ops *nicq_queue_ops(const struct adv_queue *q);
/* The request alone: sends *r (its seq filled in here) and waits for the answer into *a.
 * 0 when an answer came (its status in a->status), else why none did. Tests use it to send
 * requests the owner must refuse, or never confirm. */
int nicq_ask(struct urpc_nicq_attach *r, struct urpc_nicq_attached *a);

#endif
