/* Ethernet II framing (IEEE 802.3 clause 3 with the EtherType field), the Internet checksum
 * (RFC 1071) and the parsing of addresses ("a.b.c.d/len"). */
#include "net/net.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"

/* RFC 1071: the one's complement of the one's complement sum of 16-bit words. Pieces are
 * summed separately (inet_sum, each of even length but the last) and folded at the end. */
uint64_t inet_sum(const void *data, size_t len, uint64_t sum)
{
	const uint8_t *p = data;
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t inet_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t inet_checksum(const void *data, size_t len)
{
	return inet_fold(inet_sum(data, len, 0));
}

uint64_t inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (uint64_t)(src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + proto + len;
}

static const uint8_t broadcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

void eth_input(struct netif *nif, const uint8_t *frame, size_t len, uint64_t now)
{
	nif->stats.rx_frames++;
	if (len < ETH_HDR) {
		nif->stats.drops[DROP_ETH_SHORT]++;
		return;
	}
	if (memcmp(frame, nif->mac, 6) != 0 && memcmp(frame, broadcast, 6) != 0) {
		nif->stats.drops[DROP_ETH_NOT_FOR_US]++;
		return;
	}
	switch (rd16be(frame + 12)) {
	case ETH_TYPE_ARP:
		arp_input(nif, frame + ETH_HDR, len - ETH_HDR, now);
		return;
	case ETH_TYPE_IPV4:
		/* IP must know a link-layer broadcast: it draws no ICMP error (RFC 1122 2.4, 3.2.2). */
		nif->rx_link_bcast = frame[0] & 1;
		nif->rx_frame = frame;
		nif->rx_frame_len = len;
		ipv4_input(nif, frame + ETH_HDR, len - ETH_HDR, now);
		nif->rx_link_bcast = false;
		nif->rx_frame = NULL;
		return;
	default:
		nif->stats.drops[DROP_ETH_TYPE]++;
	}
}

int eth_output(struct netif *nif, const uint8_t dst[6], uint16_t type, const uint8_t *payload,
	       size_t len)
{
	uint8_t frame[ETH_FRAME_MAX];
	if (!nif->tx)
		return -ENETDOWN;       /* a stack whose queue is not attached yet */
	if (len > ETH_FRAME_MAX - ETH_HDR)
		return -EINVAL;
	memcpy(frame, dst, 6);
	memcpy(frame + 6, nif->mac, 6);
	wr16be(frame + 12, type);
	memcpy(frame + ETH_HDR, payload, len);
	size_t n = ETH_HDR + len;
	if (n < 60) {                   /* the minimum frame, less the CRC the NIC adds */
		memset(frame + n, 0, 60 - n);
		n = 60;
	}
	int err = nif->tx(nif->drv, frame, n);
	if (err)
		nif->stats.drops[DROP_TX_FULL]++;
	else
		nif->stats.tx_frames++;
	return err;
}

/* "a.b.c.d" or "a.b.c.d/len" (len defaults to 32). Returns 0 or -EINVAL. */
int net_parse_cidr(const char *s, uint32_t *ip, uint32_t *mask)
{
	uint32_t v = 0, len = 32;
	for (int part = 0; part < 4; part++) {
		size_t n = 0;
		uint64_t b;
		while (s[n] >= '0' && s[n] <= '9')
			n++;
		if (n == 0 || n > 3 || str_to_u64(s, n, 10, &b) || b > 255)
			return -EINVAL;
		v = v << 8 | (uint32_t)b;
		s += n;
		if (part < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s == '/') {
		uint64_t l;
		size_t n = strlen(s + 1);
		if (n == 0 || n > 2 || str_to_u64(s + 1, n, 10, &l) || l > 32)
			return -EINVAL;
		len = (uint32_t)l;
	} else if (*s) {
		return -EINVAL;
	}
	*ip = v;
	if (mask)
		*mask = len ? ~0u << (32 - len) : 0;
	return 0;
}
