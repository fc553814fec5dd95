/* kcatch: lets a kernel test provoke a fault or a panic and get control back, to check
 * that the fault was detected and reported as it should be. */
#ifndef KERNEL_KCATCH_H
#define KERNEL_KCATCH_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

struct kjmp_buf {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags;
};

int ksetjmp(struct kjmp_buf *b) __attribute__((returns_twice));
__attribute__((noreturn)) void klongjmp(struct kjmp_buf *b, int val);

enum kcatch_kind {
	KCATCH_NONE,
	KCATCH_TRAP,            /* an exception: vector, error, rip, cr2 are set */
	KCATCH_PANIC,           /* a panic: message is set */
};

struct kcatch {
	struct kjmp_buf jb;
	enum kcatch_kind kind;
	uint64_t vector, error, rip, cr2;
	char message[160];
};

/* if (kcatch_try(&c) == 0) { provoke; kcatch_end(); } else { inspect c } */
#define kcatch_try(c) (kcatch_arm(c), ksetjmp(&(c)->jb))

void kcatch_arm(struct kcatch *c);
void kcatch_end(void);
void kcatch_trap(const struct trap_frame *f, uint64_t cr2);
void kcatch_panic(const char *message);

#endif
