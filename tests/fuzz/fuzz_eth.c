/* Fuzzes what an interface takes from the wire: Ethernet, ARP, IPv4, ICMP, UDP and the DHCP
 * client (net/eth.c, arp.c, ipv4.c, udp.c, dhcp.c), with TCP listening on port 80 behind
 * them. Every frame the stack sends is checked (frame_check.h); every byte it allocated
 * must be back at the end.
 *
 * Input: one byte of set-up (bit 0: a DHCP client looking for an address; otherwise an
 * interface configured as 198.18.0.2/24 with a UDP echo on port 7), then records of
 *   u8 ctl | u16 length (big-endian) | that many bytes of frame
 * where ctl bit 0 asks the harness to fix the frame's IPv4, ICMP, UDP and TCP checksums
 * (so the fuzzer gets past them), and bits 1-3 pick how far time moves before it. */
#include "tests/fuzz/frame_check.h"
#include "tests/fuzz/fuzz.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "net/dhcp.h"
#include "net/tcp.h"

#define OUR_IP 0xC6120002u      /* 198.18.0.2 */
#define GW_IP  0xC6120001u

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint64_t steps_ms[8] = { 0, 1, 40, 200, 1000, 4000, 30000, 70000 };

static struct netif nif;
static struct tcp_stack st;
static struct dhcp_client dhcp;
static long live_allocs;

static void *f_alloc(size_t n)
{
	live_allocs++;
	return malloc(n);
}

static void f_free(void *p)
{
	live_allocs--;
	free(p);
}

static int tx(void *drv, const uint8_t *f, size_t len)
{
	struct sent_tcp t;
	(void)drv;
	frame_check(&nif, f, len, &t);
	return 0;
}

static void udp_echo(struct netif *n, void *arg, uint32_t src, uint16_t sport, const uint8_t *data,
		     size_t len, uint64_t now)
{
	(void)arg;
	if (sport)
		udp_output(n, 7, src, sport, data, len, now);
}

static void setup(bool dhcp_mode, uint64_t now)
{
	static const struct siphash_key key = { 1, 2 };
	memset(&nif, 0, sizeof(nif));
	memcpy(nif.mac, our_mac, 6);
	nif.tx = tx;
	live_allocs = 0;
	tcp_init(&st, &nif, &key, f_alloc, f_free);
	struct tcp_conn *l = tcp_conn_new(&st);
	FUZZ_CHECK(l && tcp_bind(l, 0, 80, false) == 0 && tcp_listen(l, 4) == 0, "listener");
	if (dhcp_mode) {
		FUZZ_CHECK(dhcp_start(&nif, &dhcp, 0x3903F326u, now) == 0, "dhcp_start");
		return;
	}
	nif.ip = OUR_IP;
	nif.mask = 0xFFFFFF00;
	nif.gateway = GW_IP;
	FUZZ_CHECK(udp_bind(&nif, 7, udp_echo, NULL) == 0, "udp_bind");
}

/* Right checksums for whatever headers the frame has room for. */
static void fix_sums(uint8_t *f, size_t len)
{
	if (len < ETH_HDR + IP_HDR || rd16be(f + 12) != ETH_TYPE_IPV4)
		return;
	uint8_t *ip = f + ETH_HDR;
	size_t ihl = (size_t)(ip[0] & 15) * 4, total = rd16be(ip + 2);
	if (ihl < IP_HDR || ihl > len - ETH_HDR)
		return;
	wr16be(ip + 10, 0);
	wr16be(ip + 10, inet_checksum(ip, ihl));
	if (total < ihl || total > len - ETH_HDR)
		return;
	uint8_t *p = ip + ihl;
	size_t n = total - ihl, at = ip[9] == IP_PROTO_ICMP ? 2 : ip[9] == IP_PROTO_UDP ? 6 : 16;
	if ((ip[9] != IP_PROTO_ICMP && ip[9] != IP_PROTO_UDP && ip[9] != IP_PROTO_TCP) || n < at + 2)
		return;
	uint64_t sum = ip[9] == IP_PROTO_ICMP ? 0 :
		       inet_pseudo_sum(rd32be(ip + 12), rd32be(ip + 16), ip[9], n);
	wr16be(p + at, 0);
	wr16be(p + at, inet_fold(inet_sum(p, n, sum)));
}

/* Ends the input: every connection aborted, and nothing may stay allocated. */
static void teardown(uint64_t now)
{
	while (!list_empty(&st.all))
		tcp_abort(list_entry(list_first(&st.all), struct tcp_conn, all_node), now);
	while (!list_empty(&st.time_wait))
		tcp_abort(list_entry(list_first(&st.time_wait), struct tcp_conn, all_node), now);
	FUZZ_CHECK(st.nconns == 0, "%u connections left", st.nconns);
	FUZZ_CHECK(live_allocs == 0, "%ld allocations left", live_allocs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t now = 1000;
	if (size < 1)
		return 0;
	setup(data[0] & 1, now);
	for (size_t at = 1; at + 3 <= size; ) {
		uint8_t ctl = data[at];
		size_t len = rd16be(data + at + 1);
		at += 3;
		if (len > size - at)
			len = size - at;
		uint8_t *f = fuzz_dup(data + at, len);
		at += len;
		if (ctl & 1)
			fix_sums(f, len);
		now += steps_ms[ctl >> 1 & 7];
		eth_input(&nif, f, len, now);
		free(f);
		arp_tick(&nif, now);
		dhcp_tick(&nif, now);
		tcp_tick(&st, now);
	}
	teardown(now);
	return 0;
}
