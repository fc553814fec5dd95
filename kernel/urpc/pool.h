/* The packet pool: frame-sized buffers in the shared region that kernels lend each other, so a
 * frame crosses between kernels by reference (buffer number + length in a URPC message, never
 * its bytes through slots; DESIGN.md sections 2 and 4). This file knows nothing of the kernel;
 * it builds for the host too, where tests/urpc/pool.c has threads stand in for kernels under
 * ThreadSanitizer. kernel/urpc/shared.h places the pool in the region.
 *
 * The pool's area, one block per kernel (PKTPOOL_PER_KERNEL buffers of PKTPOOL_BUF_SIZE bytes:
 * 256 x 2 KiB = 512 KiB a kernel, so N kernels take N x 512 KiB of the shared region):
 *
 *   area + 0             +-------------------------------------------+
 *                        | block of kernel 0: buffers 0 .. 255        |  kernel 0 is the
 *   + 512 KiB            +-------------------------------------------+  owner of these
 *                        | block of kernel 1: buffers 256 .. 511      |
 *                        | ...                                        |
 *                        +-------------------------------------------+
 *
 * Buffer b belongs to kernel b / PKTPOOL_PER_KERNEL for life. Only the bytes of the buffers
 * are shared; which buffers are free and who holds each (struct pktpool) is the owner's
 * private state, so nothing but the bytes is written from two sides and no atomics or locks
 * are needed anywhere:
 *
 *   owner: pktpool_alloc ---> owner holds b, writes its bytes
 *          pktpool_lend(b, k), then a URPC message (b, len) to k
 *                                  k holds b: reads and may write its bytes; the owner
 *                                  neither reads nor writes them
 *                                  k sends a URPC return message (b) to the owner
 *   owner: pktpool_returned(b, k) -> b is free again (or the owner frees it: pktpool_free)
 *
 * One writer at a time: the bytes are written only by whichever kernel holds the buffer, and
 * it passes in a URPC message, whose header store is a release and whose receive is an
 * acquire (kernel/urpc/urpc.h): every byte written before the send is visible to the receiver,
 * both ways. A URPC message is the only way a buffer changes hands.
 *
 * Invariants, each checked where it can be broken:
 *   - every buffer of a block is in exactly one of: free (on the owner's free stack), held by
 *     the owner, lent to one other kernel. free + held + lent = PKTPOOL_PER_KERNEL always.
 *   - only the kernel a buffer is lent to can give it back: a return from any other kernel
 *     (-EPERM, not_held) or of a free buffer (-EALREADY, double_returns) changes nothing;
 *   - a reference to a buffer outside the pool, or not the sender's to pass, or a length over
 *     PKTPOOL_BUF_SIZE, is refused by the receiver (-EINVAL, bad_refs) and never touched;
 *   - a kernel that dies (kernel/urpc/peer.c's peer_alive) keeps nothing: the owner takes
 *     back every buffer lent to it (pktpool_reclaim). A buffer of a dead owner is dropped by
 *     whoever holds it: nobody will allocate it again.
 *   - an empty free stack pushes back (-EAGAIN, exhausted); nothing waits.
 */
#ifndef KERNEL_URPC_POOL_H
#define KERNEL_URPC_POOL_H

#include <stdbool.h>
#include <stdint.h>

#define PKTPOOL_BUF_SIZE    2048        /* a full Ethernet frame fits (1518 bytes) */
#define PKTPOOL_PER_KERNEL  256
#define PKTPOOL_BLOCK_SIZE  ((uint64_t)PKTPOOL_BUF_SIZE * PKTPOOL_PER_KERNEL)

#define PKTPOOL_FREE  0xFF              /* holder[] values besides a kernel's number */
#define PKTPOOL_HERE  0xFE              /* allocated, held by the owner */

_Static_assert(PKTPOOL_PER_KERNEL <= 0x10000, "a block's buffer numbers fit 16 bits");

/* What went wrong or was pushed back, since boot. */
struct pktpool_stats {
	uint64_t allocs;                /* buffers handed out by pktpool_alloc */
	uint64_t exhausted;             /* allocations refused: no free buffer */
	uint64_t lent;                  /* buffers passed to another kernel */
	uint64_t returned;              /* ... and given back */
	uint64_t double_returns;        /* returns of a buffer already free */
	uint64_t not_held;              /* returns from a kernel that did not hold the buffer */
	uint64_t bad_refs;              /* references refused: out of range, not the sender's,
					   too long */
	uint64_t reclaimed;             /* buffers taken back from dead kernels */
};

/* One kernel's view: the owner's state of its own block, and where every block is. */
struct pktpool {
	uint8_t *area;                  /* the whole pool (every kernel's block) */
	unsigned self, nkernels;
	unsigned nfree;
	uint16_t free[PKTPOOL_PER_KERNEL];      /* a stack of this block's free buffers */
	uint8_t holder[PKTPOOL_PER_KERNEL];     /* PKTPOOL_FREE, PKTPOOL_HERE or a kernel */
	struct pktpool_stats stats;
};

/* The pool's size for n kernels. */
uint64_t pktpool_size_for(unsigned nkernels);
/* Kernel self's view of the pool at area; -EINVAL for a kernel number out of range. */
int pktpool_init(struct pktpool *p, void *area, unsigned self, unsigned nkernels);
/* One of this kernel's buffers, now held here; -EAGAIN when none is free. */
int pktpool_alloc(struct pktpool *p);
/* The bytes of buffer b (any kernel's); NULL outside the pool. */
uint8_t *pktpool_data(const struct pktpool *p, unsigned b);
unsigned pktpool_owner(unsigned b);
/* Owner: b, held here, goes to kernel k (send the message after this). -EINVAL if b is not
 * this kernel's or k is no other kernel, -EPERM if b is not held here. */
int pktpool_lend(struct pktpool *p, unsigned b, unsigned k);
/* Owner: b, held here, is free again; -EALREADY if free, -EPERM if lent out. */
int pktpool_free(struct pktpool *p, unsigned b);
/* Owner: kernel k gives b back (its return message arrived, or the lending message could
 * not be sent). -EINVAL, -EALREADY or -EPERM, each counted, leave everything as it was. */
int pktpool_returned(struct pktpool *p, unsigned b, unsigned k);
/* Owner: every buffer lent to kernel k, which is dead, comes back; returns how many. */
unsigned pktpool_reclaim(struct pktpool *p, unsigned k);
/* Holder: is (b, len), received from kernel `from`, a buffer `from` may pass? Counted and
 * -EINVAL if not. Kernel from passes its own buffers only. */
int pktpool_check_ref(struct pktpool *p, unsigned b, unsigned len, unsigned from);
/* This block's buffers allocated or lent out now. */
unsigned pktpool_in_use(const struct pktpool *p);

#endif
