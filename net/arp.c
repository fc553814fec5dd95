/* ARP for IPv4 over Ethernet (RFC 826): answers requests for our address, learns senders,
 * and resolves next hops, with entries that age out. */
#include "net/net.h"
#include "lib/bytes.h"
#include "lib/string.h"

#define ARP_LEN         28
#define ARP_REQUEST     1
#define ARP_REPLY       2

static struct arp_entry *arp_lookup(struct netif *nif, uint32_t ip)
{
	for (unsigned i = 0; i < ARP_CACHE_SIZE; i++)
		if (nif->arp[i].ip == ip)
			return &nif->arp[i];
	return NULL;
}

/* Updates ip's entry, or takes a free or the stalest one. */
static void arp_learn(struct netif *nif, uint32_t ip, const uint8_t mac[6], uint64_t now)
{
	struct arp_entry *e = arp_lookup(nif, ip), *oldest = &nif->arp[0];
	for (unsigned i = 0; !e && i < ARP_CACHE_SIZE; i++) {
		if (!nif->arp[i].ip) {
			e = &nif->arp[i];
			break;
		}
		if (nif->arp[i].confirmed_ms < oldest->confirmed_ms)
			oldest = &nif->arp[i];
	}
	if (!e)
		e = oldest;
	e->ip = ip;
	memcpy(e->mac, mac, 6);
	e->confirmed_ms = now;
}

static void arp_send(struct netif *nif, uint16_t op, const uint8_t tha[6], uint32_t tpa,
		     const uint8_t dst[6])
{
	uint8_t p[ARP_LEN];
	wr16be(p, 1);                   /* Ethernet */
	wr16be(p + 2, ETH_TYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	wr16be(p + 6, op);
	memcpy(p + 8, nif->mac, 6);
	wr32be(p + 14, nif->ip);
	memcpy(p + 18, tha, 6);
	wr32be(p + 24, tpa);
	eth_output(nif, dst, ETH_TYPE_ARP, p, sizeof(p));
}

void arp_input(struct netif *nif, const uint8_t *p, size_t len, uint64_t now)
{
	if (len < ARP_LEN || rd16be(p) != 1 || rd16be(p + 2) != ETH_TYPE_IPV4 || p[4] != 6 || p[5] != 4) {
		nif->stats.drops[DROP_ARP_MALFORMED]++;
		return;
	}
	uint16_t op = rd16be(p + 6);
	uint32_t spa = rd32be(p + 14), tpa = rd32be(p + 24);
	const uint8_t *sha = p + 8;
	if ((op != ARP_REQUEST && op != ARP_REPLY) || (sha[0] & 1)) {
		nif->stats.drops[DROP_ARP_MALFORMED]++;
		return;
	}
	/* RFC 826's merge step: refresh a known sender; add it if the packet is for us. */
	if (spa && (arp_lookup(nif, spa) || tpa == nif->ip))
		arp_learn(nif, spa, sha, now);
	if (op == ARP_REQUEST && tpa == nif->ip && nif->ip) {
		arp_send(nif, ARP_REPLY, sha, spa, sha);
		nif->stats.arp_replies_sent++;
	}
}

bool arp_resolve(struct netif *nif, uint32_t ip, uint8_t mac[6], uint64_t now)
{
	static const uint8_t zero[6], broadcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	struct arp_entry *e = arp_lookup(nif, ip);
	if (e && now - e->confirmed_ms < ARP_TTL_MS) {
		memcpy(mac, e->mac, 6);
		return true;
	}
	if (e)
		e->ip = 0;              /* aged out */
	arp_send(nif, ARP_REQUEST, zero, ip, broadcast);
	nif->stats.arp_requests_sent++;
	return false;
}
