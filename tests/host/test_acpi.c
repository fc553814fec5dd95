/* Tests of kernel/acpi.c on tables built in a buffer, correct and corrupted. */
#include "tests/host/test.h"
#include "kernel/acpi.h"
#include "lib/errno.h"
#include "lib/string.h"

/* A fake physical memory: physical address = offset into buf. */
struct fake_mem {
	_Alignas(8) uint8_t buf[4096];
	uint32_t used;
};

static const void *fake_map(void *ctx, uint64_t pa, size_t len)
{
	struct fake_mem *m = ctx;
	return pa + len <= sizeof(m->buf) ? m->buf + pa : NULL;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

/* Starts a table with signature sig; returns its address. */
static uint32_t table_begin(struct fake_mem *m, const char *sig)
{
	uint32_t at = (m->used + 15) & ~15u;
	memcpy(m->buf + at, sig, 4);
	m->buf[at + 8] = 1;
	m->used = at + 36;
	return at;
}

static void table_end(struct fake_mem *m, uint32_t at)
{
	put32(m->buf + at + 4, m->used - at);
	fix_checksum(m->buf + at, m->used - at, 9);
}

static void add(struct fake_mem *m, const void *p, uint32_t n)
{
	memcpy(m->buf + m->used, p, n);
	m->used += n;
}

static uint32_t build_madt(struct fake_mem *m)
{
	uint32_t t = table_begin(m, "APIC");
	uint8_t hdr[8] = { 0 };
	put32(hdr, 0xFEE00000);
	add(m, hdr, 8);
	uint8_t cpu0[8] = { 0, 8, 0, 0, 1 }, cpu1[8] = { 0, 8, 1, 1, 1 }, cpu_off[8] = { 0, 8, 2, 2, 0 };
	add(m, cpu0, 8);
	add(m, cpu1, 8);
	add(m, cpu_off, 8);                     /* disabled: not startable */
	uint8_t x2[16] = { 9, 16 };
	put32(x2 + 4, 300);                     /* an x2APIC-only id */
	put32(x2 + 8, 1);
	put32(x2 + 12, 7);
	add(m, x2, 16);
	uint8_t io[12] = { 1, 12, 5, 0 };
	put32(io + 4, 0xFEC00000);
	add(m, io, 12);
	uint8_t iso[10] = { 2, 10, 0, 0 };
	put32(iso + 4, 2);                      /* IRQ0 -> GSI 2, as on PCs */
	put16(iso + 8, 0);
	add(m, iso, 10);
	table_end(m, t);
	return t;
}

static uint32_t build_mcfg(struct fake_mem *m)
{
	uint32_t t = table_begin(m, "MCFG");
	uint8_t pad[8] = { 0 }, e[16] = { 0 };
	add(m, pad, 8);
	put64(e, 0xB0000000);
	e[10] = 0;
	e[11] = 255;
	add(m, e, 16);
	table_end(m, t);
	return t;
}

static uint32_t build_fadt(struct fake_mem *m)
{
	uint32_t t = table_begin(m, "FACP");
	uint8_t body[244 - 36] = { 0 };
	put32(body + 76 - 36, 0x608);
	put32(body + 112 - 36, 1u << 8);
	add(m, body, sizeof(body));
	table_end(m, t);
	return t;
}

/* RSDP (v2) -> XSDT -> MADT, MCFG, FADT. Returns the MADT's address. */
static uint32_t build_all(struct fake_mem *m, uint8_t rsdp[36])
{
	memset(m, 0, sizeof(*m));
	m->used = 16;
	uint32_t madt = build_madt(m), mcfg = build_mcfg(m), fadt = build_fadt(m);
	uint32_t x = table_begin(m, "XSDT");
	uint8_t e[8];
	put64(e, madt); add(m, e, 8);
	put64(e, mcfg); add(m, e, 8);
	put64(e, fadt); add(m, e, 8);
	put64(e, 4000); add(m, e, 8);           /* points at zeros: skipped */
	table_end(m, x);
	memset(rsdp, 0, 36);
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	put32(rsdp + 20, 36);
	put64(rsdp + 24, x);
	fix_checksum(rsdp, 20, 8);
	fix_checksum(rsdp, 36, 32);
	return madt;
}

static struct fake_mem fm;
static struct acpi_info info;

TEST(acpi, parses_madt_mcfg_fadt_through_xsdt)
{
	uint8_t rsdp[36];
	const char *why;
	struct acpi_mem mem = { fake_map, &fm };
	build_all(&fm, rsdp);
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == 0);
	EXPECT_EQ_U64(info.revision, 2);
	EXPECT_EQ_U64(info.lapic_addr, 0xFEE00000);
	EXPECT_EQ_U64(info.ncpus, 3);
	EXPECT_EQ_U64(info.cpus[0].apic_id, 0);
	EXPECT_EQ_U64(info.cpus[1].apic_id, 1);
	EXPECT_EQ_U64(info.cpus[2].apic_id, 300);
	EXPECT_EQ_U64(info.cpus[2].uid, 7);
	EXPECT_EQ_U64(info.nioapics, 1);
	EXPECT_EQ_U64(info.ioapics[0].addr, 0xFEC00000);
	EXPECT_EQ_U64(info.nisos, 1);
	EXPECT_EQ_U64(info.isos[0].gsi, 2);
	EXPECT_EQ_U64(info.nmcfg, 1);
	EXPECT_EQ_U64(info.mcfg[0].base, 0xB0000000);
	EXPECT_EQ_U64(info.mcfg[0].bus_end, 255);
	EXPECT_EQ_U64(info.pm_timer_port, 0x608);
	EXPECT(info.pm_timer_32bit);
}

TEST(acpi, acpi1_rsdp_uses_rsdt)
{
	uint8_t rsdp[36];
	const char *why;
	struct acpi_mem mem = { fake_map, &fm };
	build_all(&fm, rsdp);
	uint32_t madt = 16;     /* the first table built */
	uint32_t r = table_begin(&fm, "RSDT");
	uint8_t e[4];
	put32(e, madt);
	add(&fm, e, 4);
	table_end(&fm, r);
	rsdp[15] = 0;
	put32(rsdp + 16, r);
	fix_checksum(rsdp, 20, 8);
	EXPECT(acpi_parse(rsdp, 20, &mem, &info, &why) == 0);
	EXPECT_EQ_U64(info.ncpus, 3);
	EXPECT(!info.have_fadt);
}

TEST(acpi, bad_rsdp_and_root_are_refused)
{
	uint8_t rsdp[36];
	const char *why = NULL;
	struct acpi_mem mem = { fake_map, &fm };
	build_all(&fm, rsdp);
	rsdp[3] ^= 1;                           /* signature */
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == -ENOENT && why);
	build_all(&fm, rsdp);
	rsdp[0x10] ^= 0xFF;                     /* first checksum breaks */
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == -ENOENT);
	build_all(&fm, rsdp);
	put64(rsdp + 24, 100000);               /* XSDT beyond memory */
	fix_checksum(rsdp, 36, 32);
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == -EINVAL);
	EXPECT(acpi_parse(rsdp, 10, &mem, &info, &why) == -ENOENT);
}

TEST(acpi, corrupt_madt_is_not_believed)
{
	uint8_t rsdp[36];
	const char *why = NULL;
	struct acpi_mem mem = { fake_map, &fm };
	uint32_t madt = build_all(&fm, rsdp);
	fm.buf[madt + 50] ^= 0x40;              /* checksum now wrong: table skipped */
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == -ENOENT);
	EXPECT(why && test_strcmp(why, "no MADT: the CPUs cannot be enumerated") == 0);

	madt = build_all(&fm, rsdp);
	fm.buf[madt + 44 + 1] = 0;              /* first entry claims length 0 */
	fix_checksum(fm.buf + madt, 36 + 8 + 8 * 3 + 16 + 12 + 10, 9);
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == -EINVAL);

	madt = build_all(&fm, rsdp);
	fm.buf[madt + 44 + 1] = 200;            /* runs past the table */
	fix_checksum(fm.buf + madt, 36 + 8 + 8 * 3 + 16 + 12 + 10, 9);
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == -EINVAL);

	madt = build_all(&fm, rsdp);
	put32(fm.buf + madt + 4, 0x7FFFFFFF);   /* absurd length */
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == -ENOENT);
}

/* A map that notes a range no kernel could map (wrapping, or past the 52-bit physical space)
 * instead of computing pa + len with it as a naive map would. */
static bool asked_out_of_space;

static const void *noting_map(void *ctx, uint64_t pa, size_t len)
{
	if (pa >= (1ull << 52) || len > (1ull << 52) - pa) {
		asked_out_of_space = true;
		return NULL;
	}
	return fake_map(ctx, pa, len);
}

/* Rewrites the XSDT's last entry (build_all's pointer at zeros) to pa. */
static void set_last_xsdt_entry(const uint8_t rsdp[36], uint64_t pa)
{
	uint64_t x;
	memcpy(&x, rsdp + 24, 8);
	put64(fm.buf + x + 36 + 3 * 8, pa);
	fix_checksum(fm.buf + x, 36 + 4 * 8, 9);
}

TEST(acpi, table_address_past_physical_space_is_not_mapped)
{
	uint8_t rsdp[36];
	const char *why;
	struct acpi_mem mem = { noting_map, &fm };
	const uint64_t bad[] = { 0xFFFFFFFFFFFFFF00ull, 0xFFFFFFFFFFFFFFF0ull, (1ull << 52) - 8,
				 1ull << 63 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_all(&fm, rsdp);
		set_last_xsdt_entry(rsdp, bad[i]);
		asked_out_of_space = false;
		EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == 0);
		EXPECT(!asked_out_of_space);
		EXPECT_EQ_U64(info.ncpus, 3);
	}
	build_all(&fm, rsdp);
	put64(rsdp + 24, 0xFFFFFFFFFFFFFFE0ull);        /* the XSDT itself */
	fix_checksum(rsdp, 36, 32);
	asked_out_of_space = false;
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == -EINVAL && why);
	EXPECT(!asked_out_of_space);
}

/* Rewrites the FADT build_all made (the third table) with PM_TMR_BLK blk and, when x is not
 * 0, an X_PM_TMR_BLK in system I/O space at x. */
static void set_pm_timer(const uint8_t rsdp[36], uint32_t blk, uint64_t x)
{
	uint64_t xsdt, fadt;
	memcpy(&xsdt, rsdp + 24, 8);
	memcpy(&fadt, fm.buf + xsdt + 36 + 2 * 8, 8);
	put32(fm.buf + fadt + 76, blk);
	fm.buf[fadt + 208] = x ? 1 : 0;
	put64(fm.buf + fadt + 212, x);
	fix_checksum(fm.buf + fadt, 244, 9);
}

TEST(acpi, pm_timer_outside_io_space_is_not_a_port)
{
	uint8_t rsdp[36];
	const char *why;
	struct acpi_mem mem = { fake_map, &fm };
	build_all(&fm, rsdp);
	set_pm_timer(rsdp, 0x43414600, 0);              /* no port: reads would go to 0x4600 */
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == 0);
	EXPECT_EQ_U64(info.pm_timer_port, 0);
	build_all(&fm, rsdp);
	set_pm_timer(rsdp, 0x608, 0x10408);             /* X_PM_TMR_BLK no port: PM_TMR_BLK */
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == 0);
	EXPECT_EQ_U64(info.pm_timer_port, 0x608);
	build_all(&fm, rsdp);
	set_pm_timer(rsdp, 0x608, 0xB008);              /* both ports: X_PM_TMR_BLK wins */
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == 0);
	EXPECT_EQ_U64(info.pm_timer_port, 0xB008);
}

TEST(acpi, mcfg_entry_ending_before_it_starts_is_skipped)
{
	uint8_t rsdp[36];
	const char *why;
	struct acpi_mem mem = { fake_map, &fm };
	build_all(&fm, rsdp);
	uint64_t xsdt, mcfg;
	memcpy(&xsdt, rsdp + 24, 8);
	memcpy(&mcfg, fm.buf + xsdt + 36 + 8, 8);
	fm.buf[mcfg + 44 + 10] = 254;                   /* buses 254..255: fine */
	fix_checksum(fm.buf + mcfg, 60, 9);
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == 0);
	EXPECT_EQ_U64(info.nmcfg, 1);
	fm.buf[mcfg + 44 + 11] = 48;                    /* buses 254..48: none */
	fix_checksum(fm.buf + mcfg, 60, 9);
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == 0);
	EXPECT_EQ_U64(info.nmcfg, 0);
	EXPECT_EQ_U64(info.ncpus, 3);
}

/* pci_init scans segment 0 only (the ports reach no other): it takes that segment's entry,
 * not whichever the firmware listed first. */
TEST(acpi, the_mcfg_entry_of_segment_0_is_the_one_found)
{
	uint8_t rsdp[36];
	const char *why;
	struct acpi_mem mem = { fake_map, &fm };
	build_all(&fm, rsdp);
	uint64_t xsdt, mcfg;
	memcpy(&xsdt, rsdp + 24, 8);
	memcpy(&mcfg, fm.buf + xsdt + 36 + 8, 8);
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == 0);
	EXPECT(acpi_mcfg_of(&info, 0) == &info.mcfg[0]);
	EXPECT_EQ_U64(acpi_mcfg_of(&info, 0)->base, 0xB0000000);
	fm.buf[mcfg + 44 + 8] = 1;                      /* the one entry is segment 1's */
	fix_checksum(fm.buf + mcfg, 60, 9);
	EXPECT(acpi_parse(rsdp, 36, &mem, &info, &why) == 0);
	EXPECT_EQ_U64(info.nmcfg, 1);
	EXPECT(acpi_mcfg_of(&info, 0) == NULL);
	EXPECT(acpi_mcfg_of(&info, 1) == &info.mcfg[0]);
}
