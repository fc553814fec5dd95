/* URPC's shared region: where each channel, status line and the packet pool are (shared.h
 * has the picture). */
#include "kernel/urpc/shared.h"
#include "kernel/urpc/pool.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

#define SHARED_ALIGN (2ul << 20)

static uint8_t *shared_base;

uint64_t shared_pool_offset(unsigned ncores)
{
	uint64_t chans = (uint64_t)ncores * ncores * sizeof(struct urpc_chan);
	return ALIGN_UP(SHARED_CHAN_OFFSET + chans, 4096);
}

uint64_t shared_size_for(unsigned ncores)
{
	return ALIGN_UP(shared_pool_offset(ncores) + pktpool_size_for(ncores), SHARED_ALIGN);
}

void *shared_pool(void)
{
	return shared_base + shared_pool_offset(shared_header()->ncores);
}

struct shared_header *shared_header(void)
{
	return (struct shared_header *)shared_base;
}

struct kernel_status *shared_status(unsigned core)
{
	return (struct kernel_status *)(shared_base + SHARED_STATUS_OFFSET) + core;
}

struct urpc_chan *shared_chan(unsigned from, unsigned to)
{
	unsigned n = shared_header()->ncores;
	return (struct urpc_chan *)(shared_base + SHARED_CHAN_OFFSET) + ((uint64_t)from * n + to);
}

int shared_init(void *base, uint64_t size, unsigned ncores)
{
	if (ncores == 0 || ncores > MAX_KERNELS || size < shared_size_for(ncores) ||
	    ((uintptr_t)base % 64))
		return -EINVAL;
	memset(base, 0, SHARED_CHAN_OFFSET);
	shared_base = base;
	struct shared_header *h = shared_header();
	h->magic = SHARED_MAGIC;
	h->ncores = ncores;
	h->size = size;
	for (unsigned i = 0; i < ncores; i++)
		for (unsigned j = 0; j < ncores; j++) {
			int err = urpc_chan_init(shared_chan(i, j), sizeof(struct urpc_chan));
			if (err)
				return err;
		}
	return 0;
}

void shared_attach(void *base)
{
	shared_base = base;
}
