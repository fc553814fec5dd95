/* Random system calls for the usertests (sysfuzz.c). */
#ifndef USER_TESTS_SYSFUZZ_H
#define USER_TESTS_SYSFUZZ_H

#include "user/lib/flotilla.h"

/* count calls drawn from seed; returns 0 once all returned. */
int sysfuzz(uint64_t seed, unsigned count);

#endif
