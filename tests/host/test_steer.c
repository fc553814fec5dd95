/* Tests of net/steer.c, the RSS bucket policy: kernels that drive a queue, are alive and
 * listen on some port share the buckets evenly; every other kernel gets none; the
 * table is rewritten only when it changes; a kernel that was not told is told again. */
#include "tests/host/test.h"
#include "net/steer.h"
#include "lib/string.h"

#define T0 10000                /* a time well past the first period */

/* n kernels, each with a queue, alive, listening on port 80. */
static void kernels_listening(struct steer_kernel *k, unsigned n)
{
	memset(k, 0, sizeof(*k) * n);
	for (unsigned i = 0; i < n; i++) {
		k[i].has_queue = k[i].alive = true;
		steer_ports_add(&k[i].ports, 80);
	}
}

static unsigned buckets_of(const uint8_t *t, unsigned k)
{
	unsigned n = 0;
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		n += t[b] == k;
	return n;
}

TEST(steer, buckets_spread_evenly_over_listening_kernels)
{
	struct steer_state s;
	struct steer_kernel k[4];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 4);
	EXPECT(steer_decide(&s, T0, 4, k, t));
	for (unsigned i = 0; i < 4; i++)
		EXPECT_EQ_U64(buckets_of(t, i), STEER_BUCKETS / 4);
	EXPECT_EQ_U64(t[0], 0);
	EXPECT_EQ_U64(t[1], 1);
	EXPECT_EQ_U64(t[5], 1);         /* round robin: neighbours differ */
}

TEST(steer, a_kernel_listening_on_other_ports_than_kernel0s_gets_its_share)
{
	struct steer_state s;
	struct steer_kernel k[3];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 3);
	k[1].ports.count = 0;
	steer_ports_add(&k[1].ports, 7);        /* not kernel 0's port: its flows go to 0 */
	EXPECT(steer_decide(&s, T0, 3, k, t));
	for (unsigned i = 0; i < 3; i++)
		EXPECT(buckets_of(t, i) >= STEER_BUCKETS / 3);
}

TEST(steer, a_kernel_listening_on_nothing_gets_nothing)
{
	struct steer_state s;
	struct steer_kernel k[3];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 3);
	k[1].ports.count = 0;
	EXPECT(steer_decide(&s, T0, 3, k, t));
	EXPECT_EQ_U64(buckets_of(t, 1), 0);
	EXPECT_EQ_U64(buckets_of(t, 0), STEER_BUCKETS / 2);
	EXPECT_EQ_U64(buckets_of(t, 2), STEER_BUCKETS / 2);
}

TEST(steer, kernel0_listening_on_nothing_gives_its_buckets_to_those_that_listen)
{
	struct steer_state s;
	struct steer_kernel k[3];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 3);
	k[0].ports.count = 0;
	EXPECT(steer_decide(&s, T0, 3, k, t));
	EXPECT_EQ_U64(buckets_of(t, 0), 0);
	EXPECT_EQ_U64(buckets_of(t, 1), STEER_BUCKETS / 2);
	EXPECT_EQ_U64(buckets_of(t, 2), STEER_BUCKETS / 2);
	k[1].ports.count = k[2].ports.count = 0;        /* nobody listens: back to kernel 0 */
	steer_inputs_changed(&s);
	steer_written(&s, t);
	EXPECT(steer_decide(&s, T0 + 1, 3, k, t));
	EXPECT_EQ_U64(buckets_of(t, 0), STEER_BUCKETS);
}

TEST(steer, dead_or_queueless_kernels_get_nothing)
{
	struct steer_state s;
	struct steer_kernel k[4];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 4);
	k[1].alive = false;
	k[3].has_queue = false;
	EXPECT(steer_decide(&s, T0, 4, k, t));
	EXPECT_EQ_U64(buckets_of(t, 1), 0);
	EXPECT_EQ_U64(buckets_of(t, 3), 0);
	EXPECT_EQ_U64(buckets_of(t, 2), STEER_BUCKETS / 2);
	steer_written(&s, t);
	EXPECT_EQ_U64(steer_to_tell(&s, 4, k), (1u << 1) | (1u << 2));  /* not 3: no queue */
}

TEST(steer, a_kernel_that_dies_gives_its_buckets_back)
{
	struct steer_state s;
	struct steer_kernel k[2];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 2);
	EXPECT(steer_decide(&s, T0, 2, k, t));
	steer_written(&s, t);
	k[1].alive = false;
	steer_inputs_changed(&s);
	EXPECT(steer_decide(&s, T0 + 1, 2, k, t));
	EXPECT_EQ_U64(buckets_of(t, 0), STEER_BUCKETS);
}

TEST(steer, no_change_no_rewrite)
{
	struct steer_state s;
	struct steer_kernel k[2];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 1);
	EXPECT(!steer_decide(&s, T0, 1, k, t));  /* kernel 0 alone keeps the table it has */
	kernels_listening(k, 2);
	steer_inputs_changed(&s);
	EXPECT(steer_decide(&s, T0 + 1, 2, k, t));
	steer_written(&s, t);
	steer_inputs_changed(&s);
	EXPECT(!steer_decide(&s, T0 + 2, 2, k, t));     /* the same spread: nothing to write */
	EXPECT(!steer_decide(&s, T0 + 2 + STEER_PERIOD_MS, 2, k, t));
}

TEST(steer, runs_only_when_an_input_changed_or_a_period_passed)
{
	struct steer_state s;
	struct steer_kernel k[2];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 2);
	k[1].has_queue = false;
	EXPECT(!steer_decide(&s, T0, 2, k, t));
	k[1].has_queue = true;
	EXPECT(!steer_decide(&s, T0 + 1, 2, k, t));     /* unannounced, within the period */
	EXPECT(steer_decide(&s, T0 + STEER_PERIOD_MS, 2, k, t));
}

/* A table someone else wrote (a test, the monitor) stands until the policy has something to
 * give away. */
TEST(steer, a_table_written_by_hand_stands_while_kernel0_is_alone)
{
	struct steer_state s;
	struct steer_kernel k[2];
	uint8_t t[STEER_BUCKETS], hand[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 2);
	k[1].ports.count = 0;
	memset(hand, 1, sizeof(hand));
	steer_written(&s, hand);
	steer_inputs_changed(&s);
	EXPECT(!steer_decide(&s, T0, 2, k, t));
}

TEST(steer, a_kernel_whose_tell_failed_is_told_again)
{
	struct steer_state s;
	struct steer_kernel k[3];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 3);
	EXPECT_EQ_U64(steer_to_tell(&s, 3, k), 0);      /* none has a bucket to hear of */
	EXPECT(steer_decide(&s, T0, 3, k, t));
	steer_written(&s, t);
	EXPECT_EQ_U64(steer_to_tell(&s, 3, k), 6);
	steer_told(&s, 2);                              /* kernel 1's ring was full */
	EXPECT_EQ_U64(steer_to_tell(&s, 3, k), 2);
	steer_told(&s, 1);
	EXPECT_EQ_U64(steer_to_tell(&s, 3, k), 0);
	struct steer_mask m = steer_buckets_of(&s, 1);
	EXPECT_EQ_U64(__builtin_popcountll(m.mine[0]) + __builtin_popcountll(m.mine[1]),
		      buckets_of(t, 1));
	EXPECT_EQ_U64(m.mine[0] & 1, 0);                /* bucket 0 is kernel 0's */
	EXPECT_EQ_U64(m.mine[0] >> 1 & 1, 1);
}

TEST(steer, a_kernel_whose_port_list_overflowed_still_listens)
{
	struct steer_state s;
	struct steer_kernel k[2];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 2);
	k[1].ports.count = 0;
	for (uint16_t p = 1000; p < 1000 + STEER_PORTS + 1; p++)
		steer_ports_add(&k[1].ports, p);
	EXPECT_EQ_U64(k[1].ports.count, STEER_PORTS + 1);
	EXPECT(!steer_ports_has(&k[1].ports, 1000 + STEER_PORTS));      /* counted, not held */
	EXPECT(steer_decide(&s, T0, 2, k, t));
	EXPECT_EQ_U64(buckets_of(t, 1), STEER_BUCKETS / 2);
}

TEST(steer, ports_are_held_once)
{
	struct steer_ports p = { 0 };
	steer_ports_add(&p, 80);
	steer_ports_add(&p, 80);
	steer_ports_add(&p, 443);
	EXPECT_EQ_U64(p.count, 2);
	EXPECT(steer_ports_has(&p, 443));
	EXPECT(!steer_ports_has(&p, 22));
}

/* Once the table reached the policy's spread, buckets moved by request (netsteer_move) stay
 * put at the next periods; an input change spreads them again. */
TEST(steer, a_settled_spread_leaves_requested_moves_until_an_input_changes)
{
	struct steer_state s;
	struct steer_kernel k[2];
	uint8_t t[STEER_BUCKETS];
	steer_init(&s);
	kernels_listening(k, 2);
	EXPECT(steer_decide(&s, T0, 2, k, t));
	steer_written(&s, t);
	t[0] = 1;                               /* a move asked of kernel 0 */
	steer_written(&s, t);
	EXPECT(!steer_decide(&s, T0 + 5 * STEER_PERIOD_MS, 2, k, t));
	steer_inputs_changed(&s);
	EXPECT(steer_decide(&s, T0 + 6 * STEER_PERIOD_MS, 2, k, t));
	EXPECT_EQ_U64(t[0], 0);
}
