/* A software model of the part of the Intel 82599 that drivers/ixgbe uses, written from the
 * 82599 datasheet, for the host tests (tests/host/test_ixgbe.c): the register file with its
 * read, write and clear-on-read semantics; the reset and the completions the datasheet has
 * software wait for (4.6.3), with the out-of-order steps it forbids flagged as violations;
 * RX and TX descriptor rings with write-back, honouring heads and tails; RSS (Toeplitz by
 * lib/toeplitz.c, the queue from RETA); Flow Director perfect filters (add, update, remove,
 * match through the bucket hash); and MSI-X (which table entry each cause would raise, per
 * IVAR and the masks). What it leaves out is listed in tests/ixgbe/README. Time passes only
 * when ixm_advance is called (the host shim's pit_wait_ms). */
#ifndef TESTS_IXGBE_MODEL_H
#define TESTS_IXGBE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IXM_BAR_SIZE    0x20000 /* every register the driver uses lies below (EEC 0x10010) */
#define IXM_QUEUES      16
#define IXM_FILTERS     8192    /* perfect filters with PBALLOC 256 KiB (7.1.2.7.4) */
#define IXM_ENTRIES     64      /* MSI-X table entries of the 82599 */
#define IXM_FDIR_READS  3       /* a filter command is done by the third read of FDIRCMD */

/* What the model does wrong on purpose, for the tests of the driver's error paths. */
enum ixm_fault {
	IXM_OK,
	IXM_RESET_STUCK,        /* CTRL.RST never clears */
	IXM_EEPROM_STUCK,       /* EEC.ARD never sets */
	IXM_DMA_STUCK,          /* RDRXCTL.DMAIDONE never sets */
	IXM_LINK_DOWN,          /* LINKS.LINK_UP never sets (no module, no cable) */
	IXM_FDIR_CMD_STUCK,     /* FDIRCMD.CMD never returns to 0 */
	IXM_RX_LEN_PAST_BUF,    /* receive write-back: length one past the buffer (SRRCTL) */
	IXM_RX_LEN_ZERO,        /* receive write-back: length 0 */
	IXM_RX_NO_EOP,          /* receive write-back: EOP clear, as for a frame spanning buffers */
};

struct ixm_filter {
	bool used;
	uint32_t ipsa, ipda, port;      /* the masked fields as FDIRIPSA, FDIRIPDA, FDIRPORT */
	uint16_t bucket;                /* the bucket the driver's FDIRHASH named */
	uint8_t flow;                   /* FDIRCMD's flow type: 1 UDP/IPv4, 2 TCP/IPv4 */
	uint8_t queue;
};

struct ixm {
	uint32_t reg[IXM_BAR_SIZE / 4]; /* the register file: what the driver maps as BAR 0 */
	unsigned now_ms;
	enum ixm_fault fault;
	uint32_t eeprom_autoc, eeprom_autoc2;   /* what the EEPROM loads at reset */
	bool resetting;
	unsigned reset_done_at;
	bool seen_ard, seen_dmaidone;           /* the driver read them set */
	bool link_starting;
	unsigned link_up_at;
	struct ixm_filter filter[IXM_FILTERS];  /* by the software index of FDIRHASH */
	unsigned fdir_commands;                 /* FDIRCMD adds and removes taken */
	unsigned fdir_queries;                  /* FDIRCMD queries taken */
	unsigned fdir_busy_reads;               /* reads of FDIRCMD before the command is done */
	uint32_t fdir_done;                     /* what FDIRCMD reads once it is */
	unsigned raised[IXM_ENTRIES];           /* MSI-X messages per table entry */
	unsigned violations;                    /* out-of-order or forbidden accesses */
	char first_violation[160];
	unsigned rx_dropped;
};

/* A device just after power-up: its reset not yet done by the driver. */
void ixm_init(struct ixm *m);
uint32_t ixm_read(struct ixm *m, uint32_t off);
void ixm_write(struct ixm *m, uint32_t off, uint32_t v);
void ixm_advance(struct ixm *m, unsigned ms);

/* The wire side: a frame arrives; returns the queue it was written to, or -1 if dropped. */
int ixm_receive(struct ixm *m, const uint8_t *frame, size_t len);
/* Sends the next frame queue q holds (TDH != TDT) into out; its length, or -1 if none. */
int ixm_transmit(struct ixm *m, unsigned q, uint8_t *out, size_t cap);
/* The model's own bucket hash of a masked IPv4 tuple of flow type flow (FDIRHKEY key). */
uint32_t ixm_fdir_hash(uint32_t key, unsigned flow, uint32_t src, uint32_t dst, uint16_t sport,
		       uint16_t dport);
/* Filters in the table. */
unsigned ixm_filters(const struct ixm *m);

#endif
