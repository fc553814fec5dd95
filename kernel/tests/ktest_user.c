/* User-space tests from the kernel's side: the usertests program passes, and processes
 * leave nothing behind. */
#include "kernel/ktest.h"
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
