/* Intel 82599 ("ixgbe") registers: the hardware layer, no kernel types. Names are those of
 * the Intel 82599 10 GbE Controller Datasheet; section numbers are its chapter 8 register
 * descriptions (8.2.3.1 general, 8.2.3.2 EEPROM, 8.2.3.5 interrupts, 8.2.3.7 receive
 * filters, 8.2.3.8 receive DMA, 8.2.3.9 transmit DMA, 8.2.3.21 Flow Director, 8.2.3.22 MAC,
 * 8.2.3.23 statistics). Access: RW read/write, RO read only, WO write only, RC clear on read,
 * RW1C write 1 to clear, SC self-clearing. Queue registers below queue 64 only: the driver
 * uses 16 queue pairs (RSS reaches 16). The descriptors are in drivers/nic/adv.h.
 * The datasheet's register pages were not at hand when this was written: the section numbers
 * are the datasheet as its author knew it. The offsets and bits were checked against the
 * Linux driver's register header (ixgbe_type.h) and its and DPDK's programming of the 82599;
 * docs/HARDWARE.md lists which agree, which were changed to agree, and which were not found
 * there. The device ids (8086:10FB SFI/SFP+, 8086:10F7 KX4) agree with it too. */
#ifndef DRIVERS_IXGBE_HW_H
#define DRIVERS_IXGBE_HW_H

#include <stdint.h>

#define IXGBE_QUEUES    16              /* queue pairs driven: RETA entries name 16 (7.1.2.8) */

#define IXGBE_CTRL      0x00000 /* RW: device control; RST is SC (8.2.3.1.1) */
#define IXGBE_STATUS    0x00008 /* RO: device status (8.2.3.1.2) */
#define IXGBE_CTRL_EXT  0x00018 /* RW: extended device control (8.2.3.1.3) */
#define IXGBE_EICR      0x00800 /* RW1C: extended interrupt cause (8.2.3.5.1) */
#define IXGBE_EICS      0x00808 /* WO: extended interrupt cause set (8.2.3.5.3) */
#define IXGBE_EIAC      0x00810 /* RW: auto clear, vectors 0-15 (8.2.3.5.4) */
#define IXGBE_EITR(v)   (0x00820 + 4 * (v))     /* RW: throttle of vector v < 24 (8.2.3.5.12) */
#define IXGBE_EIMS      0x00880 /* RW: interrupt mask set, causes 15:0 and others (8.2.3.5.5) */
#define IXGBE_EIMC      0x00888 /* WO: interrupt mask clear (8.2.3.5.6) */
#define IXGBE_GPIE      0x00898 /* RW: general purpose interrupt enable (8.2.3.5.11) */
#define IXGBE_IVAR(n)   (0x00900 + 4 * (n))     /* RW: queues 2n, 2n+1 to vectors (8.2.3.5.15) */
#define IXGBE_IVAR_MISC 0x00A00 /* RW: other causes to a vector (8.2.3.5.16) */
#define IXGBE_EIMS_EX(i) (0x00AA0 + 4 * (i))    /* RW: mask set, vectors 32i..32i+31 (8.2.3.5.8) */
#define IXGBE_EIMC_EX(i) (0x00AB0 + 4 * (i))    /* WO: mask clear, likewise (8.2.3.5.9) */
#define IXGBE_EIAM_EX(i) (0x00AD0 + 4 * (i))    /* RW: auto-mask, likewise (8.2.3.5) */
#define IXGBE_RDRXCTL   0x02F00 /* RW: receive DMA control; DMAIDONE RO (8.2.3.8.8) */
#define IXGBE_RXCTRL    0x03000 /* RW: receive control, RXEN (8.2.3.8.10) */
#define IXGBE_RXPBSIZE(i) (0x03C00 + 4 * (i))   /* RW: RX packet buffer i < 8 size (8.2.3.8.9) */
#define IXGBE_HLREG0    0x04240 /* RW: MAC core control 0 (8.2.3.22.8) */
#define IXGBE_AUTOC     0x042A0 /* RW: auto-negotiation control, LMS (8.2.3.22.19) */
#define IXGBE_LINKS     0x042A4 /* RO: link status (8.2.3.22.20) */
#define IXGBE_AUTOC2    0x042A8 /* RW: auto-negotiation control 2 (8.2.3.22.21) */
#define IXGBE_DMATXCTL  0x04A80 /* RW: transmit DMA control, TE (8.2.3.9.1) */
#define IXGBE_RXCSUM    0x05000 /* RW: receive checksum control (8.2.3.7.2) */
#define IXGBE_FCTRL     0x05080 /* RW: filter control (8.2.3.7.1) */
#define IXGBE_MTA(i)    (0x05200 + 4 * (i))     /* RW: multicast table, i < 128 (8.2.3.7.7) */
#define IXGBE_RAL(i)    (0x0A200 + 8 * (i))     /* RW: receive address low (8.2.3.7.8) */
#define IXGBE_RAH(i)    (0x0A204 + 8 * (i))     /* RW: receive address high, AV (8.2.3.7.9) */
#define IXGBE_EEC       0x10010 /* RW: EEPROM/flash control; ARD RO (8.2.3.2.1) */
/* RSS: the addresses the Linux driver uses on every ixgbe part, the 82599 included, so known
 * to reach these registers on silicon; this header first had 0x0EB00, 0x0EB80 and 0x0EC80,
 * which its author took for the 82599's own copies (unverified). */
#define IXGBE_RETA(i)   (0x05C00 + 4 * (i))     /* RW: redirection table, i < 32 (8.2.3.7.14) */
#define IXGBE_RSSRK(i)  (0x05C80 + 4 * (i))     /* RW: RSS key, i < 10 (8.2.3.7.15) */
#define IXGBE_MRQC      0x05818 /* RW: multiple receive queues command (8.2.3.7.12) */
#define IXGBE_GPRC      0x04074 /* RC: good packets received (8.2.3.23.18) */
#define IXGBE_GPTC      0x04080 /* RC: good packets transmitted (8.2.3.23.51) */
#define IXGBE_CRCERRS   0x04000 /* RC: CRC errors (8.2.3.23.1) */

/* Flow Director (8.2.3.21; the function is 7.1.2.7). Filters are added one at a time through
 * the FDIRIPSA..FDIRCMD window: the fields, then FDIRHASH, then FDIRCMD. */
#define IXGBE_FDIRCTRL  0x0EE00 /* RW: control; INIT_DONE RO (8.2.3.21.1) */
#define IXGBE_FDIRIPSA  0x0EE18 /* RW: filter's IPv4 source address (8.2.3.21.5) */
#define IXGBE_FDIRIPDA  0x0EE1C /* RW: filter's IPv4 destination address (8.2.3.21.6) */
#define IXGBE_FDIRPORT  0x0EE20 /* RW: filter's ports: source 15:0, dest 31:16 (8.2.3.21.7) */
#define IXGBE_FDIRVLAN  0x0EE24 /* RW: filter's VLAN and flexible bytes (8.2.3.21.8) */
#define IXGBE_FDIRHASH  0x0EE28 /* RW: filter's bucket hash and valid bit (8.2.3.21.9) */
#define IXGBE_FDIRCMD   0x0EE2C /* RW: command; CMD field SC (8.2.3.21.10) */
#define IXGBE_FDIRDIP4M 0x0EE3C /* RW: destination IPv4 mask, 1 = ignore (8.2.3.21.13) */
#define IXGBE_FDIRSIP4M 0x0EE40 /* RW: source IPv4 mask, 1 = ignore (8.2.3.21.14) */
#define IXGBE_FDIRTCPM  0x0EE44 /* RW: TCP port masks, 1 = ignore (8.2.3.21.15) */
#define IXGBE_FDIRUDPM  0x0EE48 /* RW: UDP port masks, 1 = ignore (8.2.3.21.16) */
#define IXGBE_FDIRFREE  0x0EE38 /* RW: free filter space (8.2.3.21.12) */
#define IXGBE_FDIRHKEY  0x0EE68 /* RW: bucket hash key (8.2.3.21.21) */
#define IXGBE_FDIRSKEY  0x0EE6C /* RW: signature hash key (8.2.3.21.22) */
#define IXGBE_FDIRM     0x0EE70 /* RW: other field masks, 1 = ignore (8.2.3.21.23) */

/* Per-queue registers, q < 64 (queues 64-127 sit at 0x0D000 for receive). The base and
 * length are programmed only while the queue is disabled (4.6.7, 4.6.8). */
#define IXGBE_RDBAL(q)  (0x01000 + 0x40 * (q))  /* RW: RX ring base, 128-B aligned (8.2.3.8.1) */
#define IXGBE_RDBAH(q)  (0x01004 + 0x40 * (q))  /* RW: RX ring base, high half (8.2.3.8.2) */
#define IXGBE_RDLEN(q)  (0x01008 + 0x40 * (q))  /* RW: RX ring bytes, multiple of 128 (8.2.3.8.3) */
#define IXGBE_RDH(q)    (0x01010 + 0x40 * (q))  /* RW: RX head, the NIC's (8.2.3.8.4) */
#define IXGBE_SRRCTL(q) (0x01014 + 0x40 * (q))  /* RW: split and replication (8.2.3.8.7) */
#define IXGBE_RDT(q)    (0x01018 + 0x40 * (q))  /* RW: RX tail, the driver's (8.2.3.8.5) */
#define IXGBE_RXDCTL(q) (0x01028 + 0x40 * (q))  /* RW: RX queue control, ENABLE (8.2.3.8.6) */
#define IXGBE_TDBAL(q)  (0x06000 + 0x40 * (q))  /* RW: TX ring base, 128-B aligned (8.2.3.9.5) */
#define IXGBE_TDBAH(q)  (0x06004 + 0x40 * (q))  /* RW: TX ring base, high half (8.2.3.9.6) */
#define IXGBE_TDLEN(q)  (0x06008 + 0x40 * (q))  /* RW: TX ring bytes, multiple of 128 (8.2.3.9.7) */
#define IXGBE_TDH(q)    (0x06010 + 0x40 * (q))  /* RW: TX head, the NIC's (8.2.3.9.8) */
#define IXGBE_TDT(q)    (0x06018 + 0x40 * (q))  /* RW: TX tail, the driver's (8.2.3.9.9) */
#define IXGBE_TXDCTL(q) (0x06028 + 0x40 * (q))  /* RW: TX queue control, ENABLE (8.2.3.9.10) */

#define IXGBE_CTRL_MASTER_DIS (1u << 2)         /* PCIe master disable */
#define IXGBE_CTRL_LRST (1u << 3)               /* link reset */
#define IXGBE_CTRL_RST  (1u << 26)              /* device reset, self-clearing */
#define IXGBE_STATUS_MASTER_EN (1u << 19)       /* GIO master requests still enabled */
#define IXGBE_EEC_ARD   (1u << 9)               /* EEPROM auto-read done */
#define IXGBE_RDRXCTL_CRCSTRIP (1u << 1)        /* must match HLREG0.RXCRCSTRP */
#define IXGBE_RDRXCTL_DMAIDONE (1u << 3)        /* DMA initialisation done */
#define IXGBE_RDRXCTL_RSCFRSTSIZE (0x1Fu << 17) /* to be written 0 */
#define IXGBE_RDRXCTL_RSCACKC (1u << 25)        /* to be written 1 */
#define IXGBE_RDRXCTL_FCOE_WRFIX (1u << 26)     /* to be written 1 */
#define IXGBE_RXCTRL_RXEN (1u << 0)
#define IXGBE_DMATXCTL_TE (1u << 0)
#define IXGBE_HLREG0_TXCRCEN  (1u << 0)         /* append the CRC */
#define IXGBE_HLREG0_RXCRCSTRP (1u << 1)        /* strip the CRC */
#define IXGBE_HLREG0_TXPADEN  (1u << 10)        /* pad short frames */
#define IXGBE_FCTRL_BAM (1u << 10)              /* accept broadcast */
#define IXGBE_RAH_AV    (1u << 31)
#define IXGBE_RXCSUM_PCSD (1u << 13)            /* descriptors carry the RSS hash */

/* AUTOC.LMS, bits 15:13: the link mode the NVM set for the board (4.6.4). 011b is 10 Gb/s
 * serial without auto-negotiation, which with AUTOC2.10G_PMA_PMD_SERIAL = 10b is SFI, the
 * SFP+ cage of an X520. */
#define IXGBE_AUTOC_LMS(a)      (((a) >> 13) & 7u)
#define IXGBE_AUTOC_LMS_10G_SERIAL 3u
#define IXGBE_AUTOC_RESTART_AN  (1u << 12)
#define IXGBE_AUTOC2_PMA_SERIAL(a) (((a) >> 16) & 3u)   /* 10G_PMA_PMD_SERIAL */
#define IXGBE_AUTOC2_PMA_SFI    2u
#define IXGBE_LINKS_UP  (1u << 30)
#define IXGBE_LINKS_SPEED(l) (((l) >> 28) & 3u) /* 1: 100 Mb/s, 2: 1 Gb/s, 3: 10 Gb/s */

/* GPIE: MSI-X mode with one vector per cause, auto-mask, PBA (8.2.3.5.11). */
#define IXGBE_GPIE_MSIX_MODE (1u << 4)
#define IXGBE_GPIE_EIAME (1u << 30)
#define IXGBE_GPIE_PBA  (1u << 31)
/* IVAR(n): byte 0 RX queue 2n, byte 1 TX queue 2n, byte 2 RX queue 2n+1, byte 3 TX queue
 * 2n+1; IVAR_MISC byte 1 the other causes. Each byte: vector in bits 5:0, bit 7 valid. */
#define IXGBE_IVAR_VALID 0x80u
#define IXGBE_IVAR_RX_SHIFT(q) (16u * ((q) & 1u))
#define IXGBE_EICR_LSC  (1u << 20)              /* link status change */
/* EITR: the minimum gap between interrupts in 2 microsecond units, bits 11:3 (the field the
 * Linux driver writes: its 50 microsecond setting is 200). */
#define IXGBE_EITR_US(us) ((((uint32_t)(us) / 2) & 0x1FF) << 3)

#define IXGBE_SRRCTL_BSIZEPKT_KB(kb) ((uint32_t)(kb) & 0x1F)  /* packet buffer, 1 KiB units */
#define IXGBE_SRRCTL_DESC_ADV_ONEBUF (1u << 25)         /* DESCTYPE 001b */
#define IXGBE_SRRCTL_DROP_EN (1u << 28)
#define IXGBE_RXDCTL_ENABLE (1u << 25)
#define IXGBE_TXDCTL_ENABLE (1u << 25)

/* MRQC: MRQE 0001b (RSS only, bits 3:0), hash TCP/IPv4 on the 4-tuple and other IPv4 on the
 * addresses. RETA: four entries to a register, entry 4i in RETA(i)'s low byte, the queue in
 * each byte's bits 3:0. */
#define IXGBE_MRQC_RSS      1u
#define IXGBE_MRQC_TCPIPV4  (1u << 16)
#define IXGBE_MRQC_IPV4     (1u << 17)
#define IXGBE_RETA_ENTRIES  128

/* RXPBSIZE: a receive packet buffer's size in bytes, in 1 KiB units (bits 19:10). The 82599
 * has 512 KiB of receive packet buffer in all; Flow Director's table takes its allocation
 * (PBALLOC) from it, so before FDIRCTRL is written buffer 0 must give that much back and
 * buffers 1-7 (DCB's) must hold none (7.1.2.7.4; the Linux and DPDK drivers do the same). */
#define IXGBE_RXPB_TOTAL        (512u * 1024)

/* FDIRCTRL: PBALLOC 11b gives the filters 256 KiB of the receive packet buffer (8K perfect
 * filters, 7.1.2.7.4); PERFECT_MATCH; INIT_DONE reads 1 when the table is ready. */
#define IXGBE_FDIRCTRL_PBALLOC_256K 3u
#define IXGBE_FDIR_TABLE_BYTES  (256u * 1024)
#define IXGBE_FDIRCTRL_INIT_DONE (1u << 3)
#define IXGBE_FDIRCTRL_PERFECT  (1u << 4)
#define IXGBE_FDIRCTRL_MAX_LEN(n) ((uint32_t)(n) << 24)   /* bucket chain length, 27:24 */
#define IXGBE_FDIRCTRL_FULL_THRESH(n) ((uint32_t)(n) << 28)
/* FDIRHASH: the bucket hash in the low bits (13 bits for perfect filters with 256 KiB) and
 * in perfect mode a software index in 30:16 that names the filter for a query and a remove.
 * The Linux and DPDK drivers, whose perfect filters match on silicon, write nothing else. */
#define IXGBE_FDIR_PERFECT_HASH_MASK 0x1FFFu
#define IXGBE_FDIRHASH_SWIDX(i) (((uint32_t)(i) & 0x7FFF) << 16)
/* FDIRCMD: CMD 1:0 (01 add, 10 remove, 11 query; back to 00 when done), FILTER_VALID 2 (the
 * query's answer), FILTER_UPDATE 3 (an add over an existing filter repoints it), flow type
 * 7:5 (010b TCP over IPv4), LAST 11, QUEUE_EN 15, RX_QUEUE 22:16. */
#define IXGBE_FDIRCMD_CMD(c)    ((c) & 3u)
#define IXGBE_FDIRCMD_ADD       1u
#define IXGBE_FDIRCMD_REMOVE    2u
#define IXGBE_FDIRCMD_QUERY     3u
#define IXGBE_FDIRCMD_VALID     (1u << 2)
#define IXGBE_FDIRCMD_UPDATE    (1u << 3)
#define IXGBE_FDIR_FLOW_TCPV4   2u
#define IXGBE_FDIRCMD_L4_TCP    (IXGBE_FDIR_FLOW_TCPV4 << 5)
#define IXGBE_FDIRCMD_LAST      (1u << 11)
#define IXGBE_FDIRCMD_QUEUE_EN  (1u << 15)
#define IXGBE_FDIRCMD_QUEUE(c)  (((c) >> 16) & 0x7Fu)
#define IXGBE_FDIRCMD_RX_QUEUE(q) (((uint32_t)(q) & 0x7F) << 16)
/* FDIRM: ignore the VLAN id and priority (bits 0, 1), the VM pool (2), the flexible bytes
 * (4) and the IPv6 destination (5); L4P (3) stays clear, so the flow type FDIRCMD names is
 * compared (and hashed): with it set, a UDP datagram, its ports masked by FDIRUDPM, would
 * match a TCP filter whose port is 0. Bit values as the Linux driver's FDIRM. */
#define IXGBE_FDIRM_L4P 0x08u
#define IXGBE_FDIRM_IGNORE_ALL_BUT_TUPLE 0x37u

/* The 82599's mark of a bad frame in an advanced receive descriptor's status_error: RXE
 * (CRC, length or symbol error), bit 29 of the extended error field (7.1.6.2). */
#define IXGBE_RXD_ERR_RXE (1u << 29)

#endif
