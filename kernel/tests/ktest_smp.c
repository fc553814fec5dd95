/* Multikernel tests, run by kernel 0 against the other kernels over URPC: isolation, all-pairs
 * ping-pong, broadcast, push-back of a full ring, messages dropped by type and length, wake-up
 * by IPI, and a peer's death. */
#include "kernel/ktest.h"
#include "kernel/console.h"
#include "kernel/kcatch.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/vmm.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "kernel/smp.h"
#include "kernel/tests/smptest.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/trap.h"
#include "lib/cmdline.h"
#include "lib/errno.h"

#define PINGS 40

static bool need_kernels(unsigned n)
{
	if (kself.ncores >= n)
		return true;
	ktest_skip(n == 2 ? "needs 2 kernels" : "needs more kernels");
	return false;
}

/* The test run says how many kernels it booted (expect_kernels=N): all must be up. */
KTEST(smp_every_kernel_reported_in)
{
	uint64_t want = 0;
	KASSERT(cmdline_get_u64(boot_info.cmdline, "expect_kernels", &want) == 0);
	KEXPECT_EQ(kself.ncores, want);
	KEXPECT_EQ(smp_kernels_up(), want);
	for (unsigned k = 0; k < kself.ncores; k++) {
		KEXPECT(peer_alive(k));
		KEXPECT_EQ(shared_status(k)->state, KSTATE_UP);
		for (unsigned j = 0; j < k; j++)
			KEXPECT(kself_apic_of(j) != kself_apic_of(k));
	}
}

KTEST_NEEDS(smp_partitions_are_disjoint_and_leave_kernel0_memory, "kernels>=2")
{
	const struct shared_header *h = shared_header();
	if (!need_kernels(2))
		return;
	for (unsigned i = 1; i < kself.ncores; i++) {
		const struct kernel_desc *a = &h->kernels[i];
		KEXPECT(a->part_size >= (16ul << 20));
		KEXPECT_EQ(a->part_base % (2ul << 20), 0);
		KEXPECT(a->part_base + a->part_size <= kself.shared_base ||
			a->part_base >= kself.shared_base + kself.shared_size);
		for (unsigned j = i + 1; j < kself.ncores; j++) {
			const struct kernel_desc *b = &h->kernels[j];
			KEXPECT(a->part_base + a->part_size <= b->part_base ||
				b->part_base + b->part_size <= a->part_base);
		}
		/* Kernel 0 no longer maps it. */
		KEXPECT(!vmm_is_mapped((uintptr_t)phys_to_virt(a->part_base)));
	}
}

KTEST_NEEDS(smp_isolation_globals_are_per_kernel, "kernels>=2")
{
	struct urpc_test req = { .op = TEST_OP_READ_GLOBAL }, rep;
	if (!need_kernels(2))
		return;
	smp_test_global = 0xC0FFEE;
	for (unsigned k = 1; k < kself.ncores; k++) {
		KASSERT(smptest_request(k, &req, &rep, 2000) == 0);
		KEXPECT_EQ(rep.arg[0], SMPTEST_GLOBAL_INITIAL);
	}
	KEXPECT_EQ(smp_test_global, 0xC0FFEE);
	smp_test_global = SMPTEST_GLOBAL_INITIAL;
}

/* Another kernel reading kernel 0's memory through its direct map faults, and so does
 * kernel 0 reading an AP's partition. */
KTEST_NEEDS(smp_isolation_foreign_memory_faults, "kernels>=2")
{
	struct urpc_test req = { .op = TEST_OP_PROBE }, rep;
	struct kcatch c;
	if (!need_kernels(2))
		return;
	uint64_t k0_addr = (uint64_t)(uintptr_t)phys_to_virt(kimage_virt_to_phys((const void *)&smp_test_global));
	for (unsigned k = 1; k < kself.ncores; k++) {
		req.arg[0] = k0_addr;
		KASSERT(smptest_request(k, &req, &rep, 2000) == 0);
		KEXPECT_EQ(rep.arg[0], 1);
		KEXPECT_EQ(rep.arg[1], VEC_PF);
		KEXPECT_EQ(rep.arg[2], k0_addr);
	}
	uint64_t ap_addr = (uint64_t)(uintptr_t)phys_to_virt(shared_header()->kernels[1].part_base + 4096);
	if (kcatch_try(&c) == 0) {
		(void)*(volatile uint64_t *)(uintptr_t)ap_addr;
		kcatch_end();
	}
	KEXPECT(c.kind == KCATCH_TRAP);
	KEXPECT_EQ(c.vector, VEC_PF);
	KEXPECT_EQ(c.cr2, ap_addr);
}

/* A stray write: another kernel writing kernel 0's memory through its direct map takes a
 * page fault that it reports (a write to a page not present), and so does kernel 0 writing
 * an AP's image; neither victim's value changes. */
KTEST_NEEDS(smp_isolation_foreign_write_faults, "kernels>=2")
{
	struct urpc_test poke = { .op = TEST_OP_POKE }, read = { .op = TEST_OP_READ_GLOBAL }, rep;
	struct kcatch c;
	if (!need_kernels(2))
		return;
	uint64_t k0_addr = (uint64_t)(uintptr_t)phys_to_virt(kimage_virt_to_phys((const void *)&smp_test_global));
	for (unsigned k = 1; k < kself.ncores; k++) {
		poke.arg[0] = k0_addr;
		poke.arg[1] = 0xBAD0 + k;
		KASSERT(smptest_request(k, &poke, &rep, 2000) == 0);
		KEXPECT_EQ(rep.arg[0], 1);
		KEXPECT_EQ(rep.arg[1], VEC_PF);
		KEXPECT_EQ(rep.arg[2], k0_addr);
		KEXPECT_EQ(rep.arg[3] & (PF_WRITE | PF_PRESENT), PF_WRITE);
	}
	KEXPECT_EQ(smp_test_global, SMPTEST_GLOBAL_INITIAL);
	KASSERT(smptest_request(1, &read, &rep, 2000) == 0);
	uint64_t ap_addr = (uint64_t)(uintptr_t)phys_to_virt(rep.arg[1]);
	if (kcatch_try(&c) == 0) {
		*(volatile uint64_t *)(uintptr_t)ap_addr = 0xBAD;
		kcatch_end();
	}
	KEXPECT(c.kind == KCATCH_TRAP);
	KEXPECT_EQ(c.vector, VEC_PF);
	KEXPECT_EQ(c.cr2, ap_addr);
	KEXPECT_EQ(c.error & (PF_WRITE | PF_PRESENT), PF_WRITE);
	KASSERT(smptest_request(1, &read, &rep, 2000) == 0);
	KEXPECT_EQ(rep.arg[0], SMPTEST_GLOBAL_INITIAL);
}

/* Every ordered pair (i, j): i pings j with checked payloads. */
KTEST_NEEDS(smp_pingpong_all_pairs, "kernels>=2")
{
	struct pingpong_result pr;
	struct urpc_test req = { .op = TEST_OP_PINGPONG }, rep;
	if (!need_kernels(2))
		return;
	for (unsigned i = 0; i < kself.ncores; i++)
		for (unsigned j = 0; j < kself.ncores; j++) {
			if (i == j)
				continue;
			if (i == 0) {
				KEXPECT(smptest_pingpong(j, PINGS, &pr) == 0);
				KEXPECT_EQ(pr.ok, PINGS);
				if (j == 1)
					kprintf("urpc: kernel 0 <-> 1 round trip median %lu cycles (%lu ns), "
						"min %lu, max %lu, over %d pings\n", pr.rtt_median,
						tsc_to_ns(pr.rtt_median), pr.rtt_min, pr.rtt_max, PINGS);
				continue;
			}
			req.arg[0] = j;
			req.arg[1] = PINGS;
			KEXPECT(smptest_request(i, &req, &rep, 5000) == 0);
			KEXPECT_EQ(rep.arg[2], PINGS);
		}
}

/* One request to every kernel at once; every answer comes back, each from its kernel. */
KTEST_NEEDS(smp_broadcast_reaches_every_kernel, "kernels>=2")
{
	struct urpc_test req = { .op = TEST_OP_ECHO, .arg = { 1000 } }, rep;
	if (!need_kernels(2))
		return;
	for (unsigned k = 1; k < kself.ncores; k++)
		KASSERT(smptest_send(k, &req) == 0);
	for (unsigned k = 1; k < kself.ncores; k++) {
		KEXPECT(smptest_wait_reply(k, TEST_OP_ECHO, &rep, 2000) == 0);
		KEXPECT_EQ(rep.arg[0], 1000 + k);
	}
}

/* While kernel 1 does not poll, exactly URPC_SLOTS messages fit; the next send is refused
 * and overwrites nothing; then kernel 1 takes all of them in order. */
KTEST_NEEDS(smp_full_ring_pushes_back_then_drains, "kernels>=2")
{
	struct urpc_test req = { .op = TEST_OP_DEAF, .arg = { 300, URPC_SLOTS } }, rep;
	unsigned sent = 0;
	if (!need_kernels(2))
		return;
	KASSERT(smptest_send(1, &req) == 0);
	KASSERT(smptest_wait_reply(1, TEST_OP_DEAF, &rep, 2000) == 0);
	KASSERT(rep.arg[2] == 0);       /* "not polling now" */
	for (uint64_t seq = 0; ; seq++) {
		struct urpc_fill f = { seq };
		int err = peer_send(1, URPC_FILL, 0, &f, sizeof(f));
		if (err == -EAGAIN)
			break;
		KASSERT(err == 0);
		sent++;
	}
	KEXPECT_EQ(sent, URPC_SLOTS);
	struct urpc_fill extra = { 999 };
	KEXPECT(peer_send(1, URPC_FILL, 0, &extra, sizeof(extra)) == -EAGAIN);
	KASSERT(smptest_wait_reply(1, TEST_OP_DEAF, &rep, 3000) == 0);
	KEXPECT_EQ(rep.arg[2], 1);
	KEXPECT_EQ(rep.arg[0], URPC_SLOTS);     /* all taken */
	KEXPECT_EQ(rep.arg[1], 0);              /* in order, none twice */
}

/* No handler the type names, or a payload shorter than its handler's: kernel 1 drops the
 * message and counts it (peer_dispatch), and the handler never reads the bytes the sender
 * did not write. */
KTEST_NEEDS(smp_peer_drops_unknown_and_short_messages, "kernels>=2")
{
	enum { UNREGISTERED = 200 };    /* above the system's types, below the tests' */
	struct urpc_test fills = { .op = TEST_OP_FILL_STATS, .arg = { 1 } };
	struct urpc_test drops = { .op = TEST_OP_PEER_DROPS }, before, rep;
	uint32_t half_a_fill = 7;       /* 4 of struct urpc_fill's 8 bytes */
	if (!need_kernels(2))
		return;
	KASSERT(smptest_request(1, &fills, &rep, 2000) == 0);
	KASSERT(smptest_request(1, &drops, &before, 2000) == 0);
	KASSERT(peer_send_wait(1, URPC_FILL, 0, &half_a_fill, sizeof(half_a_fill), 2000) == 0);
	KASSERT(peer_send_wait(1, UNREGISTERED, 0, &half_a_fill, sizeof(half_a_fill), 2000) == 0);
	/* Requests go down the same channel: kernel 1 takes them after the two above. */
	fills.arg[0] = 0;
	KASSERT(smptest_request(1, &fills, &rep, 2000) == 0);
	KEXPECT_EQ(rep.arg[0], 0);              /* on_fill never ran */
	KASSERT(smptest_request(1, &drops, &rep, 2000) == 0);
	KEXPECT_EQ(rep.arg[0] - before.arg[0], 1);
	KEXPECT_EQ(rep.arg[1] - before.arg[1], 1);
}

/* A kernel asleep in hlt is woken by the sender's IPI, not only by its next tick. */
KTEST_NEEDS(smp_sleeping_kernel_is_woken_by_ipi, "kernels>=2")
{
	struct urpc_test req = { .op = TEST_OP_ECHO, .arg = { 5 } }, rep;
	if (!need_kernels(2))
		return;
	uint64_t deadline = rdtsc() + cpu_info.tsc_hz;
	while (!__atomic_load_n(&shared_status(1)->sleeping, __ATOMIC_ACQUIRE) && rdtsc() < deadline)
		cpu_relax();
	KASSERT(shared_status(1)->sleeping);
	uint64_t before = __atomic_load_n(&shared_status(1)->wakeups, __ATOMIC_ACQUIRE);
	KASSERT(smptest_request(1, &req, &rep, 2000) == 0);
	KEXPECT_EQ(rep.arg[0], 6);
	KEXPECT(__atomic_load_n(&shared_status(1)->wakeups, __ATOMIC_ACQUIRE) > before);
}

/* Run alone (it kills a kernel): the last kernel panics; kernel 0 notices and the others
 * keep answering. */
KTEST_NEEDS(smp_peer_panic_is_noticed_alone, "kernels>=3")
{
	struct urpc_test die = { .op = TEST_OP_PANIC }, echo = { .op = TEST_OP_ECHO }, rep;
	if (!need_kernels(3))
		return;
	unsigned victim = kself.ncores - 1;
	KASSERT(smptest_send(victim, &die) == 0);
	uint64_t deadline = rdtsc() + 5 * cpu_info.tsc_hz;
	while (peer_alive(victim) && rdtsc() < deadline)
		peer_poll();
	peer_poll();    /* the rest of its report, sent before it declared itself dead */
	KEXPECT(!peer_alive(victim));
	KEXPECT_EQ(shared_status(victim)->state, KSTATE_PANICKED);
	KEXPECT(smptest_request(victim, &echo, &rep, 2000) == -EHOSTDOWN);
	for (unsigned k = 1; k < victim; k++) {
		echo.arg[0] = 7;
		KEXPECT(smptest_request(k, &echo, &rep, 2000) == 0);
		KEXPECT_EQ(rep.arg[0], 7 + k);
	}
}

/* Run with smp_late_ap=N (tests/kernel/run.sh): kernel N's CPU waits in the trampoline past its
 * start window. Kernel 0 must park it, and it must never run on the data written for the
 * kernel started after it: once it would have woken, kernel N is still off and every other
 * kernel is up, answers and pings kernel 0. */
KTEST_NEEDS(smp_late_ap_is_parked_and_disturbs_no_one, "kernels>=3 smp_late_ap=2")
{
	struct urpc_test echo = { .op = TEST_OP_ECHO }, ping = { .op = TEST_OP_PINGPONG }, rep;
	uint64_t late = 0;
	if (cmdline_get_u64(boot_info.cmdline, "smp_late_ap", &late) || late == 0 ||
	    late >= kself.ncores) {
		ktest_skip("needs smp_late_ap=N, N a kernel other than 0");
		return;
	}
	/* Kernel N's start-up IPIs went out before this test began. */
	uint64_t until = rdtsc() + cpu_info.tsc_hz / 1000 * (SMP_LATE_AP_MS + 2000);
	while (rdtsc() < until)
		if (!peer_poll())
			cpu_relax();
	KEXPECT_EQ(shared_status(late)->state, KSTATE_OFF);
	KEXPECT_EQ(smp_kernels_up(), kself.ncores - 1);
	for (unsigned k = 1; k < kself.ncores; k++) {
		if (k == late)
			continue;
		KEXPECT(peer_alive(k));
		KEXPECT_EQ(shared_status(k)->state, KSTATE_UP);
		echo.arg[0] = 100;
		KEXPECT(smptest_request(k, &echo, &rep, 2000) == 0);
		KEXPECT_EQ(rep.arg[0], 100 + k);
		ping.arg[0] = 0;
		ping.arg[1] = PINGS;
		KEXPECT(smptest_request(k, &ping, &rep, 5000) == 0);
		KEXPECT_EQ(rep.arg[2], PINGS);
	}
}

/* Benchmark, not a timed test (make bench-urpc): kernel 0 <-> 1 latency over many pings and
 * one-way streaming throughput; it still checks that every message arrived intact. */
KTEST_NEEDS(bench_urpc_between_kernels, "kernels>=2")
{
	enum { BENCH_PINGS = 2000, STREAM_MS = 300 };
	struct pingpong_result pr;
	struct urpc_test stats = { .op = TEST_OP_FILL_STATS, .arg = { 1 } }, rep;
	uint64_t sent = 0, full = 0;
	if (!need_kernels(2))
		return;
	KASSERT(smptest_pingpong(1, BENCH_PINGS, &pr) == 0);
	KEXPECT_EQ(pr.ok, BENCH_PINGS);
	KASSERT(smptest_request(1, &stats, &rep, 2000) == 0);
	uint64_t t0 = rdtsc(), end = t0 + cpu_info.tsc_hz / 1000 * STREAM_MS;
	while (rdtsc() < end) {
		struct urpc_fill f = { sent };
		int err = peer_send(1, URPC_FILL, 0, &f, sizeof(f));
		if (err == -EAGAIN) {
			full++;
			continue;
		}
		KASSERT(err == 0);
		sent++;
	}
	uint64_t cycles = rdtsc() - t0;
	stats.arg[0] = 0;
	uint64_t deadline = rdtsc() + 2 * cpu_info.tsc_hz;
	do {
		KASSERT(smptest_request(1, &stats, &rep, 2000) == 0);
	} while (rep.arg[0] < sent && rdtsc() < deadline);
	KEXPECT_EQ(rep.arg[0], sent);
	KEXPECT_EQ(rep.arg[1], 0);
	kprintf("bench: urpc in QEMU, kernel 0 <-> 1, %d round trips: one-way median %lu ns "
		"(%lu cycles), p99 %lu ns, min %lu ns\n", BENCH_PINGS, tsc_to_ns(pr.rtt_median / 2),
		pr.rtt_median / 2, tsc_to_ns(pr.rtt_p99 / 2), tsc_to_ns(pr.rtt_min / 2));
	kprintf("bench: urpc in QEMU, kernel 0 -> 1 streaming: %lu messages in %lu ms, %lu msgs/s, "
		"ring full %lu times\n", sent, tsc_to_ns(cycles) / 1000000,
		sent * 1000000000ul / (tsc_to_ns(cycles) ? tsc_to_ns(cycles) : 1), full);
}
