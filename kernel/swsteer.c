/* Software steering: frames between kernel 0's NIC and kernels without a queue, and frames
 * any kernel hands on to another, by reference into the packet pool (swsteer.h). */
#include "kernel/swsteer.h"
#include "drivers/nic.h"
#include "kernel/console.h"
#include "kernel/netsteer.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/urpc/msg.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"
#include "lib/util.h"
#include "net/net.h"
#include "net/dhcp.h"
#include "net/steer.h"

#define BACKLOG 512                     /* references waiting for netdev_poll; power of two */

_Static_assert(NIC_BUF_SIZE <= PKTPOOL_BUF_SIZE, "a received frame fits a pool buffer");
_Static_assert((uint64_t)MAX_KERNELS * PKTPOOL_PER_KERNEL <= 0x10000,
	       "a buffer number fits a message's 16 bits");

/* A reference that arrived: a frame to input (from kernel 0) or to send (kernel 0). */
struct inbound {
	uint16_t from, buf, len;
	bool send, tcp4, forwarded;
	uint32_t hash;
};

static struct pktpool pool;
static bool pool_ready;
static struct netif *nif;
static const struct nic_ops *ops;       /* kernel 0, steering: its NIC */
static void *nic;
static unsigned soft_from;              /* kernel 0: the first kernel steered in software */
static struct swsteer_stats stats;
static struct inbound backlog[BACKLOG];
static unsigned backlog_head, backlog_tail;     /* taken / added; free-running */
/* Buffers this kernel is done with, by owner, waiting for a URPC_PKT_RETURN. */
static uint16_t due[MAX_KERNELS][PKTPOOL_PER_KERNEL];
static unsigned ndue[MAX_KERNELS];
static uint64_t reclaim_checked_ms;

/* The pool is there once URPC is: on kernel 0 that is after its interface is set up. */
static bool have_pool(void)
{
	if (!pool_ready && peer_ready())
		pool_ready = pktpool_init(&pool, shared_pool(), kself.core, kself.ncores) == 0;
	return pool_ready;
}

/* A buffer goes back to its owner at the next flush; a dead owner's is dropped. */
static void give_back(unsigned owner, unsigned buf)
{
	if (owner >= MAX_KERNELS || ndue[owner] >= PKTPOOL_PER_KERNEL || !peer_alive(owner))
		return;
	due[owner][ndue[owner]++] = (uint16_t)buf;
}

static void flush_returns(void)
{
	for (unsigned k = 0; k < kself.ncores; k++)
		while (ndue[k]) {
			struct urpc_pkt_return r = { .count = (uint16_t)MIN(ndue[k], URPC_PKT_RETURNS) };
			memcpy(r.buf, &due[k][ndue[k] - r.count], r.count * sizeof(r.buf[0]));
			if (peer_send(k, URPC_PKT_RETURN, 0, &r, sizeof(r)) != 0) {
				if (!peer_alive(k))
					ndue[k] = 0;    /* nobody to give them to */
				break;                  /* the ring is full: at the next poll */
			}
			ndue[k] -= r.count;
		}
}

static void queue_inbound(unsigned from, const struct urpc_msg *m, bool send)
{
	struct urpc_pkt_frame f;
	memcpy(&f, m->payload, sizeof(f));
	if (!have_pool() || pktpool_check_ref(&pool, f.buf, f.len, from))
		return;                         /* not a buffer the sender may pass: counted */
	if (backlog_tail - backlog_head == BACKLOG) {
		stats.backlog_full++;
		give_back(from, f.buf);
		return;
	}
	backlog[backlog_tail++ % BACKLOG] = (struct inbound){ (uint16_t)from, f.buf, f.len,
							      send, f.tcp4 != 0, f.forwarded != 0,
							      f.hash };
}

static void on_pkt_rx(unsigned from, const struct urpc_msg *m)
{
	queue_inbound(from, m, false);
}

static void on_pkt_tx(unsigned from, const struct urpc_msg *m)
{
	queue_inbound(from, m, true);
}

static void on_pkt_return(unsigned from, const struct urpc_msg *m)
{
	struct urpc_pkt_return r;
	memcpy(&r, m->payload, sizeof(r));
	if (!have_pool())
		return;
	for (unsigned i = 0; i < MIN((unsigned)r.count, URPC_PKT_RETURNS); i++)
		pktpool_returned(&pool, r.buf[i], from);        /* a wrong one is counted there */
}

void swsteer_init(struct netif *n)
{
	nif = n;
	if (kself.core == 0)
		PEER_REGISTER_STRUCT(URPC_PKT_TX, on_pkt_tx, struct urpc_pkt_frame);
	PEER_REGISTER_STRUCT(URPC_PKT_RX, on_pkt_rx, struct urpc_pkt_frame);
	PEER_REGISTER_STRUCT(URPC_PKT_RETURN, on_pkt_return, struct urpc_pkt_return);
}

void swsteer_enable(const struct nic_ops *o, void *dev, unsigned first)
{
	ops = o;
	nic = dev;
	soft_from = first;
}

bool swsteer_enabled(void)
{
	return ops != NULL && have_pool();
}

/* The hash the igb computes (its MRQC: TCP/IPv4 on the 4-tuple, other IPv4 on the addresses;
 * 82576 datasheet 7.1.2.10) for a unicast IPv4 frame, and its bucket as the NIC steers it
 * (netsteer_tcp_bucket: on an 82599 a TCP segment's is its Flow Director group's); false for
 * a frame kernel 0 keeps: not IPv4, not unicast, or an answer to its own DHCP client. */
static bool frame_hash(const uint8_t *f, size_t len, uint32_t *hash, bool *tcp4,
		       unsigned *bucket)
{
	if (len < ETH_HDR + IP_HDR || (f[0] & 1) || rd16be(f + 12) != ETH_TYPE_IPV4)
		return false;
	const uint8_t *ip = f + ETH_HDR;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < ETH_HDR + ihl + 4)
		return false;
	uint32_t src = rd32be(ip + 12), dst = rd32be(ip + 16);
	bool whole = !(rd16be(ip + 6) & (IP_FLAG_MF | IP_FRAG_OFFSET));    /* not a fragment */
	uint16_t sport = rd16be(ip + ihl), dport = rd16be(ip + ihl + 2);
	if (whole && ip[9] == IP_PROTO_UDP && dport == DHCP_CLIENT_PORT)
		return false;
	*tcp4 = whole && ip[9] == IP_PROTO_TCP;
	*hash = *tcp4 ? toeplitz_ipv4_tcp(rss_key_symmetric, src, dst, sport, dport)
		      : toeplitz_ipv4(rss_key_symmetric, src, dst);
	*bucket = *tcp4 ? netsteer_tcp_bucket(*hash, sport) : *hash % STEER_BUCKETS;
	return true;
}

/* The frame, copied once (out of a NIC's ring, or a queue's buffer in this kernel's own
 * partition, which no other kernel maps) into one of this kernel's pool buffers, goes to
 * kernel k by reference. */
static int hand_over(unsigned k, const uint8_t *frame, size_t len, uint32_t hash, bool tcp4,
		     bool forwarded)
{
	int b = pktpool_alloc(&pool);
	if (b < 0)
		return b;                       /* pushed back: the pool counts it */
	memcpy(pktpool_data(&pool, (unsigned)b), frame, len);
	pktpool_lend(&pool, (unsigned)b, k);
	struct urpc_pkt_frame f = { (uint16_t)b, (uint16_t)len, hash, tcp4, forwarded };
	if (peer_send(k, URPC_PKT_RX, 0, &f, sizeof(f)) != 0) {
		stats.ring_full++;
		pktpool_returned(&pool, (unsigned)b, k);
		return -EAGAIN;
	}
	return 0;
}

int swsteer_forward(unsigned k, const uint8_t *frame, size_t len, uint32_t hash, bool tcp4)
{
	if (k == kself.core || k >= kself.ncores || !peer_alive(k))
		return -EINVAL;
	if (!have_pool() || len > PKTPOOL_BUF_SIZE)
		return -ENODEV;
	int err = hand_over(k, frame, len, hash, tcp4, true);
	if (!err)
		stats.fwd_handed++;
	return err;
}

bool swsteer_divert(struct netif *n, const uint8_t *frame, size_t len)
{
	uint32_t hash;
	bool tcp4;
	unsigned bucket;
	if (!swsteer_enabled() || len > PKTPOOL_BUF_SIZE ||
	    !frame_hash(frame, len, &hash, &tcp4, &bucket))
		return false;
	unsigned k = netsteer_kernel_of(bucket);
	if (k < soft_from || k >= kself.ncores) {      /* kernel 0's, or one with a queue */
		n->rx_hash = hash;
		n->rx_hashed = tcp4;
		return false;
	}
	if (hand_over(k, frame, len, hash, tcp4, false) == 0)
		stats.rx_handed++;
	return true;
}

int swsteer_tx(void *drv, const uint8_t *frame, size_t len)
{
	(void)drv;
	if (!have_pool() || len > PKTPOOL_BUF_SIZE)
		return -EINVAL;
	if (!peer_alive(0))
		return -EHOSTDOWN;              /* its NIC died with it: nothing is lent to nobody */
	int b = pktpool_alloc(&pool);
	if (b < 0)
		return b;                       /* -EAGAIN, counted by the pool */
	memcpy(pktpool_data(&pool, (unsigned)b), frame, len);
	pktpool_lend(&pool, (unsigned)b, 0);
	struct urpc_pkt_frame f = { (uint16_t)b, (uint16_t)len, 0, 0, 0 };
	if (peer_send(0, URPC_PKT_TX, 0, &f, sizeof(f)) != 0) {
		stats.ring_full++;
		pktpool_returned(&pool, (unsigned)b, 0);
		return -EAGAIN;
	}
	stats.tx_handed++;
	return 0;
}

static void take(const struct inbound *in, uint64_t now)
{
	const uint8_t *data = pktpool_data(&pool, in->buf);
	if (!in->send) {
		nif->rx_hash = in->hash;
		nif->rx_hashed = in->tcp4;
		nif->rx_forwarded = in->forwarded;
		eth_input(nif, data, in->len, now);
		nif->rx_forwarded = false;
		stats.rx_taken++;
		stats.fwd_taken += in->forwarded;
	} else if (!ops || ops->send(nic, data, in->len, true) != 0) {
		stats.tx_refused++;
	} else {
		stats.tx_relayed++;
	}
	give_back(in->from, in->buf);
}

/* Once a second: buffers lent to kernels that died come back. */
static void reclaim_dead(uint64_t now)
{
	if (now - reclaim_checked_ms < 1000)
		return;
	reclaim_checked_ms = now;
	for (unsigned k = 0; k < kself.ncores; k++)
		if (k != kself.core && !peer_alive(k) && pktpool_reclaim(&pool, k))
			pr_warn("net: took back the packet buffers kernel %u held\n", k);
}

void swsteer_poll(uint64_t now)
{
	if (!have_pool())
		return;
	while (backlog_head != backlog_tail)
		take(&backlog[backlog_head++ % BACKLOG], now);
	flush_returns();
	reclaim_dead(now);
}

bool swsteer_pending(void)
{
	return backlog_head != backlog_tail;
}

const struct swsteer_stats *swsteer_stats(void)
{
	return &stats;
}

const struct pktpool *swsteer_pool(void)
{
	return pool_ready ? &pool : NULL;
}

void swsteer_figures(struct swsteer_figures *f)
{
	*f = (struct swsteer_figures){
		.steered_out = stats.rx_handed + stats.tx_handed,
		.steered_in = stats.rx_taken + stats.tx_relayed,
	};
	if (!pool_ready)
		return;
	f->pool_in_use = pktpool_in_use(&pool);
	f->pool_size = PKTPOOL_PER_KERNEL;
	f->pool = pool.stats;
}
