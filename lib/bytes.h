/* Reading and writing big-endian (network order) fields at byte offsets of a buffer, and
 * little-endian ones (device registers built from byte arrays). */
#ifndef LIB_BYTES_H
#define LIB_BYTES_H

#include <stdint.h>

static inline uint16_t rd16be(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
/* A MAC address as a number, for printing and comparing, and back. */
static inline uint64_t rd48be(const uint8_t *p)
{
	return (uint64_t)rd16be(p) << 32 | rd32be(p + 2);
}
static inline uint32_t rd32le(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void wr16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static inline void wr48be(uint8_t *p, uint64_t v)
{
	wr16be(p, (uint16_t)(v >> 32));
	wr32be(p + 2, (uint32_t)v);
}

#endif
