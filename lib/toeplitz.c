/* The Toeplitz RSS hash (toeplitz.h). */
#include "lib/toeplitz.h"

const uint8_t rss_key_default[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

uint32_t toeplitz_hash(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len)
{
	if (key_len < len + 4)
		return 0;
	/* window: the 32 key bits that start at the current input bit; each input byte slides
	 * it 8 bits along, taking in the next key byte. */
	uint32_t hash = 0;
	uint32_t window = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
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

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t toeplitz_ipv4(const uint8_t key[RSS_KEY_LEN], uint32_t src, uint32_t dst)
{
	uint8_t in[8];
	put32be(in, src);
	put32be(in + 4, dst);
	return toeplitz_hash(key, RSS_KEY_LEN, in, sizeof(in));
}

uint32_t toeplitz_ipv4_tcp(const uint8_t key[RSS_KEY_LEN], uint32_t src, uint32_t dst,
			   uint16_t sport, uint16_t dport)
{
	uint8_t in[12];
	put32be(in, src);
	put32be(in + 4, dst);
	in[8] = (uint8_t)(sport >> 8);
	in[9] = (uint8_t)sport;
	in[10] = (uint8_t)(dport >> 8);
	in[11] = (uint8_t)dport;
	return toeplitz_hash(key, RSS_KEY_LEN, in, sizeof(in));
}
