/* URPC, one channel: the ring operations (urpc.h describes the layout and the ordering rules). */
#include "kernel/urpc/urpc.h"
#include "lib/errno.h"
#include "lib/ring.h"
#include "lib/string.h"
#include "lib/util.h"

int urpc_chan_init(void *mem, size_t size)
{
	if (!mem || ((uintptr_t)mem % URPC_SLOT_SIZE) || size < sizeof(struct urpc_chan))
		return -EINVAL;
	memset(mem, 0, sizeof(struct urpc_chan));
	return 0;
}

static const uint32_t urpc_no_acks;

void urpc_tx_init(struct urpc_tx *tx, struct urpc_chan *chan)
{
	memset(tx, 0, sizeof(*tx));
	tx->chan = chan;
	tx->ack_count = &urpc_no_acks;
}

/* A channel is used from its start: both ends begin at count 0 and slot 0. */
void urpc_rx_init(struct urpc_rx *rx, struct urpc_chan *chan)
{
	memset(rx, 0, sizeof(*rx));
	rx->chan = chan;
}

void urpc_pair(struct urpc_tx *tx, struct urpc_rx *rx)
{
	tx->ack_count = &rx->cons;
	tx->ack_valid = (uint64_t)1 << 31;
	rx->acks_to = tx;
}

/* Payloads are small: an inlined word copy, not a call, keeps the send and receive paths short. */
static inline void copy_payload(void *dst, const void *src, size_t len)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	for (; len >= 8; len -= 8, d += 8, s += 8) {
		uint64_t w;
		__builtin_memcpy(&w, s, 8);
		__builtin_memcpy(d, &w, 8);
	}
	while (len--)
		*d++ = *s++;
}

static uint64_t urpc_hdr(const struct urpc_tx *tx, uint8_t type, uint8_t len, uint8_t flags,
			 uint32_t next, uint32_t seq)
{
	return type | (uint64_t)len << 8 | (uint64_t)flags << 14 | (uint64_t)next << 16 |
	       (uint64_t)(*tx->ack_count & URPC_ACK_MASK) << 22 | tx->ack_valid | (uint64_t)seq << 32;
}

/* The receiver has taken `cons` messages; counts only move forward. */
static void urpc_tx_taken(struct urpc_tx *tx, uint32_t cons)
{
	if ((int32_t)(cons - tx->cons_seen) > 0)
		tx->cons_seen = cons;
}

/* A slot is taken while the message last put there is in flight: sent, not yet known taken.
 * A slot untouched for 2^32 messages can alias a message in flight elsewhere and look taken
 * until that one is taken too: a short wait, never a wrong answer. */
static bool urpc_slot_taken(const struct urpc_tx *tx, uint32_t slot)
{
	return tx->slot_seq[slot] - tx->cons_seen - 1 < tx->prod - tx->cons_seen;
}

/* The slot to name for the message after the one going into `slot`. With nothing else in
 * flight, back to the front (urpc.h says why). Otherwise the ring's order, stepping over the
 * one message that can be out of that order: the one that was in flight when the sender
 * went back to the front. A full ring names its oldest message's slot, the first to free. */
static uint32_t urpc_next_slot(const struct urpc_tx *tx, uint32_t slot)
{
	if (tx->cons_seen == tx->prod)
		return slot == 0;
	uint32_t next = ring_slot(slot + 1, URPC_SLOTS), after = ring_slot(slot + 2, URPC_SLOTS);
	if (urpc_slot_taken(tx, next) && !urpc_slot_taken(tx, after))
		return after;
	return next;
}

int urpc_send(struct urpc_tx *tx, uint16_t type, uint8_t flags, const void *payload, size_t len)
{
	if (len > URPC_PAYLOAD || (len && !payload) || type > URPC_MAX_TYPE || flags > URPC_MAX_FLAGS)
		return -EINVAL;
	uint32_t slot = tx->slot;
	if (__builtin_expect(urpc_slot_taken(tx, slot), 0)) {
		urpc_tx_taken(tx, __atomic_load_n(&tx->chan->cons, __ATOMIC_ACQUIRE));
		if (urpc_slot_taken(tx, slot))
			return -EAGAIN;
	}
	uint32_t seq = tx->prod + 1;
	uint32_t next = urpc_next_slot(tx, slot);
	if (__builtin_expect(tx->slot_seq[next] == seq + 1, 0)) {
		/* Left there 2^32 messages ago, it would pass for the next message: spoil it. The
		 * receiver looks at that slot only after this header, stored below. */
		__atomic_store_n(&tx->chan->slots[next].hdr, (uint64_t)seq << 32, __ATOMIC_RELAXED);
		tx->slot_seq[next] = seq;
	}
	struct urpc_msg *m = &tx->chan->slots[slot];
	if (len)
		copy_payload(m->payload, payload, len);
	__atomic_store_n(&m->hdr, urpc_hdr(tx, (uint8_t)type, (uint8_t)len, flags, next, seq),
			 __ATOMIC_RELEASE);
	tx->slot_seq[slot] = seq;
	tx->prod = seq;
	tx->slot = next;
	return 0;
}

/* Publishing cons hands slots back to the sender; the copies out of them are done. */
static void urpc_rx_publish(struct urpc_rx *rx)
{
	if (rx->published != rx->cons) {
		__atomic_store_n(&rx->chan->cons, rx->cons, __ATOMIC_RELEASE);
		rx->published = rx->cons;
	}
}

static uint32_t urpc_rx_slot(const struct urpc_rx *rx)
{
	return ring_slot(rx->cons + rx->skew, URPC_SLOTS);
}

int urpc_recv(struct urpc_rx *rx, struct urpc_msg *out)
{
	struct urpc_msg *m = &rx->chan->slots[urpc_rx_slot(rx)];
	uint64_t hdr = __atomic_load_n(&m->hdr, __ATOMIC_ACQUIRE);

	if (URPC_HDR_SEQ(hdr) != rx->cons + 1) {
		urpc_rx_publish(rx);    /* caught up: give every slot back */
		return -EAGAIN;
	}
	copy_payload(out->payload, m->payload, MIN(URPC_HDR_LEN(hdr), URPC_PAYLOAD));
	out->hdr = hdr;
	rx->cons++;
	/* The next slot is almost always this one's neighbour, and the slot is computed from
	 * the count: the header changes the skew only when it names another. So the next
	 * receive can look at its slot before this header has arrived, a predicted branch, not
	 * a load that waits for it. */
	uint32_t next = URPC_HDR_NEXT(hdr);
	if (__builtin_expect(next != urpc_rx_slot(rx), 0))
		rx->skew = next - rx->cons;
	if (URPC_HDR_ACK_VALID(hdr) && rx->acks_to) {
		struct urpc_tx *tx = rx->acks_to;
		urpc_tx_taken(tx, tx->prod - ((tx->prod - URPC_HDR_ACK(hdr)) & URPC_ACK_MASK));
	}
	if (ring_used(rx->cons, rx->published) >= URPC_ACK_BATCH)
		urpc_rx_publish(rx);
	return 0;
}

bool urpc_rx_pending(const struct urpc_rx *rx)
{
	const struct urpc_msg *m = &rx->chan->slots[urpc_rx_slot(rx)];
	return URPC_HDR_SEQ(__atomic_load_n(&m->hdr, __ATOMIC_ACQUIRE)) == rx->cons + 1;
}

uint32_t urpc_tx_inflight(struct urpc_tx *tx)
{
	urpc_tx_taken(tx, __atomic_load_n(&tx->chan->cons, __ATOMIC_ACQUIRE));
	return ring_used(tx->prod, tx->cons_seen);
}
