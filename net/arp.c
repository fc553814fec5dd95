/* ARP for IPv4 over Ethernet (RFC 826): answers requests for our address, learns senders,
 * resolves next hops with entries that age out, holds packets while resolving, and announces
 * our address (gratuitous ARP, RFC 5227 3). */
#include "net/net.h"
#include "lib/bytes.h"
#include "lib/string.h"

#define ARP_LEN         28
#define ARP_REQUEST     1
#define ARP_REPLY       2
#define ARP_SHARE_MS    1000    /* a refresh goes to arp_learned once a second at most */

/* The index of ip's entry, or -1. A free entry has ip 0, so 0 is never looked up: it would
 * find a free entry and its zero MAC. */
static int arp_index(const struct netif *nif, uint32_t ip)
{
	for (int i = 0; ip && i < ARP_CACHE_SIZE; i++)
		if (nif->arp[i].ip == ip)
			return i;
	return -1;
}

static struct arp_entry *arp_lookup(struct netif *nif, uint32_t ip)
{
	int i = arp_index(nif, ip);
	return i < 0 ? NULL : &nif->arp[i];
}

/* Updates ip's entry, or takes a free or the stalest one. 0.0.0.0 (a probing host's sender
 * address, RFC 5227 2.1.1) is nobody's address and is not learned.
 * The arp_learned hook (kernel 0 telling the other kernels) hears of a new address and a
 * changed MAC at once, and of a refresh once a second at most. The other kernels' copies age
 * like any entry, and the answers to their own requests reach kernel 0 alone (ARP frames are
 * not hashed): without the refreshes, a kernel that had no traffic for a host for two TTLs
 * could never learn its address again. */
void arp_learn(struct netif *nif, uint32_t ip, const uint8_t mac[6], uint64_t now)
{
	if (!ip)
		return;
	struct arp_entry *e = arp_lookup(nif, ip), *oldest = &nif->arp[0];
	bool news = !e || memcmp(e->mac, mac, 6) != 0;
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
	if (nif->arp_learned && (news || now - e->told_ms >= ARP_SHARE_MS)) {
		e->told_ms = now;
		nif->arp_learned(nif, ip, mac);
	}
	/* Packets that waited for this address go now, in the order they came. */
	for (unsigned i = 0; i < ARP_PENDING; i++) {
		struct arp_pending *q = &nif->pending[i];
		if (q->len && q->ip == ip) {
			eth_output(nif, mac, ETH_TYPE_IPV4, q->pkt, q->len);
			q->len = 0;
		}
	}
}

bool arp_cached(const struct netif *nif, uint32_t ip, uint8_t mac[6])
{
	int i = arp_index(nif, ip);
	if (i < 0)
		return false;
	memcpy(mac, nif->arp[i].mac, 6);
	return true;
}

/* Holds an IP packet for next hop ip until its address is known (RFC 1122 2.3.2.2), at most
 * ARP_PENDING_MS; the oldest waiting packet gives way when the queue is full. */
void arp_queue(struct netif *nif, uint32_t ip, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct arp_pending *slot = NULL;
	arp_tick(nif, now);
	for (unsigned i = 0; i < ARP_PENDING; i++) {
		struct arp_pending *q = &nif->pending[i];
		if (!q->len) {
			slot = q;
			break;
		}
		if (!slot || q->since < slot->since)
			slot = q;
	}
	if (slot->len)
		nif->stats.drops[DROP_NO_ROUTE_MAC]++;
	if (len > sizeof(slot->pkt))
		return;
	memcpy(slot->pkt, pkt, len);
	slot->len = (uint16_t)len;
	slot->ip = ip;
	slot->since = now;
}

void arp_tick(struct netif *nif, uint64_t now)
{
	for (unsigned i = 0; i < ARP_PENDING; i++) {
		struct arp_pending *q = &nif->pending[i];
		if (q->len && now - q->since >= ARP_PENDING_MS) {
			q->len = 0;
			nif->stats.drops[DROP_NO_ROUTE_MAC]++;
		}
	}
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

static bool mac_is_zero(const uint8_t mac[6])
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
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
	/* A group address (I/G bit) or all zeros names no station that could be the sender. */
	if ((op != ARP_REQUEST && op != ARP_REPLY) || (sha[0] & 1) || mac_is_zero(sha)) {
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

static const uint8_t zero_mac[6], broadcast_mac[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

/* A request for ip, at most one a second (*last is when the previous went). */
static void arp_request(struct netif *nif, uint64_t *last, uint32_t ip, const uint8_t *dst,
			uint64_t now)
{
	if (*last && now - *last < 1000)
		return;
	*last = now;
	arp_send(nif, ARP_REQUEST, zero_mac, ip, dst);
	nif->stats.arp_requests_sent++;
}

/* An entry is used while fresh; for one more TTL after that it is still used while a unicast
 * request refreshes it (as Linux's STALE and PROBE states); past that it is forgotten. */
bool arp_resolve(struct netif *nif, uint32_t ip, uint8_t mac[6], uint64_t now)
{
	if (!ip)
		return false;           /* nobody to ask for (ipv4_output never asks) */
	struct arp_entry *e = arp_lookup(nif, ip);
	if (e && now - e->confirmed_ms < 2 * ARP_TTL_MS) {
		memcpy(mac, e->mac, 6);
		if (now - e->confirmed_ms >= ARP_TTL_MS)
			arp_request(nif, &e->requested_ms, ip, e->mac, now);
		return true;
	}
	if (e)
		e->ip = 0;              /* aged out */
	if (nif->arp_unknown_ip != ip) {
		nif->arp_unknown_ip = ip;
		nif->arp_unknown_ms = 0;
	}
	arp_request(nif, &nif->arp_unknown_ms, ip, broadcast_mac, now);
	return false;
}

void arp_announce(struct netif *nif)
{
	if (!nif->ip)
		return;
	arp_send(nif, ARP_REQUEST, zero_mac, nif->ip, broadcast_mac);
	nif->stats.arp_requests_sent++;
}
