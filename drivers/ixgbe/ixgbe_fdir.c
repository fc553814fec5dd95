/* ixgbe (82599) Flow Director perfect filters (datasheet 7.1.2.7) for the 4,096 flow groups
 * of the NetPopcorn / Affinity-Accept scheme: a received TCP segment's group is the low 12
 * bits of its source port (the client's), one filter per group names the queue, and moving
 * a group reprograms exactly that group's filter. Frames no filter matches (ARP, other
 * protocols, groups with no filter) go where RSS sends them (7.1.2: a Flow Director match
 * takes precedence over RSS). */
#include "drivers/ixgbe/ixgbe.h"
#include "kernel/console.h"
#include "lib/errno.h"
#include "lib/string.h"

/* The bucket hash key. Any value works for perfect filters as long as the driver hashes
 * with the one the NIC holds; this one is arbitrary. */
#define FDIR_HASH_KEY   0x3DAD14E2u
#define FDIR_CMD_MS     10      /* a command the NIC has not taken by then has failed */

static uint32_t rd(const struct ixgbe *e, uint32_t reg) { return nic_rd32(e->regs, reg); }
static void wr(const struct ixgbe *e, uint32_t reg, uint32_t v) { nic_wr32(e->regs, reg, v); }

static uint32_t rotl32(uint32_t x, unsigned n)
{
	n %= 32;
	return n ? x << n | x >> (32 - n) : x;
}

/* The bucket hash as this driver reads 7.1.2.7.15: the masked tuple, in packet order and
 * most significant bit first, XORs into the result, for each set bit n, the 32 key bits
 * starting at bit n of the key repeated end to end. UNVERIFIED against the datasheet text
 * (the search tools did not reach that section) and against silicon: if the 82599 hashes
 * otherwise, filters land in buckets the NIC never searches and no segment matches. The
 * host model (tests/ixgbe/model.c) hashes with its own code from the same reading. */
uint32_t ixgbe_fdir_hash(uint32_t key, uint32_t src, uint32_t dst, uint16_t sport,
			 uint16_t dport)
{
	const uint32_t words[3] = { src, dst, (uint32_t)sport << 16 | dport };
	uint32_t h = 0;
	for (unsigned w = 0; w < 3; w++)
		for (unsigned b = 0; b < 32; b++)
			if (words[w] >> (31 - b) & 1)
				h ^= rotl32(key, 32 * w + b);
	return IXGBE_FDIRHASH_BUCKET(h);
}

/* A port mask as FDIRTCPM and FDIRUDPM hold it: bit-reversed, register bit 15 - i masking
 * port bit i (the note under 8.2.3.21.15; the Linux and DPDK drivers program it so). */
static uint32_t port_mask_reg(uint16_t plain)
{
	uint32_t r = 0;
	for (unsigned i = 0; i < 16; i++)
		r |= (uint32_t)(plain >> i & 1u) << (15 - i);
	return r;
}

/* Masks (8.2.3.21.13-16, 23; a set bit ignores the field bit): both addresses, the
 * destination port and the top 4 bits of the source port ignored, so a filter matches on
 * the 12 group bits alone; the L4 type is compared (FDIRM.L4P clear), so only TCP segments
 * match the filters and UDP goes where RSS sends it. */
static void fdir_masks(struct ixgbe *e)
{
	wr(e, IXGBE_FDIRM, IXGBE_FDIRM_IGNORE_ALL_BUT_TUPLE);
	wr(e, IXGBE_FDIRSIP4M, 0xFFFFFFFF);
	wr(e, IXGBE_FDIRDIP4M, 0xFFFFFFFF);
	wr(e, IXGBE_FDIRTCPM, port_mask_reg(0xFFFF) << 16 |
	   port_mask_reg((uint16_t)~(IXGBE_FDIR_GROUPS - 1)));
	wr(e, IXGBE_FDIRUDPM, 0xFFFFFFFF);
}

/* 4.6.11.3's order: keys and masks, then FDIRCTRL, which starts the table's
 * initialisation, then INIT_DONE before any filter is written. The filter table takes its
 * 256 KiB from the receive packet buffer; whether RXPBSIZE(0) must be lowered by as much
 * first is UNVERIFIED, and it is left at its reset value. */
int ixgbe_fdir_init(struct ixgbe *e)
{
	memset(e->fdir_queue, IXGBE_FDIR_NONE, sizeof(e->fdir_queue));
	e->fdir_ready = false;
	wr(e, IXGBE_FDIRHKEY, FDIR_HASH_KEY);
	wr(e, IXGBE_FDIRSKEY, FDIR_HASH_KEY);
	fdir_masks(e);
	wr(e, IXGBE_FDIRCTRL, IXGBE_FDIRCTRL_PBALLOC_256K | IXGBE_FDIRCTRL_PERFECT |
	   IXGBE_FDIRCTRL_MAX_LEN(0xA) | IXGBE_FDIRCTRL_FULL_THRESH(4));
	if (!nic_wait_bit(e->regs, IXGBE_FDIRCTRL, IXGBE_FDIRCTRL_INIT_DONE, true, 10)) {
		pr_err("ixgbe: Flow Director table did not initialise (FDIRCTRL.INIT_DONE clear)\n");
		return -ETIMEDOUT;
	}
	e->fdir_ready = true;
	return 0;
}

/* One command through the filter window: the masked fields, FDIRHASH (bucket, valid, and
 * the group as the software index a remove names), then FDIRCMD; the NIC clears its CMD
 * field when it has taken the command. */
static int fdir_command(struct ixgbe *e, unsigned group, uint32_t cmd)
{
	wr(e, IXGBE_FDIRIPSA, 0);
	wr(e, IXGBE_FDIRIPDA, 0);
	wr(e, IXGBE_FDIRPORT, group);           /* source port 15:0, destination 31:16 */
	wr(e, IXGBE_FDIRVLAN, 0);
	wr(e, IXGBE_FDIRHASH, ixgbe_fdir_hash(FDIR_HASH_KEY, 0, 0, (uint16_t)group, 0) |
	   IXGBE_FDIRHASH_VALID | IXGBE_FDIRHASH_SWIDX(group));
	wr(e, IXGBE_FDIRCMD, cmd | IXGBE_FDIRCMD_L4_TCP);
	if (!nic_wait_bit(e->regs, IXGBE_FDIRCMD, IXGBE_FDIRCMD_CMD(~0u), false, FDIR_CMD_MS)) {
		pr_err("ixgbe: Flow Director command for group %u not taken (FDIRCMD %08x)\n",
		       group, rd(e, IXGBE_FDIRCMD));
		return -ETIMEDOUT;
	}
	e->fdir_writes++;
	return 0;
}

int ixgbe_fdir_point(struct ixgbe *e, unsigned group, unsigned queue)
{
	if (!e->fdir_ready)
		return -ENODEV;
	if (group >= IXGBE_FDIR_GROUPS || (queue >= IXGBE_QUEUES && queue != IXGBE_FDIR_NONE))
		return -EINVAL;
	if (e->fdir_queue[group] == queue)
		return 0;
	uint32_t cmd = queue == IXGBE_FDIR_NONE ? IXGBE_FDIRCMD_REMOVE :
		       IXGBE_FDIRCMD_ADD | IXGBE_FDIRCMD_QUEUE_EN | IXGBE_FDIRCMD_RX_QUEUE(queue) |
		       (e->fdir_queue[group] != IXGBE_FDIR_NONE ? IXGBE_FDIRCMD_UPDATE : 0);
	int err = fdir_command(e, group, cmd);
	if (!err)
		e->fdir_queue[group] = (uint8_t)queue;
	return err;
}

int ixgbe_fdir_write(struct ixgbe *e, const uint8_t queue_of[IXGBE_FDIR_GROUPS])
{
	for (unsigned g = 0; g < IXGBE_FDIR_GROUPS; g++)
		if (queue_of[g] >= IXGBE_QUEUES && queue_of[g] != IXGBE_FDIR_NONE)
			return -EINVAL;
	for (unsigned g = 0; g < IXGBE_FDIR_GROUPS; g++) {
		int err = ixgbe_fdir_point(e, g, queue_of[g]);
		if (err)
			return err;
	}
	return 0;
}
