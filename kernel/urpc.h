/* URPC: one-way message channels between kernels through shared memory, after Barrelfish's
 * UMP (DESIGN.md section 2). This file is the ring itself; it builds for the host too, where
 * tests/host drives it from two threads under ThreadSanitizer.
 *
 * Channel i -> j (one per ordered pair of kernels, in the shared region; kernel/shared.h):
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
 * hdr = type (bits 15:0) | len (23:16) | flags (31:24) | seq (63:32). The sender writes the
 * payload, then the header with seq = its message count + 1; the receiver owns a message
 * when the slot's seq is its own count + 1, so a slot from the previous lap never looks new.
 * The sender keeps its count in its own memory and reads cons only when the ring looks full.
 * The receiver publishes cons every URPC_ACK_BATCH messages, and whenever it finds the ring
 * empty, so the line carrying it moves between caches once per batch, not per message.
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

#define URPC_HDR_TYPE(h)  ((uint16_t)((h) & 0xFFFF))
#define URPC_HDR_LEN(h)   ((uint8_t)(((h) >> 16) & 0xFF))
#define URPC_HDR_FLAGS(h) ((uint8_t)(((h) >> 24) & 0xFF))
#define URPC_HDR_SEQ(h)   ((uint32_t)((h) >> 32))

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

/* Sender's private end. */
struct urpc_tx {
	struct urpc_chan *chan;
	uint32_t prod;                  /* messages sent */
	uint32_t cons_seen;             /* last cons read from the receiver's line */
};

/* Receiver's private end. */
struct urpc_rx {
	struct urpc_chan *chan;
	uint32_t cons;                  /* messages taken */
	uint32_t published;             /* the count last stored in chan->cons */
};

/* Zeroes a channel in memory of `size` bytes at mem; -EINVAL if misaligned or too small. */
int urpc_chan_init(void *mem, size_t size);
void urpc_tx_init(struct urpc_tx *tx, struct urpc_chan *chan);
void urpc_rx_init(struct urpc_rx *rx, struct urpc_chan *chan);

/* Queues one message; -EINVAL for a payload over URPC_PAYLOAD, -EAGAIN when the ring is full
 * (nothing is overwritten). */
int urpc_send(struct urpc_tx *tx, uint16_t type, uint8_t flags, const void *payload, size_t len);
/* Takes the next message into *out; -EAGAIN when there is none. */
int urpc_recv(struct urpc_rx *rx, struct urpc_msg *out);
bool urpc_rx_pending(const struct urpc_rx *rx);
/* Messages queued and not yet taken, as the sender last saw it. */
uint32_t urpc_tx_inflight(struct urpc_tx *tx);

#endif
