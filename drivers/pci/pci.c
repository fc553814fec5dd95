/* PCI enumeration (PCI Local Bus 3.0; PCI Express Base 4.0 7.2.2 for ECAM). Kernel 0 scans
 * every bus the MCFG names, sizes each BAR, and names the devices it has drivers for. */
#include "drivers/pci/pci.h"
#include "lib/errno.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "kernel/mm/vmm.h"
#include "kernel/platform.h"
#include "lib/string.h"
#include "lib/util.h"

#define PCI_CONFIG_ADDR 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define ECAM_BUS_SIZE   (1ul << 20)

/* The devices Flotilla drives. */
static const struct {
	uint16_t vendor, device;
	const char *driver;
} supported[] = {
	{ 0x8086, 0x100E, "e1000 (82540EM)" },
	{ 0x8086, 0x10FB, "ixgbe (82599ES SFI/SFP+)" },
	{ 0x8086, 0x10F7, "ixgbe (82599EB KX4, link refused)" },
};

static struct pci_dev devices[PCI_MAX_DEVICES];
static unsigned ndevices;
static volatile uint8_t *ecam;          /* bus 0 of the first MCFG segment, or NULL */
static unsigned ecam_bus_start, ecam_bus_end;

static uintptr_t ecam_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	return (uintptr_t)ecam + ((uintptr_t)(bus - ecam_bus_start) << 20) +
	       ((uintptr_t)dev << 15) + ((uintptr_t)fn << 12) + off;
}

/* Port I/O mechanism #1 (PCI 3.0, 3.2.2.3.2): 256 bytes of config space, aligned dwords. */
static uint32_t port_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	outl(PCI_CONFIG_ADDR, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
			      (uint32_t)fn << 8 | (off & 0xFC));
	return inl(PCI_CONFIG_DATA);
}

static void port_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t v)
{
	outl(PCI_CONFIG_ADDR, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
			      (uint32_t)fn << 8 | (off & 0xFC));
	outl(PCI_CONFIG_DATA, v);
}

static uint32_t cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	if (ecam)
		return *(volatile uint32_t *)ecam_addr(bus, dev, fn, off & ~3u);
	return port_read32(bus, dev, fn, off);
}

static void cfg_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t v)
{
	if (ecam)
		*(volatile uint32_t *)ecam_addr(bus, dev, fn, off & ~3u) = v;
	else
		port_write32(bus, dev, fn, off, v);
}

uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
	return cfg_read32(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, uint16_t off)
{
	return (uint16_t)(cfg_read32(d->bus, d->dev, d->fn, off) >> ((off & 2) * 8));
}

void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{
	cfg_write32(d->bus, d->dev, d->fn, off, v);
}

void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
	uint32_t old = cfg_read32(d->bus, d->dev, d->fn, off);
	unsigned shift = (off & 2) * 8;
	cfg_write32(d->bus, d->dev, d->fn, off, (old & ~(0xFFFFu << shift)) | ((uint32_t)v << shift));
}

/* Sizes BAR i by writing all ones (PCI 3.0, 6.2.5.1) with decoding off; returns how many BAR
 * slots it used (2 for a 64-bit memory BAR). */
static unsigned size_bar(struct pci_dev *d, unsigned i)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
	uint32_t lo = pci_read32(d, off);
	struct pci_bar *b = &d->bars[i];

	b->io = lo & 1;
	b->is64 = !b->io && ((lo >> 1) & 3) == 2;
	pci_write32(d, off, 0xFFFFFFFF);
	uint32_t mask = pci_read32(d, off);
	pci_write32(d, off, lo);
	uint64_t addr = lo & (b->io ? ~3u : ~0xFu), size_mask = mask & (b->io ? ~3u : ~0xFu);
	if (b->is64 && i < 5) {
		uint32_t hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, 0xFFFFFFFF);
		uint64_t mhi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
		addr |= (uint64_t)hi << 32;
		size_mask |= mhi << 32;
	} else if (size_mask) {
		size_mask |= 0xFFFFFFFF00000000ull;
	}
	b->addr = addr;
	b->size = size_mask ? (~size_mask + 1) & (b->io ? 0xFFFF : ~0ull) : 0;
	return b->is64 ? 2 : 1;
}

static void add_device(uint8_t bus, uint8_t dev, uint8_t fn)
{
	if (ndevices == PCI_MAX_DEVICES)
		return;
	struct pci_dev *d = &devices[ndevices++];
	uint32_t id = cfg_read32(bus, dev, fn, PCI_VENDOR_ID), cls = cfg_read32(bus, dev, fn, PCI_CLASS_REV);
	*d = (struct pci_dev){ .bus = bus, .dev = dev, .fn = fn, .vendor = id & 0xFFFF,
			       .device = id >> 16, .class = cls >> 24, .subclass = (cls >> 16) & 0xFF,
			       .prog_if = (cls >> 8) & 0xFF };
	uint8_t htype = (cfg_read32(bus, dev, fn, 0x0C) >> 16) & 0x7F;
	if (htype == 0) {               /* bridges' BARs are not ours to size */
		uint16_t cmd = pci_read16(d, PCI_COMMAND);
		pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
		for (unsigned i = 0; i < 6; i += size_bar(d, i))
			;
		pci_write16(d, PCI_COMMAND, cmd);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(supported); i++)
		if (supported[i].vendor == d->vendor && supported[i].device == d->device)
			d->driver = supported[i].driver;
}

static void scan_bus(uint8_t bus)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		if ((cfg_read32(bus, dev, 0, PCI_VENDOR_ID) & 0xFFFF) == 0xFFFF)
			continue;
		bool multi = (cfg_read32(bus, dev, 0, 0x0C) >> 16) & 0x80;
		for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
			if ((cfg_read32(bus, dev, fn, PCI_VENDOR_ID) & 0xFFFF) != 0xFFFF)
				add_device(bus, dev, fn);
	}
}

void pci_init(void)
{
	const struct acpi_info *ai = platform_acpi();
	const struct acpi_mcfg *mc = ai ? acpi_mcfg_of(ai, 0) : NULL;   /* ports reach segment 0 */
	unsigned last_bus = 255;

	if (mc) {
		ecam_bus_start = mc->bus_start;
		ecam_bus_end = mc->bus_end;
		uint64_t base = mc->base + ((uint64_t)ecam_bus_start << 20);
		ecam = vmm_map_mmio(base, (ecam_bus_end - ecam_bus_start + 1) * ECAM_BUS_SIZE);
		last_bus = ecam_bus_end;
	}
	pr_info("pci: configuration space through %s\n", ecam ? "ECAM (MCFG)" : "ports 0xCF8/0xCFC");
	for (unsigned bus = ecam ? ecam_bus_start : 0; bus <= last_bus; bus++)
		scan_bus((uint8_t)bus);
	for (unsigned i = 0; i < ndevices; i++) {
		const struct pci_dev *d = &devices[i];
		pr_info("pci: %02x:%02x.%u %04x:%04x class %02x.%02x%s%s\n", d->bus, d->dev, d->fn,
			d->vendor, d->device, d->class, d->subclass, d->driver ? " -> " : "",
			d->driver ? d->driver : "");
	}
}

unsigned pci_count(void)
{
	return ndevices;
}

struct pci_dev *pci_get(unsigned i)
{
	return i < ndevices ? &devices[i] : NULL;
}

struct pci_dev *pci_find(uint16_t vendor, uint16_t device)
{
	for (unsigned i = 0; i < ndevices; i++)
		if (devices[i].vendor == vendor && devices[i].device == device)
			return &devices[i];
	return NULL;
}

void pci_enable(const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
}

void pci_intx(const struct pci_dev *d, bool on)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, on ? cmd & ~PCI_CMD_INTX_OFF : cmd | PCI_CMD_INTX_OFF);
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id)
{
	if (!(pci_read16(d, PCI_STATUS) & (1u << 4)))
		return 0;
	uint8_t off = pci_read32(d, PCI_CAP_PTR) & 0xFC;
	/* At most 48 capabilities fit in 192 bytes: a longer walk is a loop in the list. */
	for (unsigned i = 0; i < 48 && off >= 0x40; i++) {
		uint32_t hdr = pci_read32(d, off);
		if ((hdr & 0xFF) == id)
			return off;
		off = (hdr >> 8) & 0xFC;
	}
	return 0;
}

#define MSI_ADDR_BASE   0xFEE00000u     /* the LAPIC's message window (SDM 3A 11.11.1) */
#define MSI_CTRL_ENABLE (1u << 0)
#define MSI_CTRL_64BIT  (1u << 7)
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_CTRL_MASK  (1u << 14)
#define MSIX_ENTRY_SIZE 16

static uint32_t msi_address(uint32_t apic_id)
{
	return MSI_ADDR_BASE | (apic_id & 0xFF) << 12;  /* physical destination mode */
}

int pci_msi_enable(const struct pci_dev *d, uint32_t apic_id, uint8_t vector)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSI);
	if (!cap)
		return -ENOTSUP;
	uint16_t ctrl = pci_read16(d, cap + 2);
	pci_write16(d, cap + 2, ctrl & ~(MSI_CTRL_ENABLE | 0x70));     /* one message */
	pci_write32(d, cap + 4, msi_address(apic_id));
	if (ctrl & MSI_CTRL_64BIT) {
		pci_write32(d, cap + 8, 0);
		pci_write16(d, cap + 12, vector);       /* fixed delivery, edge */
	} else {
		pci_write16(d, cap + 8, vector);
	}
	pci_intx(d, false);
	pci_write16(d, cap + 2, (ctrl & ~0x70) | MSI_CTRL_ENABLE);
	return 0;
}

unsigned pci_msix_entries(const struct pci_dev *d)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX);
	return cap ? (pci_read16(d, cap + 2) & 0x7FFu) + 1 : 0;
}

int pci_msix_enable(const struct pci_dev *d, unsigned entry, uint32_t apic_id, uint8_t vector)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX);
	if (!cap)
		return -ENOTSUP;
	uint16_t ctrl = pci_read16(d, cap + 2);
	if (entry >= pci_msix_entries(d))
		return -EINVAL;
	uint32_t where = pci_read32(d, cap + 4);
	volatile uint8_t *table = pci_map_bar(d, where & 7);
	if (!table)
		return -ENODEV;
	volatile uint32_t *e = (volatile uint32_t *)(table + (where & ~7u) + entry * MSIX_ENTRY_SIZE);
	/* Function-masked while the entry changes (PCI 3.0 6.8.2.3). */
	pci_write16(d, cap + 2, ctrl | MSIX_CTRL_MASK | MSIX_CTRL_ENABLE);
	e[0] = msi_address(apic_id);
	e[1] = 0;
	e[2] = vector;
	e[3] = 0;                       /* vector control: unmasked */
	pci_intx(d, false);
	pci_write16(d, cap + 2, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASK);
	return 0;
}

void pci_msi_disable(const struct pci_dev *d)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSI);
	if (cap)
		pci_write16(d, cap + 2, pci_read16(d, cap + 2) & ~MSI_CTRL_ENABLE);
	if ((cap = pci_find_cap(d, PCI_CAP_MSIX)))
		pci_write16(d, cap + 2, pci_read16(d, cap + 2) & ~MSIX_CTRL_ENABLE);
}

volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar)
{
	const struct pci_bar *b = &d->bars[bar];
	if (bar >= 6 || b->io || b->size == 0)
		return NULL;
	return vmm_map_mmio(b->addr, b->size);
}
