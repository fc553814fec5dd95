/* The well-formedness of what the stack sends (frame_check.h): Ethernet II with our source
 * MAC, ARP for IPv4 over Ethernet (RFC 826), IPv4 headers without options and with a right
 * checksum (RFC 791), and ICMP, UDP and TCP with right lengths and checksums. */
#include "tests/fuzz/frame_check.h"
#include "tests/fuzz/fuzz.h"
#include "lib/bytes.h"
#include "lib/string.h"

static void check_arp(const struct netif *nif, const uint8_t *a, size_t len)
{
	FUZZ_CHECK(len >= 28, "ARP of %zu bytes", len);
	FUZZ_CHECK(rd16be(a) == 1 && rd16be(a + 2) == ETH_TYPE_IPV4 && a[4] == 6 && a[5] == 4,
		   "ARP not IPv4 over Ethernet");
	FUZZ_CHECK(rd16be(a + 6) == 1 || rd16be(a + 6) == 2, "ARP op %u", rd16be(a + 6));
	FUZZ_CHECK(memcmp(a + 8, nif->mac, 6) == 0, "ARP sender MAC not ours");
	FUZZ_CHECK(rd32be(a + 14) == nif->ip, "ARP sender address not ours");
}

static uint16_t l4_sum(const uint8_t *ip, const uint8_t *p, size_t len, uint8_t proto)
{
	return inet_fold(inet_sum(p, len, inet_pseudo_sum(rd32be(ip + 12), rd32be(ip + 16), proto, len)));
}

static void check_tcp(const uint8_t *ip, const uint8_t *t, size_t len, struct sent_tcp *s)
{
	FUZZ_CHECK(len >= 20, "TCP segment of %zu bytes", len);
	size_t off = (size_t)(t[12] >> 4) * 4;
	FUZZ_CHECK(off >= 20 && off <= len, "TCP data offset %zu in %zu bytes", off, len);
	FUZZ_CHECK(l4_sum(ip, t, len, IP_PROTO_TCP) == 0, "TCP checksum");
	uint8_t fl = t[13];
	FUZZ_CHECK(!((fl & 0x02) && (fl & 0x05)), "SYN with FIN or RST: flags %#x", fl);
	FUZZ_CHECK(fl & 0x17, "no flag at all");
	FUZZ_CHECK(!(fl & 0x04) || len == off, "RST carrying data");
	FUZZ_CHECK(rd16be(t + 2) != 0 && rd16be(t) != 0, "port 0");
	*s = (struct sent_tcp){ .src = rd32be(ip + 12), .dst = rd32be(ip + 16), .sport = rd16be(t),
				.dport = rd16be(t + 2), .seq = rd32be(t + 4), .ack = rd32be(t + 8),
				.len = (uint32_t)(len - off), .flags = fl, .win = rd16be(t + 14) };
}

static bool check_ipv4(const struct netif *nif, const uint8_t *ip, size_t len, struct sent_tcp *t)
{
	FUZZ_CHECK(len >= IP_HDR && ip[0] == 0x45, "IP header %#x in %zu bytes", ip[0], len);
	size_t total = rd16be(ip + 2);
	FUZZ_CHECK(total >= IP_HDR && total <= len, "IP total length %zu in %zu", total, len);
	FUZZ_CHECK(inet_checksum(ip, IP_HDR) == 0, "IP header checksum");
	FUZZ_CHECK((rd16be(ip + 6) & 0x3FFF) == 0, "a fragment sent");
	FUZZ_CHECK(ip[8] > 0, "TTL 0");
	FUZZ_CHECK(rd32be(ip + 12) == nif->ip, "source address not ours");
	FUZZ_CHECK(rd32be(ip + 16) != 0, "to 0.0.0.0");
	const uint8_t *p = ip + IP_HDR;
	size_t n = total - IP_HDR;
	switch (ip[9]) {
	case IP_PROTO_ICMP:
		FUZZ_CHECK(n >= 8 && inet_checksum(p, n) == 0, "ICMP of %zu bytes or its checksum", n);
		FUZZ_CHECK(p[0] == 0 || p[0] == 3 || p[0] == 8, "ICMP type %u", p[0]);
		return false;
	case IP_PROTO_UDP:
		FUZZ_CHECK(n >= 8 && rd16be(p + 4) == n, "UDP length %u in %zu", rd16be(p + 4), n);
		FUZZ_CHECK(rd16be(p + 6) != 0 && l4_sum(ip, p, n, IP_PROTO_UDP) == 0, "UDP checksum");
		return false;
	case IP_PROTO_TCP:
		check_tcp(ip, p, n, t);
		return true;
	default:
		FUZZ_CHECK(0, "IP protocol %u sent", ip[9]);
		return false;
	}
}

bool frame_check(const struct netif *nif, const uint8_t *f, size_t len, struct sent_tcp *t)
{
	static const uint8_t zero[6];
	FUZZ_CHECK(len >= 60 && len <= ETH_FRAME_MAX, "frame of %zu bytes", len);
	FUZZ_CHECK(memcmp(f + 6, nif->mac, 6) == 0, "source MAC not ours");
	FUZZ_CHECK(memcmp(f, zero, 6) != 0, "to MAC 00:00:00:00:00:00");
	switch (rd16be(f + 12)) {
	case ETH_TYPE_ARP:
		check_arp(nif, f + ETH_HDR, len - ETH_HDR);
		return false;
	case ETH_TYPE_IPV4:
		return check_ipv4(nif, f + ETH_HDR, len - ETH_HDR, t);
	default:
		FUZZ_CHECK(0, "EtherType %#x sent", rd16be(f + 12));
		return false;
	}
}
