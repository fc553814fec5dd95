/* lbsim's inner state, shared by the engine (sim.c), the workload (workload.c) and the
 * policies (policy.c); sim.h says what is modelled. */
#ifndef TOOLS_LBSIM_MODEL_H
#define TOOLS_LBSIM_MODEL_H

#include <stddef.h>
#include "tools/lbsim/sim.h"

#define NS_PER_US 1000ll
#define NS_PER_MS 1000000ll
#define NS_PER_S  1000000000ll
#define NONE32    UINT32_MAX

/* splitmix64: one 64-bit word of state, so every connection can carry a stream of its own. */
struct rng {
	uint64_t s;
};
uint64_t rng_next(struct rng *r);
double rng_unit(struct rng *r);                 /* uniform in (0, 1] */
int64_t rng_exp_ns(struct rng *r, double mean_ns);

enum ev_type { EV_ARRIVE, EV_PHASE, EV_REQ, EV_DONE, EV_STEAL, EV_PERIOD, EV_MOVE, EV_HOG,
	       EV_DIE };

struct event {
	int64_t t;
	uint64_t seq;                   /* ties go in the order events were made */
	uint32_t type, id, gen;         /* id: a connection, kernel or move; gen: its use */
};

enum job_type { JOB_ACCEPT, JOB_REQ, JOB_FWD };

/* A request waiting in (or served by) a kernel's run queue. */
struct job {
	uint32_t conn, gen;
	uint8_t type;                   /* enum job_type */
	bool stolen;                    /* an accept a thief took: steal_us more work */
	int64_t t_in;                   /* when it reached the first kernel */
	uint32_t next;                  /* the queue's next job, or the free list's */
};

struct conn {
	uint32_t gen;                   /* bumped when the slot is freed */
	bool live;
	bool stolen;                    /* taken by a thief: its origin forwards to it */
	uint16_t group, server, origin; /* server holds its state; origin owned the group */
	uint32_t reqs_left;
	struct rng rng;                 /* its work and think times */
	uint32_t next_free;
};

struct kernel {
	bool alive, busy, hogged, steal_pending;
	double speed;                   /* share of the CPU left to connections */
	uint32_t head, tail;            /* the run queue (FIFO of jobs) */
	uint32_t accepts;               /* new connections in it */
	uint32_t cur;                   /* the job being served */
	int64_t busy_from, busy_acc;    /* busy time in the current period */
};

struct move_req {
	uint16_t group, to;
	bool forward;                   /* flotilla: live connections stay, forwarded */
	uint32_t next_free;
};

struct sim {
	struct sim_params p;
	struct sim_result *r;
	int64_t now, end, warm;
	struct event *heap;
	size_t nheap, capheap;
	uint64_t seq;
	struct kernel *k;
	/* Per group. */
	uint16_t *owner;
	uint32_t *g_new;                /* new connections this period */
	uint32_t *g_live;               /* open connections */
	uint16_t *fwd_to;               /* a move's previous owner still holding some */
	uint32_t *fwd_left;             /* ... this many */
	uint8_t *in_flight;             /* a move asked for, not yet done */
	/* Pools, grown on demand; free lists through next/next_free. */
	struct conn *conns;
	uint32_t nconns, capconns, conn_free;
	struct job *jobs;
	uint32_t njobs, capjobs, job_free;
	struct move_req *moves;
	uint32_t nmoves, capmoves, move_free;
	/* The workload. */
	struct rng arr_rng, phase_rng, steal_rng;
	double conn_rate;               /* new connections per ns, before bursts */
	double rate_mult;
	unsigned nclients, nports;
	double *zipf_cdf;
	uint16_t *client_base;
	uint32_t *client_next;
	/* The policy's own state. */
	void *pol;
	struct hist period_accept;      /* this period's, for the trace */
	double imb_sum;
	unsigned imb_n;
	double *busy_frac;              /* last period, per kernel */
};

/* Engine (sim.c). */
void sim_at(struct sim *s, int64_t t, enum ev_type type, uint32_t id, uint32_t gen);
bool sim_measuring(const struct sim *s);
/* Asks for group g to move to `to`; false (counted refused) where the move exchange would
 * refuse: the group is in a move, or draining to a kernel other than `to`. */
bool sim_request_move(struct sim *s, unsigned g, unsigned to, bool forward);
bool sim_group_moving(const struct sim *s, unsigned g);

/* Kernels (serve.c): what each event does. */
void serve_arrive(struct sim *s);
void serve_request(struct sim *s, uint32_t conn, uint32_t gen);
void serve_next(struct sim *s, unsigned k);
void serve_done(struct sim *s, unsigned k);
void serve_steal(struct sim *s, unsigned k);
void serve_steal_poll(struct sim *s, unsigned k);
void serve_move(struct sim *s, uint32_t move);
void serve_die(struct sim *s, unsigned k);
void serve_hog(struct sim *s, unsigned k);

/* Workload (workload.c). */
int wl_init(struct sim *s);
void wl_free(struct sim *s);
int64_t wl_next_arrival(struct sim *s);
int64_t wl_next_phase(struct sim *s);
/* A new connection's client draws: its group, request count and stream seed. */
void wl_new_conn(struct sim *s, unsigned *group, uint32_t *reqs, uint64_t *seed);
int64_t wl_work_ns(struct sim *s, struct rng *r);

/* Policies (policy.c). */
int pol_init(struct sim *s);
void pol_free(struct sim *s);
/* Every period, after the kernels' busy fractions are in s->busy_frac. */
void pol_period(struct sim *s);

#endif
