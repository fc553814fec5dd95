/* IPv4 reassembly's table (RFC 791 3.2, RFC 1122 3.3.2): a fixed number of datagrams in
 * progress, each in its own buffer big enough for the largest datagram, so the memory held is
 * IP_REASS_SLOTS x (64 KiB + a bitmap) whatever arrives. The caller owns the table and points
 * struct netif's reass at it. */
#ifndef NET_IP_REASS_H
#define NET_IP_REASS_H

#include "net/net.h"

#define IP_REASS_SLOTS          4
#define IP_LEN_MAX              65535   /* total length is a 16-bit field (RFC 791 3.1) */
#define IP_HDR_MAX              60
#define IP_REASS_PAYLOAD_MAX    (IP_LEN_MAX - IP_HDR)
#define IP_REASS_BLOCKS         ((IP_REASS_PAYLOAD_MAX + 7) / 8)
/* RFC 1122 3.3.2 recommends 60 s to 120 s; ip_reass_init sets the low end, and the
 * caller may change timeout_ms. */
#define IP_REASS_TIMEOUT_MS     (60 * 1000)

/* One datagram in progress, keyed as RFC 791 3.2 says: source, destination, protocol, id.
 * Its payload sits at buf[IP_HDR_MAX + offset]; the first fragment's header is kept just
 * before it, so the whole datagram is contiguous once complete. */
struct ip_reass_slot {
	bool used;
	uint8_t proto;
	uint16_t id;
	uint32_t src, dst;
	uint64_t deadline;
	uint32_t end;           /* payload length, once the last fragment came; 0 before */
	uint32_t high;          /* the highest payload byte held, plus one */
	uint32_t held;          /* payload bytes held */
	uint16_t hlen;          /* the first fragment's header length; 0 until it came */
	uint8_t blocks[(IP_REASS_BLOCKS + 7) / 8];      /* one bit per 8-byte block held */
	uint8_t buf[IP_HDR_MAX + IP_REASS_PAYLOAD_MAX];
};

struct ip_reass {
	uint32_t timeout_ms;
	uint64_t reassembled;   /* datagrams completed and delivered */
	struct ip_reass_slot slot[IP_REASS_SLOTS];
};

void ip_reass_init(struct ip_reass *r);
/* Drops the datagrams past their timeout, each counted, sending ICMP time exceeded (code 1)
 * for those whose first fragment came (RFC 1122 3.3.2). */
void ip_reass_tick(struct netif *nif, uint64_t now);

#endif
