/* Symbol lookup over the table that the build appends to the kernel image. */
#include "kernel/ksyms.h"
#include "kernel/console.h"
#include "lib/string.h"

extern const struct ksyms_header _ksyms_start[];

static const struct ksyms_header *ksyms_table(void)
{
	return _ksyms_start->magic == KSYMS_MAGIC ? _ksyms_start : NULL;
}

static const struct ksym *ksym_entries(const struct ksyms_header *h)
{
	return (const struct ksym *)(h + 1);
}

static const char *ksym_name(const struct ksyms_header *h, const struct ksym *s)
{
	return (const char *)h + h->strtab + s->name;
}

uint64_t ksym_count(void)
{
	const struct ksyms_header *h = ksyms_table();
	return h ? h->count : 0;
}

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	const struct ksyms_header *h = ksyms_table();
	if (!h || h->count == 0)
		return NULL;
	const struct ksym *e = ksym_entries(h);
	uint64_t lo = 0, hi = h->count;

	/* Last entry whose address is <= addr. */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (e[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (addr < e[lo].addr || addr - e[lo].addr >= (e[lo].size ? e[lo].size : 1))
		return NULL;
	if (offset)
		*offset = addr - e[lo].addr;
	return ksym_name(h, &e[lo]);
}

uint64_t ksym_address(const char *name)
{
	const struct ksyms_header *h = ksyms_table();
	if (!h)
		return 0;
	for (uint64_t i = 0; i < h->count; i++)
		if (strcmp(ksym_name(h, &ksym_entries(h)[i]), name) == 0)
			return ksym_entries(h)[i].addr;
	return 0;
}

void ksym_print(uint64_t addr)
{
	uint64_t off;
	const char *name = ksym_lookup(addr, &off);

	if (name)
		kprintf("<%s+0x%lx>", name, off);
	else
		kprintf("<?>");
}
