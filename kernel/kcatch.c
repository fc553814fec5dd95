/* kcatch: hands a fault or panic back to the test that armed the catch. */
#include "kernel/kcatch.h"
#include "kernel/arch/x86_64/trap.h"
#include "lib/string.h"

static struct kcatch *kcatch_active;

void kcatch_arm(struct kcatch *c)
{
	c->kind = KCATCH_NONE;
	c->message[0] = '\0';
	kcatch_active = c;
}

void kcatch_end(void)
{
	kcatch_active = NULL;
}

/* Called for every exception; returns when nothing is armed. The jump restores the test's
 * stack and RFLAGS, so it also leaves an IST stack or a guard-page-faulted stack behind. */
void kcatch_trap(const struct trap_frame *f, uint64_t cr2)
{
	struct kcatch *c = kcatch_active;

	if (!c)
		return;
	kcatch_active = NULL;
	c->kind = KCATCH_TRAP;
	c->vector = f->vector;
	c->error = f->error;
	c->rip = f->rip;
	c->cr2 = cr2;
	klongjmp(&c->jb, 1);
}

void kcatch_panic(const char *message)
{
	struct kcatch *c = kcatch_active;

	if (!c)
		return;
	kcatch_active = NULL;
	c->kind = KCATCH_PANIC;
	strlcpy(c->message, message, sizeof(c->message));
	klongjmp(&c->jb, 1);
}
