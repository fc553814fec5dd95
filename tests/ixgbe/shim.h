/* The host shim under drivers/ixgbe (shim.c): what the kernel gives a driver, for the host
 * tests, with the registers as calls into a device model and physical addresses as host
 * pointers (kernel/mm/layout.h's conversions are plain arithmetic, so a host pointer
 * "converts" to an address the model converts back). */
#ifndef TESTS_IXGBE_SHIM_H
#define TESTS_IXGBE_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include "tests/ixgbe/model.h"

struct pci_dev;

/* The model behind every register access and wait from now on, and a PCI device for it. */
const struct pci_dev *shim_use(struct ixm *m);
/* The last line the driver logged (pr_err and friends), "" if none since shim_use. */
const char *shim_last_log(void);
/* MSI-X table entry's vector as the driver set it (pci_msix_enable), 0 if never. */
uint8_t shim_msix_vector(unsigned entry);
/* ... and the APIC id it sends to, 0 if never. */
uint32_t shim_msix_apic(unsigned entry);
/* From now on the device's MSI-X table has entries entries (at most IXM_ENTRIES; shim_use
 * sets IXM_ENTRIES), as a NIC with fewer entries than queue pairs has. */
void shim_msix_table(unsigned entries);
/* Buffers and rings still allocated by nic_alloc_ring. */
long shim_pages_held(void);
/* From now on nic_alloc_ring takes its pages from [base, base + size) (page-aligned), in
 * order and never again (a freed page is counted back, not reused), instead of the heap: the
 * memory of one kernel's partition, for tests whose model writes there from another process
 * (tests/ixgbe/kernels.h). */
void shim_pages_from(void *base, size_t size);
/* From now on every register access and wait holds *lock (a spinlock: 0 free), which the
 * processes sharing the model share; NULL: none. */
void shim_lock_with(int *lock);
void shim_lock(void);
void shim_unlock(void);

#endif
