/* Bitmaps of 64-bit words, as used by the frame allocator. */
#ifndef LIB_BITMAP_H
#define LIB_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BITMAP_WORDS(nbits) (((nbits) + 63) / 64)

static inline void bitmap_set(uint64_t *map, size_t i)
{
	map[i / 64] |= 1ull << (i % 64);
}

static inline void bitmap_clear(uint64_t *map, size_t i)
{
	map[i / 64] &= ~(1ull << (i % 64));
}

static inline bool bitmap_test(const uint64_t *map, size_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

void bitmap_set_range(uint64_t *map, size_t start, size_t count);
void bitmap_clear_range(uint64_t *map, size_t start, size_t count);
/* First index >= start, a multiple of align (0 or 1: any), beginning count zero bits that
 * all lie below nbits; -1 if there is none. */
long bitmap_find_zero_run(const uint64_t *map, size_t nbits, size_t start, size_t count,
			  size_t align);

#endif
