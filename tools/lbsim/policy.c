/* lbsim's policies, run every period from the kernels' reports: static RSS (nothing moves),
 * Affinity-Accept stealing (serve.c does it; nothing moves either), NetPopcorn's idle-group
 * moves, and Flotilla's policy, which is net/balance.c itself. */
#include <stdlib.h>
#include "net/balance.h"
#include "tools/lbsim/model.h"

struct pol {
	struct lb_state lb;
	struct lb_kernel_report rep[SIM_MAX_KERNELS];
	struct lb_group_load grp[LB_MAX_GROUPS];
	struct lb_move out[LB_MAX_GROUPS];
	int32_t load[SIM_MAX_KERNELS];          /* NetPopcorn's estimates */
	uint16_t cand[LB_MAX_GROUPS];
	unsigned ncand;
};

_Static_assert(SIM_MAX_KERNELS <= LB_MAX_KERNELS, "the policy takes every kernel");

int pol_init(struct sim *s)
{
	struct pol *pol = calloc(1, sizeof(*pol));
	struct lb_params lp;
	if (!pol)
		return -1;
	s->pol = pol;
	lb_params_default(&lp);
	lp.period_ms = (uint32_t)s->p.period_ms;
	lp.stale_ms = 3 * lp.period_ms;
	if (s->p.lb_over_pm)
		lp.over_pm = s->p.lb_over_pm;
	if (s->p.lb_persist)
		lp.persist = s->p.lb_persist;
	if (s->p.lb_max_moves)
		lp.max_moves = s->p.lb_max_moves;
	if (s->p.lb_cooldown_ms)
		lp.cooldown_ms = s->p.lb_cooldown_ms;
	return lb_init(&pol->lb, &lp, s->p.kernels, s->p.groups) ? -1 : 0;
}

void pol_free(struct sim *s)
{
	free(s->pol);
	s->pol = NULL;
}

/* What each kernel reports at the end of a period, as the monitor gathers it: its busy
 * fraction (the engine's, a hog's kernel at 100 %), accept queue, its groups' counts. */
static void gather(struct sim *s, struct pol *pol)
{
	for (unsigned k = 0; k < s->p.kernels; k++)
		pol->rep[k] = (struct lb_kernel_report){
			.alive = s->k[k].alive, .age_ms = (uint32_t)s->p.report_ms,
			.busy_pm = (uint32_t)(s->busy_frac[k] * LB_PM + 0.5),
			.accept_queue = s->k[k].accepts,
		};
	for (unsigned g = 0; g < s->p.groups; g++)
		pol->grp[g] = (struct lb_group_load){ .new_conns = s->g_new[g],
						      .live = s->g_live[g],
						      .moving = sim_group_moving(s, g) };
}

static void flotilla(struct sim *s, struct pol *pol)
{
	uint64_t now_ms = (uint64_t)(s->now / NS_PER_MS);
	unsigned n = lb_decide(&pol->lb, now_ms, pol->rep, pol->grp, s->owner, pol->out,
			       LB_MAX_GROUPS);
	for (unsigned i = 0; i < n; i++)
		sim_request_move(s, pol->out[i].group, pol->out[i].to, true);
}

/* NetPopcorn's rule as we read it: every period, an overloaded kernel (the same load and
 * threshold as net/balance.h) hands groups with no live connection, heaviest first, to the
 * least loaded kernel, without forwarding, at most max_moves a period; no hysteresis, no
 * cool-down, no rule for a dead kernel. */
static int32_t np_least(const struct sim *s, const struct pol *pol)
{
	int32_t best = -1;
	for (unsigned k = 0; k < s->p.kernels; k++)
		if (s->k[k].alive && (best < 0 || pol->load[k] < pol->load[best]))
			best = (int32_t)k;
	return best;
}

static const struct pol *np_sort_pol;

static int np_heavier(const void *a, const void *b)
{
	uint32_t x = np_sort_pol->grp[*(const uint16_t *)a].new_conns;
	uint32_t y = np_sort_pol->grp[*(const uint16_t *)b].new_conns;
	return x < y ? 1 : x > y ? -1 : (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void np_candidates(struct sim *s, struct pol *pol, unsigned k)
{
	pol->ncand = 0;
	for (unsigned g = 0; g < s->p.groups; g++)
		if (s->owner[g] == k && !pol->grp[g].live && pol->grp[g].new_conns &&
		    !pol->grp[g].moving)
			pol->cand[pol->ncand++] = (uint16_t)g;
	np_sort_pol = pol;
	qsort(pol->cand, pol->ncand, sizeof(pol->cand[0]), np_heavier);
}

static unsigned np_shed(struct sim *s, struct pol *pol, unsigned k, int32_t mean,
			double cost, unsigned budget)
{
	const struct lb_params *lp = &pol->lb.p;
	int32_t need = pol->load[k] - mean, moved = 0;
	np_candidates(s, pol, k);
	for (unsigned i = 0; i < pol->ncand && need > 0 && moved < (int32_t)budget; i++) {
		unsigned g = pol->cand[i];
		int32_t est = (int32_t)(pol->grp[g].new_conns * cost) + 1;
		int32_t to = np_least(s, pol);
		if (to < 0 || est > need + (int32_t)lp->over_pm / 2 || pol->load[to] + est > mean)
			continue;
		if (!sim_request_move(s, g, (unsigned)to, false))
			continue;
		pol->load[k] -= est;
		pol->load[to] += est;
		need -= est;
		moved++;
	}
	return (unsigned)moved;
}

static void netpopcorn(struct sim *s, struct pol *pol)
{
	const struct lb_params *lp = &pol->lb.p;
	int64_t total = 0, total_new = 0;
	unsigned alive = 0, budget = lp->max_moves;
	for (unsigned k = 0; k < s->p.kernels; k++) {
		uint64_t queue = (uint64_t)pol->rep[k].accept_queue * lp->queue_pm;
		pol->load[k] = (int32_t)(pol->rep[k].busy_pm + (queue < LB_QUEUE_CAP_PM ? queue : LB_QUEUE_CAP_PM));
		if (s->k[k].alive)
			total += pol->load[k], alive++;
	}
	for (unsigned g = 0; g < s->p.groups; g++)
		total_new += pol->grp[g].new_conns;
	if (!alive || !total_new)
		return;
	int32_t mean = (int32_t)(total / alive);
	double cost = (double)total / (double)total_new;
	for (unsigned k = 0; k < s->p.kernels && budget; k++) {
		int32_t load = pol->load[k];
		if (s->k[k].alive && load >= (int32_t)lp->min_load_pm &&
		    load > mean + (int32_t)lp->over_pm)
			budget -= np_shed(s, pol, k, mean, cost, budget);
	}
}

void pol_period(struct sim *s)
{
	struct pol *pol = s->pol;
	if (s->p.policy != POL_FLOTILLA && s->p.policy != POL_NETPOPCORN)
		return;
	gather(s, pol);
	if (s->p.policy == POL_FLOTILLA)
		flotilla(s, pol);
	else
		netpopcorn(s, pol);
}
