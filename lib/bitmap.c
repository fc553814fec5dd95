/* Bitmap range operations and the zero-run search, a word at a time where they can be. */
#include "lib/bitmap.h"

static void range_apply(uint64_t *map, size_t start, size_t count, bool set)
{
	size_t i = start, end = start + count;

	while (i < end) {
		size_t bit = i % 64, n = 64 - bit;
		if (n > end - i)
			n = end - i;
		uint64_t mask = (n == 64 ? ~0ull : ((1ull << n) - 1)) << bit;
		if (set)
			map[i / 64] |= mask;
		else
			map[i / 64] &= ~mask;
		i += n;
	}
}

void bitmap_set_range(uint64_t *map, size_t start, size_t count)
{
	range_apply(map, start, count, true);
}

void bitmap_clear_range(uint64_t *map, size_t start, size_t count)
{
	range_apply(map, start, count, false);
}

/* Index of the first zero bit at or after i, or nbits. Skips full words whole. */
static size_t next_zero(const uint64_t *map, size_t nbits, size_t i)
{
	while (i < nbits) {
		uint64_t w = ~map[i / 64] >> (i % 64);
		if (w) {
			i += (size_t)__builtin_ctzll(w);
			return i < nbits ? i : nbits;
		}
		i = (i / 64 + 1) * 64;
	}
	return nbits;
}

/* Index of the first set bit in [i, limit), or limit. */
static size_t next_one(const uint64_t *map, size_t limit, size_t i)
{
	while (i < limit) {
		uint64_t w = map[i / 64] >> (i % 64);
		if (w) {
			i += (size_t)__builtin_ctzll(w);
			return i < limit ? i : limit;
		}
		i = (i / 64 + 1) * 64;
	}
	return limit;
}

long bitmap_find_zero_run(const uint64_t *map, size_t nbits, size_t start, size_t count,
			  size_t align)
{
	if (align == 0)
		align = 1;
	if (count == 0 || count > nbits)
		return -1;
	size_t i = start;
	for (;;) {
		i = next_zero(map, nbits, i);
		i = (i + align - 1) / align * align;
		if (i >= nbits || count > nbits - i)
			return -1;
		size_t one = next_one(map, i + count, i);
		if (one == i + count)
			return (long)i;
		i = one + 1;
	}
}
