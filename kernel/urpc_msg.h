/* Every URPC message type of the system, with its payload layout (at most 56 bytes). */
#ifndef KERNEL_URPC_MSG_H
#define KERNEL_URPC_MSG_H

#include <stdint.h>
#include "kernel/urpc.h"

enum urpc_type {
	/* A piece of a console line, any kernel -> kernel 0. Payload: the bytes. Flags:
	 * URPC_F_END on the line's last piece. Kernel 0 prints the line tagged "[kN]". */
	URPC_CONSOLE = 1,
	/* AP -> kernel 0 once it is initialised: struct urpc_hello. */
	URPC_HELLO = 2,
	/* Echo request and its answer, any pair: struct urpc_ping, returned unchanged. */
	URPC_PING = 3,
	URPC_PONG = 4,
	/* Kernel 0 -> an AP: run a test step (struct urpc_test); the AP answers with
	 * URPC_TEST_REPLY carrying the same op and its results. */
	URPC_TEST_REQ = 5,
	URPC_TEST_REPLY = 6,
	/* Push-back test traffic, kernel 0 -> an AP: struct urpc_fill. */
	URPC_FILL = 7,
	/* A process's request to another kernel (kernel/rcall.c): struct urpc_rcall pieces,
	 * URPC_F_END on the last; the answer is URPC_RCALL_REPLY pieces, URPC_F_END on the
	 * last, each a struct urpc_rcall_reply. */
	URPC_RCALL_REQ = 8,
	URPC_RCALL_REPLY = 9,
	/* The queue-attach handshake (kernel/nicq.h draws it): a kernel -> kernel 0, which owns
	 * the NIC: start a queue pair on rings in the sender's memory and send its receive
	 * interrupts to the sender (struct urpc_nicq_attach). Kernel 0 answers
	 * URPC_NICQ_ATTACHED (struct urpc_nicq_attached); the sender confirms with
	 * URPC_NICQ_CONFIRM (struct urpc_nicq_confirm) and then drives the queue alone. */
	URPC_NICQ_ATTACH = 10,
	URPC_NICQ_ATTACHED = 11,
	/* Kernel 0 -> every kernel, once its interface is configured and to each kernel that
	 * comes up later: what the interface is (struct urpc_net_config), then each ARP entry
	 * it holds. */
	URPC_NET_CONFIG = 12,
	/* Kernel 0 -> every kernel: an address whose MAC kernel 0 learned or saw change (ARP
	 * frames are not hashed and reach queue 0 only): struct urpc_arp_learned. */
	URPC_ARP_LEARNED = 13,
	/* Any kernel -> kernel 0, when the set changes: the TCP ports it listens on (struct
	 * urpc_listening), which decide whether it gets RSS buckets (net/steer.h). */
	URPC_LISTENING = 14,
	/* Kernel 0 -> a kernel driving a queue, after the redirection table changed: which
	 * RSS buckets are now that kernel's (struct urpc_buckets), so that its connect()
	 * picks ports whose answers reach it. */
	URPC_BUCKETS = 15,
	URPC_NICQ_CONFIRM = 16,
	URPC_TYPE_LAST = URPC_NICQ_CONFIRM,
};

enum urpc_rcall_op {
	RCALL_INFO = 1,         /* reply: one struct sys_kinfo */
	RCALL_PS = 2,           /* reply: one struct sys_procinfo per process */
	RCALL_SPAWN = 3,        /* data: "path\0arg\0...": reply status = pid or -errno */
	RCALL_KILL = 4,         /* data: u32 pid; reply status 0 or -errno */
};

#define URPC_RCALL_DATA 48

struct urpc_rcall {
	uint32_t id;
	uint16_t op;
	uint16_t len;           /* bytes of data used */
	uint8_t data[URPC_RCALL_DATA];
};

struct urpc_rcall_reply {
	uint32_t id;
	int32_t status;
	uint8_t data[URPC_RCALL_DATA];
};
_Static_assert(sizeof(struct urpc_rcall) <= URPC_PAYLOAD, "rcall fits a slot");
_Static_assert(sizeof(struct urpc_rcall_reply) <= URPC_PAYLOAD, "rcall reply fits a slot");

#define URPC_F_END 0x01

struct urpc_net_config {
	uint8_t mac[6];
	uint8_t queues;         /* kernels below this drive a queue pair each (nic_plan_seat) */
	uint8_t pad;
	uint32_t ip, mask, gateway;     /* host order */
};

struct urpc_arp_learned {
	uint32_t ip;
	uint8_t mac[6];
};

struct urpc_buckets {
	uint64_t mine[2];       /* bit b: RSS bucket b (hash bits 6:0) */
};

#define URPC_LISTEN_PORTS 26

struct urpc_listening {
	uint16_t count;         /* ports listened on; above URPC_LISTEN_PORTS: more than fit */
	uint16_t port[URPC_LISTEN_PORTS];       /* each once; the first count of them */
};

struct urpc_hello {
	uint32_t apic_id;
	uint32_t free_mib;
	uint64_t part_base, part_size;
};

struct urpc_ping {
	uint64_t seq;
	uint64_t tsc;           /* sender's TSC when sent, for latency */
	uint8_t pattern[40];    /* derived from seq; checked by the pinger */
};

enum urpc_test_op {
	TEST_OP_READ_GLOBAL = 1,        /* reply arg[0] = the AP's smp_test_global */
	TEST_OP_PROBE = 2,              /* read arg[0] (a kernel VA); reply vector, cr2 */
	TEST_OP_PINGPONG = 3,           /* ping kernel arg[0] arg[1] times; reply ok count */
	TEST_OP_DEAF = 4,               /* stop polling for arg[0] ms, then count FILLs */
	TEST_OP_PANIC = 5,              /* panic now */
	TEST_OP_ECHO = 6,               /* reply arg[0] + core id */
	TEST_OP_FILL_STATS = 7,         /* reply FILLs taken and out of order; arg[0]=1 resets */
	/* Drive igb queue pair arg[0] from this kernel (nicq_attach), its interrupts
	 * on vector arg[1]; reply the attach's status. */
	TEST_OP_NICQ_ATTACH = 8,
	/* Send on that queue an ICMP echo request from MAC arg[2] / IPv4 arg[4] >> 32 to MAC
	 * arg[3] / IPv4 arg[4] & 0xFFFFFFFF and wait for the reply on the queue. Reply 0 when
	 * it came, arg[0] interrupts taken, arg[1] frames received. */
	TEST_OP_NICQ_PING = 9,
	/* Ask kernel 0 for queue arg[0] on rings at address 0 (nicq_ask), without
	 * allocating or driving anything; reply the owner's answer. */
	TEST_OP_NICQ_ASK = 10,
	/* reply arg[0..2] = ip, mask, gateway as this kernel knows them, arg[3] = its MAC,
	 * arg[4] = the gateway's MAC in its ARP cache (0: none); MACs as 48-bit numbers */
	TEST_OP_NET_VIEW = 11,
	/* ping arg[0] through this kernel's own stack and queue, arg[1] times; reply arg[0] =
	 * echo replies its stack took, arg[1] = frames its queue received, arg[2] = its queue's
	 * interrupts; -ENODEV if it drives no queue */
	TEST_OP_STACK_PING = 12,
	/* arg[1] TCP connections from this kernel's own stack to arg[0] port arg[2], where
	 * nothing listens; reply arg[0] = refused (the RST reached this kernel), arg[1] = no
	 * answer within a second, arg[2] = other outcomes */
	TEST_OP_STACK_CONNECT = 13,
	/* Ask kernel 0 for igb queue pair arg[0] on rings of this kernel's own (vector
	 * VEC_NICQ_TEST), and never confirm; rings the owner refused outright are given back.
	 * Reply the answer's status, or the error that left it unanswered. */
	TEST_OP_NICQ_UNCONFIRMED = 14,
};

struct urpc_test {
	uint32_t op;
	int32_t status;         /* reply: 0 or -errno */
	uint64_t arg[6];
};

_Static_assert(sizeof(struct urpc_hello) <= URPC_PAYLOAD, "hello fits a slot");
_Static_assert(sizeof(struct urpc_net_config) <= URPC_PAYLOAD, "net config fits a slot");
_Static_assert(sizeof(struct urpc_listening) <= URPC_PAYLOAD, "listening ports fit a slot");
_Static_assert(sizeof(struct urpc_ping) <= URPC_PAYLOAD, "ping fits a slot");
_Static_assert(sizeof(struct urpc_test) <= URPC_PAYLOAD, "test request fits a slot");

struct urpc_fill {
	uint64_t seq;
};

struct urpc_nicq_attach {
	uint64_t rx_ring_pa, tx_ring_pa;        /* the queue's descriptor rings */
	uint32_t queue;                         /* queue pair index, >= 1 */
	uint32_t apic_id;                       /* where its receive interrupts go */
	uint32_t seq;                           /* the requester's, echoed in the answer */
	uint8_t vector;
};

struct urpc_nicq_attached {
	int32_t status;                         /* 0 or -errno */
	uint32_t queue;
	uint32_t seq;                           /* the request's */
	uint32_t rings_held;                    /* nonzero: the NIC may point at the rings */
	uint64_t regs_pa, regs_size;            /* the device's registers, to map for the tails */
};

struct urpc_nicq_confirm {
	uint32_t queue;
	uint32_t seq;                           /* the request's */
};
_Static_assert(sizeof(struct urpc_nicq_attach) <= URPC_PAYLOAD, "attach fits a slot");
_Static_assert(sizeof(struct urpc_nicq_attached) <= URPC_PAYLOAD, "attached fits a slot");
_Static_assert(sizeof(struct urpc_nicq_confirm) <= URPC_PAYLOAD, "confirm fits a slot");

#endif
