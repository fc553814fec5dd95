/* Pieces every NIC driver shares: register waits, fault injection, the MAC in receive
 * address 0, the probe at boot. Host-testable (the ring memory is nic_ring.c's). */
#include "drivers/nic.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/console.h"
#include "lib/errno.h"

/* Reads before the first millisecond's sleep: a command a NIC takes in microseconds (an
 * EEPROM word, a Flow Director filter) costs microseconds, not a millisecond each. A
 * read across PCIe takes about a microsecond. */
#define NIC_SPIN_READS  256

static bool bit_is(volatile uint8_t *regs, uint32_t reg, uint32_t bit, bool want)
{
	return ((nic_rd32(regs, reg) & bit) != 0) == want;
}

bool nic_wait_bit(volatile uint8_t *regs, uint32_t reg, uint32_t bit, bool want, unsigned ms)
{
	for (unsigned i = 0; i < NIC_SPIN_READS; i++, __builtin_ia32_pause())
		if (bit_is(regs, reg, bit, want))
			return true;
	for (unsigned i = 0; i <= ms; i++, pit_wait_ms(1))
		if (bit_is(regs, reg, bit, want))
			return true;
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

void nic_mac_from_ra(uint32_t ral, uint32_t rah, uint8_t mac[6])
{
	for (int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(ral >> (8 * i));
	mac[4] = (uint8_t)rah;
	mac[5] = (uint8_t)(rah >> 8);
}

int nic_read_mac(volatile uint8_t *regs, uint32_t ral, uint32_t rah, uint8_t mac[6])
{
	uint32_t lo = nic_rd32(regs, ral), hi = nic_rd32(regs, rah);
	if (!(hi & NIC_RAH_AV) || (lo == 0 && (hi & 0xFFFF) == 0))
		return -ENODEV;
	nic_mac_from_ra(lo, hi, mac);
	return 0;
}

volatile uint8_t *nic_enable(const struct pci_dev *pci)
{
	pci_enable(pci);
	return (volatile uint8_t *)pci_map_bar(pci, 0);
}

void *nic_probe(const char *name, const uint16_t *ids,
		int (*attach)(void *dev, const struct pci_dev *pci), void *dev)
{
	for (; *ids; ids++) {
		const struct pci_dev *d = pci_find(0x8086, *ids);
		if (!d)
			continue;
		int err = attach(dev, d);
		if (!err)
			return dev;
		pr_err("%s: attach failed (%d)\n", name, err);
	}
	return NULL;
}
