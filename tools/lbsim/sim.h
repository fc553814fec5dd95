/* lbsim: a discrete-event simulator of Flotilla's connection load balancing at 16 to 1,024
 * kernels (docs/BALANCER.md). The model, in one place:
 *
 *   clients --SYN--> NIC: group = RSS bucket (Toeplitz hash & 127) or Flow Director group
 *   (client port & 0xFFF) --> the group's owner kernel: a new connection's first request
 *   joins its run queue (the accept queue: accept-to-service delay); each later request of
 *   the connection arrives at the group's owner too, which serves it, or (a stolen connection,
 *   or one left on a previous owner by a move) spends fwd_us forwarding it to the kernel
 *   that holds the connection, where it queues again.
 *
 * Each kernel is one FIFO server: a request's work is drawn from the service-time
 * distribution (mean service_us), divided by the kernel's speed (a hog leaves 1 - hog_share
 * of it, and keeps its idle-loop time at zero). Connections live for one request (short) or
 * a geometric number of requests with think times between them (long-lived). Every draw a
 * connection makes (its requests' work, its think times) comes from its own random stream,
 * seeded from the arrival stream: every policy sees the same clients, connections and work.
 *
 * Policies (policy.c), run every period_ms from the kernels' reports: static (no moves),
 * steal (an idle kernel takes a waiting new connection from another's queue, Affinity-
 * Accept's rule), netpopcorn (moves groups with no live connection, without forwarding) and
 * flotilla (net/balance.c, linked in: busy groups move with forwarding). A move takes effect
 * move_us after it is asked for, under the move exchange's rules (net/move.h): a group in a
 * move, or draining to a previous owner, moves only back to that owner. */
#ifndef TOOLS_LBSIM_SIM_H
#define TOOLS_LBSIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_MAX_KERNELS 1024
#define SIM_NO_KERNEL   0xFFFF

enum sim_policy { POL_STATIC, POL_STEAL, POL_NETPOPCORN, POL_FLOTILLA, POL_COUNT };
enum sim_arrivals { ARR_POISSON, ARR_BURSTY };
enum sim_service { SVC_EXP, SVC_BIMODAL };

struct sim_params {
	unsigned kernels;               /* 16 .. 1,024 */
	unsigned groups;                /* 128 (RSS) or 4,096 (Flow Director) */
	enum sim_policy policy;
	uint64_t seed;
	double seconds;                 /* simulated time */
	double warmup;                  /* seconds not measured at the start */
	double load;                    /* offered work over the kernels' capacity */
	enum sim_arrivals arrivals;
	double burst_high, burst_ms;    /* bursty: rate x high and x (2 - high), each phase
					   lasting burst_ms on average */
	enum sim_service service;
	double service_us;              /* mean work of one request */
	unsigned clients;               /* 0: 256 per kernel */
	double zipf_s;                  /* client popularity; 0 is uniform */
	unsigned client_ports;          /* source ports each client cycles through; 0: half
					   the kernels, at least 8 */
	double long_frac;               /* share of connections that are long-lived */
	double long_requests;           /* their mean requests */
	double think_ms;                /* mean time between a connection's requests */
	double fwd_us;                  /* a forwarded request's cost on the forwarder */
	double steal_us;                /* the thief's extra work to take a connection */
	double steal_poll_us;           /* an idle thief looks again this often */
	unsigned steal_probes;          /* kernels an idle thief looks at */
	unsigned backlog;               /* new connections a kernel queues before dropping */
	double period_ms;               /* the balancer's period */
	double report_ms;               /* age of a report when the balancer reads it */
	double move_us;                 /* a move's exchange, asked to done */
	unsigned lb_over_pm, lb_persist, lb_max_moves, lb_cooldown_ms;  /* flotilla's
					   parameters (net/balance.h); 0: its default */
	int hog_kernel;                 /* -1: none */
	double hog_share, hog_on, hog_off;      /* share of its CPU, from, to (seconds) */
	int die_kernel;                 /* -1: none */
	double die_at;
	FILE *trace;                    /* NULL, or where each period's line goes (sim.c) */
};

/* A log-linear histogram of delays in ns: 64 steps per power of two (1.6 % wide). */
#define HIST_SUB   64
#define HIST_SLOTS (42 * HIST_SUB)
struct hist {
	uint64_t n;
	uint64_t count[HIST_SLOTS];
};
void hist_add(struct hist *h, uint64_t ns);
/* The q-quantile (0..1) in ns, 0 when empty. */
double hist_quantile(const struct hist *h, double q);

struct sim_result {
	struct hist accept;             /* new connection queued -> its service starts */
	struct hist request;            /* every request, its first included */
	double measured;                /* seconds */
	uint64_t requests, conns;       /* completed in the measured time */
	uint64_t moves, refused;        /* moves done, asked for but refused */
	uint64_t steals, forwarded;
	uint64_t broken;                /* requests that reached a kernel that neither held
					   nor forwarded their connection: a reset */
	uint64_t lost;                  /* connections lost with a dead kernel */
	uint64_t dropped;               /* new connections over a kernel's backlog */
	double imbalance;               /* mean over periods of the busy fractions' CV */
	uint64_t events;
};

void sim_defaults(struct sim_params *p);
/* 0, or -1 with a message on stderr for parameters out of range. */
int sim_run(const struct sim_params *p, struct sim_result *r);
const char *sim_policy_name(enum sim_policy p);
int sim_policy_parse(const char *name);

#endif
