/* The URPC messages of the in-kernel tests and the URPC benchmark, in the range that
 * kernel/urpc/msg.h reserves for them (URPC_TEST_FIRST..URPC_TEST_LAST). */
#ifndef KERNEL_TESTS_KTEST_MSG_H
#define KERNEL_TESTS_KTEST_MSG_H

#include <stdint.h>
#include "kernel/urpc/msg.h"

enum urpc_test_type {
	/* Echo request and its answer, any pair: struct urpc_ping, returned unchanged. The
	 * URPC benchmark (make bench-urpc) times them. */
	URPC_PING = URPC_TEST_FIRST,
	URPC_PONG,
	/* Kernel 0 -> an AP: run a test step (struct urpc_test); the AP answers with
	 * URPC_TEST_REPLY carrying the same op and its results. */
	URPC_TEST_REQ,
	URPC_TEST_REPLY,
	/* Push-back test traffic, kernel 0 -> an AP: struct urpc_fill. */
	URPC_FILL,
	URPC_TEST_TYPE_LAST = URPC_FILL,
};
_Static_assert(URPC_TEST_TYPE_LAST <= URPC_TEST_LAST, "test types stay in their range");

struct urpc_ping {
	uint64_t seq;
	uint64_t tsc;           /* sender's TSC when sent, for latency */
	uint8_t pattern[40];    /* derived from seq; checked by the pinger */
};

enum urpc_test_op {
	TEST_OP_READ_GLOBAL = 1,        /* reply arg[0] = the AP's smp_test_global, arg[1]
					   its physical address */
	TEST_OP_PROBE = 2,              /* read arg[0] (a kernel VA); reply vector, cr2 */
	TEST_OP_PINGPONG = 3,           /* ping kernel arg[0] arg[1] times; reply ok count */
	TEST_OP_DEAF = 4,               /* stop polling for arg[0] ms, then count FILLs */
	TEST_OP_PANIC = 5,              /* panic now */
	TEST_OP_ECHO = 6,               /* reply arg[0] + core id */
	TEST_OP_FILL_STATS = 7,         /* reply FILLs taken and out of order; arg[0]=1 resets */
	/* Drive igb queue pair arg[0] from this kernel (netdev_queue_attach), its interrupts
	 * on vector arg[1]; reply the attach's status. */
	TEST_OP_NICQ_ATTACH = 8,
	/* Send on that queue an ICMP echo request from MAC arg[2] / IPv4 arg[4] >> 32 to MAC
	 * arg[3] / IPv4 arg[4] & 0xFFFFFFFF and wait for the reply on the queue. Reply 0 when
	 * it came, arg[0] interrupts taken, arg[1] frames received. */
	TEST_OP_NICQ_PING = 9,
	/* Ask kernel 0 for queue arg[0] on rings at address 0 (netdev_queue_ask), without
	 * allocating or driving anything; reply the owner's answer. */
	TEST_OP_NICQ_ASK = 10,
	/* reply arg[0..2] = ip, mask, gateway as this kernel knows them, arg[3] = its MAC,
	 * arg[4] = the gateway's MAC in its ARP cache (0: none); MACs as 48-bit numbers */
	TEST_OP_NET_VIEW = 11,
	/* ping arg[0] through this kernel's own stack and queue, arg[1] times; reply arg[0] =
	 * echo replies its stack took, arg[1] = frames its queue received (or, steered in
	 * software, that kernel 0 handed it), arg[2] = its queue's interrupts; -ENODEV if it
	 * has no interface */
	TEST_OP_STACK_PING = 12,
	/* arg[1] TCP connections from this kernel's own stack to arg[0] port arg[2], where
	 * nothing listens; reply arg[0] = refused (the RST reached this kernel), arg[1] = no
	 * answer within a second, arg[2] = other outcomes */
	TEST_OP_STACK_CONNECT = 13,
	/* reply arg[0] = URPC messages this kernel dropped for their unknown type, arg[1] = for
	 * their length (peer_unknown_messages, peer_malformed_messages) */
	TEST_OP_PEER_DROPS = 14,
	/* Ask kernel 0 for igb queue pair arg[0] on rings of this kernel's own (vector
	 * VEC_NICQ_TEST), and never confirm; rings the owner refused outright are given back.
	 * With arg[2] nonzero, the request states [arg[1], arg[1] + arg[2]) as where its
	 * buffers lie instead of where they do. Reply the answer's status, or the error that
	 * left it unanswered. */
	TEST_OP_NICQ_UNCONFIRMED = 15,
	/* A TCP connection from this kernel's own stack to arg[0] port arg[1] (an echo server),
	 * kept for the next two operations; reply arg[0] = its local port, arg[1] = its state
	 * (-ETIMEDOUT unless it was established within 3 s) */
	TEST_OP_MOVE_OPEN = 16,
	/* send arg[0] bytes (pattern arg[1]) on it and read them back; reply arg[0] = bytes that
	 * came back equal, arg[1] = its state, arg[2] = its error (0 while open) */
	TEST_OP_MOVE_ECHO = 17,
	/* close it, and wait until the peer's FIN ends it; reply arg[1] = its state then */
	TEST_OP_MOVE_CLOSE = 18,
	/* write arg[1] to arg[0] (a kernel VA); reply arg[0] = 1 if it faulted, arg[1] = the
	 * vector, arg[2] = cr2, arg[3] = the error code */
	TEST_OP_POKE = 19,
};

struct urpc_test {
	uint32_t op;
	int32_t status;         /* reply: 0 or -errno */
	uint64_t arg[6];
};

struct urpc_fill {
	uint64_t seq;
};

_Static_assert(sizeof(struct urpc_ping) <= URPC_PAYLOAD, "ping fits a slot");
_Static_assert(sizeof(struct urpc_test) <= URPC_PAYLOAD, "test request fits a slot");

#endif
