/* The NIC's interrupts (netirq.h): an e1000's INTx found by probing the PCI GSIs, a
 * multi-queue NIC's MSI-X entries, and a flag word of work for netdev_poll. */
#include "kernel/netirq.h"
#include "drivers/e1000/e1000.h"
#include "drivers/nic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/nicplan.h"
#include "kernel/platform.h"
#include "kernel/time.h"

#define PCI_GSI_FIRST   16      /* PCI INTx on the I/O APIC: PIRQ A-H are GSIs 16-23 */
#define PCI_GSI_COUNT   8

static struct e1000 *e1000;
static struct nic_ctl msix_nic;         /* kernel 0's multi-queue NIC */
/* Set by the handlers and by netdev_poll, taken by netdev_poll: every change is one atomic
 * instruction, so no handler's flag is lost between another's read and write. */
static uint32_t work;
static volatile uint64_t interrupts;
static volatile uint64_t link_interrupts;       /* those whose causes held a link change */
static volatile int probe_hit = -1;

void netirq_note(uint32_t w)
{
	__atomic_fetch_or(&work, w, __ATOMIC_RELAXED);
}

uint32_t netirq_take(void)
{
	return __atomic_exchange_n(&work, 0, __ATOMIC_RELAXED);
}

bool netirq_pending(void)
{
	return __atomic_load_n(&work, __ATOMIC_RELAXED) != 0;
}

uint64_t netirq_count(void)
{
	return interrupts;
}

uint64_t netirq_link_count(void)
{
	return link_interrupts;
}

static void e1000_irq(struct trap_frame *f)
{
	(void)f;
	uint32_t icr = e1000_irq_ack(e1000);    /* reading ICR lowers the level-triggered line */
	netirq_note(NETIRQ_RX | ((icr & E1000_ICR_LSC) ? NETIRQ_LINK : 0));
	interrupts++;
	link_interrupts += (icr & E1000_ICR_LSC) != 0;
	lapic_eoi();
}

static void probe_irq(struct trap_frame *f)
{
	probe_hit = (int)(f->vector - VEC_NIC_PROBE);
	e1000_irq_ack(e1000);
	lapic_eoi();
}

/* Every PCI GSI onto its own probe vector; the NIC raises a cause by ICS; returns the GSI
 * whose vector fired within 50 ms, or -1. */
static int probe_gsi(uint32_t me)
{
	for (unsigned g = 0; g < PCI_GSI_COUNT; g++) {
		irq_register((uint8_t)(VEC_NIC_PROBE + g), probe_irq);
		ioapic_route(PCI_GSI_FIRST + g, (uint8_t)(VEC_NIC_PROBE + g), me, true, true);
	}
	bool irq = irq_save();
	irq_enable();
	e1000_irq_test(e1000);
	uint64_t until = time_uptime_ns() + 50 * 1000000ull;
	while (probe_hit < 0 && time_uptime_ns() < until)
		cpu_relax();
	irq_restore(irq);
	for (unsigned g = 0; g < PCI_GSI_COUNT; g++)
		ioapic_mask(PCI_GSI_FIRST + g, true);
	return probe_hit < 0 ? -1 : (int)PCI_GSI_FIRST + probe_hit;
}

/* Finds the GSI the e1000's INTx reaches without reading the ACPI _PRT (AML): the vector
 * that fires names the pin. Then only that pin stays routed, to the NIC's handler. */
void netirq_e1000_setup(struct e1000 *e)
{
	e1000 = e;
	if (!ioapic_init(platform_acpi())) {
		pr_info("net: no I/O APIC: the e1000 is polled\n");
		return;
	}
	uint32_t me = lapic_id();
	pci_intx(e1000->pci, true);
	int gsi = probe_gsi(me);
	e1000_irq_disable(e1000);
	if (gsi < 0) {
		pci_intx(e1000->pci, false);
		pr_warn("net: the e1000's interrupt reached no PCI GSI: it is polled\n");
		return;
	}
	irq_register(VEC_NIC, e1000_irq);
	ioapic_route((uint32_t)gsi, VEC_NIC, me, true, true);
	e1000_irq_enable(e1000);
	pr_info("net: e1000 interrupts on GSI %d\n", gsi);
}

static void queue_irq(struct trap_frame *f)
{
	(void)f;
	netirq_note(NETIRQ_RX);         /* EIAC cleared the cause as the message went out */
	interrupts++;
	lapic_eoi();
}

static void other_irq(struct trap_frame *f)
{
	(void)f;
	bool link = msix_nic.ops->irq_other(msix_nic.dev);
	netirq_note(NETIRQ_RX | (link ? NETIRQ_LINK : 0));
	interrupts++;
	link_interrupts += link;
	lapic_eoi();
}

void netirq_msix_setup(const struct nic_ctl *c)
{
	struct nic_seat s;
	msix_nic = *c;
	nic_plan_seat(0, 1, &s);
	irq_register(s.vector, queue_irq);
	irq_register(VEC_NIC_OTHER, other_irq);
	int err = c->ops->irq_own(c->dev, lapic_id(), s.vector, VEC_NIC_OTHER,
				  NIC_PLAN_THROTTLE_US);
	if (err)
		pr_warn("net: %s MSI-X set-up failed (%d): it is polled\n", c->ops->name, err);
	else
		pr_info("net: %s interrupts by MSI-X, vectors %#x and %#x\n", c->ops->name,
			s.vector, VEC_NIC_OTHER);
}

void netirq_queue_setup(uint8_t vector)
{
	irq_register(vector, queue_irq);
}
