/* URPC, one channel: a one-way ring of 64-byte messages from one kernel to another through
 * shared memory, after Barrelfish's UMP (DESIGN.md section 2). The other URPC pieces build on
 * it: kernel/urpc/shared.h places every channel in the shared region, kernel/urpc/peer.h holds this
 * kernel's ends of all of them and dispatches what arrives, kernel/urpc/msg.h catalogues the
 * message types. This file knows nothing of them; it builds for the host too, where
 * tests/urpc drives one channel from two threads under ThreadSanitizer.
 *
 * Channel i -> j (one per ordered pair of kernels, in the shared region; kernel/urpc/shared.h):
 *
 *   offset 0     +-----------------------------------------------+
 *                | receiver line: cons (u32), rest unused         |  written only by j
 *   64           +-----------------------------------------------+
 *                | slot 0:  payload[56]            | hdr (u64)   |  written only by i;
 *                | slot 1                          |             |  hdr is stored last
 *                | ...                             |             |
 *                | slot URPC_SLOTS-1               |             |
 *                +-----------------------------------------------+
 *
 * hdr, low bit first: type (8) | len (6) | flags (2) | next (6) | ack (9) | ack valid (1) |
 * seq (32). The sender writes the payload, then the header with seq = its message count + 1;
 * the receiver owns a message when the slot's seq is its own count + 1, so an old message
 * never looks new.
 *
 * Where messages go. Each header names the slot of the message after it (next), and the
 * receiver follows that chain from slot 0. Under load the chain is the ring's order, slot
 * after slot. But when the sender knows that every earlier message has been taken, it names
 * slot 0 (or 1, if this one is in 0): a request/response exchange then keeps reusing two
 * lines per direction instead of walking all of them. That is what makes it fast: on the
 * machines measured (docs/BENCHMARKS.md) a message costs more the more distinct lines a
 * ring cycles through; 64 lines cost about 1.4x what 2 do. A slot is reused only when the
 * message last put there is no longer in flight; a full ring pushes back.
 *
 * Consumption. The receiver publishes cons on its line every URPC_ACK_BATCH messages and
 * whenever it finds the ring empty; the sender reads that line only when the slot it must
 * write next still looks taken. A kernel's two channels with a peer are paired (urpc_pair):
 * every message it sends carries, in ack, how many of the peer's messages it has taken, so
 * in an exchange each side learns that its messages were consumed from the answers, without
 * touching the other's line. (UMP does the same.)
 *
 * Ordering: header and cons are accessed with C11 release stores and acquire loads. On
 * x86-64 (TSO) both are plain MOVs with a compiler barrier: no LOCK prefix, no fence, no lock
 * on the fast path. ThreadSanitizer understands them, which is why they are spelled so.
 */
#ifndef KERNEL_URPC_H
#define KERNEL_URPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define URPC_SLOT_SIZE  64
#define URPC_PAYLOAD    56
#define URPC_SLOTS      64      /* power of two */
#define URPC_ACK_BATCH  8       /* the receiver publishes cons every this many messages */

#define URPC_MAX_TYPE   0xFF
#define URPC_MAX_FLAGS  0x3
#define URPC_ACK_MASK   0x1FF   /* ack carries the count modulo 512 (> URPC_SLOTS in flight) */

#define URPC_HDR_TYPE(h)      ((uint8_t)((h) & 0xFF))
#define URPC_HDR_LEN(h)       ((uint8_t)(((h) >> 8) & 0x3F))
#define URPC_HDR_FLAGS(h)     ((uint8_t)(((h) >> 14) & 0x3))
#define URPC_HDR_NEXT(h)      ((uint32_t)(((h) >> 16) & 0x3F))
#define URPC_HDR_ACK(h)       ((uint32_t)(((h) >> 22) & URPC_ACK_MASK))
#define URPC_HDR_ACK_VALID(h) ((((h) >> 31) & 1) != 0)
#define URPC_HDR_SEQ(h)       ((uint32_t)((h) >> 32))

struct urpc_msg {
	uint8_t payload[URPC_PAYLOAD];
	uint64_t hdr;
};
_Static_assert(sizeof(struct urpc_msg) == URPC_SLOT_SIZE, "a message is one cache line");

struct urpc_chan {
	uint32_t cons;                  /* receiver's count of messages taken */
	uint8_t rx_line_pad[URPC_SLOT_SIZE - sizeof(uint32_t)];
	struct urpc_msg slots[URPC_SLOTS];
} __attribute__((aligned(URPC_SLOT_SIZE)));
_Static_assert(sizeof(struct urpc_chan) == URPC_SLOT_SIZE * (URPC_SLOTS + 1), "channel layout");
_Static_assert((URPC_SLOTS & (URPC_SLOTS - 1)) == 0, "URPC_SLOTS is a power of two");
_Static_assert(URPC_SLOTS <= 64, "a slot number fits the header's 6 bits");
_Static_assert(URPC_PAYLOAD < 64, "a length fits the header's 6 bits");
_Static_assert(URPC_SLOTS < URPC_ACK_MASK, "ack modulo 512 is unambiguous");

struct urpc_rx;

/* Sender's private end. */
struct urpc_tx {
	struct urpc_chan *chan;
	uint32_t prod;                  /* messages sent */
	uint32_t cons_seen;             /* messages known to be taken (cons line or acks) */
	uint32_t slot;                  /* where the next message goes (named in the last one) */
	const uint32_t *ack_count;      /* what the acks carry: the paired receiver's cons */
	uint64_t ack_valid;             /* the header's ack-valid bit, once paired */
	uint32_t slot_seq[URPC_SLOTS];  /* seq of the message last put in each slot */
};

/* Receiver's private end. */
struct urpc_rx {
	struct urpc_chan *chan;
	uint32_t cons;                  /* messages taken */
	uint32_t published;             /* the count last stored in chan->cons */
	uint32_t skew;                  /* the next message is in slot cons + skew */
	struct urpc_tx *acks_to;        /* the reverse channel's sender, or NULL */
};

/* Zeroes a channel in memory of `size` bytes at mem; -EINVAL if misaligned or too small. */
int urpc_chan_init(void *mem, size_t size);
void urpc_tx_init(struct urpc_tx *tx, struct urpc_chan *chan);
void urpc_rx_init(struct urpc_rx *rx, struct urpc_chan *chan);
/* Pairs one kernel's two ends with a peer: tx (to the peer) and rx (from it). */
void urpc_pair(struct urpc_tx *tx, struct urpc_rx *rx);

/* Queues one message; -EINVAL for a payload over URPC_PAYLOAD, a type over URPC_MAX_TYPE or
 * flags over URPC_MAX_FLAGS, -EAGAIN when the ring is full (nothing is overwritten). */
int urpc_send(struct urpc_tx *tx, uint16_t type, uint8_t flags, const void *payload, size_t len);
/* Takes the next message into *out; -EAGAIN when there is none. */
int urpc_recv(struct urpc_rx *rx, struct urpc_msg *out);
bool urpc_rx_pending(const struct urpc_rx *rx);
/* Messages queued and not yet taken, as the sender last saw it. */
uint32_t urpc_tx_inflight(struct urpc_tx *tx);

#endif
