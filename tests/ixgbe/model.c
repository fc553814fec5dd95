/* The host model of the 82599 (model.h). Register offsets and bit names come from
 * drivers/ixgbe/ixgbe_hw.h, so an offset wrong there is wrong here too: the model checks the
 * driver's sequence and data path, not its register map. */
#include "tests/ixgbe/model.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "drivers/ixgbe/ixgbe_hw.h"
#include "drivers/nic/adv.h"
#include "kernel/mm/layout.h"
#include "lib/toeplitz.h"

#define R(m, off)       ((m)->reg[(off) / 4])
#define MAC_LO          0xAA211B00u     /* 00:1b:21:aa:bb:cc, as an EEPROM would load it */
#define MAC_HI          0xCCBBu

static void violation(struct ixm *m, const char *fmt, ...)
{
	va_list ap;
	if (m->violations++ == 0) {
		va_start(ap, fmt);
		vsnprintf(m->first_violation, sizeof(m->first_violation), fmt, ap);
		va_end(ap);
	}
}

void ixm_init(struct ixm *m)
{
	memset(m, 0, sizeof(*m));
	m->eeprom_autoc = IXGBE_AUTOC_LMS_10G_SERIAL << 13;
	m->eeprom_autoc2 = IXGBE_AUTOC2_PMA_SFI << 16;
	R(m, IXGBE_STATUS) = IXGBE_STATUS_MASTER_EN;
}

/* What a completed reset leaves: the EEPROM's words loaded, DMA initialised. */
static void reset_done(struct ixm *m)
{
	m->resetting = false;
	R(m, IXGBE_CTRL) &= ~(IXGBE_CTRL_RST | IXGBE_CTRL_LRST);
	R(m, IXGBE_STATUS) = IXGBE_STATUS_MASTER_EN;
	if (m->fault != IXM_EEPROM_STUCK)
		R(m, IXGBE_EEC) |= IXGBE_EEC_ARD;
	if (m->fault != IXM_DMA_STUCK)
		R(m, IXGBE_RDRXCTL) |= IXGBE_RDRXCTL_DMAIDONE;
	R(m, IXGBE_RAL(0)) = MAC_LO;
	R(m, IXGBE_RAH(0)) = MAC_HI | IXGBE_RAH_AV;
	R(m, IXGBE_AUTOC) = m->eeprom_autoc;
	R(m, IXGBE_AUTOC2) = m->eeprom_autoc2;
	R(m, IXGBE_RXPBSIZE(0)) = 512u << 10;   /* all 512 KiB to buffer 0 */
	R(m, IXGBE_EIAM_EX(0)) = 0xFFFFFFFF;    /* the worst case: every entry auto-masks */
	R(m, IXGBE_EIAM_EX(1)) = 0xFFFFFFFF;
}

void ixm_advance(struct ixm *m, unsigned ms)
{
	m->now_ms += ms;
	if (m->resetting && m->fault != IXM_RESET_STUCK && m->now_ms >= m->reset_done_at)
		reset_done(m);
	if (m->link_starting && m->fault != IXM_LINK_DOWN && m->now_ms >= m->link_up_at)
		R(m, IXGBE_LINKS) = IXGBE_LINKS_UP | 3u << 28;          /* 10 Gb/s */
}

static void start_reset(struct ixm *m)
{
	memset(m->reg, 0, sizeof(m->reg));
	memset(m->filter, 0, sizeof(m->filter));
	R(m, IXGBE_CTRL) = IXGBE_CTRL_RST;
	m->resetting = true;
	m->reset_done_at = m->now_ms + 1;
	m->seen_ard = m->seen_dmaidone = false;
	m->link_starting = false;
}

uint32_t ixm_read(struct ixm *m, uint32_t off)
{
	uint32_t v = R(m, off);
	switch (off) {
	case IXGBE_EEC:
		m->seen_ard |= (v & IXGBE_EEC_ARD) != 0;
		break;
	case IXGBE_RDRXCTL:
		m->seen_dmaidone |= (v & IXGBE_RDRXCTL_DMAIDONE) != 0;
		break;
	case IXGBE_FDIRCMD:
		if (m->fdir_busy_reads && m->fdir_busy_reads != ~0u && --m->fdir_busy_reads == 0)
			v = R(m, off) = m->fdir_done;
		break;
	case IXGBE_EICR: case IXGBE_GPRC: case IXGBE_GPTC: case IXGBE_CRCERRS:
		R(m, off) = 0;                  /* clear on read */
		break;
	}
	return v;
}

static bool is_queue_reg(uint32_t off, uint32_t base, unsigned *q)
{
	if (off < base || off >= base + 0x40 * IXM_QUEUES)
		return false;
	*q = (off - base) / 0x40;
	return true;
}

/* An MSI-X message from table entry, if its cause is unmasked (EIMS for entries below 16,
 * EIMS_EX for all); with GPIE.EIAME, the entry's EIAM_EX bit masks it as the message goes
 * out, until software unmasks it. */
static void raise_entry(struct ixm *m, unsigned entry)
{
	uint32_t bit = 1u << (entry % 32);
	bool on = (entry < 16 && (R(m, IXGBE_EIMS) >> entry & 1)) ||
		  (R(m, IXGBE_EIMS_EX(entry / 32)) & bit);
	if (entry >= IXM_ENTRIES || !on || !(R(m, IXGBE_GPIE) & IXGBE_GPIE_MSIX_MODE))
		return;
	m->raised[entry]++;
	if ((R(m, IXGBE_GPIE) & IXGBE_GPIE_EIAME) && (R(m, IXGBE_EIAM_EX(entry / 32)) & bit)) {
		R(m, IXGBE_EIMS_EX(entry / 32)) &= ~bit;
		if (entry < 16)
			R(m, IXGBE_EIMS) &= ~bit;
	}
}

/* IVAR(n) (8.2.3.5.15): byte 0 is RX queue 2n, byte 2 RX queue 2n + 1; written out here
 * rather than taken from the driver's header, so a wrong shift there shows. */
static void raise_rx(struct ixm *m, unsigned q)
{
	uint32_t b = R(m, IXGBE_IVAR(q / 2)) >> (q % 2 ? 16 : 0) & 0xFF;
	if (b & IXGBE_IVAR_VALID)
		raise_entry(m, b & 0x3F);
}

static void write_eics(struct ixm *m, uint32_t v)
{
	R(m, IXGBE_EICR) |= v;
	for (unsigned i = 0; i < 16; i++)
		if (v >> i & 1)
			raise_entry(m, i);
	uint32_t misc = R(m, IXGBE_IVAR_MISC) >> 8 & 0xFF;
	if ((v & IXGBE_EICR_LSC) && (R(m, IXGBE_EIMS) & IXGBE_EICR_LSC) && (misc & IXGBE_IVAR_VALID))
		raise_entry(m, misc & 0x3F);
}

/* 4.6.7: a queue is enabled only once the reset's completions were seen, with a ring of a
 * whole number of 128-byte blocks at a 128-byte aligned base. */
static void write_rxdctl(struct ixm *m, unsigned q, uint32_t v)
{
	bool was = R(m, IXGBE_RXDCTL(q)) & IXGBE_RXDCTL_ENABLE;
	if ((v & IXGBE_RXDCTL_ENABLE) && !was) {
		uint32_t len = R(m, IXGBE_RDLEN(q));
		if (!m->seen_ard || !m->seen_dmaidone)
			violation(m, "RX queue %u enabled before EEC.ARD and RDRXCTL.DMAIDONE were read", q);
		if (len == 0 || len % 128 || R(m, IXGBE_RDBAL(q)) % 128) {
			violation(m, "RX queue %u enabled with a bad ring (len %u)", q, len);
			v &= ~IXGBE_RXDCTL_ENABLE;
		}
	}
	R(m, IXGBE_RXDCTL(q)) = v;
}

/* 4.6.8: TXDCTL.ENABLE does not take while DMATXCTL.TE is clear. */
static void write_txdctl(struct ixm *m, unsigned q, uint32_t v)
{
	if ((v & IXGBE_TXDCTL_ENABLE) && !(R(m, IXGBE_DMATXCTL) & IXGBE_DMATXCTL_TE)) {
		violation(m, "TX queue %u enabled before DMATXCTL.TE", q);
		v &= ~IXGBE_TXDCTL_ENABLE;
	}
	R(m, IXGBE_TXDCTL(q)) = v;
}

/* A ring register written while its queue is enabled (4.6.7, 4.6.8 forbid it). */
static void check_ring_reg(struct ixm *m, uint32_t off)
{
	unsigned q;
	uint32_t rel = off & 0x3F;
	bool ring = rel <= 0x08 || rel == 0x14;         /* base, length, SRRCTL */
	if (is_queue_reg(off, 0x01000, &q) && ring && (R(m, IXGBE_RXDCTL(q)) & IXGBE_RXDCTL_ENABLE))
		violation(m, "RX queue %u ring register %05x written while enabled", q, off);
	if (is_queue_reg(off, 0x06000, &q) && ring && (R(m, IXGBE_TXDCTL(q)) & IXGBE_TXDCTL_ENABLE))
		violation(m, "TX queue %u ring register %05x written while enabled", q, off);
}

static void write_ctrl(struct ixm *m, uint32_t v)
{
	if (v & IXGBE_CTRL_RST) {
		start_reset(m);
		return;
	}
	R(m, IXGBE_CTRL) = v;
	if (v & IXGBE_CTRL_MASTER_DIS)
		R(m, IXGBE_STATUS) &= ~IXGBE_STATUS_MASTER_EN;
}

static void ixm_fdir_command(struct ixm *m, uint32_t v);

/* FDIRCTRL starts the table's initialisation (7.1.2.7.4): the receive packet buffers must
 * already have left the table its PBALLOC share of the 512 KiB (64 KiB << (PBALLOC - 1)). */
static void write_fdirctrl(struct ixm *m, uint32_t v)
{
	uint32_t held = 0, table = (v & 3) ? (64u << 10) << ((v & 3) - 1) : 0;
	for (unsigned i = 0; i < 8; i++)
		held += R(m, IXGBE_RXPBSIZE(i)) & 0x000FFC00u;  /* bits 19:10 */
	if (!m->seen_dmaidone)
		violation(m, "FDIRCTRL written before RDRXCTL.DMAIDONE was read");
	if (held + table > (512u << 10))
		violation(m, "FDIRCTRL asks %u KiB for filters while the RX packet buffers hold "
			  "%u KiB of 512", table >> 10, held >> 10);
	memset(m->filter, 0, sizeof(m->filter));
	R(m, IXGBE_FDIRCTRL) = v | IXGBE_FDIRCTRL_INIT_DONE;
}

/* 4.6.3: until a reset has completed and software has read EEC.ARD and RDRXCTL.DMAIDONE
 * set, it may only mask interrupts, clear causes and reset. */
static void check_init_order(struct ixm *m, uint32_t off)
{
	bool early_ok = off == IXGBE_CTRL || off == IXGBE_EIMC || off == IXGBE_EIMC_EX(0) ||
			off == IXGBE_EIMC_EX(1) || off == IXGBE_EICR;
	if (early_ok)
		return;
	if (m->resetting)
		violation(m, "register %05x written during reset", off);
	else if (!m->seen_ard || !m->seen_dmaidone)
		violation(m, "register %05x written before EEC.ARD and RDRXCTL.DMAIDONE were read",
			  off);
}

void ixm_write(struct ixm *m, uint32_t off, uint32_t v)
{
	unsigned q;
	check_init_order(m, off);
	check_ring_reg(m, off);
	if (off == IXGBE_CTRL)
		write_ctrl(m, v);
	else if (off == IXGBE_STATUS || off == IXGBE_LINKS || off == IXGBE_EEC)
		;                                       /* read only (EEC: the bits used) */
	else if (off == IXGBE_EICR)
		R(m, off) &= ~v;                        /* write 1 to clear */
	else if (off == IXGBE_EICS)
		write_eics(m, v);
	else if (off == IXGBE_EIMS || off == IXGBE_EIMS_EX(0) || off == IXGBE_EIMS_EX(1))
		R(m, off) |= v;
	else if (off == IXGBE_EIMC)
		R(m, IXGBE_EIMS) &= ~v;
	else if (off == IXGBE_EIMC_EX(0) || off == IXGBE_EIMC_EX(1))
		R(m, off - IXGBE_EIMC_EX(0) + IXGBE_EIMS_EX(0)) &= ~v;
	else if (off == IXGBE_RDRXCTL)
		R(m, off) = (v & ~IXGBE_RDRXCTL_DMAIDONE) | (R(m, off) & IXGBE_RDRXCTL_DMAIDONE);
	else if (off == IXGBE_AUTOC) {
		R(m, off) = v & ~IXGBE_AUTOC_RESTART_AN;        /* self-clearing */
		if ((v & IXGBE_AUTOC_RESTART_AN) && !m->link_starting) {
			m->link_starting = true;
			m->link_up_at = m->now_ms + 5;
		}
	} else if (off == IXGBE_FDIRCTRL)
		write_fdirctrl(m, v);
	else if (off == IXGBE_FDIRCMD)
		ixm_fdir_command(m, v);
	else if (off >= 0x01000 && off < 0x01000 + 0x40 * IXM_QUEUES && (off & 0x3F) == 0x28 &&
		 is_queue_reg(off, 0x01000, &q))
		write_rxdctl(m, q, v);
	else if (off >= 0x06000 && off < 0x06000 + 0x40 * IXM_QUEUES && (off & 0x3F) == 0x28 &&
		 is_queue_reg(off, 0x06000, &q))
		write_txdctl(m, q, v);
	else if (off < IXM_BAR_SIZE)
		R(m, off) = v;
}

/* ---- Flow Director ---- */

/* The bucket hash (7.1.2.7.15, as the Linux and DPDK drivers compute it), the model's own
 * way: the 11-dword input stream laid out field by field, the 16-bit window of a folded
 * word under each of the 32 key bits. Window j < 16 is of the stream's ten last dwords
 * folded and turned by 16, plus (for j > 0) the first dword and its copy 16 bits up; window
 * j >= 16 is of the fold plus the first dword and its copy 16 bits down. */
uint32_t ixm_fdir_hash(uint32_t key, unsigned flow, uint32_t src, uint32_t dst, uint16_t sport,
		       uint16_t dport)
{
	uint32_t stream[11] = { 0 };
	stream[0] = (flow & 0xFFu) << 16;       /* VM pool 31:24 and VLAN 15:0 masked out */
	stream[1] = dst;                        /* destination address, IPv4 in the first word */
	stream[5] = src;
	stream[9] = (uint32_t)sport << 16 | dport;
	uint32_t fold = 0, first = stream[0];
	for (unsigned i = 1; i < 11; i++)
		fold ^= stream[i];
	uint32_t turned = fold << 16 | fold >> 16, h = 0;
	for (unsigned j = 0; j < 32; j++) {
		if (!(key >> j & 1))
			continue;
		uint32_t word = j < 16 ? turned ^ (j ? first ^ first << 16 : 0)
				       : fold ^ first ^ first >> 16;
		h ^= word >> (j & 15);
	}
	return h & 0x1FFF;                      /* 13 bits: perfect filters, 256 KiB */
}

unsigned ixm_filters(const struct ixm *m)
{
	unsigned n = 0;
	for (unsigned i = 0; i < IXM_FILTERS; i++)
		n += m->filter[i].used;
	return n;
}

static void fdir_add(struct ixm *m, struct ixm_filter *f, uint32_t hash, uint32_t v)
{
	if (f->used && !(v & IXGBE_FDIRCMD_UPDATE))
		violation(m, "filter %u added twice without FILTER_UPDATE", hash >> 16);
	f->used = true;
	f->ipsa = R(m, IXGBE_FDIRIPSA);
	f->ipda = R(m, IXGBE_FDIRIPDA);
	f->port = R(m, IXGBE_FDIRPORT);
	f->bucket = (uint16_t)(hash & 0x7FFF);
	f->flow = (uint8_t)(v >> 5 & 7);
	f->queue = (v & IXGBE_FDIRCMD_QUEUE_EN) ? (uint8_t)IXGBE_FDIRCMD_QUEUE(v) : 0;
}

/* Add (a duplicate needs FILTER_UPDATE, which repoints the filter), remove, or query (the
 * answer in FILTER_VALID), at the software index and bucket FDIRHASH names: a perfect
 * filter's bucket is 13 bits, so bits 15:13 must be clear. */
static void ixm_fdir_command(struct ixm *m, uint32_t v)
{
	uint32_t hash = R(m, IXGBE_FDIRHASH), cmd = IXGBE_FDIRCMD_CMD(v);
	struct ixm_filter *f = &m->filter[(hash >> 16) & (IXM_FILTERS - 1)];
	bool here = f->used && f->bucket == (hash & 0x7FFF);
	if (m->fdir_busy_reads)
		violation(m, "FDIRCMD %08x written while the last command is not done", v);
	R(m, IXGBE_FDIRCMD) = v & ~IXGBE_FDIRCMD_VALID;
	if (!(R(m, IXGBE_FDIRCTRL) & IXGBE_FDIRCTRL_INIT_DONE) || (hash & 0xE000)) {
		violation(m, "FDIRCMD %08x before INIT_DONE or with FDIRHASH %08x", v, hash);
		return;
	}
	if (cmd == IXGBE_FDIRCMD_ADD) {
		fdir_add(m, f, hash, v);
	} else if (cmd == IXGBE_FDIRCMD_REMOVE) {
		if (!here)
			violation(m, "filter %u removed but absent", hash >> 16);
		f->used = false;
	} else if (cmd == IXGBE_FDIRCMD_QUERY) {
		m->fdir_queries++;
	} else {
		return;
	}
	if (cmd != IXGBE_FDIRCMD_QUERY)
		m->fdir_commands++;
	/* Done a few reads later, as silicon takes microseconds (or never, with the fault). */
	m->fdir_done = (v & ~IXGBE_FDIRCMD_CMD(~0u)) |
		       (cmd == IXGBE_FDIRCMD_QUERY && here ? IXGBE_FDIRCMD_VALID : 0);
	m->fdir_busy_reads = m->fault == IXM_FDIR_CMD_STUCK ? ~0u : IXM_FDIR_READS;
}

/* ---- the wire ---- */

struct tuple {
	bool ipv4, tcp, udp;
	uint32_t src, dst;
	uint16_t sport, dport;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static struct tuple parse(const uint8_t *f, size_t len)
{
	struct tuple t = { 0 };
	if (len < 34 || be16(f + 12) != 0x0800 || (f[14] >> 4) != 4)
		return t;
	size_t ihl = (size_t)(f[14] & 0xF) * 4;
	t.ipv4 = true;
	t.src = be32(f + 26);
	t.dst = be32(f + 30);
	if ((f[23] == 6 && len >= 14 + ihl + 20) || (f[23] == 17 && len >= 14 + ihl + 8)) {
		t.tcp = f[23] == 6;
		t.udp = f[23] == 17;
		t.sport = be16(f + 14 + ihl);
		t.dport = be16(f + 16 + ihl);
	}
	return t;
}

/* A port mask register's half as a plain mask: FDIRTCPM and FDIRUDPM hold each port's mask
 * bit-reversed, register bit 15 - i masking port bit i (the datasheet's note on 8.2.3.21.15,
 * as the Linux and DPDK drivers program it); written out here, not taken from the driver. */
static uint16_t port_mask(uint32_t reg, unsigned half)
{
	uint16_t r = (uint16_t)(reg >> (16 * half)), plain = 0;
	for (unsigned i = 0; i < 16; i++)
		plain |= (uint16_t)((r >> (15 - i) & 1u) << i);
	return plain;
}

/* A perfect filter on the tuple masked as FDIR*M say (a set mask bit ignores the bit): TCP
 * and UDP ports through their own mask registers; the L4 type compared unless FDIRM.L4P
 * (bit 3) is set. */
static int fdir_match(struct ixm *m, const struct tuple *t)
{
	uint32_t ctrl = R(m, IXGBE_FDIRCTRL), pm = R(m, t->tcp ? IXGBE_FDIRTCPM : IXGBE_FDIRUDPM);
	bool any_l4 = R(m, IXGBE_FDIRM) & 0x08u;       /* L4P: written out, not the driver's */
	if ((!t->tcp && !t->udp) || !(ctrl & IXGBE_FDIRCTRL_PERFECT) ||
	    !(ctrl & IXGBE_FDIRCTRL_INIT_DONE))
		return -1;
	uint32_t sa = t->src & ~R(m, IXGBE_FDIRSIP4M), da = t->dst & ~R(m, IXGBE_FDIRDIP4M);
	uint16_t sp = t->sport & (uint16_t)~port_mask(pm, 0);
	uint16_t dp = t->dport & (uint16_t)~port_mask(pm, 1);
	unsigned flow = t->tcp ? 2 : 1;         /* TCP/IPv4 010b, UDP/IPv4 001b */
	uint32_t bucket = ixm_fdir_hash(R(m, IXGBE_FDIRHKEY), any_l4 ? 0 : flow, sa, da, sp, dp);
	uint32_t port = (uint32_t)dp << 16 | sp;
	for (unsigned i = 0; i < IXM_FILTERS; i++) {
		const struct ixm_filter *f = &m->filter[i];
		if (f->used && f->bucket == bucket && f->ipsa == sa && f->ipda == da &&
		    f->port == port && (any_l4 || f->flow == flow))
			return f->queue;
	}
	return -1;
}

/* RSS (7.1.2.8): the hash by MRQC's enabled fields with RSSRK's key, the queue from RETA. */
static unsigned rss_queue(struct ixm *m, const struct tuple *t, uint32_t *hash, unsigned *type)
{
	uint32_t mrqc = R(m, IXGBE_MRQC);
	uint8_t key[RSS_KEY_LEN];
	*hash = 0;
	*type = 0;
	if ((mrqc & 0xF) != IXGBE_MRQC_RSS || !t->ipv4)
		return 0;
	for (unsigned i = 0; i < RSS_KEY_LEN; i++)
		key[i] = (uint8_t)(R(m, IXGBE_RSSRK(i / 4)) >> (8 * (i % 4)));
	if (t->tcp && (mrqc & IXGBE_MRQC_TCPIPV4)) {
		*hash = toeplitz_ipv4_tcp(key, t->src, t->dst, t->sport, t->dport);
		*type = ADV_RSS_TYPE_TCPIPV4;
	} else if (mrqc & IXGBE_MRQC_IPV4) {
		*hash = toeplitz_ipv4(key, t->src, t->dst);
		*type = 2;                              /* IPv4 */
	} else {
		return 0;
	}
	unsigned e = *hash & 127;       /* RETA (8.2.3.7.14): entry 4i + j in byte j of RETA(i) */
	return R(m, 0x05C00 + 4 * (e / 4)) >> (8 * (e % 4)) & 0xF;
}

static volatile void *ring_at(struct ixm *m, uint32_t bal, uint32_t bah)
{
	return phys_to_virt((uint64_t)R(m, bah) << 32 | R(m, bal));
}

/* The next free receive descriptor of queue q (RDH != RDT), filled and written back. */
static bool rx_write(struct ixm *m, unsigned q, const uint8_t *frame, size_t len, uint32_t hash,
		     unsigned type)
{
	uint32_t head = R(m, IXGBE_RDH(q)), n = R(m, IXGBE_RDLEN(q)) / 16;
	uint32_t bsize = (R(m, IXGBE_SRRCTL(q)) & 0x1F) * 1024;
	if (!(R(m, IXGBE_RXDCTL(q)) & IXGBE_RXDCTL_ENABLE) || n == 0 || head == R(m, IXGBE_RDT(q)) ||
	    len > bsize)
		return false;
	volatile union adv_rx_desc *d = (volatile union adv_rx_desc *)
		ring_at(m, IXGBE_RDBAL(q), IXGBE_RDBAH(q)) + head;
	memcpy(phys_to_virt(d->read.pkt_addr), frame, len);
	d->wb.pkt_info = (uint16_t)type;
	d->wb.hdr_info = 0;
	d->wb.rss_hash = hash;
	d->wb.length = m->fault == IXM_RX_LEN_PAST_BUF ? (uint16_t)(bsize + 1) :
		       m->fault == IXM_RX_LEN_ZERO ? 0 : (uint16_t)len;
	d->wb.vlan = 0;
	d->wb.status_error = ADV_RXD_DD | (m->fault == IXM_RX_NO_EOP ? 0 : ADV_RXD_EOP);
	R(m, IXGBE_RDH(q)) = (head + 1) % n;
	return true;
}

int ixm_receive(struct ixm *m, const uint8_t *frame, size_t len)
{
	struct tuple t = parse(frame, len);
	uint32_t hash;
	unsigned type;
	if (!(R(m, IXGBE_RXCTRL) & IXGBE_RXCTRL_RXEN)) {
		m->rx_dropped++;
		return -1;
	}
	int q = (int)rss_queue(m, &t, &hash, &type);
	int fq = fdir_match(m, &t);
	if (fq >= 0)
		q = fq;
	if (q >= IXM_QUEUES || !rx_write(m, (unsigned)q, frame, len, hash, type)) {
		m->rx_dropped++;
		return -1;
	}
	R(m, IXGBE_GPRC)++;
	raise_rx(m, (unsigned)q);
	return q;
}

int ixm_transmit(struct ixm *m, unsigned q, uint8_t *out, size_t cap)
{
	uint32_t head = R(m, IXGBE_TDH(q)), n = R(m, IXGBE_TDLEN(q)) / 16;
	if (!(R(m, IXGBE_DMATXCTL) & IXGBE_DMATXCTL_TE) ||
	    !(R(m, IXGBE_TXDCTL(q)) & IXGBE_TXDCTL_ENABLE) || n == 0 || head == R(m, IXGBE_TDT(q)))
		return -1;
	volatile union adv_tx_desc *d = (volatile union adv_tx_desc *)
		ring_at(m, IXGBE_TDBAL(q), IXGBE_TDBAH(q)) + head;
	uint32_t ctl = d->read.cmd_type_len, len = ctl & 0xFFFF;
	bool data = (ctl & ADV_TXD_DEXT) && (ctl & (0xFu << 20)) == ADV_TXD_DTYP_DATA;
	if (!data || !(ctl & ADV_TXD_EOP) || len > cap) {
		violation(m, "TX queue %u descriptor %u not one whole data frame (%08x)", q, head, ctl);
		return -1;
	}
	memcpy(out, phys_to_virt(d->read.buffer_addr), len);
	if (ctl & ADV_TXD_RS)
		d->wb.status |= ADV_TXD_STAT_DD;
	R(m, IXGBE_TDH(q)) = (head + 1) % n;
	R(m, IXGBE_GPTC)++;
	return (int)len;
}
