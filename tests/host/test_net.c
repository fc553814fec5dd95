/* Packet traces through net/: frames in, frames out, counters, with time driven by hand. */
#include "tests/host/test.h"
#include "tests/host/net_harness.h"
#include "net/net.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"

static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

static size_t arp_frame(uint8_t *f, uint16_t op, const uint8_t *dst, uint32_t spa, uint32_t tpa);

/* The state after the host has asked for our MAC: it is in our ARP cache. */
static void setup_host_known(void)
{
	uint8_t a[60];
	net_setup();
	eth_input(&nif, a, arp_frame(a, 1, bcast, HOST_IP, OUR_IP), 0);
	nsent = 0;
}

static size_t arp_frame(uint8_t *f, uint16_t op, const uint8_t *dst, uint32_t spa, uint32_t tpa)
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, host_mac, 6);
	wr16be(f + 12, ETH_TYPE_ARP);
	wr16be(f + 14, 1);
	wr16be(f + 16, ETH_TYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	wr16be(f + 20, op);
	memcpy(f + 22, host_mac, 6);
	wr32be(f + 28, spa);
	wr32be(f + 38, tpa);
	return 60;
}

/* An echo request from the host: IPv4 header + ICMP with id 0x1234, seq 7, 32 data bytes. */
static size_t ping_frame(uint8_t *f)
{
	uint8_t *ip = f + ETH_HDR, *icmp = ip + 20;
	memset(f, 0, 100);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, host_mac, 6);
	wr16be(f + 12, ETH_TYPE_IPV4);
	ip[0] = 0x45;
	wr16be(ip + 2, 20 + 40);
	ip[8] = 64;
	ip[9] = IP_PROTO_ICMP;
	wr32be(ip + 12, HOST_IP);
	wr32be(ip + 16, OUR_IP);
	wr16be(ip + 10, inet_checksum(ip, 20));
	icmp[0] = 8;
	wr16be(icmp + 4, 0x1234);
	wr16be(icmp + 6, 7);
	for (int i = 0; i < 32; i++)
		icmp[8 + i] = (uint8_t)i;
	wr16be(icmp + 2, inet_checksum(icmp, 40));
	return ETH_HDR + 60;
}

TEST(net, checksum_rfc1071_example)
{
	/* RFC 1071 section 3's words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is ~ddf2. */
	const uint8_t w[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	EXPECT_EQ_U64(inet_checksum(w, sizeof(w)), 0x220d);
	const uint8_t odd[] = { 0x01 };
	EXPECT_EQ_U64(inet_checksum(odd, 1), 0xFEFF);
}

TEST(net, arp_request_for_us_gets_a_reply_and_teaches_the_sender)
{
	uint8_t f[60];
	net_setup();
	eth_input(&nif, f, arp_frame(f, 1, bcast, HOST_IP, OUR_IP), 1000);
	EXPECT_EQ_U64(nsent, 1);
	EXPECT_EQ_MEM(sent[0], host_mac, 6);
	EXPECT_EQ_U64(rd16be(sent[0] + 12), ETH_TYPE_ARP);
	EXPECT_EQ_U64(rd16be(sent[0] + 20), 2);                 /* reply */
	EXPECT_EQ_MEM(sent[0] + 22, our_mac, 6);
	EXPECT_EQ_U64(rd32be(sent[0] + 28), OUR_IP);
	EXPECT_EQ_U64(rd32be(sent[0] + 38), HOST_IP);
	uint8_t mac[6];
	EXPECT(arp_resolve(&nif, HOST_IP, mac, 2000));
	EXPECT_EQ_MEM(mac, host_mac, 6);
}

TEST(net, arp_for_someone_else_is_ignored_and_not_learned)
{
	uint8_t f[60], mac[6];
	net_setup();
	eth_input(&nif, f, arp_frame(f, 1, bcast, HOST_IP, 0xC6120063u), 0);
	EXPECT_EQ_U64(nsent, 0);
	EXPECT(!arp_resolve(&nif, HOST_IP, mac, 0));            /* asks instead */
	EXPECT_EQ_U64(nsent, 1);
	EXPECT_EQ_MEM(sent[0], bcast, 6);
	EXPECT_EQ_U64(rd16be(sent[0] + 20), 1);
}

static unsigned learned_calls;
static uint32_t learned_ip;
static uint8_t learned_mac[6];

static void note_learned(struct netif *n, uint32_t ip, const uint8_t mac[6])
{
	(void)n;
	learned_calls++;
	learned_ip = ip;
	memcpy(learned_mac, mac, 6);
}

/* The hook kernel 0 uses to tell the other kernels: a new address, and a changed MAC, each
 * once; a refresh of what is known within the second, not. */
TEST(net, arp_learned_hook_fires_for_new_and_changed_entries_only)
{
	uint8_t f[60], mac[6];
	static const uint8_t other_mac[6] = { 2, 0, 0, 0, 0, 9 };
	net_setup();
	nif.arp_learned = note_learned;
	learned_calls = 0;
	eth_input(&nif, f, arp_frame(f, 1, bcast, HOST_IP, OUR_IP), 0);
	EXPECT_EQ_U64(learned_calls, 1);
	EXPECT_EQ_U64(learned_ip, HOST_IP);
	EXPECT_EQ_MEM(learned_mac, host_mac, 6);
	eth_input(&nif, f, arp_frame(f, 1, bcast, HOST_IP, OUR_IP), 500);
	EXPECT_EQ_U64(learned_calls, 1);
	arp_learn(&nif, HOST_IP, other_mac, 600);
	EXPECT_EQ_U64(learned_calls, 2);
	EXPECT_EQ_MEM(learned_mac, other_mac, 6);
	EXPECT(arp_cached(&nif, HOST_IP, mac));
	EXPECT_EQ_MEM(mac, other_mac, 6);
	EXPECT(!arp_cached(&nif, 0xC6120063u, mac));
}

/* The other kernels' copies age like any entry (below), and the answers to their own
 * requests reach kernel 0 alone (ARP frames are not hashed): kernel 0 passes refreshes on
 * too, once a second at most, or a kernel that stopped talking to a host for two TTLs could
 * never learn it again (kernels 1 to 3 of a 4-kernel igb guest stopped answering the host
 * after two idle minutes). */
TEST(net, arp_learned_hook_passes_refreshes_on_once_a_second)
{
	uint8_t f[60];
	net_setup();
	nif.arp_learned = note_learned;
	learned_calls = 0;
	eth_input(&nif, f, arp_frame(f, 1, bcast, HOST_IP, OUR_IP), 0);
	EXPECT_EQ_U64(learned_calls, 1);
	for (uint64_t t = 250; t < 1000; t += 250)
		eth_input(&nif, f, arp_frame(f, 1, bcast, HOST_IP, OUR_IP), t);
	EXPECT_EQ_U64(learned_calls, 1);
	eth_input(&nif, f, arp_frame(f, 1, bcast, HOST_IP, OUR_IP), 1000);
	EXPECT_EQ_U64(learned_calls, 2);
	eth_input(&nif, f, arp_frame(f, 2, our_mac, HOST_IP, OUR_IP), 2 * ARP_TTL_MS + 5);
	EXPECT_EQ_U64(learned_calls, 3);
	EXPECT_EQ_U64(learned_ip, HOST_IP);
}

TEST(net, arp_entries_age_out)
{
	uint8_t f[60], mac[6];
	net_setup();
	eth_input(&nif, f, arp_frame(f, 1, bcast, HOST_IP, OUR_IP), 0);
	nsent = 0;
	EXPECT(arp_resolve(&nif, HOST_IP, mac, ARP_TTL_MS - 1));
	EXPECT_EQ_U64(nsent, 0);
	/* Stale: still used, while a unicast request asks the host to confirm. */
	EXPECT(arp_resolve(&nif, HOST_IP, mac, ARP_TTL_MS));
	EXPECT_EQ_U64(nsent, 1);
	EXPECT_EQ_MEM(sent[0], host_mac, 6);
	EXPECT(arp_resolve(&nif, HOST_IP, mac, ARP_TTL_MS + 10));
	EXPECT_EQ_U64(nsent, 1);                /* one request a second at most */
	EXPECT(!arp_resolve(&nif, HOST_IP, mac, 2 * ARP_TTL_MS));
	EXPECT_EQ_U64(nsent, 2);                /* forgotten: a broadcast request */
	EXPECT_EQ_MEM(sent[1], bcast, 6);
}

TEST(net, packets_wait_for_arp_and_go_when_the_reply_comes)
{
	uint8_t f[60], payload[8] = "payload";
	net_setup();
	EXPECT_EQ_U64(ipv4_output(&nif, HOST_IP, IP_PROTO_UDP, payload, sizeof(payload), 0), 0);
	EXPECT_EQ_U64(nsent, 1);                /* only the request */
	EXPECT_EQ_U64(rd16be(sent[0] + 12), ETH_TYPE_ARP);
	eth_input(&nif, f, arp_frame(f, 2, our_mac, HOST_IP, OUR_IP), 100);
	EXPECT_EQ_U64(nsent, 2);                /* the held packet, to the learnt MAC */
	EXPECT_EQ_MEM(sent[1], host_mac, 6);
	EXPECT_EQ_MEM(sent[1] + ETH_HDR + 20, payload, sizeof(payload));
	/* One that waits too long is dropped and counted. */
	ipv4_output(&nif, HOST_IP + 5, IP_PROTO_UDP, payload, sizeof(payload), 200);
	arp_tick(&nif, 200 + ARP_PENDING_MS);
	EXPECT_EQ_U64(nif.stats.drops[DROP_NO_ROUTE_MAC], 1);
}

TEST(net, gratuitous_arp_announces_our_address)
{
	net_setup();
	arp_announce(&nif);
	EXPECT_EQ_U64(nsent, 1);
	EXPECT_EQ_MEM(sent[0], bcast, 6);
	EXPECT_EQ_U64(rd32be(sent[0] + ETH_HDR + 14), OUR_IP);  /* sender = target = us */
	EXPECT_EQ_U64(rd32be(sent[0] + ETH_HDR + 24), OUR_IP);
}

TEST(net, malformed_arp_is_counted)
{
	uint8_t f[60];
	net_setup();
	size_t n = arp_frame(f, 1, bcast, HOST_IP, OUR_IP);
	f[18] = 8;                                               /* hlen */
	eth_input(&nif, f, n, 0);
	arp_frame(f, 9, bcast, HOST_IP, OUR_IP);                /* op */
	eth_input(&nif, f, n, 0);
	eth_input(&nif, f, ETH_HDR + 10, 0);                    /* cut short */
	EXPECT_EQ_U64(nif.stats.drops[DROP_ARP_MALFORMED], 3);
	EXPECT_EQ_U64(nsent, 0);
}

/* 00:00:00:00:00:00 names no station (IEEE 802 addresses): an ARP packet claiming it as the
 * sender's is neither answered nor learned, else the reply would go to that address and
 * traffic for the sender after it (found by tests/fuzz/fuzz_eth.c). */
TEST(net, arp_from_the_zero_mac_is_dropped)
{
	uint8_t f[60], mac[6];
	net_setup();
	size_t n = arp_frame(f, 1, bcast, HOST_IP, OUR_IP);
	memset(f + ETH_HDR + 8, 0, 6);                          /* sender hardware address */
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(nsent, 0);
	EXPECT(!arp_cached(&nif, HOST_IP, mac));
	EXPECT_EQ_U64(nif.stats.drops[DROP_ARP_MALFORMED], 1);
}

TEST(net, echo_request_gets_an_echo_reply)
{
	uint8_t f[128];
	setup_host_known();
	eth_input(&nif, f, ping_frame(f), 10);
	EXPECT_EQ_U64(nsent, 1);
	const uint8_t *ip = sent[0] + ETH_HDR, *icmp = ip + 20;
	EXPECT_EQ_MEM(sent[0], host_mac, 6);
	EXPECT_EQ_U64(inet_checksum(ip, 20), 0);
	EXPECT_EQ_U64(rd32be(ip + 12), OUR_IP);
	EXPECT_EQ_U64(rd32be(ip + 16), HOST_IP);
	EXPECT_EQ_U64(ip[9], IP_PROTO_ICMP);
	EXPECT_EQ_U64(icmp[0], 0);                              /* echo reply */
	EXPECT_EQ_U64(rd16be(icmp + 4), 0x1234);
	EXPECT_EQ_U64(rd16be(icmp + 6), 7);
	EXPECT_EQ_MEM(icmp + 8, f + ETH_HDR + 28, 32);
	EXPECT_EQ_U64(inet_checksum(icmp, 40), 0);
	EXPECT_EQ_U64(nif.stats.icmp_echo_replies, 1);
}

/* A NIC whose transmit ring is full refuses the frame (-EAGAIN): the frame is counted as
 * DROP_TX_FULL, not as sent, and the next frame goes once the ring has room. */
static int ring_full(void *drv, const uint8_t *f, size_t len)
{
	(void)drv;
	(void)f;
	(void)len;
	return -EAGAIN;
}

TEST(net, a_frame_refused_by_a_full_tx_ring_is_counted)
{
	uint8_t f[128];
	setup_host_known();
	uint64_t sent_before = nif.stats.tx_frames;             /* the ARP reply */
	nif.tx = ring_full;
	eth_input(&nif, f, ping_frame(f), 10);
	EXPECT_EQ_U64(nif.stats.drops[DROP_TX_FULL], 1);
	EXPECT_EQ_U64(nif.stats.tx_frames, sent_before);
	EXPECT_EQ_U64(nif.stats.icmp_echo_replies, 0);
	nif.tx = net_capture;
	eth_input(&nif, f, ping_frame(f), 11);
	EXPECT_EQ_U64(nsent, 1);
	EXPECT_EQ_U64(nif.stats.tx_frames, sent_before + 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_TX_FULL], 1);
}

/* The stack's own ping: the request as sent, and the host's answer counted, not dropped. */
TEST(net, own_echo_request_goes_out_and_its_reply_is_counted)
{
	uint8_t f[128];
	setup_host_known();
	EXPECT_EQ_U64(icmp_echo_request(&nif, HOST_IP, 0x4b32, 3, 56, 10), 0);
	EXPECT_EQ_U64(nsent, 1);
	size_t len = sent_len[0];
	const uint8_t *ip = sent[0] + ETH_HDR, *icmp = ip + 20;
	EXPECT_EQ_MEM(sent[0], host_mac, 6);
	EXPECT_EQ_U64(rd32be(ip + 16), HOST_IP);
	EXPECT_EQ_U64(ip[9], IP_PROTO_ICMP);
	EXPECT_EQ_U64(icmp[0], 8);
	EXPECT_EQ_U64(rd16be(icmp + 4), 0x4b32);
	EXPECT_EQ_U64(rd16be(icmp + 6), 3);
	EXPECT_EQ_U64(inet_checksum(icmp, 64), 0);
	EXPECT_EQ_U64(icmp_echo_request(&nif, HOST_IP, 1, 1, 57, 10), -EINVAL);
	/* The host's answer: addresses swapped, type 0. */
	memcpy(f, sent[0], len);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, host_mac, 6);
	uint8_t *rip = f + ETH_HDR, *ricmp = rip + 20;
	wr32be(rip + 12, HOST_IP);
	wr32be(rip + 16, OUR_IP);
	wr16be(rip + 10, 0);
	wr16be(rip + 10, inet_checksum(rip, 20));
	ricmp[0] = 0;
	wr16be(ricmp + 2, 0);
	wr16be(ricmp + 2, inet_checksum(ricmp, 64));
	eth_input(&nif, f, len, 20);
	EXPECT_EQ_U64(nif.stats.icmp_echo_replies_in, 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_ICMP_TYPE], 0);
	EXPECT_EQ_U64(nsent, 1);                /* nothing answered */
}

TEST(net, bad_ip_headers_are_counted_and_dropped)
{
	uint8_t f[128];
	setup_host_known();
	size_t n = ping_frame(f);
	f[ETH_HDR + 10] ^= 1;                                   /* checksum */
	eth_input(&nif, f, n, 0);
	ping_frame(f);
	f[ETH_HDR] = 0x65;                                      /* version 6 */
	eth_input(&nif, f, n, 0);
	ping_frame(f);
	f[ETH_HDR] = 0x44;                                      /* IHL 4 */
	eth_input(&nif, f, n, 0);
	ping_frame(f);
	wr16be(f + ETH_HDR + 2, 2000);                          /* longer than the frame */
	eth_input(&nif, f, n, 0);
	ping_frame(f);
	wr32be(f + ETH_HDR + 16, 0xC6120009u);                  /* someone else */
	wr16be(f + ETH_HDR + 10, 0);
	wr16be(f + ETH_HDR + 10, inet_checksum(f + ETH_HDR, 20));
	eth_input(&nif, f, n, 0);
	ping_frame(f);
	wr16be(f + ETH_HDR + 6, 0x2000);                        /* more fragments */
	wr16be(f + ETH_HDR + 10, 0);
	wr16be(f + ETH_HDR + 10, inet_checksum(f + ETH_HDR, 20));
	eth_input(&nif, f, n, 0);
	eth_input(&nif, f, ETH_HDR + 12, 0);                    /* cut short */
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_CHECKSUM], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_VERSION], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_HEADER_LEN], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_TOTAL_LEN], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_NOT_FOR_US], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_FRAGMENT], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_IP_SHORT], 1);
	EXPECT_EQ_U64(nsent, 0);
}

TEST(net, bad_icmp_and_other_frames_are_counted)
{
	uint8_t f[128];
	setup_host_known();
	size_t n = ping_frame(f);
	f[ETH_HDR + 20 + 10] ^= 0xFF;                           /* data changed: checksum wrong */
	eth_input(&nif, f, n, 0);
	ping_frame(f);
	f[0] = 0x02;                                            /* another unicast MAC */
	eth_input(&nif, f, n, 0);
	ping_frame(f);
	wr16be(f + 12, 0x86DD);                                 /* IPv6 */
	eth_input(&nif, f, n, 0);
	eth_input(&nif, f, 10, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_ICMP_CHECKSUM], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_ETH_NOT_FOR_US], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_ETH_TYPE], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_ETH_SHORT], 1);
	EXPECT_EQ_U64(nsent, 0);
}

TEST(net, cidr_parsing)
{
	uint32_t ip, mask;
	EXPECT(net_parse_cidr("198.18.0.2/24", &ip, &mask) == 0 && ip == OUR_IP && mask == 0xFFFFFF00);
	EXPECT(net_parse_cidr("10.0.2.15", &ip, &mask) == 0 && ip == 0x0A00020F && mask == 0xFFFFFFFF);
	EXPECT(net_parse_cidr("0.0.0.0/0", &ip, &mask) == 0 && mask == 0);
	EXPECT(net_parse_cidr("256.1.1.1", &ip, &mask) < 0);
	EXPECT(net_parse_cidr("1.2.3", &ip, &mask) < 0);
	EXPECT(net_parse_cidr("1.2.3.4/33", &ip, &mask) < 0);
	EXPECT(net_parse_cidr("1.2.3.4/", &ip, &mask) < 0);
	EXPECT(net_parse_cidr("1.2.3.4x", &ip, &mask) < 0);
	EXPECT(net_parse_cidr("1..3.4", &ip, &mask) < 0);
}

/* --- UDP and DHCP --- */
#include "net/dhcp.h"

/* An IPv4+UDP frame from the host; returns its length. */
static size_t udp_frame(uint8_t *f, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
			uint16_t sport, uint16_t dport, const uint8_t *data, size_t n)
{
	uint8_t *ip = f + ETH_HDR, *u = ip + 20;
	memset(f, 0, ETH_HDR + 28 + n);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, host_mac, 6);
	wr16be(f + 12, ETH_TYPE_IPV4);
	ip[0] = 0x45;
	wr16be(ip + 2, (uint16_t)(28 + n));
	ip[8] = 64;
	ip[9] = IP_PROTO_UDP;
	wr32be(ip + 12, src);
	wr32be(ip + 16, dst);
	wr16be(ip + 10, inet_checksum(ip, 20));
	wr16be(u, sport);
	wr16be(u + 2, dport);
	wr16be(u + 4, (uint16_t)(8 + n));
	memcpy(u + 8, data, n);
	return ETH_HDR + 28 + n;       /* checksum 0: none, as RFC 768 allows */
}

TEST(net, udp_to_a_closed_port_gets_port_unreachable)
{
	uint8_t f[128];
	setup_host_known();
	size_t n = udp_frame(f, our_mac, HOST_IP, OUR_IP, 5000, 9, (const uint8_t *)"hello", 5);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NO_PORT], 1);
	EXPECT_EQ_U64(nsent, 1);
	const uint8_t *ip = sent[0] + ETH_HDR, *icmp = ip + 20;
	EXPECT_EQ_U64(ip[9], IP_PROTO_ICMP);
	EXPECT_EQ_U64(icmp[0], 3);
	EXPECT_EQ_U64(icmp[1], 3);
	EXPECT_EQ_MEM(icmp + 8, f + ETH_HDR, 28);               /* header + 8 bytes quoted */
	EXPECT_EQ_U64(inet_checksum(icmp, 8 + 28), 0);
	/* Never about a broadcast (RFC 1122 3.2.2). */
	n = udp_frame(f, bcast, HOST_IP, IP_BROADCAST, 5000, 9, (const uint8_t *)"x", 1);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NO_PORT], 2);
	EXPECT_EQ_U64(nsent, 1);
}

TEST(net, bad_udp_is_counted)
{
	uint8_t f[128];
	setup_host_known();
	size_t n = udp_frame(f, our_mac, HOST_IP, OUR_IP, 1, 2, (const uint8_t *)"abcd", 4);
	wr16be(f + ETH_HDR + 20 + 4, 40);                       /* length past the packet */
	eth_input(&nif, f, n, 0);
	udp_frame(f, our_mac, HOST_IP, OUR_IP, 1, 2, (const uint8_t *)"abcd", 4);
	wr16be(f + ETH_HDR + 20 + 6, 0x1234);                   /* wrong checksum */
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_LENGTH], 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_CHECKSUM], 1);
	EXPECT_EQ_U64(nsent, 0);
}

static unsigned udp_delivered;

static void count_udp(struct netif *n, void *arg, uint32_t src, uint16_t sport, const uint8_t *data,
		      size_t len, uint64_t now)
{
	(void)n, (void)arg, (void)src, (void)sport, (void)data, (void)len, (void)now;
	udp_delivered++;
}

/* Defect 12 of issue #13: a free binding slot has port 0, and a datagram to port 0 matched it
 * and was handed to its NULL receiver. Port 0 is reserved (RFC 768): it binds nobody, and a
 * datagram to it is an unbound port's. */
TEST(net, udp_to_port_0_finds_no_free_slot)
{
	uint8_t f[128];
	setup_host_known();
	udp_delivered = 0;
	EXPECT_EQ_U64(udp_bind(&nif, 0, count_udp, NULL), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(udp_bind(&nif, 7, NULL, NULL), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(udp_bind(&nif, 7, count_udp, NULL), 0);   /* the other 63 slots stay free */
	size_t n = udp_frame(f, our_mac, HOST_IP, OUR_IP, 5000, 0, (const uint8_t *)"boom", 4);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NO_PORT], 1);
	EXPECT_EQ_U64(nif.stats.udp_in, 0);
	EXPECT_EQ_U64(nsent, 1);                                /* port unreachable */
	udp_unbind(&nif, 0);                                    /* unbinds nothing */
	n = udp_frame(f, our_mac, HOST_IP, OUR_IP, 5000, 7, (const uint8_t *)"ok", 2);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(udp_delivered, 1);
	udp_unbind(&nif, 7);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(udp_delivered, 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NO_PORT], 2);
}

/* A free ARP entry has ip 0: 0.0.0.0 must never find one (and its zero MAC), be learned from a
 * probe (RFC 5227 2.1.1: sender address 0), or be resolved. */
TEST(net, arp_never_takes_a_free_entry_for_address_0)
{
	uint8_t f[60], mac[6] = { 1, 1, 1, 1, 1, 1 };
	net_setup();
	nif.arp_learned = note_learned;
	learned_calls = 0;
	EXPECT(!arp_cached(&nif, 0, mac));
	eth_input(&nif, f, arp_frame(f, 1, bcast, 0, OUR_IP), 0);       /* a probe for our address */
	arp_learn(&nif, 0, host_mac, 0);
	EXPECT_EQ_U64(learned_calls, 0);
	EXPECT(!arp_cached(&nif, 0, mac));
	EXPECT(!arp_resolve(&nif, 0, mac, 0));
	for (unsigned i = 0; i < ARP_CACHE_SIZE; i++)
		EXPECT_EQ_U64(nif.arp[i].ip, 0);
	nsent = 0;
	EXPECT(!arp_resolve(&nif, 0, mac, 0));
	EXPECT_EQ_U64(nsent, 0);                                /* no request for 0.0.0.0 */
}

/* No next hop: off the subnet with no gateway, or to 0.0.0.0. Nothing goes out (no frame to
 * a free ARP entry's zero MAC), the caller gets an errno, and the drop is counted. */
TEST(net, ipv4_output_without_a_next_hop_is_enetunreach)
{
	uint8_t payload[8] = "payload";
	net_setup();
	nif.gateway = 0;
	EXPECT_EQ_U64(ipv4_output(&nif, 0x08080808, IP_PROTO_UDP, payload, 8, 0), (uint64_t)-ENETUNREACH);
	EXPECT_EQ_U64(ipv4_output(&nif, 0, IP_PROTO_UDP, payload, 8, 0), (uint64_t)-ENETUNREACH);
	EXPECT_EQ_U64(nsent, 0);
	EXPECT_EQ_U64(nif.stats.drops[DROP_NO_ROUTE], 2);
	for (unsigned i = 0; i < ARP_PENDING; i++)
		EXPECT_EQ_U64(nif.pending[i].len, 0);
}

/* Defect 11 of issue #13: an oversized packet is -EMSGSIZE, not -1. */
TEST(net, oversized_output_is_emsgsize)
{
	static uint8_t big[ETH_FRAME_MAX];
	setup_host_known();
	EXPECT_EQ_U64(ipv4_output(&nif, HOST_IP, IP_PROTO_UDP, big, ETH_FRAME_MAX - ETH_HDR - IP_HDR + 1, 0),
		      (uint64_t)-EMSGSIZE);
	EXPECT_EQ_U64(udp_output(&nif, 1, HOST_IP, 2, big, ETH_FRAME_MAX - ETH_HDR - IP_HDR - 8 + 1, 0),
		      (uint64_t)-EMSGSIZE);
	EXPECT_EQ_U64(nsent, 0);
	EXPECT_EQ_U64(ipv4_output(&nif, HOST_IP, IP_PROTO_UDP, big, ETH_FRAME_MAX - ETH_HDR - IP_HDR, 0), 0);
	EXPECT_EQ_U64(nsent, 1);
}

/* The server's answer to whatever we sent last, echoing its xid. */
static size_t dhcp_answer(uint8_t *f, uint8_t type, uint32_t xid, uint32_t yiaddr)
{
	uint8_t m[300];
	size_t o = 240;
	memset(m, 0, sizeof(m));
	m[0] = 2;
	m[1] = 1;
	m[2] = 6;
	wr32be(m + 4, xid);
	wr32be(m + 16, yiaddr);
	memcpy(m + 28, our_mac, 6);
	wr32be(m + 236, 0x63825363);
	m[o++] = 53, m[o++] = 1, m[o++] = type;
	m[o++] = 54, m[o++] = 4, wr32be(m + o, HOST_IP), o += 4;
	m[o++] = 1, m[o++] = 4, wr32be(m + o, 0xFFFFFF00), o += 4;
	m[o++] = 3, m[o++] = 4, wr32be(m + o, HOST_IP), o += 4;
	m[o++] = 51, m[o++] = 4, wr32be(m + o, 86400), o += 4;
	m[o++] = 255;
	return udp_frame(f, bcast, HOST_IP, IP_BROADCAST, 67, 68, m, o);
}

/* Finds option code in the DHCP message of the last frame sent. */
static const uint8_t *sent_option(unsigned k, uint8_t code)
{
	const uint8_t *m = sent[k] + ETH_HDR + 28;
	for (size_t i = 240; i < 300 && m[i] != 255; i += 2 + m[i + 1])
		if (m[i] == code)
			return m + i + 2;
	return NULL;
}

TEST(net, dhcp_discover_offer_request_ack)
{
	uint8_t f[400];
	struct dhcp_client c;
	net_setup();
	nif.ip = 0;
	EXPECT(dhcp_start(&nif, &c, 0xABCD1234, 0) == 0);
	EXPECT_EQ_U64(nsent, 1);
	const uint8_t *ip = sent[0] + ETH_HDR, *m = ip + 28;
	EXPECT_EQ_MEM(sent[0], bcast, 6);
	EXPECT_EQ_U64(rd32be(ip + 12), 0);
	EXPECT_EQ_U64(rd32be(ip + 16), IP_BROADCAST);
	EXPECT_EQ_U64(rd16be(ip + 20), 68);
	EXPECT_EQ_U64(rd16be(ip + 22), 67);
	EXPECT_EQ_U64(m[0], 1);
	EXPECT_EQ_U64(rd32be(m + 4), 0xABCD1234);
	EXPECT_EQ_U64(rd16be(m + 10), 0x8000);
	EXPECT_EQ_MEM(m + 28, our_mac, 6);
	EXPECT(sent_option(0, 53) && sent_option(0, 53)[0] == 1);

	eth_input(&nif, f, dhcp_answer(f, 2, 0x99999999, OUR_IP), 10);  /* another xid */
	EXPECT_EQ_U64(nsent, 1);
	eth_input(&nif, f, dhcp_answer(f, 2, 0xABCD1234, OUR_IP), 20);  /* OFFER */
	EXPECT_EQ_U64(nsent, 2);
	EXPECT(sent_option(1, 53) && sent_option(1, 53)[0] == 3);        /* REQUEST */
	EXPECT(sent_option(1, 50) && rd32be(sent_option(1, 50)) == OUR_IP);
	EXPECT(sent_option(1, 54) && rd32be(sent_option(1, 54)) == HOST_IP);
	EXPECT(!dhcp_bound(&nif));
	eth_input(&nif, f, dhcp_answer(f, 5, 0xABCD1234, OUR_IP), 30);   /* ACK */
	EXPECT(dhcp_bound(&nif));
	EXPECT_EQ_U64(nif.ip, OUR_IP);
	EXPECT_EQ_U64(nif.mask, 0xFFFFFF00);
	EXPECT_EQ_U64(nif.gateway, HOST_IP);
	EXPECT_EQ_U64(c.lease_s, 86400);
}

TEST(net, dhcp_retransmits_and_refuses_lying_options)
{
	uint8_t f[400];
	struct dhcp_client c;
	net_setup();
	nif.ip = 0;
	EXPECT(dhcp_start(&nif, &c, 7, 1000) == 0);
	dhcp_tick(&nif, 4999);
	EXPECT_EQ_U64(nsent, 1);
	dhcp_tick(&nif, 5000);                                  /* 4 s later: again */
	EXPECT_EQ_U64(nsent, 2);
	dhcp_tick(&nif, 12999);
	EXPECT_EQ_U64(nsent, 2);
	dhcp_tick(&nif, 13000);                                 /* then 8 s */
	EXPECT_EQ_U64(nsent, 3);
	size_t n = dhcp_answer(f, 2, 7, OUR_IP);
	f[ETH_HDR + 28 + 241] = 200;                            /* option 53's length past the end */
	eth_input(&nif, f, n, 14000);
	EXPECT_EQ_U64(nif.stats.drops[DROP_DHCP_MALFORMED], 1);
	EXPECT(!dhcp_bound(&nif));
	EXPECT_EQ_U64(nsent, 3);
}

/* Every way the client refuses a server's message is counted under its reason, and none of
 * them moves the exchange on or sends anything. */
TEST(net, dhcp_refusals_are_counted_by_reason)
{
	uint8_t f[400], m[100] = { 2 };
	uint8_t *dhcp = f + ETH_HDR + 28;
	struct dhcp_client c;
	net_setup();
	nif.ip = 0;
	EXPECT(dhcp_start(&nif, &c, 7, 0) == 0);
	size_t n = dhcp_answer(f, 2, 7, OUR_IP);
	wr16be(f + ETH_HDR + 20, 1067);                         /* not from the server port */
	eth_input(&nif, f, n, 1);
	eth_input(&nif, f, udp_frame(f, bcast, HOST_IP, IP_BROADCAST, 67, 68, m, sizeof(m)), 1);
	n = dhcp_answer(f, 2, 7, OUR_IP);
	dhcp[0] = 1;                                            /* a BOOTREQUEST */
	eth_input(&nif, f, n, 1);
	n = dhcp_answer(f, 2, 7, OUR_IP);
	dhcp[236] ^= 0xFF;                                      /* no magic cookie */
	eth_input(&nif, f, n, 1);
	n = dhcp_answer(f, 2, 7, OUR_IP);
	dhcp[240] = 250;                                        /* no message type */
	eth_input(&nif, f, n, 1);
	n = dhcp_answer(f, 2, 7, OUR_IP);
	dhcp[n - ETH_HDR - 28 - 1] = 0;                         /* no END option */
	eth_input(&nif, f, n, 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_DHCP_MALFORMED], 6);

	eth_input(&nif, f, dhcp_answer(f, 2, 8, OUR_IP), 1);    /* another xid */
	n = dhcp_answer(f, 2, 7, OUR_IP);
	dhcp[33] ^= 1;                                          /* another hardware address */
	eth_input(&nif, f, n, 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_DHCP_NOT_OURS], 2);

	eth_input(&nif, f, dhcp_answer(f, 5, 7, OUR_IP), 1);    /* an ACK while selecting */
	eth_input(&nif, f, dhcp_answer(f, 2, 7, 0), 1);         /* an OFFER of no address */
	n = dhcp_answer(f, 2, 7, OUR_IP);
	dhcp[243] = 250;                                        /* an OFFER without a server */
	eth_input(&nif, f, n, 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_DHCP_UNEXPECTED], 3);
	EXPECT_EQ_U64(c.state, DHCP_SELECTING);
	EXPECT_EQ_U64(nsent, 1);                                /* only the DISCOVER */

	eth_input(&nif, f, dhcp_answer(f, 2, 7, OUR_IP), 2);    /* the OFFER: a REQUEST goes */
	eth_input(&nif, f, dhcp_answer(f, 2, 7, OUR_IP), 3);    /* a second OFFER */
	eth_input(&nif, f, dhcp_answer(f, 5, 7, OUR_IP + 1), 3);        /* an ACK of another address */
	EXPECT_EQ_U64(c.state, DHCP_REQUESTING);
	eth_input(&nif, f, dhcp_answer(f, 5, 7, OUR_IP), 4);    /* the ACK */
	eth_input(&nif, f, dhcp_answer(f, 5, 7, OUR_IP), 5);    /* once bound, a repeat */
	EXPECT(dhcp_bound(&nif));
	EXPECT_EQ_U64(nif.stats.drops[DROP_DHCP_UNEXPECTED], 6);
	EXPECT_EQ_U64(nsent, 2);
	EXPECT_EQ_U64(nif.stats.drops[DROP_DHCP_MALFORMED], 6);
	EXPECT_EQ_U64(nif.stats.drops[DROP_DHCP_NOT_OURS], 2);
}

/* A connected port (POSIX connect() on a UDP socket) takes its peer's datagrams only; the
 * others are counted, not delivered, and draw no port unreachable. */
TEST(net, udp_connected_port_takes_its_peer_only)
{
	uint8_t f[128];
	setup_host_known();
	udp_delivered = 0;
	EXPECT_EQ_U64(udp_connect(&nif, 7, HOST_IP, 5000), (uint64_t)-ENOENT);        /* not bound */
	EXPECT_EQ_U64(udp_bind(&nif, 7, count_udp, NULL), 0);
	EXPECT_EQ_U64(udp_connect(&nif, 7, HOST_IP, 5000), 0);
	eth_input(&nif, f, udp_frame(f, our_mac, HOST_IP, OUR_IP, 5000, 7, (const uint8_t *)"a", 1), 0);
	EXPECT_EQ_U64(udp_delivered, 1);
	eth_input(&nif, f, udp_frame(f, our_mac, HOST_IP, OUR_IP, 5001, 7, (const uint8_t *)"b", 1), 0);
	eth_input(&nif, f, udp_frame(f, our_mac, HOST_IP + 9, OUR_IP, 5000, 7, (const uint8_t *)"c", 1), 0);
	EXPECT_EQ_U64(udp_delivered, 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NOT_PEER], 2);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NO_PORT], 0);
	EXPECT_EQ_U64(nsent, 0);
	EXPECT_EQ_U64(udp_connect(&nif, 7, 0, 0), 0);                   /* from anyone again */
	eth_input(&nif, f, udp_frame(f, our_mac, HOST_IP, OUR_IP, 5001, 7, (const uint8_t *)"b", 1), 0);
	EXPECT_EQ_U64(udp_delivered, 2);
}

/* --- Ports tracked one by one (net.h's elsewhere hook, kernel/netports.h) --- */

static unsigned elsewhere_calls;
static uint8_t elsewhere_proto;
static uint16_t elsewhere_port;
static bool elsewhere_takes;

static bool note_elsewhere(struct netif *n, uint8_t proto, uint16_t port)
{
	(void)n;
	elsewhere_calls++;
	elsewhere_proto = proto;
	elsewhere_port = port;
	return elsewhere_takes;
}

static void setup_elsewhere(bool takes)
{
	setup_host_known();
	nif.elsewhere = note_elsewhere;
	elsewhere_calls = 0;
	elsewhere_takes = takes;
}

TEST(net, udp_to_a_port_another_kernel_binds_goes_there_not_unreachable)
{
	uint8_t f[128];
	setup_elsewhere(true);
	size_t n = udp_frame(f, our_mac, HOST_IP, OUR_IP, 5000, 9, (const uint8_t *)"hello", 5);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(elsewhere_calls, 1);
	EXPECT_EQ_U64(elsewhere_proto, IP_PROTO_UDP);
	EXPECT_EQ_U64(elsewhere_port, 9);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NO_PORT], 0);
	EXPECT_EQ_U64(nsent, 0);                                /* no port unreachable */
	/* A frame another kernel handed on goes no further: unreachable, as nobody binds 9. */
	nif.rx_forwarded = true;
	eth_input(&nif, f, n, 0);
	nif.rx_forwarded = false;
	EXPECT_EQ_U64(elsewhere_calls, 1);
	EXPECT_EQ_U64(nsent, 1);
	/* Nor a broadcast, which every kernel's stack is not shown. */
	n = udp_frame(f, bcast, HOST_IP, IP_BROADCAST, 5000, 9, (const uint8_t *)"x", 1);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(elsewhere_calls, 1);
	nif.elsewhere = NULL;
}

TEST(net, udp_to_a_port_nobody_serves_is_still_unreachable)
{
	uint8_t f[128];
	setup_elsewhere(false);
	size_t n = udp_frame(f, our_mac, HOST_IP, OUR_IP, 5000, 9, (const uint8_t *)"hello", 5);
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(elsewhere_calls, 1);
	EXPECT_EQ_U64(nif.stats.drops[DROP_UDP_NO_PORT], 1);
	EXPECT_EQ_U64(nsent, 1);
	nif.elsewhere = NULL;
}

TEST(net, an_echo_reply_to_another_kernels_identifier_goes_there)
{
	uint8_t f[128];
	setup_elsewhere(true);
	size_t n = ping_frame(f);
	uint8_t *icmp = f + ETH_HDR + 20;
	icmp[0] = 0;                                            /* a reply, id 0x1234 */
	wr16be(icmp + 2, 0);
	wr16be(icmp + 2, inet_checksum(icmp, 40));
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(elsewhere_calls, 1);
	EXPECT_EQ_U64(elsewhere_proto, IP_PROTO_ICMP);
	EXPECT_EQ_U64(elsewhere_port, 0x1234);
	EXPECT_EQ_U64(nif.stats.icmp_echo_replies_in, 0);
	elsewhere_takes = false;                                /* ours: counted here */
	eth_input(&nif, f, n, 0);
	EXPECT_EQ_U64(nif.stats.icmp_echo_replies_in, 1);
	nif.elsewhere = NULL;
}
