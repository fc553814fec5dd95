/* IPv4 (RFC 791, with RFC 1122's checks on receipt), ICMP echo and destination unreachable
 * (RFC 792). Every header field is validated; what fails is counted and dropped. Options are
 * skipped; fragments go to reassembly (ip_reass.c). Echo replies too big for a frame leave in
 * fragments; TCP and UDP never need them. */
#include "net/net.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"

#define IP_TTL          64
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_UNREACHABLE 3

/* The limited broadcast or our subnet's directed broadcast (none on a /32): what is sent to
 * either goes to the link's broadcast address (RFC 1122 3.3.6, RFC 922), never through ARP,
 * which no host answers for them; neither is ever a source. */
static bool ipv4_is_broadcast(const struct netif *nif, uint32_t a)
{
	return a == IP_BROADCAST || (nif->mask != 0xFFFFFFFF && a == (nif->ip | ~nif->mask));
}

/* True when src names one host that may talk to us (RFC 1122 3.2.1.3): not 0.0.0.0 (a
 * source only while a host learns its address, which we never serve), not loopback 127/8,
 * not a multicast (224/4) or class E (240/4, holding 255.255.255.255) address, and not our
 * subnet's directed broadcast. */
static bool ipv4_source_ok(const struct netif *nif, uint32_t src)
{
	return src != 0 && src >> 24 != 127 && src >> 28 < 0xE && !ipv4_is_broadcast(nif, src);
}

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
	uint32_t dst = rd32be(p + 16);
	if (dst != nif->ip && !ipv4_is_broadcast(nif, dst)) {
		why = DROP_IP_NOT_FOR_US;
		goto drop;
	}
	/* Silently: no ICMP, no RST goes to an address that names no host (RFC 1122 3.2.2,
	 * RFC 9293 3.10.7.2). */
	if (!ipv4_source_ok(nif, rd32be(p + 12))) {
		why = DROP_IP_BAD_SOURCE;
		goto drop;
	}
	if (rd16be(p + 6) & (IP_FLAG_MF | IP_FRAG_OFFSET)) {
		if (!nif->reass) {
			why = DROP_IP_FRAGMENT;
			goto drop;
		}
		ip_reass_input(nif, p, ihl, total, now);
		return;
	}
	ipv4_deliver(nif, p, ihl, total, now);
	return;
drop:
	nif->stats.drops[why]++;
}

void ipv4_deliver(struct netif *nif, const uint8_t *p, size_t ihl, size_t total, uint64_t now)
{
	uint32_t dst = rd32be(p + 16);
	if (p[9] == IP_PROTO_ICMP) {
		icmp_input(nif, p, p + ihl, total - ihl, now);
		return;
	}
	if (p[9] == IP_PROTO_UDP) {
		udp_input(nif, p, p + ihl, total - ihl, now);
		return;
	}
	if (p[9] == IP_PROTO_TCP && nif->tcp) {
		if (dst != nif->ip) {   /* TCP is unicast only (RFC 1122 4.2.3.10) */
			nif->stats.drops[DROP_IP_NOT_FOR_US]++;
			return;
		}
		tcp_input(nif, p, p + ihl, total - ihl, now);
		return;
	}
	nif->stats.drops[DROP_IP_PROTO]++;
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
 * (off the subnet without a gateway, or dst 0.0.0.0, which names no host, or a loopback
 * address, which must never leave the host: RFC 1122 3.2.1.3). */
static uint32_t next_hop(const struct netif *nif, uint32_t dst)
{
	if (!dst || dst >> 24 == 127)
		return 0;
	return (dst & nif->mask) == (nif->ip & nif->mask) ? dst : nif->gateway;
}

/* Sends the IP packet pkt (header built) towards dst, or holds it while ARP resolves the next
 * hop. */
static int ipv4_send(struct netif *nif, uint32_t dst, const uint8_t *pkt, size_t len, uint64_t now)
{
	uint8_t mac[6];
	uint32_t hop = next_hop(nif, dst);
	if (!hop && dst != IP_BROADCAST) {
		nif->stats.drops[DROP_NO_ROUTE]++;
		return -ENETUNREACH;
	}
	if (ipv4_is_broadcast(nif, dst))
		memset(mac, 0xFF, 6);           /* a broadcast needs no ARP */
	else if (!arp_resolve(nif, hop, mac, now)) {
		arp_queue(nif, hop, pkt, len, now);     /* sent when the reply comes */
		return 0;
	}
	return eth_output(nif, mac, ETH_TYPE_IPV4, pkt, len);
}

int ipv4_output(struct netif *nif, uint32_t dst, uint8_t proto, const uint8_t *payload, size_t len,
		uint64_t now)
{
	uint8_t pkt[ETH_FRAME_MAX - ETH_HDR];
	if (len > sizeof(pkt) - IP_HDR)
		return -EMSGSIZE;       /* TCP and UDP size their segments to one frame */
	ipv4_header(pkt, nif->ip, dst, proto, len, nif->ip_id++);
	memcpy(pkt + IP_HDR, payload, len);
	return ipv4_send(nif, dst, pkt, IP_HDR + len, now);
}

/* Copies bytes [off, off + n) of head followed by body into to. */
static void copy_span(uint8_t *to, const uint8_t *head, size_t hlen, const uint8_t *body,
		      size_t off, size_t n)
{
	for (; n && off < hlen; n--)
		*to++ = head[off++];
	memcpy(to, body + (off - hlen), n);
}

/* Sends head and body as one datagram, in fragments of at most one frame each (RFC 791 3.2;
 * a host may fragment what it sends, RFC 1122 3.3.3). 0, -EMSGSIZE past 65,535 bytes, or
 * the first error of ipv4_send. */
static int ipv4_output_fragments(struct netif *nif, uint32_t dst, uint8_t proto,
				 const uint8_t *head, size_t hlen, const uint8_t *body,
				 size_t blen, uint64_t now)
{
	uint8_t pkt[ETH_FRAME_MAX - ETH_HDR];
	size_t len = hlen + blen, piece = (sizeof(pkt) - IP_HDR) & ~(size_t)7;
	uint16_t id = nif->ip_id++;
	if (IP_HDR + len > 0xFFFF)
		return -EMSGSIZE;
	for (size_t off = 0; off < len; off += piece) {
		size_t n = len - off < piece ? len - off : piece;
		bool more = off + n < len;
		ipv4_header(pkt, nif->ip, dst, proto, n, id);
		wr16be(pkt + 6, (uint16_t)((more ? IP_FLAG_MF : 0) | off / 8));
		wr16be(pkt + 10, 0);
		wr16be(pkt + 10, inet_checksum(pkt, IP_HDR));
		copy_span(pkt + IP_HDR, head, hlen, body, off, n);
		int err = ipv4_send(nif, dst, pkt, IP_HDR + n, now);
		if (err)
			return err;
		if (len > piece)
			nif->stats.ip_frags_out++;
	}
	return 0;
}

/* Destination unreachable, time exceeded and parameter problem: errors that quote a
 * datagram of ours, for its transport protocol (RFC 1122 3.2.2). */
static bool icmp_is_error(uint8_t type)
{
	return type == ICMP_UNREACHABLE || type == 11 || type == 12;
}

bool net_elsewhere(struct netif *nif, const uint8_t *ip, uint8_t proto, uint16_t port)
{
	return nif->elsewhere && !nif->rx_forwarded && nif->rx_frame &&
	       ip == nif->rx_frame + ETH_HDR && nif->elsewhere(nif, proto, port);
}

void icmp_input(struct netif *nif, const uint8_t *ip, const uint8_t *p, size_t len, uint64_t now)
{
	uint32_t src = rd32be(ip + 12);
	uint8_t head[ICMP_ECHO_HDR];
	if (len < 8) {
		nif->stats.drops[DROP_ICMP_SHORT]++;
		return;
	}
	if (inet_checksum(p, len) != 0) {
		nif->stats.drops[DROP_ICMP_CHECKSUM]++;
		return;
	}
	if (p[0] == ICMP_ECHO_REPLY && p[1] == 0) {
		if (!net_elsewhere(nif, ip, IP_PROTO_ICMP, rd16be(p + 4)))
			nif->stats.icmp_echo_replies_in++;      /* ours, or nobody's */
		return;
	}
	if (icmp_is_error(p[0]) && len >= 8 + IP_HDR + 8 && p[8] >> 4 == 4 &&
	    (size_t)(p[8] & 0xF) * 4 >= IP_HDR && p[8 + 9] == IP_PROTO_TCP) {
		tcp_icmp_error(nif, p[0], p[1], p + 8, len - 8, now);
		return;
	}
	if (p[0] != ICMP_ECHO_REQUEST || p[1] != 0) {
		nif->stats.drops[DROP_ICMP_TYPE]++;
		return;
	}
	/* The reply carries the request's identifier, sequence and all its data back (RFC 792,
	 * RFC 1122 3.2.2.6), in fragments when the request came reassembled. */
	memcpy(head, p, ICMP_ECHO_HDR);
	head[0] = ICMP_ECHO_REPLY;
	wr16be(head + 2, 0);
	wr16be(head + 2, inet_fold(inet_sum(head, ICMP_ECHO_HDR,
					    inet_sum(p + ICMP_ECHO_HDR, len - ICMP_ECHO_HDR, 0))));
	if (ipv4_output_fragments(nif, src, IP_PROTO_ICMP, head, ICMP_ECHO_HDR, p + ICMP_ECHO_HDR,
				  len - ICMP_ECHO_HDR, now) == 0)
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

/* Whether an ICMP error may be sent about the datagram ip (RFC 1122 3.2.2): never about an
 * ICMP error, a datagram to a broadcast or multicast address (IP or link layer), a fragment
 * other than the first, or one whose source names no single host. */
static bool icmp_error_allowed(const struct netif *nif, const uint8_t *ip, size_t len)
{
	size_t ihl = (size_t)(ip[0] & 0xF) * 4;
	if (nif->rx_link_bcast)
		return false;
	if (rd32be(ip + 16) != nif->ip || !ipv4_source_ok(nif, rd32be(ip + 12)))
		return false;
	if (rd16be(ip + 6) & IP_FRAG_OFFSET)
		return false;
	if (ip[9] != IP_PROTO_ICMP)
		return true;
	/* Of ICMP, only queries (echo, timestamp, information, address mask) draw errors. */
	return len > ihl && (ip[ihl] == 0 || ip[ihl] == 8 || (ip[ihl] >= 13 && ip[ihl] <= 18));
}

void icmp_error(struct netif *nif, uint8_t type, uint8_t code, const uint8_t *ip, size_t len,
		uint64_t now)
{
	uint8_t msg[8 + 60 + 8];
	size_t ihl = (size_t)(ip[0] & 0xF) * 4, quote = ihl + 8 < len ? ihl + 8 : len;
	if (!icmp_error_allowed(nif, ip, len))
		return;
	memset(msg, 0, 8);
	msg[0] = type;
	msg[1] = code;
	memcpy(msg + 8, ip, quote);     /* the header and the first 8 bytes of the datagram */
	wr16be(msg + 2, inet_checksum(msg, 8 + quote));
	ipv4_output(nif, rd32be(ip + 12), IP_PROTO_ICMP, msg, 8 + quote, now);
}

void icmp_unreachable(struct netif *nif, uint8_t code, const uint8_t *ip, size_t len, uint64_t now)
{
	icmp_error(nif, ICMP_UNREACHABLE, code, ip, len, now);
}
