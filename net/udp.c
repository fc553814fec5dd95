/* UDP (RFC 768), with the checks of RFC 1122 4.1.3: length, checksum over the pseudo-header,
 * and port unreachable for a port nobody is bound to (never for a broadcast). A binding may
 * name its peer (udp_connect), and then takes datagrams from that peer only. */
#include "net/net.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"

#define UDP_HDR 8

/* The checksum over the pseudo-header (addresses, protocol, length) and the datagram. */
static uint16_t udp_checksum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
	return inet_fold(inet_sum(udp, len, inet_pseudo_sum(src, dst, IP_PROTO_UDP, len)));
}

/* The binding for port, or NULL. A slot is in use while it has a receiver (fn): a free slot
 * matches no port, not even 0, so a datagram to port 0 finds nobody. */
static struct udp_bind *udp_find(struct netif *nif, uint16_t port)
{
	for (unsigned i = 0; i < UDP_BINDS; i++)
		if (nif->udp[i].fn && nif->udp[i].port == port)
			return &nif->udp[i];
	return NULL;
}

int udp_bind(struct netif *nif, uint16_t port, udp_recv_fn fn, void *arg)
{
	if (!port || !fn)
		return -EINVAL;         /* port 0 is reserved (RFC 768, IANA): nobody listens there */
	if (udp_find(nif, port))
		return -EADDRINUSE;
	for (unsigned i = 0; i < UDP_BINDS; i++)
		if (!nif->udp[i].fn) {
			nif->udp[i] = (struct udp_bind){ .port = port, .fn = fn, .arg = arg };
			return 0;
		}
	return -ENOSPC;
}

void udp_unbind(struct netif *nif, uint16_t port)
{
	struct udp_bind *b = udp_find(nif, port);
	if (b)
		*b = (struct udp_bind){ 0 };
}

int udp_connect(struct netif *nif, uint16_t port, uint32_t raddr, uint16_t rport)
{
	struct udp_bind *b = udp_find(nif, port);
	if (!b)
		return -ENOENT;
	b->raddr = raddr;
	b->rport = rport;
	return 0;
}

void udp_input(struct netif *nif, const uint8_t *ip, const uint8_t *p, size_t len, uint64_t now)
{
	uint32_t src = rd32be(ip + 12), dst = rd32be(ip + 16);
	if (len < UDP_HDR) {
		nif->stats.drops[DROP_UDP_SHORT]++;
		return;
	}
	size_t ulen = rd16be(p + 4);
	if (ulen < UDP_HDR || ulen > len) {
		nif->stats.drops[DROP_UDP_LENGTH]++;
		return;
	}
	if (rd16be(p + 6) != 0 && udp_checksum(src, dst, p, ulen) != 0) {
		nif->stats.drops[DROP_UDP_CHECKSUM]++;
		return;
	}
	struct udp_bind *b = udp_find(nif, rd16be(p + 2));
	uint16_t sport = rd16be(p);
	if (b && b->raddr && (src != b->raddr || sport != b->rport)) {
		nif->stats.drops[DROP_UDP_NOT_PEER]++;
		return;
	}
	if (b) {
		nif->stats.udp_in++;
		b->fn(nif, b->arg, src, sport, p + UDP_HDR, ulen - UDP_HDR, now);
		return;
	}
	if (dst == nif->ip && net_elsewhere(nif, ip, IP_PROTO_UDP, rd16be(p + 2)))
		return;                 /* another kernel's socket */
	nif->stats.drops[DROP_UDP_NO_PORT]++;
	if (dst == nif->ip)             /* never about a broadcast (RFC 1122 3.2.2) */
		icmp_unreachable(nif, 3, ip, (size_t)((ip[0] & 0xF) * 4) + len, now);
}

int udp_output(struct netif *nif, uint16_t sport, uint32_t dst, uint16_t dport, const uint8_t *data,
	       size_t len, uint64_t now)
{
	uint8_t p[ETH_FRAME_MAX];
	if (len > ETH_FRAME_MAX - ETH_HDR - IP_HDR - UDP_HDR)
		return -EMSGSIZE;
	wr16be(p, sport);
	wr16be(p + 2, dport);
	wr16be(p + 4, (uint16_t)(UDP_HDR + len));
	wr16be(p + 6, 0);
	memcpy(p + UDP_HDR, data, len);
	uint16_t sum = udp_checksum(nif->ip, dst, p, UDP_HDR + len);
	wr16be(p + 6, sum ? sum : 0xFFFF);      /* 0 means "no checksum": send its complement */
	nif->stats.udp_out++;
	return ipv4_output(nif, dst, IP_PROTO_UDP, p, UDP_HDR + len, now);
}
