/* Tests of lib/sort.c: inputs in order, reversed, random and full of duplicates come out
 * ascending, holding the same values. */
#include "tests/host/test.h"
#include "lib/sort.h"
#include "lib/util.h"

static int ascending_with_sum(const uint64_t *v, size_t n, uint64_t sum)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && v[i - 1] > v[i])
			return 0;
		s += v[i];
	}
	return s == sum;
}

TEST(sort, sizes_orders_and_duplicates)
{
	static uint64_t v[1000];
	const size_t sizes[] = { 0, 1, 2, 3, 7, 64, 999, 1000 };
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t n = sizes[k];
		for (int order = 0; order < 4; order++) {
			uint64_t sum = 0, x = 88172645463325252ull;
			for (size_t i = 0; i < n; i++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				v[i] = order == 0 ? i : order == 1 ? n - i : order == 2 ? x : x % 5;
				sum += v[i];
			}
			sort_u64(v, n);
			EXPECT(ascending_with_sum(v, n, sum));
		}
	}
}

TEST(sort, extreme_values)
{
	uint64_t v[] = { UINT64_MAX, 0, UINT64_MAX - 1, 1, 0 };
	sort_u64(v, ARRAY_SIZE(v));
	EXPECT_EQ_U64(v[0], 0);
	EXPECT_EQ_U64(v[1], 0);
	EXPECT_EQ_U64(v[2], 1);
	EXPECT_EQ_U64(v[3], UINT64_MAX - 1);
	EXPECT_EQ_U64(v[4], UINT64_MAX);
}
