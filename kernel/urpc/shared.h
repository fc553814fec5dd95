/* URPC's shared region: where the channels (kernel/urpc/urpc.h, one per ordered pair of kernels)
 * and each kernel's status line (state, heartbeat, sleeping flag: read by kernel/urpc/peer.c)
 * live, with the table of kernels. It is the only memory every kernel maps besides its own
 * partition; kernel 0 lays it out (kernel/smp.c) before any other kernel starts.
 *
 *   shared_base + 0       +-------------------------------------------+
 *                         | header: magic, ncores, the kernel table    |  written by kernel 0
 *                         |   (core -> APIC id, partition), read-only  |  before any AP starts
 *   + 4 KiB               +-------------------------------------------+
 *                         | status line of kernel 0 (64 B)             |  each line written
 *                         | status line of kernel 1                    |  only by its kernel
 *                         | ... (MAX_KERNELS lines)                    |
 *   + SHARED_CHAN_OFFSET  +-------------------------------------------+
 *                         | channel 0->0 (unused), 0->1, ... 0->N-1    |  channel i->j at
 *                         | channel 1->0, ...                          |  + (i*N + j) * 4160
 *                         | ... N*N channels                           |
 *   + shared_pool_offset  +-------------------------------------------+
 *                         | the packet pool: N blocks of 256 buffers   |  each buffer written
 *                         |   of 2 KiB (kernel/urpc/pool.h draws it)   |  by its holder only
 *                         +-------------------------------------------+
 *
 * shared_pool_offset(N) = ALIGN_UP(SHARED_CHAN_OFFSET + N^2 * sizeof(struct urpc_chan), 4 KiB);
 * size: ALIGN_UP(shared_pool_offset(N) + N * 512 KiB, 2 MiB) (4 kernels: 4 MiB, 64: 50 MiB).
 */
#ifndef KERNEL_SHARED_H
#define KERNEL_SHARED_H

#include <stdint.h>
#include "kernel/urpc/urpc.h"

#define MAX_KERNELS         64
#define SHARED_MAGIC        0x4448534C544F4C46ull       /* "FLOTLSHD" */
#define SHARED_STATUS_OFFSET 4096
#define SHARED_CHAN_OFFSET  (SHARED_STATUS_OFFSET + MAX_KERNELS * 64)

/* One row per kernel: the per-core facts in one place. */
struct kernel_desc {
	uint32_t apic_id;
	uint32_t reserved;
	uint64_t part_base, part_size;  /* private partition (kernel 0: see ARCHITECTURE.md) */
};

struct shared_header {
	uint64_t magic;
	uint32_t ncores;
	uint32_t reserved;
	uint64_t size;
	struct kernel_desc kernels[MAX_KERNELS];
};
_Static_assert(sizeof(struct shared_header) <= SHARED_STATUS_OFFSET, "header fits its page");

enum kernel_state {
	KSTATE_OFF = 0,
	KSTATE_STARTED,         /* running on its own page tables */
	KSTATE_UP,              /* initialised, serving messages */
	KSTATE_PANICKED,
};

/* Written only by its own kernel; read by the others (acquire loads). */
struct kernel_status {
	uint32_t state;         /* enum kernel_state */
	uint32_t sleeping;      /* about to hlt: senders must send a wake-up IPI */
	uint64_t heartbeat;     /* timer ticks; stops when the kernel dies */
	uint64_t wakeups;       /* wake-up IPIs taken */
	uint8_t pad[64 - 24];
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct kernel_status) == 64, "one cache line per kernel");

uint64_t shared_size_for(unsigned ncores);
uint64_t shared_pool_offset(unsigned ncores);
struct shared_header *shared_header(void);
struct kernel_status *shared_status(unsigned core);
struct urpc_chan *shared_chan(unsigned from, unsigned to);
/* The packet pool's area (kernel/urpc/pool.h): its buffers are not cleared at boot. */
void *shared_pool(void);
/* Kernel 0: lays out a fresh region. Every kernel: records where the region is mapped. */
int shared_init(void *base, uint64_t size, unsigned ncores);
void shared_attach(void *base);

#endif
