/* I/O APIC: two registers, IOREGSEL (+0x00) to pick a register and IOWIN (+0x10) to access
 * it; register 1 holds the number of redirection entries, and entry n is the pair 0x10 + 2n
 * (vector, delivery, polarity, trigger, mask) and 0x11 + 2n (destination APIC id). */
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/acpi.h"
#include "kernel/console.h"
#include "kernel/mm/vmm.h"
#include "lib/errno.h"

#define IOREGSEL        0x00
#define IOWIN           0x10
#define IOAPICVER       0x01
#define REDTBL(n)       (0x10 + 2 * (n))
#define RTE_ACTIVE_LOW  (1u << 13)
#define RTE_LEVEL       (1u << 15)
#define RTE_MASKED      (1u << 16)

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	unsigned pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned nioapics;

static uint32_t io_read(const struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void io_write(const struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

unsigned ioapic_init(const struct acpi_info *acpi)
{
	for (unsigned i = 0; acpi && i < acpi->nioapics && nioapics < ACPI_MAX_IOAPICS; i++) {
		struct ioapic *io = &ioapics[nioapics];
		io->regs = vmm_map_mmio(acpi->ioapics[i].addr, 4096);
		if (!io->regs)
			continue;
		io->gsi_base = acpi->ioapics[i].gsi_base;
		io->pins = ((io_read(io, IOAPICVER) >> 16) & 0xFF) + 1;
		for (unsigned p = 0; p < io->pins; p++)
			io_write(io, REDTBL(p), RTE_MASKED);
		nioapics++;
	}
	return nioapics;
}

static struct ioapic *find(uint32_t gsi, unsigned *pin)
{
	for (unsigned i = 0; i < nioapics; i++)
		if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].pins) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	return NULL;
}

int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, bool level, bool active_low)
{
	unsigned pin;
	struct ioapic *io = find(gsi, &pin);
	if (!io)
		return -ENOENT;
	io_write(io, REDTBL(pin), RTE_MASKED);
	io_write(io, REDTBL(pin) + 1, apic_id << 24);
	io_write(io, REDTBL(pin), vector | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0));
	return 0;
}

void ioapic_mask(uint32_t gsi, bool masked)
{
	unsigned pin;
	struct ioapic *io = find(gsi, &pin);
	if (!io)
		return;
	uint32_t v = io_read(io, REDTBL(pin));
	io_write(io, REDTBL(pin), masked ? v | RTE_MASKED : v & ~RTE_MASKED);
}

