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
 * with the one the NIC holds; this is the one the Linux driver primes FDIRHKEY with. */
#define FDIR_HASH_KEY   0x3DAD14E2u
#define FDIR_CMD_MS     10      /* a command the NIC has not taken by then has failed */

static uint32_t rd(const struct ixgbe *e, uint32_t reg) { return nic_rd32(e->regs, reg); }
static void wr(const struct ixgbe *e, uint32_t reg, uint32_t v) { nic_wr32(e->regs, reg, v); }

/* The bucket hash of a masked filter tuple (7.1.2.7.15) as the 82599 computes it: the Linux
 * and DPDK drivers compute it this way, and their perfect filters match on silicon. The
 * hashed input is the filter's 11-dword stream: dword 0 the VM pool (31:24), the flow type
 * (23:16) and the VLAN (15:0); dwords 1-4 the destination address (an IPv4 one in dword 1),
 * 5-8 the source (dword 5); dword 9 the source port (31:16) and the destination port (15:0);
 * dword 10 the flexible bytes and zero. With f the first dword and c the XOR of the others,
 *   hi = c ^ f ^ (f >> 16)    lo = c rotated by 16, then from step 1 on lo ^ f ^ (f << 16)
 * and for n = 0..15 key bit n XORs lo >> n into the hash and key bit n + 16 XORs hi >> n.
 * A perfect filter's bucket is the low 13 bits. The host model hashes with its own code
 * (tests/ixgbe/model.c), so a mistake in one shows against the other. */
uint32_t ixgbe_fdir_hash(uint32_t key, unsigned flow, uint32_t src, uint32_t dst,
			 uint16_t sport, uint16_t dport)
{
	uint32_t f = (flow & 0xFFu) << 16;              /* no VM pool, no VLAN: both masked */
	uint32_t c = dst ^ src ^ ((uint32_t)sport << 16 | dport);
	uint32_t hi = c ^ f ^ (f >> 16), lo = c >> 16 | c << 16, h = 0;
	for (unsigned n = 0; n < 16; n++) {
		if (n == 1)
			lo ^= f ^ f << 16;
		if (key >> n & 1)
			h ^= lo >> n;
		if (key >> (n + 16) & 1)
			h ^= hi >> n;
	}
	return h & IXGBE_FDIR_PERFECT_HASH_MASK;
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

/* 4.6.11.3's order: the receive packet buffer gives the table its 256 KiB, keys and masks,
 * then FDIRCTRL, which starts the table's initialisation, then INIT_DONE before any filter
 * is written. */
int ixgbe_fdir_init(struct ixgbe *e)
{
	memset(e->fdir_queue, IXGBE_FDIR_NONE, sizeof(e->fdir_queue));
	e->fdir_ready = false;
	wr(e, IXGBE_RXPBSIZE(0), IXGBE_RXPB_TOTAL - IXGBE_FDIR_TABLE_BYTES);
	for (unsigned i = 1; i < 8; i++)
		wr(e, IXGBE_RXPBSIZE(i), 0);
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

/* Writes FDIRCMD and waits for the NIC to clear its CMD field, which it does when it has
 * taken the command; the register as it then reads, or 0 with *err set. */
static uint32_t fdir_issue(struct ixgbe *e, unsigned group, uint32_t cmd, int *err)
{
	wr(e, IXGBE_FDIRCMD, cmd);
	if (!nic_wait_bit(e->regs, IXGBE_FDIRCMD, IXGBE_FDIRCMD_CMD(~0u), false, FDIR_CMD_MS)) {
		pr_err("ixgbe: Flow Director command for group %u not taken (FDIRCMD %08x)\n",
		       group, rd(e, IXGBE_FDIRCMD));
		*err = -ETIMEDOUT;
		return 0;
	}
	return rd(e, IXGBE_FDIRCMD);
}

/* FDIRHASH for a group's filter: its bucket, and the group as the software index a query
 * and a remove name. */
static void fdir_name(struct ixgbe *e, unsigned group)
{
	wr(e, IXGBE_FDIRHASH, ixgbe_fdir_hash(FDIR_HASH_KEY, IXGBE_FDIR_FLOW_TCPV4, 0, 0,
					      (uint16_t)group, 0) | IXGBE_FDIRHASH_SWIDX(group));
}

/* Adds the group's filter, or repoints it (FILTER_UPDATE): the masked fields, FDIRHASH,
 * then FDIRCMD. */
static int fdir_add(struct ixgbe *e, unsigned group, unsigned queue)
{
	int err = 0;
	wr(e, IXGBE_FDIRIPSA, 0);
	wr(e, IXGBE_FDIRIPDA, 0);
	wr(e, IXGBE_FDIRPORT, group);           /* source port 15:0, destination 31:16 */
	wr(e, IXGBE_FDIRVLAN, 0);
	fdir_name(e, group);
	fdir_issue(e, group, IXGBE_FDIRCMD_ADD | IXGBE_FDIRCMD_UPDATE | IXGBE_FDIRCMD_LAST |
		   IXGBE_FDIRCMD_L4_TCP | IXGBE_FDIRCMD_QUEUE_EN | IXGBE_FDIRCMD_RX_QUEUE(queue),
		   &err);
	return err;
}

/* Removes the group's filter: a query first, and the remove only if the NIC holds it. */
static int fdir_remove(struct ixgbe *e, unsigned group)
{
	int err = 0;
	fdir_name(e, group);
	uint32_t answer = fdir_issue(e, group, IXGBE_FDIRCMD_QUERY, &err);
	if (err || !(answer & IXGBE_FDIRCMD_VALID))
		return err;
	fdir_name(e, group);
	fdir_issue(e, group, IXGBE_FDIRCMD_REMOVE, &err);
	return err;
}

int ixgbe_fdir_point(struct ixgbe *e, unsigned group, unsigned queue)
{
	if (!e->fdir_ready)
		return -ENODEV;
	if (group >= IXGBE_FDIR_GROUPS || (queue >= IXGBE_QUEUES && queue != IXGBE_FDIR_NONE))
		return -EINVAL;
	if (e->fdir_queue[group] == queue)
		return 0;
	int err = queue == IXGBE_FDIR_NONE ? fdir_remove(e, group) : fdir_add(e, group, queue);
	if (err)
		return err;
	e->fdir_queue[group] = (uint8_t)queue;
	e->fdir_writes++;
	return 0;
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
