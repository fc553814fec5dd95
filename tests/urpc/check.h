/* The URPC suite's report: one "PASS urpc.name" or "FAIL urpc.name: why" line per check, for
 * tests/run.sh to count; failures decides each program's exit status. */
#ifndef TESTS_URPC_CHECK_H
#define TESTS_URPC_CHECK_H

#include <stdio.h>

static int failures;

static inline void check(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("PASS urpc.%s\n", name);
	} else {
		printf("FAIL urpc.%s: %s\n", name, why);
		failures++;
	}
}

#endif
