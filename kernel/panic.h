/* panic(): the end of the line for states that cannot happen. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdint.h>

struct trap_frame;

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
__attribute__((noreturn)) void panic_after_trap(const struct trap_frame *f);
/* First step of every fatal path: interrupts off, console direct, peers told. */
void panic_begin(void);
void backtrace_print(uint64_t rbp);

/* Ends the run: under QEMU through isa-debug-exit, elsewhere by halting. */
#define KEXIT_PASS 0x10
#define KEXIT_FAIL 0x11
__attribute__((noreturn)) void kernel_exit(uint8_t code);

#endif
