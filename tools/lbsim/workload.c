/* lbsim's workload: random streams, Zipf-skewed clients, their ports and flow groups,
 * Poisson or bursty arrivals, connection lifetimes and request work. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "lib/toeplitz.h"
#include "tools/lbsim/model.h"

#define SERVER_IP    0xC6120002u        /* 198.18.0.2, the guest of DESIGN.md section 7 */
#define SERVER_PORT  80
#define CLIENT_NET   0x0A000000u        /* 10.0.0.0/8: client c is 10.0.0.0 + c */
#define PORT_LO      32768              /* Linux's ephemeral range */
#define PORT_HI      60999

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

double rng_unit(struct rng *r)
{
	return ((rng_next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

int64_t rng_exp_ns(struct rng *r, double mean_ns)
{
	return (int64_t)(-log(rng_unit(r)) * mean_ns) + 1;
}

/* Client c's popularity is 1 / (c + 1)^s: the cumulative table, searched by bisection. */
static int zipf_init(struct sim *s)
{
	s->zipf_cdf = malloc(sizeof(double) * s->nclients);
	if (!s->zipf_cdf)
		return -1;
	double sum = 0;
	for (unsigned c = 0; c < s->nclients; c++) {
		sum += pow(c + 1.0, -s->p.zipf_s);
		s->zipf_cdf[c] = sum;
	}
	return 0;
}

static unsigned zipf_draw(struct sim *s)
{
	double u = rng_unit(&s->arr_rng) * s->zipf_cdf[s->nclients - 1];
	unsigned lo = 0, hi = s->nclients - 1;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (s->zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double mean_requests(const struct sim_params *p)
{
	return 1.0 - p->long_frac + p->long_frac * p->long_requests;
}

int wl_init(struct sim *s)
{
	const struct sim_params *p = &s->p;
	s->nclients = p->clients ? p->clients : 256 * p->kernels;
	s->nports = p->client_ports ? p->client_ports : p->kernels / 2 > 8 ? p->kernels / 2 : 8;
	s->arr_rng.s = p->seed * 3 + 1;
	s->phase_rng.s = p->seed * 3 + 2;
	s->steal_rng.s = p->seed * 3 + 3;
	s->conn_rate = p->load * p->kernels / (p->service_us * NS_PER_US * mean_requests(p));
	s->rate_mult = 1.0;
	s->client_base = malloc(sizeof(uint16_t) * s->nclients);
	s->client_next = calloc(s->nclients, sizeof(uint32_t));
	if (!s->client_base || !s->client_next || zipf_init(s))
		return -1;
	struct rng ports = { p->seed ^ 0x5EED };
	unsigned span = PORT_HI - PORT_LO + 1 - s->nports;
	for (unsigned c = 0; c < s->nclients; c++)
		s->client_base[c] = (uint16_t)(PORT_LO + rng_next(&ports) % span);
	return 0;
}

void wl_free(struct sim *s)
{
	free(s->zipf_cdf);
	free(s->client_base);
	free(s->client_next);
}

int64_t wl_next_arrival(struct sim *s)
{
	return rng_exp_ns(&s->arr_rng, 1.0 / (s->conn_rate * s->rate_mult));
}

/* Bursty arrivals: two phases of equal mean length, rate x high and x (2 - high), so the
 * mean rate is the same as Poisson's. */
int64_t wl_next_phase(struct sim *s)
{
	double high = s->p.burst_high;
	s->rate_mult = s->rate_mult > 1.0 ? 2.0 - high : high;
	return rng_exp_ns(&s->phase_rng, s->p.burst_ms * NS_PER_MS);
}

/* RSS: the NIC's Toeplitz hash with Flotilla's symmetric key, the low 7 bits picking the
 * bucket; Flow Director: the low 12 bits of the client port (DESIGN.md section 4). */
static unsigned group_of(const struct sim *s, unsigned client, uint16_t port)
{
	if (s->p.groups == 128)
		return toeplitz_ipv4_tcp(rss_key_symmetric, CLIENT_NET + client, SERVER_IP, port,
					 SERVER_PORT) & 127;
	return port % s->p.groups;
}

/* A client cycles through a pool of source ports (connections kept behind one address): a
 * popular client's connections fall in few groups, which is what makes groups unequal. The
 * pool grows with the machine (kernels / 2 ports, at least 8), so that the most popular
 * group carries about the same share of one kernel at every size. */
void wl_new_conn(struct sim *s, unsigned *group, uint32_t *reqs, uint64_t *seed)
{
	unsigned c = zipf_draw(s);
	uint16_t port = (uint16_t)(s->client_base[c] + s->client_next[c]++ % s->nports);
	*group = group_of(s, c, port);
	*reqs = 1;
	if (rng_unit(&s->arr_rng) <= s->p.long_frac && s->p.long_requests > 1) {
		double q = 1.0 - 1.0 / s->p.long_requests;      /* geometric, mean long_requests */
		*reqs = 1 + (uint32_t)floor(log(rng_unit(&s->arr_rng)) / log(q));
	}
	*seed = rng_next(&s->arr_rng);
}

/* Bimodal: 90 % at half the mean, 10 % at 5.5 times it; the same mean. */
int64_t wl_work_ns(struct sim *s, struct rng *r)
{
	double mean = s->p.service_us * NS_PER_US;
	if (s->p.service == SVC_BIMODAL)
		return (int64_t)(rng_unit(r) <= 0.9 ? 0.5 * mean : 5.5 * mean);
	return rng_exp_ns(r, mean);
}
