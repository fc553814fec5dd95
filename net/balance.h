/* The connection load balancer's policy (DESIGN.md section 5): from each kernel's load report
 * and the flow-group table, which groups to move where, and why. Pure: no kernel types, no
 * clock, no allocation; the caller (user/monitor, tools/lbsim, the host tests) owns the state
 * and passes `now`.
 *
 * Inputs, once a period (default 100 ms): per kernel an lb_kernel_report (alive, the report's
 * age, busy fraction from idle-loop time, accept-queue depth), per group an lb_group_load (new
 * connections over the period, live connections at its end, whether a move holds it), and the
 * group -> kernel table. A group is an RSS bucket (128 on igb/ixgbe) or a Flow Director group
 * (4,096 on ixgbe): the count is lb_init's. Output: at most `max` moves (group, from, to), each
 * with its reason. The caller requests them through the move exchange (kernel/netmove.h).
 *
 * The algorithm, each call:
 *  1. Fresh reports only. A kernel's report is fresh when it is alive and its report is at most
 *     stale_ms old. Only fresh kernels give or take groups, and only they make the mean; with
 *     fewer than half the living kernels fresh, no balancing move is made at all (the mean is
 *     a guess). Stale data never causes a move: no herding onto a kernel that looked idle.
 *  2. Load. load = busy_pm + queue_pm per connection in the accept queue, the queue's part
 *     capped at LB_QUEUE_CAP_PM: busy time alone stops at 100 %, the queue tells how far past
 *     it a kernel is. `mean` is the fresh kernels' mean load.
 *  3. The dead first. Every group whose owner is not alive (or out of range) goes to the
 *     fresh kernel with the least estimated load, each one adding a group's average load to
 *     its taker's estimate so they spread. These moves (LB_DEAD) ignore cool-downs and
 *     max_moves: no kernel serves those groups. Only `max` bounds them.
 *  4. Hysteresis. A kernel is overloaded when load >= min_load_pm and load > mean + over_pm.
 *     Each new report (a later measurement time than the last counted) extends or resets
 *     its streak; it gives groups only after `persist` overloaded reports in a row, so a load
 *     that comes and goes does not flap. A kernel that gave or took groups is left alone for
 *     cooldown_ms, and until a whole period measured after the change has been reported,
 *     and its streak starts over; a group that moved stays for group_cooldown_ms.
 *  5. Givers, most loaded first, shed `need` = load - mean. The load a group carries is
 *     estimated as its new connections times the machine's load per new connection (the fresh
 *     kernels' total load over their total new connections): what leaves with a group is its
 *     future connections; its live ones stay where they are (forwarded).
 *     a. Idle groups first (no live connection: NetPopcorn's rule, nothing to forward),
 *        heaviest first, each only if it does not overshoot need by more than over_pm / 2.
 *     b. Only when the idle ones leave more than over_pm / 2 of need: groups with live
 *        connections, fewest live first (the least forwarding), moved with forwarding
 *        (LB_BUSY), under the same rule.
 *     Each goes to the fresh, settled kernel under the mean with the least estimated load,
 *     only while that estimate stays at or under the mean: a taker is never pushed into the
 *     overload it relieves (no herding), and what no taker can hold stays.
 *  6. At most max_moves balancing moves per call; groups a move holds (moving) stay.
 *
 * Parameters (lb_params_default):
 *   period_ms 100, stale_ms 300, over_pm 150, min_load_pm 500, queue_pm 10, persist 3,
 *   cooldown_ms 1000, group_cooldown_ms 5000, max_moves 8. */
#ifndef NET_BALANCE_H
#define NET_BALANCE_H

#include <stdbool.h>
#include <stdint.h>

#define LB_MAX_KERNELS  1024
#define LB_MAX_GROUPS   4096            /* Flow Director's 12 bits of client port */
#define LB_PM           1000            /* busy and load are in parts per thousand */
#define LB_QUEUE_CAP_PM 3000            /* the most an accept queue adds to a load */
#define LB_AGE_NONE     UINT32_MAX      /* report age: this kernel has not reported */

struct lb_params {
	uint32_t period_ms;             /* how often the caller calls lb_decide */
	uint32_t stale_ms;              /* a report older than this is not acted on */
	uint32_t over_pm;               /* this far above the mean load is overloaded ... */
	uint32_t min_load_pm;           /* ... and at least this load */
	uint32_t queue_pm;              /* load one connection in the accept queue adds */
	uint32_t persist;               /* overloaded reports in a row before a kernel gives */
	uint32_t cooldown_ms;           /* a kernel that gave or took is left alone this long */
	uint32_t group_cooldown_ms;     /* a group that moved stays this long */
	uint32_t max_moves;             /* balancing moves per call (the dead's not counted) */
};

/* One kernel's report of the period that ended age_ms ago. */
struct lb_kernel_report {
	bool alive;                     /* false: dead or not serving; its groups go */
	uint32_t age_ms;                /* LB_AGE_NONE: no report yet */
	uint32_t busy_pm;               /* share of the period outside the idle loop */
	uint32_t accept_queue;          /* connections waiting for accept() at its end */
};

/* One group over the same period, counted by whichever kernel served it. */
struct lb_group_load {
	uint32_t new_conns;             /* connections that arrived in the group */
	uint32_t live;                  /* connections open at the period's end */
	bool moving;                    /* a move holds it (in flight or draining) */
};

enum lb_reason {
	LB_DEAD = 1,                    /* its owner is dead: given to the living */
	LB_IDLE,                        /* no live connection: moves with nothing to forward */
	LB_BUSY,                        /* live connections: moves with forwarding */
	LB_REASONS
};

struct lb_move {
	uint16_t group, from, to;
	uint8_t reason;                 /* enum lb_reason */
};

/* Counted since lb_init; the monitor shows them. */
struct lb_stats {
	uint64_t calls;
	uint64_t moves[LB_REASONS];     /* by reason */
	uint64_t stale;                 /* living kernels passed over for an old or no report */
	uint64_t blind;                 /* calls with too few fresh reports to balance */
	uint64_t held;                  /* overloaded kernels kept by hysteresis or cool-down */
	uint64_t unplaced;              /* givers left with need that no taker could hold */
};

struct lb_kernel_state {
	uint64_t seen_ms;               /* measurement time of the last report counted */
	uint64_t changed_ms;            /* last gave or took groups */
	uint64_t until_ms;              /* left alone until then */
	uint32_t streak;                /* overloaded reports in a row */
	bool seen;                      /* seen_ms holds a time */
	bool changed;                   /* changed_ms holds a time */
};

/* The policy's memory, held by the caller (about 100 KiB at the maxima). */
struct lb_state {
	struct lb_params p;
	unsigned nkernels, ngroups;
	struct lb_kernel_state k[LB_MAX_KERNELS];
	uint64_t group_until[LB_MAX_GROUPS];    /* a group that moved stays until then */
	struct lb_stats stats;
	/* Scratch for one call. */
	int32_t load[LB_MAX_KERNELS];           /* estimated, as moves are chosen */
	uint8_t role[LB_MAX_KERNELS];
	uint64_t keys[LB_MAX_GROUPS];           /* sort keys: kernels or one giver's groups */
	uint16_t order[LB_MAX_KERNELS];         /* the givers, most loaded first */
};

void lb_params_default(struct lb_params *p);
/* 0, or -EINVAL for a kernel or group count of 0 or past the maxima, or parameters that
 * cannot work (a zero period, persist 0, stale_ms under a period). */
int lb_init(struct lb_state *s, const struct lb_params *p, unsigned nkernels,
	    unsigned ngroups);
/* One period's decision (the algorithm above): fills out[0..n) and returns n <= max.
 * kernels has nkernels reports, groups and owner_of_group ngroups entries. */
unsigned lb_decide(struct lb_state *s, uint64_t now_ms, const struct lb_kernel_report *kernels,
		   const struct lb_group_load *groups, const uint16_t *owner_of_group,
		   struct lb_move *out, unsigned max);
/* "dead", "idle", "busy"; "?" for anything else. */
const char *lb_reason_name(unsigned reason);

#endif
