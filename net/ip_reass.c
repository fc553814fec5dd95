/* IPv4 fragment reassembly (RFC 791 3.2, RFC 1122 3.3.2) over the fixed table of ip_reass.h.
 * Overlapping fragments drop the whole datagram, as RFC 5722 asks of IPv6: bytes are never
 * taken from one fragment over another's. An exact repeat of bytes already held is only
 * counted. Every fragment refused is counted under its reason. */
#include "net/ip_reass.h"
#include "lib/bytes.h"
#include "lib/string.h"

#define ICMP_TIME_EXCEEDED      11
#define ICMP_FRAG_REASS_TIME    1       /* code: fragment reassembly time exceeded */

void ip_reass_init(struct ip_reass *r)
{
	memset(r, 0, sizeof(*r));
	r->timeout_ms = IP_REASS_TIMEOUT_MS;
}

static void slot_free(struct ip_reass_slot *s)
{
	s->used = false;
}

/* The slot holding p's datagram, a free one set up for it, or NULL when all are taken. */
static struct ip_reass_slot *slot_for(struct ip_reass *r, const uint8_t *p, uint64_t now)
{
	uint32_t src = rd32be(p + 12), dst = rd32be(p + 16);
	uint16_t id = rd16be(p + 4);
	struct ip_reass_slot *free = NULL;
	for (unsigned i = 0; i < IP_REASS_SLOTS; i++) {
		struct ip_reass_slot *s = &r->slot[i];
		if (!s->used) {
			free = free ? free : s;
			continue;
		}
		if (s->src == src && s->dst == dst && s->id == id && s->proto == p[9])
			return s;
	}
	if (!free)
		return NULL;
	free->used = true;
	free->src = src;
	free->dst = dst;
	free->id = id;
	free->proto = p[9];
	free->deadline = now + r->timeout_ms;
	free->end = free->high = free->held = 0;
	free->hlen = 0;
	memset(free->blocks, 0, sizeof(free->blocks));
	return free;
}

static bool block_held(const struct ip_reass_slot *s, uint32_t b)
{
	return s->blocks[b / 8] & (1u << (b % 8));
}

/* How many of the 8-byte blocks under [off, off + n) are held already. */
static uint32_t blocks_held(const struct ip_reass_slot *s, uint32_t off, uint32_t n)
{
	uint32_t count = 0;
	for (uint32_t b = off / 8; b < (off + n + 7) / 8; b++)
		count += block_held(s, b);
	return count;
}

/* The fragment's bytes [off, off + n) against what the slot holds: DROP_REASONS to take it,
 * or the reason to refuse it (DUPLICATE: the fragment alone; the others: the datagram). */
static enum net_drop fragment_fits(const struct ip_reass_slot *s, const uint8_t *data,
				   uint32_t off, uint32_t n, bool more)
{
	uint32_t held = blocks_held(s, off, n), blocks = (off + n + 7) / 8 - off / 8;
	if (held == blocks && (more || s->end == off + n) &&
	    memcmp(s->buf + IP_HDR_MAX + off, data, n) == 0)
		return DROP_IP_REASS_DUPLICATE;
	if (held)
		return DROP_IP_REASS_OVERLAP;
	if (s->end && off + n > s->end)
		return DROP_IP_REASS_OVERLAP;           /* past the end the last fragment set */
	if (!more && (s->end || s->high > off + n))
		return DROP_IP_REASS_OVERLAP;           /* a second end, or data past this one */
	return DROP_REASONS;
}

static void take(struct ip_reass_slot *s, const uint8_t *p, size_t ihl, const uint8_t *data,
		 uint32_t off, uint32_t n, bool more)
{
	memcpy(s->buf + IP_HDR_MAX + off, data, n);
	for (uint32_t b = off / 8; b < (off + n + 7) / 8; b++)
		s->blocks[b / 8] |= (uint8_t)(1u << (b % 8));
	s->held += n;
	if (off + n > s->high)
		s->high = off + n;
	if (!more)
		s->end = off + n;
	if (off == 0) {
		s->hlen = (uint16_t)ihl;
		memcpy(s->buf + IP_HDR_MAX - ihl, p, ihl);
	}
}

/* The datagram is whole: its header gets the total length, loses the fragment fields, and
 * the datagram goes up as if it had come in one piece. */
static void deliver(struct netif *nif, struct ip_reass_slot *s, uint64_t now)
{
	uint8_t *ip = s->buf + IP_HDR_MAX - s->hlen;
	size_t total = s->hlen + s->end;
	if (total > IP_LEN_MAX) {
		nif->stats.drops[DROP_IP_REASS_OVERSIZE]++;
		slot_free(s);
		return;
	}
	wr16be(ip + 2, (uint16_t)total);
	wr16be(ip + 6, 0);
	wr16be(ip + 10, 0);
	wr16be(ip + 10, inet_checksum(ip, s->hlen));
	nif->reass->reassembled++;
	ipv4_deliver(nif, ip, s->hlen, total, now);
	slot_free(s);
}

void ip_reass_input(struct netif *nif, const uint8_t *p, size_t ihl, size_t total, uint64_t now)
{
	uint16_t frag = rd16be(p + 6);
	uint32_t off = (uint32_t)(frag & IP_FRAG_OFFSET) * 8, n = (uint32_t)(total - ihl);
	bool more = frag & IP_FLAG_MF;
	if (n == 0 || (more && n % 8)) {
		nif->stats.drops[DROP_IP_FRAG_MALFORMED]++;
		return;
	}
	ip_reass_tick(nif, now);
	struct ip_reass_slot *s = slot_for(nif->reass, p, now);
	if (!s) {
		nif->stats.drops[DROP_IP_REASS_FULL]++;
		return;
	}
	if (off + n > IP_LEN_MAX - ihl) {
		nif->stats.drops[DROP_IP_REASS_OVERSIZE]++;
		slot_free(s);
		return;
	}
	enum net_drop why = fragment_fits(s, p + ihl, off, n, more);
	if (why != DROP_REASONS) {
		nif->stats.drops[why]++;
		if (why != DROP_IP_REASS_DUPLICATE)
			slot_free(s);
		return;
	}
	take(s, p, ihl, p + ihl, off, n, more);
	nif->stats.ip_frags_in++;
	if (s->end && s->hlen && s->held == s->end)
		deliver(nif, s, now);
}

void ip_reass_tick(struct netif *nif, uint64_t now)
{
	if (!nif->reass)
		return;
	for (unsigned i = 0; i < IP_REASS_SLOTS; i++) {
		struct ip_reass_slot *s = &nif->reass->slot[i];
		if (!s->used || now < s->deadline)
			continue;
		nif->stats.drops[DROP_IP_REASS_TIMEOUT]++;
		/* The first fragment's header and its first 8 bytes of data (RFC 792). */
		if (s->hlen)
			icmp_error(nif, ICMP_TIME_EXCEEDED, ICMP_FRAG_REASS_TIME,
				   s->buf + IP_HDR_MAX - s->hlen, s->hlen + 8u, now);
		slot_free(s);
	}
}
