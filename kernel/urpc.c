/* URPC ring operations (urpc.h describes the layout and the ordering rules). */
#include "kernel/urpc.h"
#include "lib/errno.h"
#include "lib/ring.h"
#include "lib/string.h"

int urpc_chan_init(void *mem, size_t size)
{
	if (!mem || ((uintptr_t)mem % URPC_SLOT_SIZE) || size < sizeof(struct urpc_chan))
		return -EINVAL;
	memset(mem, 0, sizeof(struct urpc_chan));
	return 0;
}

void urpc_tx_init(struct urpc_tx *tx, struct urpc_chan *chan)
{
	tx->chan = chan;
	tx->prod = 0;
	tx->cons_seen = 0;
}

void urpc_rx_init(struct urpc_rx *rx, struct urpc_chan *chan)
{
	rx->chan = chan;
	rx->cons = __atomic_load_n(&chan->cons, __ATOMIC_ACQUIRE);
	rx->published = rx->cons;
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

static uint64_t urpc_hdr(uint16_t type, uint8_t len, uint8_t flags, uint32_t seq)
{
	return type | (uint64_t)len << 16 | (uint64_t)flags << 24 | (uint64_t)seq << 32;
}

int urpc_send(struct urpc_tx *tx, uint16_t type, uint8_t flags, const void *payload, size_t len)
{
	if (len > URPC_PAYLOAD || (len && !payload))
		return -EINVAL;
	if (ring_full(tx->prod, tx->cons_seen, URPC_SLOTS)) {
		tx->cons_seen = __atomic_load_n(&tx->chan->cons, __ATOMIC_ACQUIRE);
		if (ring_full(tx->prod, tx->cons_seen, URPC_SLOTS))
			return -EAGAIN;
	}
	struct urpc_msg *m = &tx->chan->slots[ring_slot(tx->prod, URPC_SLOTS)];
	if (len)
		copy_payload(m->payload, payload, len);
	__atomic_store_n(&m->hdr, urpc_hdr(type, (uint8_t)len, flags, tx->prod + 1), __ATOMIC_RELEASE);
	tx->prod++;
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

int urpc_recv(struct urpc_rx *rx, struct urpc_msg *out)
{
	struct urpc_msg *m = &rx->chan->slots[ring_slot(rx->cons, URPC_SLOTS)];
	uint64_t hdr = __atomic_load_n(&m->hdr, __ATOMIC_ACQUIRE);

	if (URPC_HDR_SEQ(hdr) != rx->cons + 1) {
		urpc_rx_publish(rx);    /* caught up: give every slot back */
		return -EAGAIN;
	}
	copy_payload(out->payload, m->payload, URPC_HDR_LEN(hdr));
	out->hdr = hdr;
	rx->cons++;
	if (ring_used(rx->cons, rx->published) >= URPC_ACK_BATCH)
		urpc_rx_publish(rx);
	return 0;
}

bool urpc_rx_pending(const struct urpc_rx *rx)
{
	const struct urpc_msg *m = &rx->chan->slots[ring_slot(rx->cons, URPC_SLOTS)];
	return URPC_HDR_SEQ(__atomic_load_n(&m->hdr, __ATOMIC_ACQUIRE)) == rx->cons + 1;
}

uint32_t urpc_tx_inflight(struct urpc_tx *tx)
{
	tx->cons_seen = __atomic_load_n(&tx->chan->cons, __ATOMIC_ACQUIRE);
	return ring_used(tx->prod, tx->cons_seen);
}
