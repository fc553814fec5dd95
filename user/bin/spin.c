/* A CPU hog: burns its kernel's time until killed (`run /bin/spin @1`), so that the load
 * balancer (user/monitor) has an overloaded kernel to move flow groups away from. It makes
 * no system call while it spins: only the timer's preemption takes the CPU from it, which is
 * what a compute-bound program does to the kernel's network polling (kernel/sched.c). */
#include "user/lib/flotilla.h"

/* Work the compiler cannot drop: a value the loop's result is stored to. */
static volatile uint64_t sink;

int main(int argc, char **argv)
{
	struct sys_kernel_info ki;
	uint64_t x = 1;
	(void)argc;
	(void)argv;
	if (kernel_info(&ki) == 0)
		printf("spin: burning kernel %u's time as pid %d until killed\n", ki.core, getpid());
	for (;;) {
		for (unsigned i = 0; i < 1000000; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		sink = x;
	}
}
