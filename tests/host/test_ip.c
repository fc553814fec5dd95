/* Host requirements of RFC 1122 (2.3, 3.2, 3.3, 4.1) as packet traces: sources that name no
 * host are dropped without an answer, fragments are reassembled in a bounded table, and what
 * we send is Ethernet II from our unicast address with UDP checksums on. */
#include "tests/host/test.h"
#include "tests/host/net_harness.h"
#include "net/ip_reass.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"

#define ECHO_ID 0x4242

static struct ip_reass reass;

/* Our interface, knowing the host's MAC, with a reassembly table. */
static void setup(void)
{
	net_setup();
	ip_reass_init(&reass);
	nif.reass = &reass;
	arp_learn(&nif, HOST_IP, host_mac, 0);
}

/* An echo request of len data bytes (i * 7 for byte i) from src, as one IP payload. */
static size_t echo_payload(uint8_t *icmp, size_t len, uint16_t seq)
{
	memset(icmp, 0, ICMP_ECHO_HDR);
	icmp[0] = 8;
	wr16be(icmp + 4, ECHO_ID);
	wr16be(icmp + 6, seq);
	for (size_t i = 0; i < len; i++)
		icmp[ICMP_ECHO_HDR + i] = (uint8_t)(i * 7);
	wr16be(icmp + 2, inet_checksum(icmp, ICMP_ECHO_HDR + len));
	return ICMP_ECHO_HDR + len;
}

/* A frame carrying bytes [off, off + n) of payload as a fragment of datagram id from src
 * (more: MF set), or whole when off is 0 and more is false. */
static size_t frag_frame(uint8_t *f, uint32_t src, uint8_t proto, uint16_t id,
			 const uint8_t *payload, size_t off, size_t n, bool more)
{
	uint8_t *ip = f + ETH_HDR;
	memcpy(f, our_mac, 6);
	memcpy(f + 6, host_mac, 6);
	wr16be(f + 12, ETH_TYPE_IPV4);
	ipv4_header(ip, src, OUR_IP, proto, n, id);
	wr16be(ip + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
	wr16be(ip + 10, 0);
	wr16be(ip + 10, inet_checksum(ip, IP_HDR));
	memcpy(ip + IP_HDR, payload + off, n);
	return ETH_HDR + IP_HDR + n;
}

static void send_frag(uint16_t id, const uint8_t *payload, size_t off, size_t n, bool more,
		      uint64_t now)
{
	static uint8_t f[ETH_HDR + IP_HDR + IP_REASS_PAYLOAD_MAX];
	eth_input(&nif, f, frag_frame(f, HOST_IP, IP_PROTO_ICMP, id, payload, off, n, more), now);
}

/* The echo reply in sent[0..], possibly in fragments, put back together into out; its
 * length, or 0 when what went out is not one whole reply. */
static size_t reply_reassembled(uint8_t *out, size_t max)
{
	size_t total = 0, end = 0;
	for (unsigned i = 0; i < nsent && i < SENT_MAX; i++) {
		const uint8_t *ip = sent[i] + ETH_HDR;
		size_t n = rd16be(ip + 2) - IP_HDR, off = (size_t)(rd16be(ip + 6) & 0x1FFF) * 8;
		if (ip[9] != IP_PROTO_ICMP || rd32be(ip + 16) != HOST_IP || off + n > max)
			return 0;
		memcpy(out + off, ip + IP_HDR, n);
		total += n;
		if (!(rd16be(ip + 6) & 0x2000))
			end = off + n;
	}
	return total == end ? end : 0;
}

/* The datagram's reply matches the request: type 0, same id, sequence and data. */
static void expect_echo_reply_to(const uint8_t *req, size_t len)
{
	static uint8_t got[IP_REASS_PAYLOAD_MAX];
	EXPECT_EQ_U64(reply_reassembled(got, sizeof(got)), len);
	EXPECT_EQ_U64(got[0], 0);
	EXPECT_EQ_U64(inet_checksum(got, len), 0);
	EXPECT_EQ_MEM(got + 4, req + 4, len - 4);
}

/* ---- sources that name no host ---- */

/* RFC 1122 3.2.1.3: a datagram whose source is 0.0.0.0, loopback, multicast, class E, the
 * limited broadcast or our subnet's directed broadcast is dropped silently (no echo reply,
 * no port unreachable: RFC 1122 3.2.2) and counted. */
TEST(ip, martian_sources_are_dropped_silently_rfc1122_3_2_1_3)
{
	static const uint32_t martians[] = { 0, 0x7F000001, 0x7F123456, 0xE0000001, 0xEFFFFFFF,
					     0xF0000001, 0xFFFFFFFF, 0xC61200FF };
	uint8_t icmp[64], f[128], udp[12] = { 0, 9, 0, 99, 0, 12 };
	size_t n = echo_payload(icmp, 16, 1);
	setup();
	for (unsigned i = 0; i < sizeof(martians) / sizeof(martians[0]); i++) {
		eth_input(&nif, f, frag_frame(f, martians[i], IP_PROTO_ICMP, 1, icmp, 0, n, false), 0);
		eth_input(&nif, f, frag_frame(f, martians[i], IP_PROTO_UDP, 2, udp, 0, 12, false), 0);
	}
	EXPECT_EQ_U64(nsent, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_BAD_SOURCE], 2 * 8);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NO_PORT], 0);
	/* The same from a real host is answered. */
	eth_input(&nif, f, frag_frame(f, HOST_IP, IP_PROTO_ICMP, 1, icmp, 0, n, false), 0);
	EXPECT_EQ_U64(nsent, 1);
}

/* RFC 1122 3.2.2: no ICMP error about a datagram that came in a link-layer broadcast, nor
 * about an ICMP error; the same UDP datagram in a unicast frame gets its port unreachable. */
TEST(ip, no_icmp_error_about_a_link_broadcast_or_an_icmp_error_rfc1122_3_2_2)
{
	uint8_t f[128], udp[12] = { 0, 9, 0, 99, 0, 12 };
	setup();
	size_t n = frag_frame(f, HOST_IP, IP_PROTO_UDP, 1, udp, 0, 12, false);
	memset(f, 0xFF, 6);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(nsent, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NO_PORT], 1);
	memcpy(f, our_mac, 6);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(nsent, 1);
	EXPECT_EQ_U64(sent[0][ETH_HDR + IP_HDR], 3);
	/* An ICMP error quoting a datagram: no error is ever sent about it. */
	uint8_t err[8 + IP_HDR + 8];
	memset(err, 0, sizeof(err));
	err[0] = 3;
	err[1] = 3;
	ipv4_header(err + 8, OUR_IP, HOST_IP, IP_PROTO_UDP, 8, 5);
	wr16be(err + 2, inet_checksum(err, sizeof(err)));
	uint8_t ip[IP_HDR + sizeof(err)];
	ipv4_header(ip, HOST_IP, OUR_IP, IP_PROTO_ICMP, sizeof(err), 6);
	memcpy(ip + IP_HDR, err, sizeof(err));
	icmp_unreachable(&nif, 2, ip, sizeof(ip), 0);
	EXPECT_EQ_U64(nsent, 1);
}

/* Options a host does not know are ignored (RFC 1122 3.2.1.8), and a TTL of 1 is no reason
 * to discard a datagram addressed to us (3.2.1.7): the echo request is answered. */
TEST(ip, unknown_options_and_ttl_1_are_accepted_rfc1122_3_2_1_7_and_3_2_1_8)
{
	uint8_t icmp[64], f[160];
	size_t n = echo_payload(icmp, 16, 9);
	setup();
	uint8_t *ip = f + ETH_HDR;
	size_t len = frag_frame(f, HOST_IP, IP_PROTO_ICMP, 3, icmp, 0, n, false);
	memmove(ip + IP_HDR + 8, ip + IP_HDR, n);
	static const uint8_t opts[8] = { 1, 0x9E, 4, 0, 0, 1, 1, 0 };   /* NOP, kind 158, NOPs, EOL */
	memcpy(ip + IP_HDR, opts, 8);
	ip[0] = 0x47;
	ip[8] = 1;
	wr16be(ip + 2, (uint16_t)(IP_HDR + 8 + n));
	wr16be(ip + 10, 0);
	wr16be(ip + 10, inet_checksum(ip, IP_HDR + 8));
	eth_input(&nif, f, len + 8, 0);
	EXPECT_EQ_U64(nsent, 1);
	EXPECT_EQ_U64(nif.stats.icmp_echo_replies, 1);
	EXPECT(sent[0][ETH_HDR + 8] > 1);               /* the reply's own TTL is not 0 or 1 */
}

/* A loopback address never appears outside the host (RFC 1122 3.2.1.3 (g)): sending to one
 * over the interface has no next hop, even with a gateway. */
TEST(ip, loopback_destinations_never_leave_the_host_rfc1122_3_2_1_3)
{
	uint8_t payload[8] = "payload";
	setup();
	EXPECT_EQ_U64(ipv4_output(&nif, 0x7F000001, IP_PROTO_UDP, payload, 8, 0), (uint64_t)-ENETUNREACH);
	EXPECT_EQ_U64(udp_output(&nif, 5, 0x7F123456, 7, payload, 8, 0), (uint64_t)-ENETUNREACH);
	EXPECT_EQ_U64(nsent, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_NO_ROUTE], 2);
}

/* ---- reassembly (RFC 791 3.2, RFC 1122 3.3.2) ---- */

static uint8_t req[IP_REASS_PAYLOAD_MAX];

TEST(ip, fragments_in_order_are_reassembled_and_the_echo_reply_is_fragmented_rfc1122_3_3_2)
{
	size_t n = echo_payload(req, 3000, 1);          /* 1480 + 1480 + 48, as Linux sends it */
	setup();
	send_frag(7, req, 0, 1480, true, 0);
	send_frag(7, req, 1480, 1480, true, 0);
	EXPECT_EQ_U64(nsent, 0);
	send_frag(7, req, 2960, n - 2960, false, 0);
	EXPECT_EQ_U64(nsent, 3);
	expect_echo_reply_to(req, n);
	EXPECT_EQ_U64(nif.stats.icmp_echo_replies, 1);
	EXPECT_EQ_U64(nif.stats.ip_frags_in, 3);
	EXPECT_EQ_U64(nif.stats.ip_frags_out, 3);
	EXPECT_EQ_U64(reass.reassembled, 1);
	for (unsigned i = 0; i < IP_REASS_SLOTS; i++)
		EXPECT(!reass.slot[i].used);
}

TEST(ip, fragments_out_of_order_are_reassembled_rfc791_3_2)
{
	size_t n = echo_payload(req, 100, 2);
	setup();
	send_frag(8, req, 96, n - 96, false, 0);
	send_frag(8, req, 48, 48, true, 0);
	send_frag(8, req, 0, 48, true, 0);
	EXPECT_EQ_U64(nsent, 1);
	expect_echo_reply_to(req, n);
}

/* A repeat of bytes already held is counted and changes nothing; the datagram completes. */
TEST(ip, a_duplicate_fragment_is_counted_and_harmless)
{
	size_t n = echo_payload(req, 100, 3);
	setup();
	send_frag(9, req, 0, 56, true, 0);
	send_frag(9, req, 0, 56, true, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_DUPLICATE], 1);
	send_frag(9, req, 56, n - 56, false, 0);
	EXPECT_EQ_U64(nsent, 1);
	expect_echo_reply_to(req, n);
}

/* Overlapping fragments (or a repeat with other bytes) drop the whole datagram, never
 * choosing one fragment's bytes over another's (RFC 5722's rule, RFC 1858's attacks). */
TEST(ip, overlapping_fragments_drop_the_datagram_rfc5722)
{
	size_t n = echo_payload(req, 100, 4);
	setup();
	send_frag(10, req, 0, 56, true, 0);
	send_frag(10, req, 48, n - 48, false, 0);       /* overlaps bytes 48..55 */
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_OVERLAP], 1);
	send_frag(10, req, 56, n - 56, false, 0);       /* a fresh start: the first is gone */
	EXPECT_EQ_U64(nsent, 0);
	/* The same range with other bytes. */
	static uint8_t other[IP_REASS_PAYLOAD_MAX];
	memcpy(other, req, n);
	other[60] ^= 0xFF;
	send_frag(11, req, 0, 56, true, 0);
	send_frag(11, req, 56, n - 56, false, 0);
	EXPECT_EQ_U64(nsent, 1);
	nsent = 0;
	send_frag(12, req, 0, 56, true, 0);
	send_frag(12, other, 56, 16, true, 0);
	send_frag(12, req, 56, 16, true, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_OVERLAP], 2);
	/* A second end, and data past the end. */
	send_frag(13, req, 56, n - 56, false, 0);
	send_frag(13, req, 56, 8, false, 0);
	send_frag(14, req, 0, 56, false, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_OVERLAP], 3);
	EXPECT_EQ_U64(nsent, 0);
}

/* The table holds IP_REASS_SLOTS datagrams; a fragment of one more is refused and counted,
 * and a slot freed by a completed datagram takes new ones again. */
TEST(ip, the_reassembly_table_is_bounded)
{
	size_t n = echo_payload(req, 100, 5);
	setup();
	for (uint16_t id = 0; id < IP_REASS_SLOTS; id++)
		send_frag(id, req, 0, 56, true, 0);
	send_frag(IP_REASS_SLOTS, req, 0, 56, true, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_FULL], 1);
	send_frag(0, req, 56, n - 56, false, 0);
	EXPECT_EQ_U64(nsent, 1);
	send_frag(IP_REASS_SLOTS, req, 0, 56, true, 0);
	send_frag(IP_REASS_SLOTS, req, 56, n - 56, false, 0);
	EXPECT_EQ_U64(nsent, 2);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_FULL], 1);
}

/* RFC 1122 3.3.2: a datagram not whole within the timeout is dropped, and ICMP time exceeded
 * (code 1) goes back when its first fragment came, quoting that fragment's header. */
TEST(ip, reassembly_timeout_sends_time_exceeded_rfc1122_3_3_2)
{
	size_t n = echo_payload(req, 100, 6);
	setup();
	send_frag(20, req, 0, 56, true, 1000);
	send_frag(21, req, 56, n - 56, false, 1000);    /* no first fragment: no ICMP */
	ip_reass_tick(&nif, 1000 + IP_REASS_TIMEOUT_MS - 1);
	EXPECT_EQ_U64(nsent, 0);
	arp_learn(&nif, HOST_IP, host_mac, 1000 + IP_REASS_TIMEOUT_MS); /* no ARP refresh */
	ip_reass_tick(&nif, 1000 + IP_REASS_TIMEOUT_MS);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_TIMEOUT], 2);
	EXPECT_EQ_U64(nsent, 1);
	const uint8_t *ip = sent[0] + ETH_HDR, *icmp = ip + IP_HDR;
	EXPECT_EQ_U64(rd32be(ip + 16), HOST_IP);
	EXPECT_EQ_U64(icmp[0], 11);
	EXPECT_EQ_U64(icmp[1], 1);
	EXPECT_EQ_U64(rd16be(icmp + 8 + 4), 20);        /* the quoted header's id */
	EXPECT_EQ_U64(rd16be(icmp + 8 + 6), 0x2000);    /* ... of the first fragment */
	EXPECT_EQ_MEM(icmp + 8 + IP_HDR, req, 8);
	EXPECT_EQ_U64(inet_checksum(icmp, rd16be(ip + 2) - IP_HDR), 0);
	/* The table is empty again: all four slots take new datagrams. */
	for (uint16_t id = 30; id < 30 + IP_REASS_SLOTS; id++)
		send_frag(id, req, 0, 56, true, 2000 + IP_REASS_TIMEOUT_MS);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_FULL], 0);
}

/* Fragments that would add up past 65,535 bytes (the "ping of death") are refused. */
TEST(ip, fragments_past_65535_bytes_are_refused_rfc791_3_1)
{
	static uint8_t big[IP_LEN_MAX + 8];
	setup();
	send_frag(40, big, 0, 1480, true, 0);
	send_frag(40, big, 8184 * 8, 100, false, 0);    /* ends at 65,572 bytes of payload */
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_OVERSIZE], 1);
	EXPECT_EQ_U64(nsent, 0);
	for (unsigned i = 0; i < IP_REASS_SLOTS; i++)
		EXPECT(!reass.slot[i].used);
	/* The largest legal one, 65,515 bytes after a 20-byte header, completes. */
	size_t n = echo_payload(req, IP_REASS_PAYLOAD_MAX - ICMP_ECHO_HDR, 7);
	for (size_t off = 0; off < n; off += 1480)
		send_frag(41, req, off, n - off < 1480 ? n - off : 1480, off + 1480 < n, 0);
	EXPECT_EQ_U64(nif.stats.icmp_echo_replies, 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_REASS_OVERSIZE], 1);
}

/* A fragment with more to follow carries a multiple of 8 bytes (RFC 791 3.1), and none is
 * empty. */
TEST(ip, malformed_fragments_are_counted)
{
	size_t n = echo_payload(req, 100, 8);
	setup();
	send_frag(50, req, 0, 13, true, 0);
	send_frag(50, req, 0, 0, true, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_FRAG_MALFORMED], 2);
	send_frag(50, req, 0, 56, true, 0);
	send_frag(50, req, 56, n - 56, false, 0);
	EXPECT_EQ_U64(nsent, 1);
}

/* A reassembled UDP datagram reaches its port whole. */
static size_t udp_got;
static void udp_note(struct netif *n, void *arg, uint32_t src, uint16_t sport, const uint8_t *data,
		     size_t len, uint64_t now)
{
	(void)n, (void)arg, (void)src, (void)sport, (void)data, (void)now;
	udp_got = len;
}

TEST(ip, a_reassembled_udp_datagram_reaches_its_port)
{
	static uint8_t f[ETH_HDR + IP_HDR + 1500];
	setup();
	udp_got = 0;
	EXPECT_EQ_U64(udp_bind(&nif, 7, udp_note, NULL), 0);
	memset(req, 0xA5, 2008);
	wr16be(req, 9);
	wr16be(req + 2, 7);
	wr16be(req + 4, 2008);
	wr16be(req + 6, 0);                             /* no checksum */
	eth_input(&nif, f, frag_frame(f, HOST_IP, IP_PROTO_UDP, 60, req, 0, 1480, true), 0);
	eth_input(&nif, f, frag_frame(f, HOST_IP, IP_PROTO_UDP, 60, req, 1480, 528, false), 0);
	EXPECT_EQ_U64(udp_got, 2000);
}

/* ---- what we send (RFC 1122 2.3.1, 3.2.1.3, 3.3.6, 4.1.3) ---- */

/* Our stack sends one of each: an ARP request, an echo reply, a port unreachable, a small and
 * a large UDP datagram; the frames are in sent[0..nsent). */
static void send_one_of_each(void)
{
	static uint8_t big[1400];
	uint8_t icmp[64], f[128], udp[12] = { 0, 9, 0, 99, 0, 12 };
	setup();
	EXPECT_EQ_U64(udp_output(&nif, 5, 0xC6120009, 7, (const uint8_t *)"x", 1, 0), 0);
	size_t n = echo_payload(icmp, 16, 1);
	eth_input(&nif, f, frag_frame(f, HOST_IP, IP_PROTO_ICMP, 1, icmp, 0, n, false), 0);
	eth_input(&nif, f, frag_frame(f, HOST_IP, IP_PROTO_UDP, 2, udp, 0, 12, false), 0);
	EXPECT_EQ_U64(udp_output(&nif, 5, HOST_IP, 7, (const uint8_t *)"hi", 2, 0), 0);
	EXPECT_EQ_U64(udp_output(&nif, 5, HOST_IP, 7, big, sizeof(big), 0), 0);
	EXPECT_EQ_U64(nsent, 5);
}

/* RFC 1122 2.3.1: no trailer encapsulation. Every frame is Ethernet II (RFC 894): type IPv4
 * or ARP, never a trailer type (0x1001-0x100F), the whole packet right after the header and
 * nothing after it but the zeros that make up a minimum frame. */
TEST(ip, frames_are_ethernet_ii_without_trailers_rfc1122_2_3_1)
{
	send_one_of_each();
	for (unsigned i = 0; i < nsent && i < SENT_MAX; i++) {
		uint16_t type = rd16be(sent[i] + 12);
		const uint8_t *ip = sent[i] + ETH_HDR;
		size_t len = type == ETH_TYPE_ARP ? 28 : rd16be(ip + 2);
		EXPECT(type == ETH_TYPE_IPV4 || type == ETH_TYPE_ARP);
		EXPECT(type == ETH_TYPE_ARP || (ip[0] == 0x45 && inet_checksum(ip, IP_HDR) == 0));
		EXPECT_EQ_U64(sent_len[i], ETH_HDR + len < 60 ? 60 : ETH_HDR + len);
		for (size_t b = ETH_HDR + len; b < sent_len[i]; b++)
			EXPECT_EQ_U64(sent[i][b], 0);
	}
}

/* RFC 1122 3.2.1.3 and 4.1.3.6: what we send, IP, ICMP and UDP alike, has our own unicast
 * address as its source; UDP's checksum covers that same address. */
TEST(ip, everything_sent_has_our_unicast_source_rfc1122_3_2_1_3_and_4_1_3_6)
{
	unsigned ip_frames = 0;
	send_one_of_each();
	for (unsigned i = 0; i < nsent && i < SENT_MAX; i++) {
		const uint8_t *ip = sent[i] + ETH_HDR, *u = ip + IP_HDR;
		if (rd16be(sent[i] + 12) != ETH_TYPE_IPV4)
			continue;
		ip_frames++;
		EXPECT_EQ_U64(rd32be(ip + 12), OUR_IP);
		size_t n = rd16be(ip + 2) - IP_HDR;
		if (ip[9] == IP_PROTO_UDP)
			EXPECT_EQ_U64(inet_fold(inet_sum(u, n, inet_pseudo_sum(OUR_IP, rd32be(ip + 16), IP_PROTO_UDP, n))), 0);
	}
	EXPECT_EQ_U64(ip_frames, 4);            /* the echo reply, the error, two datagrams */
}

/* RFC 1122 3.3.6: a broadcast address is never a source. A datagram sent to the limited
 * broadcast leaves from our unicast address, and so does the echo reply to a request that
 * came to it. */
TEST(ip, a_broadcast_address_is_never_our_source_rfc1122_3_3_6)
{
	uint8_t icmp[64], f[128];
	setup();
	EXPECT_EQ_U64(udp_output(&nif, 68, IP_BROADCAST, 67, (const uint8_t *)"x", 1, 0), 0);
	size_t n = echo_payload(icmp, 16, 2);
	n = frag_frame(f, HOST_IP, IP_PROTO_ICMP, 7, icmp, 0, n, false);
	wr32be(f + ETH_HDR + 16, IP_BROADCAST);
	wr16be(f + ETH_HDR + 10, 0);
	wr16be(f + ETH_HDR + 10, inet_checksum(f + ETH_HDR, IP_HDR));
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(nsent, 2);                /* 3.2.2.6 lets a host answer the echo */
	for (unsigned i = 0; i < nsent && i < SENT_MAX; i++)
		EXPECT_EQ_U64(rd32be(sent[i] + ETH_HDR + 12), OUR_IP);
	EXPECT_EQ_U64(rd32be(sent[0] + ETH_HDR + 16), IP_BROADCAST);
	EXPECT_EQ_MEM(sent[0], "\xff\xff\xff\xff\xff\xff", 6);
}

/* RFC 1122 3.3.6 with RFC 922: a datagram to our subnet's directed broadcast goes at once to
 * the link's broadcast address, from our unicast address, as the limited broadcast does. An
 * ARP request for x.x.x.255 would go unanswered and the datagram with it. */
TEST(ip, a_directed_broadcast_goes_to_the_link_broadcast_rfc1122_3_3_6)
{
	setup();
	EXPECT_EQ_U64(udp_output(&nif, 68, 0xC61200FF, 9, (const uint8_t *)"x", 1, 0), 0);
	EXPECT_EQ_U64(nsent, 1);
	EXPECT_EQ_U64(rd16be(sent[0] + 12), ETH_TYPE_IPV4);
	EXPECT_EQ_MEM(sent[0], "\xff\xff\xff\xff\xff\xff", 6);
	EXPECT_EQ_U64(rd32be(sent[0] + ETH_HDR + 12), OUR_IP);
	EXPECT_EQ_U64(rd32be(sent[0] + ETH_HDR + 16), 0xC61200FF);
	/* A host on the subnet is still found by ARP first. */
	EXPECT_EQ_U64(udp_output(&nif, 68, 0xC61200FE, 9, (const uint8_t *)"x", 1, 0), 0);
	EXPECT_EQ_U64(nsent, 2);
	EXPECT_EQ_U64(rd16be(sent[1] + 12), ETH_TYPE_ARP);
}

/* The UDP checksum of header and data over the pseudo-header (RFC 768), 0 when it verifies. */
static uint16_t udp_sum_check(const uint8_t *frame)
{
	const uint8_t *ip = frame + ETH_HDR;
	size_t n = rd16be(ip + 2) - IP_HDR;
	return inet_fold(inet_sum(ip + IP_HDR, n, inet_pseudo_sum(rd32be(ip + 12), rd32be(ip + 16), IP_PROTO_UDP, n)));
}

/* RFC 1122 4.1.3.4: UDP checksums are on by default. Every datagram carries one that
 * verifies, and one whose sum comes to zero is sent as 0xFFFF, since 0 would mean "none". */
TEST(ip, udp_checksums_are_on_by_default_rfc1122_4_1_3_4)
{
	uint8_t data[2] = { 0, 0 }, u[10] = { 0, 5, 0, 7, 0, 10 };
	setup();
	EXPECT_EQ_U64(udp_output(&nif, 5, HOST_IP, 7, (const uint8_t *)"hello", 5, 0), 0);
	/* The two data bytes that bring the ones' complement sum to 0xFFFF. */
	uint16_t d = 0;
	do {
		wr16be(u + 8, d);
	} while (inet_fold(inet_sum(u, 10, inet_pseudo_sum(OUR_IP, HOST_IP, IP_PROTO_UDP, 10))) && ++d);
	wr16be(data, d);
	EXPECT_EQ_U64(udp_output(&nif, 5, HOST_IP, 7, data, 2, 0), 0);
	EXPECT_EQ_U64(nsent, 2);
	for (unsigned i = 0; i < 2; i++) {
		EXPECT(rd16be(sent[i] + ETH_HDR + IP_HDR + 6) != 0);
		EXPECT_EQ_U64(udp_sum_check(sent[i]), 0);
	}
	EXPECT_EQ_U64(rd16be(sent[1] + ETH_HDR + IP_HDR + 6), 0xFFFF);
}
