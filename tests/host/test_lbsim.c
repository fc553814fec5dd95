/* lbsim's smallest scenario, in the same run for each policy compared: 16 kernels, the
 * 128-bucket RSS table, Zipf-skewed clients (tools/lbsim/sim.h). Flotilla's policy
 * (net/balance.c) must beat static RSS's p99 accept-to-service delay, measured here, not
 * against a fixed number, and break no connection; a dead kernel's groups must go to the
 * living, where static RSS keeps losing the connections that hash to them. */
#include <stdlib.h>
#include "tests/host/test.h"
#include "tools/lbsim/sim.h"

static struct sim_result *run(enum sim_policy policy, int die)
{
	struct sim_params p;
	struct sim_result *r = malloc(sizeof(*r));
	sim_defaults(&p);
	p.policy = policy;
	p.die_kernel = die;
	if (!r || sim_run(&p, r)) {
		test_fail(__FILE__, __LINE__, "lbsim did not run");
		exit(1);
	}
	return r;
}

TEST(lbsim, flotilla_beats_static_rss_p99_on_skewed_clients)
{
	struct sim_result *st = run(POL_STATIC, -1), *fl = run(POL_FLOTILLA, -1);
	double p99_static = hist_quantile(&st->accept, 0.99);
	double p99_flotilla = hist_quantile(&fl->accept, 0.99);
	printf("     lbsim: p99 static %.2f ms, flotilla %.2f ms, %llu moves\n", p99_static / 1e6,
	       p99_flotilla / 1e6, (unsigned long long)fl->moves);
	EXPECT(fl->moves > 0);
	EXPECT(p99_flotilla < p99_static);
	EXPECT_EQ_U64(fl->broken, 0);
	EXPECT(fl->requests * 100 >= st->requests * 99);        /* no less work done */
	free(st);
	free(fl);
}

TEST(lbsim, a_dead_kernels_groups_go_to_the_living)
{
	struct sim_result *st = run(POL_STATIC, 1), *fl = run(POL_FLOTILLA, 1);
	EXPECT(st->lost > 0);
	EXPECT(fl->lost * 10 < st->lost);       /* only what it held when it died */
	EXPECT_EQ_U64(fl->broken, 0);
	free(st);
	free(fl);
}
