/* In-kernel tests: each KTEST registers itself in the .ktests section and runs when the
 * command line names it (ktest=all or ktest=name1,name2).
 *
 * A test that cannot run on some machines says what it needs with KTEST_NEEDS(name, needs):
 * space-separated words, each one of
 *   kernels>=N         at least N kernels booted
 *   nic                an e1000 or an igb (a network interface)
 *   e1000, igb, e1000e that NIC on the machine
 *   ip=dhcp, net=kernel0, ...   that word on the command line
 *   !WORD              not that word on the command line
 * Only such a test may call ktest_skip(), and only when what it needs is missing; a plain
 * KTEST that skips fails. tests/kernel/run.sh reads the words from the source and knows
 * each boot's machine: a test whose needs the machine meets must run (a skip there is a
 * failure), and one whose needs it does not meet must skip. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdbool.h>
#include <stdint.h>

struct ktest {
	const char *name;
	void (*fn)(void);
	const char *file;
	const char *needs;              /* "" for a test that runs everywhere */
};

#define KTEST_NEEDS(tname, tneeds)                                                      \
	static void ktest_fn_##tname(void);                                             \
	static const struct ktest ktest_rec_##tname                                     \
		__attribute__((used, section(".ktests"), aligned(8))) = {                \
			#tname, ktest_fn_##tname, __FILE__, tneeds };                   \
	static void ktest_fn_##tname(void)

#define KTEST(tname) KTEST_NEEDS(tname, "")

void ktest_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Checks record a failure and go on, so one run reports every broken expectation. */
#define KEXPECT(cond)                                                                   \
	do {                                                                            \
		if (!(cond))                                                            \
			ktest_fail(__FILE__, __LINE__, "expected %s", #cond);           \
	} while (0)

#define KEXPECT_EQ(a, b)                                                                \
	do {                                                                            \
		uint64_t ka_ = (uint64_t)(a), kb_ = (uint64_t)(b);                      \
		if (ka_ != kb_)                                                         \
			ktest_fail(__FILE__, __LINE__, "expected %s == %s (0x%lx vs 0x%lx)", \
				   #a, #b, ka_, kb_);                                   \
	} while (0)

/* Returns from the test when the condition fails: for checks later steps depend on. */
#define KASSERT(cond)                                                                   \
	do {                                                                            \
		if (!(cond)) {                                                          \
			ktest_fail(__FILE__, __LINE__, "assertion %s failed", #cond);   \
			return;                                                         \
		}                                                                       \
	} while (0)

bool ktest_contains(const char *haystack, const char *needle);
/* Marks the running test as not applicable here, for want of what its KTEST_NEEDS names
 * (reported SKIP, counted neither way). */
void ktest_skip(const char *why);

/* Runs the tests named by spec; returns the number that failed. */
int ktest_run(const char *spec, unsigned *passed);

#endif
