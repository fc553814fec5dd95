/* Load tests: a CPU hog leaves its kernel answering, and the load reports (kernel/netload.h)
 * say what each kernel does. */
#include "kernel/ktest.h"
#include "kernel/netload.h"
#include "kernel/rcall.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/urpc/shared.h"
#include "kernel/syscall.h"
#include "kernel/time.h"
#include "kernel/proc.h"
#include "kernel/urpc/msg.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Starts /bin/spin on kernel k with no listeners (RCALL_SPAWN's data, msg.h): its pid. */
static int spawn_spin(unsigned k)
{
	static const char req[] = "\0/bin/spin\0spin";
	return rcall(k, RCALL_SPAWN, req, sizeof(req), NULL, 0, NULL);
}

/* Kernel k's state by RCALL_INFO, answered within a second; -errno if not. */
static int info_within_a_second(unsigned k, struct sys_kinfo *ki)
{
	unsigned got = 0;
	int call = rcall_start(k, RCALL_INFO, NULL, 0, ki, 1);
	if (call < 0)
		return call;
	int err = rcall_finish(call, time_uptime_ms() + 1000, &got);
	return err < 0 ? err : got == 1 ? 0 : -EIO;
}

/* The ticks kernel k's process pid has run for, or 0 if it is not listed. */
static uint64_t ticks_of(unsigned k, int pid)
{
	static struct sys_procinfo ps[PROC_MAX_LIST];
	unsigned n = 0;
	if (rcall(k, RCALL_PS, NULL, 0, ps, PROC_MAX_LIST, &n) < 0)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (ps[i].pid == pid)
			return ps[i].ticks;
	return 0;
}

/* A process that never makes a system call has the CPU of kernel 1 (kernel/sched.c): its
 * kernel still serves remote calls between its slices, the hog still gets most of the time,
 * and a kill reaches it. */
KTEST_NEEDS(sched_a_hog_leaves_its_kernel_answering, "kernels>=2")
{
	struct sys_kinfo before, during = { 0 };
	if (kself.ncores < 2) {
		ktest_skip("needs 2 kernels");
		return;
	}
	KASSERT(info_within_a_second(1, &before) == 0);
	int pid = spawn_spin(1);
	KASSERT(pid > 0);
	sched_sleep_ms(300);
	uint64_t t0 = ticks_of(1, pid), start = time_uptime_ms();
	for (int i = 0; i < 5; i++) {
		KEXPECT_EQ(info_within_a_second(1, &during), 0);
		sched_sleep_ms(100);
	}
	uint64_t ran = ticks_of(1, pid) - t0, span = time_uptime_ms() - start;
	/* Most of kernel 1's time: at least half of the ticks in the span (HZ = 100). */
	KEXPECT(ran * 1000 >= span * HZ / 2);
	KEXPECT_EQ(during.nprocs, before.nprocs + 1);
	KEXPECT_EQ(rcall(1, RCALL_KILL, &(uint32_t){ (uint32_t)pid }, 4, NULL, 0, NULL), 0);
	for (int i = 0; i < 50 && during.nprocs != before.nprocs; i++) {
		sched_sleep_ms(20);
		KASSERT(info_within_a_second(1, &during) == 0);
	}
	KEXPECT_EQ(during.nprocs, before.nprocs);
}

/* Kernel 1's reports (netload.h) with a hog on it and after: busy through and through, then
 * idle again; every report fresh, and each later one a later period. */
KTEST_NEEDS(load_reports_show_a_hogged_kernel_busy_then_idle, "kernels>=2")
{
	static struct sys_load all[MAX_KERNELS], again[MAX_KERNELS];
	struct sys_kinfo ki;
	if (kself.ncores < 2) {
		ktest_skip("needs 2 kernels");
		return;
	}
	int pid = spawn_spin(1);
	KASSERT(pid > 0);
	sched_sleep_ms(400);
	netload_gather(all);
	for (unsigned k = 0; k < kself.ncores; k++) {
		KEXPECT(all[k].core == k && all[k].alive && all[k].reported);
		KEXPECT(all[k].age_ms < NETLOAD_PERIOD_MS + NETLOAD_TIMEOUT_MS);
	}
	KEXPECT(all[1].busy_pm >= 800);
	KEXPECT(all[0].busy_pm < 500);          /* kernel 0: this test, asleep */
	KEXPECT_EQ(rcall(1, RCALL_KILL, &(uint32_t){ (uint32_t)pid }, 4, NULL, 0, NULL), 0);
	sched_sleep_ms(400);
	netload_gather(again);
	KEXPECT(again[1].reported && again[1].seq > all[1].seq);
	KEXPECT(again[1].busy_pm < 500);
	KEXPECT(info_within_a_second(1, &ki) == 0);
}

/* Several processes of one kernel may call the same kernel at once (the monitor's reports
 * every period while httpd lists the kernels, say): each call is answered, none is lost to
 * another that is still being served there. */
KTEST_NEEDS(rcall_calls_under_way_at_once_to_one_kernel_are_all_answered, "kernels>=2")
{
	enum { CALLS = 6 };
	static struct sys_kinfo ki[CALLS];
	static struct sys_load load[CALLS];
	int call[2 * CALLS];
	if (kself.ncores < 2) {
		ktest_skip("needs 2 kernels");
		return;
	}
	uint64_t deadline = time_uptime_ms() + 2000;
	for (unsigned i = 0; i < CALLS; i++) {
		call[2 * i] = rcall_start(1, RCALL_INFO, NULL, 0, &ki[i], 1);
		call[2 * i + 1] = rcall_start(1, RCALL_LOAD, NULL, 0, &load[i],
					      sizeof(load[i]) / URPC_RCALL_DATA);
	}
	for (unsigned i = 0; i < 2 * CALLS; i++) {
		unsigned got = 0;
		if (call[i] < 0) {
			KEXPECT(call[i] == -EAGAIN);    /* every slot here taken: refused, not lost */
			continue;
		}
		KEXPECT_EQ(rcall_finish(call[i], deadline, &got), 0);
		KEXPECT(got > 0);
	}
	for (unsigned i = 0; i < CALLS; i++)
		KEXPECT(ki[i].core == 1 || call[2 * i] < 0);
}
