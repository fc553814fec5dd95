/* Fuzzes the ACPI table parser (kernel/acpi.c) on an RSDP and a fake physical memory, both
 * taken from the input:
 *   byte 0    bits 0-5: the RSDP's length, taken modulo 37 (the boot loader copies 0-36);
 *             bit 6: make the RSDP's two checksums right; bit 7: make every table's checksum
 *             right as the parser maps it whole (so the fuzzer gets past checksums too)
 *   then      the RSDP, then the memory: physical address = offset into it, so every table
 *             pointer in the input lands inside or outside it.
 * Each range the parser maps is handed over as an exact-size copy, so AddressSanitizer sees a
 * read past what was mapped even where the memory goes on. */
#include <string.h>
#include "tests/fuzz/fuzz.h"
#include "kernel/acpi.h"
#include "lib/errno.h"

#define RSDP_MAX        36
#define FIX_RSDP        0x40
#define FIX_TABLES      0x80
#define PA_LIMIT        (1ull << 52)    /* x86-64's widest physical address (SDM 4.1.4) */

struct fake_mem {
	uint8_t *bytes;
	size_t size;
	bool fix_tables;
	void **copies;                  /* every range handed out, freed after the parse */
	size_t ncopies, cap;
};

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

static void keep(struct fake_mem *m, void *copy)
{
	if (m->ncopies == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->copies = realloc(m->copies, m->cap * sizeof(*m->copies));
	}
	m->copies[m->ncopies++] = copy;
}

/* The acpi_mem contract: len readable bytes at pa, or NULL. A range that wraps or lies past
 * the physical address space is no memory any kernel could map: asking for one is a defect. */
static const void *fake_map(void *ctx, uint64_t pa, size_t len)
{
	struct fake_mem *m = ctx;
	FUZZ_CHECK(len > 0, "a map of 0 bytes at %#llx", (unsigned long long)pa);
	FUZZ_CHECK(pa < PA_LIMIT && len <= PA_LIMIT - pa, "a map of %zu bytes at %#llx",
		   len, (unsigned long long)pa);
	if (pa > m->size || len > m->size - pa)
		return NULL;
	if (m->fix_tables && len >= 36 && rd32(m->bytes + pa + 4) == len)
		fix_checksum(m->bytes + pa, len, 9);
	uint8_t *copy = fuzz_dup(m->bytes + pa, len);
	keep(m, copy);
	return copy;
}

static void check_info(const struct acpi_info *ai)
{
	FUZZ_CHECK(ai->ncpus >= 1 && ai->ncpus <= ACPI_MAX_CPUS, "%u CPUs", ai->ncpus);
	FUZZ_CHECK(ai->cpus_dropped == 0 || ai->ncpus == ACPI_MAX_CPUS,
		   "%u CPUs dropped with %u listed", ai->cpus_dropped, ai->ncpus);
	FUZZ_CHECK(ai->nioapics <= ACPI_MAX_IOAPICS && ai->nisos <= ACPI_MAX_ISOS &&
		   ai->nmcfg <= ACPI_MAX_MCFG, "%u IOAPICs, %u overrides, %u MCFG entries",
		   ai->nioapics, ai->nisos, ai->nmcfg);
	FUZZ_CHECK(ai->have_madt, "CPUs without a MADT");
	for (unsigned i = 0; i < ai->ncpus; i++)
		for (unsigned j = i + 1; j < ai->ncpus; j++)
			FUZZ_CHECK(ai->cpus[i].apic_id != ai->cpus[j].apic_id,
				   "APIC id %u listed twice", ai->cpus[i].apic_id);
	/* pci_init maps buses bus_start..bus_end of segment 0's entry. */
	for (unsigned i = 0; i < ai->nmcfg; i++)
		FUZZ_CHECK(ai->mcfg[i].bus_start <= ai->mcfg[i].bus_end,
			   "MCFG entry %u: buses %u..%u", i, ai->mcfg[i].bus_start, ai->mcfg[i].bus_end);
	FUZZ_CHECK(ai->pm_timer_port <= 0xFFFF, "PM timer at port %#x", ai->pm_timer_port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	size_t rlen = (flags & 0x3F) % (RSDP_MAX + 1);
	data++, size--;
	if (rlen > size)
		rlen = size;
	uint8_t *rsdp = fuzz_dup(data, rlen);
	if ((flags & FIX_RSDP) && rlen >= 20)
		fix_checksum(rsdp, 20, 8);
	if ((flags & FIX_RSDP) && rlen >= 36)
		fix_checksum(rsdp, 36, 32);
	struct fake_mem m = { .bytes = fuzz_dup(data + rlen, size - rlen), .size = size - rlen,
			      .fix_tables = flags & FIX_TABLES };
	struct acpi_mem mem = { fake_map, &m };
	static struct acpi_info ai;
	const char *why = "not set";

	int err = acpi_parse(rsdp, rlen, &mem, &ai, &why);
	if (err) {
		FUZZ_CHECK(err == -EINVAL || err == -ENOENT, "error %d", err);
		FUZZ_CHECK(why != NULL && strlen(why) > 0, "error %d without a reason", err);
	} else {
		FUZZ_CHECK(why == NULL, "success with a reason: %s", why);
		FUZZ_CHECK(ai.revision == rsdp[15], "revision %u", ai.revision);
		check_info(&ai);
	}
	for (size_t i = 0; i < m.ncopies; i++)
		free(m.copies[i]);
	free(m.copies);
	free(m.bytes);
	free(rsdp);
	return 0;
}
