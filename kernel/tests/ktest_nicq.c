/* Tests of the queue-attach protocol (kernel/nicq.h) on the igb, kernel 0 the owner and
 * kernel 1 the requester: a queue the MSI-X table cannot route is refused before the NIC is
 * touched; a queue whose requester never confirms is given up and never steered to; with a
 * stack on every kernel (not net=kernel0), every kernel kernel/nicplan.h seats drives its
 * queue, and no other queue runs. */
#include "kernel/ktest.h"
#include "drivers/igb/igb.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/bootinfo.h"
#include "kernel/netdev.h"
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
	const uint64_t need = 2 * ADV_DESCS * NIC_BUF_SIZE;
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
