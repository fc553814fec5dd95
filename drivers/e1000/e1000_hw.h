/* Intel 8254x (82540EM, "e1000") registers and descriptors: the hardware layer, no kernel
 * types. Section numbers are of the PCI/PCI-X Family of Gigabit Ethernet Controllers
 * Software Developer's Manual (317453-006). */
#ifndef DRIVERS_E1000_HW_H
#define DRIVERS_E1000_HW_H

#include <stdint.h>

#define E1000_CTRL      0x0000  /* RW: device control (13.4.1) */
#define E1000_STATUS    0x0008  /* R: device status (13.4.2) */
#define E1000_EERD      0x0014  /* RW: EEPROM read (13.4.4) */
#define E1000_ICR       0x00C0  /* RC: interrupt cause read (13.4.17) */
#define E1000_ITR       0x00C4  /* RW: interrupt throttling, in 256 ns units (13.4.18) */
#define E1000_ICS       0x00C8  /* W: interrupt cause set (13.4.19) */
#define E1000_IMS       0x00D0  /* RW: interrupt mask set (13.4.20) */
#define E1000_IMC       0x00D8  /* W: interrupt mask clear (13.4.21) */
#define E1000_RCTL      0x0100  /* RW: receive control (13.4.22) */
#define E1000_TCTL      0x0400  /* RW: transmit control (13.4.33) */
#define E1000_TIPG      0x0410  /* RW: transmit inter-packet gap (13.4.34) */
#define E1000_RDBAL     0x2800  /* RW: RX descriptor base low (13.4.25) */
#define E1000_RDBAH     0x2804  /* RW: RX descriptor base high */
#define E1000_RDLEN     0x2808  /* RW: RX ring length in bytes, multiple of 128 */
#define E1000_RDH       0x2810  /* RW: RX head (hardware's) */
#define E1000_RDT       0x2818  /* RW: RX tail (ours) */
#define E1000_TDBAL     0x3800  /* RW: TX descriptor base low (13.4.38) */
#define E1000_TDBAH     0x3804  /* RW: TX descriptor base high */
#define E1000_TDLEN     0x3808  /* RW: TX ring length in bytes */
#define E1000_TDH       0x3810  /* RW: TX head (hardware's) */
#define E1000_TDT       0x3818  /* RW: TX tail (ours) */
#define E1000_MTA       0x5200  /* RW: multicast table, 128 dwords (13.4.40) */
#define E1000_RAL0      0x5400  /* RW: receive address 0 low (13.4.41) */
#define E1000_RAH0      0x5404  /* RW: receive address 0 high; bit 31 valid */
#define E1000_CRCERRS   0x4000  /* RC: CRC errors (13.7) */
#define E1000_MPC       0x4010  /* RC: missed packets: no receive descriptor free */
#define E1000_GPRC      0x4074  /* RC: good packets received (13.7) */
#define E1000_GPTC      0x4080  /* RC: good packets transmitted */

/* Interrupt causes (ICR, ICS, IMS, IMC share the layout, 13.4.17). */
#define E1000_ICR_LSC   (1u << 2)       /* link status change */
#define E1000_ICR_RXDMT0 (1u << 4)      /* receive descriptors below the threshold */
#define E1000_ICR_RXO   (1u << 6)       /* receiver overrun */
#define E1000_ICR_RXT0  (1u << 7)       /* receive timer: frames arrived */

#define E1000_CTRL_ASDE (1u << 5)       /* auto speed detection */
#define E1000_CTRL_SLU  (1u << 6)       /* set link up */
#define E1000_CTRL_RST  (1u << 26)      /* self-clearing reset */
#define E1000_STATUS_LU (1u << 1)       /* link up */
#define E1000_STATUS_SPEED(s) (((s) >> 6) & 3)  /* 0: 10, 1: 100, 2 or 3: 1000 Mb/s */
#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DONE  (1u << 4)
#define E1000_EERD_ADDR(w) ((uint32_t)(w) << 8)         /* word address, 15:8 */
#define E1000_EERD_DATA(v) ((uint16_t)((v) >> 16))      /* the word read, 31:16 */
#define E1000_RAH_AV    (1u << 31)
#define E1000_RCTL_EN   (1u << 1)
#define E1000_RCTL_BAM  (1u << 15)      /* accept broadcast */
#define E1000_RCTL_SECRC (1u << 26)     /* strip the Ethernet CRC */
#define E1000_TCTL_EN   (1u << 1)
#define E1000_TCTL_PSP  (1u << 3)       /* pad short packets */
#define E1000_TCTL_CT(n)   ((uint32_t)(n) << 4)   /* collision threshold */
#define E1000_TCTL_COLD(n) ((uint32_t)(n) << 12)  /* collision distance */
#define E1000_TIPG_802_3 (10u | 8u << 10 | 6u << 20)   /* IPGT, IPGR1, IPGR2 (13.4.34) */

/* Legacy receive descriptor (3.2.3). */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t checksum;
	uint8_t status;
#define E1000_RXD_DD    (1u << 0)       /* descriptor done */
#define E1000_RXD_EOP   (1u << 1)       /* end of packet */
	uint8_t errors;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "RX descriptors are 16 bytes");

/* Legacy transmit descriptor (3.3.3). */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
#define E1000_TXD_EOP   (1u << 0)
#define E1000_TXD_IFCS  (1u << 1)       /* insert the Ethernet CRC */
#define E1000_TXD_RS    (1u << 3)       /* report status (sets DD) */
	uint8_t status;
#define E1000_TXD_DD    (1u << 0)
	uint8_t css;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "TX descriptors are 16 bytes");

#endif
