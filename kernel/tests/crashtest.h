/* Deliberate kernel faults, chosen by crash= on the command line, to prove that the fatal
 * paths report what happened (tests/kernel/run.sh checks the report). */
#ifndef KERNEL_CRASHTEST_H
#define KERNEL_CRASHTEST_H

#include <stdint.h>

/* Address crashtests read to provoke a page fault: in the MMIO window, never mapped. */
#define CRASHTEST_BAD_ADDR 0xFFFFF7FFDEAD0000ul

void crashtest_run(const char *kind);

/* The faulting functions, also used by the ktests that catch these faults. */
uint64_t crashtest_read(uint64_t addr);
uint64_t crashtest_divide(uint64_t a, uint64_t b);
void crashtest_recurse(void *depth);
void crashtest_invalid_opcode(void);

#endif
