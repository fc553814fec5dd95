/* lbsim's engine: parameters, the event queue, the balancer's period and one run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/lbsim/model.h"

static const char *const policy_names[POL_COUNT] = { "static", "steal", "netpopcorn",
						     "flotilla" };

const char *sim_policy_name(enum sim_policy p)
{
	return (unsigned)p < POL_COUNT ? policy_names[p] : "?";
}

int sim_policy_parse(const char *name)
{
	for (int i = 0; i < POL_COUNT; i++)
		if (!strcmp(name, policy_names[i]))
			return i;
	return -1;
}

void sim_defaults(struct sim_params *p)
{
	*p = (struct sim_params){
		.kernels = 16, .groups = 128, .policy = POL_FLOTILLA, .seed = 1,
		.seconds = 20, .warmup = 3, .load = 0.8,
		.arrivals = ARR_POISSON, .burst_high = 1.6, .burst_ms = 50,
		.service = SVC_EXP, .service_us = 1000,
		.clients = 0, .zipf_s = 1.0, .client_ports = 0,
		.long_frac = 0.2, .long_requests = 50, .think_ms = 20,
		.fwd_us = 50, .steal_us = 100, .steal_poll_us = 200, .steal_probes = 2,
		.backlog = 1024, .period_ms = 100, .report_ms = 2, .move_us = 1000,
		.hog_kernel = -1, .hog_share = 0.75, .hog_on = 6, .hog_off = 14,
		.die_kernel = -1, .die_at = 10,
	};
}

static int check(bool ok, const char *what)
{
	if (!ok)
		fprintf(stderr, "lbsim: %s\n", what);
	return ok ? 0 : -1;
}

static int validate(const struct sim_params *p)
{
	return check(p->kernels >= 2 && p->kernels <= SIM_MAX_KERNELS, "kernels: 2 to 1024") ||
	       check(p->groups == 128 || p->groups == 4096, "groups: 128 (RSS) or 4096 (FDir)") ||
	       check((unsigned)p->policy < POL_COUNT, "no such policy") ||
	       check(p->seconds > p->warmup && p->warmup >= 0, "seconds must exceed warmup") ||
	       check(p->load > 0 && p->load < 4, "load: above 0, below 4") ||
	       check(p->service_us > 0 && p->think_ms > 0, "service and think times above 0") ||
	       check(p->burst_high >= 1 && p->burst_high < 2, "burst_high: 1 to 2") ||
	       check(p->client_ports <= 4096, "client_ports: 0 to 4096") ||
	       check(p->long_frac >= 0 && p->long_frac <= 1, "long_frac: 0 to 1") ||
	       check(p->long_requests >= 1, "long_requests: at least 1") ||
	       check(p->period_ms >= 1 && p->backlog >= 1, "period and backlog at least 1") ||
	       check(p->hog_kernel < (int)p->kernels && p->die_kernel < (int)p->kernels,
		     "hog or dying kernel out of range") ||
	       check(p->hog_share >= 0 && p->hog_share < 1, "hog_share: 0 to below 1");
}

/* The event queue: a binary heap on (t, seq). */
static bool ev_before(const struct event *a, const struct event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

void sim_at(struct sim *s, int64_t t, enum ev_type type, uint32_t id, uint32_t gen)
{
	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? s->capheap * 2 : 4096;
		s->heap = realloc(s->heap, s->capheap * sizeof(*s->heap));
		if (!s->heap)
			abort();
	}
	size_t i = s->nheap++;
	struct event e = { .t = t, .seq = s->seq++, .type = type, .id = id, .gen = gen };
	while (i && ev_before(&e, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = e;
}

static struct event ev_pop(struct sim *s)
{
	struct event top = s->heap[0], last = s->heap[--s->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap)
		s->heap[i] = last;
	return top;
}

bool sim_measuring(const struct sim *s)
{
	return s->now >= s->warm;
}

/* The coefficient of variation of the living kernels' busy fractions. */
static double busy_cv(const struct sim *s)
{
	double sum = 0, sq = 0;
	unsigned n = 0;
	for (unsigned k = 0; k < s->p.kernels; k++) {
		if (!s->k[k].alive)
			continue;
		sum += s->busy_frac[k];
		sq += s->busy_frac[k] * s->busy_frac[k];
		n++;
	}
	double mean = n ? sum / n : 0;
	return mean > 0 ? sqrt(fmax(sq / n - mean * mean, 0)) / mean : 0;
}

/* One line a period: time, mean and highest busy fraction, the hog's (or else kernel 1's)
 * busy fraction, the period's p99 accept-to-service delay (ms) and moves so far. */
static void trace_period(struct sim *s)
{
	double sum = 0, max = 0;
	unsigned n = 0, watch = s->p.hog_kernel >= 0 ? (unsigned)s->p.hog_kernel : 1;
	for (unsigned k = 0; k < s->p.kernels; k++) {
		if (!s->k[k].alive)
			continue;
		sum += s->busy_frac[k];
		max = fmax(max, s->busy_frac[k]);
		n++;
	}
	fprintf(s->p.trace, "%.2f,%s,%.3f,%.3f,%.3f,%.3f,%llu\n", s->now / 1e9,
		sim_policy_name(s->p.policy), n ? sum / n : 0, max, s->busy_frac[watch],
		hist_quantile(&s->period_accept, 0.99) / 1e6, (unsigned long long)s->r->moves);
	memset(&s->period_accept, 0, sizeof(s->period_accept));
}

/* Each kernel's busy fraction of the period (a hog leaves no idle time), then the policy. */
static void on_period(struct sim *s)
{
	int64_t period = (int64_t)(s->p.period_ms * NS_PER_MS);
	for (unsigned k = 0; k < s->p.kernels; k++) {
		struct kernel *kk = &s->k[k];
		if (kk->busy) {
			kk->busy_acc += s->now - kk->busy_from;
			kk->busy_from = s->now;
		}
		s->busy_frac[k] = kk->hogged ? 1.0 : fmin((double)kk->busy_acc / period, 1.0);
		kk->busy_acc = 0;
	}
	if (sim_measuring(s)) {
		s->imb_sum += busy_cv(s);
		s->imb_n++;
	}
	pol_period(s);
	if (s->p.trace)
		trace_period(s);
	memset(s->g_new, 0, sizeof(*s->g_new) * s->p.groups);
	sim_at(s, s->now + period, EV_PERIOD, 0, 0);
}

static void dispatch(struct sim *s, const struct event *e)
{
	switch (e->type) {
	case EV_ARRIVE: serve_arrive(s); break;
	case EV_PHASE: sim_at(s, s->now + wl_next_phase(s), EV_PHASE, 0, 0); break;
	case EV_REQ: serve_request(s, e->id, e->gen); break;
	case EV_DONE: serve_done(s, e->id); break;
	case EV_STEAL: serve_steal_poll(s, e->id); break;
	case EV_PERIOD: on_period(s); break;
	case EV_MOVE: serve_move(s, e->id); break;
	case EV_HOG: serve_hog(s, e->id); break;
	case EV_DIE: serve_die(s, e->id); break;
	}
}

static int alloc_state(struct sim *s)
{
	unsigned nk = s->p.kernels, ng = s->p.groups;
	s->k = calloc(nk, sizeof(*s->k));
	s->busy_frac = calloc(nk, sizeof(*s->busy_frac));
	s->owner = calloc(ng, sizeof(*s->owner));
	s->g_new = calloc(ng, sizeof(*s->g_new));
	s->g_live = calloc(ng, sizeof(*s->g_live));
	s->fwd_to = calloc(ng, sizeof(*s->fwd_to));
	s->fwd_left = calloc(ng, sizeof(*s->fwd_left));
	s->in_flight = calloc(ng, sizeof(*s->in_flight));
	if (!s->k || !s->busy_frac || !s->owner || !s->g_new || !s->g_live || !s->fwd_to ||
	    !s->fwd_left || !s->in_flight)
		return -1;
	for (unsigned k = 0; k < nk; k++)
		s->k[k] = (struct kernel){ .alive = true, .speed = 1.0, .head = NONE32,
					   .tail = NONE32, .cur = NONE32 };
	for (unsigned g = 0; g < ng; g++) {
		s->owner[g] = (uint16_t)(g % nk);       /* RSS's round robin, as net/steer.c */
		s->fwd_to[g] = SIM_NO_KERNEL;
	}
	s->conn_free = s->job_free = s->move_free = NONE32;
	return 0;
}

static void free_state(struct sim *s)
{
	free(s->k);
	free(s->busy_frac);
	free(s->owner);
	free(s->g_new);
	free(s->g_live);
	free(s->fwd_to);
	free(s->fwd_left);
	free(s->in_flight);
	free(s->conns);
	free(s->jobs);
	free(s->moves);
	free(s->heap);
}

static void schedule_start(struct sim *s)
{
	const struct sim_params *p = &s->p;
	sim_at(s, wl_next_arrival(s), EV_ARRIVE, 0, 0);
	if (p->arrivals == ARR_BURSTY)
		sim_at(s, wl_next_phase(s), EV_PHASE, 0, 0);
	sim_at(s, (int64_t)(p->period_ms * NS_PER_MS), EV_PERIOD, 0, 0);
	if (p->hog_kernel >= 0) {
		sim_at(s, (int64_t)(p->hog_on * NS_PER_S), EV_HOG, (uint32_t)p->hog_kernel, 0);
		sim_at(s, (int64_t)(p->hog_off * NS_PER_S), EV_HOG, (uint32_t)p->hog_kernel, 0);
	}
	if (p->die_kernel >= 0)
		sim_at(s, (int64_t)(p->die_at * NS_PER_S), EV_DIE, (uint32_t)p->die_kernel, 0);
}

int sim_run(const struct sim_params *p, struct sim_result *r)
{
	if (validate(p))
		return -1;
	struct sim *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	memset(r, 0, sizeof(*r));
	s->p = *p;
	s->r = r;
	s->end = (int64_t)(p->seconds * NS_PER_S);
	s->warm = (int64_t)(p->warmup * NS_PER_S);
	int err = alloc_state(s) || wl_init(s) || pol_init(s) ? -1 : 0;
	if (!err) {
		schedule_start(s);
		while (s->nheap && s->heap[0].t <= s->end) {
			struct event e = ev_pop(s);
			s->now = e.t;
			r->events++;
			dispatch(s, &e);
		}
		r->measured = p->seconds - p->warmup;
		r->imbalance = s->imb_n ? s->imb_sum / s->imb_n : 0;
	}
	pol_free(s);
	wl_free(s);
	free_state(s);
	free(s);
	return err;
}

static unsigned hist_slot(uint64_t ns)
{
	if (ns < HIST_SUB)
		return (unsigned)ns;
	unsigned shift = 63 - (unsigned)__builtin_clzll(ns) - 6;
	unsigned slot = (shift + 1) * HIST_SUB + (unsigned)(ns >> shift) - HIST_SUB;
	return slot < HIST_SLOTS ? slot : HIST_SLOTS - 1;
}

/* The middle of a slot's range. */
static double hist_value(unsigned slot)
{
	if (slot < HIST_SUB)
		return slot;
	unsigned shift = slot / HIST_SUB - 1;
	double lo = (double)((uint64_t)(HIST_SUB + slot % HIST_SUB) << shift);
	return lo + (double)(1ull << shift) / 2;
}

void hist_add(struct hist *h, uint64_t ns)
{
	h->count[hist_slot(ns)]++;
	h->n++;
}

double hist_quantile(const struct hist *h, double q)
{
	if (!h->n)
		return 0;
	uint64_t want = (uint64_t)ceil(q * (double)h->n), seen = 0;
	for (unsigned i = 0; i < HIST_SLOTS; i++) {
		seen += h->count[i];
		if (seen >= want && seen)
			return hist_value(i);
	}
	return hist_value(HIST_SLOTS - 1);
}
