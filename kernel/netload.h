/* Load reports for the connection load balancer (DESIGN.md section 5, user/monitor): every
 * kernel measures its load over periods of NETLOAD_PERIOD_MS and keeps the latest, and
 * SYS_LOAD reads every kernel's at once. Kernel 0 also keeps the log of the balancer's last
 * moves, which /status shows.
 *
 * A period's report (struct sys_load, kernel/syscall.h): the share of it the kernel was not
 * halted in the idle loop (busy: processes, the network stack, messages), the connections
 * waiting in its listeners' accept queues at its end, and per RSS bucket the connections
 * opened in it and those live at its end (the TCP stack's counts, net/tcp.h).
 *
 * Reports are pulled, not pushed. The monitor's kernel asks every other kernel for its
 * latest report by a remote call (RCALL_LOAD) when the monitor is about to decide, at most
 * NETLOAD_BATCH kernels at a time, and waits at most NETLOAD_TIMEOUT_MS:
 *
 *   monitor's kernel                              kernel k (its idle loop)
 *   RCALL_LOAD ---------------------------------> the latest period, its age now
 *              <--------------------------------- 12 reply pieces
 *   age += the call's whole duration
 *
 * - A report is never older than a period plus the call, and nothing is sent while nobody
 *   asks. A push every period would cost twelve messages a kernel whether or not a monitor
 *   runs, and a late push could not be told from a fresh one: the kernels' clocks are their
 *   own. Here every age is the reporting kernel's own measure plus the caller's.
 * - A kernel that does not answer in time is reported as not reported (alive still, if its
 *   heartbeat runs): no older report stands in for it, and the balancer acts on neither. A
 *   kernel whose CPU a process hogs answers between the process's slices (kernel/sched.c). */
#ifndef KERNEL_NETLOAD_H
#define KERNEL_NETLOAD_H

#include <stdint.h>
#include "kernel/syscall.h"

#define NETLOAD_PERIOD_MS  100
#define NETLOAD_TIMEOUT_MS 250
#define NETLOAD_BATCH      4

/* From the idle loop: ends the period when it is due and begins the next. */
void netload_poll(void);
/* This kernel's latest report, its age now. */
void netload_report(struct sys_load *out);
/* Every kernel's (all[ncores]): this one's locally, the others' by RCALL_LOAD. */
void netload_gather(struct sys_load *all);
/* Kernel 0: the log's moves, oldest first; returns how many (at most max). */
unsigned netload_moves(struct sys_load_move *out, unsigned max);
/* SYS_LOAD (kernel/syscall.h). */
int64_t netload_syscall(uint64_t op, uint64_t ubuf, uint64_t n);

#endif
