/* Tests of lib/ring.h: counts stay right when the free-running indexes wrap at 2^32. */
#include "tests/host/test.h"
#include "lib/ring.h"

TEST(ring, counts_across_the_wrap)
{
	const uint32_t size = 8;
	uint32_t prod = UINT32_MAX - 2, cons = UINT32_MAX - 2;
	EXPECT(ring_empty(prod, cons));
	EXPECT_EQ_U64(ring_free(prod, cons, size), 8);
	for (int i = 0; i < 8; i++)
		prod++;                                 /* wraps past 0 */
	EXPECT(ring_full(prod, cons, size));
	EXPECT_EQ_U64(ring_used(prod, cons), 8);
	EXPECT_EQ_U64(ring_free(prod, cons, size), 0);
	cons += 5;
	EXPECT_EQ_U64(ring_used(prod, cons), 3);
	EXPECT(!ring_full(prod, cons, size) && !ring_empty(prod, cons));
	cons += 3;
	EXPECT(ring_empty(prod, cons));
}

TEST(ring, slots_and_pow2)
{
	EXPECT_EQ_U64(ring_slot(0, 16), 0);
	EXPECT_EQ_U64(ring_slot(17, 16), 1);
	EXPECT_EQ_U64(ring_slot(UINT32_MAX, 16), 15);
	EXPECT_EQ_U64(ring_mask(64), 63);
	EXPECT(RING_IS_POW2(1) && RING_IS_POW2(64) && RING_IS_POW2(1u << 31));
	EXPECT(!RING_IS_POW2(0) && !RING_IS_POW2(12) && !RING_IS_POW2(65));
}

/* A producer and a consumer taking turns through a small ring lose and repeat nothing. */
TEST(ring, fifo_order_through_many_wraps)
{
	enum { SIZE = 4 };
	uint32_t slots[SIZE], prod = UINT32_MAX - 100, cons = prod, next_in = 0, next_out = 0;
	for (int step = 0; step < 1000; step++) {
		int burst = 1 + step % 5;
		for (int i = 0; i < burst && !ring_full(prod, cons, SIZE); i++)
			slots[ring_slot(prod++, SIZE)] = next_in++;
		int take = 1 + (step * 3) % 4;
		for (int i = 0; i < take && !ring_empty(prod, cons); i++)
			EXPECT_EQ_U64(slots[ring_slot(cons++, SIZE)], next_out++);
	}
	EXPECT(next_out > 900);
	EXPECT_EQ_U64(next_in - next_out, ring_used(prod, cons));
}

TEST(ring, partial_fill_counts)
{
	const uint32_t size = 16;
	uint32_t cons = 0xFFFFFFF0u, prod = cons + 5;
	EXPECT_EQ_U64(ring_used(prod, cons), 5);
	EXPECT_EQ_U64(ring_free(prod, cons, size), 11);
	EXPECT_EQ_U64(ring_used(prod, cons) + ring_free(prod, cons, size), size);
	prod += 11;                                     /* lands exactly on 0 */
	EXPECT_EQ_U64(prod, 0);
	EXPECT(ring_full(prod, cons, size));
	EXPECT_EQ_U64(ring_slot(prod, size), ring_slot(cons, size));    /* full: same slot */
}

_Static_assert(RING_IS_POW2(256), "RING_IS_POW2 works in constant expressions");
