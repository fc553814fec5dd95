/* Kernels as processes over one shared arena (kernels.h draws it): the arena, each kernel's
 * boot and loop, the calls a test runs in a kernel, and the wire. */
#include "tests/ixgbe/kernels.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "drivers/ixgbe/ixgbe.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/mm/layout.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/netsteer.h"
#include "kernel/nicplan.h"
#include "kernel/nicq.h"
#include "kernel/smp.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "tests/ixgbe/shim.h"

#define CALL_SECONDS    20
#define STOP_SECONDS    10

static size_t arena_size;
static pid_t pid[KP_KERNELS];           /* the test's: each kernel's process, 0 once reaped */
static int exit_status[KP_KERNELS];
static struct ixgbe nic;                /* kernel 0's device */

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The TSC's rate, which kernel/nicq.c's deadlines count in: measured once over 20 ms. */
static void tsc_measure(void)
{
	if (cpu_info.tsc_hz)
		return;
	uint64_t t0 = now_ns(), c0 = rdtsc();
	while (now_ns() - t0 < 20000000ull)
		;
	uint64_t ns = now_ns() - t0, cycles = rdtsc() - c0;
	cpu_info.tsc_hz = (uint64_t)((double)cycles * 1e9 / (double)ns);
}

/* ---- in a kernel's process ---- */

/* Kernel 0: the 82599 attached as at boot, its own interrupts set up as
 * netirq_msix_setup sets them (kernel/netirq.c: entries 0 and 1 to this CPU, which puts the
 * NIC in MSI-X mode), and its control part given to the queue-attach protocol and the
 * steering table (as kernel/netdev.c does; the policy stays off: the tests write the
 * table). */
static int boot_kernel0(struct kp_arena *a)
{
	struct nic_seat seat;
	int err = ixgbe_attach(&nic, shim_use(&a->model));
	if (err)
		return err;
	struct nic_ctl ctl = { &ixgbe_ctl_ops, &nic, nic.pci };
	nic_plan_seat(0, 1, &seat);
	if ((err = ctl.ops->irq_own(ctl.dev, lapic_id(), seat.vector, VEC_NIC_OTHER,
				    NIC_PLAN_THROTTLE_US)))
		return err;
	if ((err = peer_init()))
		return err;
	nicq_init(&ctl);
	netsteer_init(&ctl, false);
	return 0;
}

static int boot_other(void)
{
	int err = peer_init();
	if (err)
		return err;
	nicq_init(NULL);
	netsteer_ap_init();
	return 0;
}

/* The main loop's URPC part, and the test's calls between its passes. A call runs after
 * the channels are drained: what another kernel sent before the test asked (a confirm, a
 * table) is taken first, as a kernel's loop takes messages before the work they lead to. */
static void kernel_loop(struct kp_arena *a)
{
	struct kp_call *c = &a->call[kself.core];
	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		uint32_t asked = __atomic_load_n(&c->asked, __ATOMIC_ACQUIRE);
		if (asked != c->done) {
			peer_poll();
			c->result = c->fn(c->arg);
			__atomic_store_n(&c->done, asked, __ATOMIC_RELEASE);
		}
		if (kself.core == 0)
			nicq_serve();
		if (!peer_poll())
			usleep(20);
	}
}

static __attribute__((noreturn)) void kernel_main(struct kp_arena *a, unsigned k, pid_t test)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);       /* a test killed by its time limit takes us */
	if (getppid() != test)
		_exit(3);
	kself = (struct kernel_self){ .core = k, .ncores = KP_KERNELS, .apic_id = KP_APIC(k),
				      .part_base = virt_to_phys(a->part[k]),
				      .part_size = KP_PART_SIZE,
				      .shared_base = virt_to_phys(a->shared),
				      .shared_size = shared_size_for(KP_KERNELS) };
	shim_pages_from(a->part[k], KP_PART_SIZE);
	int err = k == 0 ? boot_kernel0(a) : boot_other();
	a->boot_err[k] = err;
	if (!err)
		peer_set_state(KSTATE_UP);
	__atomic_store_n(&a->up[k], 1, __ATOMIC_RELEASE);
	if (!err)
		kernel_loop(a);
	_exit(err ? 1 : 0);     /* no exit handlers: the test's own belong to the test */
}

/* ---- in the test's process ---- */

/* The URPC region as kernel 0 lays it out before the others start (kernel/smp.c): the
 * kernel table with each kernel's APIC id and partition. */
static int lay_out(struct kp_arena *a)
{
	int err = shared_init(a->shared, shared_size_for(KP_KERNELS), KP_KERNELS);
	if (err)
		return err;
	for (unsigned k = 0; k < KP_KERNELS; k++)
		shared_header()->kernels[k] = (struct kernel_desc){
			.apic_id = KP_APIC(k), .part_base = virt_to_phys(a->part[k]),
			.part_size = KP_PART_SIZE };
	ixm_init(&a->model);
	shim_use(&a->model);
	shim_lock_with(&a->model_lock);
	return 0;
}

/* Has kernel k's process ended? Reaps it if so. */
static bool ended(unsigned k)
{
	int status;
	if (pid[k] && waitpid(pid[k], &status, WNOHANG) == pid[k]) {
		exit_status[k] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		pid[k] = 0;
	}
	return pid[k] == 0;
}

static bool all_up(struct kp_arena *a)
{
	uint64_t deadline = now_ns() + CALL_SECONDS * 1000000000ull;
	for (unsigned k = 0; k < KP_KERNELS; k++) {
		while (!__atomic_load_n(&a->up[k], __ATOMIC_ACQUIRE)) {
			if (ended(k) || now_ns() > deadline)
				return false;
			usleep(100);
		}
		if (a->boot_err[k]) {
			fprintf(stderr, "kernels: kernel %u did not boot (%d)\n", k, a->boot_err[k]);
			return false;
		}
	}
	return true;
}

struct kp_arena *kp_start(void)
{
	arena_size = sizeof(struct kp_arena) + shared_size_for(KP_KERNELS);
	struct kp_arena *a = mmap(NULL, arena_size, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return NULL;
	tsc_measure();
	memset(exit_status, 0, sizeof(exit_status));
	if (lay_out(a)) {
		kp_stop(a);
		return NULL;
	}
	for (unsigned k = 0; k < KP_KERNELS; k++) {
		pid_t test = getpid();
		if ((pid[k] = fork()) == 0)
			kernel_main(a, k, test);
		if (pid[k] < 0) {
			pid[k] = 0;
			exit_status[k] = 127;   /* no process: the kernel never comes up */
		}
	}
	if (!all_up(a)) {
		fprintf(stderr, "kernels: a kernel did not come up\n");
		kp_stop(a);
		return NULL;
	}
	return a;
}

int kp_run(struct kp_arena *a, unsigned k, int (*fn)(void *arg), void *arg)
{
	struct kp_call *c = &a->call[k];
	uint64_t deadline = now_ns() + CALL_SECONDS * 1000000000ull;
	uint32_t seq = c->asked + 1;
	c->fn = fn;
	c->arg = arg;
	__atomic_store_n(&c->asked, seq, __ATOMIC_RELEASE);
	while (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) != seq) {
		if (ended(k) || now_ns() > deadline)
			return KP_NO_ANSWER;
		usleep(50);
	}
	return c->result;
}

/* Waits for kernel k's process to end, killing it after STOP_SECONDS; its exit status. */
static int reap(unsigned k)
{
	uint64_t deadline = now_ns() + STOP_SECONDS * 1000000000ull;
	while (!ended(k) && now_ns() < deadline)
		usleep(1000);
	if (!ended(k)) {
		kill(pid[k], SIGKILL);
		waitpid(pid[k], NULL, 0);
		pid[k] = 0;
		exit_status[k] = 128 + SIGKILL;
	}
	return exit_status[k];
}

int kp_stop(struct kp_arena *a)
{
	int bad = 0;
	__atomic_store_n(&a->stop, 1, __ATOMIC_RELEASE);
	for (unsigned k = 0; k < KP_KERNELS; k++)
		if (pid[k] || exit_status[k])
			bad |= reap(k) != 0;
	shim_lock_with(NULL);   /* the lock goes with the arena; later tests run unlocked */
	munmap(a, arena_size);
	return bad ? -1 : 0;
}

int kp_receive(struct kp_arena *a, const uint8_t *frame, size_t len)
{
	shim_lock();
	int q = ixm_receive(&a->model, frame, len);
	shim_unlock();
	return q;
}

int kp_transmit(struct kp_arena *a, unsigned q, uint8_t *out, size_t cap)
{
	shim_lock();
	int n = ixm_transmit(&a->model, q, out, cap);
	shim_unlock();
	return n;
}

uint32_t kp_reg(struct kp_arena *a, uint32_t off)
{
	shim_lock();
	uint32_t v = a->model.reg[off / 4];
	shim_unlock();
	return v;
}
