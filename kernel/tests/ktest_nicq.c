/* Tests of the queue-attach protocol (kernel/nicq.h) on the igb, kernel 0 the owner and
 * kernel 1 the requester: a queue the MSI-X table cannot route, or stated buffers outside the
 * requester's partition, are refused before the NIC is touched; a queue whose requester
 * never confirms is given up and never steered to; with a stack on every kernel (not
 * net=kernel0), every kernel kernel/nicplan.h seats drives its queue, and no other queue
 * runs; a kernel that dies has its queue stopped and its buckets taken from it. */
#include "kernel/ktest.h"
#include "drivers/igb/igb.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/bootinfo.h"
#include "kernel/netdev.h"
#include "net/dhcp.h"
#include "net/net.h"
#include "kernel/netsteer.h"
#include "kernel/nicplan.h"
#include "kernel/nicq.h"
#include "kernel/mm/layout.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/tests/smptest.h"
#include "kernel/urpc/msg.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

static struct igb *igb_and_kernel1(void)
{
	struct igb *g = igb_nic();
	if (!g || kself.ncores < 2 || !peer_alive(1)) {
		ktest_skip("needs an igb and a second kernel");
		return NULL;
	}
	return g;
}

/* Kernel 1 runs req while this thread serves kernel 0's side of the protocol. */
static int kernel1_runs(const struct urpc_test *req, struct urpc_test *rep)
{
	int err = smptest_send(1, req);
	uint64_t end = rdtsc() + cpu_info.tsc_hz * 5;
	for (err = err ? err : -ETIMEDOUT; err == -ETIMEDOUT && rdtsc() < end;) {
		nicq_serve();
		err = smptest_wait_reply(1, req->op, rep, 20);
	}
	return err;
}

static bool queue_enabled(const struct igb *g, unsigned q)
{
	return *(volatile uint32_t *)(g->regs + IGB_RXDCTL(q)) & IGB_RXDCTL_ENABLE;
}

/* The first queue past what the MSI-X table routes (QEMU's 82576: 16 queues, 10 entries,
 * queue 9) is refused, and the NIC never starts it on the requester's rings. */
KTEST_NEEDS(nicq_unroutable_queue_is_refused_unstarted, "igb kernels>=2")
{
	struct igb *g = igb_and_kernel1();
	if (!g)
		return;
	unsigned first = nic_plan_queues(IGB_QUEUES, IGB_QUEUES, pci_msix_entries(g->pci));
	if (first >= IGB_QUEUES) {
		ktest_skip("every queue of this igb is routable");
		return;
	}
	struct urpc_test req = { .op = TEST_OP_NICQ_UNCONFIRMED, .arg = { first } }, rep;
	KEXPECT_EQ(kernel1_runs(&req, &rep), -EINVAL);
	KEXPECT_EQ(nicq_queue_state(first), NICQ_FREE);
	for (unsigned q = first; q < IGB_QUEUES; q++)
		KEXPECT(!queue_enabled(g, q));
}

/* Kernel 1 asks for queue 3 stating buffers outside its partition: in kernel 0's memory,
 * and across its partition's end. Each request is refused (-EFAULT) before the NIC is
 * touched, since the NIC would write received frames there. */
KTEST_NEEDS(nicq_buffers_outside_the_partition_are_refused_unstarted, "igb kernels>=2")
{
	const unsigned queue = 3;
	const uint64_t need = (ADV_RX_DESCS + ADV_TX_DESCS) * NIC_BUF_SIZE;
	struct igb *g = igb_and_kernel1();
	if (!g)
		return;
	const struct kernel_desc *k1 = &shared_header()->kernels[1];
	const uint64_t claims[][2] = {
		{ kimage_virt_to_phys((const void *)&smp_test_global) & ~0xFFFul, need },
		{ k1->part_base + k1->part_size - need / 2, need },
		{ k1->part_base + (16ul << 20), 0x1000 },      /* inside, but no room for them */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(claims); i++) {
		struct urpc_test req = { .op = TEST_OP_NICQ_UNCONFIRMED,
					 .arg = { queue, claims[i][0], claims[i][1] } }, rep;
		KEXPECT_EQ(kernel1_runs(&req, &rep), -EFAULT);
		KEXPECT_EQ(nicq_queue_state(queue), NICQ_FREE);
		KEXPECT(!queue_enabled(g, queue));
		KEXPECT_EQ(nic_rd32(g->regs, IGB_RDBAL(queue)) | nic_rd32(g->regs, IGB_RDBAH(queue)), 0);
	}
}

/* Kernel 1 asks for queue 3 and never confirms: kernel 0 starts it and answers, waits for
 * the confirm, then gives the queue up and stops it; it is never kernel 1's, so no bucket
 * goes to it, and the NIC no longer points at the rings kernel 1 keeps. */
KTEST_NEEDS(nicq_unconfirmed_queue_is_given_up, "igb kernels>=2")
{
	const unsigned queue = 3;
	struct igb *g = igb_and_kernel1();
	if (!g)
		return;
	struct urpc_test req = { .op = TEST_OP_NICQ_UNCONFIRMED, .arg = { queue } }, rep;
	KASSERT(kernel1_runs(&req, &rep) == 0);
	KEXPECT_EQ(nicq_queue_state(queue), NICQ_OFFERED);
	KEXPECT(nicq_queue_of(1) != queue);
	uint64_t end = rdtsc() + cpu_info.tsc_hz / 1000 * (NICQ_CONFIRM_MS + 1000);
	while (nicq_queue_state(queue) == NICQ_OFFERED && rdtsc() < end) {
		nicq_serve();
		sched_sleep_ms(10);
	}
	KEXPECT_EQ(nicq_queue_state(queue), NICQ_FREE);
	KEXPECT(nicq_queue_of(1) != queue);
	KEXPECT(!(nic_rd32(g->regs, IGB_RXDCTL(queue)) & IGB_RXDCTL_ENABLE));
	KEXPECT_EQ(nic_rd32(g->regs, IGB_RDBAL(queue)) | nic_rd32(g->regs, IGB_RDBAH(queue)), 0);
	uint8_t kernel_of[IGB_RETA_ENTRIES], reta_ok = 1;
	memset(kernel_of, 1, sizeof(kernel_of));
	if (netsteer_write(kernel_of) == 0) {   /* kernel 1 drives another queue */
		for (unsigned i = 0; i < IGB_RETA_ENTRIES / 4; i++)
			for (unsigned b = 0; b < 4; b++)
				reta_ok &= (*(volatile uint32_t *)(g->regs + IGB_RETA(i)) >> 8 * b &
					    0xFF) != queue;
		memset(kernel_of, 0, sizeof(kernel_of));
		KEXPECT_EQ(netsteer_write(kernel_of), 0);
	}
	KEXPECT(reta_ok);
}

/* A stack on every kernel, with more kernels than the MSI-X table has entries for: each kernel
 * nicplan seats drives its own queue, the others none, and no unseated queue runs. */
KTEST_NEEDS(nicq_only_seated_kernels_drive_queues, "igb kernels>=2 !net=kernel0")
{
	struct igb *g = igb_and_kernel1();
	if (!g)
		return;
	if (!netdev_stack_per_kernel()) {
		ktest_skip("needs a stack on every kernel (not net=kernel0)");
		return;
	}
	unsigned seated = nic_plan_queues(kself.ncores, IGB_QUEUES, pci_msix_entries(g->pci));
	for (unsigned k = 1; k < kself.ncores; k++) {
		struct nic_seat s;
		bool has = nic_plan_seat(k, seated, &s);
		for (int i = 0; i < 100 && has && nicq_queue_of(k) != s.queue; i++)
			sched_sleep_ms(100);            /* kernel k attaches from its main loop */
		KEXPECT_EQ(nicq_queue_of(k), has ? s.queue : 0);
	}
	for (unsigned q = seated; q < IGB_QUEUES; q++)
		KEXPECT(!queue_enabled(g, q));
}

/* True when some RETA entry names queue q. */
static bool reta_names(const struct igb *g, unsigned q)
{
	for (unsigned i = 0; i < IGB_RETA_ENTRIES / 4; i++)
		for (unsigned b = 0; b < 4; b++)
			if ((nic_rd32(g->regs, IGB_RETA(i)) >> 8 * b & 0xFF) == q)
				return true;
	return false;
}

/* Kernel k's own stack pings the gateway n times: how many answers reached it. */
static uint64_t stack_pings(unsigned k, const struct netif *nif, unsigned n)
{
	struct urpc_test req = { .op = TEST_OP_STACK_PING, .arg = { nif->gateway, n } }, rep;
	return smptest_ask_serving(k, &req, &rep, 3000 * n) == 0 ? rep.arg[0] : 0;
}

/* A kernel's death with a stack on every kernel (kernel/netsteer.c): the last kernel, which
 * drives its own queue and owns buckets, panics. Kernel 0 notices, stops its queue (the NIC
 * must not write into a dead kernel's rings), points none of the table at it and takes its
 * buckets; kernel 1 still serves through its own queue. The victim is lost for the rest of
 * the boot: run alone. */
KTEST_NEEDS(net_dead_kernel_s_queue_stops_and_its_buckets_go_alone, "igb kernels>=3 !net=kernel0")
{
	struct igb *g = igb_and_kernel1();
	const struct netif *nif = netdev_netif();
	uint8_t gw[6], table[IGB_RETA_ENTRIES];
	struct urpc_test die = { .op = TEST_OP_PANIC };
	unsigned victim = kself.ncores - 1;
	if (!g || !nif || kself.ncores < 3 || !netdev_stack_per_kernel()) {
		ktest_skip("needs an igb, 3 kernels and a stack on each (not net=kernel0)");
		return;
	}
	for (int i = 0; i < 100 && !(nicq_queue_of(1) && nicq_queue_of(victim)); i++)
		sched_sleep_ms(100);                    /* they attach from their main loops */
	unsigned q = nicq_queue_of(victim);
	KASSERT(q != 0 && nicq_queue_of(1) != 0);
	for (unsigned b = 0; b < IGB_RETA_ENTRIES; b++)
		table[b] = (uint8_t)(b % kself.ncores);
	KASSERT(netsteer_write(table) == 0);
	KEXPECT(reta_names(g, q));

	KASSERT(smptest_send(victim, &die) == 0);
	for (int i = 0; i < 50 && peer_alive(victim); i++)
		sched_sleep_ms(100);
	KEXPECT(!peer_alive(victim));
	bool owns = true;
	for (int i = 0; i < 30 && owns; i++) {
		sched_sleep_ms(100);                    /* kernel 0's main loop notices */
		owns = false;
		for (unsigned b = 0; b < IGB_RETA_ENTRIES; b++)
			owns |= netsteer_kernel_of(b) == victim;
	}
	KEXPECT(!owns);
	KEXPECT_EQ(nicq_queue_of(victim), 0);
	KEXPECT_EQ(nicq_queue_state(q), NICQ_FREE);
	KEXPECT(!queue_enabled(g, q));
	KEXPECT_EQ(nic_rd32(g->regs, IGB_RDBAL(q)) | nic_rd32(g->regs, IGB_RDBAH(q)), 0);
	KEXPECT(!reta_names(g, q));
	memset(table, victim, sizeof(table));
	KEXPECT_EQ(netsteer_write(table), -EINVAL);     /* nothing more goes to it */

	/* The living go on: kernel 1's stack, with every bucket, pings through its own queue. */
	bool known = false;
	for (int i = 0; i < 300 && !dhcp_bound(nif); i++)
		sched_sleep_ms(100);
	for (int i = 0; i < 50 && !(known = netdev_arp(nif->gateway, gw)); i++)
		sched_sleep_ms(100);
	KEXPECT(known);
	memset(table, 1, sizeof(table));
	KASSERT(netsteer_write(table) == 0);
	KEXPECT(queue_enabled(g, nicq_queue_of(1)));
	KEXPECT_EQ(stack_pings(1, nif, 3), 3);
	memset(table, 0, sizeof(table));
	KEXPECT_EQ(netsteer_write(table), 0);
}
