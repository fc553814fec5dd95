/* The 82599 tests' frames (frame.h). */
#include "tests/ixgbe/frame.h"
#include <string.h>

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

size_t ixm_frame(uint8_t f[IXM_FRAME_LEN], uint8_t proto, uint32_t src, uint16_t sport,
		 uint32_t dst, uint16_t dport)
{
	memset(f, 0, IXM_FRAME_LEN);
	memcpy(f, "\x00\x1b\x21\xaa\xbb\xcc\x02\x00\x00\x00\x00\x01", 12);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, IXM_FRAME_LEN - 14);
	f[22] = 64;
	f[23] = proto;
	put32(f + 26, src);
	put32(f + 30, dst);
	put16(f + 34, sport);
	put16(f + 36, dport);
	if (proto == 6)
		f[46] = 0x50;           /* TCP data offset: 5 words */
	return IXM_FRAME_LEN;
}
