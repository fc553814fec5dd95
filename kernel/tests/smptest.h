/* Cross-kernel test steps: every kernel serves them (kernel/tests/smptest.c); kernel 0's tests
 * (kernel/tests/ktest_smp.c) ask for them. */
#ifndef KERNEL_SMPTEST_H
#define KERNEL_SMPTEST_H

#include <stdint.h>
#include "kernel/tests/ktest_msg.h"

#define SMPTEST_GLOBAL_INITIAL 0x5EEDul

/* Each kernel's own copy; tests change kernel 0's and read the others'. */
extern volatile uint64_t smp_test_global;

struct pingpong_result {
	uint64_t ok;            /* answers with the right sequence and pattern */
	uint64_t rtt_min, rtt_median, rtt_p99, rtt_max;  /* TSC cycles */
};

void smptest_init(void);
/* Sends req to core and waits for the reply with the same op (and stage, for DEAF). */
int smptest_request(unsigned core, const struct urpc_test *req, struct urpc_test *reply,
		    unsigned timeout_ms);
int smptest_send(unsigned core, const struct urpc_test *req);
int smptest_wait_reply(unsigned core, uint32_t op, struct urpc_test *reply, unsigned timeout_ms);
/* Sends req to core and waits for its reply sleeping, so that this kernel's main loop runs
 * meanwhile (its NIC, its steering, its URPC): the reply's status, or -ETIMEDOUT. */
int smptest_ask_serving(unsigned core, const struct urpc_test *req, struct urpc_test *reply,
			unsigned timeout_ms);
/* Pings `peer` count times from this kernel and checks every answer. */
int smptest_pingpong(unsigned peer, unsigned count, struct pingpong_result *res);
uint64_t smptest_fills_seen(void);

#endif
