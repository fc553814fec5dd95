/* The host shim (shim.h): register access, the clock, ring memory, logging and the PCI calls a
 * driver makes, over a device model. */
#include "tests/ixgbe/shim.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/nic.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/pit.h"
#include "kernel/console.h"
#include "kernel/mm/layout.h"
#include "lib/errno.h"

static struct ixm *model;
static struct pci_dev dev = { .vendor = 0x8086, .device = 0x10FB };
static char last_log[256];
static uint8_t msix_vector[IXM_ENTRIES];
static uint32_t msix_apic[IXM_ENTRIES];
static unsigned msix_entries = IXM_ENTRIES;
static long pages_held;
static uint8_t *from_base, *from_next, *from_end;       /* shim_pages_from's; NULL: none */
static int *model_lock;

const struct pci_dev *shim_use(struct ixm *m)
{
	model = m;
	/* BAR 0 is the register file, at the "physical" address its host pointer converts to:
	 * what kernel 0 names to a kernel whose queue it started (kernel/nicq.c). */
	dev.bars[0] = (struct pci_bar){ .addr = virt_to_phys((void *)m->reg), .size = IXM_BAR_SIZE };
	last_log[0] = 0;
	memset(msix_vector, 0, sizeof(msix_vector));
	memset(msix_apic, 0, sizeof(msix_apic));
	msix_entries = IXM_ENTRIES;
	return &dev;
}

const char *shim_last_log(void) { return last_log; }
uint8_t shim_msix_vector(unsigned entry) { return entry < IXM_ENTRIES ? msix_vector[entry] : 0; }
uint32_t shim_msix_apic(unsigned entry) { return entry < IXM_ENTRIES ? msix_apic[entry] : 0; }
long shim_pages_held(void) { return pages_held; }
void shim_msix_table(unsigned entries) { msix_entries = entries < IXM_ENTRIES ? entries : IXM_ENTRIES; }

void shim_pages_from(void *base, size_t size)
{
	from_base = from_next = base;
	from_end = from_base + size;
}

void shim_lock_with(int *lock) { model_lock = lock; }

void shim_lock(void)
{
	while (model_lock && __atomic_exchange_n(model_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

void shim_unlock(void)
{
	if (model_lock)
		__atomic_store_n(model_lock, 0, __ATOMIC_RELEASE);
}

static void check_regs(volatile uint8_t *regs, uint32_t reg)
{
	if (regs != (volatile uint8_t *)model->reg || reg >= IXM_BAR_SIZE || reg % 4) {
		fprintf(stderr, "shim: access to %p+%x outside the model\n", (void *)regs, reg);
		abort();
	}
}

uint32_t nic_rd32(volatile uint8_t *regs, uint32_t reg)
{
	check_regs(regs, reg);
	shim_lock();
	uint32_t v = ixm_read(model, reg);
	shim_unlock();
	return v;
}

void nic_wr32(volatile uint8_t *regs, uint32_t reg, uint32_t v)
{
	check_regs(regs, reg);
	shim_lock();
	ixm_write(model, reg, v);
	shim_unlock();
}

void pit_wait_ms(unsigned ms)
{
	shim_lock();
	ixm_advance(model, ms);
	shim_unlock();
}

/* The next n pages of shim_pages_from's range, NULL when it is used up. */
static void *pages_taken(size_t n)
{
	if ((size_t)(from_end - from_next) < n * PAGE_SIZE)
		return NULL;
	from_next += n * PAGE_SIZE;
	return from_next - n * PAGE_SIZE;
}

/* Zeroed, page-aligned memory of pages pages, held as one (freed by unpage). */
static void *pages(size_t pages)
{
	void *p = from_next ? pages_taken(pages) : aligned_alloc(PAGE_SIZE, pages * PAGE_SIZE);
	if (p) {
		memset(p, 0, pages * PAGE_SIZE);
		pages_held++;
	}
	return p;
}

static void *page(void)
{
	return pages(1);
}

static void unpage(void *p)
{
	if (p) {
		if ((uint8_t *)p < from_base || (uint8_t *)p >= from_end)
			free(p);
		pages_held--;
	}
}

void nic_free_ring(uint64_t *ring_pa, uint8_t **bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i += 2)
		unpage(bufs[i]);
	memset(bufs, 0, n * sizeof(bufs[0]));
	if (*ring_pa)
		unpage(phys_to_virt(*ring_pa));
	*ring_pa = 0;
}

int nic_alloc_ring(uint64_t *ring_pa, uint8_t **bufs, unsigned n)
{
	memset(bufs, 0, n * sizeof(bufs[0]));
	void *ring = pages((n * 16 + PAGE_SIZE - 1) / PAGE_SIZE);      /* descriptors: contiguous */
	*ring_pa = ring ? virt_to_phys(ring) : 0;
	if (!ring)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i += 2) {
		uint8_t *p = page();
		if (!p) {
			nic_free_ring(ring_pa, bufs, n);
			return -ENOMEM;
		}
		bufs[i] = p;
		bufs[i + 1] = p + NIC_BUF_SIZE;
	}
	return 0;
}

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

/* The model is the only device; nothing probes for it (the tests attach it themselves). */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device)
{
	(void)vendor;
	(void)device;
	return NULL;
}

void pci_enable(const struct pci_dev *d) { (void)d; }
volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar)
{
	(void)d;
	return bar == 0 ? (volatile void *)model->reg : NULL;
}

int pci_msix_enable(const struct pci_dev *d, unsigned entry, uint32_t apic_id, uint8_t vector)
{
	(void)d;
	if (entry >= msix_entries)
		return -EINVAL;
	msix_vector[entry] = vector;
	msix_apic[entry] = apic_id;
	return 0;
}

unsigned pci_msix_entries(const struct pci_dev *d) { (void)d; return msix_entries; }
