/* User-space tests from the kernel's side: the usertests program passes, and processes
 * leave nothing behind. */
#include "kernel/ktest.h"
#include "kernel/bootinfo.h"
#include "kernel/netdev.h"
#include "kernel/smp.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "kernel/mm/pmm.h"
#include "kernel/proc.h"
#include "lib/errno.h"

KTEST(user_usertests_pass)
{
	const char *argv[] = { "usertests" };
	int pid, status = -1;
	KASSERT(proc_spawn("/bin/usertests", 1, argv, PROC_PARENT_KERNEL, &pid) == 0);
	KASSERT(proc_wait(PROC_PARENT_KERNEL, pid, &status) == pid);
	KEXPECT_EQ(status, 0);
	KEXPECT_EQ(proc_count(), 0);
}

/* Random system calls from user space (user/tests/sysfuzz.c through usertests' one test):
 * on one boot only (tests/kernel/run.sh's bios2), as it takes some seconds. */
KTEST_NEEDS(user_random_system_calls_get_errnos, "sysfuzz=1")
{
	const char *argv[] = { "usertests", "sysfuzz" };
	uint64_t on = 0;
	int pid, status = -1;
	if (cmdline_get_u64(boot_info.cmdline, "sysfuzz", &on) || on != 1) {
		ktest_skip("needs sysfuzz=1");
		return;
	}
	KASSERT(proc_spawn("/bin/usertests", 2, argv, PROC_PARENT_KERNEL, &pid) == 0);
	KASSERT(proc_wait(PROC_PARENT_KERNEL, pid, &status) == pid);
	KEXPECT_EQ(status, 0);
	KEXPECT_EQ(proc_count(), 0);
}

KTEST(user_spawn_refuses_what_is_not_a_program)
{
	int pid;
	const char *argv[] = { "x" };
	KEXPECT(proc_spawn("/no/such", 1, argv, PROC_PARENT_KERNEL, &pid) == -ENOENT);
	KEXPECT(proc_spawn("/etc/init.conf", 1, argv, PROC_PARENT_KERNEL, &pid) == -ENOEXEC);
	KEXPECT(proc_spawn("/bin", 1, argv, PROC_PARENT_KERNEL, &pid) == -EACCES);
	KEXPECT(proc_spawn("/bin/hello", PROC_MAX_ARGS + 1, argv, PROC_PARENT_KERNEL, &pid) == -E2BIG);
	KEXPECT_EQ(proc_count(), 0);
}

/* The single socket (net/socket.h): a process on kernel 0 hands its listener to a worker it
 * spawns on kernel 1, which finds a replica at descriptor 3. utest-child's "share" mode
 * checks it from user space and exits with the number of the first check that failed. */
KTEST_NEEDS(user_listener_replicated_for_a_worker_on_kernel1, "nic kernels>=2 !net=kernel0")
{
	const char *argv[] = { "utest-child", "share" };
	int pid, status = -1;
	if (kself.ncores < 2 || !netdev_netif() || !netdev_stack_per_kernel()) {
		ktest_skip("needs a NIC, a second kernel and a stack on each (not net=kernel0)");
		return;
	}
	KASSERT(proc_spawn("/bin/utest-child", 2, argv, PROC_PARENT_KERNEL, &pid) == 0);
	KASSERT(proc_wait(PROC_PARENT_KERNEL, pid, &status) == pid);
	KEXPECT_EQ(status, 0);
}
