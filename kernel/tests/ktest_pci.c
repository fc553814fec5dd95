/* MSI and MSI-X set-up (drivers/pci), end to end on an e1000e (82574L), the QEMU NIC that
 * offers both (q35's default NIC; the bios4 boot adds one beside its e1000); the test points its messages at a vector here and makes it
 * raise a cause by ICS, which the 82574 shares with the 82540EM's register layout. */
#include "kernel/ktest.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/time.h"
#include "lib/errno.h"
#include <stddef.h>

#define E1000E_ICR      0x00C0
#define E1000E_ICS      0x00C8
#define E1000E_IMS      0x00D0
#define E1000E_IMC      0x00D8
#define E1000E_IVAR     0x00E4  /* 82574 10.2.4.9: bits 19:16 route "other" causes */
#define ICR_LSC         (1u << 2)
#define ICR_OTHER       (1u << 24)      /* MSI-X: "other" causes (LSC among them) */
#define IVAR_OTHER_VALID(v) ((0x8u | (v)) << 16)

static volatile unsigned msi_hits, msix_hits;

static void msi_handler(struct trap_frame *f)
{
	(void)f;
	msi_hits++;
	lapic_eoi();
}

static void msix_handler(struct trap_frame *f)
{
	(void)f;
	msix_hits++;
	lapic_eoi();
}

static void wr(volatile uint8_t *regs, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(regs + reg) = v;
}

static uint32_t rd(volatile uint8_t *regs, uint32_t reg)
{
	return *(volatile uint32_t *)(regs + reg);
}

/* Raises LSC and waits up to 100 ms for *hits to move. */
static bool raise_and_wait(volatile uint8_t *regs, volatile unsigned *hits)
{
	unsigned before = *hits;
	wr(regs, E1000E_ICR, 0xFFFFFFFF);      /* write-1-to-clear: no cause left pending */
	bool irq = irq_save();
	irq_enable();
	wr(regs, E1000E_IMS, ICR_LSC | ICR_OTHER);
	wr(regs, E1000E_ICS, ICR_LSC);
	uint64_t until = time_uptime_ns() + 100 * 1000000ull;
	while (*hits == before && time_uptime_ns() < until)
		cpu_relax();
	irq_restore(irq);
	wr(regs, E1000E_IMC, 0xFFFFFFFF);
	rd(regs, E1000E_ICR);
	wr(regs, E1000E_ICR, 0xFFFFFFFF);
	return *hits != before;
}

KTEST_NEEDS(pci_msi_and_msix_deliver_interrupts, "e1000e")
{
	const struct pci_dev *d = pci_find(0x8086, 0x10D3);
	if (!d) {
		ktest_skip("no e1000e on this machine");
		return;
	}
	KEXPECT(pci_find_cap(d, PCI_CAP_MSI) != 0);
	KEXPECT(pci_find_cap(d, PCI_CAP_MSIX) != 0);
	KEXPECT(pci_find_cap(d, 0x7F) == 0);
	pci_enable(d);
	volatile uint8_t *regs = pci_map_bar(d, 0);
	KEXPECT(regs != NULL);
	if (!regs)
		return;
	KEXPECT(irq_register(VEC_MSI_TEST, msi_handler) == 0);
	KEXPECT(irq_register(VEC_MSIX_TEST, msix_handler) == 0);
	KEXPECT(pci_msi_enable(d, lapic_id(), VEC_MSI_TEST) == 0);
	KEXPECT(raise_and_wait(regs, &msi_hits));
	pci_msi_disable(d);
	/* The link may report a change of its own while MSI is on: count from here. */
	unsigned msi_before = msi_hits;
	KEXPECT(pci_msix_enable(d, 4096, lapic_id(), VEC_MSIX_TEST) == -EINVAL);
	KEXPECT(pci_msix_enable(d, 0, lapic_id(), VEC_MSIX_TEST) == 0);
	wr(regs, E1000E_IVAR, IVAR_OTHER_VALID(0));
	KEXPECT(raise_and_wait(regs, &msix_hits));
	KEXPECT(msi_hits == msi_before);        /* MSI off: nothing came the old way */
	pci_msi_disable(d);
}
