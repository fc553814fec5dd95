/* IPv4 (RFC 791, with RFC 1122's checks on receipt), ICMP echo and destination unreachable
 * (RFC 792). Every header field is validated; what fails is counted and dropped. Options are
 * skipped; fragments are counted and dropped, as there is no reassembly. */
#include "net/net.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"

#define IP_FLAG_MF      0x2000
#define IP_FRAG_OFFSET  0x1FFF
#define IP_TTL          64
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

void ipv4_input(struct netif *nif, const uint8_t *p, size_t len, uint64_t now)
{
	enum net_drop why;
	if (len < IP_HDR) {
		why = DROP_IP_SHORT;
		goto drop;
	}
	size_t ihl = (size_t)(p[0] & 0xF) * 4, total = rd16be(p + 2);
	if (p[0] >> 4 != 4) {
		why = DROP_IP_VERSION;
		goto drop;
	}
	if (ihl < IP_HDR || ihl > len) {
		why = DROP_IP_HEADER_LEN;
		goto drop;
	}
	if (total < ihl || total > len) {       /* Ethernet padding may follow: len >= total */
		why = DROP_IP_TOTAL_LEN;
		goto drop;
	}
	if (inet_checksum(p, ihl) != 0) {
		why = DROP_IP_CHECKSUM;
		goto drop;
	}
	uint32_t dst = rd32be(p + 16), src = rd32be(p + 12);
	uint32_t bcast = nif->ip | ~nif->mask;
	if (dst != nif->ip && dst != 0xFFFFFFFF && dst != bcast) {
		why = DROP_IP_NOT_FOR_US;
		goto drop;
	}
	if (rd16be(p + 6) & (IP_FLAG_MF | IP_FRAG_OFFSET)) {
		why = DROP_IP_FRAGMENT;
		goto drop;
	}
	if (p[9] == IP_PROTO_ICMP) {
		icmp_input(nif, src, p + ihl, total - ihl, now);
		return;
	}
	if (p[9] == IP_PROTO_UDP) {
		udp_input(nif, p, p + ihl, total - ihl, now);
		return;
	}
	if (p[9] == IP_PROTO_TCP && nif->tcp) {
		if (dst != nif->ip) {   /* TCP is unicast only (RFC 1122 4.2.3.10) */
			why = DROP_IP_NOT_FOR_US;
			goto drop;
		}
		tcp_input(nif, p, p + ihl, total - ihl, now);
		return;
	}
	why = DROP_IP_PROTO;
drop:
	nif->stats.drops[why]++;
}

void ipv4_header(uint8_t *pkt, uint32_t src, uint32_t dst, uint8_t proto, size_t len, uint16_t id)
{
	memset(pkt, 0, IP_HDR);
	pkt[0] = 0x45;
	wr16be(pkt + 2, (uint16_t)(IP_HDR + len));
	wr16be(pkt + 4, id);
	pkt[8] = IP_TTL;
	pkt[9] = proto;
	wr32be(pkt + 12, src);
	wr32be(pkt + 16, dst);
	wr16be(pkt + 10, inet_checksum(pkt, IP_HDR));
}

/* The next hop towards dst: dst itself on our subnet, else the gateway; 0 when there is none
 * (off the subnet without a gateway, or dst 0.0.0.0, which names no host: RFC 1122 3.2.1.3). */
static uint32_t next_hop(const struct netif *nif, uint32_t dst)
{
	if (!dst)
		return 0;
	return (dst & nif->mask) == (nif->ip & nif->mask) ? dst : nif->gateway;
}

int ipv4_output(struct netif *nif, uint32_t dst, uint8_t proto, const uint8_t *payload, size_t len,
		uint64_t now)
{
	uint8_t pkt[ETH_FRAME_MAX - ETH_HDR], mac[6];
	if (len > sizeof(pkt) - IP_HDR)
		return -EMSGSIZE;       /* no fragmentation on output either */
	uint32_t hop = next_hop(nif, dst);
	if (!hop && dst != IP_BROADCAST) {
		nif->stats.drops[DROP_NO_ROUTE]++;
		return -ENETUNREACH;
	}
	bool resolved = true;
	if (dst == IP_BROADCAST)
		memset(mac, 0xFF, 6);           /* the limited broadcast needs no ARP */
	else
		resolved = arp_resolve(nif, hop, mac, now);
	ipv4_header(pkt, nif->ip, dst, proto, len, nif->ip_id++);
	memcpy(pkt + IP_HDR, payload, len);
	if (!resolved) {
		arp_queue(nif, hop, pkt, IP_HDR + len, now);    /* sent when the reply comes */
		return 0;
	}
	return eth_output(nif, mac, ETH_TYPE_IPV4, pkt, IP_HDR + len);
}

void icmp_input(struct netif *nif, uint32_t src, const uint8_t *p, size_t len, uint64_t now)
{
	uint8_t reply[ETH_FRAME_MAX - ETH_HDR - IP_HDR];
	if (len < 8) {
		nif->stats.drops[DROP_ICMP_SHORT]++;
		return;
	}
	if (inet_checksum(p, len) != 0) {
		nif->stats.drops[DROP_ICMP_CHECKSUM]++;
		return;
	}
	if (p[0] == ICMP_ECHO_REPLY && p[1] == 0) {
		nif->stats.icmp_echo_replies_in++;
		return;
	}
	if (p[0] != ICMP_ECHO_REQUEST || p[1] != 0 || len > sizeof(reply)) {
		nif->stats.drops[DROP_ICMP_TYPE]++;
		return;
	}
	/* The reply carries the request's identifier, sequence and data back (RFC 792). */
	memcpy(reply, p, len);
	reply[0] = ICMP_ECHO_REPLY;
	wr16be(reply + 2, 0);
	wr16be(reply + 2, inet_checksum(reply, len));
	if (ipv4_output(nif, src, IP_PROTO_ICMP, reply, len, now) == 0)
		nif->stats.icmp_echo_replies++;
}

size_t icmp_echo_build(uint8_t *msg, uint16_t id, uint16_t seq, size_t len)
{
	memset(msg, 0, ICMP_ECHO_HDR);
	msg[0] = ICMP_ECHO_REQUEST;
	wr16be(msg + 4, id);
	wr16be(msg + 6, seq);
	for (size_t i = 0; i < len; i++)
		msg[ICMP_ECHO_HDR + i] = (uint8_t)i;
	wr16be(msg + 2, inet_checksum(msg, ICMP_ECHO_HDR + len));
	return ICMP_ECHO_HDR + len;
}

int icmp_echo_request(struct netif *nif, uint32_t dst, uint16_t id, uint16_t seq, size_t len,
		      uint64_t now)
{
	uint8_t msg[ICMP_ECHO_HDR + ICMP_ECHO_DATA_MAX];
	if (len > ICMP_ECHO_DATA_MAX)
		return -EINVAL;
	return ipv4_output(nif, dst, IP_PROTO_ICMP, msg, icmp_echo_build(msg, id, seq, len), now);
}

void icmp_unreachable(struct netif *nif, uint8_t code, const uint8_t *ip, size_t len, uint64_t now)
{
	uint8_t msg[8 + 60 + 8];
	size_t ihl = (size_t)(ip[0] & 0xF) * 4, quote = ihl + 8 < len ? ihl + 8 : len;
	memset(msg, 0, 8);
	msg[0] = 3;
	msg[1] = code;
	memcpy(msg + 8, ip, quote);     /* the header and the first 8 bytes of the datagram */
	wr16be(msg + 2, inet_checksum(msg, 8 + quote));
	ipv4_output(nif, rd32be(ip + 12), IP_PROTO_ICMP, msg, 8 + quote, now);
}
