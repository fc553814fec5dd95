/* Pieces every NIC driver shares. */
#include "drivers/nic.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/console.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "lib/errno.h"
#include "lib/string.h"

_Static_assert(PAGE_SIZE % NIC_BUF_SIZE == 0, "whole buffers to a page");

bool nic_wait_bit(volatile uint8_t *regs, uint32_t reg, uint32_t bit, bool want, unsigned ms)
{
	for (unsigned i = 0; i <= ms; i++) {
		if (((nic_rd32(regs, reg) & bit) != 0) == want)
			return true;
		pit_wait_ms(1);
	}
	return false;
}

static struct {
	enum nic_fault_point point;
	unsigned countdown;
} fault;

void nic_fault_arm(enum nic_fault_point point, unsigned nth)
{
	fault.point = point;
	fault.countdown = nth;
}

bool nic_fault(enum nic_fault_point point)
{
	if (point != fault.point || fault.countdown == 0 || --fault.countdown > 0)
		return false;
	fault.point = NIC_FAULT_NONE;
	return true;
}

int nic_alloc_ring(uint64_t *ring_pa, uint8_t **bufs, unsigned n)
{
	uint64_t pa;
	if (n * 16 > PAGE_SIZE || n % 2)
		return -EINVAL;
	memset(bufs, 0, n * sizeof(bufs[0]));
	int err = nic_fault(NIC_FAULT_RING_ALLOC) ? -ENOMEM : pmm_alloc(ring_pa);
	if (err) {
		*ring_pa = 0;
		return err;
	}
	memset(phys_to_virt(*ring_pa), 0, PAGE_SIZE);
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
		pmm_free(*ring_pa, 1);
	*ring_pa = 0;
}

bool nic_probe(uint16_t vendor, uint16_t device, const char *name,
	       int (*attach)(void *dev, const struct pci_dev *pci), void *dev)
{
	const struct pci_dev *d = pci_find(vendor, device);
	if (!d)
		return false;
	int err = attach(dev, d);
	if (err)
		pr_err("%s: attach failed (%d)\n", name, err);
	return err == 0;
}
