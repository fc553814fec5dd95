/* Kernels as processes, for the host tests of the kernel's own path on the 82599
 * (tests/host/test_ixgbe_kpath.c): each kernel is a process forked from the test, so each has
 * its own copy of every kernel global as each kernel has its own image, and all of them
 * share one arena (MAP_SHARED, mapped before the fork, so at one address in every process)
 * that holds what real kernels share or the NIC reaches by DMA:
 *
 *   arena +----------------------------------------------+
 *         | the model of the 82599 (struct ixm) and the   |  registers: every process,
 *         |   lock around it                              |  under the lock (shim.c)
 *         | each kernel's call box (kp_run)               |
 *         | scratch: what the test and its calls exchange |
 *         | kernel 0's partition, kernel 1's, ...         |  rings and buffers (shim.c's
 *         |                                               |  nic_alloc_ring in each)
 *         | the URPC shared region (kernel/urpc/shared.h) |  laid out by the test, before
 *         +----------------------------------------------+  any kernel starts
 *
 * A physical address is a host pointer converted as kernel/mm/layout.h converts (the shim's
 * rule), so the model, run by the test process as the wire, writes a received frame into
 * whichever kernel's ring the queue's registers name. Kernel 0 runs the ixgbe's control part
 * (ixgbe_attach on the model), kernel/nicq.c's owner side and kernel/netsteer.c's table
 * writer; every other kernel kernel/nicq.c's requester side and netsteer's bucket handler.
 * Between calls each kernel runs its main loop's URPC part: kernel 0 nicq_serve and
 * peer_poll, the others peer_poll. */
#ifndef TESTS_IXGBE_KERNELS_H
#define TESTS_IXGBE_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include "tests/ixgbe/model.h"

#define KP_KERNELS      2
#define KP_PART_SIZE    (16ul << 20)    /* a partition: room for a few queues' rings */
#define KP_SCRATCH      16384
#define KP_NO_ANSWER    (-100000)       /* kp_run: the kernel did not answer, or died */

/* Kernel k's APIC id (the shared region's kernel table; its partition is part[k]). */
#define KP_APIC(k)      (0x20u + (k))

struct kp_call {
	int (*fn)(void *arg);
	void *arg;
	int result;
	uint32_t asked, done;
};

struct kp_arena {
	struct ixm model;
	int model_lock;
	uint32_t up[KP_KERNELS];        /* booted and in its loop */
	int boot_err[KP_KERNELS];
	uint32_t stop;
	struct kp_call call[KP_KERNELS];
	_Alignas(64) uint8_t scratch[KP_SCRATCH];
	_Alignas(4096) uint8_t part[KP_KERNELS][KP_PART_SIZE];
	_Alignas(4096) uint8_t shared[];        /* shared_size_for(KP_KERNELS) bytes */
};

/* The arena, its URPC region laid out, the model powered up, and every kernel booted and
 * in its loop; NULL (with a line on stderr saying why) if one did not come up. */
struct kp_arena *kp_start(void);
/* Runs fn(arg) in kernel k's process, between two passes of its loop, and returns its
 * result; KP_NO_ANSWER if it did not return within 20 s or the process died. arg should
 * point into the arena (the scratch) for what fn is to give back. */
int kp_run(struct kp_arena *a, unsigned k, int (*fn)(void *arg), void *arg);
/* Every kernel told to leave its loop, waited for, the arena unmapped: 0 if each process
 * exited 0 (a sanitizer's report in one is a non-zero exit). */
int kp_stop(struct kp_arena *a);
/* The wire: the model receives a frame (ixm_receive, under the lock). */
int kp_receive(struct kp_arena *a, const uint8_t *frame, size_t len);
/* The wire's other side: the next frame queue q sends (ixm_transmit, under the lock). */
int kp_transmit(struct kp_arena *a, unsigned q, uint8_t *out, size_t cap);
/* A register of the model as the register file holds it, read under the lock and without
 * ixm_read's side effects (clear on read). */
uint32_t kp_reg(struct kp_arena *a, uint32_t off);

#endif
