/* PCI: configuration space through ECAM (the MCFG table) or, without it, ports 0xCF8/0xCFC;
 * enumeration, BARs, bus mastering, and the table of devices Flotilla drives. */
#ifndef DRIVERS_PCI_PCI_H
#define DRIVERS_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_DEVICES 64

/* Configuration space offsets (PCI Local Bus 3.0, 6.1). */
#define PCI_VENDOR_ID   0x00    /* R 16 */
#define PCI_DEVICE_ID   0x02    /* R 16 */
#define PCI_COMMAND     0x04    /* RW 16 */
#define PCI_CLASS_REV   0x08    /* R 32: class, subclass, prog-if, revision */
#define PCI_HEADER_TYPE 0x0E    /* R 8: bit 7 multi-function */
#define PCI_BAR0        0x10    /* RW 32 x 6 */
#define PCI_STATUS      0x06    /* R 16: bit 4, a capability list exists */
#define PCI_CAP_PTR     0x34    /* R 8: the first capability */
#define PCI_INT_LINE    0x3C    /* RW 8 */
#define PCI_CAP_MSI     0x05
#define PCI_CAP_MSIX    0x11

#define PCI_CMD_IO      (1u << 0)
#define PCI_CMD_MEM     (1u << 1)
#define PCI_CMD_MASTER  (1u << 2)
#define PCI_CMD_INTX_OFF (1u << 10)

struct pci_bar {
	uint64_t addr, size;
	bool io, is64;
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, prog_if;
	struct pci_bar bars[6];
	const char *driver;             /* from the table of supported devices, or NULL */
};

void pci_init(void);
unsigned pci_count(void);
struct pci_dev *pci_get(unsigned i);
struct pci_dev *pci_find(uint16_t vendor, uint16_t device);
uint32_t pci_read32(const struct pci_dev *d, uint16_t off);
uint16_t pci_read16(const struct pci_dev *d, uint16_t off);
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v);
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
/* The offset of capability id in d's list, or 0 (PCI 3.0 6.7). */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id);
/* Message signalled interrupts (PCI 3.0 6.8), to vector on the CPU with apic_id, edge
 * triggered (SDM 3A 11.11 gives the address and data formats). Both turn INTx off.
 * -ENOTSUP if the device lacks the capability; for MSI-X, -EINVAL for an entry past its
 * table and -ENODEV if the table's BAR cannot be mapped. */
int pci_msi_enable(const struct pci_dev *d, uint32_t apic_id, uint8_t vector);
int pci_msix_enable(const struct pci_dev *d, unsigned entry, uint32_t apic_id, uint8_t vector);
/* The entries of d's MSI-X table (Table Size + 1, PCI 3.0 6.8.2.3), 0 without MSI-X. */
unsigned pci_msix_entries(const struct pci_dev *d);
void pci_msi_disable(const struct pci_dev *d);
/* Lets the device assert its INTx# line (pci_enable leaves it off, PCI 3.0 6.2.2). */
void pci_intx(const struct pci_dev *d, bool on);
/* Turns on memory decoding and bus mastering (DMA), and masks legacy INTx. */
void pci_enable(const struct pci_dev *d);
/* Maps a memory BAR uncached; NULL for an I/O or empty BAR. */
volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar);

#endif
