/* What the network interface (kernel/netdev.c) needs of a NIC driver, whichever it is: the data
 * path of one queue pair and the control part's link state and statistics. Each driver
 * exports one struct nic_ops; the first argument of each operation is its device. */
#ifndef DRIVERS_NIC_H
#define DRIVERS_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NIC_BUF_SIZE    2048    /* receive and transmit buffers: one frame each, no jumbo */
#define NIC_FRAME_MAX   1514    /* without the CRC, which the NIC adds and strips */
#define NIC_TX_BATCH    32      /* frames held back from the NIC at most */

/* What the NIC says of a received frame beside its bytes. */
struct nic_rx_info {
	uint32_t rss_hash;      /* the Toeplitz hash (lib/toeplitz.h) of its TCP/IPv4 4-tuple */
	bool rss_tcp4;          /* the NIC hashed it as TCP/IPv4: rss_hash is that hash */
};

typedef void (*nic_deliver_fn)(void *arg, const uint8_t *frame, size_t len,
			       const struct nic_rx_info *info);

/* The NIC's own counters as running totals (its registers clear on read). */
struct nic_stats {
	uint64_t rx_good, tx_good, rx_missed, rx_crc_errors;
};

struct nic_ops {
	const char *name;
	/* The RSS key the NIC hashes received frames with (RSS_KEY_LEN bytes), NULL if it
	 * computes no hash. */
	const uint8_t *rss_key;
	/* Queues one frame (copied); -EAGAIN when the ring is full, -EINVAL for a bad length.
	 * With more, the NIC may not be told until tx_flush (or NIC_TX_BATCH frames wait): one
	 * doorbell write for a batch instead of one per frame. */
	int (*send)(void *nic, const void *frame, size_t len, bool more);
	void (*tx_flush)(void *nic);
	/* Hands up to budget received frames to deliver; returns how many. */
	unsigned (*poll)(void *nic, nic_deliver_fn deliver, void *arg, unsigned budget);
	/* A received frame waits that poll has not taken yet. */
	bool (*rx_pending)(const void *nic);
	/* Reads the statistics registers into the totals and the link state; true if the link
	 * changed since the last call. */
	bool (*update)(void *nic);
	bool (*link_up)(const void *nic);
	unsigned (*link_mbps)(const void *nic);
	const struct nic_stats *(*stats)(const void *nic);
	const uint8_t *(*mac)(const void *nic);
	/* Raises the link-change cause by software, once the interrupts are set up. */
	void (*irq_test)(void *nic);
};

/* Device registers: 32-bit MMIO at an offset from the mapped BAR. The host tests' device
 * models (tests/ixgbe/shim.c) see each access as a call, for the registers whose reads and
 * writes have side effects. */
#ifdef LIB_HOST_TEST
uint32_t nic_rd32(volatile uint8_t *regs, uint32_t reg);
void nic_wr32(volatile uint8_t *regs, uint32_t reg, uint32_t v);
#else
static inline uint32_t nic_rd32(volatile uint8_t *regs, uint32_t reg)
{
	return *(volatile uint32_t *)(regs + reg);
}

static inline void nic_wr32(volatile uint8_t *regs, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(regs + reg) = v;
}
#endif

/* Polls reg every millisecond, up to ms milliseconds, until (reg & bit) is set (want) or
 * clear; false if it never is. */
bool nic_wait_bit(volatile uint8_t *regs, uint32_t reg, uint32_t bit, bool want, unsigned ms);

/* Descriptor writes must reach memory before the tail write that hands them to the NIC;
 * x86 keeps stores in order, so the compiler is all there is to stop. */
static inline void nic_dma_barrier(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* A descriptor ring of n 16-byte descriptors (one zeroed page) and n buffers of
 * NIC_BUF_SIZE, two to a page, all in this kernel's memory. */
int nic_alloc_ring(uint64_t *ring_pa, uint8_t **bufs, unsigned n);
/* Gives back what nic_alloc_ring took (ring_pa 0 and NULL buffers are skipped, so a ring
 * that failed halfway can be freed), and clears them. */
void nic_free_ring(uint64_t *ring_pa, uint8_t **bufs, unsigned n);

/* Fault injection, for the ktests of the drivers' error paths: a test arms one point to
 * fail on its nth pass from then on (once; nic_fault_arm(NIC_FAULT_NONE, 0) disarms), and a
 * driver asks nic_fault(point) where the failure would happen. Nothing else arms it. */
enum nic_fault_point {
	NIC_FAULT_NONE,
	NIC_FAULT_RING_ALLOC,           /* nic_alloc_ring fails with -ENOMEM */
	NIC_FAULT_QUEUE_ENABLE,         /* a queue's enable bit is taken not to read back set */
};
void nic_fault_arm(enum nic_fault_point point, unsigned nth);
bool nic_fault(enum nic_fault_point point);

/* Receive address 0 (RAL0, RAH0), where the EEPROM or NVM puts the MAC at reset: the first
 * four bytes in RAL's bytes 0-3, the last two in RAH's bytes 0-1, and the address valid bit
 * (AV) RAH's bit 31, on the 8254x, the 82576 and the 82599 alike. nic_read_mac: -ENODEV
 * when AV is clear or the address is zero. */
#define NIC_RAH_AV      (1u << 31)
/* A MAC in the log: pr_info("... " NIC_MAC_FMT " ...", NIC_MAC_ARGS(mac)). */
#define NIC_MAC_FMT     "%02x:%02x:%02x:%02x:%02x:%02x"
#define NIC_MAC_ARGS(m) (m)[0], (m)[1], (m)[2], (m)[3], (m)[4], (m)[5]
void nic_mac_from_ra(uint32_t ral, uint32_t rah, uint8_t mac[6]);
int nic_read_mac(volatile uint8_t *regs, uint32_t ral, uint32_t rah, uint8_t mac[6]);

struct pci_dev;
/* The attach's first step: the device enabled (pci_enable) and its registers, BAR 0,
 * mapped; NULL if it has none. */
volatile uint8_t *nic_enable(const struct pci_dev *pci);
/* Kernel 0 at boot: attaches the first Intel (8086) PCI device of each device id in ids
 * (0-terminated), in order, to dev with attach, until one attaches; says why each that fails
 * did. dev when a device is up, else NULL. */
void *nic_probe(const char *name, const uint16_t *ids,
		int (*attach)(void *dev, const struct pci_dev *pci), void *dev);

#endif
