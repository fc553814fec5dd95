/* Intel 82576 ("igb") registers: the hardware layer, no kernel types. Names are those of the
 * Intel 82576EB GbE Controller Datasheet, section numbers its chapter 8 (8.2 general, 8.8
 * interrupts, 8.10 receive, 8.12 transmit; the statistics registers are chapter 8's last
 * group). The queue registers use the 82576's own map (0xC000/0xE000 + 0x40 per queue, all
 * 16 queues), not the 8254x aliases at 0x2800/0x3800 that reach the first four only. The
 * descriptors are in drivers/nic/adv.h, shared with the 82599. */
#ifndef DRIVERS_IGB_HW_H
#define DRIVERS_IGB_HW_H

#include <stdint.h>

#define IGB_QUEUES      16              /* RX/TX queue pairs */

#define IGB_CTRL        0x0000  /* RW: device control (8.2) */
#define IGB_STATUS      0x0008  /* RO: device status (8.2) */
#define IGB_MDIC        0x0020  /* RW: MDI (PHY register) access (8.2) */
#define IGB_ICR         0x00C0  /* RC: interrupt cause read (8.8) */
#define IGB_ICS         0x00C8  /* WO: interrupt cause set (8.8) */
#define IGB_IMS         0x00D0  /* RW: interrupt mask set (8.8) */
#define IGB_IMC         0x00D8  /* WO: interrupt mask clear (8.8) */
#define IGB_RCTL        0x0100  /* RW: receive control (8.10) */
#define IGB_TCTL        0x0400  /* RW: transmit control (8.12) */
#define IGB_GPIE        0x1514  /* RW: general purpose interrupt enable (8.8) */
#define IGB_EICS        0x1520  /* WO: extended interrupt cause set (8.8) */
#define IGB_EIMS        0x1524  /* RW: extended interrupt mask set (8.8) */
#define IGB_EIMC        0x1528  /* WO: extended interrupt mask clear (8.8) */
#define IGB_EIAC        0x152C  /* RW: extended interrupt auto clear (8.8) */
#define IGB_EICR        0x1580  /* RC/W1C: extended interrupt cause read (8.8) */
#define IGB_EITR(v)     (0x1680 + 4 * (v))      /* RW: throttling of MSI-X vector v (8.8) */
#define IGB_IVAR(n)     (0x1700 + 4 * (n))      /* RW: queue causes to vectors, n < 8 (8.8) */
#define IGB_IVAR_MISC   0x1740  /* RW: the other causes to a vector (8.8) */
#define IGB_CRCERRS     0x4000  /* RC: CRC errors (statistics) */
#define IGB_MPC         0x4010  /* RC: missed packets, no descriptor free (statistics) */
#define IGB_GPRC        0x4074  /* RC: good packets received (statistics) */
#define IGB_GPTC        0x4080  /* RC: good packets transmitted (statistics) */
#define IGB_RXCSUM      0x5000  /* RW: receive checksum control (8.10) */
#define IGB_MTA(i)      (0x5200 + 4 * (i))      /* RW: multicast table, i < 128 (8.10) */
#define IGB_RAL0        0x5400  /* RW: receive address 0 low (8.10) */
#define IGB_RAH0        0x5404  /* RW: receive address 0 high; bit 31 valid (8.10) */
#define IGB_MRQC        0x5818  /* RW: multiple receive queues (RSS) control (8.10) */
#define IGB_RETA(i)     (0x5C00 + 4 * (i))      /* RW: redirection table, i < 32 (8.10) */
#define IGB_RSSRK(i)    (0x5C80 + 4 * (i))      /* RW: RSS key, i < 10 (8.10) */

/* Per-queue registers, q < IGB_QUEUES. The base and length registers are programmed only
 * while the queue is disabled. */
#define IGB_RDBAL(q)    (0xC000 + 0x40 * (q))   /* RW: RX ring base, 128-byte aligned (8.10) */
#define IGB_RDBAH(q)    (0xC004 + 0x40 * (q))   /* RW: RX ring base, high half (8.10) */
#define IGB_RDLEN(q)    (0xC008 + 0x40 * (q))   /* RW: RX ring bytes, multiple of 128 (8.10) */
#define IGB_SRRCTL(q)   (0xC00C + 0x40 * (q))   /* RW: split and replication control (8.10) */
#define IGB_RDH(q)      (0xC010 + 0x40 * (q))   /* RW: RX head, the NIC's (8.10) */
#define IGB_RDT(q)      (0xC018 + 0x40 * (q))   /* RW: RX tail, the driver's (8.10) */
#define IGB_RXDCTL(q)   (0xC028 + 0x40 * (q))   /* RW: RX queue control, enable (8.10) */
#define IGB_TDBAL(q)    (0xE000 + 0x40 * (q))   /* RW: TX ring base, 128-byte aligned (8.12) */
#define IGB_TDBAH(q)    (0xE004 + 0x40 * (q))   /* RW: TX ring base, high half (8.12) */
#define IGB_TDLEN(q)    (0xE008 + 0x40 * (q))   /* RW: TX ring bytes, multiple of 128 (8.12) */
#define IGB_TDH(q)      (0xE010 + 0x40 * (q))   /* RW: TX head, the NIC's (8.12) */
#define IGB_TDT(q)      (0xE018 + 0x40 * (q))   /* RW: TX tail, the driver's (8.12) */
#define IGB_TXDCTL(q)   (0xE028 + 0x40 * (q))   /* RW: TX queue control, enable (8.12) */

#define IGB_CTRL_SLU    (1u << 6)       /* set link up */
#define IGB_CTRL_RST    (1u << 26)      /* self-clearing device reset */
#define IGB_STATUS_LU   (1u << 1)       /* link up */
#define IGB_STATUS_SPEED(s) (((s) >> 6) & 3)    /* 0: 10, 1: 100, 2 or 3: 1000 Mb/s */
#define IGB_RAH_AV      (1u << 31)

/* MDIC: one PHY register read or write; the PHY of the 82576's port is at address 1. */
#define IGB_MDIC_DATA(v)  ((uint32_t)(v) & 0xFFFF)
#define IGB_MDIC_REG(r)   ((uint32_t)(r) << 16)
#define IGB_MDIC_PHY(p)   ((uint32_t)(p) << 21)
#define IGB_MDIC_OP_WRITE (1u << 26)
#define IGB_MDIC_READY    (1u << 28)
#define IGB_MDIC_ERROR    (1u << 30)
#define IGB_PHY_ADDR      1
/* PHY control (IEEE 802.3 clause 22 register 0). */
#define MII_BMCR            0
#define MII_BMCR_SPEED1000  (1u << 6)
#define MII_BMCR_FULL_DUPLEX (1u << 8)
#define MII_BMCR_AN_RESTART (1u << 9)
#define MII_BMCR_AN_ENABLE  (1u << 12)

/* Interrupt causes (ICR, ICS, IMS share the layout, 8.8). */
#define IGB_ICR_LSC     (1u << 2)       /* link status change */
#define IGB_ICR_RXO     (1u << 6)       /* receiver overrun */

/* GPIE: MSI-X mode, each EICR bit one vector, auto-clear and -mask enabled, PBA support. */
#define IGB_GPIE_NSICR      (1u << 0)
#define IGB_GPIE_MSIX_MODE  (1u << 4)
#define IGB_GPIE_EIAME      (1u << 30)
#define IGB_GPIE_PBA        (1u << 31)
/* IVAR(n): bytes 0-3 are RX queue n, TX queue n, RX queue n+8, TX queue n+8; IVAR_MISC byte
 * 0 is the TCP timer, byte 1 the other causes. Each byte: vector in bits 4:0, bit 7 valid. */
#define IGB_IVAR_VALID  0x80u
/* EITR: the minimum gap between interrupts, in microseconds, in bits 14:2. */
#define IGB_EITR_US(us) (((uint32_t)(us) & 0x1FFF) << 2)

#define IGB_RCTL_EN     (1u << 1)
#define IGB_RCTL_BAM    (1u << 15)      /* accept broadcast */
#define IGB_RCTL_SECRC  (1u << 26)      /* strip the Ethernet CRC */
#define IGB_RXCSUM_PCSD (1u << 13)      /* descriptors carry the RSS hash, not a checksum */
#define IGB_MRQC_RSS    2u              /* queues chosen by RSS (field 2:0), no VMDq pools */
#define IGB_MRQC_TCPIPV4 (1u << 16)     /* hash TCP/IPv4 on the 4-tuple */
#define IGB_MRQC_IPV4   (1u << 17)      /* hash other IPv4 on the addresses */
#define IGB_RETA_ENTRIES 128            /* the low 7 hash bits index it; a byte per entry */
#define IGB_SRRCTL_BSIZEPKT_KB(kb) ((uint32_t)(kb) & 0x7F)    /* packet buffer, 1 KiB units */
#define IGB_SRRCTL_DESC_ADV_ONEBUF (1u << 25)   /* advanced descriptors, one buffer */
#define IGB_SRRCTL_DROP_EN (1u << 31)   /* drop, not stall, when the queue has no buffer */
#define IGB_RXDCTL_ENABLE (1u << 25)
#define IGB_TXDCTL_ENABLE (1u << 25)
#define IGB_TCTL_EN     (1u << 1)
#define IGB_TCTL_PSP    (1u << 3)       /* pad short packets */
#define IGB_TCTL_CT(n)   ((uint32_t)(n) << 4)   /* collision threshold */
#define IGB_TCTL_COLD(n) ((uint32_t)(n) << 12)  /* collision distance */

/* The 82576's mark of a bad frame in an advanced receive descriptor's status_error: RXE
 * (CRC, symbol or length error), bit 31. */
#define IGB_RXD_ERR_RXE (1u << 31)

#endif
