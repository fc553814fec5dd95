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
#define NIC_FRAME_MIN   14      /* an Ethernet header: a shorter receive holds no frame */
#define NIC_TX_BATCH    32      /* frames held back from the NIC at most */

/* What the NIC says of a received frame beside its bytes. */
struct nic_rx_info {
	uint32_t rss_hash;      /* the Toeplitz hash (lib/toeplitz.h) of its TCP/IPv4 4-tuple */
	bool rss_tcp4;          /* the NIC hashed it as TCP/IPv4: rss_hash is that hash */
};

/* A receive descriptor's write-back comes from the device: it is handed up only if it holds
 * a whole frame (EOP: with 2 KiB buffers and no jumbo frames none spans buffers), not marked
 * bad, with a length from an Ethernet header to the buffer's size; else it is counted and
 * dropped. Callers read each field from the descriptor once, so that the length checked is
 * the length delivered whatever the device writes meanwhile. */
static inline bool nic_rx_whole(bool eop, bool bad, uint16_t len)
{
	return eop && !bad && len >= NIC_FRAME_MIN && len <= NIC_BUF_SIZE;
}

typedef void (*nic_deliver_fn)(void *arg, const uint8_t *frame, size_t len,
			       const struct nic_rx_info *info);

/* The NIC's own counters as running totals (its registers clear on read). rx_overruns counts
 * the interrupts whose causes held the receive overrun (ICR.RXO: a frame arrived with no
 * receive buffer free, 8254x manual 13.4.17, 82576 datasheet 8.8), counted where the
 * device's owner reads ICR; a queue another kernel drives has none of its own. */
struct nic_stats {
	uint64_t rx_good, tx_good, rx_missed, rx_crc_errors;
	uint64_t rx_overruns;
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
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/cost.h"

/* Each access is timed: under emulation the time is the device model's (a tail write runs
 * the NIC's transmit, and the host's tap and network stack behind it), the floor under
 * what the guest itself spends (kernel/cost.h). */
static inline uint32_t nic_rd32(volatile uint8_t *regs, uint32_t reg)
{
	uint64_t t = rdtsc();
	uint32_t v = *(volatile uint32_t *)(regs + reg);
	kcost.nic_reads++;
	kcost.nic_cycles += rdtsc() - t;
	return v;
}

static inline void nic_wr32(volatile uint8_t *regs, uint32_t reg, uint32_t v)
{
	uint64_t t = rdtsc();
	*(volatile uint32_t *)(regs + reg) = v;
	kcost.nic_writes++;
	kcost.nic_cycles += rdtsc() - t;
}
#endif

/* A queue's tail register, through the pointer the queue keeps to it (drivers/nic/adv.h):
 * the host tests' models see these as stores into their register file. */
static inline void nic_wr_tail(volatile uint32_t *tail, uint32_t v)
{
#ifdef LIB_HOST_TEST
	*tail = v;
#else
	nic_wr32((volatile uint8_t *)tail, 0, v);
#endif
}

/* Polls reg until (reg & bit) is set (want) or clear: a few hundred reads back to back, then
 * once a millisecond for up to ms milliseconds; false if it never is. */
bool nic_wait_bit(volatile uint8_t *regs, uint32_t reg, uint32_t bit, bool want, unsigned ms);

/* Descriptor writes must reach memory before the tail write that hands them to the NIC;
 * x86 keeps stores in order, so the compiler is all there is to stop. */
static inline void nic_dma_barrier(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* A descriptor ring of n 16-byte descriptors (zeroed, in contiguous pages) and n buffers of
 * NIC_BUF_SIZE, two to a page, all in this kernel's memory; n even, at most NIC_RING_MAX. */
#define NIC_RING_MAX    4096    /* a bound on the memory asked for; no driver here asks more */
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

/* ---- the control part of a multi-queue NIC, which kernel 0 runs for every kernel ----
 *
 * What kernel/nicq.c (queues started for other kernels, DESIGN.md section 3), kernel/netirq.c
 * (kernel 0's own interrupts) and kernel/netsteer.c (the steering table) need of a NIC with
 * queue pairs of advanced descriptors (drivers/nic/adv.h): the igb and the ixgbe each export
 * one struct nic_ctl_ops; the first argument of each operation is the driver's device.
 *
 * Steering: RSS sends a frame to queue queue_of[h % NIC_BUCKETS] of the table steer_write
 * wrote, h its Toeplitz hash. A NIC with Flow Director (group_write not NULL) also sends a
 * TCP segment by its group, the low NIC_GROUP_BITS bits of its source port (the client's
 * port, for a connection a client opened: the NetPopcorn scheme), one perfect filter a group,
 * which overrides RSS. The buckets stay the unit kernel 0's policy and the move exchange move:
 * group g belongs to bucket g % NIC_BUCKETS (so a bucket is 32 groups), the group table is the
 * bucket table spread over the groups (nic_groups_of_buckets), and moving a bucket repoints
 * its 32 filters. nic_tcp_bucket is the software's view of the same rule. */
#define NIC_BUCKETS     128                     /* RSS redirection entries: hash bits 6:0 */
#define NIC_GROUP_BITS  12
#define NIC_GROUPS      (1u << NIC_GROUP_BITS)  /* Flow Director groups: port bits 11:0 */
#define NIC_QUEUES_MAX  16                      /* queue pairs a control part hands out */
_Static_assert(NIC_GROUPS % NIC_BUCKETS == 0, "every bucket has as many groups");

/* Which control part kernel 0 runs: what it tells a kernel whose queue it started, so that
 * the kernel drives the queue with the same driver's data path (kernel/nicq.h). */
enum nic_kind {
	NIC_KIND_NONE,
	NIC_KIND_IGB,           /* drivers/igb: 82576 */
	NIC_KIND_IXGBE,         /* drivers/ixgbe: 82599 */
};

struct adv_nic;
struct nic_ctl_ops {
	enum nic_kind kind;
	const char *name;
	const struct adv_nic *adv;              /* the layout of its queue pairs */
	const struct nic_ops *queue_ops;        /* a queue pair another kernel drives */
	/* Kernel 0's own interrupts by MSI-X (kernel/nicplan.h's layout): queue 0's receive
	 * cause to vec_queue, the other causes (link change) to vec_other, both on the CPU with
	 * apic_id, each at most once per throttle_us. irq_other, from vec_other's handler, reads
	 * (and so clears) the other causes: true if the link changed. */
	int (*irq_own)(void *dev, uint32_t apic_id, uint8_t vec_queue, uint8_t vec_other,
		       unsigned throttle_us);
	bool (*irq_other)(void *dev);
	/* Queue's receive interrupts to vector on the CPU with apic_id (queue >= 1) by its
	 * MSI-X entry; -EINVAL, nothing changed, for queue 0 or one the device's table cannot
	 * route (kernel/nicplan.h: nic_plan_routable). */
	int (*queue_route)(void *dev, unsigned queue, uint32_t apic_id, uint8_t vector,
			   unsigned throttle_us);
	/* Points queue at the rings at the two physical addresses and enables it; the errors
	 * and what they leave are adv_queue_start's (drivers/nic/adv.h): -EINVAL for a queue
	 * past the NIC's; after -EBUSY the queue may still point at the rings. */
	int (*queue_start)(void *dev, unsigned queue, uint64_t rx_ring_pa, uint64_t tx_ring_pa);
	/* Disables queue; after 0 the NIC no longer touches its rings (-ETIMEDOUT: it might). */
	int (*queue_stop)(void *dev, unsigned queue);
	/* The RSS redirection table; -EINVAL, nothing written, for a queue past the NIC's. */
	int (*steer_write)(void *dev, const uint8_t queue_of[NIC_BUCKETS]);
	/* The Flow Director groups' queues, each group whose queue changed repointed (one
	 * filter each) and no other; -EINVAL, nothing written, for a queue past the NIC's;
	 * -ETIMEDOUT if the NIC stops taking commands (the groups before it have moved). NULL
	 * on a NIC without Flow Director. */
	int (*group_write)(void *dev, const uint8_t queue_of[NIC_GROUPS]);
};

/* A control part and its device, as kernel 0 found it (ops NULL: none). */
struct nic_ctl {
	const struct nic_ctl_ops *ops;
	void *dev;
	const struct pci_dev *pci;
};

/* The group table of a bucket table: group g to bucket g % NIC_BUCKETS's queue. */
static inline void nic_groups_of_buckets(const uint8_t bucket_queue[NIC_BUCKETS],
					 uint8_t group_queue[NIC_GROUPS])
{
	for (unsigned g = 0; g < NIC_GROUPS; g++)
		group_queue[g] = bucket_queue[g % NIC_BUCKETS];
}

/* The bucket a received TCP/IPv4 segment lands in: by its group (its source port sport)
 * when the NIC steers TCP by groups, else by its Toeplitz hash. */
static inline unsigned nic_tcp_bucket(bool by_group, uint32_t hash, uint16_t sport)
{
	return by_group ? (sport & (NIC_GROUPS - 1)) % NIC_BUCKETS : hash % NIC_BUCKETS;
}

#endif
