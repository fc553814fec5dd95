/* Descriptor rings and their buffers in this kernel's memory, for every NIC driver. */
#include "drivers/nic.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "lib/errno.h"
#include "lib/string.h"

_Static_assert(PAGE_SIZE % NIC_BUF_SIZE == 0, "whole buffers to a page");

/* The descriptors' frames, contiguous: the NIC reads a ring from one base address. */
static size_t ring_frames(unsigned n)
{
	return (n * 16ul + PAGE_SIZE - 1) / PAGE_SIZE;
}

int nic_alloc_ring(uint64_t *ring_pa, uint8_t **bufs, unsigned n)
{
	uint64_t pa;
	if (n == 0 || n % 2 || n > NIC_RING_MAX)
		return -EINVAL;
	memset(bufs, 0, n * sizeof(bufs[0]));
	int err = nic_fault(NIC_FAULT_RING_ALLOC) ? -ENOMEM : pmm_alloc_contig(ring_frames(n), ring_pa);
	if (err) {
		*ring_pa = 0;
		return err;
	}
	memset(phys_to_virt(*ring_pa), 0, ring_frames(n) * PAGE_SIZE);
	for (unsigned i = 0; i < n; i += 2) {
		if ((err = pmm_alloc(&pa))) {
			nic_free_ring(ring_pa, bufs, n);
			return err;
		}
		bufs[i] = phys_to_virt(pa);
		bufs[i + 1] = phys_to_virt(pa + NIC_BUF_SIZE);
	}
	return 0;
}

void nic_free_ring(uint64_t *ring_pa, uint8_t **bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i += 2)
		if (bufs[i])
			pmm_free(virt_to_phys(bufs[i]), 1);
	memset(bufs, 0, n * sizeof(bufs[0]));
	if (*ring_pa)
		pmm_free(*ring_pa, ring_frames(n));
	*ring_pa = 0;
}
