/* Tests of net/balance.c, the load balancer's policy: an overloaded kernel gives buckets to
 * the others after its hysteresis, a balanced machine stays as it is, stale reports move
 * nothing, a dead kernel's buckets go to the living at once, the bound per period holds,
 * idle buckets go before busy ones, no move just shifts the overload elsewhere, and a load
 * that comes and goes does not flap. Each test
 * plays periods: the kernels report, the policy decides, the caller applies its moves. */
#include "tests/host/test.h"
#include "net/balance.h"
#include "lib/errno.h"
#include "lib/string.h"

#define T0     100000           /* a time well past any cool-down */
#define AGE    5                /* a fresh report's age, ms */

/* A machine and its caller: reports in, moves applied to the table. */
struct rig {
	struct lb_state s;
	struct lb_params p;
	struct lb_kernel_report k[LB_MAX_KERNELS];
	struct lb_group_load g[LB_MAX_GROUPS];
	uint16_t owner[LB_MAX_GROUPS];
	struct lb_move out[LB_MAX_GROUPS];
	unsigned nk, ng;
	uint64_t now;
	unsigned moves[LB_REASONS];     /* applied so far, by reason */
};

static struct rig R;

/* nk kernels each `busy_pm` busy with fresh reports; ng groups dealt round robin, each
 * with 10 new connections a period and none live. */
static void rig_init(unsigned nk, unsigned ng, uint32_t busy_pm)
{
	memset(&R, 0, sizeof(R));
	lb_params_default(&R.p);
	R.nk = nk;
	R.ng = ng;
	R.now = T0;
	for (unsigned i = 0; i < nk; i++)
		R.k[i] = (struct lb_kernel_report){ .alive = true, .age_ms = AGE, .busy_pm = busy_pm };
	for (unsigned g = 0; g < ng; g++) {
		R.owner[g] = (uint16_t)(g % nk);
		R.g[g] = (struct lb_group_load){ .new_conns = 10 };
	}
	EXPECT_EQ_U64(lb_init(&R.s, &R.p, nk, ng), 0);
}

/* One period: a new report from every kernel, the decision, its moves applied. */
static unsigned rig_period(void)
{
	R.now += R.p.period_ms;
	unsigned n = lb_decide(&R.s, R.now, R.k, R.g, R.owner, R.out, LB_MAX_GROUPS);
	for (unsigned i = 0; i < n; i++) {
		EXPECT_EQ_U64(R.owner[R.out[i].group], R.out[i].from);
		EXPECT(R.out[i].to != R.out[i].from);
		R.owner[R.out[i].group] = R.out[i].to;
		R.moves[R.out[i].reason]++;
	}
	return n;
}

static unsigned rig_periods(unsigned count)
{
	unsigned n = 0;
	for (unsigned i = 0; i < count; i++)
		n += rig_period();
	return n;
}

static unsigned groups_of(unsigned k)
{
	unsigned n = 0;
	for (unsigned g = 0; g < R.ng; g++)
		n += R.owner[g] == k;
	return n;
}

/* Kernel k far past the mean: saturated with a deep accept queue. */
static void overload(unsigned k)
{
	R.k[k].busy_pm = 1000;
	R.k[k].accept_queue = 100;
}

TEST(balance, an_overloaded_kernel_gives_buckets_after_persist_reports)
{
	rig_init(4, 128, 500);
	overload(1);
	EXPECT_EQ_U64(rig_periods(R.p.persist - 1), 0);        /* hysteresis */
	unsigned n = rig_period();
	EXPECT(n > 0);
	for (unsigned i = 0; i < n; i++) {
		EXPECT_EQ_U64(R.out[i].from, 1);
		EXPECT_EQ_U64(R.out[i].reason, LB_IDLE);
	}
	EXPECT(groups_of(1) < 32);
	EXPECT(groups_of(0) > 32 && groups_of(2) > 32 && groups_of(3) > 32);
}

TEST(balance, a_balanced_machine_makes_no_moves)
{
	rig_init(4, 128, 800);
	R.k[2].busy_pm = 900;           /* within over_pm of the mean */
	R.k[3].busy_pm = 700;
	EXPECT_EQ_U64(rig_periods(50), 0);
	rig_init(16, 4096, 300);        /* an idle machine's spread is not worth a move */
	R.k[5].busy_pm = 0;
	R.k[6].busy_pm = 490;
	EXPECT_EQ_U64(rig_periods(50), 0);
}

TEST(balance, stale_reports_cause_no_moves)
{
	rig_init(4, 128, 500);
	overload(1);
	R.k[1].age_ms = R.p.stale_ms + 1;       /* the overload is old news */
	EXPECT_EQ_U64(rig_periods(10), 0);
	EXPECT(R.s.stats.stale > 0);
	for (unsigned i = 0; i < 4; i++)        /* nobody's report is fresh */
		R.k[i].age_ms = LB_AGE_NONE;
	R.k[1].age_ms = AGE;
	EXPECT_EQ_U64(rig_periods(10), 0);
	EXPECT(R.s.stats.blind > 0);
}

TEST(balance, a_kernel_that_looked_idle_in_an_old_report_takes_nothing)
{
	rig_init(4, 128, 600);
	overload(0);
	R.k[1].busy_pm = 0;
	R.k[1].age_ms = 5000;           /* idle, once: it may be anything now */
	rig_periods(R.p.persist);
	EXPECT(R.moves[LB_IDLE] > 0);   /* 2 and 3, under the mean, do take */
	EXPECT_EQ_U64(groups_of(1), 32);
}

TEST(balance, the_same_report_read_twice_counts_once)
{
	rig_init(4, 128, 500);
	overload(1);
	for (unsigned i = 0; i < 10; i++) {     /* the caller asks every 10 ms */
		R.now += 10;
		R.k[1].age_ms = AGE + 10 * i;   /* ... and kernel 1 has not reported again */
		EXPECT_EQ_U64(lb_decide(&R.s, R.now, R.k, R.g, R.owner, R.out, 128), 0);
	}
}

TEST(balance, a_dead_kernels_buckets_go_to_the_living_at_once)
{
	rig_init(4, 128, 500);
	R.k[2].alive = false;
	R.k[2].age_ms = LB_AGE_NONE;
	unsigned n = rig_period();
	EXPECT_EQ_U64(n, 32);                   /* past max_moves: nobody serves them */
	EXPECT_EQ_U64(R.moves[LB_DEAD], 32);
	EXPECT_EQ_U64(groups_of(2), 0);
	for (unsigned k = 0; k < 4; k += k == 1 ? 2 : 1)
		EXPECT(groups_of(k) >= 42 && groups_of(k) <= 43);
	R.owner[7] = 9;                         /* no such kernel: as good as dead */
	EXPECT_EQ_U64(rig_period(), 1);
	EXPECT(R.owner[7] < 4 && R.owner[7] != 2);
}

TEST(balance, the_dead_kernels_buckets_avoid_an_overloaded_taker)
{
	rig_init(3, 120, 300);
	overload(0);
	R.k[2].alive = false;
	rig_period();
	EXPECT_EQ_U64(groups_of(2), 0);
	EXPECT(groups_of(1) > groups_of(0));
}

TEST(balance, moves_per_period_stay_within_the_bound)
{
	rig_init(16, 4096, 400);
	overload(0);
	overload(3);
	R.p.max_moves = 5;
	EXPECT_EQ_U64(lb_init(&R.s, &R.p, 16, 4096), 0);
	for (unsigned i = 0; i < 40; i++)
		EXPECT(rig_period() <= 5);
	EXPECT(R.moves[LB_IDLE] > 5);           /* it did act, over several periods */
	R.now += 10 * R.p.cooldown_ms;          /* the caller's array bounds it too */
	rig_periods(R.p.persist - 1);
	R.now += R.p.period_ms;
	EXPECT(lb_decide(&R.s, R.now, R.k, R.g, R.owner, R.out, 2) <= 2);
}

TEST(balance, idle_buckets_go_before_busy_ones)
{
	rig_init(4, 128, 500);
	overload(1);
	for (unsigned g = 1; g < 128; g += 4)
		R.g[g].live = g % 8 == 1 ? 3 : 0;       /* half of kernel 1's are busy */
	rig_periods(R.p.persist);
	EXPECT(R.moves[LB_IDLE] > 0);
	EXPECT_EQ_U64(R.moves[LB_BUSY], 0);
	for (unsigned g = 1; g < 128; g += 8)
		EXPECT_EQ_U64(R.owner[g], 1);           /* every busy one stayed */
}

TEST(balance, busy_buckets_move_with_forwarding_when_idle_ones_cannot_fix_it)
{
	rig_init(4, 128, 500);
	overload(1);
	for (unsigned g = 1; g < 128; g += 4)
		R.g[g].live = 5;
	R.g[5].live = 0;                        /* one idle bucket: not enough */
	R.g[9].live = 1;                        /* the fewest live: the first busy one */
	rig_periods(R.p.persist);
	EXPECT_EQ_U64(R.moves[LB_IDLE], 1);
	EXPECT(R.moves[LB_BUSY] > 0);
	EXPECT(R.owner[5] != 1 && R.owner[9] != 1);
}

TEST(balance, a_bucket_heavier_than_the_excess_stays_where_it_is)
{
	rig_init(4, 8, 800);
	R.k[0].busy_pm = 1000;                  /* 350 over the mean of 650 */
	R.k[1].busy_pm = 0;
	for (unsigned g = 0; g < 8; g++)
		R.g[g].new_conns = g % 4 == 1 ? 0 : 100;
	R.g[0].new_conns = 130;                 /* about 630: it would only move the excess */
	R.g[4].new_conns = 10;
	rig_periods(R.p.persist);
	EXPECT_EQ_U64(R.owner[0], 0);
	EXPECT_EQ_U64(R.owner[4], 1);
}

TEST(balance, a_taker_is_not_pushed_past_the_mean)
{
	rig_init(4, 8, 700);
	overload(0);                            /* 2000 against a mean of 1025 */
	for (unsigned g = 0; g < 8; g++)
		R.g[g].new_conns = 50;
	R.g[0].new_conns = 90;                  /* about 920: more than any taker has room for */
	R.g[4].new_conns = 10;
	rig_periods(R.p.persist);
	EXPECT_EQ_U64(R.owner[0], 0);
	EXPECT(R.owner[4] != 0);
}

TEST(balance, a_load_that_comes_and_goes_does_not_flap)
{
	rig_init(4, 128, 500);
	for (unsigned i = 0; i < 60; i++) {
		if (i % 2)
			overload(1);
		else
			R.k[1] = R.k[0];
		EXPECT_EQ_U64(rig_period(), 0);
	}
	for (unsigned i = 0; i < 60; i++) {     /* one period off, two on */
		if (i % 3 != 0)
			overload(1);
		else
			R.k[1] = R.k[0];
		EXPECT_EQ_U64(rig_period(), 0);
	}
}

TEST(balance, a_kernel_that_gave_is_left_alone_for_its_cool_down)
{
	rig_init(4, 128, 500);
	overload(1);
	R.p.max_moves = 2;                      /* not enough to fix it in one period */
	EXPECT_EQ_U64(lb_init(&R.s, &R.p, 4, 128), 0);
	rig_periods(R.p.persist);
	EXPECT_EQ_U64(R.moves[LB_IDLE], 2);
	unsigned quiet = R.p.cooldown_ms / R.p.period_ms;      /* its streak counts meanwhile */
	EXPECT_EQ_U64(rig_periods(quiet - 1), 0);
	EXPECT_EQ_U64(rig_period(), 2);         /* still overloaded: it gives again */
}

TEST(balance, a_bucket_that_moved_or_is_moving_stays)
{
	rig_init(4, 128, 500);
	overload(1);
	for (unsigned g = 1; g < 128; g += 4)
		R.g[g].moving = g != 5;         /* held by moves in flight, all but one */
	rig_periods(R.p.persist);
	EXPECT_EQ_U64(R.moves[LB_IDLE], 1);
	unsigned taker = R.owner[5];
	EXPECT(taker != 1);
	R.k[1] = R.k[0];
	overload(taker);                        /* the load turns round at once */
	rig_periods(R.p.cooldown_ms / R.p.period_ms + R.p.persist);
	EXPECT(R.moves[LB_IDLE] > 1);           /* the taker gave ... */
	EXPECT_EQ_U64(R.owner[5], taker);       /* ... but not the group inside its hold */
}

TEST(balance, init_refuses_what_cannot_work)
{
	struct lb_params p;
	lb_params_default(&p);
	EXPECT_EQ_U64(lb_init(&R.s, &p, 0, 128), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(lb_init(&R.s, &p, LB_MAX_KERNELS + 1, 128), (uint64_t)-EINVAL);
	EXPECT_EQ_U64(lb_init(&R.s, &p, 4, LB_MAX_GROUPS + 1), (uint64_t)-EINVAL);
	p.persist = 0;
	EXPECT_EQ_U64(lb_init(&R.s, &p, 4, 128), (uint64_t)-EINVAL);
	lb_params_default(&p);
	p.stale_ms = p.period_ms - 1;
	EXPECT_EQ_U64(lb_init(&R.s, &p, 4, 128), (uint64_t)-EINVAL);
	EXPECT_EQ_STR(lb_reason_name(LB_BUSY), "busy");
	EXPECT_EQ_STR(lb_reason_name(77), "?");
}
