/* Deliberate kernel faults, chosen by crash= on the command line, to prove that the fatal
 * paths report what happened (tests/kernel/run.sh checks the report). */
#ifndef KERNEL_CRASHTEST_H
#define KERNEL_CRASHTEST_H

#include <stdint.h>

/* Address crashtests read to provoke a page fault: in the MMIO window, never mapped. */
#define CRASHTEST_BAD_ADDR 0xFFFFF7FFDEAD0000ul

void crashtest_run(const char *kind);

/* Fault injection, kill_kernel=K@S on the command line: kernel K (not 0) panics once it has
 * been up S seconds, so that the others must outlive it (docs/ARCHITECTURE.md, a kernel's
 * death). crashtest_kill_arm reads the option at start; the idle loop calls
 * crashtest_kill_poll, which panics when the time comes. Kernel 0 is refused with a warning:
 * it holds the NIC's control part and the console, and its death ends the machine's
 * network. */
void crashtest_kill_arm(void);
void crashtest_kill_poll(void);

/* The faulting functions, also used by the ktests that catch these faults. */
uint64_t crashtest_read(uint64_t addr);
uint64_t crashtest_divide(uint64_t a, uint64_t b);
void crashtest_recurse(void *depth);
void crashtest_invalid_opcode(void);

#endif
