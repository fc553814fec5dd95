/* Tests of TCP's timing wheel (net/tcp_wheel.h): every entry is handed out in the tick that
 * reaches its expiry, never before and never later, whatever the distance and the size of
 * the steps; cancel and re-arm take effect; a tick costs nothing for entries not yet due. */
#include <stdlib.h>
#include "tests/host/test.h"
#include "net/tcp_wheel.h"

static struct tcp_wheel w;

/* One tick at now: how many entries it handed out, each checked to be due. */
static unsigned tick(uint64_t now)
{
	unsigned n = 0;
	struct tcp_wheel_entry *e;
	tcp_wheel_begin(&w, now);
	while ((e = tcp_wheel_take(&w))) {
		EXPECT(e->when <= now);
		n++;
	}
	return n;
}

TEST(tcp_wheel, an_entry_fires_in_the_tick_that_reaches_its_expiry)
{
	struct tcp_wheel_entry e;
	tcp_wheel_init(&w);
	tcp_wheel_entry_init(&e);
	tick(1000);
	tcp_wheel_arm(&w, &e, 1005);
	EXPECT(tcp_wheel_armed(&e));
	EXPECT_EQ_U64(tick(1004), 0);
	EXPECT_EQ_U64(tick(1005), 1);
	EXPECT(!tcp_wheel_armed(&e));
	EXPECT_EQ_U64(tick(1006), 0);
}

TEST(tcp_wheel, cancelled_entries_never_fire_and_cancel_twice_is_harmless)
{
	struct tcp_wheel_entry a, b;
	tcp_wheel_init(&w);
	tcp_wheel_entry_init(&a);
	tcp_wheel_entry_init(&b);
	tcp_wheel_cancel(&w, &a);                       /* never armed */
	tcp_wheel_arm(&w, &a, 70);
	tcp_wheel_arm(&w, &b, 70);
	tcp_wheel_cancel(&w, &a);
	tcp_wheel_cancel(&w, &a);
	EXPECT(!tcp_wheel_armed(&a));
	struct tcp_wheel_entry *got;
	tcp_wheel_begin(&w, 100);
	got = tcp_wheel_take(&w);
	EXPECT(got == &b);
	EXPECT(tcp_wheel_take(&w) == NULL);
	/* The slot's busy bit went with its last entry: nothing left to look at. */
	for (unsigned l = 0; l < TCP_WHEEL_LEVELS; l++)
		EXPECT_EQ_U64(w.busy[l], 0);
}

TEST(tcp_wheel, re_arming_moves_an_entry_earlier_or_later)
{
	struct tcp_wheel_entry e;
	tcp_wheel_init(&w);
	tcp_wheel_entry_init(&e);
	tcp_wheel_arm(&w, &e, 100000);                  /* level 2 */
	tcp_wheel_arm(&w, &e, 50);                      /* level 0 */
	EXPECT_EQ_U64(tick(49), 0);
	EXPECT_EQ_U64(tick(50), 1);
	tcp_wheel_arm(&w, &e, 60);
	tcp_wheel_arm(&w, &e, 5000);
	EXPECT_EQ_U64(tick(4999), 0);
	EXPECT_EQ_U64(tick(5000), 1);
}

/* Far timers: past level 3's 4.66 hours they wait on the far list, and come down the levels
 * as the cursor reaches them, to fire on time however the clock is stepped. */
TEST(tcp_wheel, far_timers_wrap_the_wheel_and_fire_on_time)
{
	static const uint64_t far[] = { 2ull * 3600 * 1000, 10ull * 3600 * 1000 + 17,
					(1ull << 24) * 3, 30ull * 24 * 3600 * 1000 + 123456 };
	for (unsigned step = 0; step < 3; step++) {
		struct tcp_wheel_entry e[4];
		tcp_wheel_init(&w);
		tick(1234);
		for (unsigned i = 0; i < 4; i++) {
			tcp_wheel_entry_init(&e[i]);
			tcp_wheel_arm(&w, &e[i], far[i]);
		}
		/* Steps of a minute, of a prime number of ms, and one jump to each expiry's eve. */
		for (unsigned i = 0; i < 4; i++) {
			uint64_t t = w.now;
			uint64_t inc = step == 0 ? 60000 : step == 1 ? 7919 : far[i] - 1 - t;
			while (t + inc < far[i]) {
				t += inc;
				EXPECT_EQ_U64(tick(t), 0);
			}
			EXPECT(tcp_wheel_armed(&e[i]));
			EXPECT_EQ_U64(tick(far[i] - 1), 0);
			EXPECT_EQ_U64(tick(far[i]), 1);
			EXPECT(!tcp_wheel_armed(&e[i]));
		}
	}
}

/* A jump over many expiries hands them all out in that one tick. */
TEST(tcp_wheel, one_long_step_hands_out_everything_it_passes)
{
	struct tcp_wheel_entry e[5];
	static const uint64_t when[5] = { 3, 64, 4096, 262145, 20000000 };
	tcp_wheel_init(&w);
	for (unsigned i = 0; i < 5; i++) {
		tcp_wheel_entry_init(&e[i]);
		tcp_wheel_arm(&w, &e[i], when[i]);
	}
	EXPECT_EQ_U64(tick(300000), 4);
	EXPECT_EQ_U64(tick(20000000), 1);
}

/* Many entries in one slot fire together; one re-armed during the tick for a time already
 * reached waits for the next tick, so a tick hands each entry out once. */
TEST(tcp_wheel, many_in_one_slot_fire_together_and_rearmed_ones_wait_a_tick)
{
	static struct tcp_wheel_entry e[1000];
	tcp_wheel_init(&w);
	for (unsigned i = 0; i < 1000; i++) {
		tcp_wheel_entry_init(&e[i]);
		tcp_wheel_arm(&w, &e[i], 777);
	}
	struct tcp_wheel_entry *got;
	unsigned n = 0;
	tcp_wheel_begin(&w, 800);
	while ((got = tcp_wheel_take(&w))) {
		n++;
		if (got == &e[0])
			tcp_wheel_arm(&w, got, 790);    /* reached already: the next tick's */
		if (got == &e[1])
			tcp_wheel_arm(&w, got, 801);
		if (got == &e[2])
			tcp_wheel_cancel(&w, &e[999]);  /* taken out, not yet handed out */
	}
	EXPECT_EQ_U64(n, 999);
	got = NULL;
	tcp_wheel_begin(&w, 800);
	got = tcp_wheel_take(&w);
	EXPECT(got == &e[0]);
	EXPECT(tcp_wheel_take(&w) == NULL);
	EXPECT_EQ_U64(tick(801), 1);
}

/* Against a plain list: random arms, cancels and steps; each tick hands out exactly the
 * armed entries whose expiry it reached. */
TEST(tcp_wheel, agrees_with_a_model_over_random_arms_cancels_and_steps)
{
	enum { N = 300 };
	static struct tcp_wheel_entry e[N];
	static uint64_t model[N];               /* 0: not armed */
	uint64_t now = 5;
	srand(17);
	tcp_wheel_init(&w);
	for (unsigned i = 0; i < N; i++) {
		tcp_wheel_entry_init(&e[i]);
		model[i] = 0;
	}
	for (unsigned round = 0; round < 4000; round++) {
		unsigned i = (unsigned)rand() % N;
		int what = rand() % 4;
		if (what == 0) {
			tcp_wheel_cancel(&w, &e[i]);
			model[i] = 0;
		} else if (what <= 2) {
			static const uint64_t spans[] = { 1, 60, 5000, 300000, 20000000, 4000000000ull };
			uint64_t when = now + 1 + (uint64_t)rand() % spans[rand() % 6];
			tcp_wheel_arm(&w, &e[i], when);
			model[i] = when;
		} else {
			static const uint64_t steps[] = { 1, 3, 64, 1000, 70000, 5000000 };
			now += 1 + (uint64_t)rand() % steps[rand() % 6];
			struct tcp_wheel_entry *got;
			tcp_wheel_begin(&w, now);
			while ((got = tcp_wheel_take(&w))) {
				unsigned k = (unsigned)(got - e);
				EXPECT(model[k] && model[k] <= now);
				model[k] = 0;
			}
			for (unsigned k = 0; k < N; k++)
				EXPECT(!model[k] || model[k] > now);
		}
	}
}

/* What a tick costs does not grow with the entries waiting for later: 10,000 timers hours
 * away, ticked every millisecond for 10 s, cost the same work as none at all, and each of
 * them is moved at most once a level before it fires. */
TEST(tcp_wheel, a_tick_costs_nothing_for_entries_not_yet_due)
{
	enum { N = 10000 };
	static struct tcp_wheel_entry e[N];
	uint64_t base = 1000000, empty_work;
	tcp_wheel_init(&w);
	tick(base);
	uint64_t w0 = w.work;
	for (uint64_t t = base + 1; t <= base + 10000; t++)
		tick(t);
	empty_work = w.work - w0;

	tcp_wheel_init(&w);
	tick(base);
	for (unsigned i = 0; i < N; i++) {
		tcp_wheel_entry_init(&e[i]);
		tcp_wheel_arm(&w, &e[i], base + 2ull * 3600 * 1000 + i);
	}
	w0 = w.work;
	for (uint64_t t = base + 1; t <= base + 10000; t++)
		tick(t);
	EXPECT_EQ_U64(w.work - w0, empty_work);
	EXPECT(empty_work <= 2 * 10000);                /* a look at one slot a tick, at most */

	/* All the way to their expiry, by seconds: each is moved down at most 3 times and
	 * handed out once, and a slot is looked at once per ms that holds entries. */
	w0 = w.work;
	unsigned n = 0;
	for (uint64_t t = base + 10000; t <= base + 2ull * 3600 * 1000 + N; t += 1000)
		n += tick(t);
	n += tick(base + 2ull * 3600 * 1000 + N);
	EXPECT_EQ_U64(n, N);
	EXPECT(w.work - w0 <= (uint64_t)N * (TCP_WHEEL_LEVELS + 1) + 4 * 7200);
}
