/* ACPI table parser (ACPI 6.5: RSDP 5.2.5, XSDT/RSDT 5.2.7-8, MADT 5.2.12, FADT 5.2.9, and
 * the PCI Firmware spec's MCFG). Every length and checksum is checked before a table is
 * believed. */
#include "kernel/acpi.h"
#include "lib/errno.h"
#include "lib/string.h"

#define SDT_HEADER      36
#define SDT_MAX_LEN     (1u << 20)
#define MADT_ENTRIES    44
#define MADT_LAPIC      0
#define MADT_IOAPIC     1
#define MADT_ISO        2
#define MADT_X2APIC     9
#define MADT_CPU_ENABLED 1u
#define MCFG_ENTRIES    44
#define MCFG_ENTRY_LEN  16
#define FADT_PM_TMR_BLK 76
#define FADT_FLAGS      112
#define FADT_X_PM_TMR   208     /* generic address structure: space, width, offset, size, addr */
#define FADT_TMR_VAL_EXT (1u << 8)
#define PA_LIMIT        (1ull << 52)    /* x86-64's widest physical address (SDM Vol. 3 4.1.4) */

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/* A table address is firmware's word: a range that wraps or lies past the physical address
 * space is no memory, and is never handed to a map that would compute pa + len. */
static const uint8_t *map_range(const struct acpi_mem *mem, uint64_t pa, uint32_t len)
{
	if (pa >= PA_LIMIT || len > PA_LIMIT - pa)
		return NULL;
	return mem->map(mem->ctx, pa, len);
}

/* Maps a whole table after checking its header: NULL if unreadable, too short or corrupt. */
static const uint8_t *map_sdt(const struct acpi_mem *mem, uint64_t pa, uint32_t *len)
{
	const uint8_t *h = map_range(mem, pa, SDT_HEADER);
	if (!h)
		return NULL;
	*len = rd32(h + 4);
	if (*len < SDT_HEADER || *len > SDT_MAX_LEN)
		return NULL;
	const uint8_t *t = map_range(mem, pa, *len);
	return t && checksum_ok(t, *len) ? t : NULL;
}

static bool has_cpu(const struct acpi_info *info, uint32_t apic_id)
{
	for (unsigned i = 0; i < info->ncpus; i++)
		if (info->cpus[i].apic_id == apic_id)
			return true;
	return false;
}

static void add_cpu(struct acpi_info *info, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	/* Only enabled CPUs can be started; "online capable" ones are for hot-plug. */
	if (!(flags & MADT_CPU_ENABLED) || has_cpu(info, apic_id))
		return;
	if (info->ncpus == ACPI_MAX_CPUS) {
		info->cpus_dropped++;
		return;
	}
	info->cpus[info->ncpus++] = (struct acpi_cpu){ apic_id, uid };
}

static void madt_entry(struct acpi_info *info, const uint8_t *e, uint8_t type, uint8_t len)
{
	if (type == MADT_LAPIC && len >= 8)
		add_cpu(info, e[3], e[2], rd32(e + 4));
	else if (type == MADT_X2APIC && len >= 16)
		add_cpu(info, rd32(e + 4), rd32(e + 12), rd32(e + 8));
	else if (type == MADT_IOAPIC && len >= 12 && info->nioapics < ACPI_MAX_IOAPICS)
		info->ioapics[info->nioapics++] = (struct acpi_ioapic){ e[2], rd32(e + 4), rd32(e + 8) };
	else if (type == MADT_ISO && len >= 10 && info->nisos < ACPI_MAX_ISOS)
		info->isos[info->nisos++] = (struct acpi_iso){ e[3], rd32(e + 4), rd16(e + 8) };
}

static int parse_madt(const uint8_t *t, uint32_t len, struct acpi_info *info, const char **why)
{
	if (len < MADT_ENTRIES) {
		*why = "MADT too short";
		return -EINVAL;
	}
	info->lapic_addr = rd32(t + 36);
	for (uint32_t off = MADT_ENTRIES; off + 2 <= len; ) {
		uint8_t type = t[off], elen = t[off + 1];
		if (elen < 2 || elen > len - off) {
			*why = "MADT entry length runs past the table";
			return -EINVAL;
		}
		madt_entry(info, t + off, type, elen);
		off += elen;
	}
	info->have_madt = true;
	return 0;
}

/* An entry decodes buses start..end (PCI Firmware spec 3.2, 4.1.2); one ending before it
 * starts describes no bus, and pci_init would size its ECAM window from end - start + 1. */
static void parse_mcfg(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
	for (uint32_t off = MCFG_ENTRIES; off + MCFG_ENTRY_LEN <= len && info->nmcfg < ACPI_MAX_MCFG;
	     off += MCFG_ENTRY_LEN)
		if (t[off + 10] <= t[off + 11])
			info->mcfg[info->nmcfg++] = (struct acpi_mcfg){ rd64(t + off), rd16(t + off + 8),
									t[off + 10], t[off + 11] };
}

/* The PM timer is read with IN: an address past the 64 KiB I/O space (SDM Vol. 1 19.3) is
 * not a port, and neither is 0 ("none"). */
static bool io_port(uint64_t a)
{
	return a && a <= 0xFFFF;
}

static void parse_fadt(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
	uint64_t x = 0, blk = 0;
	if (len >= FADT_X_PM_TMR + 12 && t[FADT_X_PM_TMR] == 1)        /* space 1: system I/O */
		x = rd64(t + FADT_X_PM_TMR + 4);
	if (len >= FADT_PM_TMR_BLK + 4)
		blk = rd32(t + FADT_PM_TMR_BLK);
	if (io_port(x))
		info->pm_timer_port = (uint32_t)x;
	else if (io_port(blk))
		info->pm_timer_port = (uint32_t)blk;
	if (len >= FADT_FLAGS + 4)
		info->pm_timer_32bit = rd32(t + FADT_FLAGS) & FADT_TMR_VAL_EXT;
	info->have_fadt = true;
}

static int parse_table(const struct acpi_mem *mem, uint64_t pa, struct acpi_info *info,
		       const char **why)
{
	uint32_t len;
	const uint8_t *t = map_sdt(mem, pa, &len);
	if (!t)
		return 0;       /* a table we cannot read or trust is skipped, not fatal */
	if (memcmp(t, "APIC", 4) == 0)
		return parse_madt(t, len, info, why);
	if (memcmp(t, "MCFG", 4) == 0)
		parse_mcfg(t, len, info);
	else if (memcmp(t, "FACP", 4) == 0)
		parse_fadt(t, len, info);
	return 0;
}

/* The RSDP names the XSDT (64-bit entries) from revision 2 on, else the RSDT (32-bit). */
static int root_table(const uint8_t *rsdp, size_t len, uint64_t *pa, unsigned *esz,
		      const char **why)
{
	if (len < 20 || memcmp(rsdp, "RSD PTR ", 8) != 0 || !checksum_ok(rsdp, 20)) {
		*why = "RSDP missing or its checksum is wrong";
		return -ENOENT;
	}
	if (rsdp[15] >= 2 && len >= 36 && checksum_ok(rsdp, 36) && rd64(rsdp + 24)) {
		*pa = rd64(rsdp + 24);
		*esz = 8;
		return 0;
	}
	*pa = rd32(rsdp + 16);
	*esz = 4;
	return 0;
}

int acpi_parse(const uint8_t *rsdp, size_t len, const struct acpi_mem *mem,
	       struct acpi_info *info, const char **why)
{
	uint64_t root_pa;
	unsigned esz;
	uint32_t rlen;
	int err;

	memset(info, 0, sizeof(*info));
	*why = NULL;
	if ((err = root_table(rsdp, len, &root_pa, &esz, why)))
		return err;
	info->revision = rsdp[15];
	const uint8_t *root = map_sdt(mem, root_pa, &rlen);
	if (!root || memcmp(root, esz == 8 ? "XSDT" : "RSDT", 4) != 0) {
		*why = "root table (XSDT/RSDT) unreadable or its checksum is wrong";
		return -EINVAL;
	}
	for (uint32_t off = SDT_HEADER; off + esz <= rlen; off += esz) {
		uint64_t pa = esz == 8 ? rd64(root + off) : rd32(root + off);
		if ((err = parse_table(mem, pa, info, why)))
			return err;
	}
	if (!info->have_madt) {
		*why = "no MADT: the CPUs cannot be enumerated";
		return -ENOENT;
	}
	if (info->ncpus == 0) {
		*why = "MADT lists no enabled CPU";
		return -EINVAL;
	}
	return 0;
}

const struct acpi_mcfg *acpi_mcfg_of(const struct acpi_info *info, uint16_t segment)
{
	for (unsigned i = 0; i < info->nmcfg && i < ACPI_MAX_MCFG; i++)
		if (info->mcfg[i].segment == segment)
			return &info->mcfg[i];
	return NULL;
}
