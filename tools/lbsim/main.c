/* lbsim's command line: one scenario, run under one policy or all four with the same seed,
 * printed as a table or as CSV rows (tools/lbsim/report.py reads those). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tools/lbsim/sim.h"

enum opt_kind { OPT_UINT, OPT_INT, OPT_DOUBLE, OPT_U64 };

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t off;
	const char *help;
};

#define O(n, k, f, h) { n, k, offsetof(struct sim_params, f), h }
static const struct opt opts[] = {
	O("kernels", OPT_UINT, kernels, "kernels, 2 to 1024"),
	O("groups", OPT_UINT, groups, "128 (RSS buckets) or 4096 (Flow Director groups)"),
	O("seed", OPT_U64, seed, "random seed"),
	O("seconds", OPT_DOUBLE, seconds, "simulated seconds"),
	O("warmup", OPT_DOUBLE, warmup, "seconds left out of the measurements"),
	O("load", OPT_DOUBLE, load, "offered work over capacity"),
	O("burst-high", OPT_DOUBLE, burst_high, "bursty: the high phase's rate factor"),
	O("burst-ms", OPT_DOUBLE, burst_ms, "bursty: mean phase length"),
	O("service-us", OPT_DOUBLE, service_us, "mean work of a request"),
	O("clients", OPT_UINT, clients, "clients (0: 256 per kernel)"),
	O("zipf", OPT_DOUBLE, zipf_s, "Zipf exponent of client popularity (0: uniform)"),
	O("ports", OPT_UINT, client_ports, "source ports each client cycles through (0: kernels / 2, at least 8)"),
	O("long-frac", OPT_DOUBLE, long_frac, "share of long-lived connections"),
	O("long-requests", OPT_DOUBLE, long_requests, "their mean requests"),
	O("think-ms", OPT_DOUBLE, think_ms, "mean time between a connection's requests"),
	O("fwd-us", OPT_DOUBLE, fwd_us, "cost of forwarding a request"),
	O("steal-us", OPT_DOUBLE, steal_us, "a thief's cost to take a connection"),
	O("steal-poll-us", OPT_DOUBLE, steal_poll_us, "an idle thief looks again this often"),
	O("steal-probes", OPT_UINT, steal_probes, "kernels a thief looks at"),
	O("backlog", OPT_UINT, backlog, "new connections a kernel queues before dropping"),
	O("period-ms", OPT_DOUBLE, period_ms, "the balancer's period"),
	O("report-ms", OPT_DOUBLE, report_ms, "a report's age when read"),
	O("move-us", OPT_DOUBLE, move_us, "a move's exchange"),
	O("lb-over", OPT_UINT, lb_over_pm, "flotilla: over_pm (0: default)"),
	O("lb-persist", OPT_UINT, lb_persist, "flotilla: persist (0: default)"),
	O("lb-max-moves", OPT_UINT, lb_max_moves, "flotilla: max_moves (0: default)"),
	O("lb-cooldown-ms", OPT_UINT, lb_cooldown_ms, "flotilla: cooldown_ms (0: default)"),
	O("hog", OPT_INT, hog_kernel, "the kernel a hog slows (-1: none)"),
	O("hog-share", OPT_DOUBLE, hog_share, "the hog's share of that kernel's CPU"),
	O("hog-on", OPT_DOUBLE, hog_on, "the hog starts (seconds)"),
	O("hog-off", OPT_DOUBLE, hog_off, "the hog stops (seconds)"),
	O("die", OPT_INT, die_kernel, "the kernel that dies (-1: none)"),
	O("die-at", OPT_DOUBLE, die_at, "when it dies (seconds)"),
};

static void print_default(const struct opt *o, const struct sim_params *d)
{
	const void *f = (const char *)d + o->off;
	switch (o->kind) {
	case OPT_UINT: fprintf(stderr, "%u", *(const unsigned *)f); break;
	case OPT_INT: fprintf(stderr, "%d", *(const int *)f); break;
	case OPT_U64: fprintf(stderr, "%llu", (unsigned long long)*(const uint64_t *)f); break;
	default: fprintf(stderr, "%g", *(const double *)f); break;
	}
}

static void usage(void)
{
	struct sim_params d;
	sim_defaults(&d);
	fprintf(stderr, "usage: lbsim [--policy static|steal|netpopcorn|flotilla|all] "
			"[--arrivals poisson|bursty] [--service exp|bimodal] [--csv] [--label L]\n"
			"             [--trace FILE]  a line per period (sim.c's trace_period)\n"
			"defaults: all policies, poisson, exp\n");
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		fprintf(stderr, "  --%-14s %s (", opts[i].name, opts[i].help);
		print_default(&opts[i], &d);
		fprintf(stderr, ")\n");
	}
	exit(2);
}

static void set_opt(struct sim_params *p, const struct opt *o, const char *v)
{
	char *end;
	void *f = (char *)p + o->off;
	switch (o->kind) {
	case OPT_UINT: *(unsigned *)f = (unsigned)strtoul(v, &end, 0); break;
	case OPT_INT: *(int *)f = (int)strtol(v, &end, 0); break;
	case OPT_U64: *(uint64_t *)f = strtoull(v, &end, 0); break;
	default: *(double *)f = strtod(v, &end); break;
	}
	if (end == v || *end)
		usage();
}

struct cli {
	struct sim_params p;
	int policy;                     /* -1: all */
	int csv;
	const char *label;
};

static void parse_word(struct cli *c, const char *name, const char *v)
{
	if (!strcmp(name, "policy"))
		c->policy = strcmp(v, "all") ? sim_policy_parse(v) : -1;
	else if (!strcmp(name, "arrivals") && (!strcmp(v, "poisson") || !strcmp(v, "bursty")))
		c->p.arrivals = !strcmp(v, "bursty") ? ARR_BURSTY : ARR_POISSON;
	else if (!strcmp(name, "service") && (!strcmp(v, "exp") || !strcmp(v, "bimodal")))
		c->p.service = !strcmp(v, "bimodal") ? SVC_BIMODAL : SVC_EXP;
	else if (!strcmp(name, "label"))
		c->label = v;
	else if (!strcmp(name, "trace")) {
		c->p.trace = fopen(v, "w");
		if (!c->p.trace) {
			perror(v);
			exit(1);
		}
		fprintf(c->p.trace, "t,policy,mean_busy,max_busy,watch_busy,accept_p99_ms,moves\n");
	}
	else {
		for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
			if (!strcmp(name, opts[i].name)) {
				set_opt(&c->p, &opts[i], v);
				return;
			}
		usage();
	}
	if (c->policy < -1 || (!strcmp(name, "policy") && c->policy == -1 && strcmp(v, "all")))
		usage();
}

static void parse(struct cli *c, int argc, char **argv)
{
	sim_defaults(&c->p);
	c->policy = -1;
	c->label = "-";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--csv")) {
			c->csv = 1;
			continue;
		}
		if (strncmp(argv[i], "--", 2) || i + 1 >= argc)
			usage();
		parse_word(c, argv[i] + 2, argv[i + 1]);
		i++;
	}
}

#define CSV_HEAD "label,kernels,groups,policy,seed,accept_p50_ms,accept_p99_ms,accept_p999_ms," \
		 "request_p99_ms,requests_per_s,conns_per_s,moves_per_s,refused,steals,forwarded," \
		 "broken,lost,dropped,imbalance,events,wall_s"

static void print_row(const struct cli *c, const struct sim_params *p,
		      const struct sim_result *r, double wall)
{
	double a50 = hist_quantile(&r->accept, 0.5) / 1e6, a99 = hist_quantile(&r->accept, 0.99) / 1e6;
	double a999 = hist_quantile(&r->accept, 0.999) / 1e6;
	double q99 = hist_quantile(&r->request, 0.99) / 1e6;
	if (c->csv) {
		printf("%s,%u,%u,%s,%llu,%.3f,%.3f,%.3f,%.3f,%.0f,%.0f,%.2f,%llu,%llu,%llu,%llu,%llu,"
		       "%llu,%.4f,%llu,%.2f\n", c->label, p->kernels, p->groups,
		       sim_policy_name(p->policy), (unsigned long long)p->seed, a50, a99, a999, q99,
		       r->requests / r->measured, r->conns / r->measured, r->moves / r->measured,
		       (unsigned long long)r->refused, (unsigned long long)r->steals,
		       (unsigned long long)r->forwarded, (unsigned long long)r->broken,
		       (unsigned long long)r->lost, (unsigned long long)r->dropped, r->imbalance,
		       (unsigned long long)r->events, wall);
		return;
	}
	printf("%-10s %8.2f %8.2f %9.2f %10.0f %8.2f %6llu %6llu %8llu %6.3f %6.1fs\n",
	       sim_policy_name(p->policy), a50, a99, a999, r->requests / r->measured,
	       r->moves / r->measured, (unsigned long long)r->broken,
	       (unsigned long long)r->lost, (unsigned long long)r->dropped, r->imbalance, wall);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	parse(&c, argc, argv);
	if (c.csv)
		printf("%s\n", CSV_HEAD);
	else
		printf("%-10s %8s %8s %9s %10s %8s %6s %6s %8s %6s %7s\n", "policy", "p50 ms",
		       "p99 ms", "p99.9 ms", "req/s", "moves/s", "broken", "lost", "dropped",
		       "imbal", "wall");
	for (int pol = 0; pol < POL_COUNT; pol++) {
		if (c.policy >= 0 && pol != c.policy)
			continue;
		struct sim_params p = c.p;
		struct sim_result *r = malloc(sizeof(*r));
		p.policy = (enum sim_policy)pol;
		clock_t t0 = clock();
		if (!r || sim_run(&p, r))
			return 1;
		print_row(&c, &p, r, (double)(clock() - t0) / CLOCKS_PER_SEC);
		fflush(stdout);
		free(r);
	}
	return 0;
}
