/* The monitor: Flotilla's connection load balancer, a process on kernel 0 (DESIGN.md
 * section 5, issue 15). The boot table starts it; `monitor show` (the shell's `monitor`)
 * prints each kernel's load and the last moves.
 *
 * Every period (100 ms unless -p says otherwise):
 *   1. every kernel's load report (SYS_LOAD, kernel/netload.h) and the flow-group table
 *      (SYS_STEER's table: owners, moves in flight, kernels that can own groups);
 *   2. the policy (net/balance.h: the one policy, shared with tools/lbsim) decides, from
 *      the kernels that may own groups (alive, able to, and listening on every port kernel 0
 *      listens on: stricter than kernel 0's spread, net/steer.h, which needs some port, since
 *      a group moved for load should land where all of its connections are served, not be
 *      handed on frame by frame) and the reports' ages, so that a late or missing report
 *      moves nothing;
 *   3. each move goes through SYS_STEER's move (the move exchange, kernel/netmove.h): nothing
 *      else changes the table. A line on the console says each move and why, and kernel 0's
 *      log keeps the last ones (LOAD_NOTE) for /status and `monitor show`.
 *
 * Files: main.c (options, the loop, acting), inputs.c (reports and table into the policy's
 * inputs), show.c (the lines it prints, and `monitor show`). */
#ifndef USER_MONITOR_MONITOR_H
#define USER_MONITOR_MONITOR_H

#include "user/lib/flotilla.h"
#include "net/balance.h"

#define MON_KERNELS       64            /* kernel/urpc/shared.h's MAX_KERNELS */
#define MON_GROUPS        SYS_STEER_BUCKETS
#define MON_MAX_MOVES     SYS_LOAD_NOTE_MAX     /* a period's moves, the dead's included */
#define MON_SERVING_MS    1000          /* how often the listeners are looked at again */

/* One period's inputs, and what the policy is given of them. */
struct mon_inputs {
	unsigned nkernels;
	struct sys_load load[MON_KERNELS];
	struct sys_steer_table table;
	uint64_t serving;               /* bit k: listens on every port kernel 0 listens on */
	uint64_t eligible;              /* bit k: may own groups (alive, can own, serving) */
	struct lb_kernel_report rep[MON_KERNELS];
	struct lb_group_load grp[MON_GROUPS];
	uint16_t owner[MON_GROUPS];
};

/* inputs.c */
/* The kernels that listen on every port kernel 0 does (none if kernel 0 listens on none). */
uint64_t mon_serving(unsigned nkernels);
/* Every kernel's report and the table into in; -1 with errno if either call failed. */
int mon_gather(struct mon_inputs *in);
/* Bit k: kernel k owns a group in the table gathered. */
uint64_t mon_owners(const struct mon_inputs *in);
/* The policy's inputs from what was gathered and in->serving. */
void mon_prepare(struct mon_inputs *in);
/* A kernel's load as the policy weighs it (net/balance.h, step 2), for what is printed. */
uint32_t mon_load_pm(const struct lb_params *p, const struct sys_load *l);
/* The mean of that load over the kernels whose reports the policy may act on. */
uint32_t mon_mean_pm(const struct lb_params *p, const struct mon_inputs *in);

/* show.c */
/* "0,1,3" into buf. */
void mon_kernel_list(uint64_t set, char *buf, size_t len);
/* The line for one move: lead, then the move and why; refused: why it was refused, or NULL. */
void mon_print_move(const char *lead, const struct sys_load_move *m, const char *refused);
/* `monitor show`: every kernel's load and the log's last moves; the exit status. */
int mon_show(void);

#endif
