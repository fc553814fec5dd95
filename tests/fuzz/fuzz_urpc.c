/* Fuzzes what one kernel takes from another over URPC: the real channel code
 * (kernel/urpc/urpc.c), region (shared.c) and dispatcher (peer.c), and the real handlers that
 * build on the host: kernel/netshare.c's URPC_NET_CONFIG and URPC_ARP_LEARNED,
 * kernel/netports.c's URPC_LISTENING and URPC_UDP_PORTS, kernel/netsteer.c's URPC_BUCKETS,
 * with the bucket policy (net/steer.c) run on what URPC_LISTENING delivered, and
 * kernel/netmove.c's move exchange (URPC_MOVE_*, net/move.c's state). The handlers of URPC_CONSOLE and
 * URPC_HELLO (kernel/smp.c), URPC_RCALL_* (kernel/rcall.c) and URPC_NICQ_* (kernel/nicq.c)
 * reach into the console, the process table and the NIC and are not built here; in their
 * place stand handlers with their registered lengths that check the dispatcher's promise:
 * a handler sees only messages of a length it registered.
 *
 * Three kernels; the input's first byte says which one is under test (kernel 0 or 1). Then
 * records, each:
 *   ctl, type, flags, len, then len bytes of payload     (ctl bit 0 clear)
 *     a sender that follows the protocol (urpc_send) sends one message from kernel
 *     ctl / 2 % 3 (another than the one under test); the dispatcher's counts of unknown
 *     and malformed messages must move exactly as the lengths registered say;
 *   ctl, slot, then 64 bytes                             (ctl bit 0 set)
 *     a sender that does not: the bytes go straight into that slot of its channel,
 *     header and all, as memory a broken kernel scribbles on;
 * after each, the kernel under test polls its channels, and when ctl bit 7 is set its
 * clock moves 1.5 s and kernel 0's bucket policy runs. */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/kernel_stubs.h"
#include "drivers/igb/igb.h"
#include "kernel/netmove.h"
#include "kernel/netports.h"
#include "kernel/netshare.h"
#include "kernel/netsteer.h"
#include "kernel/smp.h"
#include "kernel/urpc/msg.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "lib/string.h"
#include "lib/util.h"
#include "net/net.h"

#define NKERNELS 3

_Static_assert(IGB_RETA_ENTRIES == 128, "kernel_stubs.h's table");

static uint8_t *region;
static struct netif nif;
static uint64_t stood_in;               /* messages the stand-in handlers took */
static bool scribbled;                  /* a channel was written outside the protocol */

/* The lengths each type is registered with (the real registrations and the stand-ins). */
struct reg {
	uint8_t min, max;
	bool on;
};
static struct reg regs[256];

static void stand_in(unsigned from, const struct urpc_msg *m)
{
	const struct reg *r = &regs[URPC_HDR_TYPE(m->hdr)];
	unsigned len = URPC_HDR_LEN(m->hdr);
	FUZZ_CHECK(from < NKERNELS && from != kself.core, "a message from kernel %u", from);
	FUZZ_CHECK(r->on && len >= r->min && len <= r->max, "type %u of %u bytes reached a handler",
		   URPC_HDR_TYPE(m->hdr), len);
	stood_in++;
}

static void expect_reg(uint8_t type, uint8_t min, uint8_t max)
{
	regs[type] = (struct reg){ min, max, true };
}

static void stand_in_reg(uint8_t type, uint8_t min, uint8_t max)
{
	peer_register(type, stand_in, min, max);
	expect_reg(type, min, max);
}

/* Once: every handler the kernels register for the system's types, as kernel 0 and as the
 * others (the table in peer.c outlives one input). */
static void register_all(void)
{
	kself = (struct kernel_self){ .core = 0, .ncores = NKERNELS };
	netshare_init(&nif);
	kself.core = 1;
	netshare_init(&nif);
	netsteer_ap_init();
	netports_init(&nif);
	netmove_init();
	expect_reg(URPC_LISTENING, sizeof(struct urpc_listening), sizeof(struct urpc_listening));
	expect_reg(URPC_UDP_PORTS, sizeof(struct urpc_listening), sizeof(struct urpc_listening));
	expect_reg(URPC_MOVE_BEGIN, sizeof(struct urpc_move), sizeof(struct urpc_move));
	expect_reg(URPC_MOVE_LEAVE, sizeof(struct urpc_move), sizeof(struct urpc_move));
	for (unsigned t = URPC_MOVE_READY; t <= URPC_MOVE_ABORT; t++)
		if (t != URPC_MOVE_LEAVE)
			expect_reg((uint8_t)t, sizeof(struct urpc_move_note),
				   sizeof(struct urpc_move_note));
	expect_reg(URPC_MOVE_ASK, sizeof(struct urpc_move_ask), sizeof(struct urpc_move_ask));
	expect_reg(URPC_MOVE_ANSWER, sizeof(struct urpc_move_answer),
		   sizeof(struct urpc_move_answer));
	expect_reg(URPC_NET_CONFIG, sizeof(struct urpc_net_config), sizeof(struct urpc_net_config));
	expect_reg(URPC_ARP_LEARNED, sizeof(struct urpc_arp_learned),
		   sizeof(struct urpc_arp_learned));
	expect_reg(URPC_BUCKETS, sizeof(struct urpc_buckets), sizeof(struct urpc_buckets));
	stand_in_reg(URPC_CONSOLE, 0, URPC_PAYLOAD);
	stand_in_reg(URPC_HELLO, sizeof(struct urpc_hello), sizeof(struct urpc_hello));
	stand_in_reg(URPC_RCALL_REQ, sizeof(struct urpc_rcall), sizeof(struct urpc_rcall));
	stand_in_reg(URPC_RCALL_REPLY, sizeof(struct urpc_rcall_reply),
		     sizeof(struct urpc_rcall_reply));
	stand_in_reg(URPC_NICQ_ATTACH, sizeof(struct urpc_nicq_attach),
		     sizeof(struct urpc_nicq_attach));
	stand_in_reg(URPC_NICQ_ATTACHED, sizeof(struct urpc_nicq_attached),
		     sizeof(struct urpc_nicq_attached));
	stand_in_reg(URPC_NICQ_CONFIRM, sizeof(struct urpc_nicq_confirm),
		     sizeof(struct urpc_nicq_confirm));
}

static void setup(unsigned me)
{
	static bool once;
	uint64_t size = shared_size_for(NKERNELS);
	if (!region)
		region = aligned_alloc(64, size);
	if (!once) {
		once = true;
		register_all();
	}
	memset(&nif, 0, sizeof(nif));
	kself = (struct kernel_self){ .core = me, .ncores = NKERNELS };
	FUZZ_CHECK(shared_init(region, size, NKERNELS) == 0, "shared_init");
	for (unsigned k = 0; k < NKERNELS; k++)
		shared_status(k)->state = KSTATE_UP;
	FUZZ_CHECK(peer_init() == 0, "peer_init");
	netsteer_init(me == 0 ? &stub_nic : NULL, true);
	stub_ticks = 1;
}

/* A sender that follows the protocol; the dispatcher's counts must move as registered. */
static void polite(struct urpc_tx *tx, unsigned from, const uint8_t *rec, const uint8_t *payload)
{
	uint8_t type = rec[1], flags = rec[2] & URPC_MAX_FLAGS, len = rec[3] % (URPC_PAYLOAD + 1);
	uint64_t unknown = peer_unknown_messages(), malformed = peer_malformed_messages();
	uint64_t took = stood_in;
	if (urpc_send(&tx[from], type, flags, payload, len) != 0)
		return;                         /* the ring is full */
	unsigned taken = peer_poll();
	if (scribbled)
		return;                         /* what the channel holds is anyone's guess */
	FUZZ_CHECK(taken == 1, "one message sent, %u taken", taken);
	const struct reg *r = &regs[type];
	bool in_range = r->on && len >= r->min && len <= r->max;
	FUZZ_CHECK(peer_unknown_messages() - unknown == !r->on, "type %u: unknown count", type);
	FUZZ_CHECK(peer_malformed_messages() - malformed == (r->on && !in_range),
		   "type %u of %u bytes: malformed count", type, len);
	if (in_range && stood_in == took)
		FUZZ_CHECK(type == URPC_LISTENING || type == URPC_NET_CONFIG ||
			   type == URPC_ARP_LEARNED || type == URPC_BUCKETS ||
			   type == URPC_UDP_PORTS ||
			   (type >= URPC_MOVE_BEGIN && type <= URPC_MOVE_ANSWER),
			   "type %u of %u bytes reached no handler", type, len);
}

/* Kernel 0's policy ran: the table it wrote names driven queues only. */
static void policy_step(void)
{
	unsigned writes = stub_reta_writes;
	stub_ticks += 150;
	if (kself.core == 0)
		netsteer_poll(stub_ticks * 10);
	if (stub_reta_writes != writes)
		for (unsigned b = 0; b < IGB_RETA_ENTRIES; b++)
			FUZZ_CHECK(stub_reta[b] < NKERNELS, "bucket %u to queue %u", b, stub_reta[b]);
	peer_poll();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct urpc_tx tx[NKERNELS];
	uint8_t payload[URPC_SLOT_SIZE];
	if (size < 1)
		return 0;
	unsigned me = data[0] % 2;
	setup(me);
	scribbled = false;
	for (unsigned k = 0; k < NKERNELS; k++)
		if (k != me)
			urpc_tx_init(&tx[k], shared_chan(k, me));
	for (size_t at = 1; at + 2 <= size; ) {
		const uint8_t *rec = data + at;
		unsigned from = (me + 1 + rec[0] / 2 % (NKERNELS - 1)) % NKERNELS;
		bool hostile = rec[0] & 1;
		size_t head = hostile ? 2 : 4;
		if (at + head > size)
			break;
		size_t n = hostile ? URPC_SLOT_SIZE : rec[3] % (URPC_PAYLOAD + 1);
		memset(payload, 0, sizeof(payload));
		memcpy(payload, data + at + head, MIN(n, size - at - head));
		if (hostile) {
			memcpy(&shared_chan(from, me)->slots[rec[1] % URPC_SLOTS], payload, URPC_SLOT_SIZE);
			scribbled = true;
			peer_poll();
		} else {
			polite(tx, from, rec, payload);
		}
		if (rec[0] & 0x80)
			policy_step();
		at += head + MIN(n, size - at - head);
	}
	return 0;
}
