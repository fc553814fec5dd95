/* Tests of lib/toeplitz.c against the published RSS verification suite (Microsoft's, which
 * the 82599 datasheet repeats): its key, five IPv4 flows, their 2-tuple and 4-tuple hashes. */
#include "tests/host/test.h"
#include "lib/bytes.h"
#include "lib/toeplitz.h"
#include "lib/util.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t ipv4, ipv4_tcp;
} suite[] = {
	{ IP(66, 9, 149, 187), IP(161, 142, 100, 80), 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ IP(199, 92, 111, 2), IP(65, 69, 140, 83), 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ IP(24, 19, 198, 95), IP(12, 22, 207, 184), 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ IP(38, 27, 205, 30), IP(209, 142, 163, 6), 48228, 2217, 0x82989176, 0xafc7327f },
	{ IP(153, 39, 163, 191), IP(202, 188, 127, 2), 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};

TEST(toeplitz, ipv4_verification_suite)
{
	for (unsigned i = 0; i < ARRAY_SIZE(suite); i++)
		EXPECT_EQ_U64(toeplitz_ipv4(rss_key_default, suite[i].src, suite[i].dst), suite[i].ipv4);
}

TEST(toeplitz, ipv4_tcp_verification_suite)
{
	for (unsigned i = 0; i < ARRAY_SIZE(suite); i++)
		EXPECT_EQ_U64(toeplitz_ipv4_tcp(rss_key_default, suite[i].src, suite[i].dst,
						suite[i].sport, suite[i].dport),
			      suite[i].ipv4_tcp);
}

/* Linearity: one set input bit gives the 32 key bits that start there, and the hash of two
 * inputs' XOR is the XOR of their hashes. */
TEST(toeplitz, one_bit_selects_a_key_window_and_hashes_xor)
{
	const uint8_t *k = rss_key_default;
	for (unsigned bit = 0; bit < 96; bit++) {
		uint8_t in[12] = { 0 };
		in[bit / 8] = (uint8_t)(0x80 >> (bit % 8));
		uint32_t window = 0;
		for (unsigned j = 0; j < 32; j++)
			window = window << 1 | ((k[(bit + j) / 8] >> (7 - (bit + j) % 8)) & 1);
		EXPECT_EQ_U64(toeplitz_hash(k, RSS_KEY_LEN, in, sizeof(in)), window);
	}
	uint32_t a = toeplitz_ipv4_tcp(k, suite[0].src, suite[0].dst, suite[0].sport, suite[0].dport);
	uint32_t b = toeplitz_ipv4_tcp(k, suite[1].src, suite[1].dst, suite[1].sport, suite[1].dport);
	uint32_t x = toeplitz_ipv4_tcp(k, suite[0].src ^ suite[1].src, suite[0].dst ^ suite[1].dst,
				       suite[0].sport ^ suite[1].sport, suite[0].dport ^ suite[1].dport);
	EXPECT_EQ_U64(x, a ^ b);
}

TEST(toeplitz, a_key_too_short_for_the_input_gives_zero)
{
	uint8_t in[40] = { 0xff };
	EXPECT_EQ_U64(toeplitz_hash(rss_key_default, RSS_KEY_LEN, in, 37), 0);
	EXPECT(toeplitz_hash(rss_key_default, RSS_KEY_LEN, in, 36) != 0);
}

/* The key as the 82576 takes it: RSSRK0's low byte is key byte 0 (igb_rss_setup). */
TEST(toeplitz, key_words_as_the_nic_registers_take_them)
{
	EXPECT_EQ_U64(rd32le(rss_key_default), 0xda565a6d);
	EXPECT_EQ_U64(rd32le(rss_key_default + 36), 0xfa01acbe);
}

/* A small generator, so the tuples are many and reproducible. */
static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 1 ^ *s << 15;
}

static int reply_hashes_alike(const uint8_t *key, uint32_t *seed)
{
	uint32_t src = next_rand(seed), dst = next_rand(seed), ports = next_rand(seed);
	uint16_t sport = (uint16_t)ports, dport = (uint16_t)(ports >> 16);
	return toeplitz_ipv4_tcp(key, src, dst, sport, dport) ==
	       toeplitz_ipv4_tcp(key, dst, src, dport, sport) &&
	       toeplitz_ipv4(key, src, dst) == toeplitz_ipv4(key, dst, src);
}

TEST(toeplitz, symmetric_key_hashes_both_directions_of_a_flow_alike)
{
	uint32_t seed = 1;
	unsigned alike = 0, alike_default = 0;
	for (unsigned i = 0; i < 10000; i++)
		alike += reply_hashes_alike(rss_key_symmetric, &seed);
	EXPECT_EQ_U64(alike, 10000);
	seed = 1;
	for (unsigned i = 0; i < 10000; i++)
		alike_default += reply_hashes_alike(rss_key_default, &seed);
	EXPECT(alike_default < 10);     /* the verification key is not symmetric */
}

/* What a server sees: one client address, its ports in turn, one server port. Every one of
 * the 128 redirection buckets (the hash's low 7 bits) gets its share, within a factor 2. */
TEST(toeplitz, symmetric_key_spreads_one_clients_ports_over_128_buckets)
{
	unsigned count[128] = { 0 };
	for (uint32_t port = 1024; port < 1024 + 128 * 64; port++)
		count[toeplitz_ipv4_tcp(rss_key_symmetric, IP(198, 18, 0, 1), IP(198, 18, 0, 2),
					(uint16_t)port, 80) & 127]++;
	unsigned lo = count[0], hi = count[0];
	for (unsigned b = 1; b < 128; b++) {
		lo = MIN(lo, count[b]);
		hi = MAX(hi, count[b]);
	}
	EXPECT(lo >= 32 && hi <= 128);
}
