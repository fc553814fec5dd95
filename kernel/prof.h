/* A sampling profiler for finding where a kernel's time goes: with profile=SECONDS on the
 * command line, every timer tick records the interrupted instruction, and every SECONDS the
 * kernel prints its most sampled functions ("prof:" lines) and starts again. */
#ifndef KERNEL_PROF_H
#define KERNEL_PROF_H

#include <stdint.h>

struct trap_frame;

void prof_init(void);
/* From the timer interrupt. */
void prof_tick(const struct trap_frame *f);
/* From the idle loop: prints the report when one is due. */
void prof_poll(void);

#endif
