/* The move exchange: RSS buckets change kernels under live connections, and none breaks
 * (DESIGN.md section 4). Kernel 0 runs it for every table change, its policy's and
 * netsteer_move's; net/move.h holds each side's state.
 *
 *   kernel 0                         new owner `to`                 previous owner `from`
 *   BEGIN {id, mask, from} -------->  forwards segments of flows
 *                                     it does not know in mask to
 *                                     `from` (pool, kernel/swsteer.h)
 *           <----------------------- READY {id}
 *   rewrites the table (the igb's
 *   RETA, or software steering's),
 *   URPC_BUCKETS to each kernel
 *   LEAVE {id, mask, to} ------------------------------------------> mask is not its own;
 *                                                                     serves its connections
 *                                     <-- DRAINING {id, n} --------- there, a report a second
 *           <-------------------------------- DRAINING {id, n} ---
 *                                     <-- DRAINED {id} ------------- none left, and
 *           <-------------------------------- DRAINED {id} -------  MOVE_LINGER_MS since
 *                                     stops forwarding                LEAVE
 *
 * SYNs that open go to the new owner at once and are served there; every other segment of
 * a flow it does not know (the ACK of a cookie it sent aside), and an ACK that does not
 * answer the SYN-ACK of a half-open connection of its own (the peer's SYN, sent again
 * across the move, opened one on both kernels), goes to `from` (net/tcp.h's stray hook),
 * which takes it without handing it on again.
 *
 * A deadline on every step: no READY within MOVE_READY_MS -> ABORT {id} to the new owner,
 * the table untouched. A LEAVE that cannot be sent is retried at each poll until it is, or
 * `from` is dead. The drain lasts as long as the connections do (a report that cannot be
 * sent is tried again at the next count); the new owner stops forwarding on DRAINED, when
 * `from` dies (peer_alive), or when its reports stop for MOVE_SILENCE_MS; kernel 0 forgets
 * the move likewise. The previous owner forwards on too,
 * whatever it forwarded before LEAVE (frames the table sent it before the change may still
 * be in its ring). One move per bucket at a time: a bucket mid-move refuses another
 * (-EBUSY), except that a bucket `from` still drains may move back to `from`, whose
 * connections there are its own again once the kernel it comes from has drained that move
 * (it has left the bucket, and forwarded what reached it); until then they stay in the
 * drain, so that its forwarding to them goes on (if the bucket leaves again first, the new
 * drain holds them). A move back that ends (aborted, or drained) leaves the bucket in the
 * first move, if that one is on. A message that names no move (late, or from the wrong
 * kernel) is counted and changes nothing.
 *
 * Connections in TIME-WAIT are waited for MOVE_TIME_WAIT_MS, not their 2 MSL: the peer's FIN,
 * sent again because our ACK was lost, comes within it; a segment of one that comes later
 * draws the new owner's RST, as it would after the connection was gone. */
#ifndef KERNEL_NETMOVE_H
#define KERNEL_NETMOVE_H

#include <stdint.h>
#include "net/move.h"

/* Every kernel, with its interface: the handlers of its side. */
void netmove_init(void);
/* Every kernel, from netdev_poll: the stack's hook, deadlines, drains; kernel 0 the moves. */
void netmove_poll(uint64_t now);
/* Kernel 0: moves m's buckets to kernel `to` (netsteer.h checks `to`), table is the table
 * as written: move_ctl_request's result. */
int netmove_request(const uint8_t table[STEER_BUCKETS], const struct steer_mask *m,
		    unsigned to);
/* Another kernel: asks kernel 0 for a move and waits for its answer (at most a second). */
int netmove_ask(const struct steer_mask *m, unsigned to);
/* Kernel 0's moves in flight; every kernel's forwarding and drains. */
const struct move_ctl *netmove_ctl(void);
const struct move_local *netmove_local(void);

/* Counted since boot on this kernel. */
struct netmove_stats {
	uint64_t forwarded;             /* segments handed to a bucket's previous owner */
	uint64_t fwd_failed;            /* ... dropped: no pool buffer or a full ring */
	uint64_t not_from_kernel0;      /* BEGIN, LEAVE or ABORT from another kernel */
};
const struct netmove_stats *netmove_stats(void);
/* What /status shows of moves (SYS_NETSTAT, SYS_NETSTAT_ALL): this kernel's forwarding, and
 * kernel 0's moves since boot (zeros on every other kernel, which requests none). */
struct netmove_counts {
	uint64_t forwarded, fwd_failed;
	uint64_t begun, done, aborted;
};
struct netmove_counts netmove_counts(void);

#endif
