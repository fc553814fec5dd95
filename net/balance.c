/* The load balancer's policy (net/balance.h): reports and the group table in, moves out. */
#include "net/balance.h"
#include "lib/errno.h"
#include "lib/sort.h"
#include "lib/string.h"
#include "lib/util.h"

/* A kernel's part in one call (lb_state.role). */
enum {
	ROLE_FRESH = 1,                 /* its report may be acted on */
	ROLE_GIVER = 2,                 /* overloaded, past hysteresis and cool-down */
	ROLE_TAKER = 4,                 /* settled and under the mean */
};

#define KEY_BITS  16                    /* a kernel or group index in a sort key's low bits */
#define KEY_FIELD 0xFFFFFFu             /* a count in a key saturates at 24 bits */
#define COST_ONE  1024                  /* load per connection is kept in 1/1024 pm */

_Static_assert(LB_MAX_KERNELS <= 1u << KEY_BITS && LB_MAX_GROUPS <= 1u << KEY_BITS,
	       "indices fit a key's low bits");
_Static_assert(LB_MAX_KERNELS <= LB_MAX_GROUPS, "keys has room for a key per kernel");

/* One call's view of its inputs. */
struct lb_call {
	uint64_t now;
	const struct lb_kernel_report *rep;
	const struct lb_group_load *grp;
	const uint16_t *owner;
	struct lb_move *out;
	unsigned n, max;                /* moves chosen, room for them */
	unsigned nfresh, nalive;
	int64_t total_load;             /* of the fresh kernels */
	int32_t mean;
	uint64_t cost;                  /* load per new connection, in 1/COST_ONE pm */
};

void lb_params_default(struct lb_params *p)
{
	p->period_ms = 100;
	p->stale_ms = 300;
	p->over_pm = 150;
	p->min_load_pm = 500;
	p->queue_pm = 10;
	p->persist = 3;
	p->cooldown_ms = 1000;
	p->group_cooldown_ms = 5000;
	p->max_moves = 8;
}

int lb_init(struct lb_state *s, const struct lb_params *p, unsigned nkernels, unsigned ngroups)
{
	if (!nkernels || nkernels > LB_MAX_KERNELS || !ngroups || ngroups > LB_MAX_GROUPS)
		return -EINVAL;
	if (!p->period_ms || !p->persist || p->stale_ms < p->period_ms)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->p = *p;
	s->nkernels = nkernels;
	s->ngroups = ngroups;
	return 0;
}

const char *lb_reason_name(unsigned reason)
{
	switch (reason) {
	case LB_DEAD: return "dead";
	case LB_IDLE: return "idle";
	case LB_BUSY: return "busy";
	default: return "?";
	}
}

static bool report_fresh(const struct lb_params *p, const struct lb_kernel_report *r)
{
	return r->alive && r->age_ms != LB_AGE_NONE && r->age_ms <= p->stale_ms;
}

/* Busy time stops at 100 %; the accept queue says how far past it a kernel is. */
static int32_t report_load(const struct lb_params *p, const struct lb_kernel_report *r)
{
	uint64_t queue = (uint64_t)r->accept_queue * p->queue_pm;
	return (int32_t)(MIN(r->busy_pm, (uint32_t)LB_PM) + MIN(queue, (uint64_t)LB_QUEUE_CAP_PM));
}

static uint64_t measured_at(const struct lb_call *c, unsigned k)
{
	uint32_t age = c->rep[k].age_ms;
	return age < c->now ? c->now - age : 0;
}

static bool overloaded(const struct lb_state *s, const struct lb_call *c, unsigned k)
{
	int32_t load = s->load[k];
	return load >= (int32_t)s->p.min_load_pm && load > c->mean + (int32_t)s->p.over_pm;
}

/* Left alone after a change until the cool-down is over and a whole period measured after
 * it has been reported: the report before that still shows the old groups. */
static bool settled(const struct lb_state *s, const struct lb_call *c, unsigned k)
{
	const struct lb_kernel_state *ks = &s->k[k];
	if (c->now < ks->until_ms)
		return false;
	return !ks->changed || measured_at(c, k) >= ks->changed_ms + s->p.period_ms;
}

static void kernel_changed(struct lb_state *s, const struct lb_call *c, unsigned k)
{
	struct lb_kernel_state *ks = &s->k[k];
	ks->changed = true;
	ks->changed_ms = c->now;
	ks->until_ms = c->now + s->p.cooldown_ms;
	ks->streak = 0;
}

/* Which reports may be acted on, each fresh kernel's load, and the mean of those. */
static void survey(struct lb_state *s, struct lb_call *c)
{
	for (unsigned k = 0; k < s->nkernels; k++) {
		s->role[k] = 0;
		s->load[k] = 0;
		if (!c->rep[k].alive)
			continue;
		c->nalive++;
		if (!report_fresh(&s->p, &c->rep[k])) {
			s->stats.stale++;
			s->k[k].streak = 0;
			continue;
		}
		s->role[k] = ROLE_FRESH;
		s->load[k] = report_load(&s->p, &c->rep[k]);
		c->total_load += s->load[k];
		c->nfresh++;
	}
	c->mean = c->nfresh ? (int32_t)(c->total_load / c->nfresh) : 0;
}

/* Each report is counted once, however often the caller asks: a streak is of periods. */
static void count_streaks(struct lb_state *s, const struct lb_call *c)
{
	for (unsigned k = 0; k < s->nkernels; k++) {
		struct lb_kernel_state *ks = &s->k[k];
		uint64_t at = measured_at(c, k);
		if (!(s->role[k] & ROLE_FRESH) || (ks->seen && at <= ks->seen_ms))
			continue;
		ks->seen = true;
		ks->seen_ms = at;
		ks->streak = overloaded(s, c, k) ? ks->streak + 1 : 0;
	}
}

static bool group_free(const struct lb_state *s, const struct lb_call *c, unsigned g)
{
	return !c->grp[g].moving && c->now >= s->group_until[g];
}

static void emit(struct lb_state *s, struct lb_call *c, unsigned g, unsigned from,
		 unsigned to, enum lb_reason why)
{
	c->out[c->n++] = (struct lb_move){ .group = (uint16_t)g, .from = (uint16_t)from,
					   .to = (uint16_t)to, .reason = (uint8_t)why };
	s->stats.moves[why]++;
	s->group_until[g] = c->now + s->p.group_cooldown_ms;
}

/* The kernel with the least estimated load among those with role bit `want`, or -1. */
static int least_loaded(const struct lb_state *s, unsigned want)
{
	int best = -1;
	for (unsigned k = 0; k < s->nkernels; k++)
		if ((s->role[k] & want) && (best < 0 || s->load[k] < s->load[best]))
			best = (int)k;
	return best;
}

static bool owner_alive(const struct lb_state *s, const struct lb_call *c, unsigned g)
{
	unsigned o = c->owner[g];
	return o < s->nkernels && c->rep[o].alive;
}

/* Step 3: a dead kernel's groups to the fresh kernels, spread by estimated load. */
static void rescue(struct lb_state *s, struct lb_call *c)
{
	unsigned owned = 0;
	for (unsigned g = 0; g < s->ngroups; g++)
		owned += c->owner[g] < s->nkernels && (s->role[c->owner[g]] & ROLE_FRESH);
	int32_t share = (int32_t)MAX(c->total_load / MAX(owned, 1u), 1);
	for (unsigned g = 0; g < s->ngroups && c->n < c->max; g++) {
		if (owner_alive(s, c, g) || c->grp[g].moving)
			continue;
		int to = least_loaded(s, ROLE_FRESH);
		if (to < 0)
			return;
		emit(s, c, g, c->owner[g], (unsigned)to, LB_DEAD);
		s->load[to] += share;
		kernel_changed(s, c, (unsigned)to);
	}
}

/* Step 4: who gives (overloaded past hysteresis and cool-down) and who may take. */
static void cast_roles(struct lb_state *s, const struct lb_call *c)
{
	for (unsigned k = 0; k < s->nkernels; k++) {
		if (!(s->role[k] & ROLE_FRESH))
			continue;
		bool calm = settled(s, c, k);
		if (overloaded(s, c, k)) {
			if (calm && s->k[k].streak >= s->p.persist)
				s->role[k] |= ROLE_GIVER;
			else
				s->stats.held++;
		} else if (calm && s->load[k] < c->mean) {
			s->role[k] |= ROLE_TAKER;
		}
	}
}

/* The load a group's future connections carry, by the machine's cost per connection. */
static int32_t group_load(const struct lb_call *c, unsigned g)
{
	uint64_t est = (uint64_t)c->grp[g].new_conns * c->cost / COST_ONE;
	return (int32_t)MIN(MAX(est, 1u), (uint64_t)INT32_MAX / 4);
}

/* Sort keys for giver k's movable groups of one kind, in the order they are tried: idle
 * ones heaviest first; busy ones fewest live first, then heaviest. Returns their count. */
static unsigned candidates(struct lb_state *s, const struct lb_call *c, unsigned k, bool busy)
{
	unsigned n = 0;
	for (unsigned g = 0; g < s->ngroups; g++) {
		const struct lb_group_load *gl = &c->grp[g];
		if (c->owner[g] != k || !group_free(s, c, g) || !gl->new_conns ||
		    (gl->live != 0) != busy)
			continue;
		uint64_t lighter = KEY_FIELD - MIN(gl->new_conns, KEY_FIELD);
		uint64_t live = MIN(gl->live, KEY_FIELD);
		s->keys[n++] = (live << 40) | (lighter << KEY_BITS) | g;
	}
	sort_u64(s->keys, n);
	return n;
}

/* Step 5 for one kind of group: moves giver k's candidates to takers while need lasts.
 * Returns the need left. */
static int32_t shed(struct lb_state *s, struct lb_call *c, unsigned k, int32_t need, bool busy,
		    unsigned limit)
{
	unsigned n = candidates(s, c, k, busy);
	int32_t slack = (int32_t)s->p.over_pm / 2;
	for (unsigned i = 0; i < n && need > 0 && c->n < limit; i++) {
		unsigned g = (unsigned)(s->keys[i] & ((1u << KEY_BITS) - 1));
		int32_t est = group_load(c, g);
		int to = least_loaded(s, ROLE_TAKER);
		if (to < 0)
			break;
		if (est > need + slack || s->load[to] + est > c->mean)
			continue;
		emit(s, c, g, k, (unsigned)to, busy ? LB_BUSY : LB_IDLE);
		s->load[k] -= est;
		s->load[to] += est;
		need -= est;
		kernel_changed(s, c, (unsigned)to);
	}
	return need;
}

/* The givers, most loaded first, each shedding its load above the mean. */
static void balance(struct lb_state *s, struct lb_call *c)
{
	unsigned limit = MIN(c->max, c->n + s->p.max_moves), ngivers = 0;
	int32_t slack = (int32_t)s->p.over_pm / 2;
	for (unsigned k = 0; k < s->nkernels; k++)
		if (s->role[k] & ROLE_GIVER)
			s->keys[ngivers++] = ((uint64_t)(INT32_MAX - s->load[k]) << KEY_BITS) | k;
	sort_u64(s->keys, ngivers);
	for (unsigned i = 0; i < ngivers; i++)          /* shed reuses keys */
		s->order[i] = (uint16_t)(s->keys[i] & ((1u << KEY_BITS) - 1));
	for (unsigned i = 0; i < ngivers && c->n < limit; i++) {
		unsigned k = s->order[i], before = c->n;
		int32_t need = shed(s, c, k, s->load[k] - c->mean, false, limit);
		if (need > slack)
			need = shed(s, c, k, need, true, limit);
		if (c->n > before)
			kernel_changed(s, c, k);
		if (need > slack)
			s->stats.unplaced++;
	}
}

/* The machine's load per new connection: what a group's connections weigh anywhere. */
static void price(const struct lb_state *s, struct lb_call *c)
{
	uint64_t total_new = 0;
	for (unsigned g = 0; g < s->ngroups; g++)
		if (c->owner[g] < s->nkernels && (s->role[c->owner[g]] & ROLE_FRESH))
			total_new += c->grp[g].new_conns;
	c->cost = total_new ? (uint64_t)c->total_load * COST_ONE / total_new : 0;
}

unsigned lb_decide(struct lb_state *s, uint64_t now_ms, const struct lb_kernel_report *kernels,
		   const struct lb_group_load *groups, const uint16_t *owner_of_group,
		   struct lb_move *out, unsigned max)
{
	struct lb_call c = { .now = now_ms, .rep = kernels, .grp = groups,
			     .owner = owner_of_group, .out = out, .max = max };
	s->stats.calls++;
	survey(s, &c);
	count_streaks(s, &c);
	rescue(s, &c);
	if (c.nfresh * 2 < c.nalive) {
		s->stats.blind++;
		return c.n;
	}
	price(s, &c);
	if (!c.cost)
		return c.n;
	cast_roles(s, &c);
	balance(s, &c);
	return c.n;
}
