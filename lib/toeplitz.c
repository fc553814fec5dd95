/* The Toeplitz RSS hash (toeplitz.h). */
#include "lib/toeplitz.h"
#include "lib/bytes.h"

const uint8_t rss_key_default[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* 0x6d5a over and over (Woo and Park, "Scalable TCP session monitoring with symmetric
 * receive-side scaling", 2012). */
const uint8_t rss_key_symmetric[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

uint32_t toeplitz_hash(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len)
{
	if (key_len < len + 4)
		return 0;
	/* window: the 32 key bits that start at the current input bit; each input byte slides
	 * it 8 bits along, taking in the next key byte. */
	uint32_t hash = 0;
	uint32_t window = rd32be(key);
	for (size_t i = 0; i < len; i++) {
		uint8_t next = key[i + 4];
		for (int b = 7; b >= 0; b--) {
			if (in[i] & (1u << b))
				hash ^= window;
			window = window << 1 | (uint32_t)((next >> b) & 1);
		}
	}
	return hash;
}

uint32_t toeplitz_ipv4(const uint8_t key[RSS_KEY_LEN], uint32_t src, uint32_t dst)
{
	uint8_t in[8];
	wr32be(in, src);
	wr32be(in + 4, dst);
	return toeplitz_hash(key, RSS_KEY_LEN, in, sizeof(in));
}

uint32_t toeplitz_ipv4_tcp(const uint8_t key[RSS_KEY_LEN], uint32_t src, uint32_t dst,
			   uint16_t sport, uint16_t dport)
{
	uint8_t in[12];
	wr32be(in, src);
	wr32be(in + 4, dst);
	wr16be(in + 8, sport);
	wr16be(in + 10, dport);
	return toeplitz_hash(key, RSS_KEY_LEN, in, sizeof(in));
}
