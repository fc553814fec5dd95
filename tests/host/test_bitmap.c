/* Tests of lib/bitmap.c: ranges and zero-run searches across word boundaries. */
#include <stdbool.h>
#include <string.h>
#include "tests/host/test.h"
#include "lib/bitmap.h"

/* The obvious bit-by-bit search, to check the word-at-a-time one against. */
static long ref_find(const uint64_t *map, size_t nbits, size_t start, size_t count, size_t align)
{
	if (align == 0)
		align = 1;
	for (size_t i = (start + align - 1) / align * align; count && i + count <= nbits; i += align) {
		size_t k = 0;
		while (k < count && !bitmap_test(map, i + k))
			k++;
		if (k == count)
			return (long)i;
	}
	return -1;
}

TEST(bitmap, set_clear_test)
{
	uint64_t m[3] = { 0 };
	bitmap_set(m, 0);
	bitmap_set(m, 63);
	bitmap_set(m, 64);
	bitmap_set(m, 191);
	EXPECT(bitmap_test(m, 0) && bitmap_test(m, 63) && bitmap_test(m, 64) && bitmap_test(m, 191));
	EXPECT(!bitmap_test(m, 1) && !bitmap_test(m, 65) && !bitmap_test(m, 190));
	EXPECT_EQ_U64(m[0], 0x8000000000000001ull);
	bitmap_clear(m, 63);
	EXPECT(!bitmap_test(m, 63));
	EXPECT_EQ_U64(m[0], 1);
}

TEST(bitmap, ranges_cross_words)
{
	uint64_t m[4] = { 0 };
	bitmap_set_range(m, 60, 70);            /* 60..129 */
	for (size_t i = 0; i < 256; i++)
		EXPECT(bitmap_test(m, i) == (i >= 60 && i < 130));
	bitmap_clear_range(m, 64, 64);          /* a whole word */
	EXPECT_EQ_U64(m[1], 0);
	EXPECT(bitmap_test(m, 63) && bitmap_test(m, 128));
	bitmap_set_range(m, 0, 256);
	EXPECT_EQ_U64(m[0] & m[1] & m[2] & m[3], ~0ull);
	bitmap_clear_range(m, 5, 0);
	EXPECT(bitmap_test(m, 5));
}

TEST(bitmap, find_zero_run_matches_reference)
{
	uint64_t m[5];
	const size_t nbits = 300;               /* not a multiple of 64 */
	unsigned seed = 12345;
	for (int round = 0; round < 400; round++) {
		for (int w = 0; w < 5; w++) {
			uint64_t v = 0;
			for (int b = 0; b < 64; b++) {
				seed = seed * 1103515245u + 12345u;
				/* Mostly-full maps with holes of varying sizes. */
				if (((seed >> 16) % 8) < (unsigned)(round % 8))
					v |= 1ull << b;
			}
			m[w] = v;
		}
		size_t start = (size_t)(round * 7) % 200, count = 1 + (size_t)round % 20;
		size_t align = (size_t[]){ 1, 1, 2, 4, 8, 0 }[round % 6];
		EXPECT_EQ_U64(bitmap_find_zero_run(m, nbits, start, count, align),
			      ref_find(m, nbits, start, count, align));
	}
}

TEST(bitmap, find_zero_run_edges)
{
	uint64_t m[2];
	memset(m, 0xFF, sizeof(m));
	EXPECT(bitmap_find_zero_run(m, 128, 0, 1, 1) == -1);    /* full */
	bitmap_clear(m, 127);
	EXPECT(bitmap_find_zero_run(m, 128, 0, 1, 1) == 127);   /* last bit */
	EXPECT(bitmap_find_zero_run(m, 127, 0, 1, 1) == -1);    /* beyond nbits */
	EXPECT(bitmap_find_zero_run(m, 128, 0, 2, 1) == -1);
	bitmap_clear_range(m, 60, 8);                           /* 60..67 across words */
	EXPECT(bitmap_find_zero_run(m, 128, 0, 8, 1) == 60);
	EXPECT(bitmap_find_zero_run(m, 128, 0, 4, 4) == 60);
	EXPECT(bitmap_find_zero_run(m, 128, 0, 8, 8) == -1);    /* 64..71 is not free */
	EXPECT(bitmap_find_zero_run(m, 128, 61, 3, 1) == 61);
	EXPECT(bitmap_find_zero_run(m, 128, 0, 0, 1) == -1);
	EXPECT(bitmap_find_zero_run(m, 128, 0, 129, 1) == -1);
	memset(m, 0, sizeof(m));
	EXPECT(bitmap_find_zero_run(m, 128, 0, 128, 1) == 0);
	EXPECT(bitmap_find_zero_run(m, 128, 1, 128, 1) == -1);
}

/* Random set_range/clear_range calls against bit-by-bit updates of a shadow array. */
TEST(bitmap, ranges_match_bit_by_bit_updates)
{
	uint64_t m[6] = { 0 };
	bool shadow[6 * 64] = { false };
	unsigned seed = 99;
	for (int round = 0; round < 2000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t start = (seed >> 8) % 384;
		seed = seed * 1103515245u + 12345u;
		size_t count = (seed >> 8) % (384 - start + 1);
		bool set = round % 3 != 0;
		if (set)
			bitmap_set_range(m, start, count);
		else
			bitmap_clear_range(m, start, count);
		for (size_t i = start; i < start + count; i++)
			shadow[i] = set;
		size_t wrong = 0;
		for (size_t i = 0; i < 384; i++)
			wrong += bitmap_test(m, i) != shadow[i];
		EXPECT_EQ_U64(wrong, 0);
		if (wrong)
			break;
	}
}

/* A frame-allocator-sized map: 2 MiB-aligned runs of 4 KiB frames (align 512) past scattered
 * allocations, and an alignment that is not a power of two. */
TEST(bitmap, large_alignments_and_odd_ones)
{
	enum { NBITS = 8192 - 5 };
	static uint64_t m[BITMAP_WORDS(NBITS)];
	memset(m, 0, sizeof(m));
	for (size_t i = 3; i < NBITS; i += 700)
		bitmap_set(m, i);               /* 3, 703, 1403, ... */
	for (size_t align = 1; align <= 1024; align *= 2)
		for (size_t count = 1; count <= 1024; count *= 4)
			EXPECT_EQ_U64(bitmap_find_zero_run(m, NBITS, 0, count, align),
				      ref_find(m, NBITS, 0, count, align));
	EXPECT(bitmap_find_zero_run(m, NBITS, 0, 512, 512) == 1536);
	EXPECT_EQ_U64(bitmap_find_zero_run(m, NBITS, 1, 5, 3), ref_find(m, NBITS, 1, 5, 3));
	EXPECT(bitmap_find_zero_run(m, NBITS, 0, 5, 3) == 6);   /* 3 is taken: next multiple */
}

/* Bits past nbits in the last word are garbage the search must not treat as free. */
TEST(bitmap, last_partial_word_is_bounded_by_nbits)
{
	uint64_t m[2] = { ~0ull, 0 };           /* word 1 is all zero, but nbits is 70 */
	EXPECT(bitmap_find_zero_run(m, 70, 0, 6, 1) == 64);
	EXPECT(bitmap_find_zero_run(m, 70, 0, 7, 1) == -1);
	EXPECT(bitmap_find_zero_run(m, 70, 65, 5, 1) == 65);
	EXPECT(bitmap_find_zero_run(m, 70, 66, 5, 1) == -1);
	EXPECT(bitmap_find_zero_run(m, 70, 70, 1, 1) == -1);    /* start at the end */
	EXPECT(bitmap_find_zero_run(m, 70, 500, 1, 1) == -1);   /* start past it */
	EXPECT(bitmap_find_zero_run(m, 70, 0, 4, 4) == 64);
	EXPECT(bitmap_find_zero_run(m, 70, 0, 4, 32) == 64);
	EXPECT(bitmap_find_zero_run(m, 70, 0, 4, 128) == -1);   /* 128 is past nbits */
}

/* The search starts mid-word, inside a free run, and after full words. */
TEST(bitmap, start_inside_words_and_runs)
{
	uint64_t m[4] = { ~0ull, ~0ull, 0x00000000FFFFFFFFull, 0 };
	EXPECT(bitmap_find_zero_run(m, 256, 0, 1, 1) == 160);
	EXPECT(bitmap_find_zero_run(m, 256, 170, 10, 1) == 170);
	EXPECT(bitmap_find_zero_run(m, 256, 0, 96, 1) == 160);
	EXPECT(bitmap_find_zero_run(m, 256, 0, 97, 1) == -1);
	EXPECT(bitmap_find_zero_run(m, 256, 161, 64, 64) == 192);
}
