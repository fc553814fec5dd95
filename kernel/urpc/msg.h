/* URPC's message catalogue: every message type of the system, with its payload layout (at
 * most URPC_PAYLOAD bytes). Channels (kernel/urpc/urpc.h) carry them; kernel/urpc/peer.c hands each to
 * the handler registered for its type. The tests' own types are in kernel/tests/ktest_msg.h. */
#ifndef KERNEL_URPC_MSG_H
#define KERNEL_URPC_MSG_H

#include <stdint.h>
#include "kernel/urpc/urpc.h"

enum urpc_type {
	/* A piece of a console line, any kernel -> kernel 0. Payload: the bytes. Flags:
	 * URPC_F_END on the line's last piece. Kernel 0 prints the line tagged "[kN]". */
	URPC_CONSOLE = 1,
	/* AP -> kernel 0 once it is initialised: struct urpc_hello. */
	URPC_HELLO = 2,
	/* A process's request to another kernel (kernel/rcall.c): struct urpc_rcall pieces,
	 * URPC_F_FIRST on the first, URPC_F_END on the last; the answer is URPC_RCALL_REPLY
	 * pieces, URPC_F_END on the last, each a struct urpc_rcall_reply. */
	URPC_RCALL_REQ = 3,
	URPC_RCALL_REPLY = 4,
	/* The queue-attach handshake (kernel/nicq.h draws it): a kernel -> kernel 0, which owns
	 * the NIC: start a queue pair on rings in the sender's memory and send its receive
	 * interrupts to the sender (struct urpc_nicq_attach). Kernel 0 answers
	 * URPC_NICQ_ATTACHED (struct urpc_nicq_attached); the sender confirms with
	 * URPC_NICQ_CONFIRM (struct urpc_nicq_confirm) and then drives the queue alone. */
	URPC_NICQ_ATTACH = 5,
	URPC_NICQ_ATTACHED = 6,
	/* Kernel 0 -> every kernel, once its interface is configured and to each kernel that
	 * comes up later: what the interface is (struct urpc_net_config), then each ARP entry
	 * it holds. */
	URPC_NET_CONFIG = 7,
	/* Kernel 0 -> every kernel: an address whose MAC kernel 0 learned or saw change (ARP
	 * frames are not hashed and reach queue 0 only): struct urpc_arp_learned. */
	URPC_ARP_LEARNED = 8,
	/* Any kernel with a stack -> every other kernel, when the set changes: the TCP ports it
	 * listens on (struct urpc_listening), which decide whether it gets RSS buckets
	 * (net/steer.h) and where segments for them go (kernel/netports.h). */
	URPC_LISTENING = 9,
	/* Kernel 0 -> a kernel driving a queue, after the redirection table changed: which
	 * RSS buckets are now that kernel's (struct urpc_buckets), so that its connect()
	 * picks ports whose answers reach it. */
	URPC_BUCKETS = 10,
	URPC_NICQ_CONFIRM = 11,
	/* Software steering (kernel/swsteer.h), frames by reference into the packet pool
	 * (kernel/urpc/pool.h): kernel 0 -> a kernel without a queue of its own, or any kernel
	 * -> any other (forwarded set: a frame for a flow the receiver serves), a received
	 * frame in one of the sender's buffers, now the receiver's (struct urpc_pkt_frame); a
	 * kernel -> kernel 0, a frame to send in one of the sender's buffers, now kernel 0's
	 * (struct urpc_pkt_frame). The holder gives each buffer back to its owner in a
	 * URPC_PKT_RETURN (struct urpc_pkt_return) once done with it. */
	URPC_PKT_RX = 12,
	URPC_PKT_TX = 13,
	URPC_PKT_RETURN = 14,
	/* The move exchange (kernel/netmove.h draws it): RSS buckets change kernels under live
	 * connections. Kernel 0 -> the new owner: forward unknown segments of the buckets to
	 * the previous one (struct urpc_move, peer = the previous owner); it answers
	 * URPC_MOVE_READY (struct urpc_move_note). Kernel 0 -> the previous owner, once the
	 * table is rewritten: the buckets are no longer yours (struct urpc_move, peer = the new
	 * owner); it reports URPC_MOVE_DRAINING every second and URPC_MOVE_DRAINED when none of
	 * its connections there is left (struct urpc_move_note), to the new owner and kernel
	 * 0. Kernel 0 -> the new owner, READY not in time: URPC_MOVE_ABORT (struct
	 * urpc_move_note). */
	URPC_MOVE_BEGIN = 15,
	URPC_MOVE_READY = 16,
	URPC_MOVE_LEAVE = 17,
	URPC_MOVE_DRAINING = 18,
	URPC_MOVE_DRAINED = 19,
	URPC_MOVE_ABORT = 20,
	/* Any kernel -> kernel 0: move these buckets (struct urpc_move_ask); kernel 0 answers
	 * URPC_MOVE_ANSWER (struct urpc_move_answer) with netsteer_move's result. */
	URPC_MOVE_ASK = 21,
	URPC_MOVE_ANSWER = 22,
	/* As URPC_LISTENING, for the UDP ports below the ephemeral range it binds. */
	URPC_UDP_PORTS = 23,
	URPC_TYPE_LAST = URPC_UDP_PORTS,
};

/* Types URPC_TEST_FIRST..URPC_TEST_LAST belong to the in-kernel tests and the URPC benchmark
 * (kernel/tests/ktest_msg.h); the system's own types stay below them. */
#define URPC_TEST_FIRST 0xF0
#define URPC_TEST_LAST  0xFF
_Static_assert(URPC_TYPE_LAST < URPC_TEST_FIRST, "system types stay below the tests' range");
_Static_assert(URPC_TEST_LAST <= URPC_MAX_TYPE, "the tests' range fits the header's type");

enum urpc_rcall_op {
	RCALL_INFO = 1,         /* reply: one struct sys_kinfo */
	RCALL_PS = 2,           /* reply: one struct sys_procinfo per process */
	/* data: u8 n, n struct sock_share (net/socket.h: listeners the new process gets at
	 * descriptors 3 and up), "path\0arg\0..."; reply status = pid or -errno */
	RCALL_SPAWN = 3,
	RCALL_KILL = 4,         /* data: u32 pid; reply status 0 or -errno */
	RCALL_LISTENERS = 5,    /* reply: one struct sys_listener per listener; status = count */
	RCALL_NETSUM = 6,       /* reply: one struct sys_netsum, in pieces (syscall.c) */
	RCALL_LOAD = 7,         /* reply: one struct sys_load, in twelve pieces */
	RCALL_MOVES = 8,        /* to kernel 0; reply: one struct sys_load_move per move in its
				   log, oldest first; status = count */
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
#define URPC_F_FIRST 0x02       /* an rcall request's first piece */

struct urpc_net_config {
	uint8_t mac[6];
	uint8_t queues;         /* kernels below this drive a queue pair each (nic_plan_seat) */
	uint8_t soft;           /* nonzero: the others get frames by software steering */
	uint8_t by_group;       /* nonzero: TCP is steered by Flow Director group (drivers/nic.h) */
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

_Static_assert(sizeof(struct urpc_hello) <= URPC_PAYLOAD, "hello fits a slot");
_Static_assert(sizeof(struct urpc_net_config) <= URPC_PAYLOAD, "net config fits a slot");
_Static_assert(sizeof(struct urpc_listening) <= URPC_PAYLOAD, "listening ports fit a slot");

struct urpc_pkt_frame {
	uint16_t buf;           /* the packet pool's buffer number (the sender's own) */
	uint16_t len;           /* frame bytes, at most PKTPOOL_BUF_SIZE */
	uint32_t hash;          /* URPC_PKT_RX: the Toeplitz hash kernel 0 steered it by */
	uint8_t tcp4;           /* URPC_PKT_RX: hash is of the TCP/IPv4 4-tuple */
	uint8_t forwarded;      /* URPC_PKT_RX: a kernel that received it hands it on (a moved
				   bucket's previous owner gets it, kernel/netmove.h); the
				   receiver takes it as it is and never hands it on again */
};

#define URPC_PKT_RETURNS 26u

struct urpc_pkt_return {
	uint16_t count;                         /* buffers given back, <= URPC_PKT_RETURNS */
	uint16_t buf[URPC_PKT_RETURNS];         /* each the receiver's own */
};
_Static_assert(sizeof(struct urpc_pkt_frame) <= URPC_PAYLOAD, "a frame reference fits a slot");
_Static_assert(sizeof(struct urpc_pkt_return) <= URPC_PAYLOAD, "returns fit a slot");

struct urpc_move {
	uint64_t mask[2];                       /* bit b: RSS bucket b */
	uint32_t id;                            /* kernel 0's number for the move, never 0 */
	uint8_t peer;                           /* BEGIN: the previous owner; LEAVE: the new */
};

struct urpc_move_note {
	uint32_t id;
	uint32_t remaining;                     /* DRAINING: connections left in the buckets */
};

struct urpc_move_ask {
	uint64_t mask[2];
	uint32_t seq;                           /* the asker's, echoed in the answer */
	uint8_t to;
};

struct urpc_move_answer {
	uint32_t seq;
	int32_t status;                         /* moves begun (>= 0) or -errno */
};
_Static_assert(sizeof(struct urpc_move) <= URPC_PAYLOAD, "a move fits a slot");
_Static_assert(sizeof(struct urpc_move_ask) <= URPC_PAYLOAD, "a move request fits a slot");

struct urpc_nicq_attach {
	uint64_t rx_ring_pa, tx_ring_pa;        /* the queue's descriptor rings */
	uint64_t buf_pa, buf_len;               /* where every buffer its descriptors name lies */
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
	uint32_t nic;                           /* whose queue (enum nic_kind, drivers/nic.h) */
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
